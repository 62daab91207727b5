//! `omnipack serve ROOT`: arguments → `omnipack_serve::Server`, the base URL
//! on stdout (first line, for scripts), access log, notices and status on
//! stderr, SIGINT/SIGTERM → graceful shutdown.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use omnipack_serve::{AccessEntry, AccessLog, Config, Notice, Server};
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::ServeArgs;

/// The access log (unless --quiet) and the server's notices, on stderr.
struct Stderr {
    entries: bool,
}

impl AccessLog for Stderr {
    fn log(&self, entry: &AccessEntry) {
        eprintln!("{entry}");
    }

    fn notice(&self, notice: &Notice) {
        eprintln!("notice: {notice}");
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
    config.access_log = Some(Arc::new(Stderr { entries: !quiet }));
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
    runtime.block_on(async move {
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
    })
}
