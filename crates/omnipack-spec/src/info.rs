//! [`PackageInfo`]: what a reader gives back from a package on disk, the same
//! model for both formats (for `omnipack inspect`, and later repository indexes).

use serde::{Deserialize, Serialize};

/// A package format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Debian binary package.
    Deb,
    /// RPM binary package.
    Rpm,
}

impl Format {
    /// Recognises a package by its first bytes: `!<arch>\n` (ar) for .deb,
    /// the lead magic `ed ab ee db` for .rpm.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"!<arch>\n") {
            Some(Format::Deb)
        } else if head.starts_with(&[0xed, 0xab, 0xee, 0xdb]) {
            Some(Format::Rpm)
        } else {
            None
        }
    }

    /// `deb` or `rpm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Deb => "deb",
            Format::Rpm => "rpm",
        }
    }
}

/// Metadata and file list read back from a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageInfo {
    /// The format read.
    pub format: Format,
    /// Package name.
    pub name: String,
    /// Upstream version.
    pub version: String,
    /// Release / Debian revision (empty for a Debian native version).
    pub release: String,
    /// Epoch, if any.
    pub epoch: Option<u32>,
    /// Architecture as the format spells it.
    pub arch: String,
    /// One-line summary.
    pub summary: String,
    /// Long description (without the summary line for .deb).
    pub description: String,
    /// Every header field as `(name, value)`, in the package's order, for display.
    pub fields: Vec<(String, String)>,
    /// Dependencies as written by the format.
    pub depends: Vec<String>,
    /// Provided names.
    pub provides: Vec<String>,
    /// Conflicts.
    pub conflicts: Vec<String>,
    /// Installed size in bytes (.deb: `Installed-Size` × 1024).
    pub installed_size: u64,
    /// Maintainer script names present (`postinst`, `%post`, ...).
    pub scripts: Vec<String>,
    /// Every path in the payload, in archive order.
    pub files: Vec<InfoFile>,
}

/// One path in a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoFile {
    /// Absolute installed path (no trailing `/`, `/` itself for the root entry).
    pub path: String,
    /// Kind.
    pub kind: InfoFileKind,
    /// Permission bits (`0o7777` mask).
    pub mode: u32,
    /// Owner name.
    pub user: String,
    /// Group name.
    pub group: String,
    /// Size in bytes (0 for directories and links).
    pub size: u64,
    /// Hex digest recorded in the package (SHA-256 for omnipack RPMs, MD5 from `md5sums`).
    pub digest: Option<String>,
    /// Symlink target.
    pub link_target: Option<String>,
    /// A configuration file (`conffiles` / `%config`).
    pub config: bool,
}

/// Kind of an [`InfoFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InfoFileKind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
    /// Hard link (tar `link`), device, fifo: anything else.
    Other,
}
