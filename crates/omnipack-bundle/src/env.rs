//! What bundle operations take from the environment when their options
//! leave it open. Time and `SOURCE_DATE_EPOCH` come from
//! [`omnipack_core::time`]; this module adds the fault injection of the
//! tests, `OMNIPACK_BUNDLE_FAIL_AFTER`.

use crate::BundleError;

/// Fault injection: an install stops after this many steps, as if killed
/// (for tests; documented in `docs/bundles.md`).
pub const FAIL_AFTER_ENV: &str = "OMNIPACK_BUNDLE_FAIL_AFTER";

/// The step after which an install stops, from [`FAIL_AFTER_ENV`] (unset or
/// empty: never).
pub fn fail_after() -> Result<Option<u64>, BundleError> {
    match std::env::var(FAIL_AFTER_ENV) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => v.trim().parse().map(Some).map_err(|_| BundleError::BadEnv {
            var: FAIL_AFTER_ENV,
            value: v,
            expected: "a number",
        }),
        Err(_) => Ok(None),
    }
}
