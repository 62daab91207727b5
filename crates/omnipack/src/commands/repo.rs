//! `omnipack repo init|index|add|promote|remove|list|check`: arguments →
//! `omnipack_repo::{init, index_tree, channels::*}`; reports on stderr, the
//! paths written (top indexes, packages added) or the listing on stdout.
//! A command whose indexes left packages out prints its report, then fails
//! (unless `--allow-problems`).

use std::path::Path;

use anyhow::Result;
use omnipack_repo::channels::{self, AddOptions, ChannelReport, PromoteOptions, RemoveOptions};
use omnipack_repo::{IndexReport, index_tree};

use crate::cli::{
    RepoAddArgs, RepoCheckArgs, RepoIndexArgs, RepoInitArgs, RepoListArgs, RepoPromoteArgs,
    RepoRemoveArgs,
};
use crate::progress::Bar;

/// Runs `repo init`: the configuration file's path on stdout.
pub fn init(args: RepoInitArgs, quiet: bool) -> Result<()> {
    let report = omnipack_repo::init(&args.repo, &(&args).into())?;
    println!("{}", report.config_file.display());
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if !quiet {
        match &report.fingerprint {
            Some(f) => eprintln!("initialized `{}`, signed by key {f}", args.repo.display()),
            None => eprintln!(
                "initialized `{}` (unsigned: clients must trust it)",
                args.repo.display()
            ),
        }
        if report.leaves > 0 && report.fingerprint.is_some() {
            eprintln!(
                "hint: {} existing leaves are signed when next re-indexed; `omnipack repo index {}` signs them all now",
                report.leaves,
                args.repo.display()
            );
        }
    }
    Ok(())
}

/// Runs `repo index`.
pub fn index(args: RepoIndexArgs, quiet: bool) -> Result<()> {
    let report = index_tree(&args.path, &(&args).into(), &Bar::new(quiet))?;
    print_index(&report, quiet, args.json);
    if args.json {
        super::json::print(&super::json::index_report(&report))?;
    }
    fail_on_problems(&report, &args.path, args.allow_problems)
}

/// The report's problems as the command's failure, unless allowed.
fn fail_on_problems(report: &IndexReport, root: &Path, allow: bool) -> Result<()> {
    match report.problems_error(root, allow) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Problems, warnings and a summary per leaf on stderr; top indexes on stdout.
fn print_index(report: &IndexReport, quiet: bool, json: bool) {
    for g in &report.gems {
        for p in &g.problems {
            eprintln!("warning: {p}");
        }
        for w in &g.warnings {
            eprintln!("warning: {w}");
        }
        if !quiet {
            eprintln!("{g}");
        }
    }
    for leaf in &report.leaves {
        for p in &leaf.problems {
            eprintln!("warning: {p} (left out of the index)");
        }
        for s in &leaf.signatures_removed {
            eprintln!(
                "warning: removed `{}`: the index was written without a signing key, and the old signature would not match it",
                s.display()
            );
        }
        if !quiet {
            eprintln!("{leaf}");
        }
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for top in report.top_files().iter().filter(|_| !json) {
        println!("{}", top.display());
    }
}

/// What a channel command changed, then its re-index; fails when it left
/// packages out.
fn print_changes(
    report: &ChannelReport,
    repo: &Path,
    index: &crate::cli::ReindexArgs,
    quiet: bool,
) -> Result<()> {
    let changes = &report.changes;
    for (from, to) in &changes.copied {
        if !quiet {
            eprintln!("added `{}` as `{}`", from.display(), to.display());
        }
        if !index.json {
            println!("{}", to.display());
        }
    }
    for (from, at) in changes.unchanged.iter().filter(|_| !quiet) {
        eprintln!(
            "`{}` is already in place as `{}`",
            from.display(),
            at.display()
        );
    }
    for p in changes.removed.iter().filter(|_| !quiet) {
        eprintln!("removed `{}`", p.display());
    }
    print_index(&report.index, quiet, index.json);
    for h in &report.hints {
        eprintln!("hint: {h}");
    }
    if index.json {
        super::json::print(&super::json::channel_report(report))?;
    }
    fail_on_problems(&report.index, repo, index.allow_problems)
}

/// Runs `repo add`.
pub fn add(args: RepoAddArgs, quiet: bool) -> Result<()> {
    let opts = AddOptions {
        channel: args.channel.into(),
        distribution: args.distribution,
        keep: args.keep,
        sign_packages: args.sign_packages,
        index: (&args.index).into(),
    };
    let report = channels::add(&args.repo, &args.packages, &opts, &Bar::new(quiet))?;
    print_changes(&report, &args.repo, &args.index, quiet)
}

/// Runs `repo promote`.
pub fn promote(args: RepoPromoteArgs, quiet: bool) -> Result<()> {
    let opts = PromoteOptions {
        from: args.from.into(),
        to: args.to.into(),
        distribution: args.distribution,
        keep: args.keep,
        index: (&args.index).into(),
    };
    let report = channels::promote(&args.repo, &args.packages, &opts, &Bar::new(quiet))?;
    print_changes(&report, &args.repo, &args.index, quiet)
}

/// Runs `repo remove`.
pub fn remove(args: RepoRemoveArgs, quiet: bool) -> Result<()> {
    let opts = RemoveOptions {
        channel: args.channel.map(Into::into),
        distribution: args.distribution,
        index: (&args.index).into(),
    };
    let report = channels::remove(&args.repo, &args.packages, &opts, &Bar::new(quiet))?;
    print_changes(&report, &args.repo, &args.index, quiet)
}

/// Runs `repo list`: the leaves and their packages (or JSON) on stdout.
pub fn list(args: RepoListArgs) -> Result<()> {
    let listing = channels::list(&args.repo, None)?;
    for w in &listing.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listing.leaves)?);
        return Ok(());
    }
    for leaf in &listing.leaves {
        print!("{leaf}");
    }
    Ok(())
}

/// Runs `repo check`: each problem on stdout, notes and a summary on
/// stderr; fails when there is a problem.
pub fn check(args: RepoCheckArgs, quiet: bool) -> Result<()> {
    let opts = omnipack_repo::CheckOptions { key: args.key };
    let report = omnipack_repo::check(&args.repo, &opts)?;
    for p in &report.problems {
        println!("{p}");
    }
    for n in &report.notes {
        eprintln!("note: {n}");
    }
    if !quiet {
        let key = match &report.key {
            Some(k) => format!("signatures by key {k}"),
            None => "no key".to_owned(),
        };
        eprintln!(
            "checked `{}`: {} indexes, {} package entries, {key}: {} problem(s)",
            args.repo.display(),
            report.indexes.len(),
            report.packages,
            report.problems.len()
        );
    }
    if report.is_ok() {
        Ok(())
    } else {
        // A verification that ran and found problems: exit 3, as `bundle
        // verify` (1 stays "could not check").
        Err(omnipack_repo::RepoError::CheckFailed {
            root: args.repo,
            count: report.problems.len(),
            source: omnipack_core::outcome::DifferencesFound {
                what: "the repository has problems".into(),
            },
        }
        .into())
    }
}
