//! The model's own rules for a [`PackageSpec`], whatever the format: the
//! fields every package needs, installed paths that are absolute, normalised
//! and unique, permission bits, configuration files that are regular files.
//! Each format adds its naming and version rules (`omnipack_deb`,
//! `omnipack_rpm`, behind `PackageFormat::validate`); both check before a
//! byte is written, so bad input is refused with the field named, never
//! half-packaged.

use std::collections::HashSet;

use crate::{FileKind, PackageSpec, SpecError};

fn invalid(field: &'static str, value: &str, reason: &str) -> SpecError {
    SpecError::InvalidField {
        field,
        value: value.to_owned(),
        reason: reason.to_owned(),
        hint: None,
    }
}

impl PackageSpec {
    /// Checks the rules every format shares; the error names the field.
    pub fn validate(&self) -> Result<(), SpecError> {
        let spec = self;
        let missing: Vec<&'static str> = [
            ("name", spec.name.is_empty()),
            ("version", spec.version.is_empty()),
            ("summary", spec.summary.trim().is_empty()),
            ("maintainer", spec.maintainer.trim().is_empty()),
        ]
        .into_iter()
        .filter_map(|(field, empty)| empty.then_some(field))
        .collect();
        if !missing.is_empty() {
            return Err(SpecError::Missing { fields: missing });
        }
        if spec.summary.contains('\n') {
            return Err(SpecError::InvalidField {
                field: "summary",
                value: spec.summary.clone(),
                reason: "the summary is one line".to_owned(),
                hint: Some("put the rest in `description`"),
            });
        }
        let mut seen = HashSet::new();
        for f in &spec.files {
            if !f.path.starts_with('/') || f.path.len() < 2 || f.path.ends_with('/') {
                return Err(invalid(
                    "file path",
                    &f.path,
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
                    "a mode holds permission bits only, at most 7777 (octal)",
                ));
            }
            if f.config.is_some() && !matches!(f.kind, FileKind::File(_)) {
                return Err(invalid(
                    "config",
                    &f.path,
                    "only regular files can be configuration files",
                ));
            }
        }
        Ok(())
    }
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
    fn missing_fields_say_how_to_set_them() {
        let mut s = spec("xx", "1.0");
        s.summary.clear();
        let err = crate::error::shown(&s.validate().unwrap_err());
        assert!(err.contains("--summary"), "{err}");
    }
}
