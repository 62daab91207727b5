//! What a RubyGems source needs from the server beyond static files, as
//! rubygems.org serves its compact index (`names`, `versions`,
//! `info/<name>`):
//!
//! * `ETag` is the quoted hex MD5 of the file. Bundler up to 2.4
//!   (`CompactIndexClient::Updater`) checks the file it assembled — its
//!   copy plus the appended `Range: bytes=N-` part — against exactly that,
//!   sends it back as `If-None-Match`, and gives up on the compact index
//!   when it does not match.
//! * `Repr-Digest: sha-256=:BASE64:` (RFC 9530, a structured-field byte
//!   sequence) and `Digest: sha-256=BASE64` (RFC 3230): the SHA-256 of the
//!   whole file, also on a 206 response, which newer Bundler checks instead.
//! * `Content-Type: text/plain; charset=utf-8`.
//! * The source's root URL answers `GET`/`HEAD` with 200: RubyGems
//!   (`Gem::Source#dependency_resolver_set`) probes it to decide to use the
//!   compact index (`info/<name>`) rather than the legacy `specs.4.8.gz`.
//!
//! A file is a compact index file when it is `names` or `versions` in, or
//! any file in `info/` of, a directory that holds a `versions` file and an
//! `info/` directory (what `omnipack repo index --kind gem` writes).
//! Digests are computed once per file version (size, mtime, inode) and kept
//! in memory.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use md5::Digest as _;

/// The digests of one compact index file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Hex MD5 (the `ETag`, quoted).
    pub md5_hex: String,
    /// Base64 SHA-256.
    pub sha256_b64: String,
}

impl Digests {
    /// The `ETag` value.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.md5_hex)
    }

    /// The `Repr-Digest` value.
    pub fn repr_digest(&self) -> String {
        format!("sha-256=:{}:", self.sha256_b64)
    }

    /// The `Digest` value.
    pub fn digest(&self) -> String {
        format!("sha-256={}", self.sha256_b64)
    }
}

/// Whether `dir` is the root of a gem source (`versions` and `info/`).
pub fn is_source(dir: &Path) -> bool {
    dir.join("versions").is_file() && dir.join("info").is_dir()
}

/// Whether the file at `path` (canonical) is a compact index file.
pub fn is_compact_index(path: &Path) -> bool {
    let (Some(name), Some(parent)) = (path.file_name(), path.parent()) else {
        return false;
    };
    if name == "versions" || name == "names" {
        return is_source(parent);
    }
    parent.file_name().is_some_and(|n| n == "info") && parent.parent().is_some_and(is_source)
}

/// The text the root of a gem source answers with.
pub const ROOT_TEXT: &str = "RubyGems source: compact index at versions, names and info/NAME; \
                             legacy index at specs.4.8.gz; gems under gems/\n";

/// Digests by file, valid while the file's identity (size, mtime, inode)
/// is unchanged.
#[derive(Debug, Default)]
pub struct DigestCache {
    map: Mutex<HashMap<PathBuf, (String, Digests)>>,
}

impl DigestCache {
    /// The digests of `file` at `path`, whose identity is `key` (its
    /// size/mtime/inode ETag); reads the file only when not cached.
    pub fn get(&self, path: &Path, key: &str, file: &mut impl Read) -> std::io::Result<Digests> {
        if let Ok(map) = self.map.lock()
            && let Some((k, d)) = map.get(path)
            && k == key
        {
            return Ok(d.clone());
        }
        let mut md5 = md5::Md5::new();
        let mut sha = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            md5.update(&buf[..n]);
            sha.update(&buf[..n]);
        }
        let d = Digests {
            md5_hex: md5.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            sha256_b64: base64::engine::general_purpose::STANDARD.encode(sha.finalize()),
        };
        if let Ok(mut map) = self.map.lock() {
            // Bounded: a source has one entry per gem name plus two.
            if map.len() > 100_000 {
                map.clear();
            }
            map.insert(path.to_path_buf(), (key.to_owned(), d.clone()));
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_formatted_as_rubygems_org_sends_them() {
        let c = DigestCache::default();
        let d = c
            .get(Path::new("/x"), "k", &mut &b"---\n"[..])
            .expect("in memory");
        // printf -- '---\n' | md5sum; ... | sha256sum | xxd -r -p | base64
        assert_eq!(d.etag(), "\"6105347ebb9825ac754615ca55ff3b0c\"");
        assert_eq!(
            d.repr_digest(),
            "sha-256=:9S1xEQPVCkN4MMb7zQT7S6tJoPgvbSbRx5HG6EiN0JA=:"
        );
        assert_eq!(
            d.digest(),
            "sha-256=9S1xEQPVCkN4MMb7zQT7S6tJoPgvbSbRx5HG6EiN0JA="
        );
    }
}
