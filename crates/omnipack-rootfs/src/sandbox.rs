//! Running a command inside a build root, without a container daemon.
//!
//! The root is never written: each command sees it through a throwaway
//! overlay mount (its writes land in a scratch directory and are dropped),
//! made by `unshare --mount` in a mount namespace of its own, so the mount
//! disappears with the command, also when it is killed. `bwrap` then makes
//! that overlay `/`, with a fresh `/proc`, `/dev`, `/tmp`, the host's
//! `/etc/resolv.conf` (unless offline), and the host directories the build
//! needs at the same paths as on the host, so a recipe's paths mean the
//! same inside and out:
//!
//! * `Access::Write`: a directory the command writes into (the staging root);
//! * `Access::Overlay`: a directory the command may write into, but whose
//!   writes are dropped (the project: pip builds in-tree);
//! * `Access::Read`: read-only.
//!
//! With [`Sandbox::keep_changes`] the root's overlay writes go to a
//! directory that outlives the commands instead (one for all of them, in
//! order): the upper directory of the overlay, with the kernel's whiteouts
//! for what was deleted, from which an image layer is made.
//!
//! The environment is cleared to a standard `PATH`, `HOME=/root`,
//! `LANG=C.UTF-8` and the variables the caller sets. With
//! [`Sandbox::host`] commands run on this machine, unchanged.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use fs_err as fs;

use crate::RootfsError;

/// The `PATH` inside a root.
pub const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How a host directory is seen inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and written.
    Write,
    /// Writable, but the writes are dropped when the command ends.
    Overlay,
    /// Read-only.
    Read,
}

/// The overlay scratch directories in `$TMPDIR`: `omnipack-sandbox-<pid>-…`.
const SCRATCH_PREFIX: &str = "omnipack-sandbox-";

/// Where commands run: this machine, or inside a root filesystem.
#[derive(Debug)]
pub struct Sandbox {
    root: Option<PathBuf>,
    binds: Vec<(PathBuf, Access)>,
    network: bool,
    /// Overlay upper and work directories, one set per command.
    scratch: Option<omnipack_core::cleanup::ScratchDir>,
    count: AtomicUsize,
    /// Where the root's changes are kept ([`Sandbox::keep_changes`]).
    changes: Option<PathBuf>,
}

impl Sandbox {
    /// Commands run on this machine as they are.
    pub fn host() -> Sandbox {
        Sandbox {
            root: None,
            binds: Vec::new(),
            network: true,
            scratch: None,
            count: AtomicUsize::new(0),
            changes: None,
        }
    }

    /// Commands run inside the root filesystem at `root`. Checks that
    /// `bwrap` and `unshare` are there; overlay scratch space is made in
    /// the system's temporary directory.
    pub fn in_root(root: &Path) -> Result<Sandbox, RootfsError> {
        for tool in ["bwrap", "unshare", "mount"] {
            if !on_path(tool) {
                return Err(RootfsError::Sandbox(format!("`{tool}` is not installed")));
            }
        }
        let root = std::path::absolute(root)?;
        check_overlay_path(&root)?;
        // A killed run's overlay scratch (its upper directories hold what
        // its commands wrote) goes first.
        omnipack_core::cleanup::sweep_dirs(&std::env::temp_dir(), SCRATCH_PREFIX);
        let scratch = omnipack_core::cleanup::ScratchDir::new(SCRATCH_PREFIX)?;
        Ok(Sandbox {
            root: Some(root),
            binds: Vec::new(),
            network: true,
            scratch: Some(scratch),
            count: AtomicUsize::new(0),
            changes: None,
        })
    }

    /// Keeps what commands change in the root: every command from now on
    /// sees the root with the changes of the ones before, and `dir/upper`
    /// holds them as an overlay upper directory (deletions as character
    /// devices 0:0, a directory replaced whole marked with the
    /// `trusted.overlay.opaque` attribute). Directory renames are copied
    /// up rather than redirected (`redirect_dir=off`), so the upper
    /// directory alone describes the change.
    pub fn keep_changes(&mut self, dir: &Path) -> Result<(), RootfsError> {
        let dir = std::path::absolute(dir)?;
        check_overlay_path(&dir)?;
        for sub in ["upper", "work"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        self.changes = Some(dir);
        Ok(())
    }

    /// Makes `path` (a host directory, or a file such as a program) visible
    /// at the same path inside.
    pub fn bind(&mut self, path: &Path, access: Access) -> Result<(), RootfsError> {
        let path = std::path::absolute(path)?;
        if access == Access::Overlay {
            check_overlay_path(&path)?;
        }
        self.binds.push((path, access));
        Ok(())
    }

    /// Whether commands get the host's network (the default) or none.
    pub fn set_network(&mut self, network: bool) {
        self.network = network;
    }

    /// The root, or `None` for this machine.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Where `path` (absolute, as the command sees it) is on the host,
    /// following the root's own symlinks; `None` if it does not exist.
    pub fn host_path(&self, path: &Path) -> Option<PathBuf> {
        match &self.root {
            None => path.exists().then(|| path.to_path_buf()),
            Some(root) => {
                if self.binds.iter().any(|(d, _)| path.starts_with(d)) {
                    return path.exists().then(|| path.to_path_buf());
                }
                crate::os::resolve_in(root, path)
            }
        }
    }

    /// Whether `program` can run inside: a path that exists, or a name
    /// found in the `PATH` the command gets.
    pub fn has_program(&self, program: &str) -> bool {
        if self.root.is_none() {
            return on_path(program);
        }
        if program.contains('/') {
            return self.host_path(Path::new(program)).is_some();
        }
        ROOT_PATH
            .split(':')
            .any(|d| self.host_path(&Path::new(d).join(program)).is_some())
    }

    /// A command that runs `program` with `args` inside, with `env` set on
    /// top of the cleared environment, in `cwd`. On the host it is simply
    /// `program args` with `env` added.
    pub fn command(
        &self,
        program: &OsStr,
        args: &[OsString],
        env: &[(String, OsString)],
        cwd: Option<&Path>,
    ) -> Result<Command, RootfsError> {
        let (Some(root), Some(scratch)) = (&self.root, &self.scratch) else {
            let mut c = Command::new(program);
            c.args(args);
            for (k, v) in env {
                c.env(k, v);
            }
            if let Some(d) = cwd {
                c.current_dir(d);
            }
            return Ok(c);
        };
        let n = self.count.fetch_add(1, Ordering::Relaxed);
        let dir = scratch.path().join(n.to_string());
        // The outer script: overlay mounts in the namespace `unshare` made,
        // then `exec bwrap`. Pairs of (lower, scratch) come first, then `--`.
        // A pair's scratch may hold `u` and `w` (throwaway), or be a
        // `keep_changes` directory given as `KEEP:` + the directory.
        let script = r#"set -e
while [ "$1" != "--" ]; do
  case "$2" in
    KEEP:*) d="${2#KEEP:}"; mount -t overlay overlay -o "lowerdir=$1,upperdir=$d/upper,workdir=$d/work,redirect_dir=off" "$3" ;;
    *) mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$3" ;;
  esac
  shift 3
done
shift
exec "$@""#;
        let mut c = Command::new("unshare");
        if rustix::process::geteuid().is_root() {
            c.args(["--mount", "--propagation", "private"]);
        } else {
            c.args(["--map-root-user", "--mount", "--propagation", "private"]);
        }
        c.args(["--", "sh", "-c", script, "sh"]);
        let merged_root = match &self.changes {
            Some(keep) => {
                let m = dir.join("root-m");
                fs::create_dir_all(&m)?;
                let mut tag = OsString::from("KEEP:");
                tag.push(keep);
                c.arg(root).arg(tag).arg(&m);
                m
            }
            None => PathBuf::new(),
        };
        let mut overlay = |lower: &Path, name: &str| -> Result<PathBuf, RootfsError> {
            let d = dir.join(name);
            for sub in ["u", "w", "m"] {
                fs::create_dir_all(d.join(sub))?;
            }
            c.arg(lower).arg(&d).arg(d.join("m"));
            Ok(d.join("m"))
        };
        let merged_root = match &self.changes {
            Some(_) => merged_root,
            None => overlay(root, "root")?,
        };
        let mut bwrap: Vec<OsString> = vec![
            "bwrap".into(),
            "--bind".into(),
            merged_root.into(),
            "/".into(),
            "--proc".into(),
            "/proc".into(),
            "--dev".into(),
            "/dev".into(),
            "--tmpfs".into(),
            "/tmp".into(),
            "--tmpfs".into(),
            "/var/tmp".into(),
            "--die-with-parent".into(),
            "--clearenv".into(),
        ];
        if self.network {
            if Path::new("/etc/resolv.conf").exists() {
                bwrap.extend(
                    ["--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"].map(OsString::from),
                );
            }
        } else {
            bwrap.push("--unshare-net".into());
        }
        for (i, (path, access)) in self.binds.iter().enumerate() {
            let (flag, src) = match access {
                Access::Write => ("--bind", path.clone()),
                Access::Read => ("--ro-bind", path.clone()),
                Access::Overlay => ("--bind", overlay(path, &format!("bind{i}"))?),
            };
            bwrap.extend([flag.into(), src.into(), path.clone().into()]);
        }
        for (k, v) in [
            ("PATH", OsString::from(ROOT_PATH)),
            ("HOME", "/root".into()),
            ("LANG", "C.UTF-8".into()),
            ("TMPDIR", "/tmp".into()),
        ]
        .into_iter()
        .chain(env.iter().map(|(k, v)| (k.as_str(), v.clone())))
        {
            bwrap.extend([OsString::from("--setenv"), k.into(), v]);
        }
        if let Some(d) = cwd {
            bwrap.extend([OsString::from("--chdir"), d.into()]);
        }
        bwrap.push("--".into());
        bwrap.push(program.into());
        bwrap.extend(args.iter().cloned());
        c.arg("--").args(bwrap);
        Ok(c)
    }
}

/// Overlay mount options cannot hold `,` or `:` in a path.
fn check_overlay_path(path: &Path) -> Result<(), RootfsError> {
    let s = path.to_string_lossy();
    if s.contains([',', ':']) {
        return Err(RootfsError::Sandbox(format!(
            "`{}` holds `,` or `:`, which an overlay mount cannot take; move it to a path without them",
            path.display()
        )));
    }
    Ok(())
}

/// Whether `program` is a file, or a file in one of this machine's `PATH` directories.
pub(crate) fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}
