//! Crowbar-style bundles (Crowbar's barclamps): a tarball holding a manifest
//! (`crowbar.yml` or `bundle.yml`), checksum files (`sha1sums` in Crowbar's
//! format, `SHA256SUMS`) and a cache of files, gems and per-OS packages;
//! packed deterministically, verified, and installed all-or-nothing on an
//! admin root whose served tree (files, gems, per-OS package repositories
//! with regenerated apt/yum indexes) it updates.
//!
//! The modules, each depending only on modules listed before it:
//!
//! * `error`: the one error type ([`BundleError`]), with a hint for the user.
//! * [`layout`]: the admin root's paths (`bundles/`, `.omnipack/…`).
//! * [`relpath`]: relative paths checked, made and resolved lexically.
//! * [`env`]: the time, `SOURCE_DATE_EPOCH`, the fault injection variable.
//! * [`manifest`]: the manifest, read as-is with Crowbar's schema.
//! * [`sums`]: checksum files, parallel hashing, checking a tree.
//! * [`tarball`]: unpacking a tarball, refusing hostile entries.
//! * [`pack`]: `bundle pack` (Crowbar's `package_barclamp`).
//! * [`verify`]: `bundle verify`.
//! * [`order`]: install order (`crowbar.order`, `requires`).
//! * [`config`]: the admin config (`ROOT/.omnipack/bundles.toml`).
//! * [`hooks`]: the admin config's commands.
//! * [`gems`]: the gem-directory re-index seam ([`gems::reindex_gem_dir`]).
//! * [`journal`]: the install journal that makes it crash-safe.
//! * [`state`]: installed-state records and the pristine check.
//! * `reindex`: the indexes regenerated after an install's renames.
//! * [`admin`]: opening an admin root: its lock, recovering an interrupted install.
//! * [`install`]: `bundle install` (Crowbar's `barclamp_install.rb`).
//! * [`list`]: `bundle list`/`status`.
//!
//! Nothing here prints: progress goes through [`omnipack_core::Progress`].

#![deny(missing_docs)]

pub mod admin;
pub mod config;
pub mod env;
mod error;
pub mod gems;
pub mod hooks;
pub mod install;
pub mod journal;
pub mod layout;
pub mod list;
pub mod manifest;
pub mod order;
pub mod pack;
mod reindex;
pub mod relpath;
pub mod state;
pub mod sums;
pub mod tarball;
pub mod verify;

pub use admin::{Recovered, open_root};
pub use config::AdminConfig;
pub use error::{BundleError, Obstacle};
pub use install::{InstallOptions, InstallReport, install};
pub use list::{Listing, list};
pub use manifest::Manifest;
pub use pack::{PackOptions, Packed, pack, pack_source};
pub use state::{Record, Status, status};
pub use verify::{VerifyReport, verify};
