//! Our version ordering against the real tools: `dpkg --compare-versions`
//! and rpm's own `rpm.vercmp`, over hand-picked edge cases and a few hundred
//! generated versions.

use std::cmp::Ordering;
use std::process::Command;

use omnipack_spec::vercmp::{compare_deb, rpmvercmp};
use omnipack_test_support::require_tools;

/// Deterministic versions built from the pieces that make ordering hard.
fn versions() -> Vec<String> {
    let pieces = [
        "1", "01", "10", "2", "a", "b", "~", "~rc1", "+", ".", "0", "z9", "^", "^git1", "_",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out: Vec<String> = [
        "1.0", "1.0~rc1", "1.0^", "1.0.1", "1.0a", "1.10", "1.2", "2.0-1", "1.0+b1", "1.0~~",
    ]
    .map(String::from)
    .to_vec();
    for _ in 0..150 {
        let n = 1 + next() % 4;
        let mut v = String::from("1");
        for _ in 0..n {
            v.push_str(pieces[(next() % pieces.len() as u64) as usize]);
        }
        out.push(v);
    }
    out
}

fn sign(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

#[test]
fn deb_order_agrees_with_dpkg() {
    if !require_tools(&["dpkg"]) {
        return;
    }
    // Debian upstream versions may not hold `^` or `_`.
    let vs: Vec<String> = versions()
        .into_iter()
        .filter(|v| !v.contains(['^', '_']))
        .collect();
    for pair in vs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let lt = Command::new("dpkg")
            .args(["--compare-versions", a, "lt", b])
            .status()
            .unwrap()
            .success();
        let eq = Command::new("dpkg")
            .args(["--compare-versions", a, "eq", b])
            .status()
            .unwrap()
            .success();
        let want = if lt {
            -1
        } else if eq {
            0
        } else {
            1
        };
        assert_eq!(sign(compare_deb(a, b)), want, "dpkg: {a} vs {b}");
    }
}

#[test]
fn rpm_order_agrees_with_rpm() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let vs: Vec<String> = versions()
        .into_iter()
        .filter(|v| !v.contains('-'))
        .collect();
    let mut lua = String::from("%{lua: ");
    for pair in vs.windows(2) {
        lua.push_str(&format!(
            "print(rpm.vercmp([[{}]], [[{}]]), ' ') ",
            pair[0], pair[1]
        ));
    }
    lua.push('}');
    let out = Command::new("rpm").args(["--eval", &lua]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<i32> = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(got.len(), vs.len() - 1);
    for (pair, want) in vs.windows(2).zip(got) {
        assert_eq!(
            sign(rpmvercmp(&pair[0], &pair[1])),
            want.signum(),
            "rpm: {} vs {}",
            pair[0],
            pair[1]
        );
    }
}
