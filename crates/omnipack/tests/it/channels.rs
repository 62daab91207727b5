//! `omnipack repo add/promote/remove/list`: packages placed by channel,
//! distribution and architecture, refused when a published version would
//! change, retention by version order, and apt-get seeing a promoted package
//! appear in stable.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_test_support::require_tools;

use crate::support::{omnipack, text};

/// `name` at `version`, arch-independent, as .deb and .rpm in `dir`; returns (deb, rpm).
fn make(dir: &Path, name: &str, version: &str, readme: &str) -> (PathBuf, PathBuf) {
    let stage = dir.join(format!(".stage-{name}-{version}"));
    fs::create_dir_all(stage.join("opt").join(name)).unwrap();
    fs::write(stage.join("opt").join(name).join("README"), readme).unwrap();
    let o = omnipack()
        .args([
            "package",
            "--quiet",
            "-n",
            name,
            "-v",
            version,
            "--summary",
            "channel test",
        ])
        .args([
            "-m",
            "T <t@example.org>",
            "-a",
            "all",
            "--format",
            "all",
            "--from-dir",
        ])
        .arg(&stage)
        .arg("--out")
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    fs::remove_dir_all(&stage).unwrap();
    let paths: Vec<PathBuf> = text(&o).0.lines().map(PathBuf::from).collect();
    let deb = paths
        .iter()
        .find(|p| p.extension().unwrap() == "deb")
        .unwrap()
        .clone();
    let rpm = paths
        .iter()
        .find(|p| p.extension().unwrap() == "rpm")
        .unwrap()
        .clone();
    (deb, rpm)
}

fn repo(cache: &Path, args: &[&str], extra: &[&Path]) -> (i32, String, String) {
    let o = omnipack()
        .arg("repo")
        .args(args)
        .args(extra)
        .env("OMNIPACK_CACHE_DIR", cache)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    (o.status.code().unwrap(), out, err)
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// apt-get with a private configuration reading `deb [trusted=yes] file://LEAF /`.
fn apt_versions(state: &Path, leaf: &Path, name: &str) -> String {
    crate::support::apt_state(
        state,
        format!("deb [trusted=yes] file://{} /\n", leaf.display()),
    );
    let apt = |args: &[&str]| -> Output {
        crate::support::apt_private(args[0], state, &state.join("sources.list"))
            .args(&args[1..])
            .output()
            .unwrap()
    };
    let o = apt(&["apt-get", "update"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = apt(&["apt-cache", "madison", name]);
    text(&o).0
}

#[test]
fn packages_move_through_channels_and_clients_see_them() {
    let t = tempfile::tempdir().unwrap();
    let (r, cache, src) = (
        t.path().join("repo"),
        t.path().join("cache"),
        t.path().join("src"),
    );
    fs::create_dir_all(&r).unwrap();
    fs::create_dir_all(&src).unwrap();
    let (deb1, rpm1) = make(&src, "tool", "1.0", "one\n");

    // An empty directory is not a repository yet: `repo init` first.
    let (code, _, err) = repo(
        &cache,
        &["add", r.to_str().unwrap(), "-d", "debian-12"],
        &[&deb1],
    );
    assert_eq!(code, 1);
    assert!(err.contains("omnipack repo init"), "{err}");
    assert_eq!(files(&r), Vec::<String>::new());
    let (code, _, err) = repo(&cache, &["init", r.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");

    // No distribution to be found: the error says how to give one.
    let (code, _, err) = repo(&cache, &["add", r.to_str().unwrap()], &[&deb1]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--distribution") && err.contains("debian-12"),
        "{err}"
    );

    // The deb by flag; the rpm by the directory it sits in (as `omnipack build` writes them).
    let (code, out, err) = repo(
        &cache,
        &["add", r.to_str().unwrap(), "-d", "debian-12"],
        &[&deb1],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("debian-testing/12/amd64/tool_1.0-1_all.deb"),
        "{out}"
    );
    let rocky = src.join("rocky-9");
    fs::create_dir_all(&rocky).unwrap();
    fs::copy(&rpm1, rocky.join(rpm1.file_name().unwrap())).unwrap();
    let (code, _, err) = repo(
        &cache,
        &["add", r.to_str().unwrap()],
        &[&rocky.join(rpm1.file_name().unwrap())],
    );
    assert_eq!(code, 0, "{err}");
    let all = files(&r);
    assert!(
        all.contains(&"debian-testing/12/amd64/Release".to_owned()),
        "{all:?}"
    );
    assert!(
        all.contains(&"rocky-testing/9/x86_64/repodata/repomd.xml".to_owned()),
        "{all:?}"
    );
    assert!(
        all.contains(&"rocky-testing/9/x86_64/tool-1.0-1.noarch.rpm".to_owned()),
        "{all:?}"
    );

    // The same file again: nothing to do. Another file for tool 1.0-1: refused, nothing changes.
    let (code, _, err) = repo(
        &cache,
        &["add", r.to_str().unwrap(), "-d", "debian-12"],
        &[&deb1],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("already in place"), "{err}");
    let other = t.path().join("other");
    fs::create_dir_all(&other).unwrap();
    let (deb1b, _) = make(&other, "tool", "1.0", "different\n");
    let before = files(&r);
    let (code, _, err) = repo(
        &cache,
        &["add", r.to_str().unwrap(), "-d", "debian-12"],
        &[&deb1b],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("different contents") && err.contains("bump the version"),
        "{err}"
    );
    assert_eq!(files(&r), before);

    // Stable has no leaf yet; promote creates it, and apt-get sees tool there.
    let stable = r.join("debian/12/amd64");
    assert!(!stable.exists());
    let (code, _, err) = repo(&cache, &["promote", r.to_str().unwrap(), "tool=1.0-1"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(stable.join("tool_1.0-1_all.deb").is_file());
    assert!(r.join("rocky/9/x86_64/repodata/repomd.xml").is_file());
    let (code, _, err) = repo(&cache, &["promote", r.to_str().unwrap(), "nosuch"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`nosuch` is not in the testing channel"),
        "{err}"
    );

    // Newer versions to testing with --keep 2: the oldest goes, by version order (1.10 > 1.9).
    let (deb19, _) = make(&src, "tool", "1.9", "nine\n");
    let (deb110, _) = make(&src, "tool", "1.10", "ten\n");
    let (code, _, err) = repo(
        &cache,
        &["add", r.to_str().unwrap(), "-d", "debian-12", "--keep", "2"],
        &[&deb19, &deb110],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("removed") && err.contains("tool_1.0-1_all.deb"),
        "{err}"
    );
    let testing = r.join("debian-testing/12/amd64");
    let mut debs: Vec<String> = files(&testing)
        .into_iter()
        .filter(|f| f.ends_with(".deb"))
        .collect();
    debs.sort();
    assert_eq!(debs, ["tool_1.10-1_all.deb", "tool_1.9-1_all.deb"]);

    // list --json: every leaf with its channel, distribution and packages.
    let (code, out, _) = repo(&cache, &["list", r.to_str().unwrap(), "--json"], &[]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let leaves = v.as_array().unwrap();
    assert_eq!(leaves.len(), 4, "{out}");
    let t12 = leaves
        .iter()
        .find(|l| l["dir"] == "debian-testing/12/amd64")
        .unwrap();
    assert_eq!(t12["distribution"], "debian-12");
    assert_eq!(t12["channel"], "testing");
    let versions: Vec<&str> = t12["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.9-1", "1.10-1"]);

    if require_tools(&["apt-get", "apt-cache"]) {
        // Promote the newest: stable clients see 1.10 appear beside 1.0.
        let before = apt_versions(&t.path().join("apt1"), &stable, "tool");
        assert!(
            before.contains("1.0-1") && !before.contains("1.10-1"),
            "{before}"
        );
        let (code, _, err) = repo(
            &cache,
            &["promote", r.to_str().unwrap(), "tool", "-d", "debian-12"],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        let after = apt_versions(&t.path().join("apt2"), &stable, "tool");
        assert!(
            after.contains("1.0-1") && after.contains("1.10-1") && !after.contains("1.9-1"),
            "{after}"
        );
    }

    // remove one version from testing: gone from the files and the index.
    let (code, _, err) = repo(
        &cache,
        &[
            "remove",
            r.to_str().unwrap(),
            "tool=1.9-1",
            "--channel",
            "testing",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!testing.join("tool_1.9-1_all.deb").exists());
    let packages = fs::read_to_string(testing.join("Packages")).unwrap();
    assert!(
        !packages.contains("Version: 1.9-1") && packages.contains("Version: 1.10-1"),
        "{packages}"
    );
}

/// `release-package` for Debian and Rocky, pointed at a signed repository
/// tree: each passes lintian/rpmlint, and the apt source and the yum .repo
/// file it installs, used as they are (only the key path moved from `/`
/// into the test's directory), let apt-get and dnf find the promoted package
/// in stable, with the testing channel disabled.
#[test]
fn release_packages_point_apt_and_dnf_at_the_stable_channel() {
    if !require_tools(&["apt-get", "dnf", "lintian", "rpmlint", "rpm2cpio", "cpio"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (r, cache, src) = (
        t.path().join("repo"),
        t.path().join("cache"),
        t.path().join("src"),
    );
    fs::create_dir_all(&r).unwrap();
    fs::create_dir_all(&src).unwrap();
    let keys = t.path().join("keys");
    let o = omnipack()
        .args(["key", "generate", "--name", "Acme <acme@example.org>", "-o"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let secret = keys.join("repo-key.secret.asc");
    // The key is the repository's: the commands below sign without flags.
    let (code, _, err) = repo(
        &cache,
        &[
            "init",
            r.to_str().unwrap(),
            "--sign-key",
            secret.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (deb, rpm) = make(&src, "tool", "2.0", "two\n");
    for (pkg, dist) in [(&deb, "debian-12"), (&rpm, "rocky-9")] {
        let args = vec!["add", r.to_str().unwrap(), "-d", dist];
        let (code, _, err) = repo(&cache, &args, &[pkg]);
        assert_eq!(code, 0, "{err}");
    }
    let args = vec!["promote", r.to_str().unwrap(), "tool"];
    let (code, _, err) = repo(&cache, &args, &[]);
    assert_eq!(code, 0, "{err}");

    let out = t.path().join("out");
    let release = |dist: &str| -> PathBuf {
        let o = omnipack()
            .args(["release-package", "-d", dist, "--vendor", "acme", "--lint"])
            .args(["--maintainer", "Acme Packages <packages@acme.example.org>"])
            .args(["--homepage", "https://acme.example.org/"])
            .arg("--base-url")
            .arg(format!("file://{}", r.display()))
            .arg("--key")
            .arg(keys.join("repo-key.public.asc"))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
        let p = PathBuf::from(text(&o).0.trim());
        assert!(p.starts_with(out.join(dist)), "{}", p.display());
        p
    };

    // Debian: the .list as installed, with the keyring where the test extracted it.
    let deb_release = release("debian-12");
    let x = t.path().join("x-deb");
    omnipack_test_support::run_ok(Command::new("dpkg-deb").arg("-x").arg(&deb_release).arg(&x));
    let keyring = x.join("usr/share/keyrings/acme-archive-keyring.gpg");
    assert!(keyring.is_file());
    let list = fs::read_to_string(x.join("etc/apt/sources.list.d/acme.list")).unwrap();
    assert!(list.contains("/debian/12/$(ARCH) /"), "{list}");
    let state = t.path().join("apt");
    crate::support::apt_state(
        &state,
        list.replace(
            "/usr/share/keyrings/acme-archive-keyring.gpg",
            keyring.to_str().unwrap(),
        ),
    );
    let apt = |tool: &str, args: &[&str], cwd: &Path| -> Output {
        crate::support::apt_private(tool, &state, &state.join("sources.list"))
            .args(["-o", "APT::Architecture=amd64"])
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap()
    };
    let o = apt("apt-get", &["update"], t.path());
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!text(&o).1.contains("W:"), "{:?}", text(&o));
    let dl = t.path().join("dl");
    fs::create_dir_all(&dl).unwrap();
    let o = apt("apt-get", &["download", "tool"], &dl);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(dl.join("tool_2.0-1_all.deb").is_file());

    // Rocky: the .repo file as installed, the key path moved into the test.
    let rpm_release = release("rocky-9");
    let flags = omnipack_test_support::stdout_of(
        Command::new("rpm")
            .args(["-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]"])
            .arg(&rpm_release),
    );
    assert!(flags.contains("/etc/yum.repos.d/acme.repo cn"), "{flags}");
    let x = t.path().join("x-rpm");
    fs::create_dir_all(&x).unwrap();
    omnipack_test_support::run_ok(Command::new("sh").current_dir(&x).arg("-c").arg(format!(
        "rpm2cpio '{}' | cpio -idm --quiet",
        rpm_release.display()
    )));
    let key = x.join("etc/pki/rpm-gpg/RPM-GPG-KEY-acme");
    assert!(key.is_file());
    let repos = x.join("etc/yum.repos.d");
    let repo_file = repos.join("acme.repo");
    let text_ = fs::read_to_string(&repo_file).unwrap();
    assert!(
        text_.contains("$releasever/$basearch/") && text_.contains("repo_gpgcheck=1"),
        "{text_}"
    );
    fs::write(
        &repo_file,
        text_.replace(
            "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-acme",
            &format!("file://{}", key.display()),
        ),
    )
    .unwrap();
    let conf = t.path().join("dnf.conf");
    fs::write(&conf, "[main]\ngpgcheck=True\nskip_if_unavailable=False\n").unwrap();
    let root = t.path().join("dnfroot");
    let dnf = |args: &[&str]| -> Output {
        Command::new("dnf")
            .arg("-c")
            .arg(&conf)
            .arg(format!("--installroot={}", root.display()))
            .args(["-y", "-q", "--releasever=9", "--forcearch=x86_64"])
            .arg(format!("--setopt=reposdir={}", repos.display()))
            .args(args)
            .output()
            .unwrap()
    };
    let o = dnf(&["repolist", "--all"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let repolist = text(&o).0;
    assert!(
        repolist
            .lines()
            .any(|l| l.starts_with("acme ") && l.ends_with("enabled")),
        "{repolist}"
    );
    assert!(
        repolist
            .lines()
            .any(|l| l.starts_with("acme-testing ") && l.ends_with("disabled")),
        "{repolist}"
    );
    let o = dnf(&["repoquery", "--qf", "%{name}-%{version}-%{release}", "tool"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("tool-2.0-1"), "{:?}", text(&o));
}

/// Makes the rocky-9 `acme-release` package for `repo` (with `extra`
/// flags), extracts it under `x`, moves the key path into the test, and
/// returns the `.repo` file's text and its directory.
fn rocky_release(t: &Path, repo: &Path, x: &str, extra: &[&str]) -> (String, PathBuf, String) {
    let o = omnipack()
        .args(["release-package", "-d", "rocky-9", "--repo"])
        .arg(repo)
        .args(["--maintainer", "Acme Packages <packages@acme.example.org>"])
        .args(extra)
        .arg("-o")
        .arg(t.join(format!("out-{x}")))
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let rpm = PathBuf::from(text(&o).0.trim());
    let x = t.join(x);
    fs::create_dir_all(&x).unwrap();
    omnipack_test_support::run_ok(
        Command::new("sh")
            .current_dir(&x)
            .arg("-c")
            .arg(format!("rpm2cpio '{}' | cpio -idm --quiet", rpm.display())),
    );
    let key = x.join("etc/pki/rpm-gpg/RPM-GPG-KEY-acme");
    let repos = x.join("etc/yum.repos.d");
    let file = repos.join("acme.repo");
    let original = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        original.replace(
            "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-acme",
            &format!("file://{}", key.display()),
        ),
    )
    .unwrap();
    (original, repos, text(&o).1)
}

/// `dnf install NAME` into a fresh root through the `.repo` files in
/// `repos`, with gpgcheck as they say.
fn dnf_install(t: &Path, repos: &Path, root: &str, name: &str) -> Output {
    let conf = t.join("dnf.conf");
    fs::write(&conf, "[main]\ngpgcheck=True\nskip_if_unavailable=False\n").unwrap();
    Command::new("dnf")
        .arg("-c")
        .arg(&conf)
        .arg(format!("--installroot={}", t.join(root).display()))
        .args(["-y", "--releasever=9", "--forcearch=x86_64"])
        .arg(format!("--setopt=reposdir={}", repos.display()))
        // The `local` plugin (dnf-plugins-core) would copy what is
        // installed into a repository of its own, with no key.
        .args(["--noplugins", "install", name])
        .output()
        .unwrap()
}

// Guards issue 17 item 3: `release-package --repo` takes the key, vendor and
// base URL from repo.toml and sets gpgcheck=1 only when every RPM is signed
// by the key: dnf installs through the .repo file with gpgcheck=1 from a
// repository with `sign-packages`; without it the file says gpgcheck=0 (and
// dnf still installs, the metadata verified), where the old gpgcheck=1 made
// dnf refuse; `sign-packages` with an unsigned RPM in place is an error.
#[test]
fn release_package_sets_gpgcheck_from_the_repository_and_dnf_installs() {
    if !require_tools(&["dnf", "rpm", "rpm2cpio", "cpio"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (cache, src) = (t.path().join("cache"), t.path().join("src"));
    fs::create_dir_all(&src).unwrap();
    let keys = t.path().join("keys");
    let o = omnipack()
        .args(["key", "generate", "--name", "Acme <acme@example.org>", "-o"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let secret = keys.join("repo-key.secret.asc");
    let (_, rpm) = make(&src, "tool", "2.0", "two\n");
    let make_repo = |name: &str, sign_packages: bool| -> PathBuf {
        let r = t.path().join(name);
        let url = format!("file://{}", r.display());
        let mut args = vec![
            "init",
            r.to_str().unwrap(),
            "--sign-key",
            secret.to_str().unwrap(),
            "--vendor",
            "acme",
            "--base-url",
            &url,
        ];
        if sign_packages {
            args.push("--sign-packages");
        }
        let (code, _, err) = repo(&cache, &args, &[]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = repo(
            &cache,
            &["add", r.to_str().unwrap(), "-d", "rocky-9"],
            &[&rpm],
        );
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = repo(&cache, &["promote", r.to_str().unwrap(), "tool"], &[]);
        assert_eq!(code, 0, "{err}");
        r
    };

    // Signed packages: gpgcheck=1, and dnf installs.
    let signed = make_repo("signed", true);
    let (file, repos, _) = rocky_release(t.path(), &signed, "x-signed", &[]);
    assert!(
        file.contains("gpgcheck=1\nrepo_gpgcheck=1")
            && file.contains(&signed.display().to_string()),
        "{file}"
    );
    let o = dnf_install(t.path(), &repos, "root-signed", "tool");
    assert!(o.status.success(), "{:?}", text(&o));
    let q = omnipack_test_support::stdout_of(
        Command::new("rpm")
            .arg("--root")
            .arg(t.path().join("root-signed"))
            .args(["-q", "tool"]),
    );
    assert!(q.contains("tool-2.0-1"), "{q}");

    // Unsigned packages: gpgcheck=0 with repo_gpgcheck=1, said; dnf installs.
    let plain = make_repo("plain", false);
    let (file, repos, err) = rocky_release(t.path(), &plain, "x-plain", &[]);
    assert!(file.contains("gpgcheck=0\nrepo_gpgcheck=1"), "{file}");
    assert!(
        err.contains("note:") && err.contains("not signed by key"),
        "{err}"
    );
    let o = dnf_install(t.path(), &repos, "root-plain", "tool");
    assert!(o.status.success(), "{:?}", text(&o));
    // What the old gpgcheck=1 did with these packages: dnf refuses them.
    let repo_file = repos.join("acme.repo");
    let text_ = fs::read_to_string(&repo_file).unwrap();
    fs::write(&repo_file, text_.replace("gpgcheck=0\n", "gpgcheck=1\n")).unwrap();
    let o = dnf_install(t.path(), &repos, "root-refused", "tool");
    assert!(
        !o.status.success(),
        "dnf installed an unsigned package with gpgcheck=1"
    );

    // sign-packages on, yet an unsigned RPM in a leaf: refused, named.
    let stray = signed.join("rocky/9/x86_64/stray.rpm");
    fs::copy(&rpm, &stray).unwrap();
    let o = omnipack()
        .args(["release-package", "-d", "rocky-9", "--repo"])
        .arg(&signed)
        .args(["--maintainer", "A <a@example.org>", "-o"])
        .arg(t.path().join("out-refused"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("stray.rpm") && err.contains("sign-packages") && err.contains("omnipack sign"),
        "{err}"
    );
}

/// Found by `scripts/kill-trials repo-add`: a run killed after copying a
/// package but before re-indexing left it in place and unindexed, and the
/// next `repo add` of the same file found it "already there" and indexed
/// nothing. Now a package in place that the leaf's index does not list
/// re-indexes its leaf.
#[test]
fn an_add_killed_before_its_index_is_finished_by_the_next_add() {
    if !require_tools(&["apt-get"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (r, cache, src) = (
        t.path().join("repo"),
        t.path().join("cache"),
        t.path().join("src"),
    );
    fs::create_dir_all(&src).unwrap();
    let (deb1, _) = make(&src, "tool", "1.0", "one\n");
    let (deb2, _) = make(&src, "other", "2.0", "two\n");
    let rs = r.to_str().unwrap();
    assert_eq!(repo(&cache, &["init", rs], &[]).0, 0);
    let (code, _, err) = repo(&cache, &["add", rs, "-d", "debian-12"], &[&deb1]);
    assert_eq!(code, 0, "{err}");
    let leaf = r.join("debian-testing/12/amd64");
    assert!(leaf.join("Packages").is_file(), "{:?}", files(&r));
    // The killed run's copy, without its index.
    fs::copy(&deb2, leaf.join(deb2.file_name().unwrap())).unwrap();
    let (code, _, err) = repo(&cache, &["add", rs, "-d", "debian-12"], &[&deb2]);
    assert_eq!(code, 0, "{err}");
    let state = t.path().join("apt");
    assert!(apt_versions(&state, &leaf, "other").contains("2.0-1"));
    let (code, out, err) = repo(&cache, &["check", rs], &[]);
    assert_eq!(code, 0, "{out}{err}");
}
