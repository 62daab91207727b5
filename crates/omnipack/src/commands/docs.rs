//! `omnipack completions SHELL` (clap_complete) and `omnipack man --out
//! DIR` (clap_mangen): both describe the command line `main::command()`
//! builds, so they never drift from `--help`.

use anyhow::{Context, Result};

use crate::cli::{CompletionsArgs, ManArgs};

/// The completion script for the shell, on stdout.
pub fn completions(args: CompletionsArgs, mut command: clap::Command) -> Result<()> {
    clap_complete::generate(args.shell, &mut command, "omnipack", &mut std::io::stdout());
    Ok(())
}

/// `omnipack.1` and `omnipack-<command>[-<subcommand>].1` for every command.
pub fn man(args: ManArgs, mut command: clap::Command, quiet: bool) -> Result<()> {
    fs_err::create_dir_all(&args.out)?;
    // Building sets each subcommand's display name (`omnipack-repo-add`),
    // which clap_mangen uses as the page's name.
    command.build();
    let mut written = Vec::new();
    write_pages(&command, &args.out, &mut written)?;
    for path in &written {
        println!("{}", path.display());
    }
    if !quiet {
        eprintln!(
            "wrote {} man pages into `{}`",
            written.len(),
            args.out.display()
        );
    }
    Ok(())
}

fn write_pages(
    command: &clap::Command,
    out: &std::path::Path,
    written: &mut Vec<std::path::PathBuf>,
) -> Result<()> {
    if command.is_hide_set() {
        return Ok(());
    }
    let name = command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_owned();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .with_context(|| format!("cannot render the man page of `{name}`"))?;
    let path = out.join(format!("{name}.1"));
    omnipack_core::atomic::write_file(&path, &page, 0o644)?;
    written.push(path);
    for sub in command.get_subcommands() {
        if sub.get_name() != "help" {
            write_pages(sub, out, written)?;
        }
    }
    Ok(())
}
