//! The installed copy: every file of the bundle becomes
//! `ROOT/bundles/<name>/`, staged whole and swapped in by one rename, with
//! `SHA256SUMS` and `sha1sums` added where the bundle has none; the plan
//! lists the files added, replaced and removed against the installed
//! version.

use std::collections::BTreeMap;

use omnipack_core::Progress;

use super::prepare::{Ctx, Draft, Stage};
use super::report::Action;
use crate::BundleError;
use crate::journal::Op;
use crate::sums::{self, Algo, FileDigest, SHA1SUMS, SHA256SUMS};

/// The bundle's files, as the later phases need them.
#[derive(Debug)]
pub(super) struct Copy {
    /// Every file of the bundle directory (links followed), relative to it.
    pub all: Vec<String>,
    /// Their digests, checksum files left out.
    pub digests: BTreeMap<String, FileDigest>,
    /// The installed copy's files → SHA-256 (the record's `files`).
    pub files: BTreeMap<String, String>,
}

/// Hashes the bundle, stages its copy with the missing checksum files,
/// swaps it in as the transaction's first operation, and lists what
/// changes in it against the installed version.
pub(super) fn plan_copy(
    cx: &Ctx<'_>,
    d: &mut Draft,
    progress: &dyn Progress,
) -> Result<Copy, BundleError> {
    let dir = &cx.o.dir;
    let all = sums::list_files(dir)?;
    let content: Vec<String> = all
        .iter()
        .filter(|r| !sums::excluded(Algo::Sha256, r))
        .cloned()
        .collect();
    let digests: BTreeMap<String, FileDigest> = sums::hash_all(dir, &content, true, progress)?;
    let (s256, s1) = sums::render_both(&digests)?;
    let mut extra = Vec::new();
    if !dir.join(SHA256SUMS).is_file() {
        extra.push((SHA256SUMS.to_owned(), s256.render()));
    }
    if !dir.join(SHA1SUMS).is_file() {
        extra.push((SHA1SUMS.to_owned(), s1.render()));
    }
    let stage = format!("{}/bundle", cx.stage_dir);
    d.stages.push(Stage::Bundle {
        from: dir.clone(),
        to: stage.clone(),
        extra,
    });
    d.swap.push(Op::SwapDir {
        target: cx.bundle_rel.clone(),
        stage,
        old: format!("{}/bundle", cx.trash_dir),
    });
    // The record is the bundle's own checksums, never what the tree holds
    // now: `install --force NAME` over an edited installed copy keeps the
    // edit, and the next install must still see it (issue 18). Without a
    // `SHA256SUMS`, the tree was checked against its `sha1sums` (or has
    // none), so its digests are the bundle's.
    let files: BTreeMap<String, String> = match sums::Sums::read_best(dir)? {
        Some((_, own)) if own.algo == Algo::Sha256 => own.entries,
        _ => digests
            .iter()
            .map(|(r, digest)| (r.clone(), digest.sha256.clone()))
            .collect(),
    };
    let bundle_rel = &cx.bundle_rel;
    match cx.old {
        Some(old) => {
            for (r, h) in &files {
                match old.files.get(r) {
                    None => d.changes.push((Action::Add, format!("{bundle_rel}/{r}"))),
                    Some(oh) if oh != h => d
                        .changes
                        .push((Action::Replace, format!("{bundle_rel}/{r}"))),
                    Some(_) => {}
                }
            }
            for r in old.files.keys().filter(|r| !files.contains_key(*r)) {
                d.changes
                    .push((Action::Remove, format!("{bundle_rel}/{r}")));
            }
        }
        None => d.changes.push((Action::Add, format!("{bundle_rel}/"))),
    }
    Ok(Copy {
        all,
        digests,
        files,
    })
}
