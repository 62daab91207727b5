//! `omnipack build --lint`: lintian for .deb, rpmlint for .rpm, with the
//! suppression lists checked in beside this file (`lint/`), each entry with
//! its reason. Any other finding fails the build and is reported whole.

use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_spec::Format;

use crate::BuildError;

const LINTIAN_SUPPRESS: &str = include_str!("../lint/lintian-suppress.txt");
const RPMLINT_CONFIG: &str = include_str!("../lint/rpmlint.toml");

/// Lints one package; `Ok` when the tool reports nothing outside the suppressions.
pub fn check(package: &Path, format: Format) -> Result<(), BuildError> {
    let dir = tempfile::tempdir().map_err(|e| BuildError::Output {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let (tool, mut cmd) = match format {
        Format::Deb => {
            let f = dir.path().join("suppress.txt");
            fs::write(&f, LINTIAN_SUPPRESS)?;
            let mut c = Command::new("lintian");
            c.args(["--tag-display-limit", "0", "--fail-on", "error,warning"])
                .arg("--suppress-tags-from-file")
                .arg(&f)
                .arg(package);
            ("lintian", c)
        }
        Format::Rpm => {
            let f = dir.path().join("rpmlint.toml");
            fs::write(&f, RPMLINT_CONFIG)?;
            let mut c = Command::new("rpmlint");
            c.arg("--strict").arg("-c").arg(&f).arg(package);
            ("rpmlint", c)
        }
    };
    let out = cmd.output().map_err(|e| BuildError::Lint {
        path: package.to_path_buf(),
        report: format!(
            "cannot run `{tool}`: {e}; install it (Debian package `{tool}`) or drop `--lint`"
        ),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Vec<&str> = report
        .lines()
        .filter(|l| !l.contains("running with root privileges"))
        .collect();
    Err(BuildError::Lint {
        path: package.to_path_buf(),
        report: format!("`{tool}` reported:\n{}", report.join("\n")),
    })
}
