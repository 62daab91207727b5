//! `omnipack bundle pack|verify|install|list|status`: arguments →
//! `omnipack_bundle`, people's text on stderr, data (tarball paths, the
//! list, `--json`) on stdout. With `--json`, a failure is JSON on stdout
//! too (`{"error": …, "causes": […], "hint": …}`), besides the usual
//! `error:` lines on stderr.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use omnipack_bundle::config::Layout;
use omnipack_bundle::{InstallOptions, PackOptions};
use omnipack_core::NoProgress;

use crate::cli::{
    BundleCommand, BundleInstallArgs, BundleListArgs, BundlePackArgs, BundleVerifyArgs,
};
use crate::progress::Bar;

/// Runs a `bundle` subcommand.
pub fn run(cmd: BundleCommand, quiet: bool) -> Result<()> {
    let json = match &cmd {
        BundleCommand::Pack(a) => a.json,
        BundleCommand::Verify(a) => a.json,
        BundleCommand::Install(a) => a.json,
        BundleCommand::List(a) | BundleCommand::Status(a) => a.json,
    };
    let result = match cmd {
        BundleCommand::Pack(a) => pack(a, quiet),
        BundleCommand::Verify(a) => verify(a, quiet),
        BundleCommand::Install(a) => install(a, quiet),
        BundleCommand::List(a) => list(a, false),
        BundleCommand::Status(a) => list(a, true),
    };
    if json
        && !JSON_PRINTED.load(Ordering::Relaxed)
        && let Err(e) = &result
    {
        println!("{}", serde_json::to_string_pretty(&error_json(e))?);
    }
    result
}

/// Set once a command has printed its JSON: a failure after it (`verify`
/// or `status` finding changes) is said by that document already.
static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// Prints `v` as the command's JSON document.
fn print_json(v: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    JSON_PRINTED.store(true, Ordering::Relaxed);
    Ok(())
}

/// A failure as data: the message, each distinct cause, the hint.
fn error_json(e: &anyhow::Error) -> serde_json::Value {
    let message = e.to_string();
    let mut causes: Vec<String> = Vec::new();
    let mut last = message.clone();
    // The exit-code marker under `verify`/`status` adds no words.
    for cause in e
        .chain()
        .skip(1)
        .filter(|c| !c.is::<omnipack_core::outcome::DifferencesFound>())
    {
        let line = cause.to_string();
        if line != last && !last.ends_with(&line) {
            causes.push(line.clone());
        }
        last = line;
    }
    serde_json::json!({
        "ok": false,
        "error": message,
        "causes": causes,
        "hint": e.chain().find_map(crate::hint),
    })
}

fn pack(args: BundlePackArgs, quiet: bool) -> Result<()> {
    let bar = Bar::new(quiet || args.json);
    let opts = PackOptions {
        destdir: args.destdir,
        os: args.os,
        cache: args.cache,
        mtime: None,
    };
    let mut packed = Vec::new();
    for s in &args.sources {
        let p = omnipack_bundle::pack_source(s, &opts, &bar)?;
        if !quiet {
            eprintln!(
                "packed bundle `{}`: {} files, {} bytes",
                p.name, p.files, p.bytes
            );
        }
        if !args.json {
            println!("{}", p.tarball.display());
        }
        packed.push(p);
    }
    if args.json {
        print_json(&serde_json::to_value(&packed)?)?;
    }
    Ok(())
}

fn verify(args: BundleVerifyArgs, quiet: bool) -> Result<()> {
    let r = omnipack_bundle::verify(&args.path, &Bar::new(quiet))?;
    if args.json {
        print_json(&serde_json::to_value(&r)?)?;
    }
    if r.pristine && !quiet {
        eprintln!(
            "`{}`: bundle `{}` {} is pristine (checked against {})",
            r.path.display(),
            r.name,
            r.version,
            r.sums
        );
    }
    for line in r.check.lines() {
        eprintln!("  {line}");
    }
    Ok(r.ensure_pristine()?)
}

fn install(args: BundleInstallArgs, quiet: bool) -> Result<()> {
    let opts = InstallOptions {
        root: args.root,
        force: args.force,
        strict_requires: args.strict_requires,
        layout: args.layout.as_deref().and_then(Layout::parse),
        dry_run: args.dry_run,
        ..InstallOptions::default()
    };
    let report = omnipack_bundle::install(&args.sources, &opts, &Bar::new(quiet))?;
    if args.json {
        print_json(&serde_json::to_value(&report)?)?;
    }
    // The plan of `--dry-run` goes to stdout (it is the command's data),
    // everything else to stderr; file by file with --verbose or --dry-run.
    let verbose = args.verbose || args.dry_run;
    if args.dry_run && !args.json {
        print!("{}", report.text(verbose));
    } else if !quiet || args.dry_run {
        eprint!("{}", report.text(verbose));
    }
    // Warnings are printed even with --quiet: an index needs regenerating.
    for w in report.all_warnings() {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn list(args: BundleListArgs, details: bool) -> Result<()> {
    let listing = omnipack_bundle::list(&args.root, &NoProgress)?;
    if let Some(r) = &listing.recovered {
        eprintln!("{r}");
        for w in &r.warnings {
            eprintln!("warning: {w}");
        }
    }
    if args.json {
        print_json(&serde_json::to_value(&listing.bundles)?)?;
    } else {
        print!("{}", listing.table(details));
    }
    if details {
        listing.ensure_pristine()?;
    }
    Ok(())
}
