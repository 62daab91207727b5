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
//!
//! The records are small: an RPM's rendered yum entries live in the
//! spool files ([`Spool`]) beside the cache file, not in it, and are read
//! back only while a document is written. One process at a time uses a
//! cache (an advisory lock beside it); a second one meanwhile runs without
//! it, cold, and saves nothing.
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::{AtomicFile, Stamp};
use serde::{Deserialize, Serialize};

use crate::chunks::Chunks;
use crate::record::{Origin, Record, Taken, YumEntries, YumXml};
use crate::spool::{self, Spool};

/// Bumped when the record layout or the rendering of cached fragments
/// changes; an older cache is ignored.
const CACHE_VERSION: u32 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    record: Record,
}

/// The cache file: [`MAGIC`], one frame per package: the frame's length
/// (u32 LE), the path's length (u32 LE), the path, and the
/// postcard-encoded [`Entry`]; then the postcard-encoded [`Meta`] and its
/// length (u64 LE). Frames are found without decoding them, so a run
/// decodes only the entries it takes, and entries of directories it did not
/// scan are saved again as they are. The frames come first so that those of
/// packages read this run go to the next file as they are given back, never
/// gathered in memory.
const MAGIC: &[u8; 24] = b"omnipack index cache v5\n";

/// Everything in the cache file but the package entries.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Meta {
    version: u32,
    /// Per leaf: the metadata files of the latest generations, newest last.
    generations: BTreeMap<PathBuf, Vec<Vec<String>>>,
    chunks: Chunks,
    /// The spool generation the records' yum entries are in, and its
    /// files' lengths.
    spool: Option<(u64, [u64; 3])>,
}

/// Appends one entry's frame to `out`.
fn put_frame(out: &mut Vec<u8>, path: &Path, entry: &Entry) -> std::io::Result<()> {
    let at = out.len();
    let p = path.as_os_str().as_encoded_bytes();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(
        &u32::try_from(p.len())
            .map_err(std::io::Error::other)?
            .to_le_bytes(),
    );
    out.extend_from_slice(p);
    let body = postcard::to_extend(entry, std::mem::take(out)).map_err(std::io::Error::other)?;
    *out = body;
    let len = u32::try_from(out.len() - at - 4).map_err(std::io::Error::other)?;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// Splits a frame into its path and its encoded entry.
fn split_frame(frame: &[u8]) -> Option<(&Path, &[u8])> {
    let n = u32::from_le_bytes(frame.get(..4)?.try_into().ok()?) as usize;
    // Unix paths are any bytes.
    let path = Path::new(
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(frame.get(4..4 + n)?),
    );
    Some((path, &frame[4 + n..]))
}

/// The frames of a cache file after its header: `(path, frame range)`.
fn frames(buf: &[u8], mut at: usize) -> Option<Vec<(&Path, std::ops::Range<usize>)>> {
    let mut out = Vec::new();
    while at < buf.len() {
        let len = u32::from_le_bytes(buf.get(at..at + 4)?.try_into().ok()?) as usize;
        let range = at + 4..at + 4 + len;
        let (path, _) = split_frame(buf.get(range.clone())?)?;
        out.push((path, range.clone()));
        at = range.end;
    }
    Some(out)
}

/// What the frames of the cache file are found by: a hash of the path
/// (the path itself is in the frame, and checked).
fn path_key(path: &Path) -> u64 {
    std::hash::BuildHasher::hash_one(
        &rustc_hash::FxBuildHasher,
        path.as_os_str().as_encoded_bytes(),
    )
}

/// Frames by [`path_key`]. Of two paths with one key (never seen; it
/// would only cost a cache miss) the last is kept.
type FrameMap = rustc_hash::FxHashMap<u64, std::ops::Range<usize>>;

/// The cache of one index root. A run takes records out of it
/// ([`Cache::take`], decoding only those) and gives them back when done
/// ([`Cache::give_back`], encoding them at once), so no record is held twice;
/// what is not given back (deleted or unreadable packages) is not saved.
#[derive(Debug)]
pub struct Cache {
    /// The cache file as read (its frames are decoded on demand).
    old_buf: Vec<u8>,
    /// Frames in `old_buf` of the entries not taken yet, by [`path_key`]
    /// (no copy of 10 000 paths).
    old: FrameMap,
    /// Frames of records given back unchanged: where they are in
    /// `old_buf` (saved from there, never copied).
    kept_old: Vec<std::ops::Range<usize>>,
    /// The next cache file (temporary name), holding the frames of the
    /// records read this run, written as they are given back.
    next: Option<std::io::BufWriter<AtomicFile>>,
    /// One frame being encoded.
    scratch: Vec<u8>,
    /// Spool bytes the kept frames refer to.
    kept_live: u64,
    scanned: HashSet<PathBuf>,
    generations: BTreeMap<PathBuf, Vec<Vec<String>>>,
    /// Compressed yum chunks.
    pub chunks: Chunks,
    /// Where spooled yum entries are (none when the cache directory cannot
    /// be written: entries then stay in memory).
    spool: Option<Spool>,
    /// Held while this cache is in use; `None` when another process holds
    /// it (this run is then cold and saves nothing) or there is no cache
    /// directory.
    lock: Option<fs::File>,
    /// Whether [`Cache::save`] writes anything.
    saving: bool,
    file: PathBuf,
}

/// Spool bytes a record refers to.
fn live_of(r: &Record) -> u64 {
    match &r.yum {
        Some(YumEntries::Spooled(s)) => s.len.iter().map(|&l| u64::from(l)).sum(),
        _ => 0,
    }
}

/// A new cache file under a temporary name beside `file`, its magic
/// written.
fn next_file(file: &Path) -> std::io::Result<std::io::BufWriter<AtomicFile>> {
    let tmp = AtomicFile::create(file)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp);
    out.write_all(MAGIC)?;
    Ok(out)
}

/// Reads a cache file: its [`Meta`] and where its frames are.
fn read_file(file: &Path) -> Option<(Vec<u8>, Meta, FrameMap)> {
    parse_file(fs::read(file).ok()?)
}

/// [`read_file`] on bytes already read.
fn parse_file(buf: Vec<u8>) -> Option<(Vec<u8>, Meta, FrameMap)> {
    buf.strip_prefix(MAGIC.as_slice())?;
    let end = buf.len().checked_sub(8)?;
    let n = u64::from_le_bytes(buf.get(end..)?.try_into().ok()?) as usize;
    let meta_at = end.checked_sub(n).filter(|&at| at >= MAGIC.len())?;
    let meta: Meta = postcard::from_bytes(&buf[meta_at..end]).ok()?;
    if meta.version != CACHE_VERSION {
        return None;
    }
    let list = frames(&buf[..meta_at], MAGIC.len())?;
    let mut map = FrameMap::with_capacity_and_hasher(list.len(), Default::default());
    for (path, range) in list {
        map.insert(path_key(path), range);
    }
    Some((buf, meta, map))
}

/// Decodes the bytes of a cache file as a run reads them: its metadata, the
/// place of every frame and every frame's entry; returns how many entries
/// decoded. Damaged bytes make entries (or the whole file) unusable, never
/// a panic. For the fuzzer (`fuzz/fuzz_targets/index_cache.rs`).
#[doc(hidden)]
pub fn decode_for_fuzzing(bytes: &[u8]) -> usize {
    let Some((buf, _meta, map)) = parse_file(bytes.to_vec()) else {
        return 0;
    };
    map.values()
        .filter_map(|range| {
            let (_, body) = split_frame(buf.get(range.clone())?)?;
            postcard::from_bytes::<Entry>(body).ok()
        })
        .count()
}

impl Cache {
    /// Loads the cache for the index root `root` from `dir` (default: see
    /// the module documentation); empty if none or unreadable.
    pub fn load(root: &Path, dir: Option<&Path>) -> Cache {
        Cache::open(root, dir, true)
    }

    /// A cache for `root` without the stored records and chunks (only its
    /// metadata generations, for pruning), replacing the stored one when
    /// saved: for a rebuild after the stored one turned out damaged.
    pub fn cold(root: &Path, dir: Option<&Path>) -> Cache {
        Cache::open(root, dir, false)
    }

    fn open(root: &Path, dir: Option<&Path>, read: bool) -> Cache {
        let abs = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let key = omnipack_core::hash::sha256_hex(abs.to_string_lossy().as_bytes());
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(omnipack_core::dirs::cache_dir);
        let file = dir.join(format!("index-{}.bin", &key[..16]));
        let mut cache = Cache {
            old_buf: Vec::new(),
            old: FrameMap::default(),
            kept_old: Vec::new(),
            next: None,
            scratch: Vec::new(),
            kept_live: 0,
            scanned: HashSet::new(),
            generations: BTreeMap::new(),
            chunks: Chunks::default(),
            spool: None,
            lock: None,
            saving: true,
            file,
        };
        let lock = fs::create_dir_all(&dir).and_then(|()| {
            fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(cache.file.with_extension("lock"))
        });
        match lock.map(|f| f.file().try_lock().map(|()| f)) {
            Ok(Ok(f)) => cache.lock = Some(f),
            // Another process is using this cache: run cold beside it.
            Ok(Err(std::fs::TryLockError::WouldBlock)) => {
                cache.saving = false;
                return cache;
            }
            // No lockable cache directory: no spool either, and saving will
            // most likely fail too (which only costs speed).
            _ => return cache,
        }
        if let Some((buf, meta, frames)) = read_file(&cache.file) {
            // The metadata generations are kept in any case: they say which
            // superseded index files are still to be pruned.
            cache.generations = meta.generations;
            let spool = match meta.spool {
                Some((id, lens)) => Spool::open(&cache.file, id, lens).ok().map(Some),
                None => Some(None),
            };
            // Without its spool the file's yum entries are useless: cold.
            if let (true, Some(spool)) = (read, spool) {
                cache.old_buf = buf;
                cache.old = frames;
                cache.chunks = meta.chunks;
                cache.spool = spool;
            }
        }
        if cache.spool.is_none() {
            cache.spool = Spool::create(&cache.file, rand::random()).ok();
        }
        cache
    }

    /// The spool the cached yum entries are in, if any.
    #[cfg(test)]
    pub fn spool(&self) -> Option<&Spool> {
        self.spool.as_ref()
    }

    /// The compressed chunks and the spool, together (for the yum writer).
    pub fn chunks_and_spool(&mut self) -> (&mut Chunks, Option<&Spool>) {
        (&mut self.chunks, self.spool.as_ref())
    }

    /// Moves the rendered yum entries of `records` into the spool (one
    /// write per kind), leaving them in memory if that fails.
    pub fn spool_records<'r>(&mut self, records: impl IntoIterator<Item = &'r mut Record>) {
        let Some(spool) = self.spool.as_mut() else {
            return;
        };
        let mut records: Vec<&mut Record> = records
            .into_iter()
            .filter(|r| matches!(r.yum, Some(YumEntries::Rendered(_))))
            .collect();
        let xs: Vec<&YumXml> = records
            .iter()
            .filter_map(|r| match &r.yum {
                Some(YumEntries::Rendered(x)) => Some(&**x),
                _ => None,
            })
            .collect();
        if let Ok(refs) = spool.append(&xs) {
            drop(xs);
            for (record, r) in records.iter_mut().zip(refs) {
                record.yum = Some(YumEntries::Spooled(r));
            }
        }
    }

    /// Takes the record for `path` out of the cache if its stamp and its
    /// path relative to the index root are unchanged.
    #[cfg(test)]
    pub fn take(&mut self, path: &Path, stamp: Stamp, rel: &str) -> Option<Record> {
        self.take_many(&[(path, stamp, rel)]).pop().flatten()
    }

    /// [`Cache::take`] for many packages, decoding on all cores.
    pub fn take_many(&mut self, wanted: &[(&Path, Stamp, &str)]) -> Vec<Option<Record>> {
        use rayon::prelude::*;
        let frames: Vec<Option<std::ops::Range<usize>>> = wanted
            .iter()
            .map(|(p, _, _)| self.old.remove(&path_key(p)))
            .collect();
        let buf = &self.old_buf;
        let no_spool = self.spool.is_none();
        wanted
            .par_iter()
            .zip(frames)
            .map(|(&(path, stamp, rel), frame)| {
                let frame = frame?;
                let (at, body) = split_frame(&buf[frame.clone()])?;
                if at.as_os_str() != path.as_os_str() {
                    return None;
                }
                let mut e: Entry = postcard::from_bytes(body).ok()?;
                let spooled = matches!(e.record.yum, Some(YumEntries::Spooled(_)));
                // A spooled entry without a spool (it could not be opened) is no use.
                if e.stamp != stamp || e.record.rel != rel || (spooled && no_spool) {
                    return None;
                }
                e.record.origin = Origin(Some(Taken {
                    stamp,
                    frame: Some(frame),
                    live: live_of(&e.record),
                }));
                Some(e.record)
            })
            .collect()
    }

    /// Notes that the packages of `dir` were scanned this run: at
    /// [`Cache::save`], its records not given back are forgotten, while
    /// those of directories not scanned are kept as they were.
    pub fn scanned(&mut self, dir: &Path) {
        self.scanned.insert(dir.to_path_buf());
    }

    /// Keeps records for next time (those with an [`Origin`]: taken from
    /// the cache or read this run), encoded at once: the records themselves
    /// are dropped. A record taken from the cache is kept as it was stored
    /// (records are not changed while a run uses them; one that is, such
    /// as a copy under another path, has its origin cleared), without
    /// encoding or copying it again.
    pub fn give_back(&mut self, records: impl IntoIterator<Item = Record>) {
        for mut record in records {
            let Some(taken) = record.origin.0.take() else {
                continue;
            };
            match taken.frame {
                Some(frame) => {
                    self.kept_old.push(frame);
                    self.kept_live += taken.live;
                }
                None => {
                    self.kept_live += live_of(&record);
                    let path = record.path.clone();
                    let entry = Entry {
                        stamp: taken.stamp,
                        record,
                    };
                    if self.write_frame(&path, &entry).is_err() {
                        self.saving = false;
                    }
                }
            }
        }
    }

    /// Appends one entry's frame to the next cache file (created, with its
    /// magic, at the first).
    fn write_frame(&mut self, path: &Path, entry: &Entry) -> std::io::Result<()> {
        if !self.saving {
            return Ok(());
        }
        let out = match &mut self.next {
            Some(out) => out,
            None => self.next.insert(next_file(&self.file)?),
        };
        self.scratch.clear();
        put_frame(&mut self.scratch, path, entry)?;
        out.write_all(&self.scratch)
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

    /// [`Cache::save`], a failure said as a warning: a cache that cannot be
    /// saved only costs speed next time, and the repository operation that
    /// used it succeeded.
    pub fn save_or_warn(self) -> Option<String> {
        let file = self.file.clone();
        self.save().err().map(|e| {
            format!(
                "the index cache `{}` was not saved ({e}); the next run reads every package again",
                file.display()
            )
        })
    }

    /// Writes the records given back, the generations and the chunks used
    /// this run (under a temporary name, then renamed: a reader sees the old
    /// cache or the new one; a damaged one only means a cold run, so it is
    /// not synced). When less than half of the spool is still referenced,
    /// the referenced entries move to a new, compact spool generation first.
    /// Errors are returned for the caller to report.
    pub fn save(mut self) -> std::io::Result<()> {
        if !self.saving {
            return Ok(());
        }
        let dir = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        fs::create_dir_all(&dir)?;
        // Entries of directories not scanned this run stay as they were.
        let mut live = self.kept_live;
        let mut old_frames = std::mem::take(&mut self.kept_old);
        for (_, range) in std::mem::take(&mut self.old) {
            let Some((path, body)) = split_frame(&self.old_buf[range.clone()]) else {
                continue;
            };
            let scanned = path.parent().is_some_and(|d| self.scanned.contains(d));
            if !scanned {
                if let Ok(e) = postcard::from_bytes::<Entry>(body) {
                    live += live_of(&e.record);
                }
                old_frames.push(range);
            }
        }
        // Each frame with its length before it, frames next to each other
        // in the old file written as one piece.
        old_frames.sort_unstable_by_key(|r| r.start);
        let mut pieces: Vec<std::ops::Range<usize>> = Vec::new();
        for r in old_frames {
            let r = r.start - 4..r.end;
            match pieces.last_mut() {
                Some(last) if last.end == r.start => last.end = r.end,
                _ => pieces.push(r),
            }
        }
        self.chunks.prune();
        let mut out = match self.next.take() {
            Some(out) => out,
            None => next_file(&self.file)?,
        };
        if self.compacting(live) {
            // Rare (most of the spool dead): every frame gathered, moved
            // to a new spool generation, and written to a new next file.
            let written = out.into_inner().map_err(|e| e.into_error())?;
            let new_frames = fs::read(written.temp_path())?;
            let mut all = Vec::new();
            for r in pieces.drain(..) {
                all.extend_from_slice(&self.old_buf[r]);
            }
            all.extend_from_slice(new_frames.get(MAGIC.len()..).unwrap_or_default());
            drop(new_frames);
            let frames = self.compact(all);
            out = next_file(&self.file)?;
            out.write_all(&frames)?;
        }
        for r in pieces {
            out.write_all(&self.old_buf[r])?;
        }
        self.old_buf = Vec::new();
        let meta = Meta {
            version: CACHE_VERSION,
            generations: std::mem::take(&mut self.generations),
            chunks: std::mem::take(&mut self.chunks),
            spool: self.spool.as_ref().map(|s| (s.gen_id, s.lens())),
        };
        let meta = postcard::to_stdvec(&meta).map_err(std::io::Error::other)?;
        out.write_all(&meta)?;
        out.write_all(&(meta.len() as u64).to_le_bytes())?;
        let tmp = out.into_inner().map_err(|e| e.into_error())?;
        tmp.commit_unsynced(0o644)?;
        self.remove_other_generations(&dir);
        Ok(())
    }

    /// Whether less than half of the spool is still referenced by the
    /// frames being saved (`live` bytes of it).
    fn compacting(&self, live: u64) -> bool {
        self.spool
            .as_ref()
            .is_some_and(|s| s.lens().iter().sum::<u64>() > 2 * live + (1 << 20))
    }

    /// Moves the spooled entries `frames` refer to to a new spool
    /// generation, in frame order, and returns the frames pointing there;
    /// on any failure the old spool and frames stay.
    fn compact(&mut self, frames: Vec<u8>) -> Vec<u8> {
        let Some(old) = self.spool.as_ref() else {
            return frames;
        };
        let list = self::frames(&frames, 0).unwrap_or_default();
        let entry = |r: &std::ops::Range<usize>| {
            split_frame(&frames[r.clone()]).and_then(|(_, b)| postcard::from_bytes::<Entry>(b).ok())
        };
        let spooled = |e: &Entry| match e.record.yum {
            Some(YumEntries::Spooled(r)) => Some(r),
            _ => None,
        };
        let Ok(mut new) = Spool::create(&self.file, rand::random()) else {
            return frames;
        };
        let mut out = Vec::with_capacity(frames.len());
        for (path, r) in &list {
            let Some(mut e) = entry(r) else {
                continue;
            };
            if let Some(s) = spooled(&e) {
                match new.copy_from(old, &s) {
                    Ok(n) => e.record.yum = Some(YumEntries::Spooled(n)),
                    Err(_) => {
                        for f in new.file_paths() {
                            let _ = fs::remove_file(f);
                        }
                        return frames;
                    }
                }
            }
            if put_frame(&mut out, path, &e).is_err() {
                return frames;
            }
        }
        self.spool = Some(new);
        out
    }

    /// Deletes spool files of this cache's other generations (superseded,
    /// or left by a run that stopped).
    fn remove_other_generations(&self, dir: &Path) {
        let Some(stem) = self
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
        else {
            return;
        };
        let current = self.spool.as_ref().map(|s| s.file_paths().clone());
        let Ok(list) = fs::read_dir(dir) else {
            return;
        };
        for e in list.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name
                .strip_prefix(&stem)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|r| r.rsplit_once('.'))
                .is_some_and(|(gen_id, kind)| gen_id.len() == 16 && spool::KINDS.contains(&kind));
            let path = e.path();
            if ours && !current.as_ref().is_some_and(|c| c.contains(&path)) {
                let _ = fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::YumXml;
    use crate::spool::read_kind;

    fn record(dir: &Path, i: usize) -> (Record, Stamp) {
        let path = dir.join(format!("p{i}.rpm"));
        let text = |k: &str| format!("<{k}{i}>{}</{k}{i}>\n", "x".repeat(200_000));
        let record = Record {
            path,
            rel: format!("p{i}.rpm"),
            size: 1,
            mtime: 1,
            md5: None,
            sha1: None,
            sha256: crate::record::Checksum([i as u8; 32]),
            info: crate::record::IndexInfo {
                format: omnipack_spec::Format::Rpm,
                name: format!("p{i}"),
                version: "1".into(),
                release: "1".into(),
                epoch: None,
                arch: "noarch".into(),
                fields: Default::default(),
            },
            yum: Some(
                YumXml {
                    primary: text("p"),
                    filelists: text("f"),
                    other: text("o"),
                }
                .into(),
            ),
            origin: Default::default(),
        };
        let stamp = Stamp {
            size: 1,
            mtime: i as i64,
            mtime_nsec: 0,
            ino: i as u64,
        };
        (record, stamp)
    }

    /// Records come back from a saved cache with their spooled entries; when
    /// most entries went, the spool is compacted to the ones left.
    #[test]
    fn entries_survive_saves_and_the_spool_is_compacted() {
        let t = tempfile::tempdir().unwrap();
        let (root, dir) = (t.path().join("root"), t.path().join("cache"));
        fs::create_dir_all(&root).unwrap();
        let mut cache = Cache::load(&root, Some(&dir));
        cache.scanned(&root);
        let mut records = Vec::new();
        for i in 0..10 {
            let (mut r, s) = record(&root, i);
            r.origin = Origin::read(s);
            records.push(r);
        }
        cache.spool_records(&mut records);
        assert!(
            records
                .iter()
                .all(|r| matches!(r.yum, Some(YumEntries::Spooled(_))))
        );
        cache.give_back(records);
        cache.save().unwrap();
        let spool_files = || {
            let mut v: Vec<String> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".primary"))
                .collect();
            v.sort();
            v
        };
        let first = spool_files();
        assert_eq!(first.len(), 1);

        // Two of ten packages are left: the spool shrinks to them.
        let mut cache = Cache::load(&root, Some(&dir));
        cache.scanned(&root);
        let wanted: Vec<(Record, Stamp)> = [3, 7].map(|i| record(&root, i)).into();
        let keys: Vec<(&Path, Stamp, &str)> = wanted
            .iter()
            .map(|(r, s)| (r.path.as_path(), *s, r.rel.as_str()))
            .collect();
        let taken: Vec<Record> = cache.take_many(&keys).into_iter().flatten().collect();
        assert_eq!(taken.len(), 2);
        let mut text = Vec::new();
        let entries: Vec<&YumEntries> = taken.iter().map(|r| r.yum.as_ref().unwrap()).collect();
        read_kind(cache.spool(), 1, &entries, &mut text).unwrap();
        assert!(text.starts_with(b"<f3>") && text.ends_with(b"</f7>\n"));
        cache.give_back(taken);
        cache.save().unwrap();
        let second = spool_files();
        assert_eq!(second.len(), 1);
        assert_ne!(first, second, "a new generation");
        let len = fs::metadata(dir.join(&second[0])).unwrap().len();
        assert!(len < 500_000, "{len} bytes left");

        let mut cache = Cache::load(&root, Some(&dir));
        let (r, s) = record(&root, 7);
        let back = cache.take(&r.path, s, &r.rel).expect("still cached");
        let mut text = Vec::new();
        read_kind(cache.spool(), 2, &[back.yum.as_ref().unwrap()], &mut text).unwrap();
        assert_eq!(
            text,
            r.yum
                .map(|y| match y {
                    YumEntries::Rendered(x) => x.other.into_bytes(),
                    YumEntries::Spooled(_) => unreachable!(),
                })
                .unwrap()
        );
        // A changed stamp is a miss.
        let (r, mut s) = record(&root, 3);
        s.ino += 1;
        assert!(cache.take(&r.path, s, &r.rel).is_none());
    }

    /// A cache file cut short anywhere (its metadata is at the end) is no
    /// cache: every record is a miss, and the next save writes a whole one.
    #[test]
    fn a_truncated_cache_file_is_a_cold_cache() {
        let t = tempfile::tempdir().unwrap();
        let (root, dir) = (t.path().join("root"), t.path().join("cache"));
        fs::create_dir_all(&root).unwrap();
        let mut cache = Cache::load(&root, Some(&dir));
        cache.scanned(&root);
        let (mut r, s) = record(&root, 1);
        r.origin = Origin::read(s);
        let rel = r.rel.clone();
        cache.give_back([r]);
        cache.save().unwrap();
        let file = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "bin"))
            .unwrap();
        let whole = fs::read(&file).unwrap();
        let path = root.join("p1.rpm");
        assert!(
            Cache::load(&root, Some(&dir))
                .take(&path, s, &rel)
                .is_some()
        );
        for cut in [1, 8, whole.len() / 2, whole.len() - MAGIC.len()] {
            fs::write(&file, &whole[..whole.len() - cut]).unwrap();
            let mut cache = Cache::load(&root, Some(&dir));
            assert!(cache.take(&path, s, &rel).is_none(), "cut {cut}");
        }
    }
}
