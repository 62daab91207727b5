//! The store seam against real S3 servers on 127.0.0.1 (s3s-fs, a
//! three-node Garage): whether a create-only put (`If-None-Match: *`) is
//! honoured, which the lock relies on. s3s-fs refuses the second put;
//! Garage 2.5 accepts it and overwrites, so on Garage the lock is the
//! documented best effort (look before, read back after). If either answer
//! changes, these tests fail and docs/repository.md ("Locking") must change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use omnipack_store::credentials::Credentials;
use omnipack_store::{Dest, S3Options, open};
use omnipack_test_support::require_tools;
use omnipack_test_support::s3::{ACCESS_KEY, Garage, S3sFs, SECRET_KEY};

fn options(endpoint: String, region: &str) -> S3Options {
    S3Options {
        endpoint: Some(endpoint),
        region: Some(region.into()),
        path_style: true,
        retries: 1,
        credentials: Some(Credentials::Static {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
            session_token: None,
        }),
        ..S3Options::default()
    }
}

/// Puts `k` twice with `PutMode::Create`; returns whether the second was refused.
fn create_twice(opts: &S3Options) -> bool {
    let dest: Dest = "s3://repo/prefix".parse().unwrap();
    let target = open(&dest, opts).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let p = Path::from("lock-probe");
        let create = || PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        target
            .control
            .put_opts(&p, PutPayload::from_static(b"one"), create())
            .await
            .unwrap();
        let second = target
            .control
            .put_opts(&p, PutPayload::from_static(b"two"), create())
            .await;
        let now = target.control.get(&p).await.unwrap().bytes().await.unwrap();
        match second {
            Err(object_store::Error::AlreadyExists { .. }) => {
                assert_eq!(&now[..], b"one");
                true
            }
            Ok(_) => {
                assert_eq!(&now[..], b"two");
                false
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    })
}

// Records what the lock can rely on: s3s-fs refuses a second create-only put.
#[test]
fn s3s_fs_honours_if_none_match() {
    if !require_tools(&["s3s-fs"]) {
        return;
    }
    let server = S3sFs::start(&["repo"]);
    assert!(create_twice(&options(server.endpoint(), "us-east-1")));
}

// Records that Garage 2.5 ignores `If-None-Match: *` on PutObject (the
// second create-only put overwrites).
#[test]
fn garage_ignores_if_none_match() {
    if !require_tools(&["garage"]) {
        return;
    }
    let g = Garage::start("repo");
    assert!(!create_twice(&options(g.endpoint(0), "garage")));
}
