//! What can go wrong with build roots, each error naming the distribution,
//! the directory or the mirror, with what to do in [`RootfsError::hint`].

use std::path::PathBuf;

/// An error about a build root.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootfsError {
    /// No tool to make a root of this format is installed.
    #[error("cannot make a build root of {distribution}: none of {tools} is installed")]
    NoTool {
        /// The distribution.
        distribution: String,
        /// The tools tried, e.g. "`mmdebstrap`, `debootstrap`".
        tools: String,
        /// What to install.
        install: String,
    },
    /// No mirror is known for the distribution.
    #[error("no package mirror is known for {distribution}{why}")]
    NoMirror {
        /// The distribution.
        distribution: String,
        /// Why the machine's own mirror was not used, with a leading "; ".
        why: String,
        /// `--mirror` or `repositories`.
        flag: &'static str,
    },
    /// The distribution lacks a field a root needs.
    #[error("cannot make a build root of {distribution}: it has no `{field}`")]
    MissingField {
        /// The distribution.
        distribution: String,
        /// The field (`suite`).
        field: &'static str,
    },
    /// A mirror URL that does not parse or has an unusable scheme.
    #[error("mirror `{url}` is not a usable URL: {reason}")]
    BadMirror {
        /// As given.
        url: String,
        /// Why.
        reason: String,
    },
    /// A mirror that does not answer.
    #[error("mirror `{url}` does not answer: {reason}")]
    MirrorUnreachable {
        /// The mirror.
        url: String,
        /// What the connection said.
        reason: String,
    },
    /// A mirror that answers but does not serve the suite.
    #[error("mirror `{url}` does not serve {distribution}: `{checked}` answered {status}")]
    MirrorLacksSuite {
        /// The mirror.
        url: String,
        /// The distribution.
        distribution: String,
        /// The URL checked.
        checked: String,
        /// Its HTTP status line.
        status: String,
    },
    /// The tool that makes the root failed.
    #[error("making the build root of {distribution} failed: `{command}` {status}\n{tail}")]
    CreateFailed {
        /// The distribution.
        distribution: String,
        /// The command line.
        command: String,
        /// How it ended.
        status: String,
        /// The last lines of its log.
        tail: String,
        /// Where the whole log is.
        log: PathBuf,
    },
    /// No cached root of the distribution.
    #[error("there is no build root of {0}")]
    NotFound(String),
    /// A given root is not a usable root filesystem.
    #[error("`{path}` is not a usable build root of {distribution}: {problem}")]
    NotARoot {
        /// The directory.
        path: PathBuf,
        /// The distribution it was given for.
        distribution: String,
        /// What is wrong.
        problem: String,
    },
    /// A given root is of another distribution.
    #[error("`{path}` holds {found}, not {distribution} (its /etc/os-release says so)")]
    WrongDistribution {
        /// The directory.
        path: PathBuf,
        /// The distribution it was given for.
        distribution: String,
        /// What its os-release names.
        found: String,
    },
    /// The root's programs are for another CPU than this machine's.
    #[error(
        "the build root of {distribution} at `{path}` holds {root} programs, and this machine runs {host} programs"
    )]
    WrongMachine {
        /// The distribution.
        distribution: String,
        /// The root.
        path: PathBuf,
        /// The root's CPU.
        root: String,
        /// This machine's CPU.
        host: String,
    },
    /// The sandbox cannot be used.
    #[error("cannot run commands inside a build root: {0}")]
    Sandbox(String),
    /// A cached root's record does not parse.
    #[error("the record `{path}` of a build root does not parse: {reason}")]
    BadRecord {
        /// The record file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A filesystem error (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl RootfsError {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            RootfsError::NoTool { install, .. } => install.clone(),
            RootfsError::NoMirror {
                distribution, flag, ..
            } => format!(
                "name the distribution's mirror: `omnipack builder create {distribution} {flag} URL`, or `{}` in its `[distributions.{distribution}]` table",
                if *flag == "--mirror" {
                    "mirror = \"URL\""
                } else {
                    "repositories = [\"URL\", ...]"
                }
            ),
            RootfsError::MissingField {
                distribution,
                field,
            } => format!("set `{field}` in `[distributions.{distribution}]` of omnipack.toml"),
            RootfsError::BadMirror { .. } => {
                "give the mirror's base URL, e.g. `http://HOST/debian` (http, https or file)"
                    .to_owned()
            }
            RootfsError::MirrorUnreachable { .. } | RootfsError::MirrorLacksSuite { .. } => {
                "check the URL (it is the directory holding `dists/`), or name another with `--mirror URL`".to_owned()
            }
            RootfsError::CreateFailed { log, .. } => format!(
                "the whole log is `{}`; a mirror or network problem is the usual cause",
                log.display()
            ),
            RootfsError::NotFound(d) => format!(
                "make it with `omnipack builder create {d}`, or give one with `--builder {d}=DIR` (`omnipack builder list` shows those there are)"
            ),
            RootfsError::NotARoot { distribution, .. }
            | RootfsError::WrongDistribution { distribution, .. } => format!(
                "give the directory of a root filesystem of {distribution} (an unpacked image, a mock or sbuild chroot), or make one with `omnipack builder create {distribution}`"
            ),
            RootfsError::WrongMachine { .. } => {
                "build on a machine of that CPU, or give a root of this machine's CPU".to_owned()
            }
            RootfsError::Sandbox(_) => {
                "build roots need `bwrap` (Debian: `apt-get install bubblewrap`), `unshare` and overlay mounts, which need root or unprivileged user namespaces".to_owned()
            }
            RootfsError::BadRecord { path, .. } => format!(
                "remove the root with `omnipack builder remove` (or delete `{}`) and make it again",
                path.parent().unwrap_or(path).display()
            ),
            RootfsError::Io(_) => return None,
        })
    }
}
