//! A RubyGems source: compact index files get the headers rubygems.org
//! sends (MD5 `ETag`, `Repr-Digest`, `Digest`, text/plain), also on a
//! `Range: bytes=N-` append-fetch of `versions`; the root answers 200.

use base64::Engine as _;
use fs_err as fs;
use md5::Digest as _;

use crate::support::{get, send, start};

const VERSIONS: &[u8] =
    b"created_at: 2026-01-01T00:00:00Z\n---\nalpha 1.0.0 0123456789abcdef0123456789abcdef\n";

fn source(t: &std::path::Path) -> std::path::PathBuf {
    let root = t.join("gemsite");
    fs::create_dir_all(root.join("info")).unwrap();
    fs::create_dir_all(root.join("gems")).unwrap();
    fs::write(root.join("versions"), VERSIONS).unwrap();
    fs::write(root.join("names"), b"---\nalpha\n").unwrap();
    fs::write(root.join("info/alpha"), b"---\n1.0.0 |checksum:00\n").unwrap();
    fs::write(root.join("specs.4.8.gz"), b"gz").unwrap();
    root
}

fn expected(bytes: &[u8]) -> (String, String, String) {
    let md5 = hex(&md5::Md5::digest(bytes));
    let b64 = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes));
    (
        format!("\"{md5}\""),
        format!("sha-256=:{b64}:"),
        format!("sha-256={b64}"),
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn compact_index_files_carry_md5_etags_and_sha256_digests() {
    let t = tempfile::tempdir().unwrap();
    let root = source(t.path());
    let s = start(&root, false);
    for (path, bytes) in [
        ("/versions", VERSIONS),
        ("/names", &b"---\nalpha\n"[..]),
        ("/info/alpha", b"---\n1.0.0 |checksum:00\n"),
    ] {
        let r = get(s.addr, path);
        let (etag, repr, digest) = expected(bytes);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, bytes, "{path}");
        assert_eq!(r.header("etag"), Some(etag.as_str()), "{path}");
        assert_eq!(r.header("repr-digest"), Some(repr.as_str()), "{path}");
        assert_eq!(r.header("digest"), Some(digest.as_str()), "{path}");
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    }
    // Other files of the source are plain static files.
    let g = get(s.addr, "/specs.4.8.gz");
    assert_eq!(g.header("repr-digest"), None);
    assert_ne!(g.header("etag"), Some(expected(b"gz").0.as_str()));

    // Bundler's append-fetch: its copy's MD5 as If-None-Match (304 when
    // current), else the bytes from one before its end (206), with the
    // digests of the whole file.
    let (etag, repr, _) = expected(VERSIONS);
    let r = send(
        s.addr,
        "GET",
        "/versions",
        &[("If-None-Match", &etag), ("Range", "bytes=10-")],
    );
    assert_eq!(r.status, 304);
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let mut grown = VERSIONS.to_vec();
    grown.extend_from_slice(b"alpha 1.1.0 fedcba9876543210fedcba9876543210\n");
    fs::write(root.join("versions.new"), &grown).unwrap();
    fs::rename(root.join("versions.new"), root.join("versions")).unwrap();
    let from = VERSIONS.len() - 1;
    let r = send(
        s.addr,
        "GET",
        "/versions",
        &[
            ("If-None-Match", &etag),
            ("Range", &format!("bytes={from}-")),
        ],
    );
    let (new_etag, new_repr, _) = expected(&grown);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &grown[from..]);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes {from}-{}/{}", grown.len() - 1, grown.len()).as_str())
    );
    assert_eq!(r.header("etag"), Some(new_etag.as_str()));
    assert_eq!(r.header("repr-digest"), Some(new_repr.as_str()));
    assert_ne!(repr, new_repr);

    // The root answers (RubyGems probes it before using info/NAME); a
    // directory that is not a gem source still does not.
    let h = send(s.addr, "HEAD", "/", &[]);
    assert_eq!(h.status, 200);
    assert_eq!(get(s.addr, "/").status, 200);
    assert_eq!(get(s.addr, "/gems/").status, 404);
}
