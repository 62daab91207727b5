//! `omnipack key generate`: a new key pair, RSA-3072 by default, which
//! every client omnipack targets verifies (GnuPG's `gpgv` on any
//! Debian/Ubuntu, rpm 4.11 on EL7 that knows no EdDSA, rpm 4.18); Ed25519
//! (legacy EdDSA, algorithm 22, the form GnuPG 2.2 reads) with
//! [`generate_with`]. Each file is created new with its final mode, never
//! replacing one: an existing key is never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use fs_err as fs;
use fs_err::os::unix::fs::OpenOptionsExt;
use pgp::composed::{ArmorOptions, KeyType, SecretKeyParamsBuilder, SignedPublicKey};
use pgp::ser::Serialize;

use crate::SignError;
use crate::signer::fpr_hex;

/// The files of a key pair made by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedKey {
    /// `<stem>.secret.asc`, mode 0600: give it to `--sign-key`.
    pub secret: PathBuf,
    /// `<stem>.public.asc`: for `rpmkeys --import`, dnf's `gpgkey=`, people.
    pub public_armored: PathBuf,
    /// `<stem>.gpg`: a binary keyring for apt's `signed-by=`.
    pub keyring: PathBuf,
    /// Upper-case hex fingerprint of the key.
    pub fingerprint: String,
}

/// The public-key algorithm of a new key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA, 3072 bits: verified by every client, including EL7's rpm 4.11.
    #[default]
    Rsa3072,
    /// Ed25519 in the legacy EdDSA form (RFC 4880bis algorithm 22) that
    /// GnuPG 2.2 and rpm ≥ 4.16 read; smaller and faster, not for EL7.
    Ed25519,
}

/// `omnipack key generate`: a new RSA-3072 key pair whose primary key
/// certifies and signs, user id `name_email`, written to `dir` as
/// `<stem>.secret.asc` (mode 0600), `<stem>.public.asc` and `<stem>.gpg`.
pub fn generate(name_email: &str, dir: &Path, stem: &str) -> Result<GeneratedKey, SignError> {
    generate_with(name_email, dir, stem, KeyAlgorithm::default())
}

/// [`generate`] with a chosen algorithm.
pub fn generate_with(
    name_email: &str,
    dir: &Path,
    stem: &str,
    algorithm: KeyAlgorithm,
) -> Result<GeneratedKey, SignError> {
    let uid = name_email.trim();
    let well_formed = uid.split_once(" <").is_some_and(|(name, rest)| {
        !name.trim().is_empty() && rest.ends_with('>') && rest.contains('@')
    });
    if !well_formed || uid.contains('\n') {
        return Err(SignError::BadUserId(name_email.to_owned()));
    }
    let files = GeneratedKey {
        secret: dir.join(format!("{stem}.secret.asc")),
        public_armored: dir.join(format!("{stem}.public.asc")),
        keyring: dir.join(format!("{stem}.gpg")),
        fingerprint: String::new(),
    };
    for p in [&files.secret, &files.public_armored, &files.keyring] {
        if p.exists() {
            return Err(SignError::Exists(p.clone()));
        }
    }
    let pgp_err = |operation: &'static str| {
        move |e: pgp::errors::Error| SignError::Pgp {
            operation,
            path: dir.to_path_buf(),
            reason: e.to_string(),
        }
    };
    let key_type = match algorithm {
        KeyAlgorithm::Rsa3072 => KeyType::Rsa(3072),
        KeyAlgorithm::Ed25519 => KeyType::Ed25519Legacy,
    };
    let params = SecretKeyParamsBuilder::default()
        .key_type(key_type)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(uid.to_owned())
        .build()
        .map_err(|e| SignError::Pgp {
            operation: "key generation",
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
    let secret = params
        .generate(rand::thread_rng())
        .map_err(pgp_err("key generation"))?;
    let public = SignedPublicKey::from(secret.clone());
    let secret_asc = secret
        .to_armored_string(ArmorOptions::default())
        .map_err(pgp_err("secret key export"))?;
    let public_asc = public
        .to_armored_string(ArmorOptions::default())
        .map_err(pgp_err("public key export"))?;
    let keyring = public.to_bytes().map_err(pgp_err("public key export"))?;

    fs::create_dir_all(dir)?;
    write_new(&files.secret, secret_asc.as_bytes(), 0o600)?;
    write_new(&files.public_armored, public_asc.as_bytes(), 0o644)?;
    write_new(&files.keyring, &keyring, 0o644)?;
    Ok(GeneratedKey {
        fingerprint: fpr_hex(&secret.primary_key),
        ..files
    })
}

/// Creates `path` (never replacing a file) with `mode` from the start, so a
/// secret key is never readable by others even for a moment.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), SignError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                SignError::Exists(path.to_path_buf())
            } else {
                SignError::Io(e)
            }
        })?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Signer;
    use pgp::composed::{CleartextSignedMessage, Deserializable, DetachedSignature};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_ed25519_key_loads_and_signs_verifiably() {
        let t = tempfile::tempdir().unwrap();
        let g = generate_with(
            "Repo Tests <repo@example.org>",
            t.path(),
            "k",
            KeyAlgorithm::Ed25519,
        )
        .unwrap();
        assert_eq!(g.fingerprint.len(), 40);
        let mode = fs::metadata(&g.secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let s = Signer::from_armored_file(&g.secret, None).unwrap();
        assert_eq!(s.fingerprint(), g.fingerprint);
        // By fingerprint, lower case with spaces, and by long key id.
        let spaced = g
            .fingerprint
            .to_lowercase()
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            Signer::from_armored_file(&g.secret, Some(&spaced))
                .unwrap()
                .fingerprint(),
            g.fingerprint
        );
        assert!(Signer::from_armored_file(&g.secret, Some(&g.fingerprint[24..])).is_ok());
        assert!(matches!(
            Signer::from_armored_file(&g.secret, Some("0000000000000000")),
            Err(SignError::NoSuchKey { .. })
        ));

        let public = SignedPublicKey::from_armor_single(fs::File::open(&g.public_armored).unwrap())
            .unwrap()
            .0;
        let sig = s.detach(b"hello\n").unwrap();
        let sig = DetachedSignature::from_bytes(&sig[..]).unwrap();
        sig.verify(&public, b"hello\n").unwrap();
        assert!(sig.verify(&public, b"hellO\n").is_err());
        let armored = s.detach_armored(b"x").unwrap();
        assert!(
            armored.starts_with("-----BEGIN PGP SIGNATURE-----"),
            "{armored}"
        );
        let clear = s.clearsign("Origin: x\nLabel: y\n").unwrap();
        let (msg, _) = CleartextSignedMessage::from_string(&clear).unwrap();
        msg.verify(&public).unwrap();
        assert!(format!("{s:?}").contains(&g.fingerprint));
    }

    #[test]
    fn existing_files_are_never_overwritten_and_user_ids_are_checked() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("k.gpg"), b"keep").unwrap();
        assert!(matches!(
            generate_with("A <a@example.org>", t.path(), "k", KeyAlgorithm::Ed25519),
            Err(SignError::Exists(_))
        ));
        assert_eq!(fs::read(t.path().join("k.gpg")).unwrap(), b"keep");
        assert!(matches!(
            generate("no email", t.path(), "x"),
            Err(SignError::BadUserId(_))
        ));
    }
}
