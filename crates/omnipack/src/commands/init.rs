//! `omnipack init`: arguments → `omnipack_build::init::init`.

use anyhow::Result;
use omnipack_build::init::{ProjectKind, init};

use crate::cli::InitArgs;

/// Runs the command.
pub fn run(args: InitArgs, quiet: bool) -> Result<()> {
    let done = init(&args.dir, |k| std::env::var(k).ok())?;
    println!("{}", done.path.display());
    if !quiet {
        let kind = match done.kind {
            ProjectKind::Python => "a Python project",
            ProjectKind::Rust => "a Rust project",
            _ => "no Python or Rust project",
        };
        let from = done.from.map(|f| format!(" ({f})")).unwrap_or_default();
        eprintln!(
            "wrote `{}`: {kind}{from}, recipe `{}`",
            done.path.display(),
            done.kind.recipe()
        );
        match &done.maintainer_from {
            Some(sources) => eprintln!("note: the maintainer is from {}", sources.join(" and ")),
            None => eprintln!(
                "note: no maintainer found (DEBFULLNAME/DEBEMAIL, NAME/EMAIL or git config user.name/user.email): set `maintainer` in it"
            ),
        }
        if done.kind == ProjectKind::Other {
            eprintln!("note: the `dir` recipe packages a prebuilt tree: set `source` to it");
        }
    }
    Ok(())
}
