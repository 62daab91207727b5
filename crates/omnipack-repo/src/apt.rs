//! apt metadata for a flat repository (Flocker's layout, clients use
//! `deb URL /`): `Packages` (+ `.gz`, `.xz`), their by-hash copies, `Release`
//! and, with a key, `InRelease` and `Release.gpg`; or the same per
//! architecture under `dists/<suite>/<component>/binary-<arch>/` for a
//! `pool/` (clients use `deb URL SUITE COMPONENT`, [`write_dists`]).
//!
//! Formats, from <https://wiki.debian.org/DebianRepository/Format>:
//! * "Flat Repository Format": indexes sit beside the packages, `Filename` is
//!   resolved against the `deb URL /` base.
//! * `Packages` stanzas carry exactly what `dpkg-scanpackages .` (dpkg-dev
//!   1.21) writes: the control fields of the package, plus `Filename`, `Size`,
//!   `MD5sum`, `SHA1`, `SHA256`, ordered as Dpkg::Control's `CTRL_INDEX_PKG`
//!   output order (fields it does not know come last, sorted by name), and
//!   stanzas sorted by package name, then version (a plain string order, as
//!   dpkg-scanpackages sorts), then architecture. `Filename` is `./<rel>`,
//!   as `dpkg-scanpackages .` prints it.
//! * `Release`: `Origin`, `Label`, `Suite`, `Codename`, `Date` (RFC 2822,
//!   UTC), `Acquire-By-Hash`, `Architectures`, then the `MD5Sum`, `SHA1`,
//!   `SHA256`, `SHA512` sections of ` <digest> <size> <path>` lines, in the
//!   order apt-ftparchive writes them (apt ignores an index whose lines are
//!   malformed without an error, so the order and format are tested).
//! * "Acquire-By-Hash": every index is also stored as
//!   `by-hash/<MD5Sum|SHA1|SHA256|SHA512>/<digest>`, so a client holding an
//!   older `Release` still finds the files it names while a publish is under way.

use std::io::Write;

use md5::Digest;

use omnipack_core::Staging;
use omnipack_sign::{SignError, Signer};

use crate::record::Record;

/// Errors of the apt index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AptError {
    /// Writing a staged file failed.
    #[error("cannot write `{file}` under `{root}`: {source}")]
    Write {
        /// The index directory.
        root: std::path::PathBuf,
        /// The file, relative to it.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Compressing `Packages` failed.
    #[error("cannot compress `{file}`: {source}")]
    Compress {
        /// `Packages.gz` or `Packages.xz`.
        file: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A package's metadata cannot go into a `Packages` stanza.
    #[error("`{path}`: {reason}")]
    BadPackage {
        /// The package file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The component cannot be a directory under `dists/<suite>/`.
    #[error("`{0}` cannot be a component name")]
    BadComponent(String),
    /// The suite cannot be a directory under `dists/`.
    #[error("`{0}` cannot be a suite directory under dists/")]
    BadSuite(String),
    /// Only `Architecture: all` packages and no architectures named.
    #[error(
        "every package is `Architecture: all`, so there is no binary-<arch> index to put them in"
    )]
    NoArchitectures,
    /// Signing `Release` failed.
    #[error("cannot sign `Release`: {0}")]
    Sign(#[from] SignError),
}

impl AptError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<String> {
        let h = match self {
            AptError::BadPackage { .. } => "rebuild the package with a valid control file",
            AptError::BadComponent(_) => "use a plain word such as `main`",
            AptError::BadSuite(_) => "use a plain word such as `stable`",
            AptError::NoArchitectures => {
                "name the architectures clients use with --architectures amd64,arm64"
            }
            AptError::Sign(e) => return e.hint(),
            AptError::Write { .. } | AptError::Compress { .. } => return None,
        };
        Some(h.to_owned())
    }
}

/// `Date:` in RFC 2822 form, UTC, as apt-ftparchive writes it
/// (`Tue, 14 Nov 2023 22:13:20 UTC`).
fn release_date(secs: u64) -> String {
    omnipack_core::time::rfc2822(secs, "UTC")
}

/// `Release` fields and choices.
#[derive(Debug, Clone, Default)]
pub struct AptOptions {
    /// `Origin`.
    pub origin: Option<String>,
    /// `Label`.
    pub label: Option<String>,
    /// `Suite`.
    pub suite: Option<String>,
    /// `Codename`.
    pub codename: Option<String>,
    /// `Date` (seconds since the epoch).
    pub date: u64,
}

/// Dpkg::Control::FieldsCore's output order for `CTRL_INDEX_PKG` (dpkg 1.21),
/// lower-cased; what `dpkg-scanpackages` prints.
const INDEX_PKG_ORDER: &[&str] = &[
    "package",
    "package-type",
    "source",
    "version",
    "kernel-version",
    "built-for-profiles",
    "auto-built-package",
    "architecture",
    "subarchitecture",
    "installer-menu-item",
    "build-essential",
    "essential",
    "protected",
    "origin",
    "bugs",
    "maintainer",
    "installed-size",
    "pre-depends",
    "depends",
    "recommends",
    "suggests",
    "enhances",
    "conflicts",
    "breaks",
    "replaces",
    "provides",
    "built-using",
    "static-built-using",
    "filename",
    "size",
    "md5sum",
    "sha1",
    "sha256",
    "section",
    "priority",
    "multi-arch",
    "homepage",
    "description",
    "tag",
    "task",
];

/// Fields of the index that the package itself must not carry.
const INDEX_ONLY: &[&str] = &["filename", "size", "md5sum", "sha1", "sha256", "sha512"];

fn field<'a>(r: &'a Record, name: &str) -> Option<&'a str> {
    r.info.fields.get(name)
}

/// The full Debian version as the stanza prints it (for sorting).
fn version_of(r: &Record) -> std::borrow::Cow<'_, str> {
    match field(r, "Version") {
        Some(v) => v.into(),
        None => {
            let mut v = String::new();
            if let Some(e) = r.info.epoch {
                v.push_str(&format!("{e}:"));
            }
            v.push_str(&r.info.version);
            if !r.info.release.is_empty() {
                v.push('-');
                v.push_str(&r.info.release);
            }
            v.into()
        }
    }
}

fn name_of(r: &Record) -> &str {
    field(r, "Package").unwrap_or(&r.info.name)
}

fn arch_of(r: &Record) -> &str {
    field(r, "Architecture").unwrap_or(&r.info.arch)
}

/// dpkg-scanpackages' order (name, then version as a string), then
/// architecture and path so the output never depends on the input order:
/// the key each record sorts by (found once, not at every comparison).
fn stanza_key(r: &Record) -> (&str, std::borrow::Cow<'_, str>, &str, &str) {
    (name_of(r), version_of(r), arch_of(r), r.rel.as_str())
}

/// One `Field: value` line plus continuation lines, as Dpkg::Control writes
/// them: continuation lines start with one space, trailing blanks are
/// dropped, an empty line is written ` .` (Debian Policy §5.1, §5.6.13).
fn push_field(out: &mut String, name: &str, value: &str) {
    let mut lines = value.split('\n');
    let first = lines.next().unwrap_or("").trim();
    out.push_str(name);
    out.push(':');
    if !first.is_empty() {
        out.push(' ');
        out.push_str(first);
    }
    out.push('\n');
    for line in lines {
        let body = line.strip_prefix([' ', '\t']).unwrap_or(line).trim_end();
        // The value is already in control-file form (` .` for an empty
        // line); a blank continuation line would end the stanza.
        out.push(' ');
        out.push_str(if body.is_empty() { "." } else { body });
        out.push('\n');
    }
}

/// Where a field goes in a stanza: its place in dpkg's order, or after
/// them all (then by name).
fn rank(name: &str) -> usize {
    INDEX_PKG_ORDER
        .iter()
        .position(|f| f.eq_ignore_ascii_case(name))
        .unwrap_or(INDEX_PKG_ORDER.len())
}

/// Appends the stanza of `r` to `out`.
fn push_stanza(out: &mut String, r: &Record, flat: bool) {
    use std::fmt::Write as _;
    let rel = r.rel.trim_start_matches("./");
    let mut index = String::with_capacity(rel.len() + 200);
    let mut at = [0usize; 6];
    let _ = write!(index, "{}{rel}", if flat { "./" } else { "" });
    at[1] = index.len();
    let _ = write!(index, "{}", r.size);
    at[2] = index.len();
    if let Some(c) = r.md5 {
        let _ = write!(index, "{c}");
    }
    at[3] = index.len();
    if let Some(c) = r.sha1 {
        let _ = write!(index, "{c}");
    }
    at[4] = index.len();
    let _ = write!(index, "{}", r.sha256);
    at[5] = index.len();
    let piece = |i: usize| &index[at[i]..at[i + 1]];
    let mut fields: Vec<(usize, &str, &str)> = r
        .info
        .fields
        .iter()
        .filter(|(k, v)| {
            !INDEX_ONLY.iter().any(|f| f.eq_ignore_ascii_case(k)) && !v.trim().is_empty()
        })
        .map(|(k, v)| (rank(k), k, v))
        .collect();
    for (i, name) in ["Filename", "Size", "MD5sum", "SHA1", "SHA256"]
        .into_iter()
        .enumerate()
    {
        fields.push((rank(name), name, piece(i)));
    }
    // Known fields in dpkg's order, then unknown ones sorted by name (a
    // stable sort keeps the package's own order among equals).
    fields.sort_by(|a, b| match (a.0, b.0) {
        (x, y) if x < INDEX_PKG_ORDER.len() || y < INDEX_PKG_ORDER.len() => x.cmp(&y),
        _ => a.1.cmp(b.1),
    });
    for (_, k, v) in &fields {
        push_field(out, k, v);
    }
}

#[cfg(test)]
fn stanza(r: &Record, flat: bool) -> String {
    let mut out = String::new();
    push_stanza(&mut out, r, flat);
    out
}

/// The `Packages` text of a flat repository for `records`: one stanza
/// each, separated by blank lines, sorted by package name, version,
/// architecture; `Filename` is `./<rel>`.
pub fn packages_text(records: &[Record]) -> String {
    packages_text_of(records.iter(), true)
}

/// [`packages_text`] for the chosen records; `Filename` is `./<rel>` in a
/// flat repository and `<rel>` (`pool/...`) under `dists/`.
fn packages_text_of<'a>(records: impl Iterator<Item = &'a Record>, flat: bool) -> String {
    let mut sorted: Vec<_> = records.map(|r| (stanza_key(r), r)).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    // More than each stanza takes (its fields, 190 bytes of digests and
    // field names, its file name), so the text is never copied as it
    // grows; the pages of a large buffer that are never written are never
    // mapped in.
    let size: usize = sorted
        .iter()
        .map(|(_, r)| 2 * r.info.fields.packed_len() + r.rel.len() + 200)
        .sum();
    let mut out = String::with_capacity(size);
    for (i, (_, r)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        push_stanza(&mut out, r, flat);
    }
    out
}

/// The hashes of one index file.
struct Hashed {
    /// Its path relative to the directory of `Release`.
    name: String,
    bytes: Vec<u8>,
    md5: String,
    sha1: String,
    sha256: String,
    sha512: String,
}

impl Hashed {
    fn new(name: String, bytes: Vec<u8>) -> Hashed {
        Hashed {
            name,
            md5: omnipack_core::hex(&md5::Md5::digest(&bytes)),
            sha1: omnipack_core::hex(&sha1::Sha1::digest(&bytes)),
            sha256: omnipack_core::hex(&sha2::Sha256::digest(&bytes)),
            sha512: omnipack_core::hex(&sha2::Sha512::digest(&bytes)),
            bytes,
        }
    }

    /// `(Release section, by-hash directory, digest)` in apt-ftparchive's order.
    fn sums(&self) -> [(&'static str, &str); 4] {
        [
            ("MD5Sum", &self.md5),
            ("SHA1", &self.sha1),
            ("SHA256", &self.sha256),
            ("SHA512", &self.sha512),
        ]
    }
}

/// gzip -9 on every core in fixed blocks (`omnipack_archive::pgzip`): the
/// same bytes on any machine; a `Packages` of one block is plain gzip.
fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    omnipack_archive::pgzip::gzip(data, 9, omnipack_archive::default_threads())
}

/// Block size of the multithreaded xz encoder: fixed, so the bytes do not
/// depend on how many cores the machine has.
const XZ_BLOCK: u64 = 1 << 20;

/// The LZMA2 dictionary of `Packages.xz`. A `Packages` file repeats itself
/// from one stanza to the next, not across megabytes: on 10 000 stanzas
/// (4 MB) a 64 KiB dictionary gives a file 0.2 % larger than 1 MiB does
/// (784 028 against 782 620 bytes with `xz -6`), in half the time (the
/// binary-tree match finder walks a smaller window) and with 1 MiB of
/// match-finder tables per thread instead of 10.5 MiB.
const XZ_DICT: u32 = 64 << 10;

/// xz at preset 6 on every core, in 1 MiB blocks with a 64 KiB dictionary
/// ([`XZ_DICT`]): a large `Packages` compresses in parallel, and the bytes
/// of one under 64 KiB are what they were with a dictionary sized to the input.
fn xz(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let err = |e: liblzma::stream::Error| std::io::Error::other(format!("xz encoder: {e}"));
    let mut opts = liblzma::stream::LzmaOptions::new_preset(6).map_err(err)?;
    opts.dict_size(XZ_DICT);
    let mut filters = liblzma::stream::Filters::new();
    filters.lzma2(&opts);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    let stream = liblzma::stream::MtStreamBuilder::new()
        .filters(filters)
        .threads(threads)
        .block_size(XZ_BLOCK)
        .check(liblzma::stream::Check::Crc64)
        .encoder()
        .map_err(err)?;
    let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
    e.write_all(data)?;
    e.finish()
}

/// The `Release` text for the given index files; `components` only under `dists/`.
fn release_text(
    archs: &[String],
    components: Option<&str>,
    opts: &AptOptions,
    files: &[Hashed],
) -> String {
    let mut out = String::new();
    for (name, value) in [
        ("Origin", &opts.origin),
        ("Label", &opts.label),
        ("Suite", &opts.suite),
        ("Codename", &opts.codename),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            out.push_str(&format!("{name}: {v}\n"));
        }
    }
    out.push_str(&format!("Date: {}\n", release_date(opts.date)));
    out.push_str("Acquire-By-Hash: yes\n");
    if !archs.is_empty() {
        out.push_str(&format!("Architectures: {}\n", archs.join(" ")));
    }
    if let Some(c) = components {
        out.push_str(&format!("Components: {c}\n"));
    }
    for section in 0..4 {
        let title = files.first().map(|f| f.sums()[section].0).unwrap_or("");
        out.push_str(title);
        out.push_str(":\n");
        for f in files {
            let (_, digest) = f.sums()[section];
            out.push_str(&format!(" {digest} {} {}\n", f.bytes.len(), f.name));
        }
    }
    out
}

/// The `dists/` + `pool/` layout (`deb URL SUITE COMPONENT`): where the
/// indexes of one suite go and which architectures they cover.
#[derive(Debug, Clone, Default)]
pub struct Dists {
    /// The component (`main`).
    pub component: String,
    /// `binary-<arch>` indexes to write; empty: every architecture the
    /// packages name, other than `all`.
    pub architectures: Vec<String>,
}

impl Dists {
    /// The suite directory name: `Suite`, else `Codename`, else `stable`.
    pub fn suite(opts: &AptOptions) -> &str {
        opts.suite
            .as_deref()
            .or(opts.codename.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("stable")
    }
}

/// Refuses records that cannot go into a `Packages` stanza.
fn check_records(records: &[Record]) -> Result<(), AptError> {
    for r in records {
        if r.rel.is_empty() || r.rel.contains('\n') || r.rel.contains(' ') {
            return Err(AptError::BadPackage {
                path: r.path.clone(),
                reason: format!("its path `{}` cannot be an apt `Filename`", r.rel),
            });
        }
        for (k, v) in r.info.fields.iter() {
            if k.is_empty()
                || k.contains([':', ' ', '\n'])
                || v.split('\n').skip(1).any(|l| !l.starts_with([' ', '\t']))
            {
                return Err(AptError::BadPackage {
                    path: r.path.clone(),
                    reason: format!("control field `{k}` is malformed"),
                });
            }
        }
    }
    Ok(())
}

/// `Packages`, `Packages.gz` and `Packages.xz` under `dir` (`""` or
/// `main/binary-amd64/`), hashed.
fn compressed_set(dir: &str, packages: Vec<u8>) -> Result<[Hashed; 3], AptError> {
    // Both on every core: for a large `Packages` the two encoders share them.
    let (gz, xz) = rayon::join(|| gzip(&packages), || xz(&packages));
    let gz = gz.map_err(|source| AptError::Compress {
        file: "Packages.gz",
        source,
    })?;
    let xz = xz.map_err(|source| AptError::Compress {
        file: "Packages.xz",
        source,
    })?;
    Ok([
        Hashed::new(format!("{dir}Packages"), packages),
        Hashed::new(format!("{dir}Packages.gz"), gz),
        Hashed::new(format!("{dir}Packages.xz"), xz),
    ])
}

/// Stages the index files (each with its by-hash copies beside it), then
/// `Release`, `Release.gpg` and `InRelease`, all under `base` (`""` or
/// `dists/<suite>/`).
fn stage_all(
    base: &str,
    files: &[Hashed],
    release: String,
    signer: Option<&Signer>,
    out: &mut Staging,
) -> Result<(), AptError> {
    for f in files {
        let dir = f.name.rfind('/').map(|i| &f.name[..=i]).unwrap_or("");
        for (sum, digest) in f.sums() {
            stage_file(
                out,
                format!("{base}{dir}by-hash/{sum}/{digest}"),
                &f.bytes,
                false,
            )?;
        }
    }
    for f in files {
        stage_file(out, format!("{base}{}", f.name), &f.bytes, false)?;
    }
    // Signatures before the files they sign are renamed in would briefly
    // pair a new signature with an old Release; `Release` goes first, then
    // `Release.gpg`, then `InRelease` (what apt fetches first) last.
    let detached = signer.map(|s| s.detach(release.as_bytes())).transpose()?;
    let inrelease = signer.map(|s| s.clearsign(&release)).transpose()?;
    if signer.is_none() {
        // Unsigned: the signatures of the previous `Release` would not
        // match the new one. `InRelease` goes first (apt then falls back to
        // the old `Release` + `Release.gpg`, still a matching pair), then
        // `Release.gpg`, then the new `Release` appears.
        out.remove_top(&format!("{base}InRelease"));
        out.remove_top(&format!("{base}Release.gpg"));
    }
    stage_file(out, format!("{base}Release"), release.as_bytes(), true)?;
    if let Some(sig) = detached {
        stage_file(out, format!("{base}Release.gpg"), &sig, true)?;
    }
    if let Some(text) = inrelease {
        stage_file(out, format!("{base}InRelease"), text.as_bytes(), true)?;
    }
    Ok(())
}

/// Stages one file at `rel` (a top index when `top`: renamed in last).
fn stage_file(out: &mut Staging, rel: String, bytes: &[u8], top: bool) -> Result<(), AptError> {
    let r = if top {
        out.write_top(&rel, bytes)
    } else {
        out.write(&rel, bytes)
    };
    r.map_err(|source| AptError::Write {
        root: out.root().to_path_buf(),
        file: rel,
        source,
    })
}

/// Writes a flat repository's index for `records` into `out` (rooted at the
/// leaf): `Packages`, `Packages.gz`, `Packages.xz` and their by-hash copies via
/// [`Staging::write`]; `Release` and, with a signer, `Release.gpg` and
/// `InRelease` via [`Staging::write_top`], so they appear last.
pub fn write_flat(
    records: &[Record],
    opts: &AptOptions,
    signer: Option<&Signer>,
    out: &mut Staging,
) -> Result<(), AptError> {
    check_records(records)?;
    let packages = packages_text(records).into_bytes();
    let files = compressed_set("", packages)?;
    let mut archs: Vec<String> = records.iter().map(|r| arch_of(r).to_owned()).collect();
    archs.sort_unstable();
    archs.dedup();
    let release = release_text(&archs, None, opts, &files);
    stage_all("", &files, release, signer, out)
}

/// Writes the indexes of one suite of a `dists/` + `pool/` repository into
/// `out` (rooted at the archive root; `records`' `rel` are relative to it,
/// `pool/...`): `dists/<suite>/<component>/binary-<arch>/Packages{,.gz,.xz}`
/// with by-hash copies for each architecture, `Architecture: all` packages
/// in every one (as in Debian's archive), then `dists/<suite>/Release`,
/// `Release.gpg` and `InRelease`. Returns the architectures written.
pub fn write_dists(
    records: &[Record],
    opts: &AptOptions,
    dists: &Dists,
    signer: Option<&Signer>,
    out: &mut Staging,
) -> Result<Vec<String>, AptError> {
    check_records(records)?;
    let component = dists.component.trim();
    if component.is_empty() || component.contains(['/', ' ', '\n']) || component.starts_with('.') {
        return Err(AptError::BadComponent(component.to_owned()));
    }
    let suite = Dists::suite(opts);
    if suite.contains(['/', ' ', '\n']) || suite.starts_with('.') {
        return Err(AptError::BadSuite(suite.to_owned()));
    }
    let mut archs: Vec<String> = if dists.architectures.is_empty() {
        records
            .iter()
            .map(|r| arch_of(r).to_owned())
            .filter(|a| a != "all")
            .collect()
    } else {
        dists.architectures.clone()
    };
    archs.sort_unstable();
    archs.dedup();
    if archs.is_empty() {
        return Err(AptError::NoArchitectures);
    }
    let mut files = Vec::new();
    for arch in &archs {
        let chosen = records.iter().filter(|r| {
            let a = arch_of(r);
            a == arch || a == "all"
        });
        let packages = packages_text_of(chosen, false).into_bytes();
        files.extend(compressed_set(
            &format!("{component}/binary-{arch}/"),
            packages,
        )?);
    }
    let release = release_text(&archs, Some(component), opts, &files);
    stage_all(&format!("dists/{suite}/"), &files, release, signer, out)?;
    Ok(archs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnipack_spec::PackageInfo;

    fn record(fields: &[(&str, &str)], rel: &str) -> Record {
        let info = PackageInfo {
            format: omnipack_spec::Format::Deb,
            name: String::new(),
            version: String::new(),
            release: String::new(),
            epoch: None,
            arch: String::new(),
            summary: String::new(),
            description: String::new(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            depends: Vec::new(),
            provides: Vec::new(),
            conflicts: Vec::new(),
            installed_size: 0,
            scripts: Vec::new(),
            files: Vec::new(),
        };
        Record {
            path: rel.into(),
            rel: rel.into(),
            size: 1234,
            mtime: 0,
            md5: Some(crate::record::Checksum([0x6d; 16])),
            sha1: Some(crate::record::Checksum([0x51; 20])),
            sha256: crate::record::Checksum([0x52; 32]),
            info: (&info).into(),
            yum: None,
            origin: Default::default(),
        }
    }

    #[test]
    fn dates_are_rfc2822_utc() {
        assert_eq!(release_date(0), "Thu, 01 Jan 1970 00:00:00 UTC");
        assert_eq!(release_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 UTC");
        assert_eq!(release_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 UTC");
        assert_eq!(release_date(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 UTC");
    }

    #[test]
    fn stanza_follows_dpkg_scanpackages_order() {
        let r = record(
            &[
                ("Package", "hello"),
                ("Version", "1.0-1"),
                ("Architecture", "amd64"),
                ("Maintainer", "M <m@example.org>"),
                ("Installed-Size", "12"),
                ("Section", "misc"),
                ("Priority", "optional"),
                ("Homepage", "https://example.org"),
                ("Vendor", "V"),
                ("Provides", "hi"),
                ("Depends", "libc6"),
                ("Description", "short\n long line  \n .\n more"),
                ("License", "MIT"),
            ],
            "hello_1.0-1_amd64.deb",
        );
        let text = stanza(&r, true);
        let names: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(' '))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Package",
                "Version",
                "Architecture",
                "Maintainer",
                "Installed-Size",
                "Depends",
                "Provides",
                "Filename",
                "Size",
                "MD5sum",
                "SHA1",
                "SHA256",
                "Section",
                "Priority",
                "Homepage",
                "Description",
                "License",
                "Vendor"
            ]
        );
        assert!(
            text.contains("Filename: ./hello_1.0-1_amd64.deb\n"),
            "{text}"
        );
        assert!(
            text.contains("Description: short\n long line\n .\n more\n"),
            "{text}"
        );
    }

    #[test]
    fn stanzas_are_sorted_by_name_version_arch() {
        let rs = [
            record(
                &[
                    ("Package", "b"),
                    ("Version", "1"),
                    ("Architecture", "amd64"),
                ],
                "b1.deb",
            ),
            record(
                &[("Package", "a"), ("Version", "2"), ("Architecture", "i386")],
                "a2i.deb",
            ),
            record(
                &[
                    ("Package", "a"),
                    ("Version", "2"),
                    ("Architecture", "amd64"),
                ],
                "a2a.deb",
            ),
            record(
                &[
                    ("Package", "a"),
                    ("Version", "10"),
                    ("Architecture", "amd64"),
                ],
                "a10.deb",
            ),
        ];
        let text = packages_text(&rs);
        let files: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("Filename: ./"))
            .collect();
        // Versions compare as strings, as dpkg-scanpackages sorts them.
        assert_eq!(files, ["a10.deb", "a2a.deb", "a2i.deb", "b1.deb"]);
        assert!(text.contains("\n\nPackage: a\n"), "{text}");
        assert!(!text.ends_with("\n\n"));
    }

    #[test]
    fn release_lists_every_index_in_every_hash_section() {
        let t = tempfile::tempdir().unwrap();
        let rs = [
            record(
                &[
                    ("Package", "a"),
                    ("Version", "1"),
                    ("Architecture", "amd64"),
                ],
                "a.deb",
            ),
            record(
                &[("Package", "b"), ("Version", "1"), ("Architecture", "all")],
                "b.deb",
            ),
        ];
        let opts = AptOptions {
            origin: Some("Omnipack".into()),
            suite: Some("stable".into()),
            date: 1_700_000_000,
            ..AptOptions::default()
        };
        let mut s = Staging::new(t.path());
        write_flat(&rs, &opts, None, &mut s).unwrap();
        let order = s.commit().unwrap();
        assert_eq!(order.last().unwrap().file_name().unwrap(), "Release");
        let release = fs_err::read_to_string(t.path().join("Release")).unwrap();
        assert!(
            release.starts_with(
                "Origin: Omnipack\nSuite: stable\nDate: Tue, 14 Nov 2023 22:13:20 UTC\nAcquire-By-Hash: yes\nArchitectures: all amd64\nMD5Sum:\n"
            ),
            "{release}"
        );
        let sections: Vec<&str> = release.lines().filter(|l| l.ends_with(':')).collect();
        assert_eq!(sections, ["MD5Sum:", "SHA1:", "SHA256:", "SHA512:"]);
        for line in release.lines().filter(|l| l.starts_with(' ')) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let bytes = fs_err::read(t.path().join(parts[2])).unwrap();
            assert_eq!(parts[1], bytes.len().to_string(), "{line}");
        }
        let sha256 = omnipack_core::hex(&sha2::Sha256::digest(
            fs_err::read(t.path().join("Packages.xz")).unwrap(),
        ));
        assert!(t.path().join("by-hash/SHA256").join(&sha256).is_file());
        assert!(!t.path().join("InRelease").exists());
    }
}
