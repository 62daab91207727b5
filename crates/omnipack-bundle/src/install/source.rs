//! The sources of an install, before anything is written: each opened and
//! checked (a tarball unpacked safely and checked against its checksum
//! file, a directory checked against its own, an installed name taken from
//! its installed copy), no bundle given twice, put in install order, and an
//! installed bundle with local changes refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use omnipack_core::Progress;

use crate::BundleError;
use crate::config::AdminConfig;
use crate::manifest::Manifest;
use crate::order::{Node, Unmet, order};
use crate::state::{self, Record};
use crate::sums::{self, Sums};
use crate::tarball::Unpacked;

/// A source opened and checked.
#[derive(Debug)]
pub(super) struct Opened {
    /// Its manifest.
    pub manifest: Manifest,
    /// The bundle directory (for a tarball, inside `_tmp`).
    pub dir: PathBuf,
    /// Where it comes from, as recorded.
    pub source: String,
    /// Where it comes from, in the plan's words.
    pub shown: String,
    _tmp: Option<Unpacked>,
}

/// Opens one source: a tarball (unpacked and checked), a bundle directory
/// (checked against its checksum file when it has one), or the name of an
/// installed bundle (its installed copy, its recorded source).
fn open_source(
    arg: &str,
    root: &Path,
    installed: &BTreeMap<String, Record>,
    progress: &dyn Progress,
) -> Result<Opened, BundleError> {
    let p = Path::new(arg);
    let display = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    if p.is_file() {
        let unpacked = crate::tarball::unpack(p, progress)?;
        let manifest = Manifest::load(&unpacked.dir)?;
        return Ok(Opened {
            manifest,
            dir: unpacked.dir.clone(),
            source: display(p),
            shown: display(p),
            _tmp: Some(unpacked),
        });
    }
    if p.is_dir() {
        let manifest = Manifest::load(p)?;
        if let Some((sums_path, sums)) = Sums::read_best(p)? {
            let check = sums::check(p, &sums, progress)?;
            if !check.pristine() {
                return Err(BundleError::Checksums {
                    path: p.to_path_buf(),
                    sums: sums_path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    summary: check.summary(),
                });
            }
        }
        return Ok(Opened {
            manifest,
            dir: p.to_path_buf(),
            source: display(p),
            shown: display(p),
            _tmp: None,
        });
    }
    if let Some(r) = installed.get(arg) {
        let dir = root.join(r.dir_rel());
        return Ok(Opened {
            manifest: Manifest::load(&dir)?,
            shown: format!(
                "its installed copy `{}` (installed from {})",
                display(&dir),
                r.source
            ),
            dir,
            source: r.source.clone(),
            _tmp: None,
        });
    }
    Err(BundleError::UnknownSource {
        name: arg.to_owned(),
        root: root.to_path_buf(),
    })
}

/// Opens every source in the order given; a bundle name given twice is an
/// error naming both sources.
pub(super) fn open_sources(
    sources: &[String],
    root: &Path,
    installed: &BTreeMap<String, Record>,
    progress: &dyn Progress,
) -> Result<Vec<Opened>, BundleError> {
    let mut opened: Vec<Opened> = Vec::new();
    for s in sources {
        let o = open_source(s, root, installed, progress)?;
        if let Some(prev) = opened
            .iter()
            .find(|p| p.manifest.name() == o.manifest.name())
        {
            return Err(BundleError::Duplicate {
                name: o.manifest.name().to_owned(),
                first: prev.source.clone(),
                second: o.source,
            });
        }
        opened.push(o);
    }
    Ok(opened)
}

/// The install order of `opened` ([`crate::order`]), as indexes into it,
/// and the requirements not met; the installed bundles satisfy
/// requirements too.
pub(super) fn install_order(
    opened: &[Opened],
    installed: &BTreeMap<String, Record>,
    root: &Path,
    strict: bool,
) -> Result<(Vec<usize>, Vec<Unmet>), BundleError> {
    let nodes: Vec<Node> = opened
        .iter()
        .map(|o| Node {
            name: o.manifest.name().to_owned(),
            order: o.manifest.order(),
            requires: o.manifest.barclamp.requires.clone(),
            groups: o.manifest.groups().map(str::to_owned).collect(),
        })
        .collect();
    let groups: BTreeMap<String, Vec<String>> = installed
        .iter()
        .map(|(n, r)| (n.clone(), r.groups().map(str::to_owned).collect()))
        .collect();
    order(&nodes, &groups, root, strict)
}

/// Crowbar's check of a bundle directory it finds in the way
/// (`barclamp_install.rb`): for each bundle omnipack has no record of,
/// whatever is at `<bundles>/<name>` must be a bundle directory that
/// matches its own checksum file (`SHA256SUMS`, else `sha1sums`: modified
/// or missing files; files added are not counted, as `sha1sum -c` does
/// not); else it is refused, with `--force` too when it is not a bundle.
pub(super) fn refuse_unrecorded(
    opened: &[Opened],
    root: &Path,
    config: &AdminConfig,
    installed: &BTreeMap<String, Record>,
    force: bool,
    progress: &dyn Progress,
) -> Result<(), BundleError> {
    for o in opened {
        let name = o.manifest.name();
        if installed.contains_key(name) {
            continue;
        }
        let dir = root.join(config.bundle_rel(name));
        let Ok(meta) = fs_err::symlink_metadata(&dir) else {
            continue;
        };
        let refuse = |reason: String, forceable: bool| BundleError::Unrecorded {
            name: name.to_owned(),
            dir: dir.clone(),
            reason,
            forceable,
        };
        if !meta.is_dir() || crate::manifest::find(&dir).is_none() {
            return Err(refuse(
                "is not a bundle directory (no crowbar.yml or bundle.yml in it)".into(),
                false,
            ));
        }
        if force {
            continue;
        }
        let Some((sums_path, sums)) = Sums::read_best(&dir)? else {
            return Err(refuse(
                "has no checksum file (sha1sums or SHA256SUMS) to tell whether it was changed"
                    .into(),
                true,
            ));
        };
        let check = sums::check(&dir, &sums, progress)?;
        if !check.modified.is_empty() || !check.missing.is_empty() {
            let mut files: Vec<String> = check
                .modified
                .iter()
                .map(|f| format!("modified `{f}`"))
                .collect();
            files.extend(check.missing.iter().map(|f| format!("missing `{f}`")));
            return Err(refuse(
                format!(
                    "differs from its own `{}`: {}",
                    sums_path.file_name().unwrap_or_default().to_string_lossy(),
                    files.join(", ")
                ),
                true,
            ));
        }
    }
    Ok(())
}

/// The pristine check: refuses, naming every changed file, the first
/// bundle (in install order) whose installed copy or placements differ
/// from its record.
pub(super) fn refuse_local_changes(
    opened: &[Opened],
    sequence: &[usize],
    root: &Path,
    installed: &BTreeMap<String, Record>,
    progress: &dyn Progress,
) -> Result<(), BundleError> {
    // Every bundle to be replaced is checked, so one refusal names them all.
    let mut changed = Vec::new();
    for &i in sequence {
        if let Some(r) = installed.get(opened[i].manifest.name()) {
            let c = state::check_installed(root, r, installed, progress)?;
            if !c.pristine() {
                changed.push((r.name.clone(), c.lines()));
            }
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(BundleError::LocalChanges {
        root: root.to_path_buf(),
        changed,
    })
}
