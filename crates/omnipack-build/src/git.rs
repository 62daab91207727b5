//! The project version from git, as versioneer (and so Flocker) computed it:
//! `git describe --tags --dirty --always`, e.g. `0.3.0dev1-307-gb6d6e9f-dirty`.

use std::path::Path;
use std::process::Command;

use crate::BuildError;

/// `git describe --tags --dirty --always` of the checkout at `dir`.
pub fn describe(dir: &Path) -> Result<String, BuildError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["describe", "--tags", "--dirty", "--always"])
        .output()
        .map_err(|e| BuildError::Version {
            dir: dir.to_path_buf(),
            reason: format!("cannot run `git`: {e}"),
        })?;
    if !out.status.success() {
        return Err(BuildError::Version {
            dir: dir.to_path_buf(),
            reason: format!(
                "`git describe` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    let described = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    // Without a tag, `--always` falls back to the abbreviated commit id
    // (`3a0c1f2`, `3a0c1f2-dirty`), which is no version: say so rather than
    // read its digits as one.
    let commit = described.strip_suffix("-dirty").unwrap_or(&described);
    if commit.len() >= 4 && commit.chars().all(|c| c.is_ascii_hexdigit()) && is_commit(dir, commit)
    {
        return Err(BuildError::Untagged {
            dir: dir.to_path_buf(),
            commit: commit.to_owned(),
        });
    }
    Ok(described)
}

/// Whether `name` is an abbreviated commit id rather than a tag that is all
/// hex digits (a tag `2024` is a version): no tag of that name exists.
fn is_commit(dir: &Path, name: &str) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("refs/tags/{name}"))
        .output()
        .is_ok_and(|o| !o.status.success())
}

/// The short commit id of `HEAD` in the checkout at `dir` (`git rev-parse
/// --short HEAD`), if `dir` is in one: what Flocker's CI tagged images with.
pub fn short_revision(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    let rev = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !rev.is_empty()).then_some(rev)
}
