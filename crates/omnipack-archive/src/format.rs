//! The one interface every package format implements (nfpm's `Packager`):
//! check a [`PackageSpec`] against the format's rules, write it, name the
//! file, read a package back. Each format's naming and version rules live in
//! its own crate, behind [`PackageFormat::validate`].
//! `omnipack-build` dispatches over the formats with a plain `enum`.

use std::io::Write;
use std::path::Path;

use omnipack_spec::{PackageInfo, PackageSpec};

use omnipack_core::Progress;

/// Settings for writing one package that are not part of the package itself.
#[derive(Clone, Copy)]
pub struct WriteOptions<'a> {
    /// A directory on the output's filesystem for temporary payload files.
    pub scratch_dir: &'a Path,
    /// Threads for compression (and hashing where parallel).
    pub threads: u32,
    /// Where progress goes (payload bytes).
    pub progress: &'a dyn Progress,
}

impl std::fmt::Debug for WriteOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteOptions")
            .field("scratch_dir", &self.scratch_dir)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

/// A package format.
pub trait PackageFormat {
    /// The format's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The conventional file name (`name_V-R_arch.deb`, `name-V-R.arch.rpm`).
    fn file_name(spec: &PackageSpec) -> String;

    /// Checks `spec` against the model's rules and the format's own (names,
    /// versions, relations) without writing anything; the error names the
    /// field and the rule.
    fn validate(spec: &PackageSpec) -> Result<(), Self::Error>;

    /// Checks `spec` with [`PackageFormat::validate`], then writes the package to `out`,
    /// streaming file contents (never holding the payload in memory).
    fn write(
        spec: &PackageSpec,
        out: &mut dyn Write,
        opts: &WriteOptions<'_>,
    ) -> Result<(), Self::Error>;

    /// Reads a package's metadata and file list.
    fn read(path: &Path) -> Result<PackageInfo, Self::Error>;
}
