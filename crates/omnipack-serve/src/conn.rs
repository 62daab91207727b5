//! Connections: the accept loop and what each connection may hold, for how
//! long. hyper speaks HTTP/1.1 on each connection; this module bounds what
//! one client, or many, can tie up ([`Limits`]):
//!
//! * **A connection limit.** Each connection holds a semaphore permit. With
//!   every permit taken the loop stops accepting, so new connections wait in
//!   the kernel's listen queue until one closes (what nginx does when its
//!   `worker_connections` are used up), and a [`Notice::ConnectionLimit`]
//!   goes to the log (at most one per [`NOTICE_EVERY`]).
//! * **A header timeout** (nginx's `client_header_timeout`): a request head
//!   must be complete within [`Limits::header_timeout`] of its first byte,
//!   or of the accept for a connection's first request. A slowloris client
//!   sending one header byte a second is closed when it runs out.
//! * **An idle timeout** (nginx's `keepalive_timeout`): a keep-alive
//!   connection with no request in flight and no byte of the next one is
//!   closed after [`Limits::idle_timeout`].
//! * **A send timeout** (nginx's `send_timeout`, same length as the idle
//!   timeout): a response of which the client takes no byte for
//!   [`Limits::idle_timeout`] is abandoned and the connection closed.
//!
//! hyper's own `header_read_timeout` is not used: its clock starts as soon as
//! a connection waits for its next request, so it would close idle
//! keep-alive connections after the header timeout too. Here one atomic per
//! connection records its phase (idle, reading a head, busy with a request)
//! and when that phase began or last made progress; the connection's task
//! re-reads it after each poll and keeps one timer armed at the deadline.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower_service::Service;

use crate::log::{AccessLog, Notice};
use crate::{Limits, MAX_CONNECTIONS_CAP};

/// The shortest interval between two notices of the same kind.
pub const NOTICE_EVERY: Duration = Duration::from_secs(10);

/// What the accept loop needs.
pub(crate) struct Serving {
    pub app: Router,
    pub limits: Limits,
    /// [`Limits::max_connections`], resolved.
    pub max_connections: usize,
    pub log: Option<Arc<dyn AccessLog>>,
}

/// Accepts until `shutdown` completes, then stops accepting, closes idle
/// connections, lets requests in flight finish and returns when every
/// connection has closed.
pub(crate) async fn serve(
    listener: TcpListener,
    serving: Serving,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let max = serving
        .max_connections
        .clamp(1, MAX_CONNECTIONS_CAP as usize);
    let slots = Arc::new(Semaphore::new(max));
    let stop = CancellationToken::new();
    let mut shutdown = pin!(shutdown);
    let mut builder = http1::Builder::new();
    // Our own timeouts (module docs); hyper's would also close idle
    // connections at the header timeout.
    builder.header_read_timeout(None);
    let mut limit_notice = Throttle::default();
    let mut accept_notice = Throttle::default();
    loop {
        let permit = match Arc::clone(&slots).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                limit_notice.notice(&serving.log, || Notice::ConnectionLimit { limit: max });
                tokio::select! {
                    p = Arc::clone(&slots).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (tcp, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(error) => {
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or the
                    // machine is out of something; connections that close
                    // give it back, so wait a little and retry (hyper 0.14's
                    // `sleep_on_errors`).
                    accept_notice.notice(&serving.log, || Notice::AcceptFailed { error });
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(200)) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        // TCP_NODELAY on every connection: a response goes out as hyper
        // writes it (head, then body), not held back by Nagle's algorithm
        // waiting for the client's delayed ACK (about 40 ms per small
        // response on one keep-alive connection otherwise).
        let _ = tcp.set_nodelay(true);
        tokio::spawn(connection(
            tcp,
            remote,
            serving.app.clone(),
            builder.clone(),
            serving.limits,
            stop.clone(),
            permit,
        ));
    }
    drop(listener);
    stop.cancel();
    // Every connection returns its permit when it closes.
    let _ = slots.acquire_many(max as u32).await;
}

/// The peer went away between SYN and accept: nothing to report.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// At most one notice of a kind per [`NOTICE_EVERY`].
#[derive(Default)]
struct Throttle {
    last: Option<Instant>,
}

impl Throttle {
    fn notice(&mut self, log: &Option<Arc<dyn AccessLog>>, make: impl FnOnce() -> Notice) {
        let Some(log) = log else { return };
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < NOTICE_EVERY) {
            return;
        }
        self.last = Some(now);
        log.notice(&make());
    }
}

/// Serves one connection until it closes, times out or the server stops.
async fn connection(
    tcp: TcpStream,
    remote: SocketAddr,
    app: Router,
    builder: http1::Builder,
    limits: Limits,
    stop: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    let watch = Arc::new(Watch::new());
    let io = TokioIo::new(Watched {
        tcp,
        watch: Arc::clone(&watch),
    });
    let on_request = Arc::clone(&watch);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        on_request.busy();
        let watch = Arc::clone(&on_request);
        let mut app = app.clone();
        let response = app.call(req);
        async move {
            let response = response.await?;
            Ok::<_, Infallible>(response.map(|inner| Tracked { inner, watch }))
        }
    });
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut stopping = pin!(stop.cancelled_owned());
    let mut draining = false;
    let mut armed = watch.deadline(&limits);
    let mut timer: Pin<&mut Sleep> = pin!(tokio::time::sleep_until(armed));
    poll_fn(|cx: &mut Context<'_>| {
        if !draining && stopping.as_mut().poll(cx).is_ready() {
            draining = true;
            if !watch.is_busy() {
                // Idle or part of a head: nothing to finish.
                return Poll::Ready(());
            }
            conn.as_mut().graceful_shutdown();
        }
        if conn.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        loop {
            let deadline = watch.deadline(&limits);
            if deadline < armed {
                // A head began: its deadline is nearer than the idle one.
                armed = deadline;
                timer.as_mut().reset(armed);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if Instant::now() >= deadline {
                // Dropping the connection closes the socket.
                return Poll::Ready(());
            }
            // Progress since the timer was armed: wait for the new deadline.
            armed = deadline;
            timer.as_mut().reset(armed);
        }
    })
    .await;
}

/// A connection's phase and when it began (or last made progress), in one
/// atomic: the phase in the low 2 bits, milliseconds since accept above.
struct Watch {
    accepted: Instant,
    state: AtomicU64,
}

/// No request in flight and no byte of the next one.
const IDLE: u64 = 0;
/// Part of a request head has arrived.
const HEAD: u64 = 1;
/// A request is being answered (from the handler's call to the end of the
/// response body).
const BUSY: u64 = 2;

impl Watch {
    /// A new connection waits for its first head: the header timeout runs
    /// from accept (a connection that never sends anything is closed then).
    fn new() -> Watch {
        Watch {
            accepted: Instant::now(),
            state: AtomicU64::new(HEAD),
        }
    }

    fn set(&self, phase: u64) {
        let ms = u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX >> 2);
        self.state.store(phase | (ms << 2), Ordering::Relaxed);
    }

    fn phase(&self) -> u64 {
        self.state.load(Ordering::Relaxed) & 3
    }

    fn is_busy(&self) -> bool {
        self.phase() == BUSY
    }

    /// Bytes arrived: the first byte of a head starts its clock.
    fn read_progress(&self) {
        if self.phase() == IDLE {
            self.set(HEAD);
        }
    }

    /// Bytes left: a busy connection's send timeout starts again.
    fn write_progress(&self) {
        if self.phase() == BUSY {
            self.set(BUSY);
        }
    }

    fn busy(&self) {
        self.set(BUSY);
    }

    fn idle(&self) {
        self.set(IDLE);
    }

    /// When the current phase runs out.
    fn deadline(&self, limits: &Limits) -> Instant {
        let state = self.state.load(Ordering::Relaxed);
        let since = self.accepted + Duration::from_millis(state >> 2);
        since
            + match state & 3 {
                HEAD => limits.header_timeout,
                _ => limits.idle_timeout,
            }
    }
}

/// The socket, telling the connection's [`Watch`] about progress.
struct Watched {
    tcp: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.read_progress();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.tcp).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.write_progress();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.write_progress();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// A response body that marks its connection idle when hyper is done with
/// it (sent in full, or dropped on error).
struct Tracked {
    inner: Body,
    watch: Arc<Watch>,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.watch.idle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            ..Limits::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn phases_pick_their_timeout() {
        let w = Watch::new();
        let l = limits();
        assert_eq!(w.deadline(&l), w.accepted + l.header_timeout);
        w.busy();
        tokio::time::advance(Duration::from_secs(5)).await;
        w.write_progress();
        assert_eq!(
            w.deadline(&l),
            w.accepted + Duration::from_secs(5) + l.idle_timeout
        );
        w.idle();
        tokio::time::advance(Duration::from_secs(30)).await;
        // Writes while idle (none happen) would not extend it; reads start a head.
        w.write_progress();
        assert_eq!(
            w.deadline(&l),
            w.accepted + Duration::from_secs(5) + l.idle_timeout
        );
        w.read_progress();
        assert_eq!(
            w.deadline(&l),
            w.accepted + Duration::from_secs(35) + l.header_timeout
        );
        // More bytes of the same head do not extend it.
        tokio::time::advance(Duration::from_secs(1)).await;
        w.read_progress();
        assert_eq!(
            w.deadline(&l),
            w.accepted + Duration::from_secs(35) + l.header_timeout
        );
    }
}
