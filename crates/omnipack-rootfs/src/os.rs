//! What a root filesystem is: its os-release(5) `ID` and `VERSION_ID`, and
//! the CPU its programs are for (the ELF machine of its `/bin/sh`).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use fs_err as fs;

/// `ID` and `VERSION_ID` of an os-release file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsRelease {
    /// `debian`, `ubuntu`, `rocky`, ...
    pub id: String,
    /// `12`, `24.04`, `9.4`; empty for releases without one (Debian testing).
    pub version_id: String,
}

impl OsRelease {
    /// Parses os-release text.
    pub fn parse(text: &str) -> Option<OsRelease> {
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_owned())
        };
        Some(OsRelease {
            id: field("ID")?,
            version_id: field("VERSION_ID").unwrap_or_default(),
        })
    }

    /// Whether this is release `release` of `id` (`9` matches `9.4`).
    pub fn is(&self, id: &str, release: &str) -> bool {
        self.id == id
            && (self.version_id == release
                || self
                    .version_id
                    .strip_prefix(release)
                    .is_some_and(|rest| rest.starts_with('.')))
    }

    /// `debian 12`, for messages.
    pub fn describe(&self) -> String {
        if self.version_id.is_empty() {
            self.id.clone()
        } else {
            format!("{} {}", self.id, self.version_id)
        }
    }
}

/// The os-release of the root at `root` (`/` for this machine).
pub fn os_release(root: &Path) -> Option<OsRelease> {
    ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| {
            let path = resolve_in(root, Path::new(p))?;
            fs::read_to_string(path).ok()
        })
        .and_then(|t| OsRelease::parse(&t))
}

/// The host path of `path` inside `root`, following symlinks as the root
/// would see them (an absolute target is taken inside the root). `None` if
/// it does not exist or the links loop.
pub fn resolve_in(root: &Path, path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    let mut todo: Vec<std::ffi::OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            _ => None,
        })
        .rev()
        .collect();
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            parts.pop();
            continue;
        }
        if part == "." {
            continue;
        }
        parts.push(part);
        let here: PathBuf = root.join(parts.iter().collect::<PathBuf>());
        let meta = fs::symlink_metadata(&here).ok()?;
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = fs::read_link(&here).ok()?;
            parts.pop();
            if target.is_absolute() {
                parts.clear();
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => todo.push(n.to_owned()),
                    Component::ParentDir => todo.push("..".into()),
                    _ => {}
                }
            }
        }
    }
    Some(root.join(parts.iter().collect::<PathBuf>()))
}

/// The ELF machine (`e_machine`) of a file, with its class, as a name.
fn elf_machine(path: &Path) -> Option<String> {
    let mut head = [0u8; 20];
    fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    if &head[..4] != b"\x7fELF" {
        return None;
    }
    let machine = match head[5] {
        1 => u16::from_le_bytes([head[18], head[19]]),
        _ => u16::from_be_bytes([head[18], head[19]]),
    };
    let class = if head[4] == 2 { 64 } else { 32 };
    Some(match machine {
        3 => "i386".to_owned(),
        62 => "x86_64".to_owned(),
        40 => "arm".to_owned(),
        183 => "aarch64".to_owned(),
        8 => format!("mips{class}"),
        20 | 21 => format!("powerpc{class}"),
        22 => "s390x".to_owned(),
        243 => format!("riscv{class}"),
        m => format!("ELF machine {m} ({class}-bit)"),
    })
}

/// The CPU the root's programs are for (from its `/bin/sh`).
pub fn root_machine(root: &Path) -> Option<String> {
    elf_machine(&resolve_in(root, Path::new("bin/sh"))?)
}

/// The CPU this machine's programs are for.
pub fn host_machine() -> Option<String> {
    elf_machine(Path::new("/proc/self/exe"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_fields() {
        let o =
            OsRelease::parse("NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.4\"\n").unwrap();
        assert!(o.is("rocky", "9"));
        assert!(!o.is("rocky", "94"));
        assert!(!o.is("centos", "9"));
        let d = OsRelease::parse("PRETTY_NAME=x\nID=debian\n").unwrap();
        assert_eq!(d.version_id, "");
        assert_eq!(d.describe(), "debian");
        assert!(OsRelease::parse("NAME=x\n").is_none());
    }

    #[test]
    fn links_resolve_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("usr/bin")).unwrap();
        fs::create_dir_all(r.join("etc")).unwrap();
        fs::write(r.join("usr/bin/dash"), "x").unwrap();
        fs::os::unix::fs::symlink("usr/bin", r.join("bin")).unwrap();
        fs::os::unix::fs::symlink("dash", r.join("usr/bin/sh")).unwrap();
        fs::os::unix::fs::symlink("/usr/lib/os-release", r.join("etc/os-release")).unwrap();
        assert_eq!(
            resolve_in(r, Path::new("bin/sh")).unwrap(),
            r.join("usr/bin/dash")
        );
        assert!(resolve_in(r, Path::new("etc/os-release")).is_none());
        fs::create_dir_all(r.join("usr/lib")).unwrap();
        fs::write(
            r.join("usr/lib/os-release"),
            "ID=debian\nVERSION_ID=\"11\"\n",
        )
        .unwrap();
        assert!(os_release(r).unwrap().is("debian", "11"));
        fs::os::unix::fs::symlink("loop", r.join("loop")).unwrap();
        assert!(resolve_in(r, Path::new("loop")).is_none());
    }

    #[test]
    fn this_machine_has_a_cpu() {
        assert!(host_machine().is_some());
        assert_eq!(root_machine(Path::new("/")), host_machine());
    }
}
