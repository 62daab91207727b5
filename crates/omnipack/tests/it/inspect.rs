use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok, stdout_of};

use crate::support::{omnipack, repo_root, text};

fn build_example(out: &Path) -> Vec<PathBuf> {
    let o = omnipack()
        .args(["package", "--quiet", "--spec"])
        .arg(repo_root().join("examples/hello/package.toml"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    text(&o).0.lines().map(PathBuf::from).collect()
}

fn inspect(path: &Path, json: bool) -> String {
    let mut c = omnipack();
    c.arg("inspect").arg(path);
    if json {
        c.arg("--json");
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    text(&o).0
}

#[test]
fn text_output_of_the_example_packages() {
    let t = tempfile::tempdir().unwrap();
    let paths = build_example(t.path());
    insta::assert_snapshot!("inspect_example_deb", inspect(&paths[0], false));
    insta::assert_snapshot!("inspect_example_rpm", inspect(&paths[1], false));
}

/// `(path, mode, user, group, link target)` of one file.
type FileRow = (String, u64, String, String, String);

/// The JSON document and its file rows.
fn json_files(path: &Path) -> (serde_json::Value, Vec<FileRow>) {
    let v: serde_json::Value = serde_json::from_str(&inspect(path, true)).unwrap();
    let files = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["mode"].as_u64().unwrap(),
                f["user"].as_str().unwrap().to_owned(),
                f["group"].as_str().unwrap().to_owned(),
                f["link_target"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    (v, files)
}

/// What `rpm -qp --dump` says: path, mode & 07777, owner, group, link target.
fn rpm_dump(path: &Path) -> Vec<FileRow> {
    stdout_of(Command::new("rpm").args(["-qp", "--dump"]).arg(path))
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split(' ').collect();
            let mode = u64::from_str_radix(c[4], 8).unwrap() & 0o7777;
            let link = if c[10] == "X" {
                String::new()
            } else {
                c[10].to_owned()
            };
            (
                c[0].to_owned(),
                mode,
                c[5].to_owned(),
                c[6].to_owned(),
                link,
            )
        })
        .collect()
}

#[test]
fn json_agrees_with_rpm_for_ours_and_rpmbuilds() {
    if !require_tools(&["rpm", "rpmbuild"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let ours = build_example(t.path()).remove(1);
    let top = t.path().join("rpmbuild");
    fs::create_dir_all(top.join("SPECS")).unwrap();
    let spec = top.join("SPECS/ref.spec");
    fs::write(
        &spec,
        "Name: ref\nVersion: 3.4\nRelease: 5\nEpoch: 2\nSummary: reference\nLicense: MIT\nBuildArch: noarch\nAutoReqProv: no\nRequires: hello = 1.0.0-1\n\
%description\nbuilt by rpmbuild\n%install\nmkdir -p %{buildroot}/usr/lib/ref\necho a > %{buildroot}/usr/lib/ref/a.txt\nln -s a.txt %{buildroot}/usr/lib/ref/b\n\
%files\n%dir /usr/lib/ref\n%attr(0600,root,root) /usr/lib/ref/a.txt\n/usr/lib/ref/b\n",
    )
    .unwrap();
    run_ok(
        Command::new("rpmbuild")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("-bb")
            .arg(&spec),
    );
    let theirs = top.join("RPMS/noarch/ref-3.4-5.noarch.rpm");
    for rpm in [&ours, &theirs] {
        let (v, files) = json_files(rpm);
        let q = |tag: &str| stdout_of(Command::new("rpm").args(["-qp", "--qf", tag]).arg(rpm));
        assert_eq!(v["name"], q("%{NAME}"));
        assert_eq!(v["version"], q("%{VERSION}"));
        assert_eq!(v["release"], q("%{RELEASE}"));
        assert_eq!(v["arch"], q("%{ARCH}"));
        assert_eq!(files, rpm_dump(rpm), "{}", rpm.display());
    }
}

#[test]
fn json_agrees_with_dpkg_deb_for_ours_and_dpkg_debs() {
    if !require_tools(&["dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let ours = build_example(t.path()).remove(0);
    let p = t.path().join("ref");
    fs::create_dir_all(p.join("DEBIAN")).unwrap();
    fs::create_dir_all(p.join("usr/lib/ref")).unwrap();
    fs::write(p.join("usr/lib/ref/a.txt"), "a\n").unwrap();
    fs::write(
        p.join("DEBIAN/control"),
        "Package: ref\nVersion: 3.4-5\nArchitecture: all\nMaintainer: R <r@example.org>\nDescription: reference\n",
    )
    .unwrap();
    let theirs = t.path().join("ref.deb");
    run_ok(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zgzip", "-b"])
            .arg(&p)
            .arg(&theirs),
    );
    for deb in [&ours, &theirs] {
        let (v, files) = json_files(deb);
        let f = |name: &str| {
            stdout_of(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))
                .trim()
                .to_owned()
        };
        assert_eq!(v["name"], f("Package"));
        assert_eq!(
            format!(
                "{}-{}",
                v["version"].as_str().unwrap(),
                v["release"].as_str().unwrap()
            ),
            f("Version")
        );
        let listing = stdout_of(Command::new("dpkg-deb").arg("--contents").arg(deb));
        let theirs: Vec<(String, String, String)> = listing
            .lines()
            .map(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                let p = c[5].trim_start_matches('.').trim_end_matches('/');
                let link = if c.len() > 7 {
                    c[7].to_owned()
                } else {
                    String::new()
                };
                (
                    if p.is_empty() {
                        "/".to_owned()
                    } else {
                        p.to_owned()
                    },
                    c[1].to_owned(),
                    link,
                )
            })
            .collect();
        let mine: Vec<(String, String, String)> = files
            .into_iter()
            .map(|(p, _, u, g, l)| (p, format!("{u}/{g}"), l))
            .collect();
        assert_eq!(mine, theirs, "{}", deb.display());
    }
}

#[test]
fn a_file_that_is_not_a_package_is_named() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("README.md");
    fs::write(&f, "# not a package").unwrap();
    let o = omnipack().arg("inspect").arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(
        err.contains("README.md") && err.contains("is not a package"),
        "{err}"
    );
    let o = omnipack()
        .arg("inspect")
        .arg(t.path().join("missing.deb"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("missing.deb"));
}

/// Issue 21: an RPM whose string array claims 0x7f00000b strings, or whose
/// entry points past the data store, is an error naming the file (exit 1),
/// not a panic (exit 101) or an abort, with the address space limited to 1 GiB.
#[test]
fn damaged_rpm_headers_are_errors_under_a_memory_limit() {
    if !require_tools(&["prlimit"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let rpm = build_example(t.path())
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "rpm"))
        .unwrap();
    let bytes = fs::read(&rpm).unwrap();
    let be = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let main = (96 + 16 + 16 * be(&bytes, 104) + be(&bytes, 108)).next_multiple_of(8);
    let entry = |i: usize| main + 16 + 16 * i;
    let strings = (0..be(&bytes, main + 8))
        .find(|&i| be(&bytes, entry(i) + 4) == 8)
        .unwrap();
    let mut huge = bytes.clone();
    huge[entry(strings) + 12..][..4].copy_from_slice(&0x7f00_000bu32.to_be_bytes());
    let mut past = bytes;
    past[entry(12) + 8..][..4].copy_from_slice(&29305u32.to_be_bytes());
    for (name, bytes, want) in [
        ("huge-count.rpm", huge, "claims 2130706443 strings"),
        (
            "past-store.rpm",
            past,
            "points past the data store: offset 29305",
        ),
    ] {
        let f = t.path().join(name);
        fs::write(&f, bytes).unwrap();
        let o = Command::new("prlimit")
            .arg("--as=1073741824")
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_omnipack"))
            .arg("inspect")
            .arg(&f)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(name) && err.contains(want), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
