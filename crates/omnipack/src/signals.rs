//! SIGINT and SIGTERM for the commands that clean up after themselves
//! (`publish`): the first one is recorded in `omnipack_core::interrupt`,
//! where the library stops at its next safe point and undoes what it
//! started; a second one ends the process at once. Other commands keep the
//! default action.

use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};

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
                    if omnipack_core::interrupt::requested().is_some() {
                        std::process::exit(128 + n);
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
