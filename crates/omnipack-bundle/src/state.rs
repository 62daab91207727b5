//! Installed-state records: one JSON file per installed bundle,
//! `ROOT/.omnipack/bundles/<name>.json`, holding what was installed from
//! where and when, the SHA-256 of every file of the installed copy
//! (`ROOT/bundles/<name>/`) and of every file or link placed in the served
//! tree. The pristine check and `bundle list`/`status` read them; an install
//! writes the new one as the last rename of its journal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::os::unix::fs::PermissionsExt;

use fs_err as fs;
use omnipack_core::Progress;
use serde::{Deserialize, Serialize};

use crate::BundleError;
use crate::layout::{BUNDLES_DIR, RECORDS_DIR};

use crate::sums::{self, Algo, Check, Sums};

/// Something an install put into the served tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Placed {
    /// A copied file.
    File {
        /// Its SHA-256.
        sha256: String,
        /// The bundle file it was copied from.
        from: String,
        /// Its mode.
        mode: u32,
    },
    /// A symbolic link.
    Link {
        /// Its (relative) target.
        target: String,
    },
}

/// One installed bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Name.
    pub name: String,
    /// `barclamp.version`.
    pub version: String,
    /// `crowbar.order`.
    pub order: i64,
    /// Where it was installed from (tarball or directory path).
    pub source: String,
    /// When (seconds since 1970).
    pub installed_at: u64,
    /// Install sequence number under the root (later installs are higher).
    #[serde(default)]
    pub seq: u64,
    /// `barclamp.requires`.
    pub requires: Vec<String>,
    /// `barclamp.member`.
    pub member: Vec<String>,
    /// OS tokens whose packages are linked.
    pub os: Vec<String>,
    /// Files of the installed copy (relative to it) → SHA-256.
    pub files: BTreeMap<String, String>,
    /// Paths placed in the served tree (relative to the root).
    pub placed: BTreeMap<String, Placed>,
    /// The installed copy, relative to the root; absent in records written
    /// before layouts: `bundles/<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
}

impl Record {
    /// The record file of `name` under `root`.
    pub fn path(root: &Path, name: &str) -> PathBuf {
        root.join(RECORDS_DIR).join(format!("{name}.json"))
    }

    /// The installed copy, relative to the root.
    pub fn dir_rel(&self) -> String {
        self.dir
            .clone()
            .unwrap_or_else(|| format!("{BUNDLES_DIR}/{}", self.name))
    }

    /// Groups this bundle is a member of, without `@`.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.member.iter().map(|m| m.strip_prefix('@').unwrap_or(m))
    }

    /// Reads one record file.
    pub fn read(path: &Path) -> Result<Record, BundleError> {
        let text = fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| BundleError::Record {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }
}

/// Every installed bundle under `root`, by name.
pub fn installed(root: &Path) -> Result<BTreeMap<String, Record>, BundleError> {
    let dir = root.join(RECORDS_DIR);
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in fs::read_dir(&dir)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "json")
            && !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            let r = Record::read(&p)?;
            out.insert(r.name.clone(), r);
        }
    }
    Ok(out)
}

/// Compares an install with its record: the installed copy's files and
/// everything placed in the served tree. Paths are relative to the root. A
/// path that a bundle installed later placed too (a file two bundles ship)
/// belongs to the later one and is not checked here.
pub fn check_installed(
    root: &Path,
    record: &Record,
    installed: &BTreeMap<String, Record>,
    progress: &dyn Progress,
) -> Result<Check, BundleError> {
    let dir = root.join(record.dir_rel());
    let prefix = format!("{}/", record.dir_rel());
    let mut c = if dir.is_dir() {
        sums::check(
            &dir,
            &Sums {
                algo: Algo::Sha256,
                entries: record.files.clone(),
            },
            progress,
        )?
    } else {
        Check {
            missing: record.files.keys().cloned().collect(),
            ..Check::default()
        }
    };
    for list in [&mut c.modified, &mut c.missing, &mut c.added] {
        for f in list.iter_mut() {
            *f = format!("{prefix}{f}");
        }
    }
    for (rel, placed) in &record.placed {
        let shadowed = installed
            .values()
            .any(|o| o.name != record.name && o.seq > record.seq && o.placed.contains_key(rel));
        if shadowed {
            continue;
        }
        match placed_matches(&root.join(rel), placed)? {
            None => c.missing.push(rel.clone()),
            Some(false) => c.modified.push(rel.clone()),
            Some(true) => {}
        }
    }
    c.modified.sort();
    c.missing.sort();
    Ok(c)
}

/// Whether the path `p` is what `placed` says: `None` if nothing is there,
/// else whether the kind, contents (or link target) and mode match. Links
/// are not followed.
pub(crate) fn placed_matches(p: &Path, placed: &Placed) -> Result<Option<bool>, BundleError> {
    let Ok(m) = fs::symlink_metadata(p) else {
        return Ok(None);
    };
    Ok(Some(match placed {
        Placed::File { sha256, mode, .. } => {
            m.is_file()
                && m.permissions().mode() & 0o777 == *mode
                && sums::hash_file(p, false)?.sha256 == *sha256
        }
        Placed::Link { target } => {
            m.file_type().is_symlink() && fs::read_link(p).is_ok_and(|t| t == Path::new(target))
        }
    }))
}

/// One line of `bundle list` / `status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Order.
    pub order: i64,
    /// Source.
    pub source: String,
    /// Install time (seconds since 1970).
    pub installed_at: u64,
    /// Whether nothing changed since the install.
    pub pristine: bool,
    /// What changed (`modified `x``, …).
    pub changes: Vec<String>,
}

/// The installed bundles with their pristine state, in install order.
pub fn status(root: &Path, progress: &dyn Progress) -> Result<Vec<Status>, BundleError> {
    let mut out = Vec::new();
    let all = installed(root)?;
    for r in all.values().cloned() {
        let c = check_installed(root, &r, &all, progress)?;
        out.push(Status {
            name: r.name,
            version: r.version,
            order: r.order,
            source: r.source,
            installed_at: r.installed_at,
            pristine: c.pristine(),
            changes: c.lines(),
        });
    }
    out.sort_by(|a, b| (a.order, &a.name).cmp(&(b.order, &b.name)));
    Ok(out)
}
