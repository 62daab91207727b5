//! A RubyGems source: the `.gem` files under `DIR/gems/` indexed so that
//! `gem install --source URL` and Bundler (`source "URL"`) install from
//! `DIR` served over HTTP — natively, without `gem generate_index` (which has
//! left RubyGems for a separate gem).
//!
//! Layout of a source, as rubygems.org and `gem generate_index` lay it out:
//!
//! ```text
//! DIR/gems/NAME-VERSION[-PLATFORM].gem      the gems (input)
//! DIR/names, DIR/versions, DIR/info/NAME    compact index (see [`compact`])
//! DIR/specs.4.8[.gz], latest_specs.4.8[.gz], prerelease_specs.4.8[.gz],
//! DIR/quick/Marshal.4.8/FULLNAME.gemspec.rz legacy index (see [`legacy`])
//! ```
//!
//! [`index_dir`] is the whole operation: it is incremental (a cache keyed by
//! file name, size, mtime and inode vouches for gems already read; only new
//! or changed ones are opened), reads gems on all cores, writes only files
//! whose bytes change, every one under a temporary name renamed into place,
//! the files a client reads first (`versions`, `names`, `specs.4.8.gz`)
//! after those they point to; and a gem that cannot be read (or is misnamed)
//! is reported by path while every other gem is indexed.
//!
//! * [`spec`] reads a `.gem` and its specification, and holds RubyGems'
//!   version and platform rules.
//! * [`compact`] and [`legacy`] render the two indexes, [`marshal`] being
//!   the Ruby Marshal writer the legacy index needs.
//! * The cache (`cache.rs`) keeps what was read of each gem between runs.
//!
//! This crate knows nothing of apt or yum repositories: `omnipack-repo`
//! calls [`index_dir`] for the gem sources of a tree it indexes.

mod cache;
pub mod compact;
mod error;
pub mod legacy;
pub mod marshal;
mod source;
pub mod spec;

pub use error::{GemError, Problem};
pub use source::{GemOptions, GemReport, find_sources, index_dir, is_source};
pub use spec::{GemFile, GemSpec};
