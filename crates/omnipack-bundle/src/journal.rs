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
//! [`BundleError::FaultInjected`] after step `k` ([`crate::env::FAIL_AFTER_ENV`]),
//! returning at once without any cleanup, as a kill would.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;

use fs_err as fs;
use serde::{Deserialize, Serialize};

use crate::BundleError;
use crate::layout::{DOT_DIR, JOURNAL, JOURNAL_TMP, STAGE_DIR, TRASH_DIR};

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
    /// `trash`), then its parents that are left empty (never one of the
    /// journal's `keep` directories). Only when it still is what `kind`
    /// says: a replay after a crash must not remove the directory that a
    /// later `Put` created where a file was.
    Delete {
        /// What to remove.
        target: String,
        /// Where a directory goes until cleanup.
        trash: String,
        /// What `target` was when the install was prepared (absent in
        /// journals of older versions: anything).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<Kind>,
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
    /// Make the directory `target` (and its parents) unless something is
    /// there: an empty directory of a `dirs` placement (Crowbar's
    /// `crowbar_framework/log`, `tmp`), which no file's put would make.
    Mkdir {
        /// The directory.
        target: String,
    },
}

/// What a path is (without following a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A regular file (or anything else that is neither a link nor a directory).
    File,
    /// A symbolic link.
    Link,
    /// A directory.
    Dir,
}

impl Kind {
    /// The kind of `meta` (from `symlink_metadata`).
    pub fn of(meta: &std::fs::Metadata) -> Kind {
        if meta.file_type().is_symlink() {
            Kind::Link
        } else if meta.is_dir() {
            Kind::Dir
        } else {
            Kind::File
        }
    }
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
    /// Directories (relative to the root) that are never removed when left
    /// empty: the roots of the served tree.
    #[serde(default)]
    pub keep: Vec<String>,
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
        let tmp = root.join(JOURNAL_TMP);
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &path)?;
        sync_dir(&root.join(DOT_DIR));
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
        sync_dir(&root.join(DOT_DIR));
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

/// Refuses a path under `root` that would be reached through a symbolic
/// link: each existing component of `rel` but the last is looked at with
/// `symlink_metadata`. Nothing is renamed or removed through a link that
/// may point out of the root.
pub fn check_no_link(root: &Path, rel: &str) -> Result<(), BundleError> {
    let mut p = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for c in &parts[..parts.len().saturating_sub(1)] {
        p.push(c);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(BundleError::ThroughLink {
                    path: root.join(rel),
                    link: p,
                });
            }
            Ok(m) if m.is_dir() => {}
            // Missing (created later) or not a directory (create_dir_all
            // fails naming it).
            _ => break,
        }
    }
    Ok(())
}

/// Carries out one operation; does nothing for the parts already done.
/// `keep`: directories never pruned (the journal's `keep`).
pub fn apply(root: &Path, op: &Op, keep: &[String]) -> Result<(), BundleError> {
    match op {
        Op::Put { target, stage } => {
            let (t, s) = (root.join(target), root.join(stage));
            if exists(&s) {
                check_no_link(root, target)?;
                if let Some(parent) = t.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::rename(&s, &t)?;
            }
        }
        Op::Delete {
            target,
            trash,
            kind,
        } => {
            check_no_link(root, target)?;
            let t = root.join(target);
            match fs::symlink_metadata(&t) {
                Ok(meta) if kind.is_none_or(|k| k == Kind::of(&meta)) => {
                    if meta.is_dir() {
                        let tr = root.join(trash);
                        if let Some(parent) = tr.parent() {
                            fs::create_dir_all(parent)?;
                        }
                        fs::rename(&t, &tr)?;
                    } else {
                        fs::remove_file(&t)?;
                    }
                    prune_empty_parents(root, target, keep);
                }
                // Something else is there now (a replay after a later Put
                // made it): not ours to remove.
                Ok(_) => {}
                Err(_) => prune_empty_parents(root, target, keep),
            }
        }
        Op::SwapDir { target, stage, old } => {
            let (t, s, o) = (root.join(target), root.join(stage), root.join(old));
            if exists(&s) {
                check_no_link(root, target)?;
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
        Op::Mkdir { target } => {
            check_no_link(root, target)?;
            let t = root.join(target);
            // Something there already (a directory, or a file an admin
            // put): left as it is.
            if fs::symlink_metadata(&t).is_err() {
                fs::create_dir_all(&t)?;
            }
        }
    }
    Ok(())
}

/// Removes the empty directories above `rel` (relative to `root`), up to
/// (not including) the root, a top-level directory or one of `keep`; stops
/// at a symbolic link (only real directories of the root are removed).
fn prune_empty_parents(root: &Path, rel: &str, keep: &[String]) {
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    while parts.len() > 1 {
        let dir_rel = parts.join("/");
        if keep.iter().any(|k| k.trim_end_matches('/') == dir_rel) {
            break;
        }
        let dir = root.join(&dir_rel);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() && !m.file_type().is_symlink() => {}
            _ => break,
        }
        if fs::remove_dir(&dir).is_err() {
            break;
        }
        parts.pop();
    }
}

/// Deletes the staging and trash directories of `journal`.
pub fn cleanup(root: &Path, journal: &Journal) -> Result<(), BundleError> {
    for d in [journal.stage_dir(), journal.trash_dir()] {
        let p = root.join(d);
        if exists(&p) {
            fs::remove_dir_all(&p)?;
        }
        // `.omnipack/stage` and `.omnipack/trash` themselves, once no
        // transaction uses them (another's still there keeps them).
        if let Some(parent) = p.parent() {
            let _ = fs::remove_dir(parent);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards: a replayed delete of what was a file leaves alone the
    // directory a later put made there; the served roots are not pruned.
    #[test]
    fn a_replayed_delete_spares_a_new_directory_and_kept_roots_stay() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("files/foo")).unwrap();
        fs::write(root.join("files/foo/bar"), "new").unwrap();
        let del = |target: &str, kind| Op::Delete {
            target: target.into(),
            trash: ".omnipack/trash/t/d0".into(),
            kind: Some(kind),
        };
        let keep = vec!["files".to_owned(), "gems/gems".to_owned()];
        apply(root, &del("files/foo", Kind::File), &keep).unwrap();
        assert!(root.join("files/foo/bar").is_file());

        fs::create_dir_all(root.join("gems/gems")).unwrap();
        fs::write(root.join("gems/gems/a.gem"), "a").unwrap();
        apply(root, &del("gems/gems/a.gem", Kind::File), &keep).unwrap();
        assert!(root.join("gems/gems").is_dir());
        fs::create_dir_all(root.join("files/x/y")).unwrap();
        fs::write(root.join("files/x/y/z"), "z").unwrap();
        apply(root, &del("files/x/y/z", Kind::File), &keep).unwrap();
        assert!(!root.join("files/x").exists());
        assert!(root.join("files").is_dir());
    }

    // Guards: nothing is removed through a symbolic link among the parents.
    #[test]
    fn a_delete_through_a_link_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let (root, outside) = (t.path().join("root"), t.path().join("outside"));
        fs::create_dir_all(root.join("files")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("victim"), "v").unwrap();
        fs_err::os::unix::fs::symlink(&outside, root.join("files/l")).unwrap();
        let op = Op::Delete {
            target: "files/l/victim".into(),
            trash: ".omnipack/trash/t/d0".into(),
            kind: None,
        };
        let err = apply(&root, &op, &[]).unwrap_err();
        assert!(matches!(err, BundleError::ThroughLink { .. }), "{err}");
        assert!(outside.join("victim").is_file());
    }
}
