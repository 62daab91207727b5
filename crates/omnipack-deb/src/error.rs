//! Errors of the .deb format, each naming the file or field at fault and
//! what is wrong; [`DebError::hint`] says what to do, for a `hint:` line.

use std::path::PathBuf;

/// What can go wrong writing or reading a .deb.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    #[error("`{path}` is a damaged .deb ({member}): {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The member (`control.tar.gz`, `data.tar.xz`) at fault.
        member: String,
        /// What is wrong.
        reason: String,
    },
    /// The package reads, but apt would refuse its stanza (and with it the
    /// whole index).
    #[error("`{path}` cannot be indexed: its `{field}` field `{value}` {fault}, which apt refuses")]
    Unindexable {
        /// The file.
        path: PathBuf,
        /// `Package`, `Version` or `Architecture`.
        field: &'static str,
        /// The value as read (empty when missing).
        value: String,
        /// What is wrong with it.
        fault: &'static str,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl DebError {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            DebError::Spec(e) => e.hint(),
            DebError::Corrupt { .. } => Some("rebuild or download it again".to_owned()),
            DebError::Unindexable { field, .. } => Some(format!(
                "rebuild the package with a one-word `{field}` field, or remove it from the repository"
            )),
            DebError::Invalid { .. }
            | DebError::Source { .. }
            | DebError::Write(_)
            | DebError::NotDeb { .. }
            | DebError::Io(_) => None,
        }
    }
}
