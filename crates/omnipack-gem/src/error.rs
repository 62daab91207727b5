//! Errors of indexing a gem source, and the problems that leave one gem out
//! of the index without failing it.

use std::path::PathBuf;

/// A `.gem` that could not be indexed, and why; the other gems are indexed.
pub use omnipack_core::Problem;

/// What can go wrong indexing a gem source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GemError {
    /// The source has no `gems/` directory.
    #[error("`{gems_dir}`: no such directory")]
    NoGemsDir {
        /// `DIR/gems`.
        gems_dir: PathBuf,
    },
    /// Bad gems found with `strict`: nothing was written.
    #[error("{count} problem(s) in `{dir}` (first: {first}), so with --strict nothing was written")]
    Strict {
        /// The gem source.
        dir: PathBuf,
        /// How many problems.
        count: usize,
        /// The first one.
        first: String,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl GemError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<String> {
        match self {
            GemError::NoGemsDir { .. } => Some(
                "a gem source keeps its .gem files in DIR/gems/, where clients download them from"
                    .into(),
            ),
            GemError::Strict { .. } => Some(
                "fix or remove the files named, or index without --strict to leave them out".into(),
            ),
            GemError::Io(_) => None,
        }
    }
}
