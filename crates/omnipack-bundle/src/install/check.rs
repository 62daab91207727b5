//! The checks before anything is written, and the puts they let through:
//! every target must be reachable without a symbolic link and without a
//! file where a directory has to be (unless this transaction removes that
//! file first), must not be a directory, and must be on the filesystem of
//! `ROOT/.omnipack` (each swap is one rename); a file that is there and is
//! not this bundle's own earlier placement is overwritten only when its
//! owner's copy is unchanged, or with `--force`.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use fs_err as fs;

use super::prepare::{Ctx, Draft, Stage};
use super::report::Action;
use crate::BundleError;
use crate::error::Obstacle;
use crate::journal::{self, Kind, Op};
use crate::layout::DOT_DIR;
use crate::state::{self, Placed};

/// Whether the parents of `target` (relative to `root`) are real
/// directories or missing: not a symbolic link, and not a file unless
/// `deleted` (this transaction removes it before the puts).
fn check_parents(root: &Path, target: &str, deleted: &BTreeSet<String>) -> Result<(), Obstacle> {
    let parts: Vec<&str> = target.split('/').collect();
    for i in 1..parts.len() {
        let prefix = parts[..i].join("/");
        match fs::symlink_metadata(root.join(&prefix)) {
            Err(_) => break,
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Obstacle::LinkParent(root.join(&prefix)));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) if deleted.contains(&prefix) => break,
            Ok(_) => return Err(Obstacle::FileParent(root.join(&prefix))),
        }
    }
    Ok(())
}

/// Whether `target` (or its nearest existing parent) is on the filesystem
/// `dev` of `ROOT/.omnipack`: a rename across filesystems fails.
fn check_same_fs(root: &Path, target: &str, dev: u64) -> Result<(), Obstacle> {
    let mut p = root.join(target);
    loop {
        if let Ok(m) = fs::symlink_metadata(&p) {
            if m.dev() != dev {
                return Err(Obstacle::OtherFilesystem {
                    path: p,
                    dot: root.join(DOT_DIR),
                });
            }
            return Ok(());
        }
        if !p.pop() || !p.starts_with(root) {
            return Ok(());
        }
    }
}

/// The filesystem every rename of the transaction must stay on: that of
/// `ROOT/.omnipack` (of the root, before the first install creates it).
fn root_dev(root: &Path) -> Result<u64, BundleError> {
    let dot = root.join(DOT_DIR);
    Ok(fs::metadata(if dot.is_dir() { &dot } else { root })?.dev())
}

/// Checks every placement's target and stages and puts what is not there
/// already; refuses, listing them all, to overwrite files that are not the
/// bundle's own unless `force`.
pub(super) fn plan_puts(
    cx: &Ctx<'_>,
    placed: &BTreeMap<String, Placed>,
    force: bool,
    d: &mut Draft,
) -> Result<(), BundleError> {
    let root = cx.root;
    let dev = root_dev(root)?;
    let gem_prefix = cx.gem_prefix();
    let mut foreign: Vec<String> = Vec::new();
    for (k, (target, p)) in placed.iter().enumerate() {
        check_parents(root, target, &d.deleted).map_err(|o| cx.conflict(target, o))?;
        check_same_fs(root, target, dev).map_err(|o| cx.conflict(target, o))?;
        let path = root.join(target);
        let current = fs::symlink_metadata(&path).ok();
        if let Some(m) = &current
            && m.is_dir()
        {
            return Err(cx.conflict(target, Obstacle::Directory));
        }
        let same = match &current {
            None => false,
            Some(_) => state::placed_matches(&path, p)? == Some(true),
        };
        if same {
            continue;
        }
        // Something there that is not this bundle's own earlier placement
        // (which the pristine check covered): overwrite it only when its
        // owner's copy is unchanged, or with --force.
        if current.is_some()
            && !force
            && !cx.old.is_some_and(|r| r.placed.contains_key(target))
            && let Some(file) = foreign_file(cx, target, &path)?
        {
            foreign.push(file);
        }
        let stage = format!("{}/p{k}", cx.stage_dir);
        d.stages.push(match p {
            Placed::Link { target: t } => Stage::Link {
                target: t.clone(),
                to: stage.clone(),
            },
            Placed::File { from, mode, .. } => Stage::File {
                from: cx.o.dir.join(from),
                to: stage.clone(),
                mode: *mode,
            },
        });
        d.puts.push(Op::Put {
            target: target.clone(),
            stage,
        });
        d.gems |= target.starts_with(&gem_prefix);
        let action = if current.is_some() {
            Action::Replace
        } else {
            Action::Add
        };
        d.changes.push((action, target.clone()));
    }
    if !foreign.is_empty() {
        return Err(BundleError::Overwrite {
            bundle: cx.name.clone(),
            root: root.to_path_buf(),
            files: foreign,
        });
    }
    Ok(())
}

/// `target` (at `path`) as a file not to overwrite, with whose it is: one
/// no installed bundle placed, or one whose latest placer's copy was
/// changed since; `None` when it may be overwritten.
fn foreign_file(cx: &Ctx<'_>, target: &str, path: &Path) -> Result<Option<String>, BundleError> {
    let owner = cx
        .installed
        .values()
        .filter(|r| r.name != cx.name && r.placed.contains_key(target))
        .max_by_key(|r| r.seq);
    Ok(match owner {
        Some(r) => (state::placed_matches(path, &r.placed[target])? != Some(true))
            .then(|| format!("`{target}` (placed by bundle `{}`, changed since)", r.name)),
        None => Some(format!("`{target}` (no installed bundle placed it)")),
    })
}

/// Checks that nothing is removed through a link or, for a directory,
/// across filesystems, and the same for the swap of the installed copy.
pub(super) fn check_removals_and_swap(cx: &Ctx<'_>, d: &Draft) -> Result<(), BundleError> {
    let root = cx.root;
    let dev = root_dev(root)?;
    for op in &d.deletes {
        if let Op::Delete { target, kind, .. } = op {
            journal::check_no_link(root, target)?;
            if *kind == Some(Kind::Dir) {
                check_same_fs(root, target, dev).map_err(|o| cx.conflict(target, o))?;
            }
        }
    }
    journal::check_no_link(root, &cx.bundle_rel)?;
    check_same_fs(root, &cx.bundle_rel, dev).map_err(|o| cx.conflict(&cx.bundle_rel, o))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards: a target on another filesystem than `.omnipack/` (a rename
    // would fail with EXDEV after the commit point) is refused in prepare.
    #[test]
    fn a_target_on_another_filesystem_is_refused() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("files")).unwrap();
        let dev = fs::metadata(t.path()).unwrap().dev();
        assert!(check_same_fs(t.path(), "files/a/b", dev).is_ok());
        let err = check_same_fs(t.path(), "files/a/b", dev.wrapping_add(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("another filesystem"), "{err}");
    }

    #[test]
    fn parents_in_the_way_are_named() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("files")).unwrap();
        fs::write(t.path().join("files/foo"), "f").unwrap();
        let none = BTreeSet::new();
        let err = check_parents(t.path(), "files/foo/bar", &none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("files/foo` is a file"), "{err}");
        let deleted: BTreeSet<String> = ["files/foo".to_owned()].into();
        assert!(check_parents(t.path(), "files/foo/bar", &deleted).is_ok());
        fs_err::os::unix::fs::symlink("/", t.path().join("files/l")).unwrap();
        let err = check_parents(t.path(), "files/l/x", &deleted)
            .unwrap_err()
            .to_string();
        assert!(err.contains("files/l` is a symbolic link"), "{err}");
    }
}
