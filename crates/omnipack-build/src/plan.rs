//! The package plan of an omnibus build (Flocker's `admin/packaging.py`): for
//! one distribution, the main package owning the staged tree and every meta
//! package, each a [`PackageSpec`] with the distribution's dependency names,
//! compression and the project's version. Meta packages depend on the main
//! package at exactly the same `V-R`.

use std::path::{Path, PathBuf};

use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_spec::distribution::Distribution;
use omnipack_spec::manifest::{Manifest, PackageDecl, RecipeKind};
use omnipack_spec::specfile::FormatDecl;
use omnipack_spec::version::ProjectVersion;
use omnipack_spec::{Dependency, PackageSpec, SpecFile};

use crate::BuildError;

/// Inputs of the plan for one distribution.
#[derive(Debug)]
pub struct PlanInput<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The target distribution.
    pub distribution: &'a Distribution,
    /// The project's version.
    pub version: &'a ProjectVersion,
    /// The staging root (DESTDIR) holding the application under its prefix.
    pub staged: &'a Path,
    /// Timestamp for every entry.
    pub source_date_epoch: u64,
    /// The root whose dpkg database maps sonames to packages (`/` for
    /// this machine): the one the tree was staged in.
    pub library_root: &'a Path,
}

/// A dependency added automatically to a package, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedDependency {
    /// The package it was added to.
    pub package: String,
    /// The dependency, as the format writes it.
    pub dependency: String,
    /// Why (`libc.so.6 needed by opt/x/y.so`, `the virtualenv's python 3.11`).
    pub because: Vec<String>,
}

/// The packages of one distribution and the dependencies added to them.
#[derive(Debug)]
pub struct Plan {
    /// Main package first.
    pub specs: Vec<PackageSpec>,
    /// What was added automatically.
    pub added: Vec<AddedDependency>,
}

/// Renames each alternative of a dependency to the distribution's name.
fn rename(dep: &str, dist: &Distribution) -> Result<String, BuildError> {
    let mut d: Dependency = dep.parse()?;
    for alt in &mut d.alternatives {
        alt.name = dist.rename(&alt.name).to_owned();
    }
    Ok(d.to_deb())
}

/// The dependencies of `decl` on `dist`: the common ones, then those whose
/// pattern matches the distribution, in the manifest's order of patterns.
fn depends(decl: &PackageDecl, dist: &Distribution) -> Result<Vec<String>, BuildError> {
    let mut out = Vec::new();
    let matching = decl
        .depends_on
        .iter()
        .filter(|(pattern, _)| omnipack_spec::distribution::matches(pattern, &dist.name))
        .flat_map(|(_, deps)| deps);
    for dep in decl.depends.iter().chain(matching) {
        let d = rename(dep, dist)?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Entries of the staged tree: the prefix subtree scanned with the prefix (so
/// links out of it, such as the venv's `bin/python` → `/usr/bin/python3`, are
/// kept as they are), plus anything a recipe installed outside the prefix.
fn staged_files(input: &PlanInput<'_>) -> Result<Vec<omnipack_spec::FileEntry>, BuildError> {
    let prefix = input.manifest.prefix();
    let under = input.staged.join(prefix.trim_start_matches('/'));
    let mut files = scan_tree(
        &under,
        &ScanOptions {
            prefix: prefix.clone(),
            ..ScanOptions::default()
        },
    )?;
    let everything = scan_tree(
        input.staged,
        &ScanOptions {
            allow_dangling_symlinks: true,
            ..ScanOptions::default()
        },
    )?;
    let inside = |p: &str| p == prefix || p.starts_with(&format!("{prefix}/"));
    let is_parent = |p: &str| prefix.starts_with(&format!("{p}/"));
    files.extend(
        everything
            .into_iter()
            .filter(|e| !inside(&e.path) && !is_parent(&e.path)),
    );
    Ok(files)
}

/// Dependencies on the shared libraries the staged tree's ELF files need,
/// as rpmbuild (rpm) or dpkg-shlibdeps (deb, from `library_root`) give them.
fn library_depends(
    input: &PlanInput<'_>,
    package: &str,
) -> Result<Vec<AddedDependency>, BuildError> {
    let files = crate::libdeps::scan_elf(input.staged)?;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let added = |dependency: String, because: Vec<String>| AddedDependency {
        package: package.to_owned(),
        dependency,
        because,
    };
    Ok(match input.distribution.format {
        omnipack_spec::Format::Rpm => crate::libdeps::rpm_requires(&files)
            .into_iter()
            .map(|r| added(r, vec!["rpm's ELF dependency generator".to_owned()]))
            .collect(),
        omnipack_spec::Format::Deb => crate::libdeps::deb_depends(&files, input.library_root)?
            .into_iter()
            .map(|d| added(d.dependency, d.because))
            .collect(),
    })
}

/// The packages for one distribution, main package first, with the
/// dependencies added to them automatically.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, BuildError> {
    let m = input.manifest;
    let dist = input.distribution;
    let main = m.main_package();
    let v = input.version;
    let pinned = format!("{} (= {}-{})", main.name, v.rpm_version, v.rpm_release);
    let mut out = Vec::new();
    let mut added = Vec::new();
    let ordered = std::iter::once(main).chain(m.packages.iter().filter(|p| !p.main));
    for decl in ordered {
        let mut deps = depends(decl, dist)?;
        if decl.main {
            let mut auto = Vec::new();
            if m.build.recipe == RecipeKind::Python {
                for d in dist.interpreter_depends() {
                    auto.push(AddedDependency {
                        package: decl.name.clone(),
                        dependency: d,
                        because: vec![format!(
                            "the virtualenv runs on python {}",
                            dist.python_version
                        )],
                    });
                }
            }
            if decl.library_depends {
                auto.extend(library_depends(input, &decl.name)?);
            }
            for (i, a) in auto.iter().enumerate() {
                let d = rename(&a.dependency, dist)?;
                if !deps.contains(&d) {
                    deps.insert(i.min(deps.len()), d);
                }
            }
            added.extend(auto);
        } else {
            deps.insert(0, pinned.clone());
        }
        let file = SpecFile {
            name: Some(decl.name.clone()),
            version: Some(v.rpm_version.clone()),
            release: Some(v.rpm_release.clone()),
            arch: Some(
                decl.arch
                    .clone()
                    .unwrap_or_else(|| if decl.main { "native" } else { "all" }.to_owned()),
            ),
            summary: Some(
                decl.summary
                    .clone()
                    .unwrap_or_else(|| m.project.summary.clone()),
            ),
            description: Some(
                decl.description
                    .clone()
                    .unwrap_or_else(|| m.project.description.clone()),
            ),
            license: Some(m.project.license.clone()),
            url: m.project.url.clone(),
            vendor: m.project.vendor.clone(),
            maintainer: Some(m.project.maintainer.clone()),
            section: decl.section.clone().or_else(|| m.project.section.clone()),
            depends: deps,
            recommends: decl.recommends.clone(),
            provides: decl.provides.clone(),
            conflicts: decl.conflicts.clone(),
            replaces: decl.replaces.clone(),
            obsoletes: decl.obsoletes.clone(),
            config_files: decl.config_files.clone(),
            files: decl.files.clone(),
            dirs: decl.dirs.clone(),
            symlinks: decl.symlinks.clone(),
            scripts: decl.scripts.clone(),
            deb: FormatDecl {
                compression: Some(dist.compression.to_string()),
                ..FormatDecl::default()
            },
            rpm: FormatDecl {
                compression: Some(dist.compression.to_string()),
                ..FormatDecl::default()
            },
            base_dir: m.root.clone(),
            ..SpecFile::default()
        };
        let staged = if decl.main {
            staged_files(input)?
        } else {
            Vec::new()
        };
        let mut spec = file.into_spec_with(input.source_date_epoch, staged)?;
        spec.sort_files();
        out.push(spec);
    }
    Ok(Plan { specs: out, added })
}

/// Where a distribution's packages go: `<out>/<distribution>/`.
pub fn distribution_dir(out: &Path, dist: &Distribution) -> PathBuf {
    out.join(&dist.name)
}
