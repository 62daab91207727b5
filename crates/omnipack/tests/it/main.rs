//! The `omnipack` binary end to end: packages it writes are checked with the
//! real dpkg-deb/rpm, its errors with their exit codes and leftovers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod architecture;
mod bad_input;
mod build;
mod builder;
mod bundle;
mod channels;
mod cli;
mod e2e;
mod gem;
mod image;
mod inspect;
mod json;
mod package;
mod publish;
mod repo;
mod repo_config;
mod serve;
mod serve_abuse;
mod sign;
mod spec;
mod support;
