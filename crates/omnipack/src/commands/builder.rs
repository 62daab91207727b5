//! `omnipack builder create/list/remove`: the build-root cache
//! (`omnipack_rootfs`), with the packages `omnipack_build` says a project needs.

use anyhow::Result;
use omnipack_build::builder::root_packages;
use omnipack_rootfs::{CreateOptions, RootStore, create};
use omnipack_spec::Manifest;
use omnipack_spec::distribution::find;

use crate::cli::{BuilderCommand, BuilderCreateArgs};
use crate::progress::Bar;

/// Runs the command.
pub fn run(cmd: BuilderCommand, quiet: bool) -> Result<()> {
    let store = RootStore::new();
    match cmd {
        BuilderCommand::Create(args) => create_root(&store, args, quiet),
        BuilderCommand::List(args) => {
            let roots = store.list()?;
            if args.json {
                let v: Vec<serde_json::Value> = roots
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "distribution": r.distribution,
                            "path": r.path,
                            "tool": r.tool,
                            "sources": r.sources,
                            "packages": r.packages,
                            "created": omnipack_core::time::iso8601(r.created),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if roots.is_empty() {
                if !quiet {
                    eprintln!(
                        "no build roots in {}; make one with `omnipack builder create DIST`",
                        store.dir().display()
                    );
                }
            } else {
                println!(
                    "{:<14} {:<12} {:<20} PATH",
                    "DISTRIBUTION", "TOOL", "CREATED"
                );
                for r in &roots {
                    println!(
                        "{:<14} {:<12} {:<20} {}",
                        r.distribution,
                        r.tool,
                        omnipack_core::time::iso8601(r.created),
                        r.path.display()
                    );
                }
            }
            Ok(())
        }
        BuilderCommand::Remove(args) => {
            store.remove(&args.distribution)?;
            if !quiet {
                eprintln!("removed the build root of {}", args.distribution);
            }
            Ok(())
        }
    }
}

fn create_root(store: &RootStore, args: BuilderCreateArgs, quiet: bool) -> Result<()> {
    let manifest = args.project.as_deref().map(Manifest::load).transpose()?;
    let overrides = manifest
        .as_ref()
        .map(|m| m.distributions.clone())
        .unwrap_or_default();
    let dist = find(&args.distribution, &overrides)?;
    let mut packages = root_packages(manifest.as_ref(), &dist);
    packages.extend(args.packages.iter().map(|p| dist.rename(p).to_owned()));
    // A root made again keeps what it had.
    if let Some(old) = store.get(&dist.name)? {
        packages.extend(old.packages);
    }
    let bar = Bar::new(quiet);
    let info = create(
        store,
        &dist,
        &CreateOptions {
            mirror: args.mirror,
            packages,
            etc_apt: None,
        },
        &bar,
    )?;
    println!("{}", info.path.display());
    if !quiet {
        eprintln!(
            "made the build root of {} with {} from {} ({})",
            dist.name,
            info.tool,
            info.sources.join(", "),
            info.packages.join(", ")
        );
    }
    Ok(())
}
