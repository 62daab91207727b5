//! Draws library progress ([`omnipack_core::Progress`]) with indicatif on
//! stderr; hidden when stderr is not a terminal or with `--quiet`.

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use omnipack_core::Progress;

/// A byte progress bar.
pub struct Bar {
    bar: ProgressBar,
    quiet: bool,
}

impl Bar {
    /// A bar that draws unless `quiet` (indicatif hides itself off a terminal).
    pub fn new(quiet: bool) -> Self {
        let bar = ProgressBar::hidden();
        if !quiet {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        let style = ProgressStyle::with_template(
            "{msg:>24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Bar { bar, quiet }
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        self.bar.reset();
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message(what.to_owned());
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{message}"));
        }
    }
}

/// Bytes and objects on one indicatif bar.
pub struct PublishBar {
    bar: ProgressBar,
    quiet: bool,
    bytes: AtomicU64,
}

impl PublishBar {
    /// A bar that draws unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        let bar = ProgressBar::hidden();
        if !quiet {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        let style =
            ProgressStyle::with_template("{prefix:>26} {pos}/{len} objects [{bar:24}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        PublishBar {
            bar,
            quiet,
            bytes: AtomicU64::new(0),
        }
    }
}

impl Progress for PublishBar {
    fn start(&self, name: &str, objects: u64) {
        self.bar.set_prefix(name.to_owned());
        self.bar.set_length(objects);
        self.bar.set_position(0);
        self.bar.set_message(String::new());
    }

    fn bytes(&self, bytes: u64) {
        // The bar counts objects; the bytes ride in the message.
        let done = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.bar
            .set_message(format!("{} uploaded", HumanBytes(done)));
    }

    fn advance(&self, objects: u64) {
        self.bar.inc(objects);
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{message}"));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
