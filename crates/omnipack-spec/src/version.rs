//! Project versions from `git describe`, converted to RPM Version/Release and a
//! Debian `V-R` by Flocker's rules.
//!
//! Source: ClusterHQ/flocker `flocker/common/version.py` (`_VERSION_RE`,
//! `FlockerVersion.installable_release`, `make_rpm_version`, `is_release`,
//! `get_package_key_suffix`) and its tests `flocker/common/test/test_version.py`,
//! which in turn follow the Fedora naming guidelines for pre-release packages
//! (a release of `0.<label>.<n>` sorts before the final `1`).
//!
//! The accepted grammar is the union of what Flocker parsed over its life:
//!
//! ```text
//! [v] N.N[.N…]  [rcN | preN]  [.devN | devN]  [.postN | +docN]
//!               [-COUNT-gHASH | +COUNT.gHASH | .COUNT.gHASH (after +docN only)]
//!               [-dirty | .dirty]
//! ```
//!
//! * `git describe --tags --dirty` and versioneer 0.10 write `-COUNT-gHASH-dirty`
//!   (Flocker's first `make_rpm_version`, which DESIGN.md's examples use);
//!   versioneer 0.15's PEP 440 style writes `+COUNT.gHASH.dirty` (Flocker's last).
//! * RPM Version is the numeric base. Release is `0.dev.N` for a weekly/dev
//!   release (which wins over `rc`, as in Flocker's `installable_release`),
//!   `0.rc.N` for `rcN` or the legacy `preN`, `1` otherwise; then the commit
//!   count, `g` + hash and `dirty` are appended, `.`-separated.
//! * A documentation release (`.postN` / `+docN`) does not change the package
//!   version: Flocker shipped no new packages for documentation-only releases.
//!
//! Where omnipack differs from Flocker, on purpose:
//! * a leading `v` (the common `v1.2.3` tag style) is accepted and dropped;
//!   Flocker's versioneer used an empty tag prefix;
//! * the base may have two or more numeric components, not exactly three, so
//!   projects tagged `1.2` or `2024.05.1.3` work; a single number is refused
//!   because `git describe --always` prints a bare commit id when there is no
//!   tag, and an all-digit id must not pass for a version;
//! * Flocker's regular expression used an unescaped `.` before `g` and `dirty`
//!   (matching any character); here the separator must be the one the writer
//!   used (`-` in describe form, `.` in PEP 440 form), except that `-dirty`
//!   and `.dirty` are both accepted after either form.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::SpecError;

/// A project version and its package forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ProjectVersion {
    /// The version as given, cleaned: surrounding whitespace and a leading `v` removed.
    pub upstream: String,
    /// RPM `Version` (and the Debian upstream version): the numeric base, e.g. `0.3.0`.
    pub rpm_version: String,
    /// RPM `Release` (and the Debian revision), e.g. `0.dev.1.307.gb6d6e9f.dirty`.
    pub rpm_release: String,
}

impl ProjectVersion {
    /// Parses `git describe --tags [--dirty]` output (or a manifest version)
    /// and converts it by Flocker's rules.
    pub fn parse(describe: &str) -> Result<ProjectVersion, SpecError> {
        let trimmed = describe.trim();
        let cleaned = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let error = |reason: String| SpecError::Version {
            value: trimmed.to_owned(),
            reason,
        };
        if cleaned.is_empty() && !trimmed.is_empty() {
            return Err(error("nothing follows the `v` prefix".to_owned()));
        }
        let parts = Parts::parse(cleaned).map_err(error)?;

        // Flocker's `make_rpm_version`: the installable release decides the
        // leading label, dev before rc.
        let mut release: Vec<String> = match (parts.dev, parts.pre) {
            (Some(dev), _) => vec!["0".into(), "dev".into(), dev.into()],
            (None, Some(pre)) => vec!["0".into(), "rc".into(), pre.into()],
            (None, None) => vec!["1".into()],
        };
        if let Some((count, hash)) = parts.commits {
            release.push(count.to_owned());
            release.push(format!("g{hash}"));
        }
        if parts.dirty {
            release.push("dirty".into());
        }
        Ok(ProjectVersion {
            upstream: cleaned.to_owned(),
            rpm_version: parts.base.to_owned(),
            rpm_release: release.join("."),
        })
    }

    /// The Debian version, `V-R` (upstream version = RPM Version, revision = RPM Release).
    pub fn deb(&self) -> String {
        format!("{}-{}", self.rpm_version, self.rpm_release)
    }

    /// The RPM `Version-Release`, for display (`rpm -q` prints it so).
    pub fn rpm(&self) -> String {
        format!("{}-{}", self.rpm_version, self.rpm_release)
    }

    /// Whether this is a marketing (or documentation) release: no pre-release
    /// or dev label, no commits since the tag, a clean tree (Flocker's `is_release`).
    pub fn is_release(&self) -> bool {
        self.rpm_release == "1"
    }

    /// The repository channel suffix: empty for a release, `-testing` for
    /// anything else (Flocker's `get_package_key_suffix`).
    pub fn channel_suffix(&self) -> &'static str {
        if self.is_release() { "" } else { "-testing" }
    }
}

impl FromStr for ProjectVersion {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProjectVersion::parse(s)
    }
}

impl fmt::Display for ProjectVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.upstream)
    }
}

/// The pieces of a version, borrowed from the cleaned input.
struct Parts<'a> {
    base: &'a str,
    pre: Option<&'a str>,
    dev: Option<&'a str>,
    commits: Option<(&'a str, &'a str)>,
    dirty: bool,
}

impl<'a> Parts<'a> {
    fn parse(s: &'a str) -> Result<Parts<'a>, String> {
        if s.is_empty() {
            return Err("the version is empty".to_owned());
        }
        let mut c = Cursor { s, pos: 0 };

        // Base: two or more dot-separated numbers.
        if c.number().is_none() {
            return Err("it does not start with a number".to_owned());
        }
        let mut components = 1;
        while c.peek_is(".") && c.after(1).starts_with(|ch: char| ch.is_ascii_digit()) {
            c.pos += 1;
            c.number();
            components += 1;
        }
        let label_follows = ["dev", "post", "dirty"]
            .iter()
            .any(|label| c.after(1).starts_with(label));
        if c.peek_is(".") && !label_follows {
            return Err(format!(
                "unexpected `{}` after `{}`: each component of the release number is a number",
                c.rest(),
                &s[..c.pos]
            ));
        }
        if components < 2 {
            return Err(format!(
                "the release number `{}` needs at least MAJOR.MINOR",
                &s[..c.pos]
            ));
        }
        let base = &s[..c.pos];

        let pre = if c.eat("rc") {
            Some(c.labelled_number("rc")?)
        } else if c.eat("pre") {
            Some(c.labelled_number("pre")?)
        } else {
            None
        };
        let dev = if c.eat(".dev") || c.eat("dev") {
            Some(c.labelled_number("dev")?)
        } else {
            None
        };
        let mut legacy_doc = false;
        if c.eat(".post") {
            c.labelled_number("post")?;
        } else if c.eat("+doc") {
            c.labelled_number("+doc")?;
            legacy_doc = true;
        }

        let next_is_digit = c.after(1).starts_with(|ch: char| ch.is_ascii_digit());
        let commits = if c.peek_is("-") && next_is_digit {
            // `git describe`: -COUNT-gHASH
            c.pos += 1;
            let count = c.number().unwrap_or_default();
            Some((count, c.commit_id("-g")?))
        } else if (c.peek_is("+") || (legacy_doc && c.peek_is("."))) && next_is_digit {
            // versioneer PEP 440: +COUNT.gHASH (legacy `+docN.COUNT.gHASH`)
            c.pos += 1;
            let count = c.number().unwrap_or_default();
            Some((count, c.commit_id(".g")?))
        } else {
            None
        };
        let dirty = c.eat("-dirty") || c.eat(".dirty");

        if !c.rest().is_empty() {
            return Err(format!("unexpected `{}` after `{}`", c.rest(), &s[..c.pos]));
        }
        Ok(Parts {
            base,
            pre,
            dev,
            commits,
            dirty,
        })
    }
}

/// A position in an ASCII-checked string; every step moves over ASCII only,
/// so slicing at `pos` stays on a character boundary.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    /// The text `n` ASCII bytes ahead, or empty if that is not a boundary.
    fn after(&self, n: usize) -> &'a str {
        self.rest().get(n..).unwrap_or("")
    }

    fn peek_is(&self, lit: &str) -> bool {
        self.rest().starts_with(lit)
    }

    fn eat(&mut self, lit: &str) -> bool {
        let hit = self.peek_is(lit);
        if hit {
            self.pos += lit.len();
        }
        hit
    }

    /// The longest run of characters matching `pred` (ASCII ones), if any.
    fn run(&mut self, pred: impl Fn(char) -> bool) -> Option<&'a str> {
        let len = self
            .rest()
            .find(|ch: char| !(ch.is_ascii() && pred(ch)))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return None;
        }
        let start = self.pos;
        self.pos += len;
        Some(&self.s[start..self.pos])
    }

    fn number(&mut self) -> Option<&'a str> {
        self.run(|ch| ch.is_ascii_digit())
    }

    fn labelled_number(&mut self, label: &str) -> Result<&'a str, String> {
        self.number()
            .ok_or_else(|| format!("`{label}` must be followed by a number (e.g. `{label}1`)"))
    }

    fn commit_id(&mut self, sep: &str) -> Result<&'a str, String> {
        let before = &self.s[..self.pos];
        if !self.eat(sep) {
            return Err(format!(
                "expected `{sep}` and a commit id after the commit count in `{before}`"
            ));
        }
        self.run(|ch| ch.is_ascii_digit() || ('a'..='f').contains(&ch))
            .ok_or_else(|| {
                format!("expected a lowercase hexadecimal commit id after `{before}{sep}`")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpm(v: &str) -> (String, String) {
        let p = ProjectVersion::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        (p.rpm_version, p.rpm_release)
    }

    fn check(v: &str, version: &str, release: &str) {
        assert_eq!(rpm(v), (version.to_owned(), release.to_owned()), "{v}");
    }

    #[test]
    fn design_examples() {
        check(
            "0.3.0dev1-307-gb6d6e9f-dirty",
            "0.3.0",
            "0.dev.1.307.gb6d6e9f.dirty",
        );
        check("0.1.0", "0.1.0", "1");
        check("0.1.0-99-g3d644b1", "0.1.0", "1.99.g3d644b1");
        check("0.1.1rc1", "0.1.1", "0.rc.1");
        // DESIGN.md and Flocker's last `make_rpm_version` agree: legacy `pre` is `rc`.
        check("0.1.1pre1", "0.1.1", "0.rc.1");
        let p = ProjectVersion::parse("0.3.0dev1-307-gb6d6e9f-dirty").unwrap();
        assert_eq!(p.deb(), "0.3.0-0.dev.1.307.gb6d6e9f.dirty");
        assert_eq!(p.rpm(), "0.3.0-0.dev.1.307.gb6d6e9f.dirty");
        assert_eq!(p.upstream, "0.3.0dev1-307-gb6d6e9f-dirty");
    }

    /// `MakeRpmVersionTests.test_good` in flocker/common/test/test_version.py,
    /// both its versioneer 0.10 (`-`) and PEP 440 (`+`) editions.
    #[test]
    fn flocker_make_rpm_version_tests() {
        for (v, version, release) in [
            ("0.1.0", "0.1.0", "1"),
            ("0.1.0+99.g3d644b1", "0.1.0", "1.99.g3d644b1"),
            ("0.1.1rc1", "0.1.1", "0.rc.1"),
            ("0.1.1", "0.1.1", "1"),
            ("0.2.0.dev1", "0.2.0", "0.dev.1"),
            ("0.2.0.dev2+99.g3d644b1", "0.2.0", "0.dev.2.99.g3d644b1"),
            (
                "0.2.0.dev3+100.g3d644b2.dirty",
                "0.2.0",
                "0.dev.3.100.g3d644b2.dirty",
            ),
            // The versioneer 0.10 edition of the same table.
            ("0.1.0-99-g3d644b1", "0.1.0", "1.99.g3d644b1"),
            ("0.2.0dev1", "0.2.0", "0.dev.1"),
            ("0.2.0dev2-99-g3d644b1", "0.2.0", "0.dev.2.99.g3d644b1"),
            (
                "0.2.0dev3-100-g3d644b2-dirty",
                "0.2.0",
                "0.dev.3.100.g3d644b2.dirty",
            ),
        ] {
            check(v, version, release);
        }
    }

    /// The `VersionCase`s of test_version.py: marketing, weekly, pre, development,
    /// dirty, documentation and legacy versions.
    #[test]
    fn flocker_version_cases() {
        for (v, release, is_release) in [
            ("0.3.2", "1", true),
            ("0.3.2.dev1", "0.dev.1", false),
            ("0.3.2rc1", "0.rc.1", false),
            ("0.3.2+1.gf661a6a", "1.1.gf661a6a", false),
            ("0.3.2+1.gf661a6a.dirty", "1.1.gf661a6a.dirty", false),
            ("0.3.2.post11", "1", true),
            ("0.3.2.post11+1.gf661a6a.dirty", "1.1.gf661a6a.dirty", false),
            ("0.3.2pre11+1.gf661a6a", "0.rc.11.1.gf661a6a", false),
            ("0.3.2+doc11.1.gf661a6a", "1.1.gf661a6a", false),
        ] {
            let p = ProjectVersion::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(p.rpm_version, "0.3.2", "{v}");
            assert_eq!(p.rpm_release, release, "{v}");
            assert_eq!(p.is_release(), is_release, "{v}");
        }
    }

    /// `GetPackageKeySuffixTests`: releases go to the main channel, the rest to `-testing`.
    #[test]
    fn channel_suffix_follows_get_package_key_suffix() {
        for (v, suffix) in [
            ("0.3.0", ""),
            ("0.3.0.post1", ""),
            ("0.3.0.dev1", "-testing"),
            ("0.3.0rc1", "-testing"),
            ("0.3.0pre1", "-testing"),
            ("0.3.0-1-gabcdef0", "-testing"),
            ("0.3.0-dirty", "-testing"),
        ] {
            assert_eq!(
                ProjectVersion::parse(v).unwrap().channel_suffix(),
                suffix,
                "{v}"
            );
        }
    }

    #[test]
    fn dev_wins_over_rc_as_in_installable_release() {
        // Flocker computes the label from `installable_release`, where `.devN` wins.
        check("1.0.0rc1.dev2", "1.0.0", "0.dev.2");
    }

    #[test]
    fn leading_v_whitespace_and_component_counts() {
        let p = ProjectVersion::parse(" v1.2.3-4-gabc1234\n").unwrap();
        assert_eq!(p.upstream, "1.2.3-4-gabc1234");
        assert_eq!(p.deb(), "1.2.3-1.4.gabc1234");
        check("1.2", "1.2", "1");
        check("2024.05.1.3", "2024.05.1.3", "1");
        check("1.0-dirty", "1.0", "1.dirty");
        check("1.0.dirty", "1.0", "1.dirty");
        check("1.0-0-g0123abc", "1.0", "1.0.g0123abc");
        check("1.0+3.gabc-dirty", "1.0", "1.3.gabc.dirty");
    }

    #[test]
    fn malformed_inputs_are_errors_naming_the_input() {
        for (bad, reason) in [
            ("", "empty"),
            ("   ", "empty"),
            ("abc", "does not start with a number"),
            ("b6d6e9f", "does not start with a number"),
            ("1234567", "at least MAJOR.MINOR"),
            ("1", "at least MAJOR.MINOR"),
            ("v", "nothing follows the `v` prefix"),
            ("1.0-xx", "unexpected `-xx`"),
            ("1.0dev", "`dev` must be followed by a number"),
            ("1.0rc", "`rc` must be followed by a number"),
            ("0.1.2rcX", "`rc` must be followed by a number"),
            ("0.1.2preX", "`pre` must be followed by a number"),
            ("1.0.post", "`post` must be followed by a number"),
            ("1.0-3-gZZZ", "hexadecimal commit id"),
            ("1.0-3-g", "hexadecimal commit id"),
            ("1.0-3-ABC", "expected `-g`"),
            ("1.0-3", "expected `-g`"),
            ("1.0+3.gABC", "hexadecimal commit id"),
            ("1.0-3-gabc-", "unexpected `-`"),
            ("1.0-3-gabcxyz", "unexpected `xyz`"),
            ("1.0.x", "each component of the release number is a number"),
            ("1..0", "each component of the release number is a number"),
            ("1.0.", "each component of the release number is a number"),
            ("1.0~rc1", "unexpected `~rc1`"),
            ("1.0 2", "unexpected ` 2`"),
            ("1.0-dirty-dirty", "unexpected `-dirty`"),
            ("1.0.1.gabc", "each component"),
            ("1.0é", "unexpected `é`"),
            ("unparseable", "does not start with a number"),
        ] {
            let err = crate::error::shown(&ProjectVersion::parse(bad).expect_err(bad));
            assert!(err.contains(reason), "{bad:?}: {err}");
            assert!(err.contains(&format!("`{}`", bad.trim())), "{bad:?}: {err}");
            assert!(err.contains("git describe"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn rpm_and_deb_order_matches_flocker_intent() {
        // Pre-releases and dev releases sort before the release, commits after it;
        // the release part compares as rpmvercmp/dpkg do for these shapes: numeric
        // segments numerically, alphabetic ones lexically (dev < rc).
        let order = [
            "1.0.0.dev1",
            "1.0.0.dev2",
            "1.0.0rc1",
            "1.0.0rc2",
            "1.0.0",
            "1.0.0-1-gabc1234",
            "1.0.0-2-gabc1234",
        ];
        let releases: Vec<String> = order
            .iter()
            .map(|v| ProjectVersion::parse(v).unwrap().rpm_release)
            .collect();
        for w in releases.windows(2) {
            assert_eq!(segment_cmp(&w[0], &w[1]), std::cmp::Ordering::Less, "{w:?}");
        }
    }

    /// A minimal rpmvercmp for dot-separated alphanumeric segments (enough for
    /// the release strings produced here, which have no `~`, `^` or mixed segments).
    fn segment_cmp(a: &str, b: &str) -> std::cmp::Ordering {
        let (mut x, mut y) = (a.split('.'), b.split('.'));
        loop {
            match (x.next(), y.next()) {
                (None, None) => return std::cmp::Ordering::Equal,
                (None, Some(_)) => return std::cmp::Ordering::Less,
                (Some(_), None) => return std::cmp::Ordering::Greater,
                (Some(p), Some(q)) => {
                    let ord = match (p.parse::<u64>(), q.parse::<u64>()) {
                        (Ok(m), Ok(n)) => m.cmp(&n),
                        (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
                        (Err(_), Ok(_)) => std::cmp::Ordering::Less,
                        (Err(_), Err(_)) => p.cmp(q),
                    };
                    if ord != std::cmp::Ordering::Equal {
                        return ord;
                    }
                }
            }
        }
    }
}
