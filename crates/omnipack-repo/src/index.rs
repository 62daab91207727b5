//! `omnipack repo index`: every leaf of a repository (a flat directory, or
//! each `<dist>[-testing]/<version>/<arch>/` of a tree) gets the indexes for
//! the packages it holds, apt for .deb and yum for .rpm.
//!
//! Order of work: scan every leaf (cache first, then read the rest on all
//! cores); with `--strict` stop before writing anything if any package is
//! bad; then per leaf stage all metadata, commit it with the top index last,
//! and only then prune metadata superseded more than `keep` generations ago,
//! so a client holding the previous `Release`/`repomd.xml` still finds its files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_archive::Progress;
use omnipack_spec::Format;

use crate::apt::{AptOptions, write_flat};
use crate::cache::Cache;
use crate::scan::{Problem, find_leaves, scan_leaf};
use crate::sign::Signer;
use crate::yum::{self, YumOptions};
use crate::{RepoError, Staging};

/// Which indexes to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// apt only (the .deb packages of each leaf).
    Apt,
    /// yum only (the .rpm packages of each leaf).
    Yum,
    /// By the packages each leaf holds.
    Auto,
}

/// How to index.
#[derive(Debug)]
pub struct IndexOptions {
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
}

/// What happened in every leaf.
#[derive(Debug, Default)]
pub struct IndexReport {
    /// One per leaf, sorted.
    pub leaves: Vec<LeafReport>,
}

impl IndexReport {
    /// Every problem in every leaf.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.leaves.iter().flat_map(|l| &l.problems)
    }
}

/// Indexes `root`.
pub fn index(
    root: &Path,
    opts: &IndexOptions,
    progress: &dyn Progress,
) -> Result<IndexReport, RepoError> {
    if !fs::metadata(root)?.is_dir() {
        return Err(RepoError::Package {
            path: root.to_path_buf(),
            reason: "not a directory; give the repository (or leaf) directory".into(),
        });
    }
    let leaves = find_leaves(root)?;
    if leaves.is_empty() {
        return Err(RepoError::Empty(root.to_path_buf()));
    }
    let mut cache = Cache::load(root);
    progress.start("reading packages", leaves.len() as u64);
    let mut scans = Vec::new();
    for leaf in &leaves {
        scans.push((leaf.clone(), scan_leaf(leaf, &mut cache)?));
        progress.advance(1);
    }
    progress.finish();
    if opts.strict {
        let problems: Vec<&Problem> = scans.iter().flat_map(|(_, s)| &s.problems).collect();
        if let Some(first) = problems.first() {
            return Err(RepoError::Strict {
                root: root.to_path_buf(),
                count: problems.len(),
                first: format!("`{}`: {}", first.path.display(), first.message),
            });
        }
    }

    let mut report = IndexReport::default();
    let mut present = BTreeSet::new();
    for (leaf, scan) in scans {
        present.extend(scan.records.iter().map(|r| r.path.clone()));
        // Moved, not cloned: a leaf of 10 000 packages is held once.
        let (debs, rpms): (Vec<_>, Vec<_>) = scan
            .records
            .into_iter()
            .partition(|r| r.info.format == Format::Deb);
        let mut staging = Staging::new(&leaf);
        let apt = matches!(opts.kind, IndexKind::Apt | IndexKind::Auto) && !debs.is_empty();
        let rpm = matches!(opts.kind, IndexKind::Yum | IndexKind::Auto) && !rpms.is_empty();
        if apt {
            write_flat(&debs, &opts.apt, opts.signer.as_ref(), &mut staging)?;
        }
        if rpm {
            yum::write(&rpms, &opts.yum, opts.signer.as_ref(), &mut staging)?;
        }
        let written = staging.commit()?;
        let rels: Vec<String> = written
            .iter()
            .filter_map(|p| p.strip_prefix(&leaf).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let mut pruned = Vec::new();
        for rel in cache.new_generation(&leaf, rels, opts.keep) {
            let p = leaf.join(&rel);
            if fs::remove_file(&p).is_ok() {
                pruned.push(p);
            }
        }
        report.leaves.push(LeafReport {
            dir: leaf,
            debs: if apt { debs.len() } else { 0 },
            rpms: if rpm { rpms.len() } else { 0 },
            read: scan.read,
            cached: scan.cached,
            problems: scan.problems,
            written,
            pruned,
        });
    }
    // Packages gone from disk leave the cache; a failure to save only costs speed next time.
    let all: BTreeSet<PathBuf> = present;
    cache.retain(&all);
    let _ = cache.save();
    Ok(report)
}
