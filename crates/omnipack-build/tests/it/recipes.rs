//! The cargo, dir and command recipes, and the refusal of a tree that still
//! refers to the staging root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_build::recipe::RecipeError;
use omnipack_spec::Recipe;
use omnipack_test_support::{require_tools, run_ok, sample_tree, stdout_of};

use crate::{stage_at, tree_digest};

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn cargo_installs_the_crate_binaries_under_the_prefix_without_bookkeeping() {
    if !require_tools(&["cargo"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let krate = t.path().join("hello-omnipack");
    fs::create_dir_all(krate.join("src")).unwrap();
    fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"hello-omnipack\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    fs::write(
        krate.join("src/main.rs"),
        "fn main() { println!(\"hello from cargo\"); }\n",
    )
    .unwrap();
    let recipe = Recipe::Cargo {
        path: krate.clone(),
        // A private target directory: the one running these tests is locked.
        args: vec![
            "--offline".into(),
            "--target-dir".into(),
            t.path().join("target").to_str().unwrap().into(),
        ],
    };
    let staging = t.path().join("staging");
    stage_at(&recipe, &staging, "/opt/hello").unwrap();
    let prefix = staging.join("opt/hello");
    let entries: Vec<_> = fs::read_dir(&prefix)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries,
        ["bin"],
        "only bin/: no .crates.toml or .crates2.json"
    );
    let bin = prefix.join("bin/hello-omnipack");
    assert_eq!(mode(&bin), 0o755);
    assert_eq!(stdout_of(&mut Command::new(&bin)), "hello from cargo\n");
}

#[test]
fn a_failing_cargo_build_shows_the_compiler_error() {
    if !require_tools(&["cargo"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let krate = t.path().join("broken");
    fs::create_dir_all(krate.join("src")).unwrap();
    fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    fs::write(
        krate.join("src/main.rs"),
        "fn main() { let x: u8 = \"no\"; }\n",
    )
    .unwrap();
    let recipe = Recipe::Cargo {
        path: krate,
        args: vec![
            "--offline".into(),
            "--target-dir".into(),
            t.path().join("target").to_str().unwrap().into(),
        ],
    };
    let e = stage_at(&recipe, &t.path().join("staging"), "/opt/broken")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("installing the crate failed: `")
            && e.contains(" install --no-track --path "),
        "{e}"
    );
    assert!(e.contains("mismatched types"), "{e}");
}

#[test]
fn dir_copies_the_tree_with_modes_and_symlinks_under_the_prefix() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("prebuilt");
    sample_tree(&src, "app");
    // A link leaving the tree is kept as it is.
    fs::os::unix::fs::symlink("../../../etc/app.conf", src.join("opt/app/lib/escape")).unwrap();
    fs::set_permissions(&src, std::fs::Permissions::from_mode(0o700)).unwrap();
    let staging = t.path().join("staging");
    stage_at(&Recipe::Dir { path: src.clone() }, &staging, "/opt/app").unwrap();
    let prefix = staging.join("opt/app");
    assert_eq!(tree_digest(&prefix), tree_digest(&src));
    assert_eq!(mode(&prefix.join("opt/app/bin/helper")), 0o4755);
    assert_eq!(
        fs::read_link(prefix.join("opt/app/lib/escape")).unwrap(),
        Path::new("../../../etc/app.conf")
    );
    // The prefix and its parents are 0755 whatever the source's mode.
    assert_eq!((mode(&staging.join("opt")), mode(&prefix)), (0o755, 0o755));
}

#[test]
fn dir_refuses_special_files_and_a_missing_tree() {
    if !require_tools(&["mkfifo"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("prebuilt");
    fs::create_dir(&src).unwrap();
    run_ok(Command::new("mkfifo").arg(src.join("pipe")));
    let e = stage_at(
        &Recipe::Dir { path: src.clone() },
        &t.path().join("s1"),
        "/opt/app",
    )
    .unwrap_err();
    assert!(
        matches!(&e, RecipeError::SpecialFile(p) if p.ends_with("pipe")),
        "{e}"
    );
    assert!(
        e.to_string().contains("remove it from the prebuilt tree"),
        "{e}"
    );

    let e = stage_at(
        &Recipe::Dir {
            path: t.path().join("nope"),
        },
        &t.path().join("s2"),
        "/opt/app",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("prebuilt tree `") && e.contains("nope` does not exist"),
        "{e}"
    );
}

#[test]
fn commands_run_in_order_with_destdir_prefix_and_the_epoch() {
    let t = tempfile::tempdir().unwrap();
    let work = t.path().join("work");
    fs::create_dir(&work).unwrap();
    fs::write(work.join("input.txt"), "from the workdir\n").unwrap();
    let recipe = Recipe::Command {
        commands: vec![
            "mkdir -p \"$DESTDIR$PREFIX/bin\" && printf '#!/bin/sh\\necho x\\n' > \"$DESTDIR$PREFIX/bin/x\" && chmod +x \"$DESTDIR$PREFIX/bin/x\"".into(),
            "cp input.txt \"$DESTDIR$PREFIX/\"; echo \"$PREFIX $SOURCE_DATE_EPOCH\" > \"$DESTDIR$PREFIX/env\"".into(),
        ],
        workdir: work,
    };
    let staging = t.path().join("staging");
    stage_at(&recipe, &staging, "/opt/x").unwrap();
    let prefix = staging.join("opt/x");
    assert_eq!(
        fs::read_to_string(prefix.join("bin/x")).unwrap(),
        "#!/bin/sh\necho x\n"
    );
    assert_eq!(mode(&prefix.join("bin/x")), 0o755);
    assert_eq!(
        fs::read_to_string(prefix.join("input.txt")).unwrap(),
        "from the workdir\n"
    );
    // umask 022: files are 0644 whatever the caller's umask.
    assert_eq!(mode(&prefix.join("env")), 0o644);
    assert_eq!(
        fs::read_to_string(prefix.join("env")).unwrap(),
        format!("/opt/x {}\n", omnipack_test_support::EPOCH)
    );
}

#[test]
fn a_failing_command_is_named_with_its_output_tail() {
    let t = tempfile::tempdir().unwrap();
    let recipe = Recipe::Command {
        commands: vec![
            "true".into(),
            "for i in $(seq 1 50); do echo \"step $i\"; done; echo 'oops: no compiler' >&2; false; echo never".into(),
        ],
        workdir: t.path().to_path_buf(),
    };
    let e = stage_at(&recipe, &t.path().join("staging"), "/opt/x")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("command 2 of 2 failed: `sh -ec 'for i in"),
        "{e}"
    );
    assert!(
        e.contains("exited with status 1; fix it in `[build] commands`"),
        "{e}"
    );
    assert!(
        e.contains("the last 30 lines of its output:\n  | step 22\n"),
        "{e}"
    );
    assert!(e.ends_with("  | step 50\n  | oops: no compiler"), "{e}");
    assert!(!e.contains("  | never"), "{e}");
}

#[test]
fn a_tree_that_still_names_the_staging_root_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let recipe = Recipe::Command {
        commands: vec![
            "mkdir -p \"$DESTDIR$PREFIX/lib\" && echo \"data=$DESTDIR$PREFIX/data\" > \"$DESTDIR$PREFIX/app.conf\" && printf 'bin\\0%s/lib\\0' \"$DESTDIR$PREFIX\" > \"$DESTDIR$PREFIX/lib/app.so\"".into(),
        ],
        workdir: t.path().to_path_buf(),
    };
    let staging = t.path().join("staging");
    let e = stage_at(&recipe, &staging, "/opt/x").unwrap_err();
    let RecipeError::StagingPathLeft { files, .. } = &e else {
        panic!("{e}");
    };
    assert_eq!(
        files,
        &[
            PathBuf::from("opt/x/app.conf"),
            PathBuf::from("opt/x/lib/app.so")
        ]
    );
    let e = e.to_string();
    assert!(
        e.starts_with("2 file(s) still refer to the staging root `"),
        "{e}"
    );
    assert!(
        e.contains("\n  `/opt/x/app.conf`\n  `/opt/x/lib/app.so`\n"),
        "{e}"
    );
}

#[test]
fn commands_that_install_nothing_under_the_prefix_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let recipe = Recipe::Command {
        // A forgotten $PREFIX: the files land elsewhere.
        commands: vec!["mkdir -p \"$DESTDIR/usr/local/bin\"".into()],
        workdir: t.path().to_path_buf(),
    };
    let e = stage_at(&recipe, &t.path().join("staging"), "/opt/x")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("the commands installed nothing under the prefix `/opt/x`"),
        "{e}"
    );
    assert!(
        e.contains("make install DESTDIR=\"$DESTDIR\" PREFIX=\"$PREFIX\""),
        "{e}"
    );
}
