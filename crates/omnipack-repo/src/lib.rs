//! Repository indexes: apt (`Packages`, `Release`, `InRelease`, by-hash) and
//! yum (`repodata/`), signed in-process with OpenPGP (`omnipack-sign`), for a
//! flat directory of packages, a whole tree `<dist>[-testing]/<version>/<arch>/`
//! or apt's `dists/` + `pool/`; the RubyGems sources of a tree through
//! `omnipack-gem`; and the channels of a tree.
//!
//! * [`index`] is the operation: every leaf scanned, checked, written and
//!   committed, top index last; [`index_tree`] is `omnipack repo index`
//!   whole (key, date, the "nothing could be indexed" decision).
//! * [`check`] is `omnipack repo check`: the repository read as apt and
//!   dnf read it (signatures, index digests, package digests, packages no
//!   index lists), nothing written.
//! * [`config`] is the repository's own `.omnipack/repo.toml` (`repo init`):
//!   the signing key and defaults every command reads.
//! * [`channels`] adds, promotes, removes and lists packages, then
//!   re-indexes the leaves it touched.
//! * [`apt`] and [`yum`] render the metadata of one leaf into a
//!   [`omnipack_core::Staging`], which renames everything into place at the
//!   end, so a crash leaves the previous complete index or the new one.
//! * [`record`] holds what the indexes know of a package, shared by the
//!   modules below so that none of them imports another in a circle.
//! * `scan` finds the packages of a leaf and reads and hashes them on all
//!   cores, through the incremental `cache` (keyed by path, size, mtime and
//!   inode), whose rendered yum entries live in a `spool` on disk, so a run
//!   holds small records only, and which keeps the compressed yum chunks
//!   (`chunks`) of the last run.
//!
//! Module order (each uses only modules before it): `record`, `chunks`,
//! `spool`, `cache`, `apt`, `yum`, `error`, `scan`, `config`, `check`, `index`,
//! `channels`.

pub mod apt;
mod cache;
pub mod channels;
pub mod check;
mod chunks;
pub mod config;
mod error;
pub mod index;
pub mod record;
mod scan;
mod spool;
pub mod yum;

#[doc(hidden)]
pub use cache::decode_for_fuzzing;
pub use check::{CheckOptions, CheckReport, check};
pub use config::{InitOptions, InitReport, Overrides, RepoConfig, init};
pub use error::RepoError;
pub use index::{
    DEFAULT_KEEP, IndexKind, IndexOptions, IndexReport, IndexRequest, Layout, LayoutKind,
    LeafReport, ReleaseFields, index, index_gem_source, index_tree,
};
pub use omnipack_gem::{GemOptions, GemReport};
pub use record::{Checksum, IndexInfo, Record};
pub use scan::Problem;
