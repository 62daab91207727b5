//! Debian dependencies as `dpkg-shlibdeps` (dpkg 1.21) computes them from a
//! build root's dpkg database.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

use fs_err as fs;
use omnipack_spec::vercmp::compare_deb;

use super::elf::{Abi, read_elf};
use super::error::LibDepsError;
use super::model::{DebDepend, ElfFile, shipped};
use super::symbols::{SymObject, has_soname, parse_object, shlibs_dependency};

/// Debian dependencies as `dpkg-shlibdeps` computes them for `files` from
/// the dpkg database of `build_root` (`/` for this machine).
///
/// For each `DT_NEEDED` soname (of executables and shared objects) the
/// library is searched as dpkg-shlibdeps searches it under the root (the
/// file's RUNPATH/RPATH with `$ORIGIN`, `/lib`, `/usr/lib`, the directories of
/// `etc/ld.so.conf` and its includes, then `/lib32`, `/usr/lib32`, `/lib64`,
/// `/usr/lib64`; only libraries of the same ELF class, byte order and
/// machine), its owning package is found in `var/lib/dpkg/info/*.list` (the
/// path, then its real path inside the root), and its dependency comes from
/// that package's symbols file (`etc/dpkg/symbols/PKG.symbols`, then
/// `var/lib/dpkg/info/PKG.symbols`): the template with `#MINVER#` replaced
/// by the highest minimal version among the smallest one of the library and
/// those of the symbols the files import from it (name@version, copy
/// relocations included). Without a symbols file, the shlibs files
/// (`etc/dpkg/shlibs.override`, the package's `.shlibs`,
/// `etc/dpkg/shlibs.default`) give an unversioned dependency.
///
/// Libraries the tree ships are left out. Any other soname that cannot be
/// mapped is an error naming the soname and the file needing it
/// ([`LibDepsError::LibraryNotFound`], [`LibDepsError::NoDependencyInfo`]);
/// dpkg-shlibdeps only warns for sonames without a version. Not covered:
/// `LD_LIBRARY_PATH`, diversions, `#include` in symbols files, build
/// dependencies (`Build-Depends-Package`), `debian/shlibs.local`.
pub fn deb_depends(files: &[ElfFile], build_root: &Path) -> Result<Vec<DebDepend>, LibDepsError> {
    let own = shipped(files);
    let mut db = Db::new(build_root)?;
    // template (one comma-separated part) -> minimal version ("" for none)
    let mut deps: BTreeMap<String, String> = BTreeMap::new();
    let mut because: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();

    for file in files.iter().filter(|f| f.is_dynamic_object()) {
        let sonames: Vec<&String> = file.needed.iter().filter(|s| !own.contains(*s)).collect();
        // soname -> (symbols object) for this file's symbol lookups, in NEEDED order
        let mut objects: Vec<(&str, SymObject)> = Vec::new();
        for soname in &sonames {
            let reason = format!("{soname} needed by {}", file.path.display());
            let libs = db.find_library(soname, file)?;
            let Some(first) = libs.first() else {
                return Err(LibDepsError::LibraryNotFound {
                    soname: (*soname).clone(),
                    needed_by: file.path.clone(),
                    root: build_root.to_owned(),
                });
            };
            let mut mapped = false;
            'libs: for lib in &libs {
                for pkg in db.owners(lib)? {
                    if let Some(obj) = db.symbols_object(&pkg, soname, file)? {
                        let template = obj.deps.first().cloned().unwrap_or_default();
                        let minver = smallest_version(&obj, 0).unwrap_or_default();
                        update(&mut deps, &mut because, &template, &minver, &reason);
                        objects.push((soname.as_str(), obj));
                        mapped = true;
                        break 'libs;
                    }
                    if let Some(dep) = db.shlibs(&pkg, soname)? {
                        for part in dep.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                            deps.entry(part.to_owned()).or_default();
                            because
                                .entry(part.to_owned())
                                .or_default()
                                .insert(reason.clone());
                        }
                        mapped = true;
                        break 'libs;
                    }
                }
            }
            if !mapped {
                return Err(LibDepsError::NoDependencyInfo {
                    soname: (*soname).clone(),
                    library: first.clone(),
                    needed_by: file.path.clone(),
                });
            }
        }
        for import in &file.imports {
            let key = format!(
                "{}@{}",
                import.name,
                import.version.as_deref().unwrap_or("Base")
            );
            let found = objects.iter().find_map(|(soname, obj)| {
                obj.syms
                    .get(&key)
                    .filter(|s| !s.deprecated)
                    .map(|s| (*soname, obj, s))
            });
            if let Some((soname, obj, sym)) = found {
                let template = obj.deps.get(sym.dep_id).cloned().unwrap_or_default();
                let reason = format!("{soname} needed by {}", file.path.display());
                update(&mut deps, &mut because, &template, &sym.minver, &reason);
            }
        }
    }

    let mut out: Vec<DebDepend> = deps
        .iter()
        .map(|(template, version)| DebDepend {
            dependency: render(template, version),
            because: because
                .get(template)
                .map(|b| b.iter().cloned().collect())
                .unwrap_or_default(),
        })
        .filter(|d| !d.dependency.is_empty())
        .collect();
    out.sort_by(|a, b| compare_deps(&a.dependency, &b.dependency));
    Ok(out)
}

/// `update_dependency_version`: each comma-separated part of `template`
/// gets `minver` unless it already has a higher one.
fn update(
    deps: &mut BTreeMap<String, String>,
    because: &mut BTreeMap<String, BTreeSet<String>>,
    template: &str,
    minver: &str,
    reason: &str,
) {
    for part in template.split(',').map(str::trim) {
        because
            .entry(part.to_owned())
            .or_default()
            .insert(reason.to_owned());
        match deps.get_mut(part) {
            Some(v) => {
                if v.is_empty()
                    || (!minver.is_empty() && compare_deb(minver, v) == Ordering::Greater)
                {
                    minver.clone_into(v);
                }
            }
            None => {
                deps.insert(part.to_owned(), minver.to_owned());
            }
        }
    }
}

/// `get_smallest_version` of the symbols with `dep_id`.
fn smallest_version(obj: &SymObject, dep_id: usize) -> Option<String> {
    obj.syms
        .values()
        .filter(|s| s.dep_id == dep_id)
        .map(|s| s.minver.as_str())
        .min_by(|a, b| compare_deb(a, b))
        .map(str::to_owned)
}

/// The template with `#MINVER#` replaced (`(>= V)`, or nothing for an empty
/// or `0` version), normalised as `Dpkg::Deps` prints it.
fn render(template: &str, version: &str) -> String {
    let text = if !version.is_empty() && version != "0" {
        template.replace("#MINVER#", &format!("(>= {version})"))
    } else {
        template.replace("#MINVER#", "")
    };
    parse_alternatives(&text)
        .iter()
        .map(|(name, rel)| match rel {
            Some((op, v)) => format!("{name} ({op} {v})"),
            None => name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

type Simple = (String, Option<(String, String)>);

fn parse_alternatives(text: &str) -> Vec<Simple> {
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once('(') {
            Some((name, rel)) => {
                let rel = rel.trim_end().trim_end_matches(')').trim();
                let op_len = rel
                    .find(|c: char| !matches!(c, '<' | '>' | '='))
                    .unwrap_or(rel.len());
                (
                    name.trim().to_owned(),
                    Some((rel[..op_len].to_owned(), rel[op_len..].trim().to_owned())),
                )
            }
            None => (s.split_whitespace().collect::<Vec<_>>().join(" "), None),
        })
        .collect()
}

/// `Dpkg::Deps::deps_compare`: by package, relation, version text, alternative by alternative.
fn compare_deps(a: &str, b: &str) -> Ordering {
    fn rank(op: Option<&str>) -> u8 {
        match op {
            None => 0,
            Some(">=") => 1,
            Some(">>") => 2,
            Some("=") => 3,
            Some("<<") => 4,
            Some("<=") => 5,
            Some(_) => 6,
        }
    }
    let (a, b) = (parse_alternatives(a), parse_alternatives(b));
    for i in 0.. {
        match (a.get(i), b.get(i)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let (xo, xv) =
                    x.1.as_ref()
                        .map_or((None, ""), |(o, v)| (Some(o.as_str()), v));
                let (yo, yv) =
                    y.1.as_ref()
                        .map_or((None, ""), |(o, v)| (Some(o.as_str()), v));
                let c = x.0.cmp(&y.0).then(rank(xo).cmp(&rank(yo))).then(xv.cmp(yv));
                if c != Ordering::Equal {
                    return c;
                }
            }
        }
    }
    Ordering::Equal
}

/// The build root's dpkg database and library directories, read lazily.
struct Db<'a> {
    root: &'a Path,
    system_dirs: Vec<String>,
    /// Absolute path inside the root -> owning packages (`pkg` or `pkg:arch`).
    owners: Option<HashMap<String, Vec<String>>>,
    texts: HashMap<PathBuf, Option<String>>,
    abis: HashMap<PathBuf, Option<Abi>>,
}

impl<'a> Db<'a> {
    fn new(root: &'a Path) -> Result<Self, LibDepsError> {
        let mut dirs: Vec<String> = vec!["/lib".into(), "/usr/lib".into()];
        let mut seen = BTreeSet::new();
        parse_ldso_conf(root, "/etc/ld.so.conf", &mut dirs, &mut seen)?;
        for d in ["/lib32", "/usr/lib32", "/lib64", "/usr/lib64"] {
            dirs.push(d.to_owned());
        }
        Ok(Db {
            root,
            system_dirs: dirs,
            owners: None,
            texts: HashMap::new(),
            abis: HashMap::new(),
        })
    }

    fn in_root(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// `find_library`: every candidate, as an absolute path inside the root.
    fn find_library(&mut self, soname: &str, file: &ElfFile) -> Result<Vec<PathBuf>, LibDepsError> {
        let origin = format!("/{}", file.path.parent().unwrap_or(Path::new("")).display());
        let origin = origin.trim_end_matches('/').to_owned();
        let rpath: Vec<String> = file
            .runpath
            .iter()
            .map(|p| p.replace("${ORIGIN}", &origin).replace("$ORIGIN", &origin))
            .collect();
        let want = Abi::of(file);
        let mut out = Vec::new();
        for dir in rpath.iter().chain(self.system_dirs.clone().iter()) {
            let abs = normalize(&format!("{}/{soname}", dir.trim_end_matches('/')));
            let host = self.in_root(&abs.to_string_lossy());
            if fs::symlink_metadata(&host).is_err() || !host.exists() {
                continue;
            }
            if self.abi(&host)? == Some(want) {
                out.push(abs);
            }
        }
        Ok(out)
    }

    fn abi(&mut self, host: &Path) -> Result<Option<Abi>, LibDepsError> {
        if let Some(a) = self.abis.get(host) {
            return Ok(*a);
        }
        let data = fs::read(host)?;
        let abi = if data.starts_with(b"\x7fELF") {
            read_elf(&data, host.to_owned(), false)
                .ok()
                .map(|f| Abi::of(&f))
        } else {
            None
        };
        self.abis.insert(host.to_owned(), abi);
        Ok(abi)
    }

    /// The packages owning `lib` (then its real path inside the root).
    fn owners(&mut self, lib: &Path) -> Result<Vec<String>, LibDepsError> {
        if self.owners.is_none() {
            self.owners = Some(read_lists(&self.root.join("var/lib/dpkg/info"))?);
        }
        let owners = self.owners.as_ref().map(|o| {
            let direct = o.get(&*lib.to_string_lossy());
            let real = resolve(self.root, lib);
            direct
                .or_else(|| real.and_then(|r| o.get(&*r.to_string_lossy())))
                .cloned()
                .unwrap_or_default()
        });
        Ok(owners.unwrap_or_default())
    }

    fn text(&mut self, host: PathBuf) -> Result<Option<String>, LibDepsError> {
        if let Some(t) = self.texts.get(&host) {
            return Ok(t.clone());
        }
        let t = if host.is_file() {
            Some(String::from_utf8_lossy(&fs::read(&host)?).into_owned())
        } else {
            None
        };
        self.texts.insert(host, t.clone());
        Ok(t)
    }

    /// `find_symbols_file` + the object for `soname`.
    fn symbols_object(
        &mut self,
        pkg: &str,
        soname: &str,
        file: &ElfFile,
    ) -> Result<Option<SymObject>, LibDepsError> {
        let mut candidates = Vec::new();
        if let Some(arch) = debian_arch(file) {
            candidates.push(self.in_root(&format!("/etc/dpkg/symbols/{pkg}.symbols.{arch}")));
        }
        candidates.push(self.in_root(&format!("/etc/dpkg/symbols/{pkg}.symbols")));
        candidates.push(self.in_root(&format!("/var/lib/dpkg/info/{pkg}.symbols")));
        for c in candidates {
            if let Some(text) = self.text(c)?
                && has_soname(&text, soname)
            {
                return Ok(parse_object(&text, soname));
            }
        }
        Ok(None)
    }

    /// `add_shlibs_dep` without `debian/shlibs.local`.
    fn shlibs(&mut self, pkg: &str, soname: &str) -> Result<Option<String>, LibDepsError> {
        let candidates = [
            self.in_root("/etc/dpkg/shlibs.override"),
            self.in_root(&format!("/var/lib/dpkg/info/{pkg}.shlibs")),
            self.in_root("/etc/dpkg/shlibs.default"),
        ];
        for c in candidates {
            if let Some(text) = self.text(c)?
                && let Some(dep) = shlibs_dependency(&text, soname)
            {
                return Ok(Some(dep));
            }
        }
        Ok(None)
    }
}

/// `parse_ldso_conf`, with paths and `include` globs inside the root.
fn parse_ldso_conf(
    root: &Path,
    file: &str,
    dirs: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Result<(), LibDepsError> {
    let host = root.join(file.trim_start_matches('/'));
    if !seen.insert(file.to_owned()) || !host.is_file() {
        return Ok(());
    }
    let text = fs::read_to_string(&host)?;
    for line in text.lines() {
        let line = line.trim_end().trim_end_matches('/');
        if let Some(pattern) = line.strip_prefix("include") {
            let pattern = pattern.trim();
            if pattern.is_empty() {
                continue;
            }
            for inc in glob(root, pattern)? {
                parse_ldso_conf(root, &inc, dirs, seen)?;
            }
        } else if line.trim_start().starts_with('/') {
            let dir = line.trim_start().to_owned();
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    Ok(())
}

/// A glob whose wildcards (`*`, `?`) are in the last component, sorted.
fn glob(root: &Path, pattern: &str) -> Result<Vec<String>, LibDepsError> {
    let (dir, name) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    if !name.contains(['*', '?']) {
        return Ok(vec![pattern.to_owned()]);
    }
    let host = root.join(dir.trim_start_matches('/'));
    let mut out = Vec::new();
    if host.is_dir() {
        for entry in fs::read_dir(&host)? {
            let entry = entry?.file_name().to_string_lossy().into_owned();
            if !entry.starts_with('.') && wildcard(name.as_bytes(), entry.as_bytes()) {
                out.push(format!("{dir}/{entry}"));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&p[1..], s) || (!s.is_empty() && wildcard(p, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => wildcard(&p[1..], &s[1..]),
        _ => false,
    }
}

/// Every `*.list` of the dpkg database: path -> packages owning it.
fn read_lists(info: &Path) -> Result<HashMap<String, Vec<String>>, LibDepsError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if !info.is_dir() {
        return Ok(out);
    }
    let mut lists: Vec<(String, PathBuf)> = Vec::new();
    for entry in fs::read_dir(info)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pkg) = name.strip_suffix(".list") {
            lists.push((pkg.to_owned(), entry.path()));
        }
    }
    lists.sort();
    for (pkg, path) in lists {
        let text = fs::read(&path)?;
        for line in String::from_utf8_lossy(&text).lines() {
            if line.contains(".so") {
                out.entry(line.to_owned()).or_default().push(pkg.clone());
            }
        }
    }
    Ok(out)
}

/// `canonpath`: removes `.` and duplicate slashes (not `..`).
fn normalize(abs: &str) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in Path::new(abs).components() {
        if let Component::Normal(n) = c {
            out.push(n);
        } else if c == Component::ParentDir {
            out.push("..");
        }
    }
    out
}

/// The real path of `abs` inside `root`: symlinks followed, absolute ones
/// taken inside the root; `None` when it cannot be resolved.
fn resolve(root: &Path, abs: &Path) -> Option<PathBuf> {
    let mut pending: Vec<std::ffi::OsString> = abs
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut done = PathBuf::from("/");
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            done.pop();
            continue;
        }
        let candidate = done.join(&part);
        let host = root.join(candidate.strip_prefix("/").ok()?);
        let meta = fs::symlink_metadata(&host).ok()?;
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = fs::read_link(&host).ok()?;
            if target.is_absolute() {
                done = PathBuf::from("/");
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => pending.push(n.to_owned()),
                    Component::ParentDir => pending.push("..".into()),
                    _ => {}
                }
            }
        } else {
            done = candidate;
        }
    }
    Some(done)
}

/// The Debian architecture of an ELF file, for `etc/dpkg/symbols/PKG.symbols.ARCH`.
fn debian_arch(f: &ElfFile) -> Option<&'static str> {
    Some(match (f.machine, f.class64, f.little_endian) {
        (62, true, _) => "amd64",
        (62, false, _) => "x32",
        (3, _, _) => "i386",
        (183, _, _) => "arm64",
        (40, _, _) => "armhf",
        (21, true, true) => "ppc64el",
        (21, true, false) => "ppc64",
        (22, _, _) => "s390x",
        (243, true, _) => "riscv64",
        (258, true, _) => "loong64",
        _ => return None,
    })
}
