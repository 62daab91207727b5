//! A [`SpecFile`] (flags and an optional `--spec` file) resolved into a
//! [`PackageSpec`]: its `from-dir` walked by [`omnipack_archive::tree`] (the
//! model crate does no filesystem scanning), then the file's own entries,
//! scripts and settings applied over the walked tree.

use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_spec::{PackageSpec, SpecError, SpecFile};

use crate::BuildError;

/// Walks `file`'s `from-dir` (if any) with its `prefix` and
/// `allow-dangling-symlinks`, and resolves the file into a [`PackageSpec`]
/// stamped with `source_date_epoch`.
///
/// Every required field that is missing is reported in one error, before
/// the tree is walked.
pub fn resolve_spec(file: SpecFile, source_date_epoch: u64) -> Result<PackageSpec, BuildError> {
    let missing = file.missing_required();
    if !missing.is_empty() {
        return Err(SpecError::Missing { fields: missing }.into());
    }
    let staged = match &file.from_dir {
        Some(dir) => scan_tree(
            dir,
            &ScanOptions {
                prefix: file.prefix.clone().unwrap_or_else(|| "/".into()),
                allow_dangling_symlinks: file.allow_dangling_symlinks.unwrap_or(false),
                ..ScanOptions::default()
            },
        )?,
        None => Vec::new(),
    };
    Ok(file.into_spec_with(source_date_epoch, staged)?)
}
