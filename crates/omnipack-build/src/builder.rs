//! Where each distribution's build runs: this machine when it is that
//! release, else a build root of it (omnipack's cached one, or one the
//! user gives), never silently the wrong one.
//!
//! The choice per distribution, strongest first: `--builder DIST=VALUE`,
//! then the manifest's `[distributions.DIST] builder`, then the default.
//! VALUE is `auto` (the cached root, made when missing or short of a
//! package), `host` (this machine, at the user's word; the interpreter
//! check still applies), or the directory of a root filesystem. The
//! default is this machine when its os-release names the distribution,
//! else the cached root if there is one, else an error naming the fixes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use omnipack_core::Progress;
use omnipack_rootfs::{CreateOptions, RootStore, check_root, create, host_is};
use omnipack_spec::distribution::Distribution;
use omnipack_spec::manifest::{Manifest, RecipeKind};
use omnipack_spec::{Dependency, Format};

use crate::BuildError;

/// A builder as written (`auto`, `host`, a directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Builder {
    /// The cached root, made when missing.
    Auto,
    /// This machine.
    Host,
    /// A root filesystem made by another tool.
    Dir(PathBuf),
}

impl Builder {
    /// Parses a builder value; a relative directory is taken from `base`.
    pub fn parse(value: &str, base: &Path) -> Result<Builder, BuildError> {
        match value {
            "auto" => Ok(Builder::Auto),
            "host" => Ok(Builder::Host),
            "" => Err(BuildError::BadBuilder {
                value: value.to_owned(),
                reason: "it is empty".to_owned(),
            }),
            dir => Ok(Builder::Dir(base.join(dir))),
        }
    }
}

/// Parses `--builder DIST=VALUE` arguments (relative directories from the
/// current directory).
pub fn parse_builder_args(args: &[String]) -> Result<BTreeMap<String, Builder>, BuildError> {
    let mut out = BTreeMap::new();
    for a in args {
        let Some((dist, value)) = a.split_once('=') else {
            return Err(BuildError::BadBuilder {
                value: a.clone(),
                reason: "it has no `=`".to_owned(),
            });
        };
        let builder = Builder::parse(value, &std::env::current_dir()?)?;
        out.insert(dist.to_owned(), builder);
    }
    Ok(out)
}

/// Where one distribution's staging runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The root filesystem, `None` for this machine.
    pub root: Option<PathBuf>,
    /// How it was chosen, for messages ("this machine", "the cached root …").
    pub describe: String,
}

/// The packages a build root of `dist` needs for `manifest` (or, without
/// one, for the python recipe), in the distribution's names.
pub fn root_packages(manifest: Option<&Manifest>, dist: &Distribution) -> Vec<String> {
    let recipe = manifest.map_or(RecipeKind::Python, |m| m.build.recipe);
    let mut out: Vec<String> = match (recipe, dist.format) {
        (RecipeKind::Python, Format::Deb) => vec![
            dist.python_package.clone(),
            "python3-venv".to_owned(),
            "ca-certificates".to_owned(),
        ],
        (RecipeKind::Python, Format::Rpm) => vec![dist.python_package.clone()],
        (RecipeKind::Cargo, _) => vec!["cargo".to_owned(), "ca-certificates".to_owned()],
        (RecipeKind::Dir | RecipeKind::Command, _) => Vec::new(),
    };
    if let Some(m) = manifest {
        for dep in &m.build.build_depends {
            // A build dependency is a package name, maybe with a version: keep the name.
            let name = dep
                .parse::<Dependency>()
                .ok()
                .and_then(|d| d.alternatives.first().map(|r| r.name.clone()))
                .unwrap_or_else(|| dep.clone());
            out.push(dist.rename(&name).to_owned());
        }
    }
    out.retain(|p| !p.is_empty());
    out.sort();
    out.dedup();
    out
}

/// Decides (and with `auto`, makes) where `dist` builds.
pub fn place_for(
    dist: &Distribution,
    manifest: &Manifest,
    given: Option<&Builder>,
    store: &RootStore,
    progress: &dyn Progress,
) -> Result<Place, BuildError> {
    let from_manifest = match &dist.builder {
        Some(v) => Some(Builder::parse(v, &manifest.root)?),
        None => None,
    };
    let needed = root_packages(Some(manifest), dist);
    match given.or(from_manifest.as_ref()) {
        Some(Builder::Host) => Ok(Place {
            root: None,
            describe: "this machine (`host`)".to_owned(),
        }),
        Some(Builder::Dir(dir)) => {
            check_root(dir, dist)?;
            Ok(Place {
                root: Some(dir.clone()),
                describe: format!("the root at `{}`", dir.display()),
            })
        }
        Some(Builder::Auto) => {
            if let Some(info) = store.get(&dist.name)? {
                if needed.iter().all(|p| info.packages.contains(p)) {
                    return Ok(cached(info.path));
                }
                let mut packages = info.packages.clone();
                packages.extend(needed.iter().cloned());
                return made(store, dist, packages, progress);
            }
            made(store, dist, needed, progress)
        }
        None => {
            if host_is(dist) {
                return Ok(Place {
                    root: None,
                    describe: "this machine".to_owned(),
                });
            }
            if let Some(info) = store.get(&dist.name)? {
                let missing: Vec<&str> = needed
                    .iter()
                    .filter(|p| !info.packages.contains(p))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return Err(BuildError::RootLacks {
                        distribution: dist.name.clone(),
                        missing: missing.join(", "),
                    });
                }
                return Ok(cached(info.path));
            }
            let host = omnipack_rootfs::os::os_release(Path::new("/"))
                .map_or_else(|| "unknown".to_owned(), |o| o.describe());
            Err(BuildError::NeedsBuildRoot {
                distribution: dist.name.clone(),
                host,
                why: if manifest.build.recipe == RecipeKind::Python {
                    format!(
                        "its packages need a virtualenv made by python {}, and this machine is another release; no build root of {} is there",
                        dist.python_version, dist.name
                    )
                } else {
                    format!(
                        "what the recipe builds must come from {}'s compilers and libraries, and no build root of it is there",
                        dist.name
                    )
                },
            })
        }
    }
}

fn cached(path: PathBuf) -> Place {
    Place {
        describe: format!("the cached root at `{}`", path.display()),
        root: Some(path),
    }
}

fn made(
    store: &RootStore,
    dist: &Distribution,
    packages: Vec<String>,
    progress: &dyn Progress,
) -> Result<Place, BuildError> {
    let info = create(
        store,
        dist,
        &CreateOptions {
            packages,
            ..CreateOptions::default()
        },
        progress,
    )?;
    Ok(cached(info.path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnipack_spec::distribution::find;

    #[test]
    fn builder_values_parse() {
        let base = Path::new("/p");
        assert_eq!(Builder::parse("auto", base).unwrap(), Builder::Auto);
        assert_eq!(Builder::parse("host", base).unwrap(), Builder::Host);
        assert_eq!(
            Builder::parse("roots/d11", base).unwrap(),
            Builder::Dir("/p/roots/d11".into())
        );
        assert!(Builder::parse("", base).is_err());
        let e = parse_builder_args(&["debian-11".to_owned()]).unwrap_err();
        assert!(e.to_string().contains("no `=`"), "{e}");
        assert!(e.hint().unwrap().contains("--builder debian-11=auto"));
        let m =
            parse_builder_args(&["debian-11=auto".to_owned(), "rocky-9=/r".to_owned()]).unwrap();
        assert_eq!(m["rocky-9"], Builder::Dir("/r".into()));
    }

    #[test]
    fn python_roots_get_the_versioned_interpreter_and_venv() {
        let d11 = find("debian-11", &BTreeMap::new()).unwrap();
        assert_eq!(
            root_packages(None, &d11),
            ["ca-certificates", "python3-venv", "python3.9"]
        );
        let r9 = find("rocky-9", &BTreeMap::new()).unwrap();
        assert_eq!(root_packages(None, &r9), ["python3"]);
    }
}
