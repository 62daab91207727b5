//! Pushing an image from a layout to a registry over the OCI distribution
//! API (distribution-spec v1.1): each blob is first asked for (`HEAD`) and
//! only uploaded when the registry lacks it — whole (`POST` then `PUT
//! ?digest=`) or, when large, in chunks (`PATCH` with `Content-Range`),
//! four blobs at a time;
//! then the manifest by digest, then each tag, so a failed push leaves the
//! tags as they were. The SBOM goes up as an artifact manifest whose
//! `subject` is the image, found through the referrers API or its
//! fallback tag `sha256-<digest>` (an index of the referrers).
//!
//! Registries on loopback (`127.0.0.1`, `::1`, `localhost`) are spoken to
//! over plain HTTP, others over HTTPS; credentials as [`crate::auth`] says.

use std::path::Path;

use fs_err as fs;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::error::Result;
use crate::layout::{Descriptor, canonical, media};
pub use crate::registry::{Reference, valid_tag};
use crate::registry::{body_text, chain, fail};

/// What a push did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct PushReport {
    /// Blobs uploaded.
    pub uploaded: usize,
    /// Blobs the registry already had.
    pub skipped: usize,
    /// Bytes uploaded.
    pub bytes: u64,
    /// The tags written.
    pub tags: Vec<String>,
}

/// What to push: the blobs (files in a layout), the manifest, its tags and
/// the SBOM artifact.
pub struct PushRequest<'a> {
    /// Where.
    pub reference: &'a Reference,
    /// `(descriptor, file)` of every blob (config, layers, SBOM, empty config).
    pub blobs: Vec<(Descriptor, &'a Path)>,
    /// The image manifest and its bytes.
    pub manifest: (Descriptor, Vec<u8>),
    /// The SBOM artifact manifest and its bytes, if any.
    pub sbom: Option<(Descriptor, Vec<u8>)>,
    /// Tags.
    pub tags: &'a [String],
    /// A byte bar: the blobs' bytes, uploaded or found already there.
    pub progress: &'a dyn omnipack_core::Progress,
}

impl std::fmt::Debug for PushRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRequest")
            .field("reference", &self.reference)
            .field("blobs", &self.blobs)
            .field("manifest", &self.manifest.0)
            .field("sbom", &self.sbom.as_ref().map(|s| &s.0))
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

/// Blobs uploaded at the same time.
const PARALLEL: usize = 4;

/// Chunks of at least this size go up in parts.
const CHUNK: u64 = 32 << 20;

/// Pushes `req`. Blocking: runs its own async runtime.
pub fn push(req: &PushRequest<'_>) -> Result<PushReport> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(push_async(req))
}

async fn push_async(req: &PushRequest<'_>) -> Result<PushReport> {
    let r = req.reference;
    let authorization =
        crate::auth::authorize(&crate::auth::client_with(None)?, r, "pull,push").await?;
    let client = crate::auth::client_with(authorization.as_deref())?;
    let base = r.base();
    let mut report = PushReport::default();
    let progress = req.progress;
    progress.start(
        &format!("pushing to {r}"),
        req.blobs.iter().map(|(d, _)| d.size).sum(),
    );
    // Blobs side by side (as skopeo does), the manifest only after all.
    let (client_ref, base_ref) = (&client, base.as_str());
    let results: Vec<Result<Option<u64>>> = futures::stream::iter(req.blobs.iter())
        .map(|(d, path)| async move {
            let head = client_ref
                .head(format!("{base_ref}/blobs/{}", d.digest))
                .send()
                .await
                .map_err(|e| fail(r, "check a blob", chain(&e)))?;
            if head.status().is_success() {
                progress.advance(d.size);
                return Ok(None);
            }
            upload_blob(client_ref, r, base_ref, d, path, progress).await?;
            Ok(Some(d.size))
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    for result in results {
        match result? {
            Some(bytes) => {
                report.uploaded += 1;
                report.bytes += bytes;
            }
            None => report.skipped += 1,
        }
    }
    put_manifest(
        &client,
        r,
        &base,
        &req.manifest.0.digest,
        &req.manifest.0,
        &req.manifest.1,
    )
    .await?;
    if let Some((d, bytes)) = &req.sbom {
        put_manifest(&client, r, &base, &d.digest, d, bytes).await?;
        // The referrers fallback (distribution-spec 1.1): an index at the
        // tag `sha256-<subject digest>`, for registries without the API.
        let fallback = format!(
            "sha256-{}",
            req.manifest.0.digest.trim_start_matches("sha256:")
        );
        let mut entry = d.to_json();
        entry["artifactType"] = json!(media::SPDX);
        let index = json!({"schemaVersion": 2, "mediaType": media::INDEX, "manifests": [entry]});
        let bytes = canonical(&index);
        let id = Descriptor {
            media_type: media::INDEX.to_owned(),
            digest: format!("sha256:{}", omnipack_core::hash::sha256_hex(&bytes)),
            size: bytes.len() as u64,
        };
        put_manifest(&client, r, &base, &fallback, &id, &bytes).await?;
    }
    for tag in req.tags {
        put_manifest(&client, r, &base, tag, &req.manifest.0, &req.manifest.1).await?;
        report.tags.push(tag.clone());
    }
    progress.finish();
    Ok(report)
}

/// A `Location` header made absolute against `base`'s origin.
fn location(base: &str, resp: &reqwest::Response) -> Option<String> {
    let loc = resp.headers().get("location")?.to_str().ok()?;
    if loc.starts_with("http://") || loc.starts_with("https://") {
        return Some(loc.to_owned());
    }
    let origin_end = base.find("/v2/")?;
    Some(format!("{}{loc}", &base[..origin_end]))
}

fn with_digest(loc: &str, digest: &str) -> String {
    let sep = if loc.contains('?') { '&' } else { '?' };
    format!("{loc}{sep}digest={digest}")
}

async fn upload_blob(
    client: &reqwest::Client,
    r: &Reference,
    base: &str,
    d: &Descriptor,
    path: &Path,
    progress: &dyn omnipack_core::Progress,
) -> Result<()> {
    let start = client
        .post(format!("{base}/blobs/uploads/"))
        .header("content-length", "0")
        .send()
        .await
        .map_err(|e| fail(r, "start an upload", chain(&e)))?;
    if start.status() != reqwest::StatusCode::ACCEPTED {
        return Err(fail(r, "start an upload", body_text(start).await));
    }
    let mut loc = location(base, &start)
        .ok_or_else(|| fail(r, "start an upload", "no Location in the answer".into()))?;
    if d.size < CHUNK {
        let bytes = fs::read(path)?;
        let resp = client
            .put(with_digest(&loc, &d.digest))
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .map_err(|e| fail(r, "upload a blob", chain(&e)))?;
        if resp.status() != reqwest::StatusCode::CREATED {
            return Err(fail(
                r,
                &format!("upload blob {}", d.digest),
                body_text(resp).await,
            ));
        }
        progress.advance(d.size);
        return Ok(());
    }
    let mut file = fs::File::open(path)?;
    let mut offset = 0u64;
    let mut buf = vec![0u8; CHUNK as usize];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        let end = offset + n as u64 - 1;
        let resp = client
            .patch(&loc)
            .header("content-type", "application/octet-stream")
            .header("content-range", format!("{offset}-{end}"))
            .header("content-length", n.to_string())
            .body(buf[..n].to_vec())
            .send()
            .await
            .map_err(|e| fail(r, "upload a chunk", chain(&e)))?;
        if resp.status() != reqwest::StatusCode::ACCEPTED {
            return Err(fail(
                r,
                &format!("upload a chunk of {}", d.digest),
                body_text(resp).await,
            ));
        }
        loc = location(base, &resp).unwrap_or(loc);
        offset += n as u64;
        progress.advance(n as u64);
    }
    let resp = client
        .put(with_digest(&loc, &d.digest))
        .header("content-length", "0")
        .send()
        .await
        .map_err(|e| fail(r, "finish an upload", chain(&e)))?;
    if resp.status() != reqwest::StatusCode::CREATED {
        return Err(fail(
            r,
            &format!("finish blob {}", d.digest),
            body_text(resp).await,
        ));
    }
    Ok(())
}

async fn put_manifest(
    client: &reqwest::Client,
    r: &Reference,
    base: &str,
    reference: &str,
    d: &Descriptor,
    bytes: &[u8],
) -> Result<()> {
    let resp = client
        .put(format!("{base}/manifests/{reference}"))
        .header("content-type", d.media_type.as_str())
        .body(bytes.to_vec())
        .send()
        .await
        .map_err(|e| fail(r, "put a manifest", chain(&e)))?;
    if !resp.status().is_success() {
        return Err(fail(
            r,
            &format!("put manifest `{reference}`"),
            body_text(resp).await,
        ));
    }
    Ok(())
}

/// The image manifest of a layout's blob, as pushed (for tests and `--json`).
pub fn manifest_value(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice(bytes).ok()
}
