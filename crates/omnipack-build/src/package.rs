//! `omnipack package`: write one spec in one or more formats into an output
//! directory. Every package is written under a hidden temporary name in the
//! output directory, synced, then renamed into place, so a failure or crash
//! never leaves a half-written package under the real name.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_archive::WriteOptions;
use omnipack_core::{AtomicFile, Progress};
use omnipack_spec::{Format, PackageSpec};

use crate::{BuildError, file_name, validate, write};

/// What to package and where.
pub struct PackageRequest<'a> {
    /// The package.
    pub spec: &'a PackageSpec,
    /// Formats to write, in order.
    pub formats: &'a [Format],
    /// Output directory (created if missing).
    pub out_dir: &'a Path,
    /// Compression threads.
    pub threads: u32,
    /// Progress reporter.
    pub progress: &'a dyn Progress,
}

impl std::fmt::Debug for PackageRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageRequest")
            .field("name", &self.spec.name)
            .field("formats", &self.formats)
            .field("out_dir", &self.out_dir)
            .finish_non_exhaustive()
    }
}

fn output_err(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Output {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the package in every requested format; returns the paths written.
/// Every format's rules are checked before the first byte is written.
pub fn package(req: &PackageRequest<'_>) -> Result<Vec<PathBuf>, BuildError> {
    for &format in req.formats {
        validate(format, req.spec)?;
    }
    fs::create_dir_all(req.out_dir)?;
    // What a killed run of this (or another) writer left: hidden
    // temporaries of processes that are gone (issue 21).
    let swept = omnipack_core::atomic::sweep(req.out_dir).map_err(output_err(req.out_dir))?;
    if !swept.is_empty() {
        req.progress.note(&format!(
            "removed {} temporary file(s) a killed run left in `{}`",
            swept.len(),
            req.out_dir.display()
        ));
    }
    let mut written = Vec::new();
    for &format in req.formats {
        let name = file_name(format, req.spec);
        let dest = req.out_dir.join(&name);
        let tmp = AtomicFile::create(&dest).map_err(output_err(&dest))?;
        let opts = WriteOptions {
            scratch_dir: req.out_dir,
            threads: req.threads,
            progress: req.progress,
        };
        let mut out = BufWriter::with_capacity(1 << 20, tmp);
        write(format, req.spec, &mut out, &opts)?;
        out.flush().map_err(output_err(&dest))?;
        let tmp = out.into_inner().map_err(|e| BuildError::Output {
            path: dest.clone(),
            source: e.into_error(),
        })?;
        // A package is world-readable like dpkg-deb's.
        tmp.commit(0o644).map_err(output_err(&dest))?;
        written.push(dest);
    }
    Ok(written)
}
