//! `omnipack serve` as a process: the URL on stdout, the access log on
//! stderr, SIGTERM with a transfer in flight, its errors; and the real
//! clients over HTTP: `apt-get update`/`download` from a signed flat
//! repository, `dnf repoquery`/`install --downloadonly` with `gpgcheck=1`
//! and `repo_gpgcheck=1`. Network only to 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use crate::support::{make_package, omnipack, text};

/// A running `omnipack serve`; killed on drop if still running.
pub(crate) struct Served {
    child: Child,
    pub(crate) url: String,
    stderr: Arc<Mutex<String>>,
    drain: Option<JoinHandle<()>>,
    _stdout: BufReader<ChildStdout>,
}

impl Served {
    /// Starts `omnipack serve ROOT --listen 127.0.0.1:0 EXTRA...` and reads
    /// the URL from its first line of stdout.
    pub(crate) fn start(root: &Path, extra: &[&str]) -> Served {
        let mut child = omnipack()
            .arg("serve")
            .arg(root)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drained continuously: a full pipe would block the server's log.
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err = child.stderr.take().unwrap();
        let drain = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut url = String::new();
        stdout.read_line(&mut url).unwrap();
        let mut s = Served {
            child,
            url: url.trim_end().to_owned(),
            stderr,
            drain: Some(drain),
            _stdout: stdout,
        };
        if s.url.is_empty() {
            let status = s.wait();
            panic!("serve printed no URL ({status}):\n{}", s.stderr());
        }
        assert!(
            s.url.starts_with("http://127.0.0.1:") && s.url.ends_with('/'),
            "{}",
            s.url
        );
        s
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn addr(&self) -> String {
        self.url["http://".len()..self.url.len() - 1].to_owned()
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server wrote to stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        run_ok(
            Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string()),
        );
    }

    /// Waits (at most 30 s) for the process to exit, then for its stderr.
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "serve did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(d) = self.drain.take() {
            d.join().unwrap();
        }
        status
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 GET: (status line, body).
pub(crate) fn http_get(addr: &str, target: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: it/1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&raw[..end])
        .lines()
        .next()
        .unwrap()
        .to_owned();
    (status, raw[end + 4..].to_vec())
}

#[test]
fn serve_prints_its_url_logs_requests_and_stops_on_sigterm_after_the_transfer() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("hello.txt"), b"hello\n").unwrap();
    let big: Vec<u8> = (0..=250u8).cycle().take(48 << 20).collect();
    fs::write(t.path().join("big.bin"), &big).unwrap();
    let mut s = Served::start(t.path(), &[]);

    let (status, body) = http_get(&s.addr(), "/hello.txt");
    assert_eq!(
        (status.as_str(), &body[..]),
        ("HTTP/1.1 200 OK", &b"hello\n"[..])
    );
    assert_eq!(
        http_get(&s.addr(), "/%2e%2e/etc/passwd").0,
        "HTTP/1.1 400 Bad Request"
    );

    // A transfer larger than the socket buffers, held back by the client
    // while SIGTERM arrives: it still completes, then the process exits 0.
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    c.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 1024];
    c.read_exact(&mut first).unwrap();
    s.terminate();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "exited with a transfer in flight"
    );
    let mut raw = first.to_vec();
    c.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(raw[end + 4..] == big[..], "the transfer was cut short");
    let status = s.wait();
    assert!(status.success(), "{status}\n{}", s.stderr());

    let err = s.stderr();
    assert!(err.contains("serving `"), "{err}");
    assert!(err.contains("\"GET /hello.txt\" 200 6 "), "{err}");
    assert!(err.contains("\"it/1\""), "{err}");
    assert!(err.contains("\"GET /%2e%2e/etc/passwd\" 400 "), "{err}");
    assert!(
        err.contains(&format!("\"GET /big.bin\" 200 {} ", big.len())),
        "{err}"
    );
    assert!(err.contains("SIGTERM"), "{err}");
}

#[test]
fn quiet_serve_logs_nothing() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("f"), b"x").unwrap();
    let mut s = Served::start(t.path(), &["--quiet", "--list"]);
    assert!(http_get(&s.addr(), "/").1.starts_with(b"<!DOCTYPE html>"));
    s.terminate();
    assert!(s.wait().success());
    assert_eq!(s.stderr(), "");
}

#[test]
fn serve_errors_name_the_root_or_address() {
    let t = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> (i32, String) {
        let o = omnipack().arg("serve").args(args).output().unwrap();
        (o.status.code().unwrap(), text(&o).1)
    };
    let missing = t.path().join("missing");
    let (code, err) = run(&[missing.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("cannot serve `{}`", missing.display())),
        "{err}"
    );
    assert!(err.contains("No such file or directory"), "{err}");

    let file = t.path().join("file");
    fs::write(&file, b"").unwrap();
    let (code, err) = run(&[file.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a directory"), "{err}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, err) = run(&[t.path().to_str().unwrap(), "--listen", &addr]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("cannot listen on `{addr}`")), "{err}");
    assert!(err.contains("Address already in use"), "{err}");

    let (code, err) = run(&[t.path().to_str().unwrap(), "--listen", "localhost"]);
    assert_eq!(code, 2, "{err}");
}

/// A signed repository tree under `t/root`: `debian/12/all/` (apt) and
/// `rocky/9/noarch/` (yum, packages signed too), and the public key under
/// `keys/`. Returns (root, keys directory).
fn signed_tree(t: &Path) -> (PathBuf, PathBuf) {
    let root = t.join("root");
    let apt = root.join("debian/12/all");
    let yum = root.join("rocky/9/noarch");
    fs::create_dir_all(&apt).unwrap();
    fs::create_dir_all(&yum).unwrap();
    make_package(&apt, "hello", "1.0", "deb");
    make_package(&apt, "hello", "1.2", "deb");
    make_package(&apt, "zed", "0.1", "deb");
    make_package(&yum, "hello", "1.0", "rpm");
    make_package(&yum, "zed", "0.1", "rpm");
    let keys = t.join("keys");
    let o = omnipack()
        .args([
            "key",
            "generate",
            "--name",
            "Serve Tests <serve@example.org>",
        ])
        .arg("--out")
        .arg(&keys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let secret = keys.join("repo-key.secret.asc");
    let rpms: Vec<PathBuf> = fs::read_dir(&yum)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let o = omnipack()
        .arg("sign")
        .args(&rpms)
        .arg("--key")
        .arg(&secret)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let o = omnipack()
        .args(["repo", "index"])
        .arg(&root)
        .arg("--sign-key")
        .arg(&secret)
        .env("OMNIPACK_CACHE_DIR", t.join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    fs::create_dir_all(root.join("keys")).unwrap();
    fs::copy(
        keys.join("repo-key.public.asc"),
        root.join("keys/repo-key.public.asc"),
    )
    .unwrap();
    (root, keys)
}

pub(crate) fn report(out: &Output) -> String {
    let (o, e) = text(out);
    format!("exit {}\nstdout:\n{o}\nstderr:\n{e}", out.status)
}

/// apt-get with a private configuration under `state`.
pub(crate) fn apt_get(state: &Path, args: &[&str], cwd: &Path) -> Output {
    crate::support::apt_private("apt-get", state, &state.join("sources.list"))
        .args(["-o", "Acquire::http::Proxy=DIRECT"])
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

#[test]
fn apt_get_updates_and_downloads_over_http() {
    if !require_tools(&["apt-get", "gpgv"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (root, keys) = signed_tree(t.path());
    let s = Served::start(&root, &[]);

    let state = t.path().join("apt");
    crate::support::apt_state(
        &state,
        format!(
            "deb [signed-by={}] {}debian/12/all/ /\n",
            keys.join("repo-key.gpg").display(),
            s.url
        ),
    );
    let out = apt_get(&state, &["update"], t.path());
    let all = report(&out);
    assert!(out.status.success(), "{all}\nserver:\n{}", s.stderr());
    assert!(
        !all.contains("W:") && !all.contains("E:"),
        "apt warned:\n{all}"
    );
    assert!(
        all.contains(&format!("Get:1 {}debian/12/all ", s.url)),
        "{all}"
    );

    let dl = t.path().join("dl");
    fs::create_dir(&dl).unwrap();
    let out = apt_get(&state, &["download", "hello", "zed", "hello=1.0-1"], &dl);
    assert!(out.status.success(), "{}", report(&out));
    for name in [
        "hello_1.2-1_all.deb",
        "hello_1.0-1_all.deb",
        "zed_0.1-1_all.deb",
    ] {
        assert_eq!(
            fs::read(dl.join(name)).unwrap(),
            fs::read(root.join("debian/12/all").join(name)).unwrap(),
            "{name}"
        );
    }

    // A second update revalidates: the unchanged InRelease is a 304, a "Hit".
    let out = apt_get(&state, &["update"], t.path());
    assert!(out.status.success(), "{}", report(&out));
    assert!(report(&out).contains("Hit:1"), "{}", report(&out));
    let log = s.stderr();
    assert!(
        log.contains("\"GET /debian/12/all/InRelease\" 200 "),
        "{log}"
    );
    assert!(
        log.contains("\"GET /debian/12/all/InRelease\" 304 0 "),
        "{log}"
    );
    assert!(
        log.contains("\"GET /debian/12/all/./hello_1.2-1_all.deb\" 200 "),
        "{log}"
    );
}

/// dnf with a private configuration; the repository `t` at `url`, packages
/// and metadata signature both checked.
fn dnf(state: &Path, url: &str, args: &[&str]) -> Output {
    omnipack_test_support::clients::dnf_private(state, &format!("{url}rocky/9/noarch/"))
        .args(["--setopt=t.gpgcheck=1", "--setopt=t.repo_gpgcheck=1"])
        .arg(format!("--setopt=t.gpgkey={url}keys/repo-key.public.asc"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn dnf_queries_and_downloads_over_http_with_gpgcheck() {
    if !require_tools(&["dnf", "rpm"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (root, _) = signed_tree(t.path());
    let s = Served::start(&root, &[]);
    let state = t.path().join("dnf");

    let out = dnf(
        &state,
        &s.url,
        &["-q", "repoquery", "--qf", "%{name}-%{version}"],
    );
    assert!(
        out.status.success(),
        "{}\nserver:\n{}",
        report(&out),
        s.stderr()
    );
    let mut names: Vec<String> = text(&out).0.lines().map(str::to_owned).collect();
    names.sort();
    assert_eq!(names, ["hello-1.0", "zed-0.1"], "{}", report(&out));

    let dl = t.path().join("dl");
    let out = dnf(
        &state,
        &s.url,
        &[
            "install",
            "--downloadonly",
            &format!("--downloaddir={}", dl.display()),
            "zed",
        ],
    );
    assert!(
        out.status.success(),
        "{}\nserver:\n{}",
        report(&out),
        s.stderr()
    );
    // The package signature was checked with the key fetched from the server
    // (an unsigned package fails here with "GPG check FAILED").
    assert!(
        report(&out).contains("Importing GPG key"),
        "{}",
        report(&out)
    );
    let name = "zed-0.1-1.noarch.rpm";
    assert_eq!(
        fs::read(dl.join(name)).unwrap(),
        fs::read(root.join("rocky/9/noarch").join(name)).unwrap()
    );
    let log = s.stderr();
    for target in [
        "/rocky/9/noarch/repodata/repomd.xml",
        "/rocky/9/noarch/repodata/repomd.xml.asc",
        "/keys/repo-key.public.asc",
        "/rocky/9/noarch/zed-0.1-1.noarch.rpm",
    ] {
        assert!(
            log.contains(&format!("\"GET {target}\" 200 ")),
            "{target}:\n{log}"
        );
    }
}
