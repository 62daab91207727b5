//! `rpm -Kv` accepts our digests for every payload codec; `rpmlint` finds no
//! errors beyond the ones the fixture causes on purpose (`tests/rpmlint.toml`).

use std::path::Path;
use std::process::Command;

use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_test_support::{require_tools, run_ok, run_ok_with_stdin, text_like};

use crate::common::*;

fn check_digests(rpm: &Path) {
    let out = run_ok(Command::new("rpm").arg("-Kv").arg(rpm));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    for ok in [
        "Header SHA256 digest: OK",
        "Header SHA1 digest: OK",
        "Payload SHA256 digest: OK",
    ] {
        assert!(text.contains(ok), "`{ok}` missing from rpm -Kv:\n{text}");
    }
    for bad in ["BAD", "NOT OK", "error", "warning"] {
        assert!(!text.contains(bad), "`{bad}` in rpm -Kv:\n{text}");
    }
}

#[test]
fn rpm_k_verifies_every_codec() {
    if !require_tools(&["rpm"]) {
        return;
    }
    for codec in ["gzip", "xz", "zstd", "none", "xz:1", "zstd:19", "gzip:1"] {
        let b = build_sample(Some(codec.parse().unwrap()));
        check_digests(&b.rpm);
        let compressor = rpm_q(
            &["-qp", "--qf", "%{PAYLOADCOMPRESSOR}/%{PAYLOADFLAGS}"],
            &b.rpm,
        );
        let expected = match codec {
            "gzip" => "gzip/9",
            "xz" => "xz/6",
            "zstd" => "zstd/19",
            "none" => "(none)/",
            "xz:1" => "xz/1",
            "zstd:19" => "zstd/19",
            _ => "gzip/1",
        };
        assert_eq!(compressor, expected, "{codec}");
    }
}

/// The compressed payload: what follows the lead, the signature header
/// (padded to 8 bytes) and the main header.
fn payload_of(rpm: &[u8]) -> &[u8] {
    let be = |at: usize| u32::from_be_bytes(rpm[at..at + 4].try_into().unwrap()) as usize;
    let header = (96 + 16 + 16 * be(96 + 8) + be(96 + 12)).next_multiple_of(8);
    &rpm[header + 16 + 16 * be(header + 8) + be(header + 12)..]
}

// Guards the parallel gzip payload: many 128 KiB blocks, the same bytes on
// 1, 2 and 4 threads, read by `gzip -t`, `rpm -K`, `rpm -qlp` and `rpm2cpio`.
#[test]
fn a_multi_block_gzip_payload_is_read_by_rpm_at_any_thread_count() {
    if !require_tools(&["rpm", "rpm2cpio", "cpio", "gzip"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let mut spec = sample_spec(&tree);
    let big = text_like(1_500_000);
    fs_err::write(tree.join("opt/hello/share/big.txt"), &big).unwrap();
    spec.files = scan_tree(&tree, &ScanOptions::default()).unwrap();
    spec.rpm.compression = Some("gzip:9".parse().unwrap());
    let mut built = Vec::new();
    for threads in [1, 2, 4] {
        let out = dir.path().join(format!("out-{threads}"));
        fs_err::create_dir(&out).unwrap();
        built.push(write_with(&spec, &out, threads));
    }
    let rpm = &built[0];
    for other in &built[1..] {
        assert_eq!(sha256_file(rpm), sha256_file(other), "{}", other.display());
    }
    check_digests(rpm);
    let bytes = fs_err::read(rpm).unwrap();
    let payload = payload_of(&bytes);
    assert!(
        payload.len() > 200_000,
        "{} bytes: one block only",
        payload.len()
    );
    run_ok_with_stdin(Command::new("gzip").arg("-t"), payload);
    let list = rpm_q(&["-qlp"], rpm);
    assert!(
        list.lines().any(|l| l == "/opt/hello/share/big.txt"),
        "{list}"
    );
    let got = run_ok(Command::new("sh").arg("-c").arg(format!(
        "rpm2cpio '{}' | cpio -i --quiet --to-stdout ./opt/hello/share/big.txt",
        rpm.display()
    )));
    assert!(got.stdout == big, "big.txt differs after rpm2cpio | cpio");
}

#[test]
fn signature_header_records_sizes_rpm_agrees_with() {
    if !require_tools(&["rpm", "rpm2cpio"]) {
        return;
    }
    let b = build_sample(None);
    let q = rpm_q(&["-qp", "--qf", "%{SIGSIZE} %{ARCHIVESIZE}"], &b.rpm);
    let (sigsize, archive) = q.split_once(' ').unwrap();
    // SIGSIZE is header + payload: what follows the lead and the padded signature header.
    let bytes = fs_err::read(&b.rpm).unwrap();
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let sig_end = 96 + 16 + 16 * be(96 + 8) + be(96 + 12);
    let header_start = sig_end.next_multiple_of(8);
    assert_eq!(sigsize, (bytes.len() - header_start).to_string());
    // ARCHIVESIZE is the uncompressed cpio archive, as rpm2cpio gives it back.
    let cpio = run_ok(
        Command::new("sh")
            .arg("-c")
            .arg(format!("rpm2cpio '{}' | wc -c", b.rpm.display())),
    );
    assert_eq!(archive, String::from_utf8_lossy(&cpio.stdout).trim());
}

#[test]
fn rpmlint_reports_no_errors() {
    if !require_tools(&["rpmlint"]) {
        return;
    }
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rpmlint.toml");
    for codec in [None, Some("zstd".parse().unwrap())] {
        let b = build_sample(codec);
        let out = Command::new("rpmlint")
            .arg("-c")
            .arg(&config)
            .arg(&b.rpm)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "rpmlint failed:\n{text}");
        assert!(text.contains(" 0 errors"), "{text}");
        assert!(!text.contains(": E: "), "{text}");
    }
}
