//! Integration tests of the staging recipes (`omnipack_build::recipe`): the
//! python recipe on the real example application (`examples/greet`, run at its
//! final prefix in a private mount namespace), relocation, reproducibility,
//! and the cargo, dir and command recipes; a spec file resolved with its
//! staged tree; format rules reached through the format dispatch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod formats;
mod libdeps;
mod python;
mod recipes;
mod resolve;

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_build::recipe::{RecipeError, StageContext, stage};
use omnipack_core::hash::{HashingWriter, Sink};
use omnipack_spec::Recipe;
use omnipack_test_support::EPOCH;

/// Stages `recipe` under `staging_root` with prefix `prefix` and `/usr/bin/python3`.
pub fn stage_at(recipe: &Recipe, staging_root: &Path, prefix: &str) -> Result<(), RecipeError> {
    stage(
        recipe,
        &StageContext {
            staging_root,
            prefix,
            python: "/usr/bin/python3",
            source_date_epoch: EPOCH,
            sandbox: &omnipack_rootfs::Sandbox::host(),
        },
    )
}

/// Copies a directory tree (files, directories, symlinks, modes).
pub fn copy_dir(src: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dest.join(entry.file_name());
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        if meta.file_type().is_symlink() {
            fs::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else if meta.is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Every entry under `root` (relative path → kind, mode and SHA-256 or link
/// target), not following symlinks.
pub fn tree_digest(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("link -> {}", fs::read_link(&path).unwrap().display()),
                );
            } else if meta.is_dir() {
                out.insert(rel, format!("dir {mode:o}"));
                walk(root, &path, out);
            } else {
                let mut w = HashingWriter::new(Sink, false, false, true);
                std::io::copy(&mut fs::File::open(&path).unwrap(), &mut w).unwrap();
                let sha = omnipack_core::hex(&w.finish().1.sha256.unwrap());
                out.insert(rel, format!("file {mode:o} {sha}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Every file under `root` whose bytes (or symlink target) contain `needle`:
/// an independent `grep -r`, over binary files too.
pub fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    fn walk(dir: &Path, needle: &[u8], out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let bytes = if meta.file_type().is_symlink() {
                fs::read_link(&path)
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec()
            } else if meta.is_dir() {
                walk(&path, needle, out);
                continue;
            } else {
                fs::read(&path).unwrap()
            };
            if bytes.windows(needle.len()).any(|w| w == needle) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, needle, &mut out);
    out
}
