//! Compression for payloads: gzip (zlib-rs, pigz-style on every core, see
//! [`crate::pgzip`]), xz (liblzma, multithreaded) and zstd (multithreaded).
//!
//! Reproducibility across machines: the three encoders produce the same bytes
//! for any number of threads ≥ 1 (gzip and xz split into blocks of a fixed
//! size; zstd's jobs are sized by level, not by workers), so they are always
//! used, even on one core, and the thread count only changes speed.

use std::io::{self, BufRead, Read, Write};

use omnipack_spec::{Codec, Compression};

use crate::pgzip::GzipEncoder;

/// Threads to compress with: every core.
pub fn default_threads() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
}

/// A compressing writer; call [`Encoder::finish`] to end the stream.
pub enum Encoder<W: Write> {
    /// Stored as is.
    None(W),
    /// gzip (one member, compressed in parallel blocks).
    Gzip(GzipEncoder<W>),
    /// xz.
    Xz(liblzma::write::XzEncoder<W>),
    /// zstd.
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> std::fmt::Debug for Encoder<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoder::None(_) => "Encoder::None",
            Encoder::Gzip(_) => "Encoder::Gzip",
            Encoder::Xz(_) => "Encoder::Xz",
            Encoder::Zstd(_) => "Encoder::Zstd",
        })
    }
}

fn lzma_err(e: liblzma::stream::Error) -> io::Error {
    io::Error::other(format!("xz encoder: {e}"))
}

impl<W: Write> Encoder<W> {
    /// Starts a stream of `compression` into `inner`, using `threads` threads.
    pub fn new(inner: W, compression: Compression, threads: u32) -> io::Result<Self> {
        let level = compression.level_or_default();
        let threads = threads.max(1);
        Ok(match compression.codec {
            Codec::None => Encoder::None(inner),
            // Header mtime 0 and no file name: dpkg-deb and rpm write the same.
            Codec::Gzip => Encoder::Gzip(GzipEncoder::new(inner, level, threads)?),
            Codec::Xz => {
                let stream = liblzma::stream::MtStreamBuilder::new()
                    .preset(level)
                    .threads(threads)
                    .check(liblzma::stream::Check::Crc64)
                    .encoder()
                    .map_err(lzma_err)?;
                Encoder::Xz(liblzma::write::XzEncoder::new_stream(inner, stream))
            }
            Codec::Zstd => {
                let mut enc = zstd::stream::write::Encoder::new(inner, level as i32)?;
                enc.multithread(threads)?;
                enc.include_checksum(true)?;
                Encoder::Zstd(enc)
            }
        })
    }

    /// Ends the stream and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Xz(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Xz(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Xz(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

/// A decompressing reader.
pub enum Decoder<R: BufRead> {
    /// Stored as is.
    None(R),
    /// gzip (all members).
    Gzip(flate2::bufread::MultiGzDecoder<R>),
    /// xz (all streams).
    Xz(liblzma::bufread::XzDecoder<R>),
    /// zstd.
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> std::fmt::Debug for Decoder<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decoder")
    }
}

impl<R: BufRead> Decoder<R> {
    /// Decodes `codec` from `inner`.
    pub fn new(inner: R, codec: Codec) -> io::Result<Self> {
        Ok(match codec {
            Codec::None => Decoder::None(inner),
            Codec::Gzip => Decoder::Gzip(flate2::bufread::MultiGzDecoder::new(inner)),
            Codec::Xz => Decoder::Xz(liblzma::bufread::XzDecoder::new_multi_decoder(inner)),
            Codec::Zstd => Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(inner)?),
        })
    }

    /// The codec a tar member uses, from its name's extension (`data.tar.xz`).
    pub fn codec_for_name(name: &str) -> Option<Codec> {
        let ext = name.rsplit_once(".tar").map(|(_, e)| e)?;
        Some(match ext {
            "" => Codec::None,
            ".gz" => Codec::Gzip,
            ".xz" => Codec::Xz,
            ".zst" => Codec::Zstd,
            _ => return None,
        })
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::None(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Xz(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(c: &str, threads: u32) -> Vec<u8> {
        let data: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let mut e = Encoder::new(Vec::new(), c.parse().unwrap(), threads).unwrap();
        e.write_all(&data).unwrap();
        let out = e.finish().unwrap();
        let mut d = Decoder::new(&out[..], c.parse::<Compression>().unwrap().codec).unwrap();
        let mut back = Vec::new();
        d.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        out
    }

    #[test]
    fn every_codec_roundtrips() {
        for c in ["none", "gzip:6", "xz:1", "zstd:3"] {
            roundtrip(c, 2);
        }
    }

    // Guards reproducibility across machines with different core counts.
    #[test]
    fn thread_count_does_not_change_the_bytes() {
        for c in ["gzip:9", "xz:1", "zstd:3"] {
            assert_eq!(roundtrip(c, 1), roundtrip(c, 4), "{c}");
        }
    }
}
