//! Version ordering as the package managers themselves order versions:
//! dpkg's (`dpkg --compare-versions`, `lib/dpkg/version.c`, ours) and rpm's
//! (`rpmvercmp` in `rpmio/rpmvercmp.c`, with `~` and `^`, through the
//! `rpm-version` crate). Retention and
//! "newest version" choices must agree with what apt and dnf would install.

use std::borrow::Cow;
use std::cmp::Ordering;

use rpm_version::Evr;

use crate::{Format, PackageInfo};

/// dpkg's order of one character in a non-digit run: `~` before the end,
/// the end before letters, letters before everything else.
fn dpkg_order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp` on an upstream version or a revision.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = dpkg_order(a.get(i).copied());
            let bc = dpkg_order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// Compares two Debian versions `[epoch:]upstream[-revision]` as dpkg does.
pub fn compare_deb(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) => (e.trim().parse().unwrap_or(0), r),
            None => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((u, r)) => (epoch, u, r),
            None => (epoch, rest, ""),
        }
    }
    let (ea, ua, ra) = split(a.trim());
    let (eb, ub, rb) = split(b.trim());
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

/// rpm's `rpmvercmp` on a version or a release (`rpmio/rpmvercmp.c`), as
/// the `rpm-version` crate implements it: the same crate the `rpm` crate
/// orders versions with. It agreed with our former implementation and with
/// rpm's `rpm.vercmp` on every case in this module's tests and in
/// `tests/it/vercmp.rs`.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    Evr::new("", a, "").cmp(&Evr::new("", b, ""))
}

/// Compares two RPM epoch/version/release triples as rpm does (a missing
/// epoch is 0).
fn compare_rpm(a: (Option<u32>, &str, &str), b: (Option<u32>, &str, &str)) -> Ordering {
    fn evr<'a>((epoch, version, release): (Option<u32>, &'a str, &'a str)) -> Evr<'a> {
        Evr::new(
            Cow::Owned(epoch.unwrap_or(0).to_string()),
            Cow::Borrowed(version),
            Cow::Borrowed(release),
        )
    }
    evr(a).cmp(&evr(b))
}

/// What a package's version is made of: enough to compare two packages
/// and spell their version ([`PackageInfo`] has it, and so does the
/// slimmer record a repository index keeps per package).
pub trait Versioned {
    /// The package format (whose rules compare).
    fn format(&self) -> Format;
    /// The epoch, if any.
    fn epoch(&self) -> Option<u32>;
    /// The upstream version.
    fn version(&self) -> &str;
    /// The release / Debian revision (may be empty).
    fn release(&self) -> &str;
}

impl Versioned for PackageInfo {
    fn format(&self) -> Format {
        self.format
    }
    fn epoch(&self) -> Option<u32> {
        self.epoch
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn release(&self) -> &str {
        &self.release
    }
}

/// Compares the versions of two packages of the same format, by that
/// format's rules (packages of different formats compare by format name).
pub fn compare_packages<P: Versioned>(a: &P, b: &P) -> Ordering {
    match (a.format(), b.format()) {
        (Format::Deb, Format::Deb) => compare_deb(&deb_version(a), &deb_version(b)),
        (Format::Rpm, Format::Rpm) => compare_rpm(
            (a.epoch(), a.version(), a.release()),
            (b.epoch(), b.version(), b.release()),
        ),
        (x, y) => x.as_str().cmp(y.as_str()),
    }
}

/// The full Debian version of `info`: `[epoch:]version[-release]`.
pub fn deb_version<P: Versioned>(info: &P) -> String {
    let mut v = String::new();
    if let Some(e) = info.epoch().filter(|e| *e != 0) {
        v.push_str(&format!("{e}:"));
    }
    v.push_str(info.version());
    if !info.release().is_empty() {
        v.push('-');
        v.push_str(info.release());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_order_matches_dpkg_compare_versions() {
        // From dpkg's t/t-version.c and Debian Policy §5.6.12.
        let less = [
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0+b1"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0-2"),
            ("1.2", "1.10"),
            ("0:1.0", "1:0.1"),
            ("1.0~~", "1.0~"),
            ("1.0~", "1.0"),
            ("1.0a", "1.0+"),
            ("2.0-1", "2.0-1.1"),
            ("1.0.dev3+g1", "1.0.dev10"),
        ];
        for (a, b) in less {
            assert_eq!(compare_deb(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(compare_deb(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(compare_deb("1.0-1", "1.0-1"), Ordering::Equal);
        assert_eq!(compare_deb("01.0", "1.0"), Ordering::Equal);
        assert_eq!(compare_deb("0:1.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn rpm_order_matches_rpmvercmp() {
        // From rpm's tests/rpmvercmp.at.
        let less = [
            ("1.0", "1.0.1"),
            ("1.0a", "1.0.1"),
            ("2.0", "2.0a"),
            ("1.0~rc1", "1.0"),
            ("1.0~rc1", "1.0~rc2"),
            ("1.0", "1.0^"),
            ("1.0^", "1.0^git1"),
            ("1.0^git1", "1.01"),
            ("1.0~rc1^git1", "1.0~rc1^git2"),
            ("a", "1"),
            ("5.5p1", "5.5p2"),
            ("5.5p2", "5.6p1"),
            ("10xyz", "10.1xyz"),
            ("xyz10", "xyz10.1"),
            ("1.2", "1.10"),
        ];
        for (a, b) in less {
            assert_eq!(rpmvercmp(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(rpmvercmp(b, a), Ordering::Greater, "{b} > {a}");
        }
        for (a, b) in [
            ("1.0", "1.0"),
            ("1.0010", "1.10"),
            ("1_0", "1.0"),
            ("1.0", "1..0"),
        ] {
            assert_eq!(rpmvercmp(a, b), Ordering::Equal, "{a} = {b}");
        }
        assert_eq!(
            compare_rpm((Some(1), "1.0", "1"), (None, "2.0", "1")),
            Ordering::Greater
        );
    }
}
