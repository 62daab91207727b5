//! The SVR4 "newc" cpio format (magic `070701`) that RPM payloads use
//! (rpm's `lib/cpio.c`): a 110-byte ASCII-hex header, the NUL-terminated name,
//! the data, each padded to four bytes, and a `TRAILER!!!` entry at the end.

use std::io::{self, Read, Write};

/// The fields of one cpio entry.
#[derive(Debug, Clone, Copy)]
pub struct CpioEntry<'a> {
    /// Name as stored (`./usr/bin/x`).
    pub name: &'a str,
    /// Full `st_mode` (file type bits and permissions).
    pub mode: u32,
    /// Inode number; RPM matches it to `RPMTAG_FILEINODES`.
    pub ino: u32,
    /// Link count.
    pub nlink: u32,
    /// Modification time.
    pub mtime: u32,
    /// Data size in bytes.
    pub size: u64,
}

/// Streams newc entries into a writer.
#[derive(Debug)]
pub struct CpioWriter<W: Write> {
    inner: W,
    offset: u64,
}

impl<W: Write> CpioWriter<W> {
    /// Starts an archive.
    pub fn new(inner: W) -> Self {
        CpioWriter { inner, offset: 0 }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.inner.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.offset % 4) as usize) % 4;
        self.put(&[0u8; 3][..n])
    }

    fn header(&mut self, e: &CpioEntry<'_>) -> io::Result<()> {
        let size = u32::try_from(e.size).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "`{}` is 4 GiB or larger, which an RPM cpio payload cannot hold",
                    e.name
                ),
            )
        })?;
        let namesize = e.name.len() as u32 + 1;
        let h = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            e.ino, e.mode, 0, 0, e.nlink, e.mtime, size, 0, 0, 0, 0, namesize, 0
        );
        self.put(h.as_bytes())?;
        self.put(e.name.as_bytes())?;
        self.put(&[0])?;
        self.pad()
    }

    /// Appends an entry whose data (exactly `entry.size` bytes) comes from `data`.
    pub fn append(&mut self, entry: &CpioEntry<'_>, data: impl Read) -> io::Result<()> {
        self.header(entry)?;
        let n = io::copy(&mut data.take(entry.size), &mut self.inner)?;
        self.offset += n;
        if n != entry.size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "`{}` changed size while being archived; stop whatever writes to the staged tree and retry",
                    entry.name
                ),
            ));
        }
        self.pad()
    }

    /// Writes the `TRAILER!!!` entry and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let t = CpioEntry {
            name: "TRAILER!!!",
            mode: 0,
            ino: 0,
            nlink: 1,
            mtime: 0,
            size: 0,
        };
        self.header(&t)?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_newc_with_four_byte_padding() {
        let mut w = CpioWriter::new(Vec::new());
        let e = CpioEntry {
            name: "./a",
            mode: 0o100644,
            ino: 1,
            nlink: 1,
            mtime: 7,
            size: 3,
        };
        w.append(&e, &b"abc"[..]).unwrap();
        let out = w.finish().unwrap();
        assert!(out.starts_with(b"070701"));
        // header 110 + "./a\0" = 114, padded to 116; data 3 padded to 4.
        assert_eq!(&out[110..114], b"./a\0");
        assert_eq!(&out[116..119], b"abc");
        assert_eq!(out.len() % 4, 0);
        assert!(out.windows(10).any(|w| w == b"TRAILER!!!"));
    }
}
