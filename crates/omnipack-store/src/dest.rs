//! Destinations: a local directory (a path or `file://` URL) or
//! `s3://bucket/prefix`, turned into an [`ObjectStore`].
//!
//! Both backends are `object_store` implementations, so publishing has one
//! code path: `LocalFileSystem` (writes under a temporary name and renames,
//! `PutMode::Create` by hard link, fsync on) and `AmazonS3` (SigV4,
//! `If-None-Match: *` for `PutMode::Create`, multipart, retries with backoff).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use fs_err as fs;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, HeaderMap, HeaderValue, ObjectStore, RetryConfig,
};

use crate::credentials::{Credentials, Resolved, resolve};
use crate::error::{Result, StoreError};

/// Where a repository is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// A local directory (created when missing).
    Local(PathBuf),
    /// An S3 bucket and a key prefix (no leading or trailing `/`, maybe empty).
    S3 {
        /// The bucket name.
        bucket: String,
        /// The key prefix.
        prefix: String,
    },
}

impl FromStr for Dest {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Dest> {
        let bad = |reason: &str| StoreError::BadDest {
            dest: s.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(bad("no bucket name: write `s3://BUCKET/PREFIX`"));
            }
            if !(3..=63).contains(&bucket.len()) {
                return Err(bad("a bucket name is 3 to 63 characters long"));
            }
            if !bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
            {
                return Err(bad(
                    "a bucket name has lowercase letters, digits, `-` and `.` only",
                ));
            }
            let prefix = prefix.trim_matches('/');
            if prefix.split('/').any(|p| p == "." || p == "..") {
                return Err(bad("the prefix may not contain `.` or `..` segments"));
            }
            return Ok(Dest::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        if let Some(rest) = s.strip_prefix("file://") {
            if !rest.starts_with('/') {
                return Err(bad(
                    "a file:// URL needs an absolute path: `file:///srv/repo`",
                ));
            }
            return Ok(Dest::Local(PathBuf::from(rest)));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(bad(&format!(
                "unsupported scheme `{scheme}://`: use a path, `file:///path` or `s3://bucket/prefix`"
            )));
        }
        // `s3:/bucket`, `s3:bucket`, `http:host`: a mistyped URL, not a
        // directory to create (write `./s3:x` for such a directory).
        if let Some((scheme, _)) = s.split_once(':')
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return Err(bad(&format!(
                "`{scheme}:` looks like a URL scheme, but the destination is not `s3://bucket/prefix` or `file:///path`"
            )));
        }
        if s.is_empty() {
            return Err(bad("empty"));
        }
        Ok(Dest::Local(PathBuf::from(s)))
    }
}

impl fmt::Display for Dest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dest::Local(p) => write!(f, "{}", p.display()),
            Dest::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Dest::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// S3 connection settings (the CLI's `--endpoint`, `--region`, `--path-style`, `--acl`).
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// Endpoint URL (`http://127.0.0.1:9000`); default: AWS_ENDPOINT_URL_S3,
    /// AWS_ENDPOINT_URL, the profile's `endpoint_url`, else AWS.
    pub endpoint: Option<String>,
    /// Region; default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else `us-east-1`.
    pub region: Option<String>,
    /// Path-style requests (`ENDPOINT/BUCKET/KEY`) instead of virtual-hosted
    /// (`BUCKET.ENDPOINT/KEY`).
    pub path_style: bool,
    /// A canned ACL (`public-read`) sent as `x-amz-acl` with every object upload.
    pub acl: Option<String>,
    /// Retries of a failed request (with exponential backoff from 100 ms).
    pub retries: usize,
    /// Credentials to use instead of looking in the environment and profile files.
    pub credentials: Option<Credentials>,
}

/// An opened destination: the stores to write through and what they support.
#[derive(Debug, Clone)]
pub struct Target {
    /// Repository objects are uploaded through this one (it carries the ACL header).
    pub data: Arc<dyn ObjectStore>,
    /// The manifest, the lock, listing and deletions go through this one.
    pub control: Arc<dyn ObjectStore>,
    /// Whether the store keeps `Content-Type`/`Cache-Control` (S3 does; a directory doesn't).
    pub attributes: bool,
    /// The destination, for messages.
    pub display: String,
    /// For errors about a missing bucket: the bucket and the endpoint.
    pub bucket: Option<(String, String)>,
    /// A local destination's directory: where `object_store` stages each
    /// upload as `KEY#N` before renaming it, which a stopped publish cleans.
    pub local: Option<PathBuf>,
}

/// Opens `dest`: creates a local directory, or builds the S3 client from
/// `opts`, the environment and the AWS profile files.
pub fn open(dest: &Dest, opts: &S3Options) -> Result<Target> {
    match dest {
        Dest::Local(dir) => open_local(dir),
        Dest::S3 { bucket, prefix } => open_s3(dest, bucket, prefix, opts),
    }
}

fn open_local(dir: &Path) -> Result<Target> {
    fs::create_dir_all(dir)?;
    let store = LocalFileSystem::new_with_prefix(dir)
        .map_err(|source| StoreError::Store {
            dest: dir.display().to_string(),
            action: "open",
            key: String::new(),
            source: Box::new(source),
        })?
        .with_fsync(true);
    let store: Arc<dyn ObjectStore> = Arc::new(store);
    Ok(Target {
        data: store.clone(),
        control: store,
        attributes: false,
        display: dir.display().to_string(),
        bucket: None,
        local: Some(dir.to_path_buf()),
    })
}

fn open_s3(dest: &Dest, bucket: &str, prefix: &str, opts: &S3Options) -> Result<Target> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let resolved = match &opts.credentials {
        Some(c) => Resolved {
            credentials: c.clone(),
            region: None,
            endpoint: None,
        },
        None => resolve(&dest.to_string())?,
    };
    let region = opts
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| resolved.region.clone())
        .unwrap_or_else(|| "us-east-1".to_owned());
    let endpoint = opts
        .endpoint
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .or_else(|| resolved.endpoint.clone());

    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            base: 2.0,
        },
        max_retries: opts.retries,
        retry_timeout: Duration::from_secs(120),
    };
    let build = |acl: Option<&str>| -> Result<Arc<dyn ObjectStore>> {
        let mut client = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(300));
        if let Some(acl) = acl {
            let mut headers = HeaderMap::new();
            let value = HeaderValue::from_str(acl).map_err(|_| StoreError::BadDest {
                dest: dest.to_string(),
                reason: format!("--acl `{acl}` is not a valid header value"),
            })?;
            headers.insert("x-amz-acl", value);
            client = client.with_default_headers(headers);
        }
        // Web identity / container credentials (Ambient): object_store reads
        // them from the environment itself.
        let mut b = match resolved.credentials {
            Credentials::Ambient => AmazonS3Builder::from_env(),
            Credentials::Static { .. } => AmazonS3Builder::new(),
        }
        .with_bucket_name(bucket)
        .with_region(&region)
        .with_retry(retry.clone())
        .with_client_options(client);
        if let Credentials::Static {
            access_key_id,
            secret_access_key,
            session_token,
        } = &resolved.credentials
        {
            b = b
                .with_access_key_id(access_key_id)
                .with_secret_access_key(secret_access_key);
            if let Some(t) = session_token {
                b = b.with_token(t);
            }
        }
        match &endpoint {
            Some(e) => {
                b = b.with_allow_http(e.starts_with("http://"));
                // An IP address or localhost has no bucket subdomains:
                // virtual-hosted requests to it cannot work (and object_store
                // panics building one), so it implies path-style.
                if opts.path_style || host_is_address(e) {
                    b = b
                        .with_endpoint(e.trim_end_matches('/'))
                        .with_virtual_hosted_style_request(false);
                } else {
                    b = b
                        .with_endpoint(virtual_host(e, bucket))
                        .with_virtual_hosted_style_request(true);
                }
            }
            None => b = b.with_virtual_hosted_style_request(!opts.path_style),
        }
        let s3 = b.build().map_err(|e| StoreError::BadDest {
            dest: dest.to_string(),
            reason: e.to_string(),
        })?;
        Ok(if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        })
    };
    let control = build(None)?;
    let data = match &opts.acl {
        Some(acl) => build(Some(acl))?,
        None => control.clone(),
    };
    Ok(Target {
        data,
        control,
        attributes: true,
        display: dest.to_string(),
        bucket: Some((
            bucket.to_owned(),
            endpoint.unwrap_or_else(|| format!("s3.{region}.amazonaws.com")),
        )),
        local: None,
    })
}

/// `http://host:port/path` → `http://BUCKET.host:port/path` (virtual-hosted style).
/// Whether the endpoint URL's host is an IP address or `localhost`.
fn host_is_address(endpoint: &str) -> bool {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok()
}

fn virtual_host(endpoint: &str, bucket: &str) -> String {
    let endpoint = endpoint.trim_end_matches('/');
    match endpoint.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{bucket}.{rest}"),
        None => format!("https://{bucket}.{endpoint}"),
    }
}

/// The public-read bucket policy for `bucket`/`prefix` (the seed's policy:
/// anyone may `s3:GetObject` under the prefix; listing stays private).
pub fn public_read_policy(bucket: &str, prefix: &str) -> String {
    let resource = if prefix.is_empty() {
        format!("arn:aws:s3:::{bucket}/*")
    } else {
        format!("arn:aws:s3:::{bucket}/{prefix}/*")
    };
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowPublicRead",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": "s3:GetObject",
            "Resource": resource,
        }]
    });
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_or_localhost_endpoint_is_recognised() {
        for e in [
            "http://127.0.0.1:9000",
            "http://[::1]:9000/",
            "https://localhost",
            "10.0.0.7:9000",
            "http://user@192.168.1.2:80/x",
        ] {
            assert!(host_is_address(e), "{e}");
        }
        for e in [
            "https://s3.example.org",
            "http://minio:9000",
            "https://localhost.example.org",
        ] {
            assert!(!host_is_address(e), "{e}");
        }
    }

    #[test]
    fn a_mistyped_url_is_not_a_directory() {
        for s in ["s3:/bucket/p", "s3:bucket", "S3://bucket", "http:x"] {
            assert!(s.parse::<Dest>().is_err(), "{s}");
        }
        assert_eq!(
            "./s3:x".parse::<Dest>().unwrap(),
            Dest::Local(PathBuf::from("./s3:x"))
        );
        assert_eq!(
            "repo/out".parse::<Dest>().unwrap(),
            Dest::Local(PathBuf::from("repo/out"))
        );
    }

    #[test]
    fn destinations_parse() {
        assert_eq!(
            "s3://bucket/a/b/".parse::<Dest>().unwrap(),
            Dest::S3 {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(
            "s3://bucket".parse::<Dest>().unwrap(),
            Dest::S3 {
                bucket: "bucket".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            "file:///srv/repo".parse::<Dest>().unwrap(),
            Dest::Local("/srv/repo".into())
        );
        assert_eq!(
            "out/repo".parse::<Dest>().unwrap(),
            Dest::Local("out/repo".into())
        );
        for bad in [
            "s3://",
            "s3://Bad_Bucket/x",
            "file://rel",
            "gs://b/x",
            "s3://b/../x",
        ] {
            assert!(bad.parse::<Dest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_names_the_bucket_and_prefix() {
        let p: serde_json::Value =
            serde_json::from_str(&public_read_policy("repo-bucket", "apt/stable")).unwrap();
        assert_eq!(
            p["Statement"][0]["Resource"],
            "arn:aws:s3:::repo-bucket/apt/stable/*"
        );
        assert_eq!(p["Statement"][0]["Action"], "s3:GetObject");
    }

    #[test]
    fn virtual_hosted_endpoints_carry_the_bucket() {
        assert_eq!(
            virtual_host("http://127.0.0.1:9000/", "b"),
            "http://b.127.0.0.1:9000"
        );
    }
}
