//! Integration tests of omnipack-spec, one binary: the version ordering
//! against the real `dpkg` and `rpm`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod vercmp;
