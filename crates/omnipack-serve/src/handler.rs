//! The one request handler: path → file, directory or refusal; then
//! preconditions, range and a streamed body.

use std::ffi::OsString;
use std::fs::Metadata;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_RANGES, ALLOW, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderMap, HeaderName,
    HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, LAST_MODIFIED, LOCATION, RANGE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tokio::task::JoinHandle;

use crate::path::{self, Refused};
use crate::range::{self, Ranged, Validators};
use crate::{gem, listing, mime};

/// Read size for file bodies larger than [`SMALL_FILE`]: each read is one
/// trip through the blocking pool, so fewer, larger reads; 256 KiB doubled
/// 1 MiB files' requests/s against 64 KiB. A connection holds at most one
/// chunk being read and the ones hyper is writing.
const CHUNK: u64 = 256 * 1024;

/// Files up to this size are read whole right after their lookup, on the
/// connection's thread, and sent from memory: no trip through the blocking
/// pool at all. apt and dnf indexes, signatures and many packages fit.
const SMALL_FILE: u64 = 64 * 1024;

/// What every request shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The canonical root.
    pub root: PathBuf,
    /// Canonical directories links under the root may lead into.
    pub link_roots: Vec<PathBuf>,
    /// Whether directories without index.html are listed.
    pub listing: bool,
    /// Digests of gem compact index files.
    pub digests: gem::DigestCache,
}

/// What a path turned out to be.
enum Found {
    File {
        file: fs_err::File,
        meta: Box<Metadata>,
        name: String,
        /// For a gem compact index file: its digests.
        gem: Option<gem::Digests>,
        /// The whole content of a small file ([`SMALL_FILE`]), read with the lookup.
        content: Option<Bytes>,
    },
    Listing(String),
    /// The root of a gem source, without index.html or listing.
    GemRoot,
    /// A directory asked for without its trailing slash.
    Redirect,
    Status(StatusCode),
}

/// Serves one request.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        let mut r = status(StatusCode::METHOD_NOT_ALLOWED, false);
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let raw = req.uri().path().to_owned();
    let segments = match path::segments(&raw) {
        Ok(s) => s,
        Err(Refused::BadRequest) => return status(StatusCode::BAD_REQUEST, head),
        Err(Refused::Hidden) => return status(StatusCode::NOT_FOUND, head),
    };
    let slash = raw.ends_with('/');
    // A plain file is looked up (and, when small, read) right here: on a
    // page-cached tree that is a few microseconds of `stat`/`open`/`read`,
    // as nginx does in its event loop, and a trip through the blocking pool
    // (two thread wake-ups) cost more than the work: 1.1 KB files at one
    // connection went from about 6 000 to 11 000 requests/s. Directories
    // (listings) and gem compact index files (digests of the whole file)
    // can take milliseconds, so they go to the blocking pool.
    let found = match lookup(&shared, &segments, slash, Work::Quick) {
        Some(found) => Ok(found),
        None => {
            tokio::task::spawn_blocking(move || {
                lookup(&shared, &segments, slash, Work::Any)
                    .unwrap_or(Found::Status(StatusCode::INTERNAL_SERVER_ERROR))
            })
            .await
        }
    };
    let found = found.map(|mut found| {
        if !head {
            read_small(&mut found);
        }
        found
    });
    match found {
        Ok(Found::File {
            file,
            meta,
            name,
            gem,
            content,
        }) => file_response(
            req.headers(),
            head,
            (file, content),
            &meta,
            &name,
            gem.as_ref(),
        ),
        Ok(Found::GemRoot) => {
            let body = if head {
                Body::empty()
            } else {
                Body::from(gem::ROOT_TEXT)
            };
            with_headers(
                StatusCode::OK,
                body,
                &[
                    (CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                    (CONTENT_LENGTH, gem::ROOT_TEXT.len().to_string()),
                ],
            )
        }
        Ok(Found::Listing(html)) => {
            let len = html.len();
            let body = if head {
                Body::empty()
            } else {
                Body::from(html)
            };
            with_headers(
                StatusCode::OK,
                body,
                &[
                    (CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                    (CONTENT_LENGTH, len.to_string()),
                ],
            )
        }
        Ok(Found::Redirect) => {
            let mut r = status(StatusCode::MOVED_PERMANENTLY, head);
            if let Ok(v) = HeaderValue::from_str(&format!("{raw}/")) {
                r.headers_mut().insert(LOCATION, v);
            }
            r
        }
        Ok(Found::Status(code)) => status(code, head),
        Err(_) => status(StatusCode::INTERNAL_SERVER_ERROR, head),
    }
}

/// How much work a lookup may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Only what is quick on a page-cached tree: resolving, `stat`, `open`.
    /// Anything more (a listing, a gem digest) → `None`.
    Quick,
    /// Everything (on a blocking thread).
    Any,
}

/// Resolves the request on the file system (blocking); `None` when it
/// needs more than `work` allows.
fn lookup(shared: &Shared, segments: &[OsString], slash: bool, work: Work) -> Option<Found> {
    let root = &shared.root;
    let Some(target) = path::resolve(root, &shared.link_roots, segments) else {
        return Some(Found::Status(StatusCode::NOT_FOUND));
    };
    let Ok(meta) = fs_err::metadata(&target) else {
        return Some(Found::Status(StatusCode::NOT_FOUND));
    };
    if meta.is_file() && work == Work::Quick && !slash && gem::is_compact_index(&target) {
        return None;
    }
    if meta.is_dir() && work == Work::Quick {
        return None;
    }
    Some(lookup_found(shared, segments, slash, &target, &meta))
}

/// [`lookup`] once the target is resolved.
fn lookup_found(
    shared: &Shared,
    segments: &[OsString],
    slash: bool,
    target: &Path,
    meta: &Metadata,
) -> Found {
    let root = &shared.root;
    if meta.is_file() {
        if slash {
            return Found::Status(StatusCode::NOT_FOUND);
        }
        let name = segments
            .last()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut found = open(target, name);
        if let Found::File {
            file, meta, gem, ..
        } = &mut found
            && gem::is_compact_index(target)
        {
            let key = Validators::of(meta).etag;
            match shared.digests.get(target, &key, file) {
                Ok(d) => *gem = Some(d),
                Err(e) => return Found::Status(io_status(&e)),
            }
            if file.seek(SeekFrom::Start(0)).is_err() {
                return Found::Status(StatusCode::INTERNAL_SERVER_ERROR);
            }
        }
        return found;
    }
    if !meta.is_dir() {
        // FIFOs, sockets, devices: never opened.
        return Found::Status(StatusCode::NOT_FOUND);
    }
    let index = fs_err::canonicalize(target.join("index.html"))
        .ok()
        .filter(|p| path::within(root, p) && p.is_file());
    let gem_root = index.is_none() && !shared.listing && gem::is_source(target);
    if index.is_none() && !shared.listing && !gem_root {
        return Found::Status(StatusCode::NOT_FOUND);
    }
    if !slash && !segments.is_empty() {
        return Found::Redirect;
    }
    if let Some(index) = index {
        return open(&index, "index.html".to_owned());
    }
    if gem_root {
        return Found::GemRoot;
    }
    let mut shown = String::from("/");
    for s in segments {
        shown.push_str(&s.to_string_lossy());
        shown.push('/');
    }
    match listing::render(root, target, &shown) {
        Ok(html) => Found::Listing(html),
        Err(e) => Found::Status(io_status(&e)),
    }
}

/// Reads a small file whole ([`SMALL_FILE`]). If it is not the size its
/// metadata said (rewritten in place meanwhile), it is streamed instead, as
/// before.
fn read_small(found: &mut Found) {
    let Found::File {
        file,
        meta,
        content,
        ..
    } = found
    else {
        return;
    };
    let len = meta.len();
    if len == 0 || len > SMALL_FILE {
        return;
    }
    let mut buf = Vec::with_capacity(len as usize);
    let read = Read::by_ref(file).take(len + 1).read_to_end(&mut buf);
    match read {
        Ok(n) if n as u64 == len => *content = Some(Bytes::from(buf)),
        _ => {
            let _ = file.seek(SeekFrom::Start(0));
        }
    }
}

fn open(path: &Path, name: String) -> Found {
    let file = match fs_err::File::open(path) {
        Ok(f) => f,
        Err(e) => return Found::Status(io_status(&e)),
    };
    match file.metadata() {
        Ok(meta) if meta.is_file() => Found::File {
            file,
            meta: Box::new(meta),
            name,
            gem: None,
            content: None,
        },
        Ok(_) => Found::Status(StatusCode::NOT_FOUND),
        Err(e) => Found::Status(io_status(&e)),
    }
}

fn io_status(e: &std::io::Error) -> StatusCode {
    match e.kind() {
        std::io::ErrorKind::NotFound => StatusCode::NOT_FOUND,
        std::io::ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn header<'a>(h: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// 200, 206, 304 or 416 for an open file.
fn file_response(
    req: &HeaderMap,
    head: bool,
    (mut file, content): (fs_err::File, Option<Bytes>),
    meta: &Metadata,
    name: &str,
    gem: Option<&gem::Digests>,
) -> Response {
    let mut v = Validators::of(meta);
    if let Some(d) = gem {
        v.etag = d.etag();
    }
    let len = meta.len();
    let validators = [(ETAG, v.etag.clone()), (LAST_MODIFIED, v.last_modified())];
    if v.not_modified(header(req, &IF_NONE_MATCH), header(req, &IF_MODIFIED_SINCE)) {
        return with_headers(StatusCode::NOT_MODIFIED, Body::empty(), &validators);
    }
    // Range is defined for GET only (RFC 9110 §14.2); HEAD gets the 200 headers.
    let ranged = match header(req, &RANGE) {
        Some(r) if !head && v.if_range_holds(header(req, &IF_RANGE)) => range::parse(r, len),
        _ => Ranged::Whole,
    };
    let (code, start, count, content_range) = match ranged {
        Ranged::Whole => (StatusCode::OK, 0, len, None),
        Ranged::Part { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end - start + 1,
            Some(format!("bytes {start}-{end}/{len}")),
        ),
        Ranged::Unsatisfiable => {
            return with_headers(
                StatusCode::RANGE_NOT_SATISFIABLE,
                Body::empty(),
                &[
                    (CONTENT_RANGE, format!("bytes */{len}")),
                    (ACCEPT_RANGES, "bytes".to_owned()),
                    (CONTENT_LENGTH, "0".to_owned()),
                ],
            );
        }
    };
    let content_type = match gem {
        Some(_) => "text/plain; charset=utf-8",
        None => mime::content_type(name),
    };
    let mut headers = vec![
        (CONTENT_TYPE, content_type.to_owned()),
        (CONTENT_LENGTH, count.to_string()),
        (ACCEPT_RANGES, "bytes".to_owned()),
    ];
    headers.extend(validators);
    headers.extend(content_range.map(|c| (CONTENT_RANGE, c)));
    if let Some(d) = gem {
        headers.push((HeaderName::from_static("repr-digest"), d.repr_digest()));
        headers.push((HeaderName::from_static("digest"), d.digest()));
    }
    let body = if head || count == 0 {
        Body::empty()
    } else if let Some(bytes) = content {
        // start + count <= len == bytes.len() (range::parse and read_small).
        Body::from(bytes.slice(start as usize..(start + count) as usize))
    } else {
        if start > 0 && file.seek(SeekFrom::Start(start)).is_err() {
            return status(StatusCode::INTERNAL_SERVER_ERROR, head);
        }
        Body::new(FileBody {
            file: Some(file),
            reading: None,
            remaining: count,
        })
    };
    with_headers(code, body, &headers)
}

fn with_headers(code: StatusCode, body: Body, headers: &[(HeaderName, String)]) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = code;
    let h = r.headers_mut();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name.clone(), v);
        }
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

/// A short text response with `code`'s reason phrase.
fn status(code: StatusCode, head: bool) -> Response {
    let text = format!(
        "{} {}\n",
        code.as_u16(),
        code.canonical_reason().unwrap_or("")
    );
    let len = text.len().to_string();
    let body = if head {
        Body::empty()
    } else {
        Body::from(text)
    };
    with_headers(
        code,
        body,
        &[
            (CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (CONTENT_LENGTH, len),
        ],
    )
}

/// A file's bytes from its current offset, read in [`CHUNK`]s on the
/// blocking pool straight into the buffers hyper writes (one copy), with an
/// exact length hint so hyper writes `Content-Length` (and fails the
/// connection if the file shrinks meanwhile).
struct FileBody {
    /// `None` while a read has it.
    file: Option<fs_err::File>,
    reading: Option<JoinHandle<(fs_err::File, std::io::Result<Vec<u8>>)>>,
    remaining: u64,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.reading.is_none() {
            if self.remaining == 0 {
                return Poll::Ready(None);
            }
            let Some(file) = self.file.take() else {
                return Poll::Ready(None);
            };
            let want = self.remaining.min(CHUNK);
            self.reading = Some(tokio::task::spawn_blocking(move || {
                let mut buf = Vec::with_capacity(want as usize);
                let read = (&file).take(want).read_to_end(&mut buf);
                (file, read.map(|_| buf))
            }));
        }
        let Some(reading) = self.reading.as_mut() else {
            return Poll::Ready(None);
        };
        let joined = ready!(Pin::new(reading).poll(cx));
        self.reading = None;
        let (file, read) = joined.map_err(std::io::Error::other)?;
        self.file = Some(file);
        let buf = read?;
        if buf.is_empty() {
            return Poll::Ready(Some(Err(std::io::ErrorKind::UnexpectedEof.into())));
        }
        self.remaining = self.remaining.saturating_sub(buf.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
