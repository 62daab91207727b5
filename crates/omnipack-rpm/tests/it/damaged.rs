//! Damaged packages are errors naming the file, never a panic or an abort
//! (issue 21): our package with an entry offset past the data store, a
//! string-array count of 0x7f00000b, an index count larger than the file, cut
//! at every length, and a few thousand random mutations of its headers, the
//! sweep also run under a 1 GiB address-space limit (`prlimit --as`).

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_archive::PackageFormat;
use omnipack_rpm::{Rpm, RpmError, read_with_metadata_from};
use omnipack_test_support::require_tools;

use crate::common::build_sample;

/// Where a package's two header structures lie.
struct Headers {
    /// Offset of the signature header.
    sig: usize,
    /// Offset of the main header, its entry count and data size.
    main: usize,
    main_entries: usize,
    main_store: usize,
    /// Where the main header ends (the payload starts).
    end: usize,
}

fn be(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn put(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn headers(b: &[u8]) -> Headers {
    let sig = 96;
    let sig_end = sig + 16 + 16 * be(b, sig + 8) + be(b, sig + 12);
    let main = sig_end.next_multiple_of(8);
    let (main_entries, main_store) = (be(b, main + 8), be(b, main + 12));
    Headers {
        sig,
        main,
        main_entries,
        main_store,
        end: main + 16 + 16 * main_entries + main_store,
    }
}

/// Offset of main-header entry `i`.
fn entry(h: &Headers, i: usize) -> usize {
    h.main + 16 + 16 * i
}

/// Reads `bytes` as the package `path`, as an index scan does (from memory).
fn read(bytes: &[u8], path: &Path) -> Result<(), RpmError> {
    read_with_metadata_from(&mut Cursor::new(bytes), bytes.len() as u64, path).map(|_| ())
}

/// Writes `bytes` next to `like` and reads it as `inspect` does.
fn read_file(bytes: &[u8], like: &Path) -> (std::path::PathBuf, RpmError) {
    let path = like.with_file_name("damaged.rpm");
    fs::write(&path, bytes).unwrap();
    let err = Rpm::read(&path).expect_err("a damaged package must not read");
    (path, err)
}

/// An error from our checks, not a caught panic of the `rpm` crate.
fn assert_checked(err: &RpmError, path: &Path) {
    let text = err.to_string();
    assert!(
        text.contains(&format!("`{}`", path.display())),
        "the error does not name the file: {text}"
    );
    assert!(
        !text.contains("made the RPM parser fail"),
        "the rpm crate panicked on a header our check let through: {text}"
    );
}

#[test]
fn an_entry_offset_past_the_store_is_refused() {
    let b = build_sample(None);
    let mut bytes = fs::read(&b.rpm).unwrap();
    let h = headers(&bytes);
    assert!(h.main_entries > 12);
    put(&mut bytes, entry(&h, 12) + 8, 29305);
    let tag = be(&bytes, entry(&h, 12));
    let (path, err) = read_file(&bytes, &b.rpm);
    assert_checked(&err, &path);
    assert!(matches!(err, RpmError::Corrupt { .. }), "{err:?}");
    let want = format!(
        "main header entry 12 (tag {tag}) points past the data store: offset 29305, store {} bytes",
        h.main_store
    );
    assert!(err.to_string().contains(&want), "{err}");
}

#[test]
fn a_huge_string_array_count_is_refused_without_allocating() {
    let b = build_sample(None);
    let mut bytes = fs::read(&b.rpm).unwrap();
    let h = headers(&bytes);
    let i = (0..h.main_entries)
        .find(|&i| be(&bytes, entry(&h, i) + 4) == 8)
        .expect("a STRING_ARRAY entry");
    put(&mut bytes, entry(&h, i) + 12, 0x7f00_000b);
    let (path, err) = read_file(&bytes, &b.rpm);
    assert_checked(&err, &path);
    assert!(
        err.to_string().contains("claims 2130706443 strings"),
        "{err}"
    );
}

#[test]
fn index_counts_larger_than_the_file_are_refused() {
    let b = build_sample(None);
    let good = fs::read(&b.rpm).unwrap();
    let h = headers(&good);

    let mut bytes = good.clone();
    put(&mut bytes, h.main + 8, 0xfff0);
    let (path, err) = read_file(&bytes, &b.rpm);
    assert_checked(&err, &path);
    assert!(matches!(err, RpmError::Truncated { .. }), "{err:?}");

    let mut bytes = good.clone();
    put(&mut bytes, h.sig + 8, 0x7f00_0000);
    let (path, err) = read_file(&bytes, &b.rpm);
    assert_checked(&err, &path);
    assert!(err.to_string().contains("where rpm reads 1 to 32"), "{err}");

    let mut bytes = good;
    put(&mut bytes, h.main + 12, u32::MAX);
    let (path, err) = read_file(&bytes, &b.rpm);
    assert_checked(&err, &path);
    assert!(err.to_string().contains("rpm's limit"), "{err}");
}

#[test]
fn a_package_cut_at_any_length_is_refused() {
    let b = build_sample(None);
    let bytes = fs::read(&b.rpm).unwrap();
    let h = headers(&bytes);
    let cuts = (0..h.end + 64).chain((h.end + 64..bytes.len()).step_by(101));
    for cut in cuts.filter(|&c| c < bytes.len()) {
        let err = read(&bytes[..cut], &b.rpm).expect_err(&format!("cut at {cut}"));
        assert_checked(&err, &b.rpm);
    }
    read(&bytes, &b.rpm).unwrap();
}

/// A fixed-seed xorshift64: the same mutants on every run, no crate needed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How many mutants the sweep reads.
const MUTANTS: usize = 4000;

/// Random byte and bit flips over the lead and both headers, and random or
/// boundary values written over index words (tag, type, offset, count, the
/// preamble's counts): each mutant reads or is refused by our checks.
#[test]
fn mutation_sweep_of_the_headers_never_panics() {
    let b = build_sample(None);
    let good = fs::read(&b.rpm).unwrap();
    let h = headers(&good);
    let mut rng = XorShift(0x2100_5eed_0b5e_55ed);
    let (mut refused, mut read_ok) = (0usize, 0usize);
    for n in 0..MUTANTS {
        let mut bytes = good.clone();
        for _ in 0..1 + rng.below(4) {
            match rng.below(4) {
                0 => {
                    let at = rng.below(h.end);
                    bytes[at] ^= 1 << rng.below(8);
                }
                1 => {
                    let at = rng.below(h.end);
                    bytes[at] = rng.next() as u8;
                }
                _ => {
                    // A word of the index or a preamble, of either header.
                    let (start, entries) = if rng.below(3) == 0 {
                        (h.sig, be(&good, h.sig + 8))
                    } else {
                        (h.main, h.main_entries)
                    };
                    let words = 4 + 4 * entries;
                    let at = start + 4 * rng.below(words);
                    let store = be(&good, start + 12) as u32;
                    let v = match rng.below(8) {
                        0 => 0,
                        1 => u32::MAX,
                        2 => 0x7f00_000b,
                        3 => store,
                        4 => store.wrapping_sub(1),
                        5 => rng.below(16) as u32,
                        6 => be(&good, at) as u32 ^ (1 << rng.below(32)),
                        _ => rng.next() as u32,
                    };
                    put(&mut bytes, at, v);
                }
            }
        }
        match read(&bytes, &b.rpm) {
            Ok(()) => read_ok += 1,
            Err(e) => {
                refused += 1;
                let text = e.to_string();
                assert!(
                    !text.contains("made the RPM parser fail"),
                    "mutant {n}: the rpm crate panicked: {text}"
                );
            }
        }
    }
    eprintln!("{MUTANTS} mutants: {refused} refused, {read_ok} read");
    assert!(refused > MUTANTS / 2, "{refused} refused");
}

/// The sweep again in a child process limited to 1 GiB of address space: a
/// huge allocation would abort it (SIGABRT) rather than fail a test.
#[test]
fn mutation_sweep_holds_under_a_memory_limit() {
    if !require_tools(&["prlimit"]) {
        return;
    }
    let me = std::env::current_exe().unwrap();
    let out = Command::new("prlimit")
        .arg("--as=1073741824")
        .arg("--")
        .arg(&me)
        .args([
            "--exact",
            "damaged::mutation_sweep_of_the_headers_never_panics",
            "damaged::a_huge_string_array_count_is_refused_without_allocating",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("2 passed"),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
