//! `omnipack bundle pack|verify|install|list|status`: arguments →
//! `omnipack_bundle`, people's text on stderr, data (tarball paths, the
//! list, `--json`) on stdout.

use anyhow::{Context, Result, bail};
use omnipack_bundle::gems::GemIndexOutcome;
use omnipack_bundle::install::{Action, InstallReport};
use omnipack_bundle::{InstallOptions, PackOptions};
use omnipack_core::NoProgress;

use crate::cli::{
    BundleCommand, BundleInstallArgs, BundleListArgs, BundlePackArgs, BundleVerifyArgs,
};
use crate::progress::Bar;

/// Fault injection: stop an install after this many steps, as if killed
/// (tests; documented in docs/bundles.md).
const FAIL_AFTER: &str = "OMNIPACK_BUNDLE_FAIL_AFTER";

/// Runs a `bundle` subcommand.
pub fn run(cmd: BundleCommand, quiet: bool) -> Result<()> {
    match cmd {
        BundleCommand::Pack(a) => pack(a, quiet),
        BundleCommand::Verify(a) => verify(a, quiet),
        BundleCommand::Install(a) => install(a, quiet),
        BundleCommand::List(a) => list(a, false),
        BundleCommand::Status(a) => list(a, true),
    }
}

fn pack(args: BundlePackArgs, quiet: bool) -> Result<()> {
    let bar = Bar::new(quiet);
    for s in &args.sources {
        let dir = omnipack_bundle::pack::resolve_source(s);
        let opts = PackOptions {
            destdir: args.destdir.clone(),
            os: args.os.clone(),
            cache: args.cache.clone(),
            mtime: omnipack_build::source_date_epoch(&dir)?,
        };
        let packed = omnipack_bundle::pack(&dir, &opts, &bar)
            .with_context(|| format!("cannot pack `{}`", dir.display()))?;
        if !quiet {
            eprintln!(
                "packed bundle `{}`: {} files, {} bytes",
                packed.name, packed.files, packed.bytes
            );
        }
        println!("{}", packed.tarball.display());
    }
    Ok(())
}

fn verify(args: BundleVerifyArgs, quiet: bool) -> Result<()> {
    let bar = Bar::new(quiet);
    let r = omnipack_bundle::verify(&args.path, &bar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    }
    if r.pristine {
        if !quiet {
            eprintln!(
                "`{}`: bundle `{}` {} is pristine (checked against {})",
                r.path.display(),
                r.name,
                r.version,
                r.sums
            );
        }
        return Ok(());
    }
    for line in r.check.lines() {
        eprintln!("  {line}");
    }
    bail!(
        "`{}`: bundle `{}` does not match its {}: {} modified, {} missing, {} added",
        r.path.display(),
        r.name,
        r.sums,
        r.check.modified.len(),
        r.check.missing.len(),
        r.check.added.len()
    )
}

fn install(args: BundleInstallArgs, quiet: bool) -> Result<()> {
    let fail_after = match std::env::var(FAIL_AFTER) {
        Ok(v) if !v.is_empty() => Some(
            v.trim()
                .parse()
                .with_context(|| format!("{FAIL_AFTER}=`{v}` is not a number"))?,
        ),
        _ => None,
    };
    let opts = InstallOptions {
        root: args.root.clone(),
        force: args.force,
        dry_run: args.dry_run,
        fail_after,
        now: omnipack_core::time::now(),
        index_date: super::repo::date()?,
    };
    let bar = Bar::new(quiet);
    let report = omnipack_bundle::install(&args.sources, &opts, &bar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    if !quiet || args.dry_run {
        print_report(&report, args.dry_run && !args.json);
    }
    // Warnings are printed even with --quiet: an index needs regenerating.
    let recovered = report.recovered.iter().flat_map(|r| &r.warnings);
    for w in recovered.chain(&report.warnings) {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// The plan or report for people; the plan of `--dry-run` goes to stdout
/// (it is the command's data), everything else to stderr.
fn print_report(r: &InstallReport, to_stdout: bool) {
    let mut out = String::new();
    if let Some(rec) = &r.recovered {
        out.push_str(&format!(
            "an interrupted install of bundle `{}` was {}\n",
            rec.bundle, rec.action
        ));
    }
    if r.dry_run {
        out.push_str("dry run: nothing was written; the plan, in install order:\n");
    }
    for (i, b) in r.bundles.iter().enumerate() {
        let from = b
            .old_version
            .as_deref()
            .map(|v| format!(" (replacing {v})"))
            .unwrap_or_else(|| " (new)".into());
        out.push_str(&format!(
            "{}. {} {}{from}, order {}, from {}\n",
            i + 1,
            b.name,
            b.version,
            b.order,
            b.source
        ));
        for c in &b.changes {
            let sign = match c.action {
                Action::Add => '+',
                Action::Replace => '~',
                Action::Remove => '-',
            };
            out.push_str(&format!("   {sign} {}\n", c.path));
        }
        for l in &b.leaves {
            out.push_str(&format!("   index {l}/\n"));
        }
        if b.gems {
            out.push_str("   re-index the gem directory\n");
        }
    }
    match &r.gem_index {
        Some(GemIndexOutcome::Command(cmd)) => {
            out.push_str(&format!("gem index: ran `{cmd}`\n"));
        }
        Some(GemIndexOutcome::Native {
            gems,
            read,
            problems,
        }) => {
            out.push_str(&format!("gem index: {gems} gems ({read} read)\n"));
            for p in problems {
                out.push_str(&format!("   left out {p}\n"));
            }
        }
        None => {}
    }
    for (cmd, output) in &r.commands {
        out.push_str(&format!("ran `{cmd}`\n"));
        for l in output.lines() {
            out.push_str(&format!("   {l}\n"));
        }
    }
    if to_stdout {
        print!("{out}");
    } else {
        eprint!("{out}");
    }
}

fn list(args: BundleListArgs, details: bool) -> Result<()> {
    let (_lock, recovered) =
        omnipack_bundle::open_root(&args.root, false, super::repo::date()?, &NoProgress)?;
    if let Some(r) = recovered {
        eprintln!(
            "an interrupted install of bundle `{}` was {}",
            r.bundle, r.action
        );
        for w in &r.warnings {
            eprintln!("warning: {w}");
        }
    }
    let status = omnipack_bundle::status(&args.root, &NoProgress)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        println!("NAME\tVERSION\tORDER\tSTATE\tINSTALLED\tSOURCE");
        for s in &status {
            println!(
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
                    println!("\t{c}");
                }
            }
        }
    }
    let modified: Vec<&str> = status
        .iter()
        .filter(|s| !s.pristine)
        .map(|s| s.name.as_str())
        .collect();
    if details && !modified.is_empty() {
        bail!(
            "bundle(s) {} have local changes under `{}`",
            modified.join(", "),
            args.root.display()
        );
    }
    Ok(())
}
