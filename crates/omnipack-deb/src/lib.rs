//! The Debian binary package format (deb(5)): an `ar` archive holding
//! `debian-binary`, `control.tar.gz` and `data.tar.{gz,xz,zst}`.
//!
//! [`Deb`] implements [`omnipack_archive::PackageFormat`]: `validate` checks
//! Debian policy's naming and version rules, [`write`](Deb) validates, streams
//! the payload through the compressor into a temporary file, then assembles the
//! `ar`; [`read`](Deb) returns the control fields and the file list.

mod control;
mod error;
mod index;
mod read;
mod validate;
mod write;

use std::io::Write;
use std::path::Path;

use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_spec::{PackageInfo, PackageSpec};

pub use control::{ControlFields, control_file};
pub use error::DebError;
pub use index::{DebControl, IndexReader};
pub use read::{DebVerifyReport, split_version, verify};
pub use validate::{indexable, indexable_fields};

/// Reads a .deb's control information only (no file list), as a
/// repository index does ([`IndexReader`], which reads many). A package apt
/// would refuse ([`indexable`]) is an error.
pub fn read_control(path: &Path) -> Result<PackageInfo, DebError> {
    let c = IndexReader::new().read(path, &mut |_| {})?;
    let scripts = c.scripts().map(str::to_owned).collect();
    Ok(read::package_info(c.fields, scripts, Vec::new()))
}

/// The .deb format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deb;

impl PackageFormat for Deb {
    type Error = DebError;

    fn file_name(spec: &PackageSpec) -> String {
        // dpkg-name's convention: the epoch is left out of the file name.
        format!(
            "{}_{}-{}_{}.deb",
            spec.name,
            spec.version,
            spec.release,
            spec.arch.deb_name()
        )
    }

    fn validate(spec: &PackageSpec) -> Result<(), DebError> {
        validate::validate(spec)
    }

    fn write(
        spec: &PackageSpec,
        out: &mut dyn Write,
        opts: &WriteOptions<'_>,
    ) -> Result<(), DebError> {
        write::write(spec, out, opts)
    }

    fn read(path: &Path) -> Result<PackageInfo, DebError> {
        read::read(path)
    }
}
