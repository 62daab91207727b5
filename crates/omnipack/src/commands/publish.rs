//! `omnipack publish`: options → `omnipack_store::publish`, the report on
//! stderr (and as JSON on stdout with `--json`), or the bucket policy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use omnipack_core::Progress;
use omnipack_store::{Dest, PublishOptions, S3Options};

use crate::cli::PublishArgs;

/// Fault injection: stop after this many object writes, leaving the lock as a
/// killed publish would (tests; documented in docs/repository.md).
const FAIL_AFTER: &str = "OMNIPACK_PUBLISH_FAIL_AFTER";
/// Testing: pause this many milliseconds after each object write.
const DELAY_MS: &str = "OMNIPACK_PUBLISH_DELAY_MS";

fn env_number(name: &str) -> Result<Option<u64>> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => {
            Ok(Some(v.trim().parse().with_context(|| {
                format!("{name}=`{v}` is not a number")
            })?))
        }
        _ => Ok(None),
    }
}

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
    if !matches!(dest, Dest::S3 { .. })
        && (args.endpoint.is_some()
            || args.region.is_some()
            || args.acl.is_some()
            || args.path_style)
    {
        bail!("--endpoint, --region, --path-style and --acl apply to `s3://` destinations only");
    }
    let s3 = S3Options {
        endpoint: args.endpoint,
        region: args.region,
        path_style: args.path_style,
        acl: args.acl,
        retries: args.retries,
        credentials: None,
    };
    let target = omnipack_store::open(&dest, &s3)?;
    let opts = PublishOptions {
        force: args.force,
        keep_publishes: args.keep_publishes,
        grace_secs: args.grace,
        break_lock: args.break_lock,
        multipart_threshold: args.multipart_threshold.max(5) << 20,
        jobs: args.jobs.max(1),
        fail_after: env_number(FAIL_AFTER)?,
        delay_after_write: Duration::from_millis(env_number(DELAY_MS)?.unwrap_or(0)),
        ..PublishOptions::default()
    };
    let bar = PublishBar::new(quiet);
    let report = omnipack_store::publish(&args.repo, &target, &opts, &bar)?;
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

/// Bytes and objects on one indicatif bar.
struct PublishBar {
    bar: ProgressBar,
    quiet: bool,
    bytes: AtomicU64,
}

impl PublishBar {
    fn new(quiet: bool) -> Self {
        let bar = ProgressBar::hidden();
        if !quiet {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        let style =
            ProgressStyle::with_template("{prefix:>26} {pos}/{len} objects [{bar:24}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        PublishBar {
            bar,
            quiet,
            bytes: AtomicU64::new(0),
        }
    }
}

impl Progress for PublishBar {
    fn start(&self, name: &str, objects: u64) {
        self.bar.set_prefix(name.to_owned());
        self.bar.set_length(objects);
        self.bar.set_position(0);
        self.bar.set_message(String::new());
    }

    fn bytes(&self, bytes: u64) {
        // The bar counts objects; the bytes ride in the message.
        let done = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.bar
            .set_message(format!("{} uploaded", HumanBytes(done)));
    }

    fn advance(&self, objects: u64) {
        self.bar.inc(objects);
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{message}"));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
