//! One module per command, each a thin wrapper around a library call.

pub mod inspect;
pub mod package;
