//! The pristine check: local changes to an installed bundle, or a file
//! in the way that no bundle placed, refused unless `--force`; what a new
//! version drops goes.

use fs_err::os::unix::fs::symlink;
use std::os::unix::fs::PermissionsExt;

use fs_err as fs;
use omnipack_test_support::require_tools;

use super::fixture::{admin_root, barclamp, bundle, hint, pack, tree_hash, write};
use crate::serve::report;
use crate::support::text;

#[test]
fn local_changes_are_refused_force_overwrites_and_dropped_files_go() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let v1 = barclamp(
        t.path(),
        "nova",
        "  version: 1\n",
        &[
            ("bin/nova", "#!/bin/sh\n1\n"),
            ("bin/nova-old", "#!/bin/sh\nold\n"),
        ],
        &[("nova", "1.0"), ("nova-legacy", "1.0")],
        &[],
    );
    let tb1 = pack(&v1, &t.path().join("d1"), &[]);
    let root = admin_root(t.path());
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    // A link some earlier install left dangling is swept too.
    symlink(
        "../../../bundles/gone/x.deb",
        root.join("ubuntu-12.04/extra/nova-ghost.deb"),
    )
    .unwrap();

    fs::write(root.join("opt/dell/bin/nova"), "#!/bin/sh\nlocal edit\n").unwrap();
    fs::write(
        root.join("bundles/nova/crowbar.yml"),
        "barclamp:\n  name: nova\n",
    )
    .unwrap();
    let before = tree_hash(&root, true);
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(
        err.contains(
            "has local changes: modified `bundles/nova/crowbar.yml`, modified `opt/dell/bin/nova`"
        ),
        "{err}"
    );
    assert!(hint(&err).is_some_and(|h| h.contains("--force")), "{err}");
    assert_eq!(
        tree_hash(&root, true),
        before,
        "a refused install wrote something"
    );
    let o = bundle(&root, &["status"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o).0.contains("nova\t1\t9999\tmodified"),
        "{}",
        report(&o)
    );
    assert!(
        text(&o).0.contains("modified `opt/dell/bin/nova`"),
        "{}",
        report(&o)
    );

    let o = bundle(&root, &["install", "--force", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(
        fs::read_to_string(root.join("opt/dell/bin/nova")).unwrap(),
        "#!/bin/sh\n1\n"
    );
    assert!(bundle(&root, &["status"]).status.success());

    // v2 drops bin/nova-old and the nova-legacy package.
    fs::remove_file(v1.src.join("bin/nova-old")).unwrap();
    fs::write(
        v1.src.join("crowbar.yml"),
        "barclamp:\n  name: nova\n  version: 2\n",
    )
    .unwrap();
    fs::remove_file(
        v1.cache
            .join("barclamps/nova/ubuntu-12.04/pkgs/nova-legacy_1.0-1_all.deb"),
    )
    .unwrap();
    let tb2 = pack(&v1, &t.path().join("d2"), &[]);
    let o = bundle(&root, &["install", "--dry-run", tb2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let plan = text(&o).0;
    assert!(plan.contains("1. nova 2 (replacing 1)"), "{plan}");
    assert!(plan.contains("- opt/dell/bin/nova-old"), "{plan}");
    assert!(plan.contains("- bundles/nova/bin/nova-old"), "{plan}");
    let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(!root.join("opt/dell/bin/nova-old").exists());
    assert!(!root.join("bundles/nova/bin/nova-old").exists());
    let gone = root.join("ubuntu-12.04/extra/nova/nova-legacy_1.0-1_all.deb");
    assert!(fs::symlink_metadata(&gone).is_err(), "dangling link left");
    assert!(fs::symlink_metadata(root.join("ubuntu-12.04/extra/nova-ghost.deb")).is_err());
    let packages = fs::read_to_string(root.join("ubuntu-12.04/extra/nova/Packages")).unwrap();
    assert!(
        packages.contains("Package: nova\n") && !packages.contains("nova-legacy"),
        "{packages}"
    );
    let o = bundle(&root, &["list"]);
    assert!(
        text(&o).0.contains("nova\t2\t9999\tpristine"),
        "{}",
        report(&o)
    );

    // An installed bundle given by name is placed again from its copy.
    fs::remove_file(root.join("files/nova.txt")).unwrap();
    let o = bundle(&root, &["install", "--force", "nova"]);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(
        fs::read_to_string(root.join("files/nova.txt")).unwrap(),
        "nova file\n"
    );
    assert!(bundle(&root, &["status"]).status.success());
}

/// Regression: a file under the served tree that no installed bundle
/// placed is not overwritten without --force.
#[test]
fn a_users_file_in_the_way_is_refused_and_force_overwrites_it() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(t.path(), "u", "  version: 1\n", &[], &[], &[]);
    let tb = pack(&f, &t.path().join("d"), &[]);
    let root = admin_root(t.path());
    write(&root.join("files/u.txt"), "the admin's own file\n");
    let before = tree_hash(&root, false);
    for args in [&["install"][..], &["install", "--dry-run"][..]] {
        let mut args = args.to_vec();
        args.push(tb.to_str().unwrap());
        let o = bundle(&root, &args);
        assert_eq!(o.status.code(), Some(1), "{}", report(&o));
        let err = text(&o).1;
        assert!(
            err.contains("would overwrite files under")
                && err.contains("`files/u.txt` (no installed bundle placed it)")
                && hint(&err).is_some_and(|h| h.contains("--force")),
            "{err}"
        );
        assert_eq!(tree_hash(&root, false), before, "a refused install wrote");
        assert!(!root.join(".omnipack/bundles/u.json").exists());
    }
    let o = bundle(&root, &["install", "--force", tb.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(
        fs::read_to_string(root.join("files/u.txt")).unwrap(),
        "u file\n"
    );
    assert!(bundle(&root, &["status"]).status.success());
    // A changed mode is a local change too.
    fs::set_permissions(
        root.join("files/u.txt"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let o = bundle(&root, &["status"]);
    assert_eq!(o.status.code(), Some(3), "{}", report(&o));
    assert!(
        text(&o).0.contains("modified `files/u.txt`"),
        "{}",
        report(&o)
    );
}

/// From the real-barclamp trial (issue 18): a re-install of several edited
/// bundles named only the first; one refusal names every changed bundle
/// and its files, and the root is left as it was.
#[test]
fn one_refusal_names_every_changed_bundle() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let a = barclamp(
        t.path(),
        "alpha",
        "  version: 1\n",
        &[("bin/a", "a\n")],
        &[],
        &[],
    );
    let b = barclamp(
        t.path(),
        "beta",
        "  version: 1\n",
        &[("bin/b", "b\n")],
        &[],
        &[],
    );
    let ta = pack(&a, &t.path().join("d"), &[]);
    let tb = pack(&b, &t.path().join("d"), &[]);
    let root = admin_root(t.path());
    let args = ["install", ta.to_str().unwrap(), tb.to_str().unwrap()];
    let o = bundle(&root, &args);
    assert!(o.status.success(), "{}", report(&o));
    fs::write(root.join("opt/dell/bin/a"), "edited\n").unwrap();
    fs::write(root.join("opt/dell/bin/b"), "edited\n").unwrap();
    let before = tree_hash(&root, true);
    let o = bundle(&root, &args);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(
        err.contains("have local changes: `alpha`: modified `opt/dell/bin/a`; `beta`: modified `opt/dell/bin/b` (nothing was written)"),
        "{err}"
    );
    assert_eq!(tree_hash(&root, true), before);
    // The install's own stage and trash directories do not outlive it.
    let o = bundle(
        &root,
        &[
            "install",
            "--force",
            ta.to_str().unwrap(),
            tb.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", report(&o));
    assert!(!root.join(".omnipack/stage").exists());
    assert!(!root.join(".omnipack/trash").exists());
}
