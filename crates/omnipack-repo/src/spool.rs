//! The fragment spool: every cached RPM's three rendered yum entries
//! (`primary`, `filelists`, `other`), kept on disk beside the index cache
//! rather than in memory, so a run holds only small records and a leaf of
//! any size is indexed in bounded memory.
//!
//! One append-only file per kind (`index-KEY-GEN.primary`, …). A cold run
//! writes the fragments in the order the packages are read (sorted by path,
//! as the documents want them), so reading a document's fragments back is a
//! few large sequential reads; a re-index appends only the packages it read.
//! The cache compacts the files into a new generation when less than half of
//! their bytes are still referenced.
//!
//! Each [`SpoolRef`] carries the CRC-32 of its fragments: the cache is not
//! synced, so after a power loss a file may hold zeros where the cache says
//! a fragment is; such a fragment is reported as [`SpoolError::Damaged`] and
//! the index is rebuilt cold rather than published wrong.

use fs_err::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::record::{SpoolRef, YumEntries, YumXml};

/// The three kinds, in file order.
pub const KINDS: [&str; 3] = ["primary", "filelists", "other"];

/// Reading the spool failed.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// A fragment does not match its CRC (the cache was damaged, e.g. by a
    /// power loss); the caller rebuilds without the cache.
    #[error("the index cache `{0}` is damaged and is rebuilt")]
    Damaged(PathBuf),
    /// A spooled fragment but no spool to read it from.
    #[error("a cached yum entry refers to a fragment spool that is not open")]
    NoSpool,
    /// Reading failed.
    #[error("`{path}`: {source}")]
    Io {
        /// The spool file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// The spool files of one cache generation.
#[derive(Debug)]
pub struct Spool {
    paths: [PathBuf; 3],
    files: [File; 3],
    lens: [u64; 3],
    /// The generation (part of the file names).
    pub gen_id: u64,
}

/// The file names of generation `gen_id` for the cache file `base`
/// (`…/index-KEY.bin` → `…/index-KEY-GEN.primary`, …).
pub fn paths(base: &Path, gen_id: u64) -> [PathBuf; 3] {
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    KINDS.map(|k| base.with_file_name(format!("{stem}-{gen_id:016x}.{k}")))
}

impl Spool {
    /// Creates (truncating) the files of a new generation.
    pub fn create(base: &Path, gen_id: u64) -> io::Result<Spool> {
        let paths = paths(base, gen_id);
        let mut files = Vec::with_capacity(3);
        for p in &paths {
            files.push(
                fs_err::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(p)?,
            );
        }
        Spool::of(paths, files, [0; 3], gen_id)
    }

    fn of(paths: [PathBuf; 3], files: Vec<File>, lens: [u64; 3], gen_id: u64) -> io::Result<Spool> {
        let files: [File; 3] = files
            .try_into()
            .map_err(|_| io::Error::other("three spool files"))?;
        Ok(Spool {
            paths,
            files,
            lens,
            gen_id,
        })
    }

    /// Opens an existing generation whose files hold at least `lens` bytes;
    /// bytes past `lens` (a run that stopped before saving its cache) are cut.
    pub fn open(base: &Path, gen_id: u64, lens: [u64; 3]) -> io::Result<Spool> {
        let paths = paths(base, gen_id);
        let mut files = Vec::with_capacity(3);
        for (p, &len) in paths.iter().zip(&lens) {
            let f = fs_err::OpenOptions::new().read(true).write(true).open(p)?;
            let have = f.metadata()?.len();
            if have < len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("`{}` is shorter than the cache says", p.display()),
                ));
            }
            if have > len {
                f.set_len(len)?;
            }
            files.push(f);
        }
        Spool::of(paths, files, lens, gen_id)
    }

    /// The bytes in each file.
    pub fn lens(&self) -> [u64; 3] {
        self.lens
    }

    /// The file paths.
    pub fn file_paths(&self) -> &[PathBuf; 3] {
        &self.paths
    }

    /// Appends the fragments of several packages (one write per kind) and
    /// returns where each went.
    pub fn append(&mut self, xs: &[&YumXml]) -> io::Result<Vec<SpoolRef>> {
        let mut refs = vec![
            SpoolRef {
                off: [0; 3],
                len: [0; 3],
                crc: [0; 3],
            };
            xs.len()
        ];
        for k in 0..3 {
            let mut buf = Vec::new();
            for (x, r) in xs.iter().zip(refs.iter_mut()) {
                let s = fragment(x, k).as_bytes();
                r.off[k] = self.lens[k] + buf.len() as u64;
                r.len[k] = u32::try_from(s.len()).map_err(io::Error::other)?;
                r.crc[k] = crc32fast::hash(s);
                buf.extend_from_slice(s);
            }
            self.files[k].file().write_all_at(&buf, self.lens[k])?;
            self.lens[k] += buf.len() as u64;
        }
        Ok(refs)
    }

    /// Copies one package's fragments from `from` (another generation) to
    /// the end of this one.
    pub fn copy_from(&mut self, from: &Spool, r: &SpoolRef) -> Result<SpoolRef, SpoolError> {
        let mut out = *r;
        let mut buf = Vec::new();
        for k in 0..3 {
            buf.clear();
            from.read_one(k, r, &mut buf)?;
            self.files[k]
                .file()
                .write_all_at(&buf, self.lens[k])
                .map_err(|source| SpoolError::Io {
                    path: self.paths[k].clone(),
                    source,
                })?;
            out.off[k] = self.lens[k];
            self.lens[k] += buf.len() as u64;
        }
        Ok(out)
    }

    fn read_one(&self, k: usize, r: &SpoolRef, out: &mut Vec<u8>) -> Result<(), SpoolError> {
        let start = out.len();
        out.resize(start + r.len[k] as usize, 0);
        self.files[k]
            .file()
            .read_exact_at(&mut out[start..], r.off[k])
            .map_err(|source| SpoolError::Io {
                path: self.paths[k].clone(),
                source,
            })?;
        if crc32fast::hash(&out[start..]) != r.crc[k] {
            return Err(SpoolError::Damaged(self.paths[k].clone()));
        }
        Ok(())
    }
}

/// One kind of fragment of in-memory entries.
pub fn fragment(x: &YumXml, kind: usize) -> &str {
    match kind {
        0 => &x.primary,
        1 => &x.filelists,
        _ => &x.other,
    }
}

/// Appends the `kind` fragments of `entries`, in order, to `out`: rendered
/// ones from memory, spooled ones from `spool` in as few reads as their
/// placement allows, each checked against its CRC.
pub fn read_kind(
    spool: Option<&Spool>,
    kind: usize,
    entries: &[&YumEntries],
    out: &mut Vec<u8>,
) -> Result<(), SpoolError> {
    let mut i = 0;
    while i < entries.len() {
        match entries[i] {
            YumEntries::Rendered(x) => {
                out.extend_from_slice(fragment(x, kind).as_bytes());
                i += 1;
            }
            YumEntries::Spooled(first) => {
                let spool = spool.ok_or(SpoolError::NoSpool)?;
                // A run of fragments that sit back to back in the file.
                let start = first.off[kind];
                let mut end = start + u64::from(first.len[kind]);
                let mut j = i + 1;
                while let Some(YumEntries::Spooled(r)) = entries.get(j) {
                    if r.off[kind] != end {
                        break;
                    }
                    end += u64::from(r.len[kind]);
                    j += 1;
                }
                let at = out.len();
                out.resize(at + (end - start) as usize, 0);
                spool.files[kind]
                    .file()
                    .read_exact_at(&mut out[at..], start)
                    .map_err(|source| SpoolError::Io {
                        path: spool.paths[kind].clone(),
                        source,
                    })?;
                let mut p = at;
                for e in &entries[i..j] {
                    if let YumEntries::Spooled(r) = e {
                        let n = r.len[kind] as usize;
                        if crc32fast::hash(&out[p..p + n]) != r.crc[kind] {
                            return Err(SpoolError::Damaged(spool.paths[kind].clone()));
                        }
                        p += n;
                    }
                }
                i = j;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(i: usize) -> YumXml {
        YumXml {
            primary: format!("<p{i}/>"),
            filelists: format!("<f{i}/>"),
            other: format!("<o{i}/>"),
        }
    }

    #[test]
    fn fragments_read_back_in_any_order_and_damage_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("index-k.bin");
        let mut s = Spool::create(&base, 7).unwrap();
        let xs: Vec<YumXml> = (0..5).map(xml).collect();
        let refs = s.append(&xs.iter().collect::<Vec<_>>()).unwrap();
        let more = s.append(&[&xml(5)]).unwrap();
        let mem: YumEntries = xml(9).into();
        let entries: Vec<YumEntries> = [refs[3], refs[4], more[0], refs[0]]
            .into_iter()
            .map(YumEntries::Spooled)
            .collect();
        let mut list: Vec<&YumEntries> = entries.iter().collect();
        list.insert(2, &mem);
        let mut out = Vec::new();
        read_kind(Some(&s), 1, &list, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "<f3/><f4/><f9/><f5/><f0/>");

        // Reopened at the saved lengths: a longer file is cut back.
        let lens = s.lens();
        s.append(&[&xml(6)]).unwrap();
        drop(s);
        let s = Spool::open(&base, 7, lens).unwrap();
        assert_eq!(s.lens(), lens);
        assert_eq!(fs_err::metadata(&s.file_paths()[0]).unwrap().len(), lens[0]);

        // Zeros where a fragment should be.
        s.files[0]
            .file()
            .write_all_at(b"\0\0", refs[1].off[0])
            .unwrap();
        let e = [YumEntries::Spooled(refs[1])];
        let err = read_kind(Some(&s), 0, &[&e[0]], &mut Vec::new()).unwrap_err();
        assert!(matches!(err, SpoolError::Damaged(_)), "{err}");
        // A shorter file than the cache says is refused at open.
        drop(s);
        assert!(Spool::open(&base, 7, [lens[0] + 1, lens[1], lens[2]]).is_err());
    }
}
