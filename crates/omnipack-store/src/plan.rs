//! What to publish: the repository's files classified by how clients use them,
//! hashed, and compared with the destination's manifest.
//!
//! Kinds, in upload order (DESIGN.md, "Publishing never shows a client a
//! broken repository"):
//! 1. packages (`.deb`, `.rpm`, ...): named by version, referenced by indexes;
//! 2. hashed metadata: apt `by-hash/<algo>/<digest>` and yum
//!    `repodata/<digest>-<name>`: content-addressed, so a new one never
//!    replaces what an old index points to;
//! 3. other secondary files (`Packages`, `Packages.gz`, `Packages.xz`, keys, ...);
//! 4. signatures (`Release.gpg`, `repodata/repomd.xml.asc`) and
//! 5. top indexes (`Release`, `InRelease`, `repodata/repomd.xml`), per leaf
//!    signature first and top index right after, `InRelease` last.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// The key of the manifest object, relative to the destination.
pub const MANIFEST_KEY: &str = ".omnipack/manifest.json";
/// The key of the lock object, relative to the destination.
pub const LOCK_KEY: &str = ".omnipack/lock";

/// How clients use a file, which decides its upload phase and cache headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A package (`.deb`, `.rpm`, `.udeb`, `.ddeb`, `.gem`).
    Package,
    /// Content-addressed metadata (`by-hash/**`, `repodata/<digest>-*`).
    Hashed,
    /// Any other file (`Packages`, `Packages.gz`, keys, ...).
    Secondary,
    /// A detached signature of a top index (`Release.gpg`, `repomd.xml.asc`).
    Signature,
    /// A top index (`Release`, `InRelease`, `repomd.xml`).
    Top,
}

impl Kind {
    /// The `Cache-Control` header objects of this kind get.
    pub fn cache_control(self) -> &'static str {
        match self {
            Kind::Package | Kind::Hashed => "public, max-age=31536000, immutable",
            Kind::Secondary => "public, max-age=60",
            Kind::Signature | Kind::Top => "no-cache",
        }
    }
}

/// Classifies a repository-relative path (`/`-separated).
pub fn classify(rel: &str) -> Kind {
    let mut parts = rel.rsplit('/');
    let name = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if matches!(ext, "deb" | "udeb" | "ddeb" | "rpm" | "gem") {
        return Kind::Package;
    }
    if rel.split('/').any(|p| p == "by-hash") {
        return Kind::Hashed;
    }
    if parent == "repodata" {
        if let Some((digest, _)) = name.split_once('-')
            && digest.len() >= 32
            && digest.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Kind::Hashed;
        }
        return match name {
            "repomd.xml" => Kind::Top,
            "repomd.xml.asc" => Kind::Signature,
            _ => Kind::Secondary,
        };
    }
    match name {
        "Release" | "InRelease" => Kind::Top,
        "Release.gpg" => Kind::Signature,
        _ => Kind::Secondary,
    }
}

/// The order of the signature and top-index uploads within a leaf: the
/// signature right before what it signs, `InRelease` (apt's first choice)
/// last of the apt files.
pub fn index_rank(rel: &str) -> u8 {
    match rel.rsplit('/').next().unwrap_or("") {
        "Release.gpg" => 0,
        "Release" => 1,
        "InRelease" => 2,
        "repomd.xml.asc" => 3,
        _ => 4,
    }
}

/// `Content-Type` for a file by its name.
pub fn content_type(rel: &str) -> &'static str {
    let name = rel.rsplit('/').next().unwrap_or("");
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "deb" | "udeb" | "ddeb" => "application/vnd.debian.binary-package",
        "rpm" => "application/x-rpm",
        "gem" => "application/octet-stream",
        "gz" => "application/gzip",
        "xz" => "application/x-xz",
        "zst" => "application/zstd",
        "bz2" => "application/x-bzip2",
        "xml" => "application/xml",
        "json" => "application/json",
        "asc" => "application/pgp-signature",
        "gpg" => "application/pgp-signature",
        _ if matches!(name, "Release" | "InRelease" | "Packages" | "Sources") => {
            "text/plain; charset=utf-8"
        }
        _ => "application/octet-stream",
    }
}

/// One file of the repository.
#[derive(Debug, Clone)]
pub struct LocalFile {
    /// Key relative to the repository root and the destination (`/`-separated).
    pub key: String,
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
    /// How clients use it.
    pub kind: Kind,
}

/// Lists, classifies and hashes (on all cores) every file under `repo`,
/// skipping hidden names (`.`-prefixed files and directories: staging
/// leftovers, caches). Checks that the repository is indexed.
pub fn scan(repo: &Path) -> Result<Vec<LocalFile>> {
    if !repo.is_dir() {
        return Err(StoreError::RepoMissing(repo.to_path_buf()));
    }
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(repo)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(repo)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        found.push((rel, entry.path().to_path_buf()));
    }
    check_indexed(repo, &found)?;
    found
        .into_par_iter()
        .map(|(key, path)| {
            omnipack_core::interrupt::check()?;
            let d = omnipack_core::hash::hash_file(&path, false, false, true)?;
            let (sha256, size) = (d.sha256_hex(), d.size);
            Ok(LocalFile {
                kind: classify(&key),
                key,
                path,
                size,
                sha256,
            })
        })
        .collect()
}

/// Every directory holding .deb files has `Release` or `InRelease`, every
/// one holding .rpm files has `repodata/repomd.xml` (flat layout); in a
/// `dists/` + `pool/` layout, some `Release` exists.
fn check_indexed(repo: &Path, files: &[(String, PathBuf)]) -> Result<()> {
    let has = |key: &str| files.iter().any(|(k, _)| k == key);
    let tops = files
        .iter()
        .filter(|(k, _)| classify(k) == Kind::Top)
        .count();
    if tops == 0 {
        return Err(StoreError::NoIndex(repo.to_path_buf()));
    }
    if files.iter().any(|(k, _)| k.starts_with("dists/")) {
        return Ok(());
    }
    let mut dirs: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for (k, _) in files {
        let (dir, name) = k.rsplit_once('/').unwrap_or(("", k));
        let e = dirs.entry(dir).or_default();
        e.0 |= name.ends_with(".deb");
        e.1 |= name.ends_with(".rpm");
    }
    for (dir, (debs, rpms)) in dirs {
        let join = |n: &str| {
            if dir.is_empty() {
                n.to_owned()
            } else {
                format!("{dir}/{n}")
            }
        };
        let missing = if debs && !has(&join("Release")) && !has(&join("InRelease")) {
            Some("`Release` or `InRelease`")
        } else if rpms && !has(&join("repodata/repomd.xml")) {
            Some("`repodata/repomd.xml`")
        } else {
            None
        };
        if let Some(missing) = missing {
            return Err(StoreError::NotIndexed {
                repo: repo.to_path_buf(),
                dir: repo.join(dir),
                missing,
            });
        }
    }
    Ok(())
}

/// The manifest object kept in the destination: what is there, by digest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version (1).
    pub format: u32,
    /// Publishes that changed something so far.
    pub generation: u64,
    /// Unix time of the last write.
    pub updated: u64,
    /// Every object omnipack wrote and has not deleted, by key.
    pub objects: BTreeMap<String, Entry>,
}

/// One object in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Hex SHA-256 of the object; `None` while a write is under way (a
    /// publish that stopped before confirming it: upload again).
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// How clients use it.
    pub kind: Kind,
    /// The generation that last published it.
    pub last_seen: u64,
    /// Unix time it was first found gone from the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_at: Option<u64>,
}

/// The work one publish does.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to upload, by phase order (kind), then key.
    pub uploads: Vec<LocalFile>,
    /// Files already in the destination with the same digest.
    pub unchanged: usize,
    /// Superseded keys old enough to delete.
    pub deletions: Vec<String>,
    /// Superseded keys kept for clients mid-update.
    pub kept: usize,
}

/// Compares the repository with the manifest. `now` is unix time; an object
/// gone from the repository is deleted once it has been absent for more than
/// `keep_publishes` generations and `grace_secs` seconds.
pub fn plan(
    files: Vec<LocalFile>,
    manifest: &Manifest,
    force: bool,
    keep_publishes: u64,
    grace_secs: u64,
    now: u64,
) -> Plan {
    let mut p = Plan::default();
    let present: std::collections::HashSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let generation = manifest.generation + 1;
    for (key, e) in &manifest.objects {
        if present.contains(key.as_str()) {
            continue;
        }
        let since = e.superseded_at.unwrap_or(now);
        if generation.saturating_sub(e.last_seen) > keep_publishes
            && now.saturating_sub(since) >= grace_secs
        {
            p.deletions.push(key.clone());
        } else {
            p.kept += 1;
        }
    }
    for f in files {
        let same = manifest
            .objects
            .get(&f.key)
            .and_then(|e| e.sha256.as_deref())
            .is_some_and(|s| s == f.sha256);
        if same && !force {
            p.unchanged += 1;
        } else {
            p.uploads.push(f);
        }
    }
    p.uploads
        .sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        for (rel, kind) in [
            ("hello_1.0-1_amd64.deb", Kind::Package),
            ("rocky/9/x86_64/hello-1.0-1.x86_64.rpm", Kind::Package),
            ("by-hash/SHA256/0123abcd", Kind::Hashed),
            ("ubuntu/24.04/amd64/by-hash/MD5Sum/0123", Kind::Hashed),
            (
                "repodata/0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0-primary.xml.gz",
                Kind::Hashed,
            ),
            ("repodata/repomd.xml", Kind::Top),
            ("repodata/repomd.xml.asc", Kind::Signature),
            ("repodata/comps.xml", Kind::Secondary),
            ("Packages.xz", Kind::Secondary),
            ("Release", Kind::Top),
            ("a/b/InRelease", Kind::Top),
            ("Release.gpg", Kind::Signature),
        ] {
            assert_eq!(classify(rel), kind, "{rel}");
        }
    }

    fn file(key: &str, sha: &str) -> LocalFile {
        LocalFile {
            key: key.into(),
            path: key.into(),
            size: 1,
            sha256: sha.into(),
            kind: classify(key),
        }
    }

    fn entry(sha: Option<&str>, kind: Kind, last_seen: u64, superseded_at: Option<u64>) -> Entry {
        Entry {
            sha256: sha.map(str::to_owned),
            size: 1,
            kind,
            last_seen,
            superseded_at,
        }
    }

    #[test]
    fn plan_uploads_changed_and_pending_objects_in_phase_order() {
        let mut m = Manifest {
            format: 1,
            generation: 5,
            ..Manifest::default()
        };
        m.objects
            .insert("a.deb".into(), entry(Some("aa"), Kind::Package, 5, None));
        m.objects
            .insert("Release".into(), entry(Some("r1"), Kind::Top, 5, None));
        m.objects
            .insert("Packages".into(), entry(None, Kind::Secondary, 5, None));
        // Gone since generation 2: absent for 4 generations > keep 3.
        m.objects.insert(
            "old.deb".into(),
            entry(Some("o"), Kind::Package, 2, Some(0)),
        );
        // Gone since generation 4: kept.
        m.objects.insert(
            "by-hash/SHA256/x".into(),
            entry(Some("x"), Kind::Hashed, 4, Some(0)),
        );
        let files = vec![
            file("Release", "r2"),
            file("a.deb", "aa"),
            file("Packages", "p"),
            file("b.deb", "bb"),
        ];
        let p = plan(files, &m, false, 3, 0, 100);
        let keys: Vec<&str> = p.uploads.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["b.deb", "Packages", "Release"]);
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.deletions, ["old.deb"]);
        assert_eq!(p.kept, 1);
        // The grace period holds deletions back.
        let files = vec![file("a.deb", "aa")];
        let p = plan(files, &m, false, 3, 3600, 100);
        assert!(p.deletions.is_empty());
    }
}
