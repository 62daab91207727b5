//! Packages a client would refuse, or that are damaged, are left out of a
//! leaf's index and reported by path while the good ones beside them are
//! indexed (issue 21): a .deb without `Package:` and one with an empty
//! `Version:` (apt-get then accepts the index), RPMs whose headers point past
//! their data store or claim 0x7f00000b strings (no panic, no abort).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::NoProgress;
use omnipack_deb::Deb;
use omnipack_repo::apt::AptOptions;
use omnipack_repo::{IndexKind, IndexOptions, IndexReport, Layout};
use omnipack_rpm::Rpm;
use omnipack_spec::{Arch, PackageSpec};
use omnipack_test_support::clients::{apt_private, apt_state, output};
use omnipack_test_support::{EPOCH, require_tools, run_ok, sample_tree};

fn spec(dir: &Path, name: &str) -> PackageSpec {
    let tree = dir.join(format!("{name}.tree"));
    sample_tree(&tree, name);
    let mut spec = PackageSpec::new(name, "1.0.0");
    spec.release = "1".into();
    spec.arch = Arch::X86_64;
    spec.summary = format!("the {name} test package");
    spec.maintainer = "Omnipack Tests <tests@example.org>".into();
    spec.license = "MIT".into();
    spec.files = scan_tree(&tree, &ScanOptions::default()).unwrap();
    spec.source_date_epoch = EPOCH;
    spec
}

fn write<F: PackageFormat>(leaf: &Path, scratch: &Path, spec: &PackageSpec) -> PathBuf {
    let path = leaf.join(F::file_name(spec));
    let mut out = fs::File::create(&path).unwrap();
    let opts = WriteOptions {
        scratch_dir: scratch,
        threads: 1,
        progress: &NoProgress,
    };
    F::write(spec, &mut out, &opts)
        .map_err(|e| e.to_string())
        .unwrap();
    out.flush().unwrap();
    path
}

/// A .deb from `dpkg-deb -b --nocheck` with a hand-written control file
/// (dpkg-deb builds it, and reads it).
fn dpkg_deb_with_control(leaf: &Path, scratch: &Path, name: &str, control: &str) -> PathBuf {
    let root = scratch.join(format!("{name}.root"));
    fs::create_dir_all(root.join("DEBIAN")).unwrap();
    fs::create_dir_all(root.join("usr/share/doc")).unwrap();
    fs::write(root.join("DEBIAN/control"), control).unwrap();
    let out = leaf.join(format!("{name}.deb"));
    run_ok(
        Command::new("dpkg-deb")
            .args(["--nocheck", "--root-owner-group", "-Zgzip", "-b"])
            .arg(&root)
            .arg(&out),
    );
    out
}

fn index(root: &Path, cache: &Path) -> IndexReport {
    let opts = IndexOptions {
        layout: Layout::Flat,
        kind: IndexKind::Auto,
        signer: None,
        strict: false,
        keep: 2,
        apt: AptOptions {
            origin: Some("Omnipack Tests".into()),
            label: None,
            suite: Some("testing".into()),
            codename: None,
            date: EPOCH,
        },
        yum: Default::default(),
        cache_dir: Some(cache.to_path_buf()),
        leaves: None,
    };
    omnipack_repo::index(root, &opts, &NoProgress).unwrap()
}

/// The problem reported for `path`, if any.
fn problem_of(report: &IndexReport, path: &Path) -> String {
    report.leaves[0]
        .problems
        .iter()
        .find(|p| p.path == path)
        .map(|p| p.message.clone())
        .unwrap_or_else(|| panic!("no problem for `{}`: {report:?}", path.display()))
}

#[test]
fn debs_apt_would_refuse_are_left_out_and_apt_get_accepts_the_index() {
    if !require_tools(&["dpkg-deb", "apt-get"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (leaf, scratch) = (t.path().join("repo"), t.path().join("scratch"));
    fs::create_dir_all(&leaf).unwrap();
    fs::create_dir_all(&scratch).unwrap();
    write::<Deb>(&leaf, &scratch, &spec(&scratch, "hello"));
    let no_package = dpkg_deb_with_control(
        &leaf,
        &scratch,
        "no-package",
        "Version: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: no name\n",
    );
    let empty_version = dpkg_deb_with_control(
        &leaf,
        &scratch,
        "empty-version",
        "Package: empty-version\nVersion:\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: no version\n",
    );

    let report = index(&leaf, &t.path().join("cache"));
    assert_eq!(report.leaves[0].debs, 1, "{report:?}");
    assert!(problem_of(&report, &no_package).contains("`Package` field `` is missing"));
    assert!(problem_of(&report, &empty_version).contains("`Version` field `` is empty"));
    let packages = fs::read_to_string(leaf.join("Packages")).unwrap();
    assert_eq!(packages.matches("Package: ").count(), 1, "{packages}");
    assert!(packages.starts_with("Package: hello\n"), "{packages}");

    let state = t.path().join("apt");
    apt_state(
        &state,
        format!("deb [trusted=yes] file://{} /\n", leaf.display()),
    );
    let out = output(
        apt_private("apt-get", &state, &state.join("sources.list"))
            .arg("update")
            .current_dir(t.path()),
    );
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(!all.contains("E:"), "{all}");
    let out = output(
        apt_private("apt-get", &state, &state.join("sources.list"))
            .args(["download", "hello"])
            .current_dir(&scratch),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn be(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// Offset of the main header of the RPM `b`.
fn main_header(b: &[u8]) -> usize {
    (96 + 16 + 16 * be(b, 96 + 8) + be(b, 96 + 12)).next_multiple_of(8)
}

#[test]
fn a_damaged_rpm_beside_good_ones_is_left_out_of_the_leaf_index() {
    let t = tempfile::tempdir().unwrap();
    let (leaf, scratch) = (t.path().join("repo"), t.path().join("scratch"));
    fs::create_dir_all(&leaf).unwrap();
    fs::create_dir_all(&scratch).unwrap();
    let good = write::<Rpm>(&leaf, &scratch, &spec(&scratch, "hello"));
    write::<Rpm>(&leaf, &scratch, &spec(&scratch, "world"));
    let bytes = fs::read(&good).unwrap();
    let h = main_header(&bytes);

    // Entry 12's offset past the data store.
    let mut past = bytes.clone();
    past[h + 16 + 16 * 12 + 8..][..4].copy_from_slice(&29305u32.to_be_bytes());
    let past_path = leaf.join("past-store.rpm");
    fs::write(&past_path, &past).unwrap();
    // The first string array claiming 0x7f00000b strings.
    let mut huge = bytes;
    let i = (0..be(&huge, h + 8))
        .find(|&i| be(&huge, h + 16 + 16 * i + 4) == 8)
        .unwrap();
    huge[h + 16 + 16 * i + 12..][..4].copy_from_slice(&0x7f00_000bu32.to_be_bytes());
    let huge_path = leaf.join("huge-count.rpm");
    fs::write(&huge_path, &huge).unwrap();

    let report = index(&leaf, &t.path().join("cache"));
    assert_eq!(report.leaves[0].rpms, 2, "{report:?}");
    assert!(problem_of(&report, &past_path).contains("points past the data store"));
    assert!(problem_of(&report, &huge_path).contains("claims 2130706443 strings"));
    let repomd = fs::read_to_string(leaf.join("repodata/repomd.xml")).unwrap();
    assert!(repomd.contains("primary"), "{repomd}");
}
