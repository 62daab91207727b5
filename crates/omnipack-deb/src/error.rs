//! Errors of the .deb format, each naming the file or field at fault.

use std::path::PathBuf;

/// What can go wrong writing or reading a .deb.
#[derive(Debug, thiserror::Error)]
pub enum DebError {
    /// The spec breaks a rule of the model (a missing field, a bad path).
    #[error(transparent)]
    Spec(#[from] omnipack_spec::SpecError),
    /// A field breaks Debian policy (checked before any output is written).
    #[error("invalid {field} `{value}` for a .deb package: {rule}")]
    Invalid {
        /// The field, as the user knows it (`name`, `version`, `depends`, ...).
        field: &'static str,
        /// The offending value.
        value: String,
        /// The rule it breaks (what would be accepted), with its policy section.
        rule: &'static str,
    },
    /// A source file could not be read while packaging.
    #[error("cannot package `{path}`: {source}")]
    Source {
        /// The staged file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing the package failed.
    #[error("writing the .deb failed: {0}")]
    Write(std::io::Error),
    /// The file is not a Debian package.
    #[error("`{path}` is not a .deb package: {reason}")]
    NotDeb {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// The package is damaged.
    #[error("`{path}` is a damaged .deb ({member}): {reason}; rebuild or download it again")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The member (`control.tar.gz`, `data.tar.xz`) at fault.
        member: String,
        /// What is wrong.
        reason: String,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
