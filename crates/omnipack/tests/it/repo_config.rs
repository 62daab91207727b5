//! `omnipack repo init` and what the repository's configuration guarantees:
//! every command signs with the configured key (checked with gpgv, apt-get
//! and dnf with `repo_gpgcheck=1`), a missing key changes nothing, an index
//! written without a key leaves no stale signature, `sign-packages` signs
//! the RPMs added (checked with `rpmkeys -K`), and packages left out of an
//! index make the command fail unless `--allow-problems`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_test_support::clients::{dnf_private, files_under};
use omnipack_test_support::require_tools;

use crate::support::{make_package, omnipack, sha256, text};

fn run(cache: &Path, args: &[&str], extra: &[&Path]) -> (i32, String, String) {
    let o = omnipack()
        .arg("repo")
        .args(args)
        .args(extra)
        .env("OMNIPACK_CACHE_DIR", cache)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    (o.status.code().unwrap(), out, err)
}

fn ok(cache: &Path, args: &[&str], extra: &[&Path]) -> String {
    let (code, _, err) = run(cache, args, extra);
    assert_eq!(code, 0, "{args:?}: {err}");
    err
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|p| (p.clone(), fs::read(&p).unwrap()))
        .collect()
}

/// `name` `version` (arch-independent) as .deb and .rpm in `dir`, its
/// payload holding `content`; returns (deb, rpm).
fn make(dir: &Path, name: &str, version: &str, content: &str) -> (PathBuf, PathBuf) {
    let stage = dir.join(format!(".stage-{name}-{version}"));
    fs::create_dir_all(stage.join("opt").join(name)).unwrap();
    fs::write(stage.join("opt").join(name).join("README"), content).unwrap();
    let o = omnipack()
        .args(["package", "--quiet", "-n", name, "-v", version])
        .args(["--summary", "s", "-m", "T <t@example.org>", "-a", "all"])
        .args(["--format", "all", "--from-dir"])
        .arg(&stage)
        .arg("--out")
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    fs::remove_dir_all(&stage).unwrap();
    let paths: Vec<PathBuf> = text(&o).0.lines().map(PathBuf::from).collect();
    let find = |ext: &str| {
        paths
            .iter()
            .find(|p| p.extension().unwrap() == ext)
            .unwrap()
            .clone()
    };
    (find("deb"), find("rpm"))
}

fn keygen(dir: &Path) -> PathBuf {
    let o = omnipack()
        .args(["key", "generate", "--name", "Repo <repo@example.org>", "-o"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    dir.to_path_buf()
}

fn gpgv(keyring: &Path, args: &[&Path]) {
    let o = Command::new("gpgv")
        .arg("--keyring")
        .arg(keyring)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "gpgv {args:?}: {:?}", text(&o));
}

/// Every index under `repo` carries signatures gpgv accepts.
fn all_signed(repo: &Path, keyring: &Path) {
    let mut checked = 0;
    for f in files_under(repo) {
        let dir = f.parent().unwrap();
        match f.file_name().unwrap().to_str().unwrap() {
            "Release" => {
                gpgv(keyring, &[&dir.join("InRelease")]);
                gpgv(keyring, &[&dir.join("Release.gpg"), &f]);
                checked += 1;
            }
            "repomd.xml" => {
                gpgv(keyring, &[&dir.join("repomd.xml.asc"), &f]);
                checked += 1;
            }
            _ => {}
        }
    }
    assert!(checked > 0);
}

/// What apt-get sees of `name` in the leaf, with the repository key.
fn apt_versions(state: &Path, keyring: &Path, leaf: &Path, name: &str) -> String {
    crate::support::apt_state(
        state,
        format!(
            "deb [signed-by={}] file://{} /\n",
            keyring.display(),
            leaf.display()
        ),
    );
    let apt = |args: &[&str]| -> Output {
        crate::support::apt_private(args[0], state, &state.join("sources.list"))
            .args(&args[1..])
            .output()
            .unwrap()
    };
    let o = apt(&["apt-get", "update"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!text(&o).1.contains("W:"), "{:?}", text(&o));
    text(&apt(&["apt-cache", "madison", name])).0
}

/// What dnf sees of `name` in the leaf, with `repo_gpgcheck=1`.
fn dnf_versions(state: &Path, public: &Path, leaf: &Path, name: &str) -> String {
    let _ = fs::remove_dir_all(state);
    let o = dnf_private(state, &format!("file://{}", leaf.display()))
        .args(["--setopt=t.repo_gpgcheck=1", "--setopt=t.gpgcheck=1"])
        .arg(format!("--setopt=t.gpgkey=file://{}", public.display()))
        .args(["-q", "repoquery", "--qf", "%{name}-%{version}", name])
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    text(&o).0
}

/// `rpmkeys -K` with the repository's public key in a private database.
fn rpm_signed(public: &Path, db: &Path, rpm: &Path) -> bool {
    fs::create_dir_all(db).unwrap();
    let imported = Command::new("rpmkeys")
        .arg("--dbpath")
        .arg(db)
        .arg("--import")
        .arg(public)
        .status()
        .unwrap();
    assert!(imported.success());
    let o = Command::new("rpmkeys")
        .arg("--dbpath")
        .arg(db)
        .arg("-Kv")
        .arg(rpm)
        .output()
        .unwrap();
    o.status.success() && text(&o).0.contains("Signature, key ID")
}

// Guards issue 17: signatures never go stale, whichever command rewrites an
// index, and a configured key that is missing changes nothing.
#[test]
fn a_configured_key_signs_every_command_and_a_missing_one_changes_nothing() {
    if !require_tools(&["gpgv", "apt-get", "apt-cache", "dnf", "rpmkeys"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (r, cache, src) = (
        t.path().join("repo"),
        t.path().join("cache"),
        t.path().join("src"),
    );
    fs::create_dir_all(&src).unwrap();
    let keys = keygen(&t.path().join("keys"));
    let (secret, public, keyring) = (
        keys.join("repo-key.secret.asc"),
        keys.join("repo-key.public.asc"),
        keys.join("repo-key.gpg"),
    );
    let rs = r.to_str().unwrap();
    let out = ok(
        &cache,
        &[
            "init",
            rs,
            "--sign-key",
            secret.to_str().unwrap(),
            "--sign-packages",
        ],
        &[],
    );
    assert!(out.contains("signed by key"), "{out}");
    let config = fs::read_to_string(r.join(".omnipack/repo.toml")).unwrap();
    assert!(
        config.contains("sign-packages = true") && config.contains(secret.to_str().unwrap()),
        "{config}"
    );
    // A second init is refused.
    let (code, _, err) = run(&cache, &["init", rs], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");

    // add (deb and rpm), without key flags; the input RPM is not changed,
    // the added one is signed.
    let (deb1, rpm1) = make(&src, "tool", "1.0", "one\n");
    let rpm1_sum = sha256(&rpm1);
    ok(&cache, &["add", rs, "-d", "debian-12"], &[&deb1]);
    ok(&cache, &["add", rs, "-d", "rocky-9"], &[&rpm1]);
    assert_eq!(sha256(&rpm1), rpm1_sum, "the input file must not change");
    let added = r.join("rocky-testing/9/x86_64/tool-1.0-1.noarch.rpm");
    assert_ne!(sha256(&added), rpm1_sum);
    assert!(rpm_signed(&public, &t.path().join("rpmdb"), &added));
    assert!(!rpm_signed(&public, &t.path().join("rpmdb"), &rpm1));
    // The unsigned original again: the same package, nothing to do.
    let err = ok(&cache, &["add", rs, "-d", "rocky-9"], &[&rpm1]);
    assert!(err.contains("already in place"), "{err}");
    all_signed(&r, &keyring);

    // promote keeps the package signature; the stable leaves are signed.
    ok(&cache, &["promote", rs, "tool"], &[]);
    let stable_rpm = r.join("rocky/9/x86_64/tool-1.0-1.noarch.rpm");
    assert_eq!(sha256(&stable_rpm), sha256(&added));
    all_signed(&r, &keyring);

    // 2.0 added, 1.0 removed: clients verify the new indexes and see the change.
    let (deb2, rpm2) = make(&src, "tool", "2.0", "two\n");
    ok(&cache, &["add", rs, "-d", "debian-12"], &[&deb2]);
    ok(&cache, &["add", rs, "-d", "rocky-9"], &[&rpm2]);
    let (deb_leaf, rpm_leaf) = (
        r.join("debian-testing/12/amd64"),
        r.join("rocky-testing/9/x86_64"),
    );
    let before = apt_versions(&t.path().join("apt"), &keyring, &deb_leaf, "tool");
    assert!(
        before.contains("1.0-1") && before.contains("2.0-1"),
        "{before}"
    );
    ok(
        &cache,
        &["remove", rs, "tool=1.0-1", "--channel", "testing"],
        &[],
    );
    all_signed(&r, &keyring);
    let after = apt_versions(&t.path().join("apt"), &keyring, &deb_leaf, "tool");
    assert!(
        !after.contains("1.0-1") && after.contains("2.0-1"),
        "{after}"
    );
    let dnf = dnf_versions(&t.path().join("dnf"), &public, &rpm_leaf, "tool");
    assert!(
        !dnf.contains("tool-1.0") && dnf.contains("tool-2.0"),
        "{dnf}"
    );

    // A plain re-index signs too.
    ok(&cache, &["index", rs], &[]);
    all_signed(&r, &keyring);

    // The key moved away: every command fails naming it, changing nothing.
    let moved = t.path().join("moved.asc");
    fs::rename(&secret, &moved).unwrap();
    let (deb3, _) = make(&src, "tool", "3.0", "three\n");
    let tree = snapshot(&r);
    let attempts: [(&[&str], &[&Path]); 4] = [
        (&["add", rs, "-d", "debian-12"], &[&deb3]),
        (&["promote", rs, "tool"], &[]),
        (&["remove", rs, "tool"], &[]),
        (&["index", rs], &[]),
    ];
    for (args, extra) in attempts {
        let (code, _, err) = run(&cache, args, extra);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains(secret.to_str().unwrap()) && err.contains("repo.toml"),
            "{args:?}: {err}"
        );
        assert!(snapshot(&r) == tree, "{args:?} changed the tree");
    }
}

// Guards the stale-signature bug: an index written without a key removes the
// signatures of the previous one, and says so.
#[test]
fn an_unsigned_reindex_leaves_no_stale_signature() {
    let t = tempfile::tempdir().unwrap();
    let (dir, cache) = (t.path().join("flat"), t.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    make_package(&dir, "pkg", "1.0", "all");
    let keys = keygen(&t.path().join("keys"));
    let secret = keys.join("repo-key.secret.asc");
    let ds = dir.to_str().unwrap();
    ok(
        &cache,
        &["index", ds, "--sign-key", secret.to_str().unwrap()],
        &[],
    );
    let sigs = [
        dir.join("InRelease"),
        dir.join("Release.gpg"),
        dir.join("repodata/repomd.xml.asc"),
    ];
    assert!(sigs.iter().all(|s| s.is_file()));
    make_package(&dir, "pkg2", "1.0", "all");
    let err = ok(&cache, &["index", ds], &[]);
    for s in &sigs {
        assert!(!s.exists(), "{} is stale", s.display());
        assert!(
            err.contains(&format!("warning: removed `{}`", s.display())),
            "{err}"
        );
    }
    assert!(dir.join("Release").is_file() && dir.join("repodata/repomd.xml").is_file());
}

// Guards the compatibility rule: a tree made before `repo init` keeps
// working (with a hint); an empty or missing directory is refused.
#[test]
fn trees_made_before_init_keep_working_and_empty_ones_need_init() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let src = t.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let (deb1, _) = make(&src, "tool", "1.0", "one\n");
    let (deb2, _) = make(&src, "tool", "2.0", "two\n");
    let missing = t.path().join("missing");
    let (code, _, err) = run(
        &cache,
        &["add", missing.to_str().unwrap(), "-d", "debian-12"],
        &[&deb1],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("omnipack repo init {}", missing.display())),
        "{err}"
    );
    assert!(!missing.exists());

    // An old tree: a leaf of packages, no configuration.
    let old = t.path().join("old");
    let leaf = old.join("debian-testing/12/amd64");
    fs::create_dir_all(&leaf).unwrap();
    fs::copy(&deb1, leaf.join(deb1.file_name().unwrap())).unwrap();
    let os = old.to_str().unwrap();
    let err = ok(&cache, &["add", os, "-d", "debian-12"], &[&deb2]);
    assert!(err.contains("--from-existing"), "{err}");
    assert!(leaf.join("Release").is_file());
    let (code, _, err) = run(&cache, &["init", os], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is not empty") && err.contains("--from-existing"),
        "{err}"
    );
    ok(&cache, &["init", os, "--from-existing", "--keep", "1"], &[]);
    // Adopted: no hint any more, and its `keep` applies.
    let (deb3, _) = make(&src, "tool", "3.0", "three\n");
    let err = ok(&cache, &["add", os, "-d", "debian-12"], &[&deb3]);
    assert!(!err.contains("--from-existing"), "{err}");
    let debs: Vec<String> = fs::read_dir(&leaf)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".deb"))
        .collect();
    assert_eq!(debs, ["tool_3.0-1_all.deb"]);
}

// Guards issue 17 item 6: a package left out fails the command after the
// rest is written, and a newcomer colliding with an indexed package leaves
// the indexed one in place.
#[test]
fn a_colliding_newcomer_is_left_out_and_fails_the_command() {
    let t = tempfile::tempdir().unwrap();
    let (dir, cache) = (t.path().join("flat"), t.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    let (deb, rpm) = make(&dir, "twin", "1.0", "first\n");
    let ds = dir.to_str().unwrap();
    ok(&cache, &["index", ds], &[]);
    let other = t.path().join("other");
    fs::create_dir_all(&other).unwrap();
    let (deb_b, rpm_b) = make(&other, "twin", "1.0", "second, different\n");
    let (deb_new, rpm_new) = (dir.join("twin-b.deb"), dir.join("twin-b.rpm"));
    fs::rename(&deb_b, &deb_new).unwrap();
    fs::rename(&rpm_b, &rpm_new).unwrap();
    let (code, _, err) = run(&cache, &["index", ds], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("2 package(s) left out"), "{err}");
    for (newcomer, kept) in [(&deb_new, &deb), (&rpm_new, &rpm)] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("`{}`", newcomer.display())))
            .unwrap_or_else(|| panic!("{} not reported: {err}", newcomer.display()));
        assert!(
            line.contains(&format!("already indexed as `{}`", kept.display())),
            "{line}"
        );
    }
    let packages = fs::read_to_string(dir.join("Packages")).unwrap();
    assert!(
        packages.contains("Filename: ./twin_1.0-1_all.deb") && !packages.contains("twin-b"),
        "{packages}"
    );
    let repomd = fs::read_to_string(dir.join("repodata/repomd.xml")).unwrap();
    assert!(repomd.contains("<data type=\"primary\">"), "{repomd}");
    let (code, _, err) = run(&cache, &["index", ds, "--allow-problems"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 .deb, 1 .rpm"), "{err}");

    // The same in apt's `dists/` + `pool/` layout: the pool file the
    // suite's Packages lists stays, the newcomer is left out and reported.
    let root = t.path().join("archive");
    let pool = root.join("pool/main/t/twin");
    fs::create_dir_all(&pool).unwrap();
    fs::copy(&deb, pool.join("twin_1.0-1_all.deb")).unwrap();
    let rs = root.to_str().unwrap();
    let dists = [
        "index",
        rs,
        "--layout",
        "dists",
        "--suite",
        "stable",
        "--architectures",
        "amd64",
    ];
    ok(&cache, &dists, &[]);
    fs::copy(&deb_new, pool.join("twin-b.deb")).unwrap();
    let (code, _, err) = run(&cache, &dists, &[]);
    assert_eq!(code, 1, "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("twin-b.deb"))
        .unwrap_or_else(|| panic!("the newcomer is not reported: {err}"));
    assert!(line.contains("already indexed as"), "{line}");
    let packages =
        fs::read_to_string(root.join("dists/stable/main/binary-amd64/Packages")).unwrap();
    assert!(
        packages.contains("Filename: pool/main/t/twin/twin_1.0-1_all.deb")
            && !packages.contains("twin-b"),
        "{packages}"
    );
}

/// `repo check` on `repo`: exit code and stdout (one problem per line).
fn check(cache: &Path, repo: &Path) -> (i32, String) {
    let (code, out, err) = run(cache, &["check"], &[repo]);
    assert!(code == 0 || code == 3, "{out}\n{err}");
    (code, out)
}

// Guards issue 17 item 2: `repo check` finds a tampered, a missing and an
// unindexed package and a stale signature (each shown to be real with the
// client first), and passes a repository that every command kept valid.
#[test]
fn repo_check_finds_what_clients_would_fail_on() {
    if !require_tools(&["gpgv"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (r, cache, src) = (
        t.path().join("repo"),
        t.path().join("cache"),
        t.path().join("src"),
    );
    fs::create_dir_all(&src).unwrap();
    let keys = keygen(&t.path().join("keys"));
    let (secret, keyring) = (keys.join("repo-key.secret.asc"), keys.join("repo-key.gpg"));
    let rs = r.to_str().unwrap();
    ok(
        &cache,
        &["init", rs, "--sign-key", secret.to_str().unwrap()],
        &[],
    );
    let (deb, rpm) = make(&src, "tool", "1.0", "one\n");
    ok(&cache, &["add", rs, "-d", "debian-12"], &[&deb]);
    ok(&cache, &["add", rs, "-d", "rocky-9"], &[&rpm]);
    assert_eq!(check(&cache, &r), (0, String::new()));
    let (deb_leaf, rpm_leaf) = (
        r.join("debian-testing/12/amd64"),
        r.join("rocky-testing/9/x86_64"),
    );
    let placed_deb = deb_leaf.join(deb.file_name().unwrap());
    let placed_rpm = rpm_leaf.join(rpm.file_name().unwrap());
    let pristine = snapshot(&r);
    let restore = || {
        let _ = fs::remove_dir_all(&r);
        for (p, bytes) in &pristine {
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
    };

    // A package changed after indexing (same size: only the digest tells).
    let mut bytes = fs::read(&placed_deb).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&placed_deb, &bytes).unwrap();
    let (code, out) = check(&cache, &r);
    assert_eq!(code, 3);
    assert!(
        out.contains(&format!("`{}`", placed_deb.display())) && out.contains("Hash Sum mismatch"),
        "{out}"
    );
    restore();

    // A package the index lists is gone.
    fs::remove_file(&placed_rpm).unwrap();
    let (code, out) = check(&cache, &r);
    assert_eq!(code, 3);
    assert!(
        out.contains(&format!("`{}`", placed_rpm.display())) && out.contains("missing"),
        "{out}"
    );
    restore();

    // A package nobody indexed.
    let stray = rpm_leaf.join("stray-1.0-1.noarch.rpm");
    fs::copy(&rpm, &stray).unwrap();
    let (code, out) = check(&cache, &r);
    assert_eq!(code, 3);
    assert!(
        out.contains(&format!("`{}`", stray.display())) && out.contains("in no index"),
        "{out}"
    );
    restore();

    // Stale signatures: the previous generation's, put back over a new
    // index (what an unsigned re-index used to leave). gpgv says BAD.
    let old_inrelease = fs::read(deb_leaf.join("InRelease")).unwrap();
    let old_detached = fs::read(deb_leaf.join("Release.gpg")).unwrap();
    let old_asc = fs::read(rpm_leaf.join("repodata/repomd.xml.asc")).unwrap();
    let (deb2, rpm2) = make(&src, "tool", "2.0", "two\n");
    ok(&cache, &["add", rs, "-d", "debian-12"], &[&deb2]);
    ok(&cache, &["add", rs, "-d", "rocky-9"], &[&rpm2]);
    assert_eq!(check(&cache, &r).0, 0);
    fs::write(deb_leaf.join("InRelease"), old_inrelease).unwrap();
    fs::write(deb_leaf.join("Release.gpg"), old_detached).unwrap();
    fs::write(rpm_leaf.join("repodata/repomd.xml.asc"), old_asc).unwrap();
    let bad = Command::new("gpgv")
        .arg("--keyring")
        .arg(&keyring)
        .arg(deb_leaf.join("Release.gpg"))
        .arg(deb_leaf.join("Release"))
        .output()
        .unwrap();
    assert!(!bad.status.success(), "gpgv accepted a stale signature");
    let (code, out) = check(&cache, &r);
    assert_eq!(code, 3);
    for f in [
        deb_leaf.join("InRelease"),
        deb_leaf.join("Release.gpg"),
        rpm_leaf.join("repodata/repomd.xml.asc"),
    ] {
        assert!(out.contains(&format!("`{}`", f.display())), "{out}");
    }
    assert!(
        out.contains("stale") && out.contains("BAD signature"),
        "{out}"
    );

    // Without the repository's key, the stale InRelease is still found;
    // with a public key given, the detached ones too.
    let copy = t.path().join("copy");
    fs::create_dir_all(&copy).unwrap();
    for (p, bytes) in snapshot(&r) {
        let to = copy.join(p.strip_prefix(&r).unwrap());
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, bytes).unwrap();
    }
    fs::remove_file(copy.join(".omnipack/repo.toml")).unwrap();
    let (code, out) = check(&cache, &copy);
    assert_eq!(code, 3);
    assert!(out.contains("InRelease`: is stale"), "{out}");
    let (code, out, _) = run(
        &cache,
        &["check", "--key", keyring.to_str().unwrap()],
        &[&copy],
    );
    assert_eq!(code, 3);
    assert!(out.contains("Release.gpg`: BAD signature"), "{out}");

    // A re-index makes it whole again.
    ok(&cache, &["index", rs], &[]);
    assert_eq!(check(&cache, &r), (0, String::new()));
}

// Guards issue 17 item 1: repo.toml's layout and Release fields are what
// `repo index` uses without flags (a flag still wins for one run), and the
// channel commands' leaves carry its Origin and Label.
#[test]
fn repo_toml_gives_the_layout_and_release_fields() {
    let t = tempfile::tempdir().unwrap();
    let (root, cache, src) = (
        t.path().join("archive"),
        t.path().join("cache"),
        t.path().join("src"),
    );
    fs::create_dir_all(&src).unwrap();
    let rs = root.to_str().unwrap();
    let args = [
        "init",
        rs,
        "--layout",
        "dists",
        "--origin",
        "Acme",
        "--label",
        "Acme Tools",
        "--suite",
        "stable",
        "--codename",
        "anvil",
    ];
    ok(&cache, &args, &[]);
    let config = root.join(".omnipack/repo.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("{text}architectures = [\"amd64\"]\n")).unwrap();
    let (deb, _) = make(&src, "tool", "1.0", "one\n");
    let pool = root.join("pool/main/t/tool");
    fs::create_dir_all(&pool).unwrap();
    fs::copy(&deb, pool.join(deb.file_name().unwrap())).unwrap();
    ok(&cache, &["index", rs], &[]);
    let release = fs::read_to_string(root.join("dists/stable/Release")).unwrap();
    for field in [
        "Origin: Acme",
        "Label: Acme Tools",
        "Suite: stable",
        "Codename: anvil",
    ] {
        assert!(release.contains(field), "{release}");
    }
    assert!(
        root.join("dists/stable/main/binary-amd64/Packages")
            .is_file()
    );
    // A flag wins for one run.
    ok(&cache, &["index", rs, "--origin", "Other"], &[]);
    let release = fs::read_to_string(root.join("dists/stable/Release")).unwrap();
    assert!(release.contains("Origin: Other"), "{release}");

    // A channel tree: its leaves' Release name the Origin and Label.
    let tree = t.path().join("tree");
    let ts = tree.to_str().unwrap();
    ok(
        &cache,
        &["init", ts, "--origin", "Acme", "--label", "Acme Tools"],
        &[],
    );
    ok(&cache, &["add", ts, "-d", "debian-12"], &[&deb]);
    let leaf = fs::read_to_string(tree.join("debian-testing/12/amd64/Release")).unwrap();
    assert!(
        leaf.contains("Origin: Acme") && leaf.contains("Label: Acme Tools"),
        "{leaf}"
    );
    assert_eq!(run(&cache, &["check"], &[&tree]).0, 0);
}
