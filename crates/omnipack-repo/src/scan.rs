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
    /// Hex MD5 of the file (.deb only; empty for .rpm, which yum doesn't need).
    pub md5: String,
    /// Hex SHA-1 (.deb only).
    pub sha1: String,
    /// Hex SHA-256.
    pub sha256: String,
    /// Hex SHA-512 (not computed by the scan: no index uses it per package).
    pub sha512: String,
    /// Metadata (for .deb: every control field in `info.fields`). The file
    /// list and scripts are dropped after reading: no index needs them; for
    /// an .rpm so are its fields, description and relations, which its
    /// [`Record::yum`] entries carry.
    pub info: PackageInfo,
    /// For .rpm: its rendered entries in the yum metadata (in memory, or in
    /// the cache's [`crate::spool`]).
    pub yum: Option<crate::spool::YumEntries>,
}

use std::io::Read;
use std::path::Path;

use fs_err as fs;
use md5::Digest as _;
use omnipack_spec::Format;
use rayon::prelude::*;

use crate::cache::{Cache, Stamp};

/// A package that could not be indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// What is wrong and what to do.
    pub message: String,
}

/// The result of scanning one leaf.
#[derive(Debug, Default)]
pub struct LeafScan {
    /// Indexable packages, sorted by `rel`.
    pub records: Vec<Record>,
    /// Files left out, with the reason.
    pub problems: Vec<Problem>,
    /// Packages read this run (not from the cache).
    pub read: usize,
    /// Packages taken from the cache.
    pub cached: usize,
}

fn is_package(p: &Path) -> Option<Format> {
    match p.extension()?.to_str()? {
        "deb" => Some(Format::Deb),
        "rpm" => Some(Format::Rpm),
        _ => None,
    }
}

/// Directories under `root` (itself included) that directly hold .deb or .rpm
/// files: one flat repository, or each `<dist>/<version>/<arch>/` of a tree.
/// Hidden directories, `repodata` and `by-hash` are skipped.
pub fn find_leaves(root: &Path) -> Result<Vec<PathBuf>, crate::RepoError> {
    Ok(walk(root, false)?.0)
}

/// [`find_leaves`], and in the same walk every gem source under `root`
/// (see [`crate::gem::find_sources`]).
pub fn find_leaves_and_gem_sources(
    root: &Path,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), crate::RepoError> {
    walk(root, true)
}

fn walk(root: &Path, gems: bool) -> Result<(Vec<PathBuf>, Vec<PathBuf>), crate::RepoError> {
    let mut leaves = Vec::new();
    let mut gem_dirs = Vec::new();
    walk_dir(root, gems, &mut leaves, &mut gem_dirs)?;
    leaves.sort();
    gem_dirs.retain(|d| crate::gem::is_source(d));
    gem_dirs.sort();
    Ok((leaves, gem_dirs))
}

/// One directory of [`walk`]: types from the directory entries (no stat),
/// symlinks not followed, every directory listed once.
fn walk_dir(
    dir: &Path,
    gems: bool,
    leaves: &mut Vec<PathBuf>,
    gem_dirs: &mut Vec<PathBuf>,
) -> Result<(), crate::RepoError> {
    let cannot = |e: std::io::Error| crate::RepoError::Package {
        path: dir.to_path_buf(),
        reason: format!("cannot read: {e}"),
    };
    let mut leaf = false;
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let ft = entry.file_type().map_err(cannot)?;
        let name = entry.file_name();
        if ft.is_file() {
            leaf = leaf || is_package(Path::new(&name)).is_some();
        } else if ft.is_dir() {
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "repodata" || name == "by-hash" {
                continue;
            }
            if gems && name == "gems" {
                gem_dirs.push(dir.to_path_buf());
            }
            subdirs.push(entry.path());
        }
    }
    if leaf {
        leaves.push(dir.to_path_buf());
    }
    for d in subdirs {
        walk_dir(&d, gems, leaves, gem_dirs)?;
    }
    Ok(())
}

/// The digests a format's index needs, in one read: MD5, SHA-1 and SHA-256
/// for a .deb (the `Packages` stanza); SHA-256 only for an .rpm (repodata).
/// Unused digests are left empty rather than computed.
fn digests(path: &Path, format: Format) -> std::io::Result<(String, String, String)> {
    let mut f = fs::File::open(path)?;
    let deb = format == Format::Deb;
    let mut md5 = md5::Md5::new();
    let mut sha1 = sha1::Sha1::new();
    let mut sha256 = sha2::Sha256::new();
    let mut buf = [0u8; 1 << 15];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if deb {
            md5.update(&buf[..n]);
            sha1.update(&buf[..n]);
        }
        sha256.update(&buf[..n]);
    }
    let (m, s1) = if deb {
        (hex::encode(md5.finalize()), hex::encode(sha1.finalize()))
    } else {
        (String::new(), String::new())
    };
    Ok((m, s1, hex::encode(sha256.finalize())))
}

/// Packages read in parallel before their yum entries go to the spool.
const READ_BATCH: usize = 512;

/// Packages up to this size are read into memory whole, once.
const WHOLE_READ_MAX: u64 = 8 << 20;

/// [`digests`] of a package already in memory.
fn digests_of(bytes: &[u8], format: Format) -> (String, String, String) {
    let sha256 = hex::encode(sha2::Sha256::digest(bytes));
    if format == Format::Deb {
        (
            hex::encode(md5::Md5::digest(bytes)),
            hex::encode(sha1::Sha1::digest(bytes)),
            sha256,
        )
    } else {
        (String::new(), String::new(), sha256)
    }
}

/// Reads and hashes one package.
fn read_record(path: &Path, rel: String, stamp: Stamp, mtime: i64) -> Result<Record, Problem> {
    let problem = |message: String| Problem {
        path: path.to_path_buf(),
        message,
    };
    // A small package (most are) is read once: sniffed, hashed and, for an
    // .rpm, parsed from memory. A larger one is read as a stream.
    let whole = if stamp.size <= WHOLE_READ_MAX {
        Some(fs::read(path).map_err(|e| problem(e.to_string()))?)
    } else {
        None
    };
    let format = {
        let mut head = [0u8; 8];
        let n = match &whole {
            Some(bytes) => {
                let n = bytes.len().min(8);
                head[..n].copy_from_slice(&bytes[..n]);
                n
            }
            None => {
                let mut f = fs::File::open(path).map_err(|e| problem(e.to_string()))?;
                f.read(&mut head).map_err(|e| problem(e.to_string()))?
            }
        };
        Format::sniff(&head[..n]).ok_or_else(|| {
            problem(
                "not a package (neither the .deb ar magic nor the .rpm lead); remove or rename it"
                    .into(),
            )
        })?
    };
    // The parsed info is cloned once the reader's transient buffers (the
    // inflate state and window, read buffers: 32–128 KiB a package) are
    // freed: otherwise its small long-lived strings sit in the holes those
    // leave, every package's buffers need fresh heap, and reading 10 000
    // .deb grew the heap by 25 KiB a package (cold apt peak RSS 277 MiB;
    // with the clone 123 MiB, and faster).
    let (mut info, yum) = match format {
        Format::Deb => (
            omnipack_deb::read_control(path)
                .map_err(|e| problem(e.to_string()))?
                .clone(),
            None,
        ),
        Format::Rpm => {
            // One parse of the headers serves both the info and the yum data.
            let (info, meta) = match &whole {
                Some(bytes) => omnipack_rpm::read_with_metadata_from(
                    &mut std::io::Cursor::new(bytes.as_slice()),
                    bytes.len() as u64,
                    path,
                ),
                None => omnipack_rpm::read_with_metadata(path),
            }
            .map_err(|e| problem(e.to_string()))?;
            let yum = crate::yum::from_package_metadata(&meta, path)
                .map_err(|e| problem(e.to_string()))?;
            (info, Some(yum))
        }
    };
    let (md5, sha1, sha256) = match &whole {
        Some(bytes) => digests_of(bytes, format),
        None => digests(path, format).map_err(|e| problem(e.to_string()))?,
    };
    info.files = Vec::new();
    info.scripts = Vec::new();
    if format == Format::Rpm {
        // Its yum entries carry everything else an index needs: the record
        // keeps what identifies the package (and what `repo list` shows).
        info.fields = Vec::new();
        info.description = String::new();
        info.depends = Vec::new();
        info.provides = Vec::new();
        info.conflicts = Vec::new();
    }
    let mut record = Record {
        path: path.to_path_buf(),
        rel,
        size: stamp.size,
        mtime,
        md5,
        sha1,
        sha256,
        sha512: String::new(),
        info,
        yum: None,
    };
    record.yum = yum.map(|y| crate::yum::render_package(&record, &y).into());
    Ok(record)
}

/// Reads and hashes one package file wherever it is (its `rel` is its file name).
pub fn read_package(path: &Path) -> Result<Record, Problem> {
    let meta = fs::metadata(path).map_err(|e| Problem {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let rel = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_record(
        path,
        rel,
        Stamp::of(&meta),
        std::os::unix::fs::MetadataExt::mtime(&meta),
    )
}

/// Scans the packages directly in `leaf`, reading only those the cache does
/// not vouch for, on all cores. Unreadable or conflicting packages become
/// [`Problem`]s and are left out; everything else is indexed.
pub fn scan_leaf(leaf: &Path, cache: &mut Cache) -> Result<LeafScan, crate::RepoError> {
    let mut scan = scan_dir(leaf, leaf, cache)?;
    scan.records = drop_conflicts(std::mem::take(&mut scan.records), &mut scan.problems);
    scan.problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scan)
}

/// Reads the packages directly in `dir` like [`scan_leaf`], with each
/// record's `rel` taken relative to `base` (an ancestor of `dir`: the
/// archive root of a `dists/` + `pool/` repository), and without the
/// conflict check, which the caller runs over everything it gathered.
pub fn scan_dir(dir: &Path, base: &Path, cache: &mut Cache) -> Result<LeafScan, crate::RepoError> {
    cache.scanned(dir);
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if is_package(Path::new(&entry.file_name())).is_some() {
            entries.push(entry);
        }
    }
    // Stat on all cores (it is most of a warm run), relative to the open
    // directory; a symlink is followed, as `fs::metadata` does.
    let stats: Vec<std::io::Result<std::fs::Metadata>> = entries
        .par_iter()
        .map(|e| match e.file_type()?.is_symlink() {
            true => fs::metadata(e.path()),
            false => e.metadata(),
        })
        .collect();
    // `rel` is relative to `base`: the file name in a flat leaf.
    let prefix = match dir.strip_prefix(base) {
        Ok(p) if p.as_os_str().is_empty() => String::new(),
        Ok(p) => {
            let mut p = p
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            p.push('/');
            p
        }
        Err(_) => format!("{}/", dir.display()),
    };
    let mut files = Vec::with_capacity(entries.len());
    for (entry, meta) in entries.into_iter().zip(stats) {
        let path = entry.path();
        let meta = meta.map_err(|e| crate::RepoError::Package {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if !meta.is_file() {
            continue;
        }
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        files.push((
            path,
            rel,
            Stamp::of(&meta),
            std::os::unix::fs::MetadataExt::mtime(&meta),
        ));
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));

    let mut scan = LeafScan::default();
    let mut fresh = Vec::new();
    let mut records = Vec::with_capacity(files.len());
    let wanted: Vec<(&Path, Stamp, &str)> = files
        .iter()
        .map(|(p, rel, stamp, _)| (p.as_path(), *stamp, rel.as_str()))
        .collect();
    let taken = cache.take_many(&wanted);
    drop(wanted);
    for (file, r) in files.into_iter().zip(taken) {
        match r {
            Some(r) => {
                scan.cached += 1;
                records.push(r);
            }
            None => fresh.push(file),
        }
    }
    scan.read = fresh.len();
    // Read on all cores in batches, each batch's yum entries then going to
    // the cache's spool, so a cold leaf of any size holds small records.
    for batch in fresh.chunks(READ_BATCH) {
        let read: Vec<(Stamp, Result<Record, Problem>)> = batch
            .par_iter()
            .map(|(path, rel, stamp, mtime)| {
                (*stamp, read_record(path, rel.clone(), *stamp, *mtime))
            })
            .collect();
        let start = records.len();
        for (stamp, r) in read {
            match r {
                Ok(record) => {
                    cache.stamp(&record.path, stamp);
                    records.push(record);
                }
                Err(p) => scan.problems.push(p),
            }
        }
        cache.spool_records(&mut records[start..]);
    }
    // In place: a stable sort would copy every record (`rel` is unique here).
    records.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    scan.records = records;
    Ok(scan)
}

/// Leaves out every package whose name + version + arch + format is also
/// claimed by a file with different contents, with a [`Problem`] for each.
pub fn drop_conflicts(records: Vec<Record>, problems: &mut Vec<Problem>) -> Vec<Record> {
    // Two different files for one name + version + arch: which one a client
    // would get is undefined, so neither is indexed.
    type Nva<'r> = (&'r str, u32, &'r str, &'r str, &'r str, &'static str);
    let mut by_nva: std::collections::HashMap<Nva<'_>, Vec<usize>> =
        std::collections::HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let i_ = &r.info;
        by_nva
            .entry((
                &i_.name,
                i_.epoch.unwrap_or(0),
                &i_.version,
                &i_.release,
                &i_.arch,
                i_.format.as_str(),
            ))
            .or_default()
            .push(i);
    }
    // In order, so the problems are reported the same way every run.
    let mut clashes: Vec<(Nva<'_>, &Vec<usize>)> = by_nva
        .iter()
        .filter(|(_, idx)| idx.len() > 1)
        .map(|(k, v)| (*k, v))
        .collect();
    clashes.sort();
    let mut drop = std::collections::BTreeSet::new();
    for ((name, epoch, version, release, arch, _), idx) in clashes {
        let v = format!("{epoch}:{version}-{release}");
        let distinct: std::collections::BTreeSet<&str> =
            idx.iter().map(|&i| records[i].sha256.as_str()).collect();
        if idx.len() > 1 && distinct.len() > 1 {
            let paths: Vec<String> = idx
                .iter()
                .map(|&i| format!("`{}`", records[i].path.display()))
                .collect();
            for &i in idx {
                drop.insert(i);
                problems.push(Problem {
                    path: records[i].path.clone(),
                    message: format!(
                        "{name} {v} {arch} is also in {} with different contents; neither is indexed until one is removed",
                        paths.iter().filter(|p| !p.contains(&records[i].path.display().to_string())).cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    if drop.is_empty() {
        return records;
    }
    records
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, r)| r)
        .collect()
}
