//! `bundle install`: Crowbar's `barclamp_install.rb`, finished.
//!
//! For the given sources (tarballs, bundle directories, installed names):
//! open and check each (tarballs unpacked into a private temporary
//! directory, hostile entries and checksum mismatches refused), order them
//! ([`crate::order`]), refuse any installed bundle with local changes unless
//! `--force` — all before anything is written (`source`) — then install
//! each bundle as one journaled transaction ([`crate::journal`]), planned
//! against the root as it is (`prepare`) and committed (`commit`):
//!
//! * the bundle itself becomes `ROOT/bundles/<name>/` (swapped in whole, so
//!   files the new version no longer has are gone; `copy`);
//! * `cache/files` is merged into the served `files/`, `cache/gems` into
//!   `<gems>/gems/`, each `cache/<os>/pkgs` file linked from
//!   `<os>/extra/<name>/`, the directories named in the admin config copied
//!   where it says (`place`); what the old version placed and the new one
//!   does not is removed, as is every link under `<os>/extra/` left
//!   dangling (`remove`); nothing is placed through a link, over a
//!   directory or across filesystems, nor over a file no bundle owns
//!   without `--force` (`check`);
//! * the apt/yum index of every touched `<os>/extra/<name>/` is regenerated
//!   with `omnipack_repo::index`, and the gem directory re-indexed
//!   (`crate::reindex`);
//! * the installed-state record is written last.
//!
//! Then the admin config's `after_install` commands run for the bundle, and
//! once at the end its `notify` command.

mod check;
mod commit;
mod copy;
mod place;
mod prepare;
mod remove;
mod report;
mod source;

use std::path::PathBuf;

use fs_err as fs;
use omnipack_core::Progress;

pub use report::{Action, BundlePlan, Change, InstallReport};

use crate::BundleError;
use crate::admin::{Recovered, open_root};
use crate::config::{AdminConfig, Layout};
use crate::hooks::run_shell;
use crate::journal::{Journal, Steps};
use crate::state;

/// How to install. The fields left `None` take their defaults from the
/// environment ([`crate::env`]).
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// The admin root.
    pub root: PathBuf,
    /// Overwrite local changes.
    pub force: bool,
    /// Refuse a bundle whose `requires` are not met by the time it is
    /// installed (Crowbar only orders by `crowbar.order`; the default warns).
    pub strict_requires: bool,
    /// The layout the root must have (`--layout`); on a root without an
    /// admin config, it is written there.
    pub layout: Option<Layout>,
    /// Plan only, write nothing.
    pub dry_run: bool,
    /// Fault injection: stop after this many steps (as if killed); `None`:
    /// [`crate::env::FAIL_AFTER_ENV`] when it is set, else never.
    pub fail_after: Option<u64>,
    /// The install time recorded; `None`: now.
    pub now: Option<u64>,
    /// The `Release` date and yum revision of regenerated indexes; `None`:
    /// `SOURCE_DATE_EPOCH`, else now.
    pub index_date: Option<u64>,
}

/// [`InstallOptions`] with the environment's defaults filled in.
#[derive(Debug, Clone)]
struct Settings {
    force: bool,
    dry_run: bool,
    fail_after: Option<u64>,
    now: u64,
    index_date: u64,
}

impl Settings {
    fn of(opts: &InstallOptions) -> Result<Settings, BundleError> {
        let fail_after = match opts.fail_after {
            Some(k) => Some(k),
            None => crate::env::fail_after()?,
        };
        let now = opts.now.unwrap_or_else(omnipack_core::time::now);
        let index_date = match opts.index_date {
            Some(d) => d,
            None => omnipack_core::time::epoch_or_now()?,
        };
        Ok(Settings {
            force: opts.force,
            dry_run: opts.dry_run,
            fail_after,
            now,
            index_date,
        })
    }
}

/// Installs `sources` (tarballs, bundle directories, names of installed
/// bundles) into `opts.root`: all of them checked and ordered before
/// anything is written, then each bundle all or nothing. A refused install
/// into a root that had no `.omnipack/` leaves none (only its lock file
/// was made).
pub fn install(
    sources: &[String],
    opts: &InstallOptions,
    progress: &dyn Progress,
) -> Result<InstallReport, BundleError> {
    // Hooks and the report get absolute paths, whatever `--root` was.
    let opts = &InstallOptions {
        root: std::path::absolute(&opts.root)?,
        ..opts.clone()
    };
    let dot = opts.root.join(crate::layout::DOT_DIR);
    let fresh = !dot.exists();
    let result = install_locked(sources, opts, progress);
    if result.is_err() && fresh {
        let only_lock = fs::read_dir(&dot).is_ok_and(|entries| {
            entries
                .flatten()
                .all(|e| e.path() == opts.root.join(crate::layout::LOCK_FILE))
        });
        if only_lock {
            let _ = fs::remove_dir_all(&dot);
        }
    }
    result
}

/// [`install`], the root locked.
fn install_locked(
    sources: &[String],
    opts: &InstallOptions,
    progress: &dyn Progress,
) -> Result<InstallReport, BundleError> {
    let settings = Settings::of(opts)?;
    let root = opts.root.as_path();
    let (_lock, recovered) = if settings.dry_run {
        (None, None)
    } else {
        open_root(root, true, settings.index_date, progress)?
    };
    let mut installed = state::installed(root)?;
    let (config, write_layout) = config_for(root, opts.layout, &installed)?;

    let opened = source::open_sources(sources, root, &installed, progress)?;
    let (sequence, unmet) = source::install_order(&opened, &installed, root, opts.strict_requires)?;
    source::refuse_unrecorded(&opened, root, &config, &installed, settings.force, progress)?;
    if !settings.force {
        source::refuse_local_changes(&opened, &sequence, root, &installed, progress)?;
    }

    if let Some(layout) = write_layout
        && !settings.dry_run
    {
        AdminConfig::write_layout(root, layout)?;
    }
    let steps = Steps::new(settings.fail_after);
    let pending = match (settings.dry_run, Journal::load(root)?) {
        (true, Some(j)) => Some(Recovered {
            bundle: j.bundle,
            action: "left unfinished; the next install, list or status recovers it before anything else (the plan below does not account for it)".into(),
            warnings: Vec::new(),
        }),
        _ => None,
    };
    let mut report = InstallReport {
        dry_run: settings.dry_run,
        recovered: recovered.or(pending),
        bundles: Vec::new(),
        gem_index: None,
        commands: Vec::new(),
        warnings: unmet
            .iter()
            .map(|u| {
                format!(
                    "{} (Crowbar installs it anyway; --strict-requires refuses)",
                    u.describe()
                )
            })
            .collect(),
    };
    for &i in &sequence {
        let prepared =
            prepare::prepare(root, &config, &opened[i], &installed, &settings, progress)?;
        if !settings.dry_run {
            let (gem, warned) = commit::commit(
                root,
                &config,
                &prepared,
                settings.index_date,
                &steps,
                progress,
            )?;
            report.warnings.extend(warned);
            if gem.is_some() {
                report.gem_index = gem;
            }
            installed.insert(prepared.record.name.clone(), prepared.record.clone());
            report
                .commands
                .extend(commit::after_install(root, &config, &prepared.record)?);
        }
        report.bundles.push(prepared.plan);
    }
    if !settings.dry_run
        && !report.bundles.is_empty()
        && let Some(cmd) = &config.notify
    {
        let out = run_shell(root, cmd, "notify", &[])?;
        report.commands.push((cmd.clone(), out));
    }
    Ok(report)
}

/// The admin config of `root`, checked against `--layout`: a root without
/// a config file takes the layout asked for (and the config file to write
/// once the install's checks pass); one whose config names another layout,
/// or names none while bundles are installed, is refused.
fn config_for(
    root: &std::path::Path,
    layout: Option<Layout>,
    installed: &std::collections::BTreeMap<String, state::Record>,
) -> Result<(AdminConfig, Option<Layout>), BundleError> {
    let Some(wanted) = layout else {
        return Ok((AdminConfig::load(root)?, None));
    };
    let mismatch = |why: String| BundleError::LayoutMismatch {
        root: root.to_path_buf(),
        wanted: wanted.name().to_owned(),
        why,
    };
    let file = root.join(crate::layout::CONFIG_FILE);
    match AdminConfig::layout_written(root)? {
        Some(l) if l == wanted => Ok((AdminConfig::load(root)?, None)),
        Some(l) => Err(mismatch(format!(
            "its config says `layout = \"{}\"`",
            l.name()
        ))),
        None if file.is_file() => {
            let c = AdminConfig::load(root)?;
            if c.layout == wanted && wanted == Layout::Omnipack {
                return Ok((c, None));
            }
            Err(mismatch(format!(
                "its config `{}` names no layout",
                file.display()
            )))
        }
        None if !installed.is_empty() && wanted != Layout::Omnipack => Err(mismatch(format!(
            "{} bundle(s) are installed in the `omnipack` layout",
            installed.len()
        ))),
        None => Ok((wanted.preset(), Some(wanted))),
    }
}
