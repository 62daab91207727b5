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
        // The [[package]] extras (issue 22).
        "/usr/share/man/man1/greet.1.gz",
        "/lib/systemd/system/greet-agent.service",
        "/usr/lib/firewalld/services/greet.xml",
        "/etc/ufw/applications.d/greet",
        "/etc/rsyslog.d/greet.conf",
        "/var/lib/greet",
        "/usr/sbin/greet-agent",
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
    // Under the python the spec built it with, the distribution's
    // (`%{__python3}`, /usr/bin/python3), not whatever `python3` is on PATH.
    let shebang = fs::read_to_string(root.join(script.trim_start_matches('/'))).unwrap();
    assert!(shebang.starts_with("#!/usr/bin/python3\n"), "{shebang}");
    assert!(version.trim_end().ends_with("prefix /usr)"), "{version}");

    // The source RPM carries the sdist and the spec.
    let srpm_files = stdout_of(
        Command::new("rpm")
            .arg("-qpl")
            .arg(top.join("SRPMS/greet-1.0.0-1.src.rpm")),
    );
    assert_eq!(srpm_files, "greet-1.0.0.tar.gz\ngreet.spec\n");
    // /etc files are %config(noreplace); the agent's link points at the program.
    let configs = stdout_of(Command::new("rpm").arg("-qpc").arg(&rpm));
    assert_eq!(
        configs,
        "/etc/rsyslog.d/greet.conf\n/etc/ufw/applications.d/greet\n"
    );
    let links = stdout_of(
        Command::new("rpm")
            .args(["-qp", "--qf", "[%{FILENAMES} %{FILELINKTOS}\\n]"])
            .arg(&rpm),
    );
    assert!(
        links.contains("/usr/sbin/greet-agent /usr/bin/greet\n"),
        "{links}"
    );
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
    // Debian's rpm has no pyproject-rpm-macros: without them `rpmspec -P`
    // leaves `%pyproject_*` unexpanded and proves little. Stand-ins with
    // the real macros' names (and `-l`/`-L` as the only options of
    // `%pyproject_save_files`, as in pyproject-rpm-macros 1.11 and newer)
    // make it expand every line, so a typo, an unknown option or a broken
    // section shows; what the real macros do is not checked here.
    let stubs = t.path().join("pyproject-stubs.macros");
    fs::write(
        &stubs,
        "%pyproject_buildrequires() echo 'python3-devel'\n\
         %pyproject_wheel() : pyproject_wheel\n\
         %pyproject_install() : pyproject_install\n\
         %pyproject_save_files(lL) : pyproject_save_files %**\n\
         %pyproject_check_import() : pyproject_check_import\n\
         %pyproject_files %{_builddir}/pyproject-files\n",
    )
    .unwrap();
    let o = Command::new("rpmspec")
        .arg("-P")
        .arg("--load")
        .arg(&stubs)
        .arg(&paths[1])
        .output()
        .unwrap();
    let (parsed, err) = text(&o);
    assert!(
        o.status.success() && err.is_empty(),
        "rpmspec -P:\n{parsed}\n{err}"
    );
    assert!(parsed.contains("Name:           greet"), "{parsed}");
    assert!(parsed.contains("Version:        1.0.0"), "{parsed}");
    assert!(
        parsed.contains(": pyproject_save_files -L greet\n"),
        "{parsed}"
    );
    assert!(!parsed.contains("%pyproject"), "unexpanded:\n{parsed}");
    // The guidelines spec makes a source RPM here (`%generate_buildrequires`
    // runs only where the build does, in mock), which rpmlint passes.
    let top = t.path().join("fedora-srpm");
    let o = Command::new("rpmbuild")
        .arg("-bs")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg("--define")
        .arg(format!("_sourcedir {}", out.display()))
        .arg(&paths[1])
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert!(o.status.success(), "rpmbuild -bs:\n{so}\n{se}");
    let srpm = top.join("SRPMS/greet-1.0.0-1.src.rpm");
    let requires = stdout_of(Command::new("rpm").arg("-qpR").arg(&srpm));
    assert!(requires.contains("python3-devel"), "{requires}");
    assert!(
        requires.contains("rpmlib(DynamicBuildRequires)"),
        "{requires}"
    );
    // Where the Fedora guidelines differ from upstream rpmlint's defaults
    // (Debian's configuration): no `Group` or `Packager` tags, the build
    // system signs, and arch-independent files live under
    // `%{_prefix}/lib` (Fedora's firewalld package ships its services in
    // `%{_prefix}/lib/firewalld`), which is not a `%{_libdir}`.
    let lintrc = t.path().join("rpmlint.toml");
    fs::write(
        &lintrc,
        "Filters = [\"no-signature\", \"no-packager-tag\", \"no-group-tag\"]\n\
         HardcodedLibPathExceptions = '/lib/(modules|cpp|perl5|rpm|hotplug|firmware|systemd|firewalld)($|[\\s/,])'\n",
    )
    .unwrap();
    let o = Command::new("rpmlint")
        .arg("-c")
        .arg(&lintrc)
        .arg(&srpm)
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert!(
        so.contains(" 0 errors") && !so.lines().any(|l| l.contains(": E: ")),
        "rpmlint of the fedora-style source RPM:\n{so}\n{se}"
    );

    for style in ["fedora", "pip"] {
        let out = t.path().join(style);
        let paths = spec(&project, &out, &["--style", style]);
        let o = Command::new("rpmlint")
            .arg("-c")
            .arg(&lintrc)
            .arg(&paths[1])
            .output()
            .unwrap();
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
        // Guards issue 22: flit_core is in `flit` (no `python3-flit-core` in Debian).
        " flit (>= 3.2)\n",
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

    // `dpkg-buildpackage` runs in a Debian 12 build root:
    // `debian_package_builds_in_a_debian_12_root_and_runs`.
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
        "debian/links",
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
        "debian/links",
        "debian/rules",
        "debian/source/format",
        "debian/watch",
    ]
    .iter()
    .map(|f| d_.join(f).display().to_string())
    .collect();
    assert_eq!(names, expected);
}

/// The Debian 12 build root `omnipack builder create` made and the fresh
/// Debian 12 test root (both cached by `scripts/test`), and the directory
/// where the test keeps apt's lists and downloaded packages between runs;
/// `None` (a skip, or under `CI=true` a failure) when they are missing.
fn debian_12_roots() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    match (env("OMNIPACK_TEST_BUILD_ROOTS"), env("OMNIPACK_TEST_ROOTS")) {
        (Some(build), Some(test))
            if build.join("debian-12/root.json").is_file()
                && test.join("debian-12-minbase/usr/bin/apt-get").is_file() =>
        {
            Some((
                build.join("debian-12/root"),
                test.join("debian-12-minbase"),
                test.join("apt-cache-debian-12"),
            ))
        }
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "OMNIPACK_TEST_BUILD_ROOTS / OMNIPACK_TEST_ROOTS do not hold the Debian 12 roots; scripts/test makes them"
            );
            eprintln!("skipping: no Debian 12 build or test root (run scripts/test)");
            None
        }
    }
}

/// Runs `script` with `sh -e` in a throwaway overlay of `root` through
/// omnipack's sandbox (`omnipack_rootfs::Sandbox`, as `omnipack build`
/// stages in a build root), with `binds` visible at their own paths and
/// `APT` set to the options that keep apt's lists and packages in `cache`.
/// Returns (success, stdout and stderr).
fn in_debian_root(
    root: &Path,
    cache: &Path,
    binds: &[(&Path, omnipack_rootfs::Access)],
    script: &str,
) -> (bool, String) {
    for d in ["lists/partial", "archives/partial"] {
        fs::create_dir_all(cache.join(d)).unwrap();
    }
    let mut sandbox = omnipack_rootfs::Sandbox::in_root(root).unwrap();
    sandbox.bind(cache, omnipack_rootfs::Access::Write).unwrap();
    for (path, access) in binds {
        sandbox.bind(path, *access).unwrap();
    }
    let apt = format!(
        "-o Dir::State::Lists={0}/lists -o Dir::Cache::Archives={0}/archives -o Acquire::Retries=3 -o APT::Sandbox::User=root",
        cache.display()
    );
    let o = sandbox
        .command(
            "sh".as_ref(),
            &["-ec".into(), script.into()],
            &[
                ("DEBIAN_FRONTEND".into(), "noninteractive".into()),
                ("APT".into(), apt.into()),
            ],
            None,
        )
        .unwrap()
        .output()
        .unwrap();
    let (so, se) = text(&o);
    (o.status.success(), format!("{so}{se}"))
}

/// Issue 22: the generated `debian/` builds with `dpkg-buildpackage -us
/// -uc` in a clean Debian 12 build root (debhelper, dh-python and
/// python3-all installed there, then the Build-Depends with `apt-get
/// build-dep`, which fails on a name Debian 12 does not have), the result
/// passes `lintian` without errors, and the .deb installs with apt in a
/// fresh Debian 12 root, where its console script runs and the
/// `[[package]]` extras are in place. apt's lists and downloaded packages
/// are kept between runs (`OMNIPACK_TEST_ROOTS/apt-cache-debian-12`).
#[test]
fn debian_package_builds_in_a_debian_12_root_and_runs() {
    let Some((build_root, test_root, cache)) = debian_12_roots() else {
        return;
    };
    if !require_tools(&["git", "tar", "lintian", "dpkg-deb", "bwrap", "unshare"]) {
        return;
    }
    let started = std::time::Instant::now();
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let out = t.path().join("out");
    let o = omnipack()
        .arg("debian")
        .arg(&project)
        .args(["-d", "debian-12", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    // Byte-identical across two runs, every file.
    let again = t.path().join("again");
    let o = omnipack()
        .arg("debian")
        .arg(&project)
        .args(["-d", "debian-12", "--out"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(o.status.success());
    let listing = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = omnipack_test_support::clients::files_under(dir)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    assert_eq!(listing(&out), listing(&again));
    let control = fs::read_to_string(out.join("debian/control")).unwrap();
    assert!(control.contains(" flit (>= 3.2)\n"), "{control}");

    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(out.join("greet_1.0.0.orig.tar.gz"))
            .arg("-C")
            .arg(&out),
    );
    let tree = out.join("greet-1.0.0");
    run_ok(
        Command::new("cp")
            .arg("-r")
            .arg(out.join("debian"))
            .arg(&tree),
    );

    let (ok, log) = in_debian_root(
        &build_root,
        &cache,
        &[(&out, omnipack_rootfs::Access::Write)],
        &format!(
            "apt-get $APT update -qq
apt-get $APT install -y -qq --no-install-recommends debhelper dh-python python3-all >/dev/null
cd '{}'
apt-get $APT build-dep -y -qq --no-install-recommends \"$PWD\" >/dev/null
dpkg-buildpackage -us -uc",
            tree.display()
        ),
    );
    assert!(
        ok,
        "dpkg-buildpackage in the Debian 12 build root failed:\n{log}"
    );
    let built = started.elapsed();
    let deb = out.join("greet_1.0.0-1_all.deb");
    assert!(deb.is_file(), "{log}");
    let changes = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "changes"))
        .expect("a .changes file");

    // The files of the binary package: the program in /usr, the extras.
    let contents = stdout_of(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for want in [
        "./usr/bin/greet\n",
        "/greet/cli.py\n",
        "./usr/share/man/man1/greet.1.gz\n",
        "./usr/share/man/man8/greet-agent.8.gz\n",
        "./lib/systemd/system/greet-agent.service\n",
        "./usr/lib/firewalld/services/greet.xml\n",
        "./etc/ufw/applications.d/greet\n",
        "./etc/rsyslog.d/greet.conf\n",
        "./var/lib/greet/\n",
        "./usr/sbin/greet-agent -> ../bin/greet\n",
    ] {
        assert!(
            contents.contains(want),
            "{want} not in the package:\n{contents}"
        );
    }
    let depends = stdout_of(
        Command::new("dpkg-deb")
            .args(["-f"])
            .arg(&deb)
            .arg("Depends"),
    );
    for want in ["python3-tabulate", "openssh-client", "iptables", "lshw"] {
        assert!(depends.contains(want), "{want}: {depends}");
    }

    // lintian (the host's, Debian 12's) on the source and binary packages.
    let o = Command::new("lintian")
        .args(["--fail-on", "error", "--tag-display-limit", "0"])
        .arg(&changes)
        .output()
        .unwrap();
    let (lint, lint_err) = text(&o);
    assert!(
        o.status.success() && !lint.lines().any(|l| l.starts_with("E: ")),
        "lintian reports errors:\n{lint}\n{lint_err}"
    );
    eprintln!("lintian of {}:\n{lint}", changes.display());

    // Installed with apt in a fresh Debian 12 root, it runs.
    let (ok, log) = in_debian_root(
        &test_root,
        &cache,
        &[(&out, omnipack_rootfs::Access::Read)],
        &format!(
            "apt-get $APT update -qq
apt-get $APT install -y -qq --no-install-recommends '{}' >/dev/null
greet --version
greet Ada
readlink /usr/sbin/greet-agent
dpkg-query -W -f '${{Conffiles}}\\n' greet",
            deb.display()
        ),
    );
    assert!(
        ok,
        "installing or running greet in Debian 12 failed:\n{log}"
    );
    assert!(log.contains("greet 1.0.0 (tabulate "), "{log}");
    assert!(log.contains("Python 3.11"), "{log}");
    assert!(log.contains("| Hello, Ada! | Bonjour, Ada! |"), "{log}");
    assert!(log.contains("../bin/greet"), "{log}");
    assert!(log.contains("/etc/ufw/applications.d/greet "), "{log}");
    eprintln!(
        "Debian 12: built in {:.0?}, built and installed in {:.0?}",
        built,
        started.elapsed()
    );
}

/// A Rust project of the `cargo` recipe with two binaries and no
/// dependencies (so it builds offline), committed in `dir/hello-rs`, with
/// a configuration file given as `content` and a `/usr/bin` link into the
/// omnibus prefix, as `omnipack init` writes them.
fn cargo_project(dir: &Path) -> PathBuf {
    let p = dir.join("hello-rs");
    fs::create_dir_all(p.join("src/bin")).unwrap();
    fs::write(
        p.join("Cargo.toml"),
        "[package]\nname = \"hello-rs\"\nversion = \"0.3.1\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    )
    .unwrap();
    fs::write(
        p.join("src/main.rs"),
        "fn main() {\n    println!(\"hello from hello-rs\");\n}\n",
    )
    .unwrap();
    fs::write(
        p.join("src/bin/helper.rs"),
        "fn main() {\n    println!(\"helper\");\n}\n",
    )
    .unwrap();
    fs::write(p.join(".gitignore"), "/target\n").unwrap();
    fs::write(
        p.join("omnipack.toml"),
        r#"[project]
name = "hello-rs"
version = "0.3.1"
summary = "Says hello"
license = "MIT"
maintainer = "T <t@example.org>"

[build]
recipe = "cargo"

[[package]]
name = "hello-rs"
main = true

[[package]]
name = "hello-rs-cli"

[[package.symlinks]]
path = "/usr/bin/hello-rs"
target = "/opt/hello-rs/bin/hello-rs"

[[package.files]]
content = "greeting = 'hello, 100%'\n"
dst = "/etc/hello-rs/hello.conf"
"#,
    )
    .unwrap();
    git(&p, &["init", "-q"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-qm", "hello-rs"]);
    p
}

/// Issue 22: the cargo recipe's spec builds with `rpmbuild -ba` (cargo
/// from this machine), its binaries run, the manifest's `content` file is
/// a `%config(noreplace)` file with its text, and the link that
/// `omnipack init` writes (`/usr/bin/hello-rs` → the prefix) is the
/// program itself in a distribution package, so it is left out.
#[test]
fn cargo_recipe_spec_builds_with_rpmbuild() {
    if !require_tools(&[
        "git", "cargo", "rpmbuild", "rpm", "rpm2cpio", "cpio", "rpmlint",
    ]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = cargo_project(t.path());
    let out = t.path().join("out");
    let paths = spec(&project, &out, &["-d", "fedora-44"]);
    let spec_text = fs::read_to_string(&paths[1]).unwrap();
    assert!(spec_text.contains("BuildRequires:  cargo\n"), "{spec_text}");
    let lint = stdout_of(Command::new("rpmlint").arg(&paths[1]));
    assert!(lint.contains(" 0 errors"), "{lint}");
    let top = t.path().join("rpmbuild");
    let o = Command::new("rpmbuild")
        .args(["-ba", "--nodeps"])
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg("--define")
        .arg(format!("_sourcedir {}", out.display()))
        .arg(&paths[1])
        // The build's own target directory, not the test run's.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .unwrap();
    let (so, se) = text(&o);
    assert!(o.status.success(), "rpmbuild failed:\n{so}\n{se}");
    let arch = stdout_of(Command::new("rpm").args(["--eval", "%{_arch}"]));
    let rpm = top.join(format!("RPMS/{0}/hello-rs-0.3.1-1.{0}.rpm", arch.trim()));
    let files = stdout_of(Command::new("rpm").arg("-qpl").arg(&rpm));
    // rpmbuild adds the binaries' `/usr/lib/.build-id` links.
    let files: Vec<&str> = files
        .lines()
        .filter(|l| !l.starts_with("/usr/lib/.build-id"))
        .collect();
    assert_eq!(
        files,
        [
            "/etc/hello-rs/hello.conf",
            "/usr/bin/hello-rs",
            "/usr/bin/helper"
        ]
    );
    assert_eq!(
        stdout_of(Command::new("rpm").arg("-qpc").arg(&rpm)),
        "/etc/hello-rs/hello.conf\n"
    );
    let root = t.path().join("root");
    fs::create_dir_all(&root).unwrap();
    run_ok(Command::new("sh").arg("-c").arg(format!(
        "rpm2cpio '{}' | (cd '{}' && cpio -idm --quiet)",
        rpm.display(),
        root.display()
    )));
    assert_eq!(
        stdout_of(&mut Command::new(root.join("usr/bin/hello-rs"))),
        "hello from hello-rs\n"
    );
    assert_eq!(
        stdout_of(&mut Command::new(root.join("usr/bin/helper"))),
        "helper\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("etc/hello-rs/hello.conf")).unwrap(),
        "greeting = 'hello, 100%'\n"
    );
    assert!(top.join("SRPMS/hello-rs-0.3.1-1.src.rpm").is_file());

    // Its debian/ reuses the release build too, and carries the file.
    let o = omnipack()
        .arg("debian")
        .arg(&project)
        .args(["-d", "debian-12", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let rules = fs::read_to_string(out.join("debian/rules")).unwrap();
    assert!(rules.contains("--no-track --target-dir target"), "{rules}");
    assert!(
        rules.contains(
            "\tinstall -D -p -m 0644 debian/extra/etc/hello-rs/hello.conf debian/hello-rs/etc/hello-rs/hello.conf\n"
        ),
        "{rules}"
    );
    assert_eq!(
        fs::read_to_string(out.join("debian/extra/etc/hello-rs/hello.conf")).unwrap(),
        "greeting = 'hello, 100%'\n"
    );
}

/// Issue 22: `omnipack debian` refuses what the target release cannot
/// build (no pybuild-plugin-pyproject on Debian 11; a build backend the
/// release does not package), and warns where omnipack has not checked
/// the names (Ubuntu), rather than writing a `debian/` that fails later.
#[test]
fn debian_refuses_or_warns_where_the_release_lacks_a_build_dependency() {
    if !require_tools(&["git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let project = committed_example(t.path());
    let run = |project: &Path, dist: &str| {
        let o = omnipack()
            .arg("debian")
            .arg(project)
            .args(["-d", dist, "--out"])
            .arg(t.path().join(format!("out-{dist}")))
            .output()
            .unwrap();
        let (_, stderr) = text(&o);
        (o.status.code(), stderr)
    };
    let (code, stderr) = run(&project, "debian-11");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("debian-11: its dh-python has no `pybuild-plugin-pyproject`"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: target a newer release"), "{stderr}");

    let (code, stderr) = run(&project, "ubuntu-24.04");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: Build-Depends names `python3-flit-core` for the build backend `flit-core` (pyproject.toml), which omnipack has not checked on ubuntu-24.04"),
        "{stderr}"
    );

    // pdm-backend is packaged from Debian 13 on only.
    let pyproject = project.join("pyproject.toml");
    let text_ = fs::read_to_string(&pyproject)
        .unwrap()
        .replace("\"flit_core >=3.2,<4\"", "\"pdm-backend\"");
    fs::write(&pyproject, text_).unwrap();
    git(&project, &["commit", "-qam", "pdm"]);
    let (code, stderr) = run(&project, "debian-12");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the build backend `pdm-backend` (pyproject.toml `[build-system] requires`) is not packaged in debian-12"),
        "{stderr}"
    );
    assert!(
        stderr.contains("renames = { python3-pdm-backend = \"PACKAGE\" }"),
        "{stderr}"
    );
    let (code, stderr) = run(&project, "debian-13");
    assert_eq!(code, Some(0), "{stderr}");
    let control = fs::read_to_string(t.path().join("out-debian-13/debian/control")).unwrap();
    assert!(control.contains(" python3-pdm-backend\n"), "{control}");
}
