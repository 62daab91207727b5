//! yum repository metadata (to be written by the yum engineer).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::sign::Signer;
use crate::{Record, Staging};

/// Errors of the yum index.
#[derive(Debug, thiserror::Error)]
pub enum YumError {
    /// Placeholder.
    #[error("yum: {0}")]
    Other(String),
}

/// Everything the yum metadata needs from one RPM, cached between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YumPackage {}

/// Reads what the metadata needs from an RPM's headers.
pub fn read_package(_path: &Path) -> Result<YumPackage, YumError> {
    Ok(YumPackage {})
}

/// repodata choices.
#[derive(Debug, Clone, Default)]
pub struct YumOptions {
    /// Compress the XML with zstd instead of gzip (EL7 clients need gzip).
    pub zstd: bool,
    /// `revision` / timestamps (seconds since the epoch).
    pub date: u64,
}

/// Writes `repodata/` for `records` into `out` (the leaf).
pub fn write(
    _records: &[Record],
    _opts: &YumOptions,
    _signer: Option<&Signer>,
    _out: &mut Staging,
) -> Result<(), YumError> {
    Err(YumError::Other("not written yet".into()))
}
