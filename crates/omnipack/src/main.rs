//! The `omnipack` binary: clap definitions and one thin function per command
//! (`commands/<cmd>.rs`); the work lives in the library crates.
//!
//! Output contract: data (artifact paths, `--json`) on stdout, people's text
//! on stderr; exit 0 ok, 1 failed, 2 bad usage (clap's own code, and
//! values clap cannot check such as an unknown distribution), 3 a
//! verification found differences (`omnipack_core::outcome`), 128+N stopped
//! by signal N (SIGINT, SIGTERM) after cleaning up.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod paths;
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
        omnipack_serve::Error,
        omnipack_build::init::InitError,
        omnipack_build::srcpkg::SrcPkgError,
    );
    None
}

/// The whole command line as clap sees it: the derive's definitions plus
/// what is data rather than a literal (the distribution table in `build
/// --help`). `completions` and `man` describe exactly this.
pub(crate) fn command() -> clap::Command {
    let table = commands::distributions::table_text(&omnipack_spec::distribution::builtin());
    cli::Cli::command()
        .mut_subcommand("build", |c| {
            let help = format!(
                "Examples:
  omnipack build                                   # ./omnipack.toml, for this machine's release
  omnipack build examples/greet -d debian-12 -d rocky-9 --out dist
  omnipack build . -d debian-11 --builder debian-11=auto --lint

Distributions:
{table}"
            );
            c.after_long_help(help.clone()).after_help(help)
        })
        // `bundle install -v` is the global `-v/--verbose` (each file), which
        // its own flag would shadow: keep that flag only as a hidden alias.
        .mut_subcommand("bundle", |b| {
            b.mut_subcommand("install", |i| {
                i.mut_arg("verbose", |a| {
                    a.short(None).long("verbose-files").hide(true)
                })
            })
        })
}

fn main() -> ExitCode {
    let cli = match cli::Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Ctrl-C and SIGTERM remove what the command was writing (`serve`
    // handles them itself). Without the handler the default action stays.
    if !matches!(cli.command, cli::Command::Serve(_))
        && let Err(e) = signals::catch()
    {
        eprintln!("warning: {e:#}: Ctrl-C may leave temporary files for the next run to remove");
    }
    let result = match cli.command {
        cli::Command::Package(args) => commands::package::run(*args, cli.quiet),
        cli::Command::Inspect(args) => commands::inspect::run(args),
        cli::Command::Build(args) => commands::build::run(args, cli.quiet),
        cli::Command::Distributions(args) => commands::distributions::run(args),
        cli::Command::Builder(cmd) => commands::builder::run(cmd, cli.quiet),
        cli::Command::Version(args) => commands::version::run(args),
        cli::Command::Spec(args) => commands::srcpkg::spec(args),
        cli::Command::Debian(args) => commands::srcpkg::debian(args),
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
        cli::Command::Bundle(mut cmd) => {
            if let cli::BundleCommand::Install(a) = &mut cmd {
                a.verbose |= cli.verbose > 0;
            }
            commands::bundle::run(cmd, cli.quiet)
        }
        cli::Command::Image(cli::ImageCommand::Build(args)) => {
            commands::image::build(args, cli.quiet)
        }
        cli::Command::Init(args) => commands::init::run(args, cli.quiet),
        cli::Command::Completions(args) => commands::docs::completions(args, command()),
        cli::Command::Man(args) => commands::docs::man(args, command(), cli.quiet),
    };
    // From here the process ends with this command's result, unless a
    // signal's clean-up has begun: then that ends it (with 128+N).
    let _exiting = signals::exiting();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            ExitCode::from(exit_code(&err))
        }
    }
}

/// Prints `error: …`, each distinct `Caused by: …` and a `hint: …` line.
fn report(err: &anyhow::Error) {
    use omnipack_core::outcome::DifferencesFound;
    // A "differences found" marker under an error says nothing more.
    let marker_only = err.chain().count() == 1;
    let lines: Vec<paths::Line> = err
        .chain()
        .filter(|e| marker_only || !e.is::<DifferencesFound>())
        .map(|e| paths::plain(&e.to_string()))
        .collect();
    let Some((first, rest)) = lines.split_first() else {
        return;
    };
    eprintln!("error: {}", first.text);
    // A wrapper that repeats its source's text adds nothing: print each
    // distinct line once.
    let mut last = first;
    for line in rest {
        if line.original != last.original && !last.original.ends_with(&line.original) {
            eprintln!("  Caused by: {}", line.text);
        }
        last = line;
    }
    let hint = err.chain().find_map(hint).or_else(|| {
        lines
            .iter()
            .find_map(|l| l.missing.as_deref())
            .map(paths::hint)
    });
    if let Some(h) = hint {
        eprintln!("hint: {h}");
    }
}

/// The exit status for an error: 128+N when stopped by signal N, 3 when a
/// verification found differences, 2 for a value the user gave that no
/// command could take (an unknown distribution), else 1.
fn exit_code(err: &anyhow::Error) -> u8 {
    for e in err.chain() {
        if let Some(i) = e.downcast_ref::<omnipack_core::interrupt::Interrupted>() {
            return i.exit_code();
        }
    }
    if err.chain().any(differences_found) {
        return omnipack_core::outcome::DifferencesFound::EXIT_CODE;
    }
    if err.chain().any(bad_usage) {
        return 2;
    }
    1
}

/// A verification's "differences found" (see `omnipack_core::outcome`).
fn differences_found(e: &(dyn std::error::Error + 'static)) -> bool {
    e.is::<omnipack_core::outcome::DifferencesFound>()
}

/// A value on the command line that names nothing: exit 2, as clap's own
/// refusals (`-f debb`) do.
fn bad_usage(e: &(dyn std::error::Error + 'static)) -> bool {
    use omnipack_build::BuildError;
    use omnipack_build::release::ReleaseError;
    use omnipack_spec::SpecError;
    // Transparent wrappers hide the `SpecError` from the chain: look inside.
    let spec = e
        .downcast_ref::<SpecError>()
        .or_else(|| match e.downcast_ref::<BuildError>() {
            Some(BuildError::Spec(s)) => Some(s),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<ReleaseError>() {
            Some(ReleaseError::Spec(s) | ReleaseError::Build(BuildError::Spec(s))) => Some(s),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<omnipack_repo::RepoError>() {
            Some(omnipack_repo::RepoError::Spec(s)) => Some(s),
            _ => None,
        });
    matches!(spec, Some(SpecError::UnknownDistribution { .. }))
}
