//! What bundle operations take from the environment when their options
//! leave it open: the time of an install, `SOURCE_DATE_EPOCH` (the mtime of
//! a packed bundle's entries, the date of regenerated indexes) and the
//! fault injection of the tests, `OMNIPACK_BUNDLE_FAIL_AFTER`.
//!
//! These few lines are meant to give way to the workspace's shared time
//! and `SOURCE_DATE_EPOCH` functions once there are some.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::BundleError;

/// The reproducible-builds timestamp (seconds since 1970).
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";
/// Fault injection: an install stops after this many steps, as if killed
/// (for tests; documented in `docs/bundles.md`).
pub const FAIL_AFTER_ENV: &str = "OMNIPACK_BUNDLE_FAIL_AFTER";

/// Now, in seconds since 1970.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `var` as a number when it is set (and, unless `empty_is_unset`, even
/// when it is empty).
fn number(
    var: &'static str,
    expected: &'static str,
    empty_is_unset: bool,
) -> Result<Option<u64>, BundleError> {
    match std::env::var(var) {
        Ok(v) if empty_is_unset && v.is_empty() => Ok(None),
        Ok(v) => v.trim().parse().map(Some).map_err(|_| BundleError::BadEnv {
            var,
            value: v,
            expected,
        }),
        Err(_) => Ok(None),
    }
}

/// `SOURCE_DATE_EPOCH` when set.
fn source_date_epoch_var() -> Result<Option<u64>, BundleError> {
    number(SOURCE_DATE_EPOCH, "a number of seconds since 1970", false)
}

/// The date of regenerated indexes (apt's `Release` date, yum's revision,
/// a gem source's `versions` header): `SOURCE_DATE_EPOCH`, else now.
pub fn index_date() -> Result<u64, BundleError> {
    Ok(source_date_epoch_var()?.unwrap_or_else(now))
}

/// The timestamp of what is packed from `dir`: `SOURCE_DATE_EPOCH`, else
/// the time of the last commit of the git checkout `dir` is in, else now.
pub fn source_date_epoch(dir: &Path) -> Result<u64, BundleError> {
    if let Some(t) = source_date_epoch_var()? {
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
    Ok(now())
}

/// The step after which an install stops, from [`FAIL_AFTER_ENV`] (unset or
/// empty: never).
pub fn fail_after() -> Result<Option<u64>, BundleError> {
    number(FAIL_AFTER_ENV, "a number", true)
}
