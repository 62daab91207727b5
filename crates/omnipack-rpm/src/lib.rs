//! The RPM package format: [`Rpm`] writes a [`PackageSpec`] as a binary RPM
//! (v4 format, as rpmbuild 4.18 writes it; rpm's `docs/manual/format.md`)
//! and reads one back into a [`PackageInfo`].
//!
//! The writer streams the payload (a compressed newc cpio archive) through a
//! temporary file, so a package of any size is written in small, fixed memory;
//! the `rpm` crate's `PackageBuilder` is not used because it holds every file
//! in memory. The `rpm` crate serialises the headers and reads packages.
//!
//! * [`validate`](PackageFormat::validate): the model's rules, then the
//!   characters rpmbuild accepts in Name, Version and Release.
//! * [`write`](PackageFormat::write): validates, then writes the lead, signature header (header SHA-1 and
//!   SHA-256, sizes, reserved space for signing), main header (the tags
//!   rpmbuild writes: see `header.rs`), payload with SHA-256 file digests.
//!   The same spec, `source_date_epoch` included, gives the same bytes on any
//!   machine, from any directory, with any thread count.
//! * [`read`](PackageFormat::read): headers only, never the payload.
//!
//! Spec mapping: `section` is the RPM `Group` (default `Unspecified`),
//! `maintainer` the `Packager`, alternatives in a dependency become a rich
//! dependency `(a or b)` (rpm ≥ 4.13), `replaces` is ignored (RPM has no such
//! relation; use `obsoletes`), a scriptlet runs under its `#!` interpreter or
//! `/bin/sh`, and `rpm.fields` may set the header fields listed in
//! [`SUPPORTED_FIELDS`].

mod check;
mod deps;
mod digest;
mod error;
mod fields;
mod header;
mod payload;
mod read;
mod validate;
mod write;

use std::io::Write;
use std::path::Path;

use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_spec::{PackageInfo, PackageSpec};

pub use digest::{DigestReport, verify_digests};
pub use error::RpmError;
pub use fields::SUPPORTED_FIELDS;
pub use read::{read_with_metadata, read_with_metadata_from};
pub use validate::indexable;

/// The RPM format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

impl PackageFormat for Rpm {
    type Error = RpmError;

    fn file_name(spec: &PackageSpec) -> String {
        write::file_name(spec)
    }

    fn validate(spec: &PackageSpec) -> Result<(), RpmError> {
        validate::validate(spec)
    }

    fn write(
        spec: &PackageSpec,
        out: &mut dyn Write,
        opts: &WriteOptions<'_>,
    ) -> Result<(), RpmError> {
        write::write(spec, out, opts)
    }

    fn read(path: &Path) -> Result<PackageInfo, RpmError> {
        read::read(path)
    }
}
