//! Helpers shared by the apt and yum tests.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use fs_err as fs;
use omnipack_archive::PackageFormat;
use omnipack_repo::{Checksum, Record, yum};
use omnipack_rpm::Rpm;
use sha2::Digest;

/// The record of the package at `path` in the leaf `leaf`, made here from
/// the file and its format's own reader rather than by the indexer's scan:
/// a .deb with its MD5, SHA-1 and control fields, an .rpm with its
/// SHA-256 and rendered yum entries.
pub fn record(leaf: &Path, path: &Path) -> Record {
    let bytes = fs::read(path).unwrap();
    let meta = fs::metadata(path).unwrap();
    let deb = path.extension().is_some_and(|e| e == "deb");
    let mut r = Record {
        path: path.to_path_buf(),
        rel: path
            .strip_prefix(leaf)
            .unwrap()
            .to_string_lossy()
            .into_owned(),
        size: meta.len(),
        mtime: meta.mtime(),
        md5: deb.then(|| Checksum(md5::Md5::digest(&bytes).into())),
        sha1: deb.then(|| Checksum(sha1::Sha1::digest(&bytes).into())),
        sha256: Checksum(sha2::Sha256::digest(&bytes).into()),
        info: if deb {
            (&omnipack_deb::read_control(path).unwrap()).into()
        } else {
            (&Rpm::read(path).unwrap()).into()
        },
        yum: None,
        origin: Default::default(),
    };
    if !deb {
        r.yum = Some(yum::render_package(&r, &yum::read_package(path).unwrap()).into());
    }
    r
}
