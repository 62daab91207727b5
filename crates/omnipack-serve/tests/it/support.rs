//! A server on a thread of its own, a fixture tree and a raw HTTP/1.1 client.

use fs_err::os::unix::fs::symlink;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use fs_err as fs;
use omnipack_serve::{AccessEntry, AccessLog, Config, Error, Limits, Notice, Server};

/// A running server; stopped (gracefully) on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<AccessEntry>>>,
    /// The notices, as displayed.
    pub notices: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), Error>>>,
}

impl TestServer {
    /// Signals shutdown and waits for `run` to return.
    pub fn stop(mut self) -> Result<(), Error> {
        self.stop.take().map(|s| s.send(()));
        self.thread.take().unwrap().join().unwrap()
    }

    /// Sends the shutdown signal without waiting.
    pub fn signal_stop(&mut self) {
        self.stop.take().map(|s| s.send(()));
    }

    /// Whether `run` has returned.
    pub fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.take().map(|s| s.send(()));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Collects entries and notices.
struct Collect {
    entries: Arc<Mutex<Vec<AccessEntry>>>,
    notices: Arc<Mutex<Vec<String>>>,
}

impl AccessLog for Collect {
    fn log(&self, entry: &AccessEntry) {
        self.entries.lock().unwrap().push(entry.clone());
    }

    fn notice(&self, notice: &Notice) {
        self.notices.lock().unwrap().push(notice.to_string());
    }
}

/// Serves `root` on 127.0.0.1 (a free port), logging into `TestServer::log`.
pub fn start(root: &Path, listing: bool) -> TestServer {
    start_with(root, listing, Limits::default())
}

/// [`start`] with these limits (and 2 worker threads unless they say).
pub fn start_with(root: &Path, listing: bool, mut limits: Limits) -> TestServer {
    let log = Arc::new(Mutex::new(Vec::new()));
    let notices = Arc::new(Mutex::new(Vec::new()));
    let mut config = Config::new(root);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.listing = listing;
    config.access_log = Some(Arc::new(Collect {
        entries: Arc::clone(&log),
        notices: Arc::clone(&notices),
    }));
    limits.worker_threads = limits.worker_threads.or(Some(2));
    config.limits = limits;
    let server = Server::bind(config).unwrap();
    let addr = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        server.runtime().unwrap().block_on(server.run(async {
            let _ = rx.await;
        }))
    });
    TestServer {
        addr,
        log,
        notices,
        stop: Some(tx),
        thread: Some(thread),
    }
}

/// A parsed response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Splits raw response bytes into status, headers and body.
pub fn parse(raw: &[u8]) -> Reply {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    Reply {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

/// Sends `method target` with `headers` and `Connection: close`; reads to EOF.
pub fn send(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse(&raw)
}

pub fn get(addr: SocketAddr, target: &str) -> Reply {
    send(addr, "GET", target, &[])
}

/// 300 000 bytes of a repeating 0..=250 pattern (not a multiple of the chunk size).
pub fn big() -> Vec<u8> {
    (0..=250u8).cycle().take(300_000).collect()
}

/// `t/root` with what a repository holds, and `t/outside/secret.txt` beside it.
pub fn fixture(t: &Path) -> std::path::PathBuf {
    let root = t.join("root");
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    };
    w("hello_1.0-1_all.deb", &big());
    w("hello-1.0-1.noarch.rpm", b"rpm");
    w("Packages", b"Package: hello\n");
    w("Packages.gz", b"gz");
    w("Packages.xz", b"xz");
    w("Release", b"Origin: test\n");
    w("InRelease", b"-----BEGIN PGP SIGNED MESSAGE-----\n");
    w("Release.gpg", b"sig");
    w("repodata/repomd.xml", b"<repomd/>");
    w("repodata/repomd.xml.asc", b"sig");
    w("repodata/abc-primary.xml.zst", b"zst");
    w(
        "keys/repo-key.public.asc",
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
    );
    w("gems/rake-13.0.gem", b"gem");
    w("meta.json", b"{}");
    w("empty", b"");
    w("site/index.html", b"<h1>site</h1>");
    w(".Packages.tmp", b"partial write");
    w("pool/a b&<c>.txt", b"weird");
    w("pool/colon:name", b"colon");
    w("pool/sub/x", b"x");
    w("pool/.hidden", b"hidden");
    let outside = t.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret.txt"), b"SECRET").unwrap();
    symlink("../outside/secret.txt", root.join("escape.txt")).unwrap();
    symlink(outside.join("secret.txt"), root.join("escape-abs.txt")).unwrap();
    symlink(&outside, root.join("escape-dir")).unwrap();
    symlink("/etc/passwd", root.join("passwd")).unwrap();
    symlink("hello_1.0-1_all.deb", root.join("latest.deb")).unwrap();
    symlink("pool/sub", root.join("sub-link")).unwrap();
    symlink(".Packages.tmp", root.join("to-hidden")).unwrap();
    symlink("nowhere", root.join("dangling")).unwrap();
    root
}
