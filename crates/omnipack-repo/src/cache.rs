//! The incremental cache: package records from the last run, keyed by the
//! package's absolute path and checked against its size, mtime (ns) and inode
//! before reuse, so re-indexing a leaf after adding one package reads one
//! package. It also remembers each leaf's last metadata generations so that
//! superseded hashed files can be pruned by count, never at once.
//!
//! Stored with `postcard` (a compact serde encoding: a 10 000-package
//! cache loads several times faster than as JSON) under `$OMNIPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/omnipack`,
//! else `~/.cache/omnipack`, one file per index root: the repository itself
//! stays clean. A missing or unreadable cache only means a cold run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::Record;

/// Bumped when the record layout or the rendering of cached fragments
/// changes; an older cache is ignored.
const CACHE_VERSION: u32 = 2;

/// A file's identity for cache validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds.
    pub mtime_ns: i128,
    /// Inode number.
    pub ino: u64,
}

impl Stamp {
    /// The stamp of `meta`.
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            size: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ino: meta.ino(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    record: Record,
}

/// Compressed chunks of yum metadata from the last run, by content key
/// (see `yum::xml`), so a re-index compresses only the chunks whose
/// packages changed.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Chunks {
    map: HashMap<[u8; 32], Vec<u8>>,
    #[serde(skip)]
    used: HashSet<[u8; 32]>,
}

impl Chunks {
    /// Whether the chunk is here; either way it is kept for next time.
    pub fn hit(&mut self, key: &[u8; 32]) -> bool {
        self.used.insert(*key);
        self.map.contains_key(key)
    }

    /// A chunk's bytes.
    pub fn get(&self, key: &[u8; 32]) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// Stores a chunk (kept for next time).
    pub fn insert(&mut self, key: [u8; 32], bytes: Vec<u8>) {
        self.used.insert(key);
        self.map.insert(key, bytes);
    }

    /// How many chunks are held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Forgets the chunks no document used this run.
    fn prune(&mut self) {
        let used = &self.used;
        self.map.retain(|k, _| used.contains(k));
    }
}

/// What is stored on disk.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    version: u32,
    entries: HashMap<PathBuf, Entry>,
    /// Per leaf: the metadata files of the latest generations, newest last.
    generations: BTreeMap<PathBuf, Vec<Vec<String>>>,
    chunks: Chunks,
}

/// The cache of one index root. Records move out of it while a run uses
/// them ([`Cache::take`]) and back in when the run is done with them
/// ([`Cache::give_back`]), so each is held once; what is not given back
/// (deleted or unreadable packages) is not saved.
#[derive(Debug, Default)]
pub struct Cache {
    old: HashMap<PathBuf, Entry>,
    kept: HashMap<PathBuf, Entry>,
    stamps: HashMap<PathBuf, Stamp>,
    scanned: HashSet<PathBuf>,
    generations: BTreeMap<PathBuf, Vec<Vec<String>>>,
    /// Compressed yum chunks.
    pub chunks: Chunks,
    file: PathBuf,
}

/// The default cache directory (see the module documentation).
pub(crate) fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("OMNIPACK_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("omnipack");
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/omnipack"))
        .unwrap_or_else(|| std::env::temp_dir().join("omnipack-cache"))
}

impl Cache {
    /// Loads the cache for the index root `root` from `dir` (default: see
    /// the module documentation); empty if none or unreadable.
    pub fn load(root: &Path, dir: Option<&Path>) -> Cache {
        let abs = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let key = hex::encode(sha2::Sha256::digest(abs.to_string_lossy().as_bytes()));
        let file = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(cache_dir)
            .join(format!("index-{}.bin", &key[..16]));
        let stored = fs::read(&file)
            .ok()
            .and_then(|b| postcard::from_bytes::<Stored>(&b).ok())
            .filter(|c| c.version == CACHE_VERSION)
            .unwrap_or_default();
        Cache {
            old: stored.entries,
            kept: HashMap::new(),
            stamps: HashMap::new(),
            scanned: HashSet::new(),
            generations: stored.generations,
            chunks: stored.chunks,
            file,
        }
    }

    /// Takes the record for `path` out of the cache if its stamp and its
    /// path relative to the index root are unchanged.
    pub fn take(&mut self, path: &Path, stamp: Stamp, rel: &str) -> Option<Record> {
        let e = self.old.remove(path)?;
        if e.stamp != stamp || e.record.rel != rel {
            return None;
        }
        self.stamps.insert(path.to_path_buf(), stamp);
        Some(e.record)
    }

    /// Notes that the packages of `dir` were scanned this run: at
    /// [`Cache::save`], its records not given back are forgotten, while
    /// those of directories not scanned are kept as they were.
    pub fn scanned(&mut self, dir: &Path) {
        self.scanned.insert(dir.to_path_buf());
    }

    /// Notes the stamp of a package read this run (for [`Cache::give_back`]).
    pub fn stamp(&mut self, path: &Path, stamp: Stamp) {
        self.stamps.insert(path.to_path_buf(), stamp);
    }

    /// Keeps records for next time (those taken or stamped this run).
    pub fn give_back(&mut self, records: impl IntoIterator<Item = Record>) {
        for record in records {
            if let Some(&stamp) = self.stamps.get(&record.path) {
                self.kept
                    .insert(record.path.clone(), Entry { stamp, record });
            }
        }
    }

    /// Records a new generation of metadata files for `leaf`, keeps the last
    /// `keep + 1`, and returns the files of older generations that no kept
    /// generation still uses: safe to delete.
    pub fn new_generation(&mut self, leaf: &Path, files: Vec<String>, keep: usize) -> Vec<String> {
        let gens = self.generations.entry(leaf.to_path_buf()).or_default();
        gens.push(files);
        let mut dropped = Vec::new();
        while gens.len() > keep + 1 {
            dropped.extend(gens.remove(0));
        }
        let kept: std::collections::BTreeSet<&String> = gens.iter().flatten().collect();
        dropped.retain(|f| !kept.contains(f));
        dropped.sort();
        dropped.dedup();
        dropped
    }

    /// Writes the records given back, the generations and the chunks used
    /// this run (under a temporary name, then renamed: a reader sees the old
    /// cache or the new one; a damaged one only means a cold run, so it is
    /// not synced). Errors are returned for the caller to report.
    pub fn save(mut self) -> std::io::Result<()> {
        let dir = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        fs::create_dir_all(&dir)?;
        for (path, entry) in std::mem::take(&mut self.old) {
            let scanned = path.parent().is_some_and(|d| self.scanned.contains(d));
            if !scanned {
                self.kept.entry(path).or_insert(entry);
            }
        }
        self.chunks.prune();
        let stored = Stored {
            version: CACHE_VERSION,
            entries: std::mem::take(&mut self.kept),
            generations: std::mem::take(&mut self.generations),
            chunks: std::mem::take(&mut self.chunks),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".index-")
            .tempfile_in(&dir)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp);
        postcard::to_io(&stored, &mut w).map_err(std::io::Error::other)?;
        w.flush()?;
        let tmp = w.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(&self.file).map_err(|e| e.error)?;
        Ok(())
    }
}
