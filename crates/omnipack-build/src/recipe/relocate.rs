//! Relocation of a virtualenv staged at `<staging root><prefix>` to `<prefix>`,
//! and the check that no staged file refers to the staging root any more.
//!
//! A virtualenv records its location in many places. What is rewritten:
//!
//! * Console scripts: the `#!<staging>/opt/x/bin/python` shebang, and the
//!   `/bin/sh` trampoline pip (distlib) and uv write when that shebang would
//!   exceed the kernel's 127-byte limit or contain a space:
//!   `#!/bin/sh` / `'''exec' <python> "$0" "$@"` / `' '''` (uv quotes the
//!   interpreter with `'`, pip with `"` when it must). A trampoline is
//!   turned back into the shebang pip would have written at the final path
//!   (when that one fits), so a deep staging root gives the same bytes as a
//!   shallow one.
//! * Every other text file (no NUL byte) that contains `<staging root>/`:
//!   `bin/activate`, `activate.csh`, `activate.fish`, `pyvenv.cfg` (`command =`),
//!   `.pth` files, `RECORD`: the staging root is cut out of each path.
//! * `*.dist-info/direct_url.json` recording a local `file:` URL (PEP 610; pip
//!   writes one for `pip install <project dir>`) is removed, with its `RECORD`
//!   line: it names a directory of the build machine, which means nothing once
//!   installed and would make the tree depend on where the checkout was.
//!   Non-local URLs (VCS, https archives) are kept.
//! * An installer's own bookkeeping in `*.dist-info` that the recipe names
//!   (uv's `uv_cache.json`, which holds the build time, and `uv_build.json`)
//!   is removed the same way, with its `RECORD` line.
//! * `RECORD` lines of rewritten files get their new `sha256=` (urlsafe base64
//!   without padding, as the wheel spec says) and size, so `RECORD` stays
//!   true. Compiled `.pyc` files are not listed (pip does not list them either
//!   under `--no-compile`; `pip uninstall` removes each listed module's
//!   `__pycache__` entry anyway).
//! * `__pycache__` directories are removed; the python recipe compiles them
//!   again for the final paths.
//! * Symlinks whose target contains the staging root point at the final path.
//!
//! Binary files cannot be rewritten (paths would change length); a binary file
//! that still contains the staging root is reported by
//! [`find_staging_references`] and the build refuses to ship it.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use fs_err as fs;
use omnipack_core::hash::{HashingWriter, Sink};

use super::RecipeError;

/// The kernel's limit on a `#!` line on Linux (`BINPRM_BUF_SIZE` - 1), the one
/// distlib uses to decide between a shebang and a trampoline.
const MAX_SHEBANG: usize = 127;

/// Every form of the staging root that a tool may have written, each with a
/// trailing `/` (the staging root as given, and with symlinks resolved),
/// longest first.
fn needles(staging_root: &Path) -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let mut roots = vec![normalize(staging_root)];
    if let Ok(real) = fs::canonicalize(staging_root) {
        roots.push(real);
    }
    let mut needles: Vec<Vec<u8>> = roots
        .iter()
        .map(|r| r.as_os_str().as_bytes().to_vec())
        // The root `/` is no staging root: nothing to relocate.
        .filter(|r| r.len() > 1)
        .map(|mut r| {
            r.push(b'/');
            r
        })
        .collect();
    needles.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    needles.dedup();
    needles
}

/// `path` with `.` and `..` components resolved lexically.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `data` with every `<root>/` replaced by `/`, or `None` if it had none.
fn strip(data: &[u8], needles: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut out = data.to_vec();
    let mut changed = false;
    for needle in needles {
        while let Some(at) = find(&out, needle) {
            out.splice(at..at + needle.len() - 1, []);
            changed = true;
        }
    }
    changed.then_some(out)
}

/// Every entry under `dir` (not `dir` itself), not following symlinks, sorted,
/// parents before children.
pub(super) fn walk(dir: &Path) -> Result<Vec<PathBuf>, RecipeError> {
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for path in names {
        let is_dir = fs::symlink_metadata(&path)?.is_dir();
        out.push(path.clone());
        if is_dir {
            out.extend(walk(&path)?);
        }
    }
    Ok(out)
}

/// Writes `data` to an existing file, keeping its mode (even if read-only).
fn rewrite(path: &Path, data: &[u8]) -> Result<(), RecipeError> {
    let mode = fs::metadata(path)?.permissions().mode();
    if mode & 0o200 == 0 {
        fs::set_permissions(path, std::fs::Permissions::from_mode(mode | 0o200))?;
    }
    fs::write(path, data)?;
    if mode & 0o200 == 0 {
        fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// Relocates the virtualenv at `venv` (inside `staging_root`) to its final
/// path, as the module documentation describes; files named in `drop`
/// inside any `*.dist-info` (an installer's own bookkeeping) are removed
/// with their `RECORD` lines.
pub(super) fn relocate_venv(
    venv: &Path,
    staging_root: &Path,
    drop: &[&str],
) -> Result<(), RecipeError> {
    let needles = needles(staging_root);
    let venv = normalize(venv);
    for path in walk(&venv)? {
        if path.file_name().is_some_and(|n| n == "__pycache__") && path.is_dir() {
            fs::remove_dir_all(&path)?;
        }
    }
    let mut modified = BTreeSet::new();
    let mut removed = BTreeSet::new();
    let mut records = Vec::new();
    for path in walk(&venv)? {
        let meta = fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            use std::os::unix::ffi::{OsStrExt, OsStringExt};
            let target = fs::read_link(&path)?;
            if let Some(new) = strip(target.as_os_str().as_bytes(), &needles) {
                fs::remove_file(&path)?;
                fs::os::unix::fs::symlink(PathBuf::from(std::ffi::OsString::from_vec(new)), &path)?;
            }
            continue;
        }
        if !meta.is_file() {
            continue;
        }
        let in_dist_info = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d.to_string_lossy().ends_with(".dist-info"));
        let name = path.file_name().unwrap_or_default();
        let data = fs::read(&path)?;
        let dropped = in_dist_info && drop.iter().any(|d| name == *d);
        if dropped || in_dist_info && name == "direct_url.json" && find(&data, b"\"file:").is_some()
        {
            fs::remove_file(&path)?;
            removed.insert(path);
            continue;
        }
        if in_dist_info && name == "RECORD" {
            records.push(path.clone());
        }
        let new = normalize_trampoline(&data, &needles).or_else(|| {
            // Binary files are left alone: the final check reports them.
            (!data.contains(&0))
                .then(|| strip(&data, &needles))
                .flatten()
        });
        if let Some(new) = new {
            rewrite(&path, &new)?;
            modified.insert(path);
        }
    }
    for record in records {
        fix_record(&record, staging_root, &modified, &removed)?;
    }
    Ok(())
}

/// A pip/distlib trampoline whose interpreter lives under the staging root,
/// turned into the plain shebang that pip writes at the final path when that
/// shebang fits; `None` for anything else.
fn normalize_trampoline(data: &[u8], needles: &[Vec<u8>]) -> Option<Vec<u8>> {
    let rest = data.strip_prefix(b"#!/bin/sh\n'''exec' ")?;
    let eol = rest.iter().position(|&b| b == b'\n')?;
    let middle = rest[..eol].strip_suffix(b" \"$0\" \"$@\"")?;
    let body = rest[eol + 1..].strip_prefix(b"' '''\n")?;
    // pip (distlib) quotes the interpreter with `"` when it must; uv
    // always quotes it with `'`.
    let quote = middle
        .first()
        .copied()
        .filter(|q| *q == b'"' || *q == b'\'');
    let (exe, post_interp) = if let Some(q) = quote {
        let quoted = &middle[1..];
        let end = quoted.iter().position(|&b| b == q)?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = middle
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(middle.len());
        middle.split_at(end)
    };
    let exe = strip(exe, needles)?;
    let len = exe.len() + post_interp.len() + 3;
    if exe.contains(&b' ') || len > MAX_SHEBANG {
        return None;
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(b"#!");
    out.extend_from_slice(&exe);
    out.extend_from_slice(post_interp);
    out.push(b'\n');
    out.extend_from_slice(body);
    Some(out)
}

/// Urlsafe base64 without padding (RFC 4648 §5), as wheel `RECORD`s use.
fn base64_urlsafe_nopad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The `RECORD` hash field and size of a file.
fn record_hash(path: &Path) -> Result<(String, u64), RecipeError> {
    let mut w = HashingWriter::new(Sink, false, false, true);
    std::io::copy(&mut fs::File::open(path)?, &mut w)?;
    let (_, digests) = w.finish();
    let sha = digests.sha256.unwrap_or_default();
    Ok((
        format!("sha256={}", base64_urlsafe_nopad(&sha)),
        digests.size,
    ))
}

/// Splits a `RECORD` line (CSV, Python's `csv` module quoting) into its raw
/// first field and the unquoted path.
fn record_path(line: &str) -> Option<(&str, String)> {
    if let Some(quoted) = line.strip_prefix('"') {
        let mut path = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|&(_, n)| n == '"') {
                    chars.next();
                    path.push('"');
                } else {
                    return Some((&line[..i + 2], path));
                }
            } else {
                path.push(c);
            }
        }
        None
    } else {
        let end = line.find(',')?;
        Some((&line[..end], line[..end].to_owned()))
    }
}

/// Rewrites the hash and size of modified files in one `RECORD` and drops the
/// lines of removed files.
fn fix_record(
    record: &Path,
    staging_root: &Path,
    modified: &BTreeSet<PathBuf>,
    removed: &BTreeSet<PathBuf>,
) -> Result<(), RecipeError> {
    let Some(base) = record.parent().and_then(Path::parent) else {
        return Ok(());
    };
    let text = fs::read_to_string(record)?;
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\r', '\n']);
        let ending = &line[content.len()..];
        let Some((field, path)) = record_path(content) else {
            out.push_str(line);
            continue;
        };
        let file = if let Some(abs) = path.strip_prefix('/') {
            normalize(&staging_root.join(abs))
        } else {
            normalize(&base.join(&path))
        };
        if removed.contains(&file) {
            changed = true;
        } else if modified.contains(&file) && file != record {
            let (hash, size) = record_hash(&file)?;
            out.push_str(&format!("{field},{hash},{size}{ending}"));
            changed = true;
        } else {
            out.push_str(line);
        }
    }
    if changed {
        rewrite(record, out.as_bytes())?;
    }
    Ok(())
}

/// Does the file contain any needle? Streams, so large files are not read whole.
fn file_contains(path: &Path, needles: &[Vec<u8>]) -> Result<bool, RecipeError> {
    let longest = needles.iter().map(Vec::len).max().unwrap_or(0);
    if longest == 0 {
        return Ok(false);
    }
    let mut file = fs::File::open(path)?;
    let mut buf = vec![0u8; (1 << 20) + longest];
    let mut kept = 0;
    loop {
        let n = file.read(&mut buf[kept..])?;
        if n == 0 {
            return Ok(false);
        }
        let filled = kept + n;
        if needles.iter().any(|nd| find(&buf[..filled], nd).is_some()) {
            return Ok(true);
        }
        // Keep the tail that could start a needle split across reads.
        kept = (longest - 1).min(filled);
        buf.copy_within(filled - kept..filled, 0);
    }
}

/// The entries under `staging_root` (relative paths, sorted) whose contents
/// or symlink target still contain the staging root followed by `/`, in any
/// of its forms (as given and with symlinks resolved).
pub fn find_staging_references(staging_root: &Path) -> Result<Vec<PathBuf>, RecipeError> {
    use std::os::unix::ffi::OsStrExt;
    let root = normalize(&std::path::absolute(staging_root)?);
    let needles = needles(&root);
    let mut found = Vec::new();
    for path in walk(&root)? {
        let meta = fs::symlink_metadata(&path)?;
        let hit = if meta.file_type().is_symlink() {
            let target = fs::read_link(&path)?;
            strip(target.as_os_str().as_bytes(), &needles).is_some()
        } else if meta.is_file() {
            file_contains(&path, &needles)?
        } else {
            false
        };
        if hit {
            found.push(path.strip_prefix(&root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAGING: &str = "/tmp/stage";

    fn n() -> Vec<Vec<u8>> {
        vec![b"/tmp/stage/".to_vec()]
    }

    #[test]
    fn a_trampoline_becomes_the_shebang_pip_writes_at_the_final_path() {
        let body = b"# -*- coding: utf-8 -*-\nimport sys\n";
        let mut script =
            format!("#!/bin/sh\n'''exec' {STAGING}/opt/greet/bin/python \"$0\" \"$@\"\n' '''\n")
                .into_bytes();
        script.extend_from_slice(body);
        let mut want = b"#!/opt/greet/bin/python\n".to_vec();
        want.extend_from_slice(body);
        assert_eq!(normalize_trampoline(&script, &n()).unwrap(), want);
        // The quoted form (distlib quotes paths with spaces).
        let quoted = String::from_utf8(script.clone()).unwrap().replace(
            "'''exec' /tmp/stage/opt/greet/bin/python",
            "'''exec' \"/tmp/stage/opt/greet/bin/python\"",
        );
        assert_eq!(normalize_trampoline(quoted.as_bytes(), &n()).unwrap(), want);
        // uv's form, always quoted with `'`: the quotes must not end up in
        // the shebang.
        let uv = quoted.replace(
            "\"/tmp/stage/opt/greet/bin/python\"",
            "'/tmp/stage/opt/greet/bin/python'",
        );
        assert!(
            uv.contains("'''exec' '/tmp/stage/opt/greet/bin/python' \"$0\""),
            "{uv}"
        );
        assert_eq!(normalize_trampoline(uv.as_bytes(), &n()).unwrap(), want);
    }

    #[test]
    fn a_trampoline_that_is_still_too_long_only_loses_the_staging_root() {
        let long = format!("/opt/{}/bin/python", "x".repeat(130));
        let script =
            format!("#!/bin/sh\n'''exec' {STAGING}{long} \"$0\" \"$@\"\n' '''\nimport sys\n");
        assert_eq!(normalize_trampoline(script.as_bytes(), &n()), None);
        let stripped = strip(script.as_bytes(), &n()).unwrap();
        assert_eq!(
            String::from_utf8(stripped).unwrap(),
            format!("#!/bin/sh\n'''exec' {long} \"$0\" \"$@\"\n' '''\nimport sys\n")
        );
    }

    #[test]
    fn only_the_staging_root_followed_by_a_slash_is_cut() {
        let text = b"VIRTUAL_ENV=\"/tmp/stage/opt/greet\"\nother=/tmp/stagex/y\n";
        assert_eq!(
            strip(text, &n()).unwrap(),
            b"VIRTUAL_ENV=\"/opt/greet\"\nother=/tmp/stagex/y\n".to_vec()
        );
        assert_eq!(strip(b"nothing here", &n()), None);
    }

    #[test]
    fn base64_matches_the_wheel_record_encoding() {
        // sha256("") as pip writes it in RECORD.
        let sha: [u8; 32] = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ];
        assert_eq!(
            base64_urlsafe_nopad(&sha),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        assert_eq!(base64_urlsafe_nopad(b"f"), "Zg");
        assert_eq!(base64_urlsafe_nopad(b"fo"), "Zm8");
        assert_eq!(base64_urlsafe_nopad(b"foo"), "Zm9v");
    }

    #[test]
    fn record_paths_are_read_like_python_csv() {
        assert_eq!(
            record_path("../../../bin/greet,sha256=x,1"),
            Some(("../../../bin/greet", "../../../bin/greet".to_owned()))
        );
        assert_eq!(
            record_path("\"a,b\"\"c.py\",sha256=x,1"),
            Some(("\"a,b\"\"c.py\"", "a,b\"c.py".to_owned()))
        );
    }

    #[test]
    fn records_get_new_hashes_and_lose_removed_files() {
        let t = tempfile::tempdir().unwrap();
        let site = t.path().join("site");
        let info = site.join("x-1.dist-info");
        fs::create_dir_all(&info).unwrap();
        fs::create_dir_all(t.path().join("bin")).unwrap();
        let script = t.path().join("bin/x");
        fs::write(&script, b"").unwrap();
        let record = info.join("RECORD");
        fs::write(
            &record,
            "../bin/x,sha256=old,99\r\nx-1.dist-info/direct_url.json,sha256=y,2\r\nx-1.dist-info/RECORD,,\r\n",
        )
        .unwrap();
        let modified = BTreeSet::from([normalize(&script)]);
        let removed = BTreeSet::from([info.join("direct_url.json")]);
        fix_record(&record, t.path(), &modified, &removed).unwrap();
        assert_eq!(
            fs::read_to_string(&record).unwrap(),
            "../bin/x,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\nx-1.dist-info/RECORD,,\r\n"
        );
    }

    #[test]
    fn references_split_across_reads_are_found() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("stage");
        fs::create_dir_all(root.join("opt")).unwrap();
        let mut big = vec![0u8; (1 << 20) - 5];
        big.extend_from_slice(root.join("opt/x").to_str().unwrap().as_bytes());
        fs::write(root.join("opt/big.bin"), &big).unwrap();
        fs::write(root.join("opt/clean"), b"clean").unwrap();
        fs_err::os::unix::fs::symlink(root.join("opt/clean"), root.join("opt/link")).unwrap();
        assert_eq!(
            find_staging_references(&root).unwrap(),
            [PathBuf::from("opt/big.bin"), PathBuf::from("opt/link")]
        );
    }
}
