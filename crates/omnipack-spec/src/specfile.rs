//! The TOML form of a [`PackageSpec`] (`omnipack package --spec FILE.toml`),
//! documented in `docs/spec-file.md`. Command-line flags fill the same struct,
//! so flags and file merge through one path ([`SpecFile::merge`]).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::Deserialize;

use crate::{
    Arch, Compression, Config, Dependency, FileEntry, FileKind, FileSource, FormatOptions,
    PackageSpec, Scripts, SpecError,
};

/// `"2"` or `2`: a release is digits more often than not, and TOML would
/// otherwise refuse the integer a user naturally writes.
fn string_or_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Release {
        Text(String),
        Number(u64),
    }
    Ok(Option::<Release>::deserialize(d)?.map(|r| match r {
        Release::Text(s) => s,
        Release::Number(n) => n.to_string(),
    }))
}

/// A spec file as written: every field optional, so flags can fill gaps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SpecFile {
    /// Package name.
    pub name: Option<String>,
    /// Upstream version.
    pub version: Option<String>,
    /// Release / revision: a string, or a TOML integer (`release = 1`).
    #[serde(default, deserialize_with = "string_or_integer")]
    pub release: Option<String>,
    /// Epoch.
    pub epoch: Option<u32>,
    /// `native`, `all`, or an architecture name.
    pub arch: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Long description.
    pub description: Option<String>,
    /// License.
    pub license: Option<String>,
    /// Home page.
    pub url: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// `Name <email>`.
    pub maintainer: Option<String>,
    /// Section / group.
    pub section: Option<String>,
    /// Debian priority.
    pub priority: Option<String>,
    /// Relations, each a string such as `libc6 (>= 2.31)`.
    #[serde(default)]
    pub depends: Vec<String>,
    /// Recommends.
    #[serde(default)]
    pub recommends: Vec<String>,
    /// Suggests.
    #[serde(default)]
    pub suggests: Vec<String>,
    /// Provides.
    #[serde(default)]
    pub provides: Vec<String>,
    /// Conflicts.
    #[serde(default)]
    pub conflicts: Vec<String>,
    /// Replaces.
    #[serde(default)]
    pub replaces: Vec<String>,
    /// Obsoletes.
    #[serde(default)]
    pub obsoletes: Vec<String>,
    /// A staged tree to package (relative to the spec file).
    pub from_dir: Option<PathBuf>,
    /// Installed path of the tree's root (default `/`).
    pub prefix: Option<String>,
    /// Keep symlinks that point nowhere inside the package.
    pub allow_dangling_symlinks: Option<bool>,
    /// Installed paths to mark as configuration files (`noreplace`).
    #[serde(default)]
    pub config_files: Vec<String>,
    /// Extra regular files.
    #[serde(default)]
    pub files: Vec<FileDecl>,
    /// Extra owned directories (possibly empty), or attribute overrides of scanned ones.
    #[serde(default)]
    pub dirs: Vec<DirDecl>,
    /// Extra symlinks.
    #[serde(default)]
    pub symlinks: Vec<SymlinkDecl>,
    /// Maintainer scripts.
    #[serde(default)]
    pub scripts: ScriptsDecl,
    /// Debian-only settings.
    #[serde(default)]
    pub deb: FormatDecl,
    /// RPM-only settings.
    #[serde(default)]
    pub rpm: FormatDecl,
    /// The directory relative paths are resolved against (the spec file's).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// A mode written as an integer (`0o644` in TOML) or an octal string (`"0644"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Mode {
    /// TOML integer.
    Int(u32),
    /// Octal string.
    Str(String),
}

impl Mode {
    /// The mode bits; `path` names the entry in the error.
    pub fn bits(&self, path: &str) -> Result<u32, SpecError> {
        let v = match self {
            Mode::Int(n) => *n,
            Mode::Str(s) => u32::from_str_radix(s.trim_start_matches("0o"), 8).map_err(|_| {
                SpecError::InvalidField {
                    field: "mode",
                    value: s.clone(),
                    reason: format!("the mode of `{path}` is octal digits such as \"0644\""),
                    hint: None,
                }
            })?,
        };
        Ok(v)
    }
}

/// `[[files]]`: one extra regular file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileDecl {
    /// Source file (relative to the spec file); or give `content`.
    pub src: Option<PathBuf>,
    /// Literal contents.
    pub content: Option<String>,
    /// Installed path.
    pub dst: String,
    /// Mode (default 0644).
    pub mode: Option<Mode>,
    /// Owner (default root).
    pub user: Option<String>,
    /// Group (default root).
    pub group: Option<String>,
    /// Configuration file; `noreplace` (true) unless `config-replace = true`.
    #[serde(default)]
    pub config: bool,
    /// With `config`: replace the admin's copy on upgrade (RPM `%config` without noreplace).
    #[serde(default)]
    pub config_replace: bool,
}

/// `[[dirs]]`: an owned directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DirDecl {
    /// Installed path.
    pub path: String,
    /// Mode (default 0755).
    pub mode: Option<Mode>,
    /// Owner.
    pub user: Option<String>,
    /// Group.
    pub group: Option<String>,
}

/// `[[symlinks]]`: a symbolic link.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SymlinkDecl {
    /// Installed path of the link.
    pub path: String,
    /// What it points at.
    pub target: String,
}

/// `[scripts]`: inline text or a file for each maintainer script.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScriptsDecl {
    /// `preinst` / `%pre`.
    pub pre_install: Option<String>,
    /// `postinst` / `%post`.
    pub post_install: Option<String>,
    /// `prerm` / `%preun`.
    pub pre_remove: Option<String>,
    /// `postrm` / `%postun`.
    pub post_remove: Option<String>,
    /// File holding the pre-install script.
    pub pre_install_file: Option<PathBuf>,
    /// File holding the post-install script.
    pub post_install_file: Option<PathBuf>,
    /// File holding the pre-remove script.
    pub pre_remove_file: Option<PathBuf>,
    /// File holding the post-remove script.
    pub post_remove_file: Option<PathBuf>,
}

/// `[deb]` / `[rpm]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FormatDecl {
    /// `xz`, `zstd:19`, `gzip:9`, `none`.
    pub compression: Option<String>,
    /// Extra header fields.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

fn pick<T>(a: Option<T>, b: Option<T>) -> Option<T> {
    a.or(b)
}

fn parse_deps(list: &[String]) -> Result<Vec<Dependency>, SpecError> {
    list.iter().map(|s| s.parse()).collect()
}

impl SpecFile {
    /// Reads and parses a spec file; errors name the file and point at the line.
    pub fn load(path: &Path) -> Result<SpecFile, SpecError> {
        let text = fs::read_to_string(path)?;
        let mut spec: SpecFile = toml::from_str(&text).map_err(|e| SpecError::SpecFile {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        spec.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        spec.from_dir = spec.from_dir.map(|d| spec.base_dir.join(d));
        Ok(spec)
    }

    /// The required fields (`name`, `version`, `summary`, `maintainer`)
    /// that are unset or blank, so all of them are reported in one error
    /// before any file is read.
    pub fn missing_required(&self) -> Vec<&'static str> {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        [
            ("name", blank(&self.name)),
            ("version", blank(&self.version)),
            ("summary", blank(&self.summary)),
            ("maintainer", blank(&self.maintainer)),
        ]
        .into_iter()
        .filter_map(|(field, empty)| empty.then_some(field))
        .collect()
    }

    /// Lays `self` (e.g. from flags) over `file`: values set here win; lists add up.
    pub fn merge(self, file: SpecFile) -> SpecFile {
        let cat = |mut a: Vec<String>, b: Vec<String>| {
            let mut v = b;
            v.append(&mut a);
            v
        };
        SpecFile {
            name: pick(self.name, file.name),
            version: pick(self.version, file.version),
            release: pick(self.release, file.release),
            epoch: pick(self.epoch, file.epoch),
            arch: pick(self.arch, file.arch),
            summary: pick(self.summary, file.summary),
            description: pick(self.description, file.description),
            license: pick(self.license, file.license),
            url: pick(self.url, file.url),
            vendor: pick(self.vendor, file.vendor),
            maintainer: pick(self.maintainer, file.maintainer),
            section: pick(self.section, file.section),
            priority: pick(self.priority, file.priority),
            depends: cat(self.depends, file.depends),
            recommends: cat(self.recommends, file.recommends),
            suggests: cat(self.suggests, file.suggests),
            provides: cat(self.provides, file.provides),
            conflicts: cat(self.conflicts, file.conflicts),
            replaces: cat(self.replaces, file.replaces),
            obsoletes: cat(self.obsoletes, file.obsoletes),
            // A `--from-dir` flag is relative to the working directory; the file's
            // `from-dir` was resolved against the file by `load`.
            from_dir: pick(self.from_dir, file.from_dir),
            prefix: pick(self.prefix, file.prefix),
            allow_dangling_symlinks: pick(
                self.allow_dangling_symlinks,
                file.allow_dangling_symlinks,
            ),
            config_files: cat(self.config_files, file.config_files),
            files: file.files,
            dirs: file.dirs,
            symlinks: file.symlinks,
            scripts: ScriptsDecl {
                pre_install: pick(self.scripts.pre_install, file.scripts.pre_install),
                post_install: pick(self.scripts.post_install, file.scripts.post_install),
                pre_remove: pick(self.scripts.pre_remove, file.scripts.pre_remove),
                post_remove: pick(self.scripts.post_remove, file.scripts.post_remove),
                pre_install_file: pick(
                    self.scripts.pre_install_file,
                    file.scripts.pre_install_file,
                ),
                post_install_file: pick(
                    self.scripts.post_install_file,
                    file.scripts.post_install_file,
                ),
                pre_remove_file: pick(self.scripts.pre_remove_file, file.scripts.pre_remove_file),
                post_remove_file: pick(
                    self.scripts.post_remove_file,
                    file.scripts.post_remove_file,
                ),
            },
            deb: FormatDecl {
                compression: pick(self.deb.compression, file.deb.compression),
                fields: file.deb.fields,
            },
            rpm: FormatDecl {
                compression: pick(self.rpm.compression, file.rpm.compression),
                fields: file.rpm.fields,
            },
            base_dir: file.base_dir,
        }
    }

    /// Resolves the file into a [`PackageSpec`], starting from `staged`: the
    /// entries of the staged tree (`from-dir` walked with `prefix` and
    /// `allow-dangling-symlinks`, or a tree staged elsewhere; this crate does
    /// no scanning). Files, dirs, symlinks and configuration marks are applied
    /// over them; script files are read, relations and compression parsed.
    pub fn into_spec_with(
        self,
        source_date_epoch: u64,
        staged: Vec<FileEntry>,
    ) -> Result<PackageSpec, SpecError> {
        let base = self.base_dir.clone();
        let name = self.name.unwrap_or_default();
        let version = self.version.unwrap_or_default();
        let mut spec = PackageSpec::new(name, version);
        if let Some(r) = self.release {
            spec.release = r;
        }
        spec.epoch = self.epoch;
        if let Some(a) = self.arch {
            spec.arch = a.parse::<Arch>()?;
        }
        spec.summary = self.summary.unwrap_or_default();
        spec.description = self.description.unwrap_or_default();
        if let Some(l) = self.license {
            spec.license = l;
        }
        spec.url = self.url;
        spec.vendor = self.vendor;
        spec.maintainer = self.maintainer.unwrap_or_default();
        spec.section = self.section;
        spec.priority = self.priority;
        spec.depends = parse_deps(&self.depends)?;
        spec.recommends = parse_deps(&self.recommends)?;
        spec.suggests = parse_deps(&self.suggests)?;
        spec.provides = parse_deps(&self.provides)?;
        spec.conflicts = parse_deps(&self.conflicts)?;
        spec.replaces = parse_deps(&self.replaces)?;
        spec.obsoletes = parse_deps(&self.obsoletes)?;
        spec.source_date_epoch = source_date_epoch;

        // Where each path is in `spec.files`: a staged tree has tens of
        // thousands of entries, so no linear search per entry.
        let mut at: HashMap<String, usize> = HashMap::new();
        for e in staged {
            upsert(&mut spec.files, &mut at, e);
        }
        for f in self.files {
            let source = match (f.src, f.content) {
                (Some(src), None) => {
                    let src = base.join(src);
                    let md = fs::metadata(&src)?;
                    if !md.is_file() {
                        return Err(SpecError::NotAFile {
                            path: src,
                            installed: f.dst,
                        });
                    }
                    FileSource::Path(src)
                }
                (None, Some(c)) => FileSource::Inline(c.into_bytes()),
                _ => {
                    return Err(SpecError::InvalidField {
                        field: "files",
                        value: f.dst,
                        reason: "a file takes its bytes from `src` or `content`".into(),
                        hint: Some("give exactly one of `src` and `content`"),
                    });
                }
            };
            let mode = f.mode.map(|m| m.bits(&f.dst)).transpose()?.unwrap_or(0o644);
            let mut e = FileEntry::file(f.dst, source, mode);
            if let Some(u) = f.user {
                e.user = u;
            }
            if let Some(g) = f.group {
                e.group = g;
            }
            if f.config || e.path.starts_with("/etc/") {
                e.config = Some(Config {
                    noreplace: !f.config_replace,
                });
            }
            upsert(&mut spec.files, &mut at, e);
        }
        for d in self.dirs {
            let mode = d.mode.as_ref().map(|m| m.bits(&d.path)).transpose()?;
            let i = match at.get(&d.path) {
                Some(&i) => i,
                None => {
                    upsert(
                        &mut spec.files,
                        &mut at,
                        FileEntry::dir(d.path.clone(), 0o755),
                    );
                    spec.files.len() - 1
                }
            };
            let entry = &mut spec.files[i];
            if entry.kind != FileKind::Dir {
                return Err(SpecError::InvalidField {
                    field: "dirs",
                    value: d.path,
                    reason: "this path is not a directory in the staged tree".into(),
                    hint: None,
                });
            }
            if let Some(m) = mode {
                entry.mode = m;
            }
            if let Some(u) = d.user {
                entry.user = u;
            }
            if let Some(g) = d.group {
                entry.group = g;
            }
        }
        for l in self.symlinks {
            upsert(
                &mut spec.files,
                &mut at,
                FileEntry::symlink(l.path, l.target),
            );
        }
        for c in &self.config_files {
            let e =
                at.get(c)
                    .map(|&i| &mut spec.files[i])
                    .ok_or_else(|| SpecError::InvalidField {
                        field: "config-files",
                        value: c.clone(),
                        reason: "no such installed file in the package".into(),
                        hint: None,
                    })?;
            e.config = Some(Config { noreplace: true });
        }
        let script =
            |inline: Option<String>, file: Option<PathBuf>| -> Result<Option<String>, SpecError> {
                match (inline, file) {
                    (Some(s), None) => Ok(Some(s)),
                    (None, Some(p)) => Ok(Some(fs::read_to_string(base.join(p))?)),
                    (None, None) => Ok(None),
                    (Some(_), Some(_)) => Err(SpecError::InvalidField {
                        field: "scripts",
                        value: "both inline and file".into(),
                        reason: "a script is given both inline and as `*-file`".into(),
                        hint: Some("give it either inline or as `*-file`, not both"),
                    }),
                }
            };
        let s = self.scripts;
        spec.scripts = Scripts {
            pre_install: script(s.pre_install, s.pre_install_file)?,
            post_install: script(s.post_install, s.post_install_file)?,
            pre_remove: script(s.pre_remove, s.pre_remove_file)?,
            post_remove: script(s.post_remove, s.post_remove_file)?,
        };
        spec.deb = format_options(self.deb)?;
        spec.rpm = format_options(self.rpm)?;
        spec.sort_files();
        Ok(spec)
    }
}

fn format_options(d: FormatDecl) -> Result<FormatOptions, SpecError> {
    Ok(FormatOptions {
        compression: d
            .compression
            .map(|c| c.parse::<Compression>())
            .transpose()?,
        fields: d.fields,
    })
}

/// Replaces the entry at the same path, or adds it; `at` maps each path
/// to its place in `files`.
fn upsert(files: &mut Vec<FileEntry>, at: &mut HashMap<String, usize>, e: FileEntry) {
    match at.get(&e.path) {
        Some(&i) => files[i] = e,
        None => {
            at.insert(e.path.clone(), files.len());
            files.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_that_name_the_file_and_line() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("pkg.toml");
        fs::write(&p, "name = \"x\"\nversoin = \"1\"\n").unwrap();
        let err = SpecFile::load(&p).unwrap_err().to_string();
        assert!(err.contains("pkg.toml"), "{err}");
        assert!(err.contains("versoin"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }
}
