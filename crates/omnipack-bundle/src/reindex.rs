//! What follows the renames of an install (and of a recovered one): the
//! apt/yum indexes of the touched `<os>/<extra>/<name>/` leaves regenerated
//! with `omnipack_repo::index`, then the gem directory re-indexed
//! ([`crate::gems::reindex_gem_dir`]).
//!
//! A failure here does not stop the transaction (the renames are done and
//! an index can be regenerated any time): it comes back as a warning, with
//! what to run once the cause is fixed.

use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use omnipack_repo::apt::AptOptions;
use omnipack_repo::yum::YumOptions;
use omnipack_repo::{IndexKind, IndexOptions, Layout};

use crate::BundleError;
use crate::config::AdminConfig;
use crate::gems::{GemIndexOutcome, reindex_gem_dir};
use crate::journal::{Journal, Steps};
use crate::layout::INDEX_CACHE;

/// Regenerates the indexes the journal `j` names, then the gem directory
/// when it changed; `index_date` dates them. Two steps of `steps`.
/// Returns the gem index outcome and the warnings.
pub(crate) fn regenerate(
    root: &Path,
    j: &Journal,
    config: &AdminConfig,
    index_date: u64,
    steps: &Steps,
    progress: &dyn Progress,
) -> Result<(Option<GemIndexOutcome>, Vec<String>), BundleError> {
    let mut warnings = Vec::new();
    let leaves: Vec<PathBuf> = j
        .leaves
        .iter()
        .map(|l| root.join(l))
        .filter(|l| fs::symlink_metadata(l).is_ok_and(|m| m.is_dir()))
        .collect();
    if !leaves.is_empty() {
        let opts = IndexOptions {
            layout: Layout::Flat,
            kind: IndexKind::Auto,
            signer: None,
            strict: false,
            keep: 2,
            apt: AptOptions {
                origin: None,
                label: None,
                suite: None,
                codename: None,
                date: index_date,
            },
            yum: YumOptions {
                zstd: false,
                date: index_date,
            },
            cache_dir: Some(root.join(INDEX_CACHE)),
            leaves: Some(leaves),
        };
        match omnipack_repo::index(root, &opts, progress) {
            Ok(report) => {
                // Packages left out (damaged, colliding): installed but not
                // indexed, so no client sees them; said, never fatal.
                for p in report.leaves.iter().flat_map(|l| &l.problems) {
                    warnings.push(format!(
                        "bundle `{}` is installed, but {p}, so it is left out of the package index and no client sees it",
                        j.bundle
                    ));
                }
                warnings.extend(report.warnings);
            }
            Err(e) => warnings.push(format!(
                "bundle `{}` is installed, but regenerating the package indexes of {} failed: {}; run `omnipack repo index {}` once the cause is fixed",
                j.bundle,
                j.leaves
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                error_chain(&e),
                root.display()
            )),
        }
    }
    steps.step()?;
    let mut gem = None;
    if j.gems {
        match reindex_gem_dir(root, &config.gem_dir(root), config, index_date) {
            Ok(g) => gem = Some(g),
            Err(e) => {
                let mut w = format!(
                    "bundle `{}` is installed, but {}",
                    j.bundle,
                    error_chain(&e)
                );
                if let Some(hint) = e.hint() {
                    w.push_str(&format!("; {hint}"));
                }
                warnings.push(w);
            }
        }
    }
    steps.step()?;
    Ok((gem, warnings))
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(&format!(": {c}"));
        cur = c.source();
    }
    s
}
