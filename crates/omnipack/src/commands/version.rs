//! `omnipack version`: the project's version in every form.

use anyhow::Result;
use omnipack_spec::Manifest;
use omnipack_spec::version::ProjectVersion;

use crate::cli::VersionArgs;

/// Runs the command.
pub fn run(args: VersionArgs) -> Result<()> {
    let has_manifest = args.project.join("omnipack.toml").is_file()
        || args.project.extension().is_some_and(|e| e == "toml");
    let v: ProjectVersion = if has_manifest {
        omnipack_build::project_version(&Manifest::load(&args.project)?)?
    } else {
        omnipack_build::describe_version(&args.project)?
    };
    if args.json {
        let j = serde_json::json!({
            "upstream": v.upstream,
            "rpm_version": v.rpm_version,
            "rpm_release": v.rpm_release,
            "deb": v.deb(),
        });
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!("upstream:    {}", v.upstream);
        println!("rpm-version: {}", v.rpm_version);
        println!("rpm-release: {}", v.rpm_release);
        println!("deb:         {}", v.deb());
    }
    Ok(())
}
