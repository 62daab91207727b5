//! What a client may hold ([`Limits`]): a slow head is closed at the header
//! timeout, an idle keep-alive connection at the idle timeout, a response
//! nobody reads at the send timeout, and connections beyond the limit wait
//! (with a notice). Short timeouts, loopback only.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use fs_err as fs;
use omnipack_serve::Limits;

use crate::support::start_with;

fn limits(header_ms: u64, idle_ms: u64) -> Limits {
    Limits {
        header_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        ..Limits::default()
    }
}

/// Reads (and discards) until the server closes the connection; how long
/// that took. Panics after `max`.
fn time_to_close(s: &mut TcpStream, max: Duration) -> Duration {
    let start = Instant::now();
    s.set_read_timeout(Some(max)).unwrap();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("not closed within {max:?}: {e}"),
        }
        assert!(start.elapsed() < max, "not closed within {max:?}");
    }
}

/// Sends a keep-alive GET and reads exactly its response (`Content-Length` body).
fn get_keep_alive(s: &mut TcpStream, target: &str) -> Vec<u8> {
    // One write: a head in pieces would meet Nagle and delayed ACKs.
    let req = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
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

#[test]
fn a_request_head_that_does_not_arrive_in_time_is_closed() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("f"), b"hello").unwrap();
    // The idle timeout is far longer: a trickle on a kept-alive connection
    // must meet the header timeout, not the idle one.
    let s = start_with(t.path(), false, limits(1000, 30_000));

    // A fresh connection sending part of a head, then one byte every 200 ms.
    let mut fresh = TcpStream::connect(s.addr).unwrap();
    fresh.write_all(b"GET /f HT").unwrap();
    let trickle = fresh.try_clone().unwrap();
    let dripper = std::thread::spawn(move || {
        let mut w = trickle;
        for b in b"TP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            std::thread::sleep(Duration::from_millis(200));
            if w.write_all(&[*b]).is_err() {
                return;
            }
        }
    });
    // A kept-alive connection: one request answered, then a trickled head.
    let mut kept = TcpStream::connect(s.addr).unwrap();
    assert_eq!(get_keep_alive(&mut kept, "/f"), b"hello");
    std::thread::sleep(Duration::from_millis(1500));
    kept.write_all(b"GET /f HTTP/1.1\r\n").unwrap();

    let fresh_closed = time_to_close(&mut fresh, Duration::from_secs(10));
    assert!(fresh_closed < Duration::from_secs(3), "{fresh_closed:?}");
    let kept_closed = time_to_close(&mut kept, Duration::from_secs(10));
    assert!(
        (Duration::from_millis(800)..Duration::from_millis(2500)).contains(&kept_closed),
        "a kept-alive connection's slow head was closed after {kept_closed:?}, not at the 1 s header timeout"
    );
    dripper.join().unwrap();
    // Nothing was answered but the one complete request.
    assert_eq!(s.log.lock().unwrap().len(), 1);
}

#[test]
fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("f"), b"hello").unwrap();
    let s = start_with(t.path(), false, limits(500, 1500));

    // Requests 700 ms apart (each idle gap under the timeout) keep it open
    // well past one idle timeout.
    let mut busy = TcpStream::connect(s.addr).unwrap();
    let started = Instant::now();
    for _ in 0..4 {
        assert_eq!(get_keep_alive(&mut busy, "/f"), b"hello");
        std::thread::sleep(Duration::from_millis(700));
    }
    assert!(started.elapsed() > Duration::from_millis(2500));
    assert_eq!(get_keep_alive(&mut busy, "/f"), b"hello");

    // Then idle: closed after 1.5 s, not at the 0.5 s header timeout.
    let idle = time_to_close(&mut busy, Duration::from_secs(10));
    assert!(
        (Duration::from_millis(1300)..Duration::from_millis(3500)).contains(&idle),
        "closed after {idle:?} idle"
    );
}

#[test]
fn a_response_the_client_does_not_read_is_abandoned_at_the_send_timeout() {
    let t = tempfile::tempdir().unwrap();
    // Far more than the loopback socket buffers hold.
    let big: Vec<u8> = (0..=250u8).cycle().take(64 << 20).collect();
    fs::write(t.path().join("big.bin"), &big).unwrap();
    let s = start_with(t.path(), false, limits(1000, 1000));
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // Read nothing; the server's writes stall, then it gives up.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(e) = s.log.lock().unwrap().first() {
            assert_eq!(e.status, 200);
            assert!(e.bytes < big.len() as u64, "{} bytes", e.bytes);
            break;
        }
        assert!(Instant::now() < deadline, "the stalled response was kept");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    assert!(rest.len() < big.len(), "{} bytes", rest.len());
}

#[test]
fn connections_beyond_the_limit_wait_for_a_free_slot_and_a_notice_says_so() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("f"), b"hello").unwrap();
    let mut l = limits(1000, 1000);
    l.max_connections = Some(4);
    let s = start_with(t.path(), false, l);
    // Four connections that send nothing hold every slot until the header
    // timeout closes them.
    let silent: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(s.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let mut fifth = TcpStream::connect(s.addr).unwrap();
    assert_eq!(get_keep_alive(&mut fifth, "/f"), b"hello");
    let waited = started.elapsed();
    assert!(
        waited > Duration::from_millis(600),
        "the fifth connection was served at once ({waited:?})"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(
        *s.notices.lock().unwrap(),
        ["connection limit reached (4 open): new connections wait until one closes"]
    );
    drop(silent);
}
