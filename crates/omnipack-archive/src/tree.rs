//! The walk of a staged directory (the tree a build or `--from-dir` stages)
//! into the [`FileEntry`]s the archive writers consume: regular files streamed
//! from disk, directories the package should own, symlinks kept as symlinks.
//! The walk is sorted by file name, so the same tree gives the same entries
//! in the same order on any machine.
//!
//! Standard directories (`/usr/bin`, `/etc`, `/opt`, ...) belong to the base
//! system (the `filesystem` RPM, `base-files`): they are never claimed as owned,
//! only written as parent entries in a .deb's data.tar where dpkg needs them.

use std::io;
use std::path::{Component, Path, PathBuf};

use fs_err as fs;
use omnipack_spec::{Config, FileEntry, FileSource};

/// What can go wrong while walking a staged tree: every variant names the
/// file at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The installed-path prefix is not absolute or climbs with `..`.
    #[error(
        "invalid prefix `{0}`: the prefix is an absolute installed path such as `/` or `/opt/app`"
    )]
    Prefix(String),
    /// The staged directory itself cannot be read.
    #[error("`{path}`: cannot read the staged directory")]
    Root {
        /// The staged directory.
        path: PathBuf,
        /// The cause (from `fs-err`, naming the path).
        #[source]
        cause: io::Error,
    },
    /// The staged tree's root is a file, not a directory.
    #[error("`{0}`: not a directory")]
    NotADirectory(PathBuf),
    /// An entry of the tree cannot be read.
    #[error("`{path}`: cannot read")]
    Unreadable {
        /// The entry.
        path: PathBuf,
        /// The cause.
        #[source]
        cause: walkdir::Error,
    },
    /// A file name that is not UTF-8 (installed paths are UTF-8 in both formats).
    #[error("`{0}`: the file name is not UTF-8")]
    NonUtf8Name(PathBuf),
    /// A file name with a newline, which neither `md5sums` nor `conffiles` can hold.
    #[error("`{0}`: the file name holds a newline")]
    NewlineInName(PathBuf),
    /// A symlink whose target is not UTF-8.
    #[error("`{0}`: the symlink target is not UTF-8")]
    NonUtf8Target(PathBuf),
    /// A device, socket or fifo.
    #[error("`{0}`: a device, socket or fifo cannot be packaged")]
    Special(PathBuf),
    /// A symlink whose target lies under the prefix but is not in the tree.
    #[error(
        "`{path}`: dangling symlink: `{installed}` -> `{target}` points to `{resolved}`, which is not in the staged tree"
    )]
    Dangling {
        /// The link on disk.
        path: PathBuf,
        /// Its installed path.
        installed: String,
        /// Its target as written.
        target: String,
        /// The target resolved against the link's directory.
        resolved: String,
    },
    /// A filesystem error, naming its path (from `fs-err`).
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl TreeError {
    /// What the user can do about it, for a `hint:` line of its own.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            TreeError::Root { .. } => "check the path given to `--from-dir`",
            TreeError::NotADirectory(_) => "`--from-dir` takes the staged tree's root",
            TreeError::Unreadable { .. } => "fix its permissions or remove it from the staged tree",
            TreeError::NonUtf8Name(_) | TreeError::NewlineInName(_) => "rename it",
            TreeError::Special(_) => "remove it from the staged tree",
            TreeError::Dangling { .. } => "fix the link or pass `--allow-dangling-symlinks`",
            TreeError::Prefix(_) | TreeError::NonUtf8Target(_) | TreeError::Io(_) => {
                return None;
            }
        };
        Some(hint.to_owned())
    }
}

/// How to map a staged tree onto installed paths.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Installed path of the tree's root (`/` for a tree that holds `usr/`, `etc/`...).
    pub prefix: String,
    /// Keep symlinks whose target is in neither the tree nor outside the prefix.
    pub allow_dangling_symlinks: bool,
    /// Mark every regular file under `/etc` as a configuration file
    /// (what debhelper's `dh_installdeb` and fpm do by default).
    pub etc_is_config: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            prefix: "/".to_owned(),
            allow_dangling_symlinks: false,
            etc_is_config: true,
        }
    }
}

/// Directories of the base system that no package should own.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/etc/cron.d",
    "/etc/default",
    "/etc/firewalld",
    "/etc/firewalld/services",
    "/etc/init.d",
    "/etc/logrotate.d",
    "/etc/profile.d",
    "/etc/rsyslog.d",
    "/etc/sudoers.d",
    "/etc/sysconfig",
    "/etc/systemd",
    "/etc/systemd/system",
    "/etc/ufw",
    "/etc/ufw/applications.d",
    "/home",
    "/lib",
    "/lib/systemd",
    "/lib/systemd/system",
    "/lib64",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/include",
    "/usr/lib",
    "/usr/lib/firewalld",
    "/usr/lib/firewalld/services",
    "/usr/lib/systemd",
    "/usr/lib/systemd/system",
    "/usr/lib/systemd/user",
    "/usr/lib/sysusers.d",
    "/usr/lib/tmpfiles.d",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/lib",
    "/usr/local/sbin",
    "/usr/local/share",
    "/usr/sbin",
    "/usr/share",
    "/usr/share/applications",
    "/usr/share/bash-completion",
    "/usr/share/bash-completion/completions",
    "/usr/share/doc",
    "/usr/share/icons",
    "/usr/share/info",
    "/usr/share/licenses",
    "/usr/share/locale",
    "/usr/share/man",
    "/usr/share/man/man1",
    "/usr/share/man/man2",
    "/usr/share/man/man3",
    "/usr/share/man/man4",
    "/usr/share/man/man5",
    "/usr/share/man/man6",
    "/usr/share/man/man7",
    "/usr/share/man/man8",
    "/usr/share/pixmaps",
    "/usr/share/zsh",
    "/var",
    "/var/cache",
    "/var/lib",
    "/var/log",
    "/var/run",
    "/var/spool",
    "/var/tmp",
];

/// Whether `path` is a base-system directory that packages never own.
fn is_system_dir(path: &str) -> bool {
    SYSTEM_DIRS.contains(&path)
}

/// Joins an installed directory and a relative path, resolving `.` and `..`
/// lexically (never above `/`).
fn lexical_join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|s| !s.is_empty()).collect()
    };
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Normalises an installed-path prefix: absolute, no trailing slash but for `/`.
fn normalise_prefix(prefix: &str) -> Result<String, TreeError> {
    if !prefix.starts_with('/') || prefix.split('/').any(|c| c == "..") {
        return Err(TreeError::Prefix(prefix.to_owned()));
    }
    Ok(lexical_join("/", prefix))
}

/// Reads the staged tree at `root` and returns its entries with installed paths
/// under `opts.prefix`, owned by root, modes as on disk, sorted parents first.
pub fn scan_tree(root: &Path, opts: &ScanOptions) -> Result<Vec<FileEntry>, TreeError> {
    let prefix = normalise_prefix(&opts.prefix)?;
    let meta = fs::metadata(root).map_err(|cause| TreeError::Root {
        path: root.to_path_buf(),
        cause,
    })?;
    if !meta.is_dir() {
        return Err(TreeError::NotADirectory(root.to_path_buf()));
    }
    let mut entries = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name();
    for item in walker {
        let item = item.map_err(|cause| TreeError::Unreadable {
            path: cause
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf()),
            cause,
        })?;
        let rel = item.path().strip_prefix(root).unwrap_or(item.path());
        let mut rel_str = String::new();
        for c in rel.components() {
            if let Component::Normal(os) = c {
                let s = os
                    .to_str()
                    .ok_or_else(|| TreeError::NonUtf8Name(item.path().to_path_buf()))?;
                if s.contains('\n') {
                    return Err(TreeError::NewlineInName(item.path().to_path_buf()));
                }
                rel_str.push('/');
                rel_str.push_str(s);
            }
        }
        let installed = lexical_join(&prefix, rel_str.trim_start_matches('/'));
        let ft = item.file_type();
        let md = fs::symlink_metadata(item.path())?;
        let mode = std::os::unix::fs::PermissionsExt::mode(&md.permissions()) & 0o7777;
        if ft.is_dir() {
            if !is_system_dir(&installed) {
                entries.push(FileEntry::dir(installed, mode));
            }
        } else if ft.is_file() {
            let mut e =
                FileEntry::file(installed, FileSource::Path(item.path().to_path_buf()), mode);
            if opts.etc_is_config && e.path.starts_with("/etc/") {
                e.config = Some(Config { noreplace: true });
            }
            entries.push(e);
        } else if ft.is_symlink() {
            let target = fs::read_link(item.path())?;
            let target = target
                .to_str()
                .ok_or_else(|| TreeError::NonUtf8Target(item.path().to_path_buf()))?;
            if !opts.allow_dangling_symlinks {
                check_link(root, &prefix, &installed, target, item.path())?;
            }
            entries.push(FileEntry::symlink(installed, target));
        } else {
            return Err(TreeError::Special(item.path().to_path_buf()));
        }
    }
    Ok(entries)
}

/// Refuses a symlink whose target lies under the prefix but is not in the tree.
fn check_link(
    root: &Path,
    prefix: &str,
    installed: &str,
    target: &str,
    on_disk: &Path,
) -> Result<(), TreeError> {
    let parent = installed.rsplit_once('/').map(|(p, _)| p).unwrap_or("/");
    let resolved = lexical_join(parent, target);
    let inside = if prefix == "/" {
        Some(resolved.as_str())
    } else if resolved == prefix {
        Some("")
    } else {
        resolved.strip_prefix(prefix).filter(|r| r.starts_with('/'))
    };
    let Some(inside) = inside else {
        // Points outside what this package installs (a system file): not ours to check.
        return Ok(());
    };
    let mut staged = PathBuf::from(root);
    staged.push(inside.trim_start_matches('/'));
    if fs::symlink_metadata(&staged).is_err() {
        return Err(TreeError::Dangling {
            path: on_disk.to_path_buf(),
            installed: installed.to_owned(),
            target: target.to_owned(),
            resolved,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fs_err::os::unix::fs::symlink;
    use omnipack_spec::FileKind;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn scans_files_dirs_and_links_with_modes() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("usr/bin")).unwrap();
        fs::create_dir_all(r.join("opt/app/lib")).unwrap();
        fs::create_dir_all(r.join("etc")).unwrap();
        fs::write(r.join("opt/app/lib/x"), "x").unwrap();
        fs::write(r.join("etc/app.conf"), "k=v").unwrap();
        fs::set_permissions(
            r.join("opt/app/lib/x"),
            std::fs::Permissions::from_mode(0o4755),
        )
        .unwrap();
        symlink("/opt/app/lib/x", r.join("usr/bin/x")).unwrap();
        let e = scan_tree(r, &ScanOptions::default()).unwrap();
        let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/etc/app.conf",
                "/opt/app",
                "/opt/app/lib",
                "/opt/app/lib/x",
                "/usr/bin/x"
            ]
        );
        assert_eq!(e[3].mode, 0o4755);
        assert!(e[0].config.is_some());
        assert_eq!(e[4].kind, FileKind::Symlink("/opt/app/lib/x".into()));
    }

    #[test]
    fn dangling_symlinks_are_refused_unless_allowed() {
        let t = tempfile::tempdir().unwrap();
        symlink("missing", t.path().join("link")).unwrap();
        let opts = ScanOptions {
            prefix: "/opt/app".into(),
            ..ScanOptions::default()
        };
        let err = scan_tree(t.path(), &opts).unwrap_err();
        let hint = err.hint().unwrap_or_default();
        let err = err.to_string();
        assert!(err.contains("dangling symlink"), "{err}");
        assert!(hint.contains("--allow-dangling-symlinks"), "{hint}");
        let ok = ScanOptions {
            allow_dangling_symlinks: true,
            ..opts
        };
        assert_eq!(scan_tree(t.path(), &ok).unwrap().len(), 2);
    }

    #[test]
    fn links_outside_the_prefix_are_not_checked() {
        let t = tempfile::tempdir().unwrap();
        symlink("/usr/lib/libc.so.6", t.path().join("libc")).unwrap();
        let opts = ScanOptions {
            prefix: "/opt/app".into(),
            ..ScanOptions::default()
        };
        assert!(scan_tree(t.path(), &opts).is_ok());
    }

    /// The message names the path; the hint (the CLI's `hint:` line) names the flag.
    #[test]
    fn a_missing_tree_names_the_path_and_hints_at_the_flag() {
        let t = tempfile::tempdir().unwrap();
        let missing = t.path().join("no-such-stage");
        let err = scan_tree(&missing, &ScanOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("`{}`: cannot read", missing.display())),
            "{err}"
        );
        let hint = err.hint().unwrap_or_default();
        assert!(hint.contains("--from-dir"), "{hint}");
    }
}
