//! `omnipack repo index`: every leaf of a repository (a flat directory, or
//! each `<dist>[-testing]/<version>/<arch>/` of a tree) gets the indexes for
//! the packages it holds, apt for .deb and yum for .rpm.
//!
//! Order of work: scan every leaf (cache first, then read the rest on all
//! cores); with `--strict` stop before writing anything if any package is
//! bad; then per leaf stage all metadata, commit it with the top index last,
//! and only then prune metadata superseded more than `keep` generations ago,
//! so a client holding the previous `Release`/`repomd.xml` still finds its files.

use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::{Progress, Staging};
use omnipack_gem::{GemOptions, GemReport};
use omnipack_sign::Signer;
use omnipack_spec::Format;

use crate::RepoError;
use crate::apt::{AptOptions, Dists, write_dists, write_flat};
use crate::cache::Cache;
use crate::config::{Overrides, RepoConfig, settings};
use crate::record::Record;
use crate::scan::{
    Incumbents, Leaf, LeafScan, Problem, drop_conflicts, scan_dir, scan_listed, walk,
};
use crate::spool::SpoolError;
use crate::yum::{self, YumOptions};

/// Superseded metadata generations kept by default for clients mid-update
/// (`repo index --keep`, and every re-index a channel operation runs).
pub const DEFAULT_KEEP: usize = 2;

/// Which indexes to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// apt only (the .deb packages of each leaf).
    Apt,
    /// yum only (the .rpm packages of each leaf).
    Yum,
    /// RubyGems sources only: each directory whose `gems/` holds `.gem`
    /// files (see [`omnipack_gem`]).
    Gem,
    /// By the packages each leaf holds, and every gem source.
    Auto,
}

/// Where the indexes go.
#[derive(Debug, Clone, Default)]
pub enum Layout {
    /// Beside the packages, in every leaf (`deb URL /`, `baseurl=URL`).
    #[default]
    Flat,
    /// apt only: every .deb under `ROOT/pool/` indexed into
    /// `ROOT/dists/<suite>/<component>/binary-<arch>/` (`deb URL SUITE COMPONENT`).
    Dists(Dists),
}

/// How to index.
#[derive(Debug)]
pub struct IndexOptions {
    /// Flat leaves, or `dists/` + `pool/`.
    pub layout: Layout,
    /// Which indexes.
    pub kind: IndexKind,
    /// Sign `InRelease`/`Release.gpg`/`repomd.xml.asc` with this key.
    pub signer: Option<Signer>,
    /// Fail, writing nothing, if any package is bad.
    pub strict: bool,
    /// Superseded metadata generations to keep for clients mid-update.
    pub keep: usize,
    /// `Release` fields (its `date` is also yum's revision).
    pub apt: AptOptions,
    /// repodata choices.
    pub yum: YumOptions,
    /// Where the incremental cache lives (default: `$OMNIPACK_CACHE_DIR`,
    /// else `$XDG_CACHE_HOME/omnipack`, else `~/.cache/omnipack`).
    pub cache_dir: Option<PathBuf>,
    /// Index only these leaves (under the root), not every leaf found: what
    /// a channel operation touched. A leaf left without packages gets empty
    /// indexes of the kinds it had.
    pub leaves: Option<Vec<PathBuf>>,
}

/// What happened in one leaf.
#[derive(Debug, Default)]
pub struct LeafReport {
    /// The leaf directory.
    pub dir: PathBuf,
    /// .deb packages indexed.
    pub debs: usize,
    /// .rpm packages indexed.
    pub rpms: usize,
    /// Packages read this run.
    pub read: usize,
    /// Packages taken from the cache.
    pub cached: usize,
    /// Files left out, with reasons.
    pub problems: Vec<Problem>,
    /// Metadata files written, in rename order.
    pub written: Vec<PathBuf>,
    /// Superseded metadata files deleted.
    pub pruned: Vec<PathBuf>,
    /// Signatures removed because the index was written without a key
    /// (they would no longer match it).
    pub signatures_removed: Vec<PathBuf>,
}

/// What happened in every leaf.
#[derive(Debug, Default)]
pub struct IndexReport {
    /// One per leaf, sorted.
    pub leaves: Vec<LeafReport>,
    /// One per gem source, sorted.
    pub gems: Vec<GemReport>,
    /// What went wrong without failing the index (the index cache not
    /// saved; a gem source's own are in its report).
    pub warnings: Vec<String>,
}

impl std::fmt::Display for LeafReport {
    /// The one-line summary `omnipack repo index` prints per leaf.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "indexed `{}`: {} .deb, {} .rpm ({} read, {} cached, {} superseded files pruned)",
            self.dir.display(),
            self.debs,
            self.rpms,
            self.read,
            self.cached,
            self.pruned.len()
        )
    }
}

impl IndexReport {
    /// The files a client fetches first, in the order written: each gem
    /// source's `versions`, each leaf's `Release`, `InRelease` and
    /// `repomd.xml` (what `omnipack repo index` prints on stdout).
    pub fn top_files(&self) -> Vec<PathBuf> {
        let gems = self.gems.iter().map(|g| g.dir.join("versions"));
        let leaves = self.leaves.iter().flat_map(|l| &l.written).filter(|w| {
            w.file_name()
                .is_some_and(|n| n == "Release" || n == "InRelease" || n == "repomd.xml")
        });
        gems.chain(leaves.cloned()).collect()
    }

    /// How many packages and gems were left out of the indexes written.
    pub fn problem_count(&self) -> usize {
        self.leaves.iter().map(|l| l.problems.len()).sum::<usize>()
            + self.gems.iter().map(|g| g.problems.len()).sum::<usize>()
    }

    /// The failure of a command whose indexes left packages out (its report
    /// printed first): `None` when nothing was left out, or when
    /// `allow_problems` (`--allow-problems`) accepts that.
    pub fn problems_error(&self, root: &Path, allow_problems: bool) -> Option<RepoError> {
        let count = self.problem_count();
        (count > 0 && !allow_problems).then(|| RepoError::ProblemsLeftOut {
            root: root.to_path_buf(),
            count,
        })
    }

    /// Whether not one package or gem is in the indexes written.
    pub fn nothing_indexed(&self) -> bool {
        self.leaves.iter().all(|l| l.debs + l.rpms == 0) && self.gems.iter().all(|g| g.gems == 0)
    }
}

/// What `omnipack repo index` is asked for: [`IndexOptions`] before the
/// key is loaded and the date chosen.
#[derive(Debug, Clone)]
pub struct IndexRequest {
    /// Which indexes.
    pub kind: IndexKind,
    /// Flat leaves, or `dists/` + `pool/` (default: `repo.toml`'s, else flat).
    pub layout: Option<LayoutKind>,
    /// With the `dists/` layout: the component (default: `repo.toml`'s,
    /// else `main`).
    pub component: Option<String>,
    /// With the `dists/` layout: the `binary-<arch>` indexes to write
    /// (empty: `repo.toml`'s, else every architecture the packages name).
    pub architectures: Vec<String>,
    /// Sign with the armored secret key in this file.
    pub sign_key: Option<PathBuf>,
    /// The fingerprint of the (sub)key of `sign_key` that signs.
    pub sign_subkey: Option<String>,
    /// The passphrase of a protected `sign_key` (its first line).
    pub passphrase_file: Option<PathBuf>,
    /// Fail, writing nothing, if any package is bad.
    pub strict: bool,
    /// Superseded metadata generations to keep.
    pub keep: usize,
    /// `Release` fields (`date` is chosen by [`index_tree`]); each not
    /// given comes from `repo.toml`.
    pub release: ReleaseFields,
    /// Compress yum metadata with zstd instead of gzip.
    pub yum_zstd: bool,
    /// Where the incremental cache lives (default: omnipack's cache directory).
    pub cache_dir: Option<PathBuf>,
}

/// The `Release` fields people choose.
#[derive(Debug, Clone, Default)]
pub struct ReleaseFields {
    /// `Origin`.
    pub origin: Option<String>,
    /// `Label`.
    pub label: Option<String>,
    /// `Suite` (also the suite directory of the `dists/` layout).
    pub suite: Option<String>,
    /// `Codename`.
    pub codename: Option<String>,
}

pub use crate::config::LayoutKind;

/// `omnipack repo index`: loads the signing key, dates the indexes
/// `SOURCE_DATE_EPOCH` (else now), indexes `root` and fails when packages
/// were there but not one could be indexed (each left out named).
pub fn index_tree(
    root: &Path,
    req: &IndexRequest,
    progress: &dyn Progress,
) -> Result<IndexReport, RepoError> {
    // The repository's configuration (a channel tree's, or a flat
    // directory's after `repo init`) gives the key, the layout and the
    // `Release` fields; the flags override it.
    let config = RepoConfig::load(root)?.unwrap_or_default();
    let architectures = if req.architectures.is_empty() {
        config.architectures.clone().unwrap_or_default()
    } else {
        req.architectures.clone()
    };
    let layout = match req.layout.or(config.layout).unwrap_or(LayoutKind::Flat) {
        LayoutKind::Flat if !req.architectures.is_empty() => {
            return Err(RepoError::ArchitecturesWithoutDists);
        }
        LayoutKind::Flat => Layout::Flat,
        LayoutKind::Dists => Layout::Dists(Dists {
            component: req
                .component
                .clone()
                .or_else(|| config.component.clone())
                .unwrap_or_else(|| "main".to_owned()),
            architectures,
        }),
    };
    let date = omnipack_core::time::epoch_or_now()?;
    let release = ReleaseFields {
        origin: req.release.origin.clone().or(config.origin.clone()),
        label: req.release.label.clone().or(config.label.clone()),
        suite: req.release.suite.clone().or(config.suite.clone()),
        codename: req.release.codename.clone().or(config.codename.clone()),
    };
    let settings = settings(
        root,
        config,
        &Overrides {
            sign_key: req.sign_key.clone(),
            sign_subkey: req.sign_subkey.clone(),
            passphrase_file: req.passphrase_file.clone(),
            yum_zstd: req.yum_zstd,
        },
    )?;
    let opts = IndexOptions {
        layout,
        kind: req.kind,
        signer: settings.signer,
        strict: req.strict,
        keep: req.keep,
        apt: AptOptions {
            origin: release.origin,
            label: release.label,
            suite: release.suite,
            codename: release.codename,
            date,
        },
        yum: YumOptions {
            zstd: settings.yum_zstd,
            date,
        },
        cache_dir: req.cache_dir.clone(),
        leaves: None,
    };
    let report = index(root, &opts, progress)?;
    if report.nothing_indexed() {
        let packages = report.leaves.iter().flat_map(|l| &l.problems);
        let gems = report.gems.iter().flat_map(|g| &g.problems);
        let problems = packages
            .map(ToString::to_string)
            .chain(gems.map(ToString::to_string))
            .collect();
        return Err(RepoError::NothingIndexed {
            root: root.to_path_buf(),
            problems,
        });
    }
    Ok(report)
}

/// Indexes one RubyGems source (the directory holding `gems/`), as
/// `repo index --kind gem DIR`, a tree's gem sources and a bundle install
/// do: [`omnipack_gem::index_dir`], its error a [`RepoError`].
pub fn index_gem_source(dir: &Path, opts: &GemOptions) -> Result<GemReport, RepoError> {
    Ok(omnipack_gem::index_dir(dir, opts)?)
}

/// Removes the temporary files killed runs left in `dir`, its `repodata/`
/// and its `by-hash/*/` (a line for the report if there were any).
fn sweep_debris(dir: &Path) -> Result<Option<String>, RepoError> {
    let mut removed = omnipack_core::atomic::sweep(dir)?;
    removed.extend(omnipack_core::atomic::sweep(&dir.join("repodata"))?);
    if let Ok(algs) = fs::read_dir(dir.join("by-hash")) {
        for alg in algs.flatten() {
            removed.extend(omnipack_core::atomic::sweep(&alg.path())?);
        }
    }
    Ok((!removed.is_empty()).then(|| {
        format!(
            "removed {} temporary file(s) that a killed run left in `{}`",
            removed.len(),
            dir.display()
        )
    }))
}

/// Every directory under `dir` (itself included), hidden ones left out.
fn walkdir_dirs(dir: &Path) -> Result<Vec<PathBuf>, RepoError> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let d = out[i].clone();
        for entry in fs::read_dir(&d)?.flatten() {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(entry.path());
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Indexes `root`.
pub fn index(
    root: &Path,
    opts: &IndexOptions,
    progress: &dyn Progress,
) -> Result<IndexReport, RepoError> {
    index_with(
        root,
        opts,
        progress,
        Cache::load(root, opts.cache_dir.as_deref()),
    )
}

/// [`index`] with a cache already loaded for `root` (by a channel operation
/// that read the same leaves); saves it. If the cache turns out damaged
/// (a spooled entry fails its CRC; the leaf concerned had nothing renamed
/// into place yet), everything is indexed again without it.
pub(crate) fn index_with(
    root: &Path,
    opts: &IndexOptions,
    progress: &dyn Progress,
    cache: Cache,
) -> Result<IndexReport, RepoError> {
    match index_once(root, opts, progress, cache) {
        Err(RepoError::Yum(crate::yum::YumError::Spool(SpoolError::Damaged(_)))) => index_once(
            root,
            opts,
            progress,
            Cache::cold(root, opts.cache_dir.as_deref()),
        ),
        r => r,
    }
    .map(|mut report| {
        // What the key policy warns about, said once per run.
        if let Some(s) = &opts.signer {
            report.warnings.extend(s.warnings().iter().cloned());
        }
        report
    })
}

fn index_once(
    root: &Path,
    opts: &IndexOptions,
    progress: &dyn Progress,
    mut cache: Cache,
) -> Result<IndexReport, RepoError> {
    if !fs::metadata(root)?.is_dir() {
        return Err(RepoError::NotADirectory(root.to_path_buf()));
    }
    if let Layout::Dists(dists) = &opts.layout {
        return index_dists(root, dists, opts, progress, cache);
    }
    // Leaves found by the walk come with their listing; leaves given are
    // listed when scanned.
    let (leaves, gem_sources) = match (&opts.leaves, opts.kind) {
        (_, IndexKind::Gem) if omnipack_gem::is_source(root) || root.join("gems").is_dir() => {
            (Vec::new(), vec![root.to_path_buf()])
        }
        (_, IndexKind::Gem) => (Vec::new(), omnipack_gem::find_sources(root)),
        (Some(only), _) => (
            only.iter()
                .filter(|l| l.is_dir())
                .map(|l| Leaf {
                    dir: l.clone(),
                    names: None,
                })
                .collect(),
            Vec::new(),
        ),
        (None, kind) => walk(root, kind == IndexKind::Auto)?,
    };
    if leaves.is_empty() && gem_sources.is_empty() && opts.leaves.is_none() {
        return Err(RepoError::Empty(root.to_path_buf()));
    }
    progress.start("reading packages", leaves.len() as u64);
    let mut scans = Vec::new();
    for Leaf { dir, names } in leaves {
        let scan = scan_listed(&dir, names, &mut cache)?;
        scans.push((dir, scan));
        progress.advance(1);
    }
    progress.finish();
    if opts.strict {
        strict_check(root, scans.iter().flat_map(|(_, s)| &s.problems))?;
    }

    let mut report = IndexReport::default();
    let gem_opts = GemOptions {
        cache_dir: opts.cache_dir.clone(),
        date: opts.apt.date,
        strict: opts.strict,
    };
    for dir in &gem_sources {
        report.gems.push(index_gem_source(dir, &gem_opts)?);
    }
    for (leaf, scan) in scans {
        report.warnings.extend(sweep_debris(&leaf)?);
        // Moved, not cloned: a leaf of 10 000 packages is held once.
        let (debs, rpms) = by_format(scan.records);
        let mut staging = Staging::new(&leaf);
        // A leaf whose last package of a kind went keeps an (empty) index of
        // that kind, so clients stop seeing the packages that went.
        let had_apt = leaf.join("Release").is_file();
        let had_yum = leaf.join("repodata/repomd.xml").is_file();
        let apt =
            matches!(opts.kind, IndexKind::Apt | IndexKind::Auto) && (!debs.is_empty() || had_apt);
        let rpm =
            matches!(opts.kind, IndexKind::Yum | IndexKind::Auto) && (!rpms.is_empty() || had_yum);
        if apt {
            write_flat(&debs, &opts.apt, opts.signer.as_ref(), &mut staging)?;
        }
        if rpm {
            let (chunks, spool) = cache.chunks_and_spool();
            yum::write_cached(
                &rpms,
                &opts.yum,
                opts.signer.as_ref(),
                &mut staging,
                chunks,
                spool,
            )?;
        }
        let committed = staging.commit_all()?;
        let written = committed.written;
        let rels: Vec<String> = written
            .iter()
            .filter_map(|p| p.strip_prefix(&leaf).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let pruned = prune(&mut cache, &leaf, rels, opts.keep);
        let (n_debs, n_rpms) = (debs.len(), rpms.len());
        cache.give_back(debs.into_iter().chain(rpms));
        report.leaves.push(LeafReport {
            dir: leaf,
            debs: if apt { n_debs } else { 0 },
            rpms: if rpm { n_rpms } else { 0 },
            read: scan.read,
            cached: scan.cached,
            problems: scan.problems,
            written,
            pruned,
            signatures_removed: committed.removed,
        });
    }
    // Packages gone from disk are not given back, so they leave the cache; a
    // failure to save only costs speed next time, and is said.
    report.warnings.extend(cache.save_or_warn());
    Ok(report)
}

/// Splits records into .deb and .rpm, without a copy when a leaf holds
/// one kind (the usual case).
fn by_format(records: Vec<Record>) -> (Vec<Record>, Vec<Record>) {
    let is_deb = |r: &Record| r.info.format == Format::Deb;
    if records.iter().all(is_deb) {
        (records, Vec::new())
    } else if !records.iter().any(is_deb) {
        (Vec::new(), records)
    } else {
        records.into_iter().partition(is_deb)
    }
}

/// With `--strict`: fails, before anything is written, on the first problem.
fn strict_check<'a>(
    root: &Path,
    problems: impl Iterator<Item = &'a Problem>,
) -> Result<(), RepoError> {
    let problems: Vec<&Problem> = problems.collect();
    match problems.first() {
        Some(first) => Err(RepoError::Strict {
            root: root.to_path_buf(),
            count: problems.len(),
            first: format!("`{}`: {}", first.path.display(), first.message),
        }),
        None => Ok(()),
    }
}

/// Records the files just written under `dir` as a new generation and deletes
/// those only generations older than `keep` used; returns what was deleted.
fn prune(cache: &mut Cache, dir: &Path, rels: Vec<String>, keep: usize) -> Vec<PathBuf> {
    let mut pruned = Vec::new();
    for rel in cache.new_generation(dir, rels, keep) {
        let p = dir.join(&rel);
        if fs::remove_file(&p).is_ok() {
            pruned.push(p);
        }
    }
    pruned
}

/// The `dists/` + `pool/` layout: every .deb under `root/pool/` (any
/// depth) goes into one suite's indexes under `root/dists/`.
fn index_dists(
    root: &Path,
    dists: &Dists,
    opts: &IndexOptions,
    progress: &dyn Progress,
    mut cache: Cache,
) -> Result<IndexReport, RepoError> {
    if opts.kind == IndexKind::Yum {
        return Err(RepoError::DistsForYum(root.to_path_buf()));
    }
    let pool = root.join("pool");
    if !pool.is_dir() {
        return Err(RepoError::NoPool(pool));
    }
    let (dirs, _) = walk(&pool, false)?;
    let mut all = LeafScan::default();
    progress.start("reading packages", dirs.len() as u64);
    for Leaf { dir, names } in dirs {
        let scan = scan_dir(&dir, root, names, &mut cache)?;
        all.read += scan.read;
        all.cached += scan.cached;
        all.problems.extend(scan.problems);
        all.records.extend(scan.records);
        progress.advance(1);
    }
    progress.finish();
    // An .rpm in an apt pool is simply not apt's business.
    all.records.retain(|r| r.info.format == Format::Deb);
    let suite = Dists::suite(&opts.apt);
    all.records = drop_conflicts(
        std::mem::take(&mut all.records),
        &mut all.problems,
        Incumbents::Dists(root, suite),
    );
    all.problems.sort_by(|a, b| a.path.cmp(&b.path));
    if all.records.is_empty() && all.problems.is_empty() {
        return Err(RepoError::Empty(pool));
    }
    if opts.strict {
        strict_check(root, all.problems.iter())?;
    }
    let mut debris = Vec::new();
    let dists_dir = root.join("dists");
    if dists_dir.is_dir() {
        for entry in walkdir_dirs(&dists_dir)? {
            debris.extend(sweep_debris(&entry)?);
        }
    }
    let mut staging = Staging::new(root);
    if !all.records.is_empty() {
        write_dists(
            &all.records,
            &opts.apt,
            dists,
            opts.signer.as_ref(),
            &mut staging,
        )?;
    }
    let committed = staging.commit_all()?;
    let written = committed.written;
    let rels: Vec<String> = written
        .iter()
        .filter_map(|p| p.strip_prefix(root).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let pruned = prune(&mut cache, root, rels, opts.keep);
    let debs = all.records.len();
    cache.give_back(all.records);
    let mut warnings: Vec<String> = debris;
    warnings.extend(cache.save_or_warn());
    Ok(IndexReport {
        leaves: vec![LeafReport {
            dir: root.to_path_buf(),
            debs,
            rpms: 0,
            read: all.read,
            cached: all.cached,
            problems: all.problems,
            written,
            pruned,
            signatures_removed: committed.removed,
        }],
        gems: Vec::new(),
        warnings,
    })
}
