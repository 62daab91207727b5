//! Renders `primary.xml`, `filelists.xml`, `other.xml` and `repomd.xml` in
//! createrepo_c's layout (`src/xml_dump_primary.c`, `xml_dump_filelists.c`,
//! `xml_dump_other.c`, `xml_dump_repomd.c`): namespaces, element order,
//! attributes left out when empty (`rel`, a dependency's `epoch`/`ver`/`rel`
//! only with `flags`, `pre="1"` only when set, `type` only for `dir` and
//! `ghost`), and primary listing only the files `cr_is_primary` selects.
//!
//! Each package's three fragments are rendered once, when it is read
//! ([`fragments`]), and cached with it. A document is then its head, its
//! packages' fragments in content-defined chunks each compressed on its own
//! (and cached compressed), and its tail ([`render_all`]).

use std::fmt::Write as _;
use std::io;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::{YumDep, YumFileKind, YumPackage, YumXml, is_primary};
use crate::chunks::Chunks;
use crate::record::{Record, YumEntries};
use crate::spool::{self, Spool, SpoolError};

/// One compressed document and what `repomd.xml` says about it.
pub(super) struct Doc<'c> {
    /// `primary`, `filelists` or `other`.
    pub kind: &'static str,
    /// The compressed bytes, in pieces: the head, the chunks (as cached:
    /// never copied into one buffer), the tail.
    pub parts: Vec<std::borrow::Cow<'c, [u8]>>,
    /// SHA-256 of `bytes`.
    pub sha256: String,
    /// SHA-256 of the uncompressed XML.
    pub open_sha256: String,
    /// Length of the uncompressed XML.
    pub open_size: u64,
}

impl Doc<'_> {
    /// The compressed length.
    pub fn size(&self) -> u64 {
        self.parts.iter().map(|p| p.len() as u64).sum()
    }
}

type Pkgs<'a> = [(&'a Record, &'a YumEntries)];

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub(super) enum RenderError {
    /// Compressing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A spooled entry could not be read back.
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

/// A package ends a chunk when the low bits of its checksum are zero: chunks
/// average this many packages, and where they end depends only on the
/// packages themselves, never on what was indexed before.
const CHUNK_AVERAGE: u32 = 64;
/// No chunk holds more packages than this.
const CHUNK_MAX: usize = 4 * CHUNK_AVERAGE as usize;

/// The three kinds, in `repomd.xml` order.
const KINDS: [&str; 3] = spool::KINDS;

/// Splits the sorted packages into chunks (index ranges).
fn chunk_ranges(pkgs: &Pkgs<'_>) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, (r, _)) in pkgs.iter().enumerate() {
        // The first four bytes, as the first eight hex digits read.
        let [a, b, c, d, ..] = r.sha256.0;
        let low = u32::from_be_bytes([a, b, c, d]);
        if low % CHUNK_AVERAGE == 0 || i + 1 - start >= CHUNK_MAX {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < pkgs.len() {
        out.push(start..pkgs.len());
    }
    out
}

/// What identifies a compressed chunk: its kind, codec and, per package,
/// everything its fragment is rendered from besides the package's contents
/// (which its SHA-256 stands for). The members are hashed once for the
/// three kinds.
fn chunk_keys(zstd: bool, members: &Pkgs<'_>) -> [[u8; 32]; 3] {
    let mut h = Sha256::new();
    for (r, _) in members {
        h.update(r.rel.as_bytes());
        h.update(b"\0");
        h.update(r.sha256.0);
        h.update(r.mtime.to_le_bytes());
        h.update(r.size.to_le_bytes());
    }
    let members: [u8; 32] = h.finalize().into();
    KINDS.map(|kind| {
        let mut h = Sha256::new();
        h.update(b"omnipack yum chunk 2\0");
        h.update(kind.as_bytes());
        h.update(if zstd { b"\0zst\0" } else { b"\0gz\0\0" });
        h.update(members);
        h.finalize().into()
    })
}

/// One gzip member or zstd frame; members and frames concatenate into a
/// valid stream (RFC 1952 §2.2; zstd's format), which zlib's `gzread`
/// (libsolv, createrepo_c), Python's `gzip` (EL7's yum) and every zstd
/// decoder read through.
fn compress(text: &[u8], zstd: bool) -> io::Result<Vec<u8>> {
    let mut out = if zstd {
        zstd::bulk::compress(text, 0)?
    } else {
        gzip_member(text)?
    };
    out.shrink_to_fit();
    Ok(out)
}

/// One gzip member (RFC 1952: a fixed header with no name and no time,
/// raw deflate at the default level, CRC-32 and length), with a deflate
/// state kept per thread: a fresh one is some hundreds of KiB to allocate
/// and clear for every chunk.
fn gzip_member(text: &[u8]) -> io::Result<Vec<u8>> {
    thread_local! {
        static DEFLATE: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::default(), false));
    }
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut out = Vec::with_capacity(text.len() / 8 + 64);
    out.extend_from_slice(&HEADER);
    DEFLATE.with(|d| -> io::Result<()> {
        let mut d = d.borrow_mut();
        d.reset();
        loop {
            let read = d.total_in() as usize;
            if out.capacity() - out.len() < 1024 {
                out.reserve(out.capacity() / 2 + 1024);
            }
            let status = d
                .compress_vec(&text[read..], &mut out, flate2::FlushCompress::Finish)
                .map_err(io::Error::other)?;
            if status == flate2::Status::StreamEnd {
                return Ok(());
            }
        }
    })?;
    out.extend_from_slice(&crc32fast::hash(text).to_le_bytes());
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    Ok(out)
}

/// Renders the three documents from the packages' fragments (in memory or
/// spooled).
///
/// Each document is its head, its packages in chunks, and its tail, each
/// compressed on its own and concatenated. A chunk whose packages are
/// unchanged since the last run comes from `chunks` as it was compressed
/// then; new chunks are compressed on all cores. The chunking depends only
/// on the packages, so a warm run writes the same bytes as a cold one.
/// Fragments are read back a chunk at a time, so memory stays small
/// whatever the number of packages.
pub(super) fn render_all<'c>(
    pkgs: &Pkgs<'_>,
    zstd: bool,
    chunks: &'c mut Chunks,
    spool: Option<&Spool>,
) -> Result<Vec<Doc<'c>>, RenderError> {
    let ranges = chunk_ranges(pkgs);
    let entries: Vec<&YumEntries> = pkgs.iter().map(|(_, e)| *e).collect();
    let keys: Vec<[[u8; 32]; 3]> = ranges
        .iter()
        .map(|r| chunk_keys(zstd, &pkgs[r.clone()]))
        .collect();
    let mut missing = Vec::new();
    for (c, ks) in keys.iter().enumerate() {
        for (k, key) in ks.iter().enumerate() {
            if !chunks.hit(key) {
                missing.push((c, k));
            }
        }
    }
    type Compressed = Result<([u8; 32], Vec<u8>), RenderError>;
    let fresh: Vec<Compressed> = missing
        .par_iter()
        .map(|&(c, k)| {
            let mut text = Vec::new();
            spool::read_kind(spool, k, &entries[ranges[c].clone()], &mut text)?;
            Ok((keys[c][k], compress(&text, zstd)?))
        })
        .collect();
    for f in fresh {
        let (key, bytes) = f?;
        chunks.insert(key, bytes);
    }
    let chunks = &*chunks;
    let n = pkgs.len();
    let docs: Vec<Result<Doc<'c>, RenderError>> = (0..KINDS.len())
        .into_par_iter()
        .map(|k| {
            let kind = KINDS[k];
            let head = match kind {
                "primary" => format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"{n}\">\n"
                ),
                "filelists" => format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"{n}\">\n"
                ),
                _ => format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<otherdata xmlns=\"http://linux.duke.edu/metadata/other\" packages=\"{n}\">\n"
                ),
            };
            let tail = match kind {
                "primary" => "</metadata>",
                "filelists" => "</filelists>",
                _ => "</otherdata>",
            };
            let mut open = Sha256::new();
            let mut open_size = (head.len() + tail.len()) as u64;
            open.update(head.as_bytes());
            let mut parts = Vec::with_capacity(keys.len() + 2);
            parts.push(std::borrow::Cow::Owned(compress(head.as_bytes(), zstd)?));
            let mut text = Vec::new();
            for (range, ks) in ranges.iter().zip(&keys) {
                text.clear();
                spool::read_kind(spool, k, &entries[range.clone()], &mut text)?;
                open.update(&text);
                open_size += text.len() as u64;
                let chunk = chunks.get(&ks[k]).ok_or_else(|| {
                    io::Error::other("a compressed chunk went missing while rendering")
                })?;
                parts.push(std::borrow::Cow::Borrowed(chunk));
            }
            open.update(tail.as_bytes());
            parts.push(std::borrow::Cow::Owned(compress(tail.as_bytes(), zstd)?));
            let mut sha256 = Sha256::new();
            for p in &parts {
                sha256.update(p);
            }
            Ok(Doc {
                kind,
                sha256: omnipack_core::hex(&sha256.finalize()),
                parts,
                open_sha256: omnipack_core::hex(&open.finalize()),
                open_size,
            })
        })
        .collect();
    docs.into_iter().collect()
}

/// Renders one package's `primary`, `filelists` and `other` fragments.
pub(super) fn fragments(r: &Record, y: &YumPackage) -> YumXml {
    let mut primary_ = String::with_capacity(2048);
    primary(&mut primary_, r, y);
    let mut filelists_ = String::with_capacity(512);
    filelists(&mut filelists_, r, y);
    let mut other_ = String::with_capacity(512);
    other(&mut other_, r, y);
    YumXml {
        primary: primary_,
        filelists: filelists_,
        other: other_,
    }
}

/// Appends `s` escaped for XML text or a double-quoted attribute (as libxml2
/// does for createrepo_c: `"` only in attributes). Characters
/// XML 1.0 cannot carry (C0 controls other than tab, newline and carriage
/// return; U+FFFE, U+FFFF) are dropped, as they would make the document
/// unreadable; tab, newline and carriage return are kept as character
/// references in attributes, where a parser would otherwise normalise them.
fn esc(out: &mut String, s: &str, attr: bool) {
    let clean = s.bytes().all(|b| {
        !matches!(b, b'&' | b'<' | b'>' | b'\r')
            && (!attr || b != b'"')
            && (b >= 0x20 || (!attr && (b == b'\n' || b == b'\t')))
    }) && !s.contains(['\u{fffe}', '\u{ffff}']);
    if clean {
        out.push_str(s);
        return;
    }
    out.reserve(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

fn text_el(out: &mut String, indent: &str, tag: &str, value: &str) {
    out.push_str(indent);
    out.push('<');
    out.push_str(tag);
    out.push('>');
    esc(out, value, false);
    out.push_str("</");
    out.push_str(tag);
    out.push_str(">\n");
}

fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    esc(out, value, true);
    out.push('"');
}

fn version_el(out: &mut String, y: &YumPackage) {
    let _ = write!(out, "  <version epoch=\"{}\"", y.epoch);
    attr(out, "ver", &y.version);
    attr(out, "rel", &y.release);
    out.push_str("/>\n");
}

fn deps(out: &mut String, tag: &str, deps: &[YumDep]) {
    if deps.is_empty() {
        return;
    }
    let _ = writeln!(out, "    <rpm:{tag}>");
    for d in deps {
        out.push_str("      <rpm:entry");
        attr(out, "name", &d.name);
        if let Some(f) = d.flags {
            attr(out, "flags", f.as_str());
            for (k, v) in [("epoch", &d.epoch), ("ver", &d.ver), ("rel", &d.rel)] {
                if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                    attr(out, k, v);
                }
            }
        }
        if d.pre {
            out.push_str(" pre=\"1\"");
        }
        out.push_str("/>\n");
    }
    let _ = writeln!(out, "    </rpm:{tag}>");
}

fn files(out: &mut String, indent: &str, y: &YumPackage, primary_only: bool) {
    for f in &y.files {
        if primary_only && !is_primary(&f.path) {
            continue;
        }
        out.push_str(indent);
        out.push_str("<file");
        match f.kind {
            YumFileKind::Dir => out.push_str(" type=\"dir\""),
            YumFileKind::Ghost => out.push_str(" type=\"ghost\""),
            YumFileKind::File => {}
        }
        out.push('>');
        esc(out, &f.path, false);
        out.push_str("</file>\n");
    }
}

fn primary(out: &mut String, r: &Record, y: &YumPackage) {
    out.push_str("<package type=\"rpm\">\n");
    text_el(out, "  ", "name", &y.name);
    text_el(out, "  ", "arch", &y.arch);
    version_el(out, y);
    let _ = writeln!(
        out,
        "  <checksum type=\"sha256\" pkgid=\"YES\">{}</checksum>",
        r.sha256
    );
    text_el(out, "  ", "summary", &y.summary);
    text_el(out, "  ", "description", &y.description);
    text_el(out, "  ", "packager", &y.packager);
    text_el(out, "  ", "url", &y.url);
    let _ = writeln!(
        out,
        "  <time file=\"{}\" build=\"{}\"/>",
        r.mtime, y.build_time
    );
    let _ = writeln!(
        out,
        "  <size package=\"{}\" installed=\"{}\" archive=\"{}\"/>",
        r.size, y.installed_size, y.archive_size
    );
    out.push_str("  <location");
    attr(out, "href", &r.rel);
    out.push_str("/>\n  <format>\n");
    text_el(out, "    ", "rpm:license", &y.license);
    text_el(out, "    ", "rpm:vendor", &y.vendor);
    text_el(out, "    ", "rpm:group", &y.group);
    text_el(out, "    ", "rpm:buildhost", &y.buildhost);
    text_el(out, "    ", "rpm:sourcerpm", &y.sourcerpm);
    let _ = writeln!(
        out,
        "    <rpm:header-range start=\"{}\" end=\"{}\"/>",
        y.header_start, y.header_end
    );
    deps(out, "provides", &y.provides);
    deps(out, "requires", &y.requires);
    deps(out, "conflicts", &y.conflicts);
    deps(out, "obsoletes", &y.obsoletes);
    deps(out, "suggests", &y.suggests);
    deps(out, "enhances", &y.enhances);
    deps(out, "recommends", &y.recommends);
    deps(out, "supplements", &y.supplements);
    files(out, "    ", y, true);
    out.push_str("  </format>\n</package>\n");
}

fn pkg_open(out: &mut String, r: &Record, y: &YumPackage) {
    let _ = write!(out, "<package pkgid=\"{}\"", r.sha256);
    attr(out, "name", &y.name);
    attr(out, "arch", &y.arch);
    out.push_str(">\n");
    version_el(out, y);
}

fn filelists(out: &mut String, r: &Record, y: &YumPackage) {
    pkg_open(out, r, y);
    files(out, "  ", y, false);
    out.push_str("</package>\n");
}

fn other(out: &mut String, r: &Record, y: &YumPackage) {
    pkg_open(out, r, y);
    for c in &y.changelogs {
        out.push_str("  <changelog");
        attr(out, "author", &c.author);
        let _ = write!(out, " date=\"{}\">", c.date);
        esc(out, &c.text, false);
        out.push_str("</changelog>\n");
    }
    out.push_str("</package>\n");
}

/// `repomd.xml` for the documents at their `repodata/…` locations.
pub(super) fn repomd(docs: &[(String, Doc)], date: u64) -> String {
    let mut out = String::with_capacity(2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n");
    let _ = writeln!(out, "  <revision>{date}</revision>");
    for (href, d) in docs {
        let _ = writeln!(out, "  <data type=\"{}\">", d.kind);
        let _ = writeln!(out, "    <checksum type=\"sha256\">{}</checksum>", d.sha256);
        let _ = writeln!(
            out,
            "    <open-checksum type=\"sha256\">{}</open-checksum>",
            d.open_sha256
        );
        out.push_str("    <location");
        attr(&mut out, "href", href);
        out.push_str("/>\n");
        let _ = writeln!(out, "    <timestamp>{date}</timestamp>");
        let _ = writeln!(out, "    <size>{}</size>", d.size());
        let _ = writeln!(out, "    <open-size>{}</open-size>", d.open_size);
        out.push_str("  </data>\n");
    }
    out.push_str("</repomd>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        let mut s = String::new();
        esc(&mut s, "a<b>&\"c\"\n\u{1}d\r", true);
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&quot;&#10;d&#13;");
        s.clear();
        esc(&mut s, "line\n\t\"next\"\u{7}", false);
        assert_eq!(s, "line\n\t\"next\"");
    }
}

#[cfg(test)]
mod chunk_tests {
    use std::io::Read;

    use super::*;

    fn record(i: u32) -> Record {
        let sha = crate::record::Checksum(Sha256::digest(i.to_le_bytes()).into());
        Record {
            path: format!("/r/p{i:05}.rpm").into(),
            rel: format!("p{i:05}.rpm"),
            size: 100 + u64::from(i),
            mtime: 7,
            md5: None,
            sha1: None,
            sha256: sha,
            info: crate::record::IndexInfo {
                format: omnipack_spec::Format::Rpm,
                name: format!("p{i}"),
                version: "1".into(),
                release: "1".into(),
                epoch: None,
                arch: "noarch".into(),
                fields: Default::default(),
            },
            yum: Some(
                YumXml {
                    primary: format!("<package>p{i}</package>\n"),
                    filelists: format!("<package pkgid=\"{i}\"/>\n"),
                    other: format!("<package other=\"{i}\"/>\n"),
                }
                .into(),
            ),
            origin: Default::default(),
        }
    }

    /// A rendered document, its pieces joined.
    struct Joined {
        kind: &'static str,
        bytes: Vec<u8>,
        open_sha256: String,
        open_size: u64,
    }

    fn render(records: &[Record], chunks: &mut Chunks, spool: Option<&Spool>) -> Vec<Joined> {
        let pkgs: Vec<(&Record, &YumEntries)> = records
            .iter()
            .map(|r| (r, r.yum.as_ref().unwrap()))
            .collect();
        render_all(&pkgs, false, chunks, spool)
            .unwrap()
            .into_iter()
            .map(|d| {
                let bytes = d.parts.concat();
                assert_eq!(bytes.len() as u64, d.size());
                assert_eq!(omnipack_core::hex(&Sha256::digest(&bytes)), d.sha256);
                Joined {
                    kind: d.kind,
                    bytes,
                    open_sha256: d.open_sha256,
                    open_size: d.open_size,
                }
            })
            .collect()
    }

    trait TapSort {
        fn tap_sort(self) -> Self;
    }
    impl TapSort for Vec<Record> {
        fn tap_sort(mut self) -> Self {
            self.sort_by(|a, b| a.rel.cmp(&b.rel));
            self
        }
    }

    /// A warm run (chunks from the previous one) writes exactly what a cold
    /// run writes, compressing only the chunks the new packages fall in; the
    /// members decompress to the whole document.
    #[test]
    fn warm_and_cold_runs_write_the_same_bytes() {
        let mut records: Vec<Record> = (0..2000).map(|i| record(i * 2)).collect();
        let mut chunks = Chunks::default();
        let first = render(&records, &mut chunks, None);
        let before = chunks.len();
        assert!(before > 3 * 10, "{before} chunks for 2000 packages");
        // The cached packages' entries go to a spool, as a run's do; the
        // new ones are in memory.
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(&dir.path().join("index-t.bin"), 1).unwrap();
        for r in &mut records {
            let Some(YumEntries::Rendered(x)) = &r.yum else {
                unreachable!()
            };
            let at = spool.append(&[&**x]).unwrap()[0];
            r.yum = Some(YumEntries::Spooled(at));
        }
        records.extend([1, 501, 3001].map(record));
        records.sort_by(|a, b| a.rel.cmp(&b.rel));
        let warm = render(&records, &mut chunks, Some(&spool));
        let cold = render(
            &(0..2000)
                .map(|i| record(i * 2))
                .chain([1, 501, 3001].map(record))
                .collect::<Vec<_>>()
                .tap_sort(),
            &mut Chunks::default(),
            None,
        );
        for (w, c) in warm.iter().zip(&cold) {
            assert_eq!(w.bytes, c.bytes, "{}", w.kind);
            assert_eq!(w.open_sha256, c.open_sha256);
        }
        // Three packages touch at most three chunks of each of the three documents.
        assert!(chunks.len() - before <= 9, "{}", chunks.len() - before);
        assert_ne!(first[0].bytes, warm[0].bytes);

        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(&warm[0].bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(
            text.ends_with("<package>p3998</package>\n</metadata>"),
            "{}",
            &text[text.len() - 80..]
        );
        assert!(text.contains("packages=\"2003\""));
        assert_eq!(text.matches("<package>").count(), 2003);
        assert_eq!(
            omnipack_core::hex(&Sha256::digest(text.as_bytes())),
            warm[0].open_sha256
        );
        assert_eq!(text.len() as u64, warm[0].open_size);
    }
}
