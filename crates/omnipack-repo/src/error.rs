//! Errors of repository operations, each naming the file, directory or
//! package concerned; [`RepoError::hint`] says what to do.

use std::path::PathBuf;

/// What can go wrong while indexing a repository or changing its channels.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// Writing the apt index failed.
    #[error(transparent)]
    Apt(#[from] crate::apt::AptError),
    /// Writing the yum index failed.
    #[error(transparent)]
    Yum(#[from] crate::yum::YumError),
    /// Loading the signing key failed.
    #[error(transparent)]
    Sign(#[from] omnipack_sign::SignError),
    /// Indexing a gem source failed.
    #[error(transparent)]
    Gem(#[from] omnipack_gem::GemError),
    /// `SOURCE_DATE_EPOCH`, the date of the indexes, is not a number.
    #[error(transparent)]
    BadEpoch(#[from] omnipack_core::time::BadEpoch),
    /// The distribution named is unknown.
    #[error(transparent)]
    Spec(#[from] omnipack_spec::SpecError),
    /// A package to add could not be read.
    #[error("`{path}`: {reason}")]
    BadPackage {
        /// The package file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A directory (or a file in it) could not be read.
    #[error("`{path}`: cannot read: {error}")]
    CannotRead {
        /// The directory or file.
        path: PathBuf,
        /// The underlying error (in the message, not a separate cause).
        error: std::io::Error,
    },
    /// What is to be indexed is not a directory.
    #[error("`{0}` is not a directory")]
    NotADirectory(PathBuf),
    /// The repository of a channel operation is not a directory.
    #[error("`{0}` is not a directory")]
    NoRepository(PathBuf),
    /// The directory holds no packages of the requested kind.
    #[error("`{0}` holds no .deb or .rpm packages and no gems/ directory of .gem files")]
    Empty(PathBuf),
    /// Packages were found, but not one could be indexed.
    #[error("no package in `{root}` could be indexed{}", list(.problems))]
    NothingIndexed {
        /// The index root.
        root: PathBuf,
        /// Why each package was left out: `` `path`: message ``.
        problems: Vec<String>,
    },
    /// Bad input found with `--strict`: nothing was written.
    #[error(
        "{count} problem(s) in `{root}` (first: {first}), so with --strict nothing was written"
    )]
    Strict {
        /// The index root.
        root: PathBuf,
        /// How many problems.
        count: usize,
        /// The first one.
        first: String,
    },
    /// `--layout dists` for yum.
    #[error("`{0}`: the dists/ layout is apt's")]
    DistsForYum(PathBuf),
    /// `--layout dists` without a `pool/`.
    #[error("`{0}`: no such directory")]
    NoPool(PathBuf),
    /// Architectures named for the flat layout.
    #[error("--architectures applies to --layout dists only")]
    ArchitecturesWithoutDists,
    /// A distribution name that has no place in the channel layout.
    #[error(
        "distribution `{0}` is not `<os>-<version>` (like `debian-12`), so it has no place in the `<os>[-testing]/<version>/<arch>/` layout"
    )]
    BadDistributionName(String),
    /// Nothing tells which distribution a package to add is for.
    #[error(
        "cannot tell which distribution `{path}` is for (its directory is not a distribution's name and its release names none uniquely)"
    )]
    UnknownDistribution {
        /// The package.
        path: PathBuf,
        /// The distributions of the package's format.
        candidates: Vec<String>,
    },
    /// A package of one format for a distribution of the other.
    #[error("`{path}` is a .{format} package but {distribution} takes .{wants} packages")]
    WrongFormat {
        /// The package.
        path: PathBuf,
        /// Its format (`deb`).
        format: &'static str,
        /// The distribution.
        distribution: String,
        /// The distribution's format.
        wants: &'static str,
    },
    /// A package path without a file name.
    #[error("`{0}` has no file name")]
    NoFileName(PathBuf),
    /// Two files given for the same leaf are different packages of the
    /// same name, version and architecture.
    #[error("`{first}` and `{second}` are different files for {package}")]
    ConflictingInputs {
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// `name version arch`.
        package: String,
    },
    /// A published version with other contents than the package given.
    #[error("{package} is already in `{dir}` as `{existing}` with different contents")]
    PublishedVersionChanged {
        /// `name version arch`.
        package: String,
        /// The leaf.
        dir: PathBuf,
        /// The file there.
        existing: PathBuf,
    },
    /// A file that is not a readable package is where a package would go.
    #[error("`{0}` exists and is not a readable package")]
    InTheWay(PathBuf),
    /// `repo promote` from a channel to itself.
    #[error("--from and --to are both {0}")]
    SameChannel(&'static str),
    /// A selector picked nothing in the channel it promotes from.
    #[error("`{selector}` is not in the {channel} channel{}", of(.distribution))]
    NotInChannel {
        /// `NAME` or `NAME=VERSION`.
        selector: String,
        /// The channel.
        channel: &'static str,
        /// The distribution, if one was given.
        distribution: Option<String>,
    },
    /// A selector picked nothing to remove.
    #[error("`{selector}` is not in the repository{}", in_channel(.channel))]
    NotInRepository {
        /// `NAME` or `NAME=VERSION`.
        selector: String,
        /// The channel, if one was given.
        channel: Option<&'static str>,
    },
    /// A channel command on a directory that is not a repository.
    #[error("`{0}` is not a repository (it has no `.omnipack/repo.toml` and no packages)")]
    NotARepository(PathBuf),
    /// `repo init` on a repository.
    #[error("`{0}` already exists")]
    AlreadyInitialized(PathBuf),
    /// `repo init` on a directory that already holds files.
    #[error("`{0}` is not empty")]
    NotEmpty(PathBuf),
    /// `repo.toml` cannot be read.
    #[error("`{path}`: {reason}")]
    BadConfig {
        /// The configuration file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The configured signing key cannot be loaded: nothing was written.
    #[error("cannot load the signing key `{key}` configured in `{config}`, so nothing was changed")]
    ConfiguredKey {
        /// The key file.
        key: PathBuf,
        /// The configuration naming it.
        config: PathBuf,
        /// Why.
        source: Box<omnipack_sign::SignError>,
    },
    /// Package signing asked for without a key.
    #[error("signing packages needs a signing key")]
    SignPackagesWithoutKey,
    /// A subkey without its key.
    #[error("--sign-subkey needs --sign-key")]
    SubkeyWithoutKey,
    /// Packages were left out of the indexes written.
    #[error("{count} package(s) left out of the indexes under `{root}` (listed above)")]
    ProblemsLeftOut {
        /// The repository or directory indexed.
        root: PathBuf,
        /// How many.
        count: usize,
    },
    /// `sign-packages` is on, yet RPMs of the distribution are not signed.
    #[error(
        "{} RPM(s) are not signed by key {fingerprint}, though repo.toml says `sign-packages = true`; dnf with gpgcheck=1 would refuse them: {}",
        paths.len(),
        paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
    )]
    UnsignedPackages {
        /// The key's fingerprint.
        fingerprint: String,
        /// The unsigned packages.
        paths: Vec<PathBuf>,
    },
    /// `repo check` found what clients would fail on.
    #[error("`{root}`: {count} problem(s) that apt or dnf would fail on")]
    CheckFailed {
        /// The repository checked.
        root: PathBuf,
        /// How many.
        count: usize,
        /// The marker that gives `repo check` its own exit code (3).
        source: omnipack_core::outcome::DifferencesFound,
    },
    /// A filesystem error naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn list(problems: &[String]) -> String {
    problems.iter().map(|p| format!("\n  {p}")).collect()
}

fn of(distribution: &Option<String>) -> String {
    distribution
        .as_ref()
        .map(|d| format!(" of {d}"))
        .unwrap_or_default()
}

fn in_channel(channel: &Option<&'static str>) -> String {
    channel
        .map(|c| format!(" ({c} channel)"))
        .unwrap_or_default()
}

impl RepoError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<String> {
        let h = match self {
            RepoError::Apt(e) => return e.hint(),
            RepoError::Yum(e) => return e.hint(),
            RepoError::Sign(e) => return e.hint(),
            RepoError::Gem(e) => return e.hint(),
            RepoError::BadEpoch(e) => return e.hint(),
            RepoError::Spec(e) => return e.hint(),
            RepoError::NotADirectory(_) => "give the repository (or leaf) directory",
            RepoError::NoRepository(_) => "create the repository directory first",
            RepoError::Empty(_) => {
                "give a directory of packages, a repository tree or a gem source"
            }
            RepoError::NothingIndexed { .. } => "fix or remove the files named",
            RepoError::Strict { .. } => {
                "fix or remove the files named, or index without --strict to leave them out"
            }
            RepoError::DistsForYum(_) => "index .rpm packages with the flat layout",
            RepoError::NoPool(_) => {
                "with --layout dists the .deb packages go under ROOT/pool/ (any subdirectories, e.g. pool/main/h/hello/)"
            }
            RepoError::ArchitecturesWithoutDists => {
                "a flat repository's indexes cover the architectures its packages name"
            }
            RepoError::UnknownDistribution { candidates, .. } => {
                return Some(format!(
                    "give --distribution, one of: {}",
                    candidates.join(", ")
                ));
            }
            RepoError::ConflictingInputs { .. } => "add one of them",
            RepoError::PublishedVersionChanged { .. } => {
                "a published version never changes: bump the version (or `repo remove` it first)"
            }
            RepoError::InTheWay(_) => "remove it first",
            RepoError::NotARepository(r) => {
                return Some(format!(
                    "run `omnipack repo init {}` (with --sign-key to sign it; --from-existing for a directory that already holds files)",
                    r.display()
                ));
            }
            RepoError::AlreadyInitialized(_) => {
                "edit it to change the repository's settings, or pass flags for one run"
            }
            RepoError::NotEmpty(_) => {
                "pass --from-existing to adopt a tree made before `repo init`, or give a new directory"
            }
            RepoError::BadConfig { .. } => {
                "the fields are sign-key, sign-subkey, sign-packages, keep and yum-zstd (docs/repository.md)"
            }
            RepoError::ConfiguredKey { config, .. } => {
                return Some(format!(
                    "restore the key file, or change `sign-key` in `{}`",
                    config.display()
                ));
            }
            RepoError::SignPackagesWithoutKey => "give --sign-key (or configure sign-key)",
            RepoError::SubkeyWithoutKey => "give --sign-key with it",
            RepoError::ProblemsLeftOut { .. } => {
                "fix or remove the files named, or pass --allow-problems to accept an index without them"
            }
            RepoError::UnsignedPackages { .. } => {
                "sign them with `omnipack sign --key KEY FILE...`, then `omnipack repo index REPO`; packages added from now on are signed by `repo add`"
            }
            RepoError::CheckFailed { .. } => {
                "each line above names a file and what to do; `omnipack repo index` rewrites indexes and signatures"
            }
            RepoError::SameChannel(_) => "promote copies between two different channels",
            RepoError::NotInChannel { .. } | RepoError::NotInRepository { .. } => {
                "`omnipack repo list` shows what is"
            }
            RepoError::BadPackage { .. }
            | RepoError::CannotRead { .. }
            | RepoError::BadDistributionName(_)
            | RepoError::WrongFormat { .. }
            | RepoError::NoFileName(_)
            | RepoError::Io(_) => return None,
        };
        Some(h.to_owned())
    }
}
