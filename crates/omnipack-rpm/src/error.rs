//! [`RpmError`], the one error type of this crate: every variant names the
//! file, field or package at fault and what is wrong; [`RpmError::hint`]
//! says what to do, where there is something, for a `hint:` line of its own.

use std::io;
use std::path::PathBuf;

/// What can go wrong while writing or reading an RPM package.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RpmError {
    /// The spec breaks a rule of the model (a missing field, a bad path).
    #[error(transparent)]
    Spec(#[from] omnipack_spec::SpecError),

    /// A name, version or release breaks RPM's rules (checked before any output is written).
    #[error("invalid {field} `{value}` for a .rpm package: {rule}")]
    Invalid {
        /// `name`, `version` or `release`.
        field: &'static str,
        /// The offending value.
        value: String,
        /// The rule it breaks (what would be accepted).
        rule: &'static str,
    },

    /// A key in the spec's `rpm.fields` table is not one this writer knows.
    #[error("unknown RPM header field `{key}` in `rpm.fields`: supported fields are {supported}")]
    UnknownField {
        /// The key as written.
        key: String,
        /// The supported keys, comma-separated.
        supported: &'static str,
    },

    /// A value of `rpm.fields` that a header field cannot hold.
    #[error("invalid RPM rpm.fields.{key} `{value}`: header fields are one non-empty line")]
    FieldValue {
        /// The key as written.
        key: String,
        /// The offending value.
        value: String,
    },

    /// A `source_date_epoch` past what RPM's 32-bit times hold (February 2106).
    #[error("invalid RPM source_date_epoch `{0}`: RPM stores times as 32-bit numbers")]
    Epoch(u64),

    /// A relation without any package name.
    #[error("invalid RPM {kind}: a dependency needs at least one package name")]
    EmptyDependency {
        /// The relation (`requires`, `provides`, ...).
        kind: String,
    },

    /// A regular file is too large for the newc cpio payload.
    #[error("`{path}` is {size} bytes: an RPM cpio payload holds files under 4 GiB")]
    FileTooLarge {
        /// Installed path.
        path: String,
        /// Its size in bytes.
        size: u64,
    },

    /// A source file of the staged tree cannot be read.
    #[error("cannot read `{source_path}` (installed as `{installed}`): {source}")]
    Source {
        /// The file on disk.
        source_path: PathBuf,
        /// Its installed path.
        installed: String,
        /// The cause (from `fs-err`, naming the path).
        source: io::Error,
    },

    /// A file of the spec whose source on disk is not a regular file.
    #[error("cannot read `{source_path}` (installed as `{installed}`): not a regular file")]
    NotAFile {
        /// The path on disk.
        source_path: PathBuf,
        /// Its installed path.
        installed: String,
    },

    /// The temporary payload file could not be created or used.
    #[error("cannot use a temporary payload file in `{dir}`: {source}")]
    Scratch {
        /// The scratch directory.
        dir: PathBuf,
        /// The cause.
        source: io::Error,
    },

    /// Streaming one entry into the payload failed.
    #[error("cannot add `{installed}` to the RPM payload: {source}")]
    Payload {
        /// Installed path of the entry being written.
        installed: String,
        /// The cause (a source read error names the file on disk).
        source: io::Error,
    },

    /// Writing the package to its destination failed.
    #[error("cannot write the RPM package `{file_name}`: {source}")]
    Output {
        /// The conventional file name of the package being written.
        file_name: String,
        /// The cause.
        source: io::Error,
    },

    /// The `rpm` crate refused to assemble a header (a bug in omnipack if it happens).
    #[error("cannot assemble the RPM header of `{file_name}`: {source}")]
    Header {
        /// The conventional file name of the package being written.
        file_name: String,
        /// The cause.
        source: rpm::Error,
    },

    /// A package file cannot be opened or read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The package.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },

    /// The file does not start with the RPM lead magic.
    #[error("`{path}` is not an RPM package (no lead magic `ed ab ee db`)")]
    NotRpm {
        /// The file.
        path: PathBuf,
    },

    /// The file ends before its headers or payload do.
    #[error("`{path}` is truncated: {detail}")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Which part is cut short.
        detail: String,
    },

    /// The package reads, but a repository client would refuse its entry.
    #[error("`{path}` cannot be indexed: its {field} `{value}` {fault}, which dnf refuses")]
    Unindexable {
        /// The file.
        path: PathBuf,
        /// `Name`, `Version`, `Release` or `Arch`.
        field: &'static str,
        /// The value as read.
        value: String,
        /// What is wrong with it.
        fault: &'static str,
    },

    /// The file starts like an RPM but its headers cannot be parsed.
    #[error("`{path}` is not a readable RPM package: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// A digest the package records does not match its bytes (what
    /// `rpm -K` reports as `DIGESTS NOT OK`).
    #[error(
        "`{path}` is damaged: its {which} digest does not match (recorded {recorded}, computed {computed})"
    )]
    Digest {
        /// The file.
        path: PathBuf,
        /// Which digest (`header SHA256`, `payload SHA256`, `MD5`, ...).
        which: String,
        /// The digest the package records (hex).
        recorded: String,
        /// The digest of its bytes (hex).
        computed: String,
    },

    /// A package that records no digest to check its bytes against.
    #[error(
        "`{path}` records no digest of its header or payload, so its integrity cannot be checked"
    )]
    NoDigest {
        /// The file.
        path: PathBuf,
    },
}

impl RpmError {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            RpmError::Spec(e) => return e.hint(),
            RpmError::UnknownField { .. } => "remove it or use one of those",
            RpmError::Epoch(_) => "use a time before 2106",
            RpmError::FileTooLarge { .. } => "split the file or ship it outside the package",
            RpmError::NotAFile { .. } => "list it as a directory or symlink instead",
            RpmError::Scratch { .. } => "make the scratch directory writable or choose another one",
            RpmError::NotRpm { .. } => "check that you passed a .rpm file",
            RpmError::Truncated { .. } | RpmError::Digest { .. } => {
                "download or build the package again"
            }
            RpmError::NoDigest { .. } => {
                "rebuild it with rpm 4.14 or later (or omnipack), which record SHA-256 digests"
            }
            RpmError::Unindexable { .. } => {
                "rebuild the package with that field set to one word, or remove it from the repository"
            }
            RpmError::Invalid { .. }
            | RpmError::FieldValue { .. }
            | RpmError::EmptyDependency { .. }
            | RpmError::Source { .. }
            | RpmError::Payload { .. }
            | RpmError::Output { .. }
            | RpmError::Header { .. }
            | RpmError::Read { .. }
            | RpmError::Corrupt { .. } => return None,
        };
        Some(hint.to_owned())
    }
}
