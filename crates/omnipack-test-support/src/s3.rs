//! Real S3-compatible servers on 127.0.0.1 for tests, killed on drop:
//! [`S3sFs`] (one `s3s-fs` process over a temporary directory; its data
//! directory is a plain tree `BUCKET/KEY`, so clients can also read a
//! published repository from it with `file://` URLs) and [`Garage`] (a
//! three-node Garage cluster with replication factor 3 and a website
//! endpoint). Readiness is polled, never slept for blindly.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fs_err as fs;

/// Access key id every test server accepts (Garage's `GK` + 24 hex format).
pub const ACCESS_KEY: &str = "GK0123456789abcdef01234567";
/// The matching secret.
pub const SECRET_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A free TCP port on 127.0.0.1 (bound, then released for the server).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls until `check` is true or `timeout` passes (then panics with `what`).
pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Environment for an omnipack (or any AWS client) talking to a test server.
pub fn aws_env(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
}

/// One `s3s-fs` server.
#[derive(Debug)]
pub struct S3sFs {
    child: Child,
    /// The data directory: `ROOT/BUCKET/KEY` files.
    pub root: PathBuf,
    /// The S3 port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl S3sFs {
    /// Starts `s3s-fs` (on `PATH`) over a new temporary directory with the
    /// test keys, and creates `buckets`.
    pub fn start(buckets: &[&str]) -> S3sFs {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        for b in buckets {
            fs::create_dir_all(root.join(b)).unwrap();
        }
        fs::create_dir_all(&root).unwrap();
        let port = free_port();
        let log = fs::File::create(dir.path().join("s3s-fs.log")).unwrap();
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(log.into_parts().0)
            .spawn()
            .expect("spawn s3s-fs");
        let mut s = S3sFs {
            child,
            root,
            port,
            _dir: dir,
        };
        wait_for("s3s-fs to listen", Duration::from_secs(20), || {
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!("s3s-fs exited with {status}");
            }
            port_open(port)
        });
        s
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One Garage node of a [`Garage`] cluster.
#[derive(Debug)]
pub struct GarageNode {
    child: Option<Child>,
    /// Its configuration file.
    pub config: PathBuf,
    /// S3 API port.
    pub s3_port: u16,
    /// Website port.
    pub web_port: u16,
    /// RPC port.
    pub rpc_port: u16,
}

/// A three-node Garage cluster (replication factor 3, sqlite metadata, all
/// ports on 127.0.0.1), with one bucket readable and writable by the test
/// key and served by the website endpoint.
#[derive(Debug)]
pub struct Garage {
    /// The nodes.
    pub nodes: Vec<GarageNode>,
    /// The bucket.
    pub bucket: String,
    dir: tempfile::TempDir,
}

const RPC_SECRET: &str = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";

impl Garage {
    /// Starts the cluster, lays it out, creates `bucket`, imports the test
    /// key with read/write/owner rights, and allows website access.
    pub fn start(bucket: &str) -> Garage {
        let dir = tempfile::tempdir().unwrap();
        let mut nodes = Vec::new();
        for i in 0..3 {
            let d = dir.path().join(format!("node{i}"));
            fs::create_dir_all(&d).unwrap();
            let (rpc_port, s3_port, web_port, admin_port) =
                (free_port(), free_port(), free_port(), free_port());
            let config = d.join("garage.toml");
            fs::write(
                &config,
                format!(
                    r#"metadata_dir = "{d}/meta"
data_dir = "{d}/data"
db_engine = "sqlite"
replication_factor = 3
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{RPC_SECRET}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"

[s3_web]
bind_addr = "127.0.0.1:{web_port}"
root_domain = ".web.garage.localhost"
index = "index.html"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
"#,
                    d = d.display()
                ),
            )
            .unwrap();
            let mut node = GarageNode {
                child: None,
                config,
                s3_port,
                web_port,
                rpc_port,
            };
            node.spawn(&d);
            nodes.push(node);
        }
        let g = Garage {
            nodes,
            bucket: bucket.to_owned(),
            dir,
        };
        for n in &g.nodes {
            wait_for("garage RPC", Duration::from_secs(30), || {
                port_open(n.rpc_port)
            });
        }
        // Node ids, then connect node 0 to the others.
        let ids: Vec<String> = g
            .nodes
            .iter()
            .map(|n| {
                let out = g.cli(n, &["node", "id", "-q"]);
                out.trim().to_owned()
            })
            .collect();
        for id in &ids[1..] {
            g.cli(&g.nodes[0], &["node", "connect", id]);
        }
        wait_for("three garage nodes", Duration::from_secs(30), || {
            let out = g.try_cli(&g.nodes[0], &["status"]).unwrap_or_default();
            ids.iter().all(|id| out.contains(&id[..16]))
        });
        for id in &ids {
            let short = &id[..16];
            g.cli(
                &g.nodes[0],
                &["layout", "assign", "-z", "dc1", "-c", "1GB", short],
            );
        }
        g.cli(&g.nodes[0], &["layout", "apply", "--version", "1"]);
        wait_for("garage layout", Duration::from_secs(30), || {
            g.try_cli(&g.nodes[0], &["bucket", "create", bucket])
                .is_some()
        });
        g.cli(
            &g.nodes[0],
            &[
                "key",
                "import",
                "--yes",
                "-n",
                "omnipack-test",
                ACCESS_KEY,
                SECRET_KEY,
            ],
        );
        g.cli(
            &g.nodes[0],
            &[
                "bucket",
                "allow",
                "--read",
                "--write",
                "--owner",
                bucket,
                "--key",
                "omnipack-test",
            ],
        );
        g.cli(&g.nodes[0], &["bucket", "website", "--allow", bucket]);
        for n in &g.nodes {
            wait_for("garage S3 and web ports", Duration::from_secs(30), || {
                port_open(n.s3_port) && port_open(n.web_port)
            });
        }
        g
    }

    fn try_cli(&self, node: &GarageNode, args: &[&str]) -> Option<String> {
        let out = Command::new("garage")
            .arg("-c")
            .arg(&node.config)
            .args(args)
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs `garage -c NODE ARGS`, panicking with its output on failure.
    pub fn cli(&self, node: &GarageNode, args: &[&str]) -> String {
        let out = Command::new("garage")
            .arg("-c")
            .arg(&node.config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "garage {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The S3 endpoint of node `i`.
    pub fn endpoint(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[i].s3_port)
    }

    /// The website base URL of node `i` for the bucket: Garage picks the
    /// bucket from the Host header, so this is `http://BUCKET.web.garage.localhost:PORT`
    /// and clients must resolve it to 127.0.0.1 (see [`Garage::web_proxy`]).
    pub fn web_url(&self, _i: usize) -> String {
        format!("http://{}.web.garage.localhost", self.bucket)
    }

    /// An HTTP proxy URL (node `i`'s website port) that makes [`Garage::web_url`] reachable:
    /// clients send `GET http://BUCKET.web.garage.localhost/KEY` to it.
    pub fn web_proxy(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[i].web_port)
    }

    /// Stops node `i` (kill), as a machine failure would.
    pub fn stop(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Where the cluster keeps its files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl GarageNode {
    fn spawn(&mut self, dir: &Path) {
        let log = fs::File::create(dir.join("garage.log")).unwrap();
        let child = Command::new("garage")
            .arg("-c")
            .arg(&self.config)
            .arg("server")
            .env("RUST_LOG", "garage=warn")
            .stdout(Stdio::null())
            .stderr(log.into_parts().0)
            .spawn()
            .expect("spawn garage");
        self.child = Some(child);
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            if let Some(mut c) = n.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}
