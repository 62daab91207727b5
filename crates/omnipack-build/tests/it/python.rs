//! The python recipe on the example application `examples/greet` (one
//! third-party dependency, `tabulate`, and the `flit_core` build backend,
//! both vendored as wheels: no network), installed with pip and with uv
//! (`installer = "uv"`): the same checks run on both trees, and the trees
//! are compared.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_spec::{Installer, Recipe};
use omnipack_test_support::{require_tools, stdout_of};

use crate::{copy_dir, files_containing, stage_at, tree_digest};

const PYTHON: &str = "/usr/bin/python3";

/// A copy of `examples/greet` at `dest`, so the repository is never written to.
fn greet_checkout(dest: &Path) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/greet");
    copy_dir(&example, dest);
    dest.to_path_buf()
}

fn greet_recipe(project: &Path, installer: Installer) -> Recipe {
    Recipe::Python {
        project: project.to_path_buf(),
        requirements: Some(project.join("requirements.txt")),
        pip_args: vec!["--no-index".into(), "--find-links".into(), "vendor".into()],
        python: None,
        installer,
    }
}

/// The tools staging with `installer` needs (uv comes from `PATH`:
/// `scripts/test` puts a pinned one there).
fn tools(installer: Installer, more: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec![PYTHON];
    if installer == Installer::Uv {
        v.push("uv");
    }
    v.extend(more);
    v
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
    staged_relocated_and_runs(Installer::Pip);
}

#[test]
fn greet_staged_with_uv_is_relocated_and_runs_at_its_final_prefix() {
    staged_relocated_and_runs(Installer::Uv);
}

fn staged_relocated_and_runs(installer: Installer) {
    if !require_tools(&tools(installer, &["unshare", "mount"])) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = greet_checkout(&t.path().join("checkout/greet"));
    let staging = t.path().join("staging");
    fs::create_dir(&staging).unwrap();
    stage_at(&greet_recipe(&project, installer), &staging, "/opt/greet").unwrap();
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
    // No pip in the shipped tree; no record of where the project was built,
    // nor of uv's cache (a build-time timestamp) or its lock file.
    let site = site_packages(&venv);
    assert!(!site.join("pip").exists());
    for e in fs::read_dir(&site).unwrap() {
        let e = e.unwrap().path();
        for installer_file in ["direct_url.json", "uv_cache.json", "uv_build.json"] {
            assert!(!e.join(installer_file).exists(), "{e:?}/{installer_file}");
        }
    }
    assert!(!venv.join(".lock").exists());
    let installer_name = if installer == Installer::Uv {
        "uv"
    } else {
        "pip"
    };
    assert_eq!(
        fs::read_to_string(site.join("greet-1.0.0.dist-info/INSTALLER"))
            .unwrap()
            .trim(),
        installer_name
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
    two_stagings_are_identical(Installer::Pip);
}

#[test]
fn two_uv_stagings_from_different_roots_and_checkouts_are_identical() {
    two_stagings_are_identical(Installer::Uv);
}

fn two_stagings_are_identical(installer: Installer) {
    if !require_tools(&tools(installer, &[])) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let p1 = greet_checkout(&t.path().join("a/greet"));
    let p2 = greet_checkout(&t.path().join("elsewhere/deeper/greet"));
    let shallow = t.path().join("s");
    // Deep enough that `#!<staging>/opt/greet/bin/python` exceeds the kernel's
    // 127 bytes, so pip and uv write their `'''exec'` trampoline instead of a shebang.
    let deep = t.path().join("d".repeat(140));
    assert!(deep.join("opt/greet/bin/python").as_os_str().len() + 3 > 127);
    for s in [&shallow, &deep] {
        fs::create_dir(s).unwrap();
    }
    stage_at(&greet_recipe(&p1, installer), &shallow, "/opt/greet").unwrap();
    stage_at(&greet_recipe(&p2, installer), &deep, "/opt/greet").unwrap();

    // The trampoline became the plain shebang the installer writes at the final path.
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
        installer: Installer::Pip,
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
        installer: Installer::Pip,
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

/// The files of a staged tree that pip and uv write differently, and why
/// that is harmless: `INSTALLER` names the installer (`pip`, `uv`);
/// `RECORD` lists the same files in the same order, with the hashes of
/// those differing files; the console scripts (`bin/greet`, `bin/tabulate`)
/// call the same entry point through each installer's own template
/// (distlib's, with `re.sub`, and uv's), under the same shebang.
fn differs_by_installer(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    let parent = path.parent().unwrap();
    (parent.to_string_lossy().ends_with(".dist-info") && (name == "INSTALLER" || name == "RECORD"))
        || parent == Path::new("opt/greet/bin") && (name == "greet" || name == "tabulate")
}

#[test]
fn pip_and_uv_stage_the_same_tree() {
    if !require_tools(&tools(Installer::Uv, &["unshare", "mount"])) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = greet_checkout(&t.path().join("greet"));
    let mut trees = Vec::new();
    for installer in [Installer::Pip, Installer::Uv] {
        let staging = t.path().join(installer.name());
        fs::create_dir(&staging).unwrap();
        stage_at(&greet_recipe(&project, installer), &staging, "/opt/greet").unwrap();
        trees.push(tree_digest(&staging));
    }
    let (pip, uv) = (&trees[0], &trees[1]);
    // The same files, directories and links, with the same modes.
    let kinds = |t: &std::collections::BTreeMap<PathBuf, String>| -> Vec<(PathBuf, String)> {
        t.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.split(' ').take(2).collect::<Vec<_>>().join(" "),
                )
            })
            .collect()
    };
    assert_eq!(kinds(pip), kinds(uv));
    // The same contents, but for installer bookkeeping and script templates.
    let differ: Vec<&PathBuf> = pip
        .iter()
        .filter(|(k, v)| uv.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        differ.iter().all(|p| differs_by_installer(p)),
        "differ beyond installer metadata: {differ:#?}"
    );
    assert!(differ.len() >= 4, "{differ:#?}");
    // Both run and print the same.
    let outputs: Vec<String> = ["pip", "uv"]
        .iter()
        .map(|i| {
            run_at_opt_greet(
                &t.path().join(i).join("opt/greet"),
                "/opt/greet/bin/greet Ada; /opt/greet/bin/tabulate --help | head -n 1",
            )
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
    assert!(outputs[0].contains("Hello, Ada!"), "{}", outputs[0]);
}

#[test]
fn an_argument_uv_refuses_names_pip_args() {
    if !require_tools(&tools(Installer::Uv, &[])) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = greet_checkout(&t.path().join("greet"));
    let mut recipe = greet_recipe(&project, Installer::Uv);
    if let Recipe::Python { pip_args, .. } = &mut recipe {
        pip_args.push("--prefer-binary".into());
    }
    let e = stage_at(&recipe, &t.path().join("staging"), "/opt/greet").unwrap_err();
    let hint = e.hint().unwrap_or_default();
    let e = e.to_string();
    assert!(
        e.starts_with("`uv pip install` does not take `--prefer-binary` from `[build] pip-args`"),
        "{e}"
    );
    assert!(
        e.contains("  | error: unexpected argument '--prefer-binary' found"),
        "{e}"
    );
    assert!(hint.contains("--installer pip"), "{hint}");

    // Any other failure is uv's own, with its output.
    if let Recipe::Python { pip_args, .. } = &mut recipe {
        pip_args.truncate(1);
    }
    let e = stage_at(&recipe, &t.path().join("staging2"), "/opt/greet")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("installing the requirements with uv failed: `"),
        "{e}"
    );
    assert!(
        e.contains(" pip install --no-compile-bytecode --python ")
            && e.contains("--no-index --requirement"),
        "{e}"
    );
    assert!(e.contains("tabulate"), "{e}");
}
