//! A repository's public key, read from any of the forms people have it in
//! (armored or binary public key, or the public part of an armored secret
//! key), for the `<vendor>-release` package.

use std::path::Path;

use fs_err as fs;
use pgp::composed::{ArmorOptions, Deserializable, SignedPublicKey, SignedSecretKey};
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
        let bytes = fs::read(path)?;
        let bad = |reason: String| SignError::NotAKey {
            path: path.to_path_buf(),
            reason,
        };
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned();
        let public = if text.contains("BEGIN PGP PRIVATE KEY BLOCK") {
            let (secret, _) =
                SignedSecretKey::from_armor_single(&bytes[..]).map_err(|e| bad(e.to_string()))?;
            SignedPublicKey::from(secret)
        } else if text.contains("BEGIN PGP PUBLIC KEY BLOCK") {
            SignedPublicKey::from_armor_single(&bytes[..])
                .map_err(|e| bad(e.to_string()))?
                .0
        } else {
            SignedPublicKey::from_bytes(&bytes[..]).map_err(|e| bad(e.to_string()))?
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
