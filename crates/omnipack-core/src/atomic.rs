//! Nothing half-written: every file omnipack writes goes to a hidden
//! temporary name beside its destination (`.NAME.PID.XXXXXX.tmp`, which
//! `omnipack serve` and publishing never show), is synced, renamed into
//! place, and the directory it landed in is synced. An uncommitted file is
//! removed when dropped (also on an error or a panic); one a killed process
//! left (its PID no longer runs) is removed by the next run's [`sweep`].
//!
//! * [`AtomicFile`] and [`write_file`]: one file (a package, a tarball, a
//!   key, a cache file).
//! * [`Staging`]: two-phase writing of many files, such as an index:
//!   [`Staging::commit`] renames them into place, ordinary (hashed) metadata
//!   first and the top indexes (`InRelease`/`Release`, `repomd.xml`) last, in
//!   the order they were added. A crash at any moment leaves the previous
//!   complete index or the new one.

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use fs_err as fs;

/// A file being written under a temporary name beside `dest`; it appears at
/// `dest` complete, or not at all.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
    /// Removed by a stopped process's clean-up while uncommitted.
    _registered: crate::cleanup::Registered,
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("tmp", &self.tmp.path())
            .field("dest", &self.dest)
            .finish()
    }
}

/// Removes the directories `PREFIX<pid>-*` in the temporary directory
/// whose process no longer runs (a killed run's unpack or staging
/// directory, which it could not remove), and returns them. A live
/// process's, and anything else, are left alone; failures leave them for
/// the next run.
pub fn sweep_temp_dirs(prefix: &str) -> Vec<PathBuf> {
    crate::cleanup::sweep_dirs(&std::env::temp_dir(), prefix)
}

/// The process that owns a temporary name made here
/// (`.NAME.PID.XXXXXX.tmp`), if `name` is one.
fn owner(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, _random) = inner.rsplit_once('.')?;
    let (_dest, pid) = rest.rsplit_once('.')?;
    pid.parse().ok()
}

/// Removes from `dir` the temporary files of writes whose process no
/// longer runs (killed before it could clean up), and returns them. A live
/// process's temporary files, and every other file, are left alone; a
/// missing directory has none.
pub fn sweep(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner) else {
            continue;
        };
        if !crate::cleanup::pid_alive(pid) && entry.file_type()?.is_file() {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed.push(entry.path()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    removed.sort();
    Ok(removed)
}

fn temp_beside(dest: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tempfile::Builder::new()
        .prefix(&format!(".{name}.{}.", std::process::id()))
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot create a temporary file in `{}`: {e}",
                    parent.display()
                ),
            )
        })
}

fn set_mode(tmp: &tempfile::NamedTempFile, mode: u32, path: &Path) -> std::io::Result<()> {
    let file = tmp.as_file();
    let named = |e: std::io::Error| {
        std::io::Error::new(
            e.kind(),
            format!("cannot set the mode of `{}`: {e}", path.display()),
        )
    };
    let mut perms = file.metadata().map_err(named)?.permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, mode);
    file.set_permissions(perms).map_err(named)
}

fn persist(tmp: tempfile::TempPath, dest: &Path) -> std::io::Result<()> {
    tmp.persist(dest).map_err(|e| {
        std::io::Error::new(
            e.error.kind(),
            format!("cannot rename into `{}`: {}", dest.display(), e.error),
        )
    })
}

/// Syncs the directory `dir`, making the renames into it durable. Best
/// effort: some filesystems refuse to sync a directory.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

impl AtomicFile {
    /// Starts writing `dest` (its directory is created if missing).
    pub fn create(dest: impl Into<PathBuf>) -> std::io::Result<AtomicFile> {
        let dest = dest.into();
        let tmp = temp_beside(&dest)?;
        let registered = crate::cleanup::register(tmp.path());
        Ok(AtomicFile {
            tmp,
            dest,
            _registered: registered,
        })
    }

    /// Where the file will appear.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Where it is being written (to read back what was written so far).
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the file to its destination without syncing it or its
    /// directory: for a file that can be made again (a cache), where a
    /// crash may lose it but never shows it half-written.
    pub fn commit_unsynced(mut self, mode: u32) -> std::io::Result<PathBuf> {
        self.tmp.flush()?;
        set_mode(&self.tmp, mode, &self.dest)?;
        persist(self.tmp.into_temp_path(), &self.dest)?;
        Ok(self.dest)
    }

    /// Gives the file mode `mode`, syncs it, renames it to its destination
    /// and syncs the directory.
    pub fn commit(mut self, mode: u32) -> std::io::Result<PathBuf> {
        self.tmp.flush()?;
        set_mode(&self.tmp, mode, &self.dest)?;
        self.tmp.as_file().sync_all().map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot sync `{}`: {e}", self.tmp.path().display()),
            )
        })?;
        persist(self.tmp.into_temp_path(), &self.dest)?;
        if let Some(dir) = self.dest.parent() {
            sync_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            });
        }
        Ok(self.dest)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        self.tmp.write_vectored(bufs)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.tmp.seek(pos)
    }
}

/// Writes `bytes` to `dest` atomically with mode `mode` (see [`AtomicFile`]).
pub fn write_file(dest: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes)?;
    f.commit(mode)?;
    Ok(())
}

struct Pending {
    tmp: tempfile::TempPath,
    dest: PathBuf,
    _registered: crate::cleanup::Registered,
}

/// One step of the top sequence: a file renamed into place, or a file
/// removed (a signature the new top index no longer has).
enum TopStep {
    Rename(Pending),
    Remove(PathBuf),
}

/// Files waiting to be renamed into place under one root.
pub struct Staging {
    root: PathBuf,
    files: Vec<Pending>,
    top: Vec<TopStep>,
}

/// What [`Staging::commit_all`] did.
#[derive(Debug, Default)]
pub struct Committed {
    /// The files renamed into place, in order.
    pub written: Vec<PathBuf>,
    /// The files removed (by [`Staging::remove_top`]) that were there.
    pub removed: Vec<PathBuf>,
}

impl std::fmt::Debug for Staging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staging")
            .field("root", &self.root)
            .field("files", &self.files.len())
            .field("top", &self.top.len())
            .finish()
    }
}

/// Writes every part, in order, with as few `writev` calls as the kernel
/// allows (a document is hundreds of cached chunks).
fn write_all_vectored(out: &mut impl Write, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut slices: Vec<std::io::IoSlice<'_>> =
        parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
    let mut left = &mut slices[..];
    std::io::IoSlice::advance_slices(&mut left, 0);
    while !left.is_empty() {
        match out.write_vectored(left) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut left, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Staging {
    /// Stages files under `root` (the leaf or repository directory).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Staging {
            root: root.into(),
            files: Vec::new(),
            top: Vec::new(),
        }
    }

    /// The directory relative paths are resolved against.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn stage(&self, rel: &str, parts: &[&[u8]]) -> std::io::Result<Pending> {
        let dest = self.root.join(rel);
        let mut tmp = temp_beside(&dest)?;
        write_all_vectored(tmp.as_file_mut(), parts)?;
        set_mode(&tmp, 0o644, &dest)?;
        tmp.as_file().sync_all()?;
        let registered = crate::cleanup::register(tmp.path());
        Ok(Pending {
            tmp: tmp.into_temp_path(),
            dest,
            _registered: registered,
        })
    }

    /// Stages an ordinary metadata file (`Packages.xz`, `by-hash/...`, `repodata/<sum>-primary.xml.gz`).
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write_parts(rel, &[bytes])
    }

    /// [`Staging::write`] of a file given in pieces, written one after
    /// another (never joined in memory).
    pub fn write_parts(&mut self, rel: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        let p = self.stage(rel, parts)?;
        self.files.push(p);
        Ok(())
    }

    /// Stages many ordinary files at once, each as [`Staging::write`] does
    /// (temporary name, synced), several at a time: syncing is waiting on
    /// the disk, so `threads` of them overlap even on few cores.
    pub fn write_many(
        &mut self,
        files: &[(String, Vec<u8>)],
        threads: usize,
    ) -> std::io::Result<()> {
        use rayon::prelude::*;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(std::io::Error::other)?;
        let staged: Vec<Pending> = pool.install(|| {
            files
                .par_iter()
                .map(|(rel, bytes)| self.stage(rel, &[bytes]))
                .collect::<std::io::Result<_>>()
        })?;
        self.files.extend(staged);
        Ok(())
    }

    /// Stages a top index (`Release`, `InRelease`, `repomd.xml`), renamed after
    /// every ordinary file, in the order added.
    pub fn write_top(&mut self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let p = self.stage(rel, &[bytes])?;
        self.top.push(TopStep::Rename(p));
        Ok(())
    }

    /// Removes `rel` (if it exists) at this point of the top sequence: a
    /// signature that the top index staged after it will not have, removed
    /// before that index appears so that no client pairs the new index with
    /// the old signature.
    pub fn remove_top(&mut self, rel: &str) {
        self.top.push(TopStep::Remove(self.root.join(rel)));
    }

    /// Renames everything into place; returns the destinations in rename order.
    pub fn commit(self) -> std::io::Result<Vec<PathBuf>> {
        Ok(self.commit_all()?.written)
    }

    /// [`Staging::commit`], also saying which files [`Staging::remove_top`]
    /// removed.
    pub fn commit_all(self) -> std::io::Result<Committed> {
        let mut done = Vec::new();
        let mut removed = Vec::new();
        for p in self.files {
            persist(p.tmp, &p.dest)?;
            done.push(p.dest);
        }
        for step in self.top {
            match step {
                TopStep::Rename(p) => {
                    persist(p.tmp, &p.dest)?;
                    done.push(p.dest);
                }
                TopStep::Remove(path) => match fs::remove_file(&path) {
                    Ok(()) => removed.push(path),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                },
            }
        }
        // Make the renames durable: a rename is an entry in the directory
        // the file landed in (`repodata/`, `by-hash/SHA256/`), and such a
        // directory, if new, an entry in its parent; so each directory from
        // the root down to every file is synced.
        let mut dirs: Vec<&Path> = done
            .iter()
            .flat_map(|d| d.ancestors().skip(1))
            .filter(|d| d.starts_with(&self.root))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        for dir in dirs {
            sync_dir(dir);
        }
        for dir in removed.iter().filter_map(|p| p.parent()) {
            sync_dir(dir);
        }
        Ok(Committed {
            written: done,
            removed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a new unsigned index beside an old signature: the
    /// removal happens in the top sequence, before the index it precedes.
    #[test]
    fn remove_top_removes_in_order_and_reports_only_what_was_there() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("InRelease"), b"old").unwrap();
        let mut s = Staging::new(t.path());
        s.remove_top("InRelease");
        s.remove_top("Release.gpg");
        s.write_top("Release", b"new").unwrap();
        let c = s.commit_all().unwrap();
        assert_eq!(c.removed, [t.path().join("InRelease")]);
        assert_eq!(c.written, [t.path().join("Release")]);
        assert!(!t.path().join("InRelease").exists());
    }

    #[test]
    fn nothing_is_visible_until_commit_and_top_comes_last() {
        let t = tempfile::tempdir().unwrap();
        let mut s = Staging::new(t.path());
        s.write_top("Release", b"top").unwrap();
        s.write("by-hash/SHA256/abc", b"x").unwrap();
        s.write("Packages", b"p").unwrap();
        assert!(!t.path().join("Packages").exists());
        let order = s.commit().unwrap();
        let names: Vec<_> = order
            .iter()
            .map(|p| p.strip_prefix(t.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            [
                Path::new("by-hash/SHA256/abc"),
                Path::new("Packages"),
                Path::new("Release")
            ]
        );
        assert_eq!(fs::read(t.path().join("Release")).unwrap(), b"top");
    }

    #[test]
    fn a_file_in_many_parts_is_written_whole() {
        let t = tempfile::tempdir().unwrap();
        let parts: Vec<Vec<u8>> = (0..3000u32)
            .map(|i| i.to_le_bytes().repeat(i as usize % 7))
            .collect();
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let mut s = Staging::new(t.path());
        s.write_parts("repodata/x.gz", &refs).unwrap();
        s.commit().unwrap();
        assert_eq!(
            fs::read(t.path().join("repodata/x.gz")).unwrap(),
            parts.concat()
        );
    }

    #[test]
    fn an_atomic_file_appears_whole_with_its_mode_or_not_at_all() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("sub/key.asc");
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"secret").unwrap();
        assert!(!dest.exists());
        f.commit(0o600).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"secret");
        let mode = fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        {
            let mut f = AtomicFile::create(t.path().join("dropped")).unwrap();
            f.write_all(b"half").unwrap();
        }
        write_file(&t.path().join("sub/b"), b"b", 0o644).unwrap();
        let mut names: Vec<_> = fs::read_dir(t.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["b", "key.asc"]);
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_staging_leaves_no_temporary_files() {
        let t = tempfile::tempdir().unwrap();
        {
            let mut s = Staging::new(t.path());
            s.write("Packages", b"p").unwrap();
        }
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 0);
    }
}

#[cfg(test)]
mod sweep_tests {
    use super::*;

    #[test]
    fn sweep_removes_only_the_temporaries_of_dead_processes() {
        let t = tempfile::tempdir().unwrap();
        let dead = t.path().join(".Packages.999999999.AbCdEf.tmp");
        let live = t
            .path()
            .join(format!(".Packages.{}.XyZ123.tmp", std::process::id()));
        let other = t.path().join(".hidden.tmp");
        for f in [&dead, &live, &other] {
            fs::write(f, "x").unwrap();
        }
        let mut a = AtomicFile::create(t.path().join("Release")).unwrap();
        a.write_all(b"r").unwrap();
        assert!(owner(&a.tmp.path().file_name().unwrap().to_string_lossy()).is_some());
        assert_eq!(sweep(t.path()).unwrap(), vec![dead.clone()]);
        assert!(!dead.exists() && live.exists() && other.exists());
        a.commit(0o644).unwrap();
        assert_eq!(
            sweep(&t.path().join("missing")).unwrap(),
            Vec::<PathBuf>::new()
        );
    }
}
