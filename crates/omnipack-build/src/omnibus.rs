//! `omnipack build`: stage the application once per interpreter, plan the
//! main and meta packages for every distribution, write them all, and only
//! then move them into `<out>/<distribution>/`. A build that fails at any
//! step leaves `--out` as it was: packages are written into a hidden
//! directory inside `--out` and renamed into place at the very end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use omnipack_spec::distribution::Distribution;
use omnipack_spec::manifest::{Manifest, RecipeKind};
use omnipack_spec::version::ProjectVersion;

use crate::plan::{PlanInput, distribution_dir, plan};
use crate::recipe::{StageContext, stage};
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

/// Runs the whole build; returns every package written, in order.
pub fn build(req: &BuildRequest<'_>) -> Result<Vec<Built>, BuildError> {
    let m = req.manifest;
    let version = project_version(m)?;
    let sde = source_date_epoch(&m.root)?;
    let prefix = m.prefix();

    let started = std::time::Instant::now();
    // Stage once per interpreter (python) or once (other recipes).
    let mut staged: BTreeMap<String, tempfile::TempDir> = BTreeMap::new();
    for dist in req.distributions {
        let key = if m.build.recipe == RecipeKind::Python {
            interpreter(m, dist)
        } else {
            String::new()
        };
        if staged.contains_key(&key) {
            continue;
        }
        req.progress
            .start(&format!("staging {}", m.project.name), 0);
        let root = tempfile::Builder::new()
            .prefix("omnipack-stage-")
            .tempdir()
            .map_err(|e| BuildError::Output {
                path: std::env::temp_dir(),
                source: e,
            })?;
        let python = if key.is_empty() {
            interpreter(m, dist)
        } else {
            key.clone()
        };
        stage(
            &m.recipe(),
            &StageContext {
                staging_root: root.path(),
                prefix: &prefix,
                python: &python,
                source_date_epoch: sde,
            },
        )?;
        req.progress.finish();
        staged.insert(key, root);
    }

    req.progress.note(&format!(
        "staged {} ({:?} recipe) in {:.2} s",
        m.project.name,
        m.build.recipe,
        started.elapsed().as_secs_f64()
    ));
    let packaging = std::time::Instant::now();
    // Plan and check every package before writing any.
    let mut plans = Vec::new();
    for dist in req.distributions {
        let key = if m.build.recipe == RecipeKind::Python {
            interpreter(m, dist)
        } else {
            String::new()
        };
        let root = staged
            .get(&key)
            .map(|t| t.path().to_path_buf())
            .unwrap_or_default();
        let specs = plan(&PlanInput {
            manifest: m,
            distribution: dist,
            version: &version,
            staged: &root,
            source_date_epoch: sde,
        })?;
        for spec in &specs {
            validate(dist.format, spec)?;
        }
        plans.push((dist, specs));
    }

    fs::create_dir_all(req.out_dir)?;
    let scratch = tempfile::Builder::new()
        .prefix(".omnipack-build-")
        .tempdir_in(req.out_dir)
        .map_err(|e| BuildError::Output {
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
