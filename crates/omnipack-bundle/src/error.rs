//! The one error type of bundle operations. Every variant names the file (and
//! the field or line where there is one) and says what to do.

use std::path::PathBuf;

/// What can go wrong packing, verifying or installing a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A filesystem error; `fs-err` already names the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The manifest cannot be read as Crowbar's schema.
    #[error("`{path}`: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong, with the field and line.
        message: String,
    },
    /// The admin root is missing or not a directory.
    #[error(
        "the admin root `{0}` {1}; create it (`mkdir -p {0}`) or give the right one with --root"
    )]
    NoRoot(PathBuf, &'static str),
    /// Not a bundle: no manifest.
    #[error(
        "`{0}` holds no crowbar.yml or bundle.yml; give a bundle directory, a bundle tarball or the name of an installed bundle"
    )]
    NotABundle(PathBuf),
    /// A source given by name that is neither a path nor installed.
    #[error(
        "`{name}` is not a file, not a directory and not a bundle installed under `{root}`; give a tarball, a bundle directory or an installed name (`omnipack bundle list`)"
    )]
    UnknownSource {
        /// What was given.
        name: String,
        /// The admin root.
        root: PathBuf,
    },
    /// The file is not a gzip-compressed tar archive.
    #[error(
        "`{path}` is not a gzip-compressed tar archive ({reason}); give the `.tar.gz` that `omnipack bundle pack` wrote"
    )]
    NotATarball {
        /// The tarball.
        path: PathBuf,
        /// The decoder's or reader's complaint.
        reason: String,
    },
    /// A tarball entry that must never be unpacked; nothing was written.
    #[error(
        "`{path}`: entry `{entry}` {reason}; the bundle is refused and nothing was written (repack it with `omnipack bundle pack`)"
    )]
    Hostile {
        /// The tarball.
        path: PathBuf,
        /// The entry name.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A line of a checksum file that is not `<hex> *./path`.
    #[error("`{path}` line {line}: {reason}")]
    SumsLine {
        /// The checksum file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A bundle without a checksum file.
    #[error(
        "`{0}` has no SHA256SUMS or sha1sums, so its contents cannot be checked; pack it with `omnipack bundle pack`"
    )]
    NoSums(PathBuf),
    /// A bundle whose files do not match its own checksum file.
    #[error(
        "`{path}` does not match its `{sums}`: {summary}; the bundle is damaged or was changed after packing, repack it"
    )]
    Checksums {
        /// The bundle (tarball or directory).
        path: PathBuf,
        /// Which checksum file.
        sums: String,
        /// Modified, missing and added files.
        summary: String,
    },
    /// An installed bundle was changed locally.
    #[error(
        "bundle `{name}` installed under `{root}` has local changes: {files}; nothing was written. To keep them, leave it installed as it is (copy the changes into the bundle's source and pack a new version first); to overwrite them, run the install again with --force",
        files = .files.join(", ")
    )]
    LocalChanges {
        /// The bundle.
        name: String,
        /// The admin root.
        root: PathBuf,
        /// Changed, missing and added files, each with what happened.
        files: Vec<String>,
    },
    /// A requirement that is neither installed nor given.
    #[error(
        "bundle `{bundle}` requires `{requirement}`, which is neither installed under `{root}` nor given; add it to the command line. Nothing was written"
    )]
    MissingRequirement {
        /// The requiring bundle.
        bundle: String,
        /// The requirement (a name or `@group`).
        requirement: String,
        /// The admin root.
        root: PathBuf,
    },
    /// `requires` that go round in a circle.
    #[error(
        "the bundles {0} require each other in a cycle; remove one of these `barclamp.requires` entries. Nothing was written"
    )]
    Cycle(String),
    /// Two sources for the same bundle name.
    #[error("bundle `{name}` is given twice (`{first}` and `{second}`); give one")]
    Duplicate {
        /// The bundle.
        name: String,
        /// One source.
        first: String,
        /// The other.
        second: String,
    },
    /// The admin config file is wrong.
    #[error("`{path}`: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
    /// A placement that collides with something else in the root.
    #[error("bundle `{bundle}`: cannot place `{target}`: {reason}")]
    Conflict {
        /// The bundle.
        bundle: String,
        /// The path in the admin root.
        target: PathBuf,
        /// Why.
        reason: String,
    },
    /// A path that would be renamed or removed through a symbolic link.
    #[error(
        "`{path}` lies beneath the symbolic link `{link}`; nothing is written or removed through a link (it may point out of the root). Replace the link by a directory, or move it aside, and run the command again"
    )]
    ThroughLink {
        /// The path.
        path: PathBuf,
        /// The link among its parents.
        link: PathBuf,
    },
    /// Placements that would overwrite files no installed bundle owns (or
    /// whose owner's copy was changed locally).
    #[error(
        "bundle `{bundle}` would overwrite files under `{root}` that are not its own: {files}; nothing was written. Move them aside to keep them, or run the install again with --force to overwrite them",
        files = .files.join(", ")
    )]
    Overwrite {
        /// The bundle.
        bundle: String,
        /// The admin root.
        root: PathBuf,
        /// The files, each with whose it is.
        files: Vec<String>,
    },
    /// A configured command failed.
    #[error("`{command}` ({what}) failed with {status}; its output:\n{output}")]
    Command {
        /// The command line.
        command: String,
        /// Which hook.
        what: String,
        /// Exit status.
        status: String,
        /// stdout and stderr.
        output: String,
    },
    /// The journal of an interrupted install cannot be read.
    #[error(
        "`{path}`: {reason}; an install was interrupted and its journal is damaged, inspect `{path}` and the staged files beside it"
    )]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An installed-state record cannot be read.
    #[error("`{path}`: {reason}; reinstall the bundle with --force to rewrite it")]
    Record {
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A bundle name that is not installed.
    #[error("no bundle `{name}` is installed under `{root}` (`omnipack bundle list` shows them)")]
    NotInstalled {
        /// The name.
        name: String,
        /// The admin root.
        root: PathBuf,
    },
    /// Fault injection (`OMNIPACK_BUNDLE_FAIL_AFTER`): stopped as if killed.
    #[error(
        "stopped after step {step} as asked by OMNIPACK_BUNDLE_FAIL_AFTER (as if killed; the next omnipack bundle command on the root recovers)"
    )]
    FaultInjected {
        /// The step after which it stopped.
        step: u64,
    },
    /// Regenerating a repository index failed.
    #[error(transparent)]
    Repo(#[from] omnipack_repo::RepoError),
    /// Indexing the gem directory failed.
    #[error(
        "re-indexing the gem directory `{dir}` failed; the bundles are installed, run `omnipack repo index {dir} --kind gem` once the cause is fixed"
    )]
    GemIndex {
        /// The gem directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: Box<omnipack_repo::RepoError>,
    },
}
