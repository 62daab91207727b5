//! The extra entries of the manifest's `[[package]]`s (`[[package.files]]`,
//! `[[package.dirs]]`, `[[package.symlinks]]`), gathered for a source
//! package: one distribution package takes the entries of the omnibus main
//! package and of every meta package.
//!
//! A file comes from the sdist (its `src`, which must be committed, since
//! the sdist is the tree at `HEAD`) or from the manifest (`content`). A
//! symlink into the omnibus prefix's `bin/` (`/usr/bin/greet` →
//! `/opt/greet/bin/greet`) points into `/usr/bin` instead for the recipes
//! whose distribution package installs its programs there (python, cargo);
//! one that would point at itself is the program itself and is left out.
//! Maintainer scripts are omnibus packaging and are not carried (a warning
//! says so).

use omnipack_spec::manifest::{Manifest, RecipeKind};

use super::{Source, SrcPkgError};

/// Where an extra file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Content {
    /// A path in the sdist, relative to its top directory.
    Tree(String),
    /// The manifest's `content`.
    Text(String),
}

/// One extra file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExtraFile {
    pub content: Content,
    /// The installed path (absolute).
    pub dst: String,
    pub mode: u32,
    pub user: Option<String>,
    pub group: Option<String>,
    /// A configuration file (`config`, or anywhere under `/etc`).
    pub config: bool,
    /// RPM `%config` without `(noreplace)` (`config-replace`).
    pub config_replace: bool,
}

/// One extra directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExtraDir {
    pub path: String,
    pub mode: u32,
    pub user: Option<String>,
    pub group: Option<String>,
}

/// The extra entries of every `[[package]]`, in manifest order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Extras {
    pub files: Vec<ExtraFile>,
    pub dirs: Vec<ExtraDir>,
    /// `(path, target)`.
    pub symlinks: Vec<(String, String)>,
}

impl Extras {
    /// Whether there is nothing to carry.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.dirs.is_empty() && self.symlinks.is_empty()
    }
}

/// Gathers the extras of `m`'s packages; what cannot be carried is said in `warnings`.
pub(super) fn gather(
    m: &Manifest,
    source: &Source,
    warnings: &mut Vec<String>,
) -> Result<Extras, SrcPkgError> {
    let bad = |reason: String| SrcPkgError::Manifest {
        path: m.path.clone(),
        reason,
    };
    let absolute = |what: &str, package: &str, path: &str| -> Result<(), SrcPkgError> {
        if !path.starts_with('/') || path.split('/').any(|c| c == "..") || path.ends_with('/') {
            return Err(bad(format!(
                "`{what} = \"{path}\"` of package `{package}` must be an absolute path without `..`"
            )));
        }
        Ok(())
    };
    let mode = |m: Option<&omnipack_spec::specfile::Mode>, path: &str, default: u32| {
        m.map(|m| m.bits(path))
            .transpose()
            .map(|b| b.unwrap_or(default))
            .map_err(|e| bad(e.to_string()))
    };
    let mut out = Extras::default();
    let bin = format!("{}/bin/", m.prefix());
    let to_usr = matches!(m.build.recipe, RecipeKind::Python | RecipeKind::Cargo);
    for p in &m.packages {
        for f in &p.files {
            absolute("dst", &p.name, &f.dst)?;
            let content = match (&f.src, &f.content) {
                (Some(src), None) => {
                    let rel = src.to_string_lossy();
                    let rel = rel.trim_start_matches("./").to_owned();
                    if !source.tree.iter().any(|e| e.path == rel) {
                        return Err(SrcPkgError::Tree {
                            dir: m.root.clone(),
                            reason: format!(
                                "`[[package.files]] src = \"{rel}\"` of package `{}` is not a committed file: the source package is the tree at HEAD",
                                p.name
                            ),
                        });
                    }
                    Content::Tree(rel)
                }
                (None, Some(text)) => Content::Text(text.clone()),
                _ => {
                    return Err(bad(format!(
                        "`[[package.files]] dst = \"{}\"` of package `{}` needs exactly one of `src` and `content`",
                        f.dst, p.name
                    )));
                }
            };
            out.files.push(ExtraFile {
                content,
                dst: f.dst.clone(),
                mode: mode(f.mode.as_ref(), &f.dst, 0o644)?,
                user: f.user.clone().filter(|u| u != "root"),
                group: f.group.clone().filter(|g| g != "root"),
                config: f.config || f.dst.starts_with("/etc/") || p.config_files.contains(&f.dst),
                config_replace: f.config_replace,
            });
        }
        for d in &p.dirs {
            absolute("path", &p.name, &d.path)?;
            out.dirs.push(ExtraDir {
                path: d.path.clone(),
                mode: mode(d.mode.as_ref(), &d.path, 0o755)?,
                user: d.user.clone().filter(|u| u != "root"),
                group: d.group.clone().filter(|g| g != "root"),
            });
        }
        for s in &p.symlinks {
            absolute("path", &p.name, &s.path)?;
            let target = match s.target.strip_prefix(&bin) {
                Some(program) if to_usr => format!("/usr/bin/{program}"),
                _ => s.target.clone(),
            };
            if target == s.path {
                // `/usr/bin/NAME` → `PREFIX/bin/NAME`: the program itself.
                continue;
            }
            if to_usr && target.starts_with(&format!("{}/", m.prefix())) {
                warnings.push(format!(
                    "the symlink `{}` → `{}` of package `{}` is not carried: the distribution package has no `{}`",
                    s.path,
                    s.target,
                    p.name,
                    m.prefix()
                ));
                continue;
            }
            out.symlinks.push((s.path.clone(), target));
        }
        let sc = &p.scripts;
        if [
            &sc.pre_install,
            &sc.post_install,
            &sc.pre_remove,
            &sc.post_remove,
        ]
        .iter()
        .any(|s| s.is_some())
            || [
                &sc.pre_install_file,
                &sc.post_install_file,
                &sc.pre_remove_file,
                &sc.post_remove_file,
            ]
            .iter()
            .any(|s| s.is_some())
        {
            warnings.push(format!(
                "the maintainer scripts of package `{}` are not carried: add what the distribution needs of them by hand",
                p.name
            ));
        }
    }
    Ok(out)
}

/// `word` quoted for `sh` when it needs to be.
pub(super) fn sh_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
