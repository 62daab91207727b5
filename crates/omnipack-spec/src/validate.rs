//! Checks a [`PackageSpec`] against each format's rules before a byte is
//! written, so bad input is refused with the field named, never half-packaged.
//!
//! Debian: policy §5.6.1 (Package), §5.6.12 (Version). RPM: the characters
//! rpmbuild accepts in Name/Version/Release (`rpmCharCheck` in `build/parsePreamble.c`).

use std::collections::HashSet;

use crate::{Dependency, FileKind, PackageSpec, SpecError};

fn invalid(field: &'static str, value: &str, format: &'static str, reason: &str) -> SpecError {
    SpecError::InvalidField {
        field,
        value: value.to_owned(),
        format,
        reason: reason.to_owned(),
    }
}

fn common(spec: &PackageSpec) -> Result<(), SpecError> {
    if spec.name.is_empty() {
        return Err(SpecError::Missing {
            field: "name",
            hint: "pass `--name NAME` or set `name` in the spec file",
        });
    }
    if spec.version.is_empty() {
        return Err(SpecError::Missing {
            field: "version",
            hint: "pass `--version VERSION` or set `version` in the spec file",
        });
    }
    if spec.summary.trim().is_empty() {
        return Err(SpecError::Missing {
            field: "summary",
            hint: "pass `--summary TEXT` or set `summary` in the spec file",
        });
    }
    if spec.summary.contains('\n') {
        return Err(invalid(
            "summary",
            &spec.summary,
            "any",
            "the summary is one line; put the rest in `description`",
        ));
    }
    if spec.maintainer.trim().is_empty() {
        return Err(SpecError::Missing {
            field: "maintainer",
            hint: "pass `--maintainer 'Name <email>'` or set `maintainer` in the spec file",
        });
    }
    let mut seen = HashSet::new();
    for f in &spec.files {
        if !f.path.starts_with('/') || f.path.len() < 2 || f.path.ends_with('/') {
            return Err(invalid(
                "file path",
                &f.path,
                "any",
                "installed paths are absolute and have no trailing `/`",
            ));
        }
        if f.path.split('/').any(|c| c == ".." || c == ".")
            || f.path.contains("//")
            || f.path.contains('\n')
        {
            return Err(invalid(
                "file path",
                &f.path,
                "any",
                "installed paths may not contain `.`, `..`, empty components or newlines",
            ));
        }
        if !seen.insert(f.path.as_str()) {
            return Err(SpecError::Duplicate(f.path.clone()));
        }
        if f.mode > 0o7777 {
            return Err(invalid(
                "mode",
                &format!("{:o}", f.mode),
                "any",
                "give permission bits only, at most 7777 (octal)",
            ));
        }
        if f.config.is_some() && !matches!(f.kind, FileKind::File(_)) {
            return Err(invalid(
                "config",
                &f.path,
                "any",
                "only regular files can be configuration files",
            ));
        }
    }
    Ok(())
}

fn is_deb_version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~')
}

/// Checks `spec` against Debian policy; the error names the field and the rule.
pub fn validate_for_deb(spec: &PackageSpec) -> Result<(), SpecError> {
    common(spec)?;
    const F: &str = ".deb";
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
            F,
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
            F,
            "the upstream version starts with a digit and holds only letters, digits, `.`, `+`, `~` and `-` (policy 5.6.12)",
        ));
    }
    let r = &spec.release;
    if r.is_empty() || !r.chars().all(is_deb_version_char) {
        return Err(invalid(
            "release",
            r,
            F,
            "the Debian revision holds only letters, digits, `.`, `+` and `~` (policy 5.6.12)",
        ));
    }
    for d in &spec.provides {
        for alt in &d.alternatives {
            if alt
                .constraint
                .as_ref()
                .is_some_and(|c| c.op != crate::Op::Eq)
            {
                return Err(invalid(
                    "provides",
                    &d.to_deb(),
                    F,
                    "a Provides entry may only use `=` (policy 7.5)",
                ));
            }
        }
        if d.alternatives.len() > 1 {
            return Err(invalid(
                "provides",
                &d.to_deb(),
                F,
                "Provides takes no alternatives",
            ));
        }
    }
    check_relations(spec, F)?;
    Ok(())
}

fn is_rpm_nvr_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '~' | '^')
}

/// Checks `spec` against RPM's rules; the error names the field and the rule.
pub fn validate_for_rpm(spec: &PackageSpec) -> Result<(), SpecError> {
    common(spec)?;
    const F: &str = ".rpm";
    let name = &spec.name;
    if !name.chars().all(|c| is_rpm_nvr_char(c) || c == '-') || name.starts_with('-') {
        return Err(invalid(
            "name",
            name,
            F,
            "RPM names hold only letters, digits and `-._+~^`, and do not start with `-`",
        ));
    }
    if !spec.version.chars().all(is_rpm_nvr_char) {
        return Err(invalid(
            "version",
            &spec.version,
            F,
            "RPM versions hold only letters, digits and `._+~^` (no `-`: it separates version from release)",
        ));
    }
    if spec.release.is_empty() || !spec.release.chars().all(is_rpm_nvr_char) {
        return Err(invalid(
            "release",
            &spec.release,
            F,
            "RPM releases hold only letters, digits and `._+~^` (no `-`)",
        ));
    }
    check_relations(spec, F)?;
    Ok(())
}

fn check_relations(spec: &PackageSpec, format: &'static str) -> Result<(), SpecError> {
    let all: [(&'static str, &Vec<Dependency>); 7] = [
        ("depends", &spec.depends),
        ("recommends", &spec.recommends),
        ("suggests", &spec.suggests),
        ("provides", &spec.provides),
        ("conflicts", &spec.conflicts),
        ("replaces", &spec.replaces),
        ("obsoletes", &spec.obsoletes),
    ];
    for (field, deps) in all {
        for d in deps {
            for alt in &d.alternatives {
                if format == ".deb"
                    && !alt
                        .name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.:".contains(c))
                {
                    return Err(invalid(
                        field,
                        &d.to_deb(),
                        format,
                        "Debian relations name packages: lowercase letters, digits, `+`, `-`, `.` (and `:arch`)",
                    ));
                }
            }
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
        assert!(validate_for_deb(&spec("hello-world", "1.0")).is_ok());
        for bad in ["hello_world", "Hello", "x", "-x"] {
            let err = validate_for_deb(&spec(bad, "1.0")).unwrap_err().to_string();
            assert!(err.contains("invalid name"), "{err}");
        }
        assert!(validate_for_rpm(&spec("Hello_World", "1.0")).is_ok());
    }

    #[test]
    fn rpm_versions_refuse_hyphen() {
        let err = validate_for_rpm(&spec("x", "1.0-2"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid version `1.0-2`"), "{err}");
        assert!(validate_for_deb(&spec("xx", "1.0-2")).is_ok());
        assert!(validate_for_deb(&spec("xx", "v1.0")).is_err());
    }

    #[test]
    fn missing_fields_say_how_to_set_them() {
        let mut s = spec("xx", "1.0");
        s.summary.clear();
        let err = validate_for_deb(&s).unwrap_err().to_string();
        assert!(err.contains("--summary"), "{err}");
    }
}
