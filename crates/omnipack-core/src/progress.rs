//! The one reporter seam: library crates report progress through
//! [`Progress`], the binary draws it (indicatif); libraries never print
//! (uv-publish's `Reporter`, cargo-deb's `Listener`).
//!
//! A piece of work counts *units*: bytes for packaging and hashing, objects
//! for a publish (whose uploaded bytes ride along through
//! [`Progress::bytes`]).

/// Receives progress from long work.
pub trait Progress: Send + Sync {
    /// Work of `total` units is starting, described by `what`.
    fn start(&self, what: &str, total: u64);
    /// `units` more are done.
    fn advance(&self, units: u64);
    /// `bytes` more bytes were moved, for work that counts other units
    /// (a publish counts objects and reports its uploads here).
    fn bytes(&self, _bytes: u64) {}
    /// The current piece of work is done.
    fn finish(&self);
    /// A line of status for people (e.g. a phase and its duration).
    fn note(&self, _message: &str) {}
}

/// A [`Progress`] that ignores everything (tests, `--quiet`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
