//! What a stopped process removes on its way out. Temporary files and
//! directories are registered here while they exist (by [`AtomicFile`],
//! [`Staging`] and [`ScratchDir`]); when SIGINT or SIGTERM ends a command
//! at once, the binary's signal handler calls [`remove_all`] before it
//! exits, so Ctrl-C leaves nothing behind. A SIGKILLed process cannot do
//! this: its leftovers carry its PID in their names and the next run
//! removes them ([`crate::atomic::sweep`], [`sweep_dirs`]).
//!
//! [`AtomicFile`]: crate::atomic::AtomicFile
//! [`Staging`]: crate::atomic::Staging

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use fs_err as fs;

/// A list of paths to remove when the process is stopped.
#[derive(Debug)]
struct Registry {
    next: AtomicU64,
    paths: Mutex<BTreeMap<u64, PathBuf>>,
}

impl Registry {
    const fn new() -> Registry {
        Registry {
            next: AtomicU64::new(1),
            paths: Mutex::new(BTreeMap::new()),
        }
    }

    fn register(&'static self, path: &Path) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        paths.insert(id, path.to_path_buf());
        Registered { list: self, id }
    }

    fn remove_all(&self) -> Vec<PathBuf> {
        let taken = {
            let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *paths)
        };
        let mut removed = Vec::new();
        // Newest first: a file registered inside a directory registered
        // earlier goes before it. What cannot go yet (a mount point of a
        // sandbox whose last process is still ending) is tried again for
        // up to a second.
        let mut left: Vec<PathBuf> = taken.into_values().rev().collect();
        for attempt in 0..20 {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            left.retain(|path| {
                let Ok(meta) = fs::symlink_metadata(path) else {
                    return false;
                };
                let gone = if meta.is_dir() {
                    fs::remove_dir_all(path)
                } else {
                    fs::remove_file(path)
                };
                if gone.is_ok() {
                    removed.push(path.clone());
                }
                gone.is_err()
            });
            if left.is_empty() {
                break;
            }
        }
        removed
    }
}

/// The process's list.
static PROCESS: Registry = Registry::new();

/// A path [`remove_all`] removes while this lives; dropping it (the file
/// was committed or removed by its owner) takes it off the list.
#[derive(Debug)]
pub struct Registered {
    list: &'static Registry,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut paths = self.list.paths.lock().unwrap_or_else(|e| e.into_inner());
        paths.remove(&self.id);
    }
}

/// Puts `path` (a file or a directory) on the list of what a stopped
/// process removes.
pub fn register(path: &Path) -> Registered {
    PROCESS.register(path)
}

/// Removes every registered path that exists (directories with their
/// contents) and returns those removed. For the signal handler, just
/// before the process exits: the list is emptied, so the owners' own
/// clean-up finds nothing left to do.
pub fn remove_all() -> Vec<PathBuf> {
    PROCESS.remove_all()
}

/// Whether process `pid` runs on this machine. A zombie (killed, not yet
/// reaped by its parent or by init: for a moment after a SIGKILL, or for
/// good under an init that does not reap) has stopped running: its state in
/// `/proc/PID/stat`, after the parenthesised command name, is `Z` (or `X`).
/// A pid reused since counts as running (the safe side).
pub fn pid_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    let stat = Path::new("/proc").join(pid.to_string()).join("stat");
    match fs::read_to_string(&stat) {
        Ok(text) => !matches!(
            text.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next()),
            Some('Z' | 'X')
        ),
        // Gone, or unreadable: a /proc entry still there means it runs.
        Err(_) => Path::new("/proc").join(pid.to_string()).exists(),
    }
}

/// The processes whose parent is `me` (from `/proc/PID/stat`).
fn children(me: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                // After the parenthesised command name: state, then ppid.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|ppid| ppid.parse::<u32>().ok())
                    == Some(me)
            })
        })
        .collect()
}

/// Ends this process's descendants (SIGKILL: its children, theirs, and so
/// on) and waits, up to `within`, until none runs, so that none writes into
/// what [`remove_all`] removes next (a `pip` filling the staging tree would
/// make its directories again) and no sandbox's mount namespace still holds
/// an overlay inside a scratch directory. Returns how many were stopped.
pub fn stop_children(within: std::time::Duration) -> usize {
    stop_children_of(std::process::id(), within)
}

fn stop_children_of(parent: u32, within: std::time::Duration) -> usize {
    // Parents first, then what they started (collected before any dies,
    // while the parent links still hold).
    let mut pids = children(parent);
    let mut i = 0;
    while i < pids.len() {
        for p in children(pids[i]) {
            if !pids.contains(&p) {
                pids.push(p);
            }
        }
        i += 1;
    }
    for &pid in &pids {
        if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
    let until = std::time::Instant::now() + within;
    while pids.iter().any(|&p| pid_alive(p)) && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    pids.len()
}

/// A directory of this process's own, `PREFIX<pid>-XXXXXX` in its parent:
/// removed when dropped, by [`remove_all`] when a signal stops the
/// process, and, if the process is killed, by the next [`sweep_dirs`] with
/// the same prefix.
#[derive(Debug)]
pub struct ScratchDir {
    dir: tempfile::TempDir,
    _registered: Registered,
}

impl ScratchDir {
    /// Makes `PREFIX<pid>-XXXXXX` in `parent` (created if missing).
    pub fn new_in(parent: &Path, prefix: &str) -> std::io::Result<ScratchDir> {
        ScratchDir::listed(parent, prefix, &PROCESS)
    }

    fn listed(parent: &Path, prefix: &str, list: &'static Registry) -> std::io::Result<ScratchDir> {
        fs::create_dir_all(parent)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{prefix}{}-", std::process::id()))
            .tempdir_in(parent)
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create a temporary directory in `{}`: {e}",
                        parent.display()
                    ),
                )
            })?;
        let registered = list.register(dir.path());
        Ok(ScratchDir {
            dir,
            _registered: registered,
        })
    }

    /// Makes `PREFIX<pid>-XXXXXX` in the temporary directory (`$TMPDIR`).
    pub fn new(prefix: &str) -> std::io::Result<ScratchDir> {
        ScratchDir::new_in(&std::env::temp_dir(), prefix)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Keeps the directory (it was renamed into place, or is wanted after
    /// the process ends) and returns its path; nothing removes it.
    pub fn keep(self) -> PathBuf {
        self.dir.keep()
    }
}

/// The process that made the scratch name `name`, if `name` is
/// `PREFIX<pid>-…`.
fn owner_of(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?
        .split_once('-')
        .and_then(|(p, _)| p.parse().ok())
}

/// Removes the directories `PREFIX<pid>-*` in `parent` whose process no
/// longer runs (what a killed run's [`ScratchDir`]s left) and returns
/// them. A live process's, and anything else, are left alone; failures
/// leave them for the next run; a missing `parent` has none.
pub fn sweep_dirs(parent: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| owner_of(n, prefix)) else {
            continue;
        };
        if !pid_alive(pid)
            && entry.file_type().is_ok_and(|t| t.is_dir())
            && fs::remove_dir_all(entry.path()).is_ok()
        {
            removed.push(entry.path());
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    // A list of the test's own: the process's is shared by every test
    // running on a thread of this process.
    static LIST: Registry = Registry::new();
    fn register(path: &Path) -> Registered {
        LIST.register(path)
    }
    fn remove_all() -> Vec<PathBuf> {
        LIST.remove_all()
    }

    #[test]
    fn registered_paths_go_on_remove_all_and_dropped_ones_stay() {
        let t = tempfile::tempdir().unwrap();
        let scratch = ScratchDir::listed(t.path(), "omnipack-test-", &LIST).unwrap();
        let name = scratch.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(&format!("omnipack-test-{}-", std::process::id())));
        fs::write(scratch.path().join("inside"), b"x").unwrap();
        let file = t.path().join("file.tmp");
        fs::write(&file, b"x").unwrap();
        let reg = register(&file);
        let kept = t.path().join("kept");
        fs::write(&kept, b"x").unwrap();
        drop(register(&kept));

        let mut removed = remove_all();
        removed.sort();
        let mut want = vec![scratch.path().to_path_buf(), file.clone()];
        want.sort();
        assert_eq!(removed, want);
        assert!(!scratch.path().exists() && !file.exists() && kept.exists());
        // The owners' own clean-up after it finds nothing and fails nowhere.
        drop(reg);
        drop(scratch);
        assert!(remove_all().is_empty());

        // A kept directory is not removed by anyone.
        let scratch = ScratchDir::listed(t.path(), "omnipack-test-", &LIST).unwrap();
        let path = scratch.keep();
        assert!(remove_all().is_empty() && path.is_dir());
    }

    // The children of a shell of the test's own (the test process's are
    // other tests' too).
    #[test]
    fn stop_children_ends_them_before_returning() {
        let mut sh = std::process::Command::new("sh")
            .args([
                "-c",
                "sleep 100 & sh -c 'sleep 100; true' & echo started; wait",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(sh.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        // A sleep, and a shell with a sleep of its own (a grandchild).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let descendants = || {
            let mut all = children(sh.id());
            all.extend(all.clone().into_iter().flat_map(children));
            all
        };
        while descendants().len() < 3 {
            assert!(std::time::Instant::now() < deadline, "{:?}", descendants());
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let sleeps = descendants();
        assert_eq!(
            stop_children_of(sh.id(), std::time::Duration::from_secs(5)),
            3
        );
        for p in sleeps {
            assert!(!pid_alive(p), "{p} still runs");
        }
        // The shell's `wait` returns once they are gone.
        assert!(sh.wait().unwrap().success());
    }

    /// Found by `scripts/kill-trials`: a SIGKILLed writer that its parent
    /// had not reaped yet still had a /proc entry, so its lock was not
    /// taken over and its leftovers were not swept. A zombie is dead.
    #[test]
    fn a_zombie_is_not_alive() {
        assert!(pid_alive(std::process::id()));
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        assert!(pid_alive(child.id()));
        child.kill().unwrap();
        // Not reaped yet: a zombie until `wait`.
        let stat = Path::new("/proc").join(child.id().to_string()).join("stat");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !fs::read_to_string(&stat).unwrap().contains(") Z") {
            assert!(std::time::Instant::now() < deadline, "never a zombie");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!pid_alive(child.id()));
        child.wait().unwrap();
        assert!(!pid_alive(child.id()));
    }

    #[test]
    fn sweep_dirs_removes_only_dead_owners_directories() {
        let t = tempfile::tempdir().unwrap();
        // A PID that no process has: above the kernel's limit.
        let dead = t.path().join("pfx-4194305-abc");
        let live = t.path().join(format!("pfx-{}-abc", std::process::id()));
        let other = t.path().join("other-4194305-abc");
        let file = t.path().join("pfx-4194305-file");
        for d in [&dead, &live, &other] {
            fs::create_dir(d).unwrap();
        }
        fs::write(&file, b"x").unwrap();
        assert_eq!(sweep_dirs(t.path(), "pfx-"), vec![dead.clone()]);
        assert!(!dead.exists() && live.exists() && other.exists() && file.exists());
        assert!(sweep_dirs(&t.path().join("missing"), "pfx-").is_empty());
    }
}
