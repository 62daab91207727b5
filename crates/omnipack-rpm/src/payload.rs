//! The payload: a newc cpio archive (rpm's `lib/cpio.c`) of every entry, named
//! `./usr/bin/x` (`rpmlib(PayloadFilesHavePrefix)`), compressed and streamed
//! into a temporary file in the scratch directory, never held in memory.
//!
//! While it streams, three kinds of digest are taken so nothing is read twice:
//! each regular file's SHA-256 (`RPMTAG_FILEDIGESTS`, 1035), the SHA-256 of the
//! uncompressed archive (`RPMTAG_PAYLOADDIGESTALT`, 5097, checked by rpm ≥ 4.16)
//! and of the compressed bytes (`RPMTAG_PAYLOADDIGEST`, 5092, checked by `rpm -K`).
//! The cpio inode of entry *i* is *i* + 1, matching `RPMTAG_FILEINODES` (1096).

use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;

use fs_err as fs;
use omnipack_archive::cpio::{CpioEntry, CpioWriter};
use omnipack_archive::{Encoder, WriteOptions};
use omnipack_core::hash::{HashingWriter, SideHasher};
use omnipack_core::{Progress, hex};
use omnipack_spec::{Compression, FileEntry, FileKind, FileSource};

use crate::RpmError;

/// `S_IFREG`.
pub(crate) const S_IFREG: u32 = 0o100000;
/// `S_IFDIR`.
pub(crate) const S_IFDIR: u32 = 0o040000;
/// `S_IFLNK`.
pub(crate) const S_IFLNK: u32 = 0o120000;

/// Largest file a newc header can describe; rpmbuild switches to its own
/// "stripped" cpio format (`rpmlib(LargeFiles)`) at this size, which omnipack does not write.
const MAX_FILE_SIZE: u64 = u32::MAX as u64;

/// Full `st_mode` of an entry, as in `RPMTAG_FILEMODES` (1030) and the cpio header.
pub(crate) fn st_mode(entry: &FileEntry) -> u32 {
    match entry.kind {
        FileKind::File(_) => S_IFREG | (entry.mode & 0o7777),
        FileKind::Dir => S_IFDIR | (entry.mode & 0o7777),
        FileKind::Symlink(_) => S_IFLNK | 0o777,
    }
}

/// The size an entry has in the header (`RPMTAG_FILESIZES`, 1028) and the
/// payload: file length, link-target length, 0 for directories (as rpm 4.18 writes).
pub(crate) fn entry_size(entry: &FileEntry) -> Result<u64, RpmError> {
    let size = match &entry.kind {
        FileKind::File(FileSource::Inline(bytes)) => bytes.len() as u64,
        FileKind::File(FileSource::Path(p)) => {
            let md = fs::metadata(p).map_err(|source| RpmError::Source {
                source_path: p.clone(),
                installed: entry.path.clone(),
                source,
            })?;
            if !md.is_file() {
                return Err(RpmError::NotAFile {
                    source_path: p.clone(),
                    installed: entry.path.clone(),
                });
            }
            md.len()
        }
        FileKind::Dir => 0,
        FileKind::Symlink(target) => target.len() as u64,
    };
    if size >= MAX_FILE_SIZE {
        return Err(RpmError::FileTooLarge {
            path: entry.path.clone(),
            size,
        });
    }
    Ok(size)
}

/// What streaming the payload produced.
#[derive(Debug)]
pub(crate) struct Payload {
    /// The compressed payload, positioned at its start.
    pub file: fs::File,
    /// Per entry in payload order: lower-case hex SHA-256 of a regular file, else empty.
    pub digests: Vec<String>,
    /// Bytes of compressed payload.
    pub compressed_size: u64,
    /// Hex SHA-256 of the compressed payload.
    pub compressed_sha256: String,
    /// Bytes of uncompressed cpio archive (`RPMSIGTAG_PAYLOADSIZE`, 1007).
    pub archive_size: u64,
    /// Hex SHA-256 of the uncompressed cpio archive.
    pub archive_sha256: String,
}

/// Reports bytes as they are read from a source file.
struct ProgressReader<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

fn scratch_err(dir: &Path) -> impl Fn(io::Error) -> RpmError + '_ {
    move |source| RpmError::Scratch {
        dir: dir.to_path_buf(),
        source,
    }
}

/// Streams `entries` (in payload order, with their precomputed `sizes`) as a
/// compressed cpio archive into a temporary file in `opts.scratch_dir`.
pub(crate) fn write(
    entries: &[&FileEntry],
    sizes: &[u64],
    mtime: u32,
    compression: Compression,
    opts: &WriteOptions<'_>,
) -> Result<Payload, RpmError> {
    let scratch = opts.scratch_dir;
    let tmp = tempfile::tempfile_in(scratch).map_err(scratch_err(scratch))?;
    let tmp = fs::File::from_parts(tmp, scratch.join("(temporary RPM payload)"));

    let compressed = HashingWriter::new(BufWriter::with_capacity(1 << 16, tmp), false, false, true);
    let encoder =
        Encoder::new(compressed, compression, opts.threads).map_err(scratch_err(scratch))?;
    let archive = HashingWriter::new(encoder, false, false, true);
    let mut cpio = CpioWriter::new(BufWriter::with_capacity(1 << 18, archive));

    // Each file's SHA-256 is taken on another thread while this one writes
    // the archive and feeds the compressor (issue 20).
    let mut hasher = SideHasher::new(false, false, true).map_err(scratch_err(scratch))?;
    // Per entry: whether it is a regular file (its digest comes from the hasher).
    let mut regular = Vec::with_capacity(entries.len());
    for (i, (entry, &size)) in entries.iter().zip(sizes).enumerate() {
        let cpio_entry = CpioEntry {
            name: &format!(".{}", entry.path),
            mode: st_mode(entry),
            ino: i as u32 + 1,
            nlink: 1,
            mtime,
            size,
        };
        let payload_err = |source| RpmError::Payload {
            installed: entry.path.clone(),
            source,
        };
        match &entry.kind {
            FileKind::File(source) => {
                let inner: Box<dyn Read + '_> = match source {
                    FileSource::Inline(bytes) => Box::new(&bytes[..]),
                    FileSource::Path(p) => {
                        Box::new(fs::File::open(p).map_err(|source| RpmError::Source {
                            source_path: p.clone(),
                            installed: entry.path.clone(),
                            source,
                        })?)
                    }
                };
                let reader = ProgressReader {
                    inner: hasher.reader(inner),
                    progress: opts.progress,
                };
                cpio.append(&cpio_entry, reader).map_err(payload_err)?;
                regular.push(true);
            }
            FileKind::Dir => {
                cpio.append(&cpio_entry, io::empty()).map_err(payload_err)?;
                regular.push(false);
            }
            FileKind::Symlink(target) => {
                cpio.append(&cpio_entry, target.as_bytes())
                    .map_err(payload_err)?;
                regular.push(false);
            }
        }
    }

    let finish_err = scratch_err(scratch);
    let archive = cpio
        .finish()
        .map_err(&finish_err)?
        .into_inner()
        .map_err(|e| finish_err(e.into_error()))?;
    let (encoder, archive_digests) = archive.finish();
    let compressed = encoder.finish().map_err(&finish_err)?;
    let (buffered, compressed_digests) = compressed.finish();
    let mut file = buffered
        .into_inner()
        .map_err(|e| finish_err(e.into_error()))?;
    file.flush().map_err(&finish_err)?;
    file.rewind().map_err(&finish_err)?;
    let mut file_digests = hasher.finish().map_err(&finish_err)?.into_iter();
    let digests = regular
        .into_iter()
        .map(|r| {
            if r {
                file_digests
                    .next()
                    .map(|d| d.sha256_hex())
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
        .collect();

    Ok(Payload {
        file,
        digests,
        compressed_size: compressed_digests.size,
        compressed_sha256: compressed_digests
            .sha256
            .map(|h| hex(&h))
            .unwrap_or_default(),
        archive_size: archive_digests.size,
        archive_sha256: archive_digests.sha256.map(|h| hex(&h)).unwrap_or_default(),
    })
}
