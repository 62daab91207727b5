//! One input left out of a result, and why: a package an index skips, a gem
//! a gem source skips. The others go on; the caller reports each problem by
//! its path (and `--strict` turns them into a failure).

use std::path::PathBuf;

/// A file that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Problem {
    /// `` `path`: message ``.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.path.display(), self.message)
    }
}
