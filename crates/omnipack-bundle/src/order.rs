//! Install order: ascending `crowbar.order` (default 9999), then name; a
//! required bundle always before the one requiring it. A requirement is a
//! bundle name or `@group` (every bundle whose `barclamp.member` lists the
//! group). A requirement neither given nor installed, or a cycle, is an
//! error before anything is written.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
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

/// Orders `given`; `installed` maps installed names to their groups. Returns
/// indexes into `given`.
pub fn order(
    given: &[Node],
    installed: &BTreeMap<String, Vec<String>>,
    root: &Path,
) -> Result<Vec<usize>, BundleError> {
    let by_name: BTreeMap<&str, usize> = given
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); given.len()];
    let mut indegree = vec![0usize; given.len()];
    for (i, node) in given.iter().enumerate() {
        for req in &node.requires {
            let mut before = BTreeSet::new();
            let satisfied = if let Some(group) = req.strip_prefix('@') {
                for (j, other) in given.iter().enumerate() {
                    if j != i && other.groups.iter().any(|g| g == group) {
                        before.insert(j);
                    }
                }
                !before.is_empty()
                    || installed
                        .iter()
                        .any(|(n, gs)| *n != node.name && gs.iter().any(|g| g == group))
                    // A bundle may list its own group (Crowbar's `crowbar`
                    // barclamp requires and is `@crowbar`).
                    || node.groups.iter().any(|g| g == group)
            } else if let Some(&j) = by_name.get(req.as_str()) {
                if j != i {
                    before.insert(j);
                }
                true
            } else {
                installed.contains_key(req)
            };
            if !satisfied {
                return Err(BundleError::MissingRequirement {
                    bundle: node.name.clone(),
                    requirement: req.clone(),
                    root: root.to_path_buf(),
                });
            }
            for j in before {
                if edges[j].insert(i) {
                    indegree[i] += 1;
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, &str, usize)>> = given
        .iter()
        .enumerate()
        .filter(|(i, _)| indegree[*i] == 0)
        .map(|(i, n)| Reverse((n.order, n.name.as_str(), i)))
        .collect();
    let mut out = Vec::new();
    while let Some(Reverse((_, _, i))) = ready.pop() {
        out.push(i);
        for &j in &edges[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse((given[j].order, given[j].name.as_str(), j)));
            }
        }
    }
    if out.len() < given.len() {
        let stuck: Vec<String> = given
            .iter()
            .enumerate()
            .filter(|(i, _)| indegree[*i] > 0)
            .map(|(_, n)| n.name.clone())
            .collect();
        return Err(BundleError::Cycle(stuck));
    }
    Ok(out)
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

    #[test]
    fn order_then_requires_then_groups() {
        let given = vec![
            node("nova", 10, &["@crowbar", "keystone"], &["openstack"]),
            node("keystone", 50, &["@crowbar"], &["openstack"]),
            node("crowbar", 9999, &[], &["crowbar"]),
            node("logging", 20, &[], &[]),
        ];
        let got = order(&given, &BTreeMap::new(), Path::new("/r")).unwrap();
        assert_eq!(
            names(&given, got),
            ["logging", "crowbar", "keystone", "nova"]
        );
    }

    #[test]
    fn missing_requirements_and_cycles_are_errors() {
        let given = vec![node("a", 1, &["b"], &[])];
        let e = order(&given, &BTreeMap::new(), Path::new("/r")).unwrap_err();
        assert!(e.to_string().contains("requires `b`"), "{e}");
        let installed = BTreeMap::from([("b".to_string(), vec![])]);
        assert_eq!(order(&given, &installed, Path::new("/r")).unwrap(), [0]);
        let e = order(
            &[node("a", 1, &["@g"], &[])],
            &BTreeMap::new(),
            Path::new("/r"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("`@g`"), "{e}");

        let given = vec![
            node("a", 1, &["b"], &[]),
            node("b", 2, &["c"], &[]),
            node("c", 3, &["a"], &[]),
            node("d", 0, &[], &[]),
        ];
        let e = order(&given, &BTreeMap::new(), Path::new("/r")).unwrap_err();
        assert!(e.to_string().contains("`a`, `b`, `c`"), "{e}");
    }
}
