//! gzip on every core, the way pigz does it, with output that does not depend
//! on the number of threads.
//!
//! The input is cut into blocks of a fixed [`BLOCK`] size (pigz's 128 KiB;
//! never derived from the thread count). Each block is raw-deflated
//! (RFC 1951) on its own, primed with the previous block's last 32 KiB as the
//! dictionary (`deflateSetDictionary`, as pigz does), so matches still reach
//! back across the cut and the ratio stays within a fraction of a percent of
//! plain gzip. A block other than the last ends with a sync flush (an empty
//! stored block, byte-aligned), so the blocks concatenate into one deflate
//! stream; the last one ends the stream. The CRC-32 of the whole is combined
//! from the blocks' CRCs (zlib's `crc32_combine`, here `crc32fast`'s
//! `Hasher::combine`), and the member ends with it and ISIZE (RFC 1952 §2.3).
//!
//! One gzip member with the header dpkg-deb and rpm write: no name, mtime 0,
//! XFL from the level, OS 3 (Unix). An input of at most one block is
//! compressed exactly as a single-threaded gzip would compress it.
//!
//! Blocks go to `threads` worker threads (none when `threads` is 1: the caller
//! compresses them itself), at most [`IN_FLIGHT_PER_THREAD`] × `threads` at a
//! time, and are written in order by the caller's thread, so the writer needs
//! neither `Send` nor `'static` and memory stays bounded.
//!
//! Why not the `gzp` crate: it does the same with a fixed block size, but its
//! writer runs on a background thread (`W: Send + 'static`, which our
//! borrowed writers are not), it sets the dictionary only when built on a C
//! zlib, and it pulls `libz-ng-sys`/`libdeflater`, `flume`, `core_affinity`
//! and `num_cpus`; this is about 250 lines on `flate2` (zlib-rs), which the
//! workspace already uses.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use flate2::{Compress, Compression, FlushCompress, Status};

/// Size of the blocks compressed independently (pigz's default, `-b 128`).
/// Fixed: the bytes written depend on it, so it must never follow the
/// machine's core count.
pub const BLOCK: usize = 128 << 10;

/// The dictionary each block is primed with: deflate's whole 32 KiB window.
const DICT: usize = 32 << 10;

/// Blocks in flight per worker thread (queued, compressing or waiting to be
/// written): enough to keep every worker busy while the caller writes.
pub const IN_FLIGHT_PER_THREAD: usize = 2;

/// A gzip stream compressed on `threads` threads; call
/// [`GzipEncoder::finish`] to end it.
pub struct GzipEncoder<W: Write> {
    inner: W,
    level: Compression,
    /// The block being filled.
    buf: Vec<u8>,
    /// The last [`DICT`] bytes of the previous block.
    dict: Option<Vec<u8>>,
    /// CRC-32 and length of every block written so far.
    crc: crc32fast::Hasher,
    /// Blocks sent to the workers, oldest first.
    pending: VecDeque<mpsc::Receiver<io::Result<Done>>>,
    max_in_flight: usize,
    /// None with one thread: the caller compresses.
    workers: Option<Pool>,
}

impl<W: Write> std::fmt::Debug for GzipEncoder<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipEncoder")
            .field("level", &self.level.level())
            .field("buffered", &self.buf.len())
            .field("in_flight", &self.pending.len())
            .field(
                "threads",
                &self.workers.as_ref().map_or(1, |p| p.handles.len()),
            )
            .finish_non_exhaustive()
    }
}

/// One block to compress.
struct Job {
    data: Vec<u8>,
    dict: Option<Vec<u8>>,
    last: bool,
    reply: mpsc::SyncSender<io::Result<Done>>,
}

/// One compressed block.
struct Done {
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
}

struct Pool {
    jobs: Option<mpsc::Sender<Job>>,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue ends every worker after its current block.
        self.jobs = None;
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

impl Pool {
    fn new(threads: usize, level: Compression) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut pool = Pool {
            jobs: Some(tx),
            handles: Vec::with_capacity(threads),
        };
        for _ in 0..threads {
            let rx = Arc::clone(&rx);
            let handle = std::thread::Builder::new()
                .name("omnipack-gzip".into())
                .spawn(move || worker(&rx, level))?;
            pool.handles.push(handle);
        }
        Ok(pool)
    }
}

fn worker(jobs: &Mutex<mpsc::Receiver<Job>>, level: Compression) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let done = compress_block(level, &job.data, job.dict.as_deref(), job.last);
        // The encoder may be gone (dropped on an error): nothing to tell.
        let _ = job.reply.send(done);
    }
}

/// Raw-deflates one block: primed with `dict`, ended by a sync flush, or by
/// the end of the stream when `last`.
///
/// Each block gets a new deflate state. A reused one (`reset()`, then
/// `set_dictionary`) gives different, still valid, bytes at levels 1–4 with
/// zlib-rs 0.6.8 and 0.6.9 depending on which blocks it compressed before
/// (the class of zlib-rs#459: the matcher reads stale window bytes), which
/// would make the output depend on how blocks were scheduled. A new state is
/// a few hundred KiB to allocate and clear, about 1 % of a block's time.
fn compress_block(
    level: Compression,
    data: &[u8],
    dict: Option<&[u8]>,
    last: bool,
) -> io::Result<Done> {
    let mut z = Compress::new(level, false);
    if let Some(dict) = dict {
        z.set_dictionary(dict).map_err(io::Error::other)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(data.len() / 2 + 256);
    let mut read = 0;
    loop {
        if out.capacity() - out.len() < 256 {
            out.reserve(out.capacity() / 2 + 256);
        }
        let before = z.total_in();
        let status = z
            .compress_vec(&data[read..], &mut out, flush)
            .map_err(io::Error::other)?;
        read += (z.total_in() - before) as usize;
        // A sync flush is complete once all input is in and the call left
        // output space unused (zlib's manual, `deflate`).
        let done = match status {
            Status::StreamEnd => true,
            _ => !last && read == data.len() && out.len() < out.capacity(),
        };
        if done {
            let mut crc = crc32fast::Hasher::new();
            crc.update(data);
            return Ok(Done { deflated: out, crc });
        }
    }
}

/// The gzip header (RFC 1952 §2.3): no flags, mtime 0, XFL as zlib sets it
/// for the level (2: best, 4: fastest), OS 3 (Unix), as dpkg-deb and rpm write.
fn header(level: Compression) -> [u8; 10] {
    let xfl = match level.level() {
        9.. => 2,
        0..=1 => 4,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]
}

fn stopped() -> io::Error {
    io::Error::other("gzip worker thread stopped")
}

impl<W: Write> GzipEncoder<W> {
    /// Starts a gzip member at `level` (1–9) into `inner`, compressing on
    /// `threads` threads (at least one; with one, on the caller's thread).
    /// The bytes are the same for every `threads`.
    pub fn new(mut inner: W, level: u32, threads: u32) -> io::Result<Self> {
        let level = Compression::new(level.min(9));
        let threads = threads.max(1) as usize;
        inner.write_all(&header(level))?;
        let workers = if threads > 1 {
            Some(Pool::new(threads, level)?)
        } else {
            None
        };
        Ok(GzipEncoder {
            inner,
            level,
            buf: Vec::with_capacity(BLOCK),
            dict: None,
            crc: crc32fast::Hasher::new(),
            pending: VecDeque::new(),
            max_in_flight: IN_FLIGHT_PER_THREAD * threads,
            workers,
        })
    }

    /// Compresses the filled block (or, when `last`, whatever is left).
    fn dispatch(&mut self, last: bool) -> io::Result<()> {
        let data = std::mem::replace(
            &mut self.buf,
            if last {
                Vec::new()
            } else {
                Vec::with_capacity(BLOCK)
            },
        );
        let dict = std::mem::replace(
            &mut self.dict,
            (!last).then(|| data[data.len().saturating_sub(DICT)..].to_vec()),
        );
        if self.workers.is_none() {
            let done = compress_block(self.level, &data, dict.as_deref(), last)?;
            return self.emit(done);
        }
        while self.pending.len() >= self.max_in_flight {
            self.write_oldest()?;
        }
        let (reply, rx) = mpsc::sync_channel(1);
        let jobs = self
            .workers
            .as_ref()
            .and_then(|p| p.jobs.as_ref())
            .ok_or_else(stopped)?;
        jobs.send(Job {
            data,
            dict,
            last,
            reply,
        })
        .map_err(|_| stopped())?;
        self.pending.push_back(rx);
        // Write what is already done, so output flows and memory stays low.
        while let Some(front) = self.pending.front() {
            match front.try_recv() {
                Ok(done) => {
                    self.pending.pop_front();
                    self.emit(done?)?;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return Err(stopped()),
            }
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(rx) = self.pending.pop_front() else {
            return Ok(());
        };
        let done = rx.recv().map_err(|_| stopped())??;
        self.emit(done)
    }

    fn emit(&mut self, done: Done) -> io::Result<()> {
        self.crc.combine(&done.crc);
        self.inner.write_all(&done.deflated)
    }

    /// Compresses what is left, writes the trailer (CRC-32 and ISIZE) and
    /// returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.dispatch(true)?;
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        self.workers = None;
        let crc = std::mem::take(&mut self.crc);
        // ISIZE: the input length modulo 2^32.
        let isize = crc.total_len() as u32;
        self.inner.write_all(&crc.finalize().to_le_bytes())?;
        self.inner.write_all(&isize.to_le_bytes())?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for GzipEncoder<W> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        while !data.is_empty() {
            // A full block is sent only once more input follows it: the last
            // block must end the stream, whatever the input's length.
            if self.buf.len() == BLOCK {
                self.dispatch(false)?;
            }
            let take = (BLOCK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(n)
    }

    /// Writes every block already sent out and flushes the inner writer. The
    /// block being filled stays: ending it early would make the bytes depend
    /// on when flushes happen.
    fn flush(&mut self) -> io::Result<()> {
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        self.inner.flush()
    }
}

/// `data` as one gzip member at `level` on `threads` threads (the whole of
/// an index file, such as apt's `Packages.gz`).
pub fn gzip(data: &[u8], level: u32, threads: u32) -> io::Result<Vec<u8>> {
    // Threads beyond the number of blocks would only idle.
    let threads = threads.min(data.len().div_ceil(BLOCK).max(1) as u32);
    let mut e = GzipEncoder::new(Vec::with_capacity(data.len() / 3 + 64), level, threads)?;
    e.write_all(data)?;
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Text-like data that compresses a little, like a payload does.
    fn sample(len: usize) -> Vec<u8> {
        let mut x: u32 = 0x1234_5678;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if i.is_multiple_of(7) {
                    b'a' + (x % 26) as u8
                } else {
                    b"the quick brown fox jumps over the lazy dog\n"[i % 44]
                }
            })
            .collect()
    }

    fn encode(data: &[u8], level: u32, threads: u32, chunk: usize) -> Vec<u8> {
        let mut e = GzipEncoder::new(Vec::new(), level, threads).unwrap();
        for c in data.chunks(chunk.max(1)) {
            e.write_all(c).unwrap();
        }
        e.finish().unwrap()
    }

    fn decode(gz: &[u8]) -> Vec<u8> {
        let mut d = flate2::read::GzDecoder::new(gz);
        let mut back = Vec::new();
        d.read_to_end(&mut back).unwrap();
        // One member: nothing may follow it.
        assert!(d.into_inner().is_empty(), "bytes after the member");
        back
    }

    const SIZES: [usize; 8] = [
        0,
        1,
        BLOCK - 1,
        BLOCK,
        BLOCK + 1,
        2 * BLOCK,
        7 * BLOCK + 12_345,
        20 * BLOCK,
    ];

    #[test]
    fn round_trips_at_block_edges() {
        for len in SIZES {
            let data = sample(len);
            for threads in [1, 3] {
                assert_eq!(decode(&encode(&data, 9, threads, 1000)), data, "{len}");
            }
        }
    }

    // Guards reproducibility across machines with different core counts.
    #[test]
    fn thread_count_and_write_sizes_do_not_change_the_bytes() {
        // Levels 1–4 caught a reused deflate state (see `compress_block`).
        for len in SIZES {
            let data = sample(len);
            for level in [1, 2, 4, 6, 9] {
                let one = encode(&data, level, 1, len.max(1));
                for (threads, chunk) in [(2, 4096), (4, 1), (4, 100_000)] {
                    if chunk == 1 && len > 3 * BLOCK {
                        continue;
                    }
                    // `assert!`, not `assert_eq!`: a megabyte of bytes in a message helps nobody.
                    assert!(
                        encode(&data, level, threads, chunk) == one,
                        "{len} bytes, level {level}, {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn one_block_is_plain_gzip() {
        for len in [0, 1, 1000, BLOCK] {
            let data = sample(len);
            // Not level 1: flate2's writer deflates with no flush and then
            // finishes, and zlib-rs's level-1 strategy ends its blocks
            // differently for that than for one call that finishes.
            for level in [2, 6, 9] {
                let mut plain = flate2::GzBuilder::new()
                    .mtime(0)
                    .operating_system(3)
                    .write(Vec::new(), flate2::Compression::new(level));
                plain.write_all(&data).unwrap();
                assert!(
                    encode(&data, level, 2, 777) == plain.finish().unwrap(),
                    "{len} bytes, level {level}"
                );
            }
        }
    }

    #[test]
    fn ratio_stays_close_to_plain_gzip() {
        let data = sample(16 * BLOCK);
        let ours = gzip(&data, 9, 2).unwrap().len();
        let mut plain = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
        plain.write_all(&data).unwrap();
        let plain = plain.finish().unwrap().len();
        assert!(ours as f64 <= plain as f64 * 1.01, "{ours} vs {plain}");
    }
}
