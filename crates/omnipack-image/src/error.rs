//! What can go wrong building or pushing an image, each naming the image,
//! file or reference, with [`ImageError::hint`] saying what to do.

use std::path::PathBuf;

/// An image that cannot be built or pushed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// No `[[image]]` of that name.
    #[error("no [[image]] named `{name}` in `{manifest}` (it has: {known})")]
    UnknownImage {
        /// The name asked for.
        name: String,
        /// The manifest.
        manifest: PathBuf,
        /// The names it has.
        known: String,
    },
    /// The manifest has no `[[image]]`.
    #[error("`{0}` declares no [[image]]")]
    NoImages(PathBuf),
    /// The base distribution has no build root.
    #[error("image `{image}`: no build root for `{distribution}` to start from")]
    NoRoot {
        /// The image.
        image: String,
        /// The distribution.
        distribution: String,
    },
    /// The base is not something images can be made from here.
    #[error("image `{image}`: {reason}")]
    Base {
        /// The image.
        image: String,
        /// Why.
        reason: String,
    },
    /// A package of the project the image names was not built.
    #[error("image `{image}`: package `{package}` is not in `{dir}`")]
    MissingPackage {
        /// The image.
        image: String,
        /// The package.
        package: String,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// Installing the packages failed inside the root.
    #[error("image `{image}`: installing {packages} failed (exit {status}):\n{log}")]
    Install {
        /// The image.
        image: String,
        /// What was installed.
        packages: String,
        /// The exit status.
        status: String,
        /// The end of the package manager's output.
        log: String,
    },
    /// An OCI layout cannot be read or written.
    #[error("`{path}`: {reason}")]
    Layout {
        /// The layout (or file in it).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The registry reference does not parse.
    #[error("`{reference}` is not an image reference ({reason})")]
    BadReference {
        /// The reference as given.
        reference: String,
        /// Why.
        reason: String,
    },
    /// The registry refused or failed a request.
    #[error(
        "{} `{reference}`: {action} failed: {reason}",
        if *.pulling { "pulling" } else { "pushing to" }
    )]
    Registry {
        /// Whether it was a pull (a base) rather than a push.
        pulling: bool,
        /// The reference pushed to or pulled from.
        reference: String,
        /// What was being done.
        action: String,
        /// What the registry (or the connection) said.
        reason: String,
    },
    /// The sandbox could not run.
    #[error(transparent)]
    Rootfs(#[from] Box<omnipack_rootfs::RootfsError>),
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<omnipack_rootfs::RootfsError> for ImageError {
    fn from(e: omnipack_rootfs::RootfsError) -> Self {
        ImageError::Rootfs(Box::new(e))
    }
}

impl ImageError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<String> {
        match self {
            ImageError::UnknownImage { .. } => Some("pass one of the names listed with --image".into()),
            ImageError::NoImages(_) => {
                Some("add an [[image]] table (docs/manifest.md#images)".into())
            }
            ImageError::NoRoot { distribution, .. } => Some(format!(
                "make it with `omnipack builder create {distribution}`"
            )),
            ImageError::MissingPackage { .. } => Some(
                "build the project's packages first (`omnipack build --distribution DIST`), or pass --packages DIR".into(),
            ),
            ImageError::BadReference { .. } => {
                Some("write HOST[:PORT]/NAME[:TAG], e.g. 127.0.0.1:5000/greet-agent:1.0".into())
            }
            ImageError::Registry { pulling: true, reference, .. } => Some(format!(
                "check the reference and that the registry runs (`skopeo inspect --tls-verify=false docker://{reference}` shows what it serves)"
            )),
            ImageError::Registry { .. } => Some(
                "check that the registry runs and accepts pushes (for plain http on loopback nothing else is needed)".into(),
            ),
            ImageError::Rootfs(e) => e.hint(),
            _ => None,
        }
    }
}

/// This crate's result type.
pub type Result<T, E = ImageError> = std::result::Result<T, E>;
