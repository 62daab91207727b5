//! Staging recipes: each installs the application into
//! `staging_root + prefix`, DESTDIR-style, so that packaging (shared by all
//! recipes) sees the tree exactly as it will be installed under `/`.
//!
//! * [`Recipe::Python`]: a virtualenv created at the final prefix inside the
//!   staging root, then `pip install` of the requirements file and the project,
//!   then relocation (module `relocate`) so that nothing refers to the staging root,
//!   as Flocker's `admin/build-package` did for `/opt/flocker`.
//! * [`Recipe::Cargo`]: `cargo install --path … --root <prefix>`.
//! * [`Recipe::Dir`]: a prebuilt tree copied under the prefix.
//! * [`Recipe::Command`]: shell commands run with `DESTDIR` and `PREFIX` set.
//!
//! Every subprocess runs with its output captured (the tail goes into the
//! error) and with `umask 022`, so file modes do not depend on the caller's
//! umask. After every recipe the whole staging root is checked for the
//! staging path: a tree that still refers to it would be broken once
//! installed, so it is refused with the list of offending files.

mod cargo;
mod command;
mod dir;
mod python;
mod relocate;

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use fs_err as fs;
use omnipack_spec::Recipe;

pub use python::{host_uv, python_version};
pub use relocate::find_staging_references;

/// How many trailing lines of a failed subprocess's output an error shows.
const TAIL_LINES: usize = 30;

/// Where and how a recipe stages.
#[derive(Debug, Clone, Copy)]
pub struct StageContext<'a> {
    /// An empty directory; the recipe installs into
    /// `staging_root.join(prefix without its leading '/')`, DESTDIR-style.
    pub staging_root: &'a Path,
    /// The installed prefix, e.g. `/opt/greet`.
    pub prefix: &'a str,
    /// The interpreter for the virtualenv, already resolved (a path such as
    /// `/usr/bin/python3`, or a bare name found on `PATH`). The python
    /// recipe's own `python` field, when set, takes precedence.
    pub python: &'a str,
    /// `SOURCE_DATE_EPOCH`, passed to every subprocess.
    pub source_date_epoch: u64,
    /// Where the recipe's commands run: this machine or a build root. The
    /// staging root and the project are seen at the same paths inside.
    pub sandbox: &'a omnipack_rootfs::Sandbox,
}

impl StageContext<'_> {
    /// The prefix inside the staging root.
    pub fn prefix_dir(&self) -> PathBuf {
        self.staging_root.join(self.prefix.trim_start_matches('/'))
    }
}

/// What can go wrong while staging.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The prefix is not an absolute path.
    #[error("prefix `{0}` must be an absolute path such as `/opt/app`; fix `[build] prefix`")]
    BadPrefix(String),
    /// The prefix already holds files.
    #[error("`{0}` already exists and is not empty; stage into an empty staging root")]
    NotEmpty(PathBuf),
    /// An input of the recipe is missing.
    #[error("{what} `{path}` does not exist or is not a {kind}; {hint}")]
    MissingInput {
        /// What it is ("project directory", "requirements file", ...).
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// "directory" or "file".
        kind: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// The interpreter for the virtualenv cannot be found.
    #[error(
        "python interpreter `{0}` not found; install it (Debian/Ubuntu: `apt-get install python3 python3-venv`, RPM distributions: `dnf install python3`) or set `[build] python` in omnipack.toml"
    )]
    InterpreterNotFound(String),
    /// No pip that can install into the virtualenv.
    #[error(
        "no pip found to install into the virtualenv (pip 22.3 or newer is needed for `pip --python`); tried:\n{tried}\ninstall pip for `{python}` (Debian/Ubuntu: `apt-get install python3-pip`, RPM distributions: `dnf install python3-pip`)"
    )]
    NoPip {
        /// The virtualenv's base interpreter.
        python: String,
        /// Each candidate and why it was rejected, one per line.
        tried: String,
    },
    /// `installer = "uv"`, and no uv where the recipe runs.
    #[error(
        "the python recipe's installer is uv (`installer = \"uv\"` or `--installer uv`), and {place} has no `uv` on `PATH`"
    )]
    UvNotFound {
        /// Where it was looked for.
        place: String,
    },
    /// uv refused an argument of `[build] pip-args`.
    #[error("`uv pip install` does not take `{arg}` from `[build] pip-args`\n{tail}")]
    UvRejectsPipArg {
        /// The argument, as uv named it.
        arg: String,
        /// uv's output, already formatted.
        tail: String,
    },
    /// A command could not be started.
    #[error("cannot run `{command}`: {source}; {hint}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        source: std::io::Error,
        /// What to do.
        hint: String,
    },
    /// A command ran and failed.
    #[error("{step} failed: `{command}` {status}; {hint}\n{tail}")]
    Failed {
        /// What was being done ("creating the virtualenv", ...).
        step: String,
        /// The command line.
        command: String,
        /// How it ended ("exited with status 1").
        status: String,
        /// What to do.
        hint: String,
        /// The last lines of its output, already formatted.
        tail: String,
    },
    /// Files still refer to the staging root after staging.
    #[error(
        "{} file(s) still refer to the staging root `{root}` and would be broken once installed:\n{}\nomnipack rewrites text files (scripts, activate, pyvenv.cfg, RECORD, .pth); binary files such as compiled extensions cannot be rewritten: build them without embedding the install path (e.g. no RPATH into the build tree)",
        files.len(),
        list_paths(files)
    )]
    StagingPathLeft {
        /// The staging root.
        root: PathBuf,
        /// The offending files (relative to the staging root).
        files: Vec<PathBuf>,
    },
    /// The commands installed nothing under the prefix.
    #[error(
        "the commands installed nothing under the prefix `{prefix}` (`{}` does not exist); install into \"$DESTDIR$PREFIX\", e.g. `make install DESTDIR=\"$DESTDIR\" PREFIX=\"$PREFIX\"`",
        dir.display()
    )]
    NothingStaged {
        /// The prefix.
        prefix: String,
        /// The prefix inside the staging root.
        dir: PathBuf,
    },
    /// The prebuilt tree holds something that is not a file, directory or symlink.
    #[error(
        "`{0}` is not a regular file, directory or symlink (a device, socket or FIFO); remove it from the prebuilt tree"
    )]
    SpecialFile(PathBuf),
    /// The build root cannot run the command.
    #[error(transparent)]
    Rootfs(Box<omnipack_rootfs::RootfsError>),
    /// A filesystem error (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl RecipeError {
    /// What the user can do, for the errors whose message does not say it
    /// already: printed by the binary as a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            RecipeError::UvNotFound { .. } => Some(
                "install uv on this machine (`pip install uv`, `pipx install uv`, or the distribution's `uv` package where it has one; a build root uses this machine's when it has none), or build with `--installer pip`".into(),
            ),
            RecipeError::UvRejectsPipArg { arg, .. } => Some(format!(
                "remove `{arg}` from `[build] pip-args` (uv takes `--no-index`, `--find-links`, `--index-url`, `--extra-index-url`, `--constraint`, `--no-build-isolation`, …), or build with `--installer pip`"
            )),
            RecipeError::Rootfs(e) => e.hint(),
            _ => None,
        }
    }
}

impl From<omnipack_rootfs::RootfsError> for RecipeError {
    fn from(e: omnipack_rootfs::RootfsError) -> Self {
        RecipeError::Rootfs(Box::new(e))
    }
}

fn list_paths(files: &[PathBuf]) -> String {
    let mut s = String::new();
    for (i, f) in files.iter().enumerate() {
        if i == 20 {
            let _ = writeln!(s, "  … and {} more", files.len() - 20);
            break;
        }
        let _ = writeln!(s, "  `/{}`", f.display());
    }
    s.trim_end().to_owned()
}

/// Stages `recipe` into `ctx.staging_root`.
///
/// On success the tree under the staging root is what the main package
/// installs, and no file in it refers to the staging root.
pub fn stage(recipe: &Recipe, ctx: &StageContext<'_>) -> Result<(), RecipeError> {
    if !ctx.prefix.starts_with('/')
        || ctx.prefix.trim_matches('/').is_empty()
        || ctx.prefix.split('/').any(|c| c == "..")
    {
        return Err(RecipeError::BadPrefix(ctx.prefix.to_owned()));
    }
    let root = relocate::normalize(&std::path::absolute(ctx.staging_root)?);
    let ctx = StageContext {
        staging_root: &root,
        ..*ctx
    };
    match recipe {
        Recipe::Python {
            project,
            requirements,
            pip_args,
            python,
            installer,
        } => python::stage(
            &python::PythonRecipe {
                project,
                requirements: requirements.as_deref(),
                pip_args,
                python: python.as_deref().unwrap_or(ctx.python),
                installer: *installer,
            },
            &ctx,
        )?,
        Recipe::Cargo { path, args } => cargo::stage(path, args, &ctx)?,
        Recipe::Dir { path } => dir::stage(path, &ctx)?,
        Recipe::Command { commands, workdir } => command::stage(commands, workdir, &ctx)?,
    }
    let files = find_staging_references(&root)?;
    if !files.is_empty() {
        return Err(RecipeError::StagingPathLeft { root, files });
    }
    Ok(())
}

/// Creates `dir` and its missing parents with mode 0755 (whatever the umask).
fn create_dirs(dir: &Path) -> Result<(), RecipeError> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if fs::symlink_metadata(d).is_ok() {
            break;
        }
        missing.push(d);
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        fs::create_dir(d)?;
        fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Creates the prefix directory, refusing one that already has content.
fn fresh_prefix(ctx: &StageContext<'_>) -> Result<PathBuf, RecipeError> {
    let dir = ctx.prefix_dir();
    if dir.is_dir() && fs::read_dir(&dir)?.next().is_some() {
        return Err(RecipeError::NotEmpty(dir));
    }
    create_dirs(&dir)?;
    Ok(dir)
}

/// A command line for messages: arguments with shell metacharacters quoted.
fn display_command<S: AsRef<OsStr>>(program: &OsStr, args: &[S]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(AsRef::as_ref))
        .map(|a| {
            let a = a.to_string_lossy();
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
            {
                a.into_owned()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A subprocess to run: what it is for, the command, and what to tell the
/// user when it fails.
struct Step<'a> {
    /// What is being done, for the error ("installing the requirements").
    what: String,
    program: OsString,
    args: Vec<OsString>,
    cwd: Option<&'a Path>,
    env: Vec<(&'a str, OsString)>,
    env_remove: &'a [&'a str],
    /// What to do when it fails.
    hint: String,
    /// Where it runs (`None`: this machine).
    sandbox: Option<&'a omnipack_rootfs::Sandbox>,
}

impl<'a> Step<'a> {
    fn new(what: impl Into<String>, program: impl Into<OsString>, hint: impl Into<String>) -> Self {
        Step {
            what: what.into(),
            program: program.into(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            env_remove: &[],
            hint: hint.into(),
            sandbox: None,
        }
    }

    /// Runs it inside `sandbox` (a build root, or this machine).
    fn inside(mut self, sandbox: &'a omnipack_rootfs::Sandbox) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }

    fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    fn cwd(mut self, dir: &'a Path) -> Self {
        self.cwd = Some(dir);
        self
    }

    fn env(mut self, key: &'a str, value: impl Into<OsString>) -> Self {
        self.env.push((key, value.into()));
        self
    }

    fn env_remove(mut self, keys: &'a [&'a str]) -> Self {
        self.env_remove = keys;
        self
    }

    fn display(&self) -> String {
        display_command(&self.program, &self.args)
    }

    /// Runs the step under `umask 022` with stdin closed; returns its
    /// combined stdout and stderr, or an error carrying their last lines.
    fn run(self) -> Result<String, RecipeError> {
        let command = self.display();
        // `umask` has no safe std API; a tiny `sh` wrapper sets it and execs.
        let mut sh_args: Vec<OsString> = vec![
            "-c".into(),
            "umask 022 && exec \"$0\" \"$@\"".into(),
            self.program.clone(),
        ];
        sh_args.extend(self.args.iter().cloned());
        let env: Vec<(String, OsString)> = self
            .env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let mut cmd = match self.sandbox.filter(|s| s.root().is_some()) {
            Some(sandbox) => sandbox.command(OsStr::new("sh"), &sh_args, &env, self.cwd)?,
            None => {
                let mut cmd = Command::new("sh");
                cmd.args(&sh_args);
                if let Some(dir) = self.cwd {
                    cmd.current_dir(dir);
                }
                for key in self.env_remove {
                    cmd.env_remove(key);
                }
                for (key, value) in &self.env {
                    cmd.env(key, value);
                }
                cmd
            }
        };
        cmd.stdin(Stdio::null());
        let spawn_err = |source: std::io::Error| RecipeError::Spawn {
            command: command.clone(),
            source,
            hint: self.hint.clone(),
        };
        let (mut reader, writer) = std::io::pipe().map_err(spawn_err)?;
        cmd.stdout(writer.try_clone().map_err(spawn_err)?)
            .stderr(writer);
        let mut child = cmd.spawn().map_err(spawn_err)?;
        // The parent's copies of the pipe's write end must go, or the read
        // below never sees the end of the output.
        drop(cmd);
        let mut output = Vec::new();
        let read = reader.read_to_end(&mut output);
        let status = child.wait().map_err(spawn_err)?;
        read.map_err(spawn_err)?;
        let output = String::from_utf8_lossy(&output).into_owned();
        if status.success() {
            return Ok(output);
        }
        Err(RecipeError::Failed {
            step: self.what,
            command,
            status: describe_status(status),
            hint: self.hint,
            tail: tail(&output),
        })
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        // `sh -c 'exec …'` reports a program it cannot find as 127.
        (Some(127), _) => "exited with status 127 (command not found)".to_owned(),
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        (None, None) => format!("ended with {status}"),
    }
}

/// The last [`TAIL_LINES`] lines of `output`, framed for an error message.
fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.trim_end().lines().collect();
    if lines.is_empty() {
        return "(it printed nothing)".to_owned();
    }
    let start = lines.len().saturating_sub(TAIL_LINES);
    let mut s = if start == 0 {
        "its output:\n".to_owned()
    } else {
        format!("the last {TAIL_LINES} lines of its output:\n")
    };
    for line in &lines[start..] {
        let _ = writeln!(s, "  | {line}");
    }
    s.trim_end().to_owned()
}

/// Whether `program` can be run where the recipe runs: an existing file if
/// it contains a `/`, else a file in one of the `PATH` directories.
fn program_exists(program: &str, ctx: &StageContext<'_>) -> bool {
    ctx.sandbox.has_program(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_displayed_shell_quoted() {
        let args = ["install", "--find-links", "a dir", "it's"];
        assert_eq!(
            display_command(OsStr::new("/usr/bin/python3"), &args),
            r"/usr/bin/python3 install --find-links 'a dir' 'it'\''s'"
        );
    }

    #[test]
    fn the_tail_keeps_the_last_lines() {
        let out: String = (1..=40).map(|i| format!("line {i}\n")).collect();
        let t = tail(&out);
        assert!(t.starts_with("the last 30 lines"), "{t}");
        assert!(!t.contains("line 10\n") && t.contains("  | line 11\n") && t.ends_with("line 40"));
        assert_eq!(tail("\n"), "(it printed nothing)");
    }

    #[test]
    fn a_failed_step_names_the_command_and_shows_its_output() {
        let e = Step::new("testing", "sh", "do something")
            .args(["-c", "echo one; echo two >&2; exit 3"])
            .run()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("testing failed: `sh -c 'echo one; echo two >&2; exit 3'` exited with status 3; do something"), "{e}");
        assert!(e.contains("  | one\n  | two"), "{e}");
    }

    #[test]
    fn steps_run_with_umask_022() {
        let out = Step::new("testing", "sh", "")
            .args(["-c", "umask"])
            .run()
            .unwrap();
        assert_eq!(out.trim(), "0022");
    }
}
