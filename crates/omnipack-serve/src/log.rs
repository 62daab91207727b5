//! The access log: one [`AccessEntry`] per request, handed to an
//! [`AccessLog`] the caller provides (the CLI prints it to stderr; this crate
//! never prints). The entry is made when the response body is finished or
//! dropped, so `bytes` is what was sent and `duration` covers the transfer.
//! The same sink receives the server's rare [`Notice`]s (a limit reached).

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// Receives one entry per request, and the server's notices. Called from
/// the server's threads.
pub trait AccessLog: Send + Sync + 'static {
    /// Records one finished request.
    fn log(&self, entry: &AccessEntry);

    /// Records something the operator should know about the server itself,
    /// such as its connection limit being reached. Rare: at most one of a
    /// kind per [`crate::conn::NOTICE_EVERY`]. Ignored unless implemented.
    fn notice(&self, notice: &Notice) {
        let _ = notice;
    }

    /// Whether [`AccessLog::log`] wants entries at all; `false` (a sink for
    /// notices only) leaves the per-request bookkeeping out.
    fn wants_entries(&self) -> bool {
        true
    }
}

/// Something about the server rather than one request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// Every connection slot is taken: new connections wait in the listen
    /// queue until one closes.
    ConnectionLimit {
        /// The limit ([`crate::Limits::max_connections`]).
        limit: usize,
    },
    /// Accepting a connection failed for want of a resource (open files,
    /// memory); retried shortly.
    AcceptFailed {
        /// Why.
        error: std::io::Error,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::ConnectionLimit { limit } => write!(
                f,
                "connection limit reached ({limit} open): new connections wait until one closes"
            ),
            Notice::AcceptFailed { error } => {
                write!(f, "cannot accept connections ({error}): retrying")
            }
        }
    }
}

impl<F: Fn(&AccessEntry) + Send + Sync + 'static> AccessLog for F {
    fn log(&self, entry: &AccessEntry) {
        self(entry)
    }
}

/// One request, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    /// The client's address (`None` when served without connection info).
    pub remote: Option<SocketAddr>,
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target as received (path and query, still percent-encoded).
    pub target: String,
    /// The response status code.
    pub status: u16,
    /// Body bytes sent.
    pub bytes: u64,
    /// From the request's arrival to the end of its response body.
    pub duration: Duration,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
}

/// `127.0.0.1:40112 "GET /repo/InRelease" 200 2301 1.2ms "Debian APT-HTTP/1.3 (2.6.1)"`:
/// the target is printable ASCII (HTTP/1 allows nothing else there); the
/// user agent is escaped.
impl fmt::Display for AccessEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.remote {
            Some(r) => write!(f, "{r}")?,
            None => f.write_str("-")?,
        }
        write!(
            f,
            " \"{} {}\" {} {} {:.1}ms \"{}\"",
            self.method,
            self.target,
            self.status,
            self.bytes,
            self.duration.as_secs_f64() * 1000.0,
            self.user_agent.as_deref().unwrap_or("-").escape_debug()
        )
    }
}

/// axum middleware: notes the request, wraps the response body so the entry
/// is logged when the body ends.
pub(crate) async fn middleware(
    State(sink): State<Arc<dyn AccessLog>>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let remote = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let user_agent = req
        .headers()
        .get(USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let response = next.run(req).await;
    let entry = AccessEntry {
        remote,
        method,
        target,
        status: response.status().as_u16(),
        bytes: 0,
        duration: Duration::ZERO,
        user_agent,
    };
    response.map(|inner| {
        Body::new(Logged {
            inner,
            entry: Some(entry),
            start,
            sink,
        })
    })
}

/// A response body that counts what passes through and logs on drop.
struct Logged {
    inner: Body,
    entry: Option<AccessEntry>,
    start: Instant,
    sink: Arc<dyn AccessLog>,
}

impl http_body::Body for Logged {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
            && let Some(e) = self.entry.as_mut()
        {
            e.bytes += data.len() as u64;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        if let Some(mut e) = self.entry.take() {
            e.duration = self.start.elapsed();
            self.sink.log(&e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_format_on_one_line() {
        let e = AccessEntry {
            remote: Some(SocketAddr::from(([127, 0, 0, 1], 40112))),
            method: "GET".into(),
            target: "/a%20b/InRelease".into(),
            status: 200,
            bytes: 2301,
            duration: Duration::from_micros(1250),
            user_agent: Some("evil\"\nagent".into()),
        };
        assert_eq!(
            e.to_string(),
            "127.0.0.1:40112 \"GET /a%20b/InRelease\" 200 2301 1.2ms \"evil\\\"\\nagent\""
        );
    }
}
