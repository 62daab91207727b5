//! Packaging operations that sit above the formats: pick a format with a plain
//! `enum` ([`omnipack_spec::Format`]), write packages atomically into an output
//! directory, read any package back, and find the build timestamp.
//!
//! The CLI's commands are thin wrappers around these functions.

mod epoch;
mod error;
mod formats;
mod package;

pub use epoch::source_date_epoch;
pub use error::BuildError;
pub use formats::{file_name, inspect, validate, write};
pub use package::{PackageRequest, package};
