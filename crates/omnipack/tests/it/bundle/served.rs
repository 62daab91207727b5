//! The served tree around an install: a file that becomes a directory,
//! files and links in a target's way, the dangling-link sweep, nothing
//! removed through a link.

use fs_err::os::unix::fs::symlink;

use fs_err as fs;
use omnipack_test_support::require_tools;

use super::fixture::{admin_root, barclamp, bundle, pack, tree_hash, write};
use crate::serve::report;
use crate::support::text;

/// Regression: a file of v1 that is a directory in v2 is replaced (deletes
/// run before puts); a file or a link in a target's way is refused first.
#[test]
fn a_file_that_becomes_a_directory_and_parents_in_the_way() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "fd",
        "  version: 1\n",
        &[("cache/files/foo", "a file\n")],
        &[],
        &[],
    );
    let tb1 = pack(&f, &t.path().join("d1"), &[]);
    let root = admin_root(t.path());
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    fs::remove_file(f.src.join("cache/files/foo")).unwrap();
    write(&f.src.join("cache/files/foo/bar"), "now a directory\n");
    write(&f.src.join("cache/files/blocked/x"), "x\n");
    write(&f.src.join("cache/files/linked/y"), "y\n");
    write(
        &f.src.join("crowbar.yml"),
        "barclamp:\n  name: fd\n  version: 2\n",
    );
    let tb2 = pack(&f, &t.path().join("d2"), &[]);

    // A user's file where v2 needs a directory: refused, nothing written.
    fs::write(root.join("files/blocked"), "user\n").unwrap();
    let before = tree_hash(&root, true);
    let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    let err = text(&o).1;
    assert!(
        err.contains("files/blocked` is a file where a directory has to be"),
        "{err}"
    );
    assert_eq!(tree_hash(&root, true), before);
    fs::remove_file(root.join("files/blocked")).unwrap();

    // A link where v2 needs a directory: refused, nothing written through it.
    let outside = t.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    symlink(&outside, root.join("files/linked")).unwrap();
    let before = tree_hash(&root, true);
    let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    let err = text(&o).1;
    assert!(err.contains("files/linked` is a symbolic link"), "{err}");
    assert_eq!(tree_hash(&root, true), before);
    assert!(!outside.join("y").exists());
    fs::remove_file(root.join("files/linked")).unwrap();

    let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(
        fs::read_to_string(root.join("files/foo/bar")).unwrap(),
        "now a directory\n"
    );
    assert!(!root.join(".omnipack/journal.json").exists());
    assert!(bundle(&root, &["status"]).status.success());
}

/// Regression: the dangling-link sweep walks only real `<os>/extra/`
/// directories, and an OS a new version drops takes only its links and
/// index, not what the admin put beside them.
#[test]
fn the_sweep_stays_in_the_root_and_a_dropped_os_keeps_the_admins_files() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(t.path(), "os", "  version: 1\n", &[], &[("os", "1.0")], &[]);
    let tb1 = pack(&f, &t.path().join("d1"), &[]);
    let root = admin_root(t.path());
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let leaf = root.join("ubuntu-12.04/extra/os");
    assert!(leaf.join("Packages").is_file());
    fs::write(leaf.join("README.admin"), "mine\n").unwrap();

    // Outside the root, dangling links reachable only through links.
    let outside = t.path().join("outside");
    fs::create_dir_all(outside.join("extra")).unwrap();
    symlink("../../gone.deb", outside.join("extra/dangling.deb")).unwrap();
    symlink(&outside, root.join("linked-os")).unwrap();
    fs::create_dir_all(root.join("other-os")).unwrap();
    symlink(outside.join("extra"), root.join("other-os/extra")).unwrap();
    // An absolute link is not one an install made.
    symlink(
        "/nonexistent/x.deb",
        root.join("ubuntu-12.04/extra/abs.deb"),
    )
    .unwrap();

    fs::remove_dir_all(f.cache.join("barclamps/os/ubuntu-12.04")).unwrap();
    write(
        &f.src.join("crowbar.yml"),
        "barclamp:\n  name: os\n  version: 2\n",
    );
    let tb2 = pack(&f, &t.path().join("d2"), &[]);
    let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(fs::symlink_metadata(outside.join("extra/dangling.deb")).is_ok());
    assert!(fs::symlink_metadata(root.join("ubuntu-12.04/extra/abs.deb")).is_ok());
    assert_eq!(
        fs::read_to_string(leaf.join("README.admin")).unwrap(),
        "mine\n"
    );
    assert!(fs::symlink_metadata(leaf.join("os_1.0-1_all.deb")).is_err());
    for gone in ["Packages", "Packages.gz", "Release", "by-hash"] {
        assert!(
            fs::symlink_metadata(leaf.join(gone)).is_err(),
            "{gone} left"
        );
    }
    assert!(bundle(&root, &["status"]).status.success());
}

/// Regression: what an old version placed is not removed through a
/// directory the admin replaced by a link out of the root.
#[test]
fn nothing_is_removed_through_a_linked_directory() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "ln",
        "  version: 1\n",
        &[("bin/x", "x\n"), ("bin/y", "y\n")],
        &[],
        &[],
    );
    let tb1 = pack(&f, &t.path().join("d1"), &[]);
    let root = admin_root(t.path());
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let outside = t.path().join("outside-bin");
    fs::rename(root.join("opt/dell/bin"), &outside).unwrap();
    symlink(&outside, root.join("opt/dell/bin")).unwrap();
    fs::remove_file(f.src.join("bin/x")).unwrap();
    write(
        &f.src.join("crowbar.yml"),
        "barclamp:\n  name: ln\n  version: 2\n",
    );
    let tb2 = pack(&f, &t.path().join("d2"), &[]);
    let before = tree_hash(&root, true);
    for force in [false, true] {
        let mut args = vec!["install"];
        if force {
            args.push("--force");
        }
        args.push(tb2.to_str().unwrap());
        let o = bundle(&root, &args);
        assert_eq!(o.status.code(), Some(1), "{}", report(&o));
        let err = text(&o).1;
        assert!(err.contains("opt/dell/bin` is a symbolic link"), "{err}");
        assert_eq!(tree_hash(&root, true), before);
        assert!(outside.join("x").is_file());
    }
}
