//! The one description of a package that every omnipack feature produces and
//! every package format consumes: [`PackageSpec`].
//!
//! A spec is built either from a small TOML file ([`SpecFile`]) or from
//! command-line flags plus the entries of a staged directory (walked by
//! `omnipack_archive::tree`: this crate does no filesystem scanning). Writers for
//! `.deb` and `.rpm` read it; readers produce a [`PackageInfo`] for `inspect`
//! and, later, for repository indexing.

mod arch;
mod compression;
mod depend;
pub mod distribution;
mod error;
mod info;
pub mod manifest;
mod model;
pub mod specfile;
mod validate;
pub mod vercmp;
pub mod version;

pub use arch::Arch;
pub use compression::{Codec, Compression};
pub use depend::{Constraint, Dependency, Op, Relation};
pub use error::{DependencyProblem, DistributionProblem, ManifestProblem, SpecError};
pub use info::{Format, InfoFile, InfoFileKind, PackageInfo, word_fault};
pub use manifest::{ImageDecl, Installer, Manifest, PackageDecl, Recipe};
pub use model::{Config, FileEntry, FileKind, FileSource, FormatOptions, PackageSpec, Scripts};
pub use specfile::SpecFile;
