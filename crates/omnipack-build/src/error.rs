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
        "`{path}` is not a package: it is neither a .deb (ar archive) nor an .rpm (lead magic); give a .deb or .rpm file"
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
    #[error(
        "SOURCE_DATE_EPOCH=`{0}` is not a number of seconds since 1970; unset it or give an integer"
    )]
    BadEpoch(String),
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
    #[error("`{path}` does not pass lint; nothing was written to the output directory\n{report}")]
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
