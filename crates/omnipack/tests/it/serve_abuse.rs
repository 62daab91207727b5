//! `omnipack serve` under abuse (issue 21 item 7), as a process on
//! loopback: 1 000 idle keep-alive connections and 200 slowloris clients
//! neither slow a normal client down nor grow the thread count, and the
//! server closes them at its (short, test-set) timeouts. Numbers from these
//! runs are in RELIABILITY.md.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use fs_err as fs;

use crate::serve::Served;

/// Worker threads the server is started with; with the default 16
/// blocking threads, its main thread and its log thread the bound is 20.
const WORKERS: usize = 2;
const THREAD_BOUND: usize = 1 + WORKERS + 16 + 1;

/// Raises this process's open-file limit for `needed` sockets; false (the
/// test is skipped with a message) when the hard limit is too low, a
/// failure under `CI=true` as for a missing tool.
fn open_files_for(needed: u64) -> bool {
    let soft = omnipack_serve::raise_open_file_limit().unwrap_or(0);
    if soft >= needed {
        return true;
    }
    let msg =
        format!("the open-file limit is {soft}, this test needs {needed} (raise `ulimit -Hn`)");
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    false
}

/// The `Threads:` line of /proc/PID/status.
fn threads(pid: u32) -> usize {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Sends a keep-alive GET and reads exactly its response; the body.
fn get(s: &mut TcpStream, target: &str) -> Vec<u8> {
    // One write: a head in pieces would meet Nagle and delayed ACKs.
    let req = format!("GET {target} HTTP/1.1\r\nHost: x\r\nUser-Agent: it/1\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
            assert!(head.starts_with("http/1.1 200"), "{head}");
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            if raw.len() >= end + 4 + len {
                return raw[end + 4..end + 4 + len].to_vec();
            }
        }
    }
}

/// 50 sequential small GETs on one keep-alive connection: each must take
/// under 100 ms; returns the slowest.
fn normal_client(addr: &str, body: &[u8]) -> Duration {
    let mut c = TcpStream::connect(addr).unwrap();
    let mut slowest = Duration::ZERO;
    for _ in 0..50 {
        let t = Instant::now();
        assert_eq!(get(&mut c, "/small.txt"), body);
        let took = t.elapsed();
        assert!(
            took < Duration::from_millis(100),
            "a normal GET took {took:?}"
        );
        slowest = slowest.max(took);
    }
    slowest
}

/// Whether the server has closed `s` (EOF or reset), without blocking.
fn is_closed(s: &mut TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1024];
    let closed = loop {
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    s.set_nonblocking(false).unwrap();
    closed
}

fn small_tree() -> (tempfile::TempDir, Vec<u8>) {
    let t = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..1126u32).map(|i| b'a' + (i % 26) as u8).collect();
    fs::write(t.path().join("small.txt"), &body).unwrap();
    (t, body)
}

#[test]
fn serve_holds_1000_idle_keep_alive_connections_and_closes_them_at_the_idle_timeout() {
    if !open_files_for(1200) {
        return;
    }
    let (t, body) = small_tree();
    let idle = Duration::from_secs(3);
    let s = Served::start(
        t.path(),
        &["--quiet", "--idle-timeout", "3", "--threads", "2"],
    );
    let addr = s.addr();
    let pid = s.pid();

    // 1 000 connections, each with one request answered, then idle.
    let started = Instant::now();
    let mut idlers: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    for c in &mut idlers {
        assert_eq!(get(c, "/small.txt"), body);
    }
    let opened = started.elapsed();

    let slowest = normal_client(&addr, &body);
    let peak = threads(pid);
    assert!(
        peak <= THREAD_BOUND,
        "{peak} threads (bound {THREAD_BOUND})"
    );
    // All still open, if checked before the first one's idle timeout can
    // have run out (each one's clock started at its response).
    let open = idlers
        .iter_mut()
        .filter_map(|c| (!is_closed(c)).then_some(()))
        .count();
    let checked = started.elapsed();
    if checked < idle {
        assert_eq!(open, 1000, "closed before the idle timeout");
    }

    // After the idle timeout (counted from each one's response), all closed.
    let deadline = started + opened + idle + Duration::from_secs(3);
    let mut closed = 0;
    for c in &mut idlers {
        let left = deadline.saturating_duration_since(Instant::now());
        c.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut buf = [0u8; 64];
        if matches!(c.read(&mut buf), Ok(0) | Err(_)) && Instant::now() < deadline {
            closed += 1;
        }
    }
    let all_closed = started.elapsed();
    assert_eq!(closed, 1000, "closed by {all_closed:?}");
    eprintln!(
        "1000 idle: opened and answered in {opened:?}; 50 normal GETs, slowest {slowest:?}; \
         {peak} server threads; {open} open at {checked:?}, all closed by {all_closed:?} \
         (idle timeout {idle:?})"
    );
}

#[test]
fn serve_drops_200_slowloris_clients_at_the_header_timeout() {
    if !open_files_for(400) {
        return;
    }
    let (t, body) = small_tree();
    let header = Duration::from_secs(2);
    // The idle timeout is long: a kept-alive connection's slow head must
    // meet the header timeout.
    let s = Served::start(
        t.path(),
        &[
            "--quiet",
            "--header-timeout",
            "2",
            "--idle-timeout",
            "30",
            "--threads",
            "2",
        ],
    );
    let addr = s.addr();
    let pid = s.pid();

    // 100 fresh connections and 100 that had a request answered first, all
    // then sending a request head one byte per second.
    let mut clients: Vec<(TcpStream, Instant, Option<Duration>)> = (0..200)
        .map(|i| {
            let mut c = TcpStream::connect(&addr).unwrap();
            if i % 2 == 1 {
                assert_eq!(get(&mut c, "/small.txt"), body);
            }
            (c, Instant::now(), None)
        })
        .collect();
    let head = b"GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut peak = 0;
    for (round, byte) in head.iter().enumerate() {
        for (c, since, closed) in &mut clients {
            if closed.is_some() {
                continue;
            }
            if round == 0 {
                *since = Instant::now();
            }
            if c.write_all(&[*byte]).is_err() || is_closed(c) {
                *closed = Some(since.elapsed());
            }
        }
        if round < 2 {
            // The normal client, while every slowloris client is mid-head.
            slowest = slowest.max(normal_client(&addr, &body));
            peak = peak.max(threads(pid));
        }
        if clients.iter().all(|c| c.2.is_some()) || started.elapsed() > Duration::from_secs(8) {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let open = clients.iter().filter(|c| c.2.is_none()).count();
    assert_eq!(
        open,
        0,
        "{open} slowloris clients still open after {:?}",
        started.elapsed()
    );
    let latest = clients.iter().filter_map(|c| c.2).max().unwrap();
    let earliest = clients.iter().filter_map(|c| c.2).min().unwrap();
    assert!(
        earliest >= header - Duration::from_millis(200),
        "{earliest:?}"
    );
    // Closed at the header timeout, noticed at the next byte (a second apart).
    assert!(latest < header + Duration::from_millis(2500), "{latest:?}");
    assert!(
        peak <= THREAD_BOUND,
        "{peak} threads (bound {THREAD_BOUND})"
    );
    eprintln!(
        "200 slowloris: closed {earliest:?}..{latest:?} after their first byte \
         (header timeout {header:?}); 100 normal GETs meanwhile, slowest {slowest:?}; \
         {peak} server threads"
    );
}
