//! A repository's own configuration, `REPO/.omnipack/repo.toml`, written by
//! `omnipack repo init` and read by every repository command: its values
//! are the defaults, a command's flags override them for one run.
//!
//! The point is that the settings which must not differ between runs (the
//! signing key above all: an index re-written without it would leave the
//! old signatures over a new index) live with the repository, not in each
//! command line. The file is hidden (`.omnipack/`), so `publish` and
//! `serve` never show it.
//!
//! Trees made before `repo init` existed (no `repo.toml`, but leaves of
//! packages) keep working as before, with a hint to adopt them with
//! `repo init --from-existing`; an empty or missing directory is refused
//! by the channel commands until `repo init` made it a repository.

use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_sign::Signer;
use serde::{Deserialize, Serialize};

use crate::RepoError;
use crate::scan::find_leaves;

/// Where the configuration lives, relative to the repository.
pub const CONFIG_FILE: &str = ".omnipack/repo.toml";

/// `REPO/.omnipack/repo.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepoConfig {
    /// The armored OpenPGP secret key that signs every index (and, with
    /// `sign-packages`, every RPM added): relative to the repository, or
    /// absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_key: Option<PathBuf>,
    /// The fingerprint (or long key id) of the (sub)key of `sign-key` that signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_subkey: Option<String>,
    /// A file whose first line is the passphrase of a protected
    /// `sign-key` (relative to the repository, or absolute): a CI secret
    /// mounted as a file. Else `OMNIPACK_SIGN_PASSPHRASE` is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_passphrase_file: Option<PathBuf>,
    /// `repo add` signs each RPM (a header signature) before placing it.
    #[serde(default)]
    pub sign_packages: bool,
    /// `repo add` and `repo promote` keep only this many newest versions of
    /// each package name in each leaf they touch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<usize>,
    /// yum metadata compressed with zstd instead of gzip (not for EL7).
    #[serde(default)]
    pub yum_zstd: bool,
    /// `repo index`'s layout: indexes beside the packages (`flat`), or
    /// apt's `dists/` + `pool/` (`dists`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<LayoutKind>,
    /// With the `dists` layout: the component (default `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// With the `dists` layout: the `binary-<arch>` indexes to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// apt `Release` `Origin` (every leaf's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// apt `Release` `Label` (every leaf's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// apt `Release` `Suite` (`repo index`; with `dists`, the suite's directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// apt `Release` `Codename` (`repo index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// What `omnipack release-package --repo REPO` takes as its defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseDefaults>,
}

/// The two layouts, as chosen before their settings are (`repo index
/// --layout`, `layout` in `repo.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayoutKind {
    /// Indexes beside the packages.
    Flat,
    /// apt's `dists/` + `pool/`.
    Dists,
}

/// `[release]` in `repo.toml`: the defaults of `omnipack release-package
/// --repo REPO`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReleaseDefaults {
    /// The vendor (`<vendor>-release`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Where clients reach the repository tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// `REPO/.omnipack/repo.toml`.
pub fn config_path(repo: &Path) -> PathBuf {
    repo.join(CONFIG_FILE)
}

impl RepoConfig {
    /// The configuration of `repo`, if it has one.
    pub fn load(repo: &Path) -> Result<Option<RepoConfig>, RepoError> {
        let path = config_path(repo);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| RepoError::BadConfig {
                path,
                reason: e.to_string().trim_end().to_owned(),
            })
    }

    /// The key file, resolved against `repo` when relative.
    pub fn key_file(&self, repo: &Path) -> Option<PathBuf> {
        self.sign_key.as_ref().map(|k| repo.join(k))
    }
}

/// How a command's flags and the repository's configuration combine.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--sign-key` (relative to the working directory).
    pub sign_key: Option<PathBuf>,
    /// `--sign-subkey`.
    pub sign_subkey: Option<String>,
    /// `--passphrase-file` (relative to the working directory).
    pub passphrase_file: Option<PathBuf>,
    /// `--yum-zstd` (a flag can only turn it on).
    pub yum_zstd: bool,
}

/// The settings a command runs with: the signing key loaded (before
/// anything is written), the rest merged.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) signer: Option<Signer>,
    pub(crate) yum_zstd: bool,
    pub(crate) config: RepoConfig,
}

/// Loads the signer `flags` or `config` name: the flag's key (with the
/// flag's subkey) if given, else the configured one (relative to `repo`),
/// whose failure to load names the configuration.
pub(crate) fn settings(
    repo: &Path,
    config: RepoConfig,
    flags: &Overrides,
) -> Result<Settings, RepoError> {
    let passphrase = flags
        .passphrase_file
        .clone()
        .or_else(|| config.sign_passphrase_file.as_ref().map(|p| repo.join(p)));
    let signer = match (&flags.sign_key, config.key_file(repo)) {
        (Some(key), _) => Some(Signer::load(
            key,
            flags.sign_subkey.as_deref(),
            passphrase.as_deref(),
        )?),
        (None, Some(key)) => {
            let subkey = flags
                .sign_subkey
                .as_deref()
                .or(config.sign_subkey.as_deref());
            Some(
                Signer::load(&key, subkey, passphrase.as_deref()).map_err(|source| {
                    RepoError::ConfiguredKey {
                        key,
                        config: config_path(repo),
                        source: Box::new(source),
                    }
                })?,
            )
        }
        (None, None) if flags.sign_subkey.is_some() => return Err(RepoError::SubkeyWithoutKey),
        (None, None) => None,
    };
    Ok(Settings {
        signer,
        yum_zstd: flags.yum_zstd || config.yum_zstd,
        config,
    })
}

/// The configuration of a repository a channel command works on, and a
/// hint when it is a tree made before `repo init` (no `repo.toml`, but
/// leaves of packages), which keeps working as before. A missing or empty
/// directory, or one holding no leaf, is refused: `repo init` first.
pub(crate) fn channel_config(repo: &Path) -> Result<(RepoConfig, Option<String>), RepoError> {
    if let Some(config) = RepoConfig::load(repo)? {
        return Ok((config, None));
    }
    if repo.is_dir() && !find_leaves(repo)?.is_empty() {
        let hint = format!(
            "`{}` has no `{CONFIG_FILE}`: run `omnipack repo init {} --from-existing` (with --sign-key if it is signed) so that every command signs it the same way",
            repo.display(),
            repo.display()
        );
        return Ok((RepoConfig::default(), Some(hint)));
    }
    Err(RepoError::NotARepository(repo.to_path_buf()))
}

/// What [`init`] is asked for.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// The configuration to write (`sign_key` as given on the command
    /// line: relative to the working directory, or absolute).
    pub config: RepoConfig,
    /// Adopt a directory that already holds files (a tree made before
    /// `repo init`).
    pub from_existing: bool,
}

/// What [`init`] did.
#[derive(Debug)]
pub struct InitReport {
    /// The configuration file written.
    pub config_file: PathBuf,
    /// What it says.
    pub config: RepoConfig,
    /// The fingerprint of the signing key, if one is configured.
    pub fingerprint: Option<String>,
    /// Leaves already in the tree (with `--from-existing`).
    pub leaves: usize,
    /// What the key policy warns about.
    pub warnings: Vec<String>,
}

/// `omnipack repo init`: makes `repo` a repository by writing its
/// configuration. Refuses a directory that already has one, and a
/// non-empty directory unless `from_existing`; loads the key first (and
/// stores its path relative to `repo` when it is inside it, else absolute).
pub fn init(repo: &Path, opts: &InitOptions) -> Result<InitReport, RepoError> {
    let config_file = config_path(repo);
    if config_file.exists() {
        return Err(RepoError::AlreadyInitialized(config_file));
    }
    if repo.exists() {
        if !repo.is_dir() {
            return Err(RepoError::NotADirectory(repo.to_path_buf()));
        }
        let non_empty = fs::read_dir(repo)?.next().is_some();
        if non_empty && !opts.from_existing {
            return Err(RepoError::NotEmpty(repo.to_path_buf()));
        }
    }
    let mut config = opts.config.clone();
    if config.sign_packages && config.sign_key.is_none() {
        return Err(RepoError::SignPackagesWithoutKey);
    }
    if config.sign_subkey.is_some() && config.sign_key.is_none() {
        return Err(RepoError::SubkeyWithoutKey);
    }
    let mut fingerprint = None;
    let mut warnings = Vec::new();
    if let Some(key) = &config.sign_key.clone() {
        let signer = Signer::load(
            key,
            config.sign_subkey.as_deref(),
            config.sign_passphrase_file.as_deref(),
        )?;
        fingerprint = Some(signer.fingerprint());
        warnings.extend(signer.warnings().iter().cloned());
        let base = std::path::absolute(repo)?;
        let stored = |p: &Path| -> std::io::Result<PathBuf> {
            let p = std::path::absolute(p)?;
            Ok(match p.strip_prefix(&base) {
                Ok(rel) => rel.to_path_buf(),
                Err(_) => p,
            })
        };
        config.sign_key = Some(stored(key)?);
        if let Some(p) = &config.sign_passphrase_file {
            config.sign_passphrase_file = Some(stored(p)?);
        }
    }
    let leaves = if repo.is_dir() {
        find_leaves(repo)?.len()
    } else {
        0
    };
    let text = format!(
        "# omnipack repository configuration: every `omnipack repo` command reads\n\
         # it, flags override it for one run (docs/repository.md).\n{}",
        toml::to_string(&config).map_err(|e| RepoError::BadConfig {
            path: config_file.clone(),
            reason: e.to_string(),
        })?
    );
    omnipack_core::atomic::write_file(&config_file, text.as_bytes(), 0o644)?;
    Ok(InitReport {
        config_file,
        config,
        fingerprint,
        leaves,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused_and_defaults_apply() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join(".omnipack")).unwrap();
        fs::write(config_path(t.path()), "sign-key = \"k.asc\"\nkeep = 3\n").unwrap();
        let c = RepoConfig::load(t.path()).unwrap().unwrap();
        assert_eq!(c.keep, Some(3));
        assert!(!c.sign_packages && !c.yum_zstd);
        assert_eq!(c.key_file(t.path()), Some(t.path().join("k.asc")));
        fs::write(config_path(t.path()), "sign_key = \"k.asc\"\n").unwrap();
        let e = RepoConfig::load(t.path()).unwrap_err();
        assert!(matches!(e, RepoError::BadConfig { .. }), "{e}");
    }

    #[test]
    fn init_refuses_a_non_empty_directory_and_a_second_init() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("r");
        init(&repo, &InitOptions::default()).unwrap();
        assert!(matches!(
            init(&repo, &InitOptions::default()),
            Err(RepoError::AlreadyInitialized(_))
        ));
        let other = t.path().join("o");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("x"), "").unwrap();
        assert!(matches!(
            init(&other, &InitOptions::default()),
            Err(RepoError::NotEmpty(_))
        ));
        let opts = InitOptions {
            from_existing: true,
            ..InitOptions::default()
        };
        init(&other, &opts).unwrap();
        assert_eq!(
            RepoConfig::load(&other).unwrap(),
            Some(RepoConfig::default())
        );
    }
}
