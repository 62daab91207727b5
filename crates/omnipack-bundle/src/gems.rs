//! The gem directory's index: the one seam between bundle installs and the
//! gem indexer.
//!
//! [`reindex_gem_dir`] is called once at the end of every install that
//! changed `<gems>/gems/` (and again by the recovery of an interrupted
//! one). By default it indexes the directory natively with
//! [`omnipack_repo::index_gem_source`] (compact and legacy index, what
//! Crowbar's operators had to run `gem generate_index` for by hand); an
//! admin config's `gem_index` command replaces that when set.

use std::path::Path;

use omnipack_repo::{GemOptions, index_gem_source as index_dir};

use crate::BundleError;
use crate::config::AdminConfig;
use crate::hooks::run_shell;

/// What happened to the gem index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GemIndexOutcome {
    /// The configured command re-indexed it.
    Command(String),
    /// omnipack's own indexer wrote the compact and legacy indexes.
    Native {
        /// Gems in the index.
        gems: usize,
        /// Gems read this time (the others came from the cache).
        read: usize,
        /// `.gem` files left out: `path: what is wrong and what to do`.
        problems: Vec<String>,
    },
}

/// Re-indexes the gem directory `gem_dir` (holding `gems/*.gem`) of `root`;
/// `date` (seconds since 1970) heads a new `versions` file.
pub fn reindex_gem_dir(
    root: &Path,
    gem_dir: &Path,
    config: &AdminConfig,
    date: u64,
) -> Result<GemIndexOutcome, BundleError> {
    if let Some(cmd) = &config.gem_index {
        run_shell(
            root,
            cmd,
            "gem_index",
            &[("OMNIPACK_GEM_DIR", gem_dir.as_os_str())],
        )?;
        return Ok(GemIndexOutcome::Command(cmd.clone()));
    }
    let opts = GemOptions {
        date,
        ..GemOptions::default()
    };
    let report = index_dir(gem_dir, &opts).map_err(|source| BundleError::GemIndex {
        dir: gem_dir.to_path_buf(),
        source: Box::new(source),
    })?;
    Ok(GemIndexOutcome::Native {
        gems: report.gems,
        read: report.read,
        problems: report
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.message))
            .collect(),
    })
}
