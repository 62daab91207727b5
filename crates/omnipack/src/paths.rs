//! A path the user gave that is not there, said plainly: fs-err's
//! "failed to query resolved metadata `nope.deb`: No such file or directory
//! (os error 2)" becomes "`nope.deb` does not exist", with a hint saying
//! where a relative path was looked for. Done once, where every error is
//! printed, so every command (and every path a library opens for it) reads
//! the same.

/// One line of an error chain, as printed.
pub struct Line {
    /// The text to print.
    pub text: String,
    /// The text as the error gave it.
    pub original: String,
    /// The path the line says does not exist, if it says so.
    pub missing: Option<String>,
}

/// fs-err's messages for operations that read a path (a missing path there
/// means the path is wrong, not that a parent directory is missing for a
/// file about to be written).
const READS: [&str; 7] = [
    "failed to open file `",
    "failed to query resolved metadata `",
    "failed to query raw metadata `",
    "failed to read directory `",
    "failed to canonicalize path `",
    "failed to read symbolic link `",
    "failed to check file existence `",
];

/// The OS errors a user fixes by giving another path.
const CAUSES: [(&str, &str); 3] = [
    ("No such file or directory (os error 2)", "does not exist"),
    (
        "Permission denied (os error 13)",
        "is not readable (permission denied)",
    ),
    (
        "Not a directory (os error 20)",
        "does not exist (a part of it is a file, not a directory)",
    ),
];

/// `line` with an fs-err "cannot read" message in it made plain.
pub fn plain(line: &str) -> Line {
    let unchanged = || Line {
        text: line.to_owned(),
        original: line.to_owned(),
        missing: None,
    };
    let Some((start, prefix)) = READS
        .iter()
        .filter_map(|p| line.find(p).map(|i| (i, *p)))
        .min_by_key(|(i, _)| *i)
    else {
        return unchanged();
    };
    let rest = &line[start + prefix.len()..];
    for (cause, says) in CAUSES {
        if let Some(path) = rest.strip_suffix(cause).and_then(|r| r.strip_suffix("`: ")) {
            return Line {
                text: format!("{}`{path}` {says}", &line[..start]),
                original: line.to_owned(),
                missing: (says.starts_with("does not exist")).then(|| path.to_owned()),
            };
        }
    }
    unchanged()
}

/// What to do about a path that does not exist.
pub fn hint(path: &str) -> String {
    if std::path::Path::new(path).is_absolute() {
        return "check the path (`ls` its parent directory)".to_owned();
    }
    match std::env::current_dir() {
        Ok(cwd) => format!(
            "check the path: a relative path is taken from the current directory, `{}`",
            cwd.display()
        ),
        Err(_) => "check the path".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_path_is_said_plainly() {
        let l = plain(
            "failed to query resolved metadata `nope.deb`: No such file or directory (os error 2)",
        );
        assert_eq!(l.text, "`nope.deb` does not exist");
        assert_eq!(l.missing.as_deref(), Some("nope.deb"));
        let l = plain("reading: failed to open file `/x`: Permission denied (os error 13)");
        assert_eq!(l.text, "reading: `/x` is not readable (permission denied)");
        assert_eq!(l.missing, None);
        let l = plain("failed to create file `/x`: No such file or directory (os error 2)");
        assert_eq!(l.missing, None);
    }
}
