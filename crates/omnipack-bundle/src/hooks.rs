//! Running the admin config's commands (`after_install`, `notify`,
//! `gem_index`) with `sh -c` in the root; their output is captured and
//! returned, never printed here.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crate::BundleError;

/// Runs `command` with `sh -c` in `root` with `OMNIPACK_ROOT` and `env` set;
/// returns its combined output, or an error naming the command and `what`.
pub fn run_shell(
    root: &Path,
    command: &str,
    what: &str,
    env: &[(&str, &OsStr)],
) -> Result<String, BundleError> {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(command)
        .current_dir(root)
        .env("OMNIPACK_ROOT", root);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().map_err(|e| BundleError::Command {
        command: command.to_owned(),
        what: what.to_owned(),
        status: format!("an error starting `sh`: {e}"),
        output: String::new(),
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(BundleError::Command {
            command: command.to_owned(),
            what: what.to_owned(),
            status: out.status.to_string(),
            output: text,
        });
    }
    Ok(text)
}
