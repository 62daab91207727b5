//! A request to stop: SIGINT (Ctrl-C) or SIGTERM, caught by the binary for
//! the commands that clean up after themselves and recorded here, where
//! their library code looks at safe points ([`check`]) and turns it into an
//! ordinary error ([`Interrupted`]), so the same paths that undo a failure
//! (a lock released, temporary files removed) undo an interruption.
//!
//! Commands that do not ask for it keep the default action (the process
//! ends at once); a second signal always ends it at once.

use std::sync::atomic::{AtomicI32, Ordering};

static REQUESTED: AtomicI32 = AtomicI32::new(0);

/// Records that `signal` asked the process to stop (the binary's handler).
pub fn request(signal: i32) {
    REQUESTED.store(signal, Ordering::SeqCst);
}

/// The signal that asked the process to stop, if one did.
pub fn requested() -> Option<Interrupted> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(Interrupted { signal }),
    }
}

/// `Err` once a stop was requested: call it where stopping leaves nothing
/// half-done.
pub fn check() -> Result<(), Interrupted> {
    requested().map_or(Ok(()), Err)
}

/// The operation stopped because a signal asked it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {}", self.name())]
pub struct Interrupted {
    /// The signal number (2: SIGINT, 15: SIGTERM).
    pub signal: i32,
}

impl Interrupted {
    /// `SIGINT`, `SIGTERM`, or `signal N`.
    pub fn name(&self) -> String {
        match self.signal {
            2 => "SIGINT".into(),
            15 => "SIGTERM".into(),
            n => format!("signal {n}"),
        }
    }

    /// The shell's exit status for it: 128 + the signal number.
    pub fn exit_code(&self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(1)
    }
}
