//! A repository of channels, Flocker's layout: one leaf per distribution,
//! channel and architecture, `<os>[-testing]/<version>/<arch>/`
//! (`debian/12/amd64/`, `rocky-testing/9/x86_64/`), each a flat repository
//! indexed by [`crate::index`].
//!
//! * [`add`] places packages in their leaves (refusing a name + version +
//!   arch that is already there with different contents), applies retention;
//! * [`promote`] copies exact packages from one channel to another;
//! * [`remove`] deletes packages; [`list`] says what is where.
//!
//! Each returns the leaves it touched, so only those are re-indexed
//! ([`crate::IndexOptions::leaves`]). Every check runs before the first file
//! is copied or deleted, and each copy is written under a hidden temporary
//! name and renamed, so a failed command changes nothing and a crash never
//! leaves half a package where the indexer would see it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_spec::distribution::Distribution;
use omnipack_spec::vercmp::{compare_packages, deb_version};
use omnipack_spec::{Arch, Format};
use serde::Serialize;

use crate::cache::Cache;
use crate::scan::{self, IndexInfo, Problem, find_leaves, scan_leaf};
use crate::{Record, RepoError};

/// A channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// `<os>/<version>/<arch>/`: what users install.
    Stable,
    /// `<os>-testing/<version>/<arch>/`: candidates.
    Testing,
}

impl Channel {
    /// `stable` / `testing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Stable => "stable",
            Channel::Testing => "testing",
        }
    }
}

/// Where one leaf is in the layout.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LeafId {
    /// The distribution (`debian-12`).
    pub distribution: String,
    /// The channel.
    pub channel: Channel,
    /// The architecture directory (`amd64`, `x86_64`).
    pub arch: String,
}

impl LeafId {
    /// The leaf's directory under `repo`.
    pub fn dir(&self, repo: &Path) -> Result<PathBuf, RepoError> {
        let (os, version) = split_distribution(&self.distribution)?;
        let suffix = match self.channel {
            Channel::Stable => "",
            Channel::Testing => "-testing",
        };
        Ok(repo
            .join(format!("{os}{suffix}"))
            .join(version)
            .join(&self.arch))
    }

    /// The leaf `dir` (under `repo`) stands for, if it is one.
    pub fn of_dir(repo: &Path, dir: &Path) -> Option<LeafId> {
        let rel = dir.strip_prefix(repo).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let [os, version, arch] = parts.as_slice() else {
            return None;
        };
        let (os, channel) = match os.strip_suffix("-testing") {
            Some(os) => (os, Channel::Testing),
            None => (os.as_str(), Channel::Stable),
        };
        Some(LeafId {
            distribution: format!("{os}-{version}"),
            channel,
            arch: arch.clone(),
        })
    }
}

fn split_distribution(name: &str) -> Result<(&str, &str), RepoError> {
    match name.rsplit_once('-') {
        Some((os, v))
            if !os.is_empty() && !v.is_empty() && !v.contains('/') && !os.contains('/') =>
        {
            Ok((os, v))
        }
        _ => Err(RepoError::Channel(format!(
            "distribution `{name}` is not `<os>-<version>` (like `debian-12`), so it has no place \
             in the `<os>[-testing]/<version>/<arch>/` layout"
        ))),
    }
}

/// Options of [`add`].
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// The channel to add to.
    pub channel: Channel,
    /// The distribution, if not told by where the package comes from.
    pub distribution: Option<Distribution>,
    /// Distributions the packages' directories and dist tags are matched against.
    pub known: Vec<Distribution>,
    /// Keep this many newest versions of each package name per leaf.
    pub keep: Option<usize>,
}

/// What a command changed.
#[derive(Debug, Default)]
pub struct Changes {
    /// Packages copied in: (from, to).
    pub copied: Vec<(PathBuf, PathBuf)>,
    /// Packages already in place with the same contents: (from, existing).
    pub unchanged: Vec<(PathBuf, PathBuf)>,
    /// Packages deleted (by `remove` or retention).
    pub removed: Vec<PathBuf>,
    /// Leaves whose packages changed: to re-index.
    pub touched: BTreeSet<PathBuf>,
}

/// A package's distribution: the one given, else the directory it sits in
/// when that is a distribution's name (`omnipack build` writes
/// `OUT/<distribution>/`), else the one distribution whose dist tag ends
/// the RPM release (`1.el9`).
fn distribution_of<'a>(
    path: &Path,
    info: &IndexInfo,
    opts: &'a AddOptions,
) -> Result<&'a Distribution, RepoError> {
    if let Some(d) = &opts.distribution {
        return Ok(d);
    }
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(d) = opts
        .known
        .iter()
        .find(|d| d.name == parent && d.format == info.format)
    {
        return Ok(d);
    }
    if info.format == Format::Rpm {
        let tagged: Vec<&Distribution> = opts
            .known
            .iter()
            .filter(|d| {
                d.dist_tag
                    .as_deref()
                    .is_some_and(|t| info.release.ends_with(&format!(".{t}")))
            })
            .collect();
        if let [one] = tagged.as_slice() {
            return Ok(one);
        }
    }
    let names: Vec<&str> = opts
        .known
        .iter()
        .filter(|d| d.format == info.format)
        .map(|d| d.name.as_str())
        .collect();
    Err(RepoError::Channel(format!(
        "cannot tell which distribution `{}` is for (its directory is not a distribution's \
         name and its release names none uniquely); give --distribution, one of: {}",
        path.display(),
        names.join(", ")
    )))
}

/// The leaves an arch-independent package goes to: every leaf of its
/// distribution and channel that exists, else the distribution's x86-64 one.
fn arch_dirs(
    repo: &Path,
    dist: &Distribution,
    channel: Channel,
    arch: &str,
) -> Result<Vec<String>, RepoError> {
    if arch != "all" && arch != "noarch" {
        return Ok(vec![arch.to_owned()]);
    }
    let probe = LeafId {
        distribution: dist.name.clone(),
        channel,
        arch: String::new(),
    };
    let base = probe.dir(repo)?;
    let mut archs = Vec::new();
    if let Ok(rd) = fs::read_dir(&base) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() && !name.starts_with('.') {
                archs.push(name);
            }
        }
    }
    archs.sort();
    if archs.is_empty() {
        archs.push(dist.arch_name(Arch::X86_64).to_owned());
    }
    Ok(archs)
}

/// The version as clients write it: `[epoch:]version-release` (deb) or
/// `version-release` with an optional `epoch:` (rpm).
pub fn version_of(info: &IndexInfo) -> String {
    deb_version(info)
}

/// A leaf's packages, read through the cache.
struct LeafState {
    records: Vec<Record>,
    problems: Vec<Problem>,
}

/// Scans each leaf once, through the cache.
struct Leaves<'c> {
    cache: &'c mut Cache,
    state: BTreeMap<PathBuf, LeafState>,
}

impl Leaves<'_> {
    fn get(&mut self, dir: &Path) -> Result<&mut LeafState, RepoError> {
        if !self.state.contains_key(dir) {
            let state = if dir.is_dir() {
                let s = scan_leaf(dir, self.cache)?;
                LeafState {
                    records: s.records,
                    problems: s.problems,
                }
            } else {
                LeafState {
                    records: Vec::new(),
                    problems: Vec::new(),
                }
            };
            self.state.insert(dir.to_path_buf(), state);
        }
        self.state
            .get_mut(dir)
            .ok_or_else(|| RepoError::Channel("a leaf went missing".into()))
    }

    /// Gives every record back to the cache and saves it.
    fn finish(self) {
        for (_, s) in self.state {
            self.cache.give_back(s.records);
        }
    }
}

/// One planned copy.
struct Copy {
    from: PathBuf,
    to: PathBuf,
    record: Record,
}

/// Plans putting `record` (read from `from`) into the leaf `dir`: nothing
/// to do if the same file is there, an error if the same name + version +
/// arch is there with other contents.
fn plan_copy(
    leaves: &mut Leaves<'_>,
    dir: &Path,
    from: &Path,
    record: &Record,
    planned: &mut Vec<Copy>,
    changes: &mut Changes,
) -> Result<(), RepoError> {
    let file_name = from
        .file_name()
        .ok_or_else(|| RepoError::Channel(format!("`{}` has no file name", from.display())))?;
    let to = dir.join(file_name);
    let same_nva = |r: &Record| {
        r.info.format == record.info.format
            && r.info.name == record.info.name
            && version_of(&r.info) == version_of(&record.info)
            && r.info.arch == record.info.arch
    };
    for p in planned.iter().filter(|c| c.to.parent() == Some(dir)) {
        if p.to == to || same_nva(&p.record) {
            if p.record.sha256 == record.sha256 {
                return Ok(());
            }
            return Err(RepoError::Channel(format!(
                "`{}` and `{}` are different files for {} {} {}; add one of them",
                p.from.display(),
                from.display(),
                record.info.name,
                version_of(&record.info),
                record.info.arch
            )));
        }
    }
    let state = leaves.get(dir)?;
    for r in &state.records {
        if r.path == to || same_nva(r) {
            if r.sha256 == record.sha256 && r.path == to {
                changes.unchanged.push((from.to_path_buf(), r.path.clone()));
                return Ok(());
            }
            return Err(RepoError::Channel(format!(
                "{} {} {} is already in `{}` as `{}` with different contents; a published \
                 version never changes: bump the version (or `repo remove` it first)",
                record.info.name,
                version_of(&record.info),
                record.info.arch,
                dir.display(),
                r.path.display()
            )));
        }
    }
    if to.exists() {
        // A file the scan could not read (corrupt, not a package) sits there.
        return Err(RepoError::Channel(format!(
            "`{}` exists and is not a readable package; remove it first",
            to.display()
        )));
    }
    planned.push(Copy {
        from: from.to_path_buf(),
        to,
        record: record.clone(),
    });
    Ok(())
}

/// Copies `from` to `to` under a hidden temporary name, synced, then renamed.
fn copy_atomically(from: &Path, to: &Path) -> Result<(), RepoError> {
    let mut tmp = omnipack_core::AtomicFile::create(to)?;
    let mut src = fs::File::open(from)?;
    std::io::copy(&mut src, &mut tmp)?;
    tmp.commit(0o644)?;
    Ok(())
}

/// Runs the planned copies, then retention, and saves the cache.
fn apply(
    mut leaves: Leaves<'_>,
    planned: Vec<Copy>,
    keep: Option<usize>,
    mut changes: Changes,
) -> Result<Changes, RepoError> {
    for c in planned {
        copy_atomically(&c.from, &c.to)?;
        let dir = c.to.parent().map(Path::to_path_buf).unwrap_or_default();
        changes.copied.push((c.from, c.to.clone()));
        changes.touched.insert(dir.clone());
        // Known to retention below; not to the cache (a new file is read
        // when the leaf is indexed), so without the origin of the record
        // it was copied from.
        let rel =
            c.to.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
        let record = Record {
            path: c.to,
            rel,
            origin: Default::default(),
            ..c.record
        };
        leaves.get(&dir)?.records.push(record);
    }
    if let Some(keep) = keep {
        let dirs: Vec<PathBuf> = changes.touched.iter().cloned().collect();
        for dir in dirs {
            let state = leaves.get(&dir)?;
            let mut by_name: BTreeMap<(&str, String, String), Vec<usize>> = BTreeMap::new();
            for (i, r) in state.records.iter().enumerate() {
                by_name
                    .entry((
                        r.info.format.as_str(),
                        r.info.name.clone(),
                        r.info.arch.clone(),
                    ))
                    .or_default()
                    .push(i);
            }
            let mut drop = BTreeSet::new();
            for idx in by_name.values() {
                let mut idx = idx.clone();
                idx.sort_by(|&a, &b| {
                    compare_packages(&state.records[b].info, &state.records[a].info)
                });
                drop.extend(idx.into_iter().skip(keep.max(1)));
            }
            let mut kept = Vec::new();
            for (i, r) in std::mem::take(&mut state.records).into_iter().enumerate() {
                if drop.contains(&i) {
                    fs::remove_file(&r.path)?;
                    changes.removed.push(r.path);
                } else {
                    kept.push(r);
                }
            }
            state.records = kept;
        }
    }
    leaves.finish();
    Ok(changes)
}

/// Reads a package to be added (not through the cache: it is outside the repository).
fn read_new(path: &Path) -> Result<Record, RepoError> {
    scan::read_package(path).map_err(|p| RepoError::Package {
        path: p.path,
        reason: p.message,
    })
}

/// Places `packages` in `repo` (see the module documentation). Returns what
/// changed; re-index [`Changes::touched`] afterwards.
pub fn add(
    repo: &Path,
    packages: &[PathBuf],
    opts: &AddOptions,
    cache: &mut Cache,
) -> Result<Changes, RepoError> {
    let mut leaves = Leaves {
        cache,
        state: BTreeMap::new(),
    };
    let mut planned = Vec::new();
    let mut changes = Changes::default();
    for path in packages {
        let record = read_new(path)?;
        let dist = distribution_of(path, &record.info, opts)?;
        if dist.format != record.info.format {
            return Err(RepoError::Channel(format!(
                "`{}` is a .{} package but {} takes .{} packages",
                path.display(),
                record.info.format.as_str(),
                dist.name,
                dist.format.as_str()
            )));
        }
        for arch in arch_dirs(repo, dist, opts.channel, &record.info.arch)? {
            let leaf = LeafId {
                distribution: dist.name.clone(),
                channel: opts.channel,
                arch,
            };
            let dir = leaf.dir(repo)?;
            plan_copy(&mut leaves, &dir, path, &record, &mut planned, &mut changes)?;
        }
    }
    apply(leaves, planned, opts.keep, changes)
}

/// `NAME` or `NAME=VERSION` (the version as `repo list` prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Package name.
    pub name: String,
    /// Exact version, or the newest.
    pub version: Option<String>,
}

impl std::str::FromStr for Selector {
    type Err = String;
    fn from_str(s: &str) -> Result<Selector, String> {
        let (name, version) = match s.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().to_owned())),
            None => (s.trim(), None),
        };
        if name.is_empty() || version.as_deref() == Some("") {
            return Err(format!("`{s}` is not NAME or NAME=VERSION"));
        }
        Ok(Selector {
            name: name.to_owned(),
            version,
        })
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{}={v}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Leaves of `repo` in `channel` (and `distribution`, if given).
fn channel_leaves(
    repo: &Path,
    channel: Option<Channel>,
    distribution: Option<&str>,
) -> Result<Vec<(LeafId, PathBuf)>, RepoError> {
    let mut out = Vec::new();
    for dir in find_leaves(repo)? {
        if let Some(id) = LeafId::of_dir(repo, &dir)
            && channel.is_none_or(|c| c == id.channel)
            && distribution.is_none_or(|d| d == id.distribution)
        {
            out.push((id, dir));
        }
    }
    Ok(out)
}

/// The records in `state` `sel` picks: the exact version, or the newest
/// version of the name (per architecture).
fn select<'a>(records: &'a [Record], sel: &Selector) -> Vec<&'a Record> {
    let named: Vec<&Record> = records.iter().filter(|r| r.info.name == sel.name).collect();
    match &sel.version {
        Some(v) => named
            .into_iter()
            .filter(|r| &version_of(&r.info) == v || r.info.version == *v)
            .collect(),
        None => {
            let mut newest: BTreeMap<&str, &Record> = BTreeMap::new();
            for r in named {
                let slot = newest.entry(r.info.arch.as_str()).or_insert(r);
                if compare_packages(&r.info, &slot.info).is_gt() {
                    *slot = r;
                }
            }
            newest.into_values().collect()
        }
    }
}

/// Copies the packages `selectors` pick from channel `from` to channel `to`
/// of the same distribution and architecture (every distribution, or the
/// one given). Every selector must pick something.
pub fn promote(
    repo: &Path,
    from: Channel,
    to: Channel,
    selectors: &[Selector],
    distribution: Option<&str>,
    keep: Option<usize>,
    cache: &mut Cache,
) -> Result<Changes, RepoError> {
    if from == to {
        return Err(RepoError::Channel(format!(
            "--from and --to are both {}; promote copies between channels",
            from.as_str()
        )));
    }
    let mut leaves = Leaves {
        cache,
        state: BTreeMap::new(),
    };
    let mut picks: Vec<(PathBuf, Record)> = Vec::new();
    let sources = channel_leaves(repo, Some(from), distribution)?;
    for sel in selectors {
        let mut found = false;
        for (id, dir) in &sources {
            let state = leaves.get(dir)?;
            for r in select(&state.records, sel) {
                found = true;
                let target = LeafId {
                    channel: to,
                    ..id.clone()
                }
                .dir(repo)?;
                picks.push((target, r.clone()));
            }
        }
        if !found {
            return Err(RepoError::Channel(format!(
                "`{sel}` is not in the {} channel{}; `omnipack repo list` shows what is",
                from.as_str(),
                distribution.map(|d| format!(" of {d}")).unwrap_or_default()
            )));
        }
    }
    let mut planned = Vec::new();
    let mut changes = Changes::default();
    for (target, r) in &picks {
        plan_copy(&mut leaves, target, &r.path, r, &mut planned, &mut changes)?;
    }
    apply(leaves, planned, keep, changes)
}

/// Deletes the packages `selectors` pick (a bare name: every version) from
/// `channel` (or both) of every distribution (or the one given).
pub fn remove(
    repo: &Path,
    selectors: &[Selector],
    channel: Option<Channel>,
    distribution: Option<&str>,
    cache: &mut Cache,
) -> Result<Changes, RepoError> {
    let mut leaves = Leaves {
        cache,
        state: BTreeMap::new(),
    };
    let mut doomed: Vec<(PathBuf, PathBuf)> = Vec::new();
    let dirs = channel_leaves(repo, channel, distribution)?;
    for sel in selectors {
        let mut found = false;
        for (_, dir) in &dirs {
            let state = leaves.get(dir)?;
            let picked: Vec<&Record> = match &sel.version {
                Some(_) => select(&state.records, sel),
                None => state
                    .records
                    .iter()
                    .filter(|r| r.info.name == sel.name)
                    .collect(),
            };
            for r in picked {
                found = true;
                doomed.push((dir.clone(), r.path.clone()));
            }
        }
        if !found {
            return Err(RepoError::Channel(format!(
                "`{sel}` is not in the repository{}; `omnipack repo list` shows what is",
                channel
                    .map(|c| format!(" ({} channel)", c.as_str()))
                    .unwrap_or_default()
            )));
        }
    }
    let mut changes = Changes::default();
    doomed.sort();
    doomed.dedup();
    for (dir, path) in doomed {
        fs::remove_file(&path)?;
        let state = leaves.get(&dir)?;
        state.records.retain(|r| r.path != path);
        changes.removed.push(path);
        changes.touched.insert(dir);
    }
    leaves.finish();
    Ok(changes)
}

/// One package in [`list`].
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Name.
    pub name: String,
    /// Version as selectors take it.
    pub version: String,
    /// Architecture.
    pub arch: String,
    /// The file, relative to the repository.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// One leaf in [`list`].
#[derive(Debug, Clone, Serialize)]
pub struct ListedLeaf {
    /// Where it is in the layout.
    #[serde(flatten)]
    pub id: LeafId,
    /// The directory, relative to the repository.
    pub dir: String,
    /// Its packages, by name then version (newest last).
    pub packages: Vec<Listed>,
    /// Files that are not readable packages.
    pub problems: Vec<String>,
}

/// What is in every leaf of `repo` (leaves outside the channel layout are
/// listed with an empty distribution).
pub fn list(repo: &Path, cache: &mut Cache) -> Result<Vec<ListedLeaf>, RepoError> {
    let mut leaves = Leaves {
        cache,
        state: BTreeMap::new(),
    };
    let mut out = Vec::new();
    for dir in find_leaves(repo)? {
        let id = LeafId::of_dir(repo, &dir).unwrap_or(LeafId {
            distribution: String::new(),
            channel: Channel::Stable,
            arch: String::new(),
        });
        let rel = |p: &Path| {
            p.strip_prefix(repo)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        };
        let state = leaves.get(&dir)?;
        let mut records: Vec<&Record> = state.records.iter().collect();
        records.sort_by(|a, b| {
            a.info
                .name
                .cmp(&b.info.name)
                .then_with(|| compare_packages(&a.info, &b.info))
                .then_with(|| a.info.arch.cmp(&b.info.arch))
        });
        out.push(ListedLeaf {
            id,
            dir: rel(&dir),
            packages: records
                .iter()
                .map(|r| Listed {
                    name: r.info.name.clone(),
                    version: version_of(&r.info),
                    arch: r.info.arch.clone(),
                    file: rel(&r.path),
                    sha256: r.sha256.to_string(),
                })
                .collect(),
            problems: state
                .problems
                .iter()
                .map(|p| format!("{}: {}", rel(&p.path), p.message))
                .collect(),
        });
    }
    leaves.finish();
    Ok(out)
}
