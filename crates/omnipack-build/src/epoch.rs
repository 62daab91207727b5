//! The build timestamp stamped into every package: `SOURCE_DATE_EPOCH`
//! (reproducible-builds.org/specs/source-date-epoch), else the commit time of
//! the git checkout holding the input, else now.

use std::path::Path;
use std::process::Command;

use crate::BuildError;

/// Resolves the timestamp for packaging the input at `dir`.
pub fn source_date_epoch(dir: &Path) -> Result<u64, BuildError> {
    if let Some(t) = omnipack_core::time::source_date_epoch()? {
        return Ok(t);
    }
    let git = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%ct"])
        .output();
    if let Ok(out) = git
        && out.status.success()
        && let Ok(t) = String::from_utf8_lossy(&out.stdout).trim().parse()
    {
        return Ok(t);
    }
    Ok(omnipack_core::time::now())
}
