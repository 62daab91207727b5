//! Damaged and unindexable .debs are errors naming the file, never a panic
//! or a huge allocation (issue 21): ar member sizes past the file, GNU/BSD
//! extended names (whose tables the `ar` crate allocates and indexes as the
//! header says), a control member that unpacks to gigabytes, cuts at every
//! length; packages apt would refuse (no `Package:`, an empty `Version:`,
//! whitespace in `Architecture:`) are refused by the index reader and still
//! read by `inspect`'s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::NoProgress;
use omnipack_deb::{Deb, DebError};
use omnipack_spec::PackageSpec;
use omnipack_test_support::{EPOCH, require_tools, run_ok, sample_tree};

fn good_deb(dir: &Path) -> PathBuf {
    let root = dir.join("tree");
    sample_tree(&root, "hello");
    let mut spec = PackageSpec::new("hello", "1.0.0");
    spec.files = scan_tree(&root, &ScanOptions::default()).unwrap();
    spec.summary = "says hello".into();
    spec.maintainer = "Omnipack Tests <tests@example.org>".into();
    spec.source_date_epoch = EPOCH;
    let path = dir.join(Deb::file_name(&spec));
    let mut out = fs::File::create(&path).unwrap();
    let opts = WriteOptions {
        scratch_dir: dir,
        threads: 1,
        progress: &NoProgress,
    };
    Deb::write(&spec, &mut out, &opts).unwrap();
    out.flush().unwrap();
    path
}

/// An ar member: a 60-byte header (name, size as given) and its data.
fn member(name: &str, size_field: &str, data: &[u8]) -> Vec<u8> {
    let mut h = format!(
        "{name:<16}{:<12}{:<6}{:<6}{:<8}{size_field:<10}`\n",
        0, 0, 0, 100644
    )
    .into_bytes();
    assert_eq!(h.len(), 60);
    h.extend_from_slice(data);
    if data.len() % 2 == 1 {
        h.push(b'\n');
    }
    h
}

fn ar(members: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for m in members {
        out.extend_from_slice(m);
    }
    out
}

/// Both readers refuse `bytes` with an error naming the file.
fn refused(dir: &Path, bytes: &[u8], want: &str) {
    let path = dir.join("damaged.deb");
    fs::write(&path, bytes).unwrap();
    for err in [
        Deb::read(&path).expect_err("read"),
        omnipack_deb::read_control(&path).expect_err("read_control"),
    ] {
        let text = err.to_string();
        assert!(text.contains(&format!("`{}`", path.display())), "{text}");
        assert!(text.contains(want), "{text} lacks {want}");
    }
}

#[test]
fn member_sizes_past_the_file_and_extended_names_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let bin = member("debian-binary", "4", b"2.0\n");
    // A member claiming 9 999 999 999 bytes in a file of 200.
    refused(
        t.path(),
        &ar(&[bin.clone(), member("control.tar.gz", "9999999999", b"xx")]),
        "claims 9999999999 bytes, past the end of the file",
    );
    // The GNU name table `//` the `ar` crate would allocate at its declared size.
    refused(
        t.path(),
        &ar(&[bin.clone(), member("//", "9999999999", b"")]),
        "extended name",
    );
    // A GNU `/N` name pointing into a name table that does not exist (the
    // `ar` crate indexes its table with it).
    refused(
        t.path(),
        &ar(&[bin.clone(), member("/99", "2", b"xx")]),
        "extended name",
    );
    // A BSD `#1/N` name of N bytes.
    refused(
        t.path(),
        &ar(&[bin.clone(), member("#1/999999999", "2", b"xx")]),
        "extended name",
    );
    refused(
        t.path(),
        &ar(&[bin, member("control.tar.gz", "-5", b"xx")]),
        "bad member size",
    );
}

#[test]
fn a_control_member_unpacking_to_gigabytes_is_refused() {
    let t = tempfile::tempdir().unwrap();
    // A tar holding a `control` of 100 MiB of zeros, gzipped to ~100 KiB.
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut h = tar::Header::new_gnu();
    let size = 100 * 1024 * 1024u64;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(
        &mut h,
        "./control",
        std::io::Read::take(std::io::repeat(0), size),
    )
    .unwrap();
    let gz = tar.into_inner().unwrap().finish().unwrap();
    let len = gz.len().to_string();
    let bytes = ar(&[
        member("debian-binary", "4", b"2.0\n"),
        member("control.tar.gz", &len, &gz),
        member("data.tar.gz", "0", b""),
    ]);
    refused(t.path(), &bytes, "unpacks to more than");
}

#[test]
fn a_deb_cut_at_any_length_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let path = good_deb(t.path());
    let bytes = fs::read(&path).unwrap();
    let cut_path = t.path().join("cut.deb");
    for cut in (0..bytes.len().min(2048)).chain((2048..bytes.len()).step_by(97)) {
        fs::write(&cut_path, &bytes[..cut]).unwrap();
        let err = omnipack_deb::read_control(&cut_path)
            .expect_err(&format!("cut at {cut}"))
            .to_string();
        assert!(err.contains("cut.deb"), "{err}");
        Deb::read(&cut_path).expect_err(&format!("cut at {cut}"));
    }
}

/// A .deb built by `dpkg-deb -b` from a hand-written control file
/// (`--nocheck`: dpkg-deb would refuse to build these, yet reads them).
pub fn dpkg_deb_with_control(dir: &Path, name: &str, control: &str) -> PathBuf {
    let root = dir.join(format!("{name}.root"));
    fs::create_dir_all(root.join("DEBIAN")).unwrap();
    fs::create_dir_all(root.join("usr/share/doc")).unwrap();
    fs::write(root.join("DEBIAN/control"), control).unwrap();
    let out = dir.join(format!("{name}.deb"));
    run_ok(
        Command::new("dpkg-deb")
            .args(["--nocheck", "--root-owner-group", "-Zgzip", "-b"])
            .arg(&root)
            .arg(&out),
    );
    fs::remove_dir_all(&root).unwrap();
    out
}

#[test]
fn packages_apt_refuses_are_not_indexable_but_inspectable() {
    if !require_tools(&["dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let no_package = dpkg_deb_with_control(
        t.path(),
        "no-package",
        "Version: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: no name\n",
    );
    let empty_version = dpkg_deb_with_control(
        t.path(),
        "empty-version",
        "Package: empty-version\nVersion:\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: no version\n",
    );
    for (path, field, fault) in [
        (&no_package, "Package", "is missing"),
        (&empty_version, "Version", "is empty"),
    ] {
        let info = Deb::read(path).expect("inspect still reads it");
        assert_eq!(info.arch, "all");
        let err = omnipack_deb::read_control(path).expect_err("not indexable");
        assert!(
            matches!(&err, DebError::Unindexable { field: f, fault: x, .. } if *f == field && *x == fault),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&format!("`{}`", path.display())), "{text}");
        assert!(err.hint().unwrap().contains(field));
    }
}
