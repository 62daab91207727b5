//! A loaded secret key that signs: the (sub)key chosen by fingerprint, as
//! `gpg --local-user FPR!` does, or the primary key if it can sign, else the
//! first signing subkey; checked for capability, revocation and expiry.
//!
//! * apt: `InRelease` is `Release` in the Cleartext Signature Framework
//!   (RFC 9580 §7) and `Release.gpg` a binary detached signature over
//!   `Release` (<https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files>);
//!   apt verifies both with `gpgv` against the keyring named by `Signed-By`
//!   (sources.list(5)).
//! * yum: `repomd.xml.asc` is an ASCII-armored detached signature, checked by
//!   dnf with `repo_gpgcheck=1`.
//!
//! Keys come from an armored secret key file (`gpg --export-secret-keys
//! --armor`, or `omnipack key generate`).

use std::path::{Path, PathBuf};

use fs_err as fs;
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, SignedSecretKey,
};
use pgp::packet::{Signature, SignatureType};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, Password, SigningKey};

use crate::SignError;

/// Which key of the certificate signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Primary,
    Subkey(usize),
}

/// A loaded secret key ready to sign, with the (sub)key that signs chosen.
pub struct Signer {
    key: SignedSecretKey,
    which: Which,
    path: PathBuf,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secret material.
        f.debug_struct("Signer")
            .field("path", &self.path)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

/// Upper-case hex without spaces, as `gpg --with-colons` prints fingerprints.
pub(crate) fn fpr_hex(key: &impl KeyDetails) -> String {
    omnipack_core::hex(key.fingerprint().as_bytes()).to_ascii_uppercase()
}

/// Whether the newest of `sigs` (binding or self-signatures) grants signing
/// and neither a revocation nor an expiry took it away.
fn can_sign(created: u64, sigs: &[&Signature]) -> bool {
    if sigs.iter().any(|s| {
        matches!(
            s.typ(),
            Some(SignatureType::SubkeyRevocation | SignatureType::KeyRevocation)
        )
    }) {
        return false;
    }
    let newest = sigs
        .iter()
        .filter(|s| s.typ() != Some(SignatureType::CertRevocation))
        .max_by_key(|s| s.created().map(|t| t.as_secs()).unwrap_or(0));
    let Some(sig) = newest else { return false };
    if !sig.key_flags().sign() {
        return false;
    }
    match sig.key_expiration_time() {
        Some(d) if d.as_secs() > 0 => created + u64::from(d.as_secs()) > omnipack_core::time::now(),
        _ => true,
    }
}

fn primary_can_sign(key: &SignedSecretKey) -> bool {
    let sigs: Vec<&Signature> = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .chain(key.details.direct_signatures.iter())
        .collect();
    if !key.details.revocation_signatures.is_empty() {
        return false;
    }
    can_sign(u64::from(key.primary_key.created_at().as_secs()), &sigs)
}

fn subkey_can_sign(key: &SignedSecretKey, i: usize) -> bool {
    let sub = &key.secret_subkeys[i];
    let sigs: Vec<&Signature> = sub.signatures.iter().collect();
    primary_can_sign_or_certify(key) && can_sign(u64::from(sub.key.created_at().as_secs()), &sigs)
}

/// A subkey is only usable while its primary key is not revoked.
fn primary_can_sign_or_certify(key: &SignedSecretKey) -> bool {
    key.details.revocation_signatures.is_empty()
}

/// `0x`, spaces and case do not matter in a fingerprint given by a user.
fn normalize_fpr(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(&s);
    s.trim_end_matches('!').to_ascii_uppercase()
}

/// `wanted` names `fpr`: the whole fingerprint, or its long key id (last 16 digits).
fn fpr_matches(fpr: &str, wanted: &str) -> bool {
    wanted.len() >= 16 && fpr.ends_with(wanted)
}

impl Signer {
    /// Loads an armored secret key file (`gpg --export-secret-keys --armor`
    /// or ours). `subkey`: the fingerprint (hex, any case, spaces ignored; the
    /// long key id also works) of the (sub)key to sign with; by default the
    /// primary key if it can sign, else the first signing subkey.
    pub fn from_armored_file(path: &Path, subkey: Option<&str>) -> Result<Signer, SignError> {
        let bytes = fs::read(path)?;
        let not_secret = |reason: String| SignError::NotASecretKey {
            path: path.to_path_buf(),
            reason,
        };
        let keys: Vec<SignedSecretKey> = SignedSecretKey::from_armor_many(&bytes[..])
            .map_err(|e| not_secret(e.to_string()))?
            .0
            .collect::<Result<_, _>>()
            .map_err(|e| not_secret(e.to_string()))?;
        if keys.is_empty() {
            return Err(not_secret("no secret key in the file".into()));
        }
        let (key, which) = match subkey {
            Some(wanted) => {
                let wanted = normalize_fpr(wanted);
                let mut found = None;
                'keys: for (k, key) in keys.iter().enumerate() {
                    if fpr_matches(&fpr_hex(&key.primary_key), &wanted) {
                        found = Some((k, Which::Primary));
                        break;
                    }
                    for (i, sub) in key.secret_subkeys.iter().enumerate() {
                        if fpr_matches(&fpr_hex(&sub.key), &wanted) {
                            found = Some((k, Which::Subkey(i)));
                            break 'keys;
                        }
                    }
                }
                let Some((k, which)) = found else {
                    let available = keys
                        .iter()
                        .flat_map(|k| {
                            std::iter::once(fpr_hex(&k.primary_key))
                                .chain(k.secret_subkeys.iter().map(|s| fpr_hex(&s.key)))
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(SignError::NoSuchKey {
                        path: path.to_path_buf(),
                        wanted,
                        available,
                    });
                };
                let key = keys
                    .into_iter()
                    .nth(k)
                    .ok_or_else(|| not_secret("key vanished".into()))?;
                let ok = match which {
                    Which::Primary => primary_can_sign(&key),
                    Which::Subkey(i) => subkey_can_sign(&key, i),
                };
                if !ok {
                    return Err(SignError::CannotSign {
                        path: path.to_path_buf(),
                        what: format!("key {wanted}"),
                    });
                }
                (key, which)
            }
            None => {
                if keys.len() > 1 {
                    return Err(SignError::Ambiguous {
                        path: path.to_path_buf(),
                        count: keys.len(),
                        fingerprints: keys
                            .iter()
                            .map(|k| fpr_hex(&k.primary_key))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                let key = keys
                    .into_iter()
                    .next()
                    .ok_or_else(|| not_secret("no key".into()))?;
                let which = if primary_can_sign(&key) {
                    Which::Primary
                } else if let Some(i) =
                    (0..key.secret_subkeys.len()).find(|&i| subkey_can_sign(&key, i))
                {
                    Which::Subkey(i)
                } else {
                    return Err(SignError::CannotSign {
                        path: path.to_path_buf(),
                        what: format!("key {} and its subkeys", fpr_hex(&key.primary_key)),
                    });
                };
                (key, which)
            }
        };
        let signer = Signer {
            key,
            which,
            path: path.to_path_buf(),
        };
        let encrypted = match signer.which {
            Which::Primary => signer.key.primary_key.secret_params().is_encrypted(),
            Which::Subkey(i) => signer.key.secret_subkeys[i]
                .key
                .secret_params()
                .is_encrypted(),
        };
        if encrypted {
            return Err(SignError::Protected {
                path: signer.path.clone(),
                fingerprint: signer.fingerprint(),
            });
        }
        Ok(signer)
    }

    // `pgp` implements `SigningKey` for `Box<&dyn SigningKey>`, not for `&dyn SigningKey`.
    #[allow(clippy::redundant_allocation)]
    fn signing_key(&self) -> Box<&dyn SigningKey> {
        match self.which {
            Which::Primary => Box::new(&self.key.primary_key as &dyn SigningKey),
            Which::Subkey(i) => Box::new(&self.key.secret_subkeys[i].key as &dyn SigningKey),
        }
    }

    fn pgp_err(&self, operation: &'static str) -> impl Fn(pgp::errors::Error) -> SignError + '_ {
        move |e| SignError::Pgp {
            operation,
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    /// Upper-case hex fingerprint of the (sub)key that signs.
    pub fn fingerprint(&self) -> String {
        fpr_hex(&self.signing_key())
    }

    /// `text` in the Cleartext Signature Framework (apt's `InRelease`).
    pub fn clearsign(&self, text: &str) -> Result<String, SignError> {
        let key = self.signing_key();
        let msg = CleartextSignedMessage::sign(rand::thread_rng(), text, &key, &Password::empty())
            .map_err(self.pgp_err("clear-signing"))?;
        msg.to_armored_string(ArmorOptions::default())
            .map_err(self.pgp_err("clear-signing"))
    }

    fn detached(&self, data: &[u8]) -> Result<DetachedSignature, SignError> {
        let key = self.signing_key();
        let hash = key.hash_alg();
        DetachedSignature::sign_binary_data(
            rand::thread_rng(),
            &key,
            &Password::empty(),
            hash,
            data,
        )
        .map_err(self.pgp_err("signing"))
    }

    /// A binary detached signature over `data` (apt's `Release.gpg`).
    pub fn detach(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        self.detached(data)?
            .to_bytes()
            .map_err(self.pgp_err("signing"))
    }

    /// An ASCII-armored detached signature over `data` (yum's `repomd.xml.asc`).
    pub fn detach_armored(&self, data: &[u8]) -> Result<String, SignError> {
        self.detached(data)?
            .to_armored_string(ArmorOptions::default())
            .map_err(self.pgp_err("signing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_a_secret_key_is_reported_by_path() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("junk.asc");
        fs::write(&p, b"not a key").unwrap();
        let e = Signer::from_armored_file(&p, None).unwrap_err();
        assert!(matches!(e, SignError::NotASecretKey { .. }), "{e}");
        assert!(e.to_string().contains("junk.asc"), "{e}");
    }
}
