//! The same spec gives the same bytes: from another copy of the tree with
//! other mtimes, into another scratch directory, with any thread count.

use std::process::Command;

use fs_err as fs;
use omnipack_test_support::run_ok;

use crate::common::*;

#[test]
fn same_spec_same_bytes_from_any_copy_and_thread_count() {
    for codec in ["xz", "zstd", "gzip"] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let mut spec_a = sample_spec(&a.path().join("tree"));
        // The second copy lives elsewhere, with other mtimes on every entry.
        let mut spec_b = sample_spec(&b.path().join("somewhere/else"));
        run_ok(Command::new("find").arg(b.path()).args([
            "-exec",
            "touch",
            "-h",
            "-d",
            "@1234567890",
            "{}",
            "+",
        ]));
        spec_a.rpm.compression = Some(codec.parse().unwrap());
        spec_b.rpm.compression = Some(codec.parse().unwrap());

        let one = write_with(&spec_a, a.path(), 1);
        let two = write_with(&spec_b, b.path(), 2);
        let out_c = b.path().join("c");
        fs::create_dir(&out_c).unwrap();
        let four = write_with(&spec_b, &out_c, 4);
        let h = sha256_file(&one);
        assert_eq!(h, sha256_file(&two), "{codec}: other copy, 2 threads");
        assert_eq!(h, sha256_file(&four), "{codec}: 4 threads");
    }
}

// Guards against leaking the build time, host or temp names into the package.
#[test]
fn a_later_build_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let spec = sample_spec(&dir.path().join("tree"));
    let first = write(&spec, dir.path());
    let first_hash = sha256_file(&first);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = dir.path().join("again");
    fs::create_dir(&again).unwrap();
    assert_eq!(first_hash, sha256_file(&write(&spec, &again)));
}
