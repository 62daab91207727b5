//! The gem directory's index: the one seam between bundle installs and a
//! gem indexer.
//!
//! [`reindex_gem_dir`] is called once at the end of every install that
//! changed `<gems>/gems/` (and again by the recovery of an interrupted
//! one). Today it runs the admin config's `gem_index` command, if any
//! (Crowbar's step was `gem generate_index`); the native indexer
//! (`omnipack_repo::gem::index_dir`) replaces that body when it lands.

use std::path::Path;

use crate::BundleError;
use crate::config::AdminConfig;
use crate::hooks::run_shell;

/// What happened to the gem index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GemIndexOutcome {
    /// The configured command re-indexed it.
    Command(String),
    /// Nothing is configured to index gems: the directory changed but its
    /// index (if any) was not regenerated.
    NotConfigured,
}

/// Re-indexes the gem directory `gem_dir` (holding `gems/*.gem`) of `root`.
pub fn reindex_gem_dir(
    root: &Path,
    gem_dir: &Path,
    config: &AdminConfig,
) -> Result<GemIndexOutcome, BundleError> {
    match &config.gem_index {
        Some(cmd) => {
            run_shell(
                root,
                cmd,
                "gem_index",
                &[("OMNIPACK_GEM_DIR", gem_dir.as_os_str())],
            )?;
            Ok(GemIndexOutcome::Command(cmd.clone()))
        }
        None => Ok(GemIndexOutcome::NotConfigured),
    }
}
