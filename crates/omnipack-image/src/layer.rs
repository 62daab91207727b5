//! A layer: a directory tree as a gzip-compressed tar, written so that the
//! same tree and epoch always give the same bytes (OCI image spec,
//! `layer.md`):
//!
//! * entries in byte order of their names, parents first;
//! * modification times clamped to the epoch (`SOURCE_DATE_EPOCH`), owners
//!   as numeric ids (no user or group names), no access or change times;
//! * hard links as tar links to the first name seen; file capabilities
//!   (`security.capability`) kept as a PAX `SCHILY.xattr` record;
//! * gzip with no name and a zero time, at one fixed level.
//!
//! A whole root ([`TreeKind::Root`]) leaves the contents of `dev/`, `proc/`
//! and `sys/` out (a container runtime mounts them). An overlay upper
//! directory ([`TreeKind::Upper`]) turns the kernel's whiteouts into the
//! OCI ones: a character device 0:0 becomes `.wh.NAME`, a directory marked
//! `trusted.overlay.opaque` gets a `.wh..wh..opq` entry.

use std::collections::HashMap;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use fs_err as fs;
use sha2::{Digest, Sha256};

use crate::error::Result;

/// What tree a layer is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind<'a> {
    /// A whole root filesystem (the base layer).
    Root,
    /// An overlay upper directory: the change on top of the root given
    /// (whose directories an opaque marker matters for).
    Upper(&'a Path),
}

/// A layer blob written into a layout's `blobs/sha256/`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layer {
    /// `sha256:…` of the compressed blob (the manifest's descriptor).
    pub digest: String,
    /// `sha256:…` of the uncompressed tar (the config's `diff_ids`).
    pub diff_id: String,
    /// Compressed size in bytes.
    pub size: u64,
}

/// A writer that hashes and counts what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn sha256_digest(hash: Sha256) -> String {
    format!("sha256:{}", omnipack_core::hex(&hash.finalize()))
}

/// Writes the layer of `tree` into `blobs` (`…/blobs/sha256`), its file
/// named by its digest; returns it.
/// `progress` counts the bytes of the tree's regular files (`what` names
/// the layer).
pub fn write_layer(
    tree: &Path,
    kind: TreeKind<'_>,
    epoch: u64,
    blobs: &Path,
    what: &str,
    progress: &dyn omnipack_core::Progress,
) -> Result<Layer> {
    fs::create_dir_all(blobs)?;
    // Written as `.layer.<pid>.XXXXXX.tmp`, the atomic writes' naming: a
    // killed run's is removed here, Ctrl-C's at once.
    omnipack_core::atomic::sweep(blobs)?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".layer.{}.", std::process::id()))
        .suffix(".tmp")
        .tempfile_in(blobs)?;
    let _registered = omnipack_core::cleanup::register(tmp.path());
    let file = io::BufWriter::with_capacity(1 << 20, tmp.as_file().try_clone()?);
    let compressed = Hashing {
        inner: file,
        hash: Sha256::new(),
        len: 0,
    };
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(compressed, flate2::Compression::new(6));
    let plain = Hashing {
        inner: gz,
        hash: Sha256::new(),
        len: 0,
    };
    let mut builder = tar::Builder::new(plain);
    builder.follow_symlinks(false);
    progress.start(what, file_bytes(tree, kind == TreeKind::Root));
    let mut w = Walker {
        root: tree,
        kind,
        epoch,
        progress,
        links: HashMap::new(),
    };
    w.dir(&mut builder, tree, Path::new(""))?;
    progress.finish();
    let plain = builder.into_inner()?;
    let diff_id = sha256_digest(plain.hash);
    let compressed = plain.inner.finish()?;
    let mut file = compressed.inner;
    file.flush()?;
    file.get_ref().sync_all()?;
    let digest = sha256_digest(compressed.hash);
    let size = compressed.len;
    let hex = digest.trim_start_matches("sha256:");
    tmp.persist(blobs.join(hex)).map_err(|e| e.error)?;
    Ok(Layer {
        digest,
        diff_id,
        size,
    })
}

struct Walker<'a> {
    root: &'a Path,
    kind: TreeKind<'a>,
    epoch: u64,
    /// Told the bytes of each regular file as it goes into the layer.
    progress: &'a dyn omnipack_core::Progress,
    /// (device, inode) of files with several links → the first name written.
    links: HashMap<(u64, u64), PathBuf>,
}

/// A file that tells `progress` of each read.
struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn omnipack_core::Progress,
}

impl<R: io::Read> io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// The bytes of the regular files under `dir` (the layer's total for the
/// progress bar; a whole root's `dev`, `proc` and `sys` are not walked, as
/// the layer leaves their contents out). Unreadable entries count nothing.
fn file_bytes(dir: &Path, root: bool) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => {
                let skip = root && matches!(e.file_name().to_str(), Some("dev" | "proc" | "sys"));
                if skip {
                    0
                } else {
                    file_bytes(&e.path(), false)
                }
            }
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// Whether the overlay marked `dir` opaque (it replaces the lower one whole).
fn opaque(dir: &Path) -> bool {
    let mut buf = [0u8; 4];
    matches!(
        rustix::fs::lgetxattr(dir, "trusted.overlay.opaque", &mut buf),
        Ok(1) if buf[0] == b'y'
    )
}

/// A file's `security.capability` attribute, if it has one.
fn capability(path: &Path) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    let n = rustix::fs::lgetxattr(path, "security.capability", &mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

impl Walker<'_> {
    fn header(&self, meta: &std::fs::Metadata, kind: tar::EntryType) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(meta.mode() & 0o7777);
        h.set_uid(u64::from(meta.uid()));
        h.set_gid(u64::from(meta.gid()));
        let mtime = u64::try_from(meta.mtime()).unwrap_or(0).min(self.epoch);
        h.set_mtime(mtime);
        h.set_size(0);
        h
    }

    /// A whiteout or opaque marker: an empty regular file.
    fn marker<W: Write>(&self, b: &mut tar::Builder<W>, path: &Path) -> Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_mtime(self.epoch);
        h.set_size(0);
        b.append_data(&mut h, path, io::empty())?;
        Ok(())
    }

    fn dir<W: Write>(&mut self, b: &mut tar::Builder<W>, dir: &Path, rel: &Path) -> Result<()> {
        let mut names: Vec<_> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in names {
            let path = dir.join(&name);
            let rel = rel.join(&name);
            let meta = fs::symlink_metadata(&path)?;
            let ft = meta.file_type();
            let upper = matches!(self.kind, TreeKind::Upper(_));
            if upper && ft.is_char_device() && meta.rdev() == 0 {
                let mut wh = std::ffi::OsString::from(".wh.");
                wh.push(&name);
                self.marker(b, &rel.with_file_name(wh))?;
                continue;
            }
            if ft.is_dir() {
                let mut h = self.header(&meta, tar::EntryType::Directory);
                b.append_data(&mut h, &rel, io::empty())?;
                // Opaque only matters where the lower root has the directory
                // (the kernel also marks directories new to it).
                if let TreeKind::Upper(lower) = self.kind
                    && opaque(&path)
                    && lower.join(&rel).is_dir()
                {
                    self.marker(b, &rel.join(".wh..wh..opq"))?;
                }
                let skip_contents = self.kind == TreeKind::Root
                    && rel.parent() == Some(Path::new(""))
                    && matches!(name.to_str(), Some("dev" | "proc" | "sys"));
                if !skip_contents {
                    self.dir(b, &path, &rel)?;
                }
            } else if ft.is_symlink() {
                let mut h = self.header(&meta, tar::EntryType::Symlink);
                let target = fs::read_link(&path)?;
                b.append_link(&mut h, &rel, &target)?;
            } else if ft.is_file() {
                if meta.nlink() > 1 {
                    let key = (meta.dev(), meta.ino());
                    if let Some(first) = self.links.get(&key) {
                        let mut h = self.header(&meta, tar::EntryType::Link);
                        b.append_link(&mut h, &rel, first)?;
                        continue;
                    }
                    self.links.insert(key, rel.clone());
                }
                if let Some(cap) = capability(&path) {
                    b.append_pax_extensions([("SCHILY.xattr.security.capability", &cap[..])])?;
                }
                let mut h = self.header(&meta, tar::EntryType::Regular);
                h.set_size(meta.len());
                let f = Counted {
                    inner: fs::File::open(&path)?,
                    progress: self.progress,
                };
                b.append_data(&mut h, &rel, f)?;
            } else if ft.is_fifo() {
                let mut h = self.header(&meta, tar::EntryType::Fifo);
                b.append_data(&mut h, &rel, io::empty())?;
            } else if ft.is_char_device() || ft.is_block_device() {
                let kind = if ft.is_char_device() {
                    tar::EntryType::Char
                } else {
                    tar::EntryType::Block
                };
                let mut h = self.header(&meta, kind);
                let rdev = meta.rdev();
                h.set_device_major(rustix::fs::major(rdev))?;
                h.set_device_minor(rustix::fs::minor(rdev))?;
                b.append_data(&mut h, &rel, io::empty())?;
            }
            // Sockets are not kept.
        }
        let _ = self.root;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a progress bar is told.
    #[derive(Default)]
    struct Recorded(std::sync::Mutex<(String, u64, u64, bool)>);
    impl omnipack_core::Progress for Recorded {
        fn start(&self, what: &str, total: u64) {
            let mut r = self.0.lock().unwrap();
            (r.0, r.1) = (what.to_owned(), total);
        }
        fn advance(&self, units: u64) {
            self.0.lock().unwrap().2 += units;
        }
        fn finish(&self) {
            self.0.lock().unwrap().3 = true;
        }
    }

    #[test]
    fn the_bar_counts_every_file_byte_once() {
        let t = tempfile::tempdir().unwrap();
        let tree = t.path().join("tree");
        fs::create_dir_all(tree.join("usr/lib")).unwrap();
        fs::create_dir_all(tree.join("proc/1")).unwrap();
        fs::write(tree.join("usr/lib/big"), vec![7u8; 300_000]).unwrap();
        fs::write(tree.join("proc/1/skipped"), vec![1u8; 1000]).unwrap();
        fs::write(tree.join("a"), "abc").unwrap();
        let bar = Recorded::default();
        write_layer(&tree, TreeKind::Root, 1, &t.path().join("b"), "base", &bar).unwrap();
        let r = bar.0.lock().unwrap();
        assert_eq!(*r, ("base".to_owned(), 300_003, 300_003, true));
    }

    #[test]
    fn the_same_tree_gives_the_same_layer_and_times_are_clamped() {
        let t = tempfile::tempdir().unwrap();
        let tree = t.path().join("tree");
        fs::create_dir_all(tree.join("etc/b")).unwrap();
        fs::write(tree.join("etc/b/z"), "z").unwrap();
        fs::write(tree.join("etc/a"), "a").unwrap();
        fs_err::os::unix::fs::symlink("a", tree.join("etc/link")).unwrap();
        fs::hard_link(tree.join("etc/a"), tree.join("etc/hard")).unwrap();
        let one = write_layer(
            &tree,
            TreeKind::Root,
            1_000_000,
            &t.path().join("b1"),
            "l",
            &omnipack_core::NoProgress,
        )
        .unwrap();
        let two = write_layer(
            &tree,
            TreeKind::Root,
            1_000_000,
            &t.path().join("b2"),
            "l",
            &omnipack_core::NoProgress,
        )
        .unwrap();
        assert_eq!(one, two);
        let blob = t
            .path()
            .join("b1")
            .join(one.digest.trim_start_matches("sha256:"));
        assert_eq!(fs::metadata(&blob).unwrap().len(), one.size);
        let gz = flate2::read::GzDecoder::new(fs::File::open(&blob).unwrap());
        let mut ar = tar::Archive::new(gz);
        let mut names = Vec::new();
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            assert!(e.header().mtime().unwrap() <= 1_000_000);
            names.push((
                e.path().unwrap().to_string_lossy().into_owned(),
                e.header().entry_type(),
            ));
        }
        assert_eq!(
            names,
            [
                ("etc".into(), tar::EntryType::Directory),
                ("etc/a".into(), tar::EntryType::Regular),
                ("etc/b".into(), tar::EntryType::Directory),
                ("etc/b/z".into(), tar::EntryType::Regular),
                ("etc/hard".into(), tar::EntryType::Link),
                ("etc/link".into(), tar::EntryType::Symlink),
            ]
        );
    }
}
