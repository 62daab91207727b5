//! What an install did, or with `--dry-run` would do: the plan of each
//! bundle, the gem index, the commands run and the warnings; as data (JSON
//! through `serde`) and as text for people ([`InstallReport::text`]).

use std::fmt::Write as _;

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

impl Action {
    /// The sign of the change in the plan: `+`, `~`, `-`.
    pub fn sign(self) -> char {
        match self {
            Action::Add => '+',
            Action::Replace => '~',
            Action::Remove => '-',
        }
    }
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

impl InstallReport {
    /// Every warning: the recovery's first, then the install's.
    pub fn all_warnings(&self) -> impl Iterator<Item = &String> {
        self.recovered
            .iter()
            .flat_map(|r| &r.warnings)
            .chain(&self.warnings)
    }

    /// The plan or report for people, one line per bundle, change, index,
    /// command and output line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        if let Some(rec) = &self.recovered {
            writeln!(out, "{rec}")?;
        }
        if self.dry_run {
            writeln!(
                out,
                "dry run: nothing was written; the plan, in install order:"
            )?;
        }
        for (i, b) in self.bundles.iter().enumerate() {
            let from = b
                .old_version
                .as_deref()
                .map(|v| format!(" (replacing {v})"))
                .unwrap_or_else(|| " (new)".into());
            writeln!(
                out,
                "{}. {} {}{from}, order {}, from {}",
                i + 1,
                b.name,
                b.version,
                b.order,
                b.source
            )?;
            for c in &b.changes {
                writeln!(out, "   {} {}", c.action.sign(), c.path)?;
            }
            for l in &b.leaves {
                writeln!(out, "   index {l}/")?;
            }
            if b.gems {
                writeln!(out, "   re-index the gem directory")?;
            }
        }
        match &self.gem_index {
            Some(GemIndexOutcome::Command(cmd)) => writeln!(out, "gem index: ran `{cmd}`")?,
            Some(GemIndexOutcome::Native {
                gems,
                read,
                problems,
            }) => {
                writeln!(out, "gem index: {gems} gems ({read} read)")?;
                for p in problems {
                    writeln!(out, "   left out {p}")?;
                }
            }
            None => {}
        }
        for (cmd, output) in &self.commands {
            writeln!(out, "ran `{cmd}`")?;
            for l in output.lines() {
                writeln!(out, "   {l}")?;
            }
        }
        Ok(())
    }
}
