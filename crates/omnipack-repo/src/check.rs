//! `omnipack repo check`: reads a repository the way apt and dnf do and
//! reports every way they would fail on it, without writing anything.
//!
//! * Signatures: with a key (`--key`, else the repository's `sign-key`),
//!   each `Release` must have an `InRelease` and a `Release.gpg` that the
//!   key verifies, and each `repomd.xml` a `repomd.xml.asc`; a missing one
//!   is a problem (clients configured for the key refuse the repository).
//!   Without a key, signatures cannot be verified (said in a note), but an
//!   `InRelease` whose text is not the `Release` beside it is still found:
//!   apt would read the stale one.
//! * Indexes: every file a `Release` lists (and, with `Acquire-By-Hash`,
//!   its `by-hash/SHA256/` copy) and every metadata file a `repomd.xml`
//!   lists must exist with the listed size and digest.
//! * Packages: every `Packages` stanza and `primary` entry must name a
//!   file under the repository with the listed size and digest (what
//!   apt's "Hash Sum mismatch" and dnf's "checksum doesn't match" are
//!   about), and every `.deb`/`.rpm` present must be in an index (else no
//!   client sees it).
//!
//! Gem sources are not checked here.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use fs_err as fs;
use omnipack_core::Problem;
use omnipack_sign::{Verifier, cleartext_body};
use rayon::prelude::*;

use crate::RepoError;
use crate::config::{RepoConfig, config_path};

/// What [`check`] is asked for.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The public key (or the secret key, or a keyring file) to verify
    /// signatures with, instead of the repository's configured `sign-key`.
    pub key: Option<PathBuf>,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// The top indexes checked (`Release`, `repomd.xml`), sorted.
    pub indexes: Vec<PathBuf>,
    /// Package entries checked against their files.
    pub packages: usize,
    /// The fingerprint of the key signatures were verified with.
    pub key: Option<String>,
    /// Everything a client would fail on, by path.
    pub problems: Vec<Problem>,
    /// What could not be checked (signatures without a key).
    pub notes: Vec<String>,
}

impl CheckReport {
    /// Whether apt and dnf would read every index and package.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A digest an index lists for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Digest {
    Sha256(String),
    Sha512(String),
    Sha1(String),
    Md5(String),
}

impl Digest {
    /// From a yum `checksum type=` and its value.
    fn named(kind: &str, value: &str) -> Option<Digest> {
        let v = value.trim().to_ascii_lowercase();
        match kind {
            "sha256" => Some(Digest::Sha256(v)),
            "sha512" => Some(Digest::Sha512(v)),
            "sha1" | "sha" => Some(Digest::Sha1(v)),
            "md5" => Some(Digest::Md5(v)),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Digest::Sha256(_) => "SHA256",
            Digest::Sha512(_) => "SHA512",
            Digest::Sha1(_) => "SHA1",
            Digest::Md5(_) => "MD5",
        }
    }

    fn expected(&self) -> &str {
        match self {
            Digest::Sha256(v) | Digest::Sha512(v) | Digest::Sha1(v) | Digest::Md5(v) => v,
        }
    }

    /// The same digest of the file at `path`, in lower-case hex.
    fn of_file(&self, path: &Path) -> std::io::Result<String> {
        fn stream<D: sha2::Digest>(path: &Path) -> std::io::Result<String> {
            let mut f = fs::File::open(path)?;
            let mut d = D::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                d.update(&buf[..n]);
            }
            Ok(omnipack_core::hex(&d.finalize()))
        }
        match self {
            Digest::Sha256(_) => stream::<sha2::Sha256>(path),
            Digest::Sha512(_) => stream::<sha2::Sha512>(path),
            Digest::Sha1(_) => stream::<sha1::Sha1>(path),
            Digest::Md5(_) => stream::<md5::Md5>(path),
        }
    }
}

/// A file an index lists, to be checked against it.
#[derive(Debug)]
struct Expect {
    /// Where the client finds it.
    path: PathBuf,
    /// The listed size.
    size: Option<u64>,
    /// The listed digest.
    digest: Option<Digest>,
    /// The index that lists it.
    listed_in: PathBuf,
    /// A package (rather than an index file).
    package: bool,
    /// An uncompressed index whose compressed form is listed too: apt
    /// does without it.
    optional: bool,
}

/// `omnipack repo check`: see the module documentation. Fails only when
/// the repository cannot be read at all, or the key cannot be loaded.
pub fn check(repo: &Path, opts: &CheckOptions) -> Result<CheckReport, RepoError> {
    if !repo.is_dir() {
        return Err(RepoError::NotARepository(repo.to_path_buf()));
    }
    let verifier = match &opts.key {
        Some(key) => Some(Verifier::from_file(key)?),
        None => match RepoConfig::load(repo)?.and_then(|c| c.key_file(repo)) {
            Some(key) => {
                Some(
                    Verifier::from_file(&key).map_err(|source| RepoError::ConfiguredKey {
                        key,
                        config: config_path(repo),
                        source: Box::new(source),
                    })?,
                )
            }
            None => None,
        },
    };
    let mut found = Found::default();
    walk(repo, &mut found)?;

    let mut report = CheckReport {
        key: verifier.as_ref().map(|v| v.fingerprint.clone()),
        ..CheckReport::default()
    };
    let mut c = Checker {
        repo,
        verifier: verifier.as_ref(),
        expects: Vec::new(),
        indexed: HashSet::new(),
        problems: Vec::new(),
        unverified: 0,
    };
    for release in &found.releases {
        report.indexes.push(release.clone());
        check_release(&mut c, release)?;
    }
    for repomd in &found.repomds {
        report.indexes.push(repomd.clone());
        check_repomd(&mut c, repomd)?;
    }
    let Checker {
        expects,
        indexed,
        problems,
        unverified,
        ..
    } = c;
    report.problems = problems;
    report.indexes.sort();
    report.packages = expects.iter().filter(|e| e.package).count();

    let mut verified: Vec<Problem> = expects
        .par_iter()
        .filter_map(|e| verify_file(repo, e))
        .collect();
    report.problems.append(&mut verified);

    for package in &found.packages {
        if !indexed.contains(&normalize(package)) {
            let kind = if package.extension().is_some_and(|e| e == "deb") {
                "apt's `Packages`"
            } else {
                "yum's `primary`"
            };
            report.problems.push(Problem {
                path: package.clone(),
                message: format!(
                    "is in no index ({kind}), so no client sees it: run `omnipack repo index {}`, or remove it",
                    repo.display()
                ),
            });
        }
    }
    if unverified > 0 {
        report.notes.push(format!(
            "{unverified} signature file(s) not verified: `{}` names no signing key; pass --key PUBLIC-KEY",
            config_path(repo).display()
        ));
    }
    report.problems.sort_by(|a, b| a.path.cmp(&b.path));
    report.problems.dedup();
    Ok(report)
}

/// What the walk found: top indexes and package files.
#[derive(Debug, Default)]
struct Found {
    releases: Vec<PathBuf>,
    repomds: Vec<PathBuf>,
    packages: Vec<PathBuf>,
}

/// Every `Release`, `repodata/repomd.xml` and `.deb`/`.rpm` under `dir`,
/// hidden directories (ours: `.omnipack`, partial writes) and `by-hash`
/// skipped.
fn walk(dir: &Path, found: &mut Found) -> Result<(), RepoError> {
    let cannot = |error| RepoError::CannotRead {
        path: dir.to_path_buf(),
        error,
    };
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(cannot)?
        .collect::<Result<_, _>>()
        .map_err(cannot)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry.file_type().map_err(cannot)?;
        let path = entry.path();
        if ft.is_dir() {
            if name == "by-hash" {
                continue;
            }
            if name == "repodata" {
                let repomd = path.join("repomd.xml");
                if repomd.is_file() {
                    found.repomds.push(repomd);
                }
                continue;
            }
            walk(&path, found)?;
        } else if name == "Release" {
            found.releases.push(path);
        } else if name.ends_with(".deb") || name.ends_with(".rpm") {
            found.packages.push(path);
        }
    }
    Ok(())
}

/// `path` without `.` components (how a client's URL resolves `./x.deb`).
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// `rel` under `base`, if it stays there (no `..`, not absolute).
fn under(base: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    let safe = rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    safe.then(|| normalize(&base.join(rel)))
}

fn problem(path: &Path, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        message,
    }
}

/// How to fix an index or signature problem.
fn reindex_hint(repo: &Path) -> String {
    format!(
        "run `omnipack repo index {}` (with the repository's key, which repo.toml gives) to rewrite it",
        repo.display()
    )
}

/// The `name:` field's lines of a deb822 paragraph (`SHA256:` in a `Release`).
fn multiline_field<'a>(text: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let mut lines = text.lines();
    lines.find(|l| {
        l.split_once(':')
            .is_some_and(|(k, _)| k.eq_ignore_ascii_case(name))
    })?;
    Some(
        lines
            .take_while(|l| l.starts_with(' ') || l.starts_with('\t'))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

/// A single-line field of a deb822 paragraph.
fn field<'a>(para: &'a str, name: &str) -> Option<&'a str> {
    para.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (!l.starts_with(' ') && k.eq_ignore_ascii_case(name)).then(|| v.trim())
    })
}

/// Reads an index file, decompressed by its extension.
fn read_index(path: &Path) -> std::io::Result<String> {
    let file = fs::File::open(path)?;
    let mut text = String::new();
    let name = path.to_string_lossy();
    let mut reader: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else if name.ends_with(".xz") {
        Box::new(liblzma::read::XzDecoder::new(file))
    } else if name.ends_with(".zst") {
        Box::new(zstd::Decoder::new(file)?)
    } else {
        Box::new(file)
    };
    reader.read_to_string(&mut text)?;
    Ok(text)
}

/// What a check gathers while it reads the indexes.
struct Checker<'a> {
    repo: &'a Path,
    verifier: Option<&'a Verifier>,
    /// Files to check against what an index lists.
    expects: Vec<Expect>,
    /// Package files some index lists.
    indexed: HashSet<PathBuf>,
    problems: Vec<Problem>,
    /// Signatures present but not verified (no key).
    unverified: usize,
}

impl Checker<'_> {
    /// The detached signature `sig` over `signed` (the index `index`):
    /// verified with the key, counted unverified without one; missing with
    /// a key, a problem of `index` (`refusal`: what its clients do then).
    fn detached(
        &mut self,
        index: &Path,
        sig: &Path,
        signed: &[u8],
        refusal: &str,
    ) -> Result<(), RepoError> {
        let hint = reindex_hint(self.repo);
        match fs::read(sig) {
            Ok(bytes) => match self.verifier {
                Some(v) => {
                    if let Err(e) = v.verify_detached(&bytes, signed) {
                        self.problems.push(problem(sig, format!("{e}: {hint}")));
                    }
                }
                None => self.unverified += 1,
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(v) = self.verifier {
                    let name = sig.file_name().unwrap_or_default().to_string_lossy();
                    self.problems.push(problem(
                        index,
                        format!(
                            "has no `{name}`, though the repository is signed by key {}: {refusal}{hint}",
                            v.fingerprint
                        ),
                    ));
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

/// Signatures over `release` (`InRelease`, `Release.gpg`); the files its
/// `SHA256:` lists; the packages its `Packages` files list.
fn check_release(c: &mut Checker<'_>, release: &Path) -> Result<(), RepoError> {
    let (repo, verifier) = (c.repo, c.verifier);
    let dir = release.parent().unwrap_or(Path::new("."));
    let text = fs::read_to_string(release)?;

    // Signatures.
    let inrelease = dir.join("InRelease");
    let detached = dir.join("Release.gpg");
    match fs::read_to_string(&inrelease) {
        Ok(signed) => {
            let body = match verifier {
                Some(v) => v.verify_cleartext(&signed),
                None => {
                    c.unverified += 1;
                    cleartext_body(&signed)
                }
            };
            match body {
                Ok(body) if body.trim_end_matches('\n') == text.trim_end_matches('\n') => {}
                Ok(_) => c.problems.push(problem(
                    &inrelease,
                    format!(
                        "is stale: it signs another text than `Release` beside it, and apt reads it instead: {}",
                        reindex_hint(repo)
                    ),
                )),
                Err(e) => c.problems.push(problem(&inrelease, format!("{e}: {}", reindex_hint(repo)))),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(v) = verifier {
                c.problems.push(problem(
                    release,
                    format!(
                        "has no `InRelease`, though the repository is signed by key {}: apt refuses it as unsigned; {}",
                        v.fingerprint,
                        reindex_hint(repo)
                    ),
                ));
            }
        }
        Err(e) => return Err(e.into()),
    }
    c.detached(release, &detached, text.as_bytes(), "")?;

    // The files it lists.
    let Some(lines) = multiline_field(&text, "SHA256") else {
        c.problems.push(problem(
            release,
            format!(
                "lists no SHA256 digests, which apt requires: {}",
                reindex_hint(repo)
            ),
        ));
        return Ok(());
    };
    let by_hash = field(&text, "Acquire-By-Hash").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let mut listed = Vec::new();
    for line in lines {
        let mut parts = line.split_whitespace();
        let (Some(hash), Some(size), Some(rel)) = (parts.next(), parts.next(), parts.next()) else {
            c.problems.push(problem(
                release,
                format!("has a malformed SHA256 line `{line}`"),
            ));
            continue;
        };
        let Some(path) = under(dir, rel) else {
            c.problems.push(problem(
                release,
                format!("lists `{rel}`, which leaves its directory"),
            ));
            continue;
        };
        listed.push((
            hash.to_ascii_lowercase(),
            size.parse::<u64>().ok(),
            rel.to_owned(),
            path,
        ));
    }
    let names: HashSet<&str> = listed.iter().map(|(_, _, rel, _)| rel.as_str()).collect();
    for (hash, size, rel, path) in &listed {
        let compressed_listed = [".gz", ".xz", ".zst", ".bz2", ".lz4"]
            .iter()
            .any(|ext| names.contains(format!("{rel}{ext}").as_str()));
        c.expects.push(Expect {
            path: path.clone(),
            size: *size,
            digest: Some(Digest::Sha256(hash.clone())),
            listed_in: release.to_path_buf(),
            package: false,
            optional: compressed_listed,
        });
        if by_hash && path.exists() {
            let parent = path.parent().unwrap_or(dir);
            c.expects.push(Expect {
                path: parent.join("by-hash/SHA256").join(hash),
                size: *size,
                digest: Some(Digest::Sha256(hash.clone())),
                listed_in: release.to_path_buf(),
                package: false,
                optional: false,
            });
        }
    }

    // The packages its `Packages` files list: one form per directory.
    let base = match dir.parent() {
        Some(p) if p.file_name().is_some_and(|n| n == "dists") => {
            p.parent().unwrap_or(Path::new(".")).to_path_buf()
        }
        _ => dir.to_path_buf(),
    };
    let mut seen_dirs = HashSet::new();
    for form in ["Packages", "Packages.xz", "Packages.gz", "Packages.zst"] {
        for (_, _, rel, path) in &listed {
            let name = Path::new(rel).file_name().and_then(|n| n.to_str());
            if name != Some(form) || !path.is_file() {
                continue;
            }
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            if !seen_dirs.insert(parent) {
                continue;
            }
            let packages = match read_index(path) {
                Ok(t) => t,
                Err(e) => {
                    c.problems
                        .push(problem(path, format!("cannot be read: {e}")));
                    continue;
                }
            };
            for para in packages.split("\n\n").filter(|p| !p.trim().is_empty()) {
                let name = field(para, "Package").unwrap_or("");
                let Some(filename) = field(para, "Filename") else {
                    c.problems.push(problem(
                        path,
                        format!("has a stanza for `{name}` without `Filename`"),
                    ));
                    continue;
                };
                let Some(file) = under(&base, filename) else {
                    c.problems.push(problem(
                        path,
                        format!("lists `{filename}`, which leaves the repository"),
                    ));
                    continue;
                };
                let digest = field(para, "SHA256").map(|h| Digest::Sha256(h.to_ascii_lowercase()));
                if digest.is_none() {
                    c.problems.push(problem(
                        path,
                        format!("lists `{filename}` without a SHA256 digest, which apt requires"),
                    ));
                }
                c.indexed.insert(file.clone());
                c.expects.push(Expect {
                    path: file,
                    size: field(para, "Size").and_then(|s| s.parse().ok()),
                    digest,
                    listed_in: path.clone(),
                    package: true,
                    optional: false,
                });
            }
        }
    }
    Ok(())
}

/// One `<data>` or `<package>` of yum metadata being read.
#[derive(Debug, Default)]
struct YumEntry {
    kind: String,
    href: Option<String>,
    checksum: Option<(String, String)>,
    size: Option<u64>,
}

/// The `<data>` (in `repomd.xml`) or `<package>` (in `primary.xml`)
/// entries of a yum metadata file (`entry` names the element): each one's
/// own `<location href>`, `<checksum type>` and size (`<size package=N>`
/// in primary, `<size>N</size>` in repomd), not those of nested elements.
fn yum_entries(xml: &str, entry: &str) -> Result<Vec<YumEntry>, String> {
    use quick_xml::events::{BytesStart, Event};
    fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
        e.attributes().flatten().find_map(|a| {
            (a.key.local_name().as_ref() == key)
                .then(|| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                })
                .flatten()
        })
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<YumEntry> = None;
    // Element names from the root down to the one being read.
    let mut stack: Vec<String> = Vec::new();
    let mut checksum_kind = String::new();
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                let empty = matches!(event, Event::Empty(_));
                if name == entry && current.is_none() {
                    current = Some(YumEntry {
                        kind: attr(e, "type").unwrap_or_default(),
                        ..YumEntry::default()
                    });
                } else if let Some(cur) = current.as_mut()
                    && stack.last().is_some_and(|p| p == entry)
                {
                    match name.as_str() {
                        "location" => {
                            if attr(e, "base").is_some() {
                                return Err(
                                    "uses `xml:base` locations, which are not checked here".into(),
                                );
                            }
                            cur.href = attr(e, "href");
                        }
                        "checksum" => checksum_kind = attr(e, "type").unwrap_or_default(),
                        "size" => {
                            if let Some(n) = attr(e, "package") {
                                cur.size = n.parse().ok();
                            }
                        }
                        _ => {}
                    }
                }
                if empty {
                    if name == entry {
                        out.extend(current.take());
                    }
                } else {
                    stack.push(name);
                }
            }
            Event::Text(t) => {
                let n = stack.len();
                let own = n >= 2 && stack[n - 2] == entry;
                if let (true, Some(cur)) = (own, current.as_mut()) {
                    let value = t.xml10_content().into_owned();
                    match stack[n - 1].as_str() {
                        "checksum" => cur.checksum = Some((checksum_kind.clone(), value)),
                        "size" if cur.size.is_none() => cur.size = value.trim().parse().ok(),
                        _ => {}
                    }
                }
            }
            // The guard pops every closed element; an entry's end completes it.
            Event::End(_) if stack.pop().is_some_and(|n| n == entry) => {
                out.extend(current.take());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The signature over `repomd`; the metadata files it lists; the packages
/// its `primary` lists.
fn check_repomd(c: &mut Checker<'_>, repomd: &Path) -> Result<(), RepoError> {
    let repodata = repomd.parent().unwrap_or(Path::new("."));
    let leaf = repodata.parent().unwrap_or(Path::new("."));
    let bytes = fs::read(repomd)?;
    let asc = repodata.join("repomd.xml.asc");
    c.detached(
        repomd,
        &asc,
        &bytes,
        "dnf with repo_gpgcheck=1 refuses it; ",
    )?;
    let xml = String::from_utf8_lossy(&bytes);
    let data = match yum_entries(&xml, "data") {
        Ok(d) => d,
        Err(e) => {
            c.problems
                .push(problem(repomd, format!("cannot be read: {e}")));
            return Ok(());
        }
    };
    for d in &data {
        let Some(href) = d.href.as_deref() else {
            c.problems.push(problem(
                repomd,
                format!("lists `{}` metadata without a location", d.kind),
            ));
            continue;
        };
        let Some(path) = under(leaf, href) else {
            c.problems.push(problem(
                repomd,
                format!("lists `{href}`, which leaves its directory"),
            ));
            continue;
        };
        let digest = d
            .checksum
            .as_ref()
            .and_then(|(kind, value)| Digest::named(kind, value));
        c.expects.push(Expect {
            path: path.clone(),
            size: d.size,
            digest,
            listed_in: repomd.to_path_buf(),
            package: false,
            optional: false,
        });
        if d.kind != "primary" || !path.is_file() {
            continue;
        }
        let primary = match read_index(&path) {
            Ok(t) => t,
            Err(e) => {
                c.problems
                    .push(problem(&path, format!("cannot be read: {e}")));
                continue;
            }
        };
        let packages = match yum_entries(&primary, "package") {
            Ok(p) => p,
            Err(e) => {
                c.problems
                    .push(problem(&path, format!("cannot be read: {e}")));
                continue;
            }
        };
        for p in packages {
            let Some(href) = p.href else {
                c.problems
                    .push(problem(&path, "lists a package without a location".into()));
                continue;
            };
            let Some(file) = under(leaf, &href) else {
                c.problems.push(problem(
                    &path,
                    format!("lists `{href}`, which leaves the repository"),
                ));
                continue;
            };
            c.indexed.insert(file.clone());
            c.expects.push(Expect {
                path: file,
                size: p.size,
                digest: p
                    .checksum
                    .as_ref()
                    .and_then(|(kind, value)| Digest::named(kind, value)),
                listed_in: path.clone(),
                package: true,
                optional: false,
            });
        }
    }
    Ok(())
}

/// A file against what its index lists: present, same size, same digest.
fn verify_file(repo: &Path, e: &Expect) -> Option<Problem> {
    let listed = e.listed_in.display();
    let fix = if e.package {
        format!(
            "put back the file that was indexed, or run `omnipack repo index {}` to index the file as it is",
            repo.display()
        )
    } else {
        reindex_hint(repo)
    };
    let meta = match fs::metadata(&e.path) {
        Ok(m) => m,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if e.optional {
                return None;
            }
            return Some(problem(
                &e.path,
                format!("is listed in `{listed}` but missing (clients get 404): {fix}"),
            ));
        }
        Err(err) => return Some(problem(&e.path, format!("cannot be read: {err}"))),
    };
    if let Some(size) = e.size
        && meta.len() != size
    {
        return Some(problem(
            &e.path,
            format!(
                "is {} bytes, `{listed}` lists {size} (clients fail with a size or hash mismatch): {fix}",
                meta.len()
            ),
        ));
    }
    if let Some(d) = &e.digest {
        match d.of_file(&e.path) {
            Ok(actual) if actual == d.expected() => {}
            Ok(actual) => {
                return Some(problem(
                    &e.path,
                    format!(
                        "has {} {actual}, `{listed}` lists {} (apt: \"Hash Sum mismatch\", dnf: \"checksum doesn't match\"): {fix}",
                        d.name(),
                        d.expected()
                    ),
                ));
            }
            Err(err) => return Some(problem(&e.path, format!("cannot be read: {err}"))),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_fields_and_paths() {
        let text = "Origin: x\nAcquire-By-Hash: yes\nSHA256:\n abc 12 Packages\n def 3 Packages.gz\nSHA512:\n zz 1 Packages\n";
        assert_eq!(
            multiline_field(text, "SHA256").unwrap(),
            ["abc 12 Packages", "def 3 Packages.gz"]
        );
        assert_eq!(field(text, "acquire-by-hash"), Some("yes"));
        assert_eq!(
            under(Path::new("r"), "./a.deb"),
            Some(PathBuf::from("r/a.deb"))
        );
        assert_eq!(under(Path::new("r"), "../a.deb"), None);
        assert_eq!(under(Path::new("r"), "/etc/passwd"), None);
    }

    #[test]
    fn yum_entries_take_the_package_checksum_not_the_format_s() {
        let xml = r#"<metadata><package type="rpm"><name>a</name>
<checksum type="sha256" pkgid="YES">ABC</checksum>
<size package="10" installed="3" archive="4"/>
<location href="a-1.rpm"/>
<format><rpm:provides/></format></package></metadata>"#;
        let p = yum_entries(xml, "package").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].href.as_deref(), Some("a-1.rpm"));
        assert_eq!(p[0].size, Some(10));
        assert_eq!(p[0].checksum, Some(("sha256".to_owned(), "ABC".to_owned())));
        let repomd = r#"<repomd><data type="primary"><checksum type="sha256">x</checksum>
<location href="repodata/p.xml.gz"/><size>66</size></data></repomd>"#;
        let d = yum_entries(repomd, "data").unwrap();
        assert_eq!(d[0].kind, "primary");
        assert_eq!(d[0].href.as_deref(), Some("repodata/p.xml.gz"));
        assert_eq!(d[0].size, Some(66));
    }
}
