//! Checks of the workspace's shape that `docs/architecture.md` promises:
//! no module import circles inside a crate, and crates depending only on
//! crates listed before them.
//!
//! The module graph is read from the source text, the way a reader sees
//! it: module `a` depends on module `b` when a file of `a` (its top-level
//! file or any file below it) names `crate::b` (directly, in a `use
//! crate::{…}` group, or through a name the crate root re-exports from `b`),
//! or, in a top-level module file, `super::b`. Unit tests (`#[cfg(test)]`
//! onwards) are left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fs_err as fs;

/// Edges between a crate's top-level modules.
pub type ModuleGraph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(list) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = list.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The text of a file without its unit tests and without comments.
fn code_of(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segments named after each `prefix` (`crate::`), with
/// `prefix::{a, b::c}` groups opened one level.
fn first_segments(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's top level at commas.
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident_at(item.trim()).to_owned());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.push(ident_at(item.trim()).to_owned());
        } else {
            out.push(ident_at(rest).to_owned());
        }
    }
    out.retain(|s| !s.is_empty() && s != "self");
    out
}

/// `pub use module::{A, B};` lines of the crate root: which module each
/// re-exported name comes from.
fn reexports(root_code: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in root_code.split(';') {
        let s = stmt.trim();
        let Some(path) = s.strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_start_matches("crate::");
        let module = ident_at(path);
        if !modules.contains(module) {
            continue;
        }
        let tail = &path[module.len()..];
        let names: Vec<&str> = match tail.find('{') {
            Some(i) => tail[i + 1..].trim_end_matches('}').split(',').collect(),
            None => vec![tail.rsplit("::").next().unwrap_or("")],
        };
        for n in names {
            let n = n.trim();
            let n = n.rsplit(" as ").next().unwrap_or(n).trim();
            let n = n.rsplit("::").next().unwrap_or(n);
            if !n.is_empty() {
                out.insert(n.to_owned(), module.to_owned());
            }
        }
    }
    out
}

/// The graph of the top-level modules of the crate whose sources are in `src`.
pub fn module_graph(src: &Path) -> ModuleGraph {
    let root_file = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no lib.rs or main.rs in `{}`", src.display()));
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let module_of = |p: &Path| -> Option<String> {
        let rel = p.strip_prefix(src).ok()?;
        let first = rel.components().next()?.as_os_str().to_string_lossy();
        let name = first.trim_end_matches(".rs").to_owned();
        (p != root_file.as_path()).then_some(name)
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|p| module_of(p)).collect();
    let root_code = code_of(&fs::read_to_string(&root_file).unwrap());
    let names = reexports(&root_code, &modules);
    let mut graph: ModuleGraph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(from) = module_of(file) else {
            continue;
        };
        let code = code_of(&fs::read_to_string(file).unwrap());
        let top_level = file.parent() == Some(src);
        let mut segs = first_segments(&code, "crate::");
        if top_level {
            segs.extend(first_segments(&code, "super::"));
        }
        for seg in segs {
            let to = if modules.contains(&seg) {
                Some(seg)
            } else {
                names.get(&seg).cloned()
            };
            if let Some(to) = to
                && to != from
            {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// The circles in `graph`, each as the path of modules that closes it
/// (`a → b → a`); empty when there is none.
pub fn cycles(graph: &ModuleGraph) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        graph: &ModuleGraph,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut c = stack[i..].to_vec();
            c.push(node.to_owned());
            found.push(c);
            return;
        }
        if done.contains(node) {
            return;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, stack, done, found);
        }
        stack.pop();
        done.insert(node.to_owned());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

/// The `omnipack-*` crates a crate's `Cargo.toml` lists under
/// `[dependencies]` (not dev-dependencies), and its other dependencies.
pub fn crate_dependencies(manifest: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let text = fs::read_to_string(manifest).unwrap();
    let mut ours = BTreeSet::new();
    let mut others = BTreeSet::new();
    let mut in_deps = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_deps = l == "[dependencies]";
            continue;
        }
        if !in_deps || l.is_empty() || l.starts_with('#') {
            continue;
        }
        let name = l
            .split(['=', '.', ' '])
            .next()
            .unwrap_or_default()
            .to_owned();
        if name.starts_with("omnipack") {
            ours.insert(name);
        } else {
            others.insert(name);
        }
    }
    (ours, others)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let p = t.path().join(p);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        t
    }

    // Guards the check itself: a circle through a group import and a
    // re-exported name is found, a test-only import is not an edge.
    #[test]
    fn a_circle_is_found_through_groups_and_reexports() {
        let t = tree(&[
            (
                "lib.rs",
                "pub mod a;\npub mod b;\npub mod c;\npub use c::Thing;\n",
            ),
            ("a.rs", "use crate::{b::X, Thing};\n"),
            ("b/mod.rs", "mod inner;\n"),
            ("b/inner.rs", "fn f() { crate::a::g(); }\n"),
            (
                "c.rs",
                "// crate::a in a comment\n#[cfg(test)]\nmod tests { use crate::a; }\n",
            ),
        ]);
        let g = module_graph(t.path());
        assert_eq!(g["a"], BTreeSet::from(["b".to_owned(), "c".to_owned()]));
        assert_eq!(g["b"], BTreeSet::from(["a".to_owned()]));
        assert!(g["c"].is_empty());
        assert_eq!(cycles(&g), [["a", "b", "a"]]);
    }

    #[test]
    fn a_layered_crate_has_no_circle() {
        let t = tree(&[
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use super::b::Y;\n"),
            ("b.rs", "pub struct Y;\n"),
        ]);
        assert!(cycles(&module_graph(t.path())).is_empty());
    }
}
