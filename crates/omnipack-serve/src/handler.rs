//! The one request handler: path → file, directory or refusal; then
//! preconditions, range and a streamed body.

use std::ffi::OsString;
use std::fs::Metadata;
use std::io::{Seek, SeekFrom};
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
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

use crate::path::{self, Refused};
use crate::range::{self, Ranged, Validators};
use crate::{gem, listing, mime};

/// Read size for file bodies.
const CHUNK: usize = 64 * 1024;

/// What every request shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The canonical root.
    pub root: PathBuf,
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
    let found = tokio::task::spawn_blocking(move || lookup(&shared, &segments, slash)).await;
    match found {
        Ok(Found::File {
            file,
            meta,
            name,
            gem,
        }) => file_response(req.headers(), head, file, &meta, &name, gem.as_ref()),
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

/// Resolves the request on the file system (blocking).
fn lookup(shared: &Shared, segments: &[OsString], slash: bool) -> Found {
    let root = &shared.root;
    let Some(target) = path::resolve(root, segments) else {
        return Found::Status(StatusCode::NOT_FOUND);
    };
    let Ok(meta) = fs_err::metadata(&target) else {
        return Found::Status(StatusCode::NOT_FOUND);
    };
    if meta.is_file() {
        if slash {
            return Found::Status(StatusCode::NOT_FOUND);
        }
        let name = segments
            .last()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut found = open(&target, name);
        if let Found::File {
            file, meta, gem, ..
        } = &mut found
            && gem::is_compact_index(&target)
        {
            let key = Validators::of(meta).etag;
            match shared.digests.get(&target, &key, file) {
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
    let gem_root = index.is_none() && !shared.listing && gem::is_source(&target);
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
    match listing::render(root, &target, &shown) {
        Ok(html) => Found::Listing(html),
        Err(e) => Found::Status(io_status(&e)),
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
    mut file: fs_err::File,
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
    } else {
        if start > 0 && file.seek(SeekFrom::Start(start)).is_err() {
            return status(StatusCode::INTERNAL_SERVER_ERROR, head);
        }
        let reader = TokioFile::from_std(file.into_file()).take(count);
        Body::new(FileBody {
            stream: ReaderStream::with_capacity(reader, CHUNK),
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

/// tokio's view of a file already opened through `fs_err` (whose errors
/// named the path); only its reads happen through this type.
#[allow(clippy::disallowed_types)]
type TokioFile = tokio::fs::File;

/// A file's bytes, streamed, with an exact length hint so hyper writes
/// `Content-Length` (and fails the connection if the file shrinks meanwhile).
struct FileBody {
    stream: ReaderStream<tokio::io::Take<TokioFile>>,
    remaining: u64,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let next = ready!(Pin::new(&mut self.stream).poll_next(cx));
        Poll::Ready(match next {
            Some(Ok(bytes)) => {
                self.remaining = self.remaining.saturating_sub(bytes.len() as u64);
                Some(Ok(Frame::data(bytes)))
            }
            Some(Err(e)) => Some(Err(e)),
            None => None,
        })
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
