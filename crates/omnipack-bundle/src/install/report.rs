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
    /// Files in the installed copy.
    pub files: usize,
    /// Files copied into the served tree and the configured directories.
    pub placed: usize,
    /// Links made in the served tree (packages, other cache directories).
    pub links: usize,
    /// Changes, by path.
    pub changes: Vec<Change>,
    /// Index leaves regenerated afterwards.
    pub leaves: Vec<String>,
    /// Whether the gem directory changes.
    pub gems: bool,
}

impl BundlePlan {
    /// One line: the files, placements and links, what changed, the indexes.
    pub fn summary(&self) -> String {
        let count = |a: Action| self.changes.iter().filter(|c| c.action == a).count();
        let n = |k: usize, what: &str| format!("{k} {what}{}", if k == 1 { "" } else { "s" });
        let mut parts = vec![
            n(self.files, "file"),
            format!("{} placed", self.placed),
            n(self.links, "link"),
        ];
        let (add, rep, rm) = (
            count(Action::Add),
            count(Action::Replace),
            count(Action::Remove),
        );
        if self.old_version.is_some() {
            parts.push(format!(
                "changes: {add} added, {rep} replaced, {rm} removed"
            ));
        }
        if !self.leaves.is_empty() {
            let k = self.leaves.len();
            parts.push(format!(
                "{k} index{} ({})",
                if k == 1 { "" } else { "es" },
                self.leaves.join(", ")
            ));
        }
        if self.gems {
            parts.push("gem index".into());
        }
        parts.join("; ")
    }
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

    /// The plan or report for people: a summary line per bundle (with
    /// `verbose`, each change below it), then the gem index and each
    /// command with its output.
    pub fn text(&self, verbose: bool) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_text(&mut out, verbose);
        out
    }

    fn write_text(&self, out: &mut String, verbose: bool) -> std::fmt::Result {
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
            if verbose {
                for c in &b.changes {
                    writeln!(out, "   {} {}", c.action.sign(), c.path)?;
                }
                for l in &b.leaves {
                    writeln!(out, "   index {l}/")?;
                }
                if b.gems {
                    writeln!(out, "   re-index the gem directory")?;
                }
            } else {
                writeln!(out, "   {}", b.summary())?;
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
