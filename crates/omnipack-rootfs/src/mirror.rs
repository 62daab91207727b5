//! Package mirrors: the ones this machine's apt is configured with (read
//! from `/etc/apt/sources.list.d/*.sources` and `/etc/apt/sources.list`, so
//! no mirror is ever written into omnipack), and a quick check that a
//! mirror answers and serves a suite before minutes are spent on it.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use fs_err as fs;

use crate::RootfsError;

/// How long a mirror may take to accept a connection or answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The archive URLs this machine's apt is configured with, in order, each
/// once (without a trailing `/`). Security archives are left out: they
/// serve only `SUITE-security`.
pub fn machine_mirrors(etc_apt: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |uri: &str, suites: &str| {
        let uri = uri.trim_end_matches('/');
        let security = suites.split_whitespace().all(|s| s.ends_with("-security"));
        if (uri.starts_with("http://") || uri.starts_with("https://"))
            && !security
            && !out.iter().any(|u| u == uri)
        {
            out.push(uri.to_owned());
        }
    };
    let mut files: Vec<_> = fs::read_dir(etc_apt.join("sources.list.d"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "sources"))
    {
        let Ok(text) = fs::read_to_string(f) else {
            continue;
        };
        // deb822 stanzas, separated by blank lines.
        for stanza in text.split("\n\n") {
            let field = |key: &str| {
                stanza.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(key)
                        .then(|| v.trim().to_owned())
                })
            };
            let enabled = field("Enabled").is_none_or(|v| v != "no");
            let deb = field("Types").is_some_and(|t| t.split_whitespace().any(|t| t == "deb"));
            if let (true, true, Some(uris)) = (enabled, deb, field("URIs")) {
                let suites = field("Suites").unwrap_or_default();
                for uri in uris.split_whitespace() {
                    push(uri, &suites);
                }
            }
        }
    }
    if let Ok(text) = fs::read_to_string(etc_apt.join("sources.list")) {
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("deb") {
                continue;
            }
            // `deb [options] URI suite components`
            let mut rest: Vec<&str> = words.collect();
            if rest.first().is_some_and(|w| w.starts_with('[')) {
                let end = rest.iter().position(|w| w.ends_with(']')).unwrap_or(0);
                rest.drain(..=end);
            }
            if let [uri, suite, ..] = rest[..] {
                push(uri, suite);
            }
        }
    }
    out
}

/// What a check of a mirror found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// `dists/SUITE/Release` answered 2xx or 3xx.
    Yes,
    /// It answered with this status line.
    No(String),
    /// An https or file mirror: not checked beyond the connection.
    Unchecked,
}

/// Checks that the deb mirror `url` answers and serves `suite`: a TCP
/// connection (an error naming the mirror if nothing listens), then, over
/// plain http, `HEAD dists/SUITE/Release`.
pub fn check_deb_mirror(url: &str, suite: &str) -> Result<Served, RootfsError> {
    let parsed = url::Url::parse(url).map_err(|e| RootfsError::BadMirror {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    match parsed.scheme() {
        "file" => {
            let release = Path::new(parsed.path())
                .join("dists")
                .join(suite)
                .join("Release");
            return Ok(if release.is_file() {
                Served::Yes
            } else {
                Served::No(format!("no file `{}`", release.display()))
            });
        }
        "http" | "https" => {}
        other => {
            return Err(RootfsError::BadMirror {
                url: url.to_owned(),
                reason: format!("scheme `{other}` is not http, https or file"),
            });
        }
    }
    let host = parsed.host_str().ok_or_else(|| RootfsError::BadMirror {
        url: url.to_owned(),
        reason: "it has no host".to_owned(),
    })?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let unreachable = |reason: String| RootfsError::MirrorUnreachable {
        url: url.to_owned(),
        reason,
    };
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve `{host}`: {e}")))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, TIMEOUT) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(format!("{a}: {e}")),
        }
    }
    let Some(mut stream) = stream else {
        return Err(unreachable(
            last.unwrap_or_else(|| format!("`{host}` has no address")),
        ));
    };
    if parsed.scheme() == "https" {
        return Ok(Served::Unchecked);
    }
    let path = format!(
        "{}/dists/{suite}/Release",
        parsed.path().trim_end_matches('/')
    );
    let io = |e: std::io::Error| unreachable(e.to_string());
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    let host_header = match parsed.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let request = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: omnipack\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
        let n = stream.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let status = text.lines().next().unwrap_or("").trim().to_owned();
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    Ok(match code {
        Some(200..=399) => Served::Yes,
        Some(_) => Served::No(status),
        None => return Err(unreachable(format!("it did not answer HTTP (`{status}`)"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_come_from_deb822_and_one_line_sources() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        fs::create_dir_all(d.join("sources.list.d")).unwrap();
        fs::write(
            d.join("sources.list.d/debian.sources"),
            "Types: deb\nURIs: http://mirror.invalid/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n\n\
             Types: deb\nURIs: http://security.invalid/debian-security\nSuites: bookworm-security\n\n\
             Types: deb-src\nURIs: http://src.invalid/debian\nSuites: bookworm\n\n\
             Enabled: no\nTypes: deb\nURIs: http://off.invalid/debian\nSuites: bookworm\n",
        )
        .unwrap();
        fs::write(
            d.join("sources.list"),
            "# comment\ndeb [arch=amd64 signed-by=/x] http://other.invalid/debian bookworm main\ndeb http://mirror.invalid/debian bookworm main\n",
        )
        .unwrap();
        assert_eq!(
            machine_mirrors(d),
            [
                "http://mirror.invalid/debian",
                "http://other.invalid/debian"
            ]
        );
        assert!(machine_mirrors(&d.join("none")).is_empty());
    }

    #[test]
    fn a_port_nothing_listens_on_is_named() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/debian");
        let e = check_deb_mirror(&url, "bookworm").unwrap_err();
        assert!(matches!(e, RootfsError::MirrorUnreachable { .. }), "{e}");
        assert!(e.to_string().contains(&url), "{e}");
        let e = check_deb_mirror("ftp://x/debian", "bookworm").unwrap_err();
        assert!(e.to_string().contains("scheme `ftp`"), "{e}");
        let e = check_deb_mirror("not a url", "bookworm").unwrap_err();
        assert!(matches!(e, RootfsError::BadMirror { .. }), "{e}");
    }

    #[test]
    fn an_http_answer_is_read() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            for status in ["200 OK", "404 Not Found"] {
                let (mut s, _) = l.accept().unwrap();
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = s.read(&mut buf).unwrap();
                    assert!(n > 0, "the request ended early");
                    req.extend_from_slice(&buf[..n]);
                }
                let req = String::from_utf8_lossy(&req).into_owned();
                assert!(
                    req.starts_with("HEAD /debian/dists/bookworm/Release HTTP/1.1"),
                    "{req}"
                );
                write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").unwrap();
            }
        });
        let url = format!("http://127.0.0.1:{port}/debian/");
        assert_eq!(check_deb_mirror(&url, "bookworm").unwrap(), Served::Yes);
        assert_eq!(
            check_deb_mirror(&url, "bookworm").unwrap(),
            Served::No("HTTP/1.1 404 Not Found".to_owned())
        );
        server.join().unwrap();
    }
}
