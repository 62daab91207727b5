//! `omnipack.toml`: a project's omnibus build (documented in `docs/manifest.md`).
//!
//! One `[project]`, one `[build]` recipe that stages the application under its
//! prefix (`/opt/<name>`), and `[[package]]` entries: the main package that
//! owns the staged tree and any number of meta packages (symlinks, units,
//! snippets, dependencies per distribution) pinned to the main package at
//! exactly the same version. Unknown keys are errors naming the key, the file
//! and the line; relative paths are relative to the manifest's directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::Deserialize;

use crate::distribution::DistributionOverride;
use crate::specfile::{DirDecl, FileDecl, ScriptsDecl, SymlinkDecl};
use crate::{ManifestProblem, SpecError};

/// The whole manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    /// Project metadata shared by every package.
    pub project: Project,
    /// How the application is staged.
    pub build: BuildDecl,
    /// The packages: exactly one `main`, any number of meta packages.
    #[serde(rename = "package")]
    pub packages: Vec<PackageDecl>,
    /// Added distributions or overrides of built-in ones (`[distributions.NAME]`).
    #[serde(default)]
    pub distributions: BTreeMap<String, DistributionOverride>,
    /// OCI images made from the packages (`[[image]]`, `omnipack image build`).
    #[serde(default, rename = "image")]
    pub images: Vec<ImageDecl>,
    /// The manifest's directory (the project root), filled by [`Manifest::load`].
    #[serde(skip)]
    pub root: PathBuf,
    /// The manifest file, for error messages.
    #[serde(skip)]
    pub path: PathBuf,
}

/// `[[image]]`: an OCI image of a distribution with packages installed,
/// as Flocker's Dockerfiles made them (`omnipack image build`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImageDecl {
    /// The image's name (its repository's last component): lower-case
    /// letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// What it starts from: a distribution whose build root is the base
    /// (`debian-12`, `omnipack builder create`), `oci:DIR` (an OCI image
    /// layout directory, its only image or `oci:DIR:TAG`), or an image in
    /// a registry (`HOST[:PORT]/NAME[:TAG]`, optionally `docker://…`).
    pub base: String,
    /// The distribution whose packages go in (default: `base` when it names one).
    pub distribution: Option<String>,
    /// Packages to install: the project's (by package name, from the
    /// packages built for the distribution) and the distribution's own.
    #[serde(default)]
    pub packages: Vec<String>,
    /// The entrypoint, as an argument vector.
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// The default arguments.
    #[serde(default)]
    pub cmd: Vec<String>,
    /// Environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Exposed ports: `PORT` or `PORT/tcp`, `PORT/udp`.
    #[serde(default)]
    pub ports: Vec<String>,
    /// Volumes (absolute paths).
    #[serde(default)]
    pub volumes: Vec<String>,
    /// The working directory (absolute).
    pub workdir: Option<String>,
    /// The user (`name`, `uid`, `uid:gid`).
    pub user: Option<String>,
    /// Labels (OCI annotations such as `org.opencontainers.image.source`);
    /// version, revision and source are added from the project.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl ImageDecl {
    /// The distribution whose packages go in.
    pub fn distribution(&self) -> Option<&str> {
        self.distribution
            .as_deref()
            .or_else(|| (!self.image_base()).then_some(self.base.as_str()))
    }

    /// Whether `base` is an image (`oci:DIR`, a registry reference) rather
    /// than a distribution's build root.
    pub fn image_base(&self) -> bool {
        self.base.starts_with("oci:") || self.base.contains('/')
    }

    /// What is wrong with it, if anything.
    fn problem(&self) -> Option<String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 128
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && self.name.as_bytes()[0].is_ascii_alphanumeric();
        if !name_ok {
            return Some(
                "`name` must be lower-case letters, digits, `.`, `_` or `-`, starting with a letter or digit (an OCI repository name)".into(),
            );
        }
        if self.base.trim().is_empty() {
            return Some("`base` is empty: give a distribution (`debian-12`) or `oci:DIR`".into());
        }
        if self.distribution().is_none() {
            return Some(
                "an image base (`oci:DIR`, `HOST/NAME:TAG`) needs `distribution` (whose packages go in)"
                    .into(),
            );
        }
        for p in &self.ports {
            let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
            if port.parse::<u16>().map_or(true, |n| n == 0) || !matches!(proto, "tcp" | "udp") {
                return Some(format!(
                    "port `{p}` must be `PORT`, `PORT/tcp` or `PORT/udp`"
                ));
            }
        }
        for (what, path) in self
            .volumes
            .iter()
            .map(|v| ("volume", v))
            .chain(self.workdir.iter().map(|w| ("workdir", w)))
        {
            if !path.starts_with('/') {
                return Some(format!("{what} `{path}` must be an absolute path"));
            }
        }
        if self.entrypoint.is_empty() && self.cmd.is_empty() {
            return Some("give `entrypoint` or `cmd`: what the image runs".into());
        }
        None
    }
}

/// `[project]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Project {
    /// Application name; the default prefix is `/opt/<name>`.
    pub name: String,
    /// A fixed version; otherwise `git describe` of the project.
    pub version: Option<String>,
    /// Default one-line summary for packages.
    pub summary: String,
    /// Default description.
    #[serde(default)]
    pub description: String,
    /// License.
    pub license: String,
    /// Home page.
    pub url: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// `Name <email>`.
    pub maintainer: String,
    /// Default Debian section / RPM group.
    pub section: Option<String>,
}

/// The staging recipes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipeKind {
    /// A virtualenv at the prefix, `pip install` of requirements and the project.
    Python,
    /// `cargo install --root <prefix>` of the project.
    Cargo,
    /// A prebuilt tree copied under the prefix.
    Dir,
    /// Shell commands run with `DESTDIR` and `PREFIX` set.
    Command,
}

/// The program that installs into the python recipe's virtualenv
/// (`[build] installer`, `omnipack build --installer`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Installer {
    /// pip, run from outside the virtualenv (`pip --python`), or the
    /// distribution's pip wheel, or `ensurepip` seeds removed afterwards.
    #[default]
    Pip,
    /// uv (`uv pip install --python`), from the build root's `PATH` or this
    /// machine's (its binary is bound into the build root).
    Uv,
}

impl Installer {
    /// The name as written in the manifest and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Installer::Pip => "pip",
            Installer::Uv => "uv",
        }
    }
}

impl std::fmt::Display for Installer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `[build]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildDecl {
    /// Which recipe.
    pub recipe: RecipeKind,
    /// Installed prefix (default `/opt/<project name>`).
    pub prefix: Option<String>,
    /// python: the project to `pip install` (default `.`); cargo: the crate
    /// (default `.`); dir: the prebuilt tree (required); command: working directory (default `.`).
    pub source: Option<PathBuf>,
    /// python: a requirements file installed first.
    pub requirements: Option<PathBuf>,
    /// python: extra `pip install` arguments (e.g. `--no-index`, `--find-links`).
    #[serde(default)]
    pub pip_args: Vec<String>,
    /// python: the interpreter for the virtualenv (default: the distribution's).
    pub python: Option<String>,
    /// python: what installs into the virtualenv, `pip` (default) or `uv`;
    /// `pip-args` go to either.
    #[serde(default)]
    pub installer: Installer,
    /// cargo: extra `cargo install` arguments.
    #[serde(default)]
    pub cargo_args: Vec<String>,
    /// command: shell commands, run in order with `sh -ec`.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Packages a build root needs besides the recipe's own (generic names,
    /// renamed per distribution), e.g. `libssl-dev` to compile an extension.
    #[serde(default)]
    pub build_depends: Vec<String>,
    /// Stage without network inside a build root (the recipe must bring
    /// everything, e.g. `pip-args = ["--no-index", "--find-links", "vendor"]`).
    #[serde(default)]
    pub offline: bool,
}

/// A resolved recipe with absolute paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipe {
    /// Python virtualenv.
    Python {
        /// The project to install.
        project: PathBuf,
        /// Requirements file.
        requirements: Option<PathBuf>,
        /// Extra pip arguments.
        pip_args: Vec<String>,
        /// Interpreter override.
        python: Option<String>,
        /// pip or uv.
        installer: Installer,
    },
    /// `cargo install`.
    Cargo {
        /// The crate.
        path: PathBuf,
        /// Extra arguments.
        args: Vec<String>,
    },
    /// A prebuilt tree.
    Dir {
        /// The tree.
        path: PathBuf,
    },
    /// Shell commands.
    Command {
        /// Commands.
        commands: Vec<String>,
        /// Working directory.
        workdir: PathBuf,
    },
}

/// `[[package]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PackageDecl {
    /// Package name.
    pub name: String,
    /// The package that owns the staged tree (exactly one).
    #[serde(default)]
    pub main: bool,
    /// `native` (default for main), `all` (default for meta packages), or a name.
    pub arch: Option<String>,
    /// Summary (default: the project's).
    pub summary: Option<String>,
    /// Description (default: the project's).
    pub description: Option<String>,
    /// Section / group (default: the project's).
    pub section: Option<String>,
    /// Dependencies on every distribution (generic names, renamed per distribution).
    #[serde(default)]
    pub depends: Vec<String>,
    /// More dependencies for distributions matching a name or glob (`ubuntu-*`).
    #[serde(default)]
    pub depends_on: BTreeMap<String, Vec<String>>,
    /// Recommends.
    #[serde(default)]
    pub recommends: Vec<String>,
    /// Conflicts.
    #[serde(default)]
    pub conflicts: Vec<String>,
    /// Provides.
    #[serde(default)]
    pub provides: Vec<String>,
    /// Replaces (Debian).
    #[serde(default)]
    pub replaces: Vec<String>,
    /// Obsoletes (RPM).
    #[serde(default)]
    pub obsoletes: Vec<String>,
    /// Extra files (units, service files, snippets).
    #[serde(default)]
    pub files: Vec<FileDecl>,
    /// Owned directories, possibly empty.
    #[serde(default)]
    pub dirs: Vec<DirDecl>,
    /// Symlinks (e.g. `/usr/bin/x` → `/opt/x/bin/x`).
    #[serde(default)]
    pub symlinks: Vec<SymlinkDecl>,
    /// Installed paths to mark as configuration files.
    #[serde(default)]
    pub config_files: Vec<String>,
    /// Maintainer scripts.
    #[serde(default)]
    pub scripts: ScriptsDecl,
    /// Main package: add dependencies on the shared libraries its ELF files
    /// need, as rpmbuild and dpkg-shlibdeps do (default true).
    #[serde(default = "yes")]
    pub library_depends: bool,
}

fn yes() -> bool {
    true
}

fn err(path: &Path, message: impl Into<String>) -> SpecError {
    SpecError::SpecFile {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn problem(path: &Path, problem: ManifestProblem) -> SpecError {
    SpecError::Manifest {
        path: path.to_path_buf(),
        problem,
    }
}

impl Manifest {
    /// Loads `omnipack.toml` from a project directory or a file path.
    pub fn load(project_or_file: &Path) -> Result<Manifest, SpecError> {
        let path = if project_or_file.is_dir() {
            project_or_file.join("omnipack.toml")
        } else {
            project_or_file.to_path_buf()
        };
        let text = fs::read_to_string(&path)?;
        let mut m: Manifest =
            toml::from_str(&text).map_err(|e| err(&path, e.to_string().trim_end()))?;
        m.root = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        m.path = path;
        m.validate()?;
        Ok(m)
    }

    fn validate(&self) -> Result<(), SpecError> {
        let mains = self.packages.iter().filter(|p| p.main).count();
        if mains != 1 {
            return Err(problem(&self.path, ManifestProblem::MainPackages(mains)));
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.packages {
            if !seen.insert(p.name.as_str()) {
                return Err(problem(
                    &self.path,
                    ManifestProblem::DuplicatePackage(p.name.clone()),
                ));
            }
            for dep in p.depends.iter().chain(p.depends_on.values().flatten()) {
                dep.parse::<crate::Dependency>().map_err(|e| {
                    problem(
                        &self.path,
                        ManifestProblem::Dependency {
                            package: p.name.clone(),
                            error: Box::new(e),
                        },
                    )
                })?;
            }
        }
        let b = &self.build;
        let unused = |field: &'static str, set: bool| -> Result<(), SpecError> {
            if set {
                Err(problem(
                    &self.path,
                    ManifestProblem::NotForRecipe {
                        field,
                        recipe: format!("{:?}", b.recipe).to_lowercase(),
                    },
                ))
            } else {
                Ok(())
            }
        };
        let python = b.recipe == RecipeKind::Python;
        unused("requirements", !python && b.requirements.is_some())?;
        unused("pip-args", !python && !b.pip_args.is_empty())?;
        unused("python", !python && b.python.is_some())?;
        unused("installer", !python && b.installer != Installer::Pip)?;
        unused(
            "cargo-args",
            b.recipe != RecipeKind::Cargo && !b.cargo_args.is_empty(),
        )?;
        unused(
            "commands",
            b.recipe != RecipeKind::Command && !b.commands.is_empty(),
        )?;
        if b.recipe == RecipeKind::Dir && b.source.is_none() {
            return Err(problem(&self.path, ManifestProblem::DirWithoutSource));
        }
        if b.recipe == RecipeKind::Command && b.commands.is_empty() {
            return Err(problem(&self.path, ManifestProblem::CommandWithoutCommands));
        }
        let prefix = self.prefix();
        if !prefix.starts_with('/') || prefix.len() < 2 || prefix.split('/').any(|c| c == "..") {
            return Err(problem(&self.path, ManifestProblem::Prefix(prefix)));
        }
        let mut images = std::collections::BTreeSet::new();
        for i in &self.images {
            let reason = match i.problem() {
                Some(r) => Some(r),
                None if !images.insert(i.name.as_str()) => Some("declared twice".into()),
                None => None,
            };
            if let Some(reason) = reason {
                return Err(problem(
                    &self.path,
                    ManifestProblem::Image {
                        image: i.name.clone(),
                        reason,
                    },
                ));
            }
        }
        Ok(())
    }

    /// The installed prefix (`[build] prefix`, else `/opt/<project name>`).
    pub fn prefix(&self) -> String {
        self.build
            .prefix
            .clone()
            .unwrap_or_else(|| format!("/opt/{}", self.project.name))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The main package's declaration.
    pub fn main_package(&self) -> &PackageDecl {
        // `validate` guarantees exactly one.
        self.packages
            .iter()
            .find(|p| p.main)
            .unwrap_or(&self.packages[0])
    }

    /// The recipe with paths resolved against the project root.
    pub fn recipe(&self) -> Recipe {
        let b = &self.build;
        let at = |p: &Option<PathBuf>| {
            self.root
                .join(p.clone().unwrap_or_else(|| PathBuf::from(".")))
        };
        match b.recipe {
            RecipeKind::Python => Recipe::Python {
                project: at(&b.source),
                requirements: b.requirements.as_ref().map(|r| self.root.join(r)),
                pip_args: b.pip_args.clone(),
                python: b.python.clone(),
                installer: b.installer,
            },
            RecipeKind::Cargo => Recipe::Cargo {
                path: at(&b.source),
                args: b.cargo_args.clone(),
            },
            RecipeKind::Dir => Recipe::Dir {
                path: at(&b.source),
            },
            RecipeKind::Command => Recipe::Command {
                commands: b.commands.clone(),
                workdir: at(&b.source),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Manifest, SpecError> {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("omnipack.toml"), text).unwrap();
        Manifest::load(t.path())
    }

    const BASE: &str = r#"
[project]
name = "app"
summary = "An app"
license = "MIT"
maintainer = "A <a@example.org>"
[build]
recipe = "python"
requirements = "requirements.txt"
"#;

    #[test]
    fn a_manifest_with_main_and_meta_packages_loads() {
        let m = load(&format!(
            "{BASE}
[[package]]
name = \"app-python\"
main = true
[[package]]
name = \"app-cli\"
depends-on = {{ \"ubuntu-*\" = [\"openssh-client\"], \"rocky-*\" = [\"openssh-clients\"] }}
[[package.symlinks]]
path = \"/usr/bin/app\"
target = \"/opt/app/bin/app\"
"
        ))
        .unwrap();
        assert_eq!(m.prefix(), "/opt/app");
        assert_eq!(m.main_package().name, "app-python");
        assert_eq!(m.packages[1].depends_on["ubuntu-*"], ["openssh-client"]);
        assert!(matches!(
            m.recipe(),
            Recipe::Python {
                requirements: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn unknown_keys_name_the_key_file_and_line() {
        let e = load(&format!(
            "{BASE}\n[[package]]\nname = \"x\"\nmain = true\ndepend = []\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("omnipack.toml") && e.contains("depend") && e.contains("line 14"),
            "{e}"
        );
    }

    #[test]
    fn exactly_one_main_package() {
        let e = load(&format!("{BASE}\n[[package]]\nname = \"x\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("exactly one"), "{e}");
    }

    #[test]
    fn fields_of_another_recipe_are_refused() {
        let text = BASE.replace("recipe = \"python\"", "recipe = \"cargo\"");
        let e = load(&format!("{text}\n[[package]]\nname = \"x\"\nmain = true\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`requirements` does not apply"), "{e}");
    }

    #[test]
    fn the_installer_is_pip_unless_uv_is_asked_for() {
        let main = "\n[[package]]\nname = \"x\"\nmain = true\n";
        let installer = |m: Manifest| match m.recipe() {
            Recipe::Python { installer, .. } => installer,
            r => panic!("{r:?}"),
        };
        assert_eq!(
            installer(load(&format!("{BASE}{main}")).unwrap()),
            Installer::Pip
        );
        let uv = BASE.replace("[build]\n", "[build]\ninstaller = \"uv\"\n");
        assert_eq!(
            installer(load(&format!("{uv}{main}")).unwrap()),
            Installer::Uv
        );
        let e = load(&format!("{}{main}", uv.replace("\"uv\"", "\"poetry\"")))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown variant `poetry`, expected `pip` or `uv`"),
            "{e}"
        );
        let cargo = uv
            .replace("recipe = \"python\"", "recipe = \"cargo\"")
            .replace("requirements = \"requirements.txt\"\n", "");
        let e = load(&format!("{cargo}{main}")).unwrap_err().to_string();
        assert!(e.contains("`installer` does not apply"), "{e}");
    }
}
