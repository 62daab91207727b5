//! Making a build root: deb distributions with `mmdebstrap` (preferred: it
//! resolves with apt and downloads in parallel) or `debootstrap`, minbase
//! variant, from the distribution's mirror; RPM distributions with
//! `dnf --installroot --releasever` from the repositories given.
//!
//! The mirror of a deb root is `--mirror`, else the manifest's `mirror`,
//! else the first of this machine's configured mirrors that serves the
//! suite (checked with `HEAD dists/SUITE/Release`). A mirror given by the
//! user is checked before anything starts, so a typo or a dead port is an
//! error naming it in seconds, not minutes into a bootstrap.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use fs_err as fs;
use omnipack_core::Progress;
use omnipack_spec::Format;
use omnipack_spec::distribution::Distribution;

use crate::mirror::{Served, check_deb_mirror, machine_mirrors};
use crate::sandbox::on_path;
use crate::store::{RootInfo, RootStore};
use crate::{RootfsError, os};

/// How to make a root.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// The mirror (deb) or repository (rpm) to install from, over the
    /// distribution's own.
    pub mirror: Option<String>,
    /// Packages to install besides the minimal base (already the
    /// distribution's names).
    pub packages: Vec<String>,
    /// Where this machine's apt sources are (`/etc/apt`), for the default mirror.
    pub etc_apt: Option<std::path::PathBuf>,
}

/// Makes (or makes again) the cached root of `dist` in `store`.
pub fn create(
    store: &RootStore,
    dist: &Distribution,
    opts: &CreateOptions,
    progress: &dyn Progress,
) -> Result<RootInfo, RootfsError> {
    let (tool, sources) = match dist.format {
        Format::Deb => deb_plan(dist, opts)?,
        Format::Rpm => rpm_plan(dist, opts)?,
    };
    let scratch = store.scratch(&dist.name)?;
    // Ctrl-C during the bootstrap removes it (`omnipack_core::cleanup`);
    // once committed it has moved and nothing is left to remove.
    let _registered = omnipack_core::cleanup::register(&scratch);
    let target = scratch.join("root");
    let log = store.dir().join(format!("{}-create.log", dist.name));
    let mut packages = opts.packages.clone();
    packages.sort();
    packages.dedup();
    let mut cmd = match (dist.format, tool) {
        (Format::Deb, tool) => {
            let suite = dist.suite.as_deref().unwrap_or_default();
            let mut c = Command::new(tool);
            c.arg("--variant=minbase");
            if !packages.is_empty() {
                c.arg(format!("--include={}", packages.join(",")));
            }
            c.arg(suite).arg(&target).arg(&sources[0]);
            c
        }
        (Format::Rpm, tool) => {
            let mut c = Command::new(tool);
            c.arg("-y")
                .arg(format!("--installroot={}", target.display()))
                .arg(format!("--releasever={}", dist.release))
                .args([
                    "--setopt=reposdir=/dev/null",
                    "--setopt=install_weak_deps=False",
                    "--setopt=skip_if_unavailable=False",
                    "--nogpgcheck",
                ]);
            for (i, url) in sources.iter().enumerate() {
                c.arg(format!("--repofrompath=omnipack-{i},{url}"));
                c.arg(format!("--repo=omnipack-{i}"));
            }
            c.arg("install");
            let mut base = vec!["bash".to_owned(), "coreutils".to_owned(), "dnf".to_owned()];
            base.extend(packages.iter().cloned());
            c.args(base);
            c
        }
    };
    progress.start(
        &format!("making the build root of {} with {tool}", dist.name),
        0,
    );
    let command = display(&cmd);
    let result = run_logged(&mut cmd, &log);
    progress.finish();
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            let _ = fs::remove_dir_all(&scratch);
            return Err(e);
        }
    };
    if let Some(status) = status {
        let _ = fs::remove_dir_all(&scratch);
        return Err(RootfsError::CreateFailed {
            distribution: dist.name.clone(),
            command,
            status,
            tail: tail(&log),
            log,
        });
    }
    if os::resolve_in(&target, Path::new("bin/sh")).is_none() {
        let _ = fs::remove_dir_all(&scratch);
        return Err(RootfsError::NotARoot {
            path: target,
            distribution: dist.name.clone(),
            problem: format!("`{command}` succeeded but made no /bin/sh"),
        });
    }
    let info = RootInfo {
        distribution: dist.name.clone(),
        path: target,
        tool: tool.to_owned(),
        sources,
        packages,
        created: omnipack_core::time::now(),
    };
    let made = store.commit(&scratch, &info);
    if made.is_err() {
        let _ = fs::remove_dir_all(&scratch);
    }
    made
}

/// The tool and the mirror of a deb root.
fn deb_plan(
    dist: &Distribution,
    opts: &CreateOptions,
) -> Result<(&'static str, Vec<String>), RootfsError> {
    let suite = dist
        .suite
        .as_deref()
        .ok_or_else(|| RootfsError::MissingField {
            distribution: dist.name.clone(),
            field: "suite",
        })?;
    let tool = ["mmdebstrap", "debootstrap"]
        .into_iter()
        .find(|t| on_path(t))
        .ok_or_else(|| RootfsError::NoTool {
            distribution: dist.name.clone(),
            tools: "`mmdebstrap`, `debootstrap`".to_owned(),
            install: "install one (Debian/Ubuntu: `apt-get install mmdebstrap`)".to_owned(),
        })?;
    let given = opts.mirror.clone().or_else(|| dist.mirror.clone());
    if let Some(url) = given {
        return match check_deb_mirror(&url, suite)? {
            Served::Yes | Served::Unchecked => Ok((tool, vec![url])),
            Served::No(status) => Err(RootfsError::MirrorLacksSuite {
                checked: format!("{}/dists/{suite}/Release", url.trim_end_matches('/')),
                url,
                distribution: dist.name.clone(),
                status,
            }),
        };
    }
    let etc_apt = opts.etc_apt.clone().unwrap_or_else(|| "/etc/apt".into());
    let same_os = os::os_release(Path::new("/")).is_some_and(|o| o.id == dist.id);
    let mut tried = Vec::new();
    for url in machine_mirrors(&etc_apt) {
        match check_deb_mirror(&url, suite) {
            Ok(Served::Yes) => return Ok((tool, vec![url])),
            Ok(Served::Unchecked) if same_os => return Ok((tool, vec![url])),
            Ok(Served::Unchecked) => tried.push(format!("`{url}` (not checked: https)")),
            Ok(Served::No(status)) => tried.push(format!("`{url}` ({status})")),
            Err(e) => tried.push(format!("`{url}` ({e})")),
        }
    }
    Err(RootfsError::NoMirror {
        distribution: dist.name.clone(),
        why: if tried.is_empty() {
            format!(
                "; this machine's apt has no mirror configured in `{}`",
                etc_apt.display()
            )
        } else {
            format!(
                "; this machine's mirrors do not serve `{suite}`: {}",
                tried.join(", ")
            )
        },
        flag: "--mirror",
    })
}

/// The tool and the repositories of an RPM root.
fn rpm_plan(
    dist: &Distribution,
    opts: &CreateOptions,
) -> Result<(&'static str, Vec<String>), RootfsError> {
    if !on_path("dnf") {
        return Err(RootfsError::NoTool {
            distribution: dist.name.clone(),
            tools: "`dnf`".to_owned(),
            install: "install it (Debian/Ubuntu: `apt-get install dnf`)".to_owned(),
        });
    }
    let repos: Vec<String> = match &opts.mirror {
        Some(m) => vec![m.clone()],
        None => dist.repositories.clone(),
    };
    if repos.is_empty() {
        return Err(RootfsError::NoMirror {
            distribution: dist.name.clone(),
            why: String::new(),
            flag: "--mirror",
        });
    }
    for r in &repos {
        url::Url::parse(r).map_err(|e| RootfsError::BadMirror {
            url: r.clone(),
            reason: e.to_string(),
        })?;
    }
    Ok(("dnf", repos))
}

/// Runs `cmd` with its output appended to `log`; `None` on success, else
/// how it ended.
fn run_logged(cmd: &mut Command, log: &Path) -> Result<Option<String>, RootfsError> {
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir)?;
    }
    let file = fs::File::create(log)?.into_parts().0;
    let status = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot run `{}`: {e}", display(cmd)))
        })?;
    if status.success() {
        return Ok(None);
    }
    use std::os::unix::process::ExitStatusExt;
    Ok(Some(match (status.code(), status.signal()) {
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(s)) => format!("was killed by signal {s}"),
        _ => status.to_string(),
    }))
}

fn tail(log: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut f) = fs::File::open(log) {
        let _ = f.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(20);
    lines[start..]
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn display(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
