//! RPM's rules for a [`PackageSpec`], checked after the model's own
//! ([`PackageSpec::validate`]) and before a byte is written: the characters
//! rpmbuild accepts in Name, Version and Release (`rpmCharCheck` in rpm's
//! `build/parsePreamble.c`).

use omnipack_spec::PackageSpec;

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
    fn rpm_versions_refuse_hyphen() {
        let err = validate(&spec("x", "1.0-2")).unwrap_err().to_string();
        assert!(err.contains("invalid version `1.0-2`"), "{err}");
    }

    /// The RPM half of the former `debian_names_refuse_underscore_and_uppercase`.
    #[test]
    fn rpm_names_take_underscore_and_uppercase() {
        assert!(validate(&spec("Hello_World", "1.0")).is_ok());
    }
}
