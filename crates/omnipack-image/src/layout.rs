//! An OCI image layout directory (image-spec `image-layout.md`):
//! `oci-layout`, `index.json` and content-addressed `blobs/sha256/`, and
//! the JSON documents that go in it (image config, image manifest).
//!
//! Every JSON document is written with its keys sorted (`serde_json`'s
//! map is ordered), so the same content always gives the same digest.
//! This is why the documents are built here rather than with `oci-spec`,
//! whose maps of labels and annotations are hash maps.

use std::path::{Path, PathBuf};

use fs_err as fs;
use serde_json::{Value, json};

use crate::error::{ImageError, Result};

/// OCI media types.
pub mod media {
    /// An image manifest.
    pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    /// An image index.
    pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
    /// An image configuration.
    pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    /// A gzip-compressed tar layer.
    pub const LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    /// The empty descriptor of an artifact manifest's config.
    pub const EMPTY: &str = "application/vnd.oci.empty.v1+json";
    /// An SPDX JSON document.
    pub const SPDX: &str = "application/spdx+json";
}

/// A content descriptor: what a manifest or index points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// `sha256:…`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
}

impl Descriptor {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest, "size": self.size})
    }
}

/// A layout directory being written.
#[derive(Debug)]
pub struct OciDir {
    root: PathBuf,
}

impl OciDir {
    /// Makes `root` a layout: `oci-layout` and `blobs/sha256/`.
    pub fn create(root: &Path) -> Result<OciDir> {
        fs::create_dir_all(root.join("blobs/sha256"))?;
        fs::write(
            root.join("oci-layout"),
            b"{\"imageLayoutVersion\":\"1.0.0\"}",
        )?;
        Ok(OciDir {
            root: root.to_path_buf(),
        })
    }

    /// `blobs/sha256/`.
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs/sha256")
    }

    /// The file of the blob `digest`.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.blobs().join(digest.trim_start_matches("sha256:"))
    }

    /// Stores `bytes` as a blob.
    pub fn put(&self, media_type: &str, bytes: &[u8]) -> Result<Descriptor> {
        let digest = format!("sha256:{}", omnipack_core::hash::sha256_hex(bytes));
        let path = self.blob_path(&digest);
        if !path.exists() {
            omnipack_core::atomic::write_file(&path, bytes, 0o644)?;
        }
        Ok(Descriptor {
            media_type: media_type.to_owned(),
            digest,
            size: bytes.len() as u64,
        })
    }

    /// Stores a JSON document (keys sorted, no spaces).
    pub fn put_json(&self, media_type: &str, value: &Value) -> Result<Descriptor> {
        self.put(media_type, &canonical(value))
    }

    /// Copies (or links) the blob file `from` in, known to be `digest`.
    pub fn import(&self, from: &Path, digest: &str) -> Result<()> {
        let to = self.blob_path(digest);
        if to.exists() {
            return Ok(());
        }
        if fs::hard_link(from, &to).is_err() {
            let tmp = to.with_extension("part");
            fs::copy(from, &tmp)?;
            fs::rename(&tmp, &to)?;
        }
        Ok(())
    }

    /// Writes `index.json` listing `manifests` (each with its annotations).
    pub fn write_index(&self, manifests: &[(Descriptor, Value)]) -> Result<()> {
        let list: Vec<Value> = manifests
            .iter()
            .map(|(d, annotations)| {
                let mut v = d.to_json();
                if annotations.as_object().is_some_and(|o| !o.is_empty()) {
                    v["annotations"] = annotations.clone();
                }
                v
            })
            .collect();
        let index = json!({"schemaVersion": 2, "mediaType": media::INDEX, "manifests": list});
        omnipack_core::atomic::write_file(
            &self.root.join("index.json"),
            &canonical(&index),
            0o644,
        )?;
        Ok(())
    }
}

/// `value` as bytes with sorted keys and no insignificant space.
pub fn canonical(value: &Value) -> Vec<u8> {
    // serde_json's map keeps keys sorted (no `preserve_order` feature).
    serde_json::to_vec(value).unwrap_or_default()
}

/// Reads a JSON blob of a layout.
pub fn read_json(path: &Path) -> Result<Value> {
    let bytes = fs::read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| ImageError::Layout {
        path: path.to_path_buf(),
        reason: format!("not JSON: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_are_sorted_and_blobs_are_content_addressed() {
        let v = json!({"b": 1, "a": {"d": 2, "c": 3}});
        assert_eq!(canonical(&v), br#"{"a":{"c":3,"d":2},"b":1}"#);
        let t = tempfile::tempdir().unwrap();
        let dir = OciDir::create(t.path()).unwrap();
        let d = dir.put_json(media::CONFIG, &v).unwrap();
        assert_eq!(fs::read(dir.blob_path(&d.digest)).unwrap(), canonical(&v));
        assert_eq!(d.size, canonical(&v).len() as u64);
    }
}
