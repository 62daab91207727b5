//! `bundle install`: Crowbar's `barclamp_install.rb`, finished.
//!
//! For the given sources (tarballs, bundle directories, installed names):
//! open and check each (tarballs unpacked into a private temporary
//! directory, hostile entries and checksum mismatches refused), order them
//! ([`crate::order`]), refuse any installed bundle with local changes unless
//! `--force` — all before anything is written — then install each bundle as
//! one journaled transaction ([`crate::journal`]):
//!
//! * the bundle itself becomes `ROOT/bundles/<name>/` (swapped in whole, so
//!   files the new version no longer has are gone);
//! * `cache/files` is merged into the served `files/`, `cache/gems` into
//!   `<gems>/gems/`, each `cache/<os>/pkgs` file linked from
//!   `<os>/extra/<name>/`, the directories named in the admin config copied
//!   where it says; what the old version placed and the new one does not is
//!   removed, as is every link under `<os>/extra/` left dangling;
//! * the apt/yum index of every touched `<os>/extra/<name>/` is regenerated
//!   with `omnipack_repo::index`, and the gem directory re-indexed
//!   ([`crate::gems::reindex_gem_dir`]);
//! * the installed-state record is written last.
//!
//! Then the admin config's `after_install` commands run for the bundle, and
//! once at the end its `notify` command.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_archive::Progress;
use omnipack_repo::apt::AptOptions;
use omnipack_repo::yum::YumOptions;
use omnipack_repo::{IndexKind, IndexOptions, Layout};
use serde::Serialize;

use crate::BundleError;
use crate::config::AdminConfig;
use crate::error::Obstacle;
use crate::gems::{GemIndexOutcome, reindex_gem_dir};
use crate::hooks::run_shell;
use crate::journal::{self, Journal, Kind, Op, State, Steps};
use crate::layout::{
    BUNDLES_DIR, DOT_DIR, INDEX_CACHE, LOCK_FILE, RECORDS_DIR, STAGE_DIR, TRASH_DIR,
};
use crate::manifest::{Manifest, valid_name};
use crate::order::{Node, order};
use crate::relpath::{rel_string, relative_link, resolve};
use crate::state::{self, Placed, Record};
use crate::sums::{self, Algo, FileDigest, SHA1SUMS, SHA256SUMS, Sums};
use crate::tarball::Unpacked;

/// How to install.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// The admin root.
    pub root: PathBuf,
    /// Overwrite local changes.
    pub force: bool,
    /// Print the plan, write nothing.
    pub dry_run: bool,
    /// Fault injection: stop after this many steps (as if killed).
    pub fail_after: Option<u64>,
    /// The install time recorded.
    pub now: u64,
    /// The `Release` date and yum revision of regenerated indexes.
    pub index_date: u64,
}

/// What a change does to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new path.
    Add,
    /// An existing path gets new contents.
    Replace,
    /// A path goes.
    Remove,
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What.
    pub action: Action,
    /// The path, relative to the root.
    pub path: String,
}

/// The plan for one bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundlePlan {
    /// Name.
    pub name: String,
    /// New version.
    pub version: String,
    /// Installed version, if any.
    pub old_version: Option<String>,
    /// `crowbar.order`.
    pub order: i64,
    /// Where it comes from.
    pub source: String,
    /// Changes, by path.
    pub changes: Vec<Change>,
    /// Index leaves regenerated afterwards.
    pub leaves: Vec<String>,
    /// Whether the gem directory changes.
    pub gems: bool,
}

/// How an interrupted install was recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovered {
    /// The bundle.
    pub bundle: String,
    /// `rolled back` or `completed`.
    pub action: String,
    /// What went wrong regenerating indexes while completing it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What an install did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct InstallReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// An interrupted install found and recovered first.
    pub recovered: Option<Recovered>,
    /// The bundles, in install order.
    pub bundles: Vec<BundlePlan>,
    /// Gem index outcome, when the gem directory changed.
    pub gem_index: Option<GemIndexOutcome>,
    /// Commands run (`after_install`, `notify`) and their output.
    pub commands: Vec<(String, String)>,
    /// What did not stop the install but needs attention (an index that
    /// could not be regenerated, with the command that does it).
    pub warnings: Vec<String>,
}

/// The held lock of an admin root (released when dropped, or when the
/// process dies: an `flock`).
#[derive(Debug)]
pub struct RootLock {
    _file: fs::File,
}

/// Takes the root's lock (waiting for another omnipack holding it) and
/// recovers an interrupted install. `None` when the root has no
/// `.omnipack/` and `create` is false (nothing to recover or lock).
pub fn open_root(
    root: &Path,
    create: bool,
    index_date: u64,
    progress: &dyn Progress,
) -> Result<(Option<RootLock>, Option<Recovered>), BundleError> {
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(BundleError::NoRoot {
                root: root.to_path_buf(),
                exists: true,
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BundleError::NoRoot {
                root: root.to_path_buf(),
                exists: false,
            });
        }
        Err(e) => return Err(BundleError::Io(e)),
    }
    let dot = root.join(DOT_DIR);
    if !dot.is_dir() {
        if !create {
            return Ok((None, None));
        }
        fs::create_dir_all(&dot)?;
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(LOCK_FILE))?;
    file.file().lock().map_err(|e| {
        std::io::Error::other(format!(
            "cannot lock `{}`: {e}",
            root.join(LOCK_FILE).display()
        ))
    })?;
    let lock = RootLock { _file: file };
    let recovered = recover(root, index_date, progress)?;
    Ok((Some(lock), recovered))
}

/// Finishes or rolls back the install a journal left, if any.
fn recover(
    root: &Path,
    index_date: u64,
    progress: &dyn Progress,
) -> Result<Option<Recovered>, BundleError> {
    let Some(mut j) = Journal::load(root)? else {
        return Ok(None);
    };
    let mut warnings = Vec::new();
    let action = match j.state {
        State::Preparing => {
            journal::cleanup(root, &j)?;
            Journal::remove(root)?;
            "rolled back"
        }
        State::Applying | State::Cleanup => {
            let steps = Steps::new(None);
            if j.state == State::Applying {
                for op in &j.ops {
                    journal::apply(root, op, &j.keep)?;
                }
                let config = AdminConfig::load(root)?;
                let (_, warned) = post(root, &j, &config, index_date, &steps, progress)?;
                warnings.extend(warned);
                j.state = State::Cleanup;
                j.save(root)?;
            }
            journal::cleanup(root, &j)?;
            Journal::remove(root)?;
            "completed"
        }
    };
    progress.note(&format!(
        "recovered an interrupted install of bundle `{}`: {action}",
        j.bundle
    ));
    Ok(Some(Recovered {
        bundle: j.bundle,
        action: action.into(),
        warnings,
    }))
}

/// The regeneration after the renames: indexes, then the gem directory.
/// A failure here does not stop the transaction (the renames are done and
/// an index can be regenerated any time): it comes back as a warning, with
/// what to run once the cause is fixed.
fn post(
    root: &Path,
    j: &Journal,
    config: &AdminConfig,
    index_date: u64,
    steps: &Steps,
    progress: &dyn Progress,
) -> Result<(Option<GemIndexOutcome>, Vec<String>), BundleError> {
    let mut warnings = Vec::new();
    let leaves: Vec<PathBuf> = j
        .leaves
        .iter()
        .map(|l| root.join(l))
        .filter(|l| fs::symlink_metadata(l).is_ok_and(|m| m.is_dir()))
        .collect();
    if !leaves.is_empty() {
        let opts = IndexOptions {
            layout: Layout::Flat,
            kind: IndexKind::Auto,
            signer: None,
            strict: false,
            keep: 2,
            apt: AptOptions {
                origin: None,
                label: None,
                suite: None,
                codename: None,
                date: index_date,
            },
            yum: YumOptions {
                zstd: false,
                date: index_date,
            },
            cache_dir: Some(root.join(INDEX_CACHE)),
            leaves: Some(leaves),
        };
        if let Err(e) = omnipack_repo::index(root, &opts, progress) {
            warnings.push(format!(
                "bundle `{}` is installed, but regenerating the package indexes of {} failed: {}; run `omnipack repo index {}` once the cause is fixed",
                j.bundle,
                j.leaves
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                error_chain(&e),
                root.display()
            ));
        }
    }
    steps.step()?;
    let mut gem = None;
    if j.gems {
        match reindex_gem_dir(root, &config.gem_dir(root), config, index_date) {
            Ok(g) => gem = Some(g),
            Err(e) => {
                let mut w = format!(
                    "bundle `{}` is installed, but {}",
                    j.bundle,
                    error_chain(&e)
                );
                if let Some(hint) = e.hint() {
                    w.push_str(&format!("; {hint}"));
                }
                warnings.push(w);
            }
        }
    }
    steps.step()?;
    Ok((gem, warnings))
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(&format!(": {c}"));
        cur = c.source();
    }
    s
}

/// A source opened and checked.
struct Opened {
    manifest: Manifest,
    dir: PathBuf,
    source: String,
    _tmp: Option<Unpacked>,
}

fn open_source(
    arg: &str,
    root: &Path,
    installed: &BTreeMap<String, Record>,
    progress: &dyn Progress,
) -> Result<Opened, BundleError> {
    let p = Path::new(arg);
    let display = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    if p.is_file() {
        let unpacked = crate::tarball::unpack(p, progress)?;
        let manifest = Manifest::load(&unpacked.dir)?;
        return Ok(Opened {
            manifest,
            dir: unpacked.dir.clone(),
            source: display(p),
            _tmp: Some(unpacked),
        });
    }
    if p.is_dir() {
        let manifest = Manifest::load(p)?;
        if let Some((sums_path, sums)) = Sums::read_best(p)? {
            let check = sums::check(p, &sums, progress)?;
            if !check.pristine() {
                return Err(BundleError::Checksums {
                    path: p.to_path_buf(),
                    sums: sums_path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    summary: check.summary(),
                });
            }
        }
        return Ok(Opened {
            manifest,
            dir: p.to_path_buf(),
            source: display(p),
            _tmp: None,
        });
    }
    if let Some(r) = installed.get(arg) {
        let dir = root.join(BUNDLES_DIR).join(arg);
        return Ok(Opened {
            manifest: Manifest::load(&dir)?,
            dir,
            source: r.source.clone(),
            _tmp: None,
        });
    }
    Err(BundleError::UnknownSource {
        name: arg.to_owned(),
        root: root.to_path_buf(),
    })
}

/// Installs `sources` into `opts.root`.
pub fn install(
    sources: &[String],
    opts: &InstallOptions,
    progress: &dyn Progress,
) -> Result<InstallReport, BundleError> {
    let root = opts.root.as_path();
    let (_lock, recovered) = if opts.dry_run {
        (None, None)
    } else {
        open_root(root, true, opts.index_date, progress)?
    };
    let config = AdminConfig::load(root)?;
    let mut installed = state::installed(root)?;

    let mut opened: Vec<Opened> = Vec::new();
    for s in sources {
        let o = open_source(s, root, &installed, progress)?;
        if let Some(prev) = opened
            .iter()
            .find(|p| p.manifest.name() == o.manifest.name())
        {
            return Err(BundleError::Duplicate {
                name: o.manifest.name().to_owned(),
                first: prev.source.clone(),
                second: o.source,
            });
        }
        opened.push(o);
    }
    let nodes: Vec<Node> = opened
        .iter()
        .map(|o| Node {
            name: o.manifest.name().to_owned(),
            order: o.manifest.order(),
            requires: o.manifest.barclamp.requires.clone(),
            groups: o.manifest.groups().map(str::to_owned).collect(),
        })
        .collect();
    let groups: BTreeMap<String, Vec<String>> = installed
        .iter()
        .map(|(n, r)| (n.clone(), r.groups().map(str::to_owned).collect()))
        .collect();
    let sequence = order(&nodes, &groups, root)?;

    if !opts.force {
        for &i in &sequence {
            if let Some(r) = installed.get(opened[i].manifest.name()) {
                let c = state::check_installed(root, r, &installed, progress)?;
                if !c.pristine() {
                    return Err(BundleError::LocalChanges {
                        name: r.name.clone(),
                        root: root.to_path_buf(),
                        files: c.lines(),
                    });
                }
            }
        }
    }

    let steps = Steps::new(opts.fail_after);
    let pending = match (opts.dry_run, Journal::load(root)?) {
        (true, Some(j)) => Some(Recovered {
            bundle: j.bundle,
            action: "left unfinished; the next install, list or status recovers it before anything else (the plan below does not account for it)".into(),
            warnings: Vec::new(),
        }),
        _ => None,
    };
    let mut report = InstallReport {
        dry_run: opts.dry_run,
        recovered: recovered.or(pending),
        bundles: Vec::new(),
        gem_index: None,
        commands: Vec::new(),
        warnings: Vec::new(),
    };
    for &i in &sequence {
        let o = &opened[i];
        let prepared = prepare(root, &config, o, &installed, opts, progress)?;
        if !opts.dry_run {
            let (gem, warned) = commit(root, &config, &prepared, opts, &steps, progress)?;
            report.warnings.extend(warned);
            if gem.is_some() {
                report.gem_index = gem;
            }
            installed.insert(prepared.record.name.clone(), prepared.record.clone());
            let dir = root.join(BUNDLES_DIR).join(&prepared.record.name);
            for cmd in &config.after_install {
                let out = run_shell(
                    root,
                    cmd,
                    &format!("after_install of bundle `{}`", prepared.record.name),
                    &[
                        ("OMNIPACK_BUNDLE", OsStr::new(&prepared.record.name)),
                        (
                            "OMNIPACK_BUNDLE_VERSION",
                            OsStr::new(&prepared.record.version),
                        ),
                        ("OMNIPACK_BUNDLE_DIR", dir.as_os_str()),
                    ],
                )?;
                report.commands.push((cmd.clone(), out));
            }
        }
        report.bundles.push(prepared.plan);
    }
    if !opts.dry_run
        && !report.bundles.is_empty()
        && let Some(cmd) = &config.notify
    {
        let out = run_shell(root, cmd, "notify", &[])?;
        report.commands.push((cmd.clone(), out));
    }
    Ok(report)
}

/// What to put into the staging directory.
#[derive(Debug)]
enum Stage {
    /// The whole bundle directory, plus missing checksum files.
    Bundle {
        from: PathBuf,
        to: String,
        extra: Vec<(String, String)>,
    },
    /// A copied file.
    File { from: PathBuf, to: String },
    /// A symbolic link.
    Link { target: String, to: String },
    /// Bytes (the record).
    Bytes { bytes: Vec<u8>, to: String },
}

/// One bundle's transaction, computed against the root as it is now.
#[derive(Debug)]
struct Prepared {
    plan: BundlePlan,
    journal: Journal,
    stages: Vec<Stage>,
    record: Record,
}

/// What the apt and yum indexers write into a leaf (`omnipack_repo::apt`,
/// `omnipack_repo::yum`): removed with the leaf's last package.
const GENERATED_INDEX: &[&str] = &[
    "Packages",
    "Packages.gz",
    "Packages.xz",
    "Release",
    "InRelease",
    "Release.gpg",
    "by-hash",
    "repodata",
];

/// Whether the parents of `target` (relative to `root`) are real
/// directories or missing: not a symbolic link, and not a file unless
/// `deleted` (this transaction removes it before the puts).
fn check_parents(root: &Path, target: &str, deleted: &BTreeSet<String>) -> Result<(), Obstacle> {
    let parts: Vec<&str> = target.split('/').collect();
    for i in 1..parts.len() {
        let prefix = parts[..i].join("/");
        match fs::symlink_metadata(root.join(&prefix)) {
            Err(_) => break,
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Obstacle::LinkParent(root.join(&prefix)));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) if deleted.contains(&prefix) => break,
            Ok(_) => return Err(Obstacle::FileParent(root.join(&prefix))),
        }
    }
    Ok(())
}

/// Whether `target` (or its nearest existing parent) is on the filesystem
/// `dev` of `ROOT/.omnipack`: a rename across filesystems fails.
fn check_same_fs(root: &Path, target: &str, dev: u64) -> Result<(), Obstacle> {
    let mut p = root.join(target);
    loop {
        if let Ok(m) = fs::symlink_metadata(&p) {
            if m.dev() != dev {
                return Err(Obstacle::OtherFilesystem {
                    path: p,
                    dot: root.join(DOT_DIR),
                });
            }
            return Ok(());
        }
        if !p.pop() || !p.starts_with(root) {
            return Ok(());
        }
    }
}

fn is_package(name: &str) -> bool {
    name.ends_with(".deb") || name.ends_with(".rpm")
}

fn prepare(
    root: &Path,
    config: &AdminConfig,
    o: &Opened,
    installed: &BTreeMap<String, Record>,
    opts: &InstallOptions,
    progress: &dyn Progress,
) -> Result<Prepared, BundleError> {
    let name = o.manifest.name().to_owned();
    let old = installed.get(&name);
    let txn = format!("{}-{}", name, opts.now);
    let stage_dir = format!("{STAGE_DIR}/{txn}");
    let trash_dir = format!("{TRASH_DIR}/{txn}");
    let conflict = |target: &str, obstacle: Obstacle| BundleError::Conflict {
        bundle: name.clone(),
        target: root.join(target),
        obstacle,
    };

    // The installed copy: every file, checksum files added where missing.
    let all = sums::list_files(&o.dir)?;
    let content: Vec<String> = all
        .iter()
        .filter(|r| !sums::excluded(Algo::Sha256, r))
        .cloned()
        .collect();
    let digests: BTreeMap<String, FileDigest> = sums::hash_all(&o.dir, &content, true, progress)?;
    let (s256, s1) = sums::render_both(&digests)?;
    let mut extra = Vec::new();
    if !o.dir.join(SHA256SUMS).is_file() {
        extra.push((SHA256SUMS.to_owned(), s256.render()));
    }
    if !o.dir.join(SHA1SUMS).is_file() {
        extra.push((SHA1SUMS.to_owned(), s1.render()));
    }
    let bundle_rel = format!("{BUNDLES_DIR}/{name}");
    let mut stages = vec![Stage::Bundle {
        from: o.dir.clone(),
        to: format!("{stage_dir}/bundle"),
        extra,
    }];
    let mut ops = vec![Op::SwapDir {
        target: bundle_rel.clone(),
        stage: format!("{stage_dir}/bundle"),
        old: format!("{trash_dir}/bundle"),
    }];
    let mut changes = Vec::new();
    let new_files: BTreeMap<String, String> = digests
        .iter()
        .map(|(r, d)| (r.clone(), d.sha256.clone()))
        .collect();
    match old {
        Some(old) => {
            for (r, h) in &new_files {
                match old.files.get(r) {
                    None => changes.push((Action::Add, format!("{bundle_rel}/{r}"))),
                    Some(oh) if oh != h => {
                        changes.push((Action::Replace, format!("{bundle_rel}/{r}")))
                    }
                    Some(_) => {}
                }
            }
            for r in old.files.keys().filter(|r| !new_files.contains_key(*r)) {
                changes.push((Action::Remove, format!("{bundle_rel}/{r}")));
            }
        }
        None => changes.push((Action::Add, format!("{bundle_rel}/"))),
    }

    // Placements in the served tree.
    let served = &config.served;
    let mut placed: BTreeMap<String, Placed> = BTreeMap::new();
    let mut sources_of: BTreeMap<String, String> = BTreeMap::new();
    let mut oses: BTreeSet<String> = BTreeSet::new();
    for rel in &all {
        let parts: Vec<&str> = rel.split('/').collect();
        let target = match parts.as_slice() {
            ["cache", "files", rest @ ..] if !rest.is_empty() => {
                Some((format!("{}/{}", served.files, rest.join("/")), false))
            }
            ["cache", "gems", rest @ ..] if !rest.is_empty() => {
                Some((format!("{}/gems/{}", served.gems, rest.join("/")), false))
            }
            ["cache", os, "pkgs", rest @ ..] if !rest.is_empty() => {
                if !valid_name(os)
                    || *os == BUNDLES_DIR
                    || *os == served.files
                    || *os == served.gems
                {
                    return Err(conflict(os, Obstacle::OsToken((*os).to_owned())));
                }
                oses.insert((*os).to_owned());
                Some((
                    format!("{os}/{}/{name}/{}", served.extra, rest.join("/")),
                    true,
                ))
            }
            [top, rest @ ..] if !rest.is_empty() && config.dirs.contains_key(*top) => Some((
                format!(
                    "{}/{}",
                    config.dirs[*top].trim_end_matches('/'),
                    rest.join("/")
                ),
                false,
            )),
            _ => None,
        };
        let Some((target, link)) = target else {
            continue;
        };
        if let Some(first) = sources_of.insert(target.clone(), rel.clone()) {
            return Err(conflict(
                &target,
                Obstacle::TwoSources {
                    first,
                    second: rel.clone(),
                },
            ));
        }
        let p = if link {
            Placed::Link {
                target: relative_link(&target, &format!("{bundle_rel}/{rel}")),
            }
        } else {
            let mode = fs::metadata(o.dir.join(rel))?.permissions().mode() & 0o777;
            let sha256 = match digests.get(rel) {
                Some(d) => d.sha256.clone(),
                None => sums::hash_file(&o.dir.join(rel), false)?.sha256,
            };
            Placed::File {
                sha256,
                from: rel.clone(),
                mode,
            }
        };
        placed.insert(target, p);
    }

    let mut gems = false;
    let gem_prefix = format!("{}/", served.gems);
    // The roots of the served tree: never removed when a delete leaves
    // them empty (the indexers and `omnipack serve` expect them).
    let mut keep: BTreeSet<String> = BTreeSet::new();
    keep.insert(served.files.trim_end_matches('/').to_owned());
    keep.insert(format!("{}/gems", served.gems.trim_end_matches('/')));
    for d in config.dirs.values() {
        keep.insert(d.trim_end_matches('/').to_owned());
    }
    for os in oses.iter().chain(old.iter().flat_map(|r| r.os.iter())) {
        keep.insert(format!("{os}/{}", served.extra));
    }

    // What the old version placed and the new one does not. Deletes run
    // before the puts (a file of the old version may be a directory of the
    // new one); each names the kind of what it removes, so that a replay
    // after a crash leaves alone what a put made there since.
    let mut deletes: Vec<Op> = Vec::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let delete = |target: String,
                  kind: Kind,
                  changes: &mut Vec<(Action, String)>,
                  deletes: &mut Vec<Op>,
                  deleted: &mut BTreeSet<String>| {
        deletes.push(Op::Delete {
            target: target.clone(),
            trash: format!("{trash_dir}/d{}", deleted.len()),
            kind: Some(kind),
        });
        changes.push((Action::Remove, target.clone()));
        deleted.insert(target);
    };
    if let Some(old) = old {
        for target in old.placed.keys() {
            let claimed = installed
                .values()
                .any(|r| r.name != name && r.placed.contains_key(target));
            if placed.contains_key(target) || claimed {
                continue;
            }
            if let Ok(m) = fs::symlink_metadata(root.join(target)) {
                gems |= target.starts_with(&gem_prefix);
                delete(
                    target.clone(),
                    Kind::of(&m),
                    &mut changes,
                    &mut deletes,
                    &mut deleted,
                );
            }
        }
        // An OS the new version dropped: its recorded links went above;
        // the generated index goes too. Anything else the admin put into
        // the leaf stays (and so does the leaf, unless it is left empty).
        for os in old.os.iter().filter(|os| !oses.contains(*os)) {
            let leaf = format!("{os}/{}/{name}", served.extra);
            for f in GENERATED_INDEX {
                let target = format!("{leaf}/{f}");
                if let Ok(m) = fs::symlink_metadata(root.join(&target)) {
                    delete(
                        target,
                        Kind::of(&m),
                        &mut changes,
                        &mut deletes,
                        &mut deleted,
                    );
                }
            }
        }
    }

    // Dangling links under <os>/<extra>/: after the swap, what a link points
    // at in this bundle exists only if the new version has it. Only real
    // directories are walked (a `<os>` or `<extra>` that is a link may
    // point anywhere), and only relative links, the kind installs make,
    // are removed.
    for top in fs::read_dir(root)? {
        let top = top?;
        let tname = top.file_name().to_string_lossy().into_owned();
        if tname.starts_with('.') || tname == BUNDLES_DIR {
            continue;
        }
        let extra = top.path().join(&served.extra);
        let real_dir = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
        if !real_dir(&top.path()) || !real_dir(&extra) {
            continue;
        }
        keep.insert(format!("{tname}/{}", served.extra));
        for entry in walkdir::WalkDir::new(&extra)
            .follow_links(false)
            .follow_root_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| sums::walk_error(&extra, e))?;
            if !entry.path_is_symlink() {
                continue;
            }
            let Some(at) = rel_string(root, entry.path()) else {
                continue;
            };
            if placed.contains_key(&at)
                || deleted
                    .iter()
                    .any(|d| at == *d || at.starts_with(&format!("{d}/")))
            {
                continue;
            }
            let target = fs::read_link(entry.path())?.to_string_lossy().into_owned();
            if target.starts_with('/') {
                continue;
            }
            let alive = match resolve(&at, &target) {
                Some(p) if p.starts_with(&format!("{bundle_rel}/")) => {
                    let inner = &p[bundle_rel.len() + 1..];
                    new_files.contains_key(inner) || inner == SHA256SUMS || inner == SHA1SUMS
                }
                _ => fs::metadata(entry.path()).is_ok(),
            };
            if !alive {
                delete(at, Kind::Link, &mut changes, &mut deletes, &mut deleted);
            }
        }
    }

    // Before anything is written: every target must be reachable without
    // a link and without a file where a directory has to be (unless this
    // transaction deletes that file first), on the filesystem of
    // `ROOT/.omnipack` (each swap is one rename).
    let dot = root.join(DOT_DIR);
    let dev = fs::metadata(if dot.is_dir() { &dot } else { root })?.dev();
    let mut foreign: Vec<String> = Vec::new();
    let mut puts: Vec<Op> = Vec::new();
    for (k, (target, p)) in placed.iter().enumerate() {
        check_parents(root, target, &deleted).map_err(|reason| conflict(target, reason))?;
        check_same_fs(root, target, dev).map_err(|reason| conflict(target, reason))?;
        let path = root.join(target);
        let current = fs::symlink_metadata(&path).ok();
        if let Some(m) = &current
            && m.is_dir()
        {
            return Err(conflict(target, Obstacle::Directory));
        }
        let same = match &current {
            None => false,
            Some(_) => state::placed_matches(&path, p)? == Some(true),
        };
        if same {
            continue;
        }
        // Something there that is not this bundle's own earlier placement
        // (which the pristine check covered): overwrite it only when its
        // owner's copy is unchanged, or with --force.
        if current.is_some() && !opts.force && !old.is_some_and(|r| r.placed.contains_key(target)) {
            let owner = installed
                .values()
                .filter(|r| r.name != name && r.placed.contains_key(target))
                .max_by_key(|r| r.seq);
            match owner {
                Some(r) => {
                    if state::placed_matches(&path, &r.placed[target])? != Some(true) {
                        foreign.push(format!(
                            "`{target}` (placed by bundle `{}`, changed since)",
                            r.name
                        ));
                    }
                }
                None => foreign.push(format!("`{target}` (no installed bundle placed it)")),
            }
        }
        let stage = format!("{stage_dir}/p{k}");
        stages.push(match p {
            Placed::Link { target: t } => Stage::Link {
                target: t.clone(),
                to: stage.clone(),
            },
            Placed::File { from, .. } => Stage::File {
                from: o.dir.join(from),
                to: stage.clone(),
            },
        });
        puts.push(Op::Put {
            target: target.clone(),
            stage,
        });
        gems |= target.starts_with(&gem_prefix);
        changes.push((
            if current.is_some() {
                Action::Replace
            } else {
                Action::Add
            },
            target.clone(),
        ));
    }
    if !foreign.is_empty() {
        return Err(BundleError::Overwrite {
            bundle: name.clone(),
            root: root.to_path_buf(),
            files: foreign,
        });
    }
    for op in &deletes {
        if let Op::Delete { target, kind, .. } = op {
            journal::check_no_link(root, target)?;
            if *kind == Some(Kind::Dir) {
                check_same_fs(root, target, dev).map_err(|reason| conflict(target, reason))?;
            }
        }
    }
    journal::check_no_link(root, &bundle_rel)?;
    check_same_fs(root, &bundle_rel, dev).map_err(|reason| conflict(&bundle_rel, reason))?;
    ops.extend(deletes);
    ops.extend(puts);

    let mut leaves: BTreeSet<String> = BTreeSet::new();
    for (target, p) in &placed {
        if matches!(p, Placed::Link { .. })
            && is_package(target)
            && let Some((parent, _)) = target.rsplit_once('/')
        {
            leaves.insert(parent.to_owned());
        }
    }
    let leaves: Vec<String> = leaves.into_iter().collect();

    let record = Record {
        name: name.clone(),
        version: o.manifest.version().to_owned(),
        order: o.manifest.order(),
        source: o.source.clone(),
        installed_at: opts.now,
        seq: installed.values().map(|r| r.seq).max().unwrap_or(0) + 1,
        requires: o.manifest.barclamp.requires.clone(),
        member: o.manifest.barclamp.member.clone(),
        os: oses.into_iter().collect(),
        files: new_files,
        placed,
    };
    let record_rel = format!("{RECORDS_DIR}/{name}.json");
    let bytes = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
    stages.push(Stage::Bytes {
        bytes,
        to: format!("{stage_dir}/record.json"),
    });
    ops.push(Op::Put {
        target: record_rel,
        stage: format!("{stage_dir}/record.json"),
    });

    changes.sort_by(|a, b| a.1.cmp(&b.1));
    let plan = BundlePlan {
        name: name.clone(),
        version: record.version.clone(),
        old_version: old.map(|r| r.version.clone()),
        order: record.order,
        source: record.source.clone(),
        changes: changes
            .into_iter()
            .map(|(action, path)| Change { action, path })
            .collect(),
        leaves: leaves.clone(),
        gems,
    };
    let journal = Journal {
        txn,
        bundle: name,
        state: State::Preparing,
        ops,
        leaves,
        gems,
        keep: keep.into_iter().collect(),
    };
    Ok(Prepared {
        plan,
        journal,
        stages,
        record,
    })
}

/// Copies the tree `from` to `to`: directories, files with their modes,
/// symbolic links as links.
fn copy_tree(from: &Path, to: &Path) -> Result<(), BundleError> {
    fs::create_dir_all(to)?;
    for entry in walkdir::WalkDir::new(from)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| sums::walk_error(from, e))?;
        let Some(rel) = rel_string(from, entry.path()) else {
            continue;
        };
        let dest = to.join(&rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            fs::create_dir_all(&dest)?;
        } else if ft.is_symlink() {
            let t = fs::read_link(entry.path())?;
            std::os::unix::fs::symlink(&t, &dest).map_err(|e| {
                std::io::Error::other(format!("cannot create `{}`: {e}", dest.display()))
            })?;
        } else {
            copy_file(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// Copies one file with its mode and syncs it.
fn copy_file(from: &Path, to: &Path) -> Result<(), BundleError> {
    fs::copy(from, to)?;
    fs::File::open(to)?.sync_all()?;
    Ok(())
}

/// Stages, commits and cleans up one bundle's transaction.
fn commit(
    root: &Path,
    config: &AdminConfig,
    p: &Prepared,
    opts: &InstallOptions,
    steps: &Steps,
    progress: &dyn Progress,
) -> Result<(Option<GemIndexOutcome>, Vec<String>), BundleError> {
    let mut j = p.journal.clone();
    j.save(root)?;
    steps.step()?;
    fs::create_dir_all(root.join(j.stage_dir()))?;
    for s in &p.stages {
        match s {
            Stage::Bundle { from, to, extra } => {
                let dest = root.join(to);
                copy_tree(from, &dest)?;
                for (n, text) in extra {
                    fs::write(dest.join(n), text)?;
                }
            }
            Stage::File { from, to } => copy_file(from, &root.join(to))?,
            Stage::Link { target, to } => {
                let dest = root.join(to);
                std::os::unix::fs::symlink(target, &dest).map_err(|e| {
                    std::io::Error::other(format!("cannot create `{}`: {e}", dest.display()))
                })?;
            }
            Stage::Bytes { bytes, to } => {
                fs::write(root.join(to), bytes)?;
                fs::File::open(root.join(to))?.sync_all()?;
            }
        }
        steps.step()?;
    }
    journal::sync_dir(&root.join(j.stage_dir()));
    j.state = State::Applying;
    j.save(root)?;
    steps.step()?;
    for op in &j.ops {
        journal::apply(root, op, &j.keep)?;
        steps.step()?;
    }
    let (gem, warnings) = post(root, &j, config, opts.index_date, steps, progress)?;
    j.state = State::Cleanup;
    j.save(root)?;
    steps.step()?;
    journal::cleanup(root, &j)?;
    steps.step()?;
    Journal::remove(root)?;
    progress.note(&format!(
        "installed bundle `{}` {}",
        p.plan.name, p.plan.version
    ));
    Ok((gem, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards: a target on another filesystem than `.omnipack/` (a rename
    // would fail with EXDEV after the commit point) is refused in prepare.
    #[test]
    fn a_target_on_another_filesystem_is_refused() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("files")).unwrap();
        let dev = fs::metadata(t.path()).unwrap().dev();
        assert!(check_same_fs(t.path(), "files/a/b", dev).is_ok());
        let err = check_same_fs(t.path(), "files/a/b", dev.wrapping_add(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("another filesystem"), "{err}");
    }

    #[test]
    fn parents_in_the_way_are_named() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("files")).unwrap();
        fs::write(t.path().join("files/foo"), "f").unwrap();
        let none = BTreeSet::new();
        let err = check_parents(t.path(), "files/foo/bar", &none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("files/foo` is a file"), "{err}");
        let deleted: BTreeSet<String> = ["files/foo".to_owned()].into();
        assert!(check_parents(t.path(), "files/foo/bar", &deleted).is_ok());
        std::os::unix::fs::symlink("/", t.path().join("files/l")).unwrap();
        let err = check_parents(t.path(), "files/l/x", &deleted)
            .unwrap_err()
            .to_string();
        assert!(err.contains("files/l` is a symbolic link"), "{err}");
    }
}
