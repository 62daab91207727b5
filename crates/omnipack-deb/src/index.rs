//! Reads .deb files for a repository index: the control fields and every
//! byte of the file (for its digests), in one pass over the file, with the
//! buffers and decoder state kept by the reader and reused for the next
//! package.
//!
//! A repository index reads thousands of packages on each thread. Opening
//! a package the way `inspect` does (an `ar` reader, a `BufReader`, a fresh
//! inflate state and window, a tar reader, a `String` per control.tar
//! member) makes tens of transient allocations of 8–128 KiB a package; the
//! records kept meanwhile land in the holes they leave, and glibc's
//! per-thread arenas grew by about 7 KiB a package (BENCHMARKS.md,
//! "Repository indexes"). Here a thread's [`IndexReader`] reads the file in
//! one reused chunk buffer, walks the `ar` headers as the bytes go by
//! (deb(5), ar(5): 60-byte headers, decimal sizes, data padded to even
//! length), copies out only the control member, and decodes it with an
//! inflate or zstd state that is reset, not reallocated; the only
//! allocations left are the control fields the caller keeps.
//!
//! The checks are those of the full reader (`read.rs`), in the same order:
//! the `!<arch>` magic, every member header (no extended names, sizes inside
//! the file, the last member ending where the file does), `debian-binary`
//! first, the control member before the data member, the control member
//! unpacking to at most 64 MiB and holding a `control` file.

use std::io::Read;
use std::path::Path;

use fs_err as fs;
use omnipack_archive::Decoder;
use omnipack_spec::Codec;

use crate::read::CONTROL_UNPACKED_MAX;
use crate::{ControlFields, DebError};

/// Bytes read from the file at a time (and hashed by the caller).
const CHUNK: usize = 64 << 10;

/// A reused buffer grown past this by one large package is given back
/// after it, so that one package does not pin its size for the whole run.
const KEEP_MAX: usize = 1 << 20;

/// The largest control member copied out: compression never grows data
/// by a megabyte in 64 MiB, so a larger one cannot unpack within
/// `CONTROL_UNPACKED_MAX` and is refused without being held.
const MEMBER_MAX: u64 = CONTROL_UNPACKED_MAX + (1 << 20);

/// The maintainer scripts a control member may hold, in the order
/// `DebControl::scripts` lists them.
const SCRIPTS: [&str; 6] = [
    "preinst", "postinst", "prerm", "postrm", "config", "triggers",
];

/// What [`IndexReader::read`] found in a package's control member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebControl {
    /// The fields of `control`, in file order.
    pub fields: ControlFields,
    /// Which of `SCRIPTS` are present (bit `i` for `SCRIPTS[i]`).
    scripts: u8,
}

impl DebControl {
    /// The names of the maintainer scripts present (`postinst`, ...).
    pub fn scripts(&self) -> impl Iterator<Item = &'static str> + '_ {
        SCRIPTS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.scripts & (1 << i) != 0)
            .map(|(_, s)| *s)
    }
}

/// The state one thread keeps while reading many .deb files for an index:
/// a chunk buffer for the file, the control member's bytes, the unpacked
/// control.tar, and the gzip and zstd decoder states.
pub struct IndexReader {
    chunk: Box<[u8]>,
    member: Vec<u8>,
    tar: Vec<u8>,
    inflate: flate2::Decompress,
    zstd: Option<zstd::stream::raw::Decoder<'static>>,
}

impl std::fmt::Debug for IndexReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexReader")
    }
}

impl Default for IndexReader {
    fn default() -> Self {
        IndexReader::new()
    }
}

/// The first control or data member met, as the full reader meets them.
#[derive(Clone, Copy)]
enum First {
    /// `control.tar*`: its name (at most the 16 bytes of an ar name) and
    /// where its data lies in the file.
    Control {
        name: [u8; 16],
        len: usize,
        start: u64,
        end: u64,
    },
    /// `data.tar*`, before any control member.
    Data { name: [u8; 16], len: usize },
}

/// The `ar` member headers of a file whose bytes go by in order.
struct ArWalk {
    /// The header being gathered (it may straddle two chunks).
    header: [u8; 60],
    got: usize,
    /// Where the next header starts.
    next: u64,
    /// Where the last member's data ends (its padding not included).
    end: u64,
    /// The last header's offset and its size field (for the error when the
    /// file ends inside its data).
    last: (u64, u64),
    members: usize,
    /// The first member's name, as the `ar` crate gives it.
    first_name: Option<([u8; 16], usize)>,
    first: Option<First>,
}

impl ArWalk {
    fn new() -> ArWalk {
        ArWalk {
            header: [0; 60],
            got: 0,
            next: 8,
            end: 8,
            last: (0, 0),
            members: 0,
            first_name: None,
            first: None,
        }
    }

    /// Takes the bytes `c` found at offset `pos` of the file: the headers
    /// they hold, and the control member's data into `member`.
    fn feed(
        &mut self,
        pos: u64,
        c: &[u8],
        member: &mut Vec<u8>,
        corrupt: &dyn Fn(String) -> DebError,
    ) -> Result<(), DebError> {
        let end = pos + c.len() as u64;
        // Every header starting in this chunk (or continuing into it).
        while self.next < end {
            let from = self.next + self.got as u64;
            let take = (60 - self.got).min((end - from) as usize);
            let i = (from - pos) as usize;
            self.header[self.got..self.got + take].copy_from_slice(&c[i..i + take]);
            self.got += take;
            if self.got < 60 {
                break;
            }
            self.got = 0;
            self.header_done(corrupt)?;
        }
        // The part of the control member's data in this chunk (its header
        // may have been in this chunk too).
        if let Some(First::Control {
            start, end: stop, ..
        }) = self.first
        {
            let (a, b) = (start.max(pos), stop.min(end));
            if a < b {
                member.extend_from_slice(&c[(a - pos) as usize..(b - pos) as usize]);
            }
        }
        Ok(())
    }

    /// Checks the header just gathered ([`crate::read::member_size`], as
    /// `check_members` does) and notes the member.
    fn header_done(&mut self, corrupt: &dyn Fn(String) -> DebError) -> Result<(), DebError> {
        let h = &self.header;
        let pos = self.next;
        let size = crate::read::member_size(h, pos, corrupt)?;
        // The name as the `ar` crate gives it: trailing blanks dropped, then
        // a GNU-style trailing `/`.
        let mut name = [0u8; 16];
        name.copy_from_slice(&h[..16]);
        let mut len = name.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
        while len > 0 && name[len - 1] == b'/' {
            len -= 1;
        }
        let start = pos + 60;
        // At most 10 decimal digits: no overflow.
        self.end = start + size;
        self.last = (pos, size);
        self.next = self.end + size % 2;
        self.members += 1;
        if self.first_name.is_none() {
            self.first_name = Some((name, len));
        }
        if self.first.is_none() {
            if name[..len].starts_with(b"control.tar") {
                self.first = Some(First::Control {
                    name,
                    len,
                    start,
                    end: self.end,
                });
            } else if name[..len].starts_with(b"data.tar") {
                self.first = Some(First::Data { name, len });
            }
        }
        Ok(())
    }

    /// The checks that need the file's length `len` (known at its end).
    fn finish(&self, len: u64, corrupt: &dyn Fn(String) -> DebError) -> Result<(), DebError> {
        if self.got > 0 {
            return Err(corrupt(format!(
                "member header at byte {} is cut short (truncated file?)",
                self.next
            )));
        }
        if self.end > len {
            let (at, size) = self.last;
            return Err(corrupt(format!(
                "member at byte {at} claims {size} bytes, past the end of the file ({len} bytes; truncated file?)"
            )));
        }
        // The last member's padding byte may be missing in some writers.
        if self.next != len && self.next != len + 1 {
            return Err(corrupt(format!(
                "the members need {} bytes but the file has {len} (truncated file?)",
                self.next
            )));
        }
        if self.members < 3 {
            return Err(corrupt(format!(
                "only {} members, where a .deb has at least 3",
                self.members
            )));
        }
        Ok(())
    }
}

impl IndexReader {
    /// A reader with empty buffers (they grow to the packages read).
    pub fn new() -> IndexReader {
        IndexReader {
            chunk: vec![0; CHUNK].into_boxed_slice(),
            member: Vec::new(),
            tar: Vec::new(),
            inflate: flate2::Decompress::new(false),
            zstd: None,
        }
    }

    /// Reads the .deb at `path`: every byte of the file goes through `each`,
    /// in order (to hash it while it is read), and its control member's
    /// fields come back. A package apt would refuse
    /// ([`indexable_fields`](crate::indexable_fields)) is an error.
    pub fn read(
        &mut self,
        path: &Path,
        each: &mut dyn FnMut(&[u8]),
    ) -> Result<DebControl, DebError> {
        let r = self.read_unchecked(path, each);
        for buf in [&mut self.member, &mut self.tar] {
            buf.clear();
            buf.shrink_to(KEEP_MAX);
        }
        let control = r?;
        crate::indexable_fields(&control.fields, path)?;
        Ok(control)
    }

    fn read_unchecked(
        &mut self,
        path: &Path,
        each: &mut dyn FnMut(&[u8]),
    ) -> Result<DebControl, DebError> {
        let ar_corrupt = |reason: String| DebError::Corrupt {
            path: path.to_path_buf(),
            member: "ar".into(),
            reason,
        };
        let mut file = fs::File::open(path)?;
        self.member.clear();
        let mut walk = ArWalk::new();
        let mut pos = 0u64;
        loop {
            let n = match file.read(&mut self.chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            let c = &self.chunk[..n];
            each(c);
            // The magic: the first 8 bytes (a first read of fewer than 8
            // from a regular file means the file is shorter).
            if pos == 0 && !c.starts_with(b"!<arch>\n") {
                return Err(not_deb(path));
            }
            walk.feed(pos, c, &mut self.member, &ar_corrupt)?;
            pos += n as u64;
        }
        if pos == 0 {
            return Err(not_deb(path));
        }
        walk.finish(pos, &ar_corrupt)?;
        match walk.first_name {
            Some((name, len)) if &name[..len] == b"debian-binary" => {}
            first => {
                let (name, len) = first.unwrap_or(([0; 16], 0));
                return Err(DebError::NotDeb {
                    path: path.to_path_buf(),
                    reason: format!(
                        "an ar archive whose first member is `{}`, not `debian-binary`",
                        String::from_utf8_lossy(&name[..len])
                    ),
                });
            }
        }
        let (name, len, size) = match walk.first {
            Some(First::Control {
                name,
                len,
                start,
                end,
            }) => (name, len, end - start),
            Some(First::Data { name, len }) => {
                return Err(DebError::Corrupt {
                    path: path.to_path_buf(),
                    member: String::from_utf8_lossy(&name[..len]).into_owned(),
                    reason: "data member comes before control".into(),
                });
            }
            None => {
                return Err(DebError::Corrupt {
                    path: path.to_path_buf(),
                    member: "control.tar".into(),
                    reason: "missing (truncated file?)".into(),
                });
            }
        };
        let name = String::from_utf8_lossy(&name[..len]);
        let corrupt = |reason: String| DebError::Corrupt {
            path: path.to_path_buf(),
            member: name.to_string(),
            reason,
        };
        let codec = Decoder::<&[u8]>::codec_for_name(&name)
            .ok_or_else(|| corrupt("unknown compression".into()))?;
        if size > MEMBER_MAX {
            return Err(corrupt(format!(
                "it is {size} bytes, so it unpacks to more than {CONTROL_UNPACKED_MAX} bytes"
            )));
        }
        self.unpack(codec).map_err(|e| corrupt(e.to_string()))?;
        control_of(&self.tar, &corrupt)
    }

    /// Unpacks the control member (in `self.member`) into `self.tar`, at
    /// most [`CONTROL_UNPACKED_MAX`] bytes.
    fn unpack(&mut self, codec: Codec) -> std::io::Result<()> {
        self.tar.clear();
        let input = self.member.as_slice();
        match codec {
            Codec::None => {
                bound(input.len())?;
                self.tar.extend_from_slice(input);
            }
            Codec::Gzip => gunzip(&mut self.inflate, input, &mut self.tar)?,
            Codec::Zstd => {
                let mut d = match self.zstd.take() {
                    Some(mut d) => {
                        zstd::stream::raw::Operation::reinit(&mut d)?;
                        d
                    }
                    None => zstd::stream::raw::Decoder::new()?,
                };
                let r = unzstd(&mut d, input, &mut self.tar);
                self.zstd = Some(d);
                r?;
            }
            // A fresh decoder each time (liblzma cannot reset one from
            // Rust); xz control members are small and their dictionary
            // is touched only as far as they reach.
            Codec::Xz => {
                let mut d = liblzma::stream::Stream::new_stream_decoder(
                    u64::MAX,
                    liblzma::stream::CONCATENATED,
                )
                .map_err(std::io::Error::other)?;
                loop {
                    grow(&mut self.tar)?;
                    let before = (d.total_in(), self.tar.len());
                    let at = d.total_in() as usize;
                    let status = d
                        .process_vec(&input[at..], &mut self.tar, liblzma::stream::Action::Finish)
                        .map_err(std::io::Error::other)?;
                    if status == liblzma::stream::Status::StreamEnd {
                        break;
                    }
                    if before == (d.total_in(), self.tar.len()) {
                        return Err(cut_short());
                    }
                }
                bound(self.tar.len())?;
            }
        }
        Ok(())
    }
}

fn not_deb(path: &Path) -> DebError {
    DebError::NotDeb {
        path: path.to_path_buf(),
        reason: "it does not start with the `!<arch>` magic".into(),
    }
}

fn cut_short() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the compressed stream ends early",
    )
}

/// The error once the unpacked control member passes its limit.
fn bound(len: usize) -> std::io::Result<()> {
    if len as u64 > CONTROL_UNPACKED_MAX {
        return Err(std::io::Error::other(format!(
            "it unpacks to more than {CONTROL_UNPACKED_MAX} bytes"
        )));
    }
    Ok(())
}

/// Makes room for the next piece of output (32 KiB at least), within the
/// limit.
fn grow(out: &mut Vec<u8>) -> std::io::Result<()> {
    bound(out.len())?;
    if out.capacity() - out.len() < 32 << 10 {
        out.reserve((out.len()).max(32 << 10));
    }
    Ok(())
}

/// gzip (RFC 1952), every member, through a reused raw inflate state;
/// each member's CRC-32 and length are checked. Bytes after a member that
/// do not start another are ignored, as gzip's own reader does.
fn gunzip(z: &mut flate2::Decompress, mut input: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut first = true;
    loop {
        if !first && !input.starts_with(&[0x1f, 0x8b]) {
            return Ok(());
        }
        first = false;
        let body = gzip_header(input).ok_or_else(|| bad("invalid gzip header"))?;
        input = &input[body..];
        z.reset(false);
        let start = out.len();
        loop {
            grow(out)?;
            let (i0, o0) = (z.total_in(), out.len());
            let status = z
                .decompress_vec(
                    &input[z.total_in() as usize..],
                    out,
                    flate2::FlushDecompress::None,
                )
                .map_err(|e| bad(&format!("corrupt deflate stream: {e}")))?;
            if status == flate2::Status::StreamEnd {
                break;
            }
            if (i0, o0) == (z.total_in(), out.len()) {
                return Err(cut_short());
            }
        }
        bound(out.len())?;
        input = &input[z.total_in() as usize..];
        let trailer: [u8; 8] = input
            .get(..8)
            .and_then(|t| t.try_into().ok())
            .ok_or_else(cut_short)?;
        input = &input[8..];
        let mut crc = flate2::Crc::new();
        crc.update(&out[start..]);
        let want_crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let want_len = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        if crc.sum() != want_crc || (out.len() - start) as u32 != want_len {
            return Err(bad("gzip checksum or length does not match"));
        }
        if input.is_empty() {
            return Ok(());
        }
    }
}

/// The length of the gzip member header at the start of `b` (RFC 1952
/// §2.3), if it is one.
fn gzip_header(b: &[u8]) -> Option<usize> {
    if b.len() < 10 || b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 {
        return None;
    }
    let flags = b[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let xlen = u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize;
        at += 2 + xlen;
    }
    for flag in [8, 16] {
        if flags & flag != 0 {
            at += b.get(at..)?.iter().position(|&c| c == 0)? + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    (at <= b.len()).then_some(at)
}

/// zstd, every frame, through a reused decoder state.
fn unzstd(
    d: &mut zstd::stream::raw::Decoder<'static>,
    input: &[u8],
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
    let mut src = InBuffer::around(input);
    let mut hint = 1;
    while src.pos() < input.len() || hint != 0 {
        grow(out)?;
        let before = (src.pos(), out.len());
        let len = out.len();
        hint = d.run(&mut src, &mut OutBuffer::around_pos(out, len))?;
        if hint != 0 && before == (src.pos(), out.len()) {
            return Err(cut_short());
        }
    }
    bound(out.len())
}

/// The control information of the unpacked control.tar `tar`: the `control`
/// file's fields (the last such entry, as the full reader keeps), which
/// maintainer scripts are present.
fn control_of(tar: &[u8], corrupt: &dyn Fn(String) -> DebError) -> Result<DebControl, DebError> {
    let mut archive = tar::Archive::new(tar);
    let mut control: Option<&[u8]> = None;
    let mut scripts = 0u8;
    for entry in archive.entries().map_err(|e| corrupt(e.to_string()))? {
        let entry = entry.map_err(|e| corrupt(e.to_string()))?;
        let path = entry.path_bytes();
        let name = entry_name(&path);
        if name == b"control" {
            control = Some(if entry.header().entry_type().is_file() {
                let at = entry.raw_file_position() as usize;
                tar.get(at..at + entry.size() as usize)
                    .ok_or_else(|| corrupt("control: cut short".into()))?
            } else {
                b""
            });
        } else if let Some(i) = SCRIPTS.iter().position(|s| s.as_bytes() == name) {
            scripts |= 1 << i;
        }
    }
    let text = control.ok_or_else(|| corrupt("no `control` file".into()))?;
    let text = std::str::from_utf8(text).map_err(|e| corrupt(format!("/control: {e}")))?;
    let fields = ControlFields::parse(text).map_err(|e| corrupt(format!("control: {e}")))?;
    Ok(DebControl { fields, scripts })
}

/// A control.tar entry's name as the full reader normalises it (`./`, `/`
/// and trailing `/` stripped).
fn entry_name(mut p: &[u8]) -> &[u8] {
    while let Some(r) = p.strip_prefix(b"./") {
        p = r;
    }
    while let Some(r) = p.strip_prefix(b"/") {
        p = r;
    }
    while let Some(r) = p.strip_suffix(b"/") {
        p = r;
    }
    p
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use omnipack_archive::Encoder;

    use super::*;

    fn member(name: &str, data: &[u8]) -> Vec<u8> {
        let mut m = format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            0,
            0,
            0,
            100644,
            data.len()
        )
        .into_bytes();
        m.extend_from_slice(data);
        if data.len() % 2 == 1 {
            m.push(b'\n');
        }
        m
    }

    /// A control.tar holding `control`, a `postinst` and an `md5sums` of
    /// `pad` bytes (to make the member span several read chunks).
    fn control_tar(pad: usize) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        let md5sums = vec![b'0'; pad];
        for (name, data) in [
            ("./", &b""[..]),
            (
                "./control",
                b"Package: hello\nVersion: 1:1.0-2\nArchitecture: all\nDescription: hi\n there\n",
            ),
            ("./md5sums", &md5sums),
            ("./postinst", b"#!/bin/sh\n"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(if name == "./" {
                tar::EntryType::Directory
            } else {
                tar::EntryType::Regular
            });
            h.set_cksum();
            tar.append_data(&mut h, name, data).unwrap();
        }
        tar.into_inner().unwrap()
    }

    fn deb(ext: &str, compression: &str, pad: usize) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new(), compression.parse().unwrap(), 1).unwrap();
        e.write_all(&control_tar(pad)).unwrap();
        let control = e.finish().unwrap();
        let mut out = b"!<arch>\n".to_vec();
        out.extend(member("debian-binary", b"2.0\n"));
        out.extend(member(&format!("control.tar{ext}"), &control));
        out.extend(member("data.tar.gz", &[7; 99_999]));
        out
    }

    /// Every codec dpkg-deb writes, with control members inside one read
    /// chunk and across several, and two packages through one reader (its
    /// state reused): the same fields, and every byte passed to the caller.
    #[test]
    fn every_codec_in_one_reader_and_every_byte_seen() {
        let t = tempfile::tempdir().unwrap();
        let mut reader = IndexReader::new();
        for (ext, compression) in [
            ("", "none"),
            (".gz", "gzip:6"),
            (".xz", "xz:6"),
            (".zst", "zstd:3"),
        ] {
            for pad in [10, 300_000] {
                let bytes = deb(ext, compression, pad);
                let path = t.path().join("p.deb");
                fs::write(&path, &bytes).unwrap();
                let mut seen = Vec::new();
                let c = reader
                    .read(&path, &mut |b| seen.extend_from_slice(b))
                    .unwrap_or_else(|e| panic!("{ext} {pad}: {e}"));
                assert_eq!(seen, bytes, "{ext} {pad}");
                assert_eq!(c.fields.get("version"), Some("1:1.0-2"));
                assert_eq!(c.fields.get("Description"), Some("hi\n there"));
                assert_eq!(c.scripts().collect::<Vec<_>>(), ["postinst"]);
            }
        }
    }

    /// A member header straddling two read chunks, at every split.
    #[test]
    fn a_header_across_two_chunks_is_read() {
        let t = tempfile::tempdir().unwrap();
        let mut reader = IndexReader::new();
        let head = deb(".gz", "gzip:6", 10);
        // Up to the data member: debian-binary and control.
        let data_at = head.len() - member("data.tar.gz", &[7; 99_999]).len();
        let path = t.path().join("p.deb");
        // An ignored member whose size puts the data member's header at
        // every position across the first chunk boundary.
        let base = data_at + 60;
        for extra in (CHUNK - base - 62)..(CHUNK - base + 2) {
            let mut bytes = head[..data_at].to_vec();
            bytes.extend(member("_extra", &vec![1; extra]));
            bytes.extend(member("data.tar.gz", &[7; 99_999]));
            fs::write(&path, &bytes).unwrap();
            let mut seen = 0;
            reader
                .read(&path, &mut |b| seen += b.len())
                .unwrap_or_else(|e| panic!("{extra}: {e}"));
            assert_eq!(seen, bytes.len());
        }
    }

    /// A damaged gzip member (its CRC) is an error naming the member, and
    /// the reader still reads the next package.
    #[test]
    fn a_bad_checksum_is_refused_and_the_reader_goes_on() {
        let t = tempfile::tempdir().unwrap();
        let mut reader = IndexReader::new();
        let mut bytes = deb(".gz", "gzip:6", 10);
        // The gzip trailer's CRC-32 sits 8 bytes before the end of the
        // member's data: after debian-binary (8 + 60 + 4) and the header.
        let start = 8 + 60 + 4 + 60;
        let len: usize = std::str::from_utf8(&bytes[start - 12..start - 2])
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        bytes[start + len - 8] ^= 0xff;
        let path = t.path().join("bad.deb");
        fs::write(&path, &bytes).unwrap();
        let err = reader.read(&path, &mut |_| {}).unwrap_err().to_string();
        assert!(
            err.contains("control.tar.gz") && err.contains("checksum"),
            "{err}"
        );
        fs::write(&path, deb(".gz", "gzip:6", 10)).unwrap();
        reader.read(&path, &mut |_| {}).unwrap();
    }
}
