//! Hashing while writing, so a payload is read once: each file's digest is
//! taken as it streams into the archive, the archive's as it streams to disk.

use std::io::{self, Write};

use md5::Digest as _;

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
    }
}
