//! `omnipack bundle`: packing checked with the real `tar`, `sha1sum -c` and
//! `sha256sum -c`; installing three bundles in order onto an admin root
//! whose served tree `apt-get` reads through `omnipack serve`; the pristine
//! check; an install killed after every single step; hostile tarballs.

use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};
use sha2::Digest;

use crate::serve::{Served, apt_get, report};
use crate::support::{make_package, omnipack, text};

const OS_DEB: &str = "ubuntu-12.04";
const OS_RPM: &str = "centos-6.2";

/// A bundle source directory `<dir>/<name>` and its build cache
/// `<cache>/barclamps/<name>/`, Crowbar's layout.
struct Fixture {
    src: PathBuf,
    cache: PathBuf,
}

fn write(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

/// A barclamp: manifest, bin/ (executable), chef/, smoketest/, and a cache
/// of files, a gem and packages (`debs` for ubuntu, `rpms` for centos).
fn barclamp(
    t: &Path,
    name: &str,
    manifest_extra: &str,
    files: &[(&str, &str)],
    debs: &[(&str, &str)],
    rpms: &[(&str, &str)],
) -> Fixture {
    let src = t.join("src").join(name);
    let cache = t.join("cache");
    write(
        &src.join("crowbar.yml"),
        &format!(
            "# {name}\nbarclamp:\n  name: {name}\n  display: {name}\n{manifest_extra}nav:\n  unknown_key: kept\n"
        ),
    );
    for (rel, body) in files {
        write(&src.join(rel), body);
        if rel.starts_with("bin/") {
            fs::set_permissions(src.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let own = cache.join("barclamps").join(name);
    write(
        &own.join("files/").join(format!("{name}.txt")),
        &format!("{name} file\n"),
    );
    write(
        &own.join("gems").join(format!("{name}-1.0.gem")),
        &format!("not really a gem: {name}\n"),
    );
    if !debs.is_empty() {
        let dir = own.join(OS_DEB).join("pkgs");
        fs::create_dir_all(&dir).unwrap();
        for (pkg, v) in debs {
            make_package(&dir, pkg, v, "deb");
        }
    }
    if !rpms.is_empty() {
        let dir = own.join(OS_RPM).join("pkgs");
        fs::create_dir_all(&dir).unwrap();
        for (pkg, v) in rpms {
            make_package(&dir, pkg, v, "rpm");
        }
    }
    Fixture { src, cache }
}

fn pack(f: &Fixture, dest: &Path, extra: &[&str]) -> PathBuf {
    let o = omnipack()
        .args(["bundle", "pack", "--quiet"])
        .arg(&f.src)
        .arg("--destdir")
        .arg(dest)
        .arg("--cache")
        .arg(&f.cache)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", report(&o));
    PathBuf::from(text(&o).0.trim())
}

fn bundle(root: &Path, args: &[&str]) -> Output {
    omnipack()
        .args(["bundle"])
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

/// Every path under `root` (hidden `.omnipack/` left out unless `all`)
/// with its type, mode and contents or link target, as one SHA-256.
fn tree_hash(root: &Path, all: bool) -> String {
    fn walk(dir: &Path, rel: &str, all: bool, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.is_empty() && name == ".omnipack" && !all {
                continue;
            }
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let m = fs::symlink_metadata(e.path()).unwrap();
            let mode = m.permissions().mode() & 0o7777;
            if m.file_type().is_symlink() {
                out.insert(
                    r,
                    format!("link {}", fs::read_link(e.path()).unwrap().display()),
                );
            } else if m.is_dir() {
                out.insert(r.clone(), format!("dir {mode:o}"));
                walk(&e.path(), &r, all, out);
            } else {
                let h = hex::encode(sha2::Sha256::digest(fs::read(e.path()).unwrap()));
                out.insert(r, format!("file {mode:o} {h}"));
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(root, "", all, &mut m);
    let mut h = sha2::Sha256::new();
    for (k, v) in &m {
        h.update(format!("{k}\0{v}\n"));
    }
    hex::encode(h.finalize())
}

fn unpack_with_tar(tarball: &Path, into: &Path) {
    fs::create_dir_all(into).unwrap();
    run_ok(
        Command::new("tar")
            .arg("xzf")
            .arg(tarball)
            .arg("-C")
            .arg(into),
    );
}

#[test]
fn pack_is_deterministic_and_real_sha1sum_sha256sum_and_tar_accept_it() {
    if !require_tools(&["tar", "sha1sum", "sha256sum", "git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "deployer",
        "  version: 1.2\ncrowbar:\n  order: 10\n",
        &[
            ("bin/deployer-tool", "#!/bin/sh\necho hi\n"),
            ("chef/cookbooks/deployer/recipes/default.rb", "log 'hi'\n"),
            ("smoketest/deployer.test", "true\n"),
        ],
        &[("dtool", "1.0")],
        &[("dtool", "1.0")],
    );
    // In a git checkout, as Crowbar's barclamps were: `git:` gets the commit.
    let git = |args: &[&str]| {
        stdout_of(
            Command::new("git")
                .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
                .args(args)
                .current_dir(&f.src),
        )
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "deployer"]);
    let commit = git(&["rev-parse", "HEAD"]).trim().to_owned();
    let a = pack(&f, &t.path().join("a"), &[]);
    let b = pack(&f, &t.path().join("b"), &[]);
    assert_eq!(a.file_name().unwrap(), "deployer.tar.gz");
    assert_eq!(
        fs::read(&a).unwrap(),
        fs::read(&b).unwrap(),
        "pack is not deterministic"
    );

    // GNU tar lists it sorted, root:root, every mtime SOURCE_DATE_EPOCH.
    let listing = stdout_of(Command::new("tar").args(["tzvf"]).arg(&a).env("TZ", "UTC"));
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for l in listing.lines() {
        assert!(l.contains(" root/root "), "{l}");
        assert!(l.contains("2023-11-14 22:13"), "{l}");
    }
    for want in [
        "deployer/crowbar.yml",
        "deployer/sha1sums",
        "deployer/SHA256SUMS",
        "deployer/bin/deployer-tool",
        "deployer/cache/files/deployer.txt",
        "deployer/cache/gems/deployer-1.0.gem",
        "deployer/cache/ubuntu-12.04/pkgs/dtool_1.0-1_all.deb",
        "deployer/cache/centos-6.2/pkgs/dtool-1.0-1.noarch.rpm",
    ] {
        assert!(names.contains(&want), "{want} missing:\n{listing}");
    }
    assert!(
        listing.contains("-rwxr-xr-x root/root") && listing.contains("deployer/bin/deployer-tool")
    );

    // The real checkers accept both checksum files, cache included.
    let x = t.path().join("x");
    unpack_with_tar(&a, &x);
    let d = x.join("deployer");
    let out = run_ok(
        Command::new("sha1sum")
            .args(["-c", "sha1sums"])
            .current_dir(&d),
    );
    let ok = String::from_utf8_lossy(&out.stdout);
    assert!(
        ok.contains("./cache/ubuntu-12.04/pkgs/dtool_1.0-1_all.deb: OK"),
        "{ok}"
    );
    assert!(ok.contains("./SHA256SUMS: OK"), "{ok}");
    let out = run_ok(
        Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&d),
    );
    let ok = String::from_utf8_lossy(&out.stdout);
    assert!(ok.contains("./cache/gems/deployer-1.0.gem: OK"), "{ok}");
    // sha1sums is exactly what Crowbar's `find -L . -type f -not -name sha1sums | xargs sha1sum -b` gives.
    let crowbar = stdout_of(
        Command::new("sh")
            .arg("-c")
            .arg("find -L . -type f -not -name sha1sums | LC_ALL=C sort | xargs sha1sum -b")
            .current_dir(&d),
    );
    let mut ours: Vec<&str> = Vec::new();
    let sums = fs::read_to_string(d.join("sha1sums")).unwrap();
    ours.extend(sums.lines());
    let mut theirs: Vec<&str> = crowbar.lines().collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);

    // The manifest kept its text and unknown keys, git added when in git.
    let m = fs::read_to_string(d.join("crowbar.yml")).unwrap();
    assert!(
        m.starts_with("# deployer\n") && m.contains("unknown_key: kept"),
        "{m}"
    );
    assert!(
        m.contains("git:\n  date: ") && m.ends_with(&format!("  commit: {commit}\n")),
        "{m}"
    );

    // verify: pristine, then each kind of change listed and exit 1.
    let o = omnipack()
        .args(["bundle", "verify"])
        .arg(&a)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", report(&o));
    assert!(
        text(&o).1.contains("pristine (checked against SHA256SUMS)"),
        "{}",
        report(&o)
    );
    fs::write(d.join("bin/deployer-tool"), "changed").unwrap();
    fs::remove_file(d.join("smoketest/deployer.test")).unwrap();
    fs::write(d.join("chef/new.rb"), "x").unwrap();
    let o = omnipack()
        .args(["bundle", "verify", "--json"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["check"]["modified"],
        serde_json::json!(["bin/deployer-tool"])
    );
    assert_eq!(
        v["check"]["missing"],
        serde_json::json!(["smoketest/deployer.test"])
    );
    assert_eq!(v["check"]["added"], serde_json::json!(["chef/new.rb"]));
    // Without SHA256SUMS, sha1sums is used.
    fs::remove_file(d.join("SHA256SUMS")).unwrap();
    let o = omnipack()
        .args(["bundle", "verify"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("does not match its sha1sums"),
        "{}",
        report(&o)
    );

    // --os keeps files, gems and that OS only.
    let c = pack(&f, &t.path().join("c"), &["--os", OS_DEB]);
    let listing = stdout_of(Command::new("tar").arg("tzf").arg(&c));
    assert!(listing.contains("deployer/cache/ubuntu-12.04/pkgs/dtool_1.0-1_all.deb"));
    assert!(listing.contains("deployer/cache/gems/"));
    assert!(!listing.contains("centos"), "{listing}");
}

/// The admin config used by the install tests: Crowbar's layout, hooks
/// that leave traces in the root.
fn admin_root(t: &Path) -> PathBuf {
    let root = t.join("admin");
    write(
        &root.join(".omnipack/bundles.toml"),
        "after_install = ['echo \"$OMNIPACK_BUNDLE $OMNIPACK_BUNDLE_VERSION\" >> \"$OMNIPACK_ROOT/.omnipack/installed.log\"']\n\
         notify = 'echo refresh >> .omnipack/notified.log'\n\
         gem_index = 'ls \"$OMNIPACK_GEM_DIR/gems\" > .omnipack/gem-index.log'\n\
         [dirs]\nbin = 'opt/dell/bin'\nchef = 'opt/dell/chef'\n",
    );
    root
}

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

    // A requirement neither given nor installed: refused, nothing written.
    let o = bundle(&root, &["install", tb[0].to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .1
            .contains("requires `network`, which is neither installed"),
        "{}",
        report(&o)
    );
    assert_eq!(tree_hash(&root, false), before);

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
    assert!(
        heads[0].starts_with("1. crowbar 1 (new), order 100"),
        "{plan}"
    );
    assert!(
        heads[1].starts_with("2. network 2 (new), order 20"),
        "{plan}"
    );
    assert!(
        heads[2].starts_with("3. deployer 3 (new), order 10"),
        "{plan}"
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
        "crowbar 1\nnetwork 2\ndeployer 3\n"
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
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        tree_hash(&root, true),
        before,
        "a refused install wrote something"
    );
    let o = bundle(&root, &["status"]);
    assert_eq!(o.status.code(), Some(1));
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

#[test]
fn an_install_killed_after_any_step_leaves_the_old_or_the_new_root() {
    if !require_tools(&["tar"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "glance",
        "  version: 1\n",
        &[
            ("bin/glance", "1\n"),
            ("bin/only-in-1", "x\n"),
            ("chef/a.rb", "a\n"),
        ],
        &[("glance", "1.0")],
        &[],
    );
    let tb1 = pack(&f, &t.path().join("d1"), &[]);
    fs::write(
        f.src.join("crowbar.yml"),
        "barclamp:\n  name: glance\n  version: 2\n",
    )
    .unwrap();
    fs::remove_file(f.src.join("bin/only-in-1")).unwrap();
    fs::write(f.src.join("bin/glance"), "2\n").unwrap();
    fs::write(f.src.join("chef/b.rb"), "b\n").unwrap();
    make_package(
        &f.cache.join("barclamps/glance/ubuntu-12.04/pkgs"),
        "glance-extra",
        "2.0",
        "deb",
    );
    let tb2 = pack(&f, &t.path().join("d2"), &[]);

    let old = admin_root(t.path());
    let o = bundle(&old, &["install", tb1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let old_hash = tree_hash(&old, false);
    let copy = |n: &str| {
        let to = t.path().join(n);
        crate::support::copy_tree(&old, &to);
        to
    };
    let clean = copy("clean");
    let o = bundle(&clean, &["install", tb2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let new_hash = tree_hash(&clean, false);
    assert_ne!(old_hash, new_hash);

    let (mut rolled_back, mut completed) = (0, 0);
    let mut k = 1;
    loop {
        let root = copy(&format!("k{k}"));
        let o = omnipack()
            .args(["bundle", "install", "--quiet", "--root"])
            .arg(&root)
            .arg(&tb2)
            .env("OMNIPACK_BUNDLE_FAIL_AFTER", k.to_string())
            .output()
            .unwrap();
        if o.status.success() {
            assert_eq!(tree_hash(&root, false), new_hash, "k={k}");
            break;
        }
        assert!(
            text(&o).1.contains(&format!("stopped after step {k}")),
            "k={k}: {}",
            report(&o)
        );
        // The next omnipack bundle command on the root recovers it.
        let o = bundle(&root, &["list"]);
        assert!(o.status.success(), "k={k}: {}", report(&o));
        let h = tree_hash(&root, false);
        assert!(
            h == old_hash || h == new_hash,
            "k={k}: neither the old nor the new root"
        );
        assert!(!root.join(".omnipack/journal.json").exists(), "k={k}");
        let version = if h == old_hash { "1" } else { "2" };
        assert!(
            text(&o).0.contains(&format!("glance\t{version}\t")),
            "k={k}: {}",
            report(&o)
        );
        if h == old_hash {
            rolled_back += 1
        } else {
            completed += 1
        }
        // And an install then gives the new root.
        let o = bundle(&root, &["install", tb2.to_str().unwrap()]);
        assert!(o.status.success(), "k={k}: {}", report(&o));
        assert_eq!(tree_hash(&root, false), new_hash, "k={k}: rerun");
        fs::remove_dir_all(&root).unwrap();
        k += 1;
        assert!(k < 200, "the install never finished");
    }
    eprintln!(
        "killed after each of {} steps: {rolled_back} rolled back, {completed} completed",
        k - 1
    );
    assert!(
        rolled_back > 0 && completed > 0,
        "{rolled_back} rolled back, {completed} completed"
    );
}

/// One raw tar entry: name, type, mode, link target, data.
type RawEntry<'a> = (&'a str, tar::EntryType, u32, &'a str, &'a [u8]);

/// A tar.gz from raw entries (name, type, mode, link, data), names written
/// as raw bytes so `..` and absolute names get through.
fn raw_tarball(path: &Path, entries: &[RawEntry<'_>]) {
    let f = fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, kind, mode, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(*mode);
        h.set_size(data.len() as u64);
        h.set_mtime(0);
        let g = h.as_gnu_mut().unwrap();
        g.name[..name.len()].copy_from_slice(name.as_bytes());
        g.linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

#[test]
fn hostile_tarballs_are_refused_and_the_root_is_untouched() {
    if !require_tools(&["tar"]) {
        return;
    }
    use tar::EntryType as E;
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "ok",
        "  version: 1\n",
        &[("bin/ok", "ok\n")],
        &[],
        &[],
    );
    let good = pack(&f, &t.path().join("d"), &[]);
    let root = admin_root(t.path());
    let o = bundle(&root, &["install", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let before = tree_hash(&root, true);

    let m: &[u8] = b"barclamp:\n  name: evil\n";
    let cases: Vec<(&str, Vec<RawEntry<'_>>, &str)> = vec![
        (
            "dotdot",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/../../escape", E::Regular, 0o644, "", b"x"),
            ],
            "contains `..`",
        ),
        (
            "absolute",
            vec![("/tmp/evil-abs", E::Regular, 0o644, "", b"x")],
            "is an absolute path",
        ),
        (
            "symlink",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/link", E::Symlink, 0o777, "../../../etc", b""),
            ],
            "outside the bundle",
        ),
        (
            "hardlink",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/hl", E::Link, 0o644, "etc/passwd", b""),
            ],
            "is a hard link to `etc/passwd`",
        ),
        (
            "device",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/null", E::Char, 0o644, "", b""),
            ],
            "is a device node",
        ),
        (
            "fifo",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/pipe", E::Fifo, 0o644, "", b""),
            ],
            "is a fifo",
        ),
        (
            "setuid",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/bin/su", E::Regular, 0o4755, "", b"x"),
            ],
            "setuid or setgid",
        ),
        (
            "setgid",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/bin/sg", E::Regular, 0o2755, "", b"x"),
            ],
            "setuid or setgid",
        ),
        (
            "through-link",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/l", E::Symlink, 0o777, "bin", b""),
                ("evil/l/x", E::Regular, 0o644, "", b"x"),
            ],
            "lies beneath the symbolic link",
        ),
        (
            // Regression: each link lexically inside, the chain outside.
            "link-chain",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                (
                    "evil/d1/d2/d3/d4/d5/d6/d7/d8/q",
                    E::Symlink,
                    0o777,
                    "../../../../../../../../x",
                    b"",
                ),
                (
                    "evil/d1/d2/d3/d4/d5/d6/d7/d8/p",
                    E::Symlink,
                    0o777,
                    "q/../../../../../../../../dev/sda",
                    b"",
                ),
            ],
            "goes through the symbolic link `evil/d1/d2/d3/d4/d5/d6/d7/d8/q`",
        ),
        (
            "two-tops",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("other/x", E::Regular, 0o644, "", b"x"),
            ],
            "outside the bundle's top directory",
        ),
    ];
    let mut tarballs: Vec<(PathBuf, String)> = Vec::new();
    for (name, entries, expect) in &cases {
        let p = t.path().join(format!("{name}.tar.gz"));
        raw_tarball(&p, entries);
        tarballs.push((p, expect.to_string()));
    }
    // A checksum mismatch: a packed bundle with one file changed, retarred by GNU tar.
    let x = t.path().join("x");
    unpack_with_tar(&good, &x);
    fs::write(x.join("ok/bin/ok"), "tampered\n").unwrap();
    let bad_sum = t.path().join("mismatch.tar.gz");
    run_ok(
        Command::new("tar")
            .arg("czf")
            .arg(&bad_sum)
            .arg("-C")
            .arg(&x)
            .arg("ok"),
    );
    tarballs.push((
        bad_sum,
        "does not match its `SHA256SUMS`: modified: bin/ok".into(),
    ));
    // Not gzip; gzip but not tar.
    let junk = t.path().join("junk.tar.gz");
    fs::write(&junk, b"this is not a tarball").unwrap();
    tarballs.push((
        junk,
        "is not a gzip-compressed tar archive (no gzip header)".into(),
    ));
    let gz_text = t.path().join("text.tar.gz");
    run_ok(
        Command::new("sh")
            .arg("-c")
            .arg(format!("echo hello | gzip > {}", gz_text.display())),
    );
    tarballs.push((gz_text, "is not a gzip-compressed tar archive".into()));

    for (p, expect) in &tarballs {
        for cmd in [&["install"][..], &["install", "--dry-run"][..]] {
            let mut args = cmd.to_vec();
            args.push(p.to_str().unwrap());
            let o = bundle(&root, &args);
            assert_eq!(o.status.code(), Some(1), "{}: {}", p.display(), report(&o));
            let err = text(&o).1;
            assert!(
                err.contains(expect.as_str()),
                "{}: expected `{expect}` in:\n{err}",
                p.display()
            );
            assert!(err.contains(&p.display().to_string()), "{err}");
        }
        assert_eq!(
            tree_hash(&root, true),
            before,
            "{}: the root changed",
            p.display()
        );
        let o = omnipack()
            .args(["bundle", "verify"])
            .arg(p)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    }
    assert!(!Path::new("/tmp/evil-abs").exists());
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
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o).0;
    assert!(
        out.contains("a\t\t9999\tpristine") && out.contains("b\t\t9999\tmodified"),
        "{out}"
    );
    assert!(out.contains("missing `files/shared.txt`"), "{out}");
}

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
    assert!(
        text(&o).1.contains("does not exist; create it (`mkdir -p"),
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
                && err.contains("--force"),
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
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    assert!(
        text(&o).0.contains("modified `files/u.txt`"),
        "{}",
        report(&o)
    );
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
