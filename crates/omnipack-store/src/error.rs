//! The crate's one error type: every variant names the repository path, the
//! destination or the object it is about, and what to do where there is
//! something to do.

use std::path::PathBuf;

/// Errors from parsing a destination, reading the repository, talking to the
/// store, and locking.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The repository directory does not exist or is not a directory.
    #[error("repository `{0}` does not exist or is not a directory")]
    RepoMissing(PathBuf),
    /// The repository holds packages without indexes next to them.
    #[error("`{dir}` holds packages but no {missing}")]
    NotIndexed {
        /// The repository given.
        repo: PathBuf,
        /// The directory whose index is missing.
        dir: PathBuf,
        /// What is missing (`Release`/`InRelease`, `repodata/repomd.xml`).
        missing: &'static str,
    },
    /// The repository holds no index at all.
    #[error("`{0}` holds no repository index (no `Release`, `InRelease` or `repodata/repomd.xml`)")]
    NoIndex(PathBuf),
    /// A destination string that is not a path, `file://` or `s3://` URL.
    #[error("destination `{dest}`: {reason}")]
    BadDest {
        /// The destination as given.
        dest: String,
        /// What is wrong with it.
        reason: String,
    },
    /// S3 credentials could not be found.
    #[error("no S3 credentials for `{dest}`: {detail}")]
    MissingCredentials {
        /// The destination.
        dest: String,
        /// What was looked at and not found.
        detail: String,
        /// The shared credentials file consulted.
        credentials_file: String,
        /// The shared config file consulted.
        config_file: String,
    },
    /// The bucket does not exist.
    #[error("bucket `{bucket}` does not exist at {endpoint}")]
    NoSuchBucket {
        /// The bucket.
        bucket: String,
        /// The endpoint asked.
        endpoint: String,
    },
    /// The store refused the credentials.
    #[error("access to `{dest}` denied")]
    AccessDenied {
        /// The destination.
        dest: String,
        /// The store's answer.
        #[source]
        source: Box<object_store::Error>,
    },
    /// The store could not be reached or answered with an error.
    #[error("`{dest}`: cannot {action} `{key}`")]
    Store {
        /// The destination.
        dest: String,
        /// What was being done (`upload`, `read`, `delete`, `list`).
        action: &'static str,
        /// The object key, relative to the destination.
        key: String,
        /// The store's error.
        #[source]
        source: Box<object_store::Error>,
    },
    /// Another publisher holds the lock.
    #[error(
        "`{dest}` is locked by {holder} since {since}: another publish is running, or one was killed"
    )]
    Locked {
        /// The destination.
        dest: String,
        /// `user@host (pid N)`.
        holder: String,
        /// When the holder took the lock (RFC 2822).
        since: String,
    },
    /// The manifest object exists but cannot be parsed.
    #[error("`{dest}`: the manifest `{key}` is not valid ({reason})")]
    BadManifest {
        /// The destination.
        dest: String,
        /// The manifest key.
        key: String,
        /// The parse error.
        reason: String,
    },
    /// A repository file changed between hashing and uploading.
    #[error("`{0}` changed while it was being published")]
    ChangedDuringPublish(PathBuf),
    /// `--endpoint`, `--region`, `--path-style` or `--acl` for a destination
    /// that is not S3.
    #[error(
        "--endpoint, --region, --path-style and --acl apply to `s3://` destinations only, not `{dest}`"
    )]
    S3OptionsForLocal {
        /// The destination.
        dest: String,
    },
    /// A local destination and the repository contain one another.
    #[error(
        "the destination `{dest}` and the repository `{repo}` overlap: one is inside the other"
    )]
    Overlap {
        /// The repository.
        repo: PathBuf,
        /// The destination.
        dest: PathBuf,
    },
    /// A test hook's environment variable is not a number.
    #[error("{var}=`{value}` is not a number")]
    BadEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// Reading the repository or a local file failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Walking the repository failed.
    #[error("cannot read the repository: {0}")]
    Walk(#[from] walkdir::Error),
    /// The fault-injection switch stopped the publish.
    #[error(
        "publish stopped by OMNIPACK_PUBLISH_FAIL_AFTER after {0} object writes (fault injection; the lock is left as a killed publish would leave it)"
    )]
    Injected(u64),
    /// SIGINT or SIGTERM stopped the publish (its lock released, its
    /// temporary files removed).
    #[error("publish stopped: {0}")]
    Interrupted(#[from] omnipack_core::interrupt::Interrupted),
}

impl StoreError {
    /// What the user can do about it, if there is something: printed by the
    /// binary as a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::RepoMissing(_) => Some("give the directory `omnipack repo index` wrote".into()),
            StoreError::NotIndexed { repo, .. } => Some(format!(
                "run `omnipack repo index {}` first",
                repo.display()
            )),
            StoreError::NoIndex(_) => Some("run `omnipack repo index` on it first".into()),
            StoreError::BadDest { .. } => Some(
                "give a directory (`./NAME` for a name with a colon), `file:///path` or `s3://bucket[/prefix]`".into(),
            ),
            StoreError::MissingCredentials {
                credentials_file,
                config_file,
                ..
            } => Some(format!(
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials), or AWS_PROFILE naming a profile in `{credentials_file}` or `{config_file}`"
            )),
            StoreError::NoSuchBucket { bucket, .. } => Some(format!(
                "create it (e.g. `aws s3 mb s3://{bucket}`, `garage bucket create {bucket}`) or check --endpoint, --region and --path-style"
            )),
            StoreError::AccessDenied { .. } => Some(
                "check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and that the key may read and write the bucket".into(),
            ),
            StoreError::Locked { .. } => {
                Some("if no publish is running, re-run with --break-lock".into())
            }
            StoreError::BadManifest { .. } => {
                Some("remove it to publish everything again".into())
            }
            StoreError::ChangedDuringPublish(_) => {
                Some("re-run the publish once indexing is done".into())
            }
            StoreError::S3OptionsForLocal { .. } => {
                Some("leave them out, or publish to `s3://bucket/prefix`".into())
            }
            StoreError::Overlap { .. } => Some(
                "publish to a directory outside the repository, e.g. `/srv/www/repo`".into(),
            ),
            StoreError::BadEnv { var, .. } => Some(format!("unset {var} or give a number")),
            StoreError::Interrupted(_) => Some(
                "clients still read the previous complete repository there; publish again to finish".into(),
            ),
            StoreError::Store { .. }
            | StoreError::Io(_)
            | StoreError::Walk(_)
            | StoreError::Injected(_) => None,
        }
    }
}

/// This crate's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
