//! A deterministic tar writer in the GNU format dpkg-deb writes: entry names
//! as given (`./usr/bin/x`, directories with a trailing `/`), GNU `L`/`K`
//! records for names and link targets over 100 bytes, fixed mtime and owners.
//!
//! The `tar` crate builds and checksums the headers; names are set here as raw
//! bytes because its path setter drops the leading `./` that dpkg-deb keeps.

use std::io::{self, Read, Write};

use tar::{EntryType, Header};

/// The owner of an entry, by name (ids are 0: dpkg and rpm resolve names).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// User name.
    pub user: &'a str,
    /// Group name.
    pub group: &'a str,
}

impl Owner<'static> {
    /// `root:root`.
    pub const ROOT: Owner<'static> = Owner {
        user: "root",
        group: "root",
    };
}

/// Writes tar entries with caller-chosen names, modes, owners and one mtime.
pub struct TarWriter<W: Write> {
    builder: tar::Builder<W>,
    mtime: u64,
}

impl<W: Write> std::fmt::Debug for TarWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TarWriter")
            .field("mtime", &self.mtime)
            .finish_non_exhaustive()
    }
}

fn too_long(what: &str, name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what} `{name}` cannot be stored in a tar header"),
    )
}

impl<W: Write> TarWriter<W> {
    /// Starts an archive whose every entry carries `mtime`.
    pub fn new(inner: W, mtime: u64) -> Self {
        let mut builder = tar::Builder::new(inner);
        builder.mode(tar::HeaderMode::Deterministic);
        TarWriter { builder, mtime }
    }

    fn header(
        &self,
        kind: EntryType,
        mode: u32,
        owner: Owner<'_>,
        size: u64,
    ) -> io::Result<Header> {
        let mut h = Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username(owner.user)
            .map_err(|_| too_long("user name", owner.user))?;
        h.set_groupname(owner.group)
            .map_err(|_| too_long("group name", owner.group))?;
        h.set_mtime(self.mtime);
        h.set_size(size);
        Ok(h)
    }

    /// Writes a GNU long-name (`L`) or long-link (`K`) record for `value`.
    fn long_record(&mut self, kind: u8, value: &str) -> io::Result<()> {
        let mut h = self.header(
            EntryType::new(kind),
            0o644,
            Owner::ROOT,
            value.len() as u64 + 1,
        )?;
        set_field(&mut h, Field::Name, "././@LongLink");
        h.set_mtime(0);
        h.set_cksum();
        let mut data = value.as_bytes().to_vec();
        data.push(0);
        self.builder.append(&h, &data[..])
    }

    fn append(
        &mut self,
        mut h: Header,
        name: &str,
        link: Option<&str>,
        data: impl Read,
    ) -> io::Result<()> {
        if name.len() > 100 {
            self.long_record(b'L', name)?;
        }
        if let Some(link) = link {
            if link.len() > 100 {
                self.long_record(b'K', link)?;
            }
            set_field(&mut h, Field::Link, link);
        }
        set_field(&mut h, Field::Name, name);
        h.set_cksum();
        self.builder.append(&h, data)
    }

    /// A directory entry; `name` should end in `/` (`./usr/bin/`).
    pub fn dir(&mut self, name: &str, mode: u32, owner: Owner<'_>) -> io::Result<()> {
        let h = self.header(EntryType::Directory, mode, owner, 0)?;
        self.append(h, name, None, io::empty())
    }

    /// A regular file of exactly `size` bytes read from `data`.
    pub fn file(
        &mut self,
        name: &str,
        mode: u32,
        owner: Owner<'_>,
        size: u64,
        data: impl Read,
    ) -> io::Result<()> {
        let h = self.header(EntryType::Regular, mode, owner, size)?;
        let mut counted = ExactReader {
            inner: data,
            left: size,
            name,
        };
        self.append(h, name, None, &mut counted)?;
        if counted.left != 0 {
            return Err(counted.short());
        }
        Ok(())
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, name: &str, target: &str, owner: Owner<'_>) -> io::Result<()> {
        let h = self.header(EntryType::Symlink, 0o777, owner, 0)?;
        self.append(h, name, Some(target), io::empty())
    }

    /// Writes the end-of-archive blocks and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        self.builder.into_inner()
    }
}

enum Field {
    Name,
    Link,
}

/// Stores at most the field's 100 bytes; longer values are carried by the
/// preceding GNU record, as GNU tar does.
fn set_field(h: &mut Header, field: Field, value: &str) {
    let bytes = value.as_bytes();
    let n = bytes.len().min(100);
    if let Some(g) = h.as_gnu_mut() {
        let dst = match field {
            Field::Name => &mut g.name,
            Field::Link => &mut g.linkname,
        };
        dst.fill(0);
        dst[..n].copy_from_slice(&bytes[..n]);
    }
}

/// Reads exactly `left` bytes, failing if the source changes size under us.
struct ExactReader<'a, R> {
    inner: R,
    left: u64,
    name: &'a str,
}

impl<R> ExactReader<'_, R> {
    fn short(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "`{}` changed size while being archived; stop whatever writes to the staged tree and retry",
                self.name
            ),
        )
    }
}

impl<R: Read> Read for ExactReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(self.short());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_and_links_roundtrip_with_dot_slash() {
        let long = format!("./opt/{}/file", "d".repeat(120));
        let target = format!("/opt/{}", "t".repeat(150));
        let mut w = TarWriter::new(Vec::new(), 1_700_000_000);
        w.dir("./", 0o755, Owner::ROOT).unwrap();
        w.file(&long, 0o644, Owner::ROOT, 5, &b"hello"[..]).unwrap();
        w.symlink(
            "./l",
            &target,
            Owner {
                user: "app",
                group: "app",
            },
        )
        .unwrap();
        let bytes = w.finish().unwrap();
        let mut a = tar::Archive::new(&bytes[..]);
        let got: Vec<(String, Option<String>, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let p = String::from_utf8(e.path_bytes().to_vec()).unwrap();
                let l = e
                    .link_name_bytes()
                    .map(|b| String::from_utf8(b.to_vec()).unwrap());
                (p, l, e.header().mtime().unwrap())
            })
            .collect();
        assert_eq!(got[0].0, "./");
        assert_eq!(got[1].0, long);
        assert_eq!(got[2].1.as_deref(), Some(target.as_str()));
        assert!(got.iter().all(|g| g.2 == 1_700_000_000));
    }

    #[test]
    fn a_file_that_shrinks_is_an_error_naming_it() {
        let mut w = TarWriter::new(Vec::new(), 0);
        let err = w
            .file("./x", 0o644, Owner::ROOT, 10, &b"short"[..])
            .unwrap_err();
        assert!(err.to_string().contains("`./x` changed size"), "{err}");
    }
}
