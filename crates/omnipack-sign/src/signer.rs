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
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Signature, SignatureType};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, Password, PublicParams, SigningKey};

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
    /// What unlocks a protected key (empty for an unprotected one).
    password: Password,
    /// What the key policy warns about (the command prints them).
    warnings: Vec<String>,
}

/// The environment variable a protected key's passphrase can come from.
pub const PASSPHRASE_ENV: &str = "OMNIPACK_SIGN_PASSPHRASE";

/// The first line of a passphrase file (its line end is not part of it).
fn read_passphrase(path: &Path) -> Result<String, SignError> {
    let text = fs::read_to_string(path).map_err(|e| SignError::PassphraseFile {
        path: path.to_path_buf(),
        source: e,
    })?;
    let line = text.split('\n').next().unwrap_or("");
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

/// The bit length of an RSA key's modulus: the header of the first MPI of
/// its serialized public parameters.
fn rsa_bits(params: &PublicParams) -> Option<u16> {
    let bytes = params.to_bytes().ok()?;
    Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
}

/// Whether the newest of `sigs` was made with SHA-1.
fn newest_is_sha1(sigs: &[&Signature]) -> bool {
    sigs.iter()
        .max_by_key(|s| s.created().map(|t| t.as_secs()).unwrap_or(0))
        .is_some_and(|s| s.hash_alg() == Some(HashAlgorithm::Sha1))
}

/// What current clients reject in the signing key (refused) and what they
/// still take but should not be chosen for a new key (warned), after
/// Debian 13's apt, which verifies with sqv under the policy of
/// `/usr/share/apt/default-sequoia.config` (checked in a Debian 13 root):
/// * DSA: rejected since 2024-02-01 (and by EL9's rpm);
/// * RSA below 2048 bits: rejected; RSA-2048: accepted until 2030-02-01,
///   so warned;
/// * SHA-1 binding signatures (the user ids' self-signatures, a signing
///   subkey's binding): rejected since 2026-02-01 (sqv: "SHA1 is not
///   considered secure").
fn policy(key: &SignedSecretKey, which: Which) -> (Vec<String>, Vec<String>) {
    let (mut refuse, mut warn) = (Vec::new(), Vec::new());
    let params = match which {
        Which::Primary => key.primary_key.public_params(),
        Which::Subkey(i) => key.secret_subkeys[i].key.public_params(),
    };
    match params {
        PublicParams::DSA(_) => refuse.push(
            "it is a DSA key, which Debian 13's apt rejects since 2024-02-01 (its sqv policy), as does rpm on EL9".to_owned(),
        ),
        PublicParams::RSA(_) => match rsa_bits(params) {
            Some(bits) if bits < 2048 => refuse.push(format!(
                "it is RSA-{bits}; Debian 13's apt and rpm on EL9 reject RSA keys below 2048 bits"
            )),
            Some(bits) if bits < 3072 => warn.push(format!(
                "key {} is RSA-{bits}: Debian 13's apt accepts it only until 2030-02-01 (its sqv policy); move to RSA-3072 or Ed25519 (`omnipack key generate`) before then",
                match which {
                    Which::Primary => fpr_hex(&key.primary_key),
                    Which::Subkey(i) => fpr_hex(&key.secret_subkeys[i].key),
                }
            )),
            _ => {}
        },
        _ => {}
    }
    let mut uid_bound = false;
    let mut uid_sha1 = false;
    for user in &key.details.users {
        let sigs: Vec<&Signature> = user.signatures.iter().collect();
        if sigs.is_empty() {
            continue;
        }
        if newest_is_sha1(&sigs) {
            uid_sha1 = true;
        } else {
            uid_bound = true;
        }
    }
    if uid_sha1 && !uid_bound {
        refuse.push(
            "its user ids are bound by SHA-1 self-signatures, which Debian 13's apt rejects since 2026-02-01 (its sqv policy: \"SHA1 is not considered secure\"); `gpg --quick-set-expire FPR 0` re-signs them with SHA-256 or better, then export the key again".to_owned(),
        );
    }
    if let Which::Subkey(i) = which {
        let sigs: Vec<&Signature> = key.secret_subkeys[i].signatures.iter().collect();
        if newest_is_sha1(&sigs) {
            refuse.push(
                "its signing subkey is bound by a SHA-1 signature, which Debian 13's apt rejects since 2026-02-01 (its sqv policy); `gpg --quick-set-expire FPR 0 '*'` re-signs the subkey bindings, then export the key again".to_owned(),
            );
        }
    }
    (refuse, warn)
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
    /// A passphrase-protected key is unlocked with [`PASSPHRASE_ENV`].
    pub fn from_armored_file(path: &Path, subkey: Option<&str>) -> Result<Signer, SignError> {
        Signer::load(path, subkey, None)
    }

    /// [`Signer::from_armored_file`], a protected key unlocked with the first
    /// line of `passphrase_file` if given, else with the
    /// [`PASSPHRASE_ENV`] variable; then the key policy is applied: what
    /// current clients reject is refused, the rest of its findings are
    /// [`Signer::warnings`].
    pub fn load(
        path: &Path,
        subkey: Option<&str>,
        passphrase_file: Option<&Path>,
    ) -> Result<Signer, SignError> {
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
        let mut signer = Signer {
            key,
            which,
            path: path.to_path_buf(),
            password: Password::empty(),
            warnings: Vec::new(),
        };
        let encrypted = match signer.which {
            Which::Primary => signer.key.primary_key.secret_params().is_encrypted(),
            Which::Subkey(i) => signer.key.secret_subkeys[i]
                .key
                .secret_params()
                .is_encrypted(),
        };
        if encrypted {
            let (passphrase, from) = match passphrase_file {
                Some(file) => (read_passphrase(file)?, format!("in `{}`", file.display())),
                None => match std::env::var(PASSPHRASE_ENV) {
                    Ok(p) => (p, format!("in {PASSPHRASE_ENV}")),
                    Err(_) => {
                        return Err(SignError::Protected {
                            path: signer.path.clone(),
                            fingerprint: signer.fingerprint(),
                        });
                    }
                },
            };
            signer.password = Password::from(passphrase);
            let unlocked = match signer.which {
                Which::Primary => signer
                    .key
                    .primary_key
                    .unlock(&signer.password, |_, _| Ok(())),
                Which::Subkey(i) => signer.key.secret_subkeys[i]
                    .key
                    .unlock(&signer.password, |_, _| Ok(())),
            };
            if !matches!(unlocked, Ok(Ok(()))) {
                return Err(SignError::WrongPassphrase {
                    path: signer.path.clone(),
                    fingerprint: signer.fingerprint(),
                    from,
                });
            }
        }
        let (refuse, warn) = policy(&signer.key, signer.which);
        if let Some(reason) = refuse.into_iter().next() {
            return Err(SignError::Policy {
                path: signer.path.clone(),
                fingerprint: signer.fingerprint(),
                reason,
            });
        }
        signer.warnings = warn;
        Ok(signer)
    }

    /// What the key policy found that clients still accept (an RSA key
    /// below 3072 bits): for the command to print.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
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
        let msg = CleartextSignedMessage::sign(rand::thread_rng(), text, &key, &self.password)
            .map_err(self.pgp_err("clear-signing"))?;
        msg.to_armored_string(ArmorOptions::default())
            .map_err(self.pgp_err("clear-signing"))
    }

    fn detached(&self, data: &[u8]) -> Result<DetachedSignature, SignError> {
        let key = self.signing_key();
        let hash = key.hash_alg();
        DetachedSignature::sign_binary_data(rand::thread_rng(), &key, &self.password, hash, data)
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
