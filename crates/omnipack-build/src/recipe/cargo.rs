//! The cargo recipe: `cargo install --path <crate> --root <staging><prefix>`,
//! so the crate's binaries land in `<prefix>/bin`.
//!
//! `--no-track` keeps cargo's bookkeeping (`.crates.toml`, `.crates2.json`)
//! out of the tree; any such file is removed anyway. `--locked` is added when
//! the crate has its own `Cargo.lock` (a workspace member should pass
//! `--locked` in `cargo-args`). Cargo runs in the crate's directory, so its
//! `.cargo/config.toml` applies and relative paths in `cargo-args` are the
//! crate's. The cargo that runs is `$CARGO` if set (the toolchain running
//! omnipack under `cargo run`), else `cargo` from `PATH`.

use std::path::Path;

use fs_err as fs;

use super::{RecipeError, StageContext, Step, fresh_prefix};

pub(super) fn stage(
    path: &Path,
    args: &[String],
    ctx: &StageContext<'_>,
) -> Result<(), RecipeError> {
    let path = std::path::absolute(path)?;
    if !path.join("Cargo.toml").is_file() {
        return Err(RecipeError::MissingInput {
            what: "crate",
            path,
            kind: "directory with a Cargo.toml",
            hint: "set `[build] source` to the crate to install",
        });
    }
    let root = fresh_prefix(ctx)?;
    // Inside a build root, the root's own cargo.
    let cargo = match ctx.sandbox.root() {
        Some(_) => "cargo".into(),
        None => std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
    };
    let locked = path.join("Cargo.lock").is_file()
        && !args.iter().any(|a| a == "--locked" || a == "--frozen");
    Step::new(
        "installing the crate",
        cargo,
        "check that `cargo install --path` of the crate works (Rust from https://rustup.rs; `--offline` needs every dependency in cargo's cache)",
    )
    .inside(ctx.sandbox)
    .args(["install", "--no-track"])
    .args(locked.then_some("--locked"))
    .arg("--path")
    .arg(&path)
    .arg("--root")
    .arg(&root)
    .args(args)
    .cwd(&path)
    .env("SOURCE_DATE_EPOCH", ctx.source_date_epoch.to_string())
    .env("CARGO_TERM_COLOR", "never")
    .env("CARGO_TERM_PROGRESS_WHEN", "never")
    .run()?;
    for bookkeeping in [".crates.toml", ".crates2.json"] {
        let f = root.join(bookkeeping);
        if fs::symlink_metadata(&f).is_ok() {
            fs::remove_file(&f)?;
        }
    }
    Ok(())
}
