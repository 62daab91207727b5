//! Packaging operations that sit above the formats: pick a format with a plain
//! `enum` ([`omnipack_spec::Format`]), write packages atomically into an output
//! directory, read any package back, and find the build timestamp.
//!
//! It also runs the omnibus build ([`build`]): stage with a recipe, plan the
//! main and meta packages per distribution ([`plan`]), write, lint, publish
//! into the output directory.
//!
//! The CLI's commands are thin wrappers around these functions.

pub mod builder;
mod epoch;
mod error;
mod formats;
mod git;
mod host;
pub mod init;
pub mod libdeps;
pub mod lint;
mod maintainer;
mod omnibus;
mod package;
pub mod plan;
pub mod recipe;
pub mod release;
mod resolve;
pub mod srcpkg;

pub use epoch::source_date_epoch;
pub use error::BuildError;
pub use formats::{Verified, file_name, inspect, validate, verify, write};
pub use git::short_revision;
pub use host::host_distribution;
pub use maintainer::{FoundMaintainer, default_maintainer};
pub use omnibus::{BuildRequest, Built, build, describe_version, project_version};
pub use package::{PackageRequest, package};
pub use resolve::resolve_spec;
