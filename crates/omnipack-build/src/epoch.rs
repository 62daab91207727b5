//! The build timestamp stamped into every package: `SOURCE_DATE_EPOCH`
//! (reproducible-builds.org/specs/source-date-epoch), else the commit time of
//! the git checkout holding the input, else now ([`omnipack_core::time::epoch_of`]).

use std::path::Path;

use crate::BuildError;

/// Resolves the timestamp for packaging the input at `dir`.
pub fn source_date_epoch(dir: &Path) -> Result<u64, BuildError> {
    Ok(omnipack_core::time::epoch_of(dir)?)
}
