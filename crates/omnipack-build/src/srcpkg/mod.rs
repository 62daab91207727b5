//! Source packages for distribution maintainers (`omnipack spec`): the
//! project's sdist, a reproducible `NAME-VERSION.tar.gz` of the git tree at
//! `HEAD` as `git archive --prefix=NAME-VERSION/` lays it out, and an RPM
//! `.spec` that builds it the distribution's way (into `/usr`, with the
//! distribution's own dependencies), as Flocker's `python setup.py
//! generate_spec` did for its CentOS template.
//!
//! Everything written is a function of the tree at `HEAD`, the manifest and
//! `SOURCE_DATE_EPOCH` (else the commit time): two runs give the same bytes.

mod debian;
mod extras;
mod rpmspec;
mod sdist;

use std::path::{Path, PathBuf};

use omnipack_spec::distribution::{BackendPackage, Distribution};
use omnipack_spec::manifest::{Manifest, RecipeKind};
use omnipack_spec::version::ProjectVersion;
use omnipack_spec::{Dependency, Format};

pub use rpmspec::SpecStyle;
pub use sdist::TreeEntry;

use crate::BuildError;

/// What can go wrong while writing source packages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SrcPkgError {
    /// The version, the epoch or the manifest.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A git command failed.
    #[error("`git {args}` failed in `{}`: {reason}", dir.display())]
    Git {
        /// The project directory.
        dir: PathBuf,
        /// The arguments.
        args: String,
        /// Its error output, or why it could not run.
        reason: String,
    },
    /// The tree at HEAD lacks something the source package needs.
    #[error("`{}`: {reason}", dir.display())]
    Tree {
        /// The project directory.
        dir: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A relation of the manifest that cannot be parsed.
    #[error("`{}`: {reason}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A distribution of the other package format.
    #[error("{distribution} is not a distribution of {format} packages")]
    WrongFormat {
        /// The distribution.
        distribution: String,
        /// The format the command writes.
        format: &'static str,
    },
    /// A build backend of a Python project that the target release does not package.
    #[error(
        "the build backend `{backend}` (pyproject.toml `[build-system] requires`) is not packaged in {distribution}: `dpkg-buildpackage` could not install it"
    )]
    NotPackaged {
        /// The distribution.
        distribution: String,
        /// The backend's name.
        backend: String,
    },
    /// What the generated packaging needs is missing from the target release.
    #[error("{distribution}: {reason}")]
    Unsupported {
        /// The distribution.
        distribution: String,
        /// What is missing.
        reason: String,
    },
    /// An output could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl SrcPkgError {
    /// What the user can do.
    pub fn hint(&self) -> Option<String> {
        match self {
            SrcPkgError::Build(e) => e.hint(),
            SrcPkgError::Git { .. } => Some(
                "the project must be in a git checkout with at least one commit (`git init && git add -A && git commit`): the source tarball is the tree at HEAD".into(),
            ),
            SrcPkgError::Tree { .. } => {
                Some("commit the files the source package needs, then run again".into())
            }
            SrcPkgError::Manifest { .. } => Some(
                "write dependencies as `name` or `name (>= VERSION)` (docs/manifest.md)".into(),
            ),
            SrcPkgError::WrongFormat { format, .. } => Some(format!(
                "name a distribution of {format} packages with `--distribution` (`omnipack distributions` lists them)"
            )),
            SrcPkgError::NotPackaged {
                distribution,
                backend,
            } => Some(format!(
                "target a newer release with `-d`, or name a package that provides it with `renames = {{ python3-{backend} = \"PACKAGE\" }}` in `[distributions.{distribution}]` of omnipack.toml"
            )),
            SrcPkgError::Unsupported { .. } => {
                Some("target a newer release with `-d` (`omnipack distributions` lists them)".into())
            }
            SrcPkgError::Output { .. } => {
                Some("check that the output directory is writable (`--out DIR`)".into())
            }
        }
    }
}

/// What `omnipack spec` writes.
#[derive(Debug)]
pub struct SpecRequest<'a> {
    /// The project's manifest.
    pub manifest: &'a Manifest,
    /// The distribution whose dependency names the spec uses (default:
    /// the newest Fedora of the table).
    pub distribution: Option<&'a str>,
    /// Which spec for Python projects.
    pub style: SpecStyle,
    /// Where `NAME-VERSION.tar.gz` and `NAME.spec` go.
    pub out_dir: &'a Path,
}

/// What `omnipack spec` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecOutput {
    /// The sdist, `OUT/NAME-VERSION.tar.gz`.
    pub sdist: PathBuf,
    /// The spec file, `OUT/NAME.spec`.
    pub spec: PathBuf,
    /// The project's version.
    pub version: ProjectVersion,
    /// The distribution whose names the dependencies have.
    pub distribution: String,
    /// What the spec could not carry over from the manifest.
    pub warnings: Vec<String>,
}

/// The facts every source package format is made from.
#[derive(Debug)]
struct Source {
    name: String,
    version: ProjectVersion,
    epoch: u64,
    /// The tree at `HEAD` (paths relative to the project directory).
    tree: Vec<TreeEntry>,
}

impl Source {
    fn read(manifest: &Manifest) -> Result<Source, SrcPkgError> {
        let version = crate::project_version(manifest)?;
        let epoch = crate::source_date_epoch(&manifest.root)?;
        let tree = sdist::ls_tree(&manifest.root)?;
        Ok(Source {
            name: manifest.project.name.clone(),
            version,
            epoch,
            tree,
        })
    }

    /// `NAME-VERSION`: the tarball's top directory.
    fn dir_name(&self) -> String {
        format!("{}-{}", self.name, self.version.rpm_version)
    }

    /// Compiled code in the tree (C, C++, Cython, Rust sources): then the
    /// package is not `noarch` / `Architecture: all`.
    fn has_compiled_code(&self) -> bool {
        self.tree.iter().any(|e| {
            [".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".f90"]
                .iter()
                .any(|ext| e.path.ends_with(ext))
        })
    }

    /// The license files at the top of the tree (`LICENSE`, `COPYING`, ...).
    fn license_files(&self) -> Vec<&str> {
        self.tree
            .iter()
            .map(|e| e.path.as_str())
            .filter(|p| !p.contains('/'))
            .filter(|p| {
                let u = p.to_ascii_uppercase();
                u.starts_with("LICENSE") || u.starts_with("LICENCE") || u.starts_with("COPYING")
            })
            .collect()
    }
}

/// Writes the sdist and the `.spec` of the project into `req.out_dir`.
pub fn spec(req: &SpecRequest<'_>) -> Result<SpecOutput, SrcPkgError> {
    let m = req.manifest;
    let dist = distribution(m, req.distribution, Format::Rpm)?;
    let source = Source::read(m)?;
    let python = m.build.recipe == RecipeKind::Python;
    let pkg_info = python.then(|| sdist::pkg_info(m, &source));
    let sdist = req.out_dir.join(format!("{}.tar.gz", source.dir_name()));
    fs_err::create_dir_all(req.out_dir).map_err(|e| SrcPkgError::Output {
        path: req.out_dir.to_path_buf(),
        source: e,
    })?;
    let mut warnings = Vec::new();
    let extras = extras::gather(m, &source, &mut warnings)?;
    cargo_offline_warning(m, &source, &mut warnings)?;
    sdist::write(&m.root, &source, pkg_info.as_deref(), &sdist)?;
    let text = rpmspec::render(m, &source, &dist, req.style, &extras)?;
    let spec = req.out_dir.join(format!("{}.spec", source.name));
    omnipack_core::atomic::write_file(&spec, text.as_bytes(), 0o644).map_err(|e| {
        SrcPkgError::Output {
            path: spec.clone(),
            source: e,
        }
    })?;
    Ok(SpecOutput {
        sdist,
        spec,
        version: source.version,
        distribution: dist.name,
        warnings,
    })
}

/// What `omnipack debian` writes.
#[derive(Debug)]
pub struct DebianRequest<'a> {
    /// The project's manifest.
    pub manifest: &'a Manifest,
    /// The distribution whose dependency names `debian/control` uses
    /// (default: the newest Debian of the table).
    pub distribution: Option<&'a str>,
    /// Where `NAME_VERSION.orig.tar.gz` and `debian/` go.
    pub out_dir: &'a Path,
}

/// What `omnipack debian` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebianOutput {
    /// The upstream tarball, `OUT/NAME_VERSION.orig.tar.gz` (the sdist).
    pub orig: PathBuf,
    /// The packaging directory, `OUT/debian`.
    pub debian_dir: PathBuf,
    /// Every file written under it, sorted.
    pub files: Vec<PathBuf>,
    /// The project's version (`deb()` is the package's).
    pub version: ProjectVersion,
    /// The distribution whose names the dependencies have.
    pub distribution: String,
    /// What `debian/` could not carry over from the manifest, and the
    /// names in it omnipack has not checked on the distribution.
    pub warnings: Vec<String>,
}

/// Writes the `.orig.tar.gz` and the `debian/` directory of the project
/// into `req.out_dir`; an existing `OUT/debian` is replaced whole.
pub fn debian(req: &DebianRequest<'_>) -> Result<DebianOutput, SrcPkgError> {
    let m = req.manifest;
    let dist = distribution(m, req.distribution, Format::Deb)?;
    let source = Source::read(m)?;
    let out_err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| SrcPkgError::Output { path, source: e }
    };
    fs_err::create_dir_all(req.out_dir).map_err(out_err(req.out_dir))?;
    let pkg_info = (m.build.recipe == RecipeKind::Python).then(|| sdist::pkg_info(m, &source));
    let orig = req.out_dir.join(format!(
        "{}_{}.orig.tar.gz",
        source.name, source.version.rpm_version
    ));
    let mut warnings = Vec::new();
    let extras = extras::gather(m, &source, &mut warnings)?;
    cargo_offline_warning(m, &source, &mut warnings)?;
    let files = debian::render(m, &source, &dist, &extras, &mut warnings)?;
    sdist::write(&m.root, &source, pkg_info.as_deref(), &orig)?;

    let final_dir = req.out_dir.join("debian");
    let temp = req
        .out_dir
        .join(format!(".debian.{}.tmp", std::process::id()));
    if temp.exists() {
        fs_err::remove_dir_all(&temp).map_err(out_err(&temp))?;
    }
    let mut written = Vec::new();
    for (rel, text, mode) in &files {
        let path = temp.join(rel);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).map_err(out_err(parent))?;
        }
        omnipack_core::atomic::write_file(&path, text.as_bytes(), *mode).map_err(out_err(&path))?;
        written.push(final_dir.join(rel));
    }
    if final_dir.exists() {
        fs_err::remove_dir_all(&final_dir).map_err(out_err(&final_dir))?;
    }
    fs_err::rename(&temp, &final_dir).map_err(out_err(&final_dir))?;
    written.sort();
    Ok(DebianOutput {
        orig,
        debian_dir: final_dir,
        files: written,
        version: source.version,
        distribution: dist.name,
        warnings,
    })
}

/// The distribution `name` (with the manifest's overrides), else the
/// newest of the table in `format`'s family (Fedora for RPM, Debian for
/// deb); it must be of `format`.
fn distribution(
    m: &Manifest,
    name: Option<&str>,
    format: Format,
) -> Result<Distribution, SrcPkgError> {
    let name = match name {
        Some(n) => n.to_owned(),
        None => {
            let family = match format {
                Format::Rpm => "fedora",
                Format::Deb => "debian",
            };
            omnipack_spec::distribution::builtin()
                .into_iter()
                .filter(|d| d.id == family)
                .map(|d| d.name)
                .next_back()
                .unwrap_or_else(|| family.to_owned())
        }
    };
    let d = omnipack_spec::distribution::find(&name, &m.distributions).map_err(BuildError::from)?;
    if d.format != format {
        return Err(SrcPkgError::WrongFormat {
            distribution: d.name,
            format: format.as_str(),
        });
    }
    Ok(d)
}

/// The dependencies of every package of the manifest for `dist` (generic
/// names renamed by the distribution table), without duplicates: a
/// distribution package is one package where the omnibus build made a main
/// package and meta packages.
fn runtime_depends(m: &Manifest, dist: &Distribution) -> Result<Vec<Dependency>, SrcPkgError> {
    let mut out: Vec<Dependency> = Vec::new();
    for p in &m.packages {
        let on = p
            .depends_on
            .iter()
            .filter(|(pattern, _)| omnipack_spec::distribution::matches(pattern, &dist.name))
            .flat_map(|(_, deps)| deps);
        for d in p.depends.iter().chain(on) {
            let d = renamed(m, dist, d)?;
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    Ok(out)
}

/// `build-depends` of the manifest for `dist`, renamed.
fn build_depends(m: &Manifest, dist: &Distribution) -> Result<Vec<Dependency>, SrcPkgError> {
    m.build
        .build_depends
        .iter()
        .map(|d| renamed(m, dist, d))
        .collect()
}

/// A relation of the manifest with every name renamed for `dist`.
fn renamed(m: &Manifest, dist: &Distribution, relation: &str) -> Result<Dependency, SrcPkgError> {
    let mut d: Dependency =
        relation
            .parse()
            .map_err(|e: omnipack_spec::SpecError| SrcPkgError::Manifest {
                path: m.path.clone(),
                reason: e.to_string(),
            })?;
    for r in &mut d.alternatives {
        r.name = dist.rename(&r.name).to_owned();
    }
    Ok(d)
}

/// A Python requirement (PEP 508, without extras' or markers' meaning):
/// the normalized name and its version clauses as `(operator, version)`.
type PyRequirement = (String, Vec<(String, String)>);

/// The requirement strings at `keys` (`["build-system", "requires"]`) of
/// the tree's `pyproject.toml`, parsed; none without the file or the key.
fn pyproject_requirements(
    m: &Manifest,
    source: &Source,
    keys: &[&str],
) -> Result<Vec<PyRequirement>, SrcPkgError> {
    let Some(bytes) = sdist::read_file(&m.root, source, "pyproject.toml")? else {
        return Ok(Vec::new());
    };
    let Ok(doc) = toml::from_str::<toml::Table>(&String::from_utf8_lossy(&bytes)) else {
        return Ok(Vec::new());
    };
    let mut value = doc.get(keys[0]);
    for k in &keys[1..] {
        value = value.and_then(|v| v.get(k));
    }
    let list = value
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for r in list.iter().filter_map(|r| r.as_str()) {
        let r = r.split(';').next().unwrap_or_default().trim();
        let end = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(r.len());
        let (name, rest) = r.split_at(end);
        if name.is_empty() {
            continue;
        }
        // Extras (`name[extra]`) and parentheses are dropped.
        let rest = rest.split(']').next_back().unwrap_or_default();
        let rest = rest.trim().trim_start_matches('(').trim_end_matches(')');
        let clauses = rest
            .split(',')
            .map(str::trim)
            .filter_map(|c| {
                let op_len = c
                    .find(|ch: char| !matches!(ch, '<' | '>' | '=' | '!' | '~'))
                    .unwrap_or(c.len());
                let (op, v) = c.split_at(op_len);
                let v = v.trim();
                (!op.is_empty() && !v.is_empty()).then(|| (op.to_owned(), v.to_owned()))
            })
            .collect();
        let name = name.to_ascii_lowercase().replace(['_', '.'], "-");
        out.push((name, clauses));
    }
    Ok(out)
}

/// The Debian packages of a Python project's build backend on `dist`:
/// each name of `pyproject.toml`'s `[build-system] requires` as the
/// distribution table says that release packages it (`flit_core` is in
/// `flit`; [`Distribution::python_backend`]), with the lower bound kept
/// (`>=3.2` → `(>= 3.2)`). A backend the release does not package is an
/// error; one omnipack has not checked for `dist` gets Debian's Python
/// policy name, `python3-NAME`, and a warning.
fn python_build_backend(
    m: &Manifest,
    source: &Source,
    dist: &Distribution,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>, SrcPkgError> {
    let mut out = Vec::new();
    for (name, clauses) in pyproject_requirements(m, source, &["build-system", "requires"])? {
        let deb = match dist.python_backend(&name) {
            BackendPackage::Known(p) => p,
            BackendPackage::Missing => {
                return Err(SrcPkgError::NotPackaged {
                    distribution: dist.name.clone(),
                    backend: name,
                });
            }
            BackendPackage::Unchecked(p) => {
                warnings.push(format!(
                    "Build-Depends names `{p}` for the build backend `{name}` (pyproject.toml), which omnipack has not checked on {}: check it with `apt-cache policy {p}` there, or name the right package with `renames = {{ {p} = \"PACKAGE\" }}` in `[distributions.{}]`",
                    dist.name, dist.name
                ));
                p
            }
        };
        if out
            .iter()
            .any(|d: &String| d.split(' ').next() == Some(deb.as_str()))
        {
            continue;
        }
        out.push(match clauses.iter().find(|(op, _)| op == ">=") {
            Some((_, v)) => format!("{deb} (>= {v})"),
            None => deb,
        });
    }
    Ok(out)
}

/// The runtime requirements of a Python project (`pyproject.toml`'s
/// `[project] dependencies`) as RPM dependencies on the `python3dist(NAME)`
/// capabilities that Fedora's and EL's Python packages provide, one per
/// version clause (`tabulate >=0.9,<0.10` → `python3dist(tabulate) >= 0.9`
/// and `python3dist(tabulate) < 0.10`; `~=X.Y` is `>= X.Y`, `!=` is left out).
fn python_rpm_requires(m: &Manifest, source: &Source) -> Result<Vec<String>, SrcPkgError> {
    let mut out = Vec::new();
    for (name, clauses) in pyproject_requirements(m, source, &["project", "dependencies"])? {
        let cap = format!("python3dist({name})");
        let mut any = false;
        for (op, v) in &clauses {
            let op = match op.as_str() {
                ">=" | "~=" => ">=",
                "<=" => "<=",
                "<" => "<",
                ">" => ">",
                "==" | "===" if !v.contains('*') => "=",
                _ => continue,
            };
            out.push(format!("{cap} {op} {v}"));
            any = true;
        }
        if !any {
            out.push(cap);
        }
    }
    Ok(out)
}

/// A cargo project whose `Cargo.lock` names crates from a registry: the
/// generated build runs `cargo build`, which fetches them, and the build
/// systems of distributions (mock, koji, sbuild) have no network.
fn cargo_offline_warning(
    m: &Manifest,
    source: &Source,
    warnings: &mut Vec<String>,
) -> Result<(), SrcPkgError> {
    if m.build.recipe != RecipeKind::Cargo {
        return Ok(());
    }
    let lock = sdist::read_file(&m.root, source, "Cargo.lock")?.unwrap_or_default();
    let crates = String::from_utf8_lossy(&lock)
        .lines()
        .filter(|l| l.starts_with("source = \"registry+"))
        .count();
    if crates > 0 {
        warnings.push(format!(
            "Cargo.lock names {crates} crate(s) from a registry: the build fetches them, which a build system without network (mock, koji, sbuild) cannot; vendor them (`cargo vendor`) or build where crates.io is reachable"
        ));
    }
    Ok(())
}

/// Splits `Name <email>`.
fn maintainer_parts(maintainer: &str) -> (&str, &str) {
    match maintainer.split_once('<') {
        Some((name, rest)) => (name.trim(), rest.trim_end_matches('>').trim()),
        None => (maintainer.trim(), ""),
    }
}
