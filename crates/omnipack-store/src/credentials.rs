//! S3 credentials the way the AWS CLI finds them: `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` first, then the profile
//! (`AWS_PROFILE`, else `default`) in the shared credentials file
//! (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) and the config
//! file (`AWS_CONFIG_FILE`, else `~/.aws/config`, sections `[profile NAME]`),
//! which also give `region` and `endpoint_url`. Web identity and container
//! credentials (`AWS_WEB_IDENTITY_TOKEN_FILE`,
//! `AWS_CONTAINER_CREDENTIALS_*`) are left to object_store. Instance metadata
//! is never probed: on a machine without credentials that would hang on a
//! timeout instead of saying what to set.
//!
//! Only the INI subset the AWS files use is read: `[section]`, `key = value`,
//! `#`/`;` comments. `source_profile`, `credential_process` and SSO are not
//! supported (an error says so rather than guessing).

use std::collections::BTreeMap;
use std::path::PathBuf;

use fs_err as fs;

use crate::error::{Result, StoreError};

/// How requests are signed.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Keys from the environment or a profile.
    Static {
        /// `aws_access_key_id`.
        access_key_id: String,
        /// `aws_secret_access_key`.
        secret_access_key: String,
        /// `aws_session_token`.
        session_token: Option<String>,
    },
    /// Web identity or container credentials, fetched by object_store.
    Ambient,
}

/// Credentials plus what the profile says about region and endpoint.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// How to sign.
    pub credentials: Credentials,
    /// The profile's `region`.
    pub region: Option<String>,
    /// The profile's `endpoint_url`.
    pub endpoint: Option<String>,
}

type Ini = BTreeMap<String, BTreeMap<String, String>>;

/// Parses the INI subset of the AWS shared files.
pub fn parse_ini(text: &str) -> Ini {
    let mut out = Ini::new();
    let mut section: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_owned();
            out.entry(name.clone()).or_default();
            section = Some(name);
        } else if let (Some(s), Some((k, v))) = (&section, line.split_once('=')) {
            out.entry(s.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

fn home_file(var: &str, rel: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(rel),
    }
}

fn read_ini(path: &PathBuf) -> Result<Option<Ini>> {
    match fs::read_to_string(path) {
        Ok(t) => Ok(Some(parse_ini(&t))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Finds credentials for `dest` (used in error messages).
pub fn resolve(dest: &str) -> Result<Resolved> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let credentials_file = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    let config_file = home_file("AWS_CONFIG_FILE", ".aws/config");
    let missing = |detail: String| StoreError::MissingCredentials {
        dest: dest.to_owned(),
        detail,
        credentials_file: credentials_file.display().to_string(),
        config_file: config_file.display().to_string(),
    };
    let explicit_profile = env("AWS_PROFILE");
    let profile = explicit_profile.clone().unwrap_or_else(|| "default".into());
    let creds_ini = read_ini(&credentials_file)?.unwrap_or_default();
    let config_ini = read_ini(&config_file)?.unwrap_or_default();
    let config_section = if profile == "default" {
        config_ini.get("default")
    } else {
        config_ini.get(&format!("profile {profile}"))
    };
    let from_profile = |k: &str| {
        creds_ini
            .get(&profile)
            .and_then(|s| s.get(k))
            .or_else(|| config_section.and_then(|s| s.get(k)))
            .cloned()
    };
    let region = from_profile("region");
    let endpoint = from_profile("endpoint_url");

    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            return Ok(Resolved {
                credentials: Credentials::Static {
                    access_key_id: id,
                    secret_access_key: secret,
                    session_token: env("AWS_SESSION_TOKEN"),
                },
                region,
                endpoint,
            });
        }
        (Some(_), None) => {
            return Err(missing(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(missing(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not".into(),
            ));
        }
        (None, None) => {}
    }
    let known = creds_ini.contains_key(&profile) || config_section.is_some();
    if known {
        match (
            from_profile("aws_access_key_id"),
            from_profile("aws_secret_access_key"),
        ) {
            (Some(id), Some(secret)) => {
                return Ok(Resolved {
                    credentials: Credentials::Static {
                        access_key_id: id,
                        secret_access_key: secret,
                        session_token: from_profile("aws_session_token"),
                    },
                    region,
                    endpoint,
                });
            }
            _ => {
                for unsupported in [
                    "source_profile",
                    "credential_process",
                    "sso_session",
                    "sso_start_url",
                ] {
                    if from_profile(unsupported).is_some() {
                        return Err(missing(format!(
                            "profile `{profile}` uses `{unsupported}`, which omnipack does not support (export the keys instead)"
                        )));
                    }
                }
                if explicit_profile.is_some() {
                    return Err(missing(format!(
                        "profile `{profile}` has no aws_access_key_id and aws_secret_access_key"
                    )));
                }
            }
        }
    } else if explicit_profile.is_some() {
        return Err(missing(format!(
            "AWS_PROFILE=`{profile}` is in neither file"
        )));
    }
    if env("AWS_WEB_IDENTITY_TOKEN_FILE").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    {
        return Ok(Resolved {
            credentials: Credentials::Ambient,
            region,
            endpoint,
        });
    }
    Err(missing(
        "neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor a profile with keys was found".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_comments() {
        let ini = parse_ini(
            "# comment\n[default]\naws_access_key_id = AK\nAWS_Secret_Access_Key=SK\n\n[profile ci]\nregion = garage ; not a comment in AWS files\n",
        );
        assert_eq!(ini["default"]["aws_access_key_id"], "AK");
        assert_eq!(ini["default"]["aws_secret_access_key"], "SK");
        assert!(ini["profile ci"]["region"].starts_with("garage"));
    }
}
