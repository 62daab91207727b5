//! Repository indexes: apt (`Packages`, `Release`, `InRelease`, by-hash) and
//! yum (`repodata/`), signed in-process with OpenPGP, for a flat directory of
//! packages or a whole tree `<dist>[-testing]/<version>/<arch>/`.
//!
//! * [`scan`] finds the packages of a leaf and reads and hashes them on all
//!   cores, through an incremental cache keyed by path, size, mtime and inode.
//! * [`apt`] and [`yum`] render the metadata of one leaf into a [`Staging`].
//! * [`Staging`] writes every file under a temporary name and renames them
//!   into place at the end, top index (`InRelease`/`Release`, `repomd.xml`)
//!   last, so a crash leaves the previous complete index or the new one.
//! * [`gem`] indexes a RubyGems source (`gems/*.gem` → compact and legacy
//!   indexes), for `gem install` and Bundler.
//! * [`spool`] keeps the rendered yum entries of cached packages on disk, so
//!   a run holds small records only.
//! * [`sign`] signs with OpenPGP keys (the `pgp` crate, as the `rpm` crate uses).

pub mod apt;
pub mod cache;
pub mod channels;
mod error;
pub mod gem;
pub mod index;
pub mod release;
pub mod rpmsign;
pub mod scan;
pub mod sign;
pub mod spool;
pub mod yum;

pub use error::RepoError;
pub use index::{IndexKind, IndexOptions, IndexReport, Layout, index, index_with};
pub use scan::{IndexInfo, Record};
