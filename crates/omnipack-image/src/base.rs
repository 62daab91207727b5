//! An image as the base of another (`base = "oci:DIR[:TAG]"` or
//! `base = "HOST[:PORT]/NAME[:TAG]"`): its manifest, config and layer blobs
//! (read from the layout, or pulled over the OCI distribution API into the
//! cache, each checked against its digest), and its root file system,
//! unpacked once per image into the cache (whiteouts applied), for the
//! package install to run on. The base's layers go into the new image as
//! they are: the same blobs, never recompressed.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{ImageError, Result};
use crate::layout::{Descriptor, media};
use crate::registry::Reference;

/// Manifest media types a pull accepts, OCI's and Docker's.
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// A base image, ready to build on.
#[derive(Debug, Clone)]
pub struct BaseImage {
    /// What it is, as given (`oci:DIR`, a reference).
    pub name: String,
    /// Its manifest's digest.
    pub digest: String,
    /// Its layers, base first: the descriptor as the new manifest lists
    /// it (OCI media type), the diff id, the blob file.
    pub layers: Vec<(Descriptor, String, PathBuf)>,
    /// Its config document.
    pub config: Value,
    /// Its root file system, unpacked (a cache directory; never written to).
    pub rootfs: PathBuf,
}

fn base_err(image: &str, reason: String) -> ImageError {
    ImageError::Base {
        image: image.to_owned(),
        reason,
    }
}

/// The hex part of `sha256:<hex>`, checked.
fn hex_of(digest: &str) -> Option<&str> {
    let h = digest.strip_prefix("sha256:")?;
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

/// This machine's architecture as OCI names it.
fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// From an index, the manifest for linux on this machine's architecture.
fn pick_platform(index: &Value) -> Option<String> {
    index["manifests"].as_array()?.iter().find_map(|m| {
        let p = &m["platform"];
        (p["os"] == "linux" && p["architecture"] == arch())
            .then(|| m["digest"].as_str().map(str::to_owned))
            .flatten()
    })
}

/// "No image for this platform" with the platforms the index has.
fn no_platform(index: &Value) -> String {
    let has: Vec<String> = index["manifests"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    let p = &m["platform"];
                    format!(
                        "{}/{}",
                        p["os"].as_str().unwrap_or("?"),
                        p["architecture"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "no image for linux/{} (it has {}): choose a base built for this machine's architecture",
        arch(),
        if has.is_empty() {
            "none".to_owned()
        } else {
            has.join(", ")
        }
    )
}

/// Where the blobs, manifests and unpacked roots of pulled bases live.
fn cache_dirs(cache: &Path) -> (PathBuf, PathBuf) {
    let d = cache.join("image-bases");
    (d.join("blobs"), d.join("roots"))
}

/// Opens the base `spec` of image `image`: `Ok(None)` when it names a
/// distribution (a build root), else the image, pulled or read, unpacked.
pub fn open(
    image: &str,
    spec: &str,
    cache: &Path,
    progress: &dyn omnipack_core::Progress,
) -> Result<Option<BaseImage>> {
    let (blobs, roots) = cache_dirs(cache);
    let (manifest_bytes, blob_dir, digest) = if let Some(rest) = spec.strip_prefix("oci:") {
        let (dir, tag) = split_layout_tag(rest);
        read_layout(image, Path::new(dir), tag)?
    } else if spec.contains('/') {
        let r = Reference::parse(spec)?;
        let (bytes, digest) = pull(image, &r, &blobs, progress)?;
        (bytes, blobs.clone(), digest)
    } else {
        return Ok(None);
    };
    let manifest: Value = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| base_err(image, format!("`{spec}`: the manifest is not JSON: {e}")))?;
    let blob = |d: &str| -> Result<PathBuf> {
        let h = hex_of(d).ok_or_else(|| base_err(image, format!("`{spec}`: bad digest `{d}`")))?;
        Ok(blob_dir.join(h))
    };
    let config_digest = manifest["config"]["digest"].as_str().unwrap_or_default();
    let config: Value = serde_json::from_slice(&fs::read(blob(config_digest)?)?)
        .map_err(|e| base_err(image, format!("`{spec}`: the config is not JSON: {e}")))?;
    let diff_ids: Vec<String> = config["rootfs"]["diff_ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let descs = manifest["layers"].as_array().cloned().unwrap_or_default();
    if descs.len() != diff_ids.len() {
        return Err(base_err(
            image,
            format!(
                "`{spec}`: {} layers but {} diff ids in its config",
                descs.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    for (d, diff_id) in descs.iter().zip(diff_ids) {
        let digest = d["digest"].as_str().unwrap_or_default().to_owned();
        let media_type = match d["mediaType"].as_str().unwrap_or_default() {
            "application/vnd.docker.image.rootfs.diff.tar.gzip" => media::LAYER_GZIP.to_owned(),
            "application/vnd.docker.image.rootfs.diff.tar" => {
                "application/vnd.oci.image.layer.v1.tar".to_owned()
            }
            other => other.to_owned(),
        };
        let path = blob(&digest)?;
        layers.push((
            Descriptor {
                media_type,
                digest,
                size: d["size"].as_u64().unwrap_or_default(),
            },
            diff_id,
            path,
        ));
    }
    let rootfs = unpack_cached(image, &roots, &digest, &layers)?;
    Ok(Some(BaseImage {
        name: spec.to_owned(),
        digest,
        layers,
        config,
        rootfs,
    }))
}

/// `DIR[:TAG]`: a tag is what follows the last `:` when it has no `/`.
fn split_layout_tag(s: &str) -> (&str, Option<&str>) {
    match s.rsplit_once(':') {
        Some((d, t)) if !t.contains('/') && !d.is_empty() => (d, Some(t)),
        _ => (s, None),
    }
}

/// The image manifest of the layout `dir` (the one tagged `tag`, else its
/// only image, an index resolved to this platform), its blob directory and
/// digest.
fn read_layout(image: &str, dir: &Path, tag: Option<&str>) -> Result<(Vec<u8>, PathBuf, String)> {
    let bad = |reason: String| base_err(image, format!("`oci:{}`: {reason}", dir.display()));
    let index: Value = serde_json::from_slice(
        &fs::read(dir.join("index.json"))
            .map_err(|e| bad(format!("not an OCI image layout ({e})")))?,
    )
    .map_err(|e| bad(format!("index.json is not JSON: {e}")))?;
    let entries = index["manifests"].as_array().cloned().unwrap_or_default();
    let images: Vec<&Value> = entries
        .iter()
        .filter(|m| m.get("artifactType").is_none())
        .filter(|m| match tag {
            Some(t) => m["annotations"]["org.opencontainers.image.ref.name"] == t,
            None => true,
        })
        .collect();
    let mut digests: Vec<&str> = images.iter().filter_map(|m| m["digest"].as_str()).collect();
    digests.dedup();
    let digest = match digests.as_slice() {
        [one] => (*one).to_owned(),
        [] => {
            return Err(bad(format!(
                "no image{}",
                tag.map(|t| format!(" tagged `{t}`")).unwrap_or_default()
            )));
        }
        _ => return Err(bad("more than one image: name one as `oci:DIR:TAG`".into())),
    };
    let blobs = dir.join("blobs/sha256");
    let h = hex_of(&digest).ok_or_else(|| bad(format!("bad digest `{digest}`")))?;
    let bytes = fs::read(blobs.join(h))?;
    let v: Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("a manifest is not JSON: {e}")))?;
    if v.get("manifests").is_some() {
        let d = pick_platform(&v).ok_or_else(|| bad(no_platform(&v)))?;
        let h = hex_of(&d).ok_or_else(|| bad(format!("bad digest `{d}`")))?;
        return Ok((fs::read(blobs.join(h))?, blobs, d));
    }
    Ok((bytes, blobs, digest))
}

/// Pulls the manifest (resolving an index to this platform), the config
/// and the layers of `r` into `blobs`; each blob is checked against its
/// digest and kept under it. Returns the manifest and its digest.
fn pull(
    image: &str,
    r: &Reference,
    blobs: &Path,
    progress: &dyn omnipack_core::Progress,
) -> Result<(Vec<u8>, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let authorization =
            crate::auth::authorize(&crate::auth::client_with(None)?, r, "pull").await?;
        let client = crate::auth::client_with(authorization.as_deref())?;
        let base = r.base();
        let get_manifest = |reference: String| {
            let client = &client;
            let base = &base;
            async move {
                let resp = client
                    .get(format!("{base}/manifests/{reference}"))
                    .header("accept", ACCEPT)
                    .send()
                    .await
                    .map_err(|e| {
                        crate::registry::fail_pull(
                            r,
                            "get the manifest",
                            crate::registry::request_error(r, &e),
                        )
                    })?;
                if resp.status() == reqwest::StatusCode::UNAUTHORIZED
                    || resp.status() == reqwest::StatusCode::FORBIDDEN
                {
                    return Err(crate::registry::fail_pull(
                        r,
                        "get the manifest",
                        format!(
                            "the registry refuses to serve it ({}): run `skopeo login {}` with an account that may pull it",
                            resp.status(),
                            r.registry
                        ),
                    ));
                }
                if resp.status() == reqwest::StatusCode::NOT_FOUND {
                    return Err(crate::registry::fail_pull(
                        r,
                        &format!("get manifest `{reference}`"),
                        format!(
                            "not found: the registry has no `{}:{reference}` ({})",
                            r.name,
                            crate::registry::body_text(resp).await
                        ),
                    ));
                }
                if !resp.status().is_success() {
                    return Err(crate::registry::fail_pull(
                        r,
                        &format!("get manifest `{reference}`"),
                        crate::registry::body_text(resp).await,
                    ));
                }
                let bytes = resp.bytes().await.map_err(|e| {
                    crate::registry::fail_pull(r, "get the manifest", crate::registry::chain(&e))
                })?;
                Ok::<Vec<u8>, ImageError>(bytes.to_vec())
            }
        };
        let reference = r.tag.clone().unwrap_or_else(|| "latest".into());
        let mut bytes = get_manifest(reference).await?;
        let mut v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| base_err(image, format!("`{r}`: the manifest is not JSON: {e}")))?;
        if v.get("manifests").is_some() {
            let d = pick_platform(&v)
                .ok_or_else(|| base_err(image, format!("`{r}`: {}", no_platform(&v))))?;
            bytes = get_manifest(d).await?;
            v = serde_json::from_slice(&bytes)
                .map_err(|e| base_err(image, format!("`{r}`: the manifest is not JSON: {e}")))?;
        }
        let digest = format!("sha256:{}", omnipack_core::hash::sha256_hex(&bytes));
        fs::create_dir_all(blobs)?;
        let mut wanted: Vec<(String, u64)> = vec![(
            v["config"]["digest"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            v["config"]["size"].as_u64().unwrap_or(0),
        )];
        if let Some(ls) = v["layers"].as_array() {
            wanted.extend(ls.iter().filter_map(|l| {
                l["digest"]
                    .as_str()
                    .map(|d| (d.to_owned(), l["size"].as_u64().unwrap_or(0)))
            }));
        }
        // A byte bar over what is not cached yet.
        let missing: u64 = wanted
            .iter()
            .filter(|(d, _)| hex_of(d).is_none_or(|h| !blobs.join(h).is_file()))
            .map(|(_, s)| s)
            .sum();
        if missing > 0 {
            progress.start(&format!("pulling {r}"), missing);
        }
        for (d, _) in wanted {
            let h =
                hex_of(&d).ok_or_else(|| base_err(image, format!("`{r}`: bad digest `{d}`")))?;
            let dest = blobs.join(h);
            if dest.is_file() {
                continue;
            }
            let resp = client
                .get(format!("{base}/blobs/{d}"))
                .send()
                .await
                .map_err(|e| crate::registry::fail_pull(r, "get a blob", crate::registry::chain(&e)))?;
            if !resp.status().is_success() {
                return Err(crate::registry::fail_pull(
                    r,
                    &format!("get blob {d}"),
                    crate::registry::body_text(resp).await,
                ));
            }
            let mut tmp = omnipack_core::AtomicFile::create(&dest)?;
            let mut hash = Sha256::new();
            let mut stream = resp.bytes_stream();
            use futures::StreamExt;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    crate::registry::fail_pull(r, "get a blob", crate::registry::chain(&e))
                })?;
                hash.update(&chunk);
                io::Write::write_all(&mut tmp, &chunk)?;
                progress.advance(chunk.len() as u64);
            }
            let got: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            if got != h {
                return Err(crate::registry::fail_pull(
                    r,
                    &format!("get blob {d}"),
                    format!("the bytes' digest is sha256:{got}"),
                ));
            }
            tmp.commit(0o644)?;
        }
        if missing > 0 {
            progress.finish();
        }
        Ok((bytes, digest))
    })
}

/// The base's root file system under `roots/<manifest hex>/rootfs`, made
/// once: each layer applied in order (its whiteouts first, then its
/// entries) into a hidden directory renamed into place.
fn unpack_cached(
    image: &str,
    roots: &Path,
    digest: &str,
    layers: &[(Descriptor, String, PathBuf)],
) -> Result<PathBuf> {
    let h = hex_of(digest).unwrap_or("unknown");
    let dir = roots.join(h);
    let rootfs = dir.join("rootfs");
    if dir.join("root.json").is_file() && rootfs.is_dir() {
        return Ok(rootfs);
    }
    // Unpacked in `.unpack-<pid>-…` beside the roots, renamed into place;
    // a killed run's goes first.
    omnipack_core::cleanup::sweep_dirs(roots, ".unpack-");
    let work = omnipack_core::cleanup::ScratchDir::new_in(roots, ".unpack-")?;
    let into = work.path().join("rootfs");
    fs::create_dir_all(&into)?;
    for (d, _, blob) in layers {
        apply_layer(image, &d.media_type, blob, &into)?;
    }
    // The record the install's cache key reads (`root.json` beside the root).
    omnipack_core::atomic::write_file(
        &work.path().join("root.json"),
        format!("{{\"image\": \"{digest}\"}}\n").as_bytes(),
        0o644,
    )?;
    let staged = work.keep();
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::rename(&staged, &dir)?;
    Ok(rootfs)
}

fn reader(media_type: &str, blob: &Path) -> Result<Box<dyn Read>> {
    let f = io::BufReader::new(fs::File::open(blob)?);
    Ok(if media_type.ends_with("+zstd") {
        Box::new(zstd::stream::read::Decoder::new(f)?)
    } else if media_type.ends_with("+gzip") || media_type.ends_with(".gzip") {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    })
}

/// Applies one layer to `root`: whiteouts (`.wh.NAME` removes NAME,
/// `.wh..wh..opq` empties its directory) remove what lower layers put
/// there, then the entries are unpacked (the tar crate refuses names that
/// leave `root`); whatever is in an entry's way is removed first, so
/// nothing is written through a link.
fn apply_layer(image: &str, media_type: &str, blob: &Path, root: &Path) -> Result<()> {
    let bad = |e: io::Error| base_err(image, format!("layer `{}`: {e}", blob.display()));
    let mut whiteouts = Vec::new();
    let mut tar = tar::Archive::new(reader(media_type, blob)?);
    for entry in tar.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        if let Some(name) = path.file_name().and_then(|n| n.to_str())
            && let Some(target) = name.strip_prefix(".wh.")
        {
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            whiteouts.push((parent, (target != ".wh..opq").then(|| target.to_owned())));
        }
    }
    for (parent, target) in whiteouts {
        if parent.components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        }) {
            continue;
        }
        let dir = root.join(&parent);
        match target {
            Some(t) => remove_any(&dir.join(t))?,
            None => {
                if let Ok(rd) = fs::read_dir(&dir) {
                    for e in rd {
                        remove_any(&e?.path())?;
                    }
                }
            }
        }
    }
    let mut tar = tar::Archive::new(reader(media_type, blob)?);
    tar.set_preserve_permissions(true);
    tar.set_preserve_ownerships(true);
    tar.set_preserve_mtime(true);
    tar.set_unpack_xattrs(true);
    tar.set_overwrite(true);
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(".wh."))
        {
            continue;
        }
        let dest = root.join(&path);
        if let Ok(m) = fs::symlink_metadata(&dest) {
            let is_dir_entry = entry.header().entry_type().is_dir();
            if !(is_dir_entry && m.is_dir()) {
                remove_any(&dest)?;
            }
        }
        entry.unpack_in(root).map_err(bad)?;
    }
    Ok(())
}

fn remove_any(p: &Path) -> Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p)?,
        Ok(_) => fs::remove_file(p)?,
        Err(_) => {}
    }
    Ok(())
}
