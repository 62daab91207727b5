//! The workspace keeps the shape `docs/architecture.md` describes: each
//! crate depends only on crates listed before it there, the storage and
//! HTTP crates link no compression codec, and no crate's modules import
//! each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use omnipack_test_support::architecture::{crate_dependencies, cycles, module_graph};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The crates in the order of `docs/architecture.md`'s table.
fn documented_order() -> Vec<String> {
    let doc = fs_err::read_to_string(workspace().join("docs/architecture.md")).unwrap();
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `omnipack"))
        .map(|rest| format!("omnipack{}", rest.split('`').next().unwrap_or_default()))
        .collect()
}

fn crates() -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(workspace().join("crates"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_crate_depends_only_on_crates_listed_before_it() {
    let order = documented_order();
    let mut listed: Vec<String> = order.clone();
    listed.sort();
    assert_eq!(
        listed,
        crates(),
        "docs/architecture.md lists {order:?}, the workspace has other crates"
    );
    for (i, name) in order.iter().enumerate() {
        let (ours, _) =
            crate_dependencies(&workspace().join("crates").join(name).join("Cargo.toml"));
        for dep in ours {
            let at = order.iter().position(|c| *c == dep);
            assert!(
                at.is_some_and(|at| at < i),
                "`{name}` depends on `{dep}`, which docs/architecture.md does not list before it"
            );
        }
    }
}

#[test]
fn storage_and_serving_link_no_codec() {
    const CODECS: [&str; 4] = ["liblzma", "zstd", "flate2", "xz2"];
    let deps: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = crates()
        .into_iter()
        .map(|c| {
            let d = crate_dependencies(&workspace().join("crates").join(&c).join("Cargo.toml"));
            (c, d)
        })
        .collect();
    for start in ["omnipack-store", "omnipack-serve"] {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.to_owned()];
        while let Some(c) = todo.pop() {
            if !seen.insert(c.clone()) {
                continue;
            }
            let (ours, others) = &deps[&c];
            for codec in CODECS {
                assert!(
                    !others.contains(codec),
                    "`{start}` links `{codec}` through `{c}`"
                );
            }
            todo.extend(ours.iter().cloned());
        }
    }
}

#[test]
fn no_crate_has_a_module_circle() {
    let mut found = Vec::new();
    for c in crates() {
        let src = workspace().join("crates").join(&c).join("src");
        for cycle in cycles(&module_graph(&src)) {
            found.push(format!("{c}: {}", cycle.join(" → ")));
        }
    }
    assert!(found.is_empty(), "module circles:\n{}", found.join("\n"));
}
