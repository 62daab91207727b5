//! Compressed chunks of yum metadata kept between runs: the yum writer
//! (`yum::xml`) compresses each document in content-defined chunks and
//! takes unchanged ones from here; the index cache stores them. Each chunk
//! is checked against its CRC-32 before it is used.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// Compressed chunks of yum metadata from the last run, by content key
/// (see `yum::xml`), so a re-index compresses only the chunks whose
/// packages changed.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Chunks {
    /// Key → chunk.
    map: HashMap<[u8; 32], Chunk>,
    #[serde(skip)]
    used: HashSet<[u8; 32]>,
}

/// One compressed chunk and the CRC-32 it is checked against when loaded.
#[derive(Debug, Serialize, Deserialize)]
struct Chunk {
    crc: u32,
    /// Encoded as one byte string (a copy), not byte by byte.
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
}

impl Chunks {
    /// Whether the chunk is here, intact (a damaged one is dropped); either
    /// way it is kept for next time.
    pub fn hit(&mut self, key: &[u8; 32]) -> bool {
        self.used.insert(*key);
        match self.map.get(key) {
            Some(c) if crc32fast::hash(&c.bytes) == c.crc => true,
            Some(_) => {
                self.map.remove(key);
                false
            }
            None => false,
        }
    }

    /// A chunk's bytes.
    pub fn get(&self, key: &[u8; 32]) -> Option<&[u8]> {
        self.map.get(key).map(|c| c.bytes.as_slice())
    }

    /// Stores a chunk (kept for next time).
    pub fn insert(&mut self, key: [u8; 32], bytes: Vec<u8>) {
        self.used.insert(key);
        let crc = crc32fast::hash(&bytes);
        self.map.insert(key, Chunk { crc, bytes });
    }

    /// How many chunks are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Forgets the chunks no document used this run.
    pub(crate) fn prune(&mut self) {
        let used = &self.used;
        self.map.retain(|k, _| used.contains(k));
    }
}
