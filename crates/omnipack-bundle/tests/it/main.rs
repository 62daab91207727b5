//! omnipack-bundle's integration tests: the manifest corpus (one manifest
//! per variant Crowbar's tools read, `tests/manifests/`) parsed and packed,
//! and what `pack` keeps of a bundle tree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod corpus;
mod pack;
