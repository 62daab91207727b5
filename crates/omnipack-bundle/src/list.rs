//! `bundle list` and `bundle status`: the admin root opened (an interrupted
//! install recovered first, [`crate::admin`]), then every installed bundle
//! with its pristine state ([`crate::state::status`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use omnipack_core::Progress;

use crate::BundleError;
use crate::admin::{Recovered, open_root};
use crate::state::{Status, status};

/// The installed bundles of a root.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The admin root.
    pub root: PathBuf,
    /// An interrupted install found and recovered first.
    pub recovered: Option<Recovered>,
    /// The installed bundles with their pristine state, in install order.
    pub bundles: Vec<Status>,
}

/// Lists the bundles installed under `root`, after recovering an
/// interrupted install (its regenerated indexes dated `SOURCE_DATE_EPOCH`,
/// else now).
pub fn list(root: &Path, progress: &dyn Progress) -> Result<Listing, BundleError> {
    let (_lock, recovered) =
        open_root(root, false, omnipack_core::time::epoch_or_now()?, progress)?;
    let bundles = status(root, progress)?;
    Ok(Listing {
        root: root.to_path_buf(),
        recovered,
        bundles,
    })
}

impl Listing {
    /// The table for people: a header, one line per bundle (name, version,
    /// order, pristine or modified, install time, source) and, with
    /// `details`, each change of a modified bundle.
    pub fn table(&self, details: bool) -> String {
        let mut out = String::from("NAME\tVERSION\tORDER\tSTATE\tINSTALLED\tSOURCE\n");
        for s in &self.bundles {
            // Writing to a String cannot fail.
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                s.name,
                s.version,
                s.order,
                if s.pristine { "pristine" } else { "modified" },
                omnipack_core::time::rfc2822(s.installed_at, "+0000"),
                s.source
            );
            if details {
                for c in &s.changes {
                    let _ = writeln!(out, "\t{c}");
                }
            }
        }
        out
    }

    /// An error naming the bundles with local changes, if any (`bundle
    /// status` exits with it).
    pub fn ensure_pristine(&self) -> Result<(), BundleError> {
        let names: Vec<String> = self
            .bundles
            .iter()
            .filter(|s| !s.pristine)
            .map(|s| s.name.clone())
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        Err(BundleError::Modified {
            source: omnipack_core::outcome::DifferencesFound {
                what: format!(
                    "{} installed bundle(s) differ from their records",
                    names.len()
                ),
            },
            names,
            root: self.root.clone(),
        })
    }
}
