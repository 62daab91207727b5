//! The reporter seam: library crates report progress through [`Progress`],
//! the binary draws it (indicatif); libraries never print.

/// Receives progress from long work.
pub trait Progress: Send + Sync {
    /// Work of `total` bytes is starting, described by `what`.
    fn start(&self, what: &str, total: u64);
    /// `bytes` more are done.
    fn advance(&self, bytes: u64);
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
