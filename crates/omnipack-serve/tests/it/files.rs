//! Files: GET and HEAD, ranges, validators, content types, the access log.

use std::time::Duration;

use crate::support::{big, fixture, get, send, start};

#[test]
fn get_and_head_serve_the_file_with_its_headers() {
    let t = tempfile::tempdir().unwrap();
    let s = start(&fixture(t.path()), false);
    let r = get(s.addr, "/hello_1.0-1_all.deb");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, big());
    assert_eq!(r.header("content-length"), Some("300000"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.debian.binary-package")
    );
    let etag = r.header("etag").unwrap();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert!(r.header("last-modified").unwrap().ends_with(" GMT"));

    let h = send(s.addr, "HEAD", "/hello_1.0-1_all.deb", &[]);
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    assert_eq!(h.header("content-length"), Some("300000"));
    assert_eq!(h.header("etag"), Some(etag));

    let e = get(s.addr, "/empty");
    assert_eq!((e.status, e.body.len()), (200, 0));
    assert_eq!(e.header("content-length"), Some("0"));

    let m = send(s.addr, "POST", "/Packages", &[("Content-Length", "0")]);
    assert_eq!(m.status, 405);
    assert_eq!(m.header("allow"), Some("GET, HEAD"));
    assert_eq!(get(s.addr, "/missing.deb").status, 404);
    assert_eq!(get(s.addr, "/Packages/").status, 404);
}

#[test]
fn ranges_give_206_or_416() {
    let t = tempfile::tempdir().unwrap();
    let s = start(&fixture(t.path()), false);
    let all = big();
    let range = |spec: &str| send(s.addr, "GET", "/hello_1.0-1_all.deb", &[("Range", spec)]);

    // A small file is read whole and sent from memory: its ranges too.
    let r = send(s.addr, "GET", "/Release", &[("Range", "bytes=2-5")]);
    assert_eq!((r.status, r.text().as_str()), (206, "igin"));
    assert_eq!(r.header("content-range"), Some("bytes 2-5/13"));
    let r = send(s.addr, "GET", "/Release", &[("Range", "bytes=-1")]);
    assert_eq!((r.status, r.text().as_str()), (206, "\n"));

    let r = range("bytes=0-99");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &all[..100]);
    assert_eq!(r.header("content-range"), Some("bytes 0-99/300000"));
    assert_eq!(r.header("content-length"), Some("100"));

    let r = range("bytes=299990-");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &all[299_990..]);
    assert_eq!(
        r.header("content-range"),
        Some("bytes 299990-299999/300000")
    );

    let r = range("bytes=-70000");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &all[230_000..]);

    let r = range("bytes=100000-100000000");
    assert_eq!(r.body, &all[100_000..]);
    assert_eq!(
        r.header("content-range"),
        Some("bytes 100000-299999/300000")
    );

    for bad in ["bytes=300000-", "bytes=400000-500000", "bytes=-0"] {
        let r = range(bad);
        assert_eq!(r.status, 416, "{bad}");
        assert_eq!(r.header("content-range"), Some("bytes */300000"), "{bad}");
        assert!(r.body.is_empty());
    }
    // Several ranges or nonsense: the whole file.
    for whole in ["bytes=0-1,5-6", "bytes=x-y", "lines=1-2"] {
        let r = range(whole);
        assert_eq!((r.status, r.body.len()), (200, all.len()), "{whole}");
    }
    // HEAD ignores Range (RFC 9110 §14.2 defines it for GET only).
    let h = send(
        s.addr,
        "HEAD",
        "/hello_1.0-1_all.deb",
        &[("Range", "bytes=0-9")],
    );
    assert_eq!(h.status, 200);

    // If-Range: the current ETag lets the range apply, an old one gets the whole file.
    let etag = get(s.addr, "/hello_1.0-1_all.deb")
        .header("etag")
        .unwrap()
        .to_owned();
    let lm = get(s.addr, "/Packages")
        .header("last-modified")
        .unwrap()
        .to_owned();
    let r = send(
        s.addr,
        "GET",
        "/hello_1.0-1_all.deb",
        &[("Range", "bytes=0-9"), ("If-Range", &etag)],
    );
    assert_eq!((r.status, r.body.len()), (206, 10));
    let r = send(
        s.addr,
        "GET",
        "/hello_1.0-1_all.deb",
        &[("Range", "bytes=0-9"), ("If-Range", "\"stale\"")],
    );
    assert_eq!((r.status, r.body.len()), (200, all.len()));
    let r = send(
        s.addr,
        "GET",
        "/Packages",
        &[("Range", "bytes=0-6"), ("If-Range", &lm)],
    );
    assert_eq!((r.status, r.text().as_str()), (206, "Package"));
}

#[test]
fn validators_give_304() {
    let t = tempfile::tempdir().unwrap();
    let root = fixture(t.path());
    let s = start(&root, false);
    let first = get(s.addr, "/Packages");
    let etag = first.header("etag").unwrap().to_owned();
    let lm = first.header("last-modified").unwrap().to_owned();

    let r = send(s.addr, "GET", "/Packages", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let weak = format!("\"other\", W/{etag}");
    assert_eq!(
        send(s.addr, "GET", "/Packages", &[("If-None-Match", &weak)]).status,
        304
    );
    assert_eq!(
        send(s.addr, "HEAD", "/Packages", &[("If-None-Match", &etag)]).status,
        304
    );
    assert_eq!(
        send(s.addr, "GET", "/Packages", &[("If-Modified-Since", &lm)]).status,
        304
    );
    assert_eq!(
        send(
            s.addr,
            "GET",
            "/Packages",
            &[("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT")]
        )
        .status,
        200
    );
    // If-None-Match takes precedence (RFC 9110 §13.2.2): a stale tag means 200
    // even when the date alone would say "not modified".
    let r = send(
        s.addr,
        "GET",
        "/Packages",
        &[("If-None-Match", "\"stale\""), ("If-Modified-Since", &lm)],
    );
    assert_eq!(r.status, 200);

    // Rewriting the file (same size, new inode and mtime) changes the tag.
    std::thread::sleep(Duration::from_millis(20));
    let p = root.join("Packages");
    let tmp = root.join(".Packages.new");
    fs_err::write(&tmp, b"Package: hallo\n").unwrap();
    fs_err::rename(&tmp, &p).unwrap();
    let r = send(s.addr, "GET", "/Packages", &[("If-None-Match", &etag)]);
    assert_eq!((r.status, r.text().as_str()), (200, "Package: hallo\n"));
    assert_ne!(r.header("etag"), Some(etag.as_str()));
}

#[test]
fn content_types_follow_the_name() {
    let t = tempfile::tempdir().unwrap();
    let s = start(&fixture(t.path()), false);
    for (path, ty) in [
        ("/hello-1.0-1.noarch.rpm", "application/x-rpm"),
        ("/Packages", "text/plain; charset=utf-8"),
        ("/Release", "text/plain; charset=utf-8"),
        ("/InRelease", "text/plain; charset=utf-8"),
        ("/Packages.gz", "application/gzip"),
        ("/Packages.xz", "application/x-xz"),
        ("/Release.gpg", "application/pgp-signature"),
        ("/repodata/repomd.xml", "application/xml"),
        ("/repodata/repomd.xml.asc", "application/pgp-signature"),
        ("/repodata/abc-primary.xml.zst", "application/zstd"),
        ("/keys/repo-key.public.asc", "application/pgp-keys"),
        ("/gems/rake-13.0.gem", "application/octet-stream"),
        ("/meta.json", "application/json"),
        ("/empty", "application/octet-stream"),
        ("/latest.deb", "application/vnd.debian.binary-package"),
    ] {
        let r = send(s.addr, "HEAD", path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
}

#[test]
fn every_request_is_logged_with_what_was_sent() {
    let t = tempfile::tempdir().unwrap();
    let s = start(&fixture(t.path()), false);
    send(
        s.addr,
        "GET",
        "/hello_1.0-1_all.deb?x=1",
        &[("User-Agent", "omnipack-test/1")],
    );
    send(
        s.addr,
        "GET",
        "/hello_1.0-1_all.deb",
        &[("Range", "bytes=0-9")],
    );
    send(s.addr, "HEAD", "/Packages", &[]);
    get(s.addr, "/%2e%2e/x");
    let log = s.log.clone();
    s.stop().unwrap();
    let log = log.lock().unwrap();
    let lines: Vec<String> = log
        .iter()
        .map(|e| format!("{} {} {} {}", e.method, e.target, e.status, e.bytes))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /hello_1.0-1_all.deb?x=1 200 300000",
            "GET /hello_1.0-1_all.deb 206 10",
            "HEAD /Packages 200 0",
            "GET /%2e%2e/x 400 16",
        ]
    );
    assert_eq!(log[0].user_agent.as_deref(), Some("omnipack-test/1"));
    assert!(log[0].remote.unwrap().ip().is_loopback());
    assert!(
        log[0]
            .to_string()
            .contains("\"GET /hello_1.0-1_all.deb?x=1\" 200 300000 ")
    );
}
