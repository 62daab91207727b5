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
