//! The built-in distribution table: for each target, the package format, the
//! payload compression its own dpkg/rpm can read, the RPM dist tag, the
//! python3 the omnibus virtualenv runs on, and dependency-name renames.
//! A manifest's `[distributions.NAME]` tables override fields or add targets.
//!
//! The idea and the renames come from Flocker's `admin/packaging.py`
//! (`DEPENDENCIES`: `openssh-clients` on CentOS/Fedora, `openssh-client` on
//! Ubuntu). Each compression and python fact cites its source on its line.
//!
//! Compression rule: the codec the distribution uses for its *own* packages.
//! That codec is readable by the target's dpkg/rpm from its first release on,
//! and by every tool around it (apt-ftparchive, reprepro, createrepo, mirrors,
//! package registries), which a codec the tools merely *can* read is not.
//! Where the distribution's own choice is not zstd we pick xz, never gzip.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::{Arch, Codec, Compression, DistributionProblem, Format, SpecError};

/// One target distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    /// `ubuntu-22.04`, `centos-7`, `rocky-9`, `debian-12`, `fedora-40`, ...
    pub name: String,
    /// The package format.
    pub format: Format,
    /// Default payload compression, readable by the target's own dpkg/rpm.
    pub compression: Compression,
    /// RPM `%{?dist}` without its leading dot (`el9`, `fc40`); `None` for deb.
    pub dist_tag: Option<String>,
    /// The distribution's python3 interpreter, for the omnibus virtualenv.
    pub python: String,
    /// The package that provides [`Distribution::python`].
    pub python_package: String,
    /// Its version, `X.Y`: a virtualenv only runs on the interpreter
    /// version that made it, so staging for this distribution must use it.
    pub python_version: String,
    /// os-release(5) `ID`: `debian`, `ubuntu`, `rocky`, `centos`, `fedora`.
    pub id: String,
    /// os-release(5) `VERSION_ID` as the name spells it: `12`, `24.04`, `9`.
    pub release: String,
    /// The archive suite (codename) of a deb distribution: `bookworm`.
    pub suite: Option<String>,
    /// The day standard support ended or ends (`YYYY-MM-DD`), if known.
    pub end_of_life: Option<String>,
    /// The package mirror its build root is made from (a manifest's
    /// `mirror`); `None`: the machine's configured mirror when it serves
    /// the release.
    pub mirror: Option<String>,
    /// RPM distributions: the repositories (base URLs) dnf installs a
    /// build root from (a manifest's `repositories`).
    pub repositories: Vec<String>,
    /// Where this distribution's build runs (a manifest's `builder`):
    /// `auto` (the cached root, made when missing), `host`, or a directory.
    pub builder: Option<String>,
    /// Dependency-name overrides: generic (Debian-style) name → this distribution's name.
    pub renames: BTreeMap<String, String>,
}

impl Distribution {
    /// The name of dependency `dep` on this distribution (itself unless renamed).
    pub fn rename<'a>(&'a self, dep: &'a str) -> &'a str {
        self.renames.get(dep).map_or(dep, String::as_str)
    }

    /// The architecture as this distribution's format spells it (`amd64` / `x86_64`).
    pub fn arch_name(&self, arch: Arch) -> &'static str {
        match self.format {
            Format::Deb => arch.deb_name(),
            Format::Rpm => arch.rpm_name(),
        }
    }

    /// The header matching [`Distribution::describe`]'s columns.
    pub fn table_header() -> String {
        format!(
            "{:<14} {:<6} {:<11} {:<8} {:<8} {:<11} PYTHON (PACKAGE)",
            "NAME", "FORMAT", "COMPRESSION", "DIST TAG", "SUITE", "EOL"
        )
    }

    /// A one-line summary: name, format, compression, dist tag, suite,
    /// end of standard support, python version, interpreter and package.
    pub fn describe(&self) -> String {
        format!(
            "{:<14} {:<6} {:<11} {:<8} {:<8} {:<11} {} {} ({})",
            self.name,
            self.format.as_str(),
            self.compression.to_string(),
            self.dist_tag.as_deref().unwrap_or("-"),
            self.suite.as_deref().unwrap_or("-"),
            self.end_of_life.as_deref().unwrap_or("-"),
            self.python_version,
            self.python,
            self.python_package
        )
    }

    /// Whether standard support ended before `today` (`YYYY-MM-DD`).
    pub fn is_end_of_life(&self, today: &str) -> bool {
        self.end_of_life.as_deref().is_some_and(|d| d < today)
    }

    /// The main package's dependencies on the interpreter its virtualenv
    /// was made with: the interpreter's package, and for RPM also
    /// `python(abi) = X.Y` (what Fedora's and EL's python3 provide), so
    /// apt and dnf refuse the package on a release with another python.
    pub fn interpreter_depends(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.python_package.is_empty() {
            out.push(self.python_package.clone());
        }
        if self.format == Format::Rpm && !self.python_version.is_empty() {
            out.push(format!("python(abi) = {}", self.python_version));
        }
        out
    }
}

/// The Debian releases whose packages of Python build backends omnipack
/// checked (`apt-cache madison` against each release's `main`, 2026-12-07).
const DEB_BACKEND_RELEASES: [&str; 3] = ["debian-11", "debian-12", "debian-13"];

/// PEP 517 build backends (names of `pyproject.toml`'s `[build-system]
/// requires`, normalized as PEP 503 does) and the package that provides
/// each in [`DEB_BACKEND_RELEASES`], in that order; `None`: not packaged in
/// that release. Debian's Python policy would name a module package
/// `python3-NAME`, but `flit_core` ships in `flit` in every release, and
/// `pdm-backend` replaced `pdm-pep517` after bookworm.
#[rustfmt::skip] // one row per backend reads as the table it is
const DEB_BACKENDS: &[(&str, [Option<&str>; 3])] = &[
    ("flit-core",         [Some("flit"), Some("flit"), Some("flit")]),
    ("flit-scm",          [None, Some("python3-flit-scm"), Some("python3-flit-scm")]),
    ("hatch-vcs",         [None, Some("python3-hatch-vcs"), Some("python3-hatch-vcs")]),
    ("hatchling",         [None, Some("python3-hatchling"), Some("python3-hatchling")]),
    ("maturin",           [None, None, Some("python3-maturin")]),
    ("meson-python",      [None, Some("python3-mesonpy"), Some("python3-mesonpy")]),
    ("pdm-backend",       [None, None, Some("python3-pdm-backend")]),
    ("pdm-pep517",        [None, Some("python3-pdm-pep517"), None]),
    ("poetry-core",       [None, Some("python3-poetry-core"), Some("python3-poetry-core")]),
    ("scikit-build-core", [None, None, Some("python3-scikit-build-core")]),
    ("setuptools",        [Some("python3-setuptools"), Some("python3-setuptools"), Some("python3-setuptools")]),
    ("setuptools-scm",    [Some("python3-setuptools-scm"), Some("python3-setuptools-scm"), Some("python3-setuptools-scm")]),
    ("wheel",             [Some("python3-wheel"), Some("python3-wheel"), Some("python3-wheel")]),
];

/// How a deb distribution packages a Python build backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendPackage {
    /// This package provides it (checked, or named by the manifest's `renames`).
    Known(String),
    /// The release does not package it (checked).
    Missing,
    /// omnipack has not checked this backend or this distribution: the
    /// name Debian's Python policy gives it, `python3-NAME`.
    Unchecked(String),
}

impl Distribution {
    /// The package that provides the Python build backend `requirement`
    /// (a `[build-system] requires` name: `flit_core`, `hatchling`) on
    /// this deb distribution. The manifest's `renames` of `python3-NAME`
    /// win over the built-in table.
    pub fn python_backend(&self, requirement: &str) -> BackendPackage {
        let name = pep503(requirement);
        let generic = format!("python3-{name}");
        if let Some(renamed) = self.renames.get(&generic) {
            return BackendPackage::Known(renamed.clone());
        }
        let Some(column) = DEB_BACKEND_RELEASES.iter().position(|r| *r == self.name) else {
            return BackendPackage::Unchecked(generic);
        };
        match DEB_BACKENDS.iter().find(|(n, _)| *n == name) {
            Some((_, row)) => row[column].map_or(BackendPackage::Missing, |p| {
                BackendPackage::Known(p.to_owned())
            }),
            None => BackendPackage::Unchecked(generic),
        }
    }

    /// Whether this deb distribution has `pybuild-plugin-pyproject`
    /// (dh-python's PEP 517 build): `None` when omnipack has not checked.
    /// Debian 11 (dh-python 4.20201102) lacks it; Debian 12 (5.20230130)
    /// and 13 (6.20250414) have it (checked with the backends' table).
    pub fn has_pybuild_pyproject(&self) -> Option<bool> {
        match self.name.as_str() {
            "debian-11" => Some(false),
            "debian-12" | "debian-13" => Some(true),
            _ => None,
        }
    }
}

/// A Python project name normalized as PEP 503 does: lower case, each run
/// of `-`, `_`, `.` one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A manifest's `[distributions.NAME]` table: overrides fields of a built-in
/// distribution, or defines a new one (then `format` is required).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DistributionOverride {
    /// `deb` or `rpm`.
    pub format: Option<String>,
    /// `xz`, `zstd:19`, `gzip`, ... (see [`Compression`]).
    pub compression: Option<String>,
    /// RPM dist tag, e.g. `el9` (a leading `.` is dropped; empty means none).
    pub dist_tag: Option<String>,
    /// Absolute path of the python3 interpreter.
    pub python: Option<String>,
    /// The package providing it.
    pub python_package: Option<String>,
    /// Its version `X.Y` (default: read from a `python` path ending in
    /// `pythonX.Y`, else the built-in one).
    pub python_version: Option<String>,
    /// The archive suite of a deb distribution (`bookworm`).
    pub suite: Option<String>,
    /// The mirror its build root is made from.
    pub mirror: Option<String>,
    /// RPM: repositories (base URLs) a build root is installed from.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// Where its build runs: `auto`, `host` or a directory holding a root.
    pub builder: Option<String>,
    /// More renames, generic name → this distribution's name; they win over
    /// the built-in ones.
    #[serde(default)]
    pub renames: BTreeMap<String, String>,
}

/// Debian-style generic names and their RPM names on EL and Fedora.
// `openssh-client` → `openssh-clients`: Flocker admin/packaging.py DEPENDENCIES
// (cli/node on centos/fedora vs ubuntu); the others are the same split in the
// EL/Fedora package sets (iproute, bind-utils, xz, cronie).
const RPM_RENAMES: &[(&str, &str)] = &[
    ("openssh-client", "openssh-clients"),
    ("iproute2", "iproute"),
    ("dnsutils", "bind-utils"),
    ("xz-utils", "xz"),
    ("cron", "cronie"),
];

/// The reverse, so a manifest written with RPM names also works on deb targets.
const DEB_RENAMES: &[(&str, &str)] = &[
    ("openssh-clients", "openssh-client"),
    ("iproute", "iproute2"),
    ("bind-utils", "dnsutils"),
    ("xz", "xz-utils"),
];

fn renames_for(format: Format) -> BTreeMap<String, String> {
    let table = match format {
        Format::Deb => DEB_RENAMES,
        Format::Rpm => RPM_RENAMES,
    };
    table
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// One row of the built-in table.
struct Row {
    name: &'static str,
    format: Format,
    codec: Codec,
    dist_tag: Option<&'static str>,
    /// `X.Y` of the distribution's python3.
    python: &'static str,
    /// Deb: the suite; rpm: unused (the release is the name's number).
    suite: Option<&'static str>,
    end_of_life: &'static str,
}

/// The interpreter and its package: deb distributions ship each python as
/// `/usr/bin/pythonX.Y` in package `pythonX.Y`, so depending on it pins the
/// release's python; RPM distributions are pinned by `python(abi)` instead.
fn interpreter(format: Format, version: &str) -> (String, String) {
    match format {
        Format::Deb => (
            format!("/usr/bin/python{version}"),
            format!("python{version}"),
        ),
        Format::Rpm => ("/usr/bin/python3".to_owned(), "python3".to_owned()),
    }
}

fn dist_from(row: &Row) -> Distribution {
    let (id, release) = split_name(row.name);
    let (python, python_package) = interpreter(row.format, row.python);
    Distribution {
        name: row.name.to_owned(),
        format: row.format,
        compression: Compression::new(row.codec),
        dist_tag: row.dist_tag.map(str::to_owned),
        python,
        python_package,
        python_version: row.python.to_owned(),
        id,
        release,
        suite: row.suite.map(str::to_owned),
        end_of_life: (!row.end_of_life.is_empty()).then(|| row.end_of_life.to_owned()),
        mirror: None,
        repositories: Vec::new(),
        builder: None,
        renames: renames_for(row.format),
    }
}

/// `rocky-9` → (`rocky`, `9`); `ubuntu-24.04` → (`ubuntu`, `24.04`).
fn split_name(name: &str) -> (String, String) {
    match name.rsplit_once('-') {
        Some((id, release)) => (id.to_owned(), release.to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// `X.Y` from an interpreter path ending in `pythonX.Y`.
fn version_of_path(path: &str) -> Option<String> {
    let v = path.rsplit('/').next()?.strip_prefix("python")?;
    let (major, minor) = v.split_once('.')?;
    (!major.is_empty()
        && !minor.is_empty()
        && major
            .chars()
            .chain(minor.chars())
            .all(|c| c.is_ascii_digit()))
    .then(|| v.to_owned())
}

/// The built-in table, in display order: rpm targets, then deb targets, oldest first.
///
/// Python versions, suites and end-of-support dates were checked on
/// 2026-12-07: Debian's and Ubuntu's from distro-info-data 0.58+deb12u7
/// (`debian.csv`, `ubuntu.csv`: the end of LTS / standard support) and
/// packages.debian.org / packages.ubuntu.com (`python3`); Fedora's from
/// fedoraproject.org/wiki/Changes/Python3.NN and its release schedules;
/// EL's from Red Hat's "How RHEL provides secure and stable Python streams"
/// (2025-03-13) and the EL life cycles (endoflife.date). Each row's
/// compression source is on its line.
#[rustfmt::skip] // one row per line reads as the table it is
pub fn builtin() -> Vec<Distribution> {
    use Codec::{Xz, Zstd};
    use Format::{Deb, Rpm};
    let row = |name, format, codec, dist_tag, python, suite, end_of_life| Row { name, format, codec, dist_tag, python, suite, end_of_life };
    let mut table: Vec<Distribution> = [
        // rpm 4.11.3 has no zstd ("rpmlib(PayloadIsZstd) is needed" with rpm-4.11.3-43.el7, SAP/SapMachine#670); EL7 ships xz.
        // python3 3.6.8 in base since 7.7 (python3-3.6.8-18.el7 owns /usr/bin/python3.6; ceph commit "RHEL 7.7 support a native python3.6").
        row("centos-7", Rpm, Xz, Some("el7"), "3.6", None, "2024-06-30"),
        // zstd readable only since rpm-4.14.2-26.el8 / RHEL 8.2 (RHBZ#1715799); RHEL 8 builds its own packages with xz, so xz.
        // platform-python 3.6 provides python(abi) = 3.6; python36 owns /usr/bin/python3.6.
        row("rocky-8", Rpm, Xz, Some("el8"), "3.6", None, "2029-05-31"),
        // RHEL 9 builds its packages with zstd (RHEL 9 "Considerations in adopting RHEL 9", software management; zfsonlinux.github.com#69).
        row("rocky-9", Rpm, Zstd, Some("el9"), "3.9", None, "2032-05-31"),
        // EL 10 (Rocky 10 GA 2025-06-11) keeps EL 9's zstd payloads; python3 is 3.12; Rocky's build config sets disttag el10.
        row("rocky-10", Rpm, Zstd, Some("el10"), "3.12", None, "2035-05-31"),
        // Fedora 31+ builds with `w19.zstdio` (fedoraproject.org/wiki/Changes/Switch_RPMs_to_zstd_compression).
        row("fedora-40", Rpm, Zstd, Some("fc40"), "3.12", None, "2025-05-13"),
        row("fedora-41", Rpm, Zstd, Some("fc41"), "3.13", None, "2025-12-15"),
        row("fedora-42", Rpm, Zstd, Some("fc42"), "3.13", None, "2026-05-28"),
        row("fedora-43", Rpm, Zstd, Some("fc43"), "3.14", None, "2026-12-09"),
        row("fedora-44", Rpm, Zstd, Some("fc44"), "3.14", None, "2027-06-02"),
        // bullseye's dpkg is 1.20.13 (packages.debian.org src:dpkg); zstd came in dpkg 1.21.18 (Debian #892664).
        row("debian-11", Deb, Xz, None, "3.9", Some("bullseye"), "2026-08-31"),
        // bookworm's dpkg 1.21.22 reads zstd (src:dpkg; zstd since 1.21.18), but Debian builds with xz, dpkg-deb's default, so xz.
        row("debian-12", Deb, Xz, None, "3.11", Some("bookworm"), "2028-06-30"),
        // trixie's own packages (dpkg 1.22.22's .deb among them) still carry data.tar.xz.
        row("debian-13", Deb, Xz, None, "3.13", Some("trixie"), "2030-06-30"),
        // xenial's dpkg got zstd *read* support only by a 2021 SRU (LP#1764220), so a stock 16.04 cannot read it.
        row("ubuntu-16.04", Deb, Xz, None, "3.5", Some("xenial"), "2021-04-30"),
        // dpkg 1.19.0.5ubuntu2 (LP#1764220) reads zstd, but Ubuntu built with xz until 21.10, so xz.
        row("ubuntu-18.04", Deb, Xz, None, "3.6", Some("bionic"), "2023-05-31"),
        // Ubuntu switched its own packages to zstd in 21.10, after focal (Ubuntu "Hello zstd-compressed .debs"), so xz.
        row("ubuntu-20.04", Deb, Xz, None, "3.8", Some("focal"), "2025-05-29"),
        // Ubuntu builds its packages with zstd since 21.10 (GitLab MR 129761 citing it; debootstrap's scripts/gutsy: "impish+ will use zstd").
        row("ubuntu-22.04", Deb, Zstd, None, "3.10", Some("jammy"), "2027-06-01"),
        row("ubuntu-24.04", Deb, Zstd, None, "3.12", Some("noble"), "2029-05-31"),
        // Released 2026-04-23 with python3 3.14.3 (packages.ubuntu.com/resolute/python3).
        row("ubuntu-26.04", Deb, Zstd, None, "3.14", Some("resolute"), "2031-05-29"),
    ]
    .iter()
    .map(dist_from)
    .collect();
    // EL 7's python3 is /usr/bin/python3.6; EL 8's /usr/bin/python3 is an
    // alternatives link another python can move: the virtualenv links python3.6.
    for d in &mut table {
        match d.name.as_str() {
            "centos-7" => d.python = "/usr/bin/python3.6".to_owned(),
            "rocky-8" => {
                d.python = "/usr/bin/python3.6".to_owned();
                d.python_package = "python36".to_owned();
            }
            _ => {}
        }
    }
    table
}

/// The distribution `name`: the built-in one with the manifest's overrides
/// applied, or one the manifest defines. An unknown name is an error listing
/// the known names.
pub fn find(
    name: &str,
    overrides: &BTreeMap<String, DistributionOverride>,
) -> Result<Distribution, SpecError> {
    let base = builtin().into_iter().find(|d| d.name == name);
    match (base, overrides.get(name)) {
        (Some(d), None) => Ok(d),
        (Some(d), Some(o)) => o.apply(d),
        (None, Some(o)) => o.define(name),
        (None, None) => Err(SpecError::UnknownDistribution {
            name: name.to_owned(),
            known: known_names(overrides).join(", "),
        }),
    }
}

/// Every distribution: the built-in table with overrides applied, then the
/// manifest's new ones in name order. For `omnipack distributions`.
pub fn all(
    overrides: &BTreeMap<String, DistributionOverride>,
) -> Result<Vec<Distribution>, SpecError> {
    known_names(overrides)
        .iter()
        .map(|n| find(n, overrides))
        .collect()
}

fn known_names(overrides: &BTreeMap<String, DistributionOverride>) -> Vec<String> {
    let mut names: Vec<String> = builtin().into_iter().map(|d| d.name).collect();
    for n in overrides.keys() {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    names
}

/// Whether distribution `name` matches `pattern`: exactly, or as a glob where
/// `*` stands for any run of characters (`ubuntu-*`, `rocky-*`, `*`).
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    // Iterative wildcard match with one backtrack point (the last `*`).
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == n[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&b| b == b'*')
}

impl DistributionOverride {
    fn error(name: &str, problem: DistributionProblem) -> SpecError {
        SpecError::Distribution {
            name: name.to_owned(),
            problem,
        }
    }

    /// Applies these fields over `d`.
    fn apply(&self, mut d: Distribution) -> Result<Distribution, SpecError> {
        let name = d.name.clone();
        if let Some(f) = &self.format {
            let format = parse_format(&name, f)?;
            if format != d.format {
                // A format change brings that format's renames and drops an rpm-only dist tag.
                d.renames = renames_for(format);
                if format == Format::Deb {
                    d.dist_tag = None;
                }
                d.format = format;
            }
        }
        if let Some(c) = &self.compression {
            d.compression = c
                .parse()
                .map_err(|e| Self::error(&name, DistributionProblem::Compression(Box::new(e))))?;
        }
        if let Some(t) = &self.dist_tag {
            d.dist_tag = parse_dist_tag(&name, t)?;
        }
        if d.format == Format::Deb && self.dist_tag.as_deref().is_some_and(|t| !t.is_empty()) {
            return Err(Self::error(&name, DistributionProblem::DistTagOnDeb));
        }
        if let Some(p) = &self.python {
            if !p.starts_with('/') {
                return Err(Self::error(&name, DistributionProblem::Python(p.clone())));
            }
            d.python = p.clone();
            if let Some(v) = version_of_path(p) {
                d.python_version = v;
            }
        }
        if let Some(p) = &self.python_package {
            d.python_package = p.clone();
        }
        if let Some(v) = &self.python_version {
            if version_of_path(&format!("python{v}")).is_none() {
                return Err(Self::error(
                    &name,
                    DistributionProblem::PythonVersion(v.clone()),
                ));
            }
            d.python_version = v.clone();
        }
        if let Some(s) = &self.suite {
            d.suite = Some(s.clone());
        }
        if let Some(m) = &self.mirror {
            d.mirror = Some(m.clone());
        }
        if !self.repositories.is_empty() {
            d.repositories = self.repositories.clone();
        }
        if let Some(b) = &self.builder {
            if b.is_empty() {
                return Err(Self::error(&name, DistributionProblem::Builder));
            }
            d.builder = Some(b.clone());
        }
        for (from, to) in &self.renames {
            d.renames.insert(from.clone(), to.clone());
        }
        Ok(d)
    }

    /// Defines a distribution that is not built in.
    fn define(&self, name: &str) -> Result<Distribution, SpecError> {
        let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !valid_name {
            return Err(Self::error(name, DistributionProblem::Name));
        }
        let Some(f) = &self.format else {
            return Err(Self::error(
                name,
                DistributionProblem::MissingFormat {
                    name: name.to_owned(),
                    builtin: known_names(&BTreeMap::new()).join(", "),
                },
            ));
        };
        let format = parse_format(name, f)?;
        // Defaults for a new target: xz is readable by every dpkg ≥ 1.15.6 and
        // rpm ≥ 4.7 (see `Codec::Xz`), and python3 is where Debian, Ubuntu,
        // Fedora and EL ≥ 9 put it.
        let mut d = dist_from(&Row {
            name: "",
            format,
            codec: Codec::Xz,
            dist_tag: None,
            python: "",
            suite: None,
            end_of_life: "",
        });
        let (id, release) = split_name(name);
        d.name = name.to_owned();
        d.id = id;
        d.release = release;
        d.python = "/usr/bin/python3".to_owned();
        d.python_package = "python3".to_owned();
        let mut d = self.apply(d)?;
        // A deb distribution with a known python version: its versioned
        // interpreter package, as the built-in deb rows have.
        if d.format == Format::Deb && self.python.is_none() && !d.python_version.is_empty() {
            let (python, package) = interpreter(Format::Deb, &d.python_version);
            d.python = python;
            if self.python_package.is_none() {
                d.python_package = package;
            }
        }
        Ok(d)
    }
}

fn parse_format(name: &str, s: &str) -> Result<Format, SpecError> {
    match s {
        "deb" => Ok(Format::Deb),
        "rpm" => Ok(Format::Rpm),
        other => Err(DistributionOverride::error(
            name,
            DistributionProblem::UnknownFormat(other.to_owned()),
        )),
    }
}

fn parse_dist_tag(name: &str, s: &str) -> Result<Option<String>, SpecError> {
    let tag = s.strip_prefix('.').unwrap_or(s);
    if tag.is_empty() {
        return Ok(None);
    }
    // It ends up in the RPM Release, so it takes Release's characters.
    if !tag
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._+~^".contains(c))
    {
        return Err(DistributionOverride::error(
            name,
            DistributionProblem::DistTag(s.to_owned()),
        ));
    }
    Ok(Some(tag.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::shown;

    const REQUIRED: &[&str] = &[
        "centos-7",
        "rocky-8",
        "rocky-9",
        "rocky-10",
        "fedora-40",
        "fedora-41",
        "fedora-42",
        "fedora-43",
        "fedora-44",
        "ubuntu-16.04",
        "ubuntu-18.04",
        "ubuntu-20.04",
        "ubuntu-22.04",
        "ubuntu-24.04",
        "ubuntu-26.04",
        "debian-11",
        "debian-12",
        "debian-13",
    ];

    fn none() -> BTreeMap<String, DistributionOverride> {
        BTreeMap::new()
    }

    fn overrides(toml_text: &str) -> BTreeMap<String, DistributionOverride> {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn every_required_distribution_is_built_in_and_complete() {
        let all = builtin();
        assert_eq!(all.len(), REQUIRED.len());
        for name in REQUIRED {
            let d = find(name, &none()).unwrap();
            assert_eq!(&d.name, name);
            let rpm = ["centos-", "rocky-", "fedora-"]
                .iter()
                .any(|p| name.starts_with(p));
            assert_eq!(
                d.format,
                if rpm { Format::Rpm } else { Format::Deb },
                "{name}"
            );
            assert_eq!(d.dist_tag.is_some(), rpm, "{name}");
            assert!(d.python.starts_with("/usr/bin/python3"), "{name}");
            assert!(d.python_package.starts_with("python3"), "{name}");
            assert_eq!(
                version_of_path(&format!("python{}", d.python_version)).as_deref(),
                Some(d.python_version.as_str()),
                "{name}"
            );
            assert_eq!(format!("{}-{}", d.id, d.release), *name);
            assert_eq!(d.suite.is_some(), !rpm, "{name}");
            assert!(
                d.end_of_life.as_deref().is_some_and(|e| e.len() == 10),
                "{name}"
            );
            if !rpm {
                // The versioned interpreter package pins the release's python.
                assert_eq!(
                    d.python_package,
                    format!("python{}", d.python_version),
                    "{name}"
                );
                assert_eq!(
                    d.python,
                    format!("/usr/bin/python{}", d.python_version),
                    "{name}"
                );
            }
            assert!(!d.renames.is_empty(), "{name}");
            assert!(
                matches!(d.compression.codec, Codec::Xz | Codec::Zstd),
                "{name}"
            );
        }
        let tags: Vec<_> = all.iter().filter_map(|d| d.dist_tag.as_deref()).collect();
        assert_eq!(
            tags,
            [
                "el7", "el8", "el9", "el10", "fc40", "fc41", "fc42", "fc43", "fc44"
            ]
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = builtin().into_iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), REQUIRED.len());
    }

    /// Regression guard: these dpkg/rpm versions cannot read zstd.
    #[test]
    fn no_zstd_where_the_target_cannot_read_it() {
        for name in ["centos-7", "debian-11", "ubuntu-16.04", "rocky-8"] {
            let d = find(name, &none()).unwrap();
            assert_ne!(d.compression.codec, Codec::Zstd, "{name}");
        }
        for name in [
            "rocky-9",
            "rocky-10",
            "fedora-40",
            "ubuntu-22.04",
            "ubuntu-24.04",
        ] {
            assert_eq!(
                find(name, &none()).unwrap().compression.codec,
                Codec::Zstd,
                "{name}"
            );
        }
    }

    #[test]
    fn renames_follow_flocker() {
        let centos = find("centos-7", &none()).unwrap();
        let ubuntu = find("ubuntu-16.04", &none()).unwrap();
        assert_eq!(centos.rename("openssh-client"), "openssh-clients");
        assert_eq!(ubuntu.rename("openssh-client"), "openssh-client");
        assert_eq!(ubuntu.rename("openssh-clients"), "openssh-client");
        assert_eq!(centos.rename("iptables"), "iptables");
        assert_eq!(centos.arch_name(Arch::X86_64), "x86_64");
        assert_eq!(ubuntu.arch_name(Arch::X86_64), "amd64");
        assert_eq!(ubuntu.arch_name(Arch::All), "all");
        assert_eq!(centos.arch_name(Arch::All), "noarch");
    }

    #[test]
    fn python_backends_by_release() {
        let d = |n: &str| find(n, &none()).unwrap();
        // Guards issue 22: Debian has no `python3-flit-core`; `flit` ships flit_core.
        for n in ["debian-11", "debian-12", "debian-13"] {
            assert_eq!(
                d(n).python_backend("flit_core"),
                BackendPackage::Known("flit".into())
            );
        }
        assert_eq!(
            d("debian-12").python_backend("Poetry.Core"),
            BackendPackage::Known("python3-poetry-core".into())
        );
        assert_eq!(
            d("debian-11").python_backend("hatchling"),
            BackendPackage::Missing
        );
        assert_eq!(
            d("debian-12").python_backend("my-backend"),
            BackendPackage::Unchecked("python3-my-backend".into())
        );
        assert_eq!(
            d("ubuntu-24.04").python_backend("flit_core"),
            BackendPackage::Unchecked("python3-flit-core".into())
        );
        let o = overrides(
            r#"
            [debian-11]
            renames = { python3-hatchling = "hatchling-backport" }
            "#,
        );
        assert_eq!(
            find("debian-11", &o).unwrap().python_backend("hatchling"),
            BackendPackage::Known("hatchling-backport".into())
        );
        assert_eq!(d("debian-11").has_pybuild_pyproject(), Some(false));
        assert_eq!(d("debian-12").has_pybuild_pyproject(), Some(true));
        assert_eq!(d("ubuntu-22.04").has_pybuild_pyproject(), None);
    }

    #[test]
    fn overrides_apply_to_a_built_in_distribution() {
        let o = overrides(
            r#"
            [debian-12]
            compression = "zstd:19"
            python = "/opt/python/bin/python3.12"
            python-package = "example-python"
            renames = { lshw = "lshw-custom", openssh-clients = "ssh-client" }

            [rocky-9]
            dist-tag = ".el9_4"
            "#,
        );
        let d = find("debian-12", &o).unwrap();
        assert_eq!(d.compression.to_string(), "zstd:19");
        assert_eq!(d.python, "/opt/python/bin/python3.12");
        assert_eq!(d.python_package, "example-python");
        assert_eq!(d.rename("lshw"), "lshw-custom");
        assert_eq!(d.rename("openssh-clients"), "ssh-client");
        assert_eq!(d.rename("iproute"), "iproute2");
        assert_eq!(d.format, Format::Deb);
        let r = find("rocky-9", &o).unwrap();
        assert_eq!(r.dist_tag.as_deref(), Some("el9_4"));
        assert_eq!(r.compression.codec, Codec::Zstd);
        // Untouched distributions stay as built in.
        assert_eq!(
            find("debian-11", &o).unwrap(),
            find("debian-11", &none()).unwrap()
        );
    }

    #[test]
    fn a_manifest_can_define_a_new_distribution() {
        let o = overrides(
            r#"
            [almalinux-9]
            format = "rpm"
            dist-tag = "el9"
            compression = "zstd"
            "#,
        );
        let d = find("almalinux-9", &o).unwrap();
        assert_eq!(d.format, Format::Rpm);
        assert_eq!(d.dist_tag.as_deref(), Some("el9"));
        assert_eq!(d.compression.codec, Codec::Zstd);
        assert_eq!(d.python, "/usr/bin/python3");
        assert_eq!(d.rename("openssh-client"), "openssh-clients");
        let names: Vec<_> = all(&o).unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names.last().map(String::as_str), Some("almalinux-9"));
        assert_eq!(names.len(), REQUIRED.len() + 1);

        let o = overrides("[devuan-5]\nformat = \"deb\"\n");
        let d = find("devuan-5", &o).unwrap();
        assert_eq!(d.compression.codec, Codec::Xz);
        assert_eq!(d.dist_tag, None);
    }

    #[test]
    fn a_new_distribution_without_format_is_an_error_naming_it() {
        let o = overrides("[almalinux-9]\ndist-tag = \"el9\"\n");
        let err = find("almalinux-9", &o).unwrap_err().to_string();
        assert!(err.contains("distribution `almalinux-9`"), "{err}");
        assert!(err.contains("[distributions.almalinux-9]"), "{err}");
        assert!(err.contains("format = \"rpm\""), "{err}");
    }

    #[test]
    fn bad_override_values_are_errors_naming_the_distribution() {
        for (text, name, needle) in [
            (
                "[rocky-9]\nformat = \"tgz\"\n",
                "rocky-9",
                "use `deb` or `rpm`",
            ),
            (
                "[rocky-9]\ncompression = \"bzip2\"\n",
                "rocky-9",
                "`compression`",
            ),
            (
                "[rocky-9]\npython = \"python3\"\n",
                "rocky-9",
                "absolute path",
            ),
            ("[rocky-9]\ndist-tag = \"el-9\"\n", "rocky-9", "`dist-tag`"),
            (
                "[debian-12]\ndist-tag = \"el9\"\n",
                "debian-12",
                "rpm distributions only",
            ),
            (
                "[\"Bad Name\"]\nformat = \"deb\"\n",
                "Bad Name",
                "lowercase letters",
            ),
        ] {
            let err = shown(&find(name, &overrides(text)).unwrap_err());
            assert!(err.contains(&format!("distribution `{name}`")), "{err}");
            assert!(err.contains(needle), "{text}: {err}");
        }
        // Unknown keys are refused by serde (deny_unknown_fields), naming the key.
        let err = toml::from_str::<BTreeMap<String, DistributionOverride>>(
            "[rocky-9]\npython_package = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("python_package"), "{err}");
    }

    #[test]
    fn changing_the_format_brings_that_formats_renames() {
        let o = overrides("[rocky-9]\nformat = \"deb\"\n");
        let d = find("rocky-9", &o).unwrap();
        assert_eq!(d.format, Format::Deb);
        assert_eq!(d.dist_tag, None);
        assert_eq!(d.rename("openssh-clients"), "openssh-client");
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let o = overrides("[almalinux-9]\nformat = \"rpm\"\n");
        let err = shown(&find("ubuntu-14.04", &o).unwrap_err());
        assert!(err.contains("unknown distribution `ubuntu-14.04`"), "{err}");
        for name in REQUIRED.iter().chain(&["almalinux-9"]) {
            assert!(err.contains(name), "{name} missing from: {err}");
        }
        assert!(err.contains("[distributions.ubuntu-14.04]"), "{err}");
    }

    #[test]
    fn interpreter_dependencies_pin_the_python_version() {
        let d = find("debian-12", &none()).unwrap();
        assert_eq!(d.interpreter_depends(), ["python3.11"]);
        let r = find("rocky-9", &none()).unwrap();
        assert_eq!(r.interpreter_depends(), ["python3", "python(abi) = 3.9"]);
        let r8 = find("rocky-8", &none()).unwrap();
        assert_eq!(r8.interpreter_depends(), ["python36", "python(abi) = 3.6"]);
        // An interpreter override brings its version from its name.
        let o = overrides(
            "[rocky-9]\npython = \"/usr/bin/python3.11\"\npython-package = \"python3.11\"\n",
        );
        let r = find("rocky-9", &o).unwrap();
        assert_eq!(r.python_version, "3.11");
        assert_eq!(
            r.interpreter_depends(),
            ["python3.11", "python(abi) = 3.11"]
        );
        let o = overrides(
            "[devuan-5]\nformat = \"deb\"\npython-version = \"3.11\"\nsuite = \"daedalus\"\nbuilder = \"auto\"\n",
        );
        let d = find("devuan-5", &o).unwrap();
        assert_eq!((d.id.as_str(), d.release.as_str()), ("devuan", "5"));
        assert_eq!(d.python, "/usr/bin/python3.11");
        assert_eq!(d.suite.as_deref(), Some("daedalus"));
        assert_eq!(d.builder.as_deref(), Some("auto"));
        let err =
            shown(&find("rocky-9", &overrides("[rocky-9]\npython-version = \"3\"\n")).unwrap_err());
        assert!(
            err.contains("`python-version`") && err.contains("`3`"),
            "{err}"
        );
    }

    #[test]
    fn end_of_life_is_a_date_comparison() {
        let c = find("centos-7", &none()).unwrap();
        assert!(c.is_end_of_life("2026-12-07"));
        assert!(!c.is_end_of_life("2024-06-30"));
        assert!(
            !find("debian-13", &none())
                .unwrap()
                .is_end_of_life("2026-12-07")
        );
    }

    #[test]
    fn glob_matching() {
        assert!(matches("ubuntu-22.04", "ubuntu-22.04"));
        assert!(!matches("ubuntu-22.04", "ubuntu-22.040"));
        assert!(matches("ubuntu-*", "ubuntu-16.04"));
        assert!(!matches("ubuntu-*", "debian-12"));
        assert!(matches("rocky-*", "rocky-9"));
        assert!(matches("*", "fedora-40"));
        assert!(matches("*", ""));
        assert!(matches("*-9", "rocky-9"));
        assert!(!matches("*-9", "rocky-8"));
        assert!(matches("*.04", "ubuntu-24.04"));
        assert!(matches("u*-2*.04", "ubuntu-22.04"));
        assert!(matches("**", "x"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "aXbYbZ"));
        assert!(!matches("", "x"));
        assert!(!matches("ubuntu", "ubuntu-22.04"));
        let rpm: Vec<_> = builtin()
            .into_iter()
            .filter(|d| matches("rocky-*", &d.name))
            .map(|d| d.name)
            .collect();
        assert_eq!(rpm, ["rocky-8", "rocky-9", "rocky-10"]);
    }

    #[test]
    fn describe_is_one_aligned_line() {
        let d = find("centos-7", &none()).unwrap();
        let line = d.describe();
        assert!(!line.contains('\n'));
        assert_eq!(line, d.to_string());
        assert_eq!(
            line,
            "centos-7       rpm    xz          el7      -        2024-06-30  3.6 /usr/bin/python3.6 (python3)"
        );
        let u = find("ubuntu-24.04", &none()).unwrap().describe();
        assert_eq!(
            u,
            "ubuntu-24.04   deb    zstd        -        noble    2029-05-31  3.12 /usr/bin/python3.12 (python3.12)"
        );
        let header = Distribution::table_header();
        assert_eq!(header.find("FORMAT"), line.find("rpm"));
        assert_eq!(header.find("COMPRESSION"), line.find("xz"));
        assert_eq!(header.find("DIST TAG"), line.find("el7"));
        assert_eq!(header.find("SUITE"), u.find("noble"));
        assert_eq!(header.find("EOL"), line.find("2024"));
        assert_eq!(header.find("PYTHON"), line.find("3.6 "));
    }
}
