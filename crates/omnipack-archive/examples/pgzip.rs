//! stdin to gzip on stdout, for `benches/gzip.sh`: omnipack's parallel gzip
//! (`--threads N`, default every core) or, with `--plain`, one flate2
//! `GzEncoder` stream (the single-threaded encoder omnipack used before).
//!
//!     pgzip [--level 1-9] [--threads N | --plain] < IN > OUT.gz

use std::io::{self, BufWriter, Read, Write};

fn main() -> io::Result<()> {
    let mut level = 9;
    let mut threads = omnipack_archive::default_threads();
    let mut plain = false;
    let mut args = std::env::args().skip(1);
    let usage = || io::Error::other("usage: pgzip [--level 1-9] [--threads N | --plain]");
    while let Some(a) = args.next() {
        match a.as_str() {
            "--level" => level = args.next().and_then(|v| v.parse().ok()).ok_or_else(usage)?,
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).ok_or_else(usage)?,
            "--plain" => plain = true,
            _ => return Err(usage()),
        }
    }
    let out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut input = io::stdin().lock();
    let mut buf = vec![0; 1 << 20];
    let mut out = if plain {
        let mut e = flate2::GzBuilder::new()
            .mtime(0)
            .operating_system(3)
            .write(out, flate2::Compression::new(level));
        copy(&mut input, &mut e, &mut buf)?;
        e.finish()?
    } else {
        let mut e = omnipack_archive::pgzip::GzipEncoder::new(out, level, threads)?;
        copy(&mut input, &mut e, &mut buf)?;
        e.finish()?
    };
    out.flush()
}

fn copy(from: &mut impl Read, to: &mut impl Write, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match from.read(buf)? {
            0 => return Ok(()),
            n => to.write_all(&buf[..n])?,
        }
    }
}
