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
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts one on a free port and waits until it answers.
    pub fn start() -> Registry {
        Registry::start_with(None)
    }

    /// Starts one that asks for `user` and `password` (HTTP Basic, an
    /// htpasswd file with a bcrypt hash made by Debian's python3 through
    /// libxcrypt).
    pub fn start_with_user(user: &str, password: &str) -> Registry {
        Registry::start_with(Some((user, password)))
    }

    fn start_with(user: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("config.yml");
        let mut text = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((user, password)) = user {
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
    }
}
