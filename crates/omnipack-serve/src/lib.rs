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
//! * `Content-Type` from the file name ([`mime`]); files up to 64 KiB are
//!   read whole with their lookup, larger ones streamed in 256 KiB chunks,
//!   never read whole into memory.
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
//! * Bounds on what clients can hold ([`Limits`], [`conn`]): a header
//!   timeout (slowloris), an idle keep-alive timeout, a send timeout, a
//!   connection limit (logged as a [`Notice`] when reached), and a runtime
//!   with a fixed number of worker and blocking threads ([`Server::runtime`]).

#![deny(missing_docs)]

pub mod conn;
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
use std::time::Duration;

use axum::Router;

pub use log::{AccessEntry, AccessLog, Notice};

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
    /// The async runtime could not be built (threads could not be started).
    #[error("cannot start the server's threads")]
    Runtime(#[source] std::io::Error),
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

impl Error {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        use std::io::ErrorKind;
        let Error::Bind { addr, source } = self else {
            return None;
        };
        Some(match source.kind() {
            ErrorKind::AddrInUse => format!(
                "port {} is in use by another program: stop it, or pick another port (`--listen 127.0.0.1:0` takes a free one and prints its URL first on stdout)",
                addr.port()
            ),
            ErrorKind::AddrNotAvailable => format!(
                "`{}` is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
                addr.ip()
            ),
            ErrorKind::PermissionDenied if addr.port() < 1024 => format!(
                "ports below 1024 need root (or CAP_NET_BIND_SERVICE): use a port such as 8080, or `--listen {}:0` for a free one",
                addr.ip()
            ),
            _ => return None,
        })
    }
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
    /// Directories outside the root that symbolic links under the root may
    /// lead into (nginx's `disable_symlinks off` for them): Crowbar's
    /// `/tftpboot/<os>/crowbar-extra/<bc>` links into `/opt/dell/barclamps`.
    /// Hidden names stay refused there too.
    pub link_roots: Vec<PathBuf>,
    /// Receives one [`AccessEntry`] per request and the [`Notice`]s;
    /// `None` logs nothing.
    pub access_log: Option<Arc<dyn AccessLog>>,
    /// Timeouts, the connection limit and thread counts.
    pub limits: Limits,
}

/// What clients may hold and for how long, and how many threads serve them
/// (the rules are in [`conn`]). The defaults suit a repository server that
/// apt, dnf and gem clients reach over any network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a request head may take to arrive in full, from its first
    /// byte (from accept for a connection's first request). Default 10 s:
    /// apt, dnf, gem and curl send a head of a few hundred bytes in one
    /// segment, so this is two orders of magnitude of margin on any real
    /// link, while a slowloris connection is freed 6 times sooner than
    /// under nginx's `client_header_timeout` default of 60 s.
    pub header_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request (and
    /// how long a response may wait for the client to take a byte). Default
    /// 60 s, below nginx's `keepalive_timeout` of 75 s: apt and dnf fetch
    /// their files back to back, so a connection idle for a minute is done.
    pub idle_timeout: Duration,
    /// How many connections may be open at once; beyond it new connections
    /// wait in the listen queue. `None`: [`default_max_connections`] when
    /// the server is bound.
    pub max_connections: Option<usize>,
    /// Threads running the connections (tokio workers). `None`: one per CPU.
    pub worker_threads: Option<usize>,
    /// Threads for file-system calls (tokio's blocking pool: `stat`,
    /// `open`, file reads). Default [`DEFAULT_BLOCKING_THREADS`].
    pub blocking_threads: usize,
}

/// The default [`Limits::blocking_threads`]: page-cached reads need about
/// one thread per CPU; the rest lets files read from a cold disk keep the
/// device's queue busy. tokio's own default is 512.
pub const DEFAULT_BLOCKING_THREADS: usize = 16;

/// The most connections the default limit allows.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The largest accepted [`Limits::max_connections`].
pub const MAX_CONNECTIONS_CAP: u32 = 1 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: None,
            worker_threads: None,
            blocking_threads: DEFAULT_BLOCKING_THREADS,
        }
    }
}

/// Descriptors kept free for everything that is not a connection (the
/// listening socket, stdio, the runtime's own).
const RESERVED_FILES: u64 = 64;

/// The default connection limit: [`DEFAULT_MAX_CONNECTIONS`], or fewer when
/// the process may not open enough files. A connection being answered holds
/// two descriptors (its socket and the file it sends), so the limit is half
/// of the soft `RLIMIT_NOFILE` after a reserve: 480 under the usual soft
/// limit of 1024 (see [`raise_open_file_limit`]).
pub fn default_max_connections() -> usize {
    use rustix::process::{Resource, getrlimit};
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    let fit = soft.saturating_sub(RESERVED_FILES) / 2;
    usize::try_from(fit)
        .unwrap_or(usize::MAX)
        .clamp(1, DEFAULT_MAX_CONNECTIONS)
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit (as Go's
/// runtime does at start) and returns the new soft limit. For a program
/// whose main work is serving; a library caller decides for itself.
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit)?;
    }
    Ok(limit.current.unwrap_or(u64::MAX))
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("root", &self.root)
            .field("listen", &self.listen)
            .field("listing", &self.listing)
            .field("link_roots", &self.link_roots)
            .field("access_log", &self.access_log.is_some())
            .field("limits", &self.limits)
            .finish()
    }
}

impl Config {
    /// Serves `root` on 127.0.0.1:8080, no listing, no access log, the
    /// default [`Limits`].
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            listing: false,
            link_roots: Vec::new(),
            access_log: None,
            limits: Limits::default(),
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
    max_connections: usize,
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
        let mut config = config;
        for dir in &mut config.link_roots {
            // `Error::Root` names the path itself.
            #[allow(clippy::disallowed_methods)]
            let canonical = std::fs::canonicalize(&*dir).map_err(|source| Error::Root {
                path: dir.clone(),
                source,
            })?;
            if !canonical.is_dir() {
                return Err(Error::NotADirectory(dir.clone()));
            }
            *dir = canonical;
        }
        let bind_err = |source| Error::Bind {
            addr: config.listen,
            source,
        };
        let listener = listen(config.listen).map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;
        let max_connections = config
            .limits
            .max_connections
            .unwrap_or_else(default_max_connections)
            .clamp(1, MAX_CONNECTIONS_CAP as usize);
        Ok(Server {
            listener,
            local_addr,
            root,
            config,
            max_connections,
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

    /// The connection limit in force ([`Limits::max_connections`] resolved).
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    /// A tokio runtime sized by the [`Limits`]: `worker_threads` workers and
    /// at most `blocking_threads` blocking threads, so the thread count stays
    /// bounded however many clients connect (tokio's default blocking pool
    /// grows to 512). Run [`Server::run`] on it.
    pub fn runtime(&self) -> Result<tokio::runtime::Runtime, Error> {
        let limits = &self.config.limits;
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(n) = limits.worker_threads {
            builder.worker_threads(n.max(1));
        }
        builder
            .max_blocking_threads(limits.blocking_threads.max(1))
            .thread_name("omnipack-serve")
            .enable_all()
            .build()
            .map_err(Error::Runtime)
    }

    /// The base URL, `http://ADDR/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr)
    }

    /// Serves until `shutdown` completes, then stops accepting connections
    /// and returns when every request in flight has been answered (idle
    /// keep-alive connections are closed). Must run inside a tokio runtime
    /// (best [`Server::runtime`]'s, whose threads are bounded).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let addr = self.local_addr;
        let listener = tokio::net::TcpListener::from_std(self.listener)
            .map_err(|source| Error::Serve { addr, source })?;
        let serving = conn::Serving {
            app: router(self.root, &self.config),
            limits: self.config.limits,
            max_connections: self.max_connections,
            log: self.config.access_log.clone(),
        };
        conn::serve(listener, serving, shutdown).await;
        Ok(())
    }
}

/// The listen queue's length: connections the kernel completes before they
/// are accepted, such as a burst of clients or those waiting for a slot
/// under the connection limit. std's `TcpListener::bind` asks for 128, so a
/// burst of 1 000 connects overflowed it and waited for SYN retransmits
/// (1 s, then 3 s); nginx asks for 511, Go for `somaxconn`. The kernel caps
/// it at `net.core.somaxconn` (4096 by default since Linux 5.4).
const BACKLOG: i32 = 4096;

/// A non-blocking listening socket with [`BACKLOG`] and `SO_REUSEADDR` (as
/// std sets it, so a restart can bind while old connections linger).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType, sockopt};
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = rustix::net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
        None,
    )?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    rustix::net::bind(&fd, &addr)?;
    rustix::net::listen(&fd, BACKLOG)?;
    Ok(TcpListener::from(fd))
}

/// The whole application: one fallback handler (no routes: every path is a
/// file-system lookup), wrapped by the access log when there is one.
fn router(root: PathBuf, config: &Config) -> Router {
    let state = Arc::new(handler::Shared {
        root,
        link_roots: config.link_roots.clone(),
        listing: config.listing,
        digests: gem::DigestCache::default(),
    });
    let app = Router::new().fallback(handler::handle).with_state(state);
    match &config.access_log {
        Some(sink) if sink.wants_entries() => app.layer(axum::middleware::from_fn_with_state(
            Arc::clone(sink),
            log::middleware,
        )),
        _ => app,
    }
}
