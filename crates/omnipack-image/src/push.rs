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
//! over plain HTTP, others over HTTPS. Anonymous access only (no token or
//! basic authentication yet).

use std::path::Path;

use fs_err as fs;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::error::{ImageError, Result};
use crate::layout::{Descriptor, canonical, media};

/// A parsed `HOST[:PORT]/NAME[:TAG]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    /// The repository (`team/greet-agent`).
    pub name: String,
    /// The tag, if one was given.
    pub tag: Option<String>,
}

impl Reference {
    /// Parses a reference; the registry host is required.
    pub fn parse(s: &str) -> Result<Reference> {
        let bad = |reason: &str| ImageError::BadReference {
            reference: s.to_owned(),
            reason: reason.to_owned(),
        };
        let s = s.strip_prefix("docker://").unwrap_or(s);
        let (registry, rest) = s.split_once('/').ok_or_else(|| bad("no registry host"))?;
        let host_like = registry.contains(['.', ':']) || registry == "localhost";
        if !host_like {
            return Err(bad(
                "the first component must be the registry host, e.g. 127.0.0.1:5000",
            ));
        }
        let (name, tag) = match rest.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_owned())),
            _ => (rest, None),
        };
        let name_ok = !name.is_empty()
            && name.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            });
        if !name_ok {
            return Err(bad(
                "the repository name must be lower-case letters, digits, `.`, `_`, `-` and `/`",
            ));
        }
        if let Some(t) = &tag
            && !valid_tag(t)
        {
            return Err(bad("a tag is up to 128 letters, digits, `_`, `.` and `-`"));
        }
        Ok(Reference {
            registry: registry.to_owned(),
            name: name.to_owned(),
            tag,
        })
    }

    /// `http://` for loopback, `https://` otherwise.
    pub(crate) fn base(&self) -> String {
        let host = self
            .registry
            .rsplit_once(':')
            .map_or(self.registry.as_str(), |(h, p)| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    &self.registry
                }
            })
            .trim_start_matches('[')
            .trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let scheme = if loopback { "http" } else { "https" };
        format!("{scheme}://{}/v2/{}", self.registry, self.name)
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.name)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        Ok(())
    }
}

/// Whether `t` can be a tag (distribution-spec: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`).
pub fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && !t.starts_with(['.', '-'])
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

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
#[derive(Debug)]
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
    let client = reqwest::Client::builder()
        .user_agent(concat!("omnipack/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(r, "connect", e.to_string()))?;
    let base = r.base();
    let origin = &base[..base.find("/v2/").unwrap_or(base.len())];
    let check = client
        .get(format!("{origin}/v2/"))
        .send()
        .await
        .map_err(|e| fail(r, "reach the registry", chain(&e)))?;
    if check.status() == reqwest::StatusCode::UNAUTHORIZED {
        return Err(fail(
            r,
            "authenticate",
            "the registry asks for credentials; only anonymous pushes are supported".into(),
        ));
    }
    let mut report = PushReport::default();
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
                return Ok(None);
            }
            upload_blob(client_ref, r, base_ref, d, path).await?;
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
    Ok(report)
}

pub(crate) fn fail(r: &Reference, action: &str, reason: String) -> ImageError {
    ImageError::Registry {
        reference: r.to_string(),
        action: action.to_owned(),
        reason,
    }
}

/// An error and its causes on one line, each once.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out
}

/// The registry's error body, shortened.
pub(crate) async fn body_text(resp: reqwest::Response) -> String {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let text: String = text.chars().take(400).collect();
    format!("HTTP {status}: {}", text.trim())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_with_a_registry_host() {
        let r = Reference::parse("127.0.0.1:5000/team/greet-agent:1.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.name, "team/greet-agent");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.base(), "http://127.0.0.1:5000/v2/team/greet-agent");
        let r = Reference::parse("registry.example.org/x").unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.base(), "https://registry.example.org/v2/x");
        assert!(Reference::parse("greet-agent:1.0").is_err());
        assert!(Reference::parse("127.0.0.1:5000/Greet").is_err());
        assert!(Reference::parse("127.0.0.1:5000/g:bad tag").is_err());
    }
}
