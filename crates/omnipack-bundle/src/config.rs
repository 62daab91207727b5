//! The admin config: `ROOT/.omnipack/bundles.toml`, the one place that says
//! where a bundle's directories go on this admin node and which commands run
//! after an install. Nothing about Chef is built in. Two layouts are
//! presets of it (`layout = "omnipack"`, the default, or `"crowbar"`);
//! every other key overrides the preset's value:
//!
//! ```toml
//! layout = "crowbar"     # Crowbar's admin node: the values below
//! bundles = "opt/dell/barclamps"   # installed copies, <bundles>/<name>/
//! manifest_copy = "opt/dell/crowbar_framework/barclamps/{name}.yml"
//! after_install = []
//! # notify = "knife ssh 'node:*' yum clean expire-cache"
//! # gem_index = "gem generate_index --directory \"$OMNIPACK_GEM_DIR\""
//!
//! executable = ["bin", "updates"]  # their placed files get mode 0755
//! skip_hidden = true     # dot files of `dirs` are not placed
//!
//! [dirs]                 # bundle top-level directory → place under ROOT
//! bin = "opt/dell/bin"
//! chef = "opt/dell/chef"
//! crowbar_framework = "opt/dell/crowbar_framework"
//! updates = "updates"
//!
//! [served]               # the tree ROOT serves
//! os = "tftpboot"        # holds <os>/<extra>/<bundle>/ and <cache dir>/<bundle>/
//! files = "tftpboot/files"      # cache/files merged here
//! gems = "tftpboot/gemsite"     # cache/gems copied into <gems>/gems/
//! extra = "crowbar-extra"       # cache/<os>/pkgs linked as <os>/<extra>/<bundle>/
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};

use crate::BundleError;
use crate::layout::{CONFIG_FILE, DOT_DIR};
use crate::manifest::valid_name;
use crate::relpath::safe_rel;

/// A preset of the admin config.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// omnipack's own: `bundles/`, `files/`, `gems/`, `<os>/extra/`.
    #[default]
    Omnipack,
    /// Crowbar's admin node (`barclamp_install.rb`): `/opt/dell/barclamps`,
    /// `/opt/dell/{bin,chef,crowbar_framework}`, `/updates`, and the tree
    /// served on :8091 under `/tftpboot` (`files/`, `<os>/crowbar-extra/`,
    /// `pips/`, `git_repos/`), the gem source of :3001 in `/tftpboot/gemsite`.
    Crowbar,
}

impl Layout {
    /// Its name in the config and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Omnipack => "omnipack",
            Layout::Crowbar => "crowbar",
        }
    }

    /// The layout called `name`.
    pub fn parse(name: &str) -> Option<Layout> {
        match name {
            "omnipack" => Some(Layout::Omnipack),
            "crowbar" => Some(Layout::Crowbar),
            _ => None,
        }
    }

    /// The preset's config.
    pub fn preset(self) -> AdminConfig {
        match self {
            Layout::Omnipack => AdminConfig {
                layout: self,
                bundles: "bundles".into(),
                dirs: BTreeMap::new(),
                served: Served {
                    os: String::new(),
                    files: "files".into(),
                    gems: "gems".into(),
                    extra: "extra".into(),
                },
                manifest_copy: None,
                executable: Vec::new(),
                skip_hidden: false,
                after_install: Vec::new(),
                notify: None,
                gem_index: None,
            },
            Layout::Crowbar => AdminConfig {
                layout: self,
                bundles: "opt/dell/barclamps".into(),
                dirs: [
                    ("bin", "opt/dell/bin"),
                    ("chef", "opt/dell/chef"),
                    ("crowbar_framework", "opt/dell/crowbar_framework"),
                    ("updates", "updates"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
                served: Served {
                    os: "tftpboot".into(),
                    files: "tftpboot/files".into(),
                    gems: "tftpboot/gemsite".into(),
                    extra: "crowbar-extra".into(),
                },
                manifest_copy: Some("opt/dell/crowbar_framework/barclamps/{name}.yml".into()),
                // `barclamp_install.rb`: `chmod_R 0755` of /opt/dell/bin and
                // /updates after the copy; `bc_cloner` skips dot entries.
                executable: vec!["bin".into(), "updates".into()],
                skip_hidden: true,
                after_install: Vec::new(),
                notify: None,
                gem_index: None,
            },
        }
    }
}

/// Where the served caches go, relative to the admin root.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Served {
    /// The directory holding `<os>/<extra>/<bundle>/` and, for every other
    /// cache directory (`pips`, `git_repos`, …), `<dir>/<bundle>/`; `""`:
    /// the root itself.
    pub os: String,
    /// `cache/files` is merged into this directory.
    pub files: String,
    /// The gem directory: `cache/gems/*` are copied into `<gems>/gems/`.
    pub gems: String,
    /// `cache/<os>/pkgs` is linked as `<os>/<extra>/<bundle>/`.
    pub extra: String,
}

impl Default for Served {
    fn default() -> Self {
        Layout::Omnipack.preset().served
    }
}

/// The admin config.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AdminConfig {
    /// The preset the other values start from.
    pub layout: Layout,
    /// Where installed copies live: `<bundles>/<name>/`.
    pub bundles: String,
    /// Bundle top-level directory (`bin`, `chef`, `updates`) → directory
    /// under the root its files are copied into.
    pub dirs: BTreeMap<String, String>,
    /// The served tree.
    pub served: Served,
    /// Where the bundle's manifest is copied too (`{name}`: the bundle's
    /// name); Crowbar's web UI reads `crowbar_framework/barclamps/<name>.yml`.
    pub manifest_copy: Option<String>,
    /// Keys of `dirs` whose placed files get mode 0755 whatever their mode
    /// in the bundle (Crowbar's `chmod_R 0755` of `/opt/dell/bin` and
    /// `/updates`).
    pub executable: Vec<String>,
    /// Whether files and directories of `dirs` whose name starts with `.`
    /// are left unplaced (Crowbar's `bc_cloner`); the installed copy under
    /// `bundles` keeps them either way.
    pub skip_hidden: bool,
    /// Shell commands (`sh -c`, in the root) run after each bundle is
    /// installed, with `OMNIPACK_ROOT`, `OMNIPACK_BUNDLE`,
    /// `OMNIPACK_BUNDLE_VERSION` and `OMNIPACK_BUNDLE_DIR` set (absolute).
    pub after_install: Vec<String>,
    /// A shell command run once at the end of an install that changed
    /// anything (Crowbar: `knife ssh 'node:*' yum clean expire-cache`).
    pub notify: Option<String>,
    /// A shell command that re-indexes the gem directory (`OMNIPACK_GEM_DIR`
    /// set) instead of the native indexer (`omnipack_gem`, through `omnipack_repo::index_gem_source`).
    pub gem_index: Option<String>,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Layout::Omnipack.preset()
    }
}

/// The file as written: every key optional, unknown ones refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    layout: Option<Layout>,
    bundles: Option<String>,
    dirs: Option<BTreeMap<String, String>>,
    served: Option<RawServed>,
    manifest_copy: Option<String>,
    executable: Option<Vec<String>>,
    skip_hidden: Option<bool>,
    after_install: Option<Vec<String>>,
    notify: Option<String>,
    gem_index: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServed {
    os: Option<String>,
    files: Option<String>,
    gems: Option<String>,
    extra: Option<String>,
}

impl AdminConfig {
    /// Reads `ROOT/.omnipack/bundles.toml`; the defaults when it is absent.
    pub fn load(root: &Path) -> Result<AdminConfig, BundleError> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Ok(AdminConfig::default());
        }
        let text = fs::read_to_string(&path)?;
        AdminConfig::parse(&path, &text)
    }

    /// Whether `ROOT/.omnipack/bundles.toml` exists and names a layout.
    pub fn layout_written(root: &Path) -> Result<Option<Layout>, BundleError> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path)?;
        Ok(AdminConfig::raw(&path, &text)?.layout)
    }

    fn raw(path: &Path, text: &str) -> Result<Raw, BundleError> {
        toml::from_str(text).map_err(|e| BundleError::Config {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().replace('\n', " "),
        })
    }

    /// Parses the config text read from `path` (named in errors): the
    /// layout's preset, overridden by every key given.
    pub fn parse(path: &Path, text: &str) -> Result<AdminConfig, BundleError> {
        let raw = AdminConfig::raw(path, text)?;
        let mut c = raw.layout.unwrap_or_default().preset();
        if let Some(v) = raw.bundles {
            c.bundles = v;
        }
        if let Some(dirs) = raw.dirs {
            c.dirs.extend(dirs);
        }
        if let Some(s) = raw.served {
            let served = &mut c.served;
            for (field, value) in [
                (&mut served.os, s.os),
                (&mut served.files, s.files),
                (&mut served.gems, s.gems),
                (&mut served.extra, s.extra),
            ] {
                if let Some(v) = value {
                    *field = v;
                }
            }
        }
        if raw.manifest_copy.is_some() {
            c.manifest_copy = raw.manifest_copy.filter(|m| !m.is_empty());
        }
        if let Some(v) = raw.executable {
            c.executable = v;
        }
        if let Some(v) = raw.skip_hidden {
            c.skip_hidden = v;
        }
        if let Some(v) = raw.after_install {
            c.after_install = v;
        }
        c.notify = raw.notify.or(c.notify);
        c.gem_index = raw.gem_index.or(c.gem_index);
        c.validate(path)?;
        Ok(c)
    }

    /// The config file a `--layout` given on a fresh root writes.
    pub fn write_layout(root: &Path, layout: Layout) -> Result<(), BundleError> {
        let path = root.join(CONFIG_FILE);
        let text = format!(
            "# The admin config (docs/bundles.md): the `{}` layout's preset; any\n# key set here overrides it.\nlayout = \"{}\"\n",
            layout.name(),
            layout.name()
        );
        omnipack_core::atomic::write_file(&path, text.as_bytes(), 0o644).map_err(|e| {
            std::io::Error::other(format!("cannot write `{}`: {e}", path.display()))
        })?;
        Ok(())
    }

    fn validate(&self, path: &Path) -> Result<(), BundleError> {
        let bad = |field: String, value: &str| BundleError::ConfigPath {
            path: path.to_path_buf(),
            field,
            value: value.to_owned(),
        };
        let bundles = self.bundles.trim_end_matches('/');
        if !safe_rel(bundles) || bundles.starts_with(DOT_DIR) {
            return Err(bad("bundles".into(), &self.bundles));
        }
        let mut all: Vec<(String, &str)> = self
            .dirs
            .iter()
            .map(|(k, v)| (format!("dirs.{k}"), v.as_str()))
            .collect();
        all.push(("served.files".into(), &self.served.files));
        all.push(("served.gems".into(), &self.served.gems));
        if !self.served.os.is_empty() {
            all.push(("served.os".into(), &self.served.os));
        }
        if let Some(m) = &self.manifest_copy {
            all.push(("manifest_copy".into(), m));
        }
        for (field, value) in all {
            let v = value.trim_end_matches('/');
            if !safe_rel(v)
                || v.starts_with(DOT_DIR)
                || v == bundles
                || v.starts_with(&format!("{bundles}/"))
                || bundles.starts_with(&format!("{v}/")) && field != "served.os"
            {
                return Err(bad(field, value));
            }
        }
        if !valid_name(&self.served.extra) {
            return Err(bad("served.extra".into(), &self.served.extra));
        }
        for k in self.dirs.keys() {
            if k == "cache" || !valid_name(k) {
                return Err(BundleError::ConfigDirKey {
                    path: path.to_path_buf(),
                    key: k.clone(),
                });
            }
        }
        if let Some(k) = self.executable.iter().find(|k| !self.dirs.contains_key(*k)) {
            return Err(BundleError::Config {
                path: path.to_path_buf(),
                message: format!(
                    "`executable` names `{k}`, which is not a key of [dirs] (keys: {})",
                    self.dirs.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        Ok(())
    }

    /// The gem directory under `root`.
    pub fn gem_dir(&self, root: &Path) -> PathBuf {
        root.join(self.served.gems.trim_end_matches('/'))
    }

    /// The installed copy of `name`, relative to the root.
    pub fn bundle_rel(&self, name: &str) -> String {
        format!("{}/{name}", self.bundles.trim_end_matches('/'))
    }

    /// `<served.os>/<rest>` (or `rest` when the served tree is the root).
    pub fn os_rel(&self, rest: &str) -> String {
        let os = self.served.os.trim_end_matches('/');
        if os.is_empty() {
            rest.to_owned()
        } else {
            format!("{os}/{rest}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crowbars_layout_parses_and_bad_fields_are_named() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join(".omnipack")).unwrap();
        assert_eq!(AdminConfig::load(t.path()).unwrap(), AdminConfig::default());
        fs::write(
            t.path().join(CONFIG_FILE),
            "notify = \"knife ssh 'node:*' yum clean expire-cache\"\n[dirs]\nbin = \"opt/dell/bin\"\nchef = \"opt/dell/chef\"\n",
        )
        .unwrap();
        let c = AdminConfig::load(t.path()).unwrap();
        assert_eq!(c.dirs["bin"], "opt/dell/bin");
        assert_eq!(c.served, Served::default());
        fs::write(t.path().join(CONFIG_FILE), "[dirs]\nbin = \"../etc\"\n").unwrap();
        let e = AdminConfig::load(t.path()).unwrap_err().to_string();
        assert!(e.contains("dirs.bin") && e.contains("bundles.toml"), "{e}");
        fs::write(t.path().join(CONFIG_FILE), "[served]\nfile = \"x\"\n").unwrap();
        let e = AdminConfig::load(t.path()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("file"), "{e}");
    }

    #[test]
    fn the_crowbar_layout_is_a_preset_that_keys_override() {
        let c = AdminConfig::parse(Path::new("b.toml"), "layout = \"crowbar\"\n").unwrap();
        assert_eq!(c.bundle_rel("nova"), "opt/dell/barclamps/nova");
        assert_eq!(c.served.gems, "tftpboot/gemsite");
        assert_eq!(
            c.os_rel("ubuntu-12.04/crowbar-extra"),
            "tftpboot/ubuntu-12.04/crowbar-extra"
        );
        assert_eq!(c.dirs["crowbar_framework"], "opt/dell/crowbar_framework");
        let c = AdminConfig::parse(
            Path::new("b.toml"),
            "layout = \"crowbar\"\nnotify = \"true\"\n[dirs]\nsmoketest = \"opt/dell/smoketest\"\n[served]\nextra = \"extra\"\n",
        )
        .unwrap();
        assert_eq!(c.dirs.len(), 5);
        assert_eq!(c.served.extra, "extra");
        assert_eq!(c.served.files, "tftpboot/files");
        assert_eq!(c.notify.as_deref(), Some("true"));
        let e = AdminConfig::parse(Path::new("b.toml"), "layout = \"chef\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("layout") && e.contains("line 1"), "{e}");
        let e = AdminConfig::parse(Path::new("b.toml"), "bundles = \"files\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("served.files"), "{e}");
    }

    /// Every TOML example in docs/bundles.md is a config that loads.
    #[test]
    fn every_example_in_the_docs_parses() {
        let doc = include_str!("../../../docs/bundles.md");
        let mut n = 0;
        let mut rest = doc;
        while let Some(start) = rest.find("```toml\n") {
            let body = &rest[start + 8..];
            let end = body.find("```").unwrap();
            let c = AdminConfig::parse(Path::new("docs/bundles.md"), &body[..end])
                .unwrap_or_else(|e| panic!("{e}\n{}", &body[..end]));
            assert!(
                !c.after_install.is_empty() || c.layout == Layout::Crowbar || !c.dirs.is_empty()
            );
            n += 1;
            rest = &body[end..];
        }
        assert!(n >= 2, "{n} examples");
    }
}
