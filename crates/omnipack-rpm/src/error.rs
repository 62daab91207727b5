//! [`RpmError`], the one error type of this crate: every variant names the
//! file, field or package at fault and, where there is one, what to do.

use std::io;
use std::path::PathBuf;

/// What can go wrong while writing or reading an RPM package.
#[derive(Debug, thiserror::Error)]
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
    #[error(
        "unknown RPM header field `{key}` in `rpm.fields`: supported fields are {supported}; remove it or use one of those"
    )]
    UnknownField {
        /// The key as written.
        key: String,
        /// The supported keys, comma-separated.
        supported: &'static str,
    },

    /// A field's value cannot be stored in an RPM header.
    #[error("invalid RPM {field} `{value}`: {reason}")]
    InvalidField {
        /// The field (`rpm.fields.Group`, `source_date_epoch`, a dependency kind, ...).
        field: String,
        /// The offending value.
        value: String,
        /// What rule it breaks and what to do.
        reason: String,
    },

    /// A regular file is too large for the newc cpio payload.
    #[error(
        "`{path}` is {size} bytes: an RPM cpio payload holds files under 4 GiB; split the file or ship it outside the package"
    )]
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

    /// The temporary payload file could not be created or used.
    #[error(
        "cannot use a temporary payload file in `{dir}`: {source}; make the scratch directory writable or choose another one"
    )]
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
    #[error(
        "`{path}` is not an RPM package (no lead magic `ed ab ee db`); check that you passed a .rpm file"
    )]
    NotRpm {
        /// The file.
        path: PathBuf,
    },

    /// The file ends before its headers or payload do.
    #[error("`{path}` is truncated: {detail}; download or build the package again")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Which part is cut short.
        detail: String,
    },

    /// The file starts like an RPM but its headers cannot be parsed.
    #[error("`{path}` is not a readable RPM package: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}
