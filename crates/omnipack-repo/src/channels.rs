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
//! Each is the whole operation: the repository directory checked, the
//! signing key loaded (before anything is copied), the index cache loaded
//! and threaded through, and then only the leaves it touched re-indexed
//! ([`crate::IndexOptions::leaves`]) with the defaults of a channel
//! repository (flat layout, every kind, [`crate::DEFAULT_KEEP`] superseded
//! generations, dated `SOURCE_DATE_EPOCH` or now). Every check runs before
//! the first file is copied or deleted, and each copy is written under a
//! hidden temporary name and renamed, so a failed command changes nothing
//! and a crash never leaves half a package where the indexer would see it.
//! A cache that cannot be saved is a warning in the report, not an error:
//! the repository operation succeeded, and only the next run is slower.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use omnipack_sign::Signer;
use omnipack_spec::distribution::Distribution;
use omnipack_spec::vercmp::{compare_packages, deb_version};
use omnipack_spec::{Arch, Format};
use serde::Serialize;

use crate::RepoError;
use crate::apt::AptOptions;
use crate::cache::Cache;
use crate::config::{Overrides, RepoConfig, channel_config, settings};
use crate::index::{DEFAULT_KEEP, IndexKind, IndexOptions, IndexReport, Layout, index_with};
use crate::record::{IndexInfo, Record};
use crate::scan::{self, Problem, find_leaves, scan_leaf};
use crate::yum::YumOptions;

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
    fn dir(&self, repo: &Path) -> Result<PathBuf, RepoError> {
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
    fn of_dir(repo: &Path, dir: &Path) -> Option<LeafId> {
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

/// The .rpm files in every leaf of `distribution` (both channels, every
/// architecture) under `repo`, sorted: what a `<vendor>-release` package's
/// `.repo` file will have dnf install.
pub fn distribution_rpms(repo: &Path, distribution: &str) -> Result<Vec<PathBuf>, RepoError> {
    let mut out = Vec::new();
    for leaf in find_leaves(repo)? {
        let ours = LeafId::of_dir(repo, &leaf).is_some_and(|id| id.distribution == distribution);
        if !ours {
            continue;
        }
        for entry in fs::read_dir(&leaf)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "rpm") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What a `<vendor>-release` package for one distribution of a
/// repository says, from the repository's configuration and its packages
/// (`omnipack release-package --repo REPO`).
#[derive(Debug, Clone, Default)]
pub struct ReleaseSettings {
    /// The key clients are given: the flag's, else the configured
    /// `sign-key` (its public part goes in the package).
    pub key: Option<PathBuf>,
    /// `[release] vendor`.
    pub vendor: Option<String>,
    /// `[release] base-url`.
    pub base_url: Option<String>,
    /// The `.repo` file may set `gpgcheck=1`: every RPM of the
    /// distribution is signed by the key.
    pub package_gpgcheck: bool,
    /// What the command should say (why `gpgcheck=0`).
    pub notes: Vec<String>,
}

/// [`ReleaseSettings`] for `distribution` of `repo`; `key` overrides the
/// configured one. For an RPM distribution (`rpm`), each of its RPMs is
/// checked for a header signature by the key: with `sign-packages` on,
/// one without is an error (dnf with `gpgcheck=1` would refuse it); with
/// it off, unsigned RPMs make the `.repo` file check the signed metadata
/// only (`repo_gpgcheck=1`, `gpgcheck=0`), which is said.
pub fn release_settings(
    repo: &Path,
    distribution: &str,
    key: Option<&Path>,
    rpm: bool,
) -> Result<ReleaseSettings, RepoError> {
    let config =
        RepoConfig::load(repo)?.ok_or_else(|| RepoError::NotARepository(repo.to_path_buf()))?;
    let release = config.release.clone().unwrap_or_default();
    let mut out = ReleaseSettings {
        key: key.map(Path::to_path_buf).or_else(|| config.key_file(repo)),
        vendor: release.vendor,
        base_url: release.base_url,
        package_gpgcheck: false,
        notes: Vec::new(),
    };
    let Some(key_file) = out.key.clone().filter(|_| rpm) else {
        return Ok(out);
    };
    let verifier = omnipack_sign::Verifier::from_file(&key_file)?;
    let rpms = distribution_rpms(repo, distribution)?;
    let mut unsigned = Vec::new();
    for p in &rpms {
        if !omnipack_sign::rpm_signed_by(p, &verifier)? {
            unsigned.push(p.clone());
        }
    }
    if config.sign_packages && !unsigned.is_empty() {
        return Err(RepoError::UnsignedPackages {
            fingerprint: verifier.fingerprint.clone(),
            paths: unsigned,
        });
    }
    out.package_gpgcheck = unsigned.is_empty() && (config.sign_packages || !rpms.is_empty());
    if !out.package_gpgcheck {
        out.notes.push(format!(
            "the RPMs of `{}` for {distribution} are not signed by key {} (`sign-packages` is off), so the .repo file sets gpgcheck=0 with repo_gpgcheck=1: dnf verifies the signed repomd.xml, which pins every package's SHA-256, but not each package; to sign them, set `sign-packages = true` in repo.toml and add them again (or `omnipack sign` them and `omnipack repo index`)",
            repo.display(),
            verifier.fingerprint
        ));
    }
    Ok(out)
}

fn split_distribution(name: &str) -> Result<(&str, &str), RepoError> {
    match name.rsplit_once('-') {
        Some((os, v))
            if !os.is_empty() && !v.is_empty() && !v.contains('/') && !os.contains('/') =>
        {
            Ok((os, v))
        }
        _ => Err(RepoError::BadDistributionName(name.to_owned())),
    }
}

/// How a channel operation re-indexes the leaves it touched: flags, each
/// overriding the repository's `.omnipack/repo.toml` for one run.
#[derive(Debug, Clone, Default)]
pub struct ReindexOptions {
    /// Sign the indexes with the armored secret key in this file (loaded
    /// before anything is changed) instead of the configured one.
    pub sign_key: Option<PathBuf>,
    /// The fingerprint of the (sub)key of `sign_key` that signs.
    pub sign_subkey: Option<String>,
    /// The passphrase of a protected key (its first line).
    pub passphrase_file: Option<PathBuf>,
    /// Compress yum metadata with zstd instead of gzip (not for EL7).
    pub yum_zstd: bool,
    /// Where the incremental cache lives (default: omnipack's cache directory).
    pub cache_dir: Option<PathBuf>,
}

/// Options of [`add`].
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// The channel to add to.
    pub channel: Channel,
    /// The distribution by name (see `omnipack distributions`), if not told
    /// by where each package comes from.
    pub distribution: Option<String>,
    /// Keep this many newest versions of each package name per leaf
    /// (default: the configured `keep`, else all).
    pub keep: Option<usize>,
    /// Sign each RPM (a header signature, with the signing key) before
    /// placing it; also when the configuration says `sign-packages`.
    pub sign_packages: bool,
    /// How the leaves touched are re-indexed.
    pub index: ReindexOptions,
}

/// Options of [`promote`].
#[derive(Debug, Clone)]
pub struct PromoteOptions {
    /// The channel to copy from.
    pub from: Channel,
    /// The channel to copy to.
    pub to: Channel,
    /// Only this distribution (default: every one holding the packages).
    pub distribution: Option<String>,
    /// Keep this many newest versions of each package name per leaf touched
    /// (default: the configured `keep`, else all).
    pub keep: Option<usize>,
    /// How the leaves touched are re-indexed.
    pub index: ReindexOptions,
}

/// Options of [`remove`].
#[derive(Debug, Clone, Default)]
pub struct RemoveOptions {
    /// Only this channel (default: both).
    pub channel: Option<Channel>,
    /// Only this distribution (default: every one).
    pub distribution: Option<String>,
    /// How the leaves touched are re-indexed.
    pub index: ReindexOptions,
}

/// What a channel operation did: the packages it changed, and the
/// re-index of the leaves it touched (empty when it touched none).
#[derive(Debug, Default)]
pub struct ChannelReport {
    /// The packages copied, found in place or deleted.
    pub changes: Changes,
    /// The re-index; its warnings include a cache that was not saved.
    pub index: IndexReport,
    /// What the user could do better (a tree without `.omnipack/repo.toml`).
    pub hints: Vec<String>,
}

/// What [`list`] found.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every leaf, sorted.
    pub leaves: Vec<ListedLeaf>,
    /// What went wrong without failing the listing (the cache not saved).
    pub warnings: Vec<String>,
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
    given: Option<&'a Distribution>,
    known: &'a [Distribution],
) -> Result<&'a Distribution, RepoError> {
    if let Some(d) = given {
        return Ok(d);
    }
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(d) = known
        .iter()
        .find(|d| d.name == parent && d.format == info.format)
    {
        return Ok(d);
    }
    if info.format == Format::Rpm {
        let tagged: Vec<&Distribution> = known
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
    Err(RepoError::UnknownDistribution {
        path: path.to_path_buf(),
        candidates: known
            .iter()
            .filter(|d| d.format == info.format)
            .map(|d| d.name.clone())
            .collect(),
    })
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
fn version_of(info: &IndexInfo) -> String {
    deb_version(info)
}

/// A leaf's packages, read through the cache.
struct LeafState {
    records: Vec<Record>,
    problems: Vec<Problem>,
    /// The file names the leaf's current index lists, read when needed.
    indexed: Option<BTreeSet<String>>,
}

/// Scans each leaf once, through the cache.
struct Leaves {
    cache: Cache,
    state: BTreeMap<PathBuf, LeafState>,
}

impl Leaves {
    /// The leaves of the repository `repo`, read through its cache.
    fn load(repo: &Path, cache_dir: Option<&Path>) -> Leaves {
        Leaves {
            cache: Cache::load(repo, cache_dir),
            state: BTreeMap::new(),
        }
    }

    fn get(&mut self, dir: &Path) -> Result<&mut LeafState, RepoError> {
        use std::collections::btree_map::Entry;
        Ok(match self.state.entry(dir.to_path_buf()) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let state = if dir.is_dir() {
                    let s = scan_leaf(dir, &mut self.cache)?;
                    LeafState {
                        records: s.records,
                        problems: s.problems,
                        indexed: None,
                    }
                } else {
                    LeafState {
                        records: Vec::new(),
                        problems: Vec::new(),
                        indexed: None,
                    }
                };
                v.insert(state)
            }
        })
    }

    /// Gives every record back to the cache, and returns it.
    fn finish(self) -> Cache {
        let mut cache = self.cache;
        for (_, s) in self.state {
            cache.give_back(s.records);
        }
        cache
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
    leaves: &mut Leaves,
    dir: &Path,
    from: &Path,
    record: &Record,
    planned: &mut Vec<Copy>,
    changes: &mut Changes,
) -> Result<(), RepoError> {
    let file_name = from
        .file_name()
        .ok_or_else(|| RepoError::NoFileName(from.to_path_buf()))?;
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
            return Err(RepoError::ConflictingInputs {
                first: p.from.clone(),
                second: from.to_path_buf(),
                package: nva(record),
            });
        }
    }
    let state = leaves.get(dir)?;
    for r in &state.records {
        if r.path == to || same_nva(r) {
            let same = r.sha256 == record.sha256
                || (record.info.format == Format::Rpm && same_rpm_header(&r.path, from));
            if same && r.path == to {
                changes.unchanged.push((from.to_path_buf(), r.path.clone()));
                // In place but not indexed (a run killed between its copy
                // and its re-index): the leaf is re-indexed all the same.
                let rel = r.rel.clone();
                let indexed = state
                    .indexed
                    .get_or_insert_with(|| crate::scan::indexed_rels(dir));
                if !indexed.contains(&rel) {
                    changes.touched.insert(dir.to_path_buf());
                }
                return Ok(());
            }
            return Err(RepoError::PublishedVersionChanged {
                package: nva(record),
                dir: dir.to_path_buf(),
                existing: r.path.clone(),
            });
        }
    }
    if to.exists() {
        // A file the scan could not read (corrupt, not a package) sits there.
        return Err(RepoError::InTheWay(to));
    }
    planned.push(Copy {
        from: from.to_path_buf(),
        to,
        record: record.clone(),
    });
    Ok(())
}

/// `name version arch`, naming a package in an error.
fn nva(record: &Record) -> String {
    format!(
        "{} {} {}",
        record.info.name,
        version_of(&record.info),
        record.info.arch
    )
}

/// Whether two RPMs are one package whatever their signatures: the same
/// main header (which holds the payload's digest, rpm ≥ 4.14), so the
/// unsigned original of a package added with `sign-packages` is the
/// package already in place. Signing changes only the signature header.
fn same_rpm_header(a: &Path, b: &Path) -> bool {
    let header = |p: &Path| {
        rpm::PackageMetadata::open(p)
            .ok()
            .and_then(|m| m.header_bytes().ok())
    };
    match (header(a), header(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Copies `from` to `to` under a hidden temporary name, synced, then
/// renamed; with `sign`, the copy (never `from`) gets an RPM header
/// signature before it is renamed into place.
fn copy_atomically(from: &Path, to: &Path, sign: Option<&Signer>) -> Result<(), RepoError> {
    let mut tmp = omnipack_core::AtomicFile::create(to)?;
    let mut src = fs::File::open(from)?;
    std::io::copy(&mut src, &mut tmp)?;
    std::io::Write::flush(&mut tmp)?;
    if let Some(signer) = sign {
        omnipack_sign::sign_rpms(&[tmp.temp_path().to_path_buf()], signer).map_err(|e| {
            RepoError::BadPackage {
                path: from.to_path_buf(),
                reason: format!("cannot sign it: {e}"),
            }
        })?;
    }
    tmp.commit(0o644)?;
    Ok(())
}

/// Runs the planned copies (RPMs signed on the way with `sign_rpms`), then
/// retention.
fn apply(
    leaves: &mut Leaves,
    planned: Vec<Copy>,
    keep: Option<usize>,
    sign_rpms: Option<&Signer>,
    mut changes: Changes,
) -> Result<Changes, RepoError> {
    for c in planned {
        let sign = sign_rpms.filter(|_| c.record.info.format == Format::Rpm);
        copy_atomically(&c.from, &c.to, sign)?;
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
    Ok(changes)
}

/// Reads a package to be added (not through the cache: it is outside the repository).
fn read_new(path: &Path) -> Result<Record, RepoError> {
    scan::read_package(path).map_err(|p| RepoError::BadPackage {
        path: p.path,
        reason: p.message,
    })
}

/// What every channel operation does first, before anything changes: the
/// repository is one (its `.omnipack/repo.toml`, or a tree made before),
/// the signing key (flag, else configured) loads, the date is chosen.
struct Reindex {
    signer: Option<Signer>,
    yum_zstd: bool,
    config: RepoConfig,
    hints: Vec<String>,
    date: u64,
}

impl Reindex {
    fn prepare(repo: &Path, opts: &ReindexOptions) -> Result<Reindex, RepoError> {
        let (config, hint) = channel_config(repo)?;
        let flags = Overrides {
            sign_key: opts.sign_key.clone(),
            sign_subkey: opts.sign_subkey.clone(),
            passphrase_file: opts.passphrase_file.clone(),
            yum_zstd: opts.yum_zstd,
        };
        let s = settings(repo, config, &flags)?;
        Ok(Reindex {
            signer: s.signer,
            yum_zstd: s.yum_zstd,
            config: s.config,
            hints: hint.into_iter().collect(),
            date: omnipack_core::time::epoch_or_now()?,
        })
    }

    /// Gives the records back to the cache and re-indexes the leaves
    /// `changes` touched (only saving the cache if none).
    fn run(
        self,
        repo: &Path,
        leaves: Leaves,
        changes: Changes,
        opts: &ReindexOptions,
        progress: &dyn Progress,
    ) -> Result<ChannelReport, RepoError> {
        let cache = leaves.finish();
        let hints = self.hints;
        if changes.touched.is_empty() {
            let index = IndexReport {
                warnings: cache.save_or_warn().into_iter().collect(),
                ..IndexReport::default()
            };
            return Ok(ChannelReport {
                changes,
                index,
                hints,
            });
        }
        let index_opts = IndexOptions {
            layout: Layout::Flat,
            kind: IndexKind::Auto,
            signer: self.signer,
            strict: false,
            keep: DEFAULT_KEEP,
            // A leaf's Release names the repository's Origin and Label;
            // Suite and Codename belong to `repo index`'s own layouts.
            apt: AptOptions {
                origin: self.config.origin.clone(),
                label: self.config.label.clone(),
                date: self.date,
                ..AptOptions::default()
            },
            yum: YumOptions {
                zstd: self.yum_zstd,
                date: self.date,
            },
            cache_dir: opts.cache_dir.clone(),
            leaves: Some(changes.touched.iter().cloned().collect()),
        };
        let index = index_with(repo, &index_opts, progress, cache)?;
        Ok(ChannelReport {
            changes,
            index,
            hints,
        })
    }
}

/// Places `packages` in `repo` (see the module documentation) and
/// re-indexes the leaves touched.
pub fn add(
    repo: &Path,
    packages: &[PathBuf],
    opts: &AddOptions,
    progress: &dyn Progress,
) -> Result<ChannelReport, RepoError> {
    let reindex = Reindex::prepare(repo, &opts.index)?;
    let sign_packages = opts.sign_packages || reindex.config.sign_packages;
    if sign_packages && reindex.signer.is_none() {
        return Err(RepoError::SignPackagesWithoutKey);
    }
    let keep = opts.keep.or(reindex.config.keep);
    let given = opts
        .distribution
        .as_deref()
        .map(|name| omnipack_spec::distribution::find(name, &Default::default()))
        .transpose()?;
    let known = omnipack_spec::distribution::builtin();
    let mut leaves = Leaves::load(repo, opts.index.cache_dir.as_deref());
    let mut planned = Vec::new();
    let mut changes = Changes::default();
    for path in packages {
        let record = read_new(path)?;
        let dist = distribution_of(path, &record.info, given.as_ref(), &known)?;
        if dist.format != record.info.format {
            return Err(RepoError::WrongFormat {
                path: path.clone(),
                format: record.info.format.as_str(),
                distribution: dist.name.clone(),
                wants: dist.format.as_str(),
            });
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
    let sign = reindex.signer.as_ref().filter(|_| sign_packages);
    let changes = apply(&mut leaves, planned, keep, sign, changes)?;
    reindex.run(repo, leaves, changes, &opts.index, progress)
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

/// Copies the packages `selectors` pick from channel `opts.from` to
/// `opts.to` of the same distribution and architecture (every
/// distribution, or the one given), and re-indexes the leaves touched.
/// Every selector must pick something.
pub fn promote(
    repo: &Path,
    selectors: &[Selector],
    opts: &PromoteOptions,
    progress: &dyn Progress,
) -> Result<ChannelReport, RepoError> {
    let (from, to, distribution) = (opts.from, opts.to, opts.distribution.as_deref());
    let reindex = Reindex::prepare(repo, &opts.index)?;
    if from == to {
        return Err(RepoError::SameChannel(from.as_str()));
    }
    let mut leaves = Leaves::load(repo, opts.index.cache_dir.as_deref());
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
            return Err(RepoError::NotInChannel {
                selector: sel.to_string(),
                channel: from.as_str(),
                distribution: distribution.map(str::to_owned),
            });
        }
    }
    let mut planned = Vec::new();
    let mut changes = Changes::default();
    for (target, r) in &picks {
        plan_copy(&mut leaves, target, &r.path, r, &mut planned, &mut changes)?;
    }
    let keep = opts.keep.or(reindex.config.keep);
    let changes = apply(&mut leaves, planned, keep, None, changes)?;
    reindex.run(repo, leaves, changes, &opts.index, progress)
}

/// Deletes the packages `selectors` pick (a bare name: every version) from
/// `opts.channel` (or both) of every distribution (or the one given), and
/// re-indexes the leaves touched.
pub fn remove(
    repo: &Path,
    selectors: &[Selector],
    opts: &RemoveOptions,
    progress: &dyn Progress,
) -> Result<ChannelReport, RepoError> {
    let (channel, distribution) = (opts.channel, opts.distribution.as_deref());
    let reindex = Reindex::prepare(repo, &opts.index)?;
    let mut leaves = Leaves::load(repo, opts.index.cache_dir.as_deref());
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
            return Err(RepoError::NotInRepository {
                selector: sel.to_string(),
                channel: channel.map(Channel::as_str),
            });
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
    reindex.run(repo, leaves, changes, &opts.index, progress)
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

impl std::fmt::Display for ListedLeaf {
    /// What `omnipack repo list` prints of a leaf: its directory (and
    /// place in the layout), then a line per package and per problem.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = &self.id;
        if self.dir.is_empty() {
            // The repository itself is the leaf (a flat directory): a header
            // that names it rather than an empty line.
            writeln!(f, ". (a flat directory of packages)")?;
        } else if id.distribution.is_empty() {
            writeln!(f, "{}", self.dir)?;
        } else {
            let channel = id.channel.as_str();
            writeln!(
                f,
                "{} ({} {}, {channel})",
                self.dir, id.distribution, id.arch
            )?;
        }
        for p in &self.packages {
            writeln!(f, "  {} {} {}  {}", p.name, p.version, p.arch, p.file)?;
        }
        for p in &self.problems {
            writeln!(f, "  ! {p}")?;
        }
        Ok(())
    }
}

/// What is in every leaf of `repo` (leaves outside the channel layout are
/// listed with an empty distribution), read through the index cache in
/// `cache_dir` (default: omnipack's cache directory).
pub fn list(repo: &Path, cache_dir: Option<&Path>) -> Result<Listing, RepoError> {
    if !repo.is_dir() {
        return Err(RepoError::NoRepository(repo.to_path_buf()));
    }
    let mut leaves = Leaves::load(repo, cache_dir);
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
    let warnings = leaves.finish().save_or_warn().into_iter().collect();
    Ok(Listing {
        leaves: out,
        warnings,
    })
}
