//! The bundle manifest: Crowbar's `crowbar.yml`, read as-is, or `bundle.yml`
//! with the same schema.
//!
//! Two readings of one text: a typed one (the fields Crowbar's
//! `barclamp_install.rb`, `package_barclamp.sh` and the build scripts use)
//! deserialised straight from the YAML so a wrong field is reported with its
//! key path, line and column, and an untyped [`serde_yaml_ng::Value`] of the
//! whole document, which keeps every key, known or not, for writing the
//! manifest back. Unknown keys are never rejected: barclamps carry their own
//! (`nav`, `locale_additions`, `roles`, `smoketest`, …).
//!
//! Every variant that Crowbar's Ruby tools read is read (each one is in the
//! test corpus `tests/manifests/`, with the repository where it was seen):
//!
//! * Package sections (`debs:`, `rpms:`, `gems:`) hold, for every OS and in
//!   per-OS-token blocks, the keys of `build_crowbar.sh`'s queries and
//!   `packaging/make-pkg`: `pkgs`, `repos`, `ppas`, `build_pkgs`,
//!   `required_pkgs`, `raw_pkgs`, `pkg_sources`, `src_pkgs` (lists) and
//!   `build_cmd`. These are never taken as OS tokens; any other key with a
//!   mapping under it is an OS token (`ubuntu-12.04`, `centos-6.2`).
//! * A list field given per OS (`repos: {centos-5.7: [...]}`) goes to those
//!   OS tokens' blocks; a section written as a plain list (`gems: [a, b]`)
//!   is its `pkgs`.
//! * `git:` that is not `package_barclamp`'s `{date, commit}` (a list of
//!   repositories in some manifests) is kept in the document and read as no
//!   git information.
//! * A key given twice: the last one counts, as in Ruby's YAML (Syck and
//!   Psych); a warning names it.
//! * A plain scalar starting with `@` or `` ` `` (`- @crowbar`), which Ruby
//!   1.8's Syck read as text and YAML 1.1/1.2 parsers refuse: read as the
//!   quoted text, with a warning naming the line.
//! * Bytes that are not UTF-8: Ruby 1.8 read the file as bytes; here the
//!   text is decoded as Windows-1252 (cp1252, a superset of Latin-1 for
//!   printable text, the encoding such manifests were written in), with a
//!   warning naming the line and column of the first such byte. The file's
//!   bytes are packed unchanged.
//!
//! A manifest is refused only when a field omnipack uses has a shape it
//! cannot use (`barclamp.name` missing, `crowbar.order` not a number, a
//! package list holding mappings) or the YAML is broken; the message says
//! it in the manifest's words: the key path (`debs.ubuntu-12.04.pkgs`), the
//! line and column, what was found and what was expected.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use crate::BundleError;

/// The manifest names looked for in a bundle directory, in order.
pub const MANIFEST_NAMES: [&str; 2] = ["crowbar.yml", "bundle.yml"];

/// Crowbar's default `crowbar.order` for a barclamp that gives none.
pub const DEFAULT_ORDER: i64 = 9999;

/// The `barclamp:` section.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BarclampSection {
    /// The bundle's name (also its directory and tarball name).
    pub name: Option<String>,
    /// Display name.
    pub display: Option<String>,
    /// One-line description.
    pub description: Option<String>,
    /// Version (Crowbar writes numbers and strings).
    pub version: Option<String>,
    /// Bundles (names) and groups (`@name`) this one needs installed first.
    pub requires: Vec<String>,
    /// Groups (`@name` or `name`) this bundle belongs to.
    pub member: Vec<String>,
    /// OS tokens supported (`ubuntu-12.04`, `centos-6.2`, …).
    pub os_support: Vec<String>,
}

impl Section for BarclampSection {
    const EXPECTING: &'static str = "a mapping (name, display, version, requires, member, …)";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "name" => self.name = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            "display" => self.display = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            "description" => self.description = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            "version" => self.version = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            "requires" => self.requires = map.next_value::<StringList>()?.0,
            "member" => self.member = map.next_value::<StringList>()?.0,
            "os_support" => self.os_support = map.next_value::<StringList>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The `crowbar:` section.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CrowbarSection {
    /// Layout version of the barclamp.
    pub layout: Option<String>,
    /// Install order (ascending; default 9999).
    pub order: Option<i64>,
    /// Order among proposals when applying.
    pub run_order: Option<i64>,
    /// Order of the chef run.
    pub chef_order: Option<i64>,
}

impl Section for CrowbarSection {
    const EXPECTING: &'static str = "a mapping (layout, order, run_order, chef_order)";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "layout" => self.layout = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            "order" => self.order = map.next_value::<Opt<Whole>>()?.0.map(|w| w.0),
            "run_order" => self.run_order = map.next_value::<Opt<Whole>>()?.0.map(|w| w.0),
            "chef_order" => self.chef_order = map.next_value::<Opt<Whole>>()?.0.map(|w| w.0),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The list keys of a package section or OS block (`build_crowbar.sh`'s
/// `BC_QUERY_STRINGS` and `packaging/make-pkg`); never OS tokens.
pub const PACKAGE_LIST_KEYS: [&str; 8] = [
    "pkgs",
    "repos",
    "ppas",
    "build_pkgs",
    "required_pkgs",
    "raw_pkgs",
    "pkg_sources",
    "src_pkgs",
];

/// Packages for every OS or one OS token inside `debs:`/`rpms:`/`gems:`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct OsPackages {
    /// Package names installed on the nodes.
    pub pkgs: Vec<String>,
    /// Repository lines (`deb …`, `bare name prio url`, `ppa …`).
    pub repos: Vec<String>,
    /// Launchpad PPAs (`debs:` only).
    pub ppas: Vec<String>,
    /// Packages needed to build the cache.
    pub build_pkgs: Vec<String>,
    /// Packages the barclamp's own OS package requires (`make-pkg`).
    pub required_pkgs: Vec<String>,
    /// URLs of packages fetched as files.
    pub raw_pkgs: Vec<String>,
    /// URLs of package sources (`pkg_sources`, read like `raw_pkgs`).
    pub pkg_sources: Vec<String>,
    /// Source packages.
    pub src_pkgs: Vec<String>,
    /// The command that builds the cache.
    pub build_cmd: Option<String>,
}

impl OsPackages {
    fn list_mut(&mut self, key: &str) -> Option<&mut Vec<String>> {
        Some(match key {
            "pkgs" => &mut self.pkgs,
            "repos" => &mut self.repos,
            "ppas" => &mut self.ppas,
            "build_pkgs" => &mut self.build_pkgs,
            "required_pkgs" => &mut self.required_pkgs,
            "raw_pkgs" => &mut self.raw_pkgs,
            "pkg_sources" => &mut self.pkg_sources,
            "src_pkgs" => &mut self.src_pkgs,
            _ => return None,
        })
    }
}

impl Section for OsPackages {
    const EXPECTING: &'static str = "a mapping of package lists (pkgs, repos, build_pkgs, …)";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if key == "build_cmd" {
            self.build_cmd = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0);
            return Ok(true);
        }
        match self.list_mut(key) {
            Some(list) => *list = map.next_value::<StringList>()?.0,
            None => return Ok(false),
        }
        Ok(true)
    }
}

/// `debs:`, `rpms:` or `gems:`: packages for every OS, plus per-OS-token blocks.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PackageSection {
    /// For every OS.
    pub all: OsPackages,
    /// Per OS token (`ubuntu-12.04: {pkgs: …}`).
    pub os: BTreeMap<String, OsPackages>,
}

impl Section for PackageSection {
    const EXPECTING: &'static str =
        "a mapping of package lists and OS-token blocks, or a list of packages";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if key == "build_cmd" {
            self.all.build_cmd = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0);
            return Ok(true);
        }
        if self.all.list_mut(key).is_some() {
            match map.next_value::<ListOrPerOs>()? {
                ListOrPerOs::List(l) => {
                    if let Some(list) = self.all.list_mut(key) {
                        *list = l;
                    }
                }
                ListOrPerOs::PerOs(per) => {
                    for (os, l) in per {
                        if let Some(list) = self.os.entry(os).or_default().list_mut(key) {
                            *list = l;
                        }
                    }
                }
            }
            return Ok(true);
        }
        // Any other key holding a mapping is an OS token; other shapes are
        // someone's own keys, kept in the document only.
        if let Some(block) = map.next_value::<MappingOnly<OsPackages>>()?.0 {
            self.os.insert(key.to_owned(), block);
        }
        Ok(true)
    }

    fn list<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        Ok(PackageSection {
            all: OsPackages {
                pkgs: StringListVisitor.visit_seq(seq)?.0,
                ..OsPackages::default()
            },
            os: BTreeMap::new(),
        })
    }
}

/// `git:`, appended by `bundle pack` as Crowbar's `package_barclamp` did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct GitInfo {
    /// The commit's author date as `git log` prints it
    /// (`Mon Feb 13 22:13:15 2012 -0800`).
    pub date: Option<String>,
    /// Commit id.
    pub commit: Option<String>,
}

impl Section for GitInfo {
    const EXPECTING: &'static str = "a mapping (date, commit)";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "date" => self.date = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            "commit" => self.commit = map.next_value::<Opt<Scalar>>()?.0.map(|s| s.0),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The typed reading; every key not named here is ignored (and kept in
/// [`Manifest::doc`]).
#[derive(Debug, Clone, Default)]
struct Typed {
    barclamp: Option<BarclampSection>,
    crowbar: Option<CrowbarSection>,
    debs: Option<PackageSection>,
    rpms: Option<PackageSection>,
    gems: Option<PackageSection>,
    extra_files: Vec<String>,
    git: Option<GitInfo>,
}

impl Section for Typed {
    const EXPECTING: &'static str = "a mapping (barclamp, crowbar, debs, …)";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "barclamp" => self.barclamp = map.next_value::<Opt<Sect<_>>>()?.0.map(|s| s.0),
            "crowbar" => self.crowbar = map.next_value::<Opt<Sect<_>>>()?.0.map(|s| s.0),
            "debs" => self.debs = map.next_value::<Opt<Sect<_>>>()?.0.map(|s| s.0),
            "rpms" => self.rpms = map.next_value::<Opt<Sect<_>>>()?.0.map(|s| s.0),
            "gems" => self.gems = map.next_value::<Opt<Sect<_>>>()?.0.map(|s| s.0),
            "extra_files" => self.extra_files = map.next_value::<StringList>()?.0,
            "git" => self.git = map.next_value::<MappingOnly<GitInfo>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A bundle manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its text, as read (decoded from Windows-1252 when not UTF-8).
    pub text: String,
    /// Its bytes, as read (packed unchanged).
    pub bytes: Vec<u8>,
    /// The whole document, unknown keys included (for a key given twice,
    /// the last).
    pub doc: Value,
    /// `barclamp:`.
    pub barclamp: BarclampSection,
    /// `crowbar:`.
    pub crowbar: CrowbarSection,
    /// `debs:`.
    pub debs: Option<PackageSection>,
    /// `rpms:`.
    pub rpms: Option<PackageSection>,
    /// `gems:`.
    pub gems: Option<PackageSection>,
    /// `extra_files:` (`URL [dest]` lines).
    pub extra_files: Vec<String>,
    /// `git:`, when it is `package_barclamp`'s `{date, commit}`.
    pub git: Option<GitInfo>,
    /// What was read leniently, as Crowbar's Ruby read it: each names its
    /// line where it has one.
    pub warnings: Vec<String>,
    name: String,
}

/// The manifest file of the bundle directory `dir`, if any.
pub fn find(dir: &Path) -> Option<PathBuf> {
    MANIFEST_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Whether `name` can be a bundle name: one path component of letters,
/// digits, `-`, `_`, `.`, `+`, not starting with `.` or `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

impl Manifest {
    /// Reads the manifest of the bundle directory `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, BundleError> {
        let path = find(dir).ok_or_else(|| BundleError::NotABundle(dir.to_path_buf()))?;
        let bytes = fs::read(&path)?;
        Manifest::parse_bytes(&path, bytes)
    }

    /// Parses the bytes of a manifest read from `path` (named in errors):
    /// UTF-8, else Windows-1252 with a warning.
    pub fn parse_bytes(path: &Path, bytes: Vec<u8>) -> Result<Manifest, BundleError> {
        let (text, warning) = decode(&bytes);
        let mut m = Manifest::parse(path, &text)?;
        m.bytes = bytes;
        if let Some(w) = warning {
            m.warnings.insert(0, w);
        }
        Ok(m)
    }

    /// Parses `text`, read from `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, BundleError> {
        let bad = |message: String| BundleError::Manifest {
            path: path.to_path_buf(),
            message,
        };
        if let Some(line) =
            omnipack_core::nesting::too_deep(text, omnipack_core::nesting::MAX_FLOW_DEPTH)
        {
            return Err(bad(format!(
                "line {line}: collections nest deeper than {} levels",
                omnipack_core::nesting::MAX_FLOW_DEPTH
            )));
        }
        let mut warnings = Vec::new();
        let (doc, yaml) = if text.trim().is_empty() {
            (Value::Mapping(Default::default()), text.to_owned())
        } else {
            read_doc(text, &mut warnings).map_err(bad)?
        };
        if !doc.is_mapping() {
            return Err(BundleError::ManifestNotMapping(path.to_path_buf()));
        }
        let typed: Typed = if text.trim().is_empty() {
            Typed::default()
        } else {
            serde_yaml_ng::from_str::<Sect<Typed>>(&yaml)
                .map(|s| s.0)
                .map_err(|e| bad(yaml_message(&e)))?
        };
        if let Some(git) = doc.get("git")
            && !git.is_mapping()
        {
            warnings.push(format!(
                "{}`git` is not package_barclamp's `date:`/`commit:` mapping; it is kept as written and packing replaces it",
                line_of(text, "git:")
                    .map(|l| format!("line {l}: "))
                    .unwrap_or_default()
            ));
        }
        let barclamp = typed.barclamp.unwrap_or_default();
        let name = match barclamp.name.clone() {
            Some(n) if valid_name(&n) => n,
            Some(n) => {
                return Err(BundleError::BadName {
                    path: path.to_path_buf(),
                    name: n,
                    line: line_of(text, "name:"),
                });
            }
            None => return Err(BundleError::NoName(path.to_path_buf())),
        };
        Ok(Manifest {
            path: path.to_path_buf(),
            text: text.to_owned(),
            bytes: text.as_bytes().to_vec(),
            doc,
            barclamp,
            crowbar: typed.crowbar.unwrap_or_default(),
            debs: typed.debs,
            rpms: typed.rpms,
            gems: typed.gems,
            extra_files: typed.extra_files,
            git: typed.git,
            warnings,
            name,
        })
    }

    /// `barclamp.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `barclamp.version`, or `""`.
    pub fn version(&self) -> &str {
        self.barclamp.version.as_deref().unwrap_or("")
    }

    /// `crowbar.order`, default 9999.
    pub fn order(&self) -> i64 {
        self.crowbar.order.unwrap_or(DEFAULT_ORDER)
    }

    /// The manifest's bytes with the `git:` section `package_barclamp.sh`
    /// appends (Crowbar's `crowbar/package_barclamp.sh` since February 2012):
    ///
    /// ```text
    /// <the manifest as written>
    ///
    /// git:
    ///   date: Mon Feb 13 22:13:15 2012 -0800
    ///   commit: 1bf3944b29fa23ede34e65381e281bf64e91014d
    /// ```
    ///
    /// a blank line, then `date` and `commit` unquoted in that order, the
    /// date as `git log` prints its `Date:` line. The bytes are kept as
    /// written. Where the manifest already has a top-level `git:` (a
    /// packed bundle packed again, or a `git:` list), that section is cut
    /// out first, so the result has one `git:` and is the same whether
    /// packed once or twice; Crowbar appended a second one, which Ruby's
    /// YAML reads the same way (the last counts).
    pub fn with_git(&self, git: &GitInfo) -> Result<Vec<u8>, BundleError> {
        let mut out = if self.doc.get("git").is_some() {
            self.without_git()?
        } else {
            self.bytes.clone()
        };
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend_from_slice(b"\ngit:\n");
        for (k, v) in [("date", &git.date), ("commit", &git.commit)] {
            if let Some(v) = v {
                out.extend_from_slice(format!("  {k}: {}\n", yaml_plain(v)).as_bytes());
            }
        }
        Ok(out)
    }

    /// The bytes with the top-level `git:` section(s) cut out and trailing
    /// blank lines dropped; the document rewritten without `git` when the
    /// cut does not give the same document minus `git`.
    fn without_git(&self) -> Result<Vec<u8>, BundleError> {
        let mut want = self.doc.clone();
        if let Some(map) = want.as_mapping_mut() {
            map.remove("git");
        }
        let cut = cut_top_level_key(&self.bytes, "git");
        let same = {
            let (text, _) = decode(&cut);
            let mut ignored = Vec::new();
            read_doc(&text, &mut ignored)
                .map(|(doc, _)| doc == want)
                .unwrap_or(false)
        };
        if same {
            return Ok(cut);
        }
        serde_yaml_ng::to_string(&want)
            .map(String::into_bytes)
            .map_err(|e| BundleError::Manifest {
                path: self.path.clone(),
                message: format!("cannot write the manifest back: {e}"),
            })
    }

    /// Names of the groups this bundle is a member of, without `@`.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.barclamp
            .member
            .iter()
            .map(|m| m.strip_prefix('@').unwrap_or(m))
    }
}

/// `v` as package_barclamp wrote it (unquoted), quoted only where a YAML
/// reader would not read it back as the same text.
fn yaml_plain(v: &str) -> String {
    let back: Option<Value> = serde_yaml_ng::from_str(&format!("k: {v}"))
        .ok()
        .and_then(|d: Value| d.get("k").cloned());
    if back.as_ref().and_then(Value::as_str) == Some(v) {
        v.to_owned()
    } else {
        format!("'{}'", v.replace('\'', "''"))
    }
}

/// `bytes` without the top-level `key:` sections (the key line and the
/// indented or `-` lines after it), trailing blank lines cut to none.
fn cut_top_level_key(bytes: &[u8], key: &str) -> Vec<u8> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let starts = |l: &[u8]| {
        l.strip_prefix(key.as_bytes())
            .and_then(|r| r.strip_prefix(b":"))
            .is_some_and(|r| {
                r.first()
                    .is_none_or(|c| c.is_ascii_whitespace() || *c == b'#')
            })
    };
    let blank = |l: &[u8]| l.iter().all(u8::is_ascii_whitespace);
    let inside = |l: &[u8]| matches!(l.first(), Some(b' ' | b'\t' | b'-'));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < lines.len() {
        if !starts(lines[i]) {
            out.extend_from_slice(lines[i]);
            i += 1;
            continue;
        }
        i += 1;
        // The section's lines; blank lines only when more of it follows.
        loop {
            let mut j = i;
            while j < lines.len() && blank(lines[j]) {
                j += 1;
            }
            if j < lines.len() && inside(lines[j]) {
                i = j + 1;
            } else {
                break;
            }
        }
    }
    while out.ends_with(b"\n\n") || out.ends_with(b"\n\r\n") {
        out.pop();
        if out.ends_with(b"\r") {
            out.pop();
        }
    }
    out
}

/// The text of `bytes`: UTF-8 as is, else decoded as Windows-1252 with a
/// warning naming the first byte that is not UTF-8.
fn decode(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(t) => (t.to_owned(), None),
        Err(e) => {
            let at = e.valid_up_to();
            let before = &bytes[..at];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&bytes[line_start..at])
                .chars()
                .count()
                + 1;
            let text: String = bytes.iter().map(|b| cp1252(*b)).collect();
            (
                text,
                Some(format!(
                    "line {line} column {column}: byte 0x{:02X} is not UTF-8; the manifest is read as Windows-1252 (cp1252), as Crowbar's Ruby 1.8 read its bytes; save it as UTF-8 to silence this",
                    bytes[at]
                )),
            )
        }
    }
}

/// One Windows-1252 byte as a char (WHATWG's table: 0x80–0x9F are the
/// typographic characters, the five unassigned ones C1 controls; the rest
/// Latin-1).
fn cp1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => char::from_u32(u32::from(HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}'),
        _ => char::from(b),
    }
}

/// The whole document of `text` (keys given twice: the last, with a
/// warning), and the text the YAML parser accepted: `text` with Syck's
/// unquoted `@…` scalars quoted (with a warning each).
fn read_doc(text: &str, warnings: &mut Vec<String>) -> Result<(Value, String), String> {
    let mut yaml = text.to_owned();
    // At most one fix per line: a bound on the retries.
    for _ in 0..=text.lines().count() {
        let dups = RefCell::new(Vec::new());
        let seed = DocSeed {
            dups: &dups,
            path: String::new(),
        };
        let de = serde_yaml_ng::Deserializer::from_str(&yaml);
        match seed.deserialize(de) {
            Ok(doc) => {
                warnings.extend(dups.into_inner());
                return Ok((doc, yaml));
            }
            Err(e) => match quote_syck_scalar(&yaml, &e).or_else(|| blank_tab_line(&yaml, &e)) {
                Some((fixed, warning)) => {
                    warnings.push(warning);
                    yaml = fixed;
                }
                None => return Err(yaml_message(&e)),
            },
        }
    }
    Err("too many unquoted `@` scalars".into())
}

/// For the YAML error "found character that cannot start any token" at a
/// `@` or `` ` ``: the text with that plain scalar single-quoted, and the
/// warning. Ruby 1.8's Syck read such a scalar as text.
fn quote_syck_scalar(text: &str, e: &serde_yaml_ng::Error) -> Option<(String, String)> {
    if !e.to_string().contains("cannot start any token") {
        return None;
    }
    let loc = e.location()?;
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let line = lines.get_mut(loc.line().checked_sub(1)?)?;
    let start = line
        .char_indices()
        .nth(loc.column().checked_sub(1)?)
        .map(|(i, _)| i)?;
    if !line[start..].starts_with(['@', '`']) {
        return None;
    }
    let flow = line[..start].contains(['[', '{']);
    let rest = &line[start..];
    let mut end = rest.trim_end_matches('\r').len();
    let bytes = rest.as_bytes();
    for (i, c) in rest.char_indices() {
        let next = bytes.get(i + 1).copied();
        let stop = (c == '#' && i > 0 && bytes[i - 1].is_ascii_whitespace())
            || (c == ':' && next.is_none_or(|n| n.is_ascii_whitespace()))
            || (flow && matches!(c, ',' | ']' | '}'));
        if stop {
            end = i;
            break;
        }
    }
    let scalar = rest[..end].trim_end();
    let quoted = format!("'{}'", scalar.replace('\'', "''"));
    let warning = format!(
        "line {}: `{scalar}` read as the text {quoted}, as Ruby 1.8's YAML (Syck) read it; YAML parsers since refuse an unquoted `{}`: write {quoted}",
        loc.line(),
        &scalar[..1],
    );
    let fixed = format!("{}{quoted}{}", &line[..start], &rest[scalar.len()..]);
    *line = fixed;
    Some((lines.join("\n"), warning))
}

/// For the YAML error "found a tab character that violates indentation"
/// on a line holding only blanks and tabs: the text with that line empty,
/// and the warning. Syck read such a line as the blank line it looks like.
fn blank_tab_line(text: &str, e: &serde_yaml_ng::Error) -> Option<(String, String)> {
    if !e.to_string().contains("tab character") {
        return None;
    }
    let n = e.location()?.line();
    let mut lines: Vec<&str> = text.split('\n').collect();
    let line = lines.get_mut(n.checked_sub(1)?)?;
    if !line.contains('\t') || !line.trim().is_empty() {
        return None;
    }
    *line = "";
    Some((
        lines.join("\n"),
        format!(
            "line {n}: a line of only tabs read as a blank line, as Ruby 1.8's YAML (Syck) read it; YAML parsers since refuse it: remove the tabs"
        ),
    ))
}

/// Builds the document [`Value`] keeping the last of a key given twice
/// (Ruby's `Hash#[]=`), recording each as a warning.
struct DocSeed<'a> {
    dups: &'a RefCell<Vec<String>>,
    path: String,
}

impl DocSeed<'_> {
    fn child(&self, key: &str) -> Self {
        DocSeed {
            dups: self.dups,
            path: if self.path.is_empty() {
                key.to_owned()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self.child(&format!("[{}]", out.len())))? {
            out.push(v);
        }
        Ok(Value::Sequence(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_yaml_ng::Mapping::new();
        while let Some(key) = map.next_key_seed(self.child("?"))? {
            let name = match &key {
                Value::String(s) => s.clone(),
                other => serde_yaml_ng::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            };
            let value = map.next_value_seed(self.child(&name))?;
            if out.insert(key, value).is_some() {
                let at = if self.path.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in `{}`", self.path)
                };
                self.dups.borrow_mut().push(format!(
                    "key `{name}` is given more than once {at}; the last one is read, as Ruby's YAML does"
                ));
            }
        }
        Ok(Value::Mapping(out))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (tag, variant): (String, _) = data.variant()?;
        let value = variant.newtype_variant_seed(self)?;
        if tag.trim_start_matches('!').is_empty() {
            return Ok(value);
        }
        Ok(Value::Tagged(Box::new(serde_yaml_ng::value::TaggedValue {
            tag: serde_yaml_ng::value::Tag::new(tag),
            value,
        })))
    }
}

/// A section read field by field, the last of a key given twice counting.
trait Section: Default {
    /// What the section is, in the manifest's words.
    const EXPECTING: &'static str;
    /// Reads `key`'s value; `false` when the key is not one of the section's.
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
    /// The section written as a list; refused unless the section allows it.
    fn list<'de, A: SeqAccess<'de>>(_seq: A) -> Result<Self, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Seq,
            &Self::EXPECTING,
        ))
    }
}

/// A [`Section`] as a deserialisable value; `~` is an empty section.
struct Sect<T>(T);

struct SectVisitor<T>(PhantomData<T>);

impl<'de, T: Section> Visitor<'de> for SectVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::list(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        while let Some(Key(key)) = map.next_key()? {
            if !out.field(&key, &mut map)? {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

impl<'de, T: Section> Deserialize<'de> for Sect<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SectVisitor(PhantomData)).map(Sect)
    }
}

/// A section where it is a mapping; any other shape is `None` (kept only
/// in the document).
struct MappingOnly<T>(Option<T>);

impl<'de, T: Section> Deserialize<'de> for MappingOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Section> Visitor<'de> for V<T> {
            type Value = MappingOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                SectVisitor(PhantomData)
                    .visit_map(map)
                    .map(|t| MappingOnly(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MappingOnly(None))
            }
            fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_enum(data).map(|_| MappingOnly(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MappingOnly(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MappingOnly(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MappingOnly(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MappingOnly(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MappingOnly(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MappingOnly(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list, or a mapping of OS tokens to lists (`repos: {centos-5.7: […]}`).
enum ListOrPerOs {
    List(Vec<String>),
    PerOs(Vec<(String, Vec<String>)>),
}

impl<'de> Deserialize<'de> for ListOrPerOs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ListOrPerOs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings, or a mapping of OS tokens to lists")
            }
            fn visit_unit<E>(self) -> Result<ListOrPerOs, E> {
                Ok(ListOrPerOs::List(Vec::new()))
            }
            fn visit_str<E>(self, v: &str) -> Result<ListOrPerOs, E> {
                Ok(ListOrPerOs::List(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListOrPerOs, A::Error> {
                StringListVisitor
                    .visit_seq(seq)
                    .map(|l| ListOrPerOs::List(l.0))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListOrPerOs, A::Error> {
                let mut out = Vec::new();
                while let Some(Key(os)) = map.next_key()? {
                    out.push((os, map.next_value::<StringList>()?.0));
                }
                Ok(ListOrPerOs::PerOs(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Some of a value, `~` being none.
struct Opt<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Opt<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(Opt)
    }
}

/// A mapping key: any scalar, as its text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Key(Opt::<Scalar>::deserialize(d)?
            .0
            .map_or_else(|| "~".to_owned(), |s| s.0)))
    }
}

/// serde_yaml_ng's message (`path: invalid type: sequence, expected …`,
/// libyaml's syntax errors) in the manifest's words: the key path, the
/// line and column, what was found and what was expected.
fn yaml_message(e: &serde_yaml_ng::Error) -> String {
    let msg = e.to_string();
    let at = e
        .location()
        .map(|l| format!("line {} column {}", l.line(), l.column()));
    let body = match &at {
        Some(a) => msg
            .strip_suffix(&format!(" at {a}"))
            .unwrap_or(&msg)
            .to_owned(),
        None => msg.clone(),
    };
    for kind in ["invalid type: ", "invalid value: ", "invalid length "] {
        let Some(i) = body.find(kind) else { continue };
        let path = body[..i].trim_end_matches(": ").trim();
        let rest = &body[i + kind.len()..];
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another value"));
        let key = if path.is_empty() || path == "." {
            "the document".to_owned()
        } else {
            format!("`{path}`")
        };
        return format!(
            "{key}{}: found {}, expected {expected}",
            at.as_deref().map(|a| format!(" ({a})")).unwrap_or_default(),
            in_yaml_words(found)
        );
    }
    if msg.contains("line") || at.is_none() {
        msg
    } else {
        format!("{body} ({})", at.unwrap_or_default())
    }
}

/// serde's `Unexpected` (`sequence`, `map`, `string "x"`) in YAML words.
fn in_yaml_words(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        return format!("the text {s}");
    }
    for (serde, yaml) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(v) = found.strip_prefix(serde) {
            return format!("{yaml}{v}");
        }
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        "unit value" => "nothing (`~`)".into(),
        other => other.into(),
    }
}

/// The 1-based line of the first line whose trimmed text starts with `key`.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i + 1)
}

/// A YAML scalar (string, number, boolean) as its text.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole number as Ruby's `to_i` reads Crowbar's orders: an integer, a
/// float (truncated) or a text holding an integer (`"10"`).
struct Whole(i64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Whole, E> {
                Ok(Whole(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Whole, E> {
                i64::try_from(v)
                    .map(Whole)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Whole, E> {
                if v.is_finite() && v.abs() < 9.0e18 {
                    Ok(Whole(v.trunc() as i64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Whole, E> {
                v.trim()
                    .parse()
                    .map(Whole)
                    .map_err(|_| E::invalid_type(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of scalars; a single scalar or `~` is accepted as a list of one or none.
struct StringList(Vec<String>);

struct StringListVisitor;

impl<'de> Visitor<'de> for StringListVisitor {
    type Value = StringList;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_unit<E: de::Error>(self) -> Result<StringList, E> {
        Ok(StringList(Vec::new()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
        Ok(StringList(vec![v.to_owned()]))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
        let mut out = Vec::new();
        // `- ~` entries are skipped, as the build scripts skip `nil`.
        while let Some(s) = seq.next_element::<Opt<Scalar>>()? {
            if let Some(Scalar(s)) = s.0 {
                out.push(s);
            }
        }
        Ok(StringList(out))
    }
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringListVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CROWBAR: &str = "\
# the deployer barclamp
barclamp:
  name: deployer
  display: Deployer
  version: 0
  requires:
    - '@crowbar'
    - network
  member:
    - '@crowbar'
  os_support: [ubuntu-12.04, centos-6.2]
  nav_extra: kept
crowbar:
  layout: 1
  order: 10
  run_order: 10
  chef_order: 10
debs:
  pkgs: [ipmitool]
  ubuntu-12.04:
    pkgs: [efibootmgr]
    raw_pkgs:
      - http://example.org/x.deb
rpms:
  centos-6.2:
    repos: ['bare baseurl=http://x']
gems:
  pkgs: [json]
locale_additions:
  en:
    deployer: hello
";

    #[test]
    fn reads_crowbars_schema_and_keeps_unknown_keys() {
        let m = Manifest::parse(Path::new("crowbar.yml"), CROWBAR).unwrap();
        assert_eq!(m.name(), "deployer");
        assert_eq!(m.version(), "0");
        assert_eq!(m.order(), 10);
        assert_eq!(m.barclamp.requires, ["@crowbar", "network"]);
        assert_eq!(m.groups().collect::<Vec<_>>(), ["crowbar"]);
        assert_eq!(m.barclamp.os_support, ["ubuntu-12.04", "centos-6.2"]);
        let debs = m.debs.as_ref().unwrap();
        assert_eq!(debs.all.pkgs, ["ipmitool"]);
        assert_eq!(debs.os["ubuntu-12.04"].pkgs, ["efibootmgr"]);
        assert_eq!(
            debs.os["ubuntu-12.04"].raw_pkgs,
            ["http://example.org/x.deb"]
        );
        assert_eq!(m.rpms.as_ref().unwrap().os["centos-6.2"].repos.len(), 1);
        assert_eq!(m.gems.as_ref().unwrap().all.pkgs, ["json"]);
        assert_eq!(
            m.doc["locale_additions"]["en"]["deployer"].as_str(),
            Some("hello")
        );
        assert_eq!(m.doc["barclamp"]["nav_extra"].as_str(), Some("kept"));
    }

    #[test]
    fn default_order_is_crowbars() {
        let m = Manifest::parse(Path::new("bundle.yml"), "barclamp:\n  name: x\n").unwrap();
        assert_eq!(m.order(), DEFAULT_ORDER);
    }

    #[test]
    fn git_is_appended_keeping_the_text_and_round_trips() {
        let m = Manifest::parse(Path::new("crowbar.yml"), CROWBAR).unwrap();
        let git = GitInfo {
            date: Some("2023-11-14".into()),
            commit: Some("abc123".into()),
        };
        let text = String::from_utf8(m.with_git(&git).unwrap()).unwrap();
        assert!(text.starts_with(CROWBAR), "{text}");
        let again = Manifest::parse(Path::new("crowbar.yml"), &text).unwrap();
        assert_eq!(again.git.as_ref(), Some(&git));
        assert_eq!(again.doc["locale_additions"], m.doc["locale_additions"]);
        // A second pack replaces the section, still keeping unknown keys.
        let git2 = GitInfo {
            date: Some("2024".into()),
            commit: Some("def".into()),
        };
        let third = String::from_utf8(again.with_git(&git2).unwrap()).unwrap();
        let third = Manifest::parse(Path::new("c"), &third).unwrap();
        assert_eq!(third.git, Some(git2));
        assert_eq!(third.doc["barclamp"]["nav_extra"].as_str(), Some("kept"));
    }

    #[test]
    fn a_malformed_manifest_names_file_line_and_field() {
        let bad = "barclamp:\n  name: x\ncrowbar:\n  order: soon\n";
        let e = Manifest::parse(Path::new("/b/crowbar.yml"), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`/b/crowbar.yml`"), "{e}");
        assert!(e.contains("crowbar.order"), "{e}");
        assert!(e.contains("line 4"), "{e}");

        let bad = "barclamp:\n  name: x\n  requires: {a: 1}\n";
        let e = Manifest::parse(Path::new("m.yml"), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("barclamp.requires"), "{e}");
        assert!(e.contains("line 3"), "{e}");

        let bad = "barclamp:\n  name: [x\n";
        let e = Manifest::parse(Path::new("m.yml"), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");

        let e = Manifest::parse(Path::new("m.yml"), "barclamp:\n  name: ../x\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("barclamp.name") && e.contains("line 2"), "{e}");
    }

    /// Issue 18: refusals named Rust types (`struct OsPackages`, `i64`);
    /// they say the key path, line, found and expected in YAML words.
    #[test]
    fn a_refusal_is_in_the_manifests_words() {
        let e = Manifest::parse(
            Path::new("m.yml"),
            "barclamp:\n  name: x\ndebs:\n  ubuntu-12.04:\n    pkgs: {a: 1}\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "`m.yml`: `debs.ubuntu-12.04.pkgs` (line 5 column 11): found a mapping, expected a list of strings"
        );
        let e = Manifest::parse(
            Path::new("m.yml"),
            "barclamp:\n  name: x\ncrowbar:\n  order: soon\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "`m.yml`: `crowbar.order` (line 4 column 10): found the text \"soon\", expected a whole number"
        );
        let e = Manifest::parse(Path::new("m.yml"), "barclamp: [x]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`barclamp` (line 1 column 11): found a list, expected a mapping"),
            "{e}"
        );
        // Ruby's `to_i` orders: "10" and 10.0 are 10.
        let m = Manifest::parse(
            Path::new("m.yml"),
            "barclamp:\n  name: x\ncrowbar:\n  order: '10'\n  run_order: 7.0\n",
        )
        .unwrap();
        assert_eq!((m.order(), m.crowbar.run_order), (10, Some(7)));
    }

    /// Issue 21: 100 000 nested `[` took the YAML parser 34 s before its
    /// depth limit; the linear pre-check refuses it first, naming the line.
    #[test]
    fn deeply_nested_yaml_is_refused_before_parsing() {
        let text = format!("barclamp:\n  name: x\n  extra: {}\n", "[".repeat(100_000));
        let e = Manifest::parse(Path::new("/b/crowbar.yml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`/b/crowbar.yml`") && e.contains("line 3"),
            "{e}"
        );
        assert!(e.contains("nest deeper than 64"), "{e}");
        // Real manifests' flow collections pass.
        let ok = "barclamp:\n  name: x\n  requires: [\"@crowbar\", \"database\"]\n";
        assert!(Manifest::parse(Path::new("m.yml"), ok).is_ok());
    }
}
