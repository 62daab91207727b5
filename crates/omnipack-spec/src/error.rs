//! The error type of this crate: every variant names the file or field at
//! fault and what is wrong; [`SpecError::hint`] says what to do about it, for
//! a `hint:` line of its own.

use std::path::PathBuf;

/// What can go wrong while describing a package.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A field's value breaks a rule of the model (whatever the format; each
    /// format's own rules are checked by its crate).
    #[error("invalid {field} `{value}`: {reason}")]
    InvalidField {
        /// The field, as the user knows it (`summary`, `file path`, `mode`, ...).
        field: &'static str,
        /// The offending value.
        value: String,
        /// What rule it breaks.
        reason: String,
        /// What to write instead, if there is more to say than the rule.
        hint: Option<&'static str>,
    },
    /// Required fields are empty: all of them, in one error.
    #[error("missing {}: {}", if fields.len() == 1 { "required field" } else { "required fields" }, fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "))]
    Missing {
        /// The fields, in the order `name`, `version`, `summary`, `maintainer`.
        fields: Vec<&'static str>,
    },
    /// A dependency string could not be parsed.
    #[error("invalid dependency `{value}`: {problem}")]
    Dependency {
        /// The dependency as written.
        value: String,
        /// Why it was refused.
        problem: DependencyProblem,
    },
    /// A compression setting could not be parsed.
    #[error(
        "invalid compression `{0}`: expected gzip, xz, zstd or none, optionally with `:LEVEL` (e.g. `xz:6`, `zstd:19`)"
    )]
    Compression(String),
    /// An architecture name is unknown.
    #[error("unknown architecture `{0}`")]
    Arch(String),
    /// The spec file or manifest is not valid TOML or has unknown/mistyped keys.
    #[error("`{path}`: {message}")]
    SpecFile {
        /// The file.
        path: PathBuf,
        /// The parser's message, which points at the line.
        message: String,
    },
    /// The manifest parses but breaks one of its rules.
    #[error("`{path}`: {problem}")]
    Manifest {
        /// The manifest (`omnipack.toml`).
        path: PathBuf,
        /// What is wrong.
        problem: ManifestProblem,
    },
    /// The source of a `[[files]]` entry is not a regular file.
    #[error("`{path}`: the source of `{installed}` is not a regular file")]
    NotAFile {
        /// The source on disk.
        path: PathBuf,
        /// The installed path it was to be packaged as.
        installed: String,
    },
    /// Two entries claim the same installed path.
    #[error("`{0}` is listed twice: each installed path may appear once")]
    Duplicate(String),
    /// A project version (from `git describe` or the manifest) that Flocker's
    /// version rules cannot convert.
    #[error("invalid version `{value}`: {reason}")]
    Version {
        /// The version as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A distribution name that is neither built in nor defined by the manifest.
    #[error("unknown distribution `{name}`: known distributions are {known}")]
    UnknownDistribution {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A distribution definition or override that cannot be used.
    #[error("distribution `{name}`: {problem}")]
    Distribution {
        /// The distribution's name.
        name: String,
        /// What is wrong.
        problem: DistributionProblem,
    },
    /// A filesystem error, naming its path (from `fs-err`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The required fields of a package, with the flag that sets each.
pub const REQUIRED_FIELDS: [(&str, &str); 4] = [
    ("name", "--name NAME"),
    ("version", "--version VERSION"),
    ("summary", "--summary TEXT"),
    ("maintainer", "--maintainer 'Name <email>'"),
];

/// `pass `--summary TEXT` and `--maintainer …`, or set `summary` and
/// `maintainer` in the spec file`.
fn missing_hint(fields: &[&'static str]) -> String {
    let and = |items: Vec<String>| match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let flags = fields
        .iter()
        .map(|f| {
            let flag = REQUIRED_FIELDS
                .iter()
                .find(|(name, _)| name == f)
                .map_or(*f, |(_, flag)| flag);
            format!("`{flag}`")
        })
        .collect();
    let keys = fields.iter().map(|f| format!("`{f}`")).collect();
    format!("pass {}, or set {} in the spec file", and(flags), and(keys))
}

impl SpecError {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            SpecError::InvalidField { hint, .. } => hint.map(str::to_owned),
            SpecError::Missing { fields } => Some(missing_hint(fields)),
            SpecError::Dependency { problem, .. } => problem.hint(),
            SpecError::Arch(_) => Some(
                "use native, all, amd64/x86_64, arm64/aarch64, i386/i686, armhf, ppc64el/ppc64le, s390x or riscv64"
                    .to_owned(),
            ),
            SpecError::Manifest { problem, .. } => problem.hint(),
            SpecError::Version { .. } => Some(
                "expected `git describe --tags` output such as `1.2.0`, `v1.2.0`, `1.2.0rc1`, `1.2.0.dev3` or `1.2.0-4-g1a2b3c4-dirty`"
                    .to_owned(),
            ),
            SpecError::UnknownDistribution { name, .. } => Some(format!(
                "to define it, add a `[distributions.{name}]` table with at least `format = \"deb\"` or `format = \"rpm\"`"
            )),
            SpecError::Distribution { problem, .. } => problem.hint(),
            SpecError::Compression(_)
            | SpecError::SpecFile { .. }
            | SpecError::NotAFile { .. }
            | SpecError::Duplicate(_)
            | SpecError::Io(_) => None,
        }
    }
}

/// Why a dependency string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DependencyProblem {
    /// Nothing where a package name should be.
    #[error("empty package name")]
    EmptyName,
    /// `name (>= 1.0` without its `)`.
    #[error("unclosed `(`")]
    UnclosedParenthesis,
    /// A name with a space, `,` or `|`.
    #[error("a package name may not contain spaces, `,` or `|`")]
    NameCharacters,
    /// No comparison operator before the version.
    #[error("expected one of <<, <=, =, >=, >> before the version")]
    Operator,
    /// No version, or more than one, after the operator.
    #[error("expected one version after the operator")]
    Version,
}

impl DependencyProblem {
    fn hint(&self) -> Option<String> {
        match self {
            DependencyProblem::UnclosedParenthesis => Some("write `name (>= 1.0)`".to_owned()),
            _ => None,
        }
    }
}

/// What is wrong with an `omnipack.toml` that parses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestProblem {
    /// Not exactly one `[[package]]` with `main = true`.
    #[error("exactly one [[package]] must have `main = true` (found {0})")]
    MainPackages(usize),
    /// Two `[[package]]` tables with the same name.
    #[error("package `{0}` is declared twice")]
    DuplicatePackage(String),
    /// A package's dependency cannot be parsed.
    #[error("package `{package}`: {error}")]
    Dependency {
        /// The package declaring it.
        package: String,
        /// The parse error.
        error: Box<SpecError>,
    },
    /// A `[build]` field that belongs to another recipe.
    #[error("[build] `{field}` does not apply to the `{recipe}` recipe")]
    NotForRecipe {
        /// The field.
        field: &'static str,
        /// The recipe in use (`python`, `cargo`, `dir`, `command`).
        recipe: String,
    },
    /// The `dir` recipe without `source`.
    #[error("[build] recipe `dir` needs `source`, the prebuilt tree")]
    DirWithoutSource,
    /// The `command` recipe without `commands`.
    #[error("[build] recipe `command` needs `commands`")]
    CommandWithoutCommands,
    /// A `[build] prefix` that is not an absolute path.
    #[error("[build] prefix `{0}` must be an absolute path such as `/opt/app`")]
    Prefix(String),
    /// An `[[image]]` that cannot be built as written.
    #[error("[[image]] `{image}`: {reason}")]
    Image {
        /// The image's name.
        image: String,
        /// What is wrong.
        reason: String,
    },
}

impl ManifestProblem {
    fn hint(&self) -> Option<String> {
        match self {
            ManifestProblem::MainPackages(_) => Some(
                "the main package holds the staged tree: set `main = true` on exactly one [[package]]"
                    .to_owned(),
            ),
            ManifestProblem::Dependency { error, .. } => error.hint(),
            _ => None,
        }
    }
}

/// What is wrong with a `[distributions.NAME]` table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DistributionProblem {
    /// A `format` other than `deb` or `rpm`.
    #[error("unknown `format` `{0}`")]
    UnknownFormat(String),
    /// A `compression` that does not parse.
    #[error("`compression`: {0}")]
    Compression(Box<SpecError>),
    /// A `dist-tag` with characters an RPM Release cannot hold.
    #[error(
        "`dist-tag` `{0}` may hold only letters, digits and `._+~^` (it is appended to the RPM Release)"
    )]
    DistTag(String),
    /// A `dist-tag` on a deb distribution.
    #[error("`dist-tag` applies to rpm distributions only")]
    DistTagOnDeb,
    /// A `python` that is not an absolute path.
    #[error("`python` must be an absolute path such as `/usr/bin/python3`, not `{0}`")]
    Python(String),
    /// A `python-version` that is not `X.Y`.
    #[error("`python-version` must be the interpreter's `X.Y` such as `3.11`, not `{0}`")]
    PythonVersion(String),
    /// An empty `builder`.
    #[error("`builder` is empty")]
    Builder,
    /// A new distribution's name with characters a repository directory should not have.
    #[error(
        "a distribution name is lowercase letters, digits, `.`, `_` and `-` (it names directories in the repository), e.g. `almalinux-9`"
    )]
    Name,
    /// A new distribution without `format`.
    #[error(
        "not a built-in distribution, so its `[distributions.{name}]` table must set `format = \"deb\"` or `format = \"rpm\"` (built-in: {builtin})"
    )]
    MissingFormat {
        /// The distribution's name.
        name: String,
        /// The built-in names, comma-separated.
        builtin: String,
    },
}

impl DistributionProblem {
    fn hint(&self) -> Option<String> {
        match self {
            DistributionProblem::UnknownFormat(_) => Some("use `deb` or `rpm`".to_owned()),
            DistributionProblem::Compression(e) => e.hint(),
            DistributionProblem::DistTagOnDeb => {
                Some("remove it or set `format = \"rpm\"`".to_owned())
            }
            DistributionProblem::Builder => Some(
                "use `auto` (the cached build root, made when missing), `host`, or the directory of a root filesystem".to_owned(),
            ),
            _ => None,
        }
    }
}

/// An error as the binary shows it: the message, then its hint on a line of
/// its own (for tests that check what the user reads).
#[cfg(test)]
pub(crate) fn shown(e: &SpecError) -> String {
    match e.hint() {
        Some(h) => format!("{e}\nhint: {h}"),
        None => e.to_string(),
    }
}
