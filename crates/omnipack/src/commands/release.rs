//! `omnipack release-package`: arguments →
//! `omnipack_build::release::release_package`; the path written on stdout.

use anyhow::Result;
use omnipack_build::release::{ReleaseRequest, release_package};

use crate::cli::ReleasePackageArgs;
use crate::progress::Bar;

/// Runs the command.
pub fn run(args: ReleasePackageArgs, quiet: bool) -> Result<()> {
    if args.key.is_none() && !quiet {
        eprintln!("warning: no --key: clients are told to trust the repository without signatures");
    }
    let req = ReleaseRequest {
        distribution: args.distribution,
        base_url: args.base_url,
        key: args.key,
        vendor: args.vendor,
        project: args.project,
        version: args.pkg_version,
        maintainer: args.maintainer,
        homepage: args.homepage,
        out: args.out,
        lint: args.lint,
    };
    for p in release_package(&req, &Bar::new(quiet))? {
        println!("{}", p.display());
    }
    Ok(())
}
