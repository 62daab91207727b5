//! What goes: what the installed version placed and the new one does not,
//! the generated index of an OS the new version drops, and every link
//! under `<os>/<extra>/` left dangling; never the roots of the served tree.
//! Each removal names the kind of what it removes, so that a replay after a
//! crash leaves alone what a put made there since.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fs_err as fs;

use super::place::Placements;
use super::prepare::{Ctx, Draft};
use crate::BundleError;
use crate::journal::Kind;
use crate::relpath::{rel_string, resolve};
use crate::state::Placed;
use crate::sums::{self, SHA1SUMS, SHA256SUMS};

/// What the apt and yum indexers write into a leaf (`omnipack_repo::apt`,
/// `omnipack_repo::yum`): removed with the leaf's last package.
const GENERATED_INDEX: &[&str] = &[
    "Packages",
    "Packages.gz",
    "Packages.xz",
    "Release",
    "InRelease",
    "Release.gpg",
    "by-hash",
    "repodata",
];

/// The roots of the served tree, never removed when a removal leaves them
/// empty (the indexers and `omnipack serve` expect them): the files and
/// gem directories, the configured `dirs`, and `<os>/<extra>` of every OS
/// of the new and the installed version.
pub(super) fn served_roots(cx: &Ctx<'_>, new: &Placements) -> BTreeSet<String> {
    let config = cx.config;
    let served = &config.served;
    let mut keep: BTreeSet<String> = BTreeSet::new();
    keep.insert(served.files.trim_end_matches('/').to_owned());
    keep.insert(format!("{}/gems", served.gems.trim_end_matches('/')));
    if !served.os.is_empty() {
        keep.insert(served.os.trim_end_matches('/').to_owned());
    }
    for d in config.dirs.values() {
        keep.insert(d.trim_end_matches('/').to_owned());
    }
    if let Some(m) = &config.manifest_copy
        && let Some((parent, _)) = m.rsplit_once('/')
    {
        keep.insert(parent.to_owned());
    }
    for os in new
        .oses
        .iter()
        .chain(cx.old.iter().flat_map(|r| r.os.iter()))
    {
        keep.insert(config.os_rel(&format!("{os}/{}", served.extra)));
    }
    for dir in &new.served_dirs {
        keep.insert(config.os_rel(dir));
    }
    keep
}

/// Removes what the installed version placed and the new one does not
/// (unless another installed bundle placed it too), and for an OS the new
/// version dropped, the generated index of its leaf: anything else the
/// admin put into the leaf stays (and so does the leaf, unless it is left
/// empty).
pub(super) fn plan_old_removals(
    cx: &Ctx<'_>,
    new: &Placements,
    d: &mut Draft,
) -> Result<(), BundleError> {
    let Some(old) = cx.old else {
        return Ok(());
    };
    let gem_prefix = cx.gem_prefix();
    for target in old.placed.keys() {
        let claimed = cx
            .installed
            .values()
            .any(|r| r.name != cx.name && r.placed.contains_key(target));
        if new.placed.contains_key(target) || claimed {
            continue;
        }
        if let Ok(m) = fs::symlink_metadata(cx.root.join(target)) {
            d.gems |= target.starts_with(&gem_prefix);
            d.delete(&cx.trash_dir, target.clone(), Kind::of(&m));
        }
    }
    for os in old.os.iter().filter(|os| !new.oses.contains(*os)) {
        let leaf = cx
            .config
            .os_rel(&format!("{os}/{}/{}", cx.config.served.extra, cx.name));
        for f in GENERATED_INDEX {
            let target = format!("{leaf}/{f}");
            if let Ok(m) = fs::symlink_metadata(cx.root.join(&target)) {
                d.delete(&cx.trash_dir, target, Kind::of(&m));
            }
        }
    }
    Ok(())
}

/// Removes the links under any `<os>/<extra>/` that are dangling once the
/// new copy is swapped in: a link into this bundle's copy lives only if the
/// new version has its file. Only real directories are walked (an `<os>` or
/// `<extra>` that is a link may point anywhere), and only relative links,
/// the kind installs make, are removed. Each `<os>/<extra>` walked is a
/// root of the served tree.
pub(super) fn plan_dangling_links(
    cx: &Ctx<'_>,
    placed: &BTreeMap<String, Placed>,
    new_files: &BTreeMap<String, String>,
    d: &mut Draft,
) -> Result<(), BundleError> {
    let root = cx.root;
    let config = cx.config;
    let extra_name = &config.served.extra;
    let bundle_rel = &cx.bundle_rel;
    let real_dir = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
    let base = root.join(config.served.os.trim_end_matches('/'));
    if !real_dir(&base) {
        return Ok(());
    }
    let bundles_top = config.bundles.split('/').next().unwrap_or_default();
    for top in fs::read_dir(&base)? {
        let top = top?;
        let tname = top.file_name().to_string_lossy().into_owned();
        if tname.starts_with('.') || (config.served.os.is_empty() && tname == bundles_top) {
            continue;
        }
        let extra = top.path().join(extra_name);
        if !real_dir(&top.path()) || !real_dir(&extra) {
            continue;
        }
        d.keep
            .insert(config.os_rel(&format!("{tname}/{extra_name}")));
        for entry in walkdir::WalkDir::new(&extra)
            .follow_links(false)
            .follow_root_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| sums::walk_error(&extra, e))?;
            if !entry.path_is_symlink() {
                continue;
            }
            let Some(at) = rel_string(root, entry.path()) else {
                continue;
            };
            if placed.contains_key(&at)
                || d.deleted
                    .iter()
                    .any(|x| at == *x || at.starts_with(&format!("{x}/")))
            {
                continue;
            }
            let target = fs::read_link(entry.path())?.to_string_lossy().into_owned();
            if target.starts_with('/') {
                continue;
            }
            let alive = match resolve(&at, &target) {
                Some(p) if p.starts_with(&format!("{bundle_rel}/")) => {
                    let inner = &p[bundle_rel.len() + 1..];
                    new_files.contains_key(inner) || inner == SHA256SUMS || inner == SHA1SUMS
                }
                _ => fs::metadata(entry.path()).is_ok(),
            };
            if !alive {
                d.delete(&cx.trash_dir, at, Kind::Link);
            }
        }
    }
    Ok(())
}
