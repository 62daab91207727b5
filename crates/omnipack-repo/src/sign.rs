//! OpenPGP signing (to be written by the apt engineer).

/// Errors of signing.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Placeholder.
    #[error("sign: {0}")]
    Other(String),
}

/// A loaded signing key (to be written).
#[derive(Debug)]
pub struct Signer {
    _private: (),
}
