//! Helpers shared by omnipack's test suites (a dev-dependency only).
//!
//! External tools: a test that needs `dpkg-deb`, `rpm` or `lintian` calls
//! [`require_tools`]. Locally a missing tool skips the test with a printed
//! reason; under `CI=true` it is a failure, never a silent skip.
#![allow(clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;

use fs_err::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};

use fs_err as fs;

pub mod architecture;
pub mod clients;
pub mod registry;
pub mod s3;

/// A fixed `SOURCE_DATE_EPOCH` for tests (2023-11-14T22:13:20Z).
pub const EPOCH: u64 = 1_700_000_000;

/// Whether `tool` is on `PATH`.
pub fn has_tool(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

/// Returns true when every tool is present. Otherwise: under `CI=true`, panics
/// (a missing tool fails CI); locally, prints why the test is skipped and returns false.
pub fn require_tools(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !has_tool(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let msg =
        format!("missing external tool(s) {missing:?}: run `scripts/test`, which installs them");
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    false
}

/// Runs a command, panicking with its output if it fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command and returns its stdout as text, panicking if it fails.
pub fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(run_ok(cmd).stdout).expect("utf-8 output")
}

/// Runs `cmd` with `input` on its stdin, panicking with its output if it fails
/// (`gzip -t` on a stream held in memory).
pub fn run_ok_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `len` bytes of text-like content that compresses about 3:1 like source
/// code does, the same on every run: large enough inputs span many of
/// the parallel gzip's 128 KiB blocks.
pub fn text_like(len: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "fn ", "let ", "match ", "return ", "self", ".into()", "Ok(", "Err(", " => ", "{\n", "}\n",
        "    ", "value", "// ", "packet", "buffer",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x.is_multiple_of(4) {
            out.extend_from_slice(format!("{:x}", x >> 40).as_bytes());
        } else {
            out.extend_from_slice(WORDS[(x >> 20) as usize % WORDS.len()].as_bytes());
        }
    }
    out.truncate(len);
    out
}

fn write_mode(path: &Path, contents: &[u8], mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Writes a small staged tree exercising every entry kind: an executable, a
/// setuid binary, a config file under `/etc`, a deep long path, a relative and
/// an absolute symlink, an empty owned directory, and docs (the Debian copyright).
pub fn sample_tree(root: &Path, name: &str) {
    let app = root.join("opt").join(name);
    write_mode(
        &app.join("bin").join(name),
        format!("#!/bin/sh\necho hello from {name}\n").as_bytes(),
        0o755,
    );
    write_mode(&app.join("bin/helper"), b"#!/bin/sh\nexit 0\n", 0o4755);
    write_mode(
        &app.join("lib/data.bin"),
        &(0..=255u8).cycle().take(70_000).collect::<Vec<_>>(),
        0o644,
    );
    let deep = app.join("share").join("d".repeat(60)).join("e".repeat(60));
    write_mode(&deep.join("long-file-name.txt"), b"deep\n", 0o644);
    write_mode(
        &root.join("etc").join(format!("{name}.conf")),
        b"greeting = hello\n",
        0o644,
    );
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    symlink(
        format!("/opt/{name}/bin/{name}"),
        root.join("usr/bin").join(name),
    )
    .unwrap();
    symlink("data.bin", app.join("lib/data-link.bin")).unwrap();
    fs::create_dir_all(app.join("var/empty")).unwrap();
    fs::set_permissions(
        app.join("var/empty"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
}
