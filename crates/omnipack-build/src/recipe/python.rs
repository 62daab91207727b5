//! The python recipe, Flocker's `admin/build-package` way: a virtualenv created
//! directly at its final prefix inside the staging root, `pip install` of the
//! requirements file and then of the project, relocation so that nothing
//! refers to the staging root, and byte-compilation that names the final paths.
//!
//! * `python -m venv --without-pip`: Debian's interpreter has no `ensurepip`
//!   unless `python3-venv` is installed, and pip has no business in the shipped
//!   tree. The venv's `bin/python` stays a symlink to the interpreter, which is
//!   why the main package depends on the distribution's python.
//! * pip comes from outside the venv and installs into it with
//!   `pip --python <venv>/bin/python` (pip 22.3+): the interpreter's own pip if
//!   it has one, else `python3 -m pip` from `PATH`.
//! * pip runs in the project directory (relative paths in `pip-args`, such as
//!   `--find-links vendor`, mean the project's), with `--no-compile`,
//!   `SOURCE_DATE_EPOCH`, no bytecode writing and no version check.
//! * With `installer = "uv"`, `uv pip install --python <venv>/bin/python`
//!   does the same two installs into the same venv (see
//!   `Installs::with_uv`); uv's own files are removed before relocation.
//! * `.pyc` files are compiled afterwards by the venv's interpreter with
//!   `compileall` (`ddir` = the final prefix, so tracebacks name installed
//!   paths) in `checked-hash` mode (PEP 552): they hold a hash of their source,
//!   not its mtime, so they are reproducible and stay valid whatever mtimes the
//!   package gives the sources. One compiling process per CPU (the bytes do
//!   not depend on which process compiles a file). Before Python 3.7 (no PEP 552) they are
//!   timestamp pycs of sources whose mtime was set to `SOURCE_DATE_EPOCH`, the
//!   mtime the packages give them.

use std::path::Path;
use std::time::{Duration, SystemTime};

use fs_err as fs;

use omnipack_spec::Installer;

use super::{RecipeError, StageContext, Step, fresh_prefix, program_exists, relocate};

/// Environment that would redirect the interpreter or pip away from the venv.
const ENV_REMOVE: &[&str] = &[
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONEXECUTABLE",
    "VIRTUAL_ENV",
    "PIP_PYTHON",
    "PIP_USER",
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_EDITABLE",
];

/// The oldest pip with `--python`.
const MIN_PIP: (u32, u32) = (22, 3);

/// Byte-compiles a tree for its final location: `argv[1]` is the staged
/// directory, `argv[2]` the path it will have once installed.
const COMPILE: &str = r#"
import compileall, py_compile, sys
kw = {}
mode = getattr(py_compile, "PycInvalidationMode", None)
if mode is not None:
    kw["invalidation_mode"] = mode.CHECKED_HASH
# Files that do not compile (e.g. Python 2 only test data in some packages)
# are skipped, as pip does. One process per CPU (`workers=0`): each file's
# pyc is the same whichever process writes it. Where no process pool can be
# made (no /dev/shm for its semaphores in a minimal sandbox), one process.
args = dict(maxlevels=1000, ddir=sys.argv[2], force=True, quiet=2, **kw)
try:
    compileall.compile_dir(sys.argv[1], workers=0, **args)
except Exception:
    compileall.compile_dir(sys.argv[1], workers=1, **args)
"#;

/// The python recipe's inputs, paths resolved.
#[derive(Debug)]
pub(super) struct PythonRecipe<'a> {
    pub project: &'a Path,
    pub requirements: Option<&'a Path>,
    pub pip_args: &'a [String],
    pub python: &'a str,
    pub installer: Installer,
}

fn python_step<'a>(
    what: impl Into<String>,
    program: impl Into<std::ffi::OsString>,
    hint: impl Into<String>,
    ctx: &StageContext<'a>,
) -> Step<'a> {
    Step::new(what, program, hint)
        .inside(ctx.sandbox)
        .env_remove(ENV_REMOVE)
        .env("SOURCE_DATE_EPOCH", ctx.source_date_epoch.to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONNOUSERSITE", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1")
        .env("PIP_NO_COLOR", "1")
        .env("PIP_PROGRESS_BAR", "off")
        .env("TMPDIR", ctx.staging_root.join(PIP_TMP))
}

/// pip's own temporaries (build trackers, wheel caches, build
/// environments) go here, inside the staging directory, so that a killed
/// build's go with it when the next build sweeps it; removed before the
/// tree is packaged.
const PIP_TMP: &str = ".omnipack-tmp";

/// Removes a directory when dropped (the stage's end, or its failure).
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub(super) fn stage(recipe: &PythonRecipe<'_>, ctx: &StageContext<'_>) -> Result<(), RecipeError> {
    let project = std::path::absolute(recipe.project)?;
    if !project.is_dir() {
        return Err(RecipeError::MissingInput {
            what: "python project",
            path: project,
            kind: "directory",
            hint: "set `[build] source` to the directory holding pyproject.toml or setup.py",
        });
    }
    let requirements = match recipe.requirements {
        Some(r) => {
            let r = std::path::absolute(r)?;
            if !r.is_file() {
                return Err(RecipeError::MissingInput {
                    what: "requirements file",
                    path: r,
                    kind: "file",
                    hint: "fix `[build] requirements` (relative to omnipack.toml) or remove it",
                });
            }
            Some(r)
        }
        None => None,
    };
    let python = recipe.python;
    if !program_exists(python, ctx) {
        return Err(RecipeError::InterpreterNotFound(python.to_owned()));
    }

    // Fail before anything is made when the installer is missing.
    let uv = match recipe.installer {
        Installer::Uv => Some(find_uv(ctx)?),
        Installer::Pip => None,
    };
    let tmp = ctx.staging_root.join(PIP_TMP);
    fs::create_dir_all(&tmp)?;
    let _tmp = RemoveOnDrop(tmp);
    let venv = fresh_prefix(ctx)?;
    let venv_python = venv.join("bin/python");
    let installs = Installs {
        recipe,
        project: &project,
        requirements: requirements.as_deref(),
        venv: &venv,
        ctx,
    };
    match uv {
        Some(uv) => installs.with_uv(&uv)?,
        None => installs.with_pip()?,
    }

    let drop = match recipe.installer {
        Installer::Uv => UV_DIST_INFO_FILES,
        Installer::Pip => &[],
    };
    relocate::relocate_venv(&venv, ctx.staging_root, drop)?;

    // Sources get the packages' mtime, so that timestamp pycs (Python < 3.7)
    // match them once installed.
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(ctx.source_date_epoch);
    for path in relocate::walk(&venv)? {
        if path.extension().is_some_and(|e| e == "py") && fs::symlink_metadata(&path)?.is_file() {
            fs::File::open(&path)?.set_modified(epoch)?;
        }
    }
    python_step(
        "byte-compiling the virtualenv",
        &venv_python,
        "the virtualenv's interpreter could not run `compileall`; check that it works",
        ctx,
    )
    .args(["-c", COMPILE])
    .arg(&venv)
    .arg(ctx.prefix)
    .run()?;
    Ok(())
}

/// One staging's installs into its fresh virtualenv.
struct Installs<'r, 'a> {
    recipe: &'r PythonRecipe<'a>,
    project: &'r Path,
    requirements: Option<&'r Path>,
    venv: &'r Path,
    ctx: &'r StageContext<'a>,
}

impl Installs<'_, '_> {
    fn venv_python(&self) -> std::path::PathBuf {
        self.venv.join("bin/python")
    }

    /// `python -m venv --clear [--without-pip] <venv>`.
    fn create_venv(&self, with_pip: bool) -> Result<(), RecipeError> {
        let python = self.recipe.python;
        let step = python_step(
            "creating the virtualenv",
            python,
            format!(
                "`{python}` must be Python 3 with the `venv` module (Debian/Ubuntu: `apt-get install python3-venv`)"
            ),
            self.ctx,
        )
        .args(["-m", "venv", "--clear"]);
        if with_pip {
            step
        } else {
            step.arg("--without-pip")
        }
        .arg(self.venv)
        .run()?;
        // Python 3.13+ writes a `.gitignore` (`*`) into every venv: no use in a package.
        let gitignore = self.venv.join(".gitignore");
        if fs::read(&gitignore).is_ok_and(|d| d.starts_with(b"# Created by venv")) {
            fs::remove_file(&gitignore)?;
        }
        Ok(())
    }

    /// pip installs the requirements, then the project.
    fn with_pip(&self) -> Result<(), RecipeError> {
        let (recipe, ctx) = (self.recipe, self.ctx);
        let venv_python = self.venv_python();
        // Where pip comes from, in order of preference:
        // * outside the venv, new enough for `pip --python` (this machine);
        // * in a build root, the distribution's own self-contained pip wheel
        //   (`/usr/share/python-wheels/pip-*.whl`), run by the venv's python
        //   from the wheel, so it installs into the venv and is not in it;
        // * else the venv is seeded with pip by `ensurepip` and the seeds are
        //   removed after the installs (Debian 11's debundled pip 20.3).
        let outside_pip = find_pip(recipe.python, &venv_python, ctx);
        let mut seeded = false;
        let pip = match outside_pip {
            Ok(pip) => {
                self.create_venv(false)?;
                pip
            }
            Err(e) if ctx.sandbox.root().is_none() => return Err(e),
            Err(_) => {
                self.create_venv(false)?;
                match usable_pip_wheel(&venv_python, ctx) {
                    Some(wheel) => vec![
                        venv_python.clone().into_os_string(),
                        wheel.join("pip").into_os_string(),
                    ],
                    None => {
                        self.create_venv(true)?;
                        seeded = true;
                        vec![
                            venv_python.clone().into_os_string(),
                            "-m".into(),
                            "pip".into(),
                        ]
                    }
                }
            }
        };
        let seeds = if seeded {
            installed(self.venv)?
        } else {
            Vec::new()
        };
        if let Some(req) = self.requirements {
            python_step(
                "installing the requirements",
                &pip[0],
                "fix the requirements file or `[build] pip-args`; an offline build needs `--no-index --find-links DIR` with a wheel for every requirement",
                ctx,
            )
            .args(&pip[1..])
            .args(["install", "--no-compile"])
            .args(recipe.pip_args)
            .arg("--requirement")
            .arg(req)
            .cwd(self.project)
            .run()?;
        }
        python_step(
            "installing the project",
            &pip[0],
            "check that the project builds with `pip install`; with `--no-index`, `--find-links` needs a wheel of the build backend named in pyproject.toml `[build-system] requires` too",
            ctx,
        )
        .args(&pip[1..])
        .args(["install", "--no-compile"])
        .args(recipe.pip_args)
        .arg(self.project)
        .cwd(self.project)
        .run()?;
        if seeded {
            remove_seeds(&venv_python, &seeds, ctx)?;
        }
        Ok(())
    }

    /// uv installs the requirements, then the project:
    /// `uv pip install --python <venv>/bin/python`, with what pip gets
    /// (the project directory as working directory, `pip-args`, no
    /// bytecode) and uv's own settings: files copied out of its cache
    /// (`UV_LINK_MODE=copy`: a hard link into a cache that is deleted, or
    /// a reflink, gains nothing), the cache and temporaries inside the
    /// staging directory's `.omnipack-tmp` (so a killed build's go with
    /// it), no progress display, and never a downloaded interpreter
    /// (`UV_PYTHON_DOWNLOADS=never`): the venv's is the distribution's.
    fn with_uv(&self, uv: &std::ffi::OsStr) -> Result<(), RecipeError> {
        let (recipe, ctx) = (self.recipe, self.ctx);
        self.create_venv(false)?;
        let venv_python = self.venv_python();
        let step = |what: &str, hint: &str| {
            python_step(what, uv, hint, ctx)
                .env_remove(ENV_REMOVE_UV)
                .env(
                    "UV_CACHE_DIR",
                    ctx.staging_root.join(PIP_TMP).join("uv-cache"),
                )
                .env("UV_LINK_MODE", "copy")
                .env("UV_NO_PROGRESS", "1")
                .env("UV_PYTHON_DOWNLOADS", "never")
                .env("NO_COLOR", "1")
                .args(["pip", "install", "--no-compile-bytecode", "--python"])
                .arg(&venv_python)
                .args(recipe.pip_args)
                .cwd(self.project)
        };
        let rejected = |e: RecipeError| uv_rejected_arg(e, recipe.pip_args);
        if let Some(req) = self.requirements {
            step(
                "installing the requirements with uv",
                "fix the requirements file or `[build] pip-args`; an offline build needs `--no-index --find-links DIR` with a wheel for every requirement",
            )
            .arg("--requirement")
            .arg(req)
            .run()
            .map_err(rejected)?;
        }
        step(
            "installing the project with uv",
            "check that the project builds with `uv pip install`; with `--no-index`, `--find-links` needs a wheel of the build backend named in pyproject.toml `[build-system] requires` too",
        )
        .arg(self.project)
        .run()
        .map_err(rejected)?;
        remove_uv_lock(self.venv)
    }
}

/// Environment that would make uv install elsewhere, into another
/// interpreter, or byte-compile (pip's are in [`ENV_REMOVE`]).
const ENV_REMOVE_UV: &[&str] = &[
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONEXECUTABLE",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "UV_PYTHON",
    "UV_SYSTEM_PYTHON",
    "UV_BREAK_SYSTEM_PACKAGES",
    "UV_TARGET",
    "UV_PREFIX",
    "UV_COMPILE_BYTECODE",
    "UV_PROJECT_ENVIRONMENT",
];

/// uv's own files in the venv, none of which belongs in a package: the
/// venv's `.lock` (an empty, world-writable file uv locks while it
/// installs) and, in every `*.dist-info`, `uv_cache.json` (the cache
/// entry's timestamp at build time: no two builds would be identical) and
/// `uv_build.json` (the settings the cached build was made with). The
/// relocation removes those with their `RECORD` lines.
const UV_DIST_INFO_FILES: &[&str] = &["uv_cache.json", "uv_build.json"];

/// Removes the venv's `.lock` that uv leaves.
fn remove_uv_lock(venv: &Path) -> Result<(), RecipeError> {
    let lock = venv.join(".lock");
    if fs::symlink_metadata(&lock).is_ok_and(|m| m.is_file() && m.len() == 0) {
        fs::remove_file(&lock)?;
    }
    Ok(())
}

/// uv on this machine: the first `uv` on `PATH`, symlinks resolved (a
/// `pip install uv` in a venv, or `~/.local/bin/uv` from pipx, is a link
/// whose target is the binary that can be bound into a build root).
pub fn host_uv() -> Option<std::path::PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join("uv"))
        .find(|p| p.is_file())
        .and_then(|p| fs::canonicalize(p).ok())
}

/// The uv that runs where the recipe runs: this machine's; in a build
/// root, the root's own (on its `PATH`), else this machine's, bound into
/// the root at its own path by the build (see `omnibus::sandbox_for`).
/// PyPI's x86_64 manylinux uv binary (what `pip install uv` gives on a
/// glibc machine) links only glibc 2.17+ and `libgcc_s`, which every
/// build root has; the musllinux one is static.
fn find_uv(ctx: &StageContext<'_>) -> Result<std::ffi::OsString, RecipeError> {
    let sandbox = ctx.sandbox;
    if sandbox.root().is_some() && sandbox.has_program("uv") {
        return Ok("uv".into());
    }
    match host_uv() {
        Some(uv) if sandbox.root().is_none() => Ok(uv.into_os_string()),
        Some(uv) if uv.to_str().is_some_and(|u| sandbox.has_program(u)) => Ok(uv.into_os_string()),
        _ => Err(RecipeError::UvNotFound {
            place: match sandbox.root() {
                None => "this machine".to_owned(),
                Some(root) => format!("the build root `{}` or this machine", root.display()),
            },
        }),
    }
}

/// A failed uv step whose error is clap's refusal of an argument of
/// `pip-args` (`error: unexpected argument '--prefer-binary' found`,
/// `error: invalid value 'x' for '--index-strategy <…>'`) becomes an error
/// that names `[build] pip-args`; anything else is returned as it is.
fn uv_rejected_arg(e: RecipeError, pip_args: &[String]) -> RecipeError {
    let RecipeError::Failed { tail, .. } = &e else {
        return e;
    };
    let quoted = |line: &str, after: &str| -> Option<String> {
        let rest = &line[line.find(after)? + after.len()..];
        let rest = rest.strip_prefix('\'')?;
        Some(rest[..rest.find('\'')?].to_owned())
    };
    let refused = tail.lines().find_map(|l| {
        let l = l.trim_start_matches(['|', ' ']);
        if l.starts_with("error: unexpected argument ") {
            quoted(l, "error: unexpected argument ")
        } else if l.starts_with("error: invalid value ") {
            // The option is the second quoted word: `for '--opt <V>'`.
            quoted(l, "' for ").map(|o| o.split(' ').next().unwrap_or_default().to_owned())
        } else {
            None
        }
    });
    match refused {
        Some(arg)
            if pip_args
                .iter()
                .any(|a| a == &arg || a.split('=').next() == Some(arg.as_str())) =>
        {
            RecipeError::UvRejectsPipArg {
                arg,
                tail: tail.clone(),
            }
        }
        _ => e,
    }
}

/// The `X.Y` version of `python` where `sandbox` runs commands.
pub fn python_version(
    python: &str,
    sandbox: &omnipack_rootfs::Sandbox,
    source_date_epoch: u64,
) -> Result<String, RecipeError> {
    if !sandbox.has_program(python) {
        return Err(RecipeError::InterpreterNotFound(python.to_owned()));
    }
    let out = Step::new(
        "asking the interpreter for its version",
        python,
        format!("`{python}` must be a working Python 3"),
    )
    .inside(sandbox)
    .env("SOURCE_DATE_EPOCH", source_date_epoch.to_string())
    .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    .run()?;
    Ok(out.trim().to_owned())
}

/// The command prefix that runs pip against the venv:
/// `[<python>, -m, pip, --python, <venv python>]`.
fn find_pip(
    python: &str,
    venv_python: &Path,
    ctx: &StageContext<'_>,
) -> Result<Vec<std::ffi::OsString>, RecipeError> {
    let mut tried = Vec::new();
    let mut candidates = vec![python];
    if python != "python3" {
        candidates.push("python3");
    }
    for candidate in candidates {
        if !program_exists(candidate, ctx) {
            tried.push(format!("  `{candidate} -m pip`: `{candidate}` not found"));
            continue;
        }
        let probe = python_step("", candidate, "", ctx)
            .args(["-m", "pip", "--version"])
            .run();
        match probe.as_deref().map(pip_version) {
            Ok(Some(v)) if v >= MIN_PIP => {
                return Ok(vec![
                    candidate.into(),
                    "-m".into(),
                    "pip".into(),
                    "--python".into(),
                    venv_python.into(),
                ]);
            }
            Ok(Some((major, minor))) => tried.push(format!(
                "  `{candidate} -m pip`: pip {major}.{minor} is too old"
            )),
            Ok(None) => tried.push(format!(
                "  `{candidate} -m pip`: cannot read the version from `pip --version`"
            )),
            Err(_) => tried.push(format!("  `{candidate} -m pip`: no pip module")),
        }
    }
    Err(RecipeError::NoPip {
        python: python.to_owned(),
        tried: tried.join("\n"),
    })
}

/// The newest pip wheel the build root ships (Debian, Ubuntu, Fedora and
/// EL put them in `/usr/share/python-wheels`), if it runs on its own: a
/// debundled pip (Debian 11's) needs its dependencies' wheels beside it and
/// is not used. Returns its path inside the root.
fn usable_pip_wheel(venv_python: &Path, ctx: &StageContext<'_>) -> Option<std::path::PathBuf> {
    let dir = Path::new("/usr/share/python-wheels");
    let host_dir = ctx.sandbox.host_path(dir)?;
    let mut wheels: Vec<(Vec<u32>, String)> = fs::read_dir(host_dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let version = name.strip_prefix("pip-")?.split('-').next()?.to_owned();
            let key = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
            name.ends_with(".whl").then_some((key, name))
        })
        .collect();
    wheels.sort();
    let wheel = dir.join(&wheels.last()?.1);
    let probe = format!(
        "import sys; sys.path.insert(0, {:?}); import pip._vendor.requests",
        wheel.display().to_string()
    );
    python_step("", venv_python, "", ctx)
        .args(["-c", &probe])
        .run()
        .ok()
        .map(|_| wheel)
}

/// The distributions installed in the venv: names from its
/// `site-packages/*.dist-info` directories.
fn installed(venv: &Path) -> Result<Vec<String>, RecipeError> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(dirs) = fs::read_dir(venv.join(lib)) else {
            continue;
        };
        for py in dirs.filter_map(Result::ok) {
            let Ok(entries) = fs::read_dir(py.path().join("site-packages")) else {
                continue;
            };
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".dist-info") {
                    let dist = stem.split('-').next().unwrap_or(stem).to_owned();
                    if !out.contains(&dist) {
                        out.push(dist);
                    }
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Prints which of the seeds (`argv[1:]`) no other installed distribution
/// requires (markers evaluated, extras not): those are removed.
const UNNEEDED: &str = r#"
import sys, importlib.metadata as md
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name as c
seeds = {c(s) for s in sys.argv[1:]}
needed = set()
for d in md.distributions():
    if c(d.metadata["Name"]) in seeds:
        continue
    for r in d.requires or []:
        req = Requirement(r)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            needed.add(c(req.name))
print(" ".join(sorted(seeds - needed)))
"#;

/// Uninstalls what `ensurepip` seeded (pip, and setuptools on older
/// pythons) unless the application requires it: pip has no business in
/// the shipped tree, as with `--without-pip`.
fn remove_seeds(
    venv_python: &Path,
    seeds: &[String],
    ctx: &StageContext<'_>,
) -> Result<(), RecipeError> {
    if seeds.is_empty() {
        return Ok(());
    }
    let unneeded = python_step(
        "finding the seeded packages to remove",
        venv_python,
        "the virtualenv's pip could not read the installed metadata",
        ctx,
    )
    .args(["-c", UNNEEDED])
    .args(seeds)
    .run()?;
    let names: Vec<&str> = unneeded.split_whitespace().collect();
    if names.is_empty() {
        return Ok(());
    }
    python_step(
        "removing pip from the virtualenv",
        venv_python,
        "the virtualenv's pip could not uninstall itself",
        ctx,
    )
    .args(["-m", "pip", "uninstall", "--yes"])
    .args(names)
    .run()?;
    Ok(())
}

/// `(major, minor)` from `pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)`.
fn pip_version(output: &str) -> Option<(u32, u32)> {
    let line = output.lines().find(|l| l.starts_with("pip "))?;
    let version = line.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()
        .map(|m| {
            m.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_versions_are_read_from_pip_version_output() {
        assert_eq!(
            pip_version("pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)\n"),
            Some((23, 0))
        );
        assert_eq!(pip_version("pip 9.0.3 from /x (python 3.6)"), Some((9, 0)));
        assert_eq!(
            pip_version("pip 24.1b1 from /x (python 3.12)"),
            Some((24, 1))
        );
        assert_eq!(pip_version("nonsense"), None);
        assert!(pip_version("pip 22.2.2 from /x").is_some_and(|v| v < MIN_PIP));
    }
}
