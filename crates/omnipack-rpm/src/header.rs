//! The main header: every tag rpmbuild 4.18 writes for a binary package built
//! with `AutoReqProv: no`, from a [`PackageSpec`] and the streamed [`Payload`].
//!
//! Tag numbers and types are those of rpm's `include/rpm/rpmtag.h` (spelled
//! through [`rpm::IndexTag`]); what goes in them follows rpm's `build/pack.c`
//! (package tags, payload and `rpmlib()` requirements), `build/files.c` (file
//! tables, compressed file names) and `build/parsePreamble.c` (scriptlets).
//! The crate's `PackageBuilder` is not used because it reads every file into
//! memory; its `prepare_data` was the second reference for types and flags.
//!
//! Deliberate differences from rpmbuild: no `OPTFLAGS`, `COOKIE`, file colours
//! or classes (nothing installs differently without them), a fixed
//! `BUILDHOST` (`omnipack`) so packages are reproducible, and no
//! automatic `config(NAME)` dependencies (we generate no dependencies, like
//! rpmbuild with `AutoReqProv: no`).

use omnipack_spec::{Arch, Codec, Compression, FileEntry, FileKind, PackageSpec};
use rpm::{HeaderEntry, IndexData, IndexTag};

use crate::RpmError;
use crate::deps::{self, RpmDep};
use crate::fields::Extra;
use crate::payload::{Payload, st_mode};

/// Where rpmbuild marks files as documentation on its own (`%__docdir_path`
/// in rpm's `macros.in`): regular files under these directories get
/// `RPMFILE_DOC`, so `rpm --excludedocs` leaves them out.
const DOCDIR_PATH: &[&str] = &[
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/gtk-doc/html/",
    "/usr/share/gnome/help/",
    "/usr/share/javadoc/",
    "/usr/doc/",
    "/usr/man/",
    "/usr/info/",
    "/usr/X11R6/man/",
];

/// Whether `e` is documentation by its path, as rpmbuild decides.
fn is_doc(e: &omnipack_spec::FileEntry) -> bool {
    matches!(e.kind, FileKind::File(_)) && DOCDIR_PATH.iter().any(|d| e.path.starts_with(d))
}

/// `RPMFILE_CONFIG`.
pub(crate) const RPMFILE_CONFIG: u32 = 1;
/// `RPMFILE_DOC`.
pub(crate) const RPMFILE_DOC: u32 = 1 << 1;
/// `RPMFILE_NOREPLACE`.
pub(crate) const RPMFILE_NOREPLACE: u32 = 1 << 4;
/// `PGPHASHALGO_SHA256`, for `RPMTAG_FILEDIGESTALGO` and `RPMTAG_PAYLOADDIGESTALGO`.
const PGPHASHALGO_SHA256: u32 = 8;
/// `RPMTAG_BUILDHOST`: fixed, so the bytes do not depend on the machine.
pub(crate) const BUILD_HOST: &str = "omnipack";

/// The value of `RPMTAG_RPMVERSION` (informational only; rpm never reads it back).
pub(crate) fn rpm_version_tag() -> String {
    format!("omnipack {}", env!("CARGO_PKG_VERSION"))
}

/// The ISA suffix rpmbuild's `%{_isa}` gives an arch (`name(x86-64)` provides,
/// `addPackageProvides` in rpm's `build/pack.c`); none for `noarch`.
fn isa(arch: Arch) -> Option<&'static str> {
    match arch {
        Arch::All => None,
        Arch::X86_64 => Some("x86-64"),
        Arch::Aarch64 => Some("aarch-64"),
        Arch::I686 => Some("x86-32"),
        Arch::Armhf => Some("armv7hl-32"),
        Arch::Ppc64le => Some("ppc-64"),
        Arch::S390x => Some("s390-64"),
        Arch::Riscv64 => Some("riscv-64"),
    }
}

/// `[epoch:]version-release`, the EVR rpm uses for the package's own provide.
fn evr(spec: &PackageSpec) -> String {
    spec.full_version()
}

/// The interpreter and arguments of a scriptlet: its `#!` line if it has
/// one, else `/bin/sh` (what rpmbuild uses when no `-p` is given).
pub(crate) fn interpreter(script: &str) -> Vec<String> {
    if let Some(rest) = script.strip_prefix("#!") {
        let line = rest.lines().next().unwrap_or("");
        let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        if !words.is_empty() {
            return words;
        }
    }
    vec!["/bin/sh".to_owned()]
}

fn put(entries: &mut Vec<HeaderEntry>, tag: IndexTag, data: IndexData) {
    entries.push(HeaderEntry::new(tag as u32, data));
}

fn put_str(entries: &mut Vec<HeaderEntry>, tag: IndexTag, value: impl Into<String>) {
    put(entries, tag, IndexData::StringTag(value.into()));
}

/// Writes one dependency kind as its three arrays, if it has any entries.
fn put_deps(entries: &mut Vec<HeaderEntry>, tags: [IndexTag; 3], deps: Vec<RpmDep>) {
    if deps.is_empty() {
        return;
    }
    let [name_tag, flags_tag, version_tag] = tags;
    let mut names = Vec::with_capacity(deps.len());
    let mut flags = Vec::with_capacity(deps.len());
    let mut versions = Vec::with_capacity(deps.len());
    for d in deps {
        names.push(d.name);
        flags.push(d.flags);
        versions.push(d.version);
    }
    put(entries, name_tag, IndexData::StringArray(names));
    put(entries, flags_tag, IndexData::Int32(flags));
    put(entries, version_tag, IndexData::StringArray(versions));
}

/// `PAYLOADCOMPRESSOR`, the `rpmlib()` feature it needs, and `PAYLOADFLAGS`
/// (the level, as rpmbuild writes `w19.zstdio` → `19`). No compressor tag for
/// an uncompressed payload, as rpmbuild does for `w.ufdio`.
fn payload_tags(c: Compression) -> (Option<&'static str>, Option<RpmDep>, String) {
    let level = c.level_or_default().to_string();
    match c.codec {
        Codec::None => (None, None, String::new()),
        Codec::Gzip => (Some("gzip"), None, level),
        Codec::Xz => (
            Some("xz"),
            Some(RpmDep::rpmlib("PayloadIsXz", "5.2-1")),
            level,
        ),
        Codec::Zstd => (
            Some("zstd"),
            Some(RpmDep::rpmlib("PayloadIsZstd", "5.4.18-1")),
            level,
        ),
    }
}

/// Everything the header needs that is not in the spec.
#[derive(Debug)]
pub(crate) struct Contents<'a> {
    /// Entries in payload (= header) order: sorted by path bytes.
    pub entries: &'a [&'a FileEntry],
    /// `RPMTAG_FILESIZES` per entry.
    pub sizes: &'a [u64],
    /// The streamed payload.
    pub payload: &'a Payload,
    /// Its compression.
    pub compression: Compression,
    /// `source_date_epoch`, checked to fit RPM's 32-bit times.
    pub time: u32,
}

/// Builds the entries of the main header (region tag `RPMTAG_HEADERIMMUTABLE`
/// is added by [`rpm::Header::from_entries`]).
pub(crate) fn entries(
    spec: &PackageSpec,
    extra: &Extra,
    contents: &Contents<'_>,
) -> Result<Vec<HeaderEntry>, RpmError> {
    let mut h = Vec::new();
    let arch = spec.arch.rpm_name();
    let time = contents.time;

    // Package identity and description (rpmtag.h 100, 1000-1022, 1044, 1064, 1132, 5062).
    put(
        &mut h,
        IndexTag::RPMTAG_HEADERI18NTABLE,
        IndexData::StringArray(vec!["C".to_owned()]),
    );
    put_str(&mut h, IndexTag::RPMTAG_NAME, &spec.name);
    put_str(&mut h, IndexTag::RPMTAG_VERSION, &spec.version);
    put_str(&mut h, IndexTag::RPMTAG_RELEASE, &spec.release);
    if let Some(e) = spec.epoch {
        put(&mut h, IndexTag::RPMTAG_EPOCH, IndexData::Int32(vec![e]));
    }
    put(
        &mut h,
        IndexTag::RPMTAG_SUMMARY,
        IndexData::I18NString(vec![spec.summary.clone()]),
    );
    let description = if spec.description.trim().is_empty() {
        spec.summary.clone()
    } else {
        spec.description.clone()
    };
    put(
        &mut h,
        IndexTag::RPMTAG_DESCRIPTION,
        IndexData::I18NString(vec![description]),
    );
    put(
        &mut h,
        IndexTag::RPMTAG_BUILDTIME,
        IndexData::Int32(vec![time]),
    );
    put_str(&mut h, IndexTag::RPMTAG_BUILDHOST, BUILD_HOST);
    // rpmbuild switches to the 64-bit tag at UINT32_MAX (build/files.c).
    let total: u64 = contents.sizes.iter().sum();
    if total < u64::from(u32::MAX) {
        put(
            &mut h,
            IndexTag::RPMTAG_SIZE,
            IndexData::Int32(vec![total as u32]),
        );
    } else {
        put(
            &mut h,
            IndexTag::RPMTAG_LONGSIZE,
            IndexData::Int64(vec![total]),
        );
    }
    if let Some(d) = &extra.distribution {
        put_str(&mut h, IndexTag::RPMTAG_DISTRIBUTION, d);
    }
    if let Some(v) = extra.vendor.as_ref().or(spec.vendor.as_ref()) {
        put_str(&mut h, IndexTag::RPMTAG_VENDOR, v);
    }
    put_str(&mut h, IndexTag::RPMTAG_LICENSE, &spec.license);
    put_str(
        &mut h,
        IndexTag::RPMTAG_PACKAGER,
        extra.packager.as_ref().unwrap_or(&spec.maintainer),
    );
    let group = extra
        .group
        .clone()
        .or_else(|| spec.section.clone())
        .unwrap_or_else(|| "Unspecified".to_owned());
    put(
        &mut h,
        IndexTag::RPMTAG_GROUP,
        IndexData::I18NString(vec![group]),
    );
    if let Some(u) = extra.url.as_ref().or(spec.url.as_ref()) {
        put_str(&mut h, IndexTag::RPMTAG_URL, u);
    }
    put_str(&mut h, IndexTag::RPMTAG_OS, "linux");
    put_str(&mut h, IndexTag::RPMTAG_ARCH, arch);
    put_str(
        &mut h,
        IndexTag::RPMTAG_SOURCERPM,
        format!("{}-{}-{}.src.rpm", spec.name, spec.version, spec.release),
    );
    put_str(&mut h, IndexTag::RPMTAG_RPMVERSION, rpm_version_tag());
    put_str(
        &mut h,
        IndexTag::RPMTAG_PLATFORM,
        format!("{arch}-unknown-linux-gnu"),
    );
    put_str(&mut h, IndexTag::RPMTAG_ENCODING, "utf-8");
    if let Some(t) = &extra.disttag {
        put_str(&mut h, IndexTag::RPMTAG_DISTTAG, t);
    }
    if let Some(u) = &extra.bug_url {
        put_str(&mut h, IndexTag::RPMTAG_BUGURL, u);
    }
    if let Some(v) = &extra.vcs {
        put_str(&mut h, IndexTag::RPMTAG_VCS, v);
    }

    // Scriptlets (1023-1026 bodies, 1085-1088 interpreters) and their
    // interpreter requirements, flagged as rpmbuild does (`Requires(pre): /bin/sh`).
    let mut requires = deps::convert("depends", &spec.depends)?;
    let scripts = [
        (
            &spec.scripts.pre_install,
            IndexTag::RPMTAG_PREIN,
            IndexTag::RPMTAG_PREINPROG,
            deps::SCRIPT_PRE,
        ),
        (
            &spec.scripts.post_install,
            IndexTag::RPMTAG_POSTIN,
            IndexTag::RPMTAG_POSTINPROG,
            deps::SCRIPT_POST,
        ),
        (
            &spec.scripts.pre_remove,
            IndexTag::RPMTAG_PREUN,
            IndexTag::RPMTAG_PREUNPROG,
            deps::SCRIPT_PREUN,
        ),
        (
            &spec.scripts.post_remove,
            IndexTag::RPMTAG_POSTUN,
            IndexTag::RPMTAG_POSTUNPROG,
            deps::SCRIPT_POSTUN,
        ),
    ];
    for (script, body_tag, prog_tag, phase) in scripts {
        let Some(body) = script else { continue };
        let prog = interpreter(body);
        requires.push(RpmDep::new(prog[0].clone(), deps::INTERP | phase, ""));
        put_str(&mut h, body_tag, body.clone());
        // A single interpreter is a STRING, several words a STRING_ARRAY, as rpmbuild writes.
        let data = if prog.len() == 1 {
            IndexData::StringTag(prog[0].clone())
        } else {
            IndexData::StringArray(prog)
        };
        put(&mut h, prog_tag, data);
    }

    // File tables (1028-1118, 5011), in payload order.
    let n = contents.entries.len();
    if n > 0 {
        put_files(&mut h, contents, time);
    }
    put(
        &mut h,
        IndexTag::RPMTAG_FILEDIGESTALGO,
        IndexData::Int32(vec![PGPHASHALGO_SHA256]),
    );

    // Dependencies.
    let version = evr(spec);
    let mut provides = deps::convert("provides", &spec.provides)?;
    provides.push(RpmDep::new(spec.name.clone(), deps::EQUAL, version.clone()));
    if let Some(isa) = isa(spec.arch) {
        provides.push(RpmDep::new(
            format!("{}({isa})", spec.name),
            deps::EQUAL,
            version,
        ));
    }
    let conflicts = deps::convert("conflicts", &spec.conflicts)?;
    let obsoletes = deps::convert("obsoletes", &spec.obsoletes)?;
    let recommends = deps::convert("recommends", &spec.recommends)?;
    let suggests = deps::convert("suggests", &spec.suggests)?;

    // rpmlib() requirements for the features used (rpm's build/pack.c, build/reqprov.c).
    let (compressor, compressor_feature, payload_flags) = payload_tags(contents.compression);
    requires.push(RpmDep::rpmlib("CompressedFileNames", "3.0.4-1"));
    requires.push(RpmDep::rpmlib("FileDigests", "4.6.0-1"));
    requires.push(RpmDep::rpmlib("PayloadFilesHavePrefix", "4.0-1"));
    requires.extend(compressor_feature);
    let all = || {
        [
            &requires,
            &provides,
            &conflicts,
            &obsoletes,
            &recommends,
            &suggests,
        ]
        .into_iter()
        .flatten()
    };
    let rich = all().any(RpmDep::is_rich);
    let tilde = all().any(|d| d.version.contains('~'));
    let caret = all().any(|d| d.version.contains('^'));
    if rich {
        requires.push(RpmDep::rpmlib("RichDependencies", "4.12.0-1"));
    }
    if tilde {
        requires.push(RpmDep::rpmlib("TildeInVersions", "4.10.0-1"));
    }
    if caret {
        requires.push(RpmDep::rpmlib("CaretInVersions", "4.15.0-1"));
    }

    use IndexTag as T;
    let tags = |a, b, c| [a, b, c];
    put_deps(
        &mut h,
        tags(
            T::RPMTAG_PROVIDENAME,
            T::RPMTAG_PROVIDEFLAGS,
            T::RPMTAG_PROVIDEVERSION,
        ),
        deps::normalise(provides),
    );
    put_deps(
        &mut h,
        tags(
            T::RPMTAG_REQUIRENAME,
            T::RPMTAG_REQUIREFLAGS,
            T::RPMTAG_REQUIREVERSION,
        ),
        deps::normalise(requires),
    );
    put_deps(
        &mut h,
        tags(
            T::RPMTAG_CONFLICTNAME,
            T::RPMTAG_CONFLICTFLAGS,
            T::RPMTAG_CONFLICTVERSION,
        ),
        deps::normalise(conflicts),
    );
    put_deps(
        &mut h,
        tags(
            T::RPMTAG_OBSOLETENAME,
            T::RPMTAG_OBSOLETEFLAGS,
            T::RPMTAG_OBSOLETEVERSION,
        ),
        deps::normalise(obsoletes),
    );
    put_deps(
        &mut h,
        tags(
            T::RPMTAG_RECOMMENDNAME,
            T::RPMTAG_RECOMMENDFLAGS,
            T::RPMTAG_RECOMMENDVERSION,
        ),
        deps::normalise(recommends),
    );
    put_deps(
        &mut h,
        tags(
            T::RPMTAG_SUGGESTNAME,
            T::RPMTAG_SUGGESTFLAGS,
            T::RPMTAG_SUGGESTVERSION,
        ),
        deps::normalise(suggests),
    );

    // Payload description and digests (1124-1126, 5092, 5093, 5097).
    put_str(&mut h, IndexTag::RPMTAG_PAYLOADFORMAT, "cpio");
    if let Some(c) = compressor {
        put_str(&mut h, IndexTag::RPMTAG_PAYLOADCOMPRESSOR, c);
    }
    put_str(&mut h, IndexTag::RPMTAG_PAYLOADFLAGS, payload_flags);
    let p = contents.payload;
    put(
        &mut h,
        IndexTag::RPMTAG_PAYLOADSHA256,
        IndexData::StringArray(vec![p.compressed_sha256.clone()]),
    );
    put(
        &mut h,
        IndexTag::RPMTAG_PAYLOADSHA256ALGO,
        IndexData::Int32(vec![PGPHASHALGO_SHA256]),
    );
    put(
        &mut h,
        IndexTag::RPMTAG_PAYLOADSHA256ALT,
        IndexData::StringArray(vec![p.archive_sha256.clone()]),
    );
    Ok(h)
}

/// The per-file arrays and the compressed file names (`RPMTAG_DIRINDEXES`
/// 1116, `RPMTAG_BASENAMES` 1117, `RPMTAG_DIRNAMES` 1118; every dirname ends in `/`).
fn put_files(h: &mut Vec<HeaderEntry>, contents: &Contents<'_>, time: u32) {
    let entries = contents.entries;
    let n = entries.len();
    let split = |path: &str| -> (String, String) {
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
        (format!("{dir}/"), base.to_owned())
    };
    let mut dirnames: Vec<String> = entries.iter().map(|e| split(&e.path).0).collect();
    dirnames.sort();
    dirnames.dedup();

    let mut modes = Vec::with_capacity(n);
    let mut linktos = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    let mut groups = Vec::with_capacity(n);
    let mut dirindexes = Vec::with_capacity(n);
    let mut basenames = Vec::with_capacity(n);
    for e in entries {
        // st_mode fits 16 bits: type bits 0o170000 plus 0o7777.
        modes.push(st_mode(e) as u16);
        linktos.push(match &e.kind {
            FileKind::Symlink(t) => t.clone(),
            _ => String::new(),
        });
        flags.push(match e.config {
            Some(c) if c.noreplace => RPMFILE_CONFIG | RPMFILE_NOREPLACE,
            Some(_) => RPMFILE_CONFIG,
            None if is_doc(e) => RPMFILE_DOC,
            None => 0,
        });
        users.push(e.user.clone());
        groups.push(e.group.clone());
        let (dir, base) = split(&e.path);
        // The dirname was collected from these entries, so it is always found.
        dirindexes.push(dirnames.binary_search(&dir).unwrap_or(0) as u32);
        basenames.push(base);
    }
    let sizes: Vec<u32> = contents.sizes.iter().map(|&s| s as u32).collect();

    put(h, IndexTag::RPMTAG_FILESIZES, IndexData::Int32(sizes));
    put(h, IndexTag::RPMTAG_FILEMODES, IndexData::Int16(modes));
    put(h, IndexTag::RPMTAG_FILERDEVS, IndexData::Int16(vec![0; n]));
    put(
        h,
        IndexTag::RPMTAG_FILEMTIMES,
        IndexData::Int32(vec![time; n]),
    );
    put(
        h,
        IndexTag::RPMTAG_FILEDIGESTS,
        IndexData::StringArray(contents.payload.digests.clone()),
    );
    put(
        h,
        IndexTag::RPMTAG_FILELINKTOS,
        IndexData::StringArray(linktos),
    );
    put(h, IndexTag::RPMTAG_FILEFLAGS, IndexData::Int32(flags));
    put(
        h,
        IndexTag::RPMTAG_FILEUSERNAME,
        IndexData::StringArray(users),
    );
    put(
        h,
        IndexTag::RPMTAG_FILEGROUPNAME,
        IndexData::StringArray(groups),
    );
    // RPMVERIFY_ALL: verify everything (rpmbuild's default without %verify).
    put(
        h,
        IndexTag::RPMTAG_FILEVERIFYFLAGS,
        IndexData::Int32(vec![u32::MAX; n]),
    );
    put(
        h,
        IndexTag::RPMTAG_FILEDEVICES,
        IndexData::Int32(vec![1; n]),
    );
    put(
        h,
        IndexTag::RPMTAG_FILEINODES,
        IndexData::Int32((1..=n as u32).collect()),
    );
    put(
        h,
        IndexTag::RPMTAG_FILELANGS,
        IndexData::StringArray(vec![String::new(); n]),
    );
    put(h, IndexTag::RPMTAG_DIRINDEXES, IndexData::Int32(dirindexes));
    put(
        h,
        IndexTag::RPMTAG_BASENAMES,
        IndexData::StringArray(basenames),
    );
    put(
        h,
        IndexTag::RPMTAG_DIRNAMES,
        IndexData::StringArray(dirnames),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scriptlet_interpreter_comes_from_the_shebang() {
        assert_eq!(interpreter("echo hi\n"), ["/bin/sh"]);
        assert_eq!(
            interpreter("#!/bin/bash -e\necho hi\n"),
            ["/bin/bash", "-e"]
        );
        assert_eq!(interpreter("#!\necho\n"), ["/bin/sh"]);
    }

    #[test]
    fn payload_tags_follow_rpmbuild() {
        let (c, f, l) = payload_tags("zstd:19".parse().unwrap());
        assert_eq!((c, l.as_str()), (Some("zstd"), "19"));
        assert_eq!(f.unwrap().name, "rpmlib(PayloadIsZstd)");
        let (c, f, l) = payload_tags("none".parse().unwrap());
        assert_eq!((c, f, l.as_str()), (None, None, ""));
        assert_eq!(payload_tags(Compression::default()).2, "6");
    }
}
