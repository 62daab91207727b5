//! What an install did, or with `--dry-run` would do: the plan of each
//! bundle, the gem index, the commands run and the warnings.

use serde::Serialize;

use crate::admin::Recovered;
use crate::gems::GemIndexOutcome;

/// What a change does to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new path.
    Add,
    /// An existing path gets new contents.
    Replace,
    /// A path goes.
    Remove,
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What.
    pub action: Action,
    /// The path, relative to the root.
    pub path: String,
}

/// The plan for one bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundlePlan {
    /// Name.
    pub name: String,
    /// New version.
    pub version: String,
    /// Installed version, if any.
    pub old_version: Option<String>,
    /// `crowbar.order`.
    pub order: i64,
    /// Where it comes from.
    pub source: String,
    /// Changes, by path.
    pub changes: Vec<Change>,
    /// Index leaves regenerated afterwards.
    pub leaves: Vec<String>,
    /// Whether the gem directory changes.
    pub gems: bool,
}

/// What an install did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct InstallReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// An interrupted install found and recovered first.
    pub recovered: Option<Recovered>,
    /// The bundles, in install order.
    pub bundles: Vec<BundlePlan>,
    /// Gem index outcome, when the gem directory changed.
    pub gem_index: Option<GemIndexOutcome>,
    /// Commands run (`after_install`, `notify`) and their output.
    pub commands: Vec<(String, String)>,
    /// What did not stop the install but needs attention (an index that
    /// could not be regenerated, with the command that does it).
    pub warnings: Vec<String>,
}
