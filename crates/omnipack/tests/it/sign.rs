//! `omnipack key generate` and `omnipack sign`, checked by rpmkeys and rpm -K.

use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use crate::support::{omnipack, text};

/// `omnipack key generate` into `dir/keys`; returns that directory.
fn generate_key(dir: &Path) -> std::path::PathBuf {
    let keys = dir.join("keys");
    let o = omnipack()
        .args([
            "key",
            "generate",
            "--name",
            "Repo Signing <repo@example.org>",
            "--out",
        ])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    keys
}

/// An .rpm `NAME` 1.0 holding `/opt/NAME/README`, written into `dir`; its path.
fn package_rpm(dir: &Path, name: &str) -> String {
    let stage = dir.join("stage").join("opt").join(name);
    fs::create_dir_all(&stage).unwrap();
    fs::write(stage.join("README"), format!("{name}\n")).unwrap();
    let o = omnipack()
        .args([
            "package",
            "--quiet",
            "-n",
            name,
            "-v",
            "1.0",
            "--summary",
            "s",
        ])
        .args(["-m", "T <t@example.org>", "-f", "rpm", "--from-dir"])
        .arg(dir.join("stage"))
        .arg("--out")
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    text(&o).0.trim().to_owned()
}

#[test]
fn signed_rpms_verify_with_rpm_k_after_importing_the_key() {
    if !require_tools(&["rpm", "rpmkeys"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let keys = generate_key(t.path());
    let rpm = package_rpm(t.path(), "signed");
    let size = fs::metadata(&rpm).unwrap().len();
    let o = omnipack()
        .arg("sign")
        .arg(&rpm)
        .arg("--key")
        .arg(keys.join("repo-key.secret.asc"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(
        fs::metadata(&rpm).unwrap().len(),
        size,
        "signed in the reserved space"
    );

    let db = t.path().join("rpmdb");
    fs::create_dir_all(&db).unwrap();
    let dbpath = format!("_dbpath {}", db.display());
    let check = |rpm: &str| -> (bool, String) {
        let o = Command::new("rpm")
            .args(["--define", &dbpath, "-Kv", rpm])
            .output()
            .unwrap();
        (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let (ok, out) = check(&rpm);
    assert!(
        !ok && out.contains("NOKEY"),
        "without the key rpm -K must fail:\n{out}"
    );
    run_ok(
        Command::new("rpmkeys")
            .args(["--define", &dbpath, "--import"])
            .arg(keys.join("repo-key.public.asc")),
    );
    let (ok, out) = check(&rpm);
    assert!(ok, "{out}");
    assert!(
        out.contains("Header V4 RSA/SHA")
            && out.contains("Signature, key ID")
            && out.contains(": OK"),
        "{out}"
    );
    assert!(!out.contains("BAD"), "{out}");
}

#[test]
fn signing_a_deb_explains_what_to_do_instead() {
    let t = tempfile::tempdir().unwrap();
    let keys = t.path().join("keys");
    assert!(
        omnipack()
            .args(["key", "generate", "--name", "K <k@example.org>", "--out"])
            .arg(&keys)
            .output()
            .unwrap()
            .status
            .success()
    );
    let deb = t.path().join("x.deb");
    fs::write(&deb, b"!<arch>\n").unwrap();
    let o = omnipack()
        .arg("sign")
        .arg(&deb)
        .arg("--key")
        .arg(keys.join("repo-key.secret.asc"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("sign the repository"), "{}", text(&o).1);
    assert!(Path::new(&deb).exists());
}

/// A damaged RPM (a main-header entry pointing past the data store, as
/// issue 21's sweep found) is refused by `omnipack sign` naming the file:
/// the header is checked before the `rpm` crate parses it, so no panic, and
/// the file is left as it was.
#[test]
fn signing_a_damaged_rpm_is_an_error_naming_it() {
    let t = tempfile::tempdir().unwrap();
    let keys = generate_key(t.path());
    let rpm = package_rpm(t.path(), "d");
    let mut bytes = fs::read(&rpm).unwrap();
    // Lead (96 bytes), then the signature header: magic (8), entry count
    // (4), store size (4), entries (16 each), store, padded to 8.
    let be = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let sig = 96;
    let sig_len = 16 + be(&bytes, sig + 8) * 16 + be(&bytes, sig + 12);
    let main = sig + sig_len.div_ceil(8) * 8;
    assert_eq!(&bytes[main..main + 3], b"\x8e\xad\xe8", "main header magic");
    // The first entry's offset (tag, type, offset, count), past the store.
    bytes[main + 16 + 8..main + 16 + 12].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
    fs::write(&rpm, &bytes).unwrap();
    let o = omnipack()
        .arg("sign")
        .arg(&rpm)
        .arg("--key")
        .arg(keys.join("repo-key.secret.asc"))
        .output()
        .unwrap();
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&rpm) && !err.contains("panicked"), "{err}");
    assert!(err.contains("past the data store"), "{err}");
    assert_eq!(
        fs::read(&rpm).unwrap(),
        bytes,
        "the damaged file was changed"
    );
}
