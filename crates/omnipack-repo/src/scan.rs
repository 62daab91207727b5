//! Finds and reads the packages of a leaf directory.

use std::path::PathBuf;

use omnipack_spec::PackageInfo;
use serde::{Deserialize, Serialize};

/// One package as the indexes see it: where it is, its checksums, its
/// metadata. Cached between runs (see [`crate::cache`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The package file.
    pub path: PathBuf,
    /// Its path relative to the leaf directory, `/`-separated (`greet_1.0-1_all.deb`
    /// in a flat repository): apt's `Filename`, yum's `location href`.
    pub rel: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (seconds).
    pub mtime: i64,
    /// Hex MD5 of the file.
    pub md5: String,
    /// Hex SHA-1.
    pub sha1: String,
    /// Hex SHA-256.
    pub sha256: String,
    /// Hex SHA-512.
    pub sha512: String,
    /// Metadata (for .deb: every control field in `info.fields`, no file list).
    pub info: PackageInfo,
    /// For .rpm: what the yum metadata needs.
    pub yum: Option<crate::yum::YumPackage>,
}
