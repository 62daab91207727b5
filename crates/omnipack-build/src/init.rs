//! `omnipack init`: a commented `omnipack.toml` for the project in a
//! directory, from what the project already says about itself.
//!
//! * Python (`pyproject.toml` with `[project]`, else `setup.cfg`'s
//!   `[metadata]`, else the literal keywords of `setup.py`'s `setup()`):
//!   name, version, summary, license, and each console script as a
//!   `/usr/bin` link in a `NAME-cli` meta package, the way Flocker's
//!   `clusterhq-flocker-cli` was made; the `python` recipe, with
//!   `requirements.txt` and vendored wheels (`vendor/*.whl`) when present.
//! * Rust (`Cargo.toml` with `[package]`): the `cargo` recipe, each binary
//!   (`[[bin]]`, else the package's own name when `src/main.rs` exists) as
//!   a `/usr/bin` link.
//! * Anything else: the `dir` recipe over a prebuilt tree.
//!
//! The maintainer comes from [`crate::default_maintainer`]. An existing
//! `omnipack.toml` is never overwritten.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The manifest is there already.
    #[error("`{0}` already exists")]
    Exists(PathBuf),
    /// The project directory is not a directory.
    #[error("`{0}` is not a directory")]
    NotADirectory(PathBuf),
    /// A project file could not be parsed.
    #[error("`{path}`: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A filesystem error, naming its path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl InitError {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            InitError::Exists(p) => Some(format!(
                "edit it (docs/manifest.md describes every key), or move it aside to start again: `mv {} {}.old`",
                p.display(),
                p.display()
            )),
            InitError::NotADirectory(_) => Some("give the project's directory with `--dir`".into()),
            InitError::Parse { .. } | InitError::Io(_) => None,
        }
    }
}

/// What kind of project was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProjectKind {
    /// pyproject.toml, setup.cfg or setup.py: the `python` recipe.
    Python,
    /// Cargo.toml: the `cargo` recipe.
    Rust,
    /// Anything else: the `dir` recipe.
    Other,
}

impl ProjectKind {
    /// `python`, `cargo`, `dir`: the recipe chosen.
    pub fn recipe(self) -> &'static str {
        match self {
            ProjectKind::Python => "python",
            ProjectKind::Rust => "cargo",
            ProjectKind::Other => "dir",
        }
    }
}

/// What `init` wrote.
#[derive(Debug, Clone)]
pub struct Initialized {
    /// The manifest written.
    pub path: PathBuf,
    /// The kind of project detected.
    pub kind: ProjectKind,
    /// The file the metadata came from (`pyproject.toml`, ...), if any.
    pub from: Option<&'static str>,
    /// The maintainer written and where it came from (`None`: a placeholder).
    pub maintainer_from: Option<Vec<&'static str>>,
}

/// What a project says about itself.
#[derive(Debug, Default)]
struct Meta {
    name: Option<String>,
    version: Option<String>,
    summary: Option<String>,
    license: Option<String>,
    url: Option<String>,
    /// Programs to link into /usr/bin.
    programs: Vec<String>,
}

/// Writes `dir/omnipack.toml` for the project in `dir`, refusing to
/// overwrite one; `env` looks up environment variables (for the maintainer).
pub fn init(dir: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Initialized, InitError> {
    if !dir.is_dir() {
        // Names a missing directory the way every other path error does.
        fs::metadata(dir)?;
        return Err(InitError::NotADirectory(dir.to_path_buf()));
    }
    let path = dir.join("omnipack.toml");
    if path.exists() {
        return Err(InitError::Exists(path));
    }
    let (kind, from, meta) = detect(dir)?;
    let found = crate::default_maintainer(dir, env);
    let text = render(
        dir,
        kind,
        from,
        &meta,
        found.as_ref().map(|f| f.maintainer.as_str()),
    );
    // Create-only: a manifest written meanwhile is not overwritten either.
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(InitError::Exists(path));
        }
        Err(e) => return Err(e.into()),
    };
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()?;
    Ok(Initialized {
        path,
        kind,
        from,
        maintainer_from: found.map(|f| f.sources),
    })
}

fn detect(dir: &Path) -> Result<(ProjectKind, Option<&'static str>, Meta), InitError> {
    let pyproject = dir.join("pyproject.toml");
    if pyproject.is_file() {
        let table = read_toml(&pyproject)?;
        if let Some(project) = table.get("project").and_then(toml::Value::as_table) {
            return Ok((
                ProjectKind::Python,
                Some("pyproject.toml"),
                pyproject_meta(project),
            ));
        }
    }
    let setup_cfg = dir.join("setup.cfg");
    if setup_cfg.is_file() {
        let meta = setup_cfg_meta(&fs::read_to_string(&setup_cfg)?);
        if meta.name.is_some() {
            return Ok((ProjectKind::Python, Some("setup.cfg"), meta));
        }
    }
    let setup_py = dir.join("setup.py");
    if setup_py.is_file() {
        return Ok((
            ProjectKind::Python,
            Some("setup.py"),
            setup_py_meta(&fs::read_to_string(&setup_py)?),
        ));
    }
    if pyproject.is_file() {
        // A pyproject.toml without [project] (poetry's [tool.poetry], or
        // only [build-system]): still a Python project.
        return Ok((ProjectKind::Python, Some("pyproject.toml"), Meta::default()));
    }
    let cargo = dir.join("Cargo.toml");
    if cargo.is_file() {
        let table = read_toml(&cargo)?;
        if let Some(package) = table.get("package").and_then(toml::Value::as_table) {
            return Ok((
                ProjectKind::Rust,
                Some("Cargo.toml"),
                cargo_meta(dir, &table, package),
            ));
        }
    }
    Ok((ProjectKind::Other, None, Meta::default()))
}

fn read_toml(path: &Path) -> Result<toml::Table, InitError> {
    fs::read_to_string(path)?
        .parse::<toml::Table>()
        .map_err(|e| InitError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

fn string(t: &toml::Table, key: &str) -> Option<String> {
    t.get(key)
        .and_then(toml::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// PEP 621 `[project]`.
fn pyproject_meta(p: &toml::Table) -> Meta {
    let license = match p.get("license") {
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(toml::Value::Table(t)) => string(t, "text").filter(|t| !t.contains('\n')),
        _ => None,
    };
    let url = p.get("urls").and_then(toml::Value::as_table).and_then(|u| {
        ["Homepage", "homepage", "Home", "Source", "Repository"]
            .iter()
            .find_map(|k| string(u, k))
    });
    let programs = p
        .get("scripts")
        .and_then(toml::Value::as_table)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    Meta {
        name: string(p, "name"),
        version: string(p, "version"),
        summary: string(p, "description"),
        license,
        url,
        programs,
    }
}

/// setuptools' declarative `setup.cfg`: `[metadata]` and the
/// `console_scripts` of `[options.entry_points]`.
fn setup_cfg_meta(text: &str) -> Meta {
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        let entries = sections.entry(section.clone()).or_default();
        if line.starts_with([' ', '\t']) {
            // A continuation line of the previous key.
            if let Some((_, v)) = entries.last_mut() {
                v.push('\n');
                v.push_str(trimmed);
            }
        } else if let Some((k, v)) = trimmed.split_once(['=', ':']) {
            entries.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let get = |s: &str, k: &str| {
        sections.get(s).and_then(|e| {
            e.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty() && !v.starts_with("attr:") && !v.starts_with("file:"))
        })
    };
    let programs = get("options.entry_points", "console_scripts")
        .map(|v| {
            v.lines()
                .filter_map(|l| l.split_once('=').map(|(n, _)| n.trim().to_owned()))
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Meta {
        name: get("metadata", "name"),
        version: get("metadata", "version"),
        summary: get("metadata", "description"),
        license: get("metadata", "license"),
        url: get("metadata", "url"),
        programs,
    }
}

/// The literal keyword arguments of `setup(...)` (`name="x"`), and the
/// `console_scripts` entries (`"x = pkg.mod:main"`): what a reader of the
/// file would take, without running it.
fn setup_py_meta(text: &str) -> Meta {
    let keyword = |k: &str| {
        let mut rest = text;
        while let Some(i) = rest.find(k) {
            let before = rest[..i].chars().next_back();
            let after = rest[i + k.len()..].trim_start();
            rest = &rest[i + k.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(after) = after.strip_prefix('=') else {
                continue;
            };
            let after = after.trim_start();
            let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let body = &after[1..];
            if let Some(end) = body.find(quote) {
                return Some(body[..end].to_owned()).filter(|v| !v.is_empty());
            }
        }
        None
    };
    let mut programs = Vec::new();
    // The list after `console_scripts` (a dict key in quotes, or a
    // keyword): its quoted items, from its opening `[` to its `]`.
    if let Some(i) = text.find("console_scripts")
        && let Some(open) = text[i..].find('[')
    {
        let tail = &text[i + open + 1..];
        let end = tail.find(']').unwrap_or(tail.len());
        for quoted in tail[..end].split(['"', '\'']).skip(1).step_by(2) {
            if let Some((name, target)) = quoted.split_once('=')
                && target.contains(':')
            {
                programs.push(name.trim().to_owned());
            }
        }
    }
    Meta {
        name: keyword("name"),
        version: keyword("version"),
        summary: keyword("description"),
        license: keyword("license"),
        url: keyword("url"),
        programs,
    }
}

/// `[package]` of a Cargo.toml and its binaries.
fn cargo_meta(dir: &Path, root: &toml::Table, p: &toml::Table) -> Meta {
    let name = string(p, "name");
    let mut programs: Vec<String> = root
        .get("bin")
        .and_then(toml::Value::as_array)
        .map(|bins| {
            bins.iter()
                .filter_map(|b| b.as_table().and_then(|b| string(b, "name")))
                .collect()
        })
        .unwrap_or_default();
    if programs.is_empty()
        && dir.join("src/main.rs").is_file()
        && let Some(n) = &name
    {
        programs.push(n.clone());
    }
    if dir.join("src/bin").is_dir()
        && let Ok(rd) = fs::read_dir(dir.join("src/bin"))
    {
        let mut more: Vec<String> = rd
            .filter_map(Result::ok)
            .filter_map(|e| {
                let p = e.path();
                (p.extension().is_some_and(|x| x == "rs"))
                    .then(|| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .flatten()
            })
            .filter(|n| !programs.contains(n))
            .collect();
        more.sort();
        programs.extend(more);
    }
    // `version.workspace = true` and friends are tables: left out.
    Meta {
        name,
        version: string(p, "version"),
        summary: string(p, "description"),
        license: string(p, "license"),
        url: string(p, "homepage").or_else(|| string(p, "repository")),
        programs,
    }
}

/// A package name every format takes: lowercase letters, digits, `+`,
/// `-`, `.` (Debian policy 5.6.1), starting with a letter or digit.
fn package_name(s: &str) -> String {
    let mut n: String = s
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '+' | '-' | '.') => c,
            _ => '-',
        })
        .collect();
    n = n
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    if n.len() < 2 {
        n = format!("app{n}");
    }
    n
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn render(
    dir: &Path,
    kind: ProjectKind,
    from: Option<&str>,
    meta: &Meta,
    maintainer: Option<&str>,
) -> String {
    use std::fmt::Write;
    let dir_name = std::path::absolute(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".into());
    let name = package_name(meta.name.as_deref().unwrap_or(&dir_name));
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# omnipack.toml for `{name}`, written by `omnipack init`"
    );
    match from {
        Some(f) => {
            let _ = writeln!(t, "# from {f}. Every key is described in docs/manifest.md.");
        }
        None => {
            let _ = writeln!(t, "# Every key is described in docs/manifest.md.");
        }
    }
    let _ = writeln!(
        t,
        "# Build:  omnipack build . --distribution debian-12   (`omnipack distributions` lists them)\n"
    );
    t.push_str("[project]\n");
    let _ = writeln!(t, "name = {}", quote(&name));
    match &meta.version {
        Some(v) => {
            let _ = writeln!(
                t,
                "version = {}          # remove to take the version from `git describe --tags`",
                quote(v)
            );
        }
        None => t.push_str(
            "# version = \"1.0.0\"   # without it, the version comes from `git describe --tags`\n",
        ),
    }
    let summary = meta
        .summary
        .clone()
        .unwrap_or_else(|| format!("The {name} application"));
    let _ = writeln!(
        t,
        "summary = {}",
        quote(summary.lines().next().unwrap_or(""))
    );
    match &meta.license {
        Some(l) => {
            let _ = writeln!(t, "license = {}", quote(l));
        }
        None => t.push_str(
            "license = \"NOASSERTION\"   # SPDX for \"not known\": set the project's license, e.g. \"MIT\"\n",
        ),
    }
    match &meta.url {
        Some(u) => {
            let _ = writeln!(t, "url = {}", quote(u));
        }
        None => t.push_str("# url = \"https://example.org/\"\n"),
    }
    match maintainer {
        Some(m) => {
            let _ = writeln!(t, "maintainer = {}", quote(m));
        }
        None => t.push_str(
            "maintainer = \"Unknown <root@localhost>\"   # set it: `Name <email>` (DEBFULLNAME/DEBEMAIL or git config give the default)\n",
        ),
    }
    t.push('\n');

    t.push_str("[build]\n");
    let _ = writeln!(t, "recipe = \"{}\"", kind.recipe());
    let main_name = match kind {
        ProjectKind::Python => {
            let _ = writeln!(
                t,
                "# A virtualenv at /opt/{name} with the project and its dependencies."
            );
            if dir.join("requirements.txt").is_file() {
                t.push_str("requirements = \"requirements.txt\"\n");
            }
            let vendored = fs::read_dir(dir.join("vendor")).is_ok_and(|rd| {
                rd.filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "whl"))
            });
            if vendored {
                t.push_str("# Offline: the dependencies are vendored as wheels.\n");
                t.push_str("pip-args = [\"--no-index\", \"--find-links\", \"vendor\"]\n");
            } else {
                t.push_str("# pip-args = [\"--no-index\", \"--find-links\", \"vendor\"]   # offline, from vendored wheels\n");
            }
            format!("{name}-python")
        }
        ProjectKind::Rust => {
            let _ = writeln!(
                t,
                "# `cargo install --path .` into /opt/{name} (binaries in /opt/{name}/bin)."
            );
            if dir.join("Cargo.lock").is_file() {
                t.push_str("cargo-args = [\"--locked\"]\n");
            } else {
                t.push_str("# cargo-args = [\"--locked\"]\n");
            }
            name.clone()
        }
        ProjectKind::Other => {
            let _ = writeln!(
                t,
                "# The prebuilt tree to package, installed under the prefix (/opt/{name})."
            );
            t.push_str("source = \"stage\"\n");
            name.clone()
        }
    };
    t.push_str("# build-depends = [\"libssl-dev\"]   # what a build root needs besides the recipe's own\n\n");

    t.push_str("# The main package owns the staged tree; meta packages depend on it at\n# exactly the same version.\n");
    t.push_str("[[package]]\n");
    let _ = writeln!(t, "name = {}", quote(&main_name));
    t.push_str("main = true\n");
    let _ = writeln!(
        t,
        "summary = {}",
        quote(&format!("{name} and everything it needs, in /opt/{name}"))
    );
    if !meta.programs.is_empty() {
        t.push('\n');
        let _ = writeln!(
            t,
            "# The command line: {} in /usr/bin.",
            meta.programs
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        t.push_str("[[package]]\n");
        let _ = writeln!(t, "name = {}", quote(&format!("{name}-cli")));
        let _ = writeln!(
            t,
            "summary = {}",
            quote(&format!("Command-line tools of {name}"))
        );
        for p in &meta.programs {
            t.push_str("\n[[package.symlinks]]\n");
            let _ = writeln!(t, "path = {}", quote(&format!("/usr/bin/{p}")));
            let _ = writeln!(t, "target = {}", quote(&format!("/opt/{name}/bin/{p}")));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_py_keywords_and_console_scripts() {
        let m = setup_py_meta(
            r#"from setuptools import setup
setup(
    name="hello_world",
    version='0.2',
    description="Says hello",
    license="MIT",
    entry_points={"console_scripts": ["hello = hello.cli:main", 'hi=hello.cli:hi']},
)
"#,
        );
        assert_eq!(m.name.as_deref(), Some("hello_world"));
        assert_eq!(m.version.as_deref(), Some("0.2"));
        assert_eq!(m.summary.as_deref(), Some("Says hello"));
        assert_eq!(m.programs, ["hello", "hi"]);
        assert_eq!(package_name("hello_world"), "hello-world");
    }

    #[test]
    fn setup_cfg_metadata_and_console_scripts() {
        let m = setup_cfg_meta(
            "[metadata]\nname = tool\nversion = attr: tool.__version__\ndescription = A tool\n\n[options.entry_points]\nconsole_scripts =\n    tool = tool.main:run\n",
        );
        assert_eq!(m.name.as_deref(), Some("tool"));
        assert_eq!(m.version, None);
        assert_eq!(m.programs, ["tool"]);
    }
}
