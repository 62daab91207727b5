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

/// Copies a directory tree (files, dirs, symlinks, modes).
pub fn copy_tree(from: &Path, to: &Path) {
    omnipack_test_support::run_ok(Command::new("cp").arg("-a").arg(from).arg(to));
}
