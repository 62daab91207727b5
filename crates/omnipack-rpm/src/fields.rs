//! The extra RPM header fields a spec may set in its `rpm.fields` table
//! (see [`SUPPORTED_FIELDS`]); unknown keys are refused.

use std::collections::BTreeMap;

use crate::RpmError;

/// The `rpm.fields` keys the writer accepts, named as in a `.spec` preamble
/// and matched case-insensitively:
///
/// | key | tag (rpm's `include/rpm/rpmtag.h`) | effect |
/// |---|---|---|
/// | `Group` | `RPMTAG_GROUP` (1016) | overrides `section` (default `Unspecified`) |
/// | `Packager` | `RPMTAG_PACKAGER` (1015) | overrides `maintainer` |
/// | `Vendor` | `RPMTAG_VENDOR` (1011) | overrides `vendor` |
/// | `URL` | `RPMTAG_URL` (1020) | overrides `url` |
/// | `Distribution` | `RPMTAG_DISTRIBUTION` (1010) | sets it |
/// | `DistTag` | `RPMTAG_DISTTAG` (1155) | sets it |
/// | `BugURL` | `RPMTAG_BUGURL` (5012) | sets it |
/// | `VCS` | `RPMTAG_VCS` (5034) | sets it |
///
/// Any other key is an error ([`crate::RpmError::UnknownField`]), so a typo
/// never silently drops a field.
pub const SUPPORTED_FIELDS: &str =
    "Group, Packager, Vendor, URL, Distribution, DistTag, BugURL, VCS";

/// Values from `rpm.fields`, each `None` unless set.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Extra {
    pub group: Option<String>,
    pub packager: Option<String>,
    pub vendor: Option<String>,
    pub url: Option<String>,
    pub distribution: Option<String>,
    pub disttag: Option<String>,
    pub bug_url: Option<String>,
    pub vcs: Option<String>,
}

/// Reads `rpm.fields`; unknown keys and multi-line or empty values are errors.
pub(crate) fn parse(fields: &BTreeMap<String, String>) -> Result<Extra, RpmError> {
    let mut extra = Extra::default();
    for (key, value) in fields {
        let slot = match key.to_ascii_lowercase().as_str() {
            "group" => &mut extra.group,
            "packager" => &mut extra.packager,
            "vendor" => &mut extra.vendor,
            "url" => &mut extra.url,
            "distribution" => &mut extra.distribution,
            "disttag" => &mut extra.disttag,
            "bugurl" => &mut extra.bug_url,
            "vcs" => &mut extra.vcs,
            _ => {
                return Err(RpmError::UnknownField {
                    key: key.clone(),
                    supported: SUPPORTED_FIELDS,
                });
            }
        };
        if value.trim().is_empty() || value.contains(['\n', '\r']) {
            return Err(RpmError::FieldValue {
                key: key.clone(),
                value: value.clone(),
            });
        }
        *slot = Some(value.clone());
    }
    Ok(extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_are_case_insensitive_and_unknown_ones_refused() {
        let mut f = BTreeMap::new();
        f.insert("distribution".to_owned(), "Example Linux".to_owned());
        f.insert("Group".to_owned(), "System/Base".to_owned());
        let e = parse(&f).unwrap();
        assert_eq!(e.distribution.as_deref(), Some("Example Linux"));
        assert_eq!(e.group.as_deref(), Some("System/Base"));

        f.insert("Multi-Arch".to_owned(), "same".to_owned());
        let err = parse(&f).unwrap_err().to_string();
        assert!(
            err.contains("unknown RPM header field `Multi-Arch`"),
            "{err}"
        );
        assert!(err.contains("Distribution"), "{err}");
    }

    #[test]
    fn multi_line_values_are_refused() {
        let mut f = BTreeMap::new();
        f.insert("Vendor".to_owned(), "a\nb".to_owned());
        let err = parse(&f).unwrap_err().to_string();
        assert!(err.contains("rpm.fields.Vendor"), "{err}");
    }
}
