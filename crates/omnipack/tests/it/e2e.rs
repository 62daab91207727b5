//! End to end, where the user meets the product (issues 5 and 16): one
//! `omnipack build` per example for Debian 11, 12 and 13 at once — 11 and
//! 13 staged in the build roots `omnipack builder create` made (cached by
//! `scripts/test`), 12 on this machine, which is Debian 12 — the packages
//! added to a signed repository, promoted, published to a directory and
//! served over HTTP on 127.0.0.1. In a fresh minimal root of each release
//! (minbase with python3 and openssh-client, made once by `scripts/test`),
//! the `greet-release` package built for that URL is installed with dpkg,
//! `apt-get install greet-cli markup-cli` fetches from our server only (the
//! root's own Debian sources are removed), and both programs run: `greet`
//! prints its table and `markup` runs MarkupSafe's compiled extension for
//! that release's CPython. Debian 13's apt refuses Debian 12's main
//! package: its interpreter dependency (python3.11) cannot be met there.
//! The whole run is made twice: with pip, and with uv as the installer
//! (`--installer uv`; uv from this machine's `PATH`, bound into the build
//! roots of 11 and 13).

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::require_tools;

use crate::serve::Served;
use crate::support::{omnipack, repo_root, text};

/// The releases, with their suites and the CPython each stages with.
const RELEASES: [(&str, &str); 3] = [("11", "39"), ("12", "311"), ("13", "313")];

/// The test roots and the build roots `scripts/test` made, if any.
fn roots() -> Option<(PathBuf, PathBuf)> {
    let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    match (env("OMNIPACK_TEST_ROOTS"), env("OMNIPACK_TEST_BUILD_ROOTS")) {
        (Some(test), Some(build))
            if RELEASES.iter().all(|(r, _)| {
                test.join(format!("debian-{r}-minbase/usr/bin/apt-get"))
                    .is_file()
            }) && ["debian-11", "debian-13"]
                .iter()
                .all(|d| build.join(d).join("root.json").is_file()) =>
        {
            Some((test, build))
        }
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "OMNIPACK_TEST_ROOTS / OMNIPACK_TEST_BUILD_ROOTS do not hold the Debian roots; scripts/test makes them"
            );
            eprintln!("skipping: no test or build roots (run scripts/test)");
            None
        }
    }
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?}\n{:?}", text(&o));
    text(&o).0
}

/// `script` run by `sh` in a private overlay of `lower` (which stays
/// pristine), with `files` copied into its `/`; returns (success, stdout, stderr).
fn in_root(
    t: &Path,
    name: &str,
    lower: &Path,
    files: &[&Path],
    script: &str,
) -> (bool, String, String) {
    let (upper, work, merged) = (
        t.join(format!("{name}-upper")),
        t.join(format!("{name}-work")),
        t.join(format!("{name}-merged")),
    );
    for d in [&upper, &work, &merged] {
        fs::create_dir_all(d).unwrap();
    }
    for f in files {
        fs::copy(f, upper.join(f.file_name().unwrap())).unwrap();
    }
    fs::write(upper.join("in-root.sh"), script).unwrap();
    let outer = format!(
        r#"set -e
mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} {merged}
mount --bind /proc {merged}/proc
mount --bind /dev {merged}/dev
chroot {merged} /bin/sh /in-root.sh
"#,
        lower = lower.display(),
        upper = upper.display(),
        work = work.display(),
        merged = merged.display(),
    );
    let o = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &outer])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    (o.status.success(), stdout, stderr)
}

#[test]
fn debian_11_12_and_13_install_from_one_build_and_run_it() {
    install_from_one_build_and_run(&[]);
}

#[test]
fn debian_11_12_and_13_install_from_one_build_staged_with_uv_and_run_it() {
    if !require_tools(&["uv"]) {
        return;
    }
    install_from_one_build_and_run(&["--installer", "uv"]);
}

fn install_from_one_build_and_run(extra: &[&str]) {
    let Some((test_roots, build_roots)) = roots() else {
        return;
    };
    if !require_tools(&["unshare", "mount", "chroot", "bwrap"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let builder = |d: &str| format!("{d}={}", build_roots.join(d).join("root").display());
    let out = t.path().join("dist");
    for example in ["greet", "markup"] {
        let built = run(omnipack()
            .args(["build", "--quiet", "-o"])
            .arg(&out)
            .args(["-d", "debian-11", "-d", "debian-12", "-d", "debian-13"])
            .args(["--builder", &builder("debian-11")])
            .args(["--builder", &builder("debian-13")])
            .args(extra)
            .arg(repo_root().join("examples").join(example))
            .env("OMNIPACK_CACHE_DIR", t.path().join("cache")));
        assert_eq!(
            built.lines().count(),
            if example == "greet" { 9 } else { 6 },
            "{built}"
        );
    }
    // Each main package depends on its release's python, and the compiled
    // one on the C library as that release's dpkg database names it.
    for (release, _) in RELEASES {
        let dir = out.join(format!("debian-{release}"));
        let python = match release {
            "11" => "python3.9",
            "12" => "python3.11",
            _ => "python3.13",
        };
        for main in [
            "greet-python_1.0.0-1_amd64.deb",
            "markup-python_1.0.0-1_amd64.deb",
        ] {
            let control = run(Command::new("dpkg-deb")
                .arg("-f")
                .arg(dir.join(main))
                .arg("Depends"));
            assert!(control.contains(python), "{release} {main}: {control}");
            if main.starts_with("markup") {
                assert!(control.contains("libc6 (>= "), "{release}: {control}");
            } else {
                assert!(!control.contains("libc6"), "{release}: {control}");
            }
        }
    }

    let keys = t.path().join("keys");
    run(omnipack()
        .args([
            "key",
            "generate",
            "--name",
            "Greet Repo <repo@example.org>",
            "-o",
        ])
        .arg(&keys));
    let secret = keys.join("repo-key.secret.asc");
    let repo = t.path().join("repo");
    let cache = t.path().join("cache");
    run(omnipack()
        .args(["repo", "init", "--quiet"])
        .arg(&repo)
        .arg("--sign-key")
        .arg(&secret));
    for (release, _) in RELEASES {
        let dist = format!("debian-{release}");
        let debs: Vec<PathBuf> = fs::read_dir(out.join(&dist))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        run(omnipack()
            .args(["repo", "add", "--quiet", "-d", &dist])
            .arg(&repo)
            .args(&debs)
            .env("OMNIPACK_CACHE_DIR", &cache));
    }
    run(omnipack()
        .args(["repo", "promote", "--quiet"])
        .arg(&repo)
        .args([
            "greet-python",
            "greet-cli",
            "greet-node",
            "markup-python",
            "markup-cli",
        ])
        .env("OMNIPACK_CACHE_DIR", &cache));
    // Clients read the published copy, as they would a bucket.
    let published = t.path().join("published");
    run(omnipack()
        .args(["publish", "--quiet"])
        .arg(&repo)
        .arg(&published));
    let served = Served::start(&published, &[]);
    let url = served.url.trim_end_matches('/').to_owned();

    for (release, abi) in RELEASES {
        let dist = format!("debian-{release}");
        let release_deb = run(omnipack()
            .args(["release-package", "--quiet", "-d", &dist])
            .arg("--project")
            .arg(repo_root().join("examples/greet"))
            .arg("--base-url")
            .arg(&url)
            .arg("--key")
            .arg(keys.join("repo-key.public.asc"))
            .arg("-o")
            .arg(t.path().join(format!("release-{release}"))));
        let release_deb = PathBuf::from(release_deb.trim());
        let script = r#"set -e
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
dpkg -i /greet-release_1.0-1_all.deb
apt-get -q update
apt-get -q install -y --no-install-recommends greet-cli markup-cli
greet
markup '<a href="x">Fish & Chips</a>'
"#;
        let lower = test_roots.join(format!("{dist}-minbase"));
        let (ok, stdout, stderr) = in_root(t.path(), &dist, &lower, &[&release_deb], script);
        assert!(
            ok,
            "{dist}:\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
            served.stderr()
        );
        assert!(stdout.contains("Hello"), "{dist}: greet printed:\n{stdout}");
        assert!(
            stdout.contains("&lt;a href=&#34;x&#34;&gt;Fish &amp; Chips&lt;/a&gt;"),
            "{dist}: markup printed:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "compiled: _speedups.cpython-{abi}-x86_64-linux-gnu.so"
            )),
            "{dist}: {stdout}"
        );
        assert!(stdout.contains(&url), "{dist}: {stdout}");
        let log = served.stderr();
        assert!(
            log.contains(&format!("GET /debian/{release}/amd64/InRelease")),
            "{log}"
        );
    }

    // Debian 12's main package on Debian 13: apt refuses it, naming python3.11.
    let d12_main = out.join("debian-12/greet-python_1.0.0-1_amd64.deb");
    let (ok, stdout, stderr) = in_root(
        t.path(),
        "refuse",
        &test_roots.join("debian-13-minbase"),
        &[&d12_main],
        "set -e\nrm -f /etc/apt/sources.list /etc/apt/sources.list.d/*\napt-get -q update\napt-get -q install -y /greet-python_1.0.0-1_amd64.deb\n",
    );
    assert!(!ok, "Debian 13 installed Debian 12's package:\n{stdout}");
    assert!(
        stdout.contains("python3.11") || stderr.contains("python3.11"),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
