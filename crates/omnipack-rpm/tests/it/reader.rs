//! `Rpm::read` agrees with `rpm -qp --queryformat` on our packages and on
//! packages built by rpmbuild (SHA-256 and MD5 file digests); bad input is
//! refused with the path named, before any output is written.

use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::NoProgress;
use omnipack_rpm::Rpm;
use omnipack_spec::{Arch, Config, FileEntry, FileSource, InfoFileKind, PackageInfo, PackageSpec};
use omnipack_test_support::{EPOCH, require_tools, stdout_of};

use crate::common::*;

/// Compares what we read with what rpm reads.
fn agrees_with_rpm(info: &PackageInfo, pkg: &Path) {
    let q = rpm_q(
        &[
            "-qp",
            "--qf",
            "%{NAME}\n%{VERSION}\n%{RELEASE}\n%{ARCH}\n%{EPOCH}\n%{SUMMARY}\n%{SIZE}\n",
        ],
        pkg,
    );
    let q: Vec<&str> = q.lines().collect();
    assert_eq!(info.name, q[0]);
    assert_eq!(info.version, q[1]);
    assert_eq!(info.release, q[2]);
    assert_eq!(info.arch, q[3]);
    assert_eq!(
        info.epoch
            .map(|e| e.to_string())
            .as_deref()
            .unwrap_or("(none)"),
        q[4]
    );
    assert_eq!(info.summary, q[5]);
    assert_eq!(info.installed_size.to_string(), q[6]);

    let mut requires: Vec<String> = Vec::new();
    for r in rpm_q(&["-qp", "--requires"], pkg).lines() {
        if !r.starts_with("rpmlib(") && !requires.iter().any(|x| x == r) {
            requires.push(r.to_owned());
        }
    }
    assert_eq!(info.depends, requires);
    let provides: Vec<String> = rpm_q(&["-qp", "--provides"], pkg)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(info.provides, provides);
    let conflicts: Vec<String> = rpm_q(&["-qp", "--conflicts"], pkg)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(info.conflicts, conflicts);

    let files = rpm_q(
        &[
            "-qp",
            "--qf",
            "[%{FILENAMES}\t%{FILEMODES:octal}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILEDIGESTS}\t%{FILELINKTOS}\t%{FILEFLAGS:fflags}\n]",
        ],
        pkg,
    );
    let rows: Vec<Vec<&str>> = files.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(info.files.len(), rows.len(), "{files}");
    for (f, row) in info.files.iter().zip(&rows) {
        assert_eq!(f.path, row[0]);
        let mode = u32::from_str_radix(row[1], 8).unwrap();
        assert_eq!(f.mode, mode & 0o7777, "{}", f.path);
        let kind = match mode & 0o170000 {
            0o100000 => InfoFileKind::File,
            0o040000 => InfoFileKind::Dir,
            0o120000 => InfoFileKind::Symlink,
            _ => InfoFileKind::Other,
        };
        assert_eq!(f.kind, kind, "{}", f.path);
        assert_eq!((f.user.as_str(), f.group.as_str()), (row[2], row[3]));
        assert_eq!(f.digest.as_deref().unwrap_or(""), row[4], "{}", f.path);
        assert_eq!(f.link_target.as_deref().unwrap_or(""), row[5], "{}", f.path);
        assert_eq!(f.config, row[6].contains('c'), "{}", f.path);
    }
}

#[test]
fn reads_our_package_as_rpm_does() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let b = build_sample(None);
    let info = Rpm::read(&b.rpm).unwrap();
    agrees_with_rpm(&info, &b.rpm);
    assert_eq!(info.format, omnipack_spec::Format::Rpm);
    assert_eq!(info.epoch, Some(1));
    assert_eq!(info.description, b.spec.description);
    assert_eq!(info.scripts, ["%pre", "%post", "%preun", "%postun"]);
    assert!(
        info.depends
            .contains(&"(python3 or python3-minimal >= 3.6)".to_owned())
    );
    let conf = info
        .files
        .iter()
        .find(|f| f.path == "/etc/hello.conf")
        .unwrap();
    assert!(conf.config);
    assert_eq!(conf.size, 17);
    let names: Vec<&str> = info.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "Name",
            "Epoch",
            "Version",
            "Release",
            "Architecture",
            "Install Date",
            "Group",
            "Size",
            "License",
            "Signature",
            "Source RPM",
            "Build Date",
            "Build Host",
            "Packager",
            "Vendor",
            "URL",
            "Summary"
        ]
    );
    let field = |k: &str| info.fields.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(field("Build Date"), "2023-11-14 22:13:20 UTC");
    assert_eq!(field("Signature"), "(none)");
}

const TINY_SPEC: &str = r#"Name: tiny
Version: 2.0
Release: 7
Epoch: 3
Summary: A tiny package built by rpmbuild
License: MIT
BuildArch: noarch
AutoReqProv: no
Requires: bash >= 4
Requires(post): /bin/sh
Provides: tiny-cap = 1
Conflicts: tiny-old

%description
Tiny.

%install
mkdir -p %{buildroot}/opt/tiny/bin %{buildroot}/etc
printf 'echo tiny\n' > %{buildroot}/opt/tiny/bin/tiny
chmod 0755 %{buildroot}/opt/tiny/bin/tiny
echo k=v > %{buildroot}/etc/tiny.conf
ln -s bin/tiny %{buildroot}/opt/tiny/run

%post
true

%files
%dir /opt/tiny
%dir /opt/tiny/bin
/opt/tiny/bin/tiny
/opt/tiny/run
%config(noreplace) /etc/tiny.conf
"#;

fn rpmbuild(digest_algo: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let top = tempfile::tempdir().unwrap();
    let spec = top.path().join("tiny.spec");
    fs::write(&spec, TINY_SPEC).unwrap();
    stdout_of(
        Command::new("rpmbuild")
            .arg("-bb")
            .arg("--define")
            .arg(format!("_topdir {}", top.path().display()))
            .arg("--define")
            .arg(format!("_binary_filedigest_algorithm {digest_algo}"))
            .arg(&spec),
    );
    let rpm = top.path().join("RPMS/noarch/tiny-2.0-7.noarch.rpm");
    assert!(rpm.is_file());
    (top, rpm)
}

#[test]
fn reads_packages_built_by_rpmbuild() {
    if !require_tools(&["rpm", "rpmbuild"]) {
        return;
    }
    for (algo, hex_len) in [(8, 64), (1, 32)] {
        let (_top, pkg) = rpmbuild(algo);
        let info = Rpm::read(&pkg).unwrap();
        agrees_with_rpm(&info, &pkg);
        assert_eq!(info.epoch, Some(3));
        assert_eq!(info.scripts, ["%post"]);
        let bin = info
            .files
            .iter()
            .find(|f| f.path == "/opt/tiny/bin/tiny")
            .unwrap();
        assert_eq!(
            bin.digest.as_ref().map(String::len),
            Some(hex_len),
            "algo {algo}"
        );
        assert_eq!(bin.size, 10);
        let run = info
            .files
            .iter()
            .find(|f| f.path == "/opt/tiny/run")
            .unwrap();
        assert_eq!(run.link_target.as_deref(), Some("bin/tiny"));
        assert_eq!(run.size, 0);
        let dir = info.files.iter().find(|f| f.path == "/opt/tiny").unwrap();
        assert_eq!((dir.kind, dir.size), (InfoFileKind::Dir, 0));
    }
}

#[test]
fn inline_files_and_extra_fields() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut spec = PackageSpec::new("tiny-inline", "0.1~rc1");
    spec.arch = Arch::All;
    spec.summary = "Inline files only".into();
    spec.maintainer = "T <t@example.org>".into();
    spec.source_date_epoch = EPOCH;
    let mut conf = FileEntry::file(
        "/etc/tiny.conf",
        FileSource::Inline(b"a = 1\n".to_vec()),
        0o640,
    );
    conf.config = Some(Config { noreplace: false });
    conf.group = "adm".into();
    spec.files = vec![conf, FileEntry::dir("/opt/tiny", 0o755)];
    spec.rpm
        .fields
        .insert("Distribution".into(), "Example Linux".into());
    spec.rpm.fields.insert("Group".into(), "System/Base".into());
    spec.rpm
        .fields
        .insert("BugURL".into(), "https://example.org/bugs".into());
    let pkg = write(&spec, dir.path());
    assert_eq!(pkg.file_name().unwrap(), "tiny-inline-0.1~rc1-1.noarch.rpm");
    let q = rpm_q(
        &[
            "-qp",
            "--qf",
            "%{DISTRIBUTION}|%{GROUP}|%{BUGURL}|%{DESCRIPTION}|%{PROVIDES}",
        ],
        &pkg,
    );
    // An empty description falls back to the summary; noarch has no ISA provide.
    assert_eq!(
        q,
        "Example Linux|System/Base|https://example.org/bugs|Inline files only|tiny-inline"
    );
    let requires = rpm_q(&["-qp", "--requires"], &pkg);
    assert!(
        requires.contains("rpmlib(TildeInVersions) <= 4.10.0-1"),
        "{requires}"
    );
    let dump = rpm_q(&["-qp", "--dump"], &pkg);
    let digest = sha256_bytes(b"a = 1\n");
    assert!(
        dump.starts_with(&format!(
            "/etc/tiny.conf 6 1700000000 {digest} 0100640 root adm 1 0"
        )),
        "{dump}"
    );
    let info = Rpm::read(&pkg).unwrap();
    agrees_with_rpm(&info, &pkg);
}

#[test]
fn non_rpm_and_truncated_files_are_named() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let b = build_sample(None);
    let dir = tempfile::tempdir().unwrap();

    let not = dir.path().join("not.rpm");
    fs::write(&not, b"!<arch>\ndebian-binary").unwrap();
    let err = Rpm::read(&not).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "`{}` is not an RPM package (no lead magic",
            not.display()
        )),
        "{err}"
    );
    let empty = dir.path().join("empty.rpm");
    fs::write(&empty, b"").unwrap();
    let err = Rpm::read(&empty).unwrap_err().to_string();
    assert!(err.contains("is not an RPM package"), "{err}");
    let missing = dir.path().join("missing.rpm");
    let err = Rpm::read(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.rpm"), "{err}");

    let bytes = fs::read(&b.rpm).unwrap();
    // In the lead, the signature header, the main header and the payload.
    for cut in [50, 120, 5000, bytes.len() - 1000, bytes.len() - 1] {
        let t = dir.path().join(format!("cut-{cut}.rpm"));
        fs::write(&t, &bytes[..cut]).unwrap();
        let err = Rpm::read(&t).unwrap_err().to_string();
        assert!(
            err.contains(&format!("`{}` is truncated", t.display())),
            "cut at {cut}: {err}"
        );
        // rpm agrees that these files are broken.
        let status = Command::new("rpm").arg("-qp").arg(&t).output().unwrap();
        let k = Command::new("rpm").arg("-K").arg(&t).output().unwrap();
        assert!(
            !status.status.success() || !k.status.success(),
            "rpm accepts the file cut at {cut}"
        );
    }

    // Garbage after a valid lead is corrupt, not truncated.
    let mut garbage = bytes[..96].to_vec();
    garbage.extend_from_slice(&[0x55; 200]);
    let g = dir.path().join("garbage.rpm");
    fs::write(&g, &garbage).unwrap();
    let err = Rpm::read(&g).unwrap_err().to_string();
    assert!(
        err.contains("garbage.rpm` is not a readable RPM package"),
        "{err}"
    );
}

#[test]
fn invalid_specs_are_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WriteOptions {
        scratch_dir: dir.path(),
        threads: 1,
        progress: &NoProgress,
    };
    let mut spec = sample_spec(&dir.path().join("tree"));
    spec.version = "1.0-2".into();
    let mut out = Vec::new();
    let err = Rpm::write(&spec, &mut out, &opts).unwrap_err().to_string();
    assert!(err.contains("invalid version `1.0-2`"), "{err}");
    assert!(out.is_empty());

    let mut spec = sample_spec(&dir.path().join("tree2"));
    spec.rpm.fields.insert("Multi-Arch".into(), "same".into());
    let err = Rpm::write(&spec, &mut out, &opts).unwrap_err().to_string();
    assert!(
        err.contains("unknown RPM header field `Multi-Arch`"),
        "{err}"
    );
    assert!(out.is_empty());

    let mut spec = sample_spec(&dir.path().join("tree3"));
    spec.source_date_epoch = u64::from(u32::MAX) + 1;
    let err = Rpm::write(&spec, &mut out, &opts).unwrap_err().to_string();
    assert!(err.contains("source_date_epoch"), "{err}");
    assert!(out.is_empty());

    // A source file that vanished is named, with its installed path.
    let spec = sample_spec(&dir.path().join("tree4"));
    fs::remove_file(dir.path().join("tree4/etc/hello.conf")).unwrap();
    let err = Rpm::write(&spec, &mut out, &opts).unwrap_err().to_string();
    assert!(
        err.contains("tree4/etc/hello.conf") && err.contains("`/etc/hello.conf`"),
        "{err}"
    );
    assert!(out.is_empty());
    // Only the scratch directory's own files remain: no temporary payload is left behind.
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("tree"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
