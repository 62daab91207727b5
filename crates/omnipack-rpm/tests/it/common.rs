//! Shared fixtures: the sample package spec, writing it, running rpm.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::hash::{HashingWriter, Sink};
use omnipack_core::{NoProgress, hex};
use omnipack_rpm::Rpm;
use omnipack_spec::{Arch, Compression, PackageSpec, Scripts};
use omnipack_test_support::{EPOCH, sample_tree, stdout_of};

/// Where the sample package's scriptlets log that they ran (not under `/tmp`,
/// which rpmlint flags in scriptlets).
pub const SCRIPT_LOG: &str = "/var/log/hello-scripts.log";

/// The sample tree's package: every entry kind, scripts, versioned relations
/// of every kind, a rich dependency, and a `%config(noreplace)` file.
pub fn sample_spec(root: &Path) -> PackageSpec {
    sample_tree(root, "hello");
    let mut spec = PackageSpec::new("hello", "1.2.3");
    spec.release = "4".into();
    spec.epoch = Some(1);
    spec.arch = Arch::native();
    spec.summary = "Says hello".into();
    spec.description = "A friendly greeter.\n\nIt says hello from /opt.".into();
    spec.license = "MIT".into();
    spec.url = Some("https://example.org/hello".into());
    spec.vendor = Some("Example Inc.".into());
    spec.maintainer = "Hello Maintainers <hello@example.org>".into();
    spec.section = Some("Applications/System".into());
    spec.depends = vec![
        "bash (>= 4.0)".parse().unwrap(),
        "coreutils".parse().unwrap(),
        "python3 | python3-minimal (>= 3.6)".parse().unwrap(),
    ];
    spec.recommends = vec!["curl".parse().unwrap()];
    spec.suggests = vec!["vim".parse().unwrap()];
    spec.provides = vec!["hello-cli = 1.2.3".parse().unwrap()];
    spec.conflicts = vec!["hello-legacy (<< 1.0)".parse().unwrap()];
    spec.obsoletes = vec!["hello-old < 1.0".parse().unwrap()];
    spec.files = scan_tree(root, &ScanOptions::default()).unwrap();
    spec.scripts = Scripts {
        pre_install: Some(format!("echo pre >> {SCRIPT_LOG}\n")),
        post_install: Some(format!("echo post >> {SCRIPT_LOG}\n")),
        pre_remove: Some(format!("echo preun >> {SCRIPT_LOG}\n")),
        post_remove: Some(format!("echo postun >> {SCRIPT_LOG}\n")),
    };
    spec.source_date_epoch = EPOCH;
    spec
}

/// Writes `spec` into `dir` under its conventional name with `threads`.
pub fn write_with(spec: &PackageSpec, dir: &Path, threads: u32) -> PathBuf {
    let path = dir.join(Rpm::file_name(spec));
    let mut out = fs::File::create(&path).unwrap();
    let opts = WriteOptions {
        scratch_dir: dir,
        threads,
        progress: &NoProgress,
    };
    Rpm::write(spec, &mut out, &opts).unwrap();
    out.flush().unwrap();
    path
}

/// Writes `spec` into `dir` with two threads.
pub fn write(spec: &PackageSpec, dir: &Path) -> PathBuf {
    write_with(spec, dir, 2)
}

/// A sample package with the given compression, in a fresh directory.
pub struct Built {
    pub _dir: tempfile::TempDir,
    pub spec: PackageSpec,
    pub rpm: PathBuf,
}

pub fn build_sample(compression: Option<Compression>) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let mut spec = sample_spec(&tree);
    spec.rpm.compression = compression;
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let rpm = write(&spec, &out);
    Built {
        _dir: dir,
        spec,
        rpm,
    }
}

/// `rpm ARGS... PKG` and its stdout.
pub fn rpm_q(args: &[&str], pkg: &Path) -> String {
    stdout_of(Command::new("rpm").args(args).arg(pkg))
}

/// SHA-256 hex of a file.
pub fn sha256_file(path: &Path) -> String {
    let mut w = HashingWriter::new(Sink, false, false, true);
    std::io::copy(&mut fs::File::open(path).unwrap(), &mut w).unwrap();
    hex(&w.finish().1.sha256.unwrap())
}

/// SHA-256 hex of bytes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    let mut w = HashingWriter::new(Sink, false, false, true);
    w.write_all(bytes).unwrap();
    hex(&w.finish().1.sha256.unwrap())
}
