//! `debian/`: the packaging directory of a Debian source package in format
//! `3.0 (quilt)` for the sdist (as `NAME_VERSION.orig.tar.gz`), built by
//! debhelper (compat 13, `dh $@`), with `dh-python`/`pybuild` for Python
//! projects. Files as Debian policy and the debhelper guide lay them out:
//! `control` (policy §5.2, §5.3), `rules` (§4.9), `changelog` (§4.4, the
//! date as `date -R` prints it), `copyright` (machine-readable format 1.0,
//! DEP-5), `source/format`, `watch` (uscan version 4) when the project
//! has a URL.

use omnipack_spec::distribution::Distribution;
use omnipack_spec::manifest::{Manifest, RecipeKind};

use super::extras::{Content, Extras, sh_quote};
use super::{Source, SrcPkgError};

/// Debian policy version the files follow.
const STANDARDS_VERSION: &str = "4.6.2";

/// The Expat (MIT) license text: not in `/usr/share/common-licenses`, so
/// DEP-5 wants it in full.
const EXPAT: &str = "Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the \"Software\"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:
.
The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.
.
THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS
OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.";

/// Licenses whose text Debian ships in `/usr/share/common-licenses`.
const COMMON: [&str; 11] = [
    "Apache-2.0",
    "Artistic",
    "GFDL-1.3",
    "GPL-2",
    "GPL-3",
    "LGPL-2",
    "LGPL-2.1",
    "LGPL-3",
    "MPL-1.1",
    "MPL-2.0",
    "CC0-1.0",
];

/// The files of `debian/`, by path relative to it, with their modes.
pub(super) fn render(
    m: &Manifest,
    source: &Source,
    dist: &Distribution,
    extras: &Extras,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, String, u32)>, SrcPkgError> {
    let p = &m.project;
    let name = &p.name;
    let python = m.build.recipe == RecipeKind::Python;
    let mut files = Vec::new();

    // control
    let mut build_depends = vec!["debhelper-compat (= 13)".to_owned()];
    match m.build.recipe {
        RecipeKind::Python => build_depends.extend(
            [
                "dh-sequence-python3",
                "pybuild-plugin-pyproject",
                "python3-all",
            ]
            .map(str::to_owned),
        ),
        RecipeKind::Cargo => build_depends.push("cargo".into()),
        _ => {}
    }
    if python {
        match dist.has_pybuild_pyproject() {
            Some(true) => {}
            Some(false) => {
                return Err(SrcPkgError::Unsupported {
                    distribution: dist.name.clone(),
                    reason: "its dh-python has no `pybuild-plugin-pyproject`, which the generated `debian/rules` builds a Python project with (Debian 12 and newer have it)".into(),
                });
            }
            None => warnings.push(format!(
                "omnipack has not checked that {} has `pybuild-plugin-pyproject` (dh-python's PEP 517 build), which the generated `debian/rules` needs",
                dist.name
            )),
        }
        build_depends.extend(super::python_build_backend(m, source, dist, warnings)?);
    }
    build_depends.extend(super::build_depends(m, dist)?.iter().map(|d| d.to_deb()));
    let mut depends: Vec<String> = Vec::new();
    if python {
        depends.push("${python3:Depends}".into());
    } else {
        depends.push("${shlibs:Depends}".into());
    }
    depends.push("${misc:Depends}".into());
    depends.extend(super::runtime_depends(m, dist)?.iter().map(|d| d.to_deb()));
    let arch = if python && !source.has_compiled_code() {
        "all"
    } else {
        "any"
    };
    let mut control = format!("Source: {name}\n");
    control.push_str(&format!(
        "Section: {}\n",
        p.section.as_deref().unwrap_or("misc")
    ));
    control.push_str("Priority: optional\n");
    control.push_str(&format!("Maintainer: {}\n", p.maintainer.trim()));
    control.push_str(&format!("Build-Depends: {}\n", build_depends.join(",\n ")));
    control.push_str(&format!("Standards-Version: {STANDARDS_VERSION}\n"));
    if let Some(url) = &p.url {
        control.push_str(&format!("Homepage: {url}\n"));
    }
    control.push_str("Rules-Requires-Root: no\n\n");
    control.push_str(&format!("Package: {name}\nArchitecture: {arch}\n"));
    control.push_str(&format!("Depends: {}\n", depends.join(",\n ")));
    control.push_str(&format!(
        "Description: {}\n{}",
        p.summary.trim_end_matches('.'),
        extended_description(m)
    ));
    files.push(("control".to_owned(), control, 0o644));

    // rules
    let mut rules = String::from("#!/usr/bin/make -f\n\n");
    match m.build.recipe {
        RecipeKind::Python => {
            rules.push_str(&format!("export PYBUILD_NAME={name}\n\n"));
            rules.push_str("%:\n\tdh $@ --buildsystem=pybuild\n");
        }
        RecipeKind::Cargo => {
            let args: String = m.build.cargo_args.iter().map(|a| format!(" {a}")).collect();
            rules.push_str("%:\n\tdh $@\n\n");
            rules.push_str(&format!(
                "override_dh_auto_build:\n\tcargo build --release{args}\n\n"
            ));
            rules.push_str(&format!(
                "override_dh_auto_install:\n\tcargo install --path . --root debian/{name}/usr --no-track --target-dir target{args}\n"
            ));
            rules.push_str("\noverride_dh_auto_test:\n\tcargo test --release\n");
        }
        RecipeKind::Dir => {
            let src = m
                .build
                .source
                .as_ref()
                .map(|s| s.display().to_string())
                .unwrap_or_else(|| ".".into());
            let prefix = m.prefix();
            rules.push_str("%:\n\tdh $@\n\n");
            rules.push_str(&format!(
                "override_dh_auto_install:\n\tmkdir -p debian/{name}{prefix}\n\tcp -a {src}/. debian/{name}{prefix}/\n"
            ));
        }
        RecipeKind::Command => {
            let prefix = m.prefix();
            rules.push_str("%:\n\tdh $@\n\n");
            rules.push_str(
                "override_dh_auto_build:\n\t# The commands build and install in one step.\n\n",
            );
            rules.push_str("override_dh_auto_install:\n");
            for c in &m.build.commands {
                rules.push_str(&format!(
                    "\tDESTDIR=$(CURDIR)/debian/{name} PREFIX={prefix} sh -ec '{}'\n",
                    c.replace('\'', r"'\''").replace('$', "$$")
                ));
            }
        }
    }
    install_extras(&mut rules, &mut files, name, extras, warnings);
    files.push(("rules".to_owned(), rules, 0o755));

    // changelog
    let changelog = format!(
        "{name} ({}) unstable; urgency=medium\n\n  * {name} {} (packaging written by omnipack).\n\n -- {}  {}\n",
        source.version.deb(),
        source.version.upstream,
        p.maintainer.trim(),
        omnipack_core::time::rfc2822(source.epoch, "+0000")
    );
    files.push(("changelog".to_owned(), changelog, 0o644));

    // copyright
    let (year, ..) = omnipack_core::time::civil(source.epoch);
    let holder = p
        .vendor
        .clone()
        .unwrap_or_else(|| p.maintainer.trim().to_owned());
    let mut copyright = String::from(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
    );
    copyright.push_str(&format!("Upstream-Name: {name}\n"));
    if let Some(url) = &p.url {
        copyright.push_str(&format!("Source: {url}\n"));
    }
    copyright.push_str(&format!(
        "\nFiles: *\nCopyright: {year} {holder}\nLicense: {}\n",
        license_name(&p.license)
    ));
    copyright.push_str(&format!("\nLicense: {}\n", license_name(&p.license)));
    copyright.push_str(&license_text(&p.license));
    files.push(("copyright".to_owned(), copyright, 0o644));

    files.push((
        "source/format".to_owned(),
        "3.0 (quilt)\n".to_owned(),
        0o644,
    ));

    if let Some(url) = &p.url {
        files.push((
            "watch".to_owned(),
            format!(
                "version=4\n{} .*/{name}-v?(\\d[\\d.]*)@ARCHIVE_EXT@\n",
                url.trim_end_matches('/')
            ),
            0o644,
        ));
    }
    Ok(files)
}

/// Puts the extra files and directories of the manifest's packages into
/// the package's tree after `dh_auto_install` (debhelper's
/// `execute_after_` targets, compat 13), a `content` file from
/// `debian/extra/PATH`; symlinks go to `debian/links` (dh_link makes them
/// relative as policy §10.5 wants). Files under `/etc` become conffiles
/// (dh_installdeb). Owners other than root are not set: the package
/// builds with `Rules-Requires-Root: no`.
fn install_extras(
    rules: &mut String,
    files: &mut Vec<(String, String, u32)>,
    name: &str,
    extras: &Extras,
    warnings: &mut Vec<String>,
) {
    if extras.files.is_empty() && extras.dirs.is_empty() {
        if extras.symlinks.is_empty() {
            return;
        }
    } else {
        rules.push_str("\n# The files and directories of omnipack.toml's [[package]]s.\n");
        rules.push_str("execute_after_dh_auto_install:\n");
        let make = |w: String| w.replace('$', "$$");
        for f in &extras.files {
            let src = match &f.content {
                Content::Tree(src) => src.clone(),
                Content::Text(text) => {
                    let rel = format!("extra{}", f.dst);
                    files.push((rel.clone(), text.clone(), 0o644));
                    format!("debian/{rel}")
                }
            };
            rules.push_str(&format!(
                "\tinstall -D -p -m {:04o} {} {}\n",
                f.mode,
                make(sh_quote(&src)),
                make(sh_quote(&format!("debian/{name}{}", f.dst)))
            ));
        }
        for d in &extras.dirs {
            rules.push_str(&format!(
                "\tinstall -d -m {:04o} {}\n",
                d.mode,
                make(sh_quote(&format!("debian/{name}{}", d.path)))
            ));
        }
    }
    for f in &extras.files {
        if f.user.is_some() || f.group.is_some() {
            warnings.push(format!(
                "the owner of `{}` is not set in debian/ (it builds with `Rules-Requires-Root: no`): set it in a postinst",
                f.dst
            ));
        }
        if f.config && !f.dst.starts_with("/etc/") {
            warnings.push(format!(
                "`{}` is not a conffile in debian/: Debian policy §10.7.2 allows conffiles under /etc only",
                f.dst
            ));
        }
    }
    for d in &extras.dirs {
        if d.user.is_some() || d.group.is_some() {
            warnings.push(format!(
                "the owner of `{}` is not set in debian/ (it builds with `Rules-Requires-Root: no`): set it in a postinst",
                d.path
            ));
        }
    }
    if !extras.symlinks.is_empty() {
        let links: String = extras
            .symlinks
            .iter()
            .map(|(path, target)| {
                format!(
                    "{} {}\n",
                    absolute_target(path, target).trim_start_matches('/'),
                    path.trim_start_matches('/')
                )
            })
            .collect();
        files.push(("links".to_owned(), links, 0o644));
    }
}

/// The absolute path a symlink at `path` pointing at `target` resolves to
/// (dh_link's `links` file takes both as paths in the package).
fn absolute_target(path: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.to_owned();
    }
    let mut parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    parts.pop();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The DEP-5 short name of the manifest's license (`MIT` is `Expat`).
fn license_name(license: &str) -> String {
    match license.trim() {
        "MIT" => "Expat".to_owned(),
        l => l.replace(' ', "-"),
    }
}

/// The license text paragraph body: Expat in full, a pointer to
/// `/usr/share/common-licenses` for those Debian ships, else a note.
fn license_text(license: &str) -> String {
    let name = license_name(license);
    let common = name.trim_end_matches("+").trim_end_matches("-or-later");
    let common = common.trim_end_matches("-only");
    let text = if name == "Expat" {
        EXPAT.to_owned()
    } else if COMMON.contains(&common) {
        format!(
            "On Debian systems, the complete text of this license can be found in\n\"/usr/share/common-licenses/{common}\"."
        )
    } else {
        format!("The {name} license: see the upstream source for its text.")
    };
    text.lines().map(|l| format!(" {l}\n")).collect()
}

/// The extended description: each line indented by one space, blank lines as ` .`.
fn extended_description(m: &Manifest) -> String {
    let d = m.project.description.trim();
    let d = if d.is_empty() {
        m.project.summary.trim()
    } else {
        d
    };
    d.lines()
        .map(|l| {
            if l.trim().is_empty() {
                " .\n".to_owned()
            } else {
                format!(" {}\n", l.trim_end())
            }
        })
        .collect()
}
