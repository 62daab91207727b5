//! The real clients our output is checked with, each run with a private
//! configuration so the machine's own apt and dnf are untouched, and the
//! tree helpers every suite needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;

/// `program` (`apt-get`, `apt-cache`) with a private configuration under
/// `state`: sources from `sources_list`, lists, cache and status all inside
/// `state`, no translations, no sandbox user.
pub fn apt_private(program: &str, state: &Path, sources_list: &Path) -> Command {
    let mut c = Command::new(program);
    c.arg("-o")
        .arg(format!("Dir::Etc::sourcelist={}", sources_list.display()))
        .args(["-o", "Dir::Etc::sourceparts=-"])
        .arg("-o")
        .arg(format!(
            "Dir::State::Lists={}",
            state.join("lists").display()
        ))
        .arg("-o")
        .arg(format!("Dir::Cache={}", state.join("cache").display()))
        .arg("-o")
        .arg(format!(
            "Dir::State::status={}",
            state.join("status").display()
        ))
        .args([
            "-o",
            "Acquire::Languages=none",
            "-o",
            "APT::Sandbox::User=root",
        ]);
    c
}

/// A fresh private apt state under `state` (lists, cache, an empty status)
/// whose `sources.list` is `sources`; read it with [`apt_private`].
pub fn apt_state(state: &Path, sources: impl AsRef<str>) {
    for d in ["lists/partial", "cache/archives/partial"] {
        fs::create_dir_all(state.join(d)).unwrap();
    }
    fs::write(state.join("status"), b"").unwrap();
    fs::write(state.join("sources.list"), sources.as_ref()).unwrap();
}

/// dnf with a private configuration, install root and cache under `state`,
/// and one repository `t` at `baseurl`; the caller adds the `t.` options
/// (gpgcheck, gpgkey) and the command. The configuration sets
/// `skip_if_unavailable=False`: Debian's own sets it to true, and a broken
/// repository would then be skipped with exit 0.
pub fn dnf_private(state: &Path, baseurl: &str) -> Command {
    fs::create_dir_all(state.join("installroot")).unwrap();
    let conf = state.join("dnf.conf");
    fs::write(
        &conf,
        "[main]\ngpgcheck=True\nskip_if_unavailable=False\ninstall_weak_deps=False\n",
    )
    .unwrap();
    let mut c = Command::new("dnf");
    c.arg("-c")
        .arg(&conf)
        .arg(format!(
            "--installroot={}",
            state.join("installroot").display()
        ))
        .args(["--releasever=9", "--setopt=reposdir=/dev/null", "-y"])
        .arg(format!(
            "--setopt=cachedir={}",
            state.join("cache").display()
        ))
        .arg(format!("--repofrompath=t,{baseurl}"))
        .arg("--repo=t");
    c
}

/// Runs `cmd`, returning its output (panics only if it cannot start).
pub fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Every file under `dir` (recursively, directories left out), sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, false, &mut out);
    out.sort();
    out
}

/// Every entry under `dir`, files and directories, sorted.
pub fn entries_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, true, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, dirs: bool, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let is_dir = fs::symlink_metadata(&p).unwrap().is_dir();
        if is_dir {
            walk(&p, dirs, out);
        }
        if !is_dir || dirs {
            out.push(p);
        }
    }
}

/// Copies a directory tree with `cp -a` (files, directories, symlinks,
/// modes, times) to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    crate::run_ok(Command::new("cp").arg("-a").arg(from).arg(to));
}
