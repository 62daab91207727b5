//! The install journal: what makes installing one bundle all-or-nothing.
//!
//! `ROOT/.omnipack/journal.json` lists every change of one bundle's install
//! as idempotent operations on paths relative to the root. Its life:
//!
//! 1. written in state `preparing`, before anything is staged;
//! 2. everything new is staged under `ROOT/.omnipack/stage/<txn>/` (same
//!    filesystem as the targets, so each swap is one `rename`);
//! 3. state `applying` (the commit point): each operation is carried out in
//!    order (renames of staged files and of the staged bundle directory,
//!    removals), then the touched indexes are regenerated;
//! 4. state `cleanup`: the staging and trash directories are deleted, then
//!    the journal.
//!
//! Every state write is a synced temporary file renamed over the journal.
//! The next omnipack bundle command on the root finds a left-over journal
//! and rolls a `preparing` one back (deletes the staged files: the root was
//! not touched) and completes an `applying` or `cleanup` one (every
//! operation checks what is already done), so a root is always either the
//! old state or the new one.
//!
//! Fault injection: [`Steps`] counts every step and stops with
//! [`BundleError::FaultInjected`] after step `k` (`OMNIPACK_BUNDLE_FAIL_AFTER`),
//! returning at once without any cleanup, as a kill would.

use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};

use crate::BundleError;

/// The journal file, relative to the root.
pub const JOURNAL: &str = ".omnipack/journal.json";
/// Staging directories, relative to the root.
pub const STAGE_DIR: &str = ".omnipack/stage";
/// Trash directories (replaced or removed trees until cleanup).
pub const TRASH_DIR: &str = ".omnipack/trash";

/// Where an install is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Staging: the root is untouched; recovery deletes the staged files.
    Preparing,
    /// Committed: recovery completes every operation.
    Applying,
    /// Done but for deleting staging and trash.
    Cleanup,
}

/// One idempotent change; paths relative to the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Rename the staged file or link `stage` to `target`.
    Put {
        /// The destination.
        target: String,
        /// The staged file.
        stage: String,
    },
    /// Remove `target` (a file, a link, or a whole directory, moved to
    /// `trash`), then its parents that are left empty.
    Delete {
        /// What to remove.
        target: String,
        /// Where a directory goes until cleanup.
        trash: String,
    },
    /// Swap the directory `target` for the staged `stage`, the old one
    /// going to `old` until cleanup.
    SwapDir {
        /// The installed bundle directory.
        target: String,
        /// The staged new one.
        stage: String,
        /// Where the old one goes.
        old: String,
    },
}

/// The journal of one bundle's install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// Transaction id (also the staging directory's name).
    pub txn: String,
    /// The bundle.
    pub bundle: String,
    /// Where it is.
    pub state: State,
    /// The changes, in order.
    pub ops: Vec<Op>,
    /// Index leaves to regenerate afterwards (relative to the root).
    pub leaves: Vec<String>,
    /// Whether the gem directory changed.
    pub gems: bool,
}

impl Journal {
    /// The staging directory, relative to the root.
    pub fn stage_dir(&self) -> String {
        format!("{STAGE_DIR}/{}", self.txn)
    }

    /// The trash directory, relative to the root.
    pub fn trash_dir(&self) -> String {
        format!("{TRASH_DIR}/{}", self.txn)
    }

    /// Writes the journal atomically (synced temporary file, rename, synced directory).
    pub fn save(&self, root: &Path) -> Result<(), BundleError> {
        let path = root.join(JOURNAL);
        let tmp = root.join(".omnipack/.journal.json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &path)?;
        sync_dir(&root.join(".omnipack"));
        Ok(())
    }

    /// The left-over journal of `root`, if any.
    pub fn load(root: &Path) -> Result<Option<Journal>, BundleError> {
        let path = root.join(JOURNAL);
        if !path.is_file() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path)?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| BundleError::Journal {
                path,
                reason: e.to_string(),
            })
    }

    /// Removes the journal (the last step of an install).
    pub fn remove(root: &Path) -> Result<(), BundleError> {
        fs::remove_file(root.join(JOURNAL))?;
        sync_dir(&root.join(".omnipack"));
        Ok(())
    }
}

/// Best effort: a directory fsync so a rename in it is durable.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Counts steps for fault injection.
#[derive(Debug, Default)]
pub struct Steps {
    fail_after: Option<u64>,
    done: Cell<u64>,
}

impl Steps {
    /// Stops after step `fail_after` (none: never).
    pub fn new(fail_after: Option<u64>) -> Steps {
        Steps {
            fail_after,
            done: Cell::new(0),
        }
    }

    /// One step is done; stops here if asked to.
    pub fn step(&self) -> Result<(), BundleError> {
        let n = self.done.get() + 1;
        self.done.set(n);
        match self.fail_after {
            Some(k) if n >= k => Err(BundleError::FaultInjected { step: n }),
            _ => Ok(()),
        }
    }

    /// Steps done so far.
    pub fn count(&self) -> u64 {
        self.done.get()
    }
}

fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// Carries out one operation; does nothing for the parts already done.
pub fn apply(root: &Path, op: &Op) -> Result<(), BundleError> {
    match op {
        Op::Put { target, stage } => {
            let (t, s) = (root.join(target), root.join(stage));
            if exists(&s) {
                if let Some(parent) = t.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::rename(&s, &t)?;
            }
        }
        Op::Delete { target, trash } => {
            let t = root.join(target);
            if let Ok(meta) = fs::symlink_metadata(&t) {
                if meta.is_dir() {
                    let tr = root.join(trash);
                    if let Some(parent) = tr.parent() {
                        fs::create_dir_all(parent)?;
                    }
                    fs::rename(&t, &tr)?;
                } else {
                    fs::remove_file(&t)?;
                }
            }
            prune_empty_parents(root, &t);
        }
        Op::SwapDir { target, stage, old } => {
            let (t, s, o) = (root.join(target), root.join(stage), root.join(old));
            if exists(&s) {
                if exists(&t) {
                    if let Some(parent) = o.parent() {
                        fs::create_dir_all(parent)?;
                    }
                    fs::rename(&t, &o)?;
                }
                if let Some(parent) = t.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::rename(&s, &t)?;
            }
        }
    }
    Ok(())
}

/// Removes the empty directories above `path`, up to (not including) `root`.
fn prune_empty_parents(root: &Path, path: &Path) {
    let mut p: Option<PathBuf> = path.parent().map(Path::to_path_buf);
    while let Some(dir) = p {
        if dir == root || !dir.starts_with(root) || fs::remove_dir(&dir).is_err() {
            break;
        }
        p = dir.parent().map(Path::to_path_buf);
    }
}

/// Deletes the staging and trash directories of `journal`.
pub fn cleanup(root: &Path, journal: &Journal) -> Result<(), BundleError> {
    for d in [journal.stage_dir(), journal.trash_dir()] {
        let p = root.join(d);
        if exists(&p) {
            fs::remove_dir_all(&p)?;
        }
    }
    Ok(())
}
