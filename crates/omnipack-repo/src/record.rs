//! What the indexes know of a package, shared by the modules that find
//! (`scan`), keep (`cache`, `spool`) and render (`apt`, `yum`) it: the
//! [`Record`] of a package file, its [`IndexInfo`], its digests
//! ([`Checksum`]), its rendered yum entries ([`YumXml`], in memory or
//! spooled, [`YumEntries`]) and where it came from this run ([`Origin`]).
//!
//! These are plain data with no behaviour of their own, so that the modules
//! using them need not import each other.

use std::path::PathBuf;

use omnipack_core::Stamp;
use omnipack_spec::PackageInfo;
use serde::{Deserialize, Serialize};

/// What the indexes keep of a package's [`PackageInfo`]: what identifies
/// it and, for a .deb, every control field (its `Packages` stanza). The
/// file list, scripts, description and relations are dropped when it is
/// read (an .rpm's [`Record::yum`] entries carry what yum needs of them),
/// so that 10 000 records stay small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexInfo {
    /// Package format.
    pub format: omnipack_spec::Format,
    /// Package name.
    pub name: String,
    /// Upstream version.
    pub version: String,
    /// Release / Debian revision (may be empty).
    pub release: String,
    /// Epoch, if any.
    pub epoch: Option<u32>,
    /// Architecture as the format spells it.
    pub arch: String,
    /// For a .deb, every control field in order; empty for an .rpm.
    pub fields: Fields,
}

impl From<&PackageInfo> for IndexInfo {
    /// Copies what is kept, control fields included (a NUL in them becomes
    /// U+FFFD: see [`Fields::new`]).
    fn from(i: &PackageInfo) -> Self {
        let fields = i
            .fields
            .iter()
            .map(|(k, v)| (k.replace('\0', "\u{fffd}"), v.replace('\0', "\u{fffd}")))
            .collect::<Vec<_>>();
        IndexInfo {
            fields: Fields::new(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .unwrap_or_default(),
            ..IndexInfo::identity(i)
        }
    }
}

/// A .deb's control fields in file order, packed in one string (each
/// name and value followed by a NUL): a record holds one allocation for
/// them, not two a field (10 000 records of nine fields held 180 000).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields(Box<str>);

impl Fields {
    /// The fields `pairs`, in order; `None` if a name or value holds a NUL
    /// (which no control file can carry into a `Packages` stanza).
    pub fn new<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Option<Fields> {
        let mut len = 0;
        for (k, v) in pairs.clone() {
            if k.contains('\0') || v.contains('\0') {
                return None;
            }
            len += k.len() + v.len() + 2;
        }
        let mut s = String::with_capacity(len);
        for (k, v) in pairs {
            s.push_str(k);
            s.push('\0');
            s.push_str(v);
            s.push('\0');
        }
        Some(Fields(s.into_boxed_str()))
    }

    /// The fields in order, as `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let mut parts = self.0.split_terminator('\0');
        std::iter::from_fn(move || Some((parts.next()?, parts.next().unwrap_or(""))))
    }

    /// The value of `name` (compared case-insensitively, as field names are).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The bytes they take packed (about their length in a stanza).
    pub fn packed_len(&self) -> usize {
        self.0.len()
    }

    /// No fields (an .rpm's record).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl IndexInfo {
    /// What identifies the package, without its control fields.
    pub(crate) fn identity(i: &PackageInfo) -> Self {
        IndexInfo {
            format: i.format,
            name: i.name.clone(),
            version: i.version.clone(),
            release: i.release.clone(),
            epoch: i.epoch,
            arch: i.arch.clone(),
            fields: Fields::default(),
        }
    }
}

impl omnipack_spec::vercmp::Versioned for IndexInfo {
    fn format(&self) -> omnipack_spec::Format {
        self.format
    }
    fn epoch(&self) -> Option<u32> {
        self.epoch
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn release(&self) -> &str {
        &self.release
    }
}

/// A digest of `N` bytes, kept as bytes (10 000 records hold no hex
/// strings) and written out as lowercase hex (`Display`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Checksum<const N: usize>(#[serde(with = "serde_bytes")] pub [u8; N]);

impl<const N: usize> std::fmt::Display for Checksum<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl<const N: usize> std::fmt::Debug for Checksum<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// One package as the indexes see it: where it is, its checksums, its
/// metadata. Cached between runs (by the index cache).
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
    /// MD5 of the file (.deb only; not computed for .rpm, which yum
    /// doesn't need).
    pub md5: Option<Checksum<16>>,
    /// SHA-1 (.deb only).
    pub sha1: Option<Checksum<20>>,
    /// SHA-256.
    pub sha256: Checksum<32>,
    /// What identifies the package (and for a .deb every control field).
    pub info: IndexInfo,
    /// For .rpm: its rendered entries in the yum metadata (in memory, or in
    /// the cache's fragment spool).
    pub yum: Option<YumEntries>,
    /// Whether and how the cache keeps it after this run (not stored).
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a [`Record`] came from this run, for the cache to keep it: out
/// of the cache (and where its frame was) or read, with the stamp it was
/// read or checked at. Not stored; a record with none is not given back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origin(pub(crate) Option<Taken>);

impl Origin {
    /// A package read this run, whose file had `stamp` before it was read.
    pub fn read(stamp: Stamp) -> Origin {
        Origin(Some(Taken {
            stamp,
            frame: None,
            live: 0,
        }))
    }
}

/// A record's origin: the stamp it was read or checked at and, if it came
/// out of the cache, where its frame was in the cache file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Taken {
    /// The file's stamp.
    pub(crate) stamp: Stamp,
    /// Its frame in the cache file as read (taken from the cache, not read).
    pub(crate) frame: Option<std::ops::Range<usize>>,
    /// Spool bytes it refers to.
    pub(crate) live: u64,
}

/// Where one package's three fragments are in the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpoolRef {
    /// Offset in each kind's file.
    pub off: [u64; 3],
    /// Length of each fragment.
    pub len: [u32; 3],
    /// CRC-32 of each fragment.
    pub crc: [u32; 3],
}

/// A package's yum entries: rendered in memory (just read, not yet in the
/// spool, or no spool), or in the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum YumEntries {
    /// In memory.
    Rendered(Box<YumXml>),
    /// In the cache's spool.
    Spooled(SpoolRef),
}

impl From<YumXml> for YumEntries {
    fn from(x: YumXml) -> Self {
        YumEntries::Rendered(Box::new(x))
    }
}

/// One package's entries in `primary.xml`, `filelists.xml` and `other.xml`,
/// rendered once when the package is read and cached with its [`Record`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YumXml {
    /// Its `<package>` element in `primary.xml`.
    pub primary: String,
    /// Its `<package>` element in `filelists.xml`.
    pub filelists: String,
    /// Its `<package>` element in `other.xml`.
    pub other: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_order_and_values_and_refuse_a_nul() {
        let pairs = [("Package", "a"), ("Description", "x\n y"), ("Empty", "")];
        let f = Fields::new(pairs.into_iter()).unwrap();
        assert_eq!(f.iter().collect::<Vec<_>>(), pairs);
        assert_eq!(f.get("description"), Some("x\n y"));
        assert_eq!(f.get("Empty"), Some(""));
        assert_eq!(f.get("Missing"), None);
        assert!(Fields::new([("A", "b\0c")].into_iter()).is_none());
        assert!(Fields::default().iter().next().is_none());
    }
}
