//! `omnipack spec`: the sdist and RPM spec file for distribution
//! maintainers, built by the real `rpmbuild`, parsed by `rpmspec`, checked
//! by `rpmlint`, and compared with `git archive`.

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};

use crate::support::{copy_tree, omnipack, repo_root, text};

fn git(dir: &Path, args: &[&str]) {
    run_ok(
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
            .args(args),
    );
}

/// The example in `dir/greet`, committed in a git repository of its own.
fn committed_example(dir: &Path) -> PathBuf {
    let p = dir.join("greet");
    fs::create_dir_all(dir).unwrap();
    copy_tree(&repo_root().join("examples/greet"), &p);
    git(&p, &["init", "-q"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-qm", "example"]);
    p
}

/// Runs `omnipack spec PROJECT --out OUT EXTRA…` and returns the paths it printed.
fn spec(project: &Path, out: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let o = omnipack()
        .arg("spec")
        .arg(project)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    stdout.lines().map(PathBuf::from).collect()
}

fn tar_list(tarball: &Path) -> Vec<String> {
    let mut names: Vec<String> = stdout_of(Command::new("tar").arg("-tzf").arg(tarball))
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

#[test]
fn spec_and_sdist_build_with_rpmbuild() {
    if !require_tools(&[
        "git",
        "rpmbuild",
        "rpm",
        "rpm2cpio",
        "cpio",
        "tar",
        "/usr/bin/python3",
    ]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let out = t.path().join("out");
    let paths = spec(&project, &out, &[]);
    assert_eq!(
        paths,
        vec![out.join("greet-1.0.0.tar.gz"), out.join("greet.spec")]
    );

    // The sdist holds what `git archive --prefix=greet-1.0.0/` holds, plus PKG-INFO.
    let archive = t.path().join("git-archive.tar.gz");
    git(
        &project,
        &[
            "archive",
            "--format=tar.gz",
            "--prefix=greet-1.0.0/",
            "-o",
            archive.to_str().unwrap(),
            "HEAD",
        ],
    );
    let mut expected = tar_list(&archive);
    expected.push("greet-1.0.0/PKG-INFO".into());
    expected.sort();
    assert_eq!(tar_list(&paths[0]), expected);

    let top = t.path().join("rpmbuild");
    let o = Command::new("rpmbuild")
        .args(["-ba", "--nodeps"])
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg("--define")
        .arg(format!("_sourcedir {}", out.display()))
        .arg(&paths[1])
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert!(o.status.success(), "rpmbuild failed:\n{so}\n{se}");
    let rpm = top.join("RPMS/noarch/greet-1.0.0-1.noarch.rpm");
    assert!(rpm.is_file(), "{so}\n{se}");
    assert!(top.join("SRPMS/greet-1.0.0-1.src.rpm").is_file());

    let files = stdout_of(Command::new("rpm").arg("-qpl").arg(&rpm));
    for want in [
        "/greet/cli.py",
        "/greet-1.0.0.dist-info/METADATA",
        "/bin/greet",
    ] {
        assert!(
            files.lines().any(|l| l.ends_with(want)),
            "{want} not in the package:\n{files}"
        );
    }
    // The installed files run: unpacked, the script finds its package (and
    // tabulate, which the distribution would provide, from the vendored wheel).
    let root = t.path().join("root");
    fs::create_dir_all(&root).unwrap();
    run_ok(Command::new("sh").arg("-c").arg(format!(
        "rpm2cpio '{}' | (cd '{}' && cpio -idm --quiet)",
        rpm.display(),
        root.display()
    )));
    let script = files.lines().find(|l| l.ends_with("/bin/greet")).unwrap();
    let package = files
        .lines()
        .find(|l| l.ends_with("-packages/greet"))
        .unwrap();
    let site = Path::new(package).parent().unwrap();
    let python_path = format!(
        "{}:{}",
        root.join(site.strip_prefix("/").unwrap()).display(),
        project
            .join("vendor/tabulate-0.9.0-py3-none-any.whl")
            .display()
    );
    let version = stdout_of(
        Command::new(root.join(script.trim_start_matches('/')))
            .arg("--version")
            .env("PYTHONPATH", python_path),
    );
    assert!(
        version.starts_with("greet 1.0.0 (tabulate 0.9.0"),
        "{version}"
    );

    // The source RPM carries the sdist and the spec.
    let srpm_files = stdout_of(
        Command::new("rpm")
            .arg("-qpl")
            .arg(top.join("SRPMS/greet-1.0.0-1.src.rpm")),
    );
    assert_eq!(srpm_files, "greet-1.0.0.tar.gz\ngreet.spec\n");
    let requires = stdout_of(Command::new("rpm").arg("-qpR").arg(&rpm));
    for want in [
        "python3dist(tabulate) >= 0.9",
        "python3dist(tabulate) < 0.10",
        "openssh-clients",
        "lshw",
    ] {
        assert!(requires.lines().any(|l| l == want), "{want}:\n{requires}");
    }
    let info = stdout_of(
        Command::new("rpm")
            .args(["-qp", "--qf", "%{LICENSE} %{URL} %{ARCH}\\n"])
            .arg(&rpm),
    );
    assert_eq!(info, "MIT https://example.org/greet noarch\n");
}

// Guards reproducibility: two runs give the same sdist and spec, byte for byte.
#[test]
fn spec_and_sdist_are_reproducible() {
    if !require_tools(&["git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let a = spec(&project, &t.path().join("a"), &[]);
    let b = spec(&project, &t.path().join("b"), &[]);
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(
            fs::read(a).unwrap(),
            fs::read(b).unwrap(),
            "{}",
            a.display()
        );
    }
    let a = spec(&project, &t.path().join("fa"), &["--style", "fedora"]);
    let b = spec(&project, &t.path().join("fb"), &["--style", "fedora"]);
    assert_eq!(fs::read(&a[1]).unwrap(), fs::read(&b[1]).unwrap());
}

#[test]
fn fedora_style_spec_parses_and_lints() {
    if !require_tools(&["git", "rpmspec", "rpmlint"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let out = t.path().join("out");
    let paths = spec(&project, &out, &["--style", "fedora", "-d", "fedora-42"]);
    let text_ = fs::read_to_string(&paths[1]).unwrap();
    for macro_ in [
        "%generate_buildrequires",
        "%pyproject_buildrequires",
        "%pyproject_wheel",
        "%pyproject_install",
        "%pyproject_save_files -L greet",
        "%files -f %{pyproject_files}",
        "BuildArch:      noarch",
        "BuildRequires:  python3-devel",
    ] {
        assert!(text_.contains(macro_), "{macro_} missing:\n{text_}");
    }
    let parsed = stdout_of(Command::new("rpmspec").arg("-P").arg(&paths[1]));
    assert!(parsed.contains("Name:           greet"), "{parsed}");
    assert!(parsed.contains("Version:        1.0.0"), "{parsed}");

    for style in ["fedora", "pip"] {
        let out = t.path().join(style);
        let paths = spec(&project, &out, &["--style", style]);
        let o = Command::new("rpmlint").arg(&paths[1]).output().unwrap();
        let (so, se) = text(&o);
        // rpmlint exits 64 when it reports errors, 66 for badness over the threshold.
        assert!(
            !so.lines().any(|l| l.contains(": E: ")),
            "rpmlint reports errors for the {style} spec:\n{so}\n{se}"
        );
        assert!(
            so.contains("0 errors"),
            "rpmlint of the {style} spec:\n{so}\n{se}"
        );
    }
}

#[test]
fn spec_needs_a_git_checkout_and_an_rpm_distribution() {
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("greet");
    copy_tree(&repo_root().join("examples/greet"), &project);
    let o = omnipack()
        .arg("spec")
        .arg(&project)
        .arg("--out")
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hint: the project must be in a git checkout"),
        "{stderr}"
    );

    if !require_tools(&["git"]) {
        return;
    }
    let project = committed_example(&t.path().join("c"));
    let o = omnipack()
        .arg("spec")
        .arg(&project)
        .args(["-d", "debian-12", "--out"])
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("debian-12 is not a distribution of rpm packages"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: name a distribution of rpm packages"),
        "{stderr}"
    );
}

/// Runs `omnipack debian PROJECT --out OUT` and returns the paths it printed.
fn debian(project: &Path, out: &Path) -> Vec<PathBuf> {
    let o = omnipack()
        .arg("debian")
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    stdout.lines().map(PathBuf::from).collect()
}

/// Whether every package is installed (`dpkg -s`).
fn installed(packages: &[&str]) -> bool {
    Command::new("dpkg")
        .arg("-s")
        .args(packages)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn debian_source_package_builds_with_dpkg_source_and_passes_lintian() {
    if !require_tools(&["git", "tar", "dpkg-source", "lintian"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let out = t.path().join("out");
    let paths = debian(&project, &out);
    assert_eq!(
        paths,
        vec![out.join("greet_1.0.0.orig.tar.gz"), out.join("debian")]
    );
    let control = fs::read_to_string(out.join("debian/control")).unwrap();
    for want in [
        "Build-Depends: debhelper-compat (= 13),\n dh-sequence-python3,",
        " python3-flit-core (>= 3.2)\n",
        "Architecture: all",
        "Depends: ${python3:Depends},",
        " openssh-client,",
        "Homepage: https://example.org/greet",
    ] {
        assert!(control.contains(want), "{want} missing:\n{control}");
    }
    assert!(
        fs::read_to_string(out.join("debian/rules"))
            .unwrap()
            .contains("dh $@ --buildsystem=pybuild")
    );
    assert_eq!(
        fs::read_to_string(out.join("debian/source/format")).unwrap(),
        "3.0 (quilt)\n"
    );
    // The orig tarball is the sdist `omnipack spec` writes.
    let sdist = spec(&project, &t.path().join("spec"), &[]);
    assert_eq!(fs::read(&paths[0]).unwrap(), fs::read(&sdist[0]).unwrap());

    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(&paths[0])
            .arg("-C")
            .arg(&out),
    );
    let tree = out.join("greet-1.0.0");
    run_ok(Command::new("cp").arg("-r").arg(&paths[1]).arg(&tree));
    run_ok(
        Command::new("dpkg-source")
            .arg("-b")
            .arg("greet-1.0.0")
            .current_dir(&out),
    );
    let dsc = out.join("greet_1.0.0-1.dsc");
    assert!(dsc.is_file());
    let o = Command::new("lintian").arg(&dsc).output().unwrap();
    let (so, se) = text(&o);
    assert!(
        o.status.success() && !so.lines().any(|l| l.starts_with("E: ")),
        "lintian reports errors:\n{so}\n{se}"
    );

    // Building the binary package needs debhelper and dh-python, which the
    // test machines do not install (scripts/test does not list them).
    if !installed(&[
        "debhelper",
        "dh-python",
        "pybuild-plugin-pyproject",
        "python3-all",
    ]) {
        eprintln!(
            "skipping dpkg-buildpackage: debhelper, dh-python, pybuild-plugin-pyproject or python3-all is not installed"
        );
        return;
    }
    // The generated Build-Depends name the backend's module package as
    // Debian 13 does (`python3-flit-core`); Debian 12 ships it as `flit`.
    let deps = Command::new("dpkg-checkbuilddeps")
        .current_dir(&tree)
        .output()
        .unwrap();
    if !deps.status.success() {
        eprintln!(
            "skipping dpkg-buildpackage: {}",
            String::from_utf8_lossy(&deps.stderr).trim()
        );
        return;
    }
    let o = Command::new("dpkg-buildpackage")
        .args(["-us", "-uc", "-b"])
        .current_dir(&tree)
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert!(o.status.success(), "dpkg-buildpackage failed:\n{so}\n{se}");
    assert!(out.join("greet_1.0.0-1_all.deb").is_file());
}

// Guards reproducibility: two runs give the same orig tarball and debian/ files.
#[test]
fn debian_output_is_reproducible() {
    if !require_tools(&["git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let a = t.path().join("a");
    let b = t.path().join("b");
    debian(&project, &a);
    debian(&project, &b);
    for f in [
        "greet_1.0.0.orig.tar.gz",
        "debian/control",
        "debian/rules",
        "debian/changelog",
        "debian/copyright",
        "debian/watch",
        "debian/source/format",
    ] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // A second run into the same directory replaces debian/ whole.
    debian(&project, &a);
    assert!(a.join("debian/control").is_file());
}

/// A project of the `command` recipe, committed in `dir/hello`.
fn command_project(dir: &Path) -> PathBuf {
    let p = dir.join("hello");
    fs::create_dir_all(&p).unwrap();
    fs::write(
        p.join("omnipack.toml"),
        r#"[project]
name = "hello"
version = "2.1"
summary = "Says hello"
license = "Apache-2.0"
maintainer = "T <t@example.org>"

[build]
recipe = "command"
commands = [
  "mkdir -p \"$DESTDIR$PREFIX/bin\"",
  "printf '#!/bin/sh\\necho hello\\n' > \"$DESTDIR$PREFIX/bin/hello\"",
  "chmod 755 \"$DESTDIR$PREFIX/bin/hello\"",
]

[[package]]
name = "hello"
main = true
depends = ["libssl3 (>= 3.0)"]
"#,
    )
    .unwrap();
    git(&p, &["init", "-q"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-qm", "hello"]);
    p
}

#[test]
fn command_recipe_spec_and_debian_build() {
    if !require_tools(&[
        "git",
        "rpmbuild",
        "rpm",
        "rpmlint",
        "tar",
        "dpkg-source",
        "lintian",
    ]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = command_project(t.path());
    let out = t.path().join("out");
    let paths = spec(&project, &out, &["-d", "rocky-9"]);
    let text_ = fs::read_to_string(&paths[1]).unwrap();
    assert!(
        text_.contains("Requires:       libssl3 >= 3.0\n"),
        "{text_}"
    );
    assert!(!text_.contains("BuildArch"), "{text_}");
    let top = t.path().join("rpmbuild");
    run_ok(
        Command::new("rpmbuild")
            .args(["-ba", "--nodeps"])
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("--define")
            .arg(format!("_sourcedir {}", out.display()))
            .arg(&paths[1]),
    );
    let arch = stdout_of(Command::new("rpm").args(["--eval", "%{_arch}"]));
    let rpm = top.join(format!("RPMS/{0}/hello-2.1-1.{0}.rpm", arch.trim()));
    let files = stdout_of(Command::new("rpm").arg("-qpl").arg(&rpm));
    assert_eq!(files, "/opt/hello\n/opt/hello/bin\n/opt/hello/bin/hello\n");
    let lint = stdout_of(Command::new("rpmlint").arg(&paths[1]));
    assert!(lint.contains(" 0 errors"), "{lint}");

    let paths = debian(&project, &out);
    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(&paths[0])
            .arg("-C")
            .arg(&out),
    );
    run_ok(
        Command::new("cp")
            .arg("-r")
            .arg(&paths[1])
            .arg(out.join("hello-2.1")),
    );
    run_ok(
        Command::new("dpkg-source")
            .args(["-b", "hello-2.1"])
            .current_dir(&out),
    );
    let o = Command::new("lintian")
        .arg(out.join("hello_2.1-1.dsc"))
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert!(
        o.status.success() && !so.lines().any(|l| l.starts_with("E: ")),
        "lintian reports errors:\n{so}\n{se}"
    );
}

#[test]
fn spec_and_debian_print_json_documents() {
    if !require_tools(&["git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let doc = |cmd: &str, out: &str| -> serde_json::Value {
        let o = omnipack()
            .arg(cmd)
            .arg(&project)
            .arg("--out")
            .arg(t.path().join(out))
            .arg("--json")
            .output()
            .unwrap();
        let (stdout, stderr) = text(&o);
        assert!(o.status.success(), "{stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    let s = doc("spec", "s");
    assert_eq!(s["name"], "greet");
    assert_eq!(s["version"], "1.0.0");
    assert_eq!(s["release"], "1");
    assert_eq!(s["distribution"], "fedora-44");
    let files = s["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        let path = Path::new(f["path"].as_str().unwrap());
        assert_eq!(f["sha256"], crate::support::sha256(path));
        assert_eq!(f["size"], fs::metadata(path).unwrap().len());
    }
    let d = doc("debian", "d");
    assert_eq!(d["version"], "1.0.0-1");
    assert_eq!(d["distribution"], "debian-13");
    let names: Vec<&str> = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let d_ = t.path().join("d");
    let expected: Vec<String> = [
        "greet_1.0.0.orig.tar.gz",
        "debian/changelog",
        "debian/control",
        "debian/copyright",
        "debian/rules",
        "debian/source/format",
        "debian/watch",
    ]
    .iter()
    .map(|f| d_.join(f).display().to_string())
    .collect();
    assert_eq!(names, expected);
}
