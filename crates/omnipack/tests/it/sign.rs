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

/// Makes a key with GnuPG in the private home `home` (`algo` as
/// `--quick-gen-key` takes it, `extra` options such as `--cert-digest-algo`)
/// and exports its secret key (armored, protected by `passphrase`), its
/// public keyring and its armored public key (`EMAIL.public.asc`, for
/// rpmkeys); returns (secret, keyring).
fn gpg_key(
    home: &Path,
    email: &str,
    algo: &str,
    passphrase: &str,
    extra: &[&str],
) -> (std::path::PathBuf, std::path::PathBuf) {
    fs::create_dir_all(home).unwrap();
    let mut perms = fs::metadata(home).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o700);
    fs::set_permissions(home, perms).unwrap();
    let gpg = |args: &[&str]| -> Vec<u8> {
        let o = Command::new("gpg")
            .arg("--homedir")
            .arg(home)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase"])
            .arg(passphrase)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "gpg {args:?}: {}", text(&o).1);
        o.stdout
    };
    let uid = format!("Test <{email}>");
    let mut gen_args: Vec<&str> = extra.to_vec();
    gen_args.extend(["--quick-gen-key", &uid, algo, "sign,cert", "never"]);
    gpg(&gen_args);
    let secret = home.join(format!("{email}.secret.asc"));
    fs::write(&secret, gpg(&["--armor", "--export-secret-keys", email])).unwrap();
    let keyring = home.join(format!("{email}.gpg"));
    fs::write(&keyring, gpg(&["--export", email])).unwrap();
    let armored = home.join(format!("{email}.public.asc"));
    fs::write(&armored, gpg(&["--armor", "--export", email])).unwrap();
    (secret, keyring)
}

/// gpgv accepts `DIR/repodata/repomd.xml.asc` with `keyring`.
fn gpgv_repomd(keyring: &Path, dir: &Path) {
    run_ok(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(keyring)
            .arg(dir.join("repodata/repomd.xml.asc"))
            .arg(dir.join("repodata/repomd.xml")),
    );
}

/// `rpmkeys -Kv RPM` in the private database `db` after importing `key`.
fn rpmkeys_kv(db: &Path, key: &Path, rpm: &str) -> String {
    fs::create_dir_all(db).unwrap();
    run_ok(
        Command::new("rpmkeys")
            .arg("--dbpath")
            .arg(db)
            .arg("--import")
            .arg(key),
    );
    text(&run_ok(
        Command::new("rpmkeys")
            .arg("--dbpath")
            .arg(db)
            .arg("-Kv")
            .arg(rpm),
    ))
    .0
}

/// `omnipack repo index DIR ARGS... ` with `env`: (exit code, stderr).
fn index_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut c = omnipack();
    c.args(["repo", "index"])
        .arg(dir)
        .args(args)
        .env("OMNIPACK_CACHE_DIR", dir.join(".cache"));
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (o.status.code().unwrap(), text(&o).1)
}

// Guards issue 17 item 4: a passphrase-protected key made by gpg signs
// through --passphrase-file, OMNIPACK_SIGN_PASSPHRASE or repo.toml's
// `sign-passphrase-file` (gpgv and rpmkeys accept the result); without one,
// or with a wrong one, the command fails naming the key and writes nothing.
#[test]
fn a_passphrase_protected_key_signs_through_a_file_or_the_environment() {
    if !require_tools(&["gpg", "gpgv", "rpmkeys"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (secret, keyring) = gpg_key(
        &t.path().join("gnupg"),
        "p@example.org",
        "rsa3072",
        "correct horse",
        &[],
    );
    let (pw, wrong) = (t.path().join("pw"), t.path().join("wrong"));
    fs::write(&pw, "correct horse\n").unwrap();
    fs::write(&wrong, "battery staple\n").unwrap();
    let dir = t.path().join("flat");
    fs::create_dir_all(&dir).unwrap();
    let rpm = package_rpm(&dir, "tool");
    let key = secret.to_str().unwrap();

    let (code, err) = index_with(&dir, &["--sign-key", key], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("protected by a passphrase") && err.contains("--passphrase-file"),
        "{err}"
    );
    let (code, err) = index_with(
        &dir,
        &[
            "--sign-key",
            key,
            "--passphrase-file",
            wrong.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("does not unlock") && err.contains(key),
        "{err}"
    );
    assert!(!dir.join("repodata").exists());

    let (code, err) = index_with(
        &dir,
        &["--sign-key", key, "--passphrase-file", pw.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    gpgv_repomd(&keyring, &dir);
    let (code, err) = index_with(
        &dir,
        &["--sign-key", key],
        &[("OMNIPACK_SIGN_PASSPHRASE", "correct horse")],
    );
    assert_eq!(code, 0, "{err}");
    gpgv_repomd(&keyring, &dir);

    // `omnipack sign` of an RPM, checked by rpmkeys with the public key.
    let o = omnipack()
        .args(["sign", &rpm, "--key", key, "--passphrase-file"])
        .arg(&pw)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let out = rpmkeys_kv(
        &t.path().join("rpmdb"),
        &t.path().join("gnupg/p@example.org.public.asc"),
        &rpm,
    );
    assert!(
        out.contains("Signature, key ID") && out.contains("OK"),
        "{out}"
    );

    // repo init stores the passphrase file; later commands need no flags.
    let repo = t.path().join("repo");
    let o = omnipack()
        .args(["repo", "init"])
        .arg(&repo)
        .args(["--sign-key", key, "--passphrase-file"])
        .arg(&pw)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let config = fs::read_to_string(repo.join(".omnipack/repo.toml")).unwrap();
    assert!(config.contains("sign-passphrase-file"), "{config}");
    let o = omnipack()
        .args(["repo", "add", "-d", "rocky-9"])
        .arg(&repo)
        .arg(&rpm)
        .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let leaf = repo.join("rocky-testing/9/x86_64/repodata");
    run_ok(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(&keyring)
            .arg(leaf.join("repomd.xml.asc"))
            .arg(leaf.join("repomd.xml")),
    );
}

// Guards issue 17 item 4: the key policy refuses what Debian 13's apt
// rejects (a DSA key, SHA-1 binding signatures), warns about RSA-2048, and
// `key generate --algorithm ed25519` makes a key that gpgv and rpmkeys
// verify.
#[test]
fn the_key_policy_refuses_what_clients_reject_and_ed25519_verifies() {
    if !require_tools(&["gpg", "gpgv", "rpmkeys"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join("gnupg");
    let dir = t.path().join("flat");
    fs::create_dir_all(&dir).unwrap();
    let rpm = package_rpm(&dir, "tool");
    let cases: [(&str, &str, &[&str], &str); 2] = [
        ("dsa@example.org", "dsa2048", &[], "DSA"),
        (
            "sha1@example.org",
            "rsa3072",
            &["--cert-digest-algo", "SHA1"],
            "SHA-1 self-signatures",
        ),
    ];
    for (email, algo, extra, why) in cases {
        let (secret, _) = gpg_key(&home, email, algo, "", extra);
        let (code, err) = index_with(&dir, &["--sign-key", secret.to_str().unwrap()], &[]);
        assert_eq!(code, 1, "{email}: {err}");
        assert!(err.contains("is refused") && err.contains(why), "{err}");
        assert!(!dir.join("repodata").exists());
    }
    let (secret, keyring) = gpg_key(&home, "rsa2048@example.org", "rsa2048", "", &[]);
    let (code, err) = index_with(&dir, &["--sign-key", secret.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning:") && err.contains("RSA-2048"),
        "{err}"
    );
    gpgv_repomd(&keyring, &dir);

    let o = omnipack()
        .args(["key", "generate", "--name", "Ed <ed@example.org>"])
        .args(["--algorithm", "ed25519", "--out"])
        .arg(t.path().join("ed"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let ed = t.path().join("ed");
    let (code, err) = index_with(
        &dir,
        &[
            "--sign-key",
            ed.join("repo-key.secret.asc").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning:"), "{err}");
    gpgv_repomd(&ed.join("repo-key.gpg"), &dir);
    let o = omnipack()
        .args(["sign", &rpm, "--key"])
        .arg(ed.join("repo-key.secret.asc"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let out = rpmkeys_kv(
        &t.path().join("rpmdb"),
        &ed.join("repo-key.public.asc"),
        &rpm,
    );
    assert!(out.contains("EdDSA") && out.contains("OK"), "{out}");
}
