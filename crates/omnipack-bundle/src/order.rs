//! Install order, as Crowbar's `barclamp_install.rb` has it: ascending
//! `crowbar.order` (default 9999), then name (Crowbar's `sort_by` leaves
//! ties in no particular order; the name makes them reproducible).
//! `barclamp.requires` does not move anything: a requirement is a bundle
//! name or `@group` (every bundle whose `barclamp.member` lists the group),
//! checked against the bundles given and those installed. One neither given
//! nor installed, or given but ordered after the bundle that needs it, is a
//! warning (Crowbar says nothing), or with `--strict-requires` an error
//! before anything is written.

use std::collections::BTreeMap;
use std::path::Path;

use crate::BundleError;

/// A bundle to order.
#[derive(Debug, Clone)]
pub struct Node {
    /// Name.
    pub name: String,
    /// `crowbar.order`.
    pub order: i64,
    /// `barclamp.requires`.
    pub requires: Vec<String>,
    /// Groups it is a member of, without `@`.
    pub groups: Vec<String>,
}

/// A requirement that is not met by the time its bundle is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// The requiring bundle.
    pub bundle: String,
    /// The requirement (a name or `@group`).
    pub requirement: String,
    /// Given in the same install but ordered after `bundle` (these
    /// bundles); empty when neither given nor installed.
    pub later: Vec<String>,
}

impl Unmet {
    /// The warning (or, strict, the error's reason) in words.
    pub fn describe(&self) -> String {
        if self.later.is_empty() {
            format!(
                "bundle `{}` requires `{}`, which is neither installed nor given",
                self.bundle, self.requirement
            )
        } else {
            format!(
                "bundle `{}` requires `{}`, which is installed after it by `crowbar.order` ({})",
                self.bundle,
                self.requirement,
                self.later
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

/// Orders `given` by (`crowbar.order`, name); `installed` maps installed
/// names to their groups. Returns indexes into `given` and the unmet
/// requirements, in install order; with `strict`, the first unmet one is
/// an error.
pub fn order(
    given: &[Node],
    installed: &BTreeMap<String, Vec<String>>,
    root: &Path,
    strict: bool,
) -> Result<(Vec<usize>, Vec<Unmet>), BundleError> {
    let mut seq: Vec<usize> = (0..given.len()).collect();
    seq.sort_by(|&a, &b| (given[a].order, &given[a].name).cmp(&(given[b].order, &given[b].name)));
    let position: BTreeMap<&str, usize> = seq
        .iter()
        .enumerate()
        .map(|(pos, &i)| (given[i].name.as_str(), pos))
        .collect();
    let mut unmet = Vec::new();
    for (pos, &i) in seq.iter().enumerate() {
        let node = &given[i];
        for req in &node.requires {
            // The bundles of this install that satisfy `req`, and whether an
            // installed one (or the bundle itself) does.
            let (providers, already): (Vec<&Node>, bool) = match req.strip_prefix('@') {
                Some(group) => (
                    given
                        .iter()
                        .filter(|o| o.name != node.name && o.groups.iter().any(|g| g == group))
                        .collect(),
                    installed
                        .iter()
                        .any(|(n, gs)| *n != node.name && gs.iter().any(|g| g == group))
                        // A bundle may list its own group (Crowbar's
                        // `crowbar` barclamp requires and is `@crowbar`).
                        || node.groups.iter().any(|g| g == group),
                ),
                None => (
                    given
                        .iter()
                        .filter(|o| o.name == *req && o.name != node.name)
                        .collect(),
                    installed.contains_key(req) || *req == node.name,
                ),
            };
            let earlier = providers.iter().any(|o| position[o.name.as_str()] < pos);
            if already || earlier {
                continue;
            }
            unmet.push(Unmet {
                bundle: node.name.clone(),
                requirement: req.clone(),
                later: providers.iter().map(|o| o.name.clone()).collect(),
            });
        }
    }
    if strict && let Some(u) = unmet.first() {
        return Err(BundleError::MissingRequirement {
            bundle: u.bundle.clone(),
            requirement: u.requirement.clone(),
            reason: u.describe(),
            root: root.to_path_buf(),
        });
    }
    Ok((seq, unmet))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, order: i64, requires: &[&str], groups: &[&str]) -> Node {
        Node {
            name: name.into(),
            order,
            requires: requires.iter().map(|s| s.to_string()).collect(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn names(given: &[Node], idx: Vec<usize>) -> Vec<&str> {
        idx.into_iter().map(|i| given[i].name.as_str()).collect()
    }

    /// Issue 18: the order is Crowbar's alone; `requires` moves nothing.
    #[test]
    fn crowbar_order_then_name_and_requires_move_nothing() {
        let given = vec![
            node("nova", 10, &["@crowbar", "keystone"], &["openstack"]),
            node("keystone", 50, &["@crowbar"], &["openstack"]),
            node("crowbar", 100, &["@crowbar"], &["crowbar"]),
            node("swift", 80, &[], &[]),
            node("ceph", 85, &[], &[]),
            node("logging", 20, &[], &[]),
            node("dns", 20, &[], &[]),
        ];
        let (got, unmet) = order(&given, &BTreeMap::new(), Path::new("/r"), false).unwrap();
        assert_eq!(
            names(&given, got),
            [
                "nova", "dns", "logging", "keystone", "swift", "ceph", "crowbar"
            ]
        );
        let said: Vec<String> = unmet.iter().map(Unmet::describe).collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].contains("`nova` requires `@crowbar`") && said[0].contains("`crowbar`"),
            "{said:?}"
        );
        assert!(said[1].contains("`nova` requires `keystone`"), "{said:?}");
        assert!(
            said[2].contains("`keystone` requires `@crowbar`"),
            "{said:?}"
        );
        let e = order(&given, &BTreeMap::new(), Path::new("/r"), true).unwrap_err();
        assert!(
            e.to_string().contains("`nova`") && e.to_string().contains("@crowbar"),
            "{e}"
        );
    }

    #[test]
    fn missing_requirements_warn_and_installed_ones_satisfy() {
        let given = vec![node("a", 1, &["b"], &[])];
        let (got, unmet) = order(&given, &BTreeMap::new(), Path::new("/r"), false).unwrap();
        assert_eq!(got, [0]);
        assert!(
            unmet[0]
                .describe()
                .contains("requires `b`, which is neither"),
            "{unmet:?}"
        );
        let e = order(&given, &BTreeMap::new(), Path::new("/r"), true).unwrap_err();
        assert!(e.to_string().contains("requires `b`"), "{e}");
        let installed = BTreeMap::from([("b".to_string(), vec![])]);
        let (_, unmet) = order(&given, &installed, Path::new("/r"), true).unwrap();
        assert!(unmet.is_empty());
        let installed = BTreeMap::from([("x".to_string(), vec!["g".to_string()])]);
        let (_, unmet) = order(
            &[node("a", 1, &["@g"], &[])],
            &installed,
            Path::new("/r"),
            true,
        )
        .unwrap();
        assert!(unmet.is_empty());
    }
}
