//! .deb output checked by the real consumers: dpkg-deb, dpkg --root, lintian.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod damaged;
mod deb;
