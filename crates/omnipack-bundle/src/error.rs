//! The one error type of bundle operations. Every variant says what went
//! wrong and names the file (and the field or line where there is one);
//! [`BundleError::hint`] says what to do about it, printed by the binary on
//! a `hint:` line of its own.

use std::path::PathBuf;

/// What can go wrong packing, verifying or installing a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// A filesystem error; `fs-err` already names the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An environment variable that must be a number is not.
    #[error("{var}=`{value}` is not {expected}")]
    BadEnv {
        /// The variable (`SOURCE_DATE_EPOCH`, `OMNIPACK_BUNDLE_FAIL_AFTER`).
        var: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The manifest cannot be read as Crowbar's schema.
    #[error("`{path}`: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong, with the field and line.
        message: String,
    },
    /// The manifest is not a YAML mapping.
    #[error("`{0}`: the document is not a mapping")]
    ManifestNotMapping(PathBuf),
    /// The manifest has no `barclamp.name`.
    #[error("`{0}`: field `barclamp.name` is missing")]
    NoName(PathBuf),
    /// `barclamp.name` is not a usable bundle name.
    #[error(
        "`{path}`: field `barclamp.name`{}: `{name}` is not a usable bundle name",
        .line.map(|l| format!(" (line {l})")).unwrap_or_default()
    )]
    BadName {
        /// The manifest file.
        path: PathBuf,
        /// The name given.
        name: String,
        /// Its line, where found.
        line: Option<usize>,
    },
    /// The admin root is missing or not a directory.
    #[error(
        "the admin root `{root}` {}",
        if *.exists { "is not a directory" } else { "does not exist" }
    )]
    NoRoot {
        /// The admin root.
        root: PathBuf,
        /// Whether something that is not a directory is there.
        exists: bool,
    },
    /// Not a bundle: no manifest.
    #[error(
        "`{}` {}",
        .0.display(),
        if .0.exists() { "holds no crowbar.yml or bundle.yml" } else { "does not exist" }
    )]
    NotABundle(PathBuf),
    /// A source given by name that is neither a path nor installed.
    #[error("`{name}` is not a file, not a directory and not a bundle installed under `{root}`")]
    UnknownSource {
        /// What was given.
        name: String,
        /// The admin root.
        root: PathBuf,
    },
    /// The file is not a gzip-compressed tar archive.
    #[error("`{path}` is not a gzip-compressed tar archive ({reason})")]
    NotATarball {
        /// The tarball.
        path: PathBuf,
        /// The decoder's or reader's complaint.
        reason: String,
    },
    /// A tarball entry that must never be unpacked; nothing was written.
    #[error("`{path}`: entry `{entry}` {reason} (the bundle is refused, nothing was written)")]
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
    /// A file name that a checksum file cannot list.
    #[error("`{0}`: a file name with a backslash or newline cannot be listed in sha1sums")]
    UnlistableName(PathBuf),
    /// A bundle without a checksum file.
    #[error("`{0}` has no SHA256SUMS or sha1sums, so its contents cannot be checked")]
    NoSums(PathBuf),
    /// A bundle whose files do not match its own checksum file (refused).
    #[error("`{path}` does not match its `{sums}`: {summary}")]
    Checksums {
        /// The bundle (tarball or directory).
        path: PathBuf,
        /// Which checksum file.
        sums: String,
        /// Modified, missing and added files.
        summary: String,
    },
    /// `bundle verify` found differences (listed in its report).
    #[error(
        "`{path}`: bundle `{name}` does not match its {sums}: {modified} modified, {missing} missing, {added} added"
    )]
    NotPristine {
        /// The bundle (tarball or directory).
        path: PathBuf,
        /// Its name.
        name: String,
        /// Which checksum file.
        sums: String,
        /// How many files were modified.
        modified: usize,
        /// How many are missing.
        missing: usize,
        /// How many were added.
        added: usize,
        /// The marker that gives the command its own exit code (3).
        source: omnipack_core::outcome::DifferencesFound,
    },
    /// An installed bundle was changed locally.
    #[error(
        "{} (nothing was written)",
        match .changed.as_slice() {
            [(name, files)] => format!(
                "bundle `{name}` installed under `{}` has local changes: {}",
                root.display(),
                files.join(", ")
            ),
            _ => format!(
                "bundles installed under `{}` have local changes: {}",
                root.display(),
                changed
                    .iter()
                    .map(|(n, f)| format!("`{n}`: {}", f.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    )]
    LocalChanges {
        /// The admin root.
        root: PathBuf,
        /// Each changed bundle with its changed, missing and added files,
        /// each with what happened.
        changed: Vec<(String, Vec<String>)>,
    },
    /// A bundle directory omnipack has no record of (put there by Crowbar's
    /// tools or by hand) is in the way of an install.
    #[error("`{}` is there, but omnipack did not install it: it {reason} (nothing was written)", .dir.display())]
    Unrecorded {
        /// The bundle.
        name: String,
        /// The directory.
        dir: PathBuf,
        /// What is wrong with it, in words.
        reason: String,
        /// Whether `--force` may overwrite it.
        forceable: bool,
    },
    /// `--layout` says another layout than the root's config, or a layout
    /// for a root that has bundles and a config without one.
    #[error("`--layout {wanted}` does not match the admin root `{}`: {why} (nothing was written)", .root.display())]
    LayoutMismatch {
        /// The admin root.
        root: PathBuf,
        /// The layout asked for.
        wanted: String,
        /// What the root has instead.
        why: String,
    },
    /// `bundle status` found installed bundles with local changes.
    #[error(
        "{} under `{}`",
        match names.as_slice() {
            [one] => format!("bundle `{one}` has local changes"),
            _ => format!("bundles `{}` have local changes", names.join("`, `")),
        },
        root.display()
    )]
    Modified {
        /// The changed bundles.
        names: Vec<String>,
        /// The admin root.
        root: PathBuf,
        /// The marker that gives the command its own exit code (3).
        source: omnipack_core::outcome::DifferencesFound,
    },
    /// A requirement not met by the time its bundle is installed
    /// (`--strict-requires`).
    #[error("{reason} (root `{root}`; --strict-requires: nothing was written)")]
    MissingRequirement {
        /// The requiring bundle.
        bundle: String,
        /// The requirement (a name or `@group`).
        requirement: String,
        /// Why it is not met, in words.
        reason: String,
        /// The admin root.
        root: PathBuf,
    },
    /// Two sources for the same bundle name.
    #[error("bundle `{name}` is given twice (`{first}` and `{second}`)")]
    Duplicate {
        /// The bundle.
        name: String,
        /// One source.
        first: String,
        /// The other.
        second: String,
    },
    /// The admin config file is not valid TOML of its schema.
    #[error("`{path}`: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
    /// A directory of the admin config that is not a place inside the root.
    #[error(
        "`{path}`: field `{field}` = `{value}` must be a relative path inside the root, not under `.omnipack/` or `bundles/`"
    )]
    ConfigPath {
        /// The config file.
        path: PathBuf,
        /// The field (`dirs.bin`, `served.files`).
        field: String,
        /// Its value.
        value: String,
    },
    /// A `dirs` key that is not a bundle's top-level directory name.
    #[error(
        "`{path}`: `dirs.{key}`: the key is a bundle's top-level directory name (bin, chef, updates, …), not `cache`"
    )]
    ConfigDirKey {
        /// The config file.
        path: PathBuf,
        /// The key.
        key: String,
    },
    /// A placement that collides with something else in the root.
    #[error("bundle `{bundle}`: cannot place `{target}`: {obstacle}")]
    Conflict {
        /// The bundle.
        bundle: String,
        /// The path in the admin root.
        target: PathBuf,
        /// What is in the way.
        obstacle: Obstacle,
    },
    /// A path that would be renamed or removed through a symbolic link.
    #[error(
        "`{path}` lies beneath the symbolic link `{link}`, and nothing is written or removed through a link (it may point out of the root)"
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
        "bundle `{bundle}` would overwrite files under `{root}` that are not its own: {} (nothing was written)",
        .files.join(", ")
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
    #[error("`{path}`: {reason} (the journal of an interrupted install is damaged)")]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An installed-state record cannot be read.
    #[error("`{path}`: {reason}")]
    Record {
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Fault injection (`OMNIPACK_BUNDLE_FAIL_AFTER`): stopped as if killed.
    #[error("stopped after step {step} as asked by OMNIPACK_BUNDLE_FAIL_AFTER (as if killed)")]
    FaultInjected {
        /// The step after which it stopped.
        step: u64,
    },
    /// Regenerating a repository index failed.
    #[error(transparent)]
    Repo(#[from] omnipack_repo::RepoError),
    /// `SOURCE_DATE_EPOCH` is set but is not a number.
    #[error(transparent)]
    Epoch(#[from] omnipack_core::time::BadEpoch),
    /// Indexing the gem directory failed.
    #[error("re-indexing the gem directory `{dir}` failed (the bundles are installed)")]
    GemIndex {
        /// The gem directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: Box<omnipack_repo::RepoError>,
    },
    /// Packing one bundle directory failed.
    #[error("cannot pack `{dir}`")]
    Pack {
        /// The bundle directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: Box<BundleError>,
    },
}

/// What stands where an install has to place something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Obstacle {
    /// A parent of the target is a symbolic link.
    #[error(
        "`{0}` is a symbolic link, and nothing is placed through a link (it may point out of the root)"
    )]
    LinkParent(PathBuf),
    /// A parent of the target is a file.
    #[error("`{0}` is a file where a directory has to be")]
    FileParent(PathBuf),
    /// A directory where a file or link goes.
    #[error("a directory is in the way")]
    Directory,
    /// The target is on another filesystem than `ROOT/.omnipack`.
    #[error(
        "`{path}` is on another filesystem than `{dot}` (a mount point under the root?), and an install swaps files in by rename, which cannot cross filesystems"
    )]
    OtherFilesystem {
        /// The target or its nearest existing parent.
        path: PathBuf,
        /// `ROOT/.omnipack`.
        dot: PathBuf,
    },
    /// `cache/<os>/pkgs` whose `<os>` cannot be a directory of the served tree.
    #[error("`cache/{0}/pkgs` names an OS token that cannot be a directory of the served tree")]
    OsToken(String),
    /// Two files of the bundle go to the same place.
    #[error("both `{first}` and `{second}` of the bundle go there")]
    TwoSources {
        /// One file of the bundle.
        first: String,
        /// The other.
        second: String,
    },
}

impl Obstacle {
    /// What to do about it, if there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            Obstacle::LinkParent(p) => Some(format!("replace `{}` by a directory", p.display())),
            Obstacle::FileParent(p) => Some(format!("move `{}` aside", p.display())),
            Obstacle::Directory => Some("move it aside".into()),
            Obstacle::OtherFilesystem { dot, .. } => Some(format!(
                "keep the served tree on one filesystem with `{}`",
                dot.display()
            )),
            Obstacle::OsToken(_) | Obstacle::TwoSources { .. } => None,
        }
    }
}

impl BundleError {
    /// What the user can do about it, if there is something: printed by the
    /// binary as a `hint:` line of its own after the error and its causes.
    pub fn hint(&self) -> Option<String> {
        let s = |s: &str| Some(s.to_owned());
        match self {
            BundleError::BadEnv { .. } => s("unset it or give an integer"),
            BundleError::Epoch(e) => e.hint(),
            BundleError::ManifestNotMapping(_) => s("a manifest starts with `barclamp:`"),
            BundleError::NoName(_) => s("add `barclamp:\\n  name: NAME`"),
            BundleError::BadName { .. } => s(
                "a bundle name has letters, digits, `-`, `_`, `.` and `+`, and does not start with `.` or `-`",
            ),
            BundleError::NoRoot {
                root,
                exists: false,
            } => Some(format!(
                "create it (`mkdir -p {}`) or give the right one with --root",
                root.display()
            )),
            BundleError::NoRoot { exists: true, .. } => {
                s("give the admin root directory with --root")
            }
            BundleError::NotABundle(p) if !p.exists() => s(
                "check the path: `bundle pack` takes a barclamp checkout (a directory with crowbar.yml) or its name under `barclamps/`",
            ),
            BundleError::NotABundle(_) => s(
                "give a barclamp checkout (a directory with crowbar.yml or bundle.yml); `bundle install` and `verify` also take a bundle tarball",
            ),
            BundleError::UnknownSource { .. } => s(
                "give a tarball, a bundle directory or an installed name (`omnipack bundle list`)",
            ),
            BundleError::NotATarball { .. } => {
                s("give the `.tar.gz` that `omnipack bundle pack` wrote")
            }
            BundleError::Hostile { .. } => s("repack the bundle with `omnipack bundle pack`"),
            BundleError::UnlistableName(_) => s("rename the file"),
            BundleError::NoSums(_) => s("pack it with `omnipack bundle pack`"),
            BundleError::Checksums { .. } => {
                s("the bundle is damaged or was changed after packing: repack it")
            }
            BundleError::NotPristine { .. } => s(
                "if the changes are meant, pack the bundle again with `omnipack bundle pack`; an installed copy is restored by `omnipack bundle install --force NAME`",
            ),
            BundleError::LocalChanges { .. } => s(
                "to keep the changes, leave the bundle installed as it is (copy them into the bundle's source and pack a new version first); to overwrite them, run the install again with --force",
            ),
            BundleError::Unrecorded {
                forceable: true, ..
            } => s(
                "back up the changed files, then run the install again with --force to overwrite them (Crowbar's barclamp_install.rb refuses the same way)",
            ),
            BundleError::Unrecorded { dir, .. } => Some(format!(
                "move `{}` aside; omnipack never overwrites a directory that is not a bundle",
                dir.display()
            )),
            BundleError::LayoutMismatch { root, .. } => Some(format!(
                "leave out --layout (the root's config, `{}`, says where things go), or set `layout` there",
                root.join(crate::layout::CONFIG_FILE).display()
            )),
            BundleError::MissingRequirement { .. } => s(
                "give the required bundle on the command line (Crowbar installs by `crowbar.order` alone: leave out --strict-requires to do the same)",
            ),
            BundleError::Duplicate { .. } => s("give one"),
            BundleError::Conflict { obstacle, .. } => obstacle.hint(),
            BundleError::ThroughLink { .. } => {
                s("replace the link by a directory, or move it aside, and run the command again")
            }
            BundleError::Overwrite { .. } => s(
                "move them aside to keep them, or run the install again with --force to overwrite them",
            ),
            BundleError::Journal { path, .. } => Some(format!(
                "inspect `{}` and the staged files beside it",
                path.display()
            )),
            BundleError::Record { .. } => s("reinstall the bundle with --force to rewrite it"),
            BundleError::FaultInjected { .. } => {
                s("the next omnipack bundle command on the root recovers it")
            }
            BundleError::GemIndex { dir, .. } => Some(format!(
                "run `omnipack repo index {} --kind gem` once the cause is fixed",
                dir.display()
            )),
            BundleError::Pack { source, .. } => source.hint(),
            BundleError::Repo(e) => e.hint(),
            BundleError::Io(_)
            | BundleError::Manifest { .. }
            | BundleError::SumsLine { .. }
            | BundleError::Modified { .. }
            | BundleError::Config { .. }
            | BundleError::ConfigPath { .. }
            | BundleError::ConfigDirKey { .. }
            | BundleError::Command { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards: a hint is said once, on its own line, never glued to the message.
    #[test]
    fn hints_are_not_part_of_the_message() {
        let e = BundleError::LocalChanges {
            root: "/srv/admin".into(),
            changed: vec![("nova".into(), vec!["modified `a`".into()])],
        };
        assert_eq!(
            e.to_string(),
            "bundle `nova` installed under `/srv/admin` has local changes: modified `a` (nothing was written)"
        );
        assert!(e.hint().is_some_and(|h| h.contains("--force")));
        let e = BundleError::NoRoot {
            root: "/srv/admin".into(),
            exists: false,
        };
        assert_eq!(e.to_string(), "the admin root `/srv/admin` does not exist");
        assert_eq!(
            e.hint().as_deref(),
            Some("create it (`mkdir -p /srv/admin`) or give the right one with --root")
        );
        let e = BundleError::Pack {
            dir: "b".into(),
            source: Box::new(BundleError::NoSums("b".into())),
        };
        assert_eq!(
            e.hint().as_deref(),
            Some("pack it with `omnipack bundle pack`")
        );
    }
}
