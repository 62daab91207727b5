//! `bundle pack` checked with the real `tar`, `sha1sum -c` and
//! `sha256sum -c`, and `bundle verify` on what it wrote.

use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};

use super::fixture::{OS_DEB, barclamp, pack, unpack_with_tar};
use crate::serve::report;
use crate::support::{omnipack, text};

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

    // verify: pristine, then each kind of change listed and exit 3 (differences found).
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
    assert_eq!(o.status.code(), Some(3), "{}", report(&o));
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
    assert_eq!(o.status.code(), Some(3));
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

/// Issue 18: `pack` dropped `.gitignore`/`.gitkeep` and empty directories
/// and left `cache/pips` and `cache/git_repos` out; GNU tar now finds what
/// `package_barclamp.sh` kept, and `sha1sum -c` passes on it.
#[test]
fn pack_keeps_dot_files_empty_directories_pips_and_git_repos_for_real_tar() {
    if !require_tools(&["tar", "sha1sum"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "crowbar",
        "crowbar:\n  order: 0\n",
        &[
            (".gitignore", "*.swp\n"),
            ("crowbar_framework/log/.gitkeep", ""),
            ("chef/cookbooks/crowbar/.gitignore", "tmp\n"),
        ],
        &[],
        &[],
    );
    fs::create_dir_all(f.src.join("crowbar_framework/tmp")).unwrap();
    fs::create_dir_all(f.src.join(".git")).unwrap();
    fs::write(f.src.join(".git/HEAD"), "not a repository\n").unwrap();
    let own = f.cache.join("barclamps/crowbar");
    fs::create_dir_all(own.join("pips")).unwrap();
    fs::write(own.join("pips/pkg-1.0.tar.gz"), "p\n").unwrap();
    fs::create_dir_all(own.join("git_repos")).unwrap();
    fs::write(own.join("git_repos/proj.tar.bz2"), "r\n").unwrap();
    let a = pack(&f, &t.path().join("a"), &[]);
    let listing = stdout_of(Command::new("tar").arg("tzf").arg(&a));
    for want in [
        "crowbar/.gitignore",
        "crowbar/crowbar_framework/log/.gitkeep",
        "crowbar/chef/cookbooks/crowbar/.gitignore",
        "crowbar/crowbar_framework/tmp/",
        "crowbar/cache/pips/pkg-1.0.tar.gz",
        "crowbar/cache/git_repos/proj.tar.bz2",
    ] {
        assert!(
            listing.lines().any(|l| l == want),
            "{want} missing:\n{listing}"
        );
    }
    assert!(!listing.contains("crowbar/.git/"), "{listing}");
    let d = t.path().join("x");
    unpack_with_tar(&a, &d);
    let d = d.join("crowbar");
    assert!(d.join("crowbar_framework/tmp").is_dir());
    run_ok(
        Command::new("sha1sum")
            .args(["--quiet", "-c", "sha1sums"])
            .current_dir(&d),
    );
}
