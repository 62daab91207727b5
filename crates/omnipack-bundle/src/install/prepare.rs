//! One bundle's transaction, planned against the root as it is now and
//! before anything is written: the phases below each add their stages,
//! journal operations and plan lines to a [`Draft`], which [`prepare`]
//! turns into the journal, the record and the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use omnipack_core::Progress;

use super::report::{Action, BundlePlan, Change};
use super::source::Opened;
use super::{Settings, check, copy, place, remove};
use crate::BundleError;
use crate::config::AdminConfig;
use crate::error::Obstacle;
use crate::journal::{Journal, Kind, Op, State};
use crate::layout::{RECORDS_DIR, STAGE_DIR, TRASH_DIR};
use crate::state::Record;

/// What to put into the staging directory.
#[derive(Debug)]
pub(super) enum Stage {
    /// The whole bundle directory, plus missing checksum files.
    Bundle {
        from: PathBuf,
        to: String,
        extra: Vec<(String, String)>,
    },
    /// A copied file, given `mode`.
    File {
        from: PathBuf,
        to: String,
        mode: u32,
    },
    /// A symbolic link.
    Link { target: String, to: String },
    /// Bytes (the record).
    Bytes { bytes: Vec<u8>, to: String },
}

/// One bundle's transaction, computed against the root as it is now.
#[derive(Debug)]
pub(super) struct Prepared {
    /// What people see (and `--dry-run` prints).
    pub plan: BundlePlan,
    /// What is carried out, crash-safe.
    pub journal: Journal,
    /// What is staged before the commit point.
    pub stages: Vec<Stage>,
    /// The installed-state record written last.
    pub record: Record,
}

/// What every phase reads: the bundle, the root with its config and its
/// installed bundles, and the transaction's names.
#[derive(Debug)]
pub(super) struct Ctx<'a> {
    /// The admin root.
    pub root: &'a Path,
    /// Its config.
    pub config: &'a AdminConfig,
    /// The bundle being installed.
    pub o: &'a Opened,
    /// Every installed bundle, by name.
    pub installed: &'a BTreeMap<String, Record>,
    /// The bundle's name.
    pub name: String,
    /// Its installed record, if any.
    pub old: Option<&'a Record>,
    /// The transaction id (`<name>-<install time>`).
    pub txn: String,
    /// The staging directory, relative to the root.
    pub stage_dir: String,
    /// The trash directory, relative to the root.
    pub trash_dir: String,
    /// The installed copy, `<bundles>/<name>` ([`AdminConfig::bundle_rel`]).
    pub bundle_rel: String,
}

impl Ctx<'_> {
    /// The error for `target` (relative to the root) when `obstacle` is in the way.
    pub fn conflict(&self, target: &str, obstacle: Obstacle) -> BundleError {
        BundleError::Conflict {
            bundle: self.name.clone(),
            target: self.root.join(target),
            obstacle,
        }
    }

    /// The gem directory's prefix, `<served.gems>/`: a change under it
    /// re-indexes the gem directory.
    pub fn gem_prefix(&self) -> String {
        format!("{}/", self.config.served.gems)
    }
}

/// What the phases build up.
#[derive(Debug, Default)]
pub(super) struct Draft {
    /// What is staged, in order.
    pub stages: Vec<Stage>,
    /// The swap of the installed copy.
    pub swap: Vec<Op>,
    /// Removals, carried out before the puts (a file of the old version may
    /// be a directory of the new one).
    pub deletes: Vec<Op>,
    /// The paths removed (relative to the root).
    pub deleted: BTreeSet<String>,
    /// Renames of staged files and links into place.
    pub puts: Vec<Op>,
    /// Empty directories of `dirs` placements, made after the puts.
    pub mkdirs: Vec<Op>,
    /// The plan's changes, in the order found.
    pub changes: Vec<(Action, String)>,
    /// Directories never removed when left empty: the roots of the served tree.
    pub keep: BTreeSet<String>,
    /// Whether the gem directory changes.
    pub gems: bool,
}

impl Draft {
    /// Removes `target`, which is what `kind` says (so that a replay after a
    /// crash leaves alone what a put made there since); a directory goes to
    /// the trash until cleanup.
    pub fn delete(&mut self, trash_dir: &str, target: String, kind: Kind) {
        self.deletes.push(Op::Delete {
            target: target.clone(),
            trash: format!("{trash_dir}/d{}", self.deleted.len()),
            kind: Some(kind),
        });
        self.changes.push((Action::Remove, target.clone()));
        self.deleted.insert(target);
    }
}

/// Plans the install of `o` into `root`: the installed copy, the
/// placements in the served tree, what goes, every target checked, then
/// the record; nothing is written.
pub(super) fn prepare(
    root: &Path,
    config: &AdminConfig,
    o: &Opened,
    installed: &BTreeMap<String, Record>,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<Prepared, BundleError> {
    let name = o.manifest.name().to_owned();
    let txn = format!("{}-{}", name, settings.now);
    let cx = Ctx {
        root,
        config,
        o,
        installed,
        old: installed.get(&name),
        stage_dir: format!("{STAGE_DIR}/{txn}"),
        trash_dir: format!("{TRASH_DIR}/{txn}"),
        bundle_rel: config.bundle_rel(&name),
        txn,
        name,
    };
    let mut d = Draft::default();
    let copy = copy::plan_copy(&cx, &mut d, progress)?;
    let placements = place::plan_placements(&cx, &copy)?;
    d.keep = remove::served_roots(&cx, &placements);
    remove::plan_old_removals(&cx, &placements, &mut d)?;
    remove::plan_dangling_links(&cx, &placements.placed, &copy.files, &mut d)?;
    check::plan_puts(&cx, &placements.placed, settings.force, &mut d)?;
    d.mkdirs = place::empty_dirs(&cx, &placements.placed)?
        .into_iter()
        .map(|target| Op::Mkdir { target })
        .collect();
    check::check_removals_and_swap(&cx, &d)?;
    let leaves = place::leaves(&placements.placed);

    let record = Record {
        name: cx.name.clone(),
        version: o.manifest.version().to_owned(),
        order: o.manifest.order(),
        source: o.source.clone(),
        installed_at: settings.now,
        seq: installed.values().map(|r| r.seq).max().unwrap_or(0) + 1,
        requires: o.manifest.barclamp.requires.clone(),
        member: o.manifest.barclamp.member.clone(),
        os: placements.oses.into_iter().collect(),
        files: copy.files,
        placed: placements.placed,
        dir: Some(cx.bundle_rel.clone()),
    };
    assemble(cx, d, record, leaves)
}

/// The record staged as the last put, then the journal and the plan.
fn assemble(
    cx: Ctx<'_>,
    mut d: Draft,
    record: Record,
    leaves: Vec<String>,
) -> Result<Prepared, BundleError> {
    let record_rel = format!("{RECORDS_DIR}/{}.json", cx.name);
    let record_stage = format!("{}/record.json", cx.stage_dir);
    let bytes = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
    d.stages.push(Stage::Bytes {
        bytes,
        to: record_stage.clone(),
    });
    let mut ops = d.swap;
    ops.extend(d.deletes);
    ops.extend(d.puts);
    ops.extend(d.mkdirs);
    ops.push(Op::Put {
        target: record_rel,
        stage: record_stage,
    });

    d.changes.sort_by(|a, b| a.1.cmp(&b.1));
    let plan = BundlePlan {
        name: cx.name.clone(),
        version: record.version.clone(),
        old_version: cx.old.map(|r| r.version.clone()),
        order: record.order,
        source: cx.o.shown.clone(),
        files: record.files.len(),
        placed: record
            .placed
            .values()
            .filter(|p| matches!(p, crate::state::Placed::File { .. }))
            .count(),
        links: record
            .placed
            .values()
            .filter(|p| matches!(p, crate::state::Placed::Link { .. }))
            .count(),
        changes: d
            .changes
            .into_iter()
            .map(|(action, path)| Change { action, path })
            .collect(),
        leaves: leaves.clone(),
        gems: d.gems,
    };
    let journal = Journal {
        txn: cx.txn,
        bundle: cx.name,
        state: State::Preparing,
        ops,
        leaves,
        gems: d.gems,
        keep: d.keep.into_iter().collect(),
    };
    Ok(Prepared {
        plan,
        journal,
        stages: d.stages,
        record,
    })
}
