//! The maintainer when none is given, found as `dch` (devscripts) finds it:
//! the name from `DEBFULLNAME`, else `NAME`; the address from `DEBEMAIL`
//! (which may be `Name <address>` on its own), else `EMAIL`; and where the
//! environment has neither, `git config user.name` / `user.email` of the
//! project. The caller says where it came from, so a package never carries
//! a maintainer the user did not see.

use std::path::Path;
use std::process::Command;

/// A maintainer found by [`default_maintainer`] and where each half came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMaintainer {
    /// `Name <address>`.
    pub maintainer: String,
    /// Where the name and the address came from, e.g. `DEBFULLNAME`,
    /// `DEBEMAIL`, `git config user.name` (one entry when both came from
    /// the same place).
    pub sources: Vec<&'static str>,
}

/// The maintainer for a package of the project at `dir`, from `env` (a
/// lookup of environment variables, `std::env::var` in the binary) and
/// git's configuration; `None` when no name or no address is found.
pub fn default_maintainer(
    dir: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Option<FoundMaintainer> {
    let var = |k: &str| {
        env(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut name: Option<(String, &'static str)> = None;
    let mut email: Option<(String, &'static str)> = None;
    // DEBEMAIL may hold both: `Jane Doe <jane@example.org>` (dch honours it).
    if let Some(v) = var("DEBEMAIL") {
        match v.split_once('<') {
            Some((n, rest)) => {
                let address = rest.trim_end_matches('>').trim().to_owned();
                if !n.trim().is_empty() {
                    name = Some((n.trim().to_owned(), "DEBEMAIL"));
                }
                email = Some((address, "DEBEMAIL"));
            }
            None => email = Some((v, "DEBEMAIL")),
        }
    }
    if let Some(v) = var("DEBFULLNAME") {
        name = Some((v, "DEBFULLNAME"));
    }
    if name.is_none() {
        name = var("NAME").map(|v| (v, "NAME"));
    }
    if email.is_none() {
        email = var("EMAIL").map(|v| (v, "EMAIL"));
    }
    if name.is_none() {
        name = git_config(dir, "user.name").map(|v| (v, "git config user.name"));
    }
    if email.is_none() {
        email = git_config(dir, "user.email").map(|v| (v, "git config user.email"));
    }
    let ((name, from_name), (email, from_email)) = (name?, email?);
    let sources = match (from_name, from_email) {
        ("git config user.name", "git config user.email") => {
            vec!["git config user.name/user.email"]
        }
        (a, b) if a == b => vec![a],
        (a, b) => vec![a, b],
    };
    Some(FoundMaintainer {
        maintainer: format!("{name} <{email}>"),
        sources,
    })
}

/// `git config --get KEY` as seen from `dir` (its repository's config, then
/// the user's and the system's), or from here when `dir` does not exist.
fn git_config(dir: &Path, key: &str) -> Option<String> {
    let mut c = Command::new("git");
    if dir.is_dir() {
        c.arg("-C").arg(dir);
    }
    let out = c.args(["config", "--get", key]).output().ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn debian_variables_win_over_the_generic_ones() {
        let found = default_maintainer(
            Path::new("/nonexistent"),
            env(&[
                ("DEBFULLNAME", "Jane Doe"),
                ("DEBEMAIL", "jane@example.org"),
                ("NAME", "Other"),
                ("EMAIL", "other@example.org"),
            ]),
        )
        .unwrap();
        assert_eq!(found.maintainer, "Jane Doe <jane@example.org>");
        assert_eq!(found.sources, ["DEBFULLNAME", "DEBEMAIL"]);
    }

    #[test]
    fn debemail_may_carry_the_name() {
        let found = default_maintainer(
            Path::new("/nonexistent"),
            env(&[("DEBEMAIL", "Jane Doe <jane@example.org>")]),
        )
        .unwrap();
        assert_eq!(found.maintainer, "Jane Doe <jane@example.org>");
        assert_eq!(found.sources, ["DEBEMAIL"]);
    }

    #[test]
    fn name_and_email_as_dch_reads_them() {
        let found = default_maintainer(
            Path::new("/nonexistent"),
            env(&[("NAME", "Jo"), ("EMAIL", "jo@example.org")]),
        )
        .unwrap();
        assert_eq!(found.maintainer, "Jo <jo@example.org>");
        assert_eq!(found.sources, ["NAME", "EMAIL"]);
    }
}
