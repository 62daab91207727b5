//! Hashing, once: while writing, so a payload is read once (each file's
//! digest is taken as it streams into the archive, the archive's as it
//! streams to disk), a file or a reader streamed through the same writer,
//! and the lower-case hex every index writes digests in.

use std::io::{self, Read, Write};
use std::path::Path;

use md5::Digest as _;

pub mod side;
pub use side::SideHasher;

/// Lower-case hex of a digest (the `{:x}` formatting that newer `digest` lost).
pub fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// A writer that passes bytes through while computing MD5, SHA-1 and SHA-256
/// (each only if enabled) and counting them.
pub struct HashingWriter<W> {
    inner: W,
    md5: Option<md5::Md5>,
    sha1: Option<sha1::Sha1>,
    sha256: Option<sha2::Sha256>,
    count: u64,
}

impl<W: std::fmt::Debug> std::fmt::Debug for HashingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingWriter")
            .field("inner", &self.inner)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// The digests a [`HashingWriter`] computed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Digests {
    /// MD5, if enabled.
    pub md5: Option<[u8; 16]>,
    /// SHA-1, if enabled.
    pub sha1: Option<[u8; 20]>,
    /// SHA-256, if enabled.
    pub sha256: Option<[u8; 32]>,
    /// Bytes written.
    pub size: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`, computing the digests asked for.
    pub fn new(inner: W, md5: bool, sha1: bool, sha256: bool) -> Self {
        HashingWriter {
            inner,
            md5: md5.then(md5::Md5::new),
            sha1: sha1.then(sha1::Sha1::new),
            sha256: sha256.then(sha2::Sha256::new),
            count: 0,
        }
    }

    /// Bytes written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The inner writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns the digests so far and restarts them, keeping the writer.
    pub fn take_digests(&mut self) -> Digests {
        let d = Digests {
            md5: self.md5.as_mut().map(|h| h.finalize_reset().into()),
            sha1: self.sha1.as_mut().map(|h| h.finalize_reset().into()),
            sha256: self.sha256.as_mut().map(|h| h.finalize_reset().into()),
            size: self.count,
        };
        self.count = 0;
        d
    }

    /// Finishes, returning the inner writer and the digests.
    pub fn finish(mut self) -> (W, Digests) {
        let d = self.take_digests();
        (self.inner, d)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = &buf[..n];
        if let Some(h) = &mut self.md5 {
            h.update(done);
        }
        if let Some(h) = &mut self.sha1 {
            h.update(done);
        }
        if let Some(h) = &mut self.sha256 {
            h.update(done);
        }
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Digests {
    /// SHA-256 in lower-case hex (empty if it was not computed).
    pub fn sha256_hex(&self) -> String {
        self.sha256.map(|d| hex(&d)).unwrap_or_default()
    }

    /// SHA-1 in lower-case hex, if computed.
    pub fn sha1_hex(&self) -> Option<String> {
        self.sha1.map(|d| hex(&d))
    }

    /// MD5 in lower-case hex, if computed.
    pub fn md5_hex(&self) -> Option<String> {
        self.md5.map(|d| hex(&d))
    }
}

/// The digests asked for (MD5, SHA-1, SHA-256) of everything `reader`
/// gives, streamed in 64 KiB reads into a buffer on the stack (no allocation per
/// file: a publish hashes every file of the repository).
pub fn hash_reader(
    mut reader: impl Read,
    md5: bool,
    sha1: bool,
    sha256: bool,
) -> io::Result<Digests> {
    let mut w = HashingWriter::new(Sink, md5, sha1, sha256);
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..n])?;
    }
    Ok(w.finish().1)
}

/// The digests asked for of the file at `path` (links followed), in one
/// streamed read; an error names the path.
pub fn hash_file(path: &Path, md5: bool, sha1: bool, sha256: bool) -> io::Result<Digests> {
    hash_reader(fs_err::File::open(path)?, md5, sha1, sha256)
}

/// The digests asked for of `bytes`.
pub fn hash_bytes(bytes: &[u8], md5: bool, sha1: bool, sha256: bool) -> Digests {
    let mut w = HashingWriter::new(Sink, md5, sha1, sha256);
    // Writing to a sink cannot fail.
    let _ = w.write_all(bytes);
    w.finish().1
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&<sha2::Sha256 as md5::Digest>::digest(bytes))
}

/// A writer that discards bytes (for hashing a reader by copying into a [`HashingWriter`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sink;

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        let mut w = HashingWriter::new(Sink, true, true, true);
        w.write_all(b"abc").unwrap();
        let (_, d) = w.finish();
        assert_eq!(hex(&d.md5.unwrap()), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(&d.sha1.unwrap()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&d.sha256.unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.size, 3);
        assert_eq!(hash_bytes(b"abc", true, true, true), d);
        assert_eq!(hash_reader(&b"abc"[..], true, true, true).unwrap(), d);
        assert_eq!(sha256_hex(b"abc"), d.sha256_hex());
    }

    #[test]
    fn a_file_is_hashed_by_path_and_a_missing_one_is_named() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("f");
        fs_err::write(&f, b"abc").unwrap();
        let d = hash_file(&f, false, false, true).unwrap();
        assert_eq!(d.sha256_hex(), sha256_hex(b"abc"));
        assert_eq!((d.md5, d.sha1, d.size), (None, None, 3));
        let err = hash_file(&t.path().join("nope"), false, false, true).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
