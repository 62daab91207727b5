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
    /// A `[[package]]` of the manifest that cannot be packaged for a
    /// distribution, found before anything is staged.
    #[error(
        "`{}`{}: [[package]] `{package}` for {distribution}: {source}",
        path.display(),
        line.map(|l| format!(" line {l}")).unwrap_or_default()
    )]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The line of the package's `name`, if found.
        line: Option<usize>,
        /// The package's name.
        package: String,
        /// The distribution.
        distribution: String,
        /// What is wrong.
        #[source]
        source: Box<BuildError>,
    },
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
    /// The checkout has no tag, so `git describe` gave only a commit id.
    #[error(
        "cannot determine the version of the project in `{dir}`: no tag is reachable from its commit `{commit}`, so git gives no version"
    )]
    Untagged {
        /// The project directory.
        dir: PathBuf,
        /// The abbreviated commit id `git describe --always` gave.
        commit: String,
    },
    /// `--lint` found something not in the suppression list.
    #[error("`{path}` does not pass lint (nothing was written to the output directory)\n{report}")]
    Lint {
        /// The package.
        path: PathBuf,
        /// The linter's findings.
        report: String,
    },
    /// Shared-library dependencies could not be found.
    #[error(transparent)]
    LibDeps(#[from] crate::libdeps::LibDepsError),
    /// A build root could not be made, found or used.
    #[error(transparent)]
    Rootfs(Box<omnipack_rootfs::RootfsError>),
    /// The distribution needs a build root and none is there.
    #[error("cannot stage for {distribution} on this machine ({host}): {why}")]
    NeedsBuildRoot {
        /// The distribution.
        distribution: String,
        /// This machine, as its os-release names it.
        host: String,
        /// Why the host does not do (the interpreter versions).
        why: String,
    },
    /// The interpreter that would stage is not the target's version.
    #[error(
        "cannot stage for {}: its python is {}, but `{}` on {} is python {}; a virtualenv made with {} does not run on {}",
        .0.distribution, .0.wanted, .0.interpreter, .0.place, .0.found, .0.found, .0.wanted
    )]
    InterpreterMismatch(Box<Interpreter>),
    /// The distribution's interpreter is not where staging runs.
    #[error(
        "cannot stage for {}: its python is {} (`{}`), and {} has no `{}`",
        .0.distribution, .0.wanted, .0.interpreter, .0.place, .0.interpreter
    )]
    InterpreterMissing(Box<Interpreter>),
    /// A cached build root lacks packages the build needs.
    #[error("the build root of {distribution} lacks {missing}, which this build needs")]
    RootLacks {
        /// The distribution.
        distribution: String,
        /// The packages, comma-separated.
        missing: String,
    },
    /// A `--builder` or `builder` value that does not parse.
    #[error("`{value}` is not a builder: {reason}")]
    BadBuilder {
        /// As given.
        value: String,
        /// Why.
        reason: String,
    },
    /// `--installer` with a recipe that installs nothing with pip or uv.
    #[error("`--installer` chooses what installs into the python recipe's virtualenv, and `{}` uses the {recipe} recipe", path.display())]
    InstallerNotForRecipe {
        /// The manifest.
        path: PathBuf,
        /// Its recipe.
        recipe: String,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The interpreter a distribution's staging would use, and why it does not do.
#[derive(Debug)]
pub struct Interpreter {
    /// The distribution.
    pub distribution: String,
    /// The target's `X.Y`.
    pub wanted: String,
    /// The interpreter's `X.Y` (empty when it is missing).
    pub found: String,
    /// The interpreter.
    pub interpreter: String,
    /// Where staging runs ("this machine", "the root at …").
    pub place: String,
}

fn root_hint(distribution: &str) -> String {
    format!(
        "stage in a build root of {distribution}: `omnipack builder create {distribution}` once (or `--builder {distribution}=auto` to make it when missing), or `--builder {distribution}=DIR` for a root made by another tool"
    )
}

impl From<omnipack_rootfs::RootfsError> for BuildError {
    fn from(e: omnipack_rootfs::RootfsError) -> Self {
        BuildError::Rootfs(Box::new(e))
    }
}

impl BuildError {
    /// What the user can do about it, if there is something: printed by the
    /// binary as a `hint:` line of its own. A wrapped error gives its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            BuildError::Spec(e) => e.hint(),
            BuildError::Manifest { source, .. } => source.hint(),
            BuildError::Tree(e) => e.hint(),
            BuildError::Deb(e) => e.hint(),
            BuildError::Rpm(e) => e.hint(),
            BuildError::BadEpoch(e) => e.hint(),
            BuildError::Rootfs(e) => e.hint(),
            BuildError::Recipe(e) => e.hint(),
            BuildError::LibDeps(e) => Some(e.hint().to_owned()),
            BuildError::NotAPackage { .. } => Some("give a .deb or .rpm file".into()),
            BuildError::NeedsBuildRoot { distribution, .. } => Some(root_hint(distribution)),
            BuildError::InterpreterMismatch(i) | BuildError::InterpreterMissing(i) => {
                Some(root_hint(&i.distribution))
            }
            BuildError::RootLacks { distribution, .. } => Some(format!(
                "make it again with what the project needs: `omnipack builder create {distribution} --project DIR`, or build with `--builder {distribution}=auto`"
            )),
            BuildError::BadBuilder { .. } => Some(
                "write `DIST=auto`, `DIST=host` or `DIST=DIR` (a root filesystem), e.g. `--builder debian-11=auto`".into(),
            ),
            BuildError::Untagged { .. } => Some(
                "tag a release, e.g. `git tag -a 0.1.0 -m 0.1.0` (MAJOR.MINOR[.PATCH], Flocker's rules), or set `version` under [project] in omnipack.toml".into(),
            ),
            BuildError::InstallerNotForRecipe { .. } => Some("drop `--installer`".into()),
            BuildError::Lint { .. } => Some(
                "fix what the linter reports, or add a suppression with its reason to the checked-in list".into(),
            ),
            _ => None,
        }
    }
}
