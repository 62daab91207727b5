//! Debian's rules for a [`PackageSpec`], checked after the model's own
//! ([`PackageSpec::validate`]) and before a byte is written: package names
//! (policy §5.6.1), versions and revisions (§5.6.12), `Provides` (§7.5) and
//! the package names in relations.
//!
//! [`indexable`] checks a package read back before an apt index lists it:
//! apt refuses a whole `Packages` file over one stanza without `Package:`
//! ("Encountered a section with no Package: header"), and needs a `Version`
//! and an `Architecture`; each is one word without spaces or control
//! characters (policy §5.6.1, §5.6.8, §5.6.12).

use std::path::Path;

use omnipack_spec::{Op, PackageInfo, PackageSpec};

use crate::DebError;

fn invalid(field: &'static str, value: &str, rule: &'static str) -> DebError {
    DebError::Invalid {
        field,
        value: value.to_owned(),
        rule,
    }
}

fn is_deb_version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~')
}

/// Checks `spec` against the model's rules and Debian policy; the error names
/// the field and the rule.
pub(crate) fn validate(spec: &PackageSpec) -> Result<(), DebError> {
    spec.validate()?;
    let name = &spec.name;
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    if name.len() < 2
        || !ok_chars
        || !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(invalid(
            "name",
            name,
            "Debian package names are at least two characters of lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit (policy 5.6.1)",
        ));
    }
    let v = &spec.version;
    if !v.starts_with(|c: char| c.is_ascii_digit())
        || !v.chars().all(|c| is_deb_version_char(c) || c == '-')
    {
        return Err(invalid(
            "version",
            v,
            "the upstream version starts with a digit and holds only letters, digits, `.`, `+`, `~` and `-` (policy 5.6.12)",
        ));
    }
    let r = &spec.release;
    if r.is_empty() || !r.chars().all(is_deb_version_char) {
        return Err(invalid(
            "release",
            r,
            "the Debian revision holds only letters, digits, `.`, `+` and `~` (policy 5.6.12)",
        ));
    }
    for d in &spec.provides {
        for alt in &d.alternatives {
            if alt.constraint.as_ref().is_some_and(|c| c.op != Op::Eq) {
                return Err(invalid(
                    "provides",
                    &d.to_deb(),
                    "a Provides entry may only use `=` (policy 7.5)",
                ));
            }
        }
        if d.alternatives.len() > 1 {
            return Err(invalid(
                "provides",
                &d.to_deb(),
                "Provides takes no alternatives",
            ));
        }
    }
    let relations = [
        ("depends", &spec.depends),
        ("recommends", &spec.recommends),
        ("suggests", &spec.suggests),
        ("provides", &spec.provides),
        ("conflicts", &spec.conflicts),
        ("replaces", &spec.replaces),
        ("obsoletes", &spec.obsoletes),
    ];
    for (field, deps) in relations {
        for d in deps {
            for alt in &d.alternatives {
                if !alt
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.:".contains(c))
                {
                    return Err(invalid(
                        field,
                        &d.to_deb(),
                        "Debian relations name packages: lowercase letters, digits, `+`, `-`, `.` (and `:arch`)",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Why a control field cannot go into an apt index: missing, or what
/// [`omnipack_spec::word_fault`] says.
fn field_fault(value: Option<&str>) -> Option<&'static str> {
    value.map_or(Some("is missing"), omnipack_spec::word_fault)
}

/// Checks that a package read back from `path` can be listed in an apt
/// repository: its control stanza has a `Package`, `Version` and
/// `Architecture`, each a non-empty single word.
pub fn indexable(info: &PackageInfo, path: &Path) -> Result<(), DebError> {
    indexable_by(
        |name| {
            info.fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        },
        path,
    )
}

/// [`indexable`] of a package's control fields.
pub fn indexable_fields(fields: &crate::ControlFields, path: &Path) -> Result<(), DebError> {
    indexable_by(|name| fields.get(name), path)
}

fn indexable_by<'a>(get: impl Fn(&str) -> Option<&'a str>, path: &Path) -> Result<(), DebError> {
    for field in ["Package", "Version", "Architecture"] {
        let value = get(field);
        if let Some(fault) = field_fault(value) {
            return Err(DebError::Unindexable {
                path: path.to_path_buf(),
                field,
                value: value.unwrap_or_default().to_owned(),
                fault,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, version: &str) -> PackageSpec {
        let mut s = PackageSpec::new(name, version);
        s.summary = "a test".into();
        s.maintainer = "T <t@example.org>".into();
        s
    }

    #[test]
    fn debian_names_refuse_underscore_and_uppercase() {
        assert!(validate(&spec("hello-world", "1.0")).is_ok());
        for bad in ["hello_world", "Hello", "x", "-x"] {
            let err = validate(&spec(bad, "1.0")).unwrap_err().to_string();
            assert!(err.contains("invalid name"), "{err}");
        }
    }

    /// The Debian half of the former `rpm_versions_refuse_hyphen`: a hyphen
    /// is fine in a Debian upstream version, a leading letter is not.
    #[test]
    fn debian_versions_take_a_hyphen_but_start_with_a_digit() {
        assert!(validate(&spec("xx", "1.0-2")).is_ok());
        assert!(validate(&spec("xx", "v1.0")).is_err());
    }

    #[test]
    fn index_fields_must_be_present_and_one_word() {
        assert_eq!(field_fault(None), Some("is missing"));
        assert_eq!(field_fault(Some("")), Some("is empty"));
        assert_eq!(field_fault(Some("1.0 beta")), Some("holds whitespace"));
        assert_eq!(
            field_fault(Some("amd64\n x")),
            Some("holds a control character or line break")
        );
        assert_eq!(field_fault(Some("1:1.0-1")), None);
    }
}
