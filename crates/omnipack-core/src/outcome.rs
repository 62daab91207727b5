//! Results that are not failures but that a script must tell apart from
//! success: a verification that ran to its end and found differences
//! (`bundle verify` and `bundle status` finding modified files, as `diff`
//! and `cmp` exit 1 only for "different" and 2 for "trouble"). The binary
//! gives [`DifferencesFound`] an exit code of its own (3), distinct from a
//! failure (1) and from bad usage (2), wherever it appears in an error's
//! chain of sources.

/// A verification found differences; `what` says which, in a sentence.
///
/// Return it (or an error whose `source()` is it) from an operation whose
/// purpose is to compare, once its report has been given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}")]
pub struct DifferencesFound {
    /// What differs, e.g. "bundle `nova` does not match its SHA256SUMS".
    pub what: String,
}

impl DifferencesFound {
    /// The exit code the binary gives it.
    pub const EXIT_CODE: u8 = 3;
}
