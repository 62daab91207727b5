//! The yum index checked by the real consumers: `createrepo_c --no-database`
//! on a copy of the same packages as the reference (primary, filelists and
//! other compared parsed, not byte-wise), and `dnf` with a private
//! configuration (`repoquery`, `install --downloadonly`, gzip and zstd,
//! `repo_gpgcheck=1` with `repomd.xml.asc`, a tampered signature rejected).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::{NoProgress, Staging};
use omnipack_repo::Record;
use omnipack_repo::yum::{self, YumError, YumOptions};
use omnipack_rpm::Rpm;
use omnipack_spec::{Arch, PackageSpec};
use omnipack_test_support::clients::{copy_tree, dnf_private, output};
use omnipack_test_support::{EPOCH, require_tools, run_ok, sample_tree, stdout_of};
use quick_xml::events::Event;
use sha2::Digest;

use crate::support::record;

// ---------------------------------------------------------------- fixtures

fn omnipack_rpm(dir: &Path, spec: &PackageSpec) -> PathBuf {
    let path = dir.join(Rpm::file_name(spec));
    let mut out = fs::File::create(&path).unwrap();
    let opts = WriteOptions {
        scratch_dir: dir,
        threads: 1,
        progress: &NoProgress,
    };
    Rpm::write(spec, &mut out, &opts).unwrap();
    out.flush().unwrap();
    path
}

fn base_spec(name: &str, version: &str, tree: &Path) -> PackageSpec {
    let mut spec = PackageSpec::new(name, version);
    spec.release = "1".into();
    spec.arch = Arch::native();
    spec.summary = format!("The {name} package");
    spec.description = format!("{name} for the yum tests.\n\nIt has <angle> & \"quoted\" text.");
    spec.license = "MIT".into();
    spec.url = Some(format!("https://example.org/{name}"));
    spec.vendor = Some("Example Inc.".into());
    spec.maintainer = "Yum Tests <yum@example.org>".into();
    spec.section = Some("Applications/System".into());
    spec.files = scan_tree(tree, &ScanOptions::default()).unwrap();
    spec.source_date_epoch = EPOCH;
    spec
}

/// Three packages from omnipack's writer and one from rpmbuild (when present).
fn build_packages(leaf: &Path, scratch: &Path, with_rpmbuild: bool) -> Vec<PathBuf> {
    fs::create_dir_all(leaf).unwrap();
    let mut out = Vec::new();

    // alpha: versioned requires, provides, conflicts, obsoletes, weak deps; a
    // config file, directories, symlinks (the shared sample tree).
    let tree = scratch.join("alpha");
    sample_tree(&tree, "alpha");
    let mut spec = base_spec("alpha", "1.2.3", &tree);
    spec.release = "4".into();
    spec.epoch = Some(1);
    spec.depends = vec![
        "bash (>= 4.0)".parse().unwrap(),
        "gamma (= 0.9-1)".parse().unwrap(),
        "coreutils".parse().unwrap(),
    ];
    spec.recommends = vec!["curl".parse().unwrap()];
    spec.suggests = vec!["vim (>= 8)".parse().unwrap()];
    spec.provides = vec!["alpha-cli = 1.2.3".parse().unwrap()];
    spec.conflicts = vec!["alpha-legacy (<< 1.0)".parse().unwrap()];
    spec.obsoletes = vec!["alpha-old < 1.0".parse().unwrap()];
    out.push(omnipack_rpm(leaf, &spec));

    // beta: a second version line with an epoch-less dependency on alpha.
    let tree = scratch.join("beta");
    fs::create_dir_all(tree.join("usr/sbin")).unwrap();
    fs::write(tree.join("usr/sbin/betad"), b"#!/bin/sh\n").unwrap();
    let mut spec = base_spec("beta", "2.0", &tree);
    spec.depends = vec!["alpha (>= 1:1.2.3-4)".parse().unwrap()];
    out.push(omnipack_rpm(leaf, &spec));

    // gamma: no dependencies at all, so dnf can install it into an empty root.
    let tree = scratch.join("gamma");
    fs::create_dir_all(tree.join("opt/gamma")).unwrap();
    fs::write(tree.join("opt/gamma/README"), b"gamma\n").unwrap();
    let spec = base_spec("gamma", "0.9", &tree);
    out.push(omnipack_rpm(leaf, &spec));

    if with_rpmbuild {
        out.push(rpmbuild_delta(leaf, scratch));
    }
    out
}

const DELTA_SPEC: &str = r#"Name: delta
Version: 3.1
Release: 2
Epoch: 2
Summary: Delta & <friends>
License: MIT
URL: https://example.org/delta
Group: Applications/Text
BuildArch: noarch
AutoReqProv: no
Requires: gamma >= 0.9
Requires(pre): gamma
Provides: delta-tool = 3.1-2
Conflicts: delta-old < 1.0
Obsoletes: delta-legacy <= 0.9
Recommends: alpha

%description
Delta, built by rpmbuild.
A second line with "quotes".

%install
mkdir -p %{buildroot}/etc %{buildroot}/usr/bin %{buildroot}/opt/delta/share %{buildroot}/var/log
echo 'x = 1' > %{buildroot}/etc/delta.conf
printf '#!/bin/sh\necho delta\n' > %{buildroot}/usr/bin/delta
chmod 755 %{buildroot}/usr/bin/delta
ln -s ../../../usr/bin/delta %{buildroot}/opt/delta/share/delta-link
touch %{buildroot}/var/log/delta.log

%files
%config(noreplace) /etc/delta.conf
/usr/bin/delta
%dir /opt/delta
/opt/delta/share
%ghost /var/log/delta.log

%changelog
* Tue Nov 14 2023 Packager One <one@example.org> - 2:3.1-2
- Second entry, the same day as the first
* Tue Nov 14 2023 Packager One <one@example.org> - 2:3.1-1
- First entry that day
* Mon Jan 02 2023 Other Person <other@example.org>   - 3.0-1
- Old & <escaped> entry
"#;

fn rpmbuild_delta(leaf: &Path, scratch: &Path) -> PathBuf {
    let top = scratch.join("rpmbuild");
    fs::create_dir_all(&top).unwrap();
    let spec = scratch.join("delta.spec");
    fs::write(&spec, DELTA_SPEC).unwrap();
    run_ok(
        Command::new("rpmbuild")
            .arg("-bb")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg(&spec),
    );
    let built = top.join("RPMS/noarch/delta-3.1-2.noarch.rpm");
    let dest = leaf.join("delta-3.1-2.noarch.rpm");
    fs::copy(&built, &dest).unwrap();
    dest
}

fn hex_of<D: Digest>(bytes: &[u8]) -> String {
    omnipack_core::hex(&D::digest(bytes))
}

fn index(leaf: &Path, rpms: &[PathBuf], opts: &YumOptions, signer: Option<&omnipack_sign::Signer>) {
    let records: Vec<Record> = rpms.iter().map(|p| record(leaf, p)).collect();
    let mut staging = Staging::new(leaf);
    yum::write(&records, opts, signer, &mut staging).unwrap();
    staging.commit().unwrap();
}

fn opts() -> YumOptions {
    YumOptions {
        zstd: false,
        date: EPOCH,
    }
}

// ---------------------------------------------------------------- XML model

/// An element with sorted attributes, trimmed text and children in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<El>,
}

fn parse_xml(xml: &str) -> El {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<El> = vec![El {
        name: "#document".into(),
        attrs: BTreeMap::new(),
        text: String::new(),
        children: Vec::new(),
    }];
    let open = |e: &quick_xml::events::BytesStart<'_>| El {
        name: e.name().as_ref().to_owned(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        text: String::new(),
        children: Vec::new(),
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(open(&e)),
            Event::End(_) => {
                let mut done = stack.pop().unwrap();
                done.text = done.text.trim().to_owned();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let text = &mut stack.last_mut().unwrap().text;
                if let Some(c) = r.resolve_char_ref().unwrap() {
                    text.push(c);
                } else {
                    text.push_str(match &*r.xml10_content() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unknown entity {other}"),
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1);
    stack.pop().unwrap().children.into_iter().next().unwrap()
}

fn decompress(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    let mut s = String::new();
    if path.extension().unwrap() == "gz" {
        // Several gzip members (one per chunk of packages), as zlib reads them.
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
    } else {
        zstd::stream::read::Decoder::new(&bytes[..])
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
    }
    s
}

/// `repomd.xml` of `leaf`: data type → (location href, element).
fn repomd(leaf: &Path) -> BTreeMap<String, (String, El)> {
    let xml = fs::read_to_string(leaf.join("repodata/repomd.xml")).unwrap();
    let root = parse_xml(&xml);
    assert_eq!(root.name, "repomd");
    root.children
        .into_iter()
        .filter(|c| c.name == "data")
        .map(|d| {
            let href = d
                .children
                .iter()
                .find(|c| c.name == "location")
                .unwrap()
                .attrs["href"]
                .clone();
            (d.attrs["type"].clone(), (href, d))
        })
        .collect()
}

/// The packages of one document, keyed by name, each element normalised.
fn packages(leaf: &Path, kind: &str) -> BTreeMap<String, El> {
    let md = repomd(leaf);
    let (href, _) = &md[kind];
    let root = parse_xml(&decompress(&leaf.join(href)));
    let count: usize = root.attrs["packages"].parse().unwrap();
    let mut out = BTreeMap::new();
    for p in root.children {
        assert_eq!(p.name, "package");
        let name = p.attrs.get("name").cloned().unwrap_or_else(|| {
            p.children
                .iter()
                .find(|c| c.name == "name")
                .unwrap()
                .text
                .clone()
        });
        out.insert(name, p);
    }
    assert_eq!(out.len(), count, "{kind}: `packages` attribute");
    out
}

// ---------------------------------------------------------------- tests

#[test]
fn metadata_matches_createrepo_c() {
    if !require_tools(&["createrepo_c", "rpmbuild"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("ours");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), true);
    // The reference indexes an identical copy (mtimes kept by `cp -a`).
    let theirs = t.path().join("theirs");
    copy_tree(&leaf, &theirs);
    index(&leaf, &rpms, &opts(), None);
    run_ok(
        Command::new("createrepo_c")
            .args(["--no-database", "--quiet", "--simple-md-filenames"])
            .arg(&theirs),
    );

    for kind in ["primary", "filelists", "other"] {
        let ours = packages(&leaf, kind);
        let reference = packages(&theirs, kind);
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{kind}: package names"
        );
        for (name, el) in &ours {
            assert_eq!(
                el, &reference[name],
                "{kind}: package `{name}` differs from createrepo_c's"
            );
        }
    }

    // A few facts spelled out, so a change in both tools would still show.
    let primary = packages(&leaf, "primary");
    let delta = &primary["delta"];
    let format = delta.children.iter().find(|c| c.name == "format").unwrap();
    let requires = format
        .children
        .iter()
        .find(|c| c.name == "rpm:requires")
        .unwrap();
    assert!(
        requires.children.iter().any(|e| e.attrs["name"] == "gamma"
            && e.attrs.get("flags").map(String::as_str) == Some("GE"))
    );
    assert!(
        requires
            .children
            .iter()
            .any(|e| e.attrs.get("pre").map(String::as_str) == Some("1"))
    );
    let files: Vec<_> = format
        .children
        .iter()
        .filter(|c| c.name == "file")
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(files, ["/etc/delta.conf", "/usr/bin/delta"]);
    let other = packages(&leaf, "other");
    let changes: Vec<_> = other["delta"]
        .children
        .iter()
        .filter(|c| c.name == "changelog")
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0], "- Old & <escaped> entry");
    let filelists = packages(&leaf, "filelists");
    let ghost = filelists["delta"]
        .children
        .iter()
        .find(|c| c.text == "/var/log/delta.log")
        .unwrap();
    assert_eq!(ghost.attrs["type"], "ghost");

    // repomd.xml describes each document truthfully.
    for (kind, (href, data)) in repomd(&leaf) {
        let bytes = fs::read(leaf.join(&href)).unwrap();
        let field = |n: &str| {
            data.children
                .iter()
                .find(|c| c.name == n)
                .unwrap()
                .text
                .clone()
        };
        let sum = hex_of::<sha2::Sha256>(&bytes);
        assert_eq!(field("checksum"), sum, "{kind}");
        assert_eq!(href, format!("repodata/{sum}-{kind}.xml.gz"));
        assert_eq!(field("size"), bytes.len().to_string());
        let open = decompress(&leaf.join(&href));
        assert_eq!(
            field("open-checksum"),
            hex_of::<sha2::Sha256>(open.as_bytes())
        );
        assert_eq!(field("open-size"), open.len().to_string());
        assert_eq!(field("timestamp"), EPOCH.to_string());
    }
}

#[test]
fn the_index_is_deterministic_and_independent_of_record_order() {
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("leaf");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), false);
    let records: Vec<Record> = rpms.iter().map(|p| record(&leaf, p)).collect();
    let render = |records: &[Record]| {
        let out = t.path().join("out");
        let _ = fs::remove_dir_all(&out);
        let mut staging = Staging::new(&out);
        yum::write(records, &opts(), None, &mut staging).unwrap();
        staging.commit().unwrap();
        fs::read(out.join("repodata/repomd.xml")).unwrap()
    };
    let first = render(&records);
    let mut reversed = records.clone();
    reversed.reverse();
    assert_eq!(first, render(&reversed));
    // YumPackage is serialisable (for tools that keep it): it must come back identical.
    let y = yum::read_package(&rpms[0]).unwrap();
    let back: yum::YumPackage = serde_json::from_str(&serde_json::to_string(&y).unwrap()).unwrap();
    assert_eq!(back, y);
}

#[test]
fn bad_input_is_reported_by_path() {
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("leaf");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), false);
    let good = fs::read(&rpms[0]).unwrap();

    let not_rpm = t.path().join("notes.rpm");
    fs::write(&not_rpm, b"this is not a package").unwrap();
    let e = yum::read_package(&not_rpm).unwrap_err();
    assert!(matches!(e, YumError::NotRpm { .. }), "{e}");
    assert!(e.to_string().contains("notes.rpm"), "{e}");

    for (cut, what) in [(50, "lead"), (200, "headers"), (good.len() - 10, "payload")] {
        let short = t.path().join(format!("short-{what}.rpm"));
        fs::write(&short, &good[..cut]).unwrap();
        let e = yum::read_package(&short).unwrap_err();
        assert!(matches!(e, YumError::Truncated { .. }), "{what}: {e}");
        assert!(e.to_string().contains(&*short.to_string_lossy()), "{e}");
    }

    // A record without yum data is refused, naming it.
    let mut r = record(&leaf, &rpms[0]);
    r.yum = None;
    let e = yum::write(&[r], &opts(), None, &mut Staging::new(&leaf)).unwrap_err();
    assert!(e.to_string().contains(&*rpms[0].to_string_lossy()), "{e}");
}

/// Runs dnf (`-q`) with its installroot, cache and configuration under `t`
/// against the `file://` repository `leaf`, `extra` options before `args`.
fn dnf(t: &Path, leaf: &Path, extra: &[&str], args: &[&str]) -> std::process::Output {
    let baseurl = format!("file://{}", leaf.display());
    output(dnf_private(t, &baseurl).arg("-q").args(extra).args(args))
}

fn dnf_ok(t: &Path, leaf: &Path, extra: &[&str], args: &[&str]) -> String {
    let out = dnf(t, leaf, extra, args);
    assert!(
        out.status.success(),
        "dnf {args:?} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn check_with_dnf(zstd: bool) {
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("leaf");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), true);
    index(&leaf, &rpms, &YumOptions { zstd, date: EPOCH }, None);
    let ext = if zstd { ".xml.zst" } else { ".xml.gz" };
    assert!(repomd(&leaf).values().all(|(href, _)| href.ends_with(ext)));

    let nogpg = ["--setopt=t.gpgcheck=0"];
    let listed = dnf_ok(
        t.path(),
        &leaf,
        &nogpg,
        &[
            "repoquery",
            "--qf",
            "%{name}-%{epoch}:%{version}-%{release}.%{arch}",
        ],
    );
    let mut names: Vec<_> = listed.lines().map(str::to_owned).collect();
    names.sort();
    let arch = Arch::native().rpm_name().to_owned();
    assert_eq!(
        names,
        [
            format!("alpha-1:1.2.3-4.{arch}"),
            format!("beta-0:2.0-1.{arch}"),
            "delta-2:3.1-2.noarch".to_owned(),
            format!("gamma-0:0.9-1.{arch}"),
        ]
    );
    let requires = dnf_ok(
        t.path(),
        &leaf,
        &nogpg,
        &["repoquery", "--requires", "beta"],
    );
    assert_eq!(requires.trim(), "alpha >= 1:1.2.3-4");

    let dl = t.path().join("downloads");
    dnf_ok(
        t.path(),
        &leaf,
        &nogpg,
        &[
            "install",
            "--downloadonly",
            &format!("--downloaddir={}", dl.display()),
            "gamma",
        ],
    );
    let got: Vec<_> = fs::read_dir(&dl)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(got.iter().any(|n| n.starts_with("gamma-0.9-1")), "{got:?}");
}

#[test]
fn dnf_reads_the_gzip_index() {
    if !require_tools(&["dnf", "rpmbuild"]) {
        return;
    }
    check_with_dnf(false);
}

/// Each document is several gzip members (head, chunks, tail): EL7's yum
/// reads repodata with Python's `gzip` module and people with `gzip -dc`;
/// both must see the whole document, as zlib (dnf) does.
#[test]
fn python_gzip_and_gzip_read_the_whole_document() {
    if !require_tools(&["python3", "gzip"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("leaf");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), false);
    index(&leaf, &rpms, &opts(), None);
    for (kind, (href, _)) in repomd(&leaf) {
        let path = leaf.join(&href);
        let whole = decompress(&path);
        let py = stdout_of(
            Command::new("python3")
                .args([
                    "-c",
                    "import gzip,sys; sys.stdout.write(gzip.open(sys.argv[1]).read().decode())",
                ])
                .arg(&path),
        );
        assert_eq!(py, whole, "{kind}: python's gzip");
        let gz = stdout_of(Command::new("gzip").arg("-dc").arg(&path));
        assert_eq!(gz, whole, "{kind}: gzip -dc");
        let close = whole.trim_end().rsplit('\n').next().unwrap().to_owned();
        assert!(close.starts_with("</"), "{kind} ends with {close}");
    }
}

#[test]
fn dnf_reads_the_zstd_index() {
    if !require_tools(&["dnf", "rpmbuild"]) {
        return;
    }
    check_with_dnf(true);
}

#[test]
fn a_signed_index_passes_repo_gpgcheck_and_a_tampered_one_does_not() {
    if !require_tools(&["dnf", "gpgv"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("leaf");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), false);
    let keys = t.path().join("keys");
    fs::create_dir_all(&keys).unwrap();
    let key = omnipack_sign::generate("Yum Test <yum@example.org>", &keys, "repo").unwrap();
    let signer = omnipack_sign::Signer::from_armored_file(&key.secret, None).unwrap();
    index(&leaf, &rpms, &opts(), Some(&signer));

    let repomd = leaf.join("repodata/repomd.xml");
    let asc = leaf.join("repodata/repomd.xml.asc");
    assert!(
        fs::read_to_string(&asc)
            .unwrap()
            .starts_with("-----BEGIN PGP SIGNATURE-----")
    );
    run_ok(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(&key.keyring)
            .arg(&asc)
            .arg(&repomd),
    );

    let gpg = [
        "--setopt=t.gpgcheck=0".to_owned(),
        "--setopt=t.repo_gpgcheck=1".to_owned(),
        format!("--setopt=t.gpgkey=file://{}", key.public_armored.display()),
    ];
    let gpg: Vec<&str> = gpg.iter().map(String::as_str).collect();
    let state = t.path().join("good");
    let listed = dnf_ok(&state, &leaf, &gpg, &["repoquery", "--qf", "%{name}"]);
    let mut names: Vec<_> = listed.lines().collect();
    names.sort();
    assert_eq!(names, ["alpha", "beta", "gamma"]);

    // A valid signature by the same key over other bytes: rejected.
    let good_asc = fs::read(&asc).unwrap();
    fs::write(&asc, signer.detach_armored(b"not the repomd.xml").unwrap()).unwrap();
    let out = dnf(&t.path().join("tampered-asc"), &leaf, &gpg, &["repoquery"]);
    assert!(
        !out.status.success(),
        "dnf accepted a signature over other data"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("gpg")
            || String::from_utf8_lossy(&out.stderr)
                .to_lowercase()
                .contains("signature"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The right signature but a modified repomd.xml: rejected too.
    fs::write(&asc, &good_asc).unwrap();
    let mut xml = fs::read_to_string(&repomd).unwrap();
    xml = xml.replace("<revision>", "<revision>1");
    fs::write(&repomd, xml).unwrap();
    let out = dnf(
        &t.path().join("tampered-repomd"),
        &leaf,
        &gpg,
        &["repoquery"],
    );
    assert!(!out.status.success(), "dnf accepted a modified repomd.xml");
}

// Guards primary.xml of the fixture byte for byte (what createrepo_c would
// write, checked against it above); the file time is the package's mtime,
// redacted.
#[test]
fn the_primary_xml_of_the_fixture_is_as_snapshotted() {
    let t = tempfile::tempdir().unwrap();
    let leaf = t.path().join("leaf");
    let rpms = build_packages(&leaf, &t.path().join("scratch"), false);
    index(&leaf, &rpms, &opts(), None);
    let (href, _) = repomd(&leaf)["primary"].clone();
    let primary = decompress(&leaf.join(href));
    insta::with_settings!({filters => vec![(r#"<time file="[0-9]+""#, r#"<time file="[MTIME]""#)]}, {
        insta::assert_snapshot!("fixture_primary", primary);
    });
}
