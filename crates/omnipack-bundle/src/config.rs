//! The admin config: `ROOT/.omnipack/bundles.toml`, the one place that says
//! where a bundle's directories go on this admin node and which commands run
//! after an install. Nothing about Chef is built in: Crowbar's layout
//! (`bin/` → `/opt/dell/bin`, `chef/` uploaded with `knife`) is one
//! configuration of it, documented in `docs/bundles.md`.
//!
//! ```toml
//! [dirs]                 # bundle top-level directory → place under ROOT
//! bin = "opt/dell/bin"
//! chef = "opt/dell/chef"
//!
//! [served]               # the tree ROOT serves (defaults shown)
//! files = "files"        # cache/files merged here
//! gems = "gems"          # cache/gems copied into <gems>/gems/
//! extra = "extra"        # cache/<os>/pkgs linked as <os>/<extra>/<bundle>/
//!
//! after_install = ["knife cookbook upload -a -o \"$OMNIPACK_ROOT/opt/dell/chef/cookbooks\""]
//! notify = "knife ssh 'node:*' yum clean expire-cache"
//! # gem_index = "gem generate_index --directory \"$OMNIPACK_GEM_DIR\""  # instead of the native indexer
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::Deserialize;

use crate::BundleError;
use crate::layout::{BUNDLES_DIR, CONFIG_FILE, DOT_DIR};
use crate::manifest::valid_name;
use crate::relpath::safe_rel;

/// Where the served caches go, relative to the admin root.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Served {
    /// `cache/files` is merged into this directory.
    pub files: String,
    /// The gem directory: `cache/gems/*` are copied into `<gems>/gems/`.
    pub gems: String,
    /// `cache/<os>/pkgs` is linked as `<os>/<extra>/<bundle>/`.
    pub extra: String,
}

impl Default for Served {
    fn default() -> Self {
        Served {
            files: "files".into(),
            gems: "gems".into(),
            extra: "extra".into(),
        }
    }
}

/// The admin config.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Bundle top-level directory (`bin`, `chef`, `updates`) → directory
    /// under the root its files are copied into.
    pub dirs: BTreeMap<String, String>,
    /// The served tree.
    pub served: Served,
    /// Shell commands (`sh -c`, in the root) run after each bundle is
    /// installed, with `OMNIPACK_ROOT`, `OMNIPACK_BUNDLE`,
    /// `OMNIPACK_BUNDLE_VERSION` and `OMNIPACK_BUNDLE_DIR` set.
    pub after_install: Vec<String>,
    /// A shell command run once at the end of an install that changed
    /// anything (Crowbar: `knife ssh 'node:*' yum clean expire-cache`).
    pub notify: Option<String>,
    /// A shell command that re-indexes the gem directory (`OMNIPACK_GEM_DIR`
    /// set) instead of the native indexer (`omnipack_gem`, through `omnipack_repo::index_gem_source`).
    pub gem_index: Option<String>,
}

impl AdminConfig {
    /// Reads `ROOT/.omnipack/bundles.toml`; the defaults when it is absent.
    pub fn load(root: &Path) -> Result<AdminConfig, BundleError> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Ok(AdminConfig::default());
        }
        let text = fs::read_to_string(&path)?;
        let config: AdminConfig = toml::from_str(&text).map_err(|e| BundleError::Config {
            path: path.clone(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        config.validate(&path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), BundleError> {
        let bad = |field: String, value: &str| BundleError::ConfigPath {
            path: path.to_path_buf(),
            field,
            value: value.to_owned(),
        };
        let mut all: Vec<(String, &str)> = self
            .dirs
            .iter()
            .map(|(k, v)| (format!("dirs.{k}"), v.as_str()))
            .collect();
        all.push(("served.files".into(), &self.served.files));
        all.push(("served.gems".into(), &self.served.gems));
        for (field, value) in all {
            let v = value.trim_end_matches('/');
            if !safe_rel(v)
                || v.starts_with(DOT_DIR)
                || v == BUNDLES_DIR
                || v.starts_with(&format!("{BUNDLES_DIR}/"))
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
        Ok(())
    }

    /// The gem directory under `root`.
    pub fn gem_dir(&self, root: &Path) -> PathBuf {
        root.join(self.served.gems.trim_end_matches('/'))
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
}
