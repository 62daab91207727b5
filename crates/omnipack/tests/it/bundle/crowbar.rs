//! Issue 18: a Crowbar admin node. Barclamps shaped like Crowbar's own
//! (crowbar_framework/, bin/, chef/, updates/, cache/ with files, gems,
//! per-OS packages, pips and git_repos) installed with `--layout crowbar`
//! and a relative `--root`, in `crowbar.order`; the paths Crowbar's
//! `barclamp_install.rb` used, served as :8091 and :3001 served them and
//! read by `apt-get`, `dnf`, `gem` and HTTP; the pristine check of a
//! bundle directory an older tool installed; `--force` never recording an
//! edit; `--json` on failure.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use super::fixture::{OS_DEB, OS_RPM, barclamp, hint, pack, tree_hash, unpack_with_tar, write};
use crate::serve::{Served, apt_get, http_get, report};
use crate::support::{omnipack, text};

/// `omnipack bundle ARGS --root ROOT`, run in `cwd` (a relative root).
fn bundle_in(cwd: &Path, root: &str, args: &[&str]) -> std::process::Output {
    omnipack()
        .current_dir(cwd)
        .arg("bundle")
        .args(args)
        .args(["--root", root])
        .output()
        .unwrap()
}

#[test]
fn crowbar_barclamps_install_where_crowbar_put_them_and_are_served() {
    if !require_tools(&["tar", "apt-get", "ruby", "gem"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let dist = t.path().join("dist");
    // Orders as in Crowbar's releases: crowbar 0, deployer 10, provisioner 20.
    let crowbar = barclamp(
        t.path(),
        "crowbar",
        "  version: 1\n  member: ['@crowbar']\n  requires: ['@crowbar']\ncrowbar:\n  layout: 1\n  order: 0\n",
        &[
            ("bin/crowbar", "#!/bin/sh\necho crowbar\n"),
            (
                "crowbar_framework/app/models/crowbar_service.rb",
                "class CrowbarService; end\n",
            ),
            ("chef/cookbooks/crowbar/recipes/default.rb", "# crowbar\n"),
            ("chef/roles/crowbar.rb", "name 'crowbar'\n"),
            ("updates/control.sh", "#!/bin/sh\n"),
            ("crowbar_framework/log/.gitignore", "*.log\n"),
        ],
        &[],
        &[],
    );
    let deployer = barclamp(
        t.path(),
        "deployer",
        "  version: 2\n  member: ['@crowbar']\n  requires: ['@crowbar']\ncrowbar:\n  layout: 1\n  order: 10\n",
        &[
            ("bin/crowbar_deployer", "#!/bin/sh\n"),
            ("chef/cookbooks/deployer/recipes/default.rb", "# deployer\n"),
        ],
        &[("dtool", "1.0")],
        &[("dtool", "1.0")],
    );
    let provisioner = barclamp(
        t.path(),
        "provisioner",
        "  version: 3\n  member: ['@crowbar']\n  requires: ['@crowbar', deployer]\ncrowbar:\n  layout: 1\n  order: 20\n",
        &[("chef/cookbooks/provisioner/recipes/default.rb", "# prov\n")],
        &[("ptool", "3.0")],
        &[],
    );
    // pips and git_repos in the bundle's cache (Crowbar's
    // /tftpboot/pips/<bc> and /tftpboot/git_repos/<bc>).
    fs::create_dir_all(crowbar.src.join("crowbar_framework/tmp")).unwrap();
    let pcache = provisioner.src.join("cache");
    write(&pcache.join("pips/requests-2.0.tar.gz"), "a pip source\n");
    write(
        &pcache.join("git_repos/provisioner/HEAD"),
        "ref: refs/heads/master\n",
    );
    // A real gem for the :3001 gem source.
    let gems = deployer.cache.join("barclamps/deployer/gems");
    fs::remove_file(gems.join("deployer-1.0.gem")).unwrap();
    let g = crate::gem::G {
        name: "deployer-util",
        version: "0.1.0",
        platform: None,
        deps: &[],
        extra: "",
    };
    crate::gem::build_gem(t.path(), &g, &gems);
    let tbs: Vec<String> = [&provisioner, &crowbar, &deployer]
        .iter()
        .map(|f| pack(f, &dist, &[]).display().to_string())
        .collect();

    // A relative --root with a hook that leaves the root before it reads
    // the bundle: the paths it gets are absolute.
    fs::create_dir_all(t.path().join("admin/.omnipack")).unwrap();
    fs::write(
        t.path().join("admin/.omnipack/bundles.toml"),
        "layout = \"crowbar\"\nafter_install = ['cd / && test -f \"$OMNIPACK_BUNDLE_DIR/crowbar.yml\" && echo \"$OMNIPACK_BUNDLE\" >> \"$OMNIPACK_ROOT/installed.log\"']\n",
    )
    .unwrap();
    let args: Vec<&str> = ["install", "--layout", "crowbar"]
        .into_iter()
        .chain(tbs.iter().map(String::as_str))
        .collect();
    let o = bundle_in(t.path(), "admin", &args);
    assert!(o.status.success(), "{}", report(&o));
    let root = t.path().join("admin");
    assert_eq!(
        fs::read_to_string(root.join("installed.log")).unwrap(),
        "crowbar\ndeployer\nprovisioner\n"
    );
    // A summary per bundle, not every file.
    let err = text(&o).1;
    assert!(
        err.contains("1. crowbar 1 (new), order 0") && err.contains("files;"),
        "{err}"
    );
    assert!(!err.contains("+ opt/dell/bin/crowbar"), "{err}");

    // Crowbar's paths.
    for p in [
        "opt/dell/barclamps/crowbar/crowbar.yml",
        "opt/dell/barclamps/deployer/sha1sums",
        "opt/dell/bin/crowbar",
        "opt/dell/bin/crowbar_deployer",
        "opt/dell/crowbar_framework/app/models/crowbar_service.rb",
        "opt/dell/crowbar_framework/barclamps/crowbar.yml",
        "opt/dell/crowbar_framework/barclamps/provisioner.yml",
        "opt/dell/chef/cookbooks/deployer/recipes/default.rb",
        "opt/dell/chef/roles/crowbar.rb",
        "updates/control.sh",
        "tftpboot/files/deployer.txt",
        "tftpboot/gemsite/gems/deployer-util-0.1.0.gem",
        "tftpboot/gemsite/specs.4.8.gz",
        "tftpboot/ubuntu-12.04/crowbar-extra/deployer/Packages",
        "tftpboot/centos-6.2/crowbar-extra/deployer/repodata/repomd.xml",
        "tftpboot/pips/provisioner/requests-2.0.tar.gz",
        "tftpboot/git_repos/provisioner/provisioner/HEAD",
    ] {
        assert!(root.join(p).is_file(), "{p} missing");
    }
    assert!(!root.join("bundles").exists());
    // barclamp_install.rb's `chmod_R 0755` of /opt/dell/bin and /updates
    // (the bundle's files are 0644), and bc_cloner's skipping of dot files
    // (the installed copy keeps them).
    for p in ["opt/dell/bin/crowbar", "updates/control.sh"] {
        let mode = fs::metadata(root.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "{p}: {mode:o}");
    }
    let mode = fs::metadata(root.join("opt/dell/chef/roles/crowbar.rb"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    assert!(
        !root
            .join("opt/dell/crowbar_framework/log/.gitignore")
            .exists()
    );
    assert!(
        root.join("opt/dell/barclamps/crowbar/crowbar_framework/log/.gitignore")
            .is_file()
    );
    // ... but the directory holding it is made, as bc_cloner made it, and
    // an empty one too: Rails needs log/ and tmp/.
    assert!(root.join("opt/dell/crowbar_framework/log").is_dir());
    assert!(root.join("opt/dell/crowbar_framework/tmp").is_dir());
    assert_eq!(
        fs::read_to_string(root.join("opt/dell/crowbar_framework/barclamps/deployer.yml")).unwrap(),
        fs::read_to_string(root.join("opt/dell/barclamps/deployer/crowbar.yml")).unwrap()
    );

    // :8091: the install tree; its package links lead into the installed
    // barclamps, which a plain serve refuses to follow.
    let plain = Served::start(&root.join("tftpboot"), &[]);
    let (status, _) = http_get(
        &plain.addr(),
        "/ubuntu-12.04/crowbar-extra/deployer/dtool_1.0-1_all.deb",
    );
    assert!(status.contains("404"), "{status}");
    drop(plain);
    let barclamps = root.join("opt/dell/barclamps").display().to_string();
    let s = Served::start(&root.join("tftpboot"), &["--follow-links-into", &barclamps]);
    let state = t.path().join("apt");
    omnipack_test_support::clients::apt_state(
        &state,
        format!(
            "deb [trusted=yes] {u}{OS_DEB}/crowbar-extra/deployer/ /\ndeb [trusted=yes] {u}{OS_DEB}/crowbar-extra/provisioner/ /\n",
            u = s.url
        ),
    );
    let out = apt_get(&state, &["update"], t.path());
    assert!(out.status.success(), "{}\n{}", report(&out), s.stderr());
    let dl = t.path().join("dl");
    fs::create_dir(&dl).unwrap();
    let out = apt_get(&state, &["download", "dtool", "ptool"], &dl);
    assert!(out.status.success(), "{}\n{}", report(&out), s.stderr());
    let (status, body) = http_get(&s.addr(), "/pips/provisioner/requests-2.0.tar.gz");
    assert!(status.contains("200"), "{status}");
    assert_eq!(body, b"a pip source\n");
    let (status, _) = http_get(&s.addr(), "/files/deployer.txt");
    assert!(status.contains("200"), "{status}");
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
                "--repofrompath=c,{}{OS_RPM}/crowbar-extra/deployer/",
                s.url
            ))
            .args(["--repo=c", "repoquery", "dtool"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}\n{}", report(&out), s.stderr());
        assert!(
            text(&out).0.contains("dtool-0:1.0-1.noarch"),
            "{}",
            report(&out)
        );
    }
    // :3001: the gem source.
    let gs = Served::start(&root.join("tftpboot/gemsite"), &[]);
    let home = t.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let into = t.path().join("gems-installed");
    run_ok(crate::gem::ruby_env(
        Command::new("gem")
            .args(["install", "--clear-sources", "--source", &gs.url])
            .args(["--no-document", "--install-dir"])
            .arg(&into)
            .arg("deployer-util"),
        &home,
    ));
    assert!(
        into.join("specifications/deployer-util-0.1.0.gemspec")
            .is_file()
    );

    // list, status and verify agree.
    let o = bundle_in(t.path(), "admin", &["list", "--json"]);
    assert!(o.status.success(), "{}", report(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let listed: Vec<(&str, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap(),
                b["pristine"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("crowbar", true), ("deployer", true), ("provisioner", true)]
    );
    let o = bundle_in(t.path(), "admin", &["status"]);
    assert!(o.status.success(), "{}", report(&o));
    let o = omnipack()
        .args(["bundle", "verify"])
        .arg(root.join("opt/dell/barclamps/provisioner"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", report(&o));

    // Another layout for this root: refused, naming both.
    let o = bundle_in(
        t.path(),
        "admin",
        &["install", "--layout", "omnipack", &tbs[0]],
    );
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    assert!(
        text(&o).1.contains("`layout = \"crowbar\"`"),
        "{}",
        report(&o)
    );

    // A reinstall by name says where it comes from.
    let o = bundle_in(t.path(), "admin", &["install", "deployer"]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(
        text(&o).1.contains("from its installed copy `"),
        "{}",
        report(&o)
    );
}

/// A bundle directory an older tool installed (no omnipack record), the
/// way Crowbar's `barclamp_install.rb` judged it: compared with its own
/// `sha1sums`; an edited one, one without checksums and something that is
/// not a bundle are refused; unedited, it upgrades. Then `--force` never
/// records an edit as the bundle's own state.
#[test]
fn the_pristine_check_has_no_holes() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "nova",
        "  version: 1\ncrowbar:\n  order: 50\n",
        &[("bin/nova", "#!/bin/sh\n"), ("chef/roles/nova.rb", "n\n")],
        &[],
        &[],
    );
    let tb1 = pack(&f, &t.path().join("d1"), &[]);
    write(
        &f.src.join("crowbar.yml"),
        "barclamp:\n  name: nova\n  version: 2\ncrowbar:\n  order: 50\n",
    );
    let tb2 = pack(&f, &t.path().join("d2"), &[]);
    let root = t.path().join("admin");
    fs::create_dir_all(root.join(".omnipack")).unwrap();
    fs::write(
        root.join(".omnipack/bundles.toml"),
        "layout = \"crowbar\"\n",
    )
    .unwrap();
    // Installed by Crowbar's tools: the tarball's tree under /opt/dell/barclamps.
    let old = root.join("opt/dell/barclamps/nova");
    unpack_with_tar(&tb1, &root.join("opt/dell/barclamps"));
    assert!(old.join("sha1sums").is_file());
    let tb2s = tb2.to_str().unwrap();

    // Edited: refused, naming the file, with --json too; nothing written.
    fs::write(old.join("bin/nova"), "#!/bin/sh\necho local fix\n").unwrap();
    let before = tree_hash(&root, false);
    let o = bundle_in(&root, ".", &["install", "--json", tb2s]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    let err = text(&o).1;
    assert!(
        err.contains("omnipack did not install it")
            && err.contains("differs from its own `SHA256SUMS`: modified `bin/nova`"),
        "{err}"
    );
    assert!(hint(&err).is_some_and(|h| h.contains("--force")), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("modified `bin/nova`"),
        "{v}"
    );
    assert!(v["hint"].as_str().unwrap().contains("--force"), "{v}");
    assert_eq!(tree_hash(&root, false), before);

    // Without checksums: refused too.
    fs::remove_file(old.join("sha1sums")).unwrap();
    fs::remove_file(old.join("SHA256SUMS")).unwrap();
    let o = bundle_in(&root, ".", &["install", tb2s]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    assert!(
        text(&o).1.contains("has no checksum file"),
        "{}",
        report(&o)
    );

    // Not a bundle: refused even with --force.
    fs::remove_dir_all(&old).unwrap();
    write(&old.join("notes.txt"), "mine\n");
    let o = bundle_in(&root, ".", &["install", "--force", tb2s]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    assert!(
        text(&o).1.contains("is not a bundle directory"),
        "{}",
        report(&o)
    );
    assert!(old.join("notes.txt").is_file());

    // Unedited: it upgrades.
    fs::remove_dir_all(&old).unwrap();
    unpack_with_tar(&tb1, &root.join("opt/dell/barclamps"));
    let o = bundle_in(&root, ".", &["install", tb2s]);
    assert!(o.status.success(), "{}", report(&o));
    assert!(
        text(&o).1.contains("2. ") || text(&o).1.contains("1. nova 2"),
        "{}",
        report(&o)
    );

    // --force by name over an edited installed copy keeps the edit, and
    // records the bundle's own checksums: the next install still refuses,
    // naming the file.
    let copy = root.join("opt/dell/barclamps/nova/chef/roles/nova.rb");
    fs::write(&copy, "edited\n").unwrap();
    let o = bundle_in(&root, ".", &["install", "--force", "nova"]);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(fs::read_to_string(&copy).unwrap(), "edited\n");
    let o = bundle_in(&root, ".", &["install", "nova"]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    assert!(
        text(&o)
            .1
            .contains("modified `opt/dell/barclamps/nova/chef/roles/nova.rb`"),
        "{}",
        report(&o)
    );
    let o = bundle_in(&root, ".", &["status", "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", report(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["pristine"], serde_json::json!(false), "{v}");
    // --force from the tarball overwrites the edit: then all is pristine.
    let o = bundle_in(&root, ".", &["install", "--force", tb2s]);
    assert!(o.status.success(), "{}", report(&o));
    assert_eq!(fs::read_to_string(&copy).unwrap(), "n\n");
    let o = bundle_in(&root, ".", &["install", "nova"]);
    assert!(o.status.success(), "{}", report(&o));

    // --json on a failure of every command.
    let o = bundle_in(&root, ".", &["install", "--json", "no-such-bundle"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("no-such-bundle"),
        "{v}"
    );
    let bad = t.path().join("bad.tar.gz");
    fs::write(&bad, "not a tarball").unwrap();
    let o = omnipack()
        .args(["bundle", "verify", "--json"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], serde_json::json!(false), "{v}");
    assert!(v["error"].as_str().unwrap().contains("bad.tar.gz"), "{v}");
}
