//! OCI images from the project's packages, without a container daemon
//! (`omnipack image build`), as Flocker's CI made them with `docker build`:
//! a distribution's base, the packages installed from the repository, an
//! entrypoint, tags, a push.
//!
//! * [`layer`]: a directory tree (a whole root, or the overlay upper
//!   directory of an install) as a reproducible gzip tar layer.
//! * [`layout`]: the OCI image layout directory and its JSON documents,
//!   written with sorted keys so digests are reproducible.
//! * [`sbom`]: the SPDX 2.3 document of the image's dpkg database.
//! * [`registry`]: image references, where a registry is spoken to, its
//!   errors in words.
//! * `auth`: registry credentials (the auth file `skopeo login` writes) and
//!   the Basic or Bearer authorization a registry asks for.
//! * [`push`]: the OCI distribution API: blobs the registry lacks, the
//!   manifest, the tags, the SBOM as a referrer.
//! * [`base`]: an image (OCI layout or registry) as the base of another:
//!   its blobs, and its root file system unpacked for the install.
//! * [`archive`]: the layout as a `docker save` archive (`docker load`).
//! * [`build`]: the operation, from `[[image]]` in `omnipack.toml`.
//!
//! Module order: `error`, `layer`, `layout`, `sbom`, `registry`, `auth`,
//! `push`, `base`, `archive`, `build`.

#![deny(missing_docs)]

pub mod archive;
mod auth;
pub mod base;
pub mod build;
mod error;
pub mod layer;
pub mod layout;
pub mod push;
pub mod registry;
pub mod sbom;

pub use build::{ImageReport, ImageRequest, build_images};
pub use error::ImageError;
