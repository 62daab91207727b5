//! `--json` documents of the commands that write artifacts or report
//! (package, build, repo index/add/promote/remove, sign, key generate,
//! release-package): one pretty-printed object on stdout instead of the
//! path lines, the people's text still on stderr. The fields are listed in
//! docs/json.md; `tests/it/json.rs` runs each command and checks them.

use std::path::Path;

use anyhow::Result;
use omnipack_repo::IndexReport;
use omnipack_repo::channels::ChannelReport;
use serde_json::{Value, json};

/// Prints `v` as the command's document.
pub fn print(v: &Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn path(p: &Path) -> Value {
    Value::String(p.display().to_string())
}

fn paths<'a>(ps: impl IntoIterator<Item = &'a std::path::PathBuf>) -> Value {
    Value::Array(ps.into_iter().map(|p| path(p)).collect())
}

/// A package written: where, what it is, its size and SHA-256.
pub fn artifact(p: &Path) -> Result<Value> {
    let info = omnipack_build::inspect(p)?;
    let digests = omnipack_core::hash::hash_file(p, false, false, true)?;
    Ok(json!({
        "path": path(p),
        "format": info.format.as_str(),
        "name": info.name,
        "version": info.version,
        "release": info.release,
        "epoch": info.epoch,
        "arch": info.arch,
        "size": digests.size,
        "sha256": digests.sha256_hex(),
    }))
}

/// A file written that is not a package (a source tarball, a spec file):
/// where, its size and SHA-256.
pub fn file(p: &Path) -> Result<Value> {
    let digests = omnipack_core::hash::hash_file(p, false, false, true)?;
    Ok(json!({
        "path": path(p),
        "size": digests.size,
        "sha256": digests.sha256_hex(),
    }))
}

/// `repo index`'s report (and the re-index of the channel commands).
pub fn index_report(r: &IndexReport) -> Value {
    let leaves: Vec<Value> = r
        .leaves
        .iter()
        .map(|l| {
            json!({
                "dir": path(&l.dir),
                "debs": l.debs,
                "rpms": l.rpms,
                "read": l.read,
                "cached": l.cached,
                "written": paths(&l.written),
                "pruned": paths(&l.pruned),
                "signatures_removed": paths(&l.signatures_removed),
                "problems": l.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    let gems: Vec<Value> = r
        .gems
        .iter()
        .map(|g| {
            json!({
                "dir": path(&g.dir),
                "gems": g.gems,
                "read": g.read,
                "cached": g.cached,
                "written": paths(&g.written),
                "removed": paths(&g.removed),
                "problems": g.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "warnings": g.warnings,
            })
        })
        .collect();
    json!({
        "ok": r.leaves.iter().all(|l| l.problems.is_empty())
            && r.gems.iter().all(|g| g.problems.is_empty()),
        "top": paths(&r.top_files()),
        "leaves": leaves,
        "gems": gems,
        "warnings": r.warnings,
    })
}

/// A channel command's changes and its re-index.
pub fn channel_report(r: &ChannelReport) -> Value {
    let c = &r.changes;
    json!({
        "added": c.copied.iter().map(|(from, to)| json!({"from": path(from), "to": path(to)})).collect::<Vec<_>>(),
        "unchanged": c.unchanged.iter().map(|(from, at)| json!({"from": path(from), "at": path(at)})).collect::<Vec<_>>(),
        "removed": paths(&c.removed),
        "index": index_report(&r.index),
        "hints": r.hints,
    })
}
