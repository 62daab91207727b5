//! The `omnipack` binary: clap definitions and one thin function per command
//! (`commands/<cmd>.rs`); the work lives in the library crates.
//!
//! Output contract: data (artifact paths, `--json`) on stdout, people's text
//! on stderr; exit 0 ok, 1 failed, 2 bad usage (clap's own code).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Package(args) => commands::package::run(*args, cli.quiet),
        cli::Command::Inspect(args) => commands::inspect::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  Caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
