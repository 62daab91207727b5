//! The compact index, which current RubyGems and Bundler ask for first
//! (format of the `rubygems/compact_index` gem, as rubygems.org serves it):
//!
//! * `names`: `---\n`, then every gem name, sorted, one per line.
//! * `info/<name>`: `---\n`, then one line per version:
//!   `VERSION[-PLATFORM] DEP:REQ&REQ,DEP:REQ|checksum:SHA256[,ruby:REQ][,rubygems:REQ]`,
//!   runtime dependencies only, each requirement's parts sorted and joined
//!   with `&`; `ruby:`/`rubygems:` left out when they are `>= 0`.
//! * `versions`: `created_at: ISO8601\n---\n`, then `NAME V1,V2-PLATFORM MD5`
//!   per gem, MD5 being that of the gem's `info` file. It is append-only:
//!   clients fetch only the bytes past their copy (`Range: bytes=N-`), so a
//!   re-index appends a line for each gem whose versions or info changed
//!   (a removed version is listed as `-VERSION`, as a yank is; a changed
//!   file for the same version as `-V,V`), and leaves the file untouched
//!   when nothing changed. Bundler reads the lines in order: versions
//!   accumulate, `-` removes one, the last MD5 of a name wins.

use omnipack_core::time::iso8601;
use std::collections::{BTreeMap, BTreeSet};

use md5::Digest as _;

use crate::spec::{GemSpec, Requirement, compare_versions};

/// `names`.
pub fn names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("---\n");
    for n in names {
        out.push_str(n);
        out.push('\n');
    }
    out
}

/// Requirement parts as strings (`>= 1.0`), sorted, joined with `&`.
fn req(r: &Requirement) -> String {
    let mut parts: Vec<String> = r.iter().map(|(op, v)| format!("{op} {v}")).collect();
    parts.sort();
    parts.join("&")
}

fn is_default(r: &Requirement) -> bool {
    r.iter()
        .all(|(op, v)| op == ">=" && compare_versions(v, "0").is_eq())
}

/// Sorts gems of one name as the info file and indexes list them: by
/// version, then `ruby` before other platforms, then platform name.
pub fn sort_specs(specs: &mut [(&GemSpec, &str)]) {
    specs.sort_by(|(a, _), (b, _)| {
        compare_versions(&a.version, &b.version)
            .then(b.is_ruby().cmp(&a.is_ruby()))
            .then_with(|| a.platform_name().cmp(&b.platform_name()))
    });
}

/// `info/<name>` for the versions of one gem (sorted by [`sort_specs`]),
/// each with the hex SHA-256 of its `.gem`.
pub fn info(specs: &[(&GemSpec, &str)]) -> String {
    let mut out = String::from("---\n");
    for (spec, sha256) in specs {
        out.push_str(&spec.version_and_platform());
        out.push(' ');
        let deps: Vec<String> = spec
            .dependencies
            .iter()
            .filter(|d| d.kind == "runtime")
            .map(|d| format!("{}:{}", d.name, req(&d.requirement)))
            .collect();
        out.push_str(&deps.join(","));
        out.push_str("|checksum:");
        out.push_str(sha256);
        if !is_default(&spec.required_ruby_version) {
            out.push_str(",ruby:");
            out.push_str(&req(&spec.required_ruby_version));
        }
        if !is_default(&spec.required_rubygems_version) {
            out.push_str(",rubygems:");
            out.push_str(&req(&spec.required_rubygems_version));
        }
        out.push('\n');
    }
    out
}

/// Hex MD5 of a file's contents (the `versions` info checksum, and the
/// ETag rubygems.org gives compact index files).
pub fn md5_hex(bytes: &[u8]) -> String {
    omnipack_core::hex(&md5::Md5::digest(bytes))
}

/// What `versions` says of one gem: its versions (with platforms) and the
/// MD5 of its info file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    /// `VERSION[-PLATFORM]`, in the order listed.
    pub versions: Vec<String>,
    /// Hex MD5 of `info/<name>`.
    pub info_md5: String,
}

/// Reads an existing `versions` file as Bundler does; `None` if it has no
/// `---` header line (then it is written anew).
pub fn parse_versions(text: &str) -> Option<BTreeMap<String, Listed>> {
    let mut lines = text.lines();
    lines.by_ref().find(|l| *l == "---")?;
    let mut out: BTreeMap<String, Listed> = BTreeMap::new();
    for line in lines {
        let mut parts = line.split(' ').filter(|p| !p.is_empty());
        let (Some(name), Some(versions)) = (parts.next(), parts.next()) else {
            continue;
        };
        let entry = out.entry(name.to_owned()).or_default();
        for v in versions.split(',') {
            match v.strip_prefix('-') {
                Some(gone) => entry.versions.retain(|x| x != gone),
                None => entry.versions.push(v.to_owned()),
            }
        }
        entry.info_md5 = parts.next().unwrap_or("").to_owned();
    }
    Some(out)
}

/// The new `versions` file for `wanted` (every gem's versions and info
/// MD5), given the current file: `None` when it already says exactly that;
/// otherwise the current text with lines appended, or, when there is no
/// usable current file, a new file created at `date`.
pub fn versions(
    current: Option<&str>,
    wanted: &BTreeMap<String, Listed>,
    date: u64,
) -> Option<String> {
    let Some((text, listed)) = current.and_then(|c| Some((c, parse_versions(c)?))) else {
        let mut out = format!("created_at: {}\n---\n", iso8601(date));
        for (name, l) in wanted {
            if !l.versions.is_empty() {
                out.push_str(&format!("{name} {} {}\n", l.versions.join(","), l.info_md5));
            }
        }
        return Some(out);
    };
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let empty = Listed::default();
    let names: BTreeSet<&String> = wanted.keys().chain(listed.keys()).collect();
    let mut changed = false;
    for name in names {
        let want = wanted.get(name).unwrap_or(&empty);
        let have = listed.get(name).unwrap_or(&empty);
        let have_set: BTreeSet<&String> = have.versions.iter().collect();
        let want_set: BTreeSet<&String> = want.versions.iter().collect();
        let mut parts: Vec<String> = have
            .versions
            .iter()
            .filter(|v| !want_set.contains(v))
            .map(|v| format!("-{v}"))
            .collect();
        parts.extend(
            want.versions
                .iter()
                .filter(|v| !have_set.contains(v))
                .cloned(),
        );
        if parts.is_empty() && want.info_md5 != have.info_md5 && !want.versions.is_empty() {
            // Same versions, different info (a .gem replaced in place): list
            // the newest again, removed then added, so the line carries the
            // new MD5 without duplicating a version.
            if let Some(last) = want.versions.last() {
                parts = vec![format!("-{last}"), last.clone()];
            }
        }
        if parts.is_empty() {
            continue;
        }
        changed = true;
        let md5 = if want.info_md5.is_empty() {
            md5_hex(b"---\n")
        } else {
            want.info_md5.clone()
        };
        out.push_str(&format!("{name} {} {md5}\n", parts.join(",")));
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(versions: &[&str], md5: &str) -> Listed {
        Listed {
            versions: versions.iter().map(|v| v.to_string()).collect(),
            info_md5: md5.into(),
        }
    }

    #[test]
    fn versions_is_created_then_only_appended_to() {
        let mut wanted = BTreeMap::new();
        wanted.insert("alpha".to_string(), listed(&["1.0.0"], "aaa"));
        let first = versions(None, &wanted, 1_700_000_000).unwrap();
        assert_eq!(
            first,
            "created_at: 2023-11-14T22:13:20Z\n---\nalpha 1.0.0 aaa\n"
        );
        assert_eq!(versions(Some(&first), &wanted, 0), None);

        wanted.insert("alpha".to_string(), listed(&["1.0.0", "1.1.0"], "bbb"));
        wanted.insert("beta".to_string(), listed(&["2.0-java"], "ccc"));
        let second = versions(Some(&first), &wanted, 0).unwrap();
        assert!(second.starts_with(&first));
        assert_eq!(
            &second[first.len()..],
            "alpha 1.1.0 bbb\nbeta 2.0-java ccc\n"
        );
        assert_eq!(parse_versions(&second).unwrap(), wanted);

        wanted.remove("beta");
        wanted.insert("alpha".to_string(), listed(&["1.1.0"], "ddd"));
        let third = versions(Some(&second), &wanted, 0).unwrap();
        assert_eq!(
            &third[second.len()..],
            format!("alpha -1.0.0 ddd\nbeta -2.0-java {}\n", md5_hex(b"---\n"))
        );
        let parsed = parse_versions(&third).unwrap();
        assert_eq!(parsed["alpha"], listed(&["1.1.0"], "ddd"));
        assert!(parsed["beta"].versions.is_empty());
    }
}
