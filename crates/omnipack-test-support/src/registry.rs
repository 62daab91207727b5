//! A real OCI registry on 127.0.0.1 for `omnipack image build --push`:
//! Debian's `docker-registry` (distribution 2.8) with filesystem storage in
//! a temporary directory, its log (every request) kept for the tests to
//! count uploads.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fs_err as fs;

use crate::s3::{free_port, port_open, wait_for};

/// A running registry; stopped when dropped.
#[derive(Debug)]
pub struct Registry {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its log: one line per request.
    pub log: PathBuf,
    /// With token authentication: the token server and its log (a JSON
    /// line per request: path, service, scope, whether it was granted).
    token: Option<(Child, PathBuf)>,
    _dir: tempfile::TempDir,
}

/// How a registry checks its clients.
enum Auth<'a> {
    None,
    /// HTTP Basic against an htpasswd file.
    Basic(&'a str, &'a str),
    /// Bearer tokens from a token server of the test's own, which asks
    /// for these Basic credentials.
    Token(&'a str, &'a str),
}

impl Registry {
    /// Starts one on a free port and waits until it answers.
    pub fn start() -> Registry {
        Registry::start_with(Auth::None)
    }

    /// Starts one that accepts only Bearer tokens (the Docker registry
    /// token protocol, `auth: token`) from a token server on 127.0.0.1
    /// that grants them to `user` with `password` (`token_server.py`:
    /// an RS256 JWT signed with a key made here by `openssl`, its
    /// certificate in the registry's `rootcertbundle`).
    pub fn start_with_token(user: &str, password: &str) -> Registry {
        Registry::start_with(Auth::Token(user, password))
    }

    /// The token server's log: one JSON object per request.
    pub fn token_log(&self) -> Vec<serde_json::Value> {
        self.token
            .as_ref()
            .and_then(|(_, log)| fs::read_to_string(log).ok())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Starts one that asks for `user` and `password` (HTTP Basic, an
    /// htpasswd file with a bcrypt hash made by Debian's python3 through
    /// libxcrypt).
    pub fn start_with_user(user: &str, password: &str) -> Registry {
        Registry::start_with(Auth::Basic(user, password))
    }

    fn start_with(auth: Auth<'_>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("config.yml");
        let mut text = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        let mut token = None;
        if let Auth::Token(user, password) = auth {
            let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
            let o = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=omnipack-test-token-issuer", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .expect("openssl for the token server's key");
            assert!(o.status.success(), "openssl req: {o:?}");
            let script = dir.path().join("token_server.py");
            fs::write(&script, include_str!("token_server.py")).unwrap();
            let log = dir.path().join("token.log");
            let mut server = Command::new("/usr/bin/python3")
                .arg(&script)
                .args([&key, &cert])
                .args([
                    user,
                    password,
                    "omnipack-test-registry",
                    "omnipack-test-issuer",
                ])
                .arg(&log)
                .stdout(Stdio::piped())
                .spawn()
                .expect("python3 for the token server");
            let mut line = String::new();
            std::io::BufRead::read_line(
                &mut std::io::BufReader::new(server.stdout.take().unwrap()),
                &mut line,
            )
            .unwrap();
            let token_port: u16 = line.trim().parse().unwrap_or_else(|_| {
                let _ = server.kill();
                panic!("the token server did not start: {line:?}")
            });
            text.push_str(&format!(
                "auth:\n  token:\n    realm: http://127.0.0.1:{token_port}/token\n    service: omnipack-test-registry\n    issuer: omnipack-test-issuer\n    rootcertbundle: {}\n",
                cert.display()
            ));
            token = Some((server, log));
        }
        if let Auth::Basic(user, password) = auth {
            let out = Command::new("/usr/bin/python3")
                .args(["-W", "ignore", "-c"])
                .arg("import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))")
                .arg(password)
                .output()
                .expect("python3 for a bcrypt hash");
            assert!(out.status.success(), "bcrypt: {out:?}");
            let hash = String::from_utf8(out.stdout).unwrap();
            let htpasswd = dir.path().join("htpasswd");
            fs::write(&htpasswd, format!("{user}:{}\n", hash.trim())).unwrap();
            text.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: omnipack-test\n    path: {}\n",
                htpasswd.display()
            ));
        }
        fs::write(&config, text).unwrap();
        let log = dir.path().join("registry.log");
        let out = fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::from(out.into_parts().0))
            .stderr(Stdio::from(err.into_parts().0))
            .spawn()
            .expect("spawn docker-registry");
        let mut r = Registry {
            child,
            port,
            log,
            token,
            _dir: dir,
        };
        wait_for("docker-registry to listen", Duration::from_secs(20), || {
            if let Ok(Some(status)) = r.child.try_wait() {
                panic!("docker-registry exited with {status}");
            }
            port_open(port)
        });
        r
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The log so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((server, _)) = &mut self.token {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}
