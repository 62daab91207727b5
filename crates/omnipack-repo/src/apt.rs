//! apt repository metadata (to be written by the apt engineer).

use crate::sign::Signer;
use crate::{Record, Staging};

/// Errors of the apt index.
#[derive(Debug, thiserror::Error)]
pub enum AptError {
    /// Placeholder.
    #[error("apt: {0}")]
    Other(String),
}

/// `Release` fields and choices.
#[derive(Debug, Clone, Default)]
pub struct AptOptions {
    /// `Origin`.
    pub origin: Option<String>,
    /// `Label`.
    pub label: Option<String>,
    /// `Suite`.
    pub suite: Option<String>,
    /// `Codename`.
    pub codename: Option<String>,
    /// `Date` (seconds since the epoch).
    pub date: u64,
}

/// Writes a flat repository's index for `records` into `out` (the leaf).
pub fn write_flat(
    _records: &[Record],
    _opts: &AptOptions,
    _signer: Option<&Signer>,
    _out: &mut Staging,
) -> Result<(), AptError> {
    Err(AptError::Other("not written yet".into()))
}
