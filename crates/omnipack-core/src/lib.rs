//! What every omnipack crate shares, written once: the progress reporter
//! ([`Progress`]), the clock and `SOURCE_DATE_EPOCH` ([`time`]), writing
//! files so that nothing half-written is ever seen ([`atomic`]), hashing
//! ([`hash`]), a skipped input and why ([`Problem`]), a file's cache identity ([`stamp`]), the cache directory
//! ([`dirs`]), a request to stop ([`interrupt`]), what a stopped process
//! removes on its way out ([`cleanup`]) and a verification's
//! "differences found" ([`outcome`]).
//!
//! This crate is first in the dependency order: it depends on no other
//! omnipack crate and on no compression codec.

#![deny(missing_docs)]

pub mod atomic;
pub mod cleanup;
pub mod dirs;
pub mod hash;
pub mod interrupt;
pub mod nesting;
pub mod outcome;
pub mod problem;
pub mod progress;
pub mod stamp;
pub mod time;

pub use atomic::{AtomicFile, Committed, Staging, write_file};
pub use hash::{Digests, HashingWriter, hex};
pub use problem::Problem;
pub use progress::{NoProgress, Progress};
pub use stamp::Stamp;
