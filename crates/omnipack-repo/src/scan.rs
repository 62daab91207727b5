//! Finds and reads the packages of a leaf directory: the walk that finds
//! leaves (and gem sources), and the scan that stats a leaf's packages,
//! takes what the cache vouches for and reads and hashes the rest on all
//! cores.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use fs_err as fs;
use md5::Digest as _;
use omnipack_core::Stamp;
use omnipack_spec::Format;
use rayon::prelude::*;

use crate::RepoError;
use crate::cache::Cache;
use crate::record::{Checksum, Fields, IndexInfo, Origin, Record};

/// A package that could not be indexed, and why.
pub use omnipack_core::Problem;

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

/// The error for a directory that cannot be listed or opened.
fn cannot_read(dir: &Path) -> impl Fn(std::io::Error) -> RepoError + Copy + '_ {
    move |error| RepoError::CannotRead {
        path: dir.to_path_buf(),
        error,
    }
}

/// A leaf directory and the names of the package files (and symlinks) in
/// it, as the walk that found it listed them.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The directory.
    pub dir: PathBuf,
    /// Its `.deb`/`.rpm` entries (files or symlinks), unsorted; `None`
    /// when not listed yet (a leaf named rather than found).
    pub names: Option<Vec<OsString>>,
}

/// Directories under `root` (itself included) that directly hold .deb or .rpm
/// files: one flat repository, or each `<dist>/<version>/<arch>/` of a tree.
/// Hidden directories, `repodata` and `by-hash` are skipped.
pub fn find_leaves(root: &Path) -> Result<Vec<PathBuf>, RepoError> {
    Ok(walk(root, false)?.0.into_iter().map(|l| l.dir).collect())
}

/// [`find_leaves`] with each leaf's listing (so scanning it need not list
/// it again), and in the same walk, with `gems`, every gem source under
/// `root` (see [`omnipack_gem::find_sources`]).
pub fn walk(root: &Path, gems: bool) -> Result<(Vec<Leaf>, Vec<PathBuf>), RepoError> {
    let mut leaves = Vec::new();
    let mut gem_dirs = Vec::new();
    walk_dir(root, gems, &mut leaves, &mut gem_dirs)?;
    leaves.sort_by(|a, b| a.dir.cmp(&b.dir));
    gem_dirs.retain(|d| omnipack_gem::is_source(d));
    gem_dirs.sort();
    Ok((leaves, gem_dirs))
}

/// One directory of [`walk`]: types from the directory entries (no stat),
/// symlinks not followed, every directory listed once.
fn walk_dir(
    dir: &Path,
    gems: bool,
    leaves: &mut Vec<Leaf>,
    gem_dirs: &mut Vec<PathBuf>,
) -> Result<(), RepoError> {
    let cannot = cannot_read(dir);
    let mut leaf = false;
    let mut names = Vec::new();
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let ft = entry.file_type().map_err(cannot)?;
        let name = entry.file_name();
        if ft.is_file() || ft.is_symlink() {
            if is_package(Path::new(&name)).is_some() {
                // A directory of symlinks only is not a leaf (as before);
                // a leaf's symlinked packages are indexed.
                leaf = leaf || ft.is_file();
                names.push(name);
            }
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
        leaves.push(Leaf {
            dir: dir.to_path_buf(),
            names: Some(names),
        });
    }
    for d in subdirs {
        walk_dir(&d, gems, leaves, gem_dirs)?;
    }
    Ok(())
}

/// The digests of a package: MD5 and SHA-1 for a .deb (its `Packages`
/// stanza), SHA-256 always.
type Digests = (Option<Checksum<16>>, Option<Checksum<20>>, Checksum<32>);

/// The digests a format's index needs, in one read: MD5, SHA-1 and SHA-256
/// for a .deb (the `Packages` stanza); SHA-256 only for an .rpm (repodata).
/// Unused digests are left out rather than computed.
fn digests(path: &Path, format: Format) -> std::io::Result<Digests> {
    let deb = format == Format::Deb;
    let d = omnipack_core::hash::hash_file(path, deb, deb, true)?;
    Ok((
        d.md5.map(Checksum),
        d.sha1.map(Checksum),
        Checksum(d.sha256.unwrap_or_default()),
    ))
}

/// Packages read in parallel before their yum entries go to the spool
/// (rendered entries in memory meanwhile: about 2 KiB a small package).
const READ_BATCH: usize = 64;

/// Packages up to this size are read into memory whole, once.
const WHOLE_READ_MAX: u64 = 8 << 20;

/// [`digests`] of a package already in memory.
fn digests_of(bytes: &[u8], format: Format) -> Digests {
    let sha256 = Checksum(sha2::Sha256::digest(bytes).into());
    if format == Format::Deb {
        (
            Some(Checksum(md5::Md5::digest(bytes).into())),
            Some(Checksum(sha1::Sha1::digest(bytes).into())),
            sha256,
        )
    } else {
        (None, None, sha256)
    }
}

thread_local! {
    /// Each thread's .deb reader: its buffers and decoder states serve
    /// every package the thread reads (see `omnipack_deb::IndexReader`).
    static DEB_READER: std::cell::RefCell<omnipack_deb::IndexReader> =
        std::cell::RefCell::new(omnipack_deb::IndexReader::new());
}

/// Reads and hashes a .deb in one pass with this thread's reader: its
/// [`IndexInfo`] and digests, or `Ok(None)` when the file starts like an
/// .rpm (it is then read as one).
fn read_deb(path: &Path) -> Result<Option<(IndexInfo, Digests)>, Problem> {
    let problem = |message: String| Problem {
        path: path.to_path_buf(),
        message,
    };
    let (mut md5, mut sha1, mut sha256) = (md5::Md5::new(), sha1::Sha1::new(), sha2::Sha256::new());
    let mut head = [0u8; 8];
    let mut got = 0;
    let read = DEB_READER.with_borrow_mut(|reader| {
        reader.read(path, &mut |c| {
            let n = (head.len() - got).min(c.len());
            head[got..got + n].copy_from_slice(&c[..n]);
            got += n;
            md5.update(c);
            sha1.update(c);
            sha256.update(c);
        })
    });
    match Format::sniff(&head[..got]) {
        Some(Format::Deb) => {}
        Some(Format::Rpm) => return Ok(None),
        None => return Err(not_a_package(path)),
    }
    let control = read.map_err(|e| problem(e.to_string()))?;
    let fields = &control.fields;
    let (epoch, version, release) =
        omnipack_deb::split_version(fields.get("Version").unwrap_or_default());
    let info = IndexInfo {
        format: Format::Deb,
        name: fields.get("Package").unwrap_or_default().to_owned(),
        version: version.to_owned(),
        release: release.to_owned(),
        epoch,
        arch: fields.get("Architecture").unwrap_or_default().to_owned(),
        fields: Fields::new(fields.0.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .ok_or_else(|| problem("its control file holds a NUL byte, which no `Packages` stanza can carry; rebuild the package".into()))?,
    };
    let digests = (
        Some(Checksum(md5.finalize().into())),
        Some(Checksum(sha1.finalize().into())),
        Checksum(sha256.finalize().into()),
    );
    Ok(Some((info, digests)))
}

fn not_a_package(path: &Path) -> Problem {
    Problem {
        path: path.to_path_buf(),
        message: "not a package (neither the .deb ar magic nor the .rpm lead); remove or rename it"
            .into(),
    }
}

/// Reads and hashes one package: a .deb in one pass ([`read_deb`]), any
/// other file by its first bytes.
fn read_record(owned: PathBuf, rel: String, stamp: Stamp) -> Result<Record, Problem> {
    let record =
        |path: PathBuf, rel: String, (md5, sha1, sha256): Digests, info: IndexInfo| Record {
            path,
            rel,
            size: stamp.size,
            mtime: stamp.mtime,
            md5,
            sha1,
            sha256,
            info,
            yum: None,
            origin: Origin::default(),
        };
    if is_package(&owned) == Some(Format::Deb)
        && let Some((info, digests)) = read_deb(&owned)?
    {
        return Ok(record(owned, rel, digests, info));
    }
    let path = owned.as_path();
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
        Format::sniff(&head[..n]).ok_or_else(|| not_a_package(path))?
    };
    if format == Format::Deb {
        // A .deb under another name.
        drop(whole);
        let (info, digests) = read_deb(path)?.ok_or_else(|| not_a_package(path))?;
        return Ok(record(owned, rel, digests, info));
    }
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
    let yum =
        crate::yum::from_package_metadata(&meta, path).map_err(|e| problem(e.problem_text()))?;
    let digests = match &whole {
        Some(bytes) => digests_of(bytes, format),
        None => digests(path, format).map_err(|e| problem(e.to_string()))?,
    };
    drop(whole);
    // Its yum entries carry everything else an index needs: the record
    // keeps what identifies the package.
    let mut record = record(owned, rel, digests, IndexInfo::identity(&info));
    record.yum = Some(crate::yum::render_package(&record, &yum).into());
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
    read_record(path.to_path_buf(), rel, Stamp::of(&meta))
}

/// Scans the packages directly in `leaf`, reading only those the cache does
/// not vouch for, on all cores. Unreadable or conflicting packages become
/// [`Problem`]s and are left out; everything else is indexed.
pub fn scan_leaf(leaf: &Path, cache: &mut Cache) -> Result<LeafScan, RepoError> {
    scan_listed(leaf, None, cache)
}

/// [`scan_leaf`] of a leaf whose package entries are already listed
/// (`names`, from [`walk`]), or listed here if `None`.
pub fn scan_listed(
    leaf: &Path,
    names: Option<Vec<OsString>>,
    cache: &mut Cache,
) -> Result<LeafScan, RepoError> {
    let mut scan = scan_dir(leaf, leaf, names, cache)?;
    scan.records = drop_conflicts(
        std::mem::take(&mut scan.records),
        &mut scan.problems,
        Incumbents::Flat(leaf),
    );
    scan.problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scan)
}

/// Reads the packages directly in `dir` like [`scan_leaf`], its package
/// entries given as listed by [`walk`] (`names`) or listed here if `None`,
/// with each record's `rel` taken relative to `base` (an ancestor of `dir`:
/// the archive root of a `dists/` + `pool/` repository), and without the
/// conflict check, which the caller runs over everything it gathered.
pub fn scan_dir(
    dir: &Path,
    base: &Path,
    names: Option<Vec<OsString>>,
    cache: &mut Cache,
) -> Result<LeafScan, RepoError> {
    cache.scanned(dir);
    let cannot = cannot_read(dir);
    let names = match names {
        Some(names) => names,
        None => {
            let mut names = Vec::new();
            for entry in fs::read_dir(dir).map_err(cannot)? {
                let name = entry.map_err(cannot)?.file_name();
                if is_package(Path::new(&name)).is_some() {
                    names.push(name);
                }
            }
            names
        }
    };
    // Stat on all cores (it is most of a warm run), relative to the open
    // directory (no path walk per file); a symlink is followed, as
    // `fs::metadata` does.
    let dirfd = rustix::fs::open(
        dir,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|e| cannot(e.into()))?;
    let stats: Vec<rustix::io::Result<rustix::fs::Stat>> = names
        .par_iter()
        .map(|name| rustix::fs::statat(&dirfd, name, rustix::fs::AtFlags::empty()))
        .collect();
    drop(dirfd);
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
    let mut scan = LeafScan::default();
    let mut files = Vec::with_capacity(names.len());
    for (name, st) in names.into_iter().zip(stats) {
        let path = dir.join(&name);
        let st = match st {
            Ok(st) => st,
            // A dangling symlink (or a file gone since it was listed).
            Err(rustix::io::Errno::NOENT) => {
                scan.problems.push(Problem {
                    path,
                    message: "no such file (a symlink to nothing?); remove it or fix its target"
                        .into(),
                });
                continue;
            }
            Err(e) => {
                return Err(RepoError::CannotRead {
                    path,
                    error: e.into(),
                });
            }
        };
        if !rustix::fs::FileType::from_raw_mode(st.st_mode).is_file() {
            continue;
        }
        let rel = format!("{prefix}{}", name.to_string_lossy());
        files.push((path, rel, Stamp::of_stat(&st)));
    }
    files.sort_unstable_by(|a, b| a.1.cmp(&b.1));

    let wanted: Vec<(&Path, Stamp, &str)> = files
        .iter()
        .map(|(p, rel, stamp)| (p.as_path(), *stamp, rel.as_str()))
        .collect();
    // One slot per file, in `rel` order: what the cache vouches for, then
    // what is read, so the records need no sorting.
    let mut slots = cache.take_many(&wanted);
    drop(wanted);
    // The files to read, with their slots; their paths move into their
    // records, the others' are dropped now.
    let fresh: Vec<(usize, (PathBuf, String, Stamp))> = files
        .into_iter()
        .enumerate()
        .filter(|(i, _)| slots[*i].is_none())
        .collect();
    scan.read = fresh.len();
    scan.cached = slots.len() - fresh.len();
    // Read on all cores in batches, each batch's yum entries then going to
    // the cache's spool, so a cold leaf of any size holds small records.
    let mut fresh = fresh.into_iter();
    loop {
        let batch: Vec<_> = fresh.by_ref().take(READ_BATCH).collect();
        let (Some(first), Some(last)) = (batch.first().map(|b| b.0), batch.last().map(|b| b.0))
        else {
            break;
        };
        let read: Vec<(usize, Stamp, Result<Record, Problem>)> = batch
            .into_par_iter()
            .map(|(i, (path, rel, stamp))| (i, stamp, read_record(path, rel, stamp)))
            .collect();
        for (i, stamp, r) in read {
            match r {
                Ok(mut record) => {
                    record.origin = Origin::read(stamp);
                    slots[i] = Some(record);
                }
                Err(p) => scan.problems.push(p),
            }
        }
        // The batch's span: the cached records in it are spooled already.
        cache.spool_records(slots[first..=last].iter_mut().flatten());
    }
    // In place (an `Option<Record>` is a `Record`'s size; `flatten` would
    // collect into a second buffer as large).
    #[allow(clippy::filter_map_identity)]
    let records: Vec<Record> = slots.into_iter().filter_map(|r| r).collect();
    scan.records = records;
    Ok(scan)
}

/// Where the index that clients read now lists its packages: what
/// [`drop_conflicts`] keeps when a newcomer collides with one of them.
#[derive(Debug, Clone, Copy)]
pub enum Incumbents<'a> {
    /// A flat leaf: its `Packages` and `primary.xml`.
    Flat(&'a Path),
    /// A `dists/` + `pool/` root and the suite being written: every
    /// `Packages` under `ROOT/dists/SUITE/`.
    Dists(&'a Path, &'a str),
}

impl Incumbents<'_> {
    /// The `rel` of each package the current index lists.
    fn rels(self) -> std::collections::BTreeSet<String> {
        match self {
            Incumbents::Flat(leaf) => indexed_rels(leaf),
            Incumbents::Dists(root, suite) => {
                let mut out = std::collections::BTreeSet::new();
                let dir = root.join("dists").join(suite);
                let Ok(components) = fs::read_dir(&dir) else {
                    return out;
                };
                for component in components.flatten() {
                    let Ok(arches) = fs::read_dir(component.path()) else {
                        continue;
                    };
                    for arch in arches.flatten() {
                        filenames(&arch.path().join("Packages"), &mut out);
                    }
                }
                out
            }
        }
    }
}

/// The `Filename:` values of a `Packages` file, without a leading `./`.
fn filenames(packages: &Path, out: &mut std::collections::BTreeSet<String>) {
    if let Ok(text) = fs::read_to_string(packages) {
        for line in text.lines() {
            if let Some(f) = line.strip_prefix("Filename:") {
                let f = f.trim();
                out.insert(f.strip_prefix("./").unwrap_or(f).to_owned());
            }
        }
    }
}

/// Leaves out every package whose name + version + arch + format is also
/// claimed by a file with different contents, with a [`Problem`] for each;
/// except that the one the current index already lists ([`Incumbents`])
/// stays, and only the newcomers are left out and reported.
pub fn drop_conflicts(
    records: Vec<Record>,
    problems: &mut Vec<Problem>,
    incumbents: Incumbents<'_>,
) -> Vec<Record> {
    // Two different files for one name + version + arch: which one a client
    // would get is undefined, so neither is indexed, unless one of them is
    // what clients already have (the index lists it): that one stays.
    type Nva<'r> = (&'r str, u32, &'r str, &'r str, &'r str, &'static str);
    fn nva(r: &Record) -> Nva<'_> {
        let i = &r.info;
        (
            &i.name,
            i.epoch.unwrap_or(0),
            &i.version,
            &i.release,
            &i.arch,
            i.format.as_str(),
        )
    }
    // Candidates by a hash of the key, sorted: a leaf of any size usually
    // has none, and this costs 16 bytes a package rather than a map entry.
    let hasher = rustc_hash::FxBuildHasher;
    let mut hashed: Vec<(u64, usize)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (std::hash::BuildHasher::hash_one(&hasher, nva(r)), i))
        .collect();
    hashed.sort_unstable();
    // In key order, so the problems are reported the same way every run.
    let mut by_nva: std::collections::BTreeMap<Nva<'_>, Vec<usize>> = Default::default();
    for run in hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for &(_, i) in run {
            by_nva.entry(nva(&records[i])).or_default().push(i);
        }
    }
    drop(hashed);
    let clashes = by_nva.iter().filter(|(_, idx)| idx.len() > 1);
    let mut drop = std::collections::BTreeSet::new();
    let mut indexed: Option<std::collections::BTreeSet<String>> = None;
    for ((name, epoch, version, release, arch, _), idx) in clashes {
        let v = format!("{epoch}:{version}-{release}");
        let distinct: std::collections::BTreeSet<&Checksum<32>> =
            idx.iter().map(|&i| &records[i].sha256).collect();
        if distinct.len() < 2 {
            continue;
        }
        let listed = indexed.get_or_insert_with(|| incumbents.rels());
        let incumbents: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| listed.contains(&records[i].rel))
            .collect();
        let incumbent_sums: std::collections::BTreeSet<&Checksum<32>> =
            incumbents.iter().map(|&i| &records[i].sha256).collect();
        if let (Some(&first), 1) = (incumbents.first(), incumbent_sums.len()) {
            let kept = &records[first];
            for &i in idx {
                if records[i].sha256 != kept.sha256 {
                    drop.insert(i);
                    problems.push(Problem {
                        path: records[i].path.clone(),
                        message: format!(
                            "{name} {v} {arch} is already indexed as `{}`, which stays; this file has different contents and is left out (remove it, or bump its version)",
                            kept.path.display()
                        ),
                    });
                }
            }
            continue;
        }
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

/// The files the current index of the flat leaf `leaf` lists: apt's
/// `Filename: ./NAME` lines in `Packages`, yum's `<location href="NAME"/>`
/// in the `primary.xml` that `repodata/repomd.xml` names. Read only when
/// two files collide (to keep the one clients already have) and when a
/// package added again is in place (to re-index a leaf a killed run left
/// unindexed); an index that cannot be read lists nothing.
pub(crate) fn indexed_rels(leaf: &Path) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    filenames(&leaf.join("Packages"), &mut out);
    if let Some(primary) = yum_primary(leaf) {
        let mut rest = primary.as_str();
        while let Some(at) = rest.find("<location href=\"") {
            rest = &rest[at + "<location href=\"".len()..];
            if let Some(end) = rest.find('"') {
                out.insert(unescape_xml(&rest[..end]));
                rest = &rest[end..];
            }
        }
    }
    out
}

/// The text of the leaf's current `primary.xml` (gzip or zstd, one or many
/// members), if there is one.
fn yum_primary(leaf: &Path) -> Option<String> {
    let repomd = fs::read_to_string(leaf.join("repodata/repomd.xml")).ok()?;
    let data = &repomd[repomd.find("<data type=\"primary\">")?..];
    let href = &data[data.find("href=\"")? + 6..];
    let href = &href[..href.find('"')?];
    let file = fs::File::open(leaf.join(unescape_xml(href))).ok()?;
    let mut text = String::new();
    if href.ends_with(".zst") {
        zstd::stream::read::Decoder::new(file)
            .ok()?
            .read_to_string(&mut text)
            .ok()?;
    } else {
        flate2::read::MultiGzDecoder::new(file)
            .read_to_string(&mut text)
            .ok()?;
    }
    Some(text)
}

/// The XML escapes createrepo_c writes in attribute values.
fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A symlink to nothing named like a package is reported by path, and
    /// the rest of the leaf is still scanned.
    #[test]
    fn a_dangling_symlink_is_a_problem_not_a_failure() {
        let t = tempfile::tempdir().unwrap();
        let leaf = t.path().join("leaf");
        fs::create_dir_all(&leaf).unwrap();
        fs_err::os::unix::fs::symlink(leaf.join("gone.rpm"), leaf.join("a.rpm")).unwrap();
        fs::write(leaf.join("b.rpm"), b"not a package").unwrap();
        let mut cache = Cache::load(&leaf, Some(&t.path().join("cache")));
        let scan = scan_leaf(&leaf, &mut cache).unwrap();
        assert!(scan.records.is_empty());
        let paths: Vec<&Path> = scan.problems.iter().map(|p| p.path.as_path()).collect();
        assert_eq!(paths, [leaf.join("a.rpm"), leaf.join("b.rpm")]);
        assert!(
            scan.problems[0].message.contains("symlink"),
            "{:?}",
            scan.problems[0]
        );
    }

    /// The scan collects `Option<Record>` slots into records in place,
    /// which needs the two to be the same size.
    #[test]
    fn an_optional_record_is_a_records_size() {
        assert_eq!(
            std::mem::size_of::<Option<Record>>(),
            std::mem::size_of::<Record>()
        );
    }
}
