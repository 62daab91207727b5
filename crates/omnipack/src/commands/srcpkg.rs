//! `omnipack spec`: the sdist and RPM spec file for distribution
//! maintainers (`omnipack_build::srcpkg`).

use anyhow::Result;
use omnipack_build::srcpkg::{self, SpecRequest, SpecStyle};
use omnipack_spec::Manifest;
use serde_json::json;

use crate::cli::{SpecArgs, SpecStyleArg};
use crate::commands::json;

/// Runs `omnipack spec`.
pub fn spec(args: SpecArgs) -> Result<()> {
    let manifest = Manifest::load(&args.project)?;
    let out = srcpkg::spec(&SpecRequest {
        manifest: &manifest,
        distribution: args.distribution.as_deref(),
        style: match args.style {
            SpecStyleArg::Pip => SpecStyle::Pip,
            SpecStyleArg::Fedora => SpecStyle::Fedora,
        },
        out_dir: &args.out,
    })?;
    if args.json {
        return json::print(&json!({
            "name": manifest.project.name,
            "version": out.version.rpm_version,
            "release": out.version.rpm_release,
            "distribution": out.distribution,
            "files": [json::file(&out.sdist)?, json::file(&out.spec)?],
        }));
    }
    println!("{}", out.sdist.display());
    println!("{}", out.spec.display());
    Ok(())
}
