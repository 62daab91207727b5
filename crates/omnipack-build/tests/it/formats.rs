//! Format dispatch (`omnipack_build::validate`): each format's rules, reached
//! through `enum Format`, applied to what the version rules produce.

use omnipack_build::validate;
use omnipack_spec::version::ProjectVersion;
use omnipack_spec::{Format, PackageSpec};

/// Moved from `omnipack_spec::version`'s unit tests: the model crate no
/// longer holds the formats' rules.
#[test]
fn results_are_valid_debian_and_rpm_versions() {
    for v in [
        "0.3.0dev1-307-gb6d6e9f-dirty",
        "0.1.0",
        "0.1.0-99-g3d644b1",
        "0.1.1rc1",
        "0.1.1pre1",
        "0.2.0.dev3+100.g3d644b2.dirty",
        "0.3.2+doc11.1.gf661a6a",
        "v2024.05.1.3-0-g0123abc-dirty",
    ] {
        let p = ProjectVersion::parse(v).unwrap();
        let mut spec = PackageSpec::new("omnipack-test", p.rpm_version.clone());
        spec.release = p.rpm_release.clone();
        spec.summary = "a test".into();
        spec.maintainer = "T <t@example.org>".into();
        validate(Format::Deb, &spec).unwrap_or_else(|e| panic!("{v}: {e}"));
        validate(Format::Rpm, &spec).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(spec.full_version(), p.deb());
    }
}
