use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_archive::tree::{ScanOptions, scan_tree};
use omnipack_archive::{PackageFormat, WriteOptions};
use omnipack_core::NoProgress;
use omnipack_deb::Deb;
use omnipack_spec::{InfoFileKind, PackageSpec};
use omnipack_test_support::{
    EPOCH, require_tools, run_ok, run_ok_with_stdin, sample_tree, stdout_of, text_like,
};
use sha2::Digest;

fn spec_for(root: &Path) -> PackageSpec {
    sample_tree(root, "hello");
    let mut spec = PackageSpec::new("hello", "1.0.0");
    spec.files = scan_tree(root, &ScanOptions::default()).unwrap();
    spec.summary = "says hello".into();
    spec.description = "A test package.\n\nIt has two paragraphs.".into();
    spec.maintainer = "Omnipack Tests <tests@example.org>".into();
    spec.license = "MIT".into();
    spec.url = Some("https://example.org/hello".into());
    spec.depends = vec![
        "libc6 (>= 2.17)".parse().unwrap(),
        "python3 | python".parse().unwrap(),
    ];
    spec.provides = vec!["hello-virtual".parse().unwrap()];
    spec.scripts.post_install =
        Some("mkdir -p \"$DPKG_ROOT/var/lib/hello\"\necho \"$1\" > \"$DPKG_ROOT/var/lib/hello/postinst-ran\"".into());
    spec.scripts.post_remove =
        Some("if [ \"$1\" = purge ]; then rm -rf \"$DPKG_ROOT/var/lib/hello\"; fi".into());
    spec.source_date_epoch = EPOCH;
    spec
}

fn build(spec: &PackageSpec, out_dir: &Path, threads: u32) -> PathBuf {
    let path = out_dir.join(Deb::file_name(spec));
    let mut out = fs::File::create(&path).unwrap();
    let opts = WriteOptions {
        scratch_dir: out_dir,
        threads,
        progress: &NoProgress,
    };
    Deb::write(spec, &mut out, &opts).unwrap();
    path
}

fn sha256(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(fs::read(path).unwrap()))
}

#[test]
fn dpkg_deb_reads_fields_and_contents() {
    if !require_tools(&["dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let spec = spec_for(&t.path().join("stage"));
    let deb = build(&spec, t.path(), 2);
    assert_eq!(deb.file_name().unwrap(), "hello_1.0.0-1_amd64.deb");
    let field = |f: &str| stdout_of(Command::new("dpkg-deb").arg("--field").arg(&deb).arg(f));
    assert_eq!(field("Package").trim(), "hello");
    assert_eq!(field("Version").trim(), "1.0.0-1");
    assert_eq!(field("Depends").trim(), "libc6 (>= 2.17), python3 | python");
    let info = stdout_of(Command::new("dpkg-deb").arg("--info").arg(&deb));
    assert!(
        info.contains(" Description: says hello\n  A test package.\n  .\n  It has two paragraphs."),
        "{info}"
    );
    assert!(info.contains("postinst"), "{info}");
    let contents = stdout_of(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for needle in [
        "drwxr-xr-x root/root         0 2023-11-14 22:13 ./\n",
        "-rwsr-xr-x root/root",
        "./opt/hello/bin/helper\n",
        "./usr/bin/hello -> /opt/hello/bin/hello\n",
        "./opt/hello/lib/data-link.bin -> data.bin\n",
        "drwxr-x--- root/root         0 2023-11-14 22:13 ./opt/hello/var/empty/\n",
        "./usr/share/doc/hello/copyright\n",
        "/long-file-name.txt\n",
    ] {
        assert!(
            contents.contains(needle),
            "missing {needle:?} in\n{contents}"
        );
    }
}

#[test]
fn every_codec_extracts_with_dpkg_deb() {
    if !require_tools(&["dpkg-deb"]) {
        return;
    }
    for codec in ["gzip:6", "xz:1", "zstd:3", "none"] {
        let t = tempfile::tempdir().unwrap();
        let mut spec = spec_for(&t.path().join("stage"));
        spec.deb.compression = Some(codec.parse().unwrap());
        let deb = build(&spec, t.path(), 2);
        let x = t.path().join("x");
        run_ok(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&x));
        let data = fs::read(x.join("opt/hello/lib/data.bin")).unwrap();
        assert_eq!(
            data,
            fs::read(t.path().join("stage/opt/hello/lib/data.bin")).unwrap(),
            "{codec}"
        );
        let members = stdout_of(Command::new("ar").arg("t").arg(&deb));
        let ext = spec.deb.compression.unwrap().extension();
        assert_eq!(
            members,
            format!("debian-binary\ncontrol.tar.gz\ndata.tar{ext}\n"),
            "{codec}"
        );
    }
}

// Guards the parallel gzip members: data.tar.gz of many 128 KiB blocks (and
// control.tar.gz) the same on 1, 2 and 4 threads, read by `gzip -t` and dpkg-deb.
#[test]
fn multi_block_gzip_members_are_read_by_dpkg_deb_at_any_thread_count() {
    if !require_tools(&["dpkg-deb", "ar", "gzip"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let stage = t.path().join("stage");
    let mut spec = spec_for(&stage);
    let big = text_like(1_500_000);
    fs::write(stage.join("opt/hello/lib/big.txt"), &big).unwrap();
    spec.files = scan_tree(&stage, &ScanOptions::default()).unwrap();
    spec.deb.compression = Some("gzip:9".parse().unwrap());
    let built: Vec<PathBuf> = [1, 2, 4]
        .into_iter()
        .map(|threads| {
            let out = t.path().join(format!("out-{threads}"));
            fs::create_dir(&out).unwrap();
            build(&spec, &out, threads)
        })
        .collect();
    let deb = &built[0];
    for other in &built[1..] {
        assert_eq!(sha256(deb), sha256(other), "{}", other.display());
    }
    for member in ["data.tar.gz", "control.tar.gz"] {
        let bytes = run_ok(Command::new("ar").arg("p").arg(deb).arg(member)).stdout;
        run_ok_with_stdin(Command::new("gzip").arg("-t"), &bytes);
        if member == "data.tar.gz" {
            assert!(
                bytes.len() > 200_000,
                "{} bytes: one block only",
                bytes.len()
            );
        }
    }
    let list = stdout_of(Command::new("dpkg-deb").arg("-c").arg(deb));
    assert!(list.contains("./opt/hello/lib/big.txt"), "{list}");
    let x = t.path().join("x");
    run_ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&x));
    assert!(fs::read(x.join("opt/hello/lib/big.txt")).unwrap() == big);
}

fn dpkg(root: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("dpkg");
    cmd.arg(format!("--root={}", root.display()))
        .args([
            "--force-script-chrootless",
            "--force-depends",
            "--force-not-root",
        ])
        .args(args)
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    run_ok(&mut cmd)
}

fn dpkg_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    for d in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/lib/dpkg/triggers",
    ] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    root
}

#[test]
fn dpkg_installs_removes_and_purges_keeping_changed_conffiles_until_purge() {
    if !require_tools(&["dpkg"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let spec = spec_for(&t.path().join("stage"));
    let deb = build(&spec, t.path(), 2);
    let root = dpkg_root(t.path());
    dpkg(&root, &["-i", deb.to_str().unwrap()]);

    let md = fs::metadata(root.join("opt/hello/bin/helper")).unwrap();
    assert_eq!(md.permissions().mode() & 0o7777, 0o4755);
    assert_eq!((md.uid(), md.gid()), (0, 0));
    assert_eq!(
        fs::metadata(root.join("opt/hello/var/empty"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o750
    );
    assert_eq!(
        fs::read_link(root.join("usr/bin/hello")).unwrap(),
        Path::new("/opt/hello/bin/hello")
    );
    assert_eq!(
        fs::read_to_string(root.join("var/lib/hello/postinst-ran")).unwrap(),
        "configure\n"
    );
    let conffiles = fs::read_to_string(root.join("var/lib/dpkg/info/hello.conffiles")).unwrap();
    assert_eq!(conffiles, "/etc/hello.conf\n");

    fs::write(
        root.join("etc/hello.conf"),
        "greeting = changed by the admin\n",
    )
    .unwrap();
    dpkg(&root, &["-r", "hello"]);
    assert!(!root.join("opt/hello/bin/hello").exists());
    assert_eq!(
        fs::read_to_string(root.join("etc/hello.conf")).unwrap(),
        "greeting = changed by the admin\n",
        "a changed conffile survives remove"
    );
    dpkg(&root, &["-P", "hello"]);
    assert!(
        !root.join("etc/hello.conf").exists(),
        "purge removes the conffile"
    );
    assert!(!root.join("var/lib/hello").exists(), "postrm purge ran");
}

#[test]
fn lintian_reports_no_errors() {
    if !require_tools(&["lintian"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let spec = spec_for(&t.path().join("stage"));
    let deb = build(&spec, t.path(), 2);
    let suppress =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lintian-suppress.txt");
    let out = Command::new("lintian")
        .args(["--tag-display-limit", "0", "--fail-on", "error,warning"])
        .arg("--suppress-tags-from-file")
        .arg(&suppress)
        .arg(&deb)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "lintian failed:\n{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("E:") || l.starts_with("W:")),
        "{text}"
    );
}

// Guards reproducibility: same input + SOURCE_DATE_EPOCH, different directories,
// times and thread counts give the same bytes.
#[test]
fn builds_are_bit_for_bit_reproducible() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let spec_a = spec_for(&a.path().join("stage-one"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let spec_b = spec_for(&b.path().join("another/stage"));
    let da = build(&spec_a, a.path(), 1);
    let db = build(&spec_b, b.path(), 2);
    assert_eq!(sha256(&da), sha256(&db));
}

#[test]
fn reader_agrees_with_dpkg_deb_for_our_package_and_dpkg_debs() {
    if !require_tools(&["dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let spec = spec_for(&t.path().join("stage"));
    let ours = build(&spec, t.path(), 2);

    // A package built by dpkg-deb itself, zstd data, no `./` oddities avoided.
    let p = t.path().join("ref");
    fs::create_dir_all(p.join("DEBIAN")).unwrap();
    fs::create_dir_all(p.join("usr/lib/ref")).unwrap();
    fs::write(p.join("usr/lib/ref/a.txt"), "a\n").unwrap();
    fs_err::os::unix::fs::symlink("a.txt", p.join("usr/lib/ref/b")).unwrap();
    fs::write(
        p.join("DEBIAN/control"),
        "Package: ref\nVersion: 2:3.4-5\nArchitecture: all\nMaintainer: R <r@example.org>\nDepends: hello (= 1.0.0-1)\nDescription: reference\n built by dpkg-deb\n",
    )
    .unwrap();
    let theirs = t.path().join("ref.deb");
    run_ok(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zzstd", "-b"])
            .arg(&p)
            .arg(&theirs),
    );

    for deb in [&ours, &theirs] {
        let info = Deb::read(deb).unwrap();
        let field = |f: &str| {
            stdout_of(Command::new("dpkg-deb").arg("--field").arg(deb).arg(f))
                .trim()
                .to_owned()
        };
        assert_eq!(info.name, field("Package"));
        let v = field("Version");
        let ours_v = match info.epoch {
            Some(e) => format!("{e}:{}-{}", info.version, info.release),
            None => format!("{}-{}", info.version, info.release),
        };
        assert_eq!(ours_v, v);
        assert_eq!(info.arch, field("Architecture"));
        assert_eq!(info.depends.join(", "), field("Depends"));
        // File list: `dpkg-deb --contents` columns are mode, owner/group, size, date, time, path.
        let listing = stdout_of(Command::new("dpkg-deb").arg("--contents").arg(deb));
        let theirs: Vec<(String, String, u64)> = listing
            .lines()
            .map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                let path = cols[5].trim_start_matches('.').trim_end_matches('/');
                let path = if path.is_empty() { "/" } else { path };
                (
                    path.to_owned(),
                    cols[1].to_owned(),
                    cols[2].parse().unwrap(),
                )
            })
            .collect();
        let mine: Vec<(String, String, u64)> = info
            .files
            .iter()
            .map(|f| (f.path.clone(), format!("{}/{}", f.user, f.group), f.size))
            .collect();
        assert_eq!(mine, theirs, "{}", deb.display());
    }
    let info = Deb::read(&ours).unwrap();
    let helper = info
        .files
        .iter()
        .find(|f| f.path == "/opt/hello/bin/helper")
        .unwrap();
    assert_eq!(helper.mode, 0o4755);
    assert_eq!(helper.kind, InfoFileKind::File);
    assert!(
        info.files
            .iter()
            .any(|f| f.path == "/etc/hello.conf" && f.config && f.digest.is_some())
    );
}

#[test]
fn non_packages_and_truncated_debs_are_clear_errors() {
    let t = tempfile::tempdir().unwrap();
    let text = t.path().join("notes.txt");
    fs::write(&text, "just text").unwrap();
    let err = Deb::read(&text).unwrap_err().to_string();
    assert!(
        err.contains("notes.txt") && err.contains("not a .deb"),
        "{err}"
    );

    let spec = spec_for(&t.path().join("stage"));
    let deb = build(&spec, t.path(), 2);
    let bytes = fs::read(&deb).unwrap();
    let cut = t.path().join("cut.deb");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = Deb::read(&cut).unwrap_err().to_string();
    assert!(err.contains("cut.deb") && err.contains("damaged"), "{err}");
}

#[test]
fn invalid_names_are_refused_before_writing() {
    let t = tempfile::tempdir().unwrap();
    let mut spec = spec_for(&t.path().join("stage"));
    spec.name = "Hello_World".into();
    let mut out = Vec::new();
    let opts = WriteOptions {
        scratch_dir: t.path(),
        threads: 1,
        progress: &NoProgress,
    };
    let err = Deb::write(&spec, &mut out, &opts).unwrap_err().to_string();
    assert!(err.contains("invalid name `Hello_World`"), "{err}");
    assert!(out.is_empty());
}
