//! The admin root's layout: every path of omnipack's own state under an
//! admin root, relative to the root, in one place, so that the modules
//! reading and writing the tree share names without importing each other.
//!
//! ```text
//! ROOT/
//!   bundles/<name>/               installed copies            BUNDLES_DIR
//!   .omnipack/                    omnipack's own state        DOT_DIR
//!     bundles.toml                the admin config            CONFIG_FILE
//!     bundles/<name>.json         installed-state records     RECORDS_DIR
//!     journal.json                an install under way        JOURNAL
//!     stage/<txn>/, trash/<txn>/  its new and replaced files  STAGE_DIR, TRASH_DIR
//!     lock                        held while a command runs   LOCK_FILE
//!     index-cache/                the apt/yum index cache     INDEX_CACHE
//!   <served.files>/, <served.gems>/gems/, <os>/<served.extra>/<name>/
//!                                 the served tree (the admin config's `[served]`)
//! ```
//!
//! The staging and trash directories are under `.omnipack/` so that they
//! are on the filesystem of the targets: every swap is one `rename`.

/// Installed bundles live in `ROOT/bundles/<name>/`.
pub const BUNDLES_DIR: &str = "bundles";
/// omnipack's own state under the root.
pub const DOT_DIR: &str = ".omnipack";
/// The admin config file.
pub const CONFIG_FILE: &str = ".omnipack/bundles.toml";
/// Installed-state records, `<name>.json` each.
pub const RECORDS_DIR: &str = ".omnipack/bundles";
/// The journal of an install under way.
pub const JOURNAL: &str = ".omnipack/journal.json";
/// The temporary file a journal is written to before it is renamed over [`JOURNAL`].
pub const JOURNAL_TMP: &str = ".omnipack/.journal.json.tmp";
/// Staging directories, one per transaction.
pub const STAGE_DIR: &str = ".omnipack/stage";
/// Trash directories (replaced or removed trees until cleanup), one per transaction.
pub const TRASH_DIR: &str = ".omnipack/trash";
/// The lock file.
pub const LOCK_FILE: &str = ".omnipack/lock";
/// The index cache.
pub const INDEX_CACHE: &str = ".omnipack/index-cache";
