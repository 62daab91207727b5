//! Integration tests for the RPM writer and reader, checked with the real
//! rpm tools (`rpm -qp`, `rpm -K`, `rpm --root -i/-e`, `rpmlint`, `rpmbuild`),
//! never with our own reader alone.
// Test helpers outside #[test] functions may unwrap and print like the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;
mod damaged;
mod install;
mod query;
mod reader;
mod reproducible;
mod streaming;
mod verify;
