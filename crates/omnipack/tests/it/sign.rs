//! `omnipack key generate` and `omnipack sign`, checked by rpmkeys and rpm -K.

use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use crate::support::{omnipack, text};

#[test]
fn signed_rpms_verify_with_rpm_k_after_importing_the_key() {
    if !require_tools(&["rpm", "rpmkeys"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let keys = t.path().join("keys");
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
    let stage = t.path().join("stage/opt/signed");
    fs::create_dir_all(&stage).unwrap();
    fs::write(stage.join("README"), "signed\n").unwrap();
    let o = omnipack()
        .args([
            "package",
            "--quiet",
            "-n",
            "signed",
            "-v",
            "1.0",
            "--summary",
            "s",
            "-m",
            "T <t@example.org>",
            "-f",
            "rpm",
            "--from-dir",
        ])
        .arg(t.path().join("stage"))
        .arg("--out")
        .arg(t.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let rpm = text(&o).0.trim().to_owned();
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
