//! Opening an admin root: its lock, held while a command works on the root,
//! and the recovery of an install that a journal shows was interrupted
//! ([`crate::journal`]): rolled back before its commit point, completed
//! after it. Every bundle command that reads or writes a root opens it here
//! first, so it always sees the old state or the new one.

use std::fmt;
use std::path::Path;

use fs_err as fs;
use omnipack_core::Progress;
use serde::Serialize;

use crate::BundleError;
use crate::config::AdminConfig;
use crate::journal::{self, Journal, State, Steps};
use crate::layout::{DOT_DIR, LOCK_FILE};
use crate::reindex::regenerate;

/// How an interrupted install was recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovered {
    /// The bundle.
    pub bundle: String,
    /// `rolled back` or `completed`.
    pub action: String,
    /// What went wrong regenerating indexes while completing it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl fmt::Display for Recovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an interrupted install of bundle `{}` was {}",
            self.bundle, self.action
        )
    }
}

/// The held lock of an admin root (released when dropped, or when the
/// process dies: an `flock`).
#[derive(Debug)]
pub struct RootLock {
    _file: fs::File,
}

/// Takes the root's lock (waiting for another omnipack holding it) and
/// recovers an interrupted install; `index_date` dates the indexes a
/// completed one regenerates. `None` when the root has no `.omnipack/` and
/// `create` is false (nothing to recover or lock).
pub fn open_root(
    root: &Path,
    create: bool,
    index_date: u64,
    progress: &dyn Progress,
) -> Result<(Option<RootLock>, Option<Recovered>), BundleError> {
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(BundleError::NoRoot {
                root: root.to_path_buf(),
                exists: true,
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BundleError::NoRoot {
                root: root.to_path_buf(),
                exists: false,
            });
        }
        Err(e) => return Err(BundleError::Io(e)),
    }
    let dot = root.join(DOT_DIR);
    if !dot.is_dir() {
        if !create {
            return Ok((None, None));
        }
        fs::create_dir_all(&dot)?;
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(LOCK_FILE))?;
    file.file().lock().map_err(|e| {
        std::io::Error::other(format!(
            "cannot lock `{}`: {e}",
            root.join(LOCK_FILE).display()
        ))
    })?;
    let lock = RootLock { _file: file };
    let recovered = recover(root, index_date, progress)?;
    Ok((Some(lock), recovered))
}

/// Finishes or rolls back the install a journal left, if any.
fn recover(
    root: &Path,
    index_date: u64,
    progress: &dyn Progress,
) -> Result<Option<Recovered>, BundleError> {
    let Some(mut j) = Journal::load(root)? else {
        return Ok(None);
    };
    let mut warnings = Vec::new();
    let action = match j.state {
        State::Preparing => {
            journal::cleanup(root, &j)?;
            Journal::remove(root)?;
            "rolled back"
        }
        State::Applying | State::Cleanup => {
            let steps = Steps::new(None);
            if j.state == State::Applying {
                for op in &j.ops {
                    journal::apply(root, op, &j.keep)?;
                }
                let config = AdminConfig::load(root)?;
                let (_, warned) = regenerate(root, &j, &config, index_date, &steps, progress)?;
                warnings.extend(warned);
                j.state = State::Cleanup;
                j.save(root)?;
            }
            journal::cleanup(root, &j)?;
            Journal::remove(root)?;
            "completed"
        }
    };
    progress.note(&format!(
        "recovered an interrupted install of bundle `{}`: {action}",
        j.bundle
    ));
    Ok(Some(Recovered {
        bundle: j.bundle,
        action: action.into(),
        warnings,
    }))
}
