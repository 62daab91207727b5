//! `omnipack build`, `distributions` and `version`, checked with dpkg, rpm,
//! lintian/rpmlint, and by running the installed application.

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};

use crate::support::{copy_tree, omnipack, repo_root, sha256, text};

/// A copy of the example in `dir`, so builds never write into the repository.
fn example_copy(dir: &Path) -> PathBuf {
    let p = dir.join("greet");
    fs::create_dir_all(dir).unwrap();
    copy_tree(&repo_root().join("examples/greet"), &p);
    p
}

/// Makes the copy's rocky-9 build on this machine, truthfully: Rocky 9's
/// AppStream has python3.11 (`/usr/bin/python3.11`, `python(abi) = 3.11`),
/// the version this Debian 12 machine stages with, and the pure-Python
/// virtualenv has no compiled code tied to this machine's libraries.
fn rocky_on_this_host(project: &Path) {
    let manifest = project.join("omnipack.toml");
    let mut text_ = fs::read_to_string(&manifest).unwrap();
    text_.push_str(
        "\n[distributions.rocky-9]\npython = \"/usr/bin/python3.11\"\npython-package = \"python3.11\"\nbuilder = \"host\"\n",
    );
    fs::write(&manifest, text_).unwrap();
}

/// Runs `omnipack build` with TMPDIR set to `tmp` (so the staging root's
/// path is known) and an empty cache of build roots, and returns the
/// package paths printed.
fn build(project: &Path, out: &Path, tmp: &Path, dists: &[&str], extra: &[&str]) -> Vec<PathBuf> {
    fs::create_dir_all(tmp).unwrap();
    let mut c = omnipack();
    c.arg("build")
        .arg(project)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .env("TMPDIR", tmp)
        .env("OMNIPACK_CACHE_DIR", tmp.join("cache"));
    for d in dists {
        c.args(["--distribution", d]);
    }
    c.args(extra);
    let o = c.output().unwrap();
    assert!(o.status.success(), "build failed:\n{}", text(&o).1);
    text(&o).0.lines().map(PathBuf::from).collect()
}

fn names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            let dist = p.parent().unwrap().file_name().unwrap().to_string_lossy();
            format!("{dist}/{}", p.file_name().unwrap().to_string_lossy())
        })
        .collect()
}

/// Runs `/opt/greet/bin/greet` from an installed root: the root's /opt/greet
/// is bind-mounted at /opt/greet in a private mount namespace (tmpfs on /opt,
/// so the host's /opt is untouched), then the /usr/bin symlink's target runs.
fn run_installed(root: &Path, link: &str) -> String {
    let target = fs::read_link(root.join(link.trim_start_matches('/'))).unwrap();
    assert_eq!(target, Path::new("/opt/greet/bin/greet"));
    let script = format!(
        "mount -t tmpfs none /opt && mkdir /opt/greet && mount --bind {}/opt/greet /opt/greet && {} Ada",
        root.display(),
        target.display()
    );
    stdout_of(Command::new("unshare").args(["-m", "sh", "-ec", &script]))
}

fn grep_staging(root: &Path, staging: &Path) {
    let o = Command::new("grep")
        .arg("-rl")
        .arg(staging)
        .arg(root)
        .output()
        .unwrap();
    assert!(
        o.stdout.is_empty(),
        "files still mention the staging root:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn distributions_are_listed_and_in_build_help() {
    let o = omnipack().arg("distributions").output().unwrap();
    let table = text(&o).0;
    for d in [
        "centos-7",
        "rocky-8",
        "rocky-9",
        "rocky-10",
        "fedora-40",
        "fedora-44",
        "ubuntu-16.04",
        "ubuntu-24.04",
        "ubuntu-26.04",
        "debian-11",
        "debian-12",
        "debian-13",
    ] {
        assert!(table.contains(d), "{d} missing:\n{table}");
    }
    let help = text(&omnipack().args(["build", "--help"]).output().unwrap()).0;
    assert!(
        help.contains("rocky-9") && help.contains("ubuntu-16.04"),
        "{help}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    run_ok(
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
            .args(args),
    );
}

#[test]
fn version_follows_git_describe_and_flockers_rules() {
    if !require_tools(&["git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    fs::write(d.join("a"), "1").unwrap();
    git(d, &["add", "a"]);
    git(d, &["commit", "-qm", "one"]);
    git(d, &["tag", "0.1.0"]);
    let v = |d: &Path| text(&omnipack().arg("version").arg(d).output().unwrap()).0;
    assert_eq!(
        v(d),
        "upstream:    0.1.0\nrpm-version: 0.1.0\nrpm-release: 1\ndeb:         0.1.0-1\n"
    );
    git(d, &["commit", "-q", "--allow-empty", "-m", "two"]);
    let out = v(d);
    assert!(out.contains("rpm-release: 1.1.g"), "{out}");
    fs::write(d.join("a"), "dirty").unwrap();
    let j: serde_json::Value = serde_json::from_str(
        &text(
            &omnipack()
                .arg("version")
                .arg(d)
                .arg("--json")
                .output()
                .unwrap(),
        )
        .0,
    )
    .unwrap();
    assert!(
        j["rpm_release"].as_str().unwrap().ends_with(".dirty"),
        "{j}"
    );
    git(d, &["tag", "not-a-version"]);
    git(d, &["commit", "-qam", "three"]);
    git(d, &["tag", "-d", "0.1.0"]);
    let o = omnipack().arg("version").arg(d).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("not-a-version"), "{}", text(&o).1);
}

#[test]
fn example_for_debian_12_installs_and_runs() {
    example_for_debian_12(&[]);
}

/// The same packages staged with uv (`installer = "uv"`, here
/// `--installer uv`) install and run exactly as pip's.
#[test]
fn example_for_debian_12_staged_with_uv_installs_and_runs() {
    if !require_tools(&["uv"]) {
        return;
    }
    example_for_debian_12(&["--installer", "uv"]);
}

fn example_for_debian_12(extra: &[&str]) {
    if !require_tools(&["dpkg", "unshare", "/usr/bin/python3"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    let tmp = t.path().join("tmp");
    let paths = build(&project, &t.path().join("out"), &tmp, &["debian-12"], extra);
    assert_eq!(
        names(&paths),
        [
            "debian-12/greet-python_1.0.0-1_amd64.deb",
            "debian-12/greet-cli_1.0.0-1_all.deb",
            "debian-12/greet-node_1.0.0-1_all.deb"
        ]
    );
    for meta in &paths[1..] {
        let dep = stdout_of(
            Command::new("dpkg-deb")
                .arg("--field")
                .arg(meta)
                .arg("Depends"),
        );
        assert!(dep.starts_with("greet-python (= 1.0.0-1)"), "{dep}");
    }
    let root = t.path().join("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    let mut dpkg = Command::new("dpkg");
    dpkg.arg(format!("--root={}", root.display()))
        .args(["--force-script-chrootless", "--force-depends", "-i"])
        .args(&paths)
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    run_ok(&mut dpkg);
    let out = run_installed(&root, "/usr/bin/greet");
    assert!(out.contains("Ada"), "{out}");
    assert!(
        root.join("lib/systemd/system/greet-agent.service")
            .is_file()
    );
    assert_eq!(
        fs::read_link(root.join("usr/sbin/greet-agent")).unwrap(),
        Path::new("/opt/greet/bin/greet")
    );
    grep_staging(&root, &tmp);
}

/// Without uv, `--installer uv` fails before staging and says what to do;
/// with a recipe that installs nothing, `--installer` is refused.
#[test]
fn installer_uv_without_uv_says_how_to_get_it() {
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    let o = omnipack()
        .arg("build")
        .arg(&project)
        .args(["-d", "debian-12", "--installer", "uv", "--out"])
        .arg(t.path().join("out"))
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    let err = text(&o).1;
    if std::path::Path::new("/usr/bin/uv").exists() {
        eprintln!("skipping the missing-uv half: this machine has /usr/bin/uv");
    } else {
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("the python recipe's installer is uv (`installer = \"uv\"` or `--installer uv`), and this machine has no `uv` on `PATH`"),
            "{err}"
        );
        assert!(
            err.contains("hint: install uv on this machine (`pip install uv`")
                && err.contains("or build with `--installer pip`"),
            "{err}"
        );
        assert!(!t.path().join("out").exists());
    }
    let dir = t.path().join("dir-recipe");
    fs::create_dir_all(dir.join("tree")).unwrap();
    fs::write(
        dir.join("omnipack.toml"),
        "[project]\nname = \"d\"\nversion = \"1.0\"\nsummary = \"s\"\nlicense = \"MIT\"\nmaintainer = \"A <a@example.org>\"\n[build]\nrecipe = \"dir\"\nsource = \"tree\"\n[[package]]\nname = \"d\"\nmain = true\n",
    )
    .unwrap();
    let o = omnipack()
        .arg("build")
        .arg(&dir)
        .args(["-d", "debian-12", "--installer", "pip", "--out"])
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`--installer` chooses what installs into the python recipe's virtualenv"),
        "{err}"
    );
}

#[test]
fn example_for_rocky_9_pins_the_main_package_and_runs() {
    if !require_tools(&["rpm", "unshare", "/usr/bin/python3"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    rocky_on_this_host(&project);
    let tmp = t.path().join("tmp");
    let paths = build(&project, &t.path().join("out"), &tmp, &["rocky-9"], &[]);
    let main_requires = stdout_of(
        Command::new("rpm")
            .args(["-qp", "--requires"])
            .arg(&paths[0]),
    );
    assert!(
        main_requires.contains("python(abi) = 3.11") && main_requires.contains("python3.11"),
        "{main_requires}"
    );
    assert_eq!(
        names(&paths),
        [
            "rocky-9/greet-python-1.0.0-1.x86_64.rpm",
            "rocky-9/greet-cli-1.0.0-1.noarch.rpm",
            "rocky-9/greet-node-1.0.0-1.noarch.rpm"
        ]
    );
    let cli_requires = stdout_of(
        Command::new("rpm")
            .args(["-qp", "--requires"])
            .arg(&paths[1]),
    );
    assert!(
        cli_requires.contains("greet-python = 1.0.0-1"),
        "{cli_requires}"
    );
    assert!(cli_requires.contains("openssh-clients"), "{cli_requires}");
    let node_requires = stdout_of(
        Command::new("rpm")
            .args(["-qp", "--requires"])
            .arg(&paths[2]),
    );
    assert!(
        node_requires.contains("greet-python = 1.0.0-1") && node_requires.contains("lshw"),
        "{node_requires}"
    );
    let root = t.path().join("root");
    fs::create_dir_all(&root).unwrap();
    run_ok(
        Command::new("rpm")
            .arg("--root")
            .arg(&root)
            .args(["--nodeps", "--noscripts", "-i"])
            .args(&paths),
    );
    let out = run_installed(&root, "/usr/bin/greet");
    assert!(out.contains("Ada"), "{out}");
    grep_staging(&root, &tmp);
}

/// The compiled example for rocky-9 (staged on this machine with Rocky 9's
/// python3.11, as `rocky_on_this_host` says): its main package requires
/// exactly what rpm's own ELF dependency generator gives for the extension
/// module, plus the interpreter.
#[test]
fn rpm_library_requirements_equal_rpms_own_generator() {
    if !require_tools(&[
        "rpm",
        "rpm2cpio",
        "cpio",
        "/usr/lib/rpm/elfdeps",
        "/usr/bin/python3.11",
    ]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("markup");
    copy_tree(&repo_root().join("examples/markup"), &project);
    rocky_on_this_host(&project);
    let paths = build(
        &project,
        &t.path().join("out"),
        &t.path().join("tmp"),
        &["rocky-9"],
        &[],
    );
    let requires = stdout_of(
        Command::new("rpm")
            .args(["-qp", "--requires"])
            .arg(&paths[0]),
    );
    let ours: Vec<&str> = requires
        .lines()
        .filter(|l| !l.starts_with("python") && !l.starts_with("rpmlib("))
        .collect();
    let x = t.path().join("x");
    fs::create_dir_all(&x).unwrap();
    run_ok(Command::new("sh").current_dir(&x).arg("-c").arg(format!(
        "rpm2cpio {} | cpio -idm --quiet",
        paths[0].display()
    )));
    let so: Vec<PathBuf> =
        fs::read_dir(x.join("opt/markup/lib/python3.11/site-packages/markupsafe"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "so"))
            .collect();
    assert_eq!(so.len(), 1, "{so:?}");
    let mut theirs: Vec<String> =
        stdout_of(Command::new("/usr/lib/rpm/elfdeps").arg("-R").arg(&so[0]))
            .lines()
            .map(str::to_owned)
            .collect();
    theirs.sort();
    let mut ours: Vec<String> = ours.iter().map(|s| (*s).to_owned()).collect();
    ours.sort();
    assert_eq!(ours, theirs);
    assert!(requires.contains("python(abi) = 3.11"), "{requires}");
}

// Guards reproducibility of the whole build: two git checkouts in different
// directories, same SOURCE_DATE_EPOCH, give identical packages.
#[test]
fn two_checkouts_build_identical_packages() {
    if !require_tools(&["git", "/usr/bin/python3"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let a = example_copy(&t.path().join("a"));
    let mut hashes = Vec::new();
    let b_parent = t.path().join("somewhere/else/b");
    fs::create_dir_all(&b_parent).unwrap();
    git(&a, &["init", "-q"]);
    git(&a, &["add", "-A"]);
    git(&a, &["commit", "-qm", "example"]);
    run_ok(
        Command::new("git")
            .arg("clone")
            .arg("-q")
            .arg(&a)
            .arg(b_parent.join("greet")),
    );
    for (i, project) in [a.clone(), b_parent.join("greet")].iter().enumerate() {
        rocky_on_this_host(project);
        let paths = build(
            project,
            &t.path().join(format!("out{i}")),
            &t.path().join(format!("tmp{i}")),
            &["debian-12", "rocky-9"],
            &[],
        );
        hashes.push(paths.iter().map(|p| sha256(p)).collect::<Vec<_>>());
    }
    assert_eq!(hashes[0].len(), 6);
    assert_eq!(hashes[0], hashes[1]);
}

#[test]
fn lint_passes_for_the_example() {
    if !require_tools(&["lintian", "rpmlint", "/usr/bin/python3"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    rocky_on_this_host(&project);
    let paths = build(
        &project,
        &t.path().join("out"),
        &t.path().join("tmp"),
        &["debian-12", "rocky-9"],
        &["--lint"],
    );
    assert_eq!(paths.len(), 6);
}

#[test]
fn a_failed_build_leaves_nothing_in_out() {
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    let manifest = project.join("omnipack.toml");
    let text_ = fs::read_to_string(&manifest)
        .unwrap()
        .replace("name = \"greet-node\"", "name = \"Greet_Node\"");
    fs::write(&manifest, text_).unwrap();
    let out = t.path().join("out");
    let o = omnipack()
        .arg("build")
        .arg(&project)
        .args(["-d", "debian-12", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("Greet_Node"), "{}", text(&o).1);
    let left: Vec<_> = fs::read_dir(&out)
        .map(|r| r.collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in out: {left:?}");
}

/// Ctrl-C (SIGINT) or SIGTERM while pip fills the staging tree: the build
/// stops its children, removes the staging directory from `$TMPDIR` and
/// leaves nothing in `--out`, at once (not only on the next run), and
/// exits 128+N saying so.
#[test]
fn a_stopped_build_removes_what_it_was_writing() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let t = tempfile::tempdir().unwrap();
        let project = example_copy(t.path());
        let (tmp, out) = (t.path().join("tmp"), t.path().join("out"));
        fs::create_dir_all(&tmp).unwrap();
        let child = omnipack()
            .arg("build")
            .arg(&project)
            .args(["-d", "debian-12", "--out"])
            .arg(&out)
            .env("TMPDIR", &tmp)
            .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Until the staging tree has a virtualenv (pip runs then).
        let started = std::time::Instant::now();
        let staging_has_venv = || {
            fs::read_dir(&tmp).is_ok_and(|mut r| {
                r.any(|e| {
                    e.is_ok_and(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .starts_with("omnipack-stage-")
                            && e.path().join("opt/greet/bin").is_dir()
                    })
                })
            })
        };
        while !staging_has_venv() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(120),
                "no staging tree in {}",
                tmp.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let o = child.wait_with_output().unwrap();
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(code), "SIG{signal}: {err}");
        // "…: removed N unfinished …" unless the build's own clean-up, after
        // its pip was stopped, got there first.
        assert!(
            err.contains(&format!("interrupted by SIG{signal}")),
            "{err}"
        );
        let left: Vec<_> = fs::read_dir(&tmp)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "SIG{signal}: left in TMPDIR: {left:?}");
        let left: Vec<_> = fs::read_dir(&out)
            .map(|r| r.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        assert!(left.is_empty(), "SIG{signal}: left in out: {left:?}");
    }
}
/// A distribution this machine is not, with no build root: refused before
/// staging, naming the distribution, both pythons and the fixes; `--out`
/// untouched. The same for a `--builder` naming a distribution not built,
/// a root that is not a directory, and one of another release.
#[test]
fn a_release_this_machine_is_not_is_refused_without_a_build_root() {
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    let out = t.path().join("out");
    let refused = |args: &[&str]| {
        let o = omnipack()
            .arg("build")
            .arg(&project)
            .arg("--out")
            .arg(&out)
            .args(args)
            .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap();
        // A name no command takes is bad usage (2), anything else 1.
        let want = if args.iter().any(|a| a.contains("plan9")) {
            2
        } else {
            1
        };
        assert_eq!(o.status.code(), Some(want), "{args:?}: {:?}", text(&o));
        assert!(!out.exists(), "{args:?} wrote into --out");
        text(&o).1
    };
    let err = refused(&["-d", "rocky-9"]);
    assert!(err.contains("cannot stage for rocky-9"), "{err}");
    assert!(err.contains("python 3.9"), "{err}");
    assert!(err.contains("omnipack builder create rocky-9"), "{err}");
    assert!(err.contains("--builder rocky-9=DIR"), "{err}");
    let err = refused(&["-d", "debian-11"]);
    assert!(
        err.contains("cannot stage for debian-11") && err.contains("python 3.9"),
        "{err}"
    );
    // `host` for a release whose python differs: the interpreter check.
    let err = refused(&["-d", "debian-11", "--builder", "debian-11=host"]);
    assert!(
        err.contains("its python is 3.9 (`/usr/bin/python3.9`)")
            && err.contains("omnipack builder create debian-11"),
        "{err}"
    );
    // An interpreter that is there but of another version than the target's.
    let manifest = project.join("omnipack.toml");
    let original = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        format!("{original}\n[distributions.debian-11]\npython = \"/usr/bin/python3.11\"\npython-version = \"3.9\"\n"),
    )
    .unwrap();
    let err = refused(&["-d", "debian-11", "--builder", "debian-11=host"]);
    assert!(
        err.contains("its python is 3.9, but `/usr/bin/python3.11`")
            && err.contains("is python 3.11"),
        "{err}"
    );
    fs::write(&manifest, original).unwrap();
    let err = refused(&["-d", "debian-12", "--builder", "debian-11=auto"]);
    assert!(err.contains("--distribution debian-11"), "{err}");
    let err = refused(&["-d", "debian-11", "--builder", "plan9-4=auto"]);
    assert!(err.contains("unknown distribution `plan9-4`"), "{err}");
    let file = t.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = refused(&[
        "-d",
        "debian-11",
        "--builder",
        &format!("debian-11={}", file.display()),
    ]);
    assert!(
        err.contains("not a directory") && err.contains("hint:"),
        "{err}"
    );
    // This machine's own root, given for another release: its os-release says so.
    let err = refused(&["-d", "debian-11", "--builder", "debian-11=/"]);
    assert!(err.contains("holds debian 12, not debian-11"), "{err}");
}

#[test]
fn an_unknown_distribution_lists_the_known_ones() {
    let t = tempfile::tempdir().unwrap();
    let project = example_copy(t.path());
    let o = omnipack()
        .arg("build")
        .arg(&project)
        .args(["-d", "plan9-4"])
        .output()
        .unwrap();
    // A value no command takes is bad usage, as clap's own refusals are.
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(err.contains("plan9-4") && err.contains("rocky-9"), "{err}");
}
