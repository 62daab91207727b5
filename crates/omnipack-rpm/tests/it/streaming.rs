//! The payload is streamed: packaging a large file keeps memory small, and
//! progress is reported in payload bytes.

use std::io::{self, Write};
use std::sync::Mutex;

use fs_err as fs;
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::Progress;
use omnipack_rpm::Rpm;
use omnipack_spec::{Arch, FileEntry, FileSource, PackageSpec};
use omnipack_test_support::EPOCH;

/// Peak resident memory of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Counts bytes, keeps none.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<(String, u64)>>,
}

impl Progress for Recorder {
    fn start(&self, what: &str, total: u64) {
        self.events
            .lock()
            .unwrap()
            .push((format!("start {what}"), total));
    }
    fn advance(&self, bytes: u64) {
        self.events.lock().unwrap().push(("advance".into(), bytes));
    }
    fn finish(&self) {
        self.events.lock().unwrap().push(("finish".into(), 0));
    }
}

fn big_spec(dir: &std::path::Path, size: u64) -> PackageSpec {
    let big = dir.join("big.bin");
    fs::File::create(&big).unwrap().set_len(size).unwrap();
    let mut spec = PackageSpec::new("big", "1");
    spec.arch = Arch::All;
    spec.summary = "A large payload".into();
    spec.maintainer = "T <t@example.org>".into();
    spec.source_date_epoch = EPOCH;
    spec.files = vec![
        FileEntry::dir("/opt/big", 0o755),
        FileEntry::file("/opt/big/big.bin", FileSource::Path(big), 0o644),
        FileEntry::file(
            "/opt/big/small",
            FileSource::Inline(b"small\n".to_vec()),
            0o644,
        ),
    ];
    spec
}

// Guards the hard requirement that the payload is never held in memory. The
// measurement runs in a child process so that other tests (xz encoders use
// ~100 MiB per thread) cannot raise its peak.
#[test]
fn a_large_file_is_packaged_in_small_memory() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "streaming::large_file_in_this_process",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
}

#[test]
#[ignore = "run in its own process by a_large_file_is_packaged_in_small_memory"]
fn large_file_in_this_process() {
    const SIZE: u64 = 512 << 20;
    let dir = tempfile::tempdir().unwrap();
    let mut spec = big_spec(dir.path(), SIZE);
    // Uncompressed, so holding either the files or the payload in memory would show.
    spec.rpm.compression = Some("none".parse().unwrap());
    let progress = Recorder::default();
    let opts = WriteOptions {
        scratch_dir: dir.path(),
        threads: 2,
        progress: &progress,
    };
    let mut out = Counter(0);
    Rpm::write(&spec, &mut out, &opts).unwrap();
    assert!(out.0 > SIZE, "stored uncompressed: {} bytes", out.0);
    let peak_mib = peak_rss_kib() / 1024;
    eprintln!("peak RSS {peak_mib} MiB");
    assert!(
        peak_mib < 192,
        "peak RSS {peak_mib} MiB while packaging {} MiB",
        SIZE >> 20
    );

    let events = progress.events.into_inner().unwrap();
    assert_eq!(
        events[0],
        ("start big-1-1.noarch.rpm payload".to_owned(), SIZE + 6)
    );
    let advanced: u64 = events
        .iter()
        .filter(|(e, _)| e == "advance")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(advanced, SIZE + 6);
    assert_eq!(events.last().unwrap().0, "finish");
}

#[test]
fn files_of_4_gib_are_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let spec = big_spec(dir.path(), u64::from(u32::MAX));
    let opts = WriteOptions {
        scratch_dir: dir.path(),
        threads: 1,
        progress: &omnipack_core::NoProgress,
    };
    let mut out = Vec::new();
    let err = Rpm::write(&spec, &mut out, &opts).unwrap_err().to_string();
    assert!(
        err.contains("`/opt/big/big.bin` is 4294967295 bytes"),
        "{err}"
    );
    assert!(out.is_empty());
}
