//! Opening a bundle tarball safely: every entry is checked before it is
//! written, and it is written only into a private temporary directory, never
//! into the admin root. Refused: names with `..` or a leading `/`, entries
//! outside the one top directory, symbolic links or hard links resolving
//! outside the bundle, entries beneath a symbolic link, devices and fifos,
//! setuid/setgid bits, duplicate names, anything that is not gzip + tar.
//! Then the unpacked bundle must match its own checksum file.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use tar::EntryType;

use crate::BundleError;
use crate::manifest::valid_name;
use crate::relpath::resolve;
use crate::sums::{self, Sums};

/// An unpacked tarball: the bundle directory inside a temporary directory
/// that is deleted when this is dropped.
#[derive(Debug)]
pub struct Unpacked {
    /// The bundle directory (`<tmp>/<name>`).
    pub dir: PathBuf,
    _tmp: omnipack_core::cleanup::ScratchDir,
}

/// Normalises an entry name: `./` prefixes and `.` components dropped;
/// `None` for the archive root itself; an error for `..` or absolute names.
fn normalise(name: &str) -> Result<Option<String>, String> {
    if name.starts_with('/') {
        return Err("is an absolute path".into());
    }
    let mut parts = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("contains `..`".into()),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let joined = parts.join("/");
    if joined.contains(['\\', '\n', '\0']) {
        return Err("contains a backslash, newline or NUL".into());
    }
    Ok(Some(joined))
}

/// Resolves the link target `target` of the entry `entry` (both relative to
/// the archive root) lexically; `None` if it leaves `top`.
fn resolve_link(entry: &str, target: &str, top: &str) -> Option<String> {
    let path = resolve(entry, target)?;
    let mut parts = path.split('/');
    (parts.next() == Some(top) && parts.next().is_some()).then_some(path)
}

/// Unpacks the bundle tarball `path` into a new temporary directory,
/// refusing hostile entries, then checks it against its own `SHA256SUMS`
/// (else `sha1sums`).
pub fn unpack(path: &Path, progress: &dyn Progress) -> Result<Unpacked, BundleError> {
    let swept = sweep_unpacks();
    if !swept.is_empty() {
        progress.note(&format!(
            "removed {} unpack director{} that killed runs left in `{}`",
            swept.len(),
            if swept.len() == 1 { "y" } else { "ies" },
            std::env::temp_dir().display()
        ));
    }
    let unpacked = unpack_unchecked(path)?;
    let dir = &unpacked.dir;
    let Some((sums_path, sums)) = Sums::read_best(dir)? else {
        return Err(BundleError::NoSums(path.to_path_buf()));
    };
    let check = sums::check(dir, &sums, progress)?;
    if !check.pristine() {
        return Err(BundleError::Checksums {
            path: path.to_path_buf(),
            sums: sums_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            summary: check.summary(),
        });
    }
    Ok(unpacked)
}

/// Where bundles are unpacked: `$TMPDIR/omnipack-bundle-PID-XXXXXX/`.
const UNPACK_PREFIX: &str = "omnipack-bundle-";

/// Removes the unpack directories of processes that no longer run (a
/// killed `bundle install` leaves its whole unpacked bundle behind);
/// returns them. Failures only leave them for the next run.
pub fn sweep_unpacks() -> Vec<std::path::PathBuf> {
    omnipack_core::atomic::sweep_temp_dirs(UNPACK_PREFIX)
}

/// Unpacks like [`unpack`] without the checksum check (for `bundle verify`,
/// which reports mismatches instead of refusing).
pub fn unpack_unchecked(path: &Path) -> Result<Unpacked, BundleError> {
    let tmp = omnipack_core::cleanup::ScratchDir::new(UNPACK_PREFIX)?;
    let top = extract(path, tmp.path())?;
    Ok(Unpacked {
        dir: tmp.path().join(&top),
        _tmp: tmp,
    })
}

/// The entry checks and writes; returns the top directory name.
fn extract(path: &Path, into: &Path) -> Result<String, BundleError> {
    let not_tar = |reason: String| BundleError::NotATarball {
        path: path.to_path_buf(),
        reason,
    };
    let hostile = |entry: &str, reason: &str| BundleError::Hostile {
        path: path.to_path_buf(),
        entry: entry.to_owned(),
        reason: reason.to_owned(),
    };
    let mut file = BufReader::new(fs::File::open(path)?);
    let mut magic = [0u8; 2];
    if file.read_exact(&mut magic).is_err() || magic != [0x1f, 0x8b] {
        return Err(not_tar("no gzip header".into()));
    }
    let file = BufReader::new(fs::File::open(path)?);
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(file));
    let entries = archive
        .entries()
        .map_err(|e| not_tar(format!("cannot read tar entries: {e}")))?;
    let mut top: Option<String> = None;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut links: BTreeSet<String> = BTreeSet::new();
    let mut link_targets: BTreeMap<String, String> = BTreeMap::new();
    let mut count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_tar(format!("bad tar entry: {e}")))?;
        count += 1;
        let raw = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| hostile("(non-UTF-8 name)", "has a name that is not UTF-8"))?;
        let name = match normalise(&raw) {
            Ok(Some(n)) => n,
            Ok(None) => continue,
            Err(reason) => return Err(hostile(&raw, &reason)),
        };
        let first = name.split('/').next().unwrap_or_default().to_owned();
        match &top {
            None => {
                if !valid_name(&first) {
                    return Err(hostile(
                        &raw,
                        "has a top directory that is not a bundle name",
                    ));
                }
                top = Some(first.clone());
            }
            Some(t) if *t != first => {
                return Err(hostile(
                    &raw,
                    &format!("is outside the bundle's top directory `{t}/`"),
                ));
            }
            Some(_) => {}
        }
        let top_name = first;
        if !seen.insert(name.clone()) {
            return Err(hostile(&raw, "appears twice"));
        }
        // Nothing may be written through a link.
        let mut prefix = String::new();
        for c in name.split('/') {
            if !prefix.is_empty() && links.contains(&prefix) {
                return Err(hostile(
                    &raw,
                    &format!("lies beneath the symbolic link `{prefix}`"),
                ));
            }
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(c);
        }
        let header = entry.header();
        let mode = header
            .mode()
            .map_err(|e| not_tar(format!("entry `{raw}`: bad mode: {e}")))?;
        if mode & 0o6000 != 0 {
            return Err(hostile(
                &raw,
                &format!("has the setuid or setgid bit (mode {mode:o})"),
            ));
        }
        let kind = header.entry_type();
        let dest = into.join(&name);
        // The top directory may be implicit: create parents as needed.
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        match kind {
            EntryType::Directory => fs::create_dir_all(&dest)?,
            EntryType::Regular | EntryType::Continuous => {
                if name == top_name {
                    return Err(hostile(
                        &raw,
                        "is a file where the bundle directory should be",
                    ));
                }
                let mut out = fs::File::create(&dest)?;
                std::io::copy(&mut entry, &mut out)
                    .map_err(|e| not_tar(format!("entry `{raw}`: {e}")))?;
                fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode & 0o777))?;
                files.insert(name, dest);
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                if resolve_link(&name, &target, &top_name).is_none() {
                    return Err(hostile(
                        &raw,
                        &format!("is a symbolic link to `{target}`, outside the bundle"),
                    ));
                }
                fs_err::os::unix::fs::symlink(&target, &dest).map_err(|e| {
                    std::io::Error::other(format!("cannot create `{}`: {e}", dest.display()))
                })?;
                link_targets.insert(name.clone(), target);
                links.insert(name);
            }
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let resolved = match normalise(&target) {
                    Ok(Some(t)) if t.split('/').next() == Some(top_name.as_str()) => t,
                    _ => {
                        return Err(hostile(
                            &raw,
                            &format!("is a hard link to `{target}`, outside the bundle"),
                        ));
                    }
                };
                let Some(src) = files.get(&resolved) else {
                    return Err(hostile(
                        &raw,
                        &format!(
                            "is a hard link to `{target}`, which is not a file earlier in the bundle"
                        ),
                    ));
                };
                fs::copy(src, &dest)?;
                files.insert(name, dest);
            }
            EntryType::Char | EntryType::Block => {
                return Err(hostile(&raw, "is a device node"));
            }
            EntryType::Fifo => return Err(hostile(&raw, "is a fifo")),
            other => {
                return Err(hostile(
                    &raw,
                    &format!("has the unsupported type {other:?}"),
                ));
            }
        }
    }
    let top = match top {
        Some(t) if count > 0 => t,
        _ => return Err(not_tar("the archive is empty".into())),
    };
    // Each link was checked lexically on its own; a chain of links is not
    // (`q -> ../../x` inside, then `p -> q/../../../dev/sda`, lexically
    // inside too, physically outside). Refuse a link whose target goes on
    // through another link, then check every link physically.
    for (name, target) in &link_targets {
        if let Some(via) = through_link(name, target, &link_targets) {
            return Err(hostile(
                name,
                &format!(
                    "is a symbolic link to `{target}`, which goes through the symbolic link `{via}`: a chain of links may lead outside the bundle"
                ),
            ));
        }
    }
    let inside = fs::canonicalize(into.join(&top))?;
    for (name, target) in &link_targets {
        if let Ok(real) = fs::canonicalize(into.join(name))
            && !real.starts_with(&inside)
        {
            return Err(hostile(
                name,
                &format!("is a symbolic link to `{target}`, outside the bundle"),
            ));
        }
    }
    Ok(top)
}

/// The first link entry among `links` that the target `target` of the link
/// `entry` walks through (a component with more of the path after it).
fn through_link(entry: &str, target: &str, links: &BTreeMap<String, String>) -> Option<String> {
    let mut parts: Vec<&str> = entry.split('/').collect();
    parts.pop();
    let comps: Vec<&str> = target.split('/').collect();
    for (i, c) in comps.iter().enumerate() {
        match *c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => {
                parts.push(c);
                let more = comps[i + 1..].iter().any(|c| !c.is_empty() && *c != ".");
                let prefix = parts.join("/");
                if more && links.contains_key(&prefix) {
                    return Some(prefix);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_resolved_lexically_inside_the_top() {
        assert_eq!(resolve_link("b/x/l", "../y", "b").as_deref(), Some("b/y"));
        assert_eq!(resolve_link("b/l", "../c/y", "b"), None);
        assert_eq!(resolve_link("b/l", "/etc/passwd", "b"), None);
        assert_eq!(
            resolve_link("b/x/l", "../../b/y", "b").as_deref(),
            Some("b/y")
        );
        assert_eq!(resolve_link("b/l", "..", "b"), None);
    }

    #[test]
    fn a_link_through_another_link_is_found() {
        let mut links = BTreeMap::new();
        links.insert("b/d/q".to_owned(), "../x".to_owned());
        assert_eq!(
            through_link("b/d/p", "q/../../../dev/sda", &links).as_deref(),
            Some("b/d/q")
        );
        assert_eq!(through_link("b/d/p", "q", &links), None);
        assert_eq!(through_link("b/d/p", "q/", &links), None);
        assert_eq!(through_link("b/d/p", "../y", &links), None);
    }

    #[test]
    fn names_are_normalised_or_refused() {
        assert_eq!(normalise("./b/./x").unwrap().as_deref(), Some("b/x"));
        assert_eq!(normalise("./").unwrap(), None);
        assert!(normalise("b/../../x").is_err());
        assert!(normalise("/etc/x").is_err());
        assert!(crate::relpath::safe_rel("a/b"));
        assert!(!crate::relpath::safe_rel("a/../b"));
        assert!(!crate::relpath::safe_rel("/a"));
    }
}
