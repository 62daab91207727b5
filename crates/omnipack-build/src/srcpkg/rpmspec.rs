//! `NAME.spec`: an RPM spec file that builds the sdist the distribution's
//! way, a template for distribution maintainers (Flocker's
//! `generate_spec`). Tags follow the Fedora packaging guidelines
//! (docs.fedoraproject.org/en-US/packaging-guidelines/): `Release` ends in
//! `%{?dist}`, `Source0` is the sdist, `%license` marks license files, the
//! `%changelog` entry is `* DAY MON DD YYYY NAME <EMAIL> - VERSION-RELEASE`.
//!
//! Python projects get one of two specs ([`SpecStyle`]): the Fedora Python
//! guidelines' (`%generate_buildrequires` / `%pyproject_buildrequires`,
//! `%pyproject_wheel`, `%pyproject_install`, `%pyproject_save_files`, from
//! pyproject-rpm-macros), or one that needs only `rpmbuild` and `pip`
//! (the wheel built and installed by pip, the file list taken from what it
//! installed), for an rpmbuild without those macros, such as Debian's.

use std::fmt::Write as _;

use omnipack_spec::distribution::Distribution;
use omnipack_spec::manifest::{Manifest, RecipeKind};

use super::extras::{Content, Extras};
use super::{Source, SrcPkgError};

/// Which spec a Python project gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecStyle {
    /// Needs only `rpmbuild` and `pip` (the default: it builds anywhere).
    #[default]
    Pip,
    /// The Fedora Python packaging guidelines (pyproject-rpm-macros).
    Fedora,
}

/// `Mon Dec 07 2026`: the date form of `%changelog` entries.
fn changelog_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d, _) = omnipack_core::time::civil(secs);
    let day = DAYS[((secs / 86_400) % 7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1) % 12];
    format!("{day} {month} {d:02} {y}")
}

/// `%description` text: the project's description, else its summary.
fn description(m: &Manifest) -> String {
    let d = m.project.description.trim();
    if d.is_empty() {
        format!("{}.", m.project.summary.trim_end_matches('.'))
    } else {
        d.to_owned()
    }
}

/// The dist-info name of a Python distribution (PEP 427: runs of `-_.`
/// become `_`).
fn dist_info_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The top-level Python import packages of the tree: directories with an
/// `__init__.py` at the top or under `src/`.
fn import_packages(source: &Source) -> Vec<String> {
    let mut out: Vec<String> = source
        .tree
        .iter()
        .filter_map(|e| {
            let p = e.path.strip_prefix("src/").unwrap_or(&e.path);
            let (pkg, rest) = p.split_once('/')?;
            (rest == "__init__.py").then(|| pkg.to_owned())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Renders the spec.
pub(super) fn render(
    m: &Manifest,
    source: &Source,
    dist: &Distribution,
    style: SpecStyle,
    extras: &Extras,
) -> Result<String, SrcPkgError> {
    let p = &m.project;
    let recipe = m.build.recipe;
    let python = recipe == RecipeKind::Python;
    let noarch = match recipe {
        RecipeKind::Python => !source.has_compiled_code(),
        _ => false,
    };
    let mut s = String::new();
    let w = &mut s;
    // Writing into a String cannot fail.
    macro_rules! line {
        ($($t:tt)*) => { let _ = writeln!(w, $($t)*); };
    }
    line!(
        "# The RPM spec of {}, written by `omnipack spec` from omnipack.toml:",
        p.name
    );
    line!("# a template for distribution maintainers. Build it with");
    line!(
        "#   rpmbuild -ba --define \"_sourcedir $PWD\" {}.spec",
        p.name
    );
    if python && style == SpecStyle::Pip {
        line!("%{{!?__python3:%global __python3 /usr/bin/python3}}");
    }
    line!();
    line!("Name:           {}", p.name);
    line!("Version:        {}", source.version.rpm_version);
    line!("Release:        {}%{{?dist}}", source.version.rpm_release);
    line!("Summary:        {}", p.summary.trim_end_matches('.'));
    line!();
    line!("License:        {}", p.license);
    if let Some(url) = &p.url {
        line!("URL:            {url}");
    }
    line!("Source0:        %{{name}}-%{{version}}.tar.gz");
    if noarch {
        line!();
        line!("BuildArch:      noarch");
    }
    line!();
    let mut build_requires: Vec<String> = match (recipe, style) {
        (RecipeKind::Python, SpecStyle::Fedora) => vec!["python3-devel".into()],
        (RecipeKind::Python, SpecStyle::Pip) => vec!["python3".into(), "python3-pip".into()],
        (RecipeKind::Cargo, _) => vec!["cargo".into(), "rust".into()],
        _ => Vec::new(),
    };
    if python && source.has_compiled_code() {
        build_requires.push("gcc".into());
    }
    build_requires.extend(
        super::build_depends(m, dist)?
            .iter()
            .map(omnipack_spec::Dependency::to_rpm),
    );
    for r in &build_requires {
        line!("BuildRequires:  {r}");
    }
    let mut requires: Vec<String> = Vec::new();
    if python && style == SpecStyle::Pip {
        // pip installs with `--no-deps`: the distribution provides them.
        requires.push("python3".into());
        requires.extend(super::python_rpm_requires(m, source)?);
    }
    requires.extend(
        super::runtime_depends(m, dist)?
            .iter()
            .map(omnipack_spec::Dependency::to_rpm),
    );
    for r in &requires {
        line!("Requires:       {r}");
    }
    line!();
    line!("%description");
    line!("{}", description(m));
    line!();
    if python && style == SpecStyle::Fedora {
        line!();
        line!("%generate_buildrequires");
        line!("%pyproject_buildrequires");
        line!();
    }
    line!();
    line!("%prep");
    line!("%autosetup -n %{{name}}-%{{version}}");
    line!();
    line!();
    let licenses = source.license_files();
    match (recipe, style) {
        (RecipeKind::Python, SpecStyle::Fedora) => {
            let packages = import_packages(source);
            let save = if packages.is_empty() {
                dist_info_name(&p.name)
            } else {
                packages.join(" ")
            };
            // `-l`/`-L` (assert / do not assert a license file) came with
            // pyproject-rpm-macros 1.11.0 (Fedora 40 on); EL's may be older
            // and reject them, and `-L` is the default behaviour anyway.
            let l = match (dist.id.as_str(), licenses.is_empty()) {
                ("fedora", true) => "-L ",
                ("fedora", false) => "-l ",
                _ => "",
            };
            line!("%build");
            line!("%pyproject_wheel");
            line!();
            line!();
            line!("%install");
            line!("%pyproject_install");
            line!("%pyproject_save_files {l}{save}");
            install_extras(w, extras);
            line!();
            line!();
            line!("%check");
            line!("%pyproject_check_import");
            line!();
            line!();
            line!("%files -f %{{pyproject_files}}");
            line!("%{{_bindir}}/*");
        }
        (RecipeKind::Python, SpecStyle::Pip) => {
            let pip_args = shell_words(&m.build.pip_args);
            line!("%build");
            line!("%{{__python3}} -m pip wheel --no-deps --wheel-dir dist{pip_args} .");
            line!();
            line!();
            line!("%install");
            line!(
                "%{{__python3}} -m pip install --no-deps --no-index --root %{{buildroot}} --prefix %{{_prefix}} --no-warn-script-location dist/*.whl"
            );
            line!("# The file list is what pip installed: the packages and their");
            line!("# dist-info in site-packages (wherever this python keeps it) and the scripts.");
            line!(
                "find %{{buildroot}} -mindepth 1 \\( -type f -o -type l \\) -printf '/%%P\\n' \\"
            );
            line!("  | sed -E 's,^(/.*/(site|dist)-packages/[^/]+)/.*,\\1,' \\");
            line!("  | LC_ALL=C sort -u > %{{name}}.files");
            install_extras(w, extras);
            line!();
            line!();
            line!("%files -f %{{name}}.files");
        }
        (RecipeKind::Cargo, _) => {
            let args = shell_words(&m.build.cargo_args);
            line!("%build");
            line!("cargo build --release{args}");
            line!();
            line!();
            line!("%install");
            // `--target-dir target`: the binaries `%build` made, not a second build.
            line!(
                "cargo install --path . --root %{{buildroot}}%{{_prefix}} --no-track --target-dir target{args}"
            );
            install_extras(w, extras);
            line!();
            line!();
            line!("%files");
            line!("%{{_bindir}}/*");
        }
        (RecipeKind::Dir, _) => {
            let rel = m
                .build
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| ".".into());
            let prefix = m.prefix();
            line!("%build");
            line!("# A prebuilt tree: nothing to build.");
            line!();
            line!();
            line!("%install");
            line!("mkdir -p %{{buildroot}}{prefix}");
            line!("cp -a {}/. %{{buildroot}}{prefix}/", shell_quote(&rel));
            install_extras(w, extras);
            line!();
            line!();
            line!("%files");
            line!("{prefix}");
        }
        (RecipeKind::Command, _) => {
            let prefix = m.prefix();
            let workdir = m
                .build
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| ".".into());
            line!("%build");
            line!("# The recipe's commands build and install in one step, below.");
            line!();
            line!();
            line!("%install");
            line!("export DESTDIR=%{{buildroot}} PREFIX={prefix}");
            if !extras.is_empty() {
                line!("omnipack_top=$PWD");
            }
            if workdir != "." {
                line!("cd {}", shell_quote(&workdir));
            }
            for c in &m.build.commands {
                line!("{}", c.replace('%', "%%"));
            }
            if !extras.is_empty() {
                line!("cd \"$omnipack_top\"");
            }
            install_extras(w, extras);
            line!();
            line!();
            line!("%files");
            line!("{prefix}");
        }
    }
    list_extras(w, extras);
    for l in &licenses {
        line!("%license {l}");
    }
    line!();
    line!();
    let (maintainer, email) = super::maintainer_parts(&p.maintainer);
    line!("%changelog");
    line!(
        "* {} {maintainer} <{email}> - {}-{}",
        changelog_date(source.epoch),
        source.version.rpm_version,
        source.version.rpm_release
    );
    line!(
        "- {} {} (spec written by omnipack)",
        p.name,
        source.version.upstream
    );
    Ok(s)
}

/// `%install` lines that put the extra files, directories and symlinks
/// of the manifest's packages into the build root.
fn install_extras(w: &mut String, extras: &Extras) {
    if extras.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "# The files, directories and symlinks of omnipack.toml's [[package]]s."
    );
    for f in &extras.files {
        let dst = format!("%{{buildroot}}{}", shell_path(&f.dst));
        match &f.content {
            Content::Tree(src) => {
                let _ = writeln!(
                    w,
                    "install -D -p -m {:04o} {} {dst}",
                    f.mode,
                    shell_quote(src)
                );
            }
            Content::Text(text) => {
                let _ = writeln!(w, "mkdir -p \"$(dirname {dst})\"");
                let _ = writeln!(w, "printf '%%s' {} > {dst}", shell_quote_always(text));
                let _ = writeln!(w, "chmod {:04o} {dst}", f.mode);
            }
        }
    }
    for d in &extras.dirs {
        let dst = format!("%{{buildroot}}{}", shell_path(&d.path));
        let _ = writeln!(w, "install -d -m {:04o} {dst}", d.mode);
    }
    for (path, target) in &extras.symlinks {
        let dst = format!("%{{buildroot}}{}", shell_path(path));
        let _ = writeln!(w, "mkdir -p \"$(dirname {dst})\"");
        let _ = writeln!(w, "ln -s {} {dst}", shell_quote(target));
    }
}

/// `%files` lines of the extras: modes and owners with `%attr`,
/// configuration files `%config(noreplace)` (`%config` with
/// `config-replace`), directories `%dir`.
fn list_extras(w: &mut String, extras: &Extras) {
    let owner = |u: &Option<String>| u.clone().unwrap_or_else(|| "-".into());
    for f in &extras.files {
        let config = match (f.config, f.config_replace) {
            (false, _) => "",
            (true, false) => "%config(noreplace) ",
            (true, true) => "%config ",
        };
        let _ = writeln!(
            w,
            "%attr({:04o},{},{}) {config}{}",
            f.mode,
            owner(&f.user),
            owner(&f.group),
            spec_path(&f.dst)
        );
    }
    for d in &extras.dirs {
        let _ = writeln!(
            w,
            "%dir %attr({:04o},{},{}) {}",
            d.mode,
            owner(&d.user),
            owner(&d.group),
            spec_path(&d.path)
        );
    }
    for (path, _) in &extras.symlinks {
        let _ = writeln!(w, "{}", spec_path(path));
    }
}

/// A path written with the macro of its directory where every RPM
/// distribution agrees on it: `/usr/…` as `%{_prefix}/…`, and
/// `/lib/systemd/…` as `%{_prefix}/lib/systemd/…` (`/lib` is `usr/lib`
/// on Fedora and EL, and rpmlint calls a literal `/usr/lib`
/// `hardcoded-library-path`). `(macro, rest)`.
fn split_macro(path: &str) -> (&'static str, &str) {
    if let Some(rest) = path.strip_prefix("/lib/systemd/") {
        ("%{_prefix}/lib/systemd/", rest)
    } else if let Some(rest) = path.strip_prefix("/usr/") {
        ("%{_prefix}/", rest)
    } else {
        ("", path)
    }
}

/// A path in `%files`: `%` doubled, quoted when it holds white space.
fn spec_path(path: &str) -> String {
    let (m, rest) = split_macro(path);
    let p = format!("{m}{}", rest.replace('%', "%%"));
    if p.contains(char::is_whitespace) {
        format!("\"{p}\"")
    } else {
        p
    }
}

/// A path in `%install`'s shell: the macro, then the rest shell-quoted.
fn shell_path(path: &str) -> String {
    let (m, rest) = split_macro(path);
    format!("{m}{}", shell_quote(rest))
}

/// `word` in single quotes for `sh`, `%` doubled for rpm.
fn shell_quote_always(word: &str) -> String {
    format!("'{}'", word.replace('%', "%%").replace('\'', r"'\''"))
}

/// ` a b c`, each word shell-quoted when it needs to be, `%` doubled for rpm.
fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!(" {}", shell_quote(w)))
        .collect()
}

fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c));
    let w = word.replace('%', "%%");
    if safe {
        w
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changelog_dates() {
        // 2026-12-07 was a Monday.
        assert_eq!(changelog_date(1_796_601_600), "Mon Dec 07 2026");
        assert_eq!(changelog_date(0), "Thu Jan 01 1970");
    }

    #[test]
    fn dist_info_names() {
        assert_eq!(dist_info_name("my-app.x"), "my_app_x");
        assert_eq!(dist_info_name("greet"), "greet");
    }
}
