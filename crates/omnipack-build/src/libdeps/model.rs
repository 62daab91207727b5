//! The data the scan produces and the Debian result.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// `e_type` of an executable (non-PIE program).
pub const ET_EXEC: u16 = 2;
/// `e_type` of a shared object (library, PIE program, Python extension).
pub const ET_DYN: u16 = 3;

/// One ELF file of a staged tree and what it needs from the dynamic linker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfFile {
    /// Path relative to the scanned root, e.g. `opt/greet/lib/x.so`.
    pub path: PathBuf,
    /// ELFCLASS64.
    pub class64: bool,
    /// Little-endian (ELFDATA2LSB).
    pub little_endian: bool,
    /// `e_machine`.
    pub machine: u16,
    /// `e_type` (`ET_EXEC` 2, `ET_DYN` 3, …).
    pub elf_type: u16,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// `DT_NEEDED`, in file order.
    pub needed: Vec<String>,
    /// `SHT_GNU_verneed`: (soname, version such as `GLIBC_2.14`, weak flag).
    pub version_needs: Vec<(String, String, bool)>,
    /// Undefined dynamic symbols (and symbols defined through a copy
    /// relocation), with their version.
    pub imports: Vec<Import>,
    /// `DT_GNU_HASH` without `DT_HASH`.
    pub gnu_hash_only: bool,
    /// A `PT_INTERP` program header (a program, not a pure library).
    pub has_interp: bool,
    /// Any permission bit `x` is set.
    pub executable: bool,
    /// `DT_RUNPATH`, else `DT_RPATH`, split at `:`.
    pub runpath: Vec<String>,
}

impl ElfFile {
    /// An executable or a shared object (what the dependency generators read).
    pub fn is_dynamic_object(&self) -> bool {
        self.elf_type == ET_EXEC || self.elf_type == ET_DYN
    }
}

/// An undefined dynamic symbol of an [`ElfFile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The symbol name.
    pub name: String,
    /// Its version (`GLIBC_2.14`), `None` for an unversioned symbol.
    pub version: Option<String>,
    /// The soname the version is needed from (`vn_file`), if versioned.
    pub library: Option<String>,
    /// `STB_WEAK`.
    pub weak: bool,
    /// Defined in the file but through a copy relocation (`R_*_COPY`): it
    /// comes from a library all the same.
    pub copy_relocated: bool,
}

/// One Debian dependency and what caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebDepend {
    /// In Debian syntax, e.g. `libc6 (>= 2.34)`; alternatives joined with ` | `.
    pub dependency: String,
    /// E.g. `libc.so.6 needed by opt/x/y.so`, sorted.
    pub because: Vec<String>,
}

/// The sonames and file names of the ELF files of the tree: libraries it ships.
pub fn shipped(files: &[ElfFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        if let Some(s) = &f.soname {
            out.insert(s.clone());
        }
        if let Some(name) = f.path.file_name() {
            out.insert(name.to_string_lossy().into_owned());
        }
    }
    out
}
