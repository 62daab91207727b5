//! `omnipack image build`: manifest, version, epoch and revision →
//! `omnipack_image::build_images`; layout paths (or the JSON report) on
//! stdout, a summary per image on stderr.

use anyhow::Result;
use omnipack_image::{ImageRequest, build_images};
use omnipack_rootfs::RootStore;
use omnipack_spec::Manifest;

use crate::cli::ImageBuildArgs;
use crate::progress::Bar;

/// Runs `image build`.
pub fn build(args: ImageBuildArgs, quiet: bool) -> Result<()> {
    let manifest = Manifest::load(&args.project)?;
    let version = match args.image_version {
        Some(v) => v,
        None => omnipack_build::project_version(&manifest)?.deb(),
    };
    let req = ImageRequest {
        image: args.image,
        version,
        revision: omnipack_build::short_revision(&manifest.root),
        packages: args.packages,
        repository: args.repository,
        out: args.out,
        epoch: omnipack_build::source_date_epoch(&manifest.root)?,
        roots: RootStore::new(),
        cache: omnipack_core::dirs::cache_dir(),
        push: args.push,
        tags: args.tags,
        refresh: args.refresh,
        docker_archive: args.format == "docker-archive",
    };
    let reports = build_images(&manifest, &req, &Bar::new(quiet))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    for r in &reports {
        if !args.json {
            println!("{}", r.layout.display());
        }
        if !quiet {
            eprintln!(
                "image `{}`: {} ({} packages, tags {})",
                r.name,
                r.digest,
                r.packages,
                r.tags.join(", ")
            );
            if let (Some(p), Some(to)) = (&r.push, &r.reference) {
                eprintln!(
                    "pushed to `{to}`: {} blobs uploaded ({} bytes), {} already there",
                    p.uploaded, p.bytes, p.skipped
                );
            }
        }
    }
    Ok(())
}
