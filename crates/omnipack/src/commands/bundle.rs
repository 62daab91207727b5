//! `omnipack bundle pack|verify|install|list|status`: arguments →
//! `omnipack_bundle`, people's text on stderr, data (tarball paths, the
//! list, `--json`) on stdout.

use anyhow::Result;
use omnipack_bundle::{InstallOptions, PackOptions};
use omnipack_core::NoProgress;

use crate::cli::{
    BundleCommand, BundleInstallArgs, BundleListArgs, BundlePackArgs, BundleVerifyArgs,
};
use crate::progress::Bar;

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
    let opts = PackOptions {
        destdir: args.destdir,
        os: args.os,
        cache: args.cache,
        mtime: None,
    };
    for s in &args.sources {
        let packed = omnipack_bundle::pack_source(s, &opts, &bar)?;
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
    let r = omnipack_bundle::verify(&args.path, &Bar::new(quiet))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
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
        dry_run: args.dry_run,
        ..InstallOptions::default()
    };
    let report = omnipack_bundle::install(&args.sources, &opts, &Bar::new(quiet))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    // The plan of `--dry-run` goes to stdout (it is the command's data),
    // everything else to stderr.
    if args.dry_run && !args.json {
        print!("{}", report.text());
    } else if !quiet || args.dry_run {
        eprint!("{}", report.text());
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
        println!("{}", serde_json::to_string_pretty(&listing.bundles)?);
    } else {
        print!("{}", listing.table(details));
    }
    if details {
        listing.ensure_pristine()?;
    }
    Ok(())
}
