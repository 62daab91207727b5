//! The OCI distribution API's common ground: image references, where a
//! registry is spoken to, and its errors in words.

use crate::error::{ImageError, Result};

/// A parsed `HOST[:PORT]/NAME[:TAG]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    /// The repository (`team/greet-agent`).
    pub name: String,
    /// The tag, if one was given.
    pub tag: Option<String>,
}

impl Reference {
    /// Parses a reference; the registry host is required.
    pub fn parse(s: &str) -> Result<Reference> {
        let bad = |reason: &str| ImageError::BadReference {
            reference: s.to_owned(),
            reason: reason.to_owned(),
        };
        let s = s.strip_prefix("docker://").unwrap_or(s);
        let (registry, rest) = s.split_once('/').ok_or_else(|| bad("no registry host"))?;
        let host_like = registry.contains(['.', ':']) || registry == "localhost";
        if !host_like {
            return Err(bad(
                "the first component must be the registry host, e.g. 127.0.0.1:5000",
            ));
        }
        let (name, tag) = match rest.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_owned())),
            _ => (rest, None),
        };
        let name_ok = !name.is_empty()
            && name.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            });
        if !name_ok {
            return Err(bad(
                "the repository name must be lower-case letters, digits, `.`, `_`, `-` and `/`",
            ));
        }
        if let Some(t) = &tag
            && !valid_tag(t)
        {
            return Err(bad("a tag is up to 128 letters, digits, `_`, `.` and `-`"));
        }
        Ok(Reference {
            registry: registry.to_owned(),
            name: name.to_owned(),
            tag,
        })
    }

    /// `http://` for loopback, `https://` otherwise.
    pub(crate) fn base(&self) -> String {
        let host = self
            .registry
            .rsplit_once(':')
            .map_or(self.registry.as_str(), |(h, p)| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    &self.registry
                }
            })
            .trim_start_matches('[')
            .trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let scheme = if loopback { "http" } else { "https" };
        format!("{scheme}://{}/v2/{}", self.registry, self.name)
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.name)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        Ok(())
    }
}

/// Whether `t` can be a tag (distribution-spec: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`).
pub fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && !t.starts_with(['.', '-'])
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A push to `r` failed while doing `action`.
pub(crate) fn fail(r: &Reference, action: &str, reason: String) -> ImageError {
    ImageError::Registry {
        pulling: false,
        reference: r.to_string(),
        action: action.to_owned(),
        reason,
    }
}

/// A pull of `r` (a base image) failed while doing `action`.
pub(crate) fn fail_pull(r: &Reference, action: &str, reason: String) -> ImageError {
    ImageError::Registry {
        pulling: true,
        reference: r.to_string(),
        action: action.to_owned(),
        reason,
    }
}

/// A request's error in words: a connection nobody accepts said as such.
pub(crate) fn request_error(r: &Reference, e: &reqwest::Error) -> String {
    if e.is_connect() {
        format!("nothing answers at `{}` ({})", r.registry, chain(e))
    } else {
        chain(e)
    }
}

/// An error and its causes on one line, each once.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out
}

/// The registry's error body, shortened.
pub(crate) async fn body_text(resp: reqwest::Response) -> String {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let text: String = text.chars().take(400).collect();
    format!("HTTP {status}: {}", text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_with_a_registry_host() {
        let r = Reference::parse("127.0.0.1:5000/team/greet-agent:1.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.name, "team/greet-agent");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.base(), "http://127.0.0.1:5000/v2/team/greet-agent");
        let r = Reference::parse("registry.example.org/x").unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.base(), "https://registry.example.org/v2/x");
        assert!(Reference::parse("greet-agent:1.0").is_err());
        assert!(Reference::parse("127.0.0.1:5000/Greet").is_err());
        assert!(Reference::parse("127.0.0.1:5000/g:bad tag").is_err());
    }
}
