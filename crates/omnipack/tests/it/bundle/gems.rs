//! A bundle's gems: indexed natively so that `gem install` reads the
//! root, the last gem going, a failing index command.

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use super::fixture::{barclamp, bundle, hint, pack, write};
use crate::serve::{Served, report};
use crate::support::text;

/// Regression: the gem directory is indexed natively when the admin config
/// names no command, so `gem install` reads the root's gem source at once.
#[test]
fn a_bundles_gems_are_indexed_natively_and_gem_installs_them() {
    if !require_tools(&["tar", "ruby", "gem"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "rails",
        "",
        &[("bin/rails", "#!/bin/sh\n")],
        &[],
        &[],
    );
    let gems = f.cache.join("barclamps/rails/gems");
    fs::remove_file(gems.join("rails-1.0.gem")).unwrap();
    let g = crate::gem::G {
        name: "railsy",
        version: "1.2.3",
        platform: None,
        deps: &[],
        extra: "",
    };
    crate::gem::build_gem(t.path(), &g, &gems);
    let tb = pack(&f, &t.path().join("d"), &[]);
    let root = t.path().join("admin");
    let o = bundle(&root, &["install", tb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(err.contains("does not exist"), "{}", report(&o));
    assert!(
        hint(&err).is_some_and(|h| h.starts_with("create it (`mkdir -p")),
        "{}",
        report(&o)
    );
    fs::create_dir_all(&root).unwrap();
    let o = bundle(&root, &["install", tb.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let out = text(&o);
    assert!(
        format!("{}{}", out.0, out.1).contains("gem index: 1 gems (1 read)"),
        "{}",
        report(&o)
    );
    assert_eq!(
        fs::read_to_string(root.join("gems/names")).unwrap(),
        "---\nrailsy\n"
    );
    assert!(root.join("gems/specs.4.8.gz").is_file());

    let served = Served::start(&root.join("gems"), &[]);
    let home = t.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let into = t.path().join("installed");
    run_ok(crate::gem::ruby_env(
        Command::new("gem")
            .args(["install", "--clear-sources", "--source", &served.url])
            .args(["--no-document", "--install-dir"])
            .arg(&into)
            .arg("railsy"),
        &home,
    ));
    assert!(into.join("gems/railsy-1.2.3/lib/railsy.rb").is_file());
}

/// An admin root without a config: native gem index, nothing run.
fn bare_root(t: &Path) -> PathBuf {
    let root = t.join("bare");
    fs::create_dir_all(&root).unwrap();
    root
}

/// Regression: the last gem going (its `gems/gems/` emptied) and a failing
/// index command do not wedge the root; the journal finishes either way.
#[test]
fn the_last_gem_going_and_a_failing_gem_index_do_not_wedge_the_root() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(t.path(), "g", "  version: 1\n", &[], &[], &[]);
    let tb1 = pack(&f, &t.path().join("d1"), &[]);
    let root = bare_root(t.path());
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(root.join("gems/gems/g-1.0.gem").is_file());

    fs::remove_dir_all(f.cache.join("barclamps/g/gems")).unwrap();
    write(
        &f.src.join("crowbar.yml"),
        "barclamp:\n  name: g\n  version: 2\n",
    );
    let tb2 = pack(&f, &t.path().join("d2"), &[]);
    let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(!root.join("gems/gems/g-1.0.gem").exists());
    assert!(
        root.join("gems/gems").is_dir(),
        "the served gems/gems/ was pruned"
    );
    assert!(!root.join(".omnipack/journal.json").exists());
    let o = bundle(&root, &["status"]);
    assert!(o.status.success(), "{}", report(&o));

    // A gem index command that fails: installed all the same, with a warning.
    write(
        &root.join(".omnipack/bundles.toml"),
        "gem_index = 'exit 3'\n",
    );
    let o = bundle(&root, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let err = text(&o).1;
    assert!(
        err.contains("warning: bundle `g` is installed, but"),
        "{err}"
    );
    assert!(err.contains("exit 3"), "{err}");
    assert!(!root.join(".omnipack/journal.json").exists());
    assert!(root.join("gems/gems/g-1.0.gem").is_file());
    let o = bundle(&root, &["list"]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(
        text(&o).0.contains("g\t1\t9999\tpristine"),
        "{}",
        report(&o)
    );
}
