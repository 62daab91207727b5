//! The command recipe: shell commands run in order, each with `sh -ec` in the
//! working directory, with `DESTDIR` (the staging root), `PREFIX` (the
//! installed prefix) and `SOURCE_DATE_EPOCH` set, under `umask 022`. A
//! command installs into `"$DESTDIR$PREFIX"` (e.g. `make install
//! DESTDIR="$DESTDIR" PREFIX="$PREFIX"`). The first failing command stops the
//! build with its output's tail; commands that install nothing under the
//! prefix are an error too (a forgotten `DESTDIR` or `PREFIX`).

use std::path::Path;

use super::{RecipeError, StageContext, Step, create_dirs};

pub(super) fn stage(
    commands: &[String],
    workdir: &Path,
    ctx: &StageContext<'_>,
) -> Result<(), RecipeError> {
    let workdir = std::path::absolute(workdir)?;
    if !workdir.is_dir() {
        return Err(RecipeError::MissingInput {
            what: "working directory",
            path: workdir,
            kind: "directory",
            hint: "set `[build] source` to the directory the commands run in",
        });
    }
    create_dirs(ctx.staging_root)?;
    for (i, command) in commands.iter().enumerate() {
        Step::new(
            format!("command {} of {}", i + 1, commands.len()),
            "sh",
            format!(
                "fix it in `[build] commands`; it runs with `sh -ec` in `{}` and installs into \"$DESTDIR$PREFIX\" (DESTDIR=`{}`, PREFIX=`{}`)",
                workdir.display(),
                ctx.staging_root.display(),
                ctx.prefix
            ),
        )
        .inside(ctx.sandbox)
        .args(["-ec", command])
        .cwd(&workdir)
        .env("DESTDIR", ctx.staging_root)
        .env("PREFIX", ctx.prefix)
        .env("SOURCE_DATE_EPOCH", ctx.source_date_epoch.to_string())
        .run()?;
    }
    let dir = ctx.prefix_dir();
    if !dir.is_dir() {
        return Err(RecipeError::NothingStaged {
            prefix: ctx.prefix.to_owned(),
            dir,
        });
    }
    Ok(())
}
