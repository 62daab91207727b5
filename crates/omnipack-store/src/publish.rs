//! One publish: scan and hash the repository, read the destination's
//! manifest, and (under the lock) upload what changed in the client-safe
//! order, delete what has been superseded long enough, write the manifest.
//!
//! Crash safety: before the first upload the manifest is rewritten with the
//! objects about to change marked pending (no digest). A publish killed at
//! any point leaves the previous top indexes in place, pointing at objects
//! that are all still there; the next publish uploads every pending object
//! again and tracks any it wrote for deletion.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use fs_err as fs;
use futures::stream::{self, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions,
    PutPayload, WriteMultipart,
};
use omnipack_core::Progress;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dest::Target;
use crate::error::{Result, StoreError};
use crate::lock::{self, LockInfo};
use crate::plan::{self, Entry, Kind, LocalFile, MANIFEST_KEY, Manifest, content_type, index_rank};

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Upload every file, whatever the manifest says.
    pub force: bool,
    /// Keep a superseded object for this many publishes after it left the repository.
    pub keep_publishes: u64,
    /// And for at least this many seconds.
    pub grace_secs: u64,
    /// Remove an existing lock first (a publisher that was killed).
    pub break_lock: bool,
    /// Files of at least this many bytes go up in a multipart upload.
    pub multipart_threshold: u64,
    /// Part size of multipart uploads (S3's minimum is 5 MiB).
    pub part_size: usize,
    /// Concurrent uploads within a phase.
    pub jobs: usize,
    /// Fault injection: stop (as if killed, lock left) after this many object writes.
    pub fail_after: Option<u64>,
    /// Testing: pause this long after each object write (to hold the lock a while).
    pub delay_after_write: Duration,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            force: false,
            keep_publishes: 3,
            grace_secs: 0,
            break_lock: false,
            multipart_threshold: 64 << 20,
            part_size: 8 << 20,
            jobs: 8,
            fail_after: None,
            delay_after_write: Duration::ZERO,
        }
    }
}

/// Uploads of one kind.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct KindCount {
    /// Packages.
    pub package: usize,
    /// Hashed metadata.
    pub hashed: usize,
    /// Other secondary files.
    pub secondary: usize,
    /// Signatures.
    pub signature: usize,
    /// Top indexes.
    pub top: usize,
}

/// What a publish did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    /// Files in the repository.
    pub files: usize,
    /// Objects uploaded (repository files only).
    pub uploaded: usize,
    /// Of them, by kind.
    pub uploaded_by_kind: KindCount,
    /// Bytes uploaded.
    pub uploaded_bytes: u64,
    /// Of them, uploaded in parts.
    pub multipart: usize,
    /// Files already in the destination with the same SHA-256.
    pub unchanged: usize,
    /// Superseded objects deleted.
    pub deleted: usize,
    /// Superseded objects kept for clients mid-update.
    pub kept_superseded: usize,
    /// Writes of the manifest object.
    pub manifest_writes: usize,
    /// Every write request (uploads, deletions, manifest; not the lock).
    pub writes: u64,
    /// `none` (nothing to do), `conditional` (the store honoured a
    /// create-only put) or `best-effort`.
    pub lock: String,
    /// The holder of a lock removed by `break_lock`.
    pub broke_lock: Option<String>,
    /// The manifest's generation after the publish.
    pub generation: u64,
}

/// Fault injection: stop after this many object writes, leaving the lock as a
/// killed publish would (tests; documented in docs/repository.md).
pub const FAIL_AFTER_ENV: &str = "OMNIPACK_PUBLISH_FAIL_AFTER";
/// Testing: pause this many milliseconds after each object write.
pub const DELAY_MS_ENV: &str = "OMNIPACK_PUBLISH_DELAY_MS";

fn env_number(var: &'static str) -> Result<Option<u64>> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| StoreError::BadEnv { var, value: v }),
        _ => Ok(None),
    }
}

impl PublishOptions {
    /// These options with the test hooks taken from the environment
    /// ([`FAIL_AFTER_ENV`], [`DELAY_MS_ENV`]) where they are set.
    pub fn with_env_hooks(mut self) -> Result<PublishOptions> {
        if let Some(n) = env_number(FAIL_AFTER_ENV)? {
            self.fail_after = Some(n);
        }
        if let Some(ms) = env_number(DELAY_MS_ENV)? {
            self.delay_after_write = Duration::from_millis(ms);
        }
        Ok(self)
    }
}

/// `path` made absolute and free of `.`/`..` and symbolic links as far as
/// it exists (what does not exist yet is appended as given).
fn resolved(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut existing = abs.as_path();
    let mut tail = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(n)) => {
                tail.push(n.to_owned());
                existing = p;
            }
            _ => break,
        }
    }
    let mut out = fs::canonicalize(existing)?;
    for n in tail.into_iter().rev() {
        out.push(n);
    }
    Ok(out)
}

/// A local destination inside the repository would be published into itself
/// (nesting deeper each time); a repository inside the destination would be
/// overwritten by its own copy.
fn check_apart(repo: &Path, dest: &Path) -> Result<()> {
    let (r, d) = (resolved(repo)?, resolved(dest)?);
    if d.starts_with(&r) || r.starts_with(&d) {
        return Err(StoreError::Overlap {
            repo: repo.to_path_buf(),
            dest: dest.to_path_buf(),
        });
    }
    Ok(())
}

/// `omnipack publish`: checks that the S3 options are given only for an
/// `s3://` destination, opens it and publishes `repo` there (see
/// [`publish`]).
pub fn publish_to(
    repo: &Path,
    dest: &crate::Dest,
    s3: &crate::S3Options,
    opts: &PublishOptions,
    reporter: &dyn Progress,
) -> Result<Report> {
    if !matches!(dest, crate::Dest::S3 { .. })
        && (s3.endpoint.is_some() || s3.region.is_some() || s3.acl.is_some() || s3.path_style)
    {
        return Err(StoreError::S3OptionsForLocal {
            dest: dest.to_string(),
        });
    }
    if let crate::Dest::Local(dir) = dest {
        check_apart(repo, dir)?;
    }
    let target = crate::open(dest, s3)?;
    publish(repo, &target, opts, reporter)
}

/// Publishes `repo` to `target`. Blocking: runs its own async runtime.
pub fn publish(
    repo: &Path,
    target: &Target,
    opts: &PublishOptions,
    reporter: &dyn Progress,
) -> Result<Report> {
    reporter.note(&format!("hashing `{}`", repo.display()));
    let files = plan::scan(repo)?;
    omnipack_core::interrupt::check()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let r = rt.block_on(
        Publisher {
            target,
            opts,
            reporter,
            writes: AtomicU64::new(0),
            failed: AtomicBool::new(false),
        }
        .run(files),
    );
    reporter.finish();
    r
}

struct Publisher<'a> {
    target: &'a Target,
    opts: &'a PublishOptions,
    reporter: &'a dyn Progress,
    writes: AtomicU64,
    /// An upload of the running phase failed: the others not started yet
    /// are not started (those in flight finish, so none is cut off half-way).
    failed: AtomicBool,
}

/// The results of a phase's concurrent writes (each `None` when it was
/// not started because another failed or a stop was requested): the first
/// failure, else the stop, else the values.
fn settle<T>(results: Vec<Result<Option<T>>>) -> Result<Vec<T>> {
    let mut done = Vec::with_capacity(results.len());
    let mut skipped = false;
    for r in results {
        match r? {
            Some(v) => done.push(v),
            None => skipped = true,
        }
    }
    omnipack_core::interrupt::check()?;
    if skipped {
        // Only a failure or a stop skips a write, and both returned above.
        return Err(StoreError::Io(std::io::Error::other("a write was skipped")));
    }
    Ok(done)
}

fn object_path(key: &str) -> Result<ObjectPath, object_store::Error> {
    ObjectPath::parse(key).map_err(|e| object_store::Error::InvalidPath { source: e })
}

impl Publisher<'_> {
    fn dest(&self) -> &str {
        &self.target.display
    }

    fn err(&self, action: &'static str, key: &str, source: object_store::Error) -> StoreError {
        match (&source, &self.target.bucket) {
            (
                object_store::Error::Unauthenticated { .. }
                | object_store::Error::PermissionDenied { .. },
                _,
            ) => StoreError::AccessDenied {
                dest: self.dest().to_owned(),
                source: Box::new(source),
            },
            _ => StoreError::Store {
                dest: self.dest().to_owned(),
                action,
                key: key.to_owned(),
                source: Box::new(source),
            },
        }
    }

    /// Whether a write not started yet must not start: another failed, or
    /// SIGINT/SIGTERM asked to stop.
    fn stopping(&self) -> bool {
        self.failed.load(Ordering::SeqCst) || omnipack_core::interrupt::requested().is_some()
    }

    /// Records a failed write, so that no other starts.
    fn note_failure<T>(&self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.failed.store(true, Ordering::SeqCst);
        }
        r
    }

    /// Counts a write about to happen; fails when fault injection says stop.
    fn before_write(&self) -> Result<()> {
        if let Some(k) = self.opts.fail_after {
            let done = self.writes.load(Ordering::SeqCst);
            if done >= k {
                return Err(StoreError::Injected(done));
            }
        }
        Ok(())
    }

    async fn after_write(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if !self.opts.delay_after_write.is_zero() {
            tokio::time::sleep(self.opts.delay_after_write).await;
        }
    }

    /// The destination answers, the credentials work, the bucket exists.
    async fn check_reachable(&self) -> Result<()> {
        let p = ObjectPath::from(".omnipack");
        match self.target.control.list_with_delimiter(Some(&p)).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // A list request's 404 is the bucket's: object_store reports
                // it as a generic error carrying S3's `NoSuchBucket` code.
                let text = e.to_string();
                let missing = matches!(e, object_store::Error::NotFound { .. })
                    || text.contains("NoSuchBucket")
                    || text.contains("404 Not Found");
                let denied = [
                    "403 Forbidden",
                    "InvalidAccessKeyId",
                    "SignatureDoesNotMatch",
                    "AccessDenied",
                ]
                .iter()
                .any(|c| text.contains(c));
                match &self.target.bucket {
                    Some((bucket, endpoint)) if missing => Err(StoreError::NoSuchBucket {
                        bucket: bucket.clone(),
                        endpoint: endpoint.clone(),
                    }),
                    Some(_) if denied => Err(StoreError::AccessDenied {
                        dest: self.dest().to_owned(),
                        source: Box::new(e),
                    }),
                    _ => Err(self.err("list", ".omnipack/", e)),
                }
            }
        }
    }

    async fn read_manifest(&self) -> Result<Manifest> {
        let path = ObjectPath::from(MANIFEST_KEY);
        match self.target.control.get(&path).await {
            Ok(r) => {
                let bytes = r
                    .bytes()
                    .await
                    .map_err(|e| self.err("read", MANIFEST_KEY, e))?;
                serde_json::from_slice(&bytes).map_err(|e| StoreError::BadManifest {
                    dest: self.dest().to_owned(),
                    key: MANIFEST_KEY.to_owned(),
                    reason: e.to_string(),
                })
            }
            Err(object_store::Error::NotFound { .. }) => Ok(Manifest {
                format: 1,
                ..Manifest::default()
            }),
            Err(e) => Err(self.err("read", MANIFEST_KEY, e)),
        }
    }

    async fn write_manifest(&self, m: &Manifest) -> Result<()> {
        self.before_write()?;
        let body = serde_json::to_vec_pretty(m).unwrap_or_default();
        let opts = PutOptions {
            attributes: self.attributes("application/json", "no-cache"),
            ..PutOptions::default()
        };
        self.target
            .control
            .put_opts(
                &ObjectPath::from(MANIFEST_KEY),
                PutPayload::from(body),
                opts,
            )
            .await
            .map_err(|e| self.err("upload", MANIFEST_KEY, e))?;
        self.after_write().await;
        Ok(())
    }

    fn attributes(&self, content_type: &'static str, cache_control: &'static str) -> Attributes {
        let mut a = Attributes::new();
        if self.target.attributes {
            a.insert(Attribute::ContentType, content_type.into());
            a.insert(Attribute::CacheControl, cache_control.into());
        }
        a
    }

    async fn run(self, files: Vec<LocalFile>) -> Result<Report> {
        self.check_reachable().await?;
        let mut report = Report {
            files: files.len(),
            lock: "none".into(),
            ..Report::default()
        };
        let store = &self.target.control;
        if self.opts.break_lock
            && let Some(held) = lock::break_lock(store, self.dest()).await?
        {
            self.reporter.note(&format!(
                "broke the lock held by {} since {}",
                held.holder(),
                held.since_text
            ));
            report.broke_lock = Some(held.holder());
        } else if let Some(held) = lock::read(store, self.dest()).await?
            && held.is_stale_here()
        {
            // A publisher of this host that was killed: nobody else can
            // release its lock, and waiting would not help.
            lock::break_lock(store, self.dest()).await?;
            self.reporter.note(&format!(
                "took over the lock held by {} since {}: that process is gone",
                held.holder(),
                held.since_text
            ));
            report.broke_lock = Some(held.holder());
        }
        let first = self.read_manifest().await?;
        let now = omnipack_core::time::now();
        let present: BTreeMap<String, LocalFile> =
            files.iter().map(|f| (f.key.clone(), f.clone())).collect();
        let make_plan = |manifest: &Manifest| {
            plan::plan(
                files.clone(),
                manifest,
                self.opts.force,
                self.opts.keep_publishes,
                self.opts.grace_secs,
                now,
            )
        };
        let mut plan = make_plan(&first);
        report.generation = first.generation;
        if plan.uploads.is_empty() && plan.deletions.is_empty() {
            // Nothing to write, so no lock either: a no-op is read-only.
            report.unchanged = plan.unchanged;
            report.kept_superseded = plan.kept;
            self.reporter.note("up to date: nothing to upload");
            return Ok(report);
        }

        let me = LockInfo::here(now);
        let conditional = lock::acquire(store, self.dest(), &me).await?;
        // Another publisher may have finished between our first read and the
        // lock: plan again against the manifest it left, so its objects are
        // tracked (and later deleted) and nothing it uploaded is trusted blindly.
        let old = match self.read_manifest().await {
            Ok(m) => m,
            Err(e) => {
                let _ = lock::release(store, self.dest(), &me).await;
                return Err(e);
            }
        };
        if old != first {
            self.reporter
                .note("the destination changed since it was read: planning again");
            plan = make_plan(&old);
        }
        if let Some(dir) = &self.target.local {
            // Under the lock, so no running publisher's files are touched.
            let keys = present.keys().chain(old.objects.keys());
            match remove_staged(dir, keys.map(String::as_str).collect()) {
                Ok(removed) if !removed.is_empty() => self.reporter.note(&format!(
                    "removed {} temporary file(s) a stopped publish left in `{}`",
                    removed.len(),
                    dir.display()
                )),
                Ok(_) => {}
                Err(e) => {
                    let _ = lock::release(store, self.dest(), &me).await;
                    return Err(e.into());
                }
            }
        }
        report.unchanged = plan.unchanged;
        report.kept_superseded = plan.kept;
        report.generation = old.generation;
        report.lock = if conditional {
            "conditional"
        } else {
            "best-effort"
        }
        .into();
        self.reporter.note(&format!(
            "took the lock `{}` of `{}` ({} uploads, {} deletions to do)",
            plan::LOCK_KEY,
            self.dest(),
            plan.uploads.len(),
            plan.deletions.len()
        ));
        let result = self.apply(&old, &present, plan, now, &mut report).await;
        match result {
            Err(StoreError::Injected(k)) => Err(StoreError::Injected(k)),
            Err(e) => {
                // Best effort: the error that stopped the publish matters more.
                let _ = lock::release(store, self.dest(), &me).await;
                Err(e)
            }
            Ok(()) => {
                lock::release(store, self.dest(), &me).await?;
                report.writes = self.writes.load(Ordering::SeqCst);
                Ok(report)
            }
        }
    }

    async fn apply(
        &self,
        old: &Manifest,
        present: &BTreeMap<String, LocalFile>,
        plan: plan::Plan,
        now: u64,
        report: &mut Report,
    ) -> Result<()> {
        let generation = if plan.uploads.is_empty() {
            old.generation
        } else {
            old.generation + 1
        };
        report.generation = generation;

        if !plan.uploads.is_empty() {
            // Mark what is about to change as pending, so a publish that
            // stops half-way is completed (and cleaned up) by the next one.
            let mut pending = old.clone();
            for f in &plan.uploads {
                pending.objects.insert(
                    f.key.clone(),
                    Entry {
                        sha256: None,
                        size: f.size,
                        kind: f.kind,
                        last_seen: generation,
                        superseded_at: None,
                    },
                );
            }
            pending.updated = now;
            self.write_manifest(&pending).await?;
            report.manifest_writes += 1;
        }

        // Phases 1-3: packages, hashed metadata, other secondary files.
        for kind in [Kind::Package, Kind::Hashed, Kind::Secondary] {
            let batch: Vec<&LocalFile> = plan.uploads.iter().filter(|f| f.kind == kind).collect();
            if batch.is_empty() {
                continue;
            }
            self.reporter.start(phase_name(kind), batch.len() as u64);
            let jobs = if self.opts.fail_after.is_some() {
                1
            } else {
                self.opts.jobs.max(1)
            };
            let multipart: Vec<bool> = settle(
                stream::iter(batch.iter().map(|f| self.upload(f)))
                    .buffer_unordered(jobs)
                    .collect()
                    .await,
            )?;
            count(report, &batch, &multipart);
        }

        // Phase 4: per directory, each signature right before the index it
        // signs, apt's InRelease last; directories side by side.
        let mut chains: BTreeMap<&str, Vec<&LocalFile>> = BTreeMap::new();
        for f in plan
            .uploads
            .iter()
            .filter(|f| matches!(f.kind, Kind::Signature | Kind::Top))
        {
            let dir = f.key.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            chains.entry(dir).or_default().push(f);
        }
        if !chains.is_empty() {
            let all: Vec<&LocalFile> = chains.values().flatten().copied().collect();
            self.reporter
                .start("signatures and top indexes", all.len() as u64);
            let jobs = if self.opts.fail_after.is_some() {
                1
            } else {
                self.opts.jobs.max(1)
            };
            settle(
                stream::iter(chains.into_values().map(|mut chain| async move {
                    chain.sort_by_key(|f| index_rank(&f.key));
                    for f in chain {
                        if self.upload(f).await?.is_none() {
                            return Ok(None);
                        }
                    }
                    Ok::<_, StoreError>(Some(()))
                }))
                .buffer_unordered(jobs)
                .collect()
                .await,
            )?;
            count(report, &all, &vec![false; all.len()]);
        }

        // Superseded objects whose grace is over.
        let mut deleted = Vec::new();
        if !plan.deletions.is_empty() {
            self.reporter
                .start("deleting superseded objects", plan.deletions.len() as u64);
            let jobs = if self.opts.fail_after.is_some() {
                1
            } else {
                self.opts.jobs.max(1)
            };
            deleted = settle(
                stream::iter(plan.deletions.iter().map(|key| async move {
                    if self.stopping() {
                        return Ok(None);
                    }
                    self.note_failure(self.delete(key).await).map(Some)
                }))
                .buffer_unordered(jobs)
                .collect()
                .await,
            )?;
            report.deleted = deleted.len();
        }

        // The manifest: what is there now.
        let mut m = Manifest {
            format: 1,
            generation,
            updated: now,
            objects: BTreeMap::new(),
        };
        for (key, f) in present {
            m.objects.insert(
                key.clone(),
                Entry {
                    sha256: Some(f.sha256.clone()),
                    size: f.size,
                    kind: f.kind,
                    last_seen: generation,
                    superseded_at: None,
                },
            );
        }
        for (key, e) in &old.objects {
            if !present.contains_key(key) && !deleted.contains(key) {
                let mut e = e.clone();
                e.superseded_at = Some(e.superseded_at.unwrap_or(now));
                m.objects.insert(key.clone(), e);
            }
        }
        self.write_manifest(&m).await?;
        report.manifest_writes += 1;
        Ok(())
    }

    /// Deletes one superseded object; returns its key.
    async fn delete(&self, key: &str) -> Result<String> {
        self.before_write()?;
        let path = object_path(key).map_err(|e| self.err("delete", key, e))?;
        match self.target.control.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.err("delete", key, e)),
        }
        self.after_write().await;
        self.reporter.advance(1);
        Ok(key.to_owned())
    }

    /// Uploads one file with its kind's headers unless the phase is
    /// stopping (`None`); returns whether it went in parts.
    async fn upload(&self, f: &LocalFile) -> Result<Option<bool>> {
        if self.stopping() {
            return Ok(None);
        }
        let r = self.upload_one(f).await;
        self.note_failure(r).map(Some)
    }

    /// [`Publisher::upload`] of a file whose upload has started.
    async fn upload_one(&self, f: &LocalFile) -> Result<bool> {
        self.before_write()?;
        let path = object_path(&f.key).map_err(|e| self.err("upload", &f.key, e))?;
        let attributes = self.attributes(content_type(&f.key), f.kind.cache_control());
        let multipart = f.size >= self.opts.multipart_threshold;
        if multipart {
            self.upload_parts(f, &path, attributes).await?;
        } else {
            let bytes = fs::read(&f.path)?;
            if omnipack_core::hash::sha256_hex(&bytes) != f.sha256 {
                return Err(StoreError::ChangedDuringPublish(f.path.clone()));
            }
            let len = bytes.len() as u64;
            let opts = PutOptions {
                attributes,
                ..PutOptions::default()
            };
            self.target
                .data
                .put_opts(&path, PutPayload::from(bytes), opts)
                .await
                .map_err(|e| self.err("upload", &f.key, e))?;
            self.reporter.bytes(len);
        }
        self.after_write().await;
        self.reporter.advance(1);
        Ok(multipart)
    }

    async fn upload_parts(
        &self,
        f: &LocalFile,
        path: &ObjectPath,
        attributes: Attributes,
    ) -> Result<()> {
        let opts = PutMultipartOptions {
            attributes,
            ..PutMultipartOptions::default()
        };
        let upload = self
            .target
            .data
            .put_multipart_opts(path, opts)
            .await
            .map_err(|e| self.err("upload", &f.key, e))?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, self.opts.part_size);
        let result: Result<()> = async {
            let mut file = fs::File::open(&f.path)?;
            let mut h = Sha256::new();
            let mut buf = vec![0u8; self.opts.part_size.min(8 << 20)];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                // A stop aborts the multipart upload rather than leave it
                // half-done on the server.
                omnipack_core::interrupt::check()?;
                w.wait_for_capacity(4)
                    .await
                    .map_err(|e| self.err("upload", &f.key, e))?;
                w.write(&buf[..n]);
                self.reporter.bytes(n as u64);
            }
            if omnipack_core::hex(&h.finalize()) != f.sha256 {
                return Err(StoreError::ChangedDuringPublish(f.path.clone()));
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                w.finish()
                    .await
                    .map_err(|e| self.err("upload", &f.key, e))?;
                Ok(())
            }
            Err(e) => {
                let _ = w.abort().await;
                Err(e)
            }
        }
    }
}

fn phase_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Package => "packages",
        Kind::Hashed => "hashed metadata",
        Kind::Secondary => "other metadata",
        Kind::Signature => "signatures",
        Kind::Top => "top indexes",
    }
}

fn count(report: &mut Report, batch: &[&LocalFile], multipart: &[bool]) {
    for f in batch {
        report.uploaded += 1;
        report.uploaded_bytes += f.size;
        let c = &mut report.uploaded_by_kind;
        match f.kind {
            Kind::Package => c.package += 1,
            Kind::Hashed => c.hashed += 1,
            Kind::Secondary => c.secondary += 1,
            Kind::Signature => c.signature += 1,
            Kind::Top => c.top += 1,
        }
    }
    report.multipart += multipart.iter().filter(|m| **m).count();
}

/// Removes what `object_store` stages under a local destination and a
/// publish killed mid-write leaves: `KEY#N` beside `KEY` (N a number),
/// except files that are themselves objects (`keys`); returns them.
fn remove_staged(
    dir: &Path,
    keys: std::collections::HashSet<&str>,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut removed = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let staged = name.rsplit_once('#').is_some_and(|(stem, n)| {
            !stem.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        });
        let key = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .into_owned();
        if staged && !keys.contains(key.as_str()) {
            fs::remove_file(entry.path())?;
            removed.push(entry.path().to_path_buf());
        }
    }
    Ok(removed)
}

/// Reads the manifest of a destination (tests, `--json` diagnostics).
pub fn read_manifest(target: &Target) -> Result<Manifest> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        Publisher {
            target,
            opts: &PublishOptions::default(),
            reporter: &omnipack_core::NoProgress,
            writes: AtomicU64::new(0),
            failed: AtomicBool::new(false),
        }
        .read_manifest()
        .await
    })
}

/// Who holds the lock of a destination, if anyone.
pub fn lock_holder(target: &Target) -> Result<Option<LockInfo>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let store: &Arc<dyn ObjectStore> = &target.control;
    rt.block_on(lock::read(store, &target.display))
}
