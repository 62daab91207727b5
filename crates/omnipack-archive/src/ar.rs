//! The `ar` container of a .deb (deb(5)): members in a fixed order, each with
//! mtime, uid 0, gid 0 and mode 100644 as dpkg-deb writes them.

use std::io::{self, Read, Write};

/// Writes ar members with a fixed mtime.
pub struct ArWriter<W: Write> {
    builder: ar::Builder<W>,
    mtime: u64,
}

impl<W: Write> std::fmt::Debug for ArWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArWriter")
            .field("mtime", &self.mtime)
            .finish_non_exhaustive()
    }
}

impl<W: Write> ArWriter<W> {
    /// Starts an archive (writes the `!<arch>\n` magic).
    pub fn new(inner: W, mtime: u64) -> Self {
        ArWriter {
            builder: ar::Builder::new(inner),
            mtime,
        }
    }

    /// Appends a member named `name` of `size` bytes read from `data`.
    pub fn member(&mut self, name: &str, size: u64, data: impl Read) -> io::Result<()> {
        let mut h = ar::Header::new(name.as_bytes().to_vec(), size);
        h.set_mtime(self.mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mode(0o100644);
        self.builder.append(&h, data)
    }

    /// Returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        self.builder.into_inner()
    }
}
