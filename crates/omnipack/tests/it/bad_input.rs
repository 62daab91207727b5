use std::path::Path;

use fs_err as fs;

use crate::support::{omnipack, text};

fn entries(dir: &Path) -> Vec<String> {
    match fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn package(args: &[&str], out: &Path) -> (i32, String) {
    let o = omnipack()
        .arg("package")
        .args(args)
        .args(["--summary", "s", "--maintainer", "M <m@example.org>"])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    (o.status.code().unwrap(), text(&o).1)
}

#[test]
fn a_missing_directory_names_the_path_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let (code, err) = package(
        &["--from-dir", "/no/such/stage", "-n", "x1", "-v", "1"],
        &out,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: `/no/such/stage`") && err.contains("--from-dir"),
        "{err}"
    );
    assert!(entries(&out).is_empty());
}

#[test]
fn names_and_versions_that_break_a_format_fail_before_any_file_is_written() {
    let t = tempfile::tempdir().unwrap();
    let stage = t.path().join("stage");
    fs::create_dir_all(stage.join("opt/x")).unwrap();
    fs::write(stage.join("opt/x/f"), "f").unwrap();
    let out = t.path().join("out");
    let s = stage.to_str().unwrap();
    for (args, needle) in [
        (
            ["-n", "My_Tool", "-v", "1.0"],
            "invalid name `My_Tool` for a .deb package",
        ),
        (
            ["-n", "tool", "-v", "1.0-2"],
            "invalid version `1.0-2` for a .rpm package",
        ),
        (
            ["-n", "tool", "-v", "v1.0"],
            "invalid version `v1.0` for a .deb package",
        ),
    ] {
        let mut all = vec!["--from-dir", s];
        all.extend(args);
        let (code, err) = package(&all, &out);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(entries(&out).is_empty(), "left behind: {:?}", entries(&out));
    }
}

#[test]
fn a_dangling_symlink_is_refused_with_the_flag_that_allows_it() {
    let t = tempfile::tempdir().unwrap();
    let stage = t.path().join("stage");
    fs::create_dir_all(stage.join("opt/x")).unwrap();
    fs_err::os::unix::fs::symlink("missing-target", stage.join("opt/x/link")).unwrap();
    let out = t.path().join("out");
    let s = stage.to_str().unwrap();
    let (code, err) = package(&["--from-dir", s, "-n", "xx", "-v", "1"], &out);
    assert_eq!(code, 1);
    assert!(
        err.contains("dangling symlink") && err.contains("--allow-dangling-symlinks"),
        "{err}"
    );
    assert!(entries(&out).is_empty());
    let (code, err) = package(
        &[
            "--from-dir",
            s,
            "-n",
            "xx",
            "-v",
            "1",
            "--allow-dangling-symlinks",
        ],
        &out,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(entries(&out).len(), 2);
}

#[test]
fn a_malformed_spec_file_points_at_the_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    let spec = t.path().join("broken.toml");
    fs::write(&spec, "name = \"x\"\nversion = \"1\"\nsumary = \"typo\"\n").unwrap();
    let (code, err) = package(&["--spec", spec.to_str().unwrap()], &t.path().join("out"));
    assert_eq!(code, 1);
    assert!(
        err.contains("broken.toml") && err.contains("line 3") && err.contains("sumary"),
        "{err}"
    );
}

#[test]
fn bad_usage_exits_2() {
    let o = omnipack()
        .args(["package", "--format", "zip", "--from-dir", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = omnipack().args(["package"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "neither --from-dir nor --spec");
}

#[test]
fn an_unusable_epoch_is_named() {
    let t = tempfile::tempdir().unwrap();
    let o = omnipack()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["package", "--from-dir"])
        .arg(t.path())
        .args([
            "-n",
            "xx",
            "-v",
            "1",
            "--summary",
            "s",
            "-m",
            "M <m@x.org>",
            "--out",
        ])
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("SOURCE_DATE_EPOCH=`yesterday`"));
}

/// Runs `omnipack ARGS` in `dir` and gives `exit N` and its stderr, temporary
/// paths redacted, for a snapshot.
fn failure(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = omnipack();
    c.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let err = text(&o).1;
    let dir = dir.to_string_lossy();
    format!(
        "$ omnipack {}\nexit {}\n{}",
        args.join(" "),
        o.status.code().unwrap_or(-1),
        err.replace(dir.as_ref(), "[TEMP]")
    )
}

// Guards the error layout every command shares: `error:`, each `Caused by:`,
// then what to do on its own `hint:` line.
#[test]
fn errors_name_the_input_and_say_what_to_do_on_a_hint_line() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::create_dir_all(d.join("stage/opt/x")).unwrap();
    fs_err::os::unix::fs::symlink("missing-target", d.join("stage/opt/x/link")).unwrap();
    fs::write(
        d.join("broken.toml"),
        "name = \"x\"\nversion = \"1\"\nsumary = \"typo\"\n",
    )
    .unwrap();
    fs::create_dir_all(d.join("repo")).unwrap();
    let common = [
        "--summary",
        "s",
        "--maintainer",
        "M <m@example.org>",
        "--out",
        "out",
    ];
    let with = |args: &[&'static str]| -> Vec<&'static str> {
        args.iter().copied().chain(common).collect()
    };
    let cases = [
        failure(
            d,
            &with(&["package", "--from-dir", "missing", "-n", "x", "-v", "1"]),
            &[],
        ),
        failure(
            d,
            &with(&["package", "--from-dir", "stage", "-n", "x", "-v", "1"]),
            &[],
        ),
        failure(
            d,
            &with(&[
                "package",
                "--from-dir",
                "stage",
                "-n",
                "My_Tool",
                "-v",
                "1",
                "--allow-dangling-symlinks",
            ]),
            &[],
        ),
        failure(
            d,
            &["package", "--spec", "broken.toml", "--out", "out"],
            &[],
        ),
        failure(
            d,
            &with(&["package", "--from-dir", "stage", "-n", "x", "-v", "1"]),
            &[("SOURCE_DATE_EPOCH", "yesterday")],
        ),
        failure(d, &["publish", "repo", "dest"], &[]),
        failure(d, &["inspect", "broken.toml"], &[]),
    ];
    insta::assert_snapshot!("error_output", cases.join("\n"));
    assert!(!d.join("out").exists() || entries(&d.join("out")).is_empty());
}
