//! The `omnipack` binary: clap definitions and one thin function per command
//! (`commands/<cmd>.rs`); the work lives in the library crates.
//!
//! Output contract: data (artifact paths, `--json`) on stdout, people's text
//! on stderr; exit 0 ok, 1 failed, 2 bad usage (clap's own code), 128+N
//! stopped by signal N (SIGINT, SIGTERM) after cleaning up.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod progress;
mod signals;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// What the user can do about an error of the chain: the `hint()` of the
/// library error it is, if any (uv's style: `error:`, `Caused by:`, `hint:`).
pub(crate) fn hint(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    /// The `hint()` of the first of these error types that `e` is.
    macro_rules! hint_of {
        ($($t:ty),+ $(,)?) => {
            $(if let Some(e) = e.downcast_ref::<$t>() {
                return e.hint();
            })+
        };
    }
    hint_of!(
        omnipack_bundle::BundleError,
        omnipack_store::StoreError,
        omnipack_build::BuildError,
        omnipack_spec::SpecError,
        omnipack_deb::DebError,
        omnipack_rpm::RpmError,
        omnipack_archive::tree::TreeError,
        omnipack_core::time::BadEpoch,
        omnipack_repo::RepoError,
        omnipack_repo::apt::AptError,
        omnipack_repo::yum::YumError,
        omnipack_sign::SignError,
        omnipack_gem::GemError,
        omnipack_build::release::ReleaseError,
        omnipack_rootfs::RootfsError,
        omnipack_image::ImageError,
    );
    None
}

fn main() -> ExitCode {
    // `build --help` lists the distribution table, which is data, not a literal.
    let table = commands::distributions::table_text(&omnipack_spec::distribution::builtin());
    let command = cli::Cli::command().mut_subcommand("build", |c| {
        c.after_long_help(format!("Distributions:\n{table}"))
            .after_help(format!("Distributions:\n{table}"))
    });
    let cli = match cli::Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        cli::Command::Package(args) => commands::package::run(*args, cli.quiet),
        cli::Command::Inspect(args) => commands::inspect::run(args),
        cli::Command::Build(args) => commands::build::run(args, cli.quiet),
        cli::Command::Distributions(args) => commands::distributions::run(args),
        cli::Command::Builder(cmd) => commands::builder::run(cmd, cli.quiet),
        cli::Command::Version(args) => commands::version::run(args),
        cli::Command::Repo(cli::RepoCommand::Init(args)) => commands::repo::init(args, cli.quiet),
        cli::Command::Repo(cli::RepoCommand::Index(args)) => commands::repo::index(args, cli.quiet),
        cli::Command::Repo(cli::RepoCommand::Add(args)) => commands::repo::add(args, cli.quiet),
        cli::Command::Repo(cli::RepoCommand::Promote(args)) => {
            commands::repo::promote(args, cli.quiet)
        }
        cli::Command::Repo(cli::RepoCommand::Remove(args)) => {
            commands::repo::remove(args, cli.quiet)
        }
        cli::Command::Repo(cli::RepoCommand::List(args)) => commands::repo::list(args),
        cli::Command::Repo(cli::RepoCommand::Check(args)) => commands::repo::check(args, cli.quiet),
        cli::Command::Key(cli::KeyCommand::Generate(args)) => commands::key::generate(args),
        cli::Command::Sign(args) => commands::key::sign(args),
        cli::Command::ReleasePackage(args) => commands::release::run(args, cli.quiet),
        cli::Command::Serve(args) => commands::serve::run(args, cli.quiet),
        cli::Command::Publish(args) => commands::publish::run(*args, cli.quiet),
        cli::Command::Bundle(cmd) => commands::bundle::run(cmd, cli.quiet),
        cli::Command::Image(cli::ImageCommand::Build(args)) => {
            commands::image::build(args, cli.quiet)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            // A wrapper that repeats its source's text adds nothing: print
            // each distinct line once.
            let mut last = err.to_string();
            for cause in err.chain().skip(1) {
                let line = cause.to_string();
                if line != last && !last.ends_with(&line) {
                    eprintln!("  Caused by: {line}");
                }
                last = line;
            }
            if let Some(h) = err.chain().find_map(hint) {
                eprintln!("hint: {h}");
            }
            // Stopped by SIGINT/SIGTERM after cleaning up: the shell's status for it.
            match err
                .chain()
                .find_map(|e| e.downcast_ref::<omnipack_core::interrupt::Interrupted>())
            {
                Some(i) => ExitCode::from(i.exit_code()),
                None => ExitCode::FAILURE,
            }
        }
    }
}
