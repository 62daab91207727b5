//! The storage seam: publish a repository directory to a local directory or
//! to S3-compatible object storage, so that a client reading the destination
//! at any moment sees the previous complete repository or the new one.
//!
//! Storage is `object_store`'s [`ObjectStore`](object_store::ObjectStore)
//! trait with two implementations: `LocalFileSystem` (the embedded default)
//! and `AmazonS3`. What differs between them is held in a [`Target`].
//!
//! * [`plan`]: classify, hash, compare with the manifest;
//! * [`publish()`]: the ordered, incremental, locked upload;
//! * [`lock`]: the conditional-put lock;
//! * [`dest`] and [`credentials`]: destinations, S3 options, AWS credentials.
//!
//! Library code never prints: progress goes through [`omnipack_core::Progress`].

pub mod credentials;
pub mod dest;
pub mod error;
pub mod lock;
pub mod plan;
pub mod publish;

pub use dest::{Dest, S3Options, Target, open, public_read_policy};
pub use error::{Result, StoreError};
pub use plan::{Kind, LOCK_KEY, MANIFEST_KEY, Manifest};
pub use publish::{
    DELAY_MS_ENV, FAIL_AFTER_ENV, PublishOptions, Report, lock_holder, publish, publish_to,
    read_manifest,
};
