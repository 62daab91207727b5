//! Reads a .deb back: the control stanza, `md5sums`, `conffiles`, script names
//! and the data.tar file list. Works on packages from dpkg-deb as well as ours
//! (any of gzip/xz/zstd/uncompressed members, with or without `./` names).

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read};
use std::path::Path;

use fs_err as fs;
use omnipack_archive::Decoder;
use omnipack_spec::{Codec, Format, InfoFile, InfoFileKind, PackageInfo};

use crate::{ControlFields, DebError};

#[derive(Default)]
struct Control {
    fields: ControlFields,
    md5sums: HashMap<String, String>,
    conffiles: HashSet<String>,
    scripts: Vec<String>,
}

fn normalise(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let s = s
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    format!("/{s}")
}

fn codec(path: &Path, member: &str) -> Result<Codec, DebError> {
    Decoder::<&[u8]>::codec_for_name(member).ok_or_else(|| DebError::Corrupt {
        path: path.to_path_buf(),
        member: member.to_owned(),
        reason: "unknown compression".into(),
    })
}

/// The "damaged member" error for `member` of `path`.
fn corrupt_in<'a>(path: &'a Path, member: &'a str) -> impl Fn(String) -> DebError + 'a {
    move |reason| DebError::Corrupt {
        path: path.to_path_buf(),
        member: member.to_owned(),
        reason,
    }
}

/// A tar reader over a compressed member, its codec taken from the member's name.
fn open_tar<R: Read>(
    path: &Path,
    member: &str,
    data: R,
) -> Result<tar::Archive<Decoder<BufReader<R>>>, DebError> {
    let dec = Decoder::new(BufReader::new(data), codec(path, member)?)
        .map_err(|e| corrupt_in(path, member)(e.to_string()))?;
    Ok(tar::Archive::new(dec))
}

/// The most a control member may unpack to, all its files together (dpkg's
/// own are kilobytes; `md5sums` of a package with 100 000 files is about 10 MB):
/// a compressed member that expands past it is refused before it fills memory.
pub(crate) const CONTROL_UNPACKED_MAX: u64 = 64 * 1024 * 1024;

/// A reader that fails once more than `left` bytes have come through it.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other(format!(
                "it unpacks to more than {CONTROL_UNPACKED_MAX} bytes"
            ))
        })?;
        Ok(n)
    }
}

fn read_control(path: &Path, member: &str, data: impl Read) -> Result<Control, DebError> {
    let corrupt = corrupt_in(path, member);
    let dec = Decoder::new(BufReader::new(data), codec(path, member)?)
        .map_err(|e| corrupt(e.to_string()))?;
    let mut tar = tar::Archive::new(Bounded {
        inner: dec,
        left: CONTROL_UNPACKED_MAX,
    });
    let mut c = Control::default();
    let mut found = false;
    for entry in tar.entries().map_err(|e| corrupt(e.to_string()))? {
        let mut entry = entry.map_err(|e| corrupt(e.to_string()))?;
        let name = normalise(&entry.path_bytes());
        let mut text = String::new();
        if entry.header().entry_type().is_file() {
            entry
                .read_to_string(&mut text)
                .map_err(|e| corrupt(format!("{name}: {e}")))?;
        }
        match name.as_str() {
            "/control" => {
                c.fields =
                    ControlFields::parse(&text).map_err(|e| corrupt(format!("control: {e}")))?;
                found = true;
            }
            "/md5sums" => {
                for line in text.lines() {
                    if let Some((sum, p)) = line.split_once(char::is_whitespace) {
                        c.md5sums
                            .insert(format!("/{}", p.trim_start()), sum.to_owned());
                    }
                }
            }
            "/conffiles" => {
                c.conffiles = text.lines().map(|l| l.trim().to_owned()).collect();
            }
            "/preinst" | "/postinst" | "/prerm" | "/postrm" | "/config" | "/triggers" => {
                c.scripts.push(name[1..].to_owned());
            }
            _ => {}
        }
    }
    if !found {
        return Err(corrupt("no `control` file".into()));
    }
    Ok(c)
}

fn read_data(
    path: &Path,
    member: &str,
    data: impl Read,
    c: &Control,
) -> Result<Vec<InfoFile>, DebError> {
    let corrupt = corrupt_in(path, member);
    let mut tar = open_tar(path, member, data)?;
    let mut files = Vec::new();
    for entry in tar.entries().map_err(|e| corrupt(e.to_string()))? {
        let entry = entry.map_err(|e| corrupt(e.to_string()))?;
        let h = entry.header();
        let p = normalise(&entry.path_bytes());
        let kind = match h.entry_type() {
            t if t.is_file() => InfoFileKind::File,
            t if t.is_dir() => InfoFileKind::Dir,
            t if t.is_symlink() => InfoFileKind::Symlink,
            _ => InfoFileKind::Other,
        };
        let link_target = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let user = h.username().ok().flatten().unwrap_or("").to_owned();
        let group = h.groupname().ok().flatten().unwrap_or("").to_owned();
        files.push(InfoFile {
            digest: c.md5sums.get(&p).cloned(),
            config: c.conffiles.contains(&p),
            mode: h.mode().map_err(|e| corrupt(e.to_string()))? & 0o7777,
            size: if kind == InfoFileKind::File {
                entry.size()
            } else {
                0
            },
            path: p,
            kind,
            user,
            group,
            link_target,
        });
    }
    Ok(files)
}

fn relations(f: &ControlFields, name: &str) -> Vec<String> {
    f.get(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Walks the ar member headers (deb(5), ar(5): 60-byte headers, sizes in
/// decimal, data padded to even length) without reading the data, and checks
/// that every member lies inside the file and the last one ends exactly where
/// the file does: a truncated package is caught without decompressing its
/// payload, and the `ar` crate, which runs next, never meets a size larger
/// than the file. Member names are plain (deb(5)): the GNU (`/`, `//`, `/N`)
/// and BSD (`#1/N`) extended names, whose tables that crate allocates and
/// indexes as the header says, are refused.
fn check_members(path: &Path) -> Result<(), DebError> {
    use std::io::{Seek, SeekFrom};
    let corrupt = |reason: String| DebError::Corrupt {
        path: path.to_path_buf(),
        member: "ar".into(),
        reason,
    };
    let mut f = fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut pos = 8u64;
    let mut members = 0;
    while pos < len {
        let mut h = [0u8; 60];
        f.seek(SeekFrom::Start(pos))?;
        f.read_exact(&mut h).map_err(|_| {
            corrupt(format!(
                "member header at byte {pos} is cut short (truncated file?)"
            ))
        })?;
        let size = member_size(&h, pos, &corrupt)?;
        // At most 10 decimal digits: no overflow.
        let end = pos + 60 + size;
        if end > len {
            return Err(corrupt(format!(
                "member at byte {pos} claims {size} bytes, past the end of the file ({len} bytes; truncated file?)"
            )));
        }
        pos = end + (size % 2);
        members += 1;
    }
    // The last member's padding byte may be missing in some writers.
    if pos != len && pos != len + 1 {
        return Err(corrupt(format!(
            "the members need {pos} bytes but the file has {len} (truncated file?)"
        )));
    }
    if members < 3 {
        return Err(corrupt(format!(
            "only {members} members, where a .deb has at least 3"
        )));
    }
    Ok(())
}

/// The size of the ar member whose 60-byte header `h` starts at byte `pos`,
/// after the checks both readers make (the full one here and the index's
/// one-pass `IndexReader`): the header's end marker, a decimal size (at
/// most 10 digits: no overflow), and no GNU (`/`, `//`, `/N`) or BSD
/// (`#1/N`) extended name, which a .deb does not use.
pub(crate) fn member_size(
    h: &[u8],
    pos: u64,
    corrupt: &dyn Fn(String) -> DebError,
) -> Result<u64, DebError> {
    if &h[58..60] != b"`\n" {
        return Err(corrupt(format!("bad member header at byte {pos}")));
    }
    let size: u64 = std::str::from_utf8(&h[48..58])
        .ok()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(format!("bad member size at byte {pos}")))?;
    if h[0] == b'/' || h.starts_with(b"#1/") {
        return Err(corrupt(format!(
            "member at byte {pos} has an extended name (`{}`), which a .deb does not use",
            String::from_utf8_lossy(&h[..16]).trim_end()
        )));
    }
    Ok(size)
}

/// Reads `path` as a .deb.
pub(crate) fn read(path: &Path) -> Result<PackageInfo, DebError> {
    read_with(path, true)
}

/// Reads `path` as a .deb; without `files`, stops after the control member
/// (what a repository index needs), leaving the file list empty.
pub(crate) fn read_with(path: &Path, with_files: bool) -> Result<PackageInfo, DebError> {
    let mut file = fs::File::open(path)?;
    let mut head = [0u8; 8];
    let n = file.read(&mut head)?;
    if Format::sniff(&head[..n]) != Some(Format::Deb) {
        return Err(DebError::NotDeb {
            path: path.to_path_buf(),
            reason: "it does not start with the `!<arch>` magic".into(),
        });
    }
    drop(file);
    check_members(path)?;
    let file = fs::File::open(path)?;
    let mut ar = ar::Archive::new(BufReader::new(file));
    let corrupt = |member: &str, reason: String| DebError::Corrupt {
        path: path.to_path_buf(),
        member: member.to_owned(),
        reason,
    };
    let mut control: Option<Control> = None;
    let mut files: Option<Vec<InfoFile>> = None;
    let mut index = 0;
    while let Some(entry) = ar.next_entry() {
        let entry = entry.map_err(|e| corrupt("ar", e.to_string()))?;
        let name = String::from_utf8_lossy(entry.header().identifier())
            .trim_end_matches('/')
            .to_owned();
        if index == 0 && name != "debian-binary" {
            return Err(DebError::NotDeb {
                path: path.to_path_buf(),
                reason: format!(
                    "an ar archive whose first member is `{name}`, not `debian-binary`"
                ),
            });
        }
        index += 1;
        if name.starts_with("control.tar") {
            control = Some(read_control(path, &name, entry)?);
            if !with_files {
                files = Some(Vec::new());
                break;
            }
        } else if name.starts_with("data.tar") {
            let c = control
                .as_ref()
                .ok_or_else(|| corrupt(&name, "data member comes before control".into()))?;
            files = Some(read_data(path, &name, entry, c)?);
        }
    }
    let c = control.ok_or_else(|| corrupt("control.tar", "missing (truncated file?)".into()))?;
    let files = files.ok_or_else(|| corrupt("data.tar", "missing (truncated file?)".into()))?;
    Ok(package_info(c.fields, c.scripts, files))
}

/// A Debian version's parts: epoch, upstream version, revision (empty
/// when there is none), as `[epoch:]upstream[-revision]` splits (Debian
/// Policy §5.6.12).
pub fn split_version(full: &str) -> (Option<u32>, &str, &str) {
    let (epoch, rest) = match full.split_once(':') {
        Some((e, r)) => (e.parse().ok(), r),
        None => (None, full),
    };
    let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
    (epoch, version, release)
}

/// The [`PackageInfo`] of a package with these control fields, scripts and files.
pub(crate) fn package_info(
    fields: ControlFields,
    scripts: Vec<String>,
    files: Vec<InfoFile>,
) -> PackageInfo {
    let f = &fields;
    let (epoch, version, release) = split_version(f.get("Version").unwrap_or_default());
    let desc = f.get("Description").unwrap_or_default();
    let (summary, long) = desc.split_once('\n').unwrap_or((desc, ""));
    let long: Vec<&str> = long
        .lines()
        .map(|l| {
            let l = l.strip_prefix(' ').unwrap_or(l);
            if l == "." { "" } else { l }
        })
        .collect();
    PackageInfo {
        format: Format::Deb,
        name: f.get("Package").unwrap_or_default().to_owned(),
        version: version.to_owned(),
        release: release.to_owned(),
        epoch,
        arch: f.get("Architecture").unwrap_or_default().to_owned(),
        summary: summary.to_owned(),
        description: long.join("\n"),
        depends: relations(f, "Depends"),
        provides: relations(f, "Provides"),
        conflicts: relations(f, "Conflicts"),
        installed_size: f
            .get("Installed-Size")
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024,
        scripts,
        fields: fields.0,
        files,
    }
}

/// What [`verify`] checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebVerifyReport {
    /// Files of data.tar whose MD5 matched their `md5sums` line.
    pub md5sums_checked: usize,
    /// Regular files of data.tar that `md5sums` does not list.
    pub md5sums_missing: usize,
    /// The members read to their end (every compressed stream's own check,
    /// gzip's CRC-32, xz's and zstd's checksums, passed).
    pub members: Vec<String>,
}

/// Reads every member of the .deb at `path` to its end, as `dpkg --unpack`
/// would (each compression stream's own checksum is checked), and each
/// data file against its `md5sums` line (as `debsums` and `dpkg --verify`
/// do). An error names the member or file that does not match.
pub fn verify(path: &Path) -> Result<DebVerifyReport, DebError> {
    read_with(path, false)?;
    let file = fs::File::open(path)?;
    let mut ar = ar::Archive::new(BufReader::new(file));
    let mut control: Option<Control> = None;
    let mut report = DebVerifyReport::default();
    while let Some(entry) = ar.next_entry() {
        let entry = entry.map_err(|e| corrupt_in(path, "ar")(e.to_string()))?;
        let name = String::from_utf8_lossy(entry.header().identifier())
            .trim_end_matches('/')
            .to_owned();
        let corrupt = corrupt_in(path, &name);
        if name.starts_with("control.tar") {
            control = Some(read_control(path, &name, entry)?);
        } else if name.starts_with("data.tar") {
            let sums = control.as_ref().map(|c| &c.md5sums);
            let mut tar = open_tar(path, &name, entry)?;
            for e in tar.entries().map_err(|e| corrupt(e.to_string()))? {
                let mut e = e.map_err(|e| corrupt(e.to_string()))?;
                if !e.header().entry_type().is_file() {
                    continue;
                }
                let p = normalise(&e.path_bytes());
                let mut h =
                    omnipack_core::hash::HashingWriter::new(std::io::sink(), true, false, false);
                std::io::copy(&mut e, &mut h).map_err(|e| corrupt(format!("{p}: {e}")))?;
                let md5 = h.take_digests().md5_hex().unwrap_or_default();
                match sums.and_then(|s| s.get(&p)) {
                    Some(want) if !want.eq_ignore_ascii_case(&md5) => {
                        return Err(corrupt(format!(
                            "`{p}` does not match its md5sums line (recorded {want}, computed {md5})"
                        )));
                    }
                    Some(_) => report.md5sums_checked += 1,
                    None => report.md5sums_missing += 1,
                }
            }
            // The rest of the stream: the compressor's own trailer and check.
            std::io::copy(&mut tar.into_inner(), &mut std::io::sink())
                .map_err(|e| corrupt(e.to_string()))?;
        } else {
            let mut entry = entry;
            std::io::copy(&mut entry, &mut std::io::sink()).map_err(|e| corrupt(e.to_string()))?;
        }
        report.members.push(name.clone());
    }
    Ok(report)
}
