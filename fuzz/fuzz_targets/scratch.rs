// Shared by the targets that read files: one scratch file per process on
// a tmpfs, rewritten for each input.
use std::path::PathBuf;
use std::sync::OnceLock;

/// Writes `data` to this process's scratch file named `name`; its path.
#[allow(dead_code)]
pub fn file(name: &str, data: &[u8]) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("omnipack-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}
