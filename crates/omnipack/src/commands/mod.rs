//! One module per command, each a thin wrapper around a library call.

pub mod build;
pub mod builder;
pub mod bundle;
pub mod distributions;
pub mod docs;
pub mod image;
pub mod init;
pub mod inspect;
pub mod json;
pub mod key;
pub mod package;
pub mod publish;
pub mod release;
pub mod repo;
pub mod serve;
pub mod srcpkg;
pub mod version;
