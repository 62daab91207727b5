//! Reads one RPM's lead and headers (never the payload) into a
//! [`YumPackage`], with createrepo_c's rules (`cr_package_from_header` in
//! `src/parsehdr.c`, 0.17):
//!
//! * dependency versions split by `cr_str_to_evr`: `E:V-R`, epoch `0` when
//!   absent, a dependency with a non-numeric epoch is dropped; `flags` from
//!   the comparison bits only (`cr_flag_to_str`);
//! * requires leave out `rpmlib(...)`, paths the package itself ships when
//!   they are "primary" files, anything the package provides with the same
//!   name, flags and version, and a repeat of the previous requirement of the
//!   same name; `pre` is set by `PREREQ`, `SCRIPT_PRE` or `SCRIPT_POST`;
//!   requires marked `MISSINGOK` become recommends (createrepo_c's
//!   `ENABLE_LEGACY_WEAKDEPS`, on in Fedora's and Debian's builds); only the
//!   highest `libc.so.6(...)` requirement is kept, and listed last;
//! * files typed `dir` by mode, `ghost` by `RPMFILE_GHOST`;
//! * the newest [`CHANGELOG_LIMIT`] changelog entries, oldest first, author
//!   trailing spaces removed, and entries with equal dates made distinct by
//!   adding one second to the older ones as createrepo_c does;
//! * header range: from the end of the padded signature header to the start
//!   of the payload (createrepo_c's `cr_get_header_byte_range`).
//!
//! A file without the lead magic, cut short in its headers or payload
//! (`RPMSIGTAG_SIZE`/`RPMSIGTAG_LONGSIZE` give header plus payload length),
//! or with unparsable headers, is an error naming it.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use omnipack_rpm::RpmError;
use rpm::{
    Dependency, DependencyFlags, FileFlags, FileType, IndexSignatureTag, IndexTag, PackageMetadata,
};

use super::{
    CHANGELOG_LIMIT, DepFlags, YumChangelog, YumDep, YumError, YumFile, YumFileKind, YumPackage,
    is_primary,
};

/// Reads what the metadata needs from an RPM's headers. The file's structure
/// (lead magic, headers, payload length from `RPMSIGTAG_SIZE`/`LONGSIZE`) is
/// checked by the RPM reader, [`omnipack_rpm::read_with_metadata`].
pub fn read_package(path: &Path) -> Result<YumPackage, YumError> {
    let (_, meta) = omnipack_rpm::read_with_metadata(path).map_err(|e| match e {
        RpmError::NotRpm { path } => YumError::NotRpm { path },
        RpmError::Truncated { path, detail } => YumError::Truncated { path, detail },
        RpmError::Read { path, source } => YumError::Io { path, source },
        other => YumError::Corrupt {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })?;
    from_package_metadata(&meta, path)
}

/// The yum data of an RPM whose headers are already parsed (the index scan
/// parses each package once, for both its [`omnipack_spec::PackageInfo`] and this).
pub fn from_package_metadata(meta: &PackageMetadata, path: &Path) -> Result<YumPackage, YumError> {
    let offsets = meta.get_package_segment_offsets();
    from_metadata(meta, offsets.header, offsets.payload).map_err(|e| YumError::Corrupt {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn text(r: Result<&str, rpm::Error>) -> String {
    r.map(str::to_owned).unwrap_or_default()
}

fn from_metadata(
    meta: &PackageMetadata,
    header_start: u64,
    header_end: u64,
) -> Result<YumPackage, rpm::Error> {
    let h = &meta.header;
    let arch = if meta.is_source_package() {
        "src".to_owned()
    } else {
        meta.get_arch()?.to_owned()
    };
    // createrepo_c reads RPMTAG_ARCHIVESIZE, which rpm fills from the
    // signature's PAYLOADSIZE when the main header lacks it.
    let archive_size = h
        .get_entry_data_as_u32(IndexTag::RPMTAG_ARCHIVESIZE)
        .map(u64::from)
        .or_else(|_| h.get_entry_data_as_u64(IndexTag::RPMTAG_LONGARCHIVESIZE))
        .or_else(|_| {
            meta.signature
                .get_entry_data_as_u32(IndexSignatureTag::RPMSIGTAG_PAYLOADSIZE)
                .map(u64::from)
        })
        .or_else(|_| {
            meta.signature
                .get_entry_data_as_u64(IndexSignatureTag::RPMSIGTAG_LONGARCHIVESIZE)
        })
        .unwrap_or(0);

    let mut files = Vec::new();
    meta.for_each_file_entry(|f| {
        let dir = f.dirname();
        let path = if dir.ends_with('/') {
            format!("{dir}{}", f.basename())
        } else {
            format!("{dir}/{}", f.basename())
        };
        let kind = if f.file_type() == FileType::Dir {
            YumFileKind::Dir
        } else if f.flags().contains(FileFlags::GHOST) {
            YumFileKind::Ghost
        } else {
            YumFileKind::File
        };
        if !f.basename().is_empty() {
            files.push(YumFile { path, kind });
        }
        Ok(())
    })?;

    let mut deps = Deps::default();
    // createrepo_c's order: provides first (requires are checked against them).
    for d in meta.get_provides()? {
        if let Some(y) = convert(&d, false) {
            deps.provided.insert(nfv(&d));
            deps.provides.push(y);
        }
    }
    deps.conflicts = convert_all(meta.get_conflicts()?);
    deps.obsoletes = convert_all(meta.get_obsoletes()?);
    let shipped: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    deps.requires(meta.get_requires()?, &shipped);
    deps.suggests = convert_all(meta.get_suggests()?);
    deps.enhances = convert_all(meta.get_enhances()?);
    deps.recommends.extend(convert_all(meta.get_recommends()?));
    deps.supplements = convert_all(meta.get_supplements()?);

    Ok(YumPackage {
        name: meta.get_name()?.to_owned(),
        arch,
        epoch: meta.get_epoch().unwrap_or(0),
        version: meta.get_version()?.to_owned(),
        release: meta.get_release()?.to_owned(),
        summary: text(meta.get_summary()),
        description: text(meta.get_description()),
        packager: text(meta.get_packager()),
        url: text(meta.get_url()),
        build_time: meta.get_build_time().unwrap_or(0),
        installed_size: meta.get_installed_size().unwrap_or(0),
        archive_size,
        license: text(meta.get_license()),
        vendor: text(meta.get_vendor()),
        group: text(meta.get_group()),
        buildhost: text(meta.get_build_host()),
        sourcerpm: text(meta.get_source_rpm()),
        header_start,
        header_end,
        provides: deps.provides,
        requires: deps.requires,
        conflicts: deps.conflicts,
        obsoletes: deps.obsoletes,
        suggests: deps.suggests,
        enhances: deps.enhances,
        recommends: deps.recommends,
        supplements: deps.supplements,
        files,
        changelogs: changelogs(meta)?,
    })
}

#[derive(Default)]
struct Deps {
    provided: HashSet<(String, Option<DepFlags>, String)>,
    provides: Vec<YumDep>,
    requires: Vec<YumDep>,
    conflicts: Vec<YumDep>,
    obsoletes: Vec<YumDep>,
    suggests: Vec<YumDep>,
    enhances: Vec<YumDep>,
    recommends: Vec<YumDep>,
    supplements: Vec<YumDep>,
}

impl Deps {
    fn requires(&mut self, reqs: Vec<Dependency>, shipped: &HashSet<&str>) {
        // The last requirement kept for each name: (flags, version, pre).
        let mut seen: HashMap<String, (Option<DepFlags>, String, bool)> = HashMap::new();
        let mut libc: Option<YumDep> = None;
        for d in reqs {
            if d.name.starts_with("rpmlib(") {
                continue;
            }
            if d.name.starts_with('/') && shipped.contains(d.name.as_str()) && is_primary(&d.name) {
                continue;
            }
            if self.provided.contains(&nfv(&d)) {
                continue;
            }
            let pre = d.flags.intersects(
                DependencyFlags::PREREQ
                    | DependencyFlags::SCRIPT_PRE
                    | DependencyFlags::SCRIPT_POST,
            );
            let flags = dep_flags(d.flags);
            if seen
                .get(&d.name)
                .is_some_and(|(f, v, p)| *f == flags && *v == d.version && *p == pre)
            {
                continue;
            }
            let Some(mut y) = convert(&d, pre) else {
                continue;
            };
            if d.flags.contains(DependencyFlags::MISSINGOK) {
                y.pre = false;
                self.recommends.push(y);
                continue;
            }
            if y.name.starts_with("libc.so.6") {
                if libc
                    .as_ref()
                    .is_none_or(|best| compare_libc(&best.name, &y.name) == LibcOrder::Second)
                {
                    libc = Some(y);
                }
                continue;
            }
            seen.insert(d.name.clone(), (flags, d.version.clone(), pre));
            self.requires.push(y);
        }
        self.requires.extend(libc);
    }
}

/// The provides key createrepo_c compares requires with: name, flags, full version.
fn nfv(d: &Dependency) -> (String, Option<DepFlags>, String) {
    (d.name.clone(), dep_flags(d.flags), d.version.clone())
}

fn dep_flags(f: DependencyFlags) -> Option<DepFlags> {
    match f.bits() & 0xf {
        2 => Some(DepFlags::LT),
        4 => Some(DepFlags::GT),
        8 => Some(DepFlags::EQ),
        10 => Some(DepFlags::LE),
        12 => Some(DepFlags::GE),
        _ => None,
    }
}

fn convert_all(deps: Vec<Dependency>) -> Vec<YumDep> {
    deps.iter().filter_map(|d| convert(d, false)).collect()
}

/// `cr_str_to_evr`; `None` when the epoch is not a number (createrepo_c
/// drops such a dependency with a warning).
fn convert(d: &Dependency, pre: bool) -> Option<YumDep> {
    let (epoch, ver, rel) = if d.version.is_empty() {
        (None, None, None)
    } else {
        let (epoch, rest) = match d.version.split_once(':') {
            Some((e, rest)) => {
                if !e.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (if e.is_empty() { "0" } else { e }, rest)
            }
            None => ("0", d.version.as_str()),
        };
        let (v, r) = match rest.split_once('-') {
            Some((v, r)) => (v, Some(r.to_owned())),
            None => (rest, None),
        };
        (Some(epoch.to_owned()), Some(v.to_owned()), r)
    };
    Some(YumDep {
        name: d.name.clone(),
        flags: dep_flags(d.flags),
        epoch,
        ver,
        rel,
        pre,
    })
}

#[derive(PartialEq)]
enum LibcOrder {
    NotSecond,
    Second,
}

/// `cr_compare_dependency`: whether the second `libc.so.6(...)` capability
/// is the higher one.
fn compare_libc(first: &str, second: &str) -> LibcOrder {
    use LibcOrder::{NotSecond, Second};
    let inner = |s: &str| -> Option<Option<String>> {
        let open = s.find('(')?;
        let rest = &s[open + 1..];
        let Some(close) = rest.find(')') else {
            return Some(None);
        };
        Some(Some(rest[..close].to_owned()))
    };
    let (a, b) = match (inner(first), inner(second)) {
        (None, None) => return NotSecond,
        (None, Some(_)) => return Second,
        (Some(_), None) => return NotSecond,
        (Some(a), Some(b)) => (a, b),
    };
    let (a, b) = match (a, b) {
        (None, None) => return NotSecond,
        (None, Some(_)) => return Second,
        (Some(_), None) => return NotSecond,
        (Some(a), Some(b)) => (a, b),
    };
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && !b.is_empty() {
            Second
        } else {
            NotSecond
        };
    }
    let num = |s: &str| {
        s.find(|c: char| c.is_ascii_digit())
            .map(|i| s[i..].to_owned())
    };
    match (num(&a), num(&b)) {
        (None, None) | (Some(_), None) => NotSecond,
        (None, Some(_)) => Second,
        (Some(a), Some(b)) => {
            if rpmvercmp(&a, &b) == Ordering::Less {
                Second
            } else {
                NotSecond
            }
        }
    }
}

/// rpm's `rpmvercmp` (`rpmio/rpmver.c`): alternating digit and letter
/// segments, digits compared numerically and newer than letters, `~` sorting
/// before anything and `^` after the end but before anything else.
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while let [c, rest @ ..] = a
            && sep(*c)
        {
            a = rest;
        }
        while let [c, rest @ ..] = b
            && sep(*c)
        {
            b = rest;
        }
        match (a.first(), b.first()) {
            (Some(b'~'), Some(b'~')) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (Some(b'~'), _) => return Ordering::Less,
            (_, Some(b'~')) => return Ordering::Greater,
            (Some(b'^'), Some(b'^')) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (Some(b'^'), None) => return Ordering::Greater,
            (None, Some(b'^')) => return Ordering::Less,
            (Some(b'^'), _) => return Ordering::Less,
            (_, Some(b'^')) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), _) => {
                let digits = x.is_ascii_digit();
                let class = |c: &u8| {
                    if digits {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                };
                let la = a.iter().take_while(|c| class(c)).count();
                let lb = b.iter().take_while(|c| class(c)).count();
                if lb == 0 {
                    // Different segment types: numeric is newer.
                    return if digits {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                let (sa, sb) = (&a[..la], &b[..lb]);
                a = &a[la..];
                b = &b[lb..];
                let ord = if digits {
                    let trim = |s: &[u8]| -> usize { s.iter().take_while(|c| **c == b'0').count() };
                    let (sa, sb) = (&sa[trim(sa)..], &sb[trim(sb)..]);
                    sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
                } else {
                    sa.cmp(sb)
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

fn changelogs(meta: &PackageMetadata) -> Result<Vec<YumChangelog>, rpm::Error> {
    let mut out: Vec<YumChangelog> = Vec::new();
    let mut last_time = 0u64;
    for e in meta.iter_changelog_entries()?.take(CHANGELOG_LIMIT) {
        // Trailing spaces only, and never the first character (parsehdr.c).
        let keep = e.name.trim_end_matches(' ').len().max(1.min(e.name.len()));
        let time = e.timestamp;
        out.push(YumChangelog {
            author: e.name[..keep].to_owned(),
            date: time,
            text: e.description,
        });
        // "If a previous entry has the same time, increment time of the
        // previous entry by one": walk back over the equal-dated ones.
        if last_time == time {
            for (t, prev) in (time..).zip(out.iter_mut().rev().skip(1)) {
                if prev.date != t {
                    break;
                }
                prev.date += 1;
            }
        } else {
            last_time = time;
        }
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, flags: DependencyFlags, version: &str) -> Dependency {
        Dependency {
            name: name.into(),
            flags,
            version: version.into(),
        }
    }

    #[test]
    fn versions_split_like_cr_str_to_evr() {
        let d = convert(&dep("a", DependencyFlags::GE, "2:1.0-3.el9"), false).unwrap();
        assert_eq!(
            (
                d.flags,
                d.epoch.as_deref(),
                d.ver.as_deref(),
                d.rel.as_deref()
            ),
            (Some(DepFlags::GE), Some("2"), Some("1.0"), Some("3.el9"))
        );
        let d = convert(&dep("a", DependencyFlags::LESS, "1.0"), false).unwrap();
        assert_eq!((d.epoch.as_deref(), d.rel), (Some("0"), None));
        assert!(convert(&dep("a", DependencyFlags::EQUAL, "x:1"), false).is_none());
        let d = convert(&dep("a", DependencyFlags::ANY, ""), false).unwrap();
        assert_eq!((d.flags, d.epoch, d.ver), (None, None, None));
    }

    #[test]
    fn requires_are_filtered_like_createrepo_c() {
        let mut deps = Deps::default();
        deps.provided
            .insert(nfv(&dep("self", DependencyFlags::EQUAL, "1")));
        let shipped: HashSet<&str> = ["/usr/bin/tool", "/opt/x"].into_iter().collect();
        deps.requires(
            vec![
                dep("rpmlib(PayloadIsZstd)", DependencyFlags::LE, "5.4.18-1"),
                dep("/usr/bin/tool", DependencyFlags::ANY, ""),
                dep("/opt/x", DependencyFlags::ANY, ""),
                dep("self", DependencyFlags::EQUAL, "1"),
                dep(
                    "bash",
                    DependencyFlags::GE | DependencyFlags::SCRIPT_PRE,
                    "4",
                ),
                dep(
                    "bash",
                    DependencyFlags::GE | DependencyFlags::SCRIPT_PRE,
                    "4",
                ),
                dep("libc.so.6(GLIBC_2.34)(64bit)", DependencyFlags::ANY, ""),
                dep("libc.so.6(GLIBC_2.4)(64bit)", DependencyFlags::ANY, ""),
                dep("weak", DependencyFlags::MISSINGOK, ""),
            ],
            &shipped,
        );
        let names: Vec<_> = deps
            .requires
            .iter()
            .map(|d| (d.name.as_str(), d.pre))
            .collect();
        assert_eq!(
            names,
            [
                ("/opt/x", false),
                ("bash", true),
                ("libc.so.6(GLIBC_2.34)(64bit)", false)
            ]
        );
        assert_eq!(deps.recommends[0].name, "weak");
    }

    #[test]
    fn rpmvercmp_orders_like_rpm() {
        assert_eq!(rpmvercmp("2.4", "2.34"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0a", "1.0.1"), Ordering::Less);
        assert_eq!(rpmvercmp("010", "10"), Ordering::Equal);
    }

    #[test]
    fn libc_ordering() {
        assert!(
            compare_libc("libc.so.6()(64bit)", "libc.so.6(GLIBC_2.4)(64bit)") == LibcOrder::Second
        );
        assert!(
            compare_libc("libc.so.6(GLIBC_2.14)", "libc.so.6(GLIBC_2.4)") == LibcOrder::NotSecond
        );
    }
}
