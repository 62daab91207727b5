//! Package relations as RPM stores them: three parallel arrays per kind, e.g.
//! `RPMTAG_REQUIRENAME` (1049), `RPMTAG_REQUIREFLAGS` (1048) and
//! `RPMTAG_REQUIREVERSION` (1050) in rpm's `include/rpm/rpmtag.h`, with the
//! `rpmsenseFlags` bits of `include/rpm/rpmds.h`.
//!
//! Entries are sorted by name, then version, then flags, and exact duplicates
//! dropped, which is the order `rpmdsPutToHeader` leaves them in (rpm's `lib/rpmds.c`).

use omnipack_spec::{Dependency, Op};

use crate::RpmError;

/// `RPMSENSE_LESS`.
pub(crate) const LESS: u32 = 1 << 1;
/// `RPMSENSE_GREATER`.
pub(crate) const GREATER: u32 = 1 << 2;
/// `RPMSENSE_EQUAL`.
pub(crate) const EQUAL: u32 = 1 << 3;
/// `RPMSENSE_INTERP`: the interpreter of a scriptlet.
pub(crate) const INTERP: u32 = 1 << 8;
/// `RPMSENSE_SCRIPT_PRE`.
pub(crate) const SCRIPT_PRE: u32 = 1 << 9;
/// `RPMSENSE_SCRIPT_POST`.
pub(crate) const SCRIPT_POST: u32 = 1 << 10;
/// `RPMSENSE_SCRIPT_PREUN`.
pub(crate) const SCRIPT_PREUN: u32 = 1 << 11;
/// `RPMSENSE_SCRIPT_POSTUN`.
pub(crate) const SCRIPT_POSTUN: u32 = 1 << 12;
/// `RPMSENSE_RPMLIB`: an `rpmlib(Feature)` requirement on rpm itself.
pub(crate) const RPMLIB: u32 = 1 << 24;

/// One relation as stored in the header. Field order gives rpm's sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RpmDep {
    /// Capability name, or a whole rich dependency `(a or b >= 1)`.
    pub name: String,
    /// `[epoch:]version[-release]`, or empty.
    pub version: String,
    /// `RPMSENSE_*` bits.
    pub flags: u32,
}

impl RpmDep {
    /// A relation with the given flags.
    pub(crate) fn new(name: impl Into<String>, flags: u32, version: impl Into<String>) -> Self {
        RpmDep {
            name: name.into(),
            version: version.into(),
            flags,
        }
    }

    /// `rpmlib(feature) <= version`, the requirements rpmbuild adds for the
    /// rpm features a package uses (`rpmlibNeedsFeature` in rpm's `build/reqprov.c`).
    pub(crate) fn rpmlib(feature: &str, version: &str) -> Self {
        RpmDep::new(format!("rpmlib({feature})"), RPMLIB | LESS | EQUAL, version)
    }

    /// Converts a spec relation; alternatives become one rich dependency
    /// (rpm ≥ 4.13), stored like rpmbuild does: the whole expression as the
    /// name, no version, flags 0.
    pub(crate) fn from_spec(kind: &str, d: &Dependency) -> Result<Self, RpmError> {
        match d.alternatives.as_slice() {
            [] => Err(RpmError::EmptyDependency {
                kind: kind.to_owned(),
            }),
            [one] => Ok(match &one.constraint {
                None => RpmDep::new(one.name.clone(), 0, ""),
                Some(c) => RpmDep::new(one.name.clone(), op_flags(c.op), c.version.clone()),
            }),
            _ => Ok(RpmDep::new(d.to_rpm(), 0, "")),
        }
    }

    /// Whether this is a rich (boolean) dependency.
    pub(crate) fn is_rich(&self) -> bool {
        self.name.starts_with('(')
    }
}

fn op_flags(op: Op) -> u32 {
    match op {
        Op::Lt => LESS,
        Op::Le => LESS | EQUAL,
        Op::Eq => EQUAL,
        Op::Ge => GREATER | EQUAL,
        Op::Gt => GREATER,
    }
}

/// Converts a list of spec relations.
pub(crate) fn convert(kind: &str, deps: &[Dependency]) -> Result<Vec<RpmDep>, RpmError> {
    deps.iter().map(|d| RpmDep::from_spec(kind, d)).collect()
}

/// Sorts and de-duplicates, as rpm stores dependency sets.
pub(crate) fn normalise(mut deps: Vec<RpmDep>) -> Vec<RpmDep> {
    deps.sort();
    deps.dedup();
    deps
}

/// Renders a stored relation the way `rpm -q --requires` prints it: `name op version`.
pub(crate) fn render(name: &str, flags: u32, version: &str) -> String {
    let op = match flags & (LESS | GREATER | EQUAL) {
        x if x == LESS | EQUAL => "<=",
        x if x == GREATER | EQUAL => ">=",
        LESS => "<",
        GREATER => ">",
        EQUAL => "=",
        _ => "",
    };
    if op.is_empty() || version.is_empty() {
        name.to_owned()
    } else {
        format!("{name} {op} {version}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_map_to_rpmsense_flags() {
        let d: Dependency = "python3 (>= 3.6)".parse().unwrap();
        let r = RpmDep::from_spec("depends", &d).unwrap();
        assert_eq!(r, RpmDep::new("python3", GREATER | EQUAL, "3.6"));
        assert_eq!(render(&r.name, r.flags, &r.version), "python3 >= 3.6");
        let lt: Dependency = "foo << 2".parse().unwrap();
        assert_eq!(RpmDep::from_spec("depends", &lt).unwrap().flags, LESS);
    }

    #[test]
    fn alternatives_become_one_rich_dependency_with_no_flags() {
        let d: Dependency = "a | b (>= 1)".parse().unwrap();
        let r = RpmDep::from_spec("depends", &d).unwrap();
        assert_eq!(r, RpmDep::new("(a or b >= 1)", 0, ""));
        assert!(r.is_rich());
    }

    #[test]
    fn rpmlib_requirements_read_as_rpm_prints_them() {
        let r = RpmDep::rpmlib("FileDigests", "4.6.0-1");
        assert_eq!(r.flags, 16_777_226, "the value rpmbuild 4.18 writes");
        assert_eq!(
            render(&r.name, r.flags, &r.version),
            "rpmlib(FileDigests) <= 4.6.0-1"
        );
    }

    #[test]
    fn sets_are_sorted_by_name_version_flags_and_deduplicated() {
        let v = normalise(vec![
            RpmDep::new("b", 0, ""),
            RpmDep::new("/bin/sh", INTERP | SCRIPT_POST, ""),
            RpmDep::new("/bin/sh", INTERP | SCRIPT_PRE, ""),
            RpmDep::new("b", 0, ""),
        ]);
        let flags: Vec<u32> = v.iter().map(|d| d.flags).collect();
        assert_eq!(
            flags,
            [768, 1280, 0],
            "the flags rpmbuild writes for %pre and %post"
        );
    }
}
