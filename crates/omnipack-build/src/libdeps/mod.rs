//! Automatic shared-library dependencies of a staged tree, as `rpmbuild`
//! (`/usr/lib/rpm/elfdeps -R`) and `dpkg-shlibdeps` give them.
//!
//! * [`scan_elf`] walks a staged tree (no symlinks followed) and reads every
//!   regular file that starts with `\x7fELF`: its `DT_NEEDED`, `DT_SONAME`,
//!   version needs (`SHT_GNU_verneed`), imported dynamic symbols with their
//!   versions (`SHT_GNU_versym`, copy relocations included) and hash tables.
//!   ELF files that are neither executables nor shared objects (`.o`, core
//!   files) are returned with nothing needed. A file that starts with the ELF
//!   magic but whose headers, section table, dynamic section or version
//!   tables cannot be read is an error naming it
//!   ([`LibDepsError::Malformed`]): a package would otherwise get silently
//!   wrong dependencies. Names that point outside their string table are left
//!   out, as libelf-based `elfdeps` leaves them out.
//! * [`rpm_requires`] mirrors `elfdeps -R` of rpm 4.18 (Debian 12's `rpm`):
//!   requirements are generated for shared objects without `PT_INTERP` always
//!   and for programs (with `PT_INTERP`) only when a permission bit `x` is set;
//!   every `SHT_GNU_verneed` entry is emitted (weak ones too, the flag is not
//!   looked at); `(64bit)` is added for ELFCLASS64 except Alpha;
//!   `rtld(GNU_HASH)` when there is `DT_GNU_HASH` and no `DT_HASH`; sonames
//!   that do not look like libraries (no `.so`, not starting with `lib` or
//!   `ld`) are dropped as elfdeps' soname filter drops them.
//! * [`deb_depends`] mirrors `dpkg-shlibdeps` over a build root's dpkg
//!   database (`var/lib/dpkg/info`): see [`deb_depends`] for what is and is not
//!   covered.
//!
//! Libraries the tree ships itself (any ELF file's soname or file name) are
//! left out of both.

mod deb;
mod elf;
mod error;
mod model;
mod rpm;
mod symbols;

pub use deb::deb_depends;
pub use elf::scan_elf;
pub use error::LibDepsError;
pub use model::{DebDepend, ElfFile, Import};
pub use rpm::rpm_requires;
