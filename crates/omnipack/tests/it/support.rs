use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::Digest;

/// `omnipack` with a fixed SOURCE_DATE_EPOCH and no colour.
pub fn omnipack() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_omnipack"));
    c.env(
        "SOURCE_DATE_EPOCH",
        omnipack_test_support::EPOCH.to_string(),
    )
    .env("NO_COLOR", "1");
    c
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn sha256(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(fs_err::read(path).unwrap()))
}

/// Writes `name` `version` as .deb and .rpm (`formats`: "deb", "rpm" or "all") into `dir`.
pub fn make_package(dir: &Path, name: &str, version: &str, formats: &str) {
    let stage = dir.join(format!(".stage-{name}-{version}"));
    fs_err::create_dir_all(stage.join("opt").join(name)).unwrap();
    fs_err::write(
        stage.join("opt").join(name).join("README"),
        format!("{name} {version}\n"),
    )
    .unwrap();
    let o = omnipack()
        .args([
            "package",
            "--quiet",
            "-n",
            name,
            "-v",
            version,
            "--summary",
            "test package",
        ])
        .args([
            "-m",
            "T <t@example.org>",
            "-a",
            "all",
            "--format",
            formats,
            "--from-dir",
        ])
        .arg(&stage)
        .arg("--out")
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    fs_err::remove_dir_all(&stage).unwrap();
}

pub use omnipack_test_support::clients::{apt_private, apt_state, copy_tree};
