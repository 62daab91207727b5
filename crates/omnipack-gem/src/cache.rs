//! What was read of each gem, kept between runs: keyed by file name and
//! checked against the file's [`Stamp`] (size, mtime, inode) before reuse,
//! so re-indexing a source reads only new or changed gems.
//!
//! One file per source (`gems-KEY.bin`, postcard) in omnipack's cache
//! directory ([`omnipack_core::dirs::cache_dir`]), beside the apt/yum index
//! caches; the source itself stays clean. A missing, unreadable or older
//! cache only means a cold run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::{AtomicFile, Stamp};
use serde::{Deserialize, Serialize};

use crate::spec::GemFile;

/// Bumped when [`GemFile`] or what is derived from it changes.
const CACHE_VERSION: u32 = 2;

/// The gems of one source, by file name.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct GemCache {
    version: u32,
    /// File name → the stamp it was read at, and what was read.
    pub(crate) entries: HashMap<String, (Stamp, GemFile)>,
}

impl GemCache {
    /// The cache file of the source `dir` under `cache_dir` (default:
    /// omnipack's cache directory).
    pub(crate) fn file(dir: &Path, cache_dir: Option<&Path>) -> PathBuf {
        let abs = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let key = omnipack_core::hash::sha256_hex(abs.to_string_lossy().as_bytes());
        cache_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(omnipack_core::dirs::cache_dir)
            .join(format!("gems-{}.bin", &key[..16]))
    }

    /// Loads the cache `file`; empty if missing, unreadable or older.
    pub(crate) fn load(file: &Path) -> GemCache {
        fs::read(file)
            .ok()
            .and_then(|b| postcard::from_bytes::<GemCache>(&b).ok())
            .filter(|c| c.version == CACHE_VERSION)
            .unwrap_or_default()
    }

    /// Writes the cache to `file` (renamed into place, not synced: a lost
    /// cache only costs speed).
    pub(crate) fn save(mut self, file: &Path) -> std::io::Result<()> {
        self.version = CACHE_VERSION;
        let bytes = postcard::to_allocvec(&self).map_err(std::io::Error::other)?;
        let mut tmp = AtomicFile::create(file)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.commit_unsynced(0o644)?;
        Ok(())
    }
}
