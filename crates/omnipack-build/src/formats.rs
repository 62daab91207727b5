//! Dispatch over the package formats: one `match` on [`Format`], no registry.

use std::io::{BufReader, Read, Write};
use std::path::Path;

use fs_err as fs;
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_deb::Deb;
use omnipack_rpm::Rpm;
use omnipack_spec::{Format, PackageInfo, PackageSpec};

use crate::BuildError;

/// The conventional file name of `spec` in `format`.
pub fn file_name(format: Format, spec: &PackageSpec) -> String {
    match format {
        Format::Deb => Deb::file_name(spec),
        Format::Rpm => Rpm::file_name(spec),
    }
}

/// Checks `spec` against the model's and `format`'s rules without writing anything.
pub fn validate(format: Format, spec: &PackageSpec) -> Result<(), BuildError> {
    match format {
        Format::Deb => Deb::validate(spec)?,
        Format::Rpm => Rpm::validate(spec)?,
    }
    Ok(())
}

/// Writes `spec` as `format` to `out`.
pub fn write(
    format: Format,
    spec: &PackageSpec,
    out: &mut dyn Write,
    opts: &WriteOptions<'_>,
) -> Result<(), BuildError> {
    match format {
        Format::Deb => Deb::write(spec, out, opts)?,
        Format::Rpm => Rpm::write(spec, out, opts)?,
    }
    Ok(())
}

/// Reads any package, recognising its format from its first bytes.
pub fn inspect(path: &Path) -> Result<PackageInfo, BuildError> {
    let meta = fs::metadata(path)?;
    if meta.is_dir() {
        return Err(BuildError::NotAPackage {
            path: path.to_path_buf(),
        });
    }
    let mut head = [0u8; 8];
    let mut r = BufReader::new(fs::File::open(path)?);
    let mut n = 0;
    while n < head.len() {
        let k = r.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    match Format::sniff(&head[..n]) {
        Some(Format::Deb) => Ok(Deb::read(path)?),
        Some(Format::Rpm) => Ok(Rpm::read(path)?),
        None => Err(BuildError::NotAPackage {
            path: path.to_path_buf(),
        }),
    }
}

/// What [`verify`] checked of a package's integrity, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// Each check that passed (`header SHA256`, `payload SHA256`, `data.tar.xz
    /// read to its end`, `12 files against md5sums`, ...).
    pub checked: Vec<String>,
    /// What the package records that was not checked.
    pub not_checked: Vec<String>,
}

/// Checks the integrity of any package as its own tools do: an .rpm's
/// header and payload digests (`rpm -K --nosignature`), a .deb's members
/// read to their end (each compressed stream's checksum) and its data files
/// against `md5sums`. An error names the part that does not match.
pub fn verify(path: &Path) -> Result<Verified, BuildError> {
    let mut head = [0u8; 8];
    let n = fs::File::open(path)?.read(&mut head)?;
    Ok(match Format::sniff(&head[..n]) {
        None => {
            return Err(BuildError::NotAPackage {
                path: path.to_path_buf(),
            });
        }
        Some(Format::Rpm) => {
            let r = omnipack_rpm::verify_digests(path)?;
            Verified {
                checked: r.ok,
                not_checked: r.not_checked,
            }
        }
        Some(Format::Deb) => {
            let r = omnipack_deb::verify(path)?;
            let mut checked: Vec<String> = r
                .members
                .iter()
                .map(|m| format!("{m} read to its end"))
                .collect();
            checked.push(format!("{} files against md5sums", r.md5sums_checked));
            let mut not_checked = Vec::new();
            if r.md5sums_missing > 0 {
                not_checked.push(format!("{} files md5sums does not list", r.md5sums_missing));
            }
            Verified {
                checked,
                not_checked,
            }
        }
    })
}
