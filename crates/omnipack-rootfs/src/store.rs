//! The cache of build roots: `<cache>/roots/<distribution>/root/` holds the
//! root filesystem and `root.json` beside it records how it was made. A
//! root appears all at once (made in a hidden directory, renamed into
//! place) and goes all at once (renamed away, then deleted), so a listing
//! never shows half a root, also after Ctrl-C.

use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};

use crate::RootfsError;

/// What a cached build root is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootInfo {
    /// The distribution (`debian-11`).
    pub distribution: String,
    /// The root filesystem (not recorded: where it is found).
    #[serde(skip)]
    pub path: PathBuf,
    /// The tool that made it (`mmdebstrap`, `debootstrap`, `dnf`).
    pub tool: String,
    /// The mirror or repositories it was installed from.
    pub sources: Vec<String>,
    /// The packages asked for (besides the distribution's minimal base).
    pub packages: Vec<String>,
    /// When it was made (seconds since 1970).
    pub created: u64,
}

/// The directory of cached build roots.
#[derive(Debug, Clone)]
pub struct RootStore {
    dir: PathBuf,
}

impl RootStore {
    /// The store under omnipack's cache directory (`~/.cache/omnipack/roots`).
    pub fn new() -> RootStore {
        RootStore::at(omnipack_core::dirs::cache_dir().join("roots"))
    }

    /// A store in `dir`.
    pub fn at(dir: PathBuf) -> RootStore {
        RootStore { dir }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn record(&self, distribution: &str) -> PathBuf {
        self.dir.join(distribution).join("root.json")
    }

    /// The cached root of `distribution`, if there is one.
    pub fn get(&self, distribution: &str) -> Result<Option<RootInfo>, RootfsError> {
        let record = self.record(distribution);
        let text = match fs::read_to_string(&record) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut info: RootInfo =
            serde_json::from_str(&text).map_err(|e| RootfsError::BadRecord {
                path: record.clone(),
                reason: e.to_string(),
            })?;
        info.path = self.dir.join(distribution).join("root");
        Ok(Some(info))
    }

    /// Every cached root, by distribution name.
    pub fn list(&self) -> Result<Vec<RootInfo>, RootfsError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        let mut out = Vec::new();
        for n in names {
            if let Some(info) = self.get(&n)? {
                out.push(info);
            }
        }
        Ok(out)
    }

    /// Removes the cached root of `distribution`.
    pub fn remove(&self, distribution: &str) -> Result<(), RootfsError> {
        let dir = self.dir.join(distribution);
        if fs::symlink_metadata(&dir).is_err() {
            return Err(RootfsError::NotFound(distribution.to_owned()));
        }
        let trash = self
            .dir
            .join(format!(".gone-{distribution}-{}", std::process::id()));
        fs::rename(&dir, &trash)?;
        omnipack_core::atomic::sync_dir(&self.dir);
        fs::remove_dir_all(&trash)?;
        Ok(())
    }

    /// A hidden directory to make a new root of `distribution` in, after
    /// removing those that earlier, interrupted runs left.
    pub(crate) fn scratch(&self, distribution: &str) -> Result<PathBuf, RootfsError> {
        fs::create_dir_all(&self.dir)?;
        let prefix = format!(".new-{distribution}-");
        for e in fs::read_dir(&self.dir)?.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let stale = name.strip_prefix(&prefix).is_some_and(|pid| {
                pid.parse::<u32>()
                    .is_ok_and(|p| !omnipack_core::cleanup::pid_alive(p))
            }) || name.starts_with(".gone-");
            if stale {
                fs::remove_dir_all(e.path())?;
            }
        }
        let dir = self.dir.join(format!("{prefix}{}", std::process::id()));
        if fs::symlink_metadata(&dir).is_ok() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir(&dir)?;
        Ok(dir)
    }

    /// Puts a root made in `scratch` (holding `root/`) in place, replacing
    /// an older one of the same distribution.
    pub(crate) fn commit(&self, scratch: &Path, info: &RootInfo) -> Result<RootInfo, RootfsError> {
        let text = serde_json::to_string_pretty(info).map_err(std::io::Error::other)?;
        omnipack_core::atomic::write_file(&scratch.join("root.json"), text.as_bytes(), 0o644)
            .map_err(std::io::Error::other)?;
        let dest = self.dir.join(&info.distribution);
        if fs::symlink_metadata(&dest).is_ok() {
            self.remove(&info.distribution)?;
        }
        fs::rename(scratch, &dest)?;
        omnipack_core::atomic::sync_dir(&self.dir);
        Ok(RootInfo {
            path: dest.join("root"),
            ..info.clone()
        })
    }
}

impl Default for RootStore {
    fn default() -> Self {
        RootStore::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_appear_and_go_whole() {
        let t = tempfile::tempdir().unwrap();
        let store = RootStore::at(t.path().join("roots"));
        assert!(store.list().unwrap().is_empty());
        let s = store.scratch("debian-11").unwrap();
        fs::create_dir(s.join("root")).unwrap();
        // Not listed while it is being made.
        assert!(store.list().unwrap().is_empty());
        let info = RootInfo {
            distribution: "debian-11".to_owned(),
            path: PathBuf::new(),
            tool: "mmdebstrap".to_owned(),
            sources: vec!["http://mirror.invalid/debian".to_owned()],
            packages: vec!["python3".to_owned()],
            created: 1,
        };
        let made = store.commit(&s, &info).unwrap();
        assert_eq!(made.path, t.path().join("roots/debian-11/root"));
        assert_eq!(store.list().unwrap(), std::slice::from_ref(&made));
        assert_eq!(store.get("debian-11").unwrap(), Some(made));
        store.remove("debian-11").unwrap();
        assert!(store.get("debian-11").unwrap().is_none());
        let e = store.remove("debian-11").unwrap_err();
        assert!(
            e.hint().unwrap().contains("builder create debian-11"),
            "{e}"
        );
        assert_eq!(fs::read_dir(t.path().join("roots")).unwrap().count(), 0);
    }
}
