//! `rpm --root` installs our package into an empty directory and erases it
//! again, for every payload codec; a second test runs the scriptlets too.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_spec::{FileKind, FileSource};
use omnipack_test_support::{require_tools, run_ok};

use crate::common::*;

/// `rpm --root` needs root; under `CI=true` not being root is a failure.
fn require_root() -> bool {
    let uid = String::from_utf8(run_ok(Command::new("id").arg("-u")).stdout).unwrap();
    if uid.trim() == "0" {
        return true;
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
        "`rpm --root` tests need root"
    );
    eprintln!("skipping: `rpm --root` needs root");
    false
}

fn rpm_root(root: &Path) -> Command {
    let mut c = Command::new("rpm");
    c.arg("--root")
        .arg(root)
        .arg("--dbpath")
        .arg("/var/lib/rpm");
    c
}

/// Checks every spec entry on disk under `root`: kind, mode, target, bytes.
fn check_installed(b: &Built, root: &Path) {
    for entry in &b.spec.files {
        let on_disk = root.join(entry.path.trim_start_matches('/'));
        let md = fs::symlink_metadata(&on_disk).unwrap();
        match &entry.kind {
            FileKind::File(FileSource::Path(src)) => {
                assert!(md.is_file(), "{}", entry.path);
                assert_eq!(
                    md.permissions().mode() & 0o7777,
                    entry.mode,
                    "{}",
                    entry.path
                );
                assert_eq!(
                    fs::read(&on_disk).unwrap(),
                    fs::read(src).unwrap(),
                    "{}",
                    entry.path
                );
            }
            FileKind::File(FileSource::Inline(_)) => unreachable!("the sample tree is on disk"),
            FileKind::Dir => {
                assert!(md.is_dir(), "{}", entry.path);
                assert_eq!(
                    md.permissions().mode() & 0o7777,
                    entry.mode,
                    "{}",
                    entry.path
                );
            }
            FileKind::Symlink(target) => {
                assert!(md.file_type().is_symlink(), "{}", entry.path);
                assert_eq!(
                    fs::read_link(&on_disk).unwrap().to_str(),
                    Some(target.as_str())
                );
            }
        }
    }
    let helper = fs::metadata(root.join("opt/hello/bin/helper")).unwrap();
    assert_eq!(helper.permissions().mode() & 0o7777, 0o4755, "setuid kept");
    let empty = fs::metadata(root.join("opt/hello/var/empty")).unwrap();
    assert_eq!(empty.permissions().mode() & 0o7777, 0o750);
    assert_eq!(
        fs::read_dir(root.join("opt/hello/var/empty"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn installs_and_erases_with_every_codec() {
    if !require_tools(&["rpm"]) || !require_root() {
        return;
    }
    for codec in ["xz", "gzip", "zstd", "none"] {
        let b = build_sample(Some(codec.parse().unwrap()));
        let root = tempfile::tempdir().unwrap();
        run_ok(
            rpm_root(root.path())
                .args(["--nodeps", "--noscripts", "-i"])
                .arg(&b.rpm),
        );
        check_installed(&b, root.path());
        let qa = String::from_utf8(run_ok(rpm_root(root.path()).arg("-qa")).stdout).unwrap();
        assert_eq!(
            qa.trim(),
            format!("hello-1.2.3-4.{}", b.spec.arch.rpm_name()),
            "{codec}"
        );
        // rpm -V: what is on disk matches the header (digests, modes, owners, links).
        run_ok(rpm_root(root.path()).args(["-V", "--nodeps", "hello"]));

        run_ok(rpm_root(root.path()).args(["--nodeps", "--noscripts", "-e", "hello"]));
        for entry in &b.spec.files {
            let on_disk = root.path().join(entry.path.trim_start_matches('/'));
            assert!(
                fs::symlink_metadata(&on_disk).is_err(),
                "{} left behind ({codec})",
                entry.path
            );
        }
    }
}

// Runs the scriptlets inside the root: /usr is the host's, seen through an
// overlay so the package's /usr/bin/hello lands in a scratch layer.
#[test]
fn scriptlets_run_in_order_on_install_and_erase() {
    if !require_tools(&["rpm", "unshare", "mount"]) || !require_root() {
        return;
    }
    let b = build_sample(None);
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    for d in [
        "root/usr",
        "root/var/log",
        "root/var/tmp",
        "root/tmp",
        "upper",
        "work",
    ] {
        fs::create_dir_all(work.path().join(d)).unwrap();
    }
    for (link, target) in [
        ("bin", "usr/bin"),
        ("lib", "usr/lib"),
        ("lib64", "usr/lib64"),
        ("sbin", "usr/sbin"),
    ] {
        fs_err::os::unix::fs::symlink(target, root.join(link)).unwrap();
    }
    let script = format!(
        "set -e; mount -t overlay overlay -o lowerdir=/usr,upperdir={w}/upper,workdir={w}/work {r}/usr; \
         rpm --root {r} --dbpath /var/lib/rpm --nodeps -i {p}; \
         test -u {r}/opt/hello/bin/helper; \
         rpm --root {r} --dbpath /var/lib/rpm --nodeps -e hello",
        w = work.path().display(),
        r = root.display(),
        p = b.rpm.display()
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .output()
        .unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("overlay")
            || err.contains("unshare")
            || err.contains("Operation not permitted")
        {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
                "cannot set up the overlay root: {err}"
            );
            eprintln!("skipping: cannot set up the overlay root: {err}");
            return;
        }
        panic!("install/erase with scriptlets failed:\n{err}");
    }
    let log = fs::read_to_string(root.join(SCRIPT_LOG.trim_start_matches('/'))).unwrap();
    assert_eq!(log, "pre\npost\npreun\npostun\n");
}
