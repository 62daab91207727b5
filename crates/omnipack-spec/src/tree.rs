//! Turns a staged directory into [`FileEntry`]s: regular files streamed from
//! disk, directories the package should own, symlinks kept as symlinks.
//!
//! Standard directories (`/usr/bin`, `/etc`, `/opt`, ...) belong to the base
//! system (the `filesystem` RPM, `base-files`): they are never claimed as owned,
//! only written as parent entries in a .deb's data.tar where dpkg needs them.

use std::path::{Component, Path, PathBuf};

use fs_err as fs;

use crate::{Config, FileEntry, FileSource, SpecError};

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
pub fn is_system_dir(path: &str) -> bool {
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
fn normalise_prefix(prefix: &str) -> Result<String, SpecError> {
    if !prefix.starts_with('/') || prefix.split('/').any(|c| c == "..") {
        return Err(SpecError::InvalidField {
            field: "prefix",
            value: prefix.to_owned(),
            format: "any",
            reason: "the prefix is an absolute installed path such as `/` or `/opt/app`".into(),
        });
    }
    Ok(lexical_join("/", prefix))
}

/// Reads the staged tree at `root` and returns its entries with installed paths
/// under `opts.prefix`, owned by root, modes as on disk, sorted parents first.
pub fn scan_tree(root: &Path, opts: &ScanOptions) -> Result<Vec<FileEntry>, SpecError> {
    let prefix = normalise_prefix(&opts.prefix)?;
    let meta = fs::metadata(root).map_err(|e| SpecError::Tree {
        path: root.to_path_buf(),
        reason: format!(
            "cannot read the staged directory: {e}; check the path given to `--from-dir`"
        ),
    })?;
    if !meta.is_dir() {
        return Err(SpecError::Tree {
            path: root.to_path_buf(),
            reason: "not a directory; `--from-dir` takes the staged tree's root".into(),
        });
    }
    let mut entries = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name();
    for item in walker {
        let item = item.map_err(|e| SpecError::Tree {
            path: e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf()),
            reason: format!(
                "cannot read: {e}; fix its permissions or remove it from the staged tree"
            ),
        })?;
        let rel = item.path().strip_prefix(root).unwrap_or(item.path());
        let mut rel_str = String::new();
        for c in rel.components() {
            if let Component::Normal(os) = c {
                let s = os.to_str().ok_or_else(|| SpecError::Tree {
                    path: item.path().to_path_buf(),
                    reason: "the file name is not UTF-8; rename it".into(),
                })?;
                if s.contains('\n') {
                    return Err(SpecError::Tree {
                        path: item.path().to_path_buf(),
                        reason: "the file name holds a newline; rename it".into(),
                    });
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
            let target = target.to_str().ok_or_else(|| SpecError::Tree {
                path: item.path().to_path_buf(),
                reason: "the symlink target is not UTF-8".into(),
            })?;
            if !opts.allow_dangling_symlinks {
                check_link(root, &prefix, &installed, target, item.path())?;
            }
            entries.push(FileEntry::symlink(installed, target));
        } else {
            return Err(SpecError::Tree {
                path: item.path().to_path_buf(),
                reason:
                    "a device, socket or fifo cannot be packaged; remove it from the staged tree"
                        .into(),
            });
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
) -> Result<(), SpecError> {
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
        return Err(SpecError::Tree {
            path: on_disk.to_path_buf(),
            reason: format!(
                "dangling symlink: `{installed}` -> `{target}` points to `{resolved}`, which is not in the staged tree; fix the link or pass `--allow-dangling-symlinks`"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileKind;
    use fs_err::os::unix::fs::symlink;
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
        let err = scan_tree(t.path(), &opts).unwrap_err().to_string();
        assert!(err.contains("dangling symlink"), "{err}");
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
}
