//! omnipack-repo's indexes checked by the real consumers: `dpkg-scanpackages`,
//! `apt-ftparchive`, `apt-get`, `gpgv` and `rpmkeys` for apt ([`apt`]);
//! `createrepo_c` and `dnf` for yum ([`yum`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod apt;
mod bad_packages;
mod support;
mod yum;
