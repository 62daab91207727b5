//! `omnipack spec` and `omnipack debian`: the sdist with an RPM spec file,
//! and the `.orig.tar.gz` with a `debian/` directory, for distribution
//! maintainers (`omnipack_build::srcpkg`).

use anyhow::Result;
use omnipack_build::srcpkg::{self, DebianRequest, SpecRequest, SpecStyle};
use omnipack_spec::Manifest;
use serde_json::json;

use crate::cli::{DebianArgs, SpecArgs, SpecStyleArg};
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
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        return json::print(&json!({
            "name": manifest.project.name,
            "version": out.version.rpm_version,
            "release": out.version.rpm_release,
            "distribution": out.distribution,
            "files": [json::file(&out.sdist)?, json::file(&out.spec)?],
            "warnings": out.warnings,
        }));
    }
    println!("{}", out.sdist.display());
    println!("{}", out.spec.display());
    Ok(())
}

/// Runs `omnipack debian`.
pub fn debian(args: DebianArgs) -> Result<()> {
    let manifest = Manifest::load(&args.project)?;
    let out = srcpkg::debian(&DebianRequest {
        manifest: &manifest,
        distribution: args.distribution.as_deref(),
        out_dir: &args.out,
    })?;
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        let mut files = vec![json::file(&out.orig)?];
        for f in &out.files {
            files.push(json::file(f)?);
        }
        return json::print(&json!({
            "name": manifest.project.name,
            "version": out.version.deb(),
            "distribution": out.distribution,
            "files": files,
            "warnings": out.warnings,
        }));
    }
    println!("{}", out.orig.display());
    println!("{}", out.debian_dir.display());
    Ok(())
}
