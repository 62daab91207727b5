//! The python recipe on the example application `examples/greet` (one
//! third-party dependency, `tabulate`, and the `flit_core` build backend,
//! both vendored as wheels: no network).

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_spec::Recipe;
use omnipack_test_support::{require_tools, stdout_of};

use crate::{copy_dir, files_containing, stage_at, tree_digest};

const PYTHON: &str = "/usr/bin/python3";

/// A copy of `examples/greet` at `dest`, so the repository is never written to.
fn greet_checkout(dest: &Path) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/greet");
    copy_dir(&example, dest);
    dest.to_path_buf()
}

fn greet_recipe(project: &Path) -> Recipe {
    Recipe::Python {
        project: project.to_path_buf(),
        requirements: Some(project.join("requirements.txt")),
        pip_args: vec!["--no-index".into(), "--find-links".into(), "vendor".into()],
        python: None,
    }
}

fn site_packages(venv: &Path) -> PathBuf {
    let lib = venv.join("lib");
    let mut dirs: Vec<_> = fs::read_dir(&lib)
        .unwrap()
        .map(|e| e.unwrap().path().join("site-packages"))
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.remove(0)
}

/// Runs `script` in a private mount namespace where `/opt` is a fresh tmpfs
/// and `tree` is bind-mounted at `/opt/greet`, so the relocated venv runs at
/// its real prefix without touching the host's `/opt`.
fn run_at_opt_greet(tree: &Path, script: &str) -> String {
    let root = stdout_of(Command::new("id").arg("-u")).trim() == "0";
    let mut cmd = Command::new("unshare");
    // Not root: a user namespace maps us to root inside, which may mount.
    cmd.arg(if root { "-m" } else { "-rm" })
        .args(["sh", "-ec"])
        .arg(format!(
            "mount -t tmpfs none /opt; mkdir /opt/greet; mount --bind \"$1\" /opt/greet; {script}"
        ))
        .arg("sh")
        .arg(tree);
    stdout_of(&mut cmd)
}

/// Checks every `RECORD` row against the files with Python's own `csv`,
/// `hashlib` and `base64`: every listed file exists, every hash and size is true.
const CHECK_RECORDS: &str = r#"
import base64, csv, hashlib, os, sys
site = sys.argv[1]
rows = 0
for d in sorted(os.listdir(site)):
    if not d.endswith(".dist-info"):
        continue
    with open(os.path.join(site, d, "RECORD"), newline="") as f:
        for path, digest, size in csv.reader(f):
            full = os.path.normpath(os.path.join(site, path))
            assert os.path.isfile(full), "listed but missing: " + path
            if not digest:
                continue
            algo, _, want = digest.partition("=")
            data = open(full, "rb").read()
            got = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()
            assert (got, len(data)) == (want, int(size)), (path, got, want, size)
            rows += 1
print(rows)
"#;

/// Checks that every `.pyc` is a checked-hash pyc (PEP 552 flags 0b11) whose
/// code names its installed path; prints how many there are.
const CHECK_PYCS: &str = r#"
import marshal, os, sys
root, prefix = sys.argv[1], sys.argv[2]
n = 0
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".pyc"):
            data = open(os.path.join(d, f), "rb").read()
            flags = int.from_bytes(data[4:8], "little")
            assert flags == 3, (d, f, flags)
            name = marshal.loads(data[16:]).co_filename
            assert name.startswith(prefix + "/lib/"), (d, f, name)
            n += 1
print(n)
"#;

#[test]
fn greet_is_staged_relocated_and_runs_at_its_final_prefix() {
    if !require_tools(&[PYTHON, "unshare", "mount"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = greet_checkout(&t.path().join("checkout/greet"));
    let staging = t.path().join("staging");
    fs::create_dir(&staging).unwrap();
    stage_at(&greet_recipe(&project), &staging, "/opt/greet").unwrap();
    let venv = staging.join("opt/greet");

    // No file refers to the staging root or to the checkout, binary files included.
    let staging_str = staging.to_str().unwrap();
    assert_eq!(
        files_containing(&staging, staging_str.as_bytes()),
        Vec::<PathBuf>::new()
    );
    assert_eq!(
        files_containing(&staging, project.as_os_str().as_bytes()),
        Vec::<PathBuf>::new()
    );

    // The console script and the venv files name the final prefix.
    let script = fs::read_to_string(venv.join("bin/greet")).unwrap();
    assert!(script.starts_with("#!/opt/greet/bin/python\n"), "{script}");
    let activate = fs::read_to_string(venv.join("bin/activate")).unwrap();
    assert!(
        activate.contains("VIRTUAL_ENV=/opt/greet\n")
            || activate.contains("VIRTUAL_ENV=\"/opt/greet\"\n"),
        "{activate}"
    );
    let cfg = fs::read_to_string(venv.join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("home = /usr/bin\n"), "{cfg}");
    // bin/python stays a symlink to the distribution's interpreter.
    let mut python = venv.join("bin/python");
    while python.starts_with(&venv) {
        let target = fs::read_link(&python).unwrap();
        python = python.parent().unwrap().join(target);
    }
    assert_eq!(python, Path::new("/usr/bin/python3"));
    // No pip in the shipped tree; no record of where the project was built.
    let site = site_packages(&venv);
    assert!(!site.join("pip").exists());
    assert!(
        fs::read_dir(&site)
            .unwrap()
            .all(|e| !e.unwrap().path().join("direct_url.json").exists())
    );

    // RECORD files are true (the rewritten script's hash too) and pycs are
    // checked-hash pycs naming installed paths.
    let rows = stdout_of(Command::new(PYTHON).args(["-c", CHECK_RECORDS]).arg(&site));
    assert!(rows.trim().parse::<u32>().unwrap() > 5, "{rows}");
    let pycs = stdout_of(
        Command::new(PYTHON)
            .args(["-c", CHECK_PYCS])
            .arg(&venv)
            .arg("/opt/greet"),
    );
    assert!(pycs.trim().parse::<u32>().unwrap() >= 4, "{pycs}");

    // At its real prefix, the application runs and its dependency draws the table.
    let before = tree_digest(&venv);
    let out = run_at_opt_greet(
        &venv,
        "/opt/greet/bin/greet Ada Grace; /opt/greet/bin/greet --version",
    );
    assert!(
        out.contains("+--------+"),
        "tabulate's grid is missing:\n{out}"
    );
    assert!(
        out.contains("| Ada    | Hello, Ada!   | Bonjour, Ada!   | Hallo, Ada!   |"),
        "{out}"
    );
    assert!(out.contains("| Grace  | Hello, Grace! |"), "{out}");
    assert!(
        out.contains("greet 1.0.0 (tabulate 0.9.0, Python 3."),
        "{out}"
    );
    assert!(out.trim_end().ends_with("prefix /opt/greet)"), "{out}");
    // Running wrote nothing: every pyc was already valid for the installed sources.
    assert_eq!(tree_digest(&venv), before);
}

#[test]
fn two_stagings_from_different_roots_and_checkouts_are_identical() {
    if !require_tools(&[PYTHON]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let p1 = greet_checkout(&t.path().join("a/greet"));
    let p2 = greet_checkout(&t.path().join("elsewhere/deeper/greet"));
    let shallow = t.path().join("s");
    // Deep enough that `#!<staging>/opt/greet/bin/python` exceeds the kernel's
    // 127 bytes, so pip writes its `'''exec'` trampoline instead of a shebang.
    let deep = t.path().join("d".repeat(140));
    assert!(deep.join("opt/greet/bin/python").as_os_str().len() + 3 > 127);
    for s in [&shallow, &deep] {
        fs::create_dir(s).unwrap();
    }
    stage_at(&greet_recipe(&p1), &shallow, "/opt/greet").unwrap();
    stage_at(&greet_recipe(&p2), &deep, "/opt/greet").unwrap();

    // The trampoline became the plain shebang pip writes at the final path.
    let script = fs::read_to_string(deep.join("opt/greet/bin/greet")).unwrap();
    assert!(
        script.starts_with("#!/opt/greet/bin/python\n# -*- coding"),
        "{script}"
    );
    assert_eq!(
        files_containing(&deep, deep.to_str().unwrap().as_bytes()),
        Vec::<PathBuf>::new()
    );

    let a = tree_digest(&shallow);
    let b = tree_digest(&deep);
    assert!(a.len() > 30, "{a:#?}");
    let differ: Vec<_> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, _)| k)
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .collect();
    assert!(differ.is_empty(), "entries differ: {differ:#?}");
}

#[test]
fn a_pip_failure_names_the_step_and_shows_pips_output() {
    if !require_tools(&[PYTHON]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = greet_checkout(&t.path().join("greet"));
    let recipe = Recipe::Python {
        project: project.clone(),
        requirements: Some(project.join("requirements.txt")),
        // No --find-links: nothing can satisfy the requirements offline.
        pip_args: vec!["--no-index".into()],
        python: None,
    };
    let staging = t.path().join("staging");
    let e = stage_at(&recipe, &staging, "/opt/greet")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("installing the requirements failed: `"),
        "{e}"
    );
    assert!(
        e.contains(" -m pip --python ")
            && e.contains("install --no-compile --no-index --requirement"),
        "{e}"
    );
    assert!(e.contains("exited with status 1"), "{e}");
    assert!(e.contains("--find-links DIR"), "the hint is missing: {e}");
    assert!(
        e.contains("  | ERROR: No matching distribution found for tabulate==0.9.0"),
        "{e}"
    );
}

#[test]
fn a_missing_interpreter_or_input_says_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("project");
    fs::create_dir(&project).unwrap();
    let recipe = |python: &str, requirements: Option<PathBuf>| Recipe::Python {
        project: project.clone(),
        requirements,
        pip_args: vec![],
        python: Some(python.into()),
    };
    let staging = t.path().join("staging");
    let e = stage_at(&recipe("/nonexistent/python3.99", None), &staging, "/opt/x")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("python interpreter `/nonexistent/python3.99` not found"),
        "{e}"
    );
    assert!(
        e.contains("apt-get install python3 python3-venv") && e.contains("[build] python"),
        "{e}"
    );

    let e = stage_at(
        &recipe("python3", Some(project.join("req.txt"))),
        &staging,
        "/opt/x",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("requirements file `") && e.contains("req.txt` does not exist"),
        "{e}"
    );
    assert!(e.contains("`[build] requirements`"), "{e}");

    let e = stage_at(&recipe("python3", None), &staging, "opt/x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("prefix `opt/x` must be an absolute path"), "{e}");
}
