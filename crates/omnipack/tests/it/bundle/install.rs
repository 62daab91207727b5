//! `bundle install` of several bundles in order onto an admin root whose
//! served tree `apt-get` and `dnf` read through `omnipack serve`; a file
//! two bundles ship; `list` and `status`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};

use super::fixture::{admin_root, barclamp, bundle, pack, tree_hash};
use crate::serve::{Served, apt_get, report};
use crate::support::text;

#[test]
fn three_bundles_install_in_order_and_apt_get_sees_their_packages() {
    if !require_tools(&["tar", "apt-get"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let dist = t.path().join("dist");
    let crowbar = barclamp(
        t.path(),
        "crowbar",
        "  version: 1\n  member: ['@crowbar']\ncrowbar:\n  order: 100\n",
        &[("bin/crowbar", "#!/bin/sh\n")],
        &[],
        &[],
    );
    let network = barclamp(
        t.path(),
        "network",
        "  version: 2\n  requires: ['@crowbar']\ncrowbar:\n  order: 20\n",
        &[("chef/cookbooks/network/recipes/default.rb", "net\n")],
        &[("netpkg", "2.0")],
        &[("netpkg", "2.0")],
    );
    let deployer = barclamp(
        t.path(),
        "deployer",
        "  version: 3\n  requires: [network]\ncrowbar:\n  order: 10\n",
        &[("bin/deploy", "#!/bin/sh\n")],
        &[("dtool", "1.0"), ("dhelper", "0.5")],
        &[],
    );
    let tb: Vec<PathBuf> = [&deployer, &network, &crowbar]
        .iter()
        .map(|f| pack(f, &dist, &[]))
        .collect();
    let root = admin_root(t.path());
    let before = tree_hash(&root, false);

    // A requirement neither given nor installed: refused with
    // --strict-requires, nothing written; Crowbar's way (the default) only
    // warns, shown here on a dry run.
    let o = bundle(
        &root,
        &["install", "--strict-requires", tb[0].to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .1
            .contains("requires `network`, which is neither installed nor given"),
        "{}",
        report(&o)
    );
    assert_eq!(tree_hash(&root, false), before);
    let o = bundle(&root, &["install", "--dry-run", tb[0].to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(
        text(&o).1.contains(
            "warning: bundle `deployer` requires `network`, which is neither installed nor given"
        ),
        "{}",
        report(&o)
    );

    // --dry-run: the plan in order on stdout, nothing written.
    let args: Vec<&str> = ["install", "--dry-run"]
        .into_iter()
        .chain(tb.iter().map(|p| p.to_str().unwrap()))
        .collect();
    let o = bundle(&root, &args);
    assert!(o.status.success(), "{}", report(&o));
    let plan = text(&o).0;
    let heads: Vec<&str> = plan
        .lines()
        .filter(|l| l.starts_with(char::is_numeric))
        .collect();
    assert_eq!(heads.len(), 3, "{plan}");
    // Crowbar's order: `crowbar.order` alone; `requires` moves nothing
    // and, not met in time, is a warning.
    assert!(
        heads[0].starts_with("1. deployer 3 (new), order 10"),
        "{plan}"
    );
    assert!(
        heads[1].starts_with("2. network 2 (new), order 20"),
        "{plan}"
    );
    assert!(
        heads[2].starts_with("3. crowbar 1 (new), order 100"),
        "{plan}"
    );
    assert!(
        text(&o).1.contains("warning: bundle `deployer` requires `network`, which is installed after it by `crowbar.order` (`network`)"),
        "{}",
        report(&o)
    );
    assert!(
        plan.contains("+ ubuntu-12.04/extra/deployer/dtool_1.0-1_all.deb"),
        "{plan}"
    );
    assert!(
        plan.contains("index ubuntu-12.04/extra/deployer/"),
        "{plan}"
    );
    assert_eq!(tree_hash(&root, false), before);

    let args: Vec<&str> = ["install"]
        .into_iter()
        .chain(tb.iter().map(|p| p.to_str().unwrap()))
        .collect();
    let o = bundle(&root, &args);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(
        fs::read_to_string(root.join(".omnipack/installed.log")).unwrap(),
        "deployer 3\nnetwork 2\ncrowbar 1\n"
    );
    assert_eq!(
        fs::read_to_string(root.join(".omnipack/notified.log")).unwrap(),
        "refresh\n"
    );

    // The served tree.
    assert_eq!(
        fs::read_to_string(root.join("files/deployer.txt")).unwrap(),
        "deployer file\n"
    );
    assert!(root.join("gems/gems/network-1.0.gem").is_file());
    // The gem directory was re-indexed after the last bundle's gems.
    assert_eq!(
        fs::read_to_string(root.join(".omnipack/gem-index.log")).unwrap(),
        "crowbar-1.0.gem\ndeployer-1.0.gem\nnetwork-1.0.gem\n"
    );
    assert!(root.join("opt/dell/bin/deploy").is_file());
    assert_eq!(
        fs::metadata(root.join("opt/dell/bin/deploy"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o755
    );
    assert!(
        root.join("opt/dell/chef/cookbooks/network/recipes/default.rb")
            .is_file()
    );
    let link = root.join("ubuntu-12.04/extra/deployer/dtool_1.0-1_all.deb");
    assert_eq!(
        fs::read_link(&link).unwrap(),
        Path::new("../../../bundles/deployer/cache/ubuntu-12.04/pkgs/dtool_1.0-1_all.deb")
    );
    assert!(link.is_file());
    let packages = fs::read_to_string(root.join("ubuntu-12.04/extra/deployer/Packages")).unwrap();
    assert!(
        packages.contains("Package: dtool\n") && packages.contains("Package: dhelper\n"),
        "{packages}"
    );
    assert!(
        root.join("centos-6.2/extra/network/repodata/repomd.xml")
            .is_file()
    );
    // The installed copies match their checksum files for the real tools.
    run_ok(
        Command::new("sha256sum")
            .args(["-c", "--quiet", "SHA256SUMS"])
            .current_dir(root.join("bundles/network")),
    );

    // apt-get, with a private configuration, through omnipack serve.
    let s = Served::start(&root, &[]);
    let state = t.path().join("apt");
    crate::support::apt_state(
        &state,
        format!(
            "deb [trusted=yes] {u}ubuntu-12.04/extra/deployer/ /\ndeb [trusted=yes] {u}ubuntu-12.04/extra/network/ /\n",
            u = s.url
        ),
    );
    let out = apt_get(&state, &["update"], t.path());
    assert!(
        out.status.success(),
        "{}\nserver:\n{}",
        report(&out),
        s.stderr()
    );
    let dl = t.path().join("dl");
    fs::create_dir(&dl).unwrap();
    let out = apt_get(&state, &["download", "dtool", "dhelper", "netpkg"], &dl);
    assert!(
        out.status.success(),
        "{}\nserver:\n{}",
        report(&out),
        s.stderr()
    );
    assert_eq!(
        fs::read(dl.join("netpkg_2.0-1_all.deb")).unwrap(),
        fs::read(root.join("bundles/network/cache/ubuntu-12.04/pkgs/netpkg_2.0-1_all.deb"))
            .unwrap()
    );

    // dnf (private configuration) reads the yum index of the centos tree.
    if require_tools(&["dnf"]) {
        let d = t.path().join("dnf");
        fs::create_dir_all(d.join("installroot")).unwrap();
        fs::write(
            d.join("dnf.conf"),
            "[main]\ngpgcheck=False\nskip_if_unavailable=False\n",
        )
        .unwrap();
        let out = Command::new("dnf")
            .arg("-c")
            .arg(d.join("dnf.conf"))
            .arg(format!("--installroot={}", d.join("installroot").display()))
            .args(["--releasever=9", "--setopt=reposdir=/dev/null", "-q"])
            .arg(format!("--setopt=cachedir={}", d.join("cache").display()))
            .arg(format!(
                "--repofrompath=n,{}centos-6.2/extra/network/",
                s.url
            ))
            .args(["--repo=n", "repoquery", "netpkg"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}\nserver:\n{}",
            report(&out),
            s.stderr()
        );
        assert!(
            text(&out).0.contains("netpkg-0:2.0-1.noarch"),
            "{}",
            report(&out)
        );
    }

    // list / status.
    let o = bundle(&root, &["list", "--json"]);
    assert!(o.status.success(), "{}", report(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["deployer", "network", "crowbar"]);
    assert!(
        v.as_array().unwrap().iter().all(|b| b["pristine"] == true),
        "{v}"
    );
    assert_eq!(v[0]["version"], "3");
    assert_eq!(v[0]["source"], tb[0].to_str().unwrap());
    let o = bundle(&root, &["status"]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(
        text(&o).0.contains("network\t2\t20\tpristine\t"),
        "{}",
        report(&o)
    );
}

#[test]
fn a_file_two_bundles_ship_belongs_to_the_later_install_and_bundle_yml_works() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let a = barclamp(
        t.path(),
        "a",
        "",
        &[("cache/files/shared.txt", "from a\n")],
        &[],
        &[],
    );
    let b = barclamp(
        t.path(),
        "b",
        "",
        &[("cache/files/shared.txt", "from b\n")],
        &[],
        &[],
    );
    fs::rename(b.src.join("crowbar.yml"), b.src.join("bundle.yml")).unwrap();
    let (ta, tb) = (
        pack(&a, &t.path().join("d"), &[]),
        pack(&b, &t.path().join("d"), &[]),
    );
    let listing = stdout_of(Command::new("tar").arg("tzf").arg(&tb));
    assert!(
        listing.contains("b/bundle.yml") && !listing.contains("crowbar.yml"),
        "{listing}"
    );
    let root = admin_root(t.path());
    for tarball in [&ta, &tb] {
        let o = bundle(&root, &["install", tarball.to_str().unwrap()]);
        assert!(o.status.success(), "{}", report(&o));
    }
    assert_eq!(
        fs::read_to_string(root.join("files/shared.txt")).unwrap(),
        "from b\n"
    );
    let o = bundle(&root, &["status"]);
    assert!(o.status.success(), "{}", report(&o));
    // Removing b's copy changes b, not a.
    fs::remove_file(root.join("files/shared.txt")).unwrap();
    let o = bundle(&root, &["status"]);
    assert_eq!(o.status.code(), Some(3));
    let out = text(&o).0;
    assert!(
        out.contains("a\t\t9999\tpristine") && out.contains("b\t\t9999\tmodified"),
        "{out}"
    );
    assert!(out.contains("missing `files/shared.txt`"), "{out}");
}
