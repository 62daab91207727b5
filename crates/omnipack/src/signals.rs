//! SIGINT and SIGTERM. Every command but `serve` (which drains its
//! connections itself) is caught from the start: the signal removes what
//! the command was writing (`omnipack_core::cleanup`: temporary files
//! beside their destinations, staging and unpack directories) and exits
//! with 128+N, so Ctrl-C leaves nothing behind.
//!
//! A command that stops at safe points and undoes its work itself
//! (`publish`, which must release its lock and remove what it staged in the
//! store) calls [`cooperate`]: the first signal is then only recorded in
//! `omnipack_core::interrupt`, where the library stops at its next safe
//! point; a second one cleans up and ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};

/// Set by [`cooperate`].
static COOPERATIVE: AtomicBool = AtomicBool::new(false);

/// Held by whichever ends the process: the signal handler while it cleans
/// up, or `main` once the command has returned. So a command that fails
/// because the handler stopped its child (pip "killed by signal 9") never
/// exits with its own error while the clean-up runs, and a signal after
/// the command returned changes nothing.
static EXITING: Mutex<()> = Mutex::new(());

/// Called by `main` once the command has returned, before it reports and
/// exits; blocks for good if a signal's clean-up has begun (the handler
/// ends the process).
pub fn exiting() -> MutexGuard<'static, ()> {
    EXITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// From here on the first signal asks the library to stop at its next safe
/// point instead of ending the process.
pub fn cooperate() {
    COOPERATIVE.store(true, Ordering::SeqCst);
}

/// Removes what the command was writing and ends the process with 128+`n`.
fn clean_up_and_exit(n: i32) -> ! {
    // Never released: the process ends here (or `main` holds it and ends
    // the process first).
    let _exiting = exiting();
    // Children first (a pip or an apt still writing would make what is
    // removed again), then what the command was writing.
    omnipack_core::cleanup::stop_children(std::time::Duration::from_secs(2));
    let removed = omnipack_core::cleanup::remove_all();
    let name = if n == 2 { "SIGINT" } else { "SIGTERM" };
    if removed.is_empty() {
        eprintln!("interrupted by {name}");
    } else {
        eprintln!(
            "interrupted by {name}: removed {} unfinished temporary file(s) and director(ies)",
            removed.len()
        );
    }
    std::process::exit(128 + n);
}

/// Starts catching SIGINT and SIGTERM; returns once both are caught.
pub fn catch() -> Result<()> {
    let (ready, registered) = std::sync::mpsc::channel::<std::io::Result<()>>();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let (mut int, mut term) = match (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) {
                    (Ok(i), Ok(t)) => (i, t),
                    (Err(e), _) | (_, Err(e)) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                loop {
                    let n = tokio::select! {
                        _ = int.recv() => 2,
                        _ = term.recv() => 15,
                    };
                    if !COOPERATIVE.load(Ordering::SeqCst)
                        || omnipack_core::interrupt::requested().is_some()
                    {
                        clean_up_and_exit(n);
                    }
                    omnipack_core::interrupt::request(n);
                }
            });
        })
        .context("cannot start the signal handler")?;
    registered
        .recv()
        .context("the signal handler stopped")?
        .context("cannot handle SIGINT/SIGTERM")
}
