use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};

use crate::support::{copy_tree, omnipack, repo_root, sha256, text};

// Guards the README's run command: the example spec builds both formats.
#[test]
fn the_example_builds_both_formats_and_prints_their_paths() {
    let t = tempfile::tempdir().unwrap();
    let out = omnipack()
        .arg("package")
        .arg("--spec")
        .arg(repo_root().join("examples/hello/package.toml"))
        .arg("--out")
        .arg(t.path())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let paths: Vec<&str> = stdout.lines().collect();
    assert_eq!(paths.len(), 2, "{stdout}");
    assert!(paths[0].ends_with("hello_1.0.0-1_all.deb"), "{stdout}");
    assert!(paths[1].ends_with("hello-1.0.0-1.noarch.rpm"), "{stdout}");
    let left: Vec<String> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    if require_tools(&["dpkg-deb", "rpm"]) {
        let f =
            stdout_of(Command::new("dpkg-deb").args(["--field", paths[0], "Package", "Version"]));
        assert_eq!(f, "Package: hello\nVersion: 1.0.0-1\n");
        let q = stdout_of(Command::new("rpm").args([
            "-qp",
            "--qf",
            "%{NAME} %{VERSION} %{RELEASE} %{ARCH}\\n",
            paths[1],
        ]));
        assert_eq!(q, "hello 1.0.0 1 noarch\n");
        let perms = fs::metadata(paths[0]).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&perms) & 0o777,
            0o644
        );
    }
}

#[test]
fn flags_alone_describe_a_package() {
    if !require_tools(&["dpkg-deb", "rpm"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let stage = t.path().join("stage");
    omnipack_test_support::sample_tree(&stage, "tool");
    let script = t.path().join("postinst.sh");
    fs::write(&script, "echo configured\n").unwrap();
    let out = omnipack()
        .args([
            "package",
            "--name",
            "tool",
            "--version",
            "2.1",
            "--release",
            "3",
            "--arch",
            "amd64",
        ])
        .args([
            "--summary",
            "a tool",
            "--maintainer",
            "T <t@example.org>",
            "--license",
            "MIT",
        ])
        .args([
            "--depends",
            "libc6 (>= 2.17)",
            "--depends",
            "bash",
            "--provides",
            "tool-virtual",
        ])
        .args([
            "--deb-compression",
            "zstd:3",
            "--rpm-compression",
            "gzip:6",
            "--quiet",
        ])
        .arg("--from-dir")
        .arg(&stage)
        .arg("--post-install")
        .arg(&script)
        .arg("--out")
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "--quiet prints nothing: {stderr}");
    let paths: Vec<&str> = stdout.lines().collect();
    assert!(paths[0].ends_with("tool_2.1-3_amd64.deb"));
    assert!(paths[1].ends_with("tool-2.1-3.x86_64.rpm"));
    let depends = stdout_of(Command::new("dpkg-deb").args(["--field", paths[0], "Depends"]));
    assert_eq!(depends, "libc6 (>= 2.17), bash\n");
    let members = stdout_of(Command::new("ar").args(["t", paths[0]]));
    assert!(members.contains("data.tar.zst"), "{members}");
    let requires = stdout_of(Command::new("rpm").args(["-qp", "--requires", paths[1]]));
    assert!(
        requires.contains("libc6 >= 2.17") && requires.contains("bash"),
        "{requires}"
    );
    let scripts = stdout_of(Command::new("rpm").args(["-qp", "--scripts", paths[1]]));
    assert!(scripts.contains("echo configured"), "{scripts}");
    let comp =
        stdout_of(Command::new("rpm").args(["-qp", "--qf", "%{PAYLOADCOMPRESSOR}", paths[1]]));
    assert_eq!(comp, "gzip");
}

// Guards reproducibility through the CLI: copies of the example in two
// directories, built a second apart, give byte-identical .deb and .rpm.
#[test]
fn two_builds_from_different_directories_are_identical() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("examples/hello"), &a.path().join("hello"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fs::create_dir_all(b.path().join("deeper/dir")).unwrap();
    copy_tree(
        &repo_root().join("examples/hello"),
        &b.path().join("deeper/dir/hello"),
    );
    let build = |root: &std::path::Path, threads: &str| -> Vec<String> {
        let out = omnipack()
            .current_dir(root)
            .args([
                "package",
                "--spec",
                "hello/package.toml",
                "--out",
                "dist",
                "-j",
                threads,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out).1);
        text(&out)
            .0
            .lines()
            .map(|p| sha256(&root.join(p)))
            .collect()
    };
    let one = build(a.path(), "1");
    let two = build(&b.path().join("deeper/dir"), "2");
    assert_eq!(one.len(), 2);
    assert_eq!(one, two);
}

#[test]
fn installed_with_dpkg_and_rpm_the_example_runs() {
    if !require_tools(&["dpkg", "rpm"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = omnipack()
        .args(["package", "--quiet", "--spec"])
        .arg(repo_root().join("examples/hello/package.toml"))
        .arg("--out")
        .arg(t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    let (stdout, _) = text(&out);
    let paths: Vec<&str> = stdout.lines().collect();

    let droot = t.path().join("dpkg-root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        fs::create_dir_all(droot.join(d)).unwrap();
    }
    fs::write(droot.join("var/lib/dpkg/status"), "").unwrap();
    run_ok(
        Command::new("dpkg")
            .arg(format!("--root={}", droot.display()))
            .args([
                "--force-script-chrootless",
                "--force-depends",
                "-i",
                paths[0],
            ])
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
    );
    let greeting = stdout_of(Command::new("sh").arg(droot.join("opt/hello/bin/hello")));
    assert_eq!(greeting, "hello from omnipack's example package\n");
    let mode = fs::metadata(droot.join("var/lib/hello"))
        .unwrap()
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o7777,
        0o750
    );

    let rroot = t.path().join("rpm-root");
    fs::create_dir_all(&rroot).unwrap();
    run_ok(Command::new("rpm").arg("--root").arg(&rroot).args([
        "--nodeps",
        "--noscripts",
        "-i",
        paths[1],
    ]));
    assert_eq!(
        fs::read_link(rroot.join("usr/bin/hello")).unwrap(),
        std::path::Path::new("/opt/hello/bin/hello")
    );
    let q = stdout_of(
        Command::new("rpm")
            .arg("--root")
            .arg(&rroot)
            .args(["-q", "hello"]),
    );
    assert_eq!(q, "hello-1.0.0-1.noarch\n");
    run_ok(
        Command::new("rpm")
            .arg("--root")
            .arg(&rroot)
            .args(["-e", "--noscripts", "hello"]),
    );
    assert!(!rroot.join("opt/hello/bin/hello").exists());
}
