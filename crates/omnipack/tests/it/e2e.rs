//! End to end, the way a user meets the product (issue 5): the example is
//! built for Debian 12, added to a signed repository's testing channel and
//! promoted to stable, served over HTTP on 127.0.0.1; in a minimal Debian 12
//! root (debootstrap minbase, made once by `scripts/test` and cached), the
//! `greet-release` package built for that URL is installed with dpkg, then
//! `apt-get update` and `apt-get install greet-cli` fetch from our server
//! only (the root's own Debian sources are removed), and `greet` runs.

use std::path::PathBuf;
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::require_tools;

use crate::serve::Served;
use crate::support::{omnipack, repo_root, text};

/// The cached root `scripts/test` made, if any (`OMNIPACK_TEST_DEBROOT`).
fn debian_root() -> Option<PathBuf> {
    let root = std::env::var_os("OMNIPACK_TEST_DEBROOT").map(PathBuf::from);
    match root {
        Some(r) if r.join("usr/bin/apt-get").is_file() => Some(r),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "OMNIPACK_TEST_DEBROOT is not a debootstrapped root; scripts/test makes it"
            );
            eprintln!("skipping: no OMNIPACK_TEST_DEBROOT (run scripts/test)");
            None
        }
    }
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?}\n{:?}", text(&o));
    text(&o).0
}

#[test]
fn a_debian_root_installs_greet_from_the_served_repository_and_runs_it() {
    let Some(debroot) = debian_root() else {
        return;
    };
    if !require_tools(&["unshare", "mount", "chroot"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("dist");
    let built = run(omnipack()
        .args(["build", "--quiet", "-d", "debian-12", "-o"])
        .arg(&out)
        .arg(repo_root().join("examples/greet")));
    assert!(built.contains("greet-cli_"), "{built}");

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
    fs::create_dir_all(&repo).unwrap();
    let cache = t.path().join("cache");
    let debs: Vec<PathBuf> = fs::read_dir(out.join("debian-12"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    run(omnipack()
        .args(["repo", "add", "--quiet"])
        .arg(&repo)
        .args(&debs)
        .arg("--sign-key")
        .arg(&secret)
        .env("OMNIPACK_CACHE_DIR", &cache));
    run(omnipack()
        .args(["repo", "promote", "--quiet"])
        .arg(&repo)
        .args(["greet-python", "greet-cli", "greet-node", "--sign-key"])
        .arg(&secret)
        .env("OMNIPACK_CACHE_DIR", &cache));

    // Clients read the published copy, as they would a bucket: the
    // repository is published to a directory and that directory is served.
    let published = t.path().join("published");
    run(omnipack()
        .args(["publish", "--quiet"])
        .arg(&repo)
        .arg(&published));
    let served = Served::start(&published, &[]);
    let url = served.url.trim_end_matches('/').to_owned();
    let release = run(omnipack()
        .args(["release-package", "--quiet", "-d", "debian-12", "--lint"])
        .arg("--project")
        .arg(repo_root().join("examples/greet"))
        .arg("--base-url")
        .arg(&url)
        .arg("--key")
        .arg(keys.join("repo-key.public.asc"))
        .arg("-o")
        .arg(t.path().join("release")));
    let release = PathBuf::from(release.trim());
    assert!(
        release.ends_with("greet-release_1.0-1_all.deb"),
        "{}",
        release.display()
    );

    // The root is used through an overlay, so the cached one stays pristine.
    let (upper, work, merged) = (
        t.path().join("upper"),
        t.path().join("work"),
        t.path().join("merged"),
    );
    for d in [&upper, &work, &merged] {
        fs::create_dir_all(d).unwrap();
    }
    fs::copy(&release, upper.join("greet-release.deb")).unwrap();
    let script = format!(
        r#"set -e
mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} {merged}
mount --bind /proc {merged}/proc
mount --bind /dev {merged}/dev
cat > {merged}/in-root.sh <<'IN'
set -e
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
dpkg -i /greet-release.deb
apt-get -q update
apt-get -q install -y --no-install-recommends greet-cli
greet
IN
chroot {merged} /bin/sh /in-root.sh
"#,
        lower = debroot.display(),
        upper = upper.display(),
        work = work.display(),
        merged = merged.display(),
    );
    let o = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(
        o.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
        served.stderr()
    );
    assert!(stdout.contains("Hello"), "greet printed:\n{stdout}");
    assert!(stdout.contains("Setting up greet-cli"), "{stdout}");
    // Everything apt fetched came from our server.
    assert!(stdout.contains(&url), "{stdout}");
    let log = served.stderr();
    assert!(log.contains("GET /debian/12/amd64/InRelease"), "{log}");
    assert!(log.contains("greet-cli_"), "{log}");
}
