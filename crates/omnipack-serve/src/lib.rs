//! The HTTP server for a repository tree (`omnipack serve`): what apt-get,
//! dnf/yum, gem and curl need from a static file server, and nothing outside
//! its root.
//!
//! * `GET` and `HEAD` (anything else: 405 with `Allow`).
//! * Single byte ranges (RFC 9110 §14): `bytes=a-b`, `a-`, `-n` → 206 with
//!   `Content-Range`; unsatisfiable → 416 with `Content-Range: bytes */len`; a
//!   multi-range or malformed `Range` is ignored (the whole file, 200), as
//!   §14.2 allows. `If-Range` (an entity tag or a date) is honoured.
//! * Validators (RFC 9110 §8.8, §13): a strong `ETag` made of size, mtime in
//!   nanoseconds and inode; `Last-Modified`; `If-None-Match` → 304, else
//!   `If-Modified-Since` → 304 (§13.2.2: If-None-Match takes precedence).
//! * `Content-Type` from the file name ([`mime`]); files are streamed in 64 KiB
//!   chunks, never read whole into memory.
//! * Paths: percent-decoded per segment; `.` segments skipped (apt asks for
//!   `BASE/./x.deb`); `..`, an encoded `/` or `\`, or NUL in a segment → 400.
//!   A name starting with `.` (our indexer's partial writes, caches, `.git`)
//!   → 404. Every path is canonicalised and must stay under the canonical
//!   root, so a symlink out of the root → 404; symlinks that stay inside are
//!   followed ([`path`]).
//! * Directories: `index.html` if present, else an HTML listing when
//!   [`Config::listing`] is on ([`listing`]), else 404 (not 403: the answer is
//!   the same as for a path that does not exist, so nothing is disclosed).
//!   A directory URL without its trailing slash, when it would be served, gets
//!   a 301 to the slash form so relative links resolve.
//! * A RubyGems source ([`gem`]): compact index files get an MD5 `ETag`,
//!   `Repr-Digest` and `Digest` (SHA-256) and `text/plain`, as rubygems.org
//!   sends them; the source's root answers 200 so RubyGems uses the
//!   compact index.
//! * An access log line per request through the [`AccessLog`] trait (this
//!   crate never prints), and graceful shutdown: [`Server::run`] takes a
//!   future; when it completes the server stops accepting and returns once
//!   the requests in flight have finished.

#![deny(missing_docs)]

pub mod gem;
pub mod listing;
pub mod log;
pub mod mime;
pub mod path;
pub mod range;

mod handler;

use std::fmt;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::serve::ListenerExt;

pub use log::{AccessEntry, AccessLog};

/// What went wrong starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root does not exist or cannot be resolved.
    #[error("cannot serve `{path}`")]
    Root {
        /// The root as given.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The root is not a directory.
    #[error("cannot serve `{0}`: not a directory")]
    NotADirectory(PathBuf),
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on `{addr}`")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The listening socket failed while serving.
    #[error("serving on `{addr}` failed")]
    Serve {
        /// The bound address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What to serve and how.
#[derive(Clone)]
pub struct Config {
    /// The directory to serve; nothing outside it is reachable.
    pub root: PathBuf,
    /// Where to listen; port 0 picks a free port (see [`Server::local_addr`]).
    pub listen: SocketAddr,
    /// HTML listings for directories without `index.html` (off: 404).
    pub listing: bool,
    /// Receives one [`AccessEntry`] per request; `None` logs nothing.
    pub access_log: Option<Arc<dyn AccessLog>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("root", &self.root)
            .field("listen", &self.listen)
            .field("listing", &self.listing)
            .field("access_log", &self.access_log.is_some())
            .finish()
    }
}

impl Config {
    /// Serves `root` on 127.0.0.1:8080, no listing, no access log.
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            listing: false,
            access_log: None,
        }
    }
}

/// A bound server: the socket is listening (connections queue) from
/// [`Server::bind`] on; [`Server::run`] serves them.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    root: PathBuf,
    config: Config,
}

impl Server {
    /// Checks the root (it must be a directory) and binds the address. Needs
    /// no async runtime, so a test can bind, read [`Server::local_addr`], then
    /// run the server on a thread.
    pub fn bind(config: Config) -> Result<Server, Error> {
        // `Error::Root` names the path itself.
        #[allow(clippy::disallowed_methods)]
        let root = std::fs::canonicalize(&config.root).map_err(|source| Error::Root {
            path: config.root.clone(),
            source,
        })?;
        if !root.is_dir() {
            return Err(Error::NotADirectory(config.root.clone()));
        }
        let bind_err = |source| Error::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).map_err(bind_err)?;
        listener.set_nonblocking(true).map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;
        Ok(Server {
            listener,
            local_addr,
            root,
            config,
        })
    }

    /// The address actually bound (the port chosen when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The canonical root being served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The base URL, `http://ADDR/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr)
    }

    /// Serves until `shutdown` completes, then stops accepting connections
    /// and returns when every request in flight has been answered (idle
    /// keep-alive connections are closed). Must run inside a tokio runtime.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let addr = self.local_addr;
        let serve_err = |source| Error::Serve { addr, source };
        // TCP_NODELAY on every connection: a response goes out as hyper
        // writes it (head, then body), not held back by Nagle's algorithm
        // waiting for the client's delayed ACK (about 40 ms per small
        // response on one keep-alive connection otherwise).
        let listener = tokio::net::TcpListener::from_std(self.listener)
            .map_err(serve_err)?
            .tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
        let app = router(self.root, &self.config);
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(serve_err)
    }
}

/// The whole application: one fallback handler (no routes: every path is a
/// file-system lookup), wrapped by the access log when there is one.
fn router(root: PathBuf, config: &Config) -> Router {
    let state = Arc::new(handler::Shared {
        root,
        listing: config.listing,
        digests: gem::DigestCache::default(),
    });
    let app = Router::new().fallback(handler::handle).with_state(state);
    match &config.access_log {
        Some(sink) => app.layer(axum::middleware::from_fn_with_state(
            Arc::clone(sink),
            log::middleware,
        )),
        None => app,
    }
}
