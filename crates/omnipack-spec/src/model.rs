//! [`PackageSpec`]: everything a package format needs to write one package.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::{Arch, Compression, Dependency};

/// The one description of a package. Every later feature (the omnibus build,
/// meta packages, release packages) produces one; every format writes one.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageSpec {
    /// Package name (`Package:` / `Name:`).
    pub name: String,
    /// Upstream version, without epoch or release.
    pub version: String,
    /// Package release / Debian revision (default `1`).
    pub release: String,
    /// Epoch, if any.
    pub epoch: Option<u32>,
    /// Target architecture.
    pub arch: Arch,
    /// One-line summary (RPM `Summary`, Debian synopsis).
    pub summary: String,
    /// Long description; may span lines and paragraphs.
    pub description: String,
    /// License expression (RPM `License`, Debian `copyright` file).
    pub license: String,
    /// Upstream home page.
    pub url: Option<String>,
    /// Vendor (RPM `Vendor`).
    pub vendor: Option<String>,
    /// `Name <email>` of the maintainer (Debian `Maintainer`, RPM `Packager`).
    pub maintainer: String,
    /// Debian section / RPM group.
    pub section: Option<String>,
    /// Debian priority (default `optional`).
    pub priority: Option<String>,
    /// Hard dependencies.
    pub depends: Vec<Dependency>,
    /// Weak, installed-by-default dependencies.
    pub recommends: Vec<Dependency>,
    /// Suggestions.
    pub suggests: Vec<Dependency>,
    /// Virtual packages / capabilities provided.
    pub provides: Vec<Dependency>,
    /// Packages that cannot be installed alongside.
    pub conflicts: Vec<Dependency>,
    /// Packages whose files this one may overwrite (Debian `Replaces`).
    pub replaces: Vec<Dependency>,
    /// Packages this one obsoletes (RPM `Obsoletes`).
    pub obsoletes: Vec<Dependency>,
    /// Every installed path: regular files, owned directories, symlinks.
    /// Paths are absolute (`/opt/app/bin/app`) and unique.
    pub files: Vec<FileEntry>,
    /// Maintainer scripts.
    pub scripts: Scripts,
    /// Seconds since the epoch stamped on every entry and on the package
    /// (`SOURCE_DATE_EPOCH`); the same spec and timestamp give the same bytes.
    pub source_date_epoch: u64,
    /// Debian-only settings.
    pub deb: FormatOptions,
    /// RPM-only settings.
    pub rpm: FormatOptions,
}

impl PackageSpec {
    /// A spec with the required fields set and everything else empty or default.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        PackageSpec {
            name: name.into(),
            version: version.into(),
            release: "1".to_owned(),
            epoch: None,
            arch: Arch::native(),
            summary: String::new(),
            description: String::new(),
            license: "unknown".to_owned(),
            url: None,
            vendor: None,
            maintainer: String::new(),
            section: None,
            priority: None,
            depends: Vec::new(),
            recommends: Vec::new(),
            suggests: Vec::new(),
            provides: Vec::new(),
            conflicts: Vec::new(),
            replaces: Vec::new(),
            obsoletes: Vec::new(),
            files: Vec::new(),
            scripts: Scripts::default(),
            source_date_epoch: 0,
            deb: FormatOptions::default(),
            rpm: FormatOptions::default(),
        }
    }

    /// Sorts [`PackageSpec::files`] by installed path, parents before children,
    /// which is the order every writer emits.
    pub fn sort_files(&mut self) {
        self.files.sort_by(|a, b| path_order(&a.path, &b.path));
    }

    /// `version-release` with the epoch if any, as both formats print it.
    pub fn full_version(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}

/// Orders installed paths component by component, so `/a/b` sorts before
/// `/a-b` and a directory always precedes its contents.
pub(crate) fn path_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('/').cmp(b.split('/'))
}

/// One installed path.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// Absolute installed path, normalised (`/usr/bin/x`, no trailing slash).
    pub path: String,
    /// What the path is.
    pub kind: FileKind,
    /// Permission bits including setuid/setgid/sticky (`0o7777` mask).
    pub mode: u32,
    /// Owning user name.
    pub user: String,
    /// Owning group name.
    pub group: String,
    /// Whether the file is a configuration file the admin may edit.
    pub config: Option<Config>,
}

impl FileEntry {
    /// A regular file copied from `source`, owned by root.
    pub fn file(path: impl Into<String>, source: FileSource, mode: u32) -> Self {
        Self::with_kind(path, FileKind::File(source), mode)
    }

    /// An owned directory, owned by root.
    pub fn dir(path: impl Into<String>, mode: u32) -> Self {
        Self::with_kind(path, FileKind::Dir, mode)
    }

    /// A symbolic link to `target` (kept as written, relative or absolute).
    pub fn symlink(path: impl Into<String>, target: impl Into<String>) -> Self {
        Self::with_kind(path, FileKind::Symlink(target.into()), 0o777)
    }

    fn with_kind(path: impl Into<String>, kind: FileKind, mode: u32) -> Self {
        FileEntry {
            path: path.into(),
            kind,
            mode,
            user: "root".to_owned(),
            group: "root".to_owned(),
            config: None,
        }
    }
}

/// The kind of an installed path.
#[derive(Debug, Clone, PartialEq)]
pub enum FileKind {
    /// A regular file with its contents.
    File(FileSource),
    /// A directory the package owns (created on install, removed when empty).
    Dir,
    /// A symbolic link to the target.
    Symlink(String),
}

/// Where a regular file's bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum FileSource {
    /// A file on disk, streamed when the package is written.
    Path(PathBuf),
    /// Bytes generated by omnipack (units, copyright files, small snippets).
    Inline(Vec<u8>),
}

/// Configuration-file handling on upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Keep the admin's edited file and write the new one beside it
    /// (RPM `%config(noreplace)`; Debian conffiles always behave so).
    pub noreplace: bool,
}

/// Maintainer scripts, as shell script text. A script without `#!` gets
/// `#!/bin/sh` and `set -e` prepended in a .deb.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scripts {
    /// Before files are unpacked (`preinst`, `%pre`).
    pub pre_install: Option<String>,
    /// After files are unpacked (`postinst`, `%post`).
    pub post_install: Option<String>,
    /// Before files are removed (`prerm`, `%preun`).
    pub pre_remove: Option<String>,
    /// After files are removed (`postrm`, `%postun`).
    pub post_remove: Option<String>,
}

impl Scripts {
    /// Whether any script is set.
    pub fn is_empty(&self) -> bool {
        self.pre_install.is_none()
            && self.post_install.is_none()
            && self.pre_remove.is_none()
            && self.post_remove.is_none()
    }
}

/// Settings for one format only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormatOptions {
    /// Payload compression; `None` means xz, which every supported dpkg and rpm reads.
    pub compression: Option<Compression>,
    /// Extra header fields: Debian control fields (`Multi-Arch`, `Built-Using`) or,
    /// for RPM, `Group`/`Distribution`/`Packager` overrides.
    pub fields: BTreeMap<String, String>,
}
