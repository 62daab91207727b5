//! Renders `primary.xml`, `filelists.xml`, `other.xml` and `repomd.xml` in
//! createrepo_c's layout (`src/xml_dump_primary.c`, `xml_dump_filelists.c`,
//! `xml_dump_other.c`, `xml_dump_repomd.c`): namespaces, element order,
//! attributes left out when empty (`rel`, a dependency's `epoch`/`ver`/`rel`
//! only with `flags`, `pre="1"` only when set, `type` only for `dir` and
//! `ghost`), and primary listing only the files `cr_is_primary` selects.
//!
//! Each document streams package by package into its compressor, through a
//! counter that hashes the uncompressed bytes for `open-checksum` and
//! `open-size`; the three documents render in parallel.

use std::fmt::Write as _;
use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::{YumDep, YumFileKind, YumPackage, is_primary};
use crate::Record;

/// One compressed document and what `repomd.xml` says about it.
pub(super) struct Doc {
    /// `primary`, `filelists` or `other`.
    pub kind: &'static str,
    /// The compressed bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`.
    pub sha256: String,
    /// SHA-256 of the uncompressed XML.
    pub open_sha256: String,
    /// Length of the uncompressed XML.
    pub open_size: u64,
}

type Pkgs<'a> = [(&'a Record, &'a YumPackage)];

/// Renders the three documents (in parallel).
pub(super) fn render_all(pkgs: &Pkgs<'_>, zstd: bool) -> io::Result<Vec<Doc>> {
    let (primary, (filelists, other)) = rayon::join(
        || render("primary", pkgs, zstd, primary),
        || {
            rayon::join(
                || render("filelists", pkgs, zstd, filelists),
                || render("other", pkgs, zstd, other),
            )
        },
    );
    Ok(vec![primary?, filelists?, other?])
}

/// Hashes and counts what goes through it.
struct Open<W> {
    inner: W,
    sha: Sha256,
    size: u64,
}

impl<W: Write> Write for Open<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

enum Encoder {
    Gz(flate2::write::GzEncoder<Vec<u8>>),
    Zst(zstd::Encoder<'static, Vec<u8>>),
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Gz(e) => e.write(buf),
            Encoder::Zst(e) => e.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Gz(e) => e.flush(),
            Encoder::Zst(e) => e.flush(),
        }
    }
}

fn render(
    kind: &'static str,
    pkgs: &Pkgs<'_>,
    zstd: bool,
    one: fn(&mut String, &Record, &YumPackage),
) -> io::Result<Doc> {
    let enc = if zstd {
        Encoder::Zst(zstd::Encoder::new(Vec::new(), 0)?)
    } else {
        Encoder::Gz(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ))
    };
    let mut out = Open {
        inner: enc,
        sha: Sha256::new(),
        size: 0,
    };
    let n = pkgs.len();
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
    out.write_all(head.as_bytes())?;
    let mut buf = String::with_capacity(16 * 1024);
    for (r, y) in pkgs {
        buf.clear();
        one(&mut buf, r, y);
        out.write_all(buf.as_bytes())?;
    }
    let tail = match kind {
        "primary" => "</metadata>",
        "filelists" => "</filelists>",
        _ => "</otherdata>",
    };
    out.write_all(tail.as_bytes())?;
    let Open { inner, sha, size } = out;
    let bytes = match inner {
        Encoder::Gz(e) => e.finish()?,
        Encoder::Zst(e) => e.finish()?,
    };
    Ok(Doc {
        kind,
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes,
        open_sha256: hex::encode(sha.finalize()),
        open_size: size,
    })
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
        let _ = writeln!(out, "    <size>{}</size>", d.bytes.len());
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
