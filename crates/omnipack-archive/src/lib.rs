//! Deterministic archive writing and reading for every package format:
//! tar (for .deb members), newc cpio (RPM payloads), ar (the .deb container),
//! compression codecs, and the sorted walk of a staged directory ([`tree`])
//! whose entries the writers consume.
//!
//! Every writer here takes its timestamps, owners and order from the caller,
//! never from the machine, so the same input gives the same bytes.

pub mod ar;
pub mod compress;
pub mod cpio;
pub mod format;
pub mod pgzip;
pub mod tar;
pub mod tree;

pub use compress::{Decoder, Encoder, default_threads};
pub use format::{PackageFormat, WriteOptions};
