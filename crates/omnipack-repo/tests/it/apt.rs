//! The apt index and its signatures checked by the real consumers:
//! `dpkg-scanpackages` (reference for `Packages`), `gpgv` (both signatures),
//! `apt-get update` + `apt-get download` from a `file://` flat repository with
//! a private configuration, `gpg` (keys it made load and sign), `rpmkeys`
//! (imports our keys).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::{NoProgress, Staging};
use omnipack_deb::Deb;
use omnipack_repo::apt::{AptOptions, Dists, packages_text, write_flat};
use omnipack_repo::{IndexKind, IndexOptions, Layout, Record};
use omnipack_sign::{GeneratedKey, KeyAlgorithm, Signer, generate, generate_with};
use omnipack_spec::{Arch, PackageSpec};
use omnipack_test_support::clients::{apt_private, apt_state, output};
use omnipack_test_support::{EPOCH, require_tools, run_ok, sample_tree, stdout_of};

use crate::support::record;

/// Builds `<name>_<version>-1_<arch>.deb` into `dir` with omnipack's writer.
fn build_deb(dir: &Path, name: &str, version: &str, arch: Arch) -> PathBuf {
    let stage = tempfile::tempdir().unwrap();
    sample_tree(stage.path(), name);
    let mut spec = PackageSpec::new(name, version);
    spec.arch = arch;
    spec.files = scan_tree(stage.path(), &ScanOptions::default()).unwrap();
    spec.summary = format!("the {name} test package");
    spec.description = "A test package.\n\nIt has two paragraphs,\nthe second of two lines.".into();
    spec.maintainer = "Omnipack Tests <tests@example.org>".into();
    spec.license = "MIT".into();
    spec.url = Some("https://example.org/hello".into());
    spec.section = Some("misc".into());
    spec.priority = Some("optional".into());
    spec.depends = vec![
        "libc6 (>= 2.17)".parse().unwrap(),
        "python3 | python".parse().unwrap(),
    ];
    spec.recommends = vec!["curl".parse().unwrap()];
    spec.provides = vec![format!("{name}-virtual").parse().unwrap()];
    spec.conflicts = vec![format!("{name}-old").parse().unwrap()];
    spec.source_date_epoch = EPOCH;
    let path = dir.join(Deb::file_name(&spec));
    let mut out = fs::File::create(&path).unwrap();
    let opts = WriteOptions {
        scratch_dir: stage.path(),
        threads: 1,
        progress: &NoProgress,
    };
    Deb::write(&spec, &mut out, &opts).unwrap();
    path
}

/// A leaf with four packages: two versions of `hello` (amd64), `zed` (all), `alpha` (amd64).
fn leaf_with_packages(leaf: &Path) -> Vec<Record> {
    let paths = [
        build_deb(leaf, "hello", "1.0.0", Arch::X86_64),
        build_deb(leaf, "hello", "1.2.0", Arch::X86_64),
        build_deb(leaf, "zed", "0.1", Arch::All),
        build_deb(leaf, "alpha", "2.0", Arch::X86_64),
    ];
    paths.iter().map(|p| record(leaf, p)).collect()
}

fn opts() -> AptOptions {
    AptOptions {
        origin: Some("Omnipack Tests".into()),
        label: Some("omnipack".into()),
        suite: Some("testing".into()),
        codename: Some("flat".into()),
        date: EPOCH,
    }
}

fn index(leaf: &Path, records: &[Record], signer: Option<&Signer>) {
    let mut s = Staging::new(leaf);
    write_flat(records, &opts(), signer, &mut s).unwrap();
    let order = s.commit().unwrap();
    let names: Vec<String> = order
        .iter()
        .map(|p| p.strip_prefix(leaf).unwrap().to_string_lossy().into_owned())
        .collect();
    let tail: Vec<&str> = names[names.len() - if signer.is_some() { 3 } else { 1 }..]
        .iter()
        .map(String::as_str)
        .collect();
    // The top indexes are renamed last, InRelease (what apt fetches first) very last.
    if signer.is_some() {
        assert_eq!(tail, ["Release", "Release.gpg", "InRelease"]);
    } else {
        assert_eq!(tail, ["Release"]);
    }
}

type Stanza = Vec<(String, String)>;

/// Parses a `Packages` text into stanzas of `(field, value)`, continuation lines kept.
fn parse_stanzas(text: &str) -> Vec<Stanza> {
    let mut out = Vec::new();
    let mut cur: Stanza = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else if line.starts_with(' ') {
            let last = cur.last_mut().unwrap();
            last.1.push('\n');
            last.1.push_str(line);
        } else {
            let (k, v) = line.split_once(':').unwrap();
            cur.push((k.to_owned(), v.trim().to_owned()));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A GnuPG home of its own, so no test touches `~/.gnupg`.
fn gnupg_home() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(
        d.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    d
}

fn gpgv(home: &Path, keyring: &Path, args: &[&Path]) -> Output {
    Command::new("gpgv")
        .env("GNUPGHOME", home)
        .arg("--keyring")
        .arg(keyring)
        .args(args)
        .output()
        .unwrap()
}

fn assert_gpgv_accepts(leaf: &Path, keyring: &Path) {
    let home = gnupg_home();
    for args in [
        vec![leaf.join("InRelease")],
        vec![leaf.join("Release.gpg"), leaf.join("Release")],
    ] {
        let refs: Vec<&Path> = args.iter().map(PathBuf::as_path).collect();
        let out = gpgv(home.path(), keyring, &refs);
        assert!(
            out.status.success(),
            "gpgv {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `dpkg-scanpackages -m .` and our `Packages` agree stanza by stanza: the
/// same packages in the same order, the same fields in the same order, the
/// same values (Filename in `./name.deb` form).
#[test]
fn packages_match_dpkg_scanpackages() {
    if !require_tools(&["dpkg-scanpackages", "dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let records = leaf_with_packages(t.path());
    let ours = parse_stanzas(&packages_text(&records));
    let theirs = stdout_of(
        Command::new("dpkg-scanpackages")
            .args(["-m", "."])
            .current_dir(t.path()),
    );
    let theirs = parse_stanzas(&theirs);
    assert_eq!(ours.len(), 4);
    let names = |s: &[Stanza]| -> Vec<Vec<String>> {
        s.iter()
            .map(|st| st.iter().map(|(k, _)| k.clone()).collect())
            .collect()
    };
    assert_eq!(names(&ours), names(&theirs), "field lists differ");
    assert_eq!(ours, theirs);
    let first = &ours[0];
    assert_eq!(first[0], ("Package".to_owned(), "alpha".to_owned()));
    assert!(first.contains(&("Filename".to_owned(), "./alpha_2.0-1_amd64.deb".to_owned())));
    let desc = &first.iter().find(|(k, _)| k == "Description").unwrap().1;
    assert!(desc.contains("\n .\n"), "{desc}");
}

/// Both signatures of an index verify with gpgv against the generated keyring,
/// for either algorithm `key generate` offers.
#[test]
fn gpgv_accepts_inrelease_and_release_gpg() {
    if !require_tools(&["gpgv", "dpkg-deb"]) {
        return;
    }
    for alg in [KeyAlgorithm::Rsa3072, KeyAlgorithm::Ed25519] {
        let t = tempfile::tempdir().unwrap();
        let leaf = t.path().join("leaf");
        fs::create_dir(&leaf).unwrap();
        let keys = t.path().join("keys");
        let k = generate_with("Repo Tests <repo@example.org>", &keys, "repo", alg).unwrap();
        let signer = Signer::from_armored_file(&k.secret, None).unwrap();
        let records = vec![record(
            &leaf,
            &build_deb(&leaf, "hello", "1.0.0", Arch::X86_64),
        )];
        index(&leaf, &records, Some(&signer));
        assert_gpgv_accepts(&leaf, &k.keyring);
        // The clear-signed text is exactly Release.
        let inrelease = fs::read_to_string(leaf.join("InRelease")).unwrap();
        let release = fs::read_to_string(leaf.join("Release")).unwrap();
        assert!(inrelease.contains(&release), "{inrelease}");
        // A changed Release no longer verifies.
        fs::write(leaf.join("Release"), release.replace("testing", "testinG")).unwrap();
        let home = gnupg_home();
        let out = gpgv(
            home.path(),
            &k.keyring,
            &[&leaf.join("Release.gpg"), &leaf.join("Release")],
        );
        assert!(
            !out.status.success(),
            "{alg:?}: a tampered Release verified"
        );
    }
}

/// A private apt configuration under `state` for the `file://` repository
/// `leaf` (the state and the command from `omnipack_test_support::clients`).
struct Apt {
    state: PathBuf,
}

impl Apt {
    fn new(state: &Path, leaf: &Path, keyring: &Path) -> Apt {
        Apt::with_source(state, leaf, keyring, "/")
    }

    /// `deb [signed-by=KEYRING] file://ROOT WHERE` (`/` flat, `SUITE COMPONENT` for dists/).
    fn with_source(state: &Path, leaf: &Path, keyring: &Path, where_: &str) -> Apt {
        let source = format!(
            "deb [signed-by={}] file://{} {where_}\n",
            keyring.display(),
            leaf.display()
        );
        apt_state(state, source);
        Apt {
            state: state.to_path_buf(),
        }
    }

    fn run(&self, args: &[&str], cwd: &Path) -> Output {
        let sources = self.state.join("sources.list");
        output(
            apt_private("apt-get", &self.state, &sources)
                .args(args)
                .current_dir(cwd),
        )
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// apt-get reads the signed flat repository and downloads a package from it;
/// a tampered index and a wrong key are refused.
#[test]
fn apt_get_updates_and_downloads_and_refuses_tampering_and_wrong_keys() {
    if !require_tools(&["apt-get", "gpgv", "dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("repo");
    fs::create_dir(&leaf).unwrap();
    let keys = t.path().join("keys");
    let k = generate("Repo Tests <repo@example.org>", &keys, "repo").unwrap();
    let other = generate("Someone Else <else@example.org>", &keys, "other").unwrap();
    let signer = Signer::from_armored_file(&k.secret, None).unwrap();
    let records = leaf_with_packages(&leaf);
    index(&leaf, &records, Some(&signer));

    // Good repository: update, then download the newest hello and the arch-all zed.
    let apt = Apt::new(&t.path().join("apt"), &leaf, &k.keyring);
    let out = apt.run(&["update"], t.path());
    assert!(out.status.success(), "{}", text(&out));
    let all = text(&out);
    assert!(
        !all.contains("W:") && !all.contains("E:"),
        "apt warned:\n{all}"
    );
    let dl = t.path().join("dl");
    fs::create_dir(&dl).unwrap();
    let out = apt.run(&["download", "hello", "zed"], &dl);
    assert!(out.status.success(), "{}", text(&out));
    let got = fs::read(dl.join("hello_1.2.0-1_amd64.deb")).unwrap();
    assert_eq!(got, fs::read(leaf.join("hello_1.2.0-1_amd64.deb")).unwrap());
    assert!(dl.join("zed_0.1-1_all.deb").is_file());
    let out = apt.run(&["download", "hello=1.0.0-1"], &dl);
    assert!(out.status.success(), "{}", text(&out));

    // Wrong key: the repository signed by `k`, apt told to trust `other`.
    let wrong = Apt::new(&t.path().join("apt-wrong"), &leaf, &other.keyring);
    let out = wrong.run(&["update"], t.path());
    assert!(
        !out.status.success(),
        "a wrong key was accepted:\n{}",
        text(&out)
    );
    assert!(text(&out).contains("NO_PUBKEY"), "{}", text(&out));

    // Tampered index: one byte of Packages changed after signing, in every
    // form apt may fetch (plain, compressed, by-hash); Release kept.
    let packages = fs::read(leaf.join("Packages")).unwrap();
    let tampered = String::from_utf8(packages.clone())
        .unwrap()
        .replacen("Size: ", "Size: 9", 1);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, tampered.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    std::io::Write::write_all(&mut xz, tampered.as_bytes()).unwrap();
    let xz = xz.finish().unwrap();
    let release = fs::read_to_string(leaf.join("Release")).unwrap();
    for (name, bytes) in [
        ("Packages", tampered.as_bytes()),
        ("Packages.gz", &gz[..]),
        ("Packages.xz", &xz[..]),
    ] {
        for line in release.lines().filter(|l| l.ends_with(&format!(" {name}"))) {
            let digest = line.split_whitespace().next().unwrap();
            for dir in ["MD5Sum", "SHA1", "SHA256", "SHA512"] {
                let p = leaf.join("by-hash").join(dir).join(digest);
                if p.exists() {
                    fs::write(p, bytes).unwrap();
                }
            }
        }
        fs::write(leaf.join(name), bytes).unwrap();
    }
    let fresh = Apt::new(&t.path().join("apt-tampered"), &leaf, &k.keyring);
    let out = fresh.run(&["update"], t.path());
    assert!(
        !out.status.success(),
        "a tampered Packages was accepted:\n{}",
        text(&out)
    );
    // apt fetches the index by its SHA512 (by-hash) and checks it against Release.
    assert!(text(&out).contains("Hash Sum mismatch"), "{}", text(&out));
}

/// Keys made by the real `gpg` load and sign: a certify-only primary key
/// with two signing subkeys, the first chosen by default, the other by its
/// fingerprint (any case, with spaces).
#[test]
fn gpg_made_keys_sign_with_the_chosen_subkey() {
    if !require_tools(&["gpg", "gpgv", "dpkg-deb"]) {
        return;
    }
    let home = gnupg_home();
    let gpg = |args: &[&str]| -> String {
        stdout_of(
            Command::new("gpg")
                .env("GNUPGHOME", home.path())
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
                .args(args),
        )
    };
    gpg(&[
        "--quick-gen-key",
        "Real Gpg <real@example.org>",
        "ed25519",
        "cert",
        "never",
    ]);
    let colons = gpg(&["--with-colons", "--list-secret-keys"]);
    let primary = colons
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .unwrap()
        .split(':')
        .nth(9)
        .unwrap()
        .to_owned();
    gpg(&["--quick-add-key", &primary, "ed25519", "sign", "never"]);
    gpg(&["--quick-add-key", &primary, "rsa3072", "sign", "never"]);
    let colons = gpg(&["--with-colons", "--list-secret-keys"]);
    let fprs: Vec<String> = colons
        .lines()
        .filter(|l| l.starts_with("fpr:"))
        .map(|l| l.split(':').nth(9).unwrap().to_owned())
        .collect();
    assert_eq!(fprs.len(), 3, "{colons}");
    let t = tempfile::tempdir().unwrap();
    let secret = t.path().join("secret.asc");
    fs::write(&secret, gpg(&["--armor", "--export-secret-keys", &primary])).unwrap();
    let keyring = t.path().join("keyring.gpg");
    run_ok(
        Command::new("gpg")
            .env("GNUPGHOME", home.path())
            .args(["--batch", "--output"])
            .arg(&keyring)
            .args(["--export", &primary]),
    );

    // Default: the primary cannot sign, so the first signing subkey does.
    let s = Signer::from_armored_file(&secret, None).unwrap();
    assert_eq!(s.fingerprint(), fprs[1]);
    // Chosen by fingerprint, lower case with spaces.
    let spaced: String = fprs[2]
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            if i > 0 && i % 4 == 0 {
                vec![' ', c]
            } else {
                vec![c]
            }
        })
        .collect();
    let s2 = Signer::from_armored_file(&secret, Some(&spaced)).unwrap();
    assert_eq!(s2.fingerprint(), fprs[2]);
    // The certify-only primary, asked for by name, is refused with a reason.
    let e = Signer::from_armored_file(&secret, Some(&primary)).unwrap_err();
    assert!(e.to_string().contains("cannot sign"), "{e}");

    for signer in [&s, &s2] {
        let leaf = tempfile::tempdir().unwrap();
        let records = vec![record(
            leaf.path(),
            &build_deb(leaf.path(), "hello", "1.0.0", Arch::X86_64),
        )];
        index(leaf.path(), &records, Some(signer));
        assert_gpgv_accepts(leaf.path(), &keyring);
        // gpgv names the subkey that signed.
        let gh = gnupg_home();
        let out = gpgv(gh.path(), &keyring, &[&leaf.path().join("InRelease")]);
        let said = String::from_utf8_lossy(&out.stderr).replace(' ', "");
        assert!(said.contains(&signer.fingerprint()[24..]), "{said}");
    }
}

/// rpm 4.18 imports the keys `key generate` makes, for either algorithm.
#[test]
fn rpmkeys_imports_generated_keys() {
    if !require_tools(&["rpmkeys"]) {
        return;
    }
    for alg in [KeyAlgorithm::Rsa3072, KeyAlgorithm::Ed25519] {
        let t = tempfile::tempdir().unwrap();
        let k: GeneratedKey =
            generate_with("Repo Tests <repo@example.org>", t.path(), "repo", alg).unwrap();
        let db = t.path().join("rpmdb");
        fs::create_dir(&db).unwrap();
        let dbpath = format!("_dbpath {}", db.display());
        run_ok(
            Command::new("rpmkeys")
                .arg("--define")
                .arg(&dbpath)
                .arg("--import")
                .arg(&k.public_armored),
        );
        let listed = stdout_of(Command::new("rpm").arg("--define").arg(&dbpath).args([
            "-q",
            "gpg-pubkey",
            "--qf",
            "%{VERSION}\n",
        ]));
        assert_eq!(listed.trim(), k.fingerprint[32..].to_lowercase(), "{alg:?}");
    }
}

/// `--layout dists`: packages under `pool/`, indexes under
/// `dists/<suite>/main/binary-<arch>/`; `apt-ftparchive packages` agrees on
/// every stanza, and apt-get reads the signed suite and downloads from the pool.
#[test]
fn the_dists_layout_matches_apt_ftparchive_and_apt_get_reads_it() {
    if !require_tools(&["apt-get", "apt-ftparchive", "gpgv", "dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("archive");
    for (dir, name, version, arch) in [
        ("pool/main/h/hello", "hello", "1.0.0", Arch::X86_64),
        ("pool/main/h/hello", "hello", "1.2.0", Arch::X86_64),
        ("pool/main/z/zed", "zed", "0.1", Arch::All),
        ("pool/main/a/alpha", "alpha", "2.0", Arch::Aarch64),
    ] {
        let d = root.join(dir);
        fs::create_dir_all(&d).unwrap();
        build_deb(&d, name, version, arch);
    }
    let keys = t.path().join("keys");
    let k = generate("Repo Tests <repo@example.org>", &keys, "repo").unwrap();
    let opts = IndexOptions {
        layout: Layout::Dists(Dists {
            component: "main".into(),
            architectures: Vec::new(),
        }),
        kind: IndexKind::Auto,
        signer: Some(Signer::from_armored_file(&k.secret, None).unwrap()),
        strict: true,
        keep: 2,
        apt: AptOptions {
            codename: Some("omni".into()),
            ..opts()
        },
        yum: Default::default(),
        cache_dir: Some(t.path().join("cache")),
        leaves: None,
    };
    let report = omnipack_repo::index(&root, &opts, &omnipack_core::NoProgress).unwrap();
    assert_eq!(report.leaves[0].debs, 4);
    let suite = root.join("dists/testing");
    let release = fs::read_to_string(suite.join("Release")).unwrap();
    assert!(
        release.contains("\nArchitectures: amd64 arm64\n"),
        "{release}"
    );
    assert!(release.contains("\nComponents: main\n"), "{release}");
    assert!(
        release.contains("\nSuite: testing\nCodename: omni\n"),
        "{release}"
    );
    assert!(
        release.contains(" main/binary-amd64/Packages.xz\n"),
        "{release}"
    );

    // Each binary-<arch>/Packages agrees with apt-ftparchive's for the same
    // packages (arch-all ones in both), parsed, field by field.
    for arch in ["amd64", "arm64"] {
        let ours = fs::read_to_string(suite.join(format!("main/binary-{arch}/Packages"))).unwrap();
        let theirs = stdout_of(
            Command::new("apt-ftparchive")
                .args(["packages", "--arch", arch, "pool"])
                .current_dir(&root),
        );
        let key = |s: &Stanza| {
            let mut s = s.clone();
            s.sort();
            s
        };
        let mut a: Vec<Stanza> = parse_stanzas(&ours).iter().map(key).collect();
        let mut b: Vec<Stanza> = parse_stanzas(&theirs).iter().map(key).collect();
        a.sort();
        b.sort();
        // apt-ftparchive adds SHA512 and Description-md5; dpkg-scanpackages' set is ours.
        for s in &mut b {
            s.retain(|(k, _)| k != "SHA512" && k != "Description-md5");
        }
        assert_eq!(a, b, "binary-{arch}");
        assert!(ours.contains("Package: zed\n"), "{ours}");
    }

    let apt = Apt::with_source(&t.path().join("apt"), &root, &k.keyring, "testing main");
    let out = apt.run(&["update"], t.path());
    assert!(out.status.success(), "{}", text(&out));
    let all = text(&out);
    assert!(
        !all.contains("W:") && !all.contains("E:"),
        "apt warned:\n{all}"
    );
    let dl = t.path().join("dl");
    fs::create_dir(&dl).unwrap();
    let out = apt.run(&["download", "hello", "zed"], &dl);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        fs::read(dl.join("hello_1.2.0-1_amd64.deb")).unwrap(),
        fs::read(root.join("pool/main/h/hello/hello_1.2.0-1_amd64.deb")).unwrap()
    );
    assert!(dl.join("zed_0.1-1_all.deb").is_file());
}

// Guards the flat apt index byte for byte (fields, order, digests, the
// Release layout): any change to it shows up as a snapshot diff to review.
#[test]
fn the_flat_index_of_the_fixture_is_as_snapshotted() {
    let t = tempfile::tempdir().unwrap();
    let records = leaf_with_packages(t.path());
    index(t.path(), &records, None);
    let read = |name: &str| fs::read_to_string(t.path().join(name)).unwrap();
    insta::assert_snapshot!("fixture_packages", read("Packages"));
    insta::assert_snapshot!("fixture_release", read("Release"));
}
