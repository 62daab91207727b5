//! Errors of repository operations, each naming the file or directory.

use std::path::PathBuf;

/// What can go wrong while indexing or signing.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// Writing the apt index failed.
    #[error(transparent)]
    Apt(#[from] crate::apt::AptError),
    /// Writing the yum index failed.
    #[error(transparent)]
    Yum(#[from] crate::yum::YumError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] crate::sign::SignError),
    /// A package could not be read (`--strict`, or reported per file).
    #[error("`{path}`: {reason}")]
    Package {
        /// The package file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Two different files claim the same name, version and architecture.
    #[error("`{first}` and `{second}` are different files for the same package {nva}; remove one")]
    Duplicate {
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// `name version arch`.
        nva: String,
    },
    /// The directory holds no packages of the requested kind.
    #[error(
        "`{0}` holds no .deb or .rpm packages and no gems/ directory of .gem files; give a directory of packages, a repository tree or a gem source"
    )]
    Empty(PathBuf),
    /// Bad input found with `--strict`: nothing was written.
    #[error("{count} problem(s) in `{root}` (first: {first}); with --strict nothing was written")]
    Strict {
        /// The index root.
        root: PathBuf,
        /// How many problems.
        count: usize,
        /// The first one.
        first: String,
    },
    /// A channel operation (add, promote, remove) refused, saying why and what to do.
    #[error("{0}")]
    Channel(String),
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
