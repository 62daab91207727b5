//! `omnipack image build` end to end: the example's images built from the
//! debian-12 build root `scripts/test` made and its own packages, pushed to
//! a real registry (Debian's `docker-registry` on 127.0.0.1), read back with
//! `skopeo`, unpacked with `umoci` and run with bubblewrap.

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::registry::Registry;
use omnipack_test_support::{require_tools, run_ok};
use serde_json::Value;

use crate::support::{omnipack, repo_root, text};

/// The omnipack cache holding the debian-12 build root, if `scripts/test`
/// made it.
fn cache_with_root() -> Option<PathBuf> {
    let roots = std::env::var_os("OMNIPACK_TEST_BUILD_ROOTS").map(PathBuf::from);
    match roots {
        Some(r) if r.join("debian-12/root.json").is_file() => r.parent().map(Path::to_path_buf),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "scripts/test makes the debian-12 build root (OMNIPACK_TEST_BUILD_ROOTS)"
            );
            eprintln!("skipping: no debian-12 build root (run scripts/test)");
            None
        }
    }
}

/// Fixed for the test, so two builds must agree.
const EPOCH: &str = "1767225600";

fn image(cache: &Path, args: &[&str]) -> std::process::Output {
    omnipack()
        .args(["image", "build"])
        .arg(repo_root().join("examples/greet"))
        .args(args)
        .env("OMNIPACK_CACHE_DIR", cache)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap()
}

fn skopeo(args: &[&str]) -> String {
    let o = Command::new("skopeo").args(args).output().unwrap();
    assert!(o.status.success(), "skopeo {args:?}: {:?}", text(&o));
    text(&o).0
}

/// Runs `argv` inside `rootfs` with bubblewrap; (success, stdout+stderr).
fn run_in(rootfs: &Path, argv: &[&str]) -> (bool, String) {
    let o = Command::new("bwrap")
        .arg("--bind")
        .arg(rootfs)
        .arg("/")
        .args([
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--clearenv",
        ])
        .args(["--setenv", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "--"])
        .args(argv)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    (o.status.success(), out + &err)
}

// Guards issue 19: the example's two images build from the debian-12 build
// root and the packages `omnipack build` made, push to a real registry
// (skopeo sees tags, labels, ports, entrypoint), come back through skopeo
// and umoci, run their entrypoint, list our packages in dpkg; two builds
// give one digest, a second push uploads no blob, the SBOM lists the
// packages and is found through the referrers tag.
#[test]
fn the_example_images_build_push_and_run() {
    if !require_tools(&["bwrap", "unshare", "umoci", "skopeo", "docker-registry"]) {
        return;
    }
    let Some(cache) = cache_with_root() else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let dist = t.path().join("dist");
    let o = omnipack()
        .args(["build", "--quiet", "-d", "debian-12", "-o"])
        .arg(&dist)
        .arg(repo_root().join("examples/greet"))
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let registry = Registry::start();
    let push = format!("{}/acme", registry.host());
    let out1 = t.path().join("images1");
    let (d, o1) = (dist.to_str().unwrap(), out1.to_str().unwrap());
    let o = image(
        &cache,
        &["--packages", d, "-o", o1, "--push", &push, "--json"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let report: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(report.as_array().unwrap().len(), 2, "{report}");

    // The registry's view.
    let agent = format!("docker://{push}/greet-agent:1.0.0-1");
    let inspect: Value =
        serde_json::from_str(&skopeo(&["inspect", "--tls-verify=false", &agent])).unwrap();
    assert!(
        inspect["RepoTags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "1.0.0-1"),
        "{inspect}"
    );
    assert_eq!(
        inspect["Labels"]["org.opencontainers.image.version"], "1.0.0-1",
        "{inspect}"
    );
    let config: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--config",
        &agent,
    ]))
    .unwrap();
    assert_eq!(config["config"]["Entrypoint"][0], "/usr/sbin/greet-agent");
    assert!(
        config["config"]["ExposedPorts"]["4523/tcp"].is_object(),
        "{config}"
    );
    assert!(
        config["config"]["Volumes"]["/var/lib/greet"].is_object(),
        "{config}"
    );

    // Back through skopeo into a layout, unpacked by umoci, run.
    let control = format!("docker://{push}/greet-control:1.0.0-1");
    let back = t.path().join("back");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &control,
        &format!("oci:{}:x", back.display()),
    ]);
    let unpacked = t.path().join("unpacked");
    let o = Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:x", back.display()))
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let rootfs = unpacked.join("rootfs");
    let (ok, out) = run_in(&rootfs, &["/usr/bin/greet", "--version"]);
    assert!(ok && out.contains("1.0.0"), "{out}");
    let (ok, out) = run_in(
        &rootfs,
        &[
            "dpkg-query",
            "-W",
            "-f",
            "${Package} ${Status}\\n",
            "greet-*",
        ],
    );
    assert!(ok, "{out}");
    for p in [
        "greet-python install ok installed",
        "greet-cli install ok installed",
    ] {
        assert!(out.contains(p), "{out}");
    }
    assert!(
        !rootfs
            .join("var/lib/apt/lists")
            .read_dir()
            .unwrap()
            .any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with("_Packages")
            }),
        "apt's lists must not be in the image"
    );

    // A second build elsewhere: the same digests; its push uploads nothing.
    let uploads = |log: &str| {
        log.lines()
            .filter(|l| l.contains("\"PUT /v2/") && l.contains("/blobs/uploads/"))
            .count()
    };
    let before = uploads(&registry.log_text());
    assert!(
        before > 0,
        "the registry's log shows no upload: {}",
        registry.log_text()
    );
    let out2 = t.path().join("images2");
    let o2 = out2.to_str().unwrap();
    let o = image(
        &cache,
        &[
            "--packages",
            d,
            "-o",
            o2,
            "--push",
            &push,
            "--json",
            "--format",
            "docker-archive",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let again: Value = serde_json::from_str(&text(&o).0).unwrap();
    // The `docker load` archive: skopeo reads it as docker-archive, with the
    // same config and the layers' diff ids, and copies it into a layout
    // that umoci unpacks.
    let archive = out2.join("greet-agent.docker.tar");
    assert_eq!(
        again[0]["docker_archive"].as_str(),
        Some(archive.to_str().unwrap())
    );
    let da = format!("docker-archive:{}", archive.display());
    let raw: Value = serde_json::from_str(&skopeo(&["inspect", "--raw", &da])).unwrap();
    assert_eq!(raw["config"]["digest"], report[0]["config"], "{raw}");
    let diff_ids: Vec<&Value> = report[0]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["diff_id"])
        .collect();
    let got: Vec<&Value> = raw["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["digest"])
        .collect();
    assert_eq!(got, diff_ids, "{raw}");
    let from_archive = t.path().join("from-archive");
    skopeo(&["copy", &da, &format!("oci:{}:x", from_archive.display())]);
    let unpacked = t.path().join("unpacked-archive");
    let o = Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:x", from_archive.display()))
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let status = fs::read_to_string(unpacked.join("rootfs/var/lib/dpkg/status")).unwrap();
    assert!(status.contains("Package: greet-python"), "{status}");
    for (a, b) in report
        .as_array()
        .unwrap()
        .iter()
        .zip(again.as_array().unwrap())
    {
        assert_eq!(a["digest"], b["digest"], "two builds, two digests");
        assert_eq!(b["push"]["uploaded"], 0, "{b}");
    }
    assert_eq!(
        uploads(&registry.log_text()),
        before,
        "a blob was uploaded again"
    );

    // The SBOM: in the layout, and through the registry's referrers tag.
    let layout = out1.join("greet-control");
    let index: Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let blob = |digest: &str| {
        layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let sbom_manifest = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m.get("annotations").is_none())
        .unwrap();
    let m: Value =
        serde_json::from_slice(&fs::read(blob(sbom_manifest["digest"].as_str().unwrap())).unwrap())
            .unwrap();
    assert_eq!(m["artifactType"], "application/spdx+json");
    let sbom: Value = serde_json::from_slice(
        &fs::read(blob(m["layers"][0]["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!(sbom["spdxVersion"], "SPDX-2.3");
    let names: Vec<&str> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"greet-python") && names.contains(&"libc6"),
        "{names:?}"
    );
    // The SPDX project's own parser and validator (spdx-tools from PyPI,
    // installed by scripts/test) accepts it.
    if require_tools(&["pyspdxtools"]) {
        let f = t.path().join("image.spdx.json");
        fs::write(&f, serde_json::to_vec_pretty(&sbom).unwrap()).unwrap();
        let o = Command::new("pyspdxtools")
            .arg("-i")
            .arg(&f)
            .output()
            .unwrap();
        let (out, err) = text(&o);
        assert!(o.status.success(), "pyspdxtools: {out}{err}");
        assert!(
            !(out.clone() + &err).contains("invalid"),
            "pyspdxtools: {out}{err}"
        );
    }
    let image_digest = report[1]["digest"].as_str().unwrap();
    let fallback = format!(
        "docker://{push}/greet-control:sha256-{}",
        image_digest.trim_start_matches("sha256:")
    );
    let raw: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &fallback,
    ]))
    .unwrap();
    assert_eq!(
        raw["manifests"][0]["artifactType"], "application/spdx+json",
        "{raw}"
    );
    assert_eq!(raw["manifests"][0]["digest"], sbom_manifest["digest"]);

    // Images on an image: the agent's layout and the agent pulled from the
    // registry as bases; their layers are reused as they are, ours on top.
    let proj = t.path().join("proj");
    run_ok(
        Command::new("cp")
            .args(["-a"])
            .arg(repo_root().join("examples/greet"))
            .arg(&proj),
    );
    let mut toml = fs::read_to_string(proj.join("omnipack.toml")).unwrap();
    toml.push_str(&format!(
        "\n[[image]]\nname = \"greet-plus\"\nbase = \"oci:{}:1.0.0-1\"\ndistribution = \"debian-12\"\npackages = [\"greet-cli\"]\nentrypoint = [\"/usr/bin/greet\"]\nports = [\"9000\"]\n\
         \n[[image]]\nname = \"greet-pulled\"\nbase = \"{push}/greet-agent:1.0.0-1\"\ndistribution = \"debian-12\"\npackages = [\"greet-cli\"]\nentrypoint = [\"/usr/bin/greet\"]\n",
        out1.join("greet-agent").display()
    ));
    fs::write(proj.join("omnipack.toml"), toml).unwrap();
    let out3 = t.path().join("images3");
    let agent_layers: Vec<&Value> = report[0]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["digest"])
        .collect();
    for name in ["greet-plus", "greet-pulled"] {
        let o = omnipack()
            .args(["image", "build"])
            .arg(&proj)
            .args([
                "--image",
                name,
                "--version",
                "1.0.0-1",
                "--packages",
                d,
                "--json",
                "-o",
            ])
            .arg(&out3)
            .env("OMNIPACK_CACHE_DIR", &cache)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {:?}", text(&o));
        let r: Value = serde_json::from_str(&text(&o).0).unwrap();
        let layers: Vec<&Value> = r[0]["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| &l["digest"])
            .collect();
        assert_eq!(layers.len(), 3, "{r}");
        assert_eq!(
            layers[..2],
            agent_layers[..],
            "{name}: the base's layers reused"
        );
        let unpacked = t.path().join(format!("unpacked-{name}"));
        let o = Command::new("umoci")
            .args(["unpack", "--image"])
            .arg(format!("{}:1.0.0-1", out3.join(name).display()))
            .arg(&unpacked)
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
        let rootfs = unpacked.join("rootfs");
        let (ok, out) = run_in(&rootfs, &["/usr/bin/greet", "--version"]);
        assert!(ok && out.contains("1.0.0"), "{name}: {out}");
        let status = fs::read_to_string(rootfs.join("var/lib/dpkg/status")).unwrap();
        assert!(
            status.contains("Package: greet-cli") && status.contains("Package: greet-node"),
            "{name}: the base's packages and ours"
        );
        let config: Value =
            serde_json::from_slice(&fs::read(unpacked.join("config.json")).unwrap()).unwrap();
        let cfg = serde_json::to_string(&config).unwrap();
        assert!(
            cfg.contains("/var/lib/greet"),
            "{name}: the base's volume kept: {cfg}"
        );
    }

    // A registry that asks for a password (HTTP Basic): without stored
    // credentials the push says how to store them; with what `skopeo login`
    // stored, it pushes, and an image is pulled from it as a base.
    let locked = Registry::start_with_user("omni", "s3cret");
    let lpush = format!("{}/acme", locked.host());
    let o = image(
        &cache,
        &[
            "--image",
            "greet-agent",
            "--packages",
            d,
            "-o",
            o1,
            "--push",
            &lpush,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("skopeo login"), "{:?}", text(&o));
    let authfile = t.path().join("auth.json");
    let login = |password: &str| {
        Command::new("skopeo")
            .args([
                "login",
                "--tls-verify=false",
                "-u",
                "omni",
                "-p",
                password,
                "--authfile",
            ])
            .arg(&authfile)
            .arg(locked.host())
            .output()
            .unwrap()
    };
    assert!(login("s3cret").status.success());
    let o = omnipack()
        .args(["image", "build"])
        .arg(repo_root().join("examples/greet"))
        .args([
            "--image",
            "greet-agent",
            "--packages",
            d,
            "-o",
            o1,
            "--push",
            &lpush,
        ])
        .env("OMNIPACK_CACHE_DIR", &cache)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("REGISTRY_AUTH_FILE", &authfile)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let seen: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--authfile",
        authfile.to_str().unwrap(),
        &format!("docker://{lpush}/greet-agent:1.0.0-1"),
    ]))
    .unwrap();
    assert_eq!(seen["Digest"], report[0]["digest"], "{seen}");
    let mut toml = fs::read_to_string(proj.join("omnipack.toml")).unwrap();
    toml.push_str(&format!(
        "\n[[image]]\nname = \"greet-locked\"\nbase = \"{lpush}/greet-agent:1.0.0-1\"\ndistribution = \"debian-12\"\npackages = [\"greet-cli\"]\nentrypoint = [\"/usr/bin/greet\"]\n"
    ));
    fs::write(proj.join("omnipack.toml"), toml).unwrap();
    let o = omnipack()
        .args(["image", "build"])
        .arg(&proj)
        .args([
            "--image",
            "greet-locked",
            "--version",
            "1.0.0-1",
            "--packages",
            d,
            "-o",
        ])
        .arg(&out3)
        .env("OMNIPACK_CACHE_DIR", &cache)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("REGISTRY_AUTH_FILE", &authfile)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    // A wrong password: refused, saying whose credentials.
    let wrong = t.path().join("wrong.json");
    fs::write(
        &wrong,
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"b21uaTp3cm9uZw==\"}}}}}}",
            locked.host()
        ),
    )
    .unwrap();
    let o = omnipack()
        .args(["image", "build"])
        .arg(repo_root().join("examples/greet"))
        .args([
            "--image",
            "greet-agent",
            "--packages",
            d,
            "-o",
            o1,
            "--push",
            &lpush,
        ])
        .env("OMNIPACK_CACHE_DIR", &cache)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("REGISTRY_AUTH_FILE", &wrong)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("refuses the credentials"),
        "{:?}",
        text(&o)
    );

    // A registry that takes Bearer tokens only (the Docker token protocol,
    // as Docker Hub, GHCR and Harbor do): omnipack asks the realm the
    // challenge names for a push-and-pull token with the stored Basic
    // credentials, and pushes with it; the token server's log shows the
    // scope asked for. A wrong password is refused by the token server,
    // and said so.
    let tokened = Registry::start_with_token("omni", "t0ken-pw");
    let tpush = format!("{}/acme", tokened.host());
    let tauth = t.path().join("token-auth.json");
    let o = Command::new("skopeo")
        .args([
            "login",
            "--tls-verify=false",
            "-u",
            "omni",
            "-p",
            "t0ken-pw",
            "--authfile",
        ])
        .arg(&tauth)
        .arg(tokened.host())
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo login: {:?}", text(&o));
    let push_with = |authfile: &Path| {
        omnipack()
            .args(["image", "build"])
            .arg(repo_root().join("examples/greet"))
            .args([
                "--image",
                "greet-agent",
                "--packages",
                d,
                "-o",
                o1,
                "--push",
                &tpush,
            ])
            .env("OMNIPACK_CACHE_DIR", &cache)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("REGISTRY_AUTH_FILE", authfile)
            .output()
            .unwrap()
    };
    let o = push_with(&tauth);
    assert!(o.status.success(), "{:?}", text(&o));
    let seen: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--authfile",
        tauth.to_str().unwrap(),
        &format!("docker://{tpush}/greet-agent:1.0.0-1"),
    ]))
    .unwrap();
    assert_eq!(seen["Digest"], report[0]["digest"], "{seen}");
    let asked = tokened.token_log();
    assert!(
        asked.iter().any(|r| r["ok"] == true
            && r["service"][0] == "omnipack-test-registry"
            && r["scope"][0] == "repository:acme/greet-agent:pull,push"),
        "no push token was asked for: {asked:?}"
    );
    let wrong = t.path().join("token-wrong.json");
    fs::write(
        &wrong,
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"b21uaTp3cm9uZw==\"}}}}}}",
            tokened.host()
        ),
    )
    .unwrap();
    let o = push_with(&wrong);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("get a token")
            && err.contains("wrong user or password")
            && err.contains(&tokened.host()),
        "{err}"
    );

    // Nothing hidden left beside the layouts.
    for dir in [&out1, &out2] {
        let hidden: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(hidden.is_empty(), "{hidden:?}");
    }
}

// Guards issue 19's bad input: an unknown image, packages not built, a
// registry nobody runs: each exits 1 naming it, nothing half-written.
#[test]
fn image_build_refuses_bad_input_by_name() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("images");
    let o = image(t.path(), &["--image", "nope", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("`nope`") && err.contains("greet-agent"),
        "{err}"
    );
    let o = image(
        t.path(),
        &["--push", "not a reference", "-o", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("not an image reference"),
        "{:?}",
        text(&o)
    );
    let Some(cache) = cache_with_root() else {
        return;
    };
    let empty = t.path().join("no-packages");
    let o = image(
        &cache,
        &[
            "--packages",
            empty.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("greet-python") && err.contains("omnipack build"),
        "{err}"
    );
    assert!(!out.exists() || fs::read_dir(&out).unwrap().next().is_none());
}

/// `omnipack repo ARGS...` with its own index cache; panics on failure.
fn repo_ok(cache: &Path, args: &[&std::ffi::OsStr]) {
    let o = omnipack()
        .arg("repo")
        .args(args)
        .env("OMNIPACK_CACHE_DIR", cache)
        .output()
        .unwrap();
    assert!(o.status.success(), "repo {args:?}: {:?}", text(&o));
}

// Guards issue 19's `--repository`: an image built from a served omnipack
// repository installs the packages from it, through its release package
// (signed apt source and key), not from the local build: the repository
// holds greet 2.0.0, the local packages are 1.0.0.
#[test]
fn an_image_from_a_served_repository_installs_its_version() {
    if !require_tools(&["bwrap", "unshare", "umoci"]) {
        return;
    }
    let Some(cache) = cache_with_root() else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    // greet 2.0.0: the example with another version.
    let project = t.path().join("greet2");
    omnipack_test_support::clients::copy_tree(&repo_root().join("examples/greet"), &project);
    let manifest = project.join("omnipack.toml");
    let text_ = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text_.replace("version = \"1.0.0\"", "version = \"2.0.0\""),
    )
    .unwrap();
    let dist = t.path().join("dist2");
    let o = omnipack()
        .args(["build", "--quiet", "-d", "debian-12", "-o"])
        .arg(&dist)
        .arg(&project)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));

    // A signed repository, served on loopback, with greet 2.0.0 and its
    // release package in stable.
    let keys = t.path().join("keys");
    let o = omnipack()
        .args(["key", "generate", "--name", "Acme <acme@example.org>", "-o"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let repo = t.path().join("repo");
    let idx = t.path().join("index-cache");
    let os = |s: &str| std::ffi::OsString::from(s);
    repo_ok(
        &idx,
        &[
            os("init").as_os_str(),
            repo.as_os_str(),
            os("--sign-key").as_os_str(),
            keys.join("repo-key.secret.asc").as_os_str(),
        ],
    );
    let mut add: Vec<std::ffi::OsString> =
        vec![os("add"), repo.clone().into(), os("-d"), os("debian-12")];
    for e in fs::read_dir(dist.join("debian-12")).unwrap() {
        add.push(e.unwrap().path().into());
    }
    repo_ok(&idx, &add.iter().map(|a| a.as_os_str()).collect::<Vec<_>>());
    let served = crate::serve::Served::start(&repo, &[]);
    let url = served.url.trim_end_matches('/').to_owned();
    let rel = t.path().join("release");
    let o = omnipack()
        .args([
            "release-package",
            "--quiet",
            "-d",
            "debian-12",
            "--vendor",
            "acme",
        ])
        .args(["--maintainer", "Acme <acme@example.org>", "--repo"])
        .arg(&repo)
        .args(["--base-url", &url, "-o"])
        .arg(&rel)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let release_deb = std::path::PathBuf::from(text(&o).0.trim());
    repo_ok(
        &idx,
        &[
            os("add").as_os_str(),
            repo.as_os_str(),
            os("-d").as_os_str(),
            os("debian-12").as_os_str(),
            release_deb.as_os_str(),
        ],
    );
    for name in ["acme-release", "greet-python", "greet-cli", "greet-node"] {
        repo_ok(
            &idx,
            &[
                os("promote").as_os_str(),
                repo.as_os_str(),
                os(name).as_os_str(),
            ],
        );
    }

    let out = t.path().join("images");
    let o = image(
        &cache,
        &[
            "--image",
            "greet-control",
            "--repository",
            &url,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let unpacked = t.path().join("unpacked");
    let tag = fs::read_to_string(out.join("greet-control/index.json")).unwrap();
    let v: Value = serde_json::from_str(&tag).unwrap();
    let first = v["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:{first}", out.join("greet-control").display()))
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let rootfs = unpacked.join("rootfs");
    let (ok, out_text) = run_in(
        &rootfs,
        &["dpkg-query", "-W", "greet-python", "acme-release"],
    );
    assert!(ok, "{out_text}");
    assert!(
        out_text.contains("greet-python\t2.0.0-1") && out_text.contains("acme-release"),
        "{out_text}"
    );
    // (The application's own version stays its Python package's, 1.0.0.)
    let (ok, out_text) = run_in(&rootfs, &["/usr/bin/greet", "--version"]);
    assert!(ok && out_text.contains("greet"), "{out_text}");
    assert!(
        served.stderr().contains("greet-python_2.0.0-1"),
        "the package did not come from the served repository"
    );
}

// Guards issue 19's bad bases: nothing listening, a 404, a 401 without
// credentials, an index without this platform. Each exits 1 naming the
// image and the base with what to do, and leaves nothing in --out.
#[test]
fn a_base_that_cannot_be_pulled_is_named_with_the_fix() {
    if !require_tools(&["docker-registry"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let open = Registry::start();
    let locked = Registry::start_with_user("u", "secret-pw");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // An OCI layout whose only index lists an arm64 image.
    let layout = t.path().join("arm-only");
    fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    let inner = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", "ab".repeat(32)),
            "size": 100,
            "platform": {"architecture": "arm64", "os": "linux"}
        }]
    })
    .to_string();
    let inner_hex = omnipack_core::hash::sha256_hex(inner.as_bytes());
    fs::write(layout.join("blobs/sha256").join(&inner_hex), &inner).unwrap();
    fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    fs::write(
        layout.join("index.json"),
        serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": format!("sha256:{inner_hex}"),
                "size": inner.len(),
                "annotations": {"org.opencontainers.image.ref.name": "1"}
            }]
        })
        .to_string(),
    )
    .unwrap();

    let project = t.path().join("greet");
    crate::support::copy_tree(&repo_root().join("examples/greet"), &project);
    let cases = [
        (
            "from-closed",
            format!("127.0.0.1:{closed}/base:1"),
            "nothing answers",
        ),
        (
            "from-missing",
            format!("127.0.0.1:{}/no/such:1", open.port),
            "not found",
        ),
        (
            "from-locked",
            format!("127.0.0.1:{}/base:1", locked.port),
            "skopeo login",
        ),
        ("from-arm", format!("oci:{}:1", layout.display()), "arm64"),
    ];
    let mut manifest = fs::read_to_string(project.join("omnipack.toml")).unwrap();
    for (name, base, _) in &cases {
        manifest.push_str(&format!(
            "\n[[image]]\nname = \"{name}\"\nbase = \"{base}\"\ndistribution = \"debian-12\"\npackages = [\"greet-cli\"]\nentrypoint = [\"/usr/bin/greet\"]\n"
        ));
    }
    fs::write(project.join("omnipack.toml"), manifest).unwrap();
    let out = t.path().join("out");
    for (name, base, needle) in &cases {
        let o = omnipack()
            .args(["image", "build"])
            .arg(&project)
            .args(["--image", name, "-o"])
            .arg(&out)
            .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
            .env("REGISTRY_AUTH_FILE", t.path().join("no-auth.json"))
            .output()
            .unwrap();
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        let base_named = base.trim_start_matches("oci:").split(':').next().unwrap();
        assert!(
            err.contains(name) && err.contains(base_named),
            "{name}: the image and the base are not named: {err}"
        );
        assert!(err.contains(needle), "{name}: `{needle}` not in: {err}");
        assert!(
            !out.exists() || fs::read_dir(&out).unwrap().next().is_none(),
            "{name}: something was left in --out"
        );
    }
}
