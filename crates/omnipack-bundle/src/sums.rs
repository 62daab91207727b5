//! Checksum files of a bundle and checking a tree against them.
//!
//! `sha1sums` is what Crowbar's `package_barclamp` wrote with
//! `find -L . -type f -not -name sha1sums | xargs sha1sum -b`: one line per
//! file, `<40 hex> *./relative/path`, links followed, every file named
//! `sha1sums` left out (so it lists `SHA256SUMS`). `SHA256SUMS` has the same
//! line format with SHA-256 and leaves out both checksum files; `sha256sum -c`
//! and `sha1sum -c` read them as they are. Verification prefers `SHA256SUMS`.
//!
//! Files are hashed on all cores (rayon), each read once for both digests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use rayon::prelude::*;

use crate::BundleError;
use crate::relpath::{rel_string, safe_rel};

/// Crowbar's checksum file.
pub const SHA1SUMS: &str = "sha1sums";
/// The SHA-256 checksum file, preferred by verification.
pub const SHA256SUMS: &str = "SHA256SUMS";

/// A checksum algorithm and its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Algo {
    /// SHA-1, `sha1sums`.
    Sha1,
    /// SHA-256, `SHA256SUMS`.
    Sha256,
}

impl Algo {
    /// The checksum file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            Algo::Sha1 => SHA1SUMS,
            Algo::Sha256 => SHA256SUMS,
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algo::Sha1 => 40,
            Algo::Sha256 => 64,
        }
    }
}

/// Whether `rel` (a `/`-separated path in the bundle) is left out of
/// `algo`'s file: only the bundle's own top-level checksum files. A file
/// deeper down that happens to be called `sha1sums` (`bin/sha1sums`) is
/// listed and checked like any other.
pub fn excluded(algo: Algo, rel: &str) -> bool {
    match algo {
        Algo::Sha1 => rel == SHA1SUMS,
        Algo::Sha256 => rel == SHA1SUMS || rel == SHA256SUMS,
    }
}

/// Whether `rel` is a nested `sha1sums`, which Crowbar's
/// `find -not -name sha1sums` left out of its `sha1sums`: not an added
/// file when checking against a `sha1sums` that does not list it.
fn crowbar_unlisted(algo: Algo, rel: &str) -> bool {
    algo == Algo::Sha1 && rel.rsplit('/').next() == Some(SHA1SUMS)
}

/// One file's digests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileDigest {
    /// SHA-1 (lower-case hex), when asked for.
    pub sha1: Option<String>,
    /// SHA-256 (lower-case hex).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Hashes one file (following links) with SHA-256 and optionally SHA-1, in one read.
pub fn hash_file(path: &Path, sha1: bool) -> Result<FileDigest, BundleError> {
    let d = omnipack_core::hash::hash_file(path, false, sha1, true)?;
    Ok(FileDigest {
        sha1: d.sha1_hex(),
        sha256: d.sha256_hex(),
        size: d.size,
    })
}

/// Every regular file under `dir` (links followed, as `find -L`), as sorted
/// `/`-separated relative paths.
pub fn list_files(dir: &Path) -> Result<Vec<String>, BundleError> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| walk_error(dir, e))?;
        if entry.file_type().is_file()
            && let Some(rel) = rel_string(dir, entry.path())
        {
            out.push(rel);
        }
    }
    out.sort();
    Ok(out)
}

pub(crate) fn walk_error(dir: &Path, e: walkdir::Error) -> BundleError {
    let path = e.path().map(Path::to_path_buf).unwrap_or(dir.to_path_buf());
    BundleError::Io(std::io::Error::other(format!(
        "cannot read `{}`: {e}",
        path.display()
    )))
}

/// Hashes `rels` under `dir` on all cores; progress in bytes.
pub fn hash_all(
    dir: &Path,
    rels: &[String],
    sha1: bool,
    progress: &dyn Progress,
) -> Result<BTreeMap<String, FileDigest>, BundleError> {
    let total: u64 = rels
        .iter()
        .filter_map(|r| fs::metadata(dir.join(r)).ok())
        .map(|m| m.len())
        .sum();
    progress.start("hashing", total);
    let out: Result<Vec<(String, FileDigest)>, BundleError> = rels
        .par_iter()
        .map(|rel| {
            let d = hash_file(&dir.join(rel), sha1)?;
            progress.advance(d.size);
            Ok((rel.clone(), d))
        })
        .collect();
    progress.finish();
    Ok(out?.into_iter().collect())
}

/// The parsed contents of a checksum file: relative path → hex digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sums {
    /// Which algorithm.
    pub algo: Algo,
    /// Path (without `./`) → lower-case hex.
    pub entries: BTreeMap<String, String>,
}

impl Sums {
    /// The file text: `<hex> *./<path>` lines, sorted by path.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (rel, hex) in &self.entries {
            s.push_str(hex);
            s.push_str(" *./");
            s.push_str(rel);
            s.push('\n');
        }
        s
    }

    /// Parses `text` read from `path`: lines `<hex> *./path` (binary mode) or
    /// `<hex>  ./path` (text mode), `./` optional.
    pub fn parse(algo: Algo, path: &Path, text: &str) -> Result<Sums, BundleError> {
        let mut entries = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let bad = |reason: String| BundleError::SumsLine {
                path: path.to_path_buf(),
                line: i + 1,
                reason,
            };
            if line.is_empty() {
                continue;
            }
            if line.starts_with('\\') {
                return Err(bad("escaped file names are not supported".into()));
            }
            let (hex, rest) = line
                .split_once(' ')
                .ok_or_else(|| bad(format!("expected `<hex> *./path`, found `{line}`")))?;
            if hex.len() != algo.hex_len() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(format!(
                    "`{hex}` is not a {}-digit hex digest",
                    algo.hex_len()
                )));
            }
            let name = rest
                .strip_prefix('*')
                .or_else(|| rest.strip_prefix(' '))
                .ok_or_else(|| {
                    bad(format!(
                        "expected `*` or a space before the path in `{line}`"
                    ))
                })?;
            let name = name.strip_prefix("./").unwrap_or(name);
            if !safe_rel(name) {
                return Err(bad(format!(
                    "`{name}` is not a relative path inside the bundle"
                )));
            }
            entries.insert(name.to_owned(), hex.to_ascii_lowercase());
        }
        Ok(Sums { algo, entries })
    }

    /// Reads the preferred checksum file of the bundle directory `dir`:
    /// `SHA256SUMS`, else `sha1sums`; `None` when it has neither.
    pub fn read_best(dir: &Path) -> Result<Option<(PathBuf, Sums)>, BundleError> {
        for algo in [Algo::Sha256, Algo::Sha1] {
            let p = dir.join(algo.file_name());
            if p.is_file() {
                let text = fs::read_to_string(&p)?;
                let sums = Sums::parse(algo, &p, &text)?;
                return Ok(Some((p, sums)));
            }
        }
        Ok(None)
    }
}

/// What differs between a tree and its checksum file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// Listed, present, different contents.
    pub modified: Vec<String>,
    /// Listed, absent.
    pub missing: Vec<String>,
    /// Present, not listed (checksum files themselves aside).
    pub added: Vec<String>,
}

impl Check {
    /// Nothing differs.
    pub fn pristine(&self) -> bool {
        self.modified.is_empty() && self.missing.is_empty() && self.added.is_empty()
    }

    /// `modified: a, b; missing: c; added: d` (for errors).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (what, list) in [
            ("modified", &self.modified),
            ("missing", &self.missing),
            ("added", &self.added),
        ] {
            if !list.is_empty() {
                parts.push(format!("{what}: {}", list.join(", ")));
            }
        }
        parts.join("; ")
    }

    /// Each file with what happened to it (`modified ./x`).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (what, list) in [
            ("modified", &self.modified),
            ("missing", &self.missing),
            ("added", &self.added),
        ] {
            out.extend(list.iter().map(|f| format!("{what} `{f}`")));
        }
        out
    }
}

/// Compares the tree `dir` with `sums`.
pub fn check(dir: &Path, sums: &Sums, progress: &dyn Progress) -> Result<Check, BundleError> {
    let present: BTreeSet<String> = list_files(dir)?
        .into_iter()
        .filter(|r| !excluded(sums.algo, r))
        .collect();
    let listed: Vec<String> = sums
        .entries
        .keys()
        .filter(|r| present.contains(*r))
        .cloned()
        .collect();
    let digests = hash_all(dir, &listed, sums.algo == Algo::Sha1, progress)?;
    let mut c = Check::default();
    for (rel, want) in &sums.entries {
        match digests.get(rel) {
            None => c.missing.push(rel.clone()),
            Some(d) => {
                let got = match sums.algo {
                    Algo::Sha1 => d.sha1.as_deref().unwrap_or(""),
                    Algo::Sha256 => d.sha256.as_str(),
                };
                if got != want {
                    c.modified.push(rel.clone());
                }
            }
        }
    }
    c.added = present
        .into_iter()
        .filter(|r| !sums.entries.contains_key(r) && !crowbar_unlisted(sums.algo, r))
        .collect();
    Ok(c)
}

/// The two checksum files for the files in `digests` (which must hold
/// SHA-1 too, and not the checksum files themselves): `SHA256SUMS`, and
/// `sha1sums`, which lists `SHA256SUMS` as `find -not -name sha1sums` would.
pub fn render_both(digests: &BTreeMap<String, FileDigest>) -> Result<(Sums, Sums), BundleError> {
    let s256 = Sums {
        algo: Algo::Sha256,
        entries: digests
            .iter()
            .filter(|(r, _)| !excluded(Algo::Sha256, r))
            .map(|(r, d)| (r.clone(), d.sha256.clone()))
            .collect(),
    };
    let mut s1 = Sums {
        algo: Algo::Sha1,
        entries: BTreeMap::new(),
    };
    for (r, d) in digests {
        if excluded(Algo::Sha1, r) || r == SHA256SUMS {
            continue;
        }
        let hex = d.sha1.clone().ok_or_else(|| {
            std::io::Error::other(format!("no SHA-1 computed for `{r}` (internal)"))
        })?;
        s1.entries.insert(r.clone(), hex);
    }
    let sha1 = omnipack_core::hash::hash_bytes(s256.render().as_bytes(), false, true, false);
    s1.entries
        .insert(SHA256SUMS.to_owned(), sha1.sha1_hex().unwrap_or_default());
    Ok((s256, s1))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards: a nested `bin/sha1sums` is listed and checked, only the
    // top-level checksum files are left out.
    #[test]
    fn only_the_top_level_checksum_files_are_excluded() {
        assert!(excluded(Algo::Sha256, "sha1sums"));
        assert!(excluded(Algo::Sha256, "SHA256SUMS"));
        assert!(!excluded(Algo::Sha256, "bin/sha1sums"));
        assert!(!excluded(Algo::Sha256, "bin/SHA256SUMS"));
        assert!(excluded(Algo::Sha1, "sha1sums"));
        assert!(!excluded(Algo::Sha1, "bin/sha1sums"));
    }

    #[test]
    fn a_changed_nested_sha1sums_is_modified() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("bin")).unwrap();
        fs::write(t.path().join("bin/sha1sums"), "one\n").unwrap();
        fs::write(t.path().join("a"), "a\n").unwrap();
        let files = list_files(t.path()).unwrap();
        let digests = hash_all(t.path(), &files, true, &omnipack_core::NoProgress).unwrap();
        let (s256, s1) = render_both(&digests).unwrap();
        assert!(s256.entries.contains_key("bin/sha1sums"));
        assert!(s1.entries.contains_key("bin/sha1sums"));
        fs::write(t.path().join("bin/sha1sums"), "two\n").unwrap();
        let c = check(t.path(), &s256, &omnipack_core::NoProgress).unwrap();
        assert_eq!(c.modified, vec!["bin/sha1sums".to_owned()]);
        // Crowbar's own sha1sums never listed it: not an added file there.
        let mut crowbar = s1.clone();
        crowbar.entries.remove("bin/sha1sums");
        fs::write(t.path().join("bin/sha1sums"), "one\n").unwrap();
        let c = check(t.path(), &crowbar, &omnipack_core::NoProgress).unwrap();
        assert!(c.added.is_empty(), "{c:?}");
    }
}
