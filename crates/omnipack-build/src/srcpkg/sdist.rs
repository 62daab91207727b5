//! The sdist: `NAME-VERSION.tar.gz` of the git tree at `HEAD`, laid out as
//! `git archive --prefix=NAME-VERSION/ HEAD` lays it out (every tracked file
//! and symlink under one top directory, the directories as entries of their
//! own), written here rather than by `git archive` so that it is the same
//! bytes for any git version and configuration: entries sorted by name,
//! every mtime the epoch, owner `root:root` (ids 0), modes `0644` / `0755`
//! (git's executable bit), directories `0755`, gzip without a name or a time
//! in its header. Python projects get a `PKG-INFO` at the top (core metadata
//! 2.1, packaging.python.org/specifications/core-metadata), as `python -m
//! build --sdist` writes, unless the tree has one.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use omnipack_archive::compress::{Encoder, default_threads};
use omnipack_archive::tar::{Owner, TarWriter};
use omnipack_core::atomic::AtomicFile;
use omnipack_spec::manifest::Manifest;
use omnipack_spec::{Codec, Compression};

use super::{Source, SrcPkgError};

/// One blob of the tree at `HEAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// Its path relative to the project directory, `/`-separated.
    pub path: String,
    /// git's mode: `100644`, `100755` or `120000` (a symlink).
    pub mode: String,
    /// The blob's object id.
    pub oid: String,
}

fn git_error(dir: &Path, args: &str, reason: impl Into<String>) -> SrcPkgError {
    SrcPkgError::Git {
        dir: dir.to_path_buf(),
        args: args.to_owned(),
        reason: reason.into(),
    }
}

/// The blobs of `HEAD` under `dir` (`git ls-tree -r HEAD`, which lists
/// the tree below the working directory with paths relative to it).
/// Submodules (commit entries) are not part of the tree's content and are
/// left out, as `git archive` leaves them out.
pub(super) fn ls_tree(dir: &Path) -> Result<Vec<TreeEntry>, SrcPkgError> {
    let args = "ls-tree -r -z HEAD";
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-tree", "-r", "-z", "HEAD"])
        .output()
        .map_err(|e| git_error(dir, args, e.to_string()))?;
    if !out.status.success() {
        return Err(git_error(
            dir,
            args,
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    let mut entries = Vec::new();
    for record in out.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            return Err(git_error(dir, args, format!("unexpected line `{record}`")));
        };
        let mut fields = meta.split(' ');
        let (Some(mode), Some(kind), Some(oid)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(git_error(dir, args, format!("unexpected line `{record}`")));
        };
        if kind != "blob" {
            continue;
        }
        entries.push(TreeEntry {
            path: path.to_owned(),
            mode: mode.to_owned(),
            oid: oid.to_owned(),
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    if entries.is_empty() {
        return Err(SrcPkgError::Tree {
            dir: dir.to_path_buf(),
            reason: "no file is committed under this directory at HEAD".into(),
        });
    }
    Ok(entries)
}

/// Reads blobs through one `git cat-file --batch`.
struct Blobs {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Blobs {
    fn open(dir: &Path) -> Result<Blobs, SrcPkgError> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| git_error(dir, "cat-file --batch", e.to_string()))?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .map(BufReader::new)
            .ok_or_else(|| git_error(dir, "cat-file --batch", "no output pipe"))?;
        Ok(Blobs {
            child,
            stdin,
            stdout,
        })
    }

    /// The content of blob `oid`.
    fn read(&mut self, dir: &Path, oid: &str) -> Result<Vec<u8>, SrcPkgError> {
        let fail = |reason: String| git_error(dir, "cat-file --batch", reason);
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| fail("input closed".into()))?;
        writeln!(stdin, "{oid}")
            .and_then(|()| stdin.flush())
            .map_err(|e| fail(e.to_string()))?;
        let mut header = String::new();
        self.stdout
            .read_line(&mut header)
            .map_err(|e| fail(e.to_string()))?;
        let size: usize = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| fail(format!("unexpected answer `{}`", header.trim_end())))?;
        let mut data = vec![0; size + 1];
        self.stdout
            .read_exact(&mut data)
            .map_err(|e| fail(e.to_string()))?;
        data.truncate(size);
        Ok(data)
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The content of the file `path` of the tree at `HEAD`, if it has one.
pub(super) fn read_file(
    dir: &Path,
    source: &Source,
    path: &str,
) -> Result<Option<Vec<u8>>, SrcPkgError> {
    let Some(entry) = source
        .tree
        .iter()
        .find(|e| e.path == path && e.mode != "120000")
    else {
        return Ok(None);
    };
    Blobs::open(dir)?.read(dir, &entry.oid).map(Some)
}

/// Writes the sdist of `source` (the tree at `HEAD` of `dir`) to `dest`,
/// with `pkg_info` as `NAME-VERSION/PKG-INFO` unless the tree has one.
pub(super) fn write(
    dir: &Path,
    source: &Source,
    pkg_info: Option<&str>,
    dest: &Path,
) -> Result<(), SrcPkgError> {
    let out_err = |e: std::io::Error| SrcPkgError::Output {
        path: dest.to_path_buf(),
        source: e,
    };
    let top = source.dir_name();
    // Every entry by its name in the archive: directories end in `/`.
    enum Item<'a> {
        Dir,
        Blob(&'a TreeEntry),
        Text(&'a str),
    }
    let mut items: std::collections::BTreeMap<String, Item<'_>> = Default::default();
    items.insert(format!("{top}/"), Item::Dir);
    for e in &source.tree {
        let mut parent = e.path.as_str();
        while let Some((p, _)) = parent.rsplit_once('/') {
            items.insert(format!("{top}/{p}/"), Item::Dir);
            parent = p;
        }
        items.insert(format!("{top}/{}", e.path), Item::Blob(e));
    }
    if let Some(text) = pkg_info {
        items
            .entry(format!("{top}/PKG-INFO"))
            .or_insert(Item::Text(text));
    }

    let file = AtomicFile::create(dest).map_err(out_err)?;
    // Every core: the bytes do not depend on the thread count.
    let gz =
        Encoder::new(file, Compression::new(Codec::Gzip), default_threads()).map_err(out_err)?;
    let mut tar = TarWriter::new(gz, source.epoch);
    let mut blobs = Blobs::open(dir)?;
    for (name, item) in &items {
        match item {
            Item::Dir => tar.dir(name, 0o755, Owner::ROOT).map_err(out_err)?,
            Item::Text(text) => tar
                .file(name, 0o644, Owner::ROOT, text.len() as u64, text.as_bytes())
                .map_err(out_err)?,
            Item::Blob(e) => {
                let data = blobs.read(dir, &e.oid)?;
                match e.mode.as_str() {
                    "120000" => tar
                        .symlink(name, &String::from_utf8_lossy(&data), Owner::ROOT)
                        .map_err(out_err)?,
                    mode => {
                        let perm = if mode == "100755" { 0o755 } else { 0o644 };
                        tar.file(name, perm, Owner::ROOT, data.len() as u64, &data[..])
                            .map_err(out_err)?;
                    }
                }
            }
        }
    }
    let file = tar.finish().and_then(Encoder::finish).map_err(out_err)?;
    file.commit(0o644).map_err(out_err)?;
    Ok(())
}

/// `PKG-INFO` (core metadata 2.1) from the manifest's `[project]`.
pub(super) fn pkg_info(m: &Manifest, source: &Source) -> String {
    let p = &m.project;
    let (author, email) = super::maintainer_parts(&p.maintainer);
    let mut s = String::from("Metadata-Version: 2.1\n");
    s.push_str(&format!("Name: {}\n", p.name));
    s.push_str(&format!("Version: {}\n", source.version.upstream));
    s.push_str(&format!("Summary: {}\n", p.summary));
    if let Some(url) = &p.url {
        s.push_str(&format!("Home-page: {url}\n"));
    }
    if !author.is_empty() {
        s.push_str(&format!("Maintainer: {author}\n"));
    }
    if !email.is_empty() {
        s.push_str(&format!("Maintainer-email: {}\n", p.maintainer.trim()));
    }
    s.push_str(&format!("License: {}\n", p.license));
    if !p.description.is_empty() {
        s.push_str("Description-Content-Type: text/plain\n\n");
        s.push_str(p.description.trim_end());
        s.push('\n');
    }
    s
}
