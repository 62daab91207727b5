//! [`PackageInfo`]: what a reader gives back from a package on disk, the same
//! model for both formats (for `omnipack inspect`, and later repository indexes).

use std::fmt::Write as _;

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

/// `ls -l` style mode string (`-rwsr-xr-x`).
fn mode_string(kind: InfoFileKind, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(match kind {
        InfoFileKind::Dir => 'd',
        InfoFileKind::Symlink => 'l',
        InfoFileKind::File => '-',
        InfoFileKind::Other => '?',
    });
    let bits = [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o040, 'r'),
        (0o020, 'w'),
        (0o010, 'x'),
        (0o004, 'r'),
        (0o002, 'w'),
        (0o001, 'x'),
    ];
    for (i, (bit, c)) in bits.iter().enumerate() {
        let set = mode & bit != 0;
        let special = match i {
            2 => mode & 0o4000 != 0,
            5 => mode & 0o2000 != 0,
            8 => mode & 0o1000 != 0,
            _ => false,
        };
        s.push(match (special, set, i) {
            (true, true, 8) => 't',
            (true, false, 8) => 'T',
            (true, true, _) => 's',
            (true, false, _) => 'S',
            (false, true, _) => *c,
            (false, false, _) => '-',
        });
    }
    s
}

impl PackageInfo {
    /// The text form `omnipack inspect` prints: header fields, then one
    /// line per file (`ls -l` style).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let version = match self.epoch {
            Some(e) => format!("{e}:{}", self.version),
            None => self.version.clone(),
        };
        let full = if self.release.is_empty() {
            version
        } else {
            format!("{version}-{}", self.release)
        };
        let _ = writeln!(out, "Format:       {}", self.format.as_str());
        let _ = writeln!(out, "Name:         {}", self.name);
        let _ = writeln!(out, "Version:      {full}");
        let _ = writeln!(out, "Architecture: {}", self.arch);
        let _ = writeln!(out, "Summary:      {}", self.summary);
        let _ = writeln!(out, "Size:         {}", self.installed_size);
        for (label, list) in [
            ("Depends", &self.depends),
            ("Provides", &self.provides),
            ("Conflicts", &self.conflicts),
        ] {
            if !list.is_empty() {
                let _ = writeln!(out, "{:<13} {}", format!("{label}:"), list.join(", "));
            }
        }
        if !self.scripts.is_empty() {
            let _ = writeln!(out, "Scripts:      {}", self.scripts.join(" "));
        }
        let _ = writeln!(out, "\nFields:");
        for (k, v) in &self.fields {
            // Continuation lines keep their own leading space (deb); indent them evenly.
            let v = v.replace("\n ", "\n").replace('\n', "\n    ");
            let _ = writeln!(out, "  {k}: {v}");
        }
        let _ = writeln!(out, "\nFiles ({}):", self.files.len());
        for f in &self.files {
            let mut line = format!(
                "{} {:>8} {:>10} {}",
                mode_string(f.kind, f.mode),
                format!("{}/{}", f.user, f.group),
                f.size,
                f.path
            );
            if let Some(t) = &f.link_target {
                let _ = write!(line, " -> {t}");
            }
            if f.config {
                line.push_str(" [config]");
            }
            let _ = writeln!(out, "{line}");
        }
        out
    }
}

/// Why a package's identity field (name, version, release, architecture)
/// as read back cannot go into an apt or yum index, if it cannot: apt and
/// dnf want a non-empty single word without control characters.
pub fn word_fault(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("is empty")
    } else if value.chars().any(char::is_control) {
        Some("holds a control character or line break")
    } else if value.chars().any(char::is_whitespace) {
        Some("holds whitespace")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings_show_special_bits() {
        assert_eq!(mode_string(InfoFileKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(InfoFileKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(InfoFileKind::Symlink, 0o777), "lrwxrwxrwx");
        assert_eq!(mode_string(InfoFileKind::File, 0o2644), "-rw-r-Sr--");
    }
}
