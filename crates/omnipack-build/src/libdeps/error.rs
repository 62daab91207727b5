//! Errors of the dependency scan.

use std::path::PathBuf;

/// What can go wrong while computing library dependencies.
#[derive(Debug, thiserror::Error)]
pub enum LibDepsError {
    /// A file starts with the ELF magic but cannot be read as ELF.
    #[error("`{path}` starts with the ELF magic but is not a readable ELF file: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What could not be read.
        reason: String,
    },
    /// No library directory of the build root holds a needed soname.
    #[error(
        "cannot find library `{soname}` needed by `{needed_by}` in the build root `{root}` (searched its RPATH/RUNPATH, /lib, /usr/lib, the directories of etc/ld.so.conf and /lib64, /usr/lib64, /lib32, /usr/lib32)"
    )]
    LibraryNotFound {
        /// The soname (`DT_NEEDED`).
        soname: String,
        /// The file needing it, relative to the scanned tree.
        needed_by: PathBuf,
        /// The build root.
        root: PathBuf,
    },
    /// The library was found but no package's symbols or shlibs file maps it.
    #[error(
        "no dependency information found for `{soname}` (found as `{library}`, needed by `{needed_by}`): no installed package that owns it has a symbols or shlibs file for it"
    )]
    NoDependencyInfo {
        /// The soname.
        soname: String,
        /// Where it was found, inside the build root.
        library: PathBuf,
        /// The file needing it.
        needed_by: PathBuf,
    },
    /// A filesystem error (fs-err names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl LibDepsError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            LibDepsError::Malformed { .. } => {
                "remove or repair the file in the staged tree, or turn automatic library dependencies off for this package (`library-depends = false` in its `[[package]]` table)"
            }
            LibDepsError::LibraryNotFound { .. } | LibDepsError::NoDependencyInfo { .. } => {
                "install the package that provides the library in the build root (for this machine: apt-get install it), ship the library in the package, or turn automatic library dependencies off (`library-depends = false` in its `[[package]]` table) and declare the dependency by hand"
            }
            LibDepsError::Io(_) => "check that the path exists and is readable",
        }
    }
}
