//! `omnipack serve ROOT`: arguments → `omnipack_serve::Server`, the base URL
//! on stdout (first line, for scripts), access log, notices and status on
//! stderr, SIGINT/SIGTERM → graceful shutdown.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use omnipack_serve::{AccessEntry, AccessLog, Config, Notice, Server};
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::ServeArgs;

/// Lines the log thread may be behind by before new ones are dropped.
const QUEUE: usize = 8192;

/// The access log (unless --quiet) and the server's notices, on stderr,
/// written by a thread of their own so a request never waits for stderr
/// (an unbuffered `eprintln!` of an entry is a dozen `write`s on the
/// request's thread). Lines queue up to [`QUEUE`]; beyond that they are
/// dropped, counted, and the count reported once the queue drains.
struct Stderr {
    entries: bool,
    lines: SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

/// The log thread; [`LogThread::finish`] writes what is queued and stops it.
struct LogThread {
    closed: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Stderr {
    fn start(entries: bool) -> Result<(Stderr, LogThread)> {
        let (lines, rx) = sync_channel::<String>(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let closed = Arc::new(AtomicBool::new(false));
        let (d, c) = (Arc::clone(&dropped), Arc::clone(&closed));
        let thread = std::thread::Builder::new()
            .name("omnipack-log".into())
            .spawn(move || write_lines(&rx, &d, &c))
            .context("cannot start the log thread")?;
        Ok((
            Stderr {
                entries,
                lines,
                dropped,
            },
            LogThread { closed, thread },
        ))
    }

    fn send(&self, line: String) {
        if self.lines.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Writes queued lines through one buffer, flushed whenever the queue is
/// empty; returns once `closed` is set and the queue is drained.
fn write_lines(rx: &Receiver<String>, dropped: &AtomicU64, closed: &AtomicBool) {
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stderr());
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let _ = out.write_all(line.as_bytes());
                while let Ok(line) = rx.try_recv() {
                    let _ = out.write_all(line.as_bytes());
                }
            }
            Err(RecvTimeoutError::Timeout) if !closed.load(Ordering::Relaxed) => continue,
            Err(_) => break,
        }
        let n = dropped.swap(0, Ordering::Relaxed);
        if n > 0 {
            let _ = writeln!(
                out,
                "notice: {n} access-log lines dropped: stderr was not keeping up"
            );
        }
        let _ = out.flush();
    }
    let _ = out.flush();
}

impl LogThread {
    fn finish(self) {
        self.closed.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

impl AccessLog for Stderr {
    fn log(&self, entry: &AccessEntry) {
        self.send(format!("{entry}\n"));
    }

    fn notice(&self, notice: &Notice) {
        self.send(format!("notice: {notice}\n"));
    }

    fn wants_entries(&self) -> bool {
        self.entries
    }
}

/// Runs `serve` until SIGINT or SIGTERM.
pub fn run(args: ServeArgs, quiet: bool) -> Result<()> {
    let mut config = Config::new(&args.root);
    config.listen = args.listen;
    config.listing = args.list;
    config.link_roots = args.follow_links_into.clone();
    let (log, log_thread) = Stderr::start(!quiet)?;
    config.access_log = Some(Arc::new(log));
    let limits = &mut config.limits;
    limits.header_timeout = args.header_timeout.unwrap_or(limits.header_timeout);
    limits.idle_timeout = args.idle_timeout.unwrap_or(limits.idle_timeout);
    limits.worker_threads = args.threads.or(limits.worker_threads);
    limits.blocking_threads = args.blocking_threads.unwrap_or(limits.blocking_threads);
    limits.max_connections = args.max_connections;
    if limits.max_connections.is_none() {
        // The default limit follows the open-file limit: raise it first. If
        // that is refused, the default limit fits the current one.
        let _ = omnipack_serve::raise_open_file_limit();
    }
    let server = Server::bind(config)?;
    let runtime = server.runtime()?;
    let served = runtime.block_on(async move {
        // Handlers first, so a signal sent as soon as the URL is read is caught.
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let url = server.url();
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{url}").and_then(|()| stdout.flush())?;
        drop(stdout);
        if !quiet {
            let l = server.limits();
            eprintln!(
                "serving `{}` at {url}{} (Ctrl-C to stop; at most {} connections, \
                 header timeout {:?}, idle timeout {:?})",
                server.root().display(),
                if args.list { " with listings" } else { "" },
                server.max_connections(),
                l.header_timeout,
                l.idle_timeout,
            );
        }
        let shutdown = async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            if !quiet {
                eprintln!("{name}: stopping after the requests in flight");
            }
        };
        server.run(shutdown).await?;
        Ok(())
    });
    drop(runtime);
    log_thread.finish();
    served
}
