//! A file's identity for cache validity (size, modification time to the
//! nanosecond, inode), as rsync and make trust it: the index and gem caches
//! reuse what they read of a file while its stamp is unchanged.

use std::os::unix::fs::MetadataExt;

use serde::{Deserialize, Serialize};

/// A file's identity for cache validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds.
    pub mtime: i64,
    /// Modification time: nanoseconds within the second.
    pub mtime_nsec: u32,
    /// Inode number.
    pub ino: u64,
}

impl Stamp {
    /// The stamp of `meta`.
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            size: meta.len(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec() as u32,
            ino: meta.ino(),
        }
    }

    /// The stamp of a `stat` result.
    pub fn of_stat(st: &rustix::fs::Stat) -> Stamp {
        Stamp {
            size: st.st_size as u64,
            mtime: st.st_mtime,
            mtime_nsec: st.st_mtime_nsec as u32,
            ino: st.st_ino,
        }
    }
}
