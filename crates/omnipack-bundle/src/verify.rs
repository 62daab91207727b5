//! `bundle verify`: a tarball (unpacked safely into a temporary directory)
//! or a bundle directory, checked against its manifest and its
//! `SHA256SUMS` (preferred) or `sha1sums`.

use std::path::{Path, PathBuf};

use omnipack_core::Progress;

use crate::BundleError;
use crate::manifest::Manifest;
use crate::sums::{self, Check, Sums};

/// The result of a verification.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// What was verified.
    pub path: PathBuf,
    /// `barclamp.name`.
    pub name: String,
    /// `barclamp.version`.
    pub version: String,
    /// The checksum file used.
    pub sums: String,
    /// Whether every file matches and none is missing or added.
    pub pristine: bool,
    /// Modified, missing and added files.
    pub check: Check,
}

impl VerifyReport {
    /// An error saying how many files differ, unless it is pristine
    /// (`bundle verify` exits with it, after listing them).
    pub fn ensure_pristine(&self) -> Result<(), BundleError> {
        if self.pristine {
            return Ok(());
        }
        Err(BundleError::NotPristine {
            path: self.path.clone(),
            name: self.name.clone(),
            sums: self.sums.clone(),
            modified: self.check.modified.len(),
            missing: self.check.missing.len(),
            added: self.check.added.len(),
            source: omnipack_core::outcome::DifferencesFound {
                what: format!("bundle `{}` differs from its {}", self.name, self.sums),
            },
        })
    }
}

/// Verifies the tarball or bundle directory `path`.
pub fn verify(path: &Path, progress: &dyn Progress) -> Result<VerifyReport, BundleError> {
    let unpacked;
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        unpacked = crate::tarball::unpack_unchecked(path)?;
        unpacked.dir.clone()
    };
    let manifest = Manifest::load(&dir)?;
    let Some((sums_path, sums)) = Sums::read_best(&dir)? else {
        return Err(BundleError::NoSums(path.to_path_buf()));
    };
    let check = sums::check(&dir, &sums, progress)?;
    Ok(VerifyReport {
        path: path.to_path_buf(),
        name: manifest.name().to_owned(),
        version: manifest.version().to_owned(),
        sums: sums_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        pristine: check.pristine(),
        check,
    })
}
