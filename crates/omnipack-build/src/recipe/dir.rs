//! The dir recipe: a prebuilt tree copied under the prefix, entry by entry.
//!
//! Regular files keep their permission bits exactly (setuid, setgid, sticky
//! included); directories too, except the prefix itself and its parents,
//! which are 0755 (a temporary directory is often 0700, which would lock
//! everyone out of `/opt/<name>`). Symlinks are kept as symlinks with their
//! target unchanged, whether relative, absolute, or pointing outside the tree
//! with `..` (an omnibus tree may legitimately link to `/usr` or `/etc`); the
//! package installs them as they are. Hard links become separate files.
//! Devices, sockets and FIFOs are refused.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use fs_err as fs;

use super::{RecipeError, StageContext, fresh_prefix};

pub(super) fn stage(path: &Path, ctx: &StageContext<'_>) -> Result<(), RecipeError> {
    let src = std::path::absolute(path)?;
    if !src.is_dir() {
        return Err(RecipeError::MissingInput {
            what: "prebuilt tree",
            path: src,
            kind: "directory",
            hint: "set `[build] source` to the directory to copy under the prefix",
        });
    }
    let dest = fresh_prefix(ctx)?;
    copy_tree(&src, &dest)
}

fn copy_tree(src: &Path, dest: &Path) -> Result<(), RecipeError> {
    let mut entries: Vec<_> = fs::read_dir(src)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let from = entry.path();
        let to = dest.join(entry.file_name());
        let meta = fs::symlink_metadata(&from)?;
        let mode = std::fs::Permissions::from_mode(meta.permissions().mode() & 0o7777);
        let kind = meta.file_type();
        if kind.is_symlink() {
            fs::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else if kind.is_dir() {
            fs::create_dir(&to)?;
            copy_tree(&from, &to)?;
            // Last, so that a read-only directory can still be filled.
            fs::set_permissions(&to, mode)?;
        } else if kind.is_file() {
            fs::copy(&from, &to)?;
            fs::set_permissions(&to, mode)?;
        } else {
            return Err(RecipeError::SpecialFile(from));
        }
    }
    Ok(())
}
