//! Reads a package's lead and headers (never its payload) into a
//! [`PackageInfo`], for `omnipack inspect` and repository indexing.
//!
//! The file's structure is checked first against its length, so a file that
//! is not an RPM or is cut short gets an error naming it rather than a parser
//! message: the lead magic (rpm's `lib/rpmlead.c`), the two header structures
//! (`hdrblobRead` in `lib/header.c`) and the header-plus-payload size recorded
//! in `RPMSIGTAG_SIZE` (1000) / `RPMSIGTAG_LONGSIZE` (270). Each header's
//! index and data store are checked entry by entry as rpm checks them
//! ([`crate::check`]), so the `rpm` crate never slices or allocates past them.
//! Memory for one package is about the size of its two headers, three times
//! (our copy, the crate's read buffer and its store), bounded by the file's
//! length and rpm's 256 MiB header limit; the payload is never read.
//!
//! Then the [`rpm`] crate parses the headers (a panic escaping it anyway
//! becomes this file's error). Packages from rpmbuild with MD5
//! (`RPMTAG_FILEDIGESTALGO` absent) or SHA-256 file digests read alike.
//!
//! `depends` leaves out `rpmlib(...)` requirements, which name features of rpm
//! itself rather than packages (as createrepo_c and `dnf repoquery --requires`
//! do), and lists a requirement once even when several scriptlets carry it.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use fs_err as fs;
use omnipack_spec::{Format, InfoFile, InfoFileKind, PackageInfo};
use rpm::{Dependency, FileType, IndexSignatureTag, IndexTag, PackageMetadata};

use crate::{RpmError, check, deps};

const LEAD_SIZE: u64 = 96;

/// Offsets of a package's parts, checked against the file's length.
pub(crate) struct Layout {
    /// The file's length.
    pub len: u64,
    /// Where the main header starts.
    pub header: u64,
    /// Where the payload starts (the main header's end).
    pub payload: u64,
}

fn read_err(path: &Path) -> impl Fn(std::io::Error) -> RpmError + '_ {
    move |source| RpmError::Read {
        path: path.to_path_buf(),
        source,
    }
}

fn read_at<R: Read + Seek>(
    file: &mut R,
    path: &Path,
    at: u64,
    buf: &mut [u8],
) -> Result<(), RpmError> {
    file.seek(SeekFrom::Start(at)).map_err(read_err(path))?;
    file.read_exact(buf).map_err(read_err(path))
}

/// Reads the header structure at `at`, checks it (see [`crate::check`]) and
/// returns where it ends. Nothing larger than the file is allocated: the
/// preamble's sizes are checked against the file's length before the index
/// and store are read.
fn header_end<R: Read + Seek>(
    file: &mut R,
    path: &Path,
    len: u64,
    at: u64,
    kind: check::Kind,
) -> Result<u64, RpmError> {
    let what = kind.what;
    if len < at + check::INTRO_SIZE {
        return Err(RpmError::Truncated {
            path: path.to_path_buf(),
            detail: format!("the file ends ({len} bytes) before the {what} starts"),
        });
    }
    let mut intro = [0u8; check::INTRO_SIZE as usize];
    read_at(file, path, at, &mut intro)?;
    if intro[..4] != check::HEADER_MAGIC {
        return Err(RpmError::Corrupt {
            path: path.to_path_buf(),
            message: format!("no {what} at byte {at} (bad header magic)"),
        });
    }
    let sizes = check::intro(&intro, kind).map_err(|message| RpmError::Corrupt {
        path: path.to_path_buf(),
        message,
    })?;
    let end = at + check::INTRO_SIZE + sizes.body();
    if len < end {
        return Err(RpmError::Truncated {
            path: path.to_path_buf(),
            detail: format!("the {what} needs {end} bytes but the file has {len}"),
        });
    }
    // Bounded by the file's length (checked just above) and rpm's limits.
    let mut body = vec![0u8; sizes.body() as usize];
    file.read_exact(&mut body).map_err(read_err(path))?;
    check::body(&body, sizes, kind).map_err(|message| RpmError::Corrupt {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(end)
}

fn layout<R: Read + Seek>(file: &mut R, len: u64, path: &Path) -> Result<Layout, RpmError> {
    let mut magic = [0u8; 4];
    if len >= 4 {
        read_at(file, path, 0, &mut magic)?;
    }
    if magic != [0xed, 0xab, 0xee, 0xdb] {
        return Err(RpmError::NotRpm {
            path: path.to_path_buf(),
        });
    }
    if len < LEAD_SIZE {
        return Err(RpmError::Truncated {
            path: path.to_path_buf(),
            detail: format!("the 96-byte lead is cut short at {len} bytes"),
        });
    }
    let sig_end = header_end(file, path, len, LEAD_SIZE, check::SIGNATURE)?;
    // The signature header is padded to a multiple of 8 bytes.
    let header = sig_end + (8 - sig_end % 8) % 8;
    let payload = header_end(file, path, len, header, check::MAIN)?;
    Ok(Layout {
        len,
        header,
        payload,
    })
}

/// The checked layout and parsed headers of the package in `file`
/// (`len` bytes), for the digest check.
pub(crate) fn layout_and_metadata<R: std::io::BufRead + Seek>(
    file: &mut R,
    len: u64,
    path: &Path,
) -> Result<(Layout, PackageMetadata), RpmError> {
    let l = layout(file, len, path)?;
    let (_, meta) = read_headers(file, len, path)?;
    Ok((l, meta))
}

fn corrupt(path: &Path) -> impl Fn(rpm::Error) -> RpmError + '_ {
    move |e| RpmError::Corrupt {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads `path`'s metadata and file list (for `inspect`: a package a
/// repository would refuse still reads).
pub(crate) fn read(path: &Path) -> Result<PackageInfo, RpmError> {
    let file = fs::File::open(path).map_err(read_err(path))?;
    let len = file.metadata().map_err(read_err(path))?.len();
    read_headers(&mut BufReader::new(file), len, path).map(|(info, _)| info)
}

/// Reads `path` once for a repository index, checking its structure (lead,
/// headers, payload length) and that dnf would accept its entry
/// ([`crate::indexable`]), and returns both the [`PackageInfo`] and the
/// parsed headers, for callers that need more of the header than
/// `PackageInfo` holds.
pub fn read_with_metadata(path: &Path) -> Result<(PackageInfo, PackageMetadata), RpmError> {
    let file = fs::File::open(path).map_err(read_err(path))?;
    let len = file.metadata().map_err(read_err(path))?.len();
    read_with_metadata_from(&mut BufReader::new(file), len, path)
}

/// [`read_with_metadata`] from an open reader of the package's `len` bytes
/// (a file, or the package already in memory: an index scan reads a small
/// package once, to hash and to parse); `path` names it in errors.
pub fn read_with_metadata_from<R: std::io::BufRead + Seek>(
    file: &mut R,
    len: u64,
    path: &Path,
) -> Result<(PackageInfo, PackageMetadata), RpmError> {
    let (info, meta) = read_headers(file, len, path)?;
    crate::indexable(&info, path)?;
    Ok((info, meta))
}

/// Checks the structure of the package in `file` (`len` bytes), then parses
/// its headers.
fn read_headers<R: std::io::BufRead + Seek>(
    file: &mut R,
    len: u64,
    path: &Path,
) -> Result<(PackageInfo, PackageMetadata), RpmError> {
    let layout = layout(file, len, path)?;
    file.rewind().map_err(read_err(path))?;
    // The headers are checked (`layout`): the `rpm` crate should not panic on
    // them. Should it still, the panic is this file's error, not the process's
    // end (defence in depth; the workspace keeps the default `panic = "unwind"`).
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse_checked(file, &layout, path)
    }));
    parsed.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(RpmError::Corrupt {
            path: path.to_path_buf(),
            message: format!("its headers made the RPM parser fail: {what}"),
        })
    })
}

/// Parses the headers of a file whose [`Layout`] is checked, then checks the
/// recorded payload size against the file's length.
fn parse_checked<R: std::io::BufRead + Seek>(
    file: &mut R,
    layout: &Layout,
    path: &Path,
) -> Result<(PackageInfo, PackageMetadata), RpmError> {
    let meta = PackageMetadata::parse(file).map_err(corrupt(path))?;

    // Header plus payload must all be there (rpm checks the same before installing).
    let len = layout.len;
    let recorded = meta
        .signature
        .get_entry_data_as_u32(IndexSignatureTag::RPMSIGTAG_SIZE)
        .map(u64::from)
        .or_else(|_| {
            meta.signature
                .get_entry_data_as_u64(IndexSignatureTag::RPMSIGTAG_LONGSIZE)
        });
    if let Ok(size) = recorded {
        let expected = layout.header + size;
        if len < expected {
            return Err(RpmError::Truncated {
                path: path.to_path_buf(),
                detail: format!("the payload is cut short: {len} of {expected} bytes"),
            });
        }
    }
    let info = info(&meta, path)?;
    Ok((info, meta))
}

fn opt_str(r: Result<&str, rpm::Error>) -> Option<String> {
    r.ok().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn render_all(
    deps: Result<Vec<Dependency>, rpm::Error>,
    path: &Path,
    skip_rpmlib: bool,
) -> Result<Vec<String>, RpmError> {
    let mut out: Vec<String> = Vec::new();
    for d in deps.map_err(corrupt(path))? {
        if skip_rpmlib && d.name.starts_with("rpmlib(") {
            continue;
        }
        let s = deps::render(&d.name, d.flags.bits(), &d.version);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD HH:MM:SS UTC` (rpm -qi prints the locale's format; this one is stable).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn info(meta: &PackageMetadata, path: &Path) -> Result<PackageInfo, RpmError> {
    let c = corrupt(path);
    let name = meta.get_name().map_err(&c)?.to_owned();
    let version = meta.get_version().map_err(&c)?.to_owned();
    let release = meta.get_release().map_err(&c)?.to_owned();
    let epoch = meta.get_epoch().ok();
    let arch = meta.get_arch().map_err(&c)?.to_owned();
    let summary = opt_str(meta.get_summary()).unwrap_or_default();
    let description = opt_str(meta.get_description()).unwrap_or_default();
    let installed_size = meta.get_installed_size().unwrap_or(0);

    // Display fields in `rpm -qi` order.
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            fields.push((k.to_owned(), v));
        }
    };
    add("Name", Some(name.clone()));
    add("Epoch", epoch.map(|e| e.to_string()));
    add("Version", Some(version.clone()));
    add("Release", Some(release.clone()));
    add("Architecture", Some(arch.clone()));
    add("Install Date", Some("(not installed)".to_owned()));
    add("Group", opt_str(meta.get_group()));
    add("Size", Some(installed_size.to_string()));
    add("License", opt_str(meta.get_license()));
    let signed = [
        IndexSignatureTag::RPMSIGTAG_OPENPGP,
        IndexSignatureTag::RPMSIGTAG_RSA,
        IndexSignatureTag::RPMSIGTAG_DSA,
        IndexSignatureTag::RPMSIGTAG_PGP,
        IndexSignatureTag::RPMSIGTAG_GPG,
    ]
    .into_iter()
    .any(|t| meta.signature.entry_is_present(t as u32));
    add(
        "Signature",
        Some(
            if signed {
                "(present, not verified)"
            } else {
                "(none)"
            }
            .to_owned(),
        ),
    );
    add("Source RPM", opt_str(meta.get_source_rpm()));
    add("Build Date", meta.get_build_time().ok().map(utc));
    add("Build Host", opt_str(meta.get_build_host()));
    add("Packager", opt_str(meta.get_packager()));
    add("Vendor", opt_str(meta.get_vendor()));
    add("URL", opt_str(meta.get_url()));
    add(
        "Bug URL",
        opt_str(
            meta.header
                .get_entry_data_as_string(IndexTag::RPMTAG_BUGURL),
        ),
    );
    add("Summary", Some(summary.clone()));

    let depends = render_all(meta.get_requires(), path, true)?;
    let provides = render_all(meta.get_provides(), path, false)?;
    let conflicts = render_all(meta.get_conflicts(), path, false)?;

    let script_tags = [
        (IndexTag::RPMTAG_PRETRANS, "%pretrans"),
        (IndexTag::RPMTAG_PREIN, "%pre"),
        (IndexTag::RPMTAG_POSTIN, "%post"),
        (IndexTag::RPMTAG_PREUN, "%preun"),
        (IndexTag::RPMTAG_POSTUN, "%postun"),
        (IndexTag::RPMTAG_POSTTRANS, "%posttrans"),
        (IndexTag::RPMTAG_VERIFYSCRIPT, "%verifyscript"),
    ];
    let scripts = script_tags
        .into_iter()
        .filter(|(t, _)| meta.header.entry_is_present(*t as u32))
        .map(|(_, n)| n.to_owned())
        .collect();

    let files = meta
        .get_file_entries()
        .map_err(&c)?
        .into_iter()
        .map(|f| {
            let kind = match f.mode().file_type() {
                FileType::Regular => InfoFileKind::File,
                FileType::Dir => InfoFileKind::Dir,
                FileType::SymbolicLink => InfoFileKind::Symlink,
                _ => InfoFileKind::Other,
            };
            let dir = f.dirname();
            let path = if dir.ends_with('/') {
                format!("{dir}{}", f.basename())
            } else {
                format!("{dir}/{}", f.basename())
            };
            InfoFile {
                path,
                kind,
                mode: u32::from(f.mode().permissions()),
                user: f.user().to_owned(),
                group: f.group().to_owned(),
                size: match kind {
                    InfoFileKind::Dir | InfoFileKind::Symlink => 0,
                    _ => f.size() as u64,
                },
                digest: f.digest().map(|d| d.as_hex().to_owned()),
                link_target: f.linkto().map(str::to_owned),
                config: f.flags().contains(rpm::FileFlags::CONFIG),
            }
        })
        .collect();

    Ok(PackageInfo {
        format: Format::Rpm,
        name,
        version,
        release,
        epoch,
        arch,
        summary,
        description,
        fields,
        depends,
        provides,
        conflicts,
        installed_size,
        scripts,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_formatted_without_a_time_zone_database() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
