//! Placements in the served tree: where each file of the bundle goes, as
//! Crowbar's `bc_install_layout_1_cache` put them (`cache/files` →
//! `<served.files>/`, `cache/gems` → `<served.gems>/gems/`, `cache/<os>/pkgs`
//! → links in `<served.os>/<os>/<served.extra>/<name>/`, any other cache
//! directory such as `pips` or `git_repos` → links in
//! `<served.os>/<dir>/<name>/`), a directory named in the admin config's
//! `dirs` → where it says, the manifest → `manifest_copy`; and the index
//! leaves the links make.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;

use fs_err as fs;

use super::copy::Copy;
use super::prepare::Ctx;
use crate::BundleError;
use crate::error::Obstacle;
use crate::manifest::valid_name;
use crate::relpath::relative_link;
use crate::state::Placed;
use crate::sums;

/// What the bundle puts into the served tree.
#[derive(Debug)]
pub(super) struct Placements {
    /// Path relative to the root → what goes there.
    pub placed: BTreeMap<String, Placed>,
    /// The OS tokens whose packages are linked.
    pub oses: BTreeSet<String>,
    /// The other cache directories linked (`pips`, `git_repos`).
    pub served_dirs: BTreeSet<String>,
}

/// Where a file of the bundle goes, relative to the root.
enum Target {
    /// Copied there.
    Copy(String),
    /// Linked from there: a package of the OS `os`, or a file of another
    /// served cache directory (`os` is `None`, the directory is `dir`).
    Link {
        at: String,
        os: Option<String>,
        dir: String,
    },
}

/// Where the bundle file `rel` goes; `None` when it is not placed.
fn target_of(cx: &Ctx<'_>, rel: &str) -> Result<Option<Target>, BundleError> {
    let config = cx.config;
    let served = &config.served;
    let parts: Vec<&str> = rel.split('/').collect();
    Ok(match parts.as_slice() {
        ["cache", "files", rest @ ..] if !rest.is_empty() => {
            Some(Target::Copy(format!("{}/{}", served.files, rest.join("/"))))
        }
        ["cache", "gems", rest @ ..] if !rest.is_empty() => Some(Target::Copy(format!(
            "{}/gems/{}",
            served.gems,
            rest.join("/")
        ))),
        ["cache", dir, rest @ ..] if !rest.is_empty() => {
            let at_dir = config.os_rel(dir);
            let clash = |p: &str| {
                let p = p.trim_end_matches('/');
                p == at_dir || p.starts_with(&format!("{at_dir}/"))
            };
            if !valid_name(dir)
                || clash(&config.bundles)
                || clash(&served.files)
                || clash(&served.gems)
                || config.dirs.values().any(|d| clash(d))
            {
                return Err(cx.conflict(&at_dir, Obstacle::OsToken((*dir).to_owned())));
            }
            if cx.o.dir.join("cache").join(dir).join("pkgs").is_dir() {
                // An OS's packages: only `pkgs/` is served.
                match rest {
                    ["pkgs", pkg @ ..] if !pkg.is_empty() => Some(Target::Link {
                        at: format!("{at_dir}/{}/{}/{}", served.extra, cx.name, pkg.join("/")),
                        os: Some((*dir).to_owned()),
                        dir: (*dir).to_owned(),
                    }),
                    _ => None,
                }
            } else {
                Some(Target::Link {
                    at: format!("{at_dir}/{}/{}", cx.name, rest.join("/")),
                    os: None,
                    dir: (*dir).to_owned(),
                })
            }
        }
        [manifest]
            if Some(*manifest) == cx.o.manifest.path.file_name().and_then(|n| n.to_str()) =>
        {
            config
                .manifest_copy
                .as_ref()
                .map(|m| Target::Copy(m.replace("{name}", &cx.name)))
        }
        [top, rest @ ..] if !rest.is_empty() && config.dirs.contains_key(*top) => {
            if config.skip_hidden && rest.iter().any(|c| c.starts_with('.')) {
                return Ok(None);
            }
            Some(Target::Copy(format!(
                "{}/{}",
                config.dirs[*top].trim_end_matches('/'),
                rest.join("/")
            )))
        }
        _ => None,
    })
}

/// Every placement of the bundle: a copied file with its SHA-256 and mode,
/// or a relative link to the package in the installed copy. Two files of
/// the bundle going to one place, or an OS token that cannot be a served
/// directory, is an error.
pub(super) fn plan_placements(cx: &Ctx<'_>, copy: &Copy) -> Result<Placements, BundleError> {
    let mut placed: BTreeMap<String, Placed> = BTreeMap::new();
    let mut sources_of: BTreeMap<String, String> = BTreeMap::new();
    let mut oses: BTreeSet<String> = BTreeSet::new();
    let mut served_dirs: BTreeSet<String> = BTreeSet::new();
    for rel in &copy.all {
        let (target, link) = match target_of(cx, rel)? {
            None => continue,
            Some(Target::Copy(at)) => (at, false),
            Some(Target::Link { at, os, dir }) => {
                match os {
                    Some(os) => oses.insert(os),
                    None => served_dirs.insert(dir),
                };
                (at, true)
            }
        };
        if let Some(first) = sources_of.insert(target.clone(), rel.clone()) {
            return Err(cx.conflict(
                &target,
                Obstacle::TwoSources {
                    first,
                    second: rel.clone(),
                },
            ));
        }
        let p = if link {
            Placed::Link {
                target: relative_link(&target, &format!("{}/{rel}", cx.bundle_rel)),
            }
        } else {
            let from = cx.o.dir.join(rel);
            let top = rel.split('/').next().unwrap_or_default();
            let mode = if cx.config.executable.iter().any(|e| e == top) {
                0o755
            } else {
                fs::metadata(&from)?.permissions().mode() & 0o777
            };
            let sha256 = match copy.digests.get(rel) {
                Some(d) => d.sha256.clone(),
                None => sums::hash_file(&from, false)?.sha256,
            };
            Placed::File {
                sha256,
                from: rel.clone(),
                mode,
            }
        };
        placed.insert(target, p);
    }
    Ok(Placements {
        placed,
        oses,
        served_dirs,
    })
}

/// The directories of the bundle's `dirs` placements that no placed file
/// lies under (empty ones, or ones holding only skipped dot files), as
/// targets under the root: made by an `Op::Mkdir`, as Crowbar's
/// `bc_cloner` made every directory it walked (Rails needs
/// `crowbar_framework/log` and `tmp`). Not recorded: a later version that
/// drops one leaves it.
pub(super) fn empty_dirs(
    cx: &Ctx<'_>,
    placed: &BTreeMap<String, Placed>,
) -> Result<Vec<String>, BundleError> {
    let config = cx.config;
    let mut out = Vec::new();
    for (key, to) in &config.dirs {
        let from = cx.o.dir.join(key);
        if !from.is_dir() {
            continue;
        }
        let walk = walkdir::WalkDir::new(&from)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                !(config.skip_hidden && e.file_name().to_string_lossy().starts_with('.'))
            });
        for e in walk {
            let e = e.map_err(std::io::Error::from)?;
            if !e.file_type().is_dir() {
                continue;
            }
            let Ok(rel) = e.path().strip_prefix(&from) else {
                continue;
            };
            let target = format!("{}/{}", to.trim_end_matches('/'), rel.to_string_lossy());
            let prefix = format!("{target}/");
            let has_placed = placed
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix));
            if !has_placed {
                out.push(target);
            }
        }
    }
    // Only the deepest: making them makes their parents.
    let all = out.clone();
    out.retain(|d| !all.iter().any(|o| o.starts_with(&format!("{d}/"))));
    Ok(out)
}

fn is_package(name: &str) -> bool {
    name.ends_with(".deb") || name.ends_with(".rpm")
}

/// The index leaves to regenerate: every directory a package link is
/// placed in.
pub(super) fn leaves(placed: &BTreeMap<String, Placed>) -> Vec<String> {
    let mut leaves: BTreeSet<String> = BTreeSet::new();
    for (target, p) in placed {
        if matches!(p, Placed::Link { .. })
            && is_package(target)
            && let Some((parent, _)) = target.rsplit_once('/')
        {
            leaves.insert(parent.to_owned());
        }
    }
    leaves.into_iter().collect()
}
