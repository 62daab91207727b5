//! Indexing a directory or a repository tree (to be written).

/// Which indexes to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// apt only.
    Apt,
    /// yum only.
    Yum,
    /// By the packages each leaf holds.
    Auto,
}

/// Options (to be written).
#[derive(Debug, Default)]
pub struct IndexOptions {}

/// Report (to be written).
#[derive(Debug, Default)]
pub struct IndexReport {}

/// Indexes (to be written).
pub fn index() {}
