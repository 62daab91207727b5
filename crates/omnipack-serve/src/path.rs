//! From a request path to a file under the root, refusing everything that
//! could reach outside it.
//!
//! The path is split on `/` *before* percent-decoding (RFC 3986 §2.4), so an
//! encoded `%2f` can't make a separator. Each decoded segment that is `.` is
//! skipped; one that is `..` (raw or encoded) or holds a `/`, a `\` or a NUL
//! is refused, and so is one that starts with `.` (a hidden file: our
//! indexer writes `.name.tmp` files and renames them into place, and a
//! half-written one must never be served).
//! The joined path is canonicalised (every symlink resolved) and must still
//! be under the canonical root, with no hidden component: a symlink inside the
//! root that points outside it, or at a hidden file, is not followed.
//!
//! A race where a directory inside the root is swapped for a symlink between
//! canonicalising and opening is not defended against: whoever can rename
//! files inside the root controls what is served anyway.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;

/// Why a request path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Malformed or an escape attempt: `..`, an encoded separator, NUL (400).
    BadRequest,
    /// A hidden name (404, like a file that does not exist).
    Hidden,
}

/// The decoded segments of `raw` (the request target's path, still
/// percent-encoded), empty segments dropped.
pub fn segments(raw: &str) -> Result<Vec<OsString>, Refused> {
    if !raw.starts_with('/') {
        return Err(Refused::BadRequest);
    }
    let mut out = Vec::new();
    for seg in raw.split('/') {
        if seg.is_empty() {
            continue;
        }
        let bytes: Vec<u8> = percent_decode_str(seg).collect();
        if bytes == b"." {
            // `./name`: apt asks for `Filename: ./x.deb` of a flat repository
            // joined to its base; `.` names the same directory (RFC 3986 §5.2.4).
            continue;
        }
        if bytes == b".." || bytes.iter().any(|b| matches!(b, b'/' | b'\\' | 0)) {
            return Err(Refused::BadRequest);
        }
        if bytes.first() == Some(&b'.') {
            return Err(Refused::Hidden);
        }
        out.push(OsString::from_vec(bytes));
    }
    Ok(out)
}

/// Whether a canonical `path` is servable: under the canonical `root` with no
/// component (below the root) that starts with `.`.
pub fn within(root: &Path, path: &Path) -> bool {
    match path.strip_prefix(root) {
        Ok(rel) => rel.components().all(|c| match c {
            Component::Normal(name) => !name.as_encoded_bytes().starts_with(b"."),
            _ => false,
        }),
        Err(_) => false,
    }
}

/// The canonical path that `segments` name under the canonical `root`, or
/// `None` when it does not exist or resolves outside the root (and outside
/// every canonical `link_roots` directory) or to a hidden name. Blocking
/// (file-system calls).
pub fn resolve(root: &Path, link_roots: &[PathBuf], segments: &[OsString]) -> Option<PathBuf> {
    let mut p = root.to_path_buf();
    p.extend(segments);
    let canonical = fs_err::canonicalize(&p).ok()?;
    (within(root, &canonical) || link_roots.iter().any(|d| within(d, &canonical)))
        .then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> Vec<String> {
        segments(raw)
            .unwrap()
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn plain_and_encoded_names_decode() {
        assert_eq!(ok("/"), Vec::<String>::new());
        assert_eq!(ok("/a//b/"), ["a", "b"]);
        assert_eq!(ok("/pool/a%20b%2Bc.deb"), ["pool", "a b+c.deb"]);
        assert_eq!(ok("/x..y/a..b"), ["x..y", "a..b"]);
        assert_eq!(ok("/a/./b/%2e/c"), ["a", "b", "c"]);
    }

    // Guards against traversal: every spelling of `..` and of an encoded separator.
    #[test]
    fn escapes_are_bad_requests() {
        for raw in [
            "/../etc/passwd",
            "/a/../../etc",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%2E%2E/x",
            "/.%2e/x",
            "/a%2f..%2f..%2fetc/passwd",
            "/a%2F..",
            "/..%5c..%5cetc",
            "/a%5cb",
            "/a%00b",
            "relative",
        ] {
            assert_eq!(segments(raw), Err(Refused::BadRequest), "{raw}");
        }
    }

    #[test]
    fn hidden_names_are_refused() {
        for raw in [
            "/.git/config",
            "/a/.Packages.tmp",
            "/%2egit",
            "/.well-known/x",
        ] {
            assert_eq!(segments(raw), Err(Refused::Hidden), "{raw}");
        }
    }

    #[test]
    fn within_checks_prefix_and_hidden_components() {
        let root = Path::new("/srv/repo");
        assert!(within(root, Path::new("/srv/repo")));
        assert!(within(root, Path::new("/srv/repo/a/b.deb")));
        assert!(!within(root, Path::new("/srv/repository/a")));
        assert!(!within(root, Path::new("/etc/passwd")));
        assert!(!within(root, Path::new("/srv/repo/.cache/x")));
    }
}
