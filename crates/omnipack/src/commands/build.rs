//! `omnipack build`: manifest + distributions → `omnipack_build::build`.

use anyhow::{Result, bail};
use omnipack_build::builder::parse_builder_args;
use omnipack_build::{BuildRequest, build};
use omnipack_rootfs::RootStore;
use omnipack_spec::Manifest;
use omnipack_spec::distribution::find;

use crate::cli::BuildArgs;
use crate::progress::Bar;

/// Runs the command.
pub fn run(args: BuildArgs, quiet: bool) -> Result<()> {
    let manifest = Manifest::load(&args.project)?;
    let names = if args.distribution.is_empty() {
        match omnipack_build::host_distribution() {
            Some(name) => vec![name],
            None => bail!(
                "this machine's distribution is not in the table; name one with `--distribution` (see `omnipack distributions`)"
            ),
        }
    } else {
        args.distribution
    };
    let dists = names
        .iter()
        .map(|n| find(n, &manifest.distributions))
        .collect::<Result<Vec<_>, _>>()?;
    let builders = parse_builder_args(&args.builder)?;
    for name in builders.keys() {
        find(name, &manifest.distributions)?;
        if !names.contains(name) {
            bail!(
                "`--builder {name}=…` names a distribution this build is not for; add `--distribution {name}` or drop it"
            );
        }
    }
    let bar = Bar::new(quiet);
    let built = build(&BuildRequest {
        manifest: &manifest,
        distributions: &dists,
        out_dir: &args.out,
        threads: args
            .threads
            .unwrap_or_else(omnipack_archive::default_threads),
        lint: args.lint,
        builders: &builders,
        roots: &RootStore::new(),
        installer: args.installer.map(Into::into),
        progress: &bar,
    })?;
    if args.json {
        let mut artifacts = Vec::new();
        for b in &built {
            let mut a = super::json::artifact(&b.path)?;
            a["distribution"] = serde_json::Value::String(b.distribution.clone());
            artifacts.push(a);
        }
        super::json::print(&serde_json::json!({
            "project": manifest.project.name,
            "distributions": names,
            "artifacts": artifacts,
        }))?;
    } else {
        for b in &built {
            println!("{}", b.path.display());
        }
    }
    if !quiet {
        eprintln!(
            "built {} packages of {} for {}",
            built.len(),
            manifest.project.name,
            names.join(", ")
        );
    }
    Ok(())
}
