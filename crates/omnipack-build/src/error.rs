//! Errors of packaging operations.

use std::path::PathBuf;

/// What can go wrong while packaging or inspecting.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The spec is invalid.
    #[error(transparent)]
    Spec(#[from] omnipack_spec::SpecError),
    /// The staged tree cannot be packaged.
    #[error(transparent)]
    Tree(#[from] omnipack_archive::tree::TreeError),
    /// Writing or reading a .deb failed.
    #[error(transparent)]
    Deb(#[from] omnipack_deb::DebError),
    /// Writing or reading an .rpm failed.
    #[error(transparent)]
    Rpm(#[from] omnipack_rpm::RpmError),
    /// The file is neither a .deb nor an .rpm.
    #[error(
        "`{path}` is not a package: it is neither a .deb (ar archive) nor an .rpm (lead magic)"
    )]
    NotAPackage {
        /// The file.
        path: PathBuf,
    },
    /// The output could not be written.
    #[error("cannot write `{path}`: {source}")]
    Output {
        /// The output file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `SOURCE_DATE_EPOCH` is set but not a number.
    #[error(transparent)]
    BadEpoch(#[from] omnipack_core::time::BadEpoch),
    /// A staging recipe failed.
    #[error(transparent)]
    Recipe(#[from] crate::recipe::RecipeError),
    /// The project's version could not be found or converted.
    #[error("cannot determine the version of the project in `{dir}`: {reason}")]
    Version {
        /// The project directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// `--lint` found something not in the suppression list.
    #[error("`{path}` does not pass lint (nothing was written to the output directory)\n{report}")]
    Lint {
        /// The package.
        path: PathBuf,
        /// The linter's findings.
        report: String,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl BuildError {
    /// What the user can do about it, if there is something: printed by the
    /// binary as a `hint:` line of its own. A wrapped error gives its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            BuildError::Spec(e) => e.hint(),
            BuildError::Tree(e) => e.hint(),
            BuildError::Deb(e) => e.hint(),
            BuildError::Rpm(e) => e.hint(),
            BuildError::BadEpoch(e) => e.hint(),
            BuildError::NotAPackage { .. } => Some("give a .deb or .rpm file".into()),
            BuildError::Lint { .. } => Some(
                "fix what the linter reports, or add a suppression with its reason to the checked-in list".into(),
            ),
            _ => None,
        }
    }
}
