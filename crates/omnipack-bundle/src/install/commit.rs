//! Carrying out one bundle's prepared transaction: the journal written,
//! everything staged and synced, the commit point (state `applying`), the
//! renames, the indexes regenerated, cleanup; each a step of the fault
//! injection. Then the admin config's `after_install` commands.

use std::ffi::OsStr;
use std::path::Path;

use std::os::unix::fs::PermissionsExt;

use fs_err as fs;
use omnipack_core::Progress;

use super::prepare::{Prepared, Stage};
use crate::BundleError;
use crate::config::AdminConfig;
use crate::gems::GemIndexOutcome;
use crate::hooks::run_shell;
use crate::journal::{self, Journal, State, Steps};
use crate::reindex::regenerate;
use crate::relpath::rel_string;
use crate::state::Record;
use crate::sums;

/// Copies the tree `from` to `to`: directories, files with their modes,
/// symbolic links as links.
fn copy_tree(from: &Path, to: &Path) -> Result<(), BundleError> {
    fs::create_dir_all(to)?;
    for entry in walkdir::WalkDir::new(from)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| sums::walk_error(from, e))?;
        let Some(rel) = rel_string(from, entry.path()) else {
            continue;
        };
        let dest = to.join(&rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            fs::create_dir_all(&dest)?;
        } else if ft.is_symlink() {
            let t = fs::read_link(entry.path())?;
            fs_err::os::unix::fs::symlink(&t, &dest).map_err(|e| {
                std::io::Error::other(format!("cannot create `{}`: {e}", dest.display()))
            })?;
        } else {
            copy_file(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// Copies one file with its mode and syncs it.
fn copy_file(from: &Path, to: &Path) -> Result<(), BundleError> {
    fs::copy(from, to)?;
    fs::File::open(to)?.sync_all()?;
    Ok(())
}

/// Writes everything `p` stages under its staging directory, synced.
fn stage(root: &Path, p: &Prepared, steps: &Steps) -> Result<(), BundleError> {
    for s in &p.stages {
        match s {
            Stage::Bundle { from, to, extra } => {
                let dest = root.join(to);
                copy_tree(from, &dest)?;
                for (n, text) in extra {
                    fs::write(dest.join(n), text)?;
                }
            }
            Stage::File { from, to, mode } => {
                let dest = root.join(to);
                fs::copy(from, &dest)?;
                fs::set_permissions(&dest, std::fs::Permissions::from_mode(*mode))?;
                fs::File::open(&dest)?.sync_all()?;
            }
            Stage::Link { target, to } => {
                let dest = root.join(to);
                fs_err::os::unix::fs::symlink(target, &dest).map_err(|e| {
                    std::io::Error::other(format!("cannot create `{}`: {e}", dest.display()))
                })?;
            }
            Stage::Bytes { bytes, to } => {
                fs::write(root.join(to), bytes)?;
                fs::File::open(root.join(to))?.sync_all()?;
            }
        }
        steps.step()?;
    }
    Ok(())
}

/// Stages, commits and cleans up one bundle's transaction; `index_date`
/// dates the regenerated indexes. Returns the gem index outcome and the
/// warnings of the regeneration.
pub(super) fn commit(
    root: &Path,
    config: &AdminConfig,
    p: &Prepared,
    index_date: u64,
    steps: &Steps,
    progress: &dyn Progress,
) -> Result<(Option<GemIndexOutcome>, Vec<String>), BundleError> {
    let mut j = p.journal.clone();
    j.save(root)?;
    steps.step()?;
    fs::create_dir_all(root.join(j.stage_dir()))?;
    stage(root, p, steps)?;
    journal::sync_dir(&root.join(j.stage_dir()));
    j.state = State::Applying;
    j.save(root)?;
    steps.step()?;
    for op in &j.ops {
        journal::apply(root, op, &j.keep)?;
        steps.step()?;
    }
    let (gem, warnings) = regenerate(root, &j, config, index_date, steps, progress)?;
    j.state = State::Cleanup;
    j.save(root)?;
    steps.step()?;
    journal::cleanup(root, &j)?;
    steps.step()?;
    Journal::remove(root)?;
    progress.note(&format!(
        "installed bundle `{}` {}",
        p.plan.name, p.plan.version
    ));
    Ok((gem, warnings))
}

/// Runs the admin config's `after_install` commands for the installed
/// bundle `record`; returns each command with its output.
pub(super) fn after_install(
    root: &Path,
    config: &AdminConfig,
    record: &Record,
) -> Result<Vec<(String, String)>, BundleError> {
    let dir = root.join(record.dir_rel());
    let mut ran = Vec::new();
    for cmd in &config.after_install {
        let out = run_shell(
            root,
            cmd,
            &format!("after_install of bundle `{}`", record.name),
            &[
                ("OMNIPACK_BUNDLE", OsStr::new(&record.name)),
                ("OMNIPACK_BUNDLE_VERSION", OsStr::new(&record.version)),
                ("OMNIPACK_BUNDLE_DIR", dir.as_os_str()),
            ],
        )?;
        ran.push((cmd.clone(), out));
    }
    Ok(ran)
}
