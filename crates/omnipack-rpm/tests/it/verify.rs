//! `rpm -Kv` accepts our digests for every payload codec; `rpmlint` finds no
//! errors beyond the ones the fixture causes on purpose (`tests/rpmlint.toml`).

use std::path::Path;
use std::process::Command;

use omnipack_test_support::{require_tools, run_ok};

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
