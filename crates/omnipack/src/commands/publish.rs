//! `omnipack publish`: `omnipack_repo::check` of the repository (unless
//! `--no-check`), then options → `omnipack_store::publish`, the report on
//! stderr (and as JSON on stdout with `--json`), or the bucket policy.

use anyhow::{Result, bail};
use omnipack_store::{Dest, PublishOptions, S3Options};

use crate::cli::PublishArgs;
use crate::progress::PublishBar;

/// Runs `publish`.
pub fn run(args: PublishArgs, quiet: bool) -> Result<()> {
    let dest: Dest = args.dest.parse()?;
    if args.print_policy {
        let Dest::S3 { bucket, prefix } = &dest else {
            bail!("--print-policy needs an `s3://bucket/prefix` destination, not `{dest}`");
        };
        println!("{}", omnipack_store::public_read_policy(bucket, prefix));
        return Ok(());
    }
    let s3 = S3Options {
        endpoint: args.endpoint,
        region: args.region,
        path_style: args.path_style,
        acl: args.acl,
        retries: args.retries,
        credentials: None,
    };
    let opts = PublishOptions {
        force: args.force,
        keep_publishes: args.keep_publishes,
        grace_secs: args.grace,
        break_lock: args.break_lock,
        multipart_threshold: args.multipart_threshold.max(5) << 20,
        jobs: args.jobs.max(1),
        ..PublishOptions::default()
    }
    .with_env_hooks()?;
    if !args.no_check && args.repo.is_dir() {
        let report = omnipack_repo::check(&args.repo, &omnipack_repo::CheckOptions::default())?;
        if !report.is_ok() {
            for p in &report.problems {
                eprintln!("error: {p}");
            }
            bail!(
                "not publishing `{}`: `omnipack repo check` found {} problem(s) that apt or dnf would fail on (listed above); fix them, or pass --no-check to publish it as it is",
                args.repo.display(),
                report.problems.len()
            );
        }
    }
    // From here on Ctrl-C and SIGTERM stop the publish at its next write
    // and release its lock (a second signal ends the process at once).
    crate::signals::cooperate();
    let bar = PublishBar::new(quiet);
    let report = omnipack_store::publish_to(&args.repo, &dest, &s3, &opts, &bar)?;
    if !quiet {
        let k = &report.uploaded_by_kind;
        eprintln!(
            "published `{}` to `{dest}`: {} uploaded ({} packages, {} hashed, {} other, {} signatures, {} top indexes; {} bytes), {} unchanged, {} deleted, {} superseded kept",
            args.repo.display(),
            report.uploaded,
            k.package,
            k.hashed,
            k.secondary,
            k.signature,
            k.top,
            report.uploaded_bytes,
            report.unchanged,
            report.deleted,
            report.kept_superseded,
        );
        if report.lock == "best-effort" {
            eprintln!(
                "warning: `{dest}` does not support create-only puts; the lock was best effort"
            );
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
