//! Relative paths inside a bundle or an admin root, `/`-separated: whether a
//! name is a plain relative path, a path made relative to a base, and link
//! targets made and resolved lexically (without touching the filesystem, so
//! that nothing is followed out of the tree).

use std::path::Path;

/// Whether `rel` is a plain relative path: no empty, `.` or `..`
/// component, not absolute, no backslash, newline or NUL.
pub fn safe_rel(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains(['\\', '\n', '\0'])
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// `path` relative to `base`, `/`-separated; `None` for `base` itself.
pub fn rel_string(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    if rel.as_os_str().is_empty() {
        return None;
    }
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Resolves the link at `at` with target `target` (both relative to one
/// root) lexically to a path relative to that root; `None` if it is
/// absolute or climbs above the root.
pub fn resolve(at: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = at.split('/').collect();
    parts.pop();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// The relative link target from the link `at` (relative to the root) to
/// `to` (relative to the root).
pub fn relative_link(at: &str, to: &str) -> String {
    let depth = at.split('/').count() - 1;
    format!("{}{to}", "../".repeat(depth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_root() {
        let l = relative_link(
            "ubuntu-12.04/extra/b/x.deb",
            "bundles/b/cache/ubuntu-12.04/pkgs/x.deb",
        );
        assert_eq!(l, "../../../bundles/b/cache/ubuntu-12.04/pkgs/x.deb");
        assert_eq!(
            resolve("ubuntu-12.04/extra/b/x.deb", &l).as_deref(),
            Some("bundles/b/cache/ubuntu-12.04/pkgs/x.deb")
        );
        assert_eq!(resolve("a/b", "../../x"), None);
    }
}
