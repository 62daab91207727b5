//! Errors of signing and key generation, each naming the key or package
//! file; [`SignError::hint`] says what to do.

use std::path::PathBuf;

/// What can go wrong loading a key, signing, or writing a new key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The file is not an armored OpenPGP secret key.
    #[error("`{path}` is not an armored OpenPGP secret key ({reason})")]
    NotASecretKey {
        /// The key file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The file holds no usable OpenPGP key.
    #[error("`{path}` is not an OpenPGP key ({reason})")]
    NotAKey {
        /// The key file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The file holds several keys and no fingerprint chose one.
    #[error("`{path}` holds {count} secret keys ({fingerprints})")]
    Ambiguous {
        /// The key file.
        path: PathBuf,
        /// How many keys.
        count: usize,
        /// Their primary fingerprints.
        fingerprints: String,
    },
    /// No key or subkey with the requested fingerprint.
    #[error("`{path}` has no key or subkey with fingerprint {wanted} (its keys are {available})")]
    NoSuchKey {
        /// The key file.
        path: PathBuf,
        /// The fingerprint asked for.
        wanted: String,
        /// The fingerprints present.
        available: String,
    },
    /// The requested (or every) key cannot make signatures.
    #[error("`{path}`: {what} cannot sign (no signing capability, revoked or expired)")]
    CannotSign {
        /// The key file.
        path: PathBuf,
        /// Which key.
        what: String,
    },
    /// The secret key material is passphrase-protected and no passphrase
    /// was given.
    #[error("`{path}`: key {fingerprint} is protected by a passphrase, and none was given")]
    Protected {
        /// The key file.
        path: PathBuf,
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// The passphrase does not unlock the key.
    #[error("`{path}`: the passphrase {from} does not unlock key {fingerprint}")]
    WrongPassphrase {
        /// The key file.
        path: PathBuf,
        /// The key's fingerprint.
        fingerprint: String,
        /// Where the passphrase came from.
        from: String,
    },
    /// The passphrase file cannot be read.
    #[error("cannot read the passphrase file `{path}`")]
    PassphraseFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The key is of a kind current clients reject.
    #[error("`{path}`: key {fingerprint} is refused: {reason}")]
    Policy {
        /// The key file.
        path: PathBuf,
        /// The signing (sub)key's fingerprint.
        fingerprint: String,
        /// Why, and which clients reject it.
        reason: String,
    },
    /// The OpenPGP implementation failed to sign or generate.
    #[error("OpenPGP {operation} with `{path}` failed: {reason}")]
    Pgp {
        /// What was being done.
        operation: &'static str,
        /// The key file (or output directory).
        path: PathBuf,
        /// The underlying error.
        reason: String,
    },
    /// The user id is not `Name <email>`.
    #[error("user id `{0}` must look like `Name <email@example.org>`")]
    BadUserId(String),
    /// A key file to be written already exists.
    #[error("`{0}` already exists, and a key file is never overwritten")]
    Exists(PathBuf),
    /// A file given to [`crate::sign_rpms`] is a .deb.
    #[error("`{path}` is a .deb: Debian packages are not signed one by one")]
    DebPackage {
        /// The file.
        path: PathBuf,
    },
    /// A file given to [`crate::sign_rpms`] is not an .rpm.
    #[error("`{path}` is not an .rpm package")]
    NotAnRpm {
        /// The file.
        path: PathBuf,
    },
    /// The RPM's headers cannot be read.
    #[error("cannot sign `{path}`: {reason}")]
    RpmHeader {
        /// The package.
        path: PathBuf,
        /// What the `rpm` crate said.
        reason: String,
    },
    /// The RPM's bytes do not match the digests it records: signing it would
    /// vouch for a damaged file.
    #[error("nothing was signed: {reason}")]
    Damaged {
        /// The package.
        path: PathBuf,
        /// Which digest does not match.
        reason: String,
    },
    /// The signature cannot be put in place in the RPM.
    #[error("cannot sign `{path}`: {reason}")]
    RpmSignature {
        /// The package.
        path: PathBuf,
        /// What the `rpm` crate said.
        reason: String,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl SignError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<String> {
        let h = match self {
            SignError::NotASecretKey { .. } => {
                "give the output of `gpg --export-secret-keys --armor KEYID` or `omnipack key generate`"
            }
            SignError::NotAKey { .. } => {
                "give a public key (`repo-key.public.asc` or `.gpg` from `omnipack key generate`, or `gpg --export --armor KEYID`)"
            }
            SignError::Ambiguous { .. } => "choose one by its fingerprint",
            SignError::NoSuchKey { .. } => {
                "`gpg --list-secret-keys --with-subkey-fingerprints` shows the fingerprints"
            }
            SignError::CannotSign { .. } => {
                "add a signing subkey with `gpg --quick-add-key FPR rsa3072 sign` or choose another"
            }
            SignError::Protected { .. } => {
                "give the passphrase with --passphrase-file FILE (or `sign-passphrase-file` in repo.toml) or the OMNIPACK_SIGN_PASSPHRASE environment variable; never on the command line"
            }
            SignError::WrongPassphrase { .. } => {
                "check the passphrase file (one line; a trailing newline is ignored) or OMNIPACK_SIGN_PASSPHRASE"
            }
            SignError::PassphraseFile { .. } => "give a readable file holding the passphrase",
            SignError::Policy { .. } => {
                "make a new key with `omnipack key generate` (RSA-3072, or --algorithm ed25519) and publish its public key to the clients"
            }
            SignError::Exists(_) => "remove it or choose another name",
            SignError::DebPackage { .. } => {
                "sign the repository instead (`omnipack repo index --sign-key`)"
            }
            SignError::RpmSignature { .. } => {
                "packages written by omnipack and rpmbuild reserve space for a signature, others may need `rpmsign --addsign`"
            }
            SignError::Pgp { .. }
            | SignError::BadUserId(_)
            | SignError::NotAnRpm { .. }
            | SignError::RpmHeader { .. }
            | SignError::Io(_) => return None,
            SignError::Damaged { .. } => {
                "download or build the package again (`rpm -K --nosignature FILE` shows the same)"
            }
        };
        Some(h.to_owned())
    }
}
