//! `omnipack repo index|add|promote|remove|list`: options →
//! `omnipack_repo::{index, channels}`, reports on stderr, the paths written
//! (top indexes, packages added) or the listing on stdout.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use omnipack_repo::apt::{AptOptions, Dists};
use omnipack_repo::cache::Cache;
use omnipack_repo::channels::{self, AddOptions, Changes, Channel};
use omnipack_repo::sign::Signer;
use omnipack_repo::yum::YumOptions;
use omnipack_repo::{IndexKind, IndexOptions, IndexReport, Layout, index as run_index, index_with};

use crate::cli::{
    ChannelArg, KindArg, LayoutArg, ReindexArgs, RepoAddArgs, RepoIndexArgs, RepoListArgs,
    RepoPromoteArgs, RepoRemoveArgs,
};
use crate::progress::Bar;

/// `SOURCE_DATE_EPOCH`, else now: the date of regenerated indexes.
pub(crate) fn date() -> Result<u64> {
    Ok(omnipack_core::time::epoch_or_now()?)
}

/// Runs `repo index`.
pub fn index(args: RepoIndexArgs, quiet: bool) -> Result<()> {
    let date = date()?;
    let signer = match &args.sign_key {
        Some(k) => Some(Signer::from_armored_file(k, args.sign_subkey.as_deref())?),
        None => None,
    };
    let layout = match args.layout {
        LayoutArg::Flat => {
            if !args.architectures.is_empty() {
                bail!("--architectures applies to --layout dists only");
            }
            Layout::Flat
        }
        LayoutArg::Dists => Layout::Dists(Dists {
            component: args.component,
            architectures: args.architectures,
        }),
    };
    let opts = IndexOptions {
        layout,
        kind: match args.kind {
            KindArg::Apt => IndexKind::Apt,
            KindArg::Yum => IndexKind::Yum,
            KindArg::Gem => IndexKind::Gem,
            KindArg::Auto => IndexKind::Auto,
        },
        signer,
        strict: args.strict,
        keep: args.keep,
        apt: AptOptions {
            origin: args.origin,
            label: args.label,
            suite: args.suite,
            codename: args.codename,
            date,
        },
        yum: YumOptions {
            zstd: args.yum_zstd,
            date,
        },
        cache_dir: None,
        leaves: None,
    };
    let bar = Bar::new(quiet);
    let report = run_index(&args.path, &opts, &bar)?;
    print_report(&report, quiet);
    if report.leaves.iter().all(|l| l.debs + l.rpms == 0) && report.gems.iter().all(|g| g.gems == 0)
    {
        bail!("no package in `{}` could be indexed", args.path.display());
    }
    Ok(())
}

/// Problems and a summary per leaf on stderr; top indexes on stdout.
fn print_report(report: &IndexReport, quiet: bool) {
    for g in &report.gems {
        for p in &g.problems {
            eprintln!("warning: `{}`: {}", p.path.display(), p.message);
        }
        if !quiet {
            eprintln!(
                "indexed gem source `{}`: {} gems ({} read, {} cached, {} files written, {} quick specs removed)",
                g.dir.display(),
                g.gems,
                g.read,
                g.cached,
                g.written.len(),
                g.removed.len()
            );
        }
        println!("{}", g.dir.join("versions").display());
    }
    for leaf in &report.leaves {
        for p in &leaf.problems {
            eprintln!(
                "warning: `{}`: {} (left out of the index)",
                p.path.display(),
                p.message
            );
        }
        if !quiet {
            eprintln!(
                "indexed `{}`: {} .deb, {} .rpm ({} read, {} cached, {} superseded files pruned)",
                leaf.dir.display(),
                leaf.debs,
                leaf.rpms,
                leaf.read,
                leaf.cached,
                leaf.pruned.len()
            );
        }
        for w in &leaf.written {
            let name = w
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if matches!(name.as_str(), "Release" | "InRelease" | "repomd.xml") {
                println!("{}", w.display());
            }
        }
    }
}

fn channel(c: ChannelArg) -> Channel {
    match c {
        ChannelArg::Stable => Channel::Stable,
        ChannelArg::Testing => Channel::Testing,
    }
}

/// How a channel command re-indexes the leaves it touched.
fn reindex_options(args: ReindexArgs, touched: Vec<PathBuf>) -> Result<IndexOptions> {
    let date = date()?;
    let signer = match &args.sign_key {
        Some(k) => Some(Signer::from_armored_file(k, args.sign_subkey.as_deref())?),
        None => None,
    };
    Ok(IndexOptions {
        layout: Layout::Flat,
        kind: IndexKind::Auto,
        signer,
        strict: false,
        keep: 2,
        apt: AptOptions {
            date,
            ..AptOptions::default()
        },
        yum: YumOptions {
            zstd: args.yum_zstd,
            date,
        },
        cache_dir: None,
        leaves: Some(touched),
    })
}

/// Re-indexes what a channel command touched and says what it did.
fn finish(
    repo: &Path,
    changes: Changes,
    cache: Cache,
    index: ReindexArgs,
    quiet: bool,
) -> Result<()> {
    for (from, to) in &changes.copied {
        if !quiet {
            eprintln!("added `{}` as `{}`", from.display(), to.display());
        }
        println!("{}", to.display());
    }
    for (from, at) in &changes.unchanged {
        if !quiet {
            eprintln!(
                "`{}` is already in place as `{}`",
                from.display(),
                at.display()
            );
        }
    }
    for p in &changes.removed {
        if !quiet {
            eprintln!("removed `{}`", p.display());
        }
    }
    let touched: Vec<PathBuf> = changes.touched.into_iter().collect();
    if touched.is_empty() {
        let _ = cache.save();
        return Ok(());
    }
    // Sign or not, the key is loaded before anything is re-indexed.
    let opts = reindex_options(index, touched)?;
    let bar = Bar::new(quiet);
    let report = index_with(repo, &opts, &bar, cache)?;
    print_report(&report, quiet);
    Ok(())
}

fn repo_dir(repo: &Path) -> Result<()> {
    if !repo.is_dir() {
        bail!(
            "`{}` is not a directory; create the repository directory first",
            repo.display()
        );
    }
    Ok(())
}

/// Runs `repo add`.
pub fn add(args: RepoAddArgs, quiet: bool) -> Result<()> {
    repo_dir(&args.repo)?;
    let known = omnipack_spec::distribution::builtin();
    let distribution = match &args.distribution {
        Some(name) => Some(omnipack_spec::distribution::find(
            name,
            &Default::default(),
        )?),
        None => None,
    };
    if let Some(k) = &args.index.sign_key {
        // Fail on an unusable key before any package is copied.
        Signer::from_armored_file(k, args.index.sign_subkey.as_deref())?;
    }
    let opts = AddOptions {
        channel: channel(args.channel),
        distribution,
        known,
        keep: args.keep,
    };
    let mut cache = Cache::load(&args.repo, None);
    let changes = channels::add(&args.repo, &args.packages, &opts, &mut cache)?;
    finish(&args.repo, changes, cache, args.index, quiet)
}

/// Runs `repo promote`.
pub fn promote(args: RepoPromoteArgs, quiet: bool) -> Result<()> {
    repo_dir(&args.repo)?;
    if let Some(k) = &args.index.sign_key {
        Signer::from_armored_file(k, args.index.sign_subkey.as_deref())?;
    }
    let mut cache = Cache::load(&args.repo, None);
    let changes = channels::promote(
        &args.repo,
        channel(args.from),
        channel(args.to),
        &args.packages,
        args.distribution.as_deref(),
        args.keep,
        &mut cache,
    )?;
    finish(&args.repo, changes, cache, args.index, quiet)
}

/// Runs `repo remove`.
pub fn remove(args: RepoRemoveArgs, quiet: bool) -> Result<()> {
    repo_dir(&args.repo)?;
    if let Some(k) = &args.index.sign_key {
        Signer::from_armored_file(k, args.index.sign_subkey.as_deref())?;
    }
    let mut cache = Cache::load(&args.repo, None);
    let changes = channels::remove(
        &args.repo,
        &args.packages,
        args.channel.map(channel),
        args.distribution.as_deref(),
        &mut cache,
    )?;
    finish(&args.repo, changes, cache, args.index, quiet)
}

/// Runs `repo list`.
pub fn list(args: RepoListArgs) -> Result<()> {
    repo_dir(&args.repo)?;
    let mut cache = Cache::load(&args.repo, None);
    let leaves = channels::list(&args.repo, &mut cache)?;
    let _ = cache.save();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&leaves)?);
        return Ok(());
    }
    for leaf in &leaves {
        if leaf.id.distribution.is_empty() {
            println!("{}", leaf.dir);
        } else {
            println!(
                "{} ({} {}, {})",
                leaf.dir,
                leaf.id.distribution,
                leaf.id.arch,
                leaf.id.channel.as_str()
            );
        }
        for p in &leaf.packages {
            println!("  {} {} {}  {}", p.name, p.version, p.arch, p.file);
        }
        for p in &leaf.problems {
            println!("  ! {p}");
        }
    }
    Ok(())
}
