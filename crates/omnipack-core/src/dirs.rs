//! Where omnipack keeps what it can make again: its cache directory
//! (index caches, gem caches, build roots).

use std::path::PathBuf;

/// `OMNIPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/omnipack`, else
/// `~/.cache/omnipack`, else a directory under the system's temporary
/// directory.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("OMNIPACK_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("omnipack");
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/omnipack"))
        .unwrap_or_else(|| std::env::temp_dir().join("omnipack-cache"))
}
