//! The error type of this crate: every variant names the file or field at fault.

use std::path::PathBuf;

/// What can go wrong while describing a package.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A field's value breaks the rules of a package format.
    #[error("invalid {field} `{value}` for a {format} package: {reason}")]
    InvalidField {
        /// The field, as the user knows it (`name`, `version`, ...).
        field: &'static str,
        /// The offending value.
        value: String,
        /// `.deb`, `.rpm` or `any`.
        format: &'static str,
        /// What rule it breaks and what would be accepted.
        reason: String,
    },
    /// A required field is empty.
    #[error("missing {field}: {hint}")]
    Missing {
        /// The field.
        field: &'static str,
        /// How to provide it.
        hint: &'static str,
    },
    /// A dependency string could not be parsed.
    #[error("invalid dependency `{value}`: {reason}")]
    Dependency {
        /// The dependency as written.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A compression setting could not be parsed.
    #[error(
        "invalid compression `{0}`: expected gzip, xz, zstd or none, optionally with `:LEVEL` (e.g. `xz:6`, `zstd:19`)"
    )]
    Compression(String),
    /// An architecture name is unknown.
    #[error(
        "unknown architecture `{0}`: use native, all, amd64/x86_64, arm64/aarch64, i386/i686, armhf, ppc64el/ppc64le, s390x or riscv64"
    )]
    Arch(String),
    /// The spec file is not valid TOML or has unknown/mistyped keys.
    #[error("`{path}`: {message}")]
    SpecFile {
        /// The spec file.
        path: PathBuf,
        /// The parser's message, which points at the line.
        message: String,
    },
    /// The staged directory has something that cannot be packaged.
    #[error("`{path}`: {reason}")]
    Tree {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// Two entries claim the same installed path.
    #[error("`{0}` is listed twice: each installed path may appear once")]
    Duplicate(String),
    /// A project version (from `git describe` or the manifest) that Flocker's
    /// version rules cannot convert.
    #[error(
        "invalid version `{value}`: {reason}; expected `git describe --tags` output such as `1.2.0`, `v1.2.0`, `1.2.0rc1`, `1.2.0.dev3` or `1.2.0-4-g1a2b3c4-dirty`"
    )]
    Version {
        /// The version as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A distribution name that is neither built in nor defined by the manifest.
    #[error(
        "unknown distribution `{name}`: known distributions are {known}; to define it, add a `[distributions.{name}]` table with at least `format = \"deb\"` or `format = \"rpm\"`"
    )]
    UnknownDistribution {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A distribution definition or override that cannot be used.
    #[error("distribution `{name}`: {reason}")]
    Distribution {
        /// The distribution's name.
        name: String,
        /// What is wrong and what to write instead.
        reason: String,
    },
    /// A filesystem error, naming its path (from `fs-err`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
