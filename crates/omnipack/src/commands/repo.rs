//! `omnipack repo index|add|promote|remove|list`: arguments →
//! `omnipack_repo::{index_tree, channels::*}`; reports on stderr, the paths
//! written (top indexes, packages added) or the listing on stdout.

use anyhow::Result;
use omnipack_repo::channels::{self, AddOptions, ChannelReport, PromoteOptions, RemoveOptions};
use omnipack_repo::{IndexReport, index_tree};

use crate::cli::{RepoAddArgs, RepoIndexArgs, RepoListArgs, RepoPromoteArgs, RepoRemoveArgs};
use crate::progress::Bar;

/// Runs `repo index`.
pub fn index(args: RepoIndexArgs, quiet: bool) -> Result<()> {
    let report = index_tree(&args.path.clone(), &args.into(), &Bar::new(quiet))?;
    print_index(&report, quiet);
    Ok(())
}

/// Problems, warnings and a summary per leaf on stderr; top indexes on stdout.
fn print_index(report: &IndexReport, quiet: bool) {
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
        if !quiet {
            eprintln!("{leaf}");
        }
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for top in report.top_files() {
        println!("{}", top.display());
    }
}

/// What a channel command changed, then its re-index.
fn print_changes(report: &ChannelReport, quiet: bool) {
    let changes = &report.changes;
    for (from, to) in &changes.copied {
        if !quiet {
            eprintln!("added `{}` as `{}`", from.display(), to.display());
        }
        println!("{}", to.display());
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
    print_index(&report.index, quiet);
}

/// Runs `repo add`.
pub fn add(args: RepoAddArgs, quiet: bool) -> Result<()> {
    let opts = AddOptions {
        channel: args.channel.into(),
        distribution: args.distribution,
        keep: args.keep,
        index: args.index.into(),
    };
    let report = channels::add(&args.repo, &args.packages, &opts, &Bar::new(quiet))?;
    print_changes(&report, quiet);
    Ok(())
}

/// Runs `repo promote`.
pub fn promote(args: RepoPromoteArgs, quiet: bool) -> Result<()> {
    let opts = PromoteOptions {
        from: args.from.into(),
        to: args.to.into(),
        distribution: args.distribution,
        keep: args.keep,
        index: args.index.into(),
    };
    let report = channels::promote(&args.repo, &args.packages, &opts, &Bar::new(quiet))?;
    print_changes(&report, quiet);
    Ok(())
}

/// Runs `repo remove`.
pub fn remove(args: RepoRemoveArgs, quiet: bool) -> Result<()> {
    let opts = RemoveOptions {
        channel: args.channel.map(Into::into),
        distribution: args.distribution,
        index: args.index.into(),
    };
    let report = channels::remove(&args.repo, &args.packages, &opts, &Bar::new(quiet))?;
    print_changes(&report, quiet);
    Ok(())
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
