//! `bundle pack`: Crowbar's `package_barclamp.sh`. The bundle directory as
//! `package_barclamp` kept it (everything but the `.git` directory, so
//! `.gitignore`, `.gitkeep` and empty directories stay), its build cache
//! linked in as `cache/` (every directory of `<cache>/barclamps/<name>/`:
//! `files`, `gems`, `git_repos`, `pips`, `<os>/pkgs`, …; with `--os` only
//! `files`, `gems`, `git_repos`, `pips` and that OS, as `package_barclamp
//! --os` did), the manifest with package_barclamp's `git:` block appended
//! ([`Manifest::with_git`]), `SHA256SUMS` and `sha1sums`, into
//! `<destdir>/<name>.tar.gz`.
//!
//! The tarball is deterministic: entries sorted by name, directories before
//! their contents, owner root:root (uid/gid 0), modes 0755/0644 by the
//! executable bit, every mtime `SOURCE_DATE_EPOCH`, links dereferenced (as
//! `tar -h`), gzip level 6 with a zero header mtime. Files are hashed on all
//! cores before the archive is written; the archive is written to a hidden
//! temporary name and renamed into place.
//!
//! The gzip stream is compressed on all cores the way pigz's independent
//! mode does: the tar stream is cut into fixed 4 MiB pieces, each
//! compressed as its own gzip member, members concatenated in order (RFC
//! 1952 §2.2: a gzip file is a series of members; `gzip -d`, GNU `tar xzf`
//! and Python's `tarfile` read them all). The cut points do not depend on
//! the number of threads, so the bytes do not either.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_archive::tar::{Owner, TarWriter};
use omnipack_core::AtomicFile;
use omnipack_core::Progress;
use rayon::prelude::*;

use crate::BundleError;
use crate::manifest::{GitInfo, Manifest};
use crate::relpath::{rel_string, safe_rel};
use crate::sums::{self, FileDigest, SHA1SUMS, SHA256SUMS};

/// How to pack.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Where the tarball goes.
    pub destdir: PathBuf,
    /// Only this OS token's packages from the cache.
    pub os: Option<String>,
    /// The build cache holding `barclamps/<name>/{files,gems,git_repos,pips,<os>/pkgs}`.
    pub cache: Option<PathBuf>,
    /// Every entry's mtime; `None`: `SOURCE_DATE_EPOCH`, else the time of
    /// the bundle directory's last git commit, else now
    /// ([`omnipack_core::time::epoch_of`]).
    pub mtime: Option<u64>,
}

/// What was packed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Packed {
    /// The bundle name.
    pub name: String,
    /// The tarball written.
    pub tarball: PathBuf,
    /// Files in it.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
}

/// Where a packed file's bytes come from.
#[derive(Debug, Clone)]
enum Src {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

/// A bundle source given as NAME or PATH: a directory holding a manifest
/// as is, else `barclamps/NAME` (Crowbar's checkout layout).
pub fn resolve_source(arg: &str) -> PathBuf {
    let p = PathBuf::from(arg);
    if p.is_dir() || arg.contains('/') {
        return p;
    }
    let in_barclamps = Path::new("barclamps").join(arg);
    if in_barclamps.is_dir() {
        in_barclamps
    } else {
        p
    }
}

/// The cache directories that are not an OS token's: with `--os`,
/// `package_barclamp.sh` linked these and the OS's (`for d in files gems
/// git_repos pips "$OS_PKGS"`).
pub const CACHE_COMMON: [&str; 4] = ["files", "gems", "git_repos", "pips"];

/// The last commit of `dir` as `package_barclamp.sh` read it from `git log
/// -n 1`: the `commit` line's id and the `Date:` line (the author date in
/// git's default format, `Mon Feb 13 22:13:15 2012 -0800`, whatever the
/// user's `log.date`).
fn git_info(dir: &Path) -> Option<GitInfo> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--date=default", "--format=%ad%n%H"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let date = lines.next()?.trim().to_owned();
    let commit = lines.next()?.trim().to_owned();
    (!commit.is_empty()).then_some(GitInfo {
        date: Some(date),
        commit: Some(commit),
    })
}

/// Adds every file under `from` (links followed) as `prefix/<rel>`, and
/// every directory to `empty` (the caller keeps those holding nothing
/// packed). A symbolic link that resolves nowhere (Crowbar trees hold
/// absolute links into `/opt/dell`) is left out with a note, as
/// `package_barclamp.sh`'s `find -L -type f` left it out of `sha1sums`.
fn add_tree(
    files: &mut BTreeMap<String, Src>,
    empty: &mut BTreeSet<String>,
    from: &Path,
    prefix: &str,
    skip: &dyn Fn(&str) -> bool,
    progress: &dyn Progress,
) -> Result<(), BundleError> {
    let join = |rel: &str| {
        if prefix.is_empty() {
            rel.to_owned()
        } else if rel.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}/{rel}")
        }
    };
    let mut walk = walkdir::WalkDir::new(from).follow_links(true).into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let dangling = e
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    && e.path().is_some_and(|p| p.is_symlink());
                match e.path() {
                    Some(p) if dangling => {
                        let target = fs::read_link(p)
                            .map(|t| t.display().to_string())
                            .unwrap_or_default();
                        progress.note(&format!(
                            "left out `{}`: a symbolic link to `{target}`, which does not resolve here",
                            p.display()
                        ));
                        continue;
                    }
                    _ => return Err(sums::walk_error(from, e)),
                }
            }
        };
        let rel = rel_string(from, entry.path()).unwrap_or_default();
        if skip(&rel) {
            if entry.file_type().is_dir() && !rel.is_empty() {
                walk.skip_current_dir();
            }
            continue;
        }
        if !rel.is_empty() && !safe_rel(&rel) {
            return Err(BundleError::UnlistableName(entry.path().to_path_buf()));
        }
        if entry.file_type().is_dir() {
            empty.insert(join(&rel));
        } else if entry.file_type().is_file() {
            files.insert(join(&rel), Src::Path(entry.path().to_path_buf()));
        }
    }
    Ok(())
}

/// Whether `rel` (relative to the bundle directory) is what
/// `package_barclamp.sh` removed: the `.git` directory (`rm -rf -- .git`),
/// or the `.git` file a submodule checkout has (package_barclamp kept that
/// one, a pointer to a directory the tarball does not hold; left out here).
fn is_dot_git(rel: &str) -> bool {
    rel == ".git" || rel.starts_with(".git/")
}

/// Packs the bundle given as NAME or PATH ([`resolve_source`]); an error
/// names the bundle directory ([`BundleError::Pack`]).
pub fn pack_source(
    arg: &str,
    opts: &PackOptions,
    progress: &dyn Progress,
) -> Result<Packed, BundleError> {
    let dir = resolve_source(arg);
    let mtime = match opts.mtime {
        Some(t) => t,
        None => omnipack_core::time::epoch_of(&dir)?,
    };
    let opts = PackOptions {
        mtime: Some(mtime),
        ..opts.clone()
    };
    pack(&dir, &opts, progress).map_err(|e| BundleError::Pack {
        dir,
        source: Box::new(e),
    })
}

/// Packs the bundle directory `source`.
pub fn pack(
    source: &Path,
    opts: &PackOptions,
    progress: &dyn Progress,
) -> Result<Packed, BundleError> {
    let mtime = match opts.mtime {
        Some(t) => t,
        None => omnipack_core::time::epoch_of(source)?,
    };
    let manifest = Manifest::load(source)?;
    let name = manifest.name().to_owned();
    let manifest_name = manifest
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "crowbar.yml".into());
    let os = opts.os.clone();
    let keep_os = |rel: &str| -> bool {
        // cache/<token>/… of another OS than --os is left out.
        let mut it = rel.split('/');
        match (it.next(), it.next(), &os) {
            (Some("cache"), Some(tok), Some(want)) if !CACHE_COMMON.contains(&tok) => tok == want,
            _ => true,
        }
    };
    let mut files: BTreeMap<String, Src> = BTreeMap::new();
    let mut empty: BTreeSet<String> = BTreeSet::new();
    add_tree(
        &mut files,
        &mut empty,
        source,
        "",
        &|rel: &str| {
            is_dot_git(rel)
                || rel == SHA1SUMS
                || rel == SHA256SUMS
                || rel == manifest_name
                || !keep_os(rel)
        },
        progress,
    )?;
    if let Some(cache) = &opts.cache {
        // package_barclamp.sh: `ln -s -t "$bc/cache/" "$d"` for every
        // directory of the barclamp's cache (with --os: files, gems,
        // git_repos, pips and that OS), packed whole.
        let own = cache.join("barclamps").join(&name);
        if own.is_dir() {
            for entry in fs::read_dir(&own)? {
                let entry = entry?;
                let tok = entry.file_name().to_string_lossy().into_owned();
                let p = entry.path();
                let wanted =
                    CACHE_COMMON.contains(&tok.as_str()) || os.as_ref().is_none_or(|o| *o == tok);
                if p.is_dir() && wanted {
                    add_tree(
                        &mut files,
                        &mut empty,
                        &p,
                        &format!("cache/{tok}"),
                        &|_| false,
                        progress,
                    )?;
                }
            }
        }
    }
    let text = match git_info(source) {
        Some(git) => manifest.with_git(&git)?,
        None => manifest.bytes.clone(),
    };
    for w in &manifest.warnings {
        progress.note(&format!("`{}`: {w}", manifest.path.display()));
    }
    files.insert(manifest_name, Src::Bytes(text));
    // A directory is written empty only when nothing packed lies beneath it.
    empty.retain(|d| {
        !d.is_empty()
            && !files
                .range(format!("{d}/")..)
                .next()
                .is_some_and(|(f, _)| f.starts_with(&format!("{d}/")))
    });

    // Hash: files on disk in parallel, in-memory ones here.
    let on_disk: Vec<String> = files
        .iter()
        .filter(|(_, s)| matches!(s, Src::Path(_)))
        .map(|(r, _)| r.clone())
        .collect();
    let paths: BTreeMap<String, PathBuf> = files
        .iter()
        .filter_map(|(r, s)| match s {
            Src::Path(p) => Some((r.clone(), p.clone())),
            Src::Bytes(_) => None,
        })
        .collect();
    let mut digests = hash_sources(&paths, &on_disk, progress)?;
    for (r, s) in &files {
        if let Src::Bytes(b) = s {
            digests.insert(r.clone(), digest_bytes(b));
        }
    }
    let (s256, s1) = sums::render_both(&digests)?;
    files.insert(
        SHA256SUMS.to_owned(),
        Src::Bytes(s256.render().into_bytes()),
    );
    files.insert(SHA1SUMS.to_owned(), Src::Bytes(s1.render().into_bytes()));

    fs::create_dir_all(&opts.destdir)?;
    let tarball = opts.destdir.join(format!("{name}.tar.gz"));
    let bytes: u64 = files
        .values()
        .map(|s| match s {
            Src::Bytes(b) => b.len() as u64,
            Src::Path(p) => fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        })
        .sum();
    progress.start("writing tarball", bytes);
    let out = BufWriter::with_capacity(1 << 20, AtomicFile::create(&tarball)?);
    let gz = ParallelGzip::new(out, 6);
    let mut tar = TarWriter::new(gz, mtime);
    let mut entries: Vec<(String, Option<&Src>)> = Vec::new();
    let mut dirs = BTreeSet::new();
    dirs.insert(format!("{name}/"));
    for rel in files.keys().chain(empty.iter()) {
        let rel = if empty.contains(rel) {
            format!("{rel}/.")
        } else {
            rel.clone()
        };
        let mut acc = name.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        for p in &parts[..parts.len() - 1] {
            acc.push('/');
            acc.push_str(p);
            dirs.insert(format!("{acc}/"));
        }
    }
    entries.extend(dirs.into_iter().map(|d| (d, None)));
    entries.extend(files.iter().map(|(r, s)| (format!("{name}/{r}"), Some(s))));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (entry, src) in entries {
        match src {
            None => tar.dir(&entry, 0o755, Owner::ROOT)?,
            Some(Src::Bytes(b)) => tar.file(&entry, 0o644, Owner::ROOT, b.len() as u64, &b[..])?,
            Some(Src::Path(p)) => {
                let f = fs::File::open(p)?;
                let meta = f.metadata()?;
                let mode = if meta.permissions().mode() & 0o111 != 0 {
                    0o755
                } else {
                    0o644
                };
                tar.file(&entry, mode, Owner::ROOT, meta.len(), f)?;
                progress.advance(meta.len());
            }
        }
    }
    let out = tar.finish()?.finish()?;
    out.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .commit(0o644)?;
    progress.finish();
    Ok(Packed {
        name,
        tarball,
        files: files.len(),
        bytes,
    })
}

/// Size of one independently compressed gzip member's input.
const GZIP_PIECE: usize = 4 << 20;

/// A gzip writer compressing fixed-size pieces of its input as separate
/// members on all cores (see the module docs).
struct ParallelGzip<W: Write> {
    inner: W,
    level: u32,
    buf: Vec<u8>,
    pending: Vec<Vec<u8>>,
    batch: usize,
    wrote_any: bool,
}

impl<W: Write> ParallelGzip<W> {
    fn new(inner: W, level: u32) -> Self {
        ParallelGzip {
            inner,
            level,
            buf: Vec::with_capacity(GZIP_PIECE),
            pending: Vec::new(),
            batch: rayon::current_num_threads().max(1) * 2,
            wrote_any: false,
        }
    }

    fn member(level: u32, piece: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut e = flate2::GzBuilder::new().mtime(0).operating_system(3).write(
            Vec::with_capacity(piece.len() / 2),
            flate2::Compression::new(level),
        );
        e.write_all(piece)?;
        e.finish()
    }

    fn drain(&mut self) -> std::io::Result<()> {
        let level = self.level;
        let members: std::io::Result<Vec<Vec<u8>>> = self
            .pending
            .par_iter()
            .map(|p| Self::member(level, p))
            .collect();
        for m in members? {
            self.inner.write_all(&m)?;
            self.wrote_any = true;
        }
        self.pending.clear();
        Ok(())
    }

    /// Compresses what is left and returns the inner writer.
    fn finish(mut self) -> std::io::Result<W> {
        if !self.buf.is_empty() || (!self.wrote_any && self.pending.is_empty()) {
            let last = std::mem::take(&mut self.buf);
            self.pending.push(last);
        }
        self.drain()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(GZIP_PIECE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == GZIP_PIECE {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(GZIP_PIECE));
            self.pending.push(full);
            if self.pending.len() >= self.batch {
                self.drain()?;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn digest_bytes(b: &[u8]) -> FileDigest {
    let d = omnipack_core::hash::hash_bytes(b, false, true, true);
    FileDigest {
        sha1: d.sha1_hex(),
        sha256: d.sha256_hex(),
        size: d.size,
    }
}

/// Hashes files that may live in different trees (bundle dir, build cache).
fn hash_sources(
    paths: &BTreeMap<String, PathBuf>,
    rels: &[String],
    progress: &dyn Progress,
) -> Result<BTreeMap<String, FileDigest>, BundleError> {
    let total: u64 = rels
        .iter()
        .filter_map(|r| paths.get(r))
        .filter_map(|p| fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.start("hashing", total);
    let out: Result<Vec<(String, FileDigest)>, BundleError> = rels
        .par_iter()
        .filter_map(|r| paths.get(r).map(|p| (r, p)))
        .map(|(r, p)| {
            let d = sums::hash_file(p, true)?;
            progress.advance(d.size);
            Ok((r.clone(), d))
        })
        .collect();
    progress.finish();
    Ok(out?.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards reproducibility: the members do not depend on the thread count.
    #[test]
    fn parallel_gzip_is_independent_of_threads_and_real_gzip_reads_it() {
        let data: Vec<u8> = (0..GZIP_PIECE * 5 / 2)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 % 17)
            .collect();
        let compress = |batch: usize| {
            let mut w = ParallelGzip::new(Vec::new(), 6);
            w.batch = batch;
            for chunk in data.chunks(100_003) {
                w.write_all(chunk).unwrap();
            }
            w.finish().unwrap()
        };
        let one = compress(1);
        assert_eq!(one, compress(8));
        let t = tempfile::tempdir().unwrap();
        let gz = t.path().join("x.gz");
        fs::write(&gz, &one).unwrap();
        if omnipack_test_support::require_tools(&["gzip"]) {
            let out = Command::new("gzip").arg("-dc").arg(&gz).output().unwrap();
            assert!(out.status.success());
            assert_eq!(out.stdout, data);
        }
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&one[..]), &mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
