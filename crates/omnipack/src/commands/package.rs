//! `omnipack package`: flags (and an optional spec file) → PackageSpec →
//! `omnipack_build::package`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use omnipack_build::{
    PackageRequest, default_maintainer, package, resolve_spec, source_date_epoch,
};
use omnipack_spec::{Format, SpecFile, specfile::FormatDecl, specfile::ScriptsDecl};

use crate::cli::{FormatArg, PackageArgs};
use crate::progress::Bar;

fn absolute(p: Option<PathBuf>) -> Result<Option<PathBuf>> {
    p.map(|p| std::path::absolute(&p).with_context(|| format!("cannot resolve `{}`", p.display())))
        .transpose()
}

/// Runs the command.
pub fn run(args: PackageArgs, quiet: bool) -> Result<()> {
    let file = match &args.spec {
        Some(path) => SpecFile::load(path)?,
        None => SpecFile::default(),
    };
    let flags = SpecFile {
        name: args.name,
        version: args.pkg_version,
        release: args.release,
        epoch: args.epoch,
        arch: args.arch,
        summary: args.summary,
        description: args.description,
        license: args.license,
        url: args.url,
        vendor: args.vendor,
        maintainer: args.maintainer,
        section: args.section,
        priority: args.priority,
        depends: args.depends,
        recommends: args.recommends,
        suggests: args.suggests,
        provides: args.provides,
        conflicts: args.conflicts,
        replaces: args.replaces,
        obsoletes: args.obsoletes,
        from_dir: args.from_dir,
        prefix: args.prefix,
        allow_dangling_symlinks: args.allow_dangling_symlinks.then_some(true),
        config_files: args.config_file,
        scripts: ScriptsDecl {
            pre_install_file: absolute(args.pre_install)?,
            post_install_file: absolute(args.post_install)?,
            pre_remove_file: absolute(args.pre_remove)?,
            post_remove_file: absolute(args.post_remove)?,
            ..ScriptsDecl::default()
        },
        deb: FormatDecl {
            compression: args.deb_compression,
            ..FormatDecl::default()
        },
        rpm: FormatDecl {
            compression: args.rpm_compression,
            ..FormatDecl::default()
        },
        ..SpecFile::default()
    };
    let mut merged = flags.merge(file);
    let input_dir = merged
        .from_dir
        .clone()
        .or_else(|| {
            args.spec
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from("."));
    if merged.maintainer.is_none()
        && let Some(found) = default_maintainer(&input_dir, |k| std::env::var(k).ok())
    {
        if !quiet {
            eprintln!(
                "note: maintainer `{}` from {} (pass `--maintainer` to set another)",
                found.maintainer,
                found.sources.join(" and ")
            );
        }
        merged.maintainer = Some(found.maintainer);
    }
    let epoch = source_date_epoch(&input_dir)?;
    let spec = resolve_spec(merged, epoch)?;
    let formats: &[Format] = match args.format {
        FormatArg::Deb => &[Format::Deb],
        FormatArg::Rpm => &[Format::Rpm],
        FormatArg::All => &[Format::Deb, Format::Rpm],
    };
    let bar = Bar::new(quiet);
    let written = package(&PackageRequest {
        spec: &spec,
        formats,
        out_dir: &args.out,
        threads: args
            .threads
            .unwrap_or_else(omnipack_archive::default_threads),
        progress: &bar,
    })?;
    if args.json {
        let artifacts = written
            .iter()
            .map(|p| super::json::artifact(p))
            .collect::<Result<Vec<_>>>()?;
        super::json::print(&serde_json::json!({ "artifacts": artifacts }))?;
    }
    for path in &written {
        if !args.json {
            println!("{}", path.display());
        }
        if !quiet {
            let size = fs_err::metadata(path).map(|m| m.len()).unwrap_or(0);
            eprintln!("wrote {} ({size} bytes)", path.display());
        }
    }
    Ok(())
}
