//! Registry credentials and authorization for pushes and pulls.
//!
//! Credentials come from the auth file skopeo, podman and docker write
//! (`skopeo login`, `docker login`): `REGISTRY_AUTH_FILE`, else
//! `$XDG_RUNTIME_DIR/containers/auth.json`, else
//! `~/.config/containers/auth.json`, else `$DOCKER_CONFIG/config.json` or
//! `~/.docker/config.json`; the entry `auths."HOST[:PORT]".auth`, which is
//! `base64(user:password)`. Nothing is ever taken from the command line.
//!
//! The registry's answer to `GET /v2/` says what it wants: nothing (200),
//! `Basic` (the credentials on every request) or `Bearer realm=…,
//! service=…` (a token from the realm for `repository:NAME:ACTIONS`, asked
//! with the credentials when there are some, anonymously otherwise).

use std::path::PathBuf;

use base64::Engine;
use fs_err as fs;
use serde_json::Value;

use crate::error::Result;
use crate::registry::{Reference, body_text, chain, fail};

/// `user:password` for `registry`, from the first auth file that has it;
/// the file it came from.
pub(crate) fn credentials(registry: &str) -> Result<Option<(String, PathBuf)>> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(f) = std::env::var_os("REGISTRY_AUTH_FILE") {
        files.push(f.into());
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR") {
        files.push(PathBuf::from(d).join("containers/auth.json"));
    }
    if let Some(h) = &home {
        files.push(h.join(".config/containers/auth.json"));
    }
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => files.push(PathBuf::from(d).join("config.json")),
        None => {
            if let Some(h) = &home {
                files.push(h.join(".docker/config.json"));
            }
        }
    }
    for f in files {
        let Ok(text) = fs::read_to_string(&f) else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| {
            std::io::Error::other(format!(
                "the registry auth file `{}` is not JSON: {e}",
                f.display()
            ))
        })?;
        let entry = &v["auths"][registry]["auth"];
        if let Some(b64) = entry.as_str() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| {
                    std::io::Error::other(format!(
                        "`{}`: auths.\"{registry}\".auth is not base64: {e}",
                        f.display()
                    ))
                })?;
            let pair = String::from_utf8_lossy(&bytes).into_owned();
            if !pair.contains(':') {
                return Err(std::io::Error::other(format!(
                    "`{}`: auths.\"{registry}\".auth is not `user:password`",
                    f.display()
                ))
                .into());
            }
            return Ok(Some((pair, f)));
        }
    }
    Ok(None)
}

/// The `key="value"` parameters of a `WWW-Authenticate` challenge.
fn params(challenge: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = challenge;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(stripped) = after.strip_prefix('"') {
            match stripped.find('"') {
                Some(end) => (&stripped[..end], &stripped[end + 1..]),
                None => (stripped, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        out.push((key, value.to_owned()));
        rest = next;
    }
    out
}

/// The `Authorization` header every request to `r` needs for `actions`
/// (`pull` or `pull,push`), or `None` when the registry wants none.
pub(crate) async fn authorize(
    client: &reqwest::Client,
    r: &Reference,
    actions: &str,
) -> Result<Option<String>> {
    let pulling = !actions.contains("push");
    let fail = |r: &Reference, action: &str, reason: String| {
        if pulling {
            crate::registry::fail_pull(r, action, reason)
        } else {
            fail(r, action, reason)
        }
    };
    let base = r.base();
    let origin = &base[..base.find("/v2/").unwrap_or(base.len())];
    let ping = client
        .get(format!("{origin}/v2/"))
        .send()
        .await
        .map_err(|e| {
            fail(
                r,
                "reach the registry",
                crate::registry::request_error(r, &e),
            )
        })?;
    if ping.status() != reqwest::StatusCode::UNAUTHORIZED {
        return Ok(None);
    }
    let challenge = ping
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let creds = credentials(&r.registry)?;
    let basic = creds.as_ref().map(|(pair, _)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    });
    let no_creds = || {
        fail(
            r,
            "authenticate",
            format!(
                "the registry asks for credentials and none are stored for `{}`: run `skopeo login {}` (or set REGISTRY_AUTH_FILE to an auth file that has them)",
                r.registry, r.registry
            ),
        )
    };
    let scheme = challenge.split_whitespace().next().unwrap_or_default();
    if scheme.eq_ignore_ascii_case("basic") {
        let header = basic.ok_or_else(no_creds)?;
        // Checked once here, so a wrong password is said as such.
        let check = client
            .get(format!("{origin}/v2/"))
            .header("authorization", &header)
            .send()
            .await
            .map_err(|e| fail(r, "authenticate", chain(&e)))?;
        if check.status() == reqwest::StatusCode::UNAUTHORIZED {
            let from = creds
                .map(|(_, f)| f.display().to_string())
                .unwrap_or_default();
            return Err(fail(
                r,
                "authenticate",
                format!("the registry refuses the credentials from `{from}`"),
            ));
        }
        return Ok(Some(header));
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let p = params(&challenge[scheme.len()..]);
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let realm = get("realm").ok_or_else(|| {
            fail(
                r,
                "authenticate",
                format!("a Bearer challenge without a realm: `{challenge}`"),
            )
        })?;
        let mut url = reqwest::Url::parse(&realm)
            .map_err(|e| fail(r, "authenticate", format!("the token realm `{realm}`: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = get("service") {
                q.append_pair("service", &s);
            }
            q.append_pair("scope", &format!("repository:{}:{actions}", r.name));
        }
        let mut req = client.get(url);
        if let Some(b) = &basic {
            req = req.header("authorization", b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| fail(r, "get a token", chain(&e)))?;
        if !resp.status().is_success() {
            if creds.is_none() {
                return Err(no_creds());
            }
            return Err(fail(r, "get a token", body_text(resp).await));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| fail(r, "get a token", chain(&e)))?;
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| fail(r, "get a token", format!("the answer is not JSON: {e}")))?;
        let token = v["token"]
            .as_str()
            .or_else(|| v["access_token"].as_str())
            .ok_or_else(|| fail(r, "get a token", "the answer holds no token".into()))?;
        return Ok(Some(format!("Bearer {token}")));
    }
    Err(fail(
        r,
        "authenticate",
        format!("an authentication scheme omnipack does not speak: `{challenge}`"),
    ))
}

/// A client that sends `authorization` with every request.
pub(crate) fn client_with(authorization: Option<&str>) -> Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(a) = authorization {
        let mut v = reqwest::header::HeaderValue::from_str(a)
            .map_err(|e| std::io::Error::other(format!("an authorization header: {e}")))?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    reqwest::Client::builder()
        .user_agent(concat!("omnipack/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .build()
        .map_err(|e| std::io::Error::other(format!("an HTTP client: {e}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_parse() {
        let p = params(
            r#" realm="https://auth.example.org/token",service="registry.example.org",scope="repository:a/b:pull""#,
        );
        assert_eq!(
            p[0],
            ("realm".into(), "https://auth.example.org/token".into())
        );
        assert_eq!(p[1], ("service".into(), "registry.example.org".into()));
        assert_eq!(p[2].1, "repository:a/b:pull");
    }
}
