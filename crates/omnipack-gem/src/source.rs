//! Indexing one gem source ([`index_dir`]), and finding the gem sources of
//! a tree ([`find_sources`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::{Staging, Stamp};
use rayon::prelude::*;

use crate::cache::GemCache;
use crate::spec::{self, GemFile, GemSpec};
use crate::{GemError, Problem, compact, legacy};

/// Files written and synced at once (waiting on the disk, not the CPU).
const SYNC_THREADS: usize = 16;

/// Gems read in parallel before their results are copied off the readers'
/// threads (see [`scan`]).
const READ_BATCH: usize = 64;

/// How to index a gem source.
#[derive(Debug, Clone, Default)]
pub struct GemOptions {
    /// Where the incremental cache lives (default as for the apt/yum
    /// indexes: `$OMNIPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/omnipack`, else
    /// `~/.cache/omnipack`). A missing or stale cache only means a cold run.
    pub cache_dir: Option<PathBuf>,
    /// Seconds since 1970 for the `created_at:` line of a new `versions`
    /// file (`SOURCE_DATE_EPOCH` or now, chosen by the caller).
    pub date: u64,
    /// Fail, writing nothing, if any `.gem` is unreadable, misnamed or a
    /// duplicate (`--strict`).
    pub strict: bool,
}

/// What indexing a gem source did.
#[derive(Debug, Default)]
pub struct GemReport {
    /// The source directory (holding `gems/`).
    pub dir: PathBuf,
    /// Gems indexed.
    pub gems: usize,
    /// Gems read this run.
    pub read: usize,
    /// Gems taken from the cache.
    pub cached: usize,
    /// `.gem` files left out, each with what is wrong and what to do.
    pub problems: Vec<Problem>,
    /// Index files written (changed), in rename order.
    pub written: Vec<PathBuf>,
    /// Quick specs deleted because their gem went.
    pub removed: Vec<PathBuf>,
    /// What went wrong without failing the index (the cache not saved).
    pub warnings: Vec<String>,
}

impl std::fmt::Display for GemReport {
    /// The one-line summary `omnipack repo index` prints per source.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "indexed gem source `{}`: {} gems ({} read, {} cached, {} files written, {} quick specs removed)",
            self.dir.display(),
            self.gems,
            self.read,
            self.cached,
            self.written.len(),
            self.removed.len()
        )
    }
}

/// Whether `dir/gems/` directly holds at least one `.gem` file.
pub fn is_source(dir: &Path) -> bool {
    fs::read_dir(dir.join("gems")).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name.ends_with(".gem") && e.path().is_file()
        })
    })
}

/// Every gem source under `root` (itself included): each directory whose
/// `gems/` subdirectory holds `.gem` files. Hidden directories are skipped.
pub fn find_sources(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .flatten()
        .filter(|e| e.file_type().is_dir() && e.file_name() == "gems")
        .filter_map(|e| e.path().parent().map(Path::to_path_buf))
        .filter(|d| is_source(d))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Reads what the gems of `dir/gems/` are (cache first, the rest in
/// parallel); returns the gems by file name, and the problems.
fn scan(
    gems_dir: &Path,
    cache: &mut GemCache,
    report: &mut GemReport,
) -> Result<Vec<(String, GemFile)>, GemError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(gems_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".gem") {
            continue;
        }
        let meta = fs::metadata(entry.path())?;
        if meta.is_file() {
            files.push((name, Stamp::of(&meta)));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut old = std::mem::take(&mut cache.entries);
    let mut gems = Vec::new();
    let mut fresh = Vec::new();
    for (name, stamp) in files {
        match old.remove(&name) {
            Some((s, gem)) if s == stamp => {
                report.cached += 1;
                gems.push((name, stamp, gem));
            }
            _ => fresh.push((name, stamp)),
        }
    }
    // Read on all cores a batch at a time, each result copied here before
    // the next batch: what a reader keeps must not be allocated among its
    // thread's transient buffers (tar, gzip, YAML), or the freed space
    // around it is never given back (50 MiB of RSS for 8 MiB of live heap
    // on 2 000 gems, the pattern the .deb reader had).
    let mut read = Vec::with_capacity(fresh.len());
    for batch in fresh.chunks(READ_BATCH) {
        let got: Vec<_> = batch
            .par_iter()
            .map(|(name, _)| spec::read_gem(&gems_dir.join(name)))
            .collect();
        for ((name, stamp), r) in batch.iter().zip(got) {
            // The copy is the point: made on this thread, the reader's
            // original freed with its buffers.
            #[allow(clippy::map_clone)]
            read.push((name.clone(), *stamp, r.map(|gem| gem.clone())));
        }
    }
    report.read = read.len();
    for (name, stamp, r) in read {
        match r {
            Ok(gem) => gems.push((name, stamp, gem)),
            Err(message) => report.problems.push(Problem {
                path: gems_dir.join(&name),
                message: format!("{message}; it is left out of the index"),
            }),
        }
    }
    gems.sort_by(|a, b| a.0.cmp(&b.0));
    // A gem is fetched as gems/FULL_NAME.gem: one under another name would
    // be listed but not found, and two files for one gem are ambiguous.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (name, stamp, gem) in gems {
        let full = gem.spec.full_name();
        let original = gem.spec.original_name();
        let stem = name.trim_end_matches(".gem");
        if stem != full && stem != original {
            report.problems.push(Problem {
                path: gems_dir.join(&name),
                message: format!(
                    "holds gem {full}, which clients download as `gems/{full}.gem`; rename it to that"
                ),
            });
            continue;
        }
        if let Some(first) = seen.get(&full) {
            report.problems.push(Problem {
                path: gems_dir.join(first),
                message: format!(
                    "is the same gem {full} as `{name}`; remove one (neither is indexed until then)"
                ),
            });
            report.problems.push(Problem {
                path: gems_dir.join(&name),
                message: format!(
                    "is the same gem {full} as `{first}`; remove one (neither is indexed until then)"
                ),
            });
            out.retain(|(n, _): &(String, GemFile)| n != first);
            continue;
        }
        seen.insert(full, name.clone());
        cache.entries.insert(name.clone(), (stamp, gem.clone()));
        out.push((name, gem));
    }
    report.problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Stages `rel` under `dir` when its bytes differ from what is there.
fn stage_if_changed(
    staging: &mut Staging,
    dir: &Path,
    rel: &str,
    bytes: &[u8],
    top: bool,
) -> std::io::Result<()> {
    if fs::read(dir.join(rel)).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if top {
        staging.write_top(rel, bytes)
    } else {
        staging.write(rel, bytes)
    }
}

/// Indexes the RubyGems source `dir` (the directory holding `gems/`):
/// writes the compact index (`names`, `versions`, `info/*`) and the legacy
/// index (`specs.4.8.gz`, `latest_specs.4.8.gz`, `prerelease_specs.4.8.gz`,
/// `quick/Marshal.4.8/*.gemspec.rz`) for every readable `.gem` in
/// `dir/gems/`.
///
/// Unreadable, misnamed or duplicate gems are left out and listed in
/// [`GemReport::problems`]; the others are indexed. Fails (writing nothing)
/// only when `dir/gems/` cannot be listed or an index file cannot be
/// written. An empty `gems/` gives a valid empty index. Serve `dir` (e.g.
/// `omnipack serve dir`) and point clients at it:
/// `gem install --source http://HOST/ NAME`, or `source "http://HOST/"` in a
/// Gemfile.
pub fn index_dir(dir: &Path, opts: &GemOptions) -> Result<GemReport, GemError> {
    let gems_dir = dir.join("gems");
    if !gems_dir.is_dir() {
        return Err(GemError::NoGemsDir { gems_dir });
    }
    let mut report = GemReport {
        dir: dir.to_path_buf(),
        ..GemReport::default()
    };
    let cache_path = GemCache::file(dir, opts.cache_dir.as_deref());
    let mut cache = GemCache::load(&cache_path);
    let gems = scan(&gems_dir, &mut cache, &mut report)?;
    report.gems = gems.len();
    if opts.strict
        && let Some(first) = report.problems.first()
    {
        return Err(GemError::Strict {
            dir: dir.to_path_buf(),
            count: report.problems.len(),
            first: format!("`{}`: {}", first.path.display(), first.message),
        });
    }

    let mut staging = Staging::new(dir);
    let quick_dir = "quick/Marshal.4.8";

    // Quick specs, rendered and compared on all cores.
    let quick: Vec<(String, Vec<u8>)> = gems
        .par_iter()
        .map(|(_, g)| {
            let rel = format!("{quick_dir}/{}.gemspec.rz", g.spec.original_name());
            let bytes = legacy::quick_spec(&g.spec)?;
            let same = fs::read(dir.join(&rel)).is_ok_and(|old| old == bytes);
            Ok::<_, std::io::Error>((rel, if same { Vec::new() } else { bytes }))
        })
        .collect::<Result<_, _>>()?;
    let keep_quick: std::collections::HashSet<String> =
        quick.iter().map(|(rel, _)| rel.clone()).collect();
    let mut many: Vec<(String, Vec<u8>)> =
        quick.into_iter().filter(|(_, b)| !b.is_empty()).collect();

    // Compact index: info per name, then names and versions.
    let mut by_name: BTreeMap<&str, Vec<(&GemSpec, &str)>> = BTreeMap::new();
    for (_, g) in &gems {
        by_name
            .entry(g.spec.name.as_str())
            .or_default()
            .push((&g.spec, g.sha256.as_str()));
    }
    let mut wanted = BTreeMap::new();
    for (name, specs) in &mut by_name {
        compact::sort_specs(specs);
        let info = compact::info(specs);
        let rel = format!("info/{name}");
        if !fs::read(dir.join(&rel)).is_ok_and(|old| old == info.as_bytes()) {
            many.push((rel, info.clone().into_bytes()));
        }
        wanted.insert(
            (*name).to_owned(),
            compact::Listed {
                versions: specs
                    .iter()
                    .map(|(s, _)| s.version_and_platform())
                    .collect(),
                info_md5: compact::md5_hex(info.as_bytes()),
            },
        );
    }
    // Many small files: written and synced several at a time.
    staging.write_many(&many, SYNC_THREADS)?;
    drop(many);
    let current_versions = fs::read_to_string(dir.join("versions")).ok();
    // Names listed before but gone now keep an empty info file, whose MD5
    // the appended `versions` line carries.
    if let Some(listed) = current_versions
        .as_deref()
        .and_then(compact::parse_versions)
    {
        for name in listed.keys() {
            if !wanted.contains_key(name) {
                stage_if_changed(&mut staging, dir, &format!("info/{name}"), b"---\n", false)?;
            }
        }
    }

    // Legacy specs lists.
    let mut sorted: Vec<&GemSpec> = gems.iter().map(|(_, g)| &g.spec).collect();
    sorted.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| spec::compare_versions(&a.version, &b.version))
            .then(b.is_ruby().cmp(&a.is_ruby()))
            .then_with(|| a.platform.cmp(&b.platform))
    });
    fn tuple<'a>(s: &&'a GemSpec) -> legacy::Tuple<'a> {
        (s.name.as_str(), s.version.as_str(), s.platform.as_str())
    }
    let released: Vec<_> = sorted
        .iter()
        .filter(|s| !s.prerelease())
        .map(tuple)
        .collect();
    let prerelease: Vec<_> = sorted
        .iter()
        .filter(|s| s.prerelease())
        .map(tuple)
        .collect();
    // The newest released version per name and platform: the last in order.
    let mut latest_map: BTreeMap<(&str, String), &GemSpec> = BTreeMap::new();
    for s in sorted.iter().filter(|s| !s.prerelease()) {
        latest_map.insert((s.name.as_str(), s.platform_name()), s);
    }
    let mut latest: Vec<&GemSpec> = latest_map.into_values().collect();
    latest.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| spec::compare_versions(&a.version, &b.version))
            .then(b.is_ruby().cmp(&a.is_ruby()))
            .then_with(|| a.platform.cmp(&b.platform))
    });
    let latest: Vec<_> = latest.iter().map(tuple).collect();
    for (file, list) in [
        ("specs.4.8", &released),
        ("latest_specs.4.8", &latest),
        ("prerelease_specs.4.8", &prerelease),
    ] {
        let m = legacy::specs_marshal(list);
        stage_if_changed(&mut staging, dir, file, &m, false)?;
        stage_if_changed(
            &mut staging,
            dir,
            &format!("{file}.gz"),
            &legacy::gzip(&m)?,
            true,
        )?;
    }
    let names = compact::names(wanted.keys().map(String::as_str));
    stage_if_changed(&mut staging, dir, "names", names.as_bytes(), true)?;
    if let Some(v) = compact::versions(current_versions.as_deref(), &wanted, opts.date) {
        staging.write_top("versions", v.as_bytes())?;
    }
    report.written = staging.commit()?;

    // Quick specs of gems that went, now that nothing lists them.
    if let Ok(entries) = fs::read_dir(dir.join(quick_dir)) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{quick_dir}/{name}");
            if name.ends_with(".gemspec.rz") && !keep_quick.contains(&rel) {
                let p = e.path();
                if fs::remove_file(&p).is_ok() {
                    report.removed.push(p);
                }
            }
        }
    }
    report.removed.sort();
    // A cache that cannot be saved only costs speed next time: said, not fatal.
    if let Err(e) = cache.save(&cache_path) {
        report.warnings.push(format!(
            "the gem cache `{}` was not saved ({e}); the next run reads every gem again",
            cache_path.display()
        ));
    }
    Ok(report)
}
