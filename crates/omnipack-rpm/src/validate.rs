//! RPM's rules for a [`PackageSpec`], checked after the model's own
//! ([`PackageSpec::validate`]) and before a byte is written: the characters
//! rpmbuild accepts in Name, Version and Release (`rpmCharCheck` in rpm's
//! `build/parsePreamble.c`).
//!
//! [`indexable`] checks a package read back before a repository index lists
//! it: dnf (libsolv, createrepo_c's `primary.xml`) needs a Name, Version,
//! Release and Arch, each one word without spaces or control characters.

use std::path::Path;

use omnipack_spec::{PackageInfo, PackageSpec};

use crate::RpmError;

fn is_rpm_nvr_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '~' | '^')
}

fn invalid(field: &'static str, value: &str, rule: &'static str) -> RpmError {
    RpmError::Invalid {
        field,
        value: value.to_owned(),
        rule,
    }
}

/// Checks `spec` against the model's rules and RPM's; the error names the
/// field and the rule.
pub(crate) fn validate(spec: &PackageSpec) -> Result<(), RpmError> {
    spec.validate()?;
    let name = &spec.name;
    if !name.chars().all(|c| is_rpm_nvr_char(c) || c == '-') || name.starts_with('-') {
        return Err(invalid(
            "name",
            name,
            "RPM names hold only letters, digits and `-._+~^`, and do not start with `-`",
        ));
    }
    if !spec.version.chars().all(is_rpm_nvr_char) {
        return Err(invalid(
            "version",
            &spec.version,
            "RPM versions hold only letters, digits and `._+~^` (no `-`: it separates version from release)",
        ));
    }
    if spec.release.is_empty() || !spec.release.chars().all(is_rpm_nvr_char) {
        return Err(invalid(
            "release",
            &spec.release,
            "RPM releases hold only letters, digits and `._+~^` (no `-`)",
        ));
    }
    Ok(())
}

/// Checks that a package read back from `path` can be listed in a yum
/// repository: its Name (`RPMTAG_NAME`, 1000), Version (1001), Release (1002)
/// and Arch (1022) are present, non-empty single words.
pub fn indexable(info: &PackageInfo, path: &Path) -> Result<(), RpmError> {
    for (field, value) in [
        ("Name", &info.name),
        ("Version", &info.version),
        ("Release", &info.release),
        ("Arch", &info.arch),
    ] {
        if let Some(fault) = omnipack_spec::word_fault(value) {
            return Err(RpmError::Unindexable {
                path: path.to_path_buf(),
                field,
                value: value.clone(),
                fault,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnipack_spec::word_fault as field_fault;

    fn spec(name: &str, version: &str) -> PackageSpec {
        let mut s = PackageSpec::new(name, version);
        s.summary = "a test".into();
        s.maintainer = "T <t@example.org>".into();
        s
    }

    #[test]
    fn rpm_versions_refuse_hyphen() {
        let err = validate(&spec("x", "1.0-2")).unwrap_err().to_string();
        assert!(err.contains("invalid version `1.0-2`"), "{err}");
    }

    /// The RPM half of the former `debian_names_refuse_underscore_and_uppercase`.
    #[test]
    fn rpm_names_take_underscore_and_uppercase() {
        assert!(validate(&spec("Hello_World", "1.0")).is_ok());
    }

    #[test]
    fn index_fields_must_be_one_word() {
        assert_eq!(field_fault(""), Some("is empty"));
        assert_eq!(field_fault("a b"), Some("holds whitespace"));
        assert_eq!(
            field_fault("a\nb"),
            Some("holds a control character or line break")
        );
        assert_eq!(
            field_fault("a\u{7f}"),
            Some("holds a control character or line break")
        );
        assert_eq!(field_fault("1.2.3~rc1"), None);
    }
}
