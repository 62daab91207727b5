//! Digests taken on a thread of their own while the caller streams the same
//! bytes into an archive: a package's per-file digests (the .deb's
//! `md5sums`, the .rpm's `FILEDIGESTS`) cost as much CPU as a fast
//! compressor, and on the writing thread they added to it; here they run on
//! the other core at the same time (issue 20).
//!
//! [`SideHasher::reader`] wraps a file: it reads the file in
//! [`CHUNK`]-sized reads into one of a few pooled buffers, serves the
//! caller from it, and hands each buffer, once served, to the hashing
//! thread, which gives it back when hashed. The bytes hashed are exactly
//! the bytes served (a reader dropped early hashes what it gave out), so a
//! digest always describes what went into the archive, even if the file
//! changes meanwhile. Memory is bounded by [`BUFFERS`] × [`CHUNK`].

use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::{Digests, HashingWriter, Sink};

/// Bytes per read from a source file.
pub const CHUNK: usize = 256 * 1024;

/// Buffers in the pool: one being served, the rest queued or being hashed.
pub const BUFFERS: usize = 4;

enum Msg {
    /// The first `.1` bytes of `.0` belong to the current file.
    Data(Vec<u8>, usize),
    /// The current file is complete.
    End,
}

/// A hashing thread and its buffer pool; see the module docs.
pub struct SideHasher {
    tx: Option<SyncSender<Msg>>,
    free: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<Vec<Digests>>>,
    /// Files read so far.
    files: usize,
}

impl std::fmt::Debug for SideHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideHasher").finish_non_exhaustive()
    }
}

impl SideHasher {
    /// Starts the thread; each file read through [`SideHasher::reader`] gets
    /// the digests asked for.
    pub fn new(md5: bool, sha1: bool, sha256: bool) -> io::Result<SideHasher> {
        let (tx, rx) = sync_channel::<Msg>(BUFFERS);
        let (free_tx, free) = sync_channel::<Vec<u8>>(BUFFERS);
        for _ in 0..BUFFERS {
            // Cannot fail: the channel has room for every buffer.
            let _ = free_tx.send(vec![0; CHUNK]);
        }
        let thread = std::thread::Builder::new()
            .name("omnipack-hash".into())
            .spawn(move || {
                let mut out = Vec::new();
                let mut h = HashingWriter::new(Sink, md5, sha1, sha256);
                for msg in rx {
                    match msg {
                        Msg::Data(buf, n) => {
                            let _ = h.write_all(&buf[..n]);
                            // The pool's receiver is gone only once the
                            // hasher is finished or dropped.
                            let _ = free_tx.send(buf);
                        }
                        Msg::End => out.push(h.take_digests()),
                    }
                }
                out
            })?;
        Ok(SideHasher {
            tx: Some(tx),
            free,
            thread: Some(thread),
            files: 0,
        })
    }

    /// Reads `inner` through the hasher: what the returned reader gives out
    /// is hashed on the other thread; the file's digests are complete when
    /// the reader is dropped, in the order the readers were made.
    pub fn reader<R: Read>(&mut self, inner: R) -> SideHashed<'_, R> {
        self.files += 1;
        SideHashed {
            inner,
            hasher: self,
            buf: Vec::new(),
            filled: 0,
            pos: 0,
            eof: false,
        }
    }

    /// The digests of every file, in the order they were read.
    pub fn finish(mut self) -> io::Result<Vec<Digests>> {
        self.tx = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(digests)) if digests.len() == self.files => Ok(digests),
            _ => Err(io::Error::other("the hashing thread stopped")),
        }
    }

    /// A buffer from the pool (a new one if the thread is gone: `finish`
    /// then reports it).
    fn buffer(&mut self) -> Vec<u8> {
        self.free.recv().unwrap_or_else(|_| vec![0; CHUNK])
    }

    /// To the thread; lost if it is gone (`finish` then reports it).
    fn ship(&mut self, msg: Msg) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(msg);
        }
    }
}

impl Drop for SideHasher {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A file read through a [`SideHasher`].
pub struct SideHashed<'a, R> {
    inner: R,
    hasher: &'a mut SideHasher,
    buf: Vec<u8>,
    filled: usize,
    pos: usize,
    eof: bool,
}

impl<R> std::fmt::Debug for SideHashed<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideHashed")
            .field("filled", &self.filled)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl<R: Read> SideHashed<'_, R> {
    /// Sends the served part of the current buffer to the thread.
    fn ship_served(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let buf = std::mem::take(&mut self.buf);
        self.hasher.ship(Msg::Data(buf, self.pos));
        self.filled = 0;
        self.pos = 0;
    }
}

impl<R: Read> Read for SideHashed<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos == self.filled {
            if self.eof {
                return Ok(0);
            }
            self.ship_served();
            self.buf = self.hasher.buffer();
            while self.filled < self.buf.len() {
                match self.inner.read(&mut self.buf[self.filled..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => self.filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // Serve what was read; the error comes again on the next read.
                    Err(_) if self.filled > 0 => break,
                    Err(e) => return Err(e),
                }
            }
            if self.filled == 0 {
                return Ok(0);
            }
        }
        let n = out.len().min(self.filled - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<R> Drop for SideHashed<'_, R> {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            self.hasher.ship(Msg::Data(buf, self.pos));
        }
        self.hasher.ship(Msg::End);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(data: &[u8]) -> Digests {
        let mut h = HashingWriter::new(Sink, true, false, true);
        h.write_all(data).unwrap();
        h.finish().1
    }

    #[test]
    fn digests_match_inline_hashing_for_every_size() {
        let sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7, 10 * CHUNK];
        let files: Vec<Vec<u8>> = sizes
            .iter()
            .map(|&n| (0..n).map(|i| (i * 31 % 251) as u8).collect())
            .collect();
        let mut hasher = SideHasher::new(true, false, true).unwrap();
        let mut copies = Vec::new();
        for f in &files {
            let mut out = Vec::new();
            // Small reads, as io::copy's 8 KiB buffer does.
            let mut r = hasher.reader(&f[..]);
            let mut b = [0u8; 8192];
            loop {
                let n = r.read(&mut b).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&b[..n]);
            }
            drop(r);
            copies.push(out);
        }
        let got = hasher.finish().unwrap();
        assert_eq!(got.len(), files.len());
        for ((f, c), d) in files.iter().zip(&copies).zip(&got) {
            assert_eq!(f, c);
            assert_eq!(&plain(f), d);
        }
    }

    #[test]
    fn a_reader_stopped_early_hashes_what_it_gave_out() {
        let data = vec![7u8; 3 * CHUNK];
        let mut hasher = SideHasher::new(true, false, false).unwrap();
        let mut r = hasher.reader(&data[..]);
        let mut got = vec![0u8; CHUNK + 100];
        r.read_exact(&mut got).unwrap();
        drop(r);
        let d = hasher.finish().unwrap();
        let mut h = HashingWriter::new(Sink, true, false, false);
        h.write_all(&data[..CHUNK + 100]).unwrap();
        assert_eq!(d, vec![h.finish().1]);
    }
}
