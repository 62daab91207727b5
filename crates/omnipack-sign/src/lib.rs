//! OpenPGP signing, in-process with the `pgp` crate (rpgp, the
//! implementation the `rpm` crate signs packages with, so omnipack has one
//! OpenPGP implementation).
//!
//! * [`Signer`]: an armored secret key loaded and its signing (sub)key
//!   chosen; clear-signed text (apt's `InRelease`, RFC 9580 §7), binary and
//!   armored detached signatures (apt's `Release.gpg`, yum's
//!   `repomd.xml.asc`).
//! * [`PublicKey`]: a repository's public key in the forms clients take
//!   (armored for rpm/dnf, binary for apt's `Signed-By`); [`Verifier`]
//!   checks the signatures a repository carries against it.
//! * [`generate`]: `omnipack key generate`, a new key pair written without
//!   ever replacing a file.
//! * [`sign_rpms`]: `omnipack sign FILE.rpm`, an OpenPGP signature over an
//!   RPM's main header, put in place by the `rpm` crate.
//!
//! Errors are [`SignError`], each naming the key or package file, with a
//! [`SignError::hint`] saying what to do.

mod error;
mod generate;
mod public;
mod rpmsign;
mod signer;

pub use error::SignError;
pub use generate::{GeneratedKey, KeyAlgorithm, generate, generate_with};
pub use public::{PublicKey, Verifier, cleartext_body};
pub use rpmsign::{rpm_signed_by, sign_rpms};
pub use signer::{PASSPHRASE_ENV, Signer};
