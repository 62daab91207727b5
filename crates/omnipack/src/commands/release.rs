//! `omnipack release-package`: with `--repo`, the repository's settings
//! and package signatures (`omnipack_repo::channels::release_settings`),
//! then arguments → `omnipack_build::release::release_package`; the path
//! written on stdout.

use anyhow::{Result, bail};
use omnipack_build::release::{ReleaseRequest, release_package};
use omnipack_spec::Format;

use crate::cli::ReleasePackageArgs;
use crate::progress::Bar;

/// Runs the command.
pub fn run(args: ReleasePackageArgs, quiet: bool) -> Result<()> {
    let distribution = omnipack_spec::distribution::find(&args.distribution, &Default::default())?;
    let json = args.json;
    let rpm = distribution.format == Format::Rpm;
    let settings = match &args.repo {
        Some(repo) => omnipack_repo::channels::release_settings(
            repo,
            &args.distribution,
            args.key.as_deref(),
            rpm,
        )?,
        None => omnipack_repo::channels::ReleaseSettings {
            key: args.key.clone(),
            package_gpgcheck: true,
            ..Default::default()
        },
    };
    let Some(base_url) = args.base_url.or(settings.base_url) else {
        bail!(
            "no --base-url: give the URL clients reach the repository tree at (or set `base-url` under `[release]` in the --repo's .omnipack/repo.toml)"
        );
    };
    if !quiet {
        if settings.key.is_none() {
            eprintln!(
                "warning: no --key: clients are told to trust the repository without signatures"
            );
        } else if rpm && args.repo.is_none() {
            eprintln!(
                "warning: the .repo file sets gpgcheck=1, so dnf refuses any RPM not signed by this key; pass --repo REPO to have that checked (unsigned packages get gpgcheck=0 with repo_gpgcheck=1)"
            );
        }
        for n in &settings.notes {
            eprintln!("note: {n}");
        }
    }
    let maintainer = args.maintainer.clone().or_else(|| {
        // As `package` and dch: from the environment or git, when
        // the project has no manifest to take it from.
        if args.project.join("omnipack.toml").is_file() {
            return None;
        }
        let found = omnipack_build::default_maintainer(&args.project, |k| std::env::var(k).ok())?;
        if !quiet {
            eprintln!(
                "note: maintainer `{}` from {} (pass `--maintainer` to set another)",
                found.maintainer,
                found.sources.join(" and ")
            );
        }
        Some(found.maintainer)
    });
    let req = ReleaseRequest {
        distribution: args.distribution,
        base_url,
        key: settings.key,
        vendor: args.vendor.or(settings.vendor),
        project: args.project,
        version: args.pkg_version,
        maintainer,
        homepage: args.homepage,
        out: args.out,
        lint: args.lint,
        package_gpgcheck: settings.package_gpgcheck,
    };
    let written = release_package(&req, &Bar::new(quiet))?;
    if json {
        let artifacts = written
            .iter()
            .map(|p| super::json::artifact(p))
            .collect::<Result<Vec<_>>>()?;
        super::json::print(&serde_json::json!({ "artifacts": artifacts }))?;
    } else {
        for p in written {
            println!("{}", p.display());
        }
    }
    Ok(())
}
