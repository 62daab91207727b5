//! A repository's public key, read from any of the forms people have it in
//! (armored or binary public key, or the public part of an armored secret
//! key): for the `<vendor>-release` package ([`PublicKey`]) and for
//! checking the signatures a repository carries ([`Verifier`], what
//! `omnipack repo check` runs, the same check `gpgv` and dnf make: a
//! signature by the primary key or any subkey over the exact bytes).

use std::path::Path;

use fs_err as fs;
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, SignedPublicKey,
    SignedSecretKey,
};
use pgp::ser::Serialize;

use crate::SignError;
use crate::signer::fpr_hex;

/// A repository's public key in the two forms clients take: armored (rpm,
/// dnf's `gpgkey=`) and binary (an apt keyring for `Signed-By`).
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// ASCII-armored public key block.
    pub armored: String,
    /// The same, binary (what `gpg --export` writes).
    pub binary: Vec<u8>,
    /// Upper-case hex fingerprint of the primary key.
    pub fingerprint: String,
}

impl PublicKey {
    /// Reads an armored or binary public key, or the public part of an
    /// armored secret key.
    pub fn from_file(path: &Path) -> Result<PublicKey, SignError> {
        let public = read_public(path)?;
        let bad = |reason: String| SignError::NotAKey {
            path: path.to_path_buf(),
            reason,
        };
        let err = |e: pgp::errors::Error| bad(e.to_string());
        Ok(PublicKey {
            armored: public
                .to_armored_string(ArmorOptions::default())
                .map_err(err)?,
            binary: public.to_bytes().map_err(err)?,
            fingerprint: fpr_hex(&public.primary_key),
        })
    }
}

/// The public key in `path`: armored or binary public key, or the public
/// part of an armored secret key (locked or not: no secret is needed).
fn read_public(path: &Path) -> Result<SignedPublicKey, SignError> {
    let bytes = fs::read(path)?;
    let bad = |reason: String| SignError::NotAKey {
        path: path.to_path_buf(),
        reason,
    };
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned();
    Ok(if text.contains("BEGIN PGP PRIVATE KEY BLOCK") {
        let (secret, _) =
            SignedSecretKey::from_armor_single(&bytes[..]).map_err(|e| bad(e.to_string()))?;
        SignedPublicKey::from(secret)
    } else if text.contains("BEGIN PGP PUBLIC KEY BLOCK") {
        SignedPublicKey::from_armor_single(&bytes[..])
            .map_err(|e| bad(e.to_string()))?
            .0
    } else {
        SignedPublicKey::from_bytes(&bytes[..]).map_err(|e| bad(e.to_string()))?
    })
}

/// Checks signatures against one certificate: by its primary key or any
/// of its subkeys, as `gpgv` with that key as the keyring does.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: SignedPublicKey,
    /// Upper-case hex fingerprint of the primary key.
    pub fingerprint: String,
}

impl Verifier {
    /// The certificate in `path` (any form [`PublicKey::from_file`] reads).
    pub fn from_file(path: &Path) -> Result<Verifier, SignError> {
        let key = read_public(path)?;
        Ok(Verifier {
            fingerprint: fpr_hex(&key.primary_key),
            key,
        })
    }

    /// Whether one of `signatures` is by the primary key or a subkey, over `data`.
    fn any_verifies(&self, signatures: &[DetachedSignature], data: &[u8]) -> bool {
        signatures.iter().any(|sig| {
            sig.verify(&self.key, data).is_ok()
                || self
                    .key
                    .public_subkeys
                    .iter()
                    .any(|sub| sig.verify(sub, data).is_ok())
        })
    }

    /// Checks a detached signature (binary, apt's `Release.gpg`, or
    /// armored, yum's `repomd.xml.asc`) over `data`; `Err` says why not.
    pub fn verify_detached(&self, signature: &[u8], data: &[u8]) -> Result<(), String> {
        let armored = signature
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .is_some_and(|i| signature[i..].starts_with(b"-----BEGIN"));
        let parsed: Result<Vec<DetachedSignature>, _> = if armored {
            DetachedSignature::from_armor_many(signature)
                .and_then(|(sigs, _)| sigs.collect::<Result<Vec<_>, _>>())
        } else {
            DetachedSignature::from_bytes_many(signature).and_then(|s| s.collect())
        };
        let sigs = parsed.map_err(|e| format!("not an OpenPGP signature ({e})"))?;
        if sigs.is_empty() {
            return Err("holds no signature".into());
        }
        if self.any_verifies(&sigs, data) {
            Ok(())
        } else {
            Err(format!(
                "BAD signature: no signature by key {} matches the signed file",
                self.fingerprint
            ))
        }
    }

    /// Checks a clear-signed text (apt's `InRelease`) and returns the text
    /// it signs, with `\n` line ends; `Err` says why not.
    pub fn verify_cleartext(&self, text: &str) -> Result<String, String> {
        let (msg, _) = CleartextSignedMessage::from_string(text)
            .map_err(|e| format!("not a clear-signed message ({e})"))?;
        let ok = msg.verify(&self.key).is_ok()
            || self
                .key
                .public_subkeys
                .iter()
                .any(|sub| msg.verify(sub).is_ok());
        if ok {
            Ok(msg.signed_text().replace("\r\n", "\n"))
        } else {
            Err(format!(
                "BAD signature: no signature by key {} matches its text",
                self.fingerprint
            ))
        }
    }
}

/// The text a clear-signed message (apt's `InRelease`) carries, with `\n`
/// line ends, its signature not checked (no key to check it with).
pub fn cleartext_body(text: &str) -> Result<String, String> {
    let (msg, _) = CleartextSignedMessage::from_string(text)
        .map_err(|e| format!("not a clear-signed message ({e})"))?;
    Ok(msg.signed_text().replace("\r\n", "\n"))
}
