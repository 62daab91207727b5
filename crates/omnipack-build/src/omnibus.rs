//! `omnipack build`: stage the application once per interpreter, plan the
//! main and meta packages for every distribution, write them all, and only
//! then move them into `<out>/<distribution>/`. A build that fails at any
//! step leaves `--out` as it was: packages are written into a hidden
//! directory inside `--out` and renamed into place at the very end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use omnipack_core::cleanup::{ScratchDir, sweep_dirs};
use omnipack_spec::Recipe;
use omnipack_spec::distribution::Distribution;
use omnipack_spec::manifest::{Installer, Manifest, RecipeKind};
use omnipack_spec::version::ProjectVersion;

use omnipack_rootfs::{Access, RootStore, Sandbox};

use crate::builder::{Builder, Place, place_for};
use crate::plan::{PlanInput, distribution_dir, plan};
use crate::recipe::{StageContext, python_version, stage};
use crate::{BuildError, PackageRequest, lint, package, source_date_epoch, validate};

/// What to build.
pub struct BuildRequest<'a> {
    /// The project's manifest.
    pub manifest: &'a Manifest,
    /// Target distributions.
    pub distributions: &'a [Distribution],
    /// Output directory; packages go to `<out>/<distribution>/`.
    pub out_dir: &'a Path,
    /// Compression threads.
    pub threads: u32,
    /// Run lintian / rpmlint on every package and fail on findings not suppressed.
    pub lint: bool,
    /// `--builder DIST=VALUE`: where a distribution's staging runs.
    pub builders: &'a BTreeMap<String, Builder>,
    /// The cache of build roots.
    pub roots: &'a RootStore,
    /// `--installer`: what installs into the python recipe's virtualenv,
    /// instead of `[build] installer`.
    pub installer: Option<Installer>,
    /// Progress reporter.
    pub progress: &'a dyn Progress,
}

impl std::fmt::Debug for BuildRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildRequest")
            .field("project", &self.manifest.project.name)
            .field("out_dir", &self.out_dir)
            .finish_non_exhaustive()
    }
}

/// One package written by a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The distribution it is for.
    pub distribution: String,
    /// Its final path.
    pub path: PathBuf,
}

/// The project's version: `[project] version`, else `git describe`.
pub fn project_version(manifest: &Manifest) -> Result<ProjectVersion, BuildError> {
    let raw = match &manifest.project.version {
        Some(v) => v.clone(),
        None => crate::git::describe(&manifest.root)?,
    };
    ProjectVersion::parse(&raw).map_err(|e| BuildError::Version {
        dir: manifest.root.clone(),
        reason: format!(
            "{e}; tag a release (`git tag 1.0.0`) or set `version` in [project] of `{}`",
            manifest.path.display()
        ),
    })
}

/// The version of the git checkout at `dir` (`omnipack version` without a manifest).
pub fn describe_version(dir: &Path) -> Result<ProjectVersion, BuildError> {
    let raw = crate::git::describe(dir)?;
    ProjectVersion::parse(&raw).map_err(|e| BuildError::Version {
        dir: dir.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The interpreter the python recipe uses for `dist`.
fn interpreter(manifest: &Manifest, dist: &Distribution) -> String {
    manifest
        .build
        .python
        .clone()
        .unwrap_or_else(|| dist.python.clone())
}

/// A staged tree and the python version that made it.
struct Staged {
    dir: ScratchDir,
    python_version: Option<String>,
}

/// Refuses an interpreter whose version is not the distribution's.
fn check_interpreter(
    dist: &Distribution,
    place: &Place,
    interpreter: &str,
    found: Option<&str>,
) -> Result<(), BuildError> {
    match found {
        Some(found) if !dist.python_version.is_empty() && found != dist.python_version => Err(
            BuildError::InterpreterMismatch(Box::new(crate::error::Interpreter {
                distribution: dist.name.clone(),
                wanted: dist.python_version.clone(),
                found: found.to_owned(),
                interpreter: interpreter.to_owned(),
                place: place.describe.clone(),
            })),
        ),
        _ => Ok(()),
    }
}

/// The manifest's recipe, with `--installer` applied.
fn recipe_for(m: &Manifest, installer: Option<Installer>) -> Result<Recipe, BuildError> {
    let mut recipe = m.recipe();
    match (&mut recipe, installer) {
        (_, None) => {}
        (Recipe::Python { installer: i, .. }, Some(chosen)) => *i = chosen,
        (_, Some(_)) => {
            return Err(BuildError::InstallerNotForRecipe {
                path: m.path.clone(),
                recipe: format!("{:?}", m.build.recipe).to_lowercase(),
            });
        }
    }
    Ok(recipe)
}

/// Where the recipe's commands run: this machine, or the build root with
/// the staging root writable and the project (and any recipe input
/// outside it) writable through a throwaway overlay, at their own paths.
/// A python recipe installing with uv into a root that has no `uv` of its
/// own gets this machine's binary, read-only at its own path.
fn sandbox_for(
    place: &Place,
    m: &Manifest,
    recipe: &Recipe,
    staging: &Path,
) -> Result<Sandbox, BuildError> {
    let Some(root) = &place.root else {
        return Ok(Sandbox::host());
    };
    let mut sandbox = Sandbox::in_root(root)?;
    sandbox.bind(staging, Access::Write)?;
    let project = std::path::absolute(&m.root)?;
    sandbox.bind(&project, Access::Overlay)?;
    let inputs = match recipe {
        Recipe::Python {
            project: p,
            requirements,
            installer,
            ..
        } => {
            if *installer == Installer::Uv
                && !sandbox.has_program("uv")
                && let Some(uv) = crate::recipe::host_uv()
            {
                sandbox.bind(&uv, Access::Read)?;
            }
            let mut v = vec![p.clone()];
            v.extend(
                requirements
                    .as_ref()
                    .and_then(|r| r.parent().map(Path::to_path_buf)),
            );
            v
        }
        Recipe::Cargo { path, .. } => vec![path.clone()],
        Recipe::Dir { path } => vec![path.clone()],
        Recipe::Command { workdir, .. } => vec![workdir.clone()],
    };
    for input in inputs {
        let input = std::path::absolute(&input)?;
        if !input.starts_with(&project) && input.is_dir() {
            sandbox.bind(&input, Access::Overlay)?;
        }
    }
    sandbox.set_network(!m.build.offline);
    Ok(sandbox)
}

/// The prefix of the staging directories in the temporary directory,
/// followed by the builder's pid (so that the next build removes a killed
/// one's).
const STAGE_PREFIX: &str = "omnipack-stage-";

/// `--out`'s scratch directories: `.omnipack-build-<pid>-…`.
const OUT_SCRATCH_PREFIX: &str = ".omnipack-build-";

/// A new staging directory `STAGE_PREFIX<pid>-…` in the temporary
/// directory, removed when dropped (or by the next build if this one is
/// killed).
fn stage_tempdir() -> Result<ScratchDir, BuildError> {
    ScratchDir::new(STAGE_PREFIX).map_err(|e| BuildError::Output {
        path: std::env::temp_dir(),
        source: e,
    })
}

/// Plans and checks every `[[package]]` for every distribution before
/// anything is staged (staging takes seconds to minutes): names, versions,
/// relations and each format's rules, and every `[[package.files]] src`.
/// Each package is planned on its own over an empty staging directory, so
/// an error names the package, the distribution and the line of its name.
fn preflight(
    m: &Manifest,
    distributions: &[Distribution],
    version: &ProjectVersion,
    sde: u64,
) -> Result<(), BuildError> {
    let empty = stage_tempdir()?;
    fs::create_dir_all(empty.path().join(m.prefix().trim_start_matches('/')))?;
    let text = fs::read_to_string(&m.path).unwrap_or_default();
    for dist in distributions {
        let mut dist = dist.clone();
        if dist.python_version.is_empty() {
            // Known once staged; any version plans the same names.
            dist.python_version = "3".into();
        }
        for decl in &m.packages {
            let wrap = |e: BuildError| BuildError::Manifest {
                path: m.path.clone(),
                line: name_line(&text, &decl.name),
                package: decl.name.clone(),
                distribution: dist.name.clone(),
                source: Box::new(e),
            };
            // This package alone, as the main one (so the plan needs no
            // other), without configuration files from the staged tree.
            let mut one = m.clone();
            let mut d = decl.clone();
            d.main = true;
            d.library_depends = false;
            d.config_files
                .retain(|c| d.files.iter().any(|f| &f.dst == c));
            one.packages = vec![d];
            let planned = plan(&PlanInput {
                manifest: &one,
                distribution: &dist,
                version,
                staged: empty.path(),
                source_date_epoch: sde,
                library_root: Path::new("/"),
            })
            .map_err(wrap)?;
            for spec in &planned.specs {
                validate(dist.format, spec).map_err(wrap)?;
            }
        }
    }
    Ok(())
}

/// The 1-based line of `name = "NAME"` in the manifest's text.
fn name_line(text: &str, name: &str) -> Option<usize> {
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with("name") && quoted.iter().any(|q| l.contains(q.as_str()))
        })
        .map(|i| i + 1)
}

/// Runs the whole build; returns every package written, in order.
pub fn build(req: &BuildRequest<'_>) -> Result<Vec<Built>, BuildError> {
    let m = req.manifest;
    let version = project_version(m)?;
    let sde = source_date_epoch(&m.root)?;
    let prefix = m.prefix();

    // What killed builds left in the temporary directory: their staging
    // trees (a whole virtualenv each).
    let swept = omnipack_core::atomic::sweep_temp_dirs(STAGE_PREFIX);
    if !swept.is_empty() {
        req.progress.note(&format!(
            "removed {} staging director{} that a killed build left in `{}`",
            swept.len(),
            if swept.len() == 1 { "y" } else { "ies" },
            std::env::temp_dir().display()
        ));
    }
    let recipe = recipe_for(m, req.installer)?;
    preflight(m, req.distributions, &version, sde)?;

    let started = std::time::Instant::now();
    // Where each distribution stages: this machine or a build root.
    let mut places: Vec<Place> = Vec::new();
    for dist in req.distributions {
        places.push(place_for(
            dist,
            m,
            req.builders.get(&dist.name),
            req.roots,
            req.progress,
        )?);
    }
    // Stage once per place and interpreter (python) or once per place.
    let python_recipe = m.build.recipe == RecipeKind::Python;
    let key_of = |dist: &Distribution, place: &Place| -> (Option<PathBuf>, String) {
        let python = if python_recipe {
            interpreter(m, dist)
        } else {
            String::new()
        };
        (place.root.clone(), python)
    };
    let mut staged: BTreeMap<(Option<PathBuf>, String), Staged> = BTreeMap::new();
    for (dist, place) in req.distributions.iter().zip(&places) {
        let key = key_of(dist, place);
        if let Some(done) = staged.get(&key) {
            check_interpreter(dist, place, &key.1, done.python_version.as_deref())?;
            continue;
        }
        let root = stage_tempdir()?;
        let sandbox = sandbox_for(place, m, &recipe, root.path())?;
        let version = if python_recipe {
            let v = python_version(&key.1, &sandbox, sde).map_err(|e| match e {
                crate::recipe::RecipeError::InterpreterNotFound(interpreter) => {
                    BuildError::InterpreterMissing(Box::new(crate::error::Interpreter {
                        distribution: dist.name.clone(),
                        wanted: dist.python_version.clone(),
                        found: String::new(),
                        interpreter,
                        place: place.describe.clone(),
                    }))
                }
                e => e.into(),
            })?;
            check_interpreter(dist, place, &key.1, Some(&v))?;
            Some(v)
        } else {
            None
        };
        req.progress.start(
            &format!("staging {} on {}", m.project.name, place.describe),
            0,
        );
        stage(
            &recipe,
            &StageContext {
                staging_root: root.path(),
                prefix: &prefix,
                python: &interpreter(m, dist),
                source_date_epoch: sde,
                sandbox: &sandbox,
            },
        )?;
        req.progress.finish();
        staged.insert(
            key,
            Staged {
                dir: root,
                python_version: version,
            },
        );
    }

    let installer = match &recipe {
        Recipe::Python { installer, .. } => format!(", {installer}"),
        _ => String::new(),
    };
    req.progress.note(&format!(
        "staged {} ({:?} recipe{installer}) {} time(s) in {:.2} s",
        m.project.name,
        m.build.recipe,
        staged.len(),
        started.elapsed().as_secs_f64()
    ));
    let packaging = std::time::Instant::now();
    // Plan and check every package before writing any.
    let mut plans = Vec::new();
    for (dist, place) in req.distributions.iter().zip(&places) {
        let done = &staged[&key_of(dist, place)];
        // A distribution defined without `python-version` is pinned to the
        // interpreter that staged it.
        let mut dist = dist.clone();
        if dist.python_version.is_empty()
            && let Some(v) = &done.python_version
        {
            dist.python_version = v.clone();
        }
        let planned = plan(&PlanInput {
            manifest: m,
            distribution: &dist,
            version: &version,
            staged: done.dir.path(),
            source_date_epoch: sde,
            library_root: place.root.as_deref().unwrap_or(Path::new("/")),
        })?;
        for a in &planned.added {
            req.progress.note(&format!(
                "{} ({}): depends on {} ({})",
                a.package,
                dist.name,
                a.dependency,
                a.because.join("; ")
            ));
        }
        let specs = planned.specs;
        for spec in &specs {
            validate(dist.format, spec)?;
        }
        plans.push((dist, specs));
    }

    fs::create_dir_all(req.out_dir)?;
    // The packages are written in a scratch directory of `--out` and moved
    // into place once all are made; a killed build's is removed here.
    let left = sweep_dirs(req.out_dir, OUT_SCRATCH_PREFIX);
    if !left.is_empty() {
        req.progress.note(&format!(
            "removed {} unfinished output director{} that a killed build left in `{}`",
            left.len(),
            if left.len() == 1 { "y" } else { "ies" },
            req.out_dir.display()
        ));
    }
    let scratch =
        ScratchDir::new_in(req.out_dir, OUT_SCRATCH_PREFIX).map_err(|e| BuildError::Output {
            path: req.out_dir.to_path_buf(),
            source: e,
        })?;
    let mut written = Vec::new();
    for (dist, specs) in &plans {
        let dir = distribution_dir(scratch.path(), dist);
        for spec in specs {
            let paths = package(&PackageRequest {
                spec,
                formats: &[dist.format],
                out_dir: &dir,
                threads: req.threads,
                progress: req.progress,
            })?;
            for p in paths {
                if req.lint {
                    lint::check(&p, dist.format)?;
                }
                written.push((dist.name.clone(), p));
            }
        }
    }

    req.progress.note(&format!(
        "wrote {} packages in {:.2} s{}",
        written.len(),
        packaging.elapsed().as_secs_f64(),
        if req.lint { " (linted)" } else { "" }
    ));
    // Everything is written (and linted): move it into place.
    let mut built = Vec::new();
    for (dist_name, tmp) in written {
        let dir = req.out_dir.join(&dist_name);
        fs::create_dir_all(&dir)?;
        let name = tmp.file_name().map(PathBuf::from).unwrap_or_default();
        let dest = dir.join(name);
        fs::rename(&tmp, &dest)?;
        built.push(Built {
            distribution: dist_name,
            path: dest,
        });
    }
    for b in &built {
        if let Some(dir) = b.path.parent() {
            omnipack_core::atomic::sync_dir(dir);
        }
    }
    Ok(built)
}
