//! `omnipack repo index` end to end: incremental runs, bad input, --strict,
//! repository trees, pruning. The indexes' contents are checked against the
//! real consumers in omnipack-repo's own tests (apt-get, dnf, gpgv).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_test_support::clients::files_under;

use crate::support::{make_package, omnipack, text};

fn index(dir: &Path, cache: &Path, extra: &[&str]) -> (i32, String, String) {
    let o = omnipack()
        .args(["repo", "index"])
        .arg(dir)
        .args(extra)
        .env("OMNIPACK_CACHE_DIR", cache)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    (o.status.code().unwrap(), out, err)
}

/// Every metadata file (not packages) under `dir`, with its bytes.
fn metadata(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in files_under(dir) {
        let ext = e.extension().and_then(|x| x.to_str()).unwrap_or("");
        if ext != "deb" && ext != "rpm" {
            m.insert(
                e.strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(&e).unwrap(),
            );
        }
    }
    m
}

// Guards the incremental cache: adding one package reads one package, and the
// result is byte-identical to a cold run over the same packages.
#[test]
fn incremental_runs_read_only_new_packages_and_match_a_cold_run() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    for i in 0..5 {
        make_package(&repo, &format!("pkg{i}"), "1.0", "all");
    }
    let cache = t.path().join("cache");
    let (code, out, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 .deb, 5 .rpm (10 read, 0 cached"), "{err}");
    assert!(
        out.contains("Release") && out.contains("repomd.xml"),
        "{out}"
    );
    make_package(&repo, "pkg9", "1.0", "all");
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("6 .deb, 6 .rpm (2 read, 10 cached"), "{err}");
    let warm = metadata(&repo);

    // Cold: a copy of the packages only (mtimes kept: yum records them), a fresh cache.
    let cold = t.path().join("cold");
    copy_packages(&repo, &cold);
    let (code, _, err) = index(&cold, &t.path().join("cache2"), &[]);
    assert_eq!(code, 0, "{err}");
    let cold_meta = metadata(&cold);
    // The warm repository keeps the previous generation's hashed files for
    // clients mid-update; every file of the cold index is identical in it.
    for (path, bytes) in &cold_meta {
        assert_eq!(
            warm.get(path),
            Some(bytes),
            "{} differs from a cold run",
            path.display()
        );
    }
}

#[test]
fn bad_packages_are_named_and_the_rest_is_indexed() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    make_package(&repo, "good", "1.0", "deb");
    make_package(&repo, "cut", "1.0", "deb");
    let cut = repo.join("cut_1.0-1_all.deb");
    let bytes = fs::read(&cut).unwrap();
    fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    fs::write(repo.join("notes.deb"), "not a package").unwrap();
    // The same name, version and arch with different contents.
    let other = t.path().join("other");
    fs::create_dir_all(&other).unwrap();
    make_package(&other, "twin", "1.0", "deb");
    fs::rename(
        other.join("twin_1.0-1_all.deb"),
        repo.join("twin_1.0-1_all.deb"),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(10));
    let stage = other.join("s");
    fs::create_dir_all(stage.join("opt/twin")).unwrap();
    fs::write(stage.join("opt/twin/DIFFERENT"), "x").unwrap();
    let o = omnipack()
        .args([
            "package",
            "--quiet",
            "-n",
            "twin",
            "-v",
            "1.0",
            "--summary",
            "s",
            "-m",
            "T <t@example.org>",
            "-a",
            "all",
            "-f",
            "deb",
            "--from-dir",
        ])
        .arg(&stage)
        .arg("--out")
        .arg(&other)
        .output()
        .unwrap();
    assert!(o.status.success());
    fs::rename(other.join("twin_1.0-1_all.deb"), repo.join("twin-copy.deb")).unwrap();

    // Packages left out: the rest is indexed, the report printed, exit 1.
    let cache = t.path().join("cache");
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("4 package(s) left out") && err.contains("--allow-problems"),
        "{err}"
    );
    assert!(repo.join("Release").is_file());
    let (code, _, err) = index(&repo, &cache, &["--allow-problems"]);
    assert_eq!(code, 0, "{err}");
    for name in [
        "cut_1.0-1_all.deb",
        "notes.deb",
        "twin_1.0-1_all.deb",
        "twin-copy.deb",
    ] {
        assert!(err.contains(name), "{name} not reported:\n{err}");
    }
    let packages = fs::read_to_string(repo.join("Packages")).unwrap();
    assert!(packages.contains("Package: good\n"), "{packages}");
    assert!(
        !packages.contains("Package: cut") && !packages.contains("Package: twin"),
        "{packages}"
    );

    // --strict: fails and leaves the previous index untouched.
    let before = metadata(&repo);
    make_package(&repo, "late", "1.0", "deb");
    let (code, _, err) = index(&repo, &cache, &["--strict"]);
    assert_eq!(code, 1);
    assert!(err.contains("--strict"), "{err}");
    assert_eq!(metadata(&repo), before, "the old index must stay as it was");
}

#[test]
fn every_leaf_of_a_tree_is_indexed_by_its_kind() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("repo");
    let ubuntu = root.join("ubuntu-testing/24.04/amd64");
    let rocky = root.join("rocky/9/x86_64");
    fs::create_dir_all(&ubuntu).unwrap();
    fs::create_dir_all(&rocky).unwrap();
    make_package(&ubuntu, "app-a", "1.0", "deb");
    make_package(&rocky, "app-b", "1.0", "rpm");
    let (code, _, err) = index(&root, &t.path().join("cache"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(ubuntu.join("Release").is_file() && !ubuntu.join("repodata").exists());
    assert!(rocky.join("repodata/repomd.xml").is_file() && !rocky.join("Release").exists());
}

#[test]
fn superseded_metadata_is_kept_for_n_generations_then_pruned() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    let cache = t.path().join("cache");
    let primary = |repo: &Path| -> Vec<String> {
        fs::read_dir(repo.join("repodata"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("-primary.xml"))
            .collect()
    };
    for i in 0..4 {
        make_package(&repo, &format!("p{i}"), "1.0", "rpm");
        let (code, _, err) = index(&repo, &cache, &["--keep", "1"]);
        assert_eq!(code, 0, "{err}");
    }
    // The current generation plus one superseded one.
    assert_eq!(primary(&repo).len(), 2, "{:?}", primary(&repo));
}

#[test]
fn a_directory_without_packages_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let (code, _, err) = index(t.path(), &t.path().join("cache"), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("holds no .deb or .rpm packages"), "{err}");
}

/// `--layout dists`: indexes land under `dists/<suite>/`, printed on stdout;
/// a repository without `pool/`, or with only arch-all packages and no
/// `--architectures`, is refused with what to do; an incremental run reads
/// only the new package.
#[test]
fn the_dists_layout_indexes_the_pool_and_explains_what_it_needs() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("archive");
    let cache = t.path().join("cache");
    fs::create_dir_all(&root).unwrap();
    let (code, _, err) = index(&root, &cache, &["--layout", "dists"]);
    assert_eq!(code, 1);
    assert!(err.contains("pool") && err.contains("ROOT/pool/"), "{err}");

    let pool = root.join("pool/main/p");
    fs::create_dir_all(&pool).unwrap();
    make_package(&pool, "pkg0", "1.0", "deb");
    let (code, _, err) = index(&root, &cache, &["--layout", "dists"]);
    assert_eq!(code, 1);
    assert!(err.contains("--architectures amd64,arm64"), "{err}");

    let args = [
        "--layout",
        "dists",
        "--suite",
        "stable",
        "--architectures",
        "amd64,arm64",
    ];
    let (code, out, err) = index(&root, &cache, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        root.join("dists/stable/Release").display().to_string()
    );
    for arch in ["amd64", "arm64"] {
        let p = root.join(format!("dists/stable/main/binary-{arch}/Packages"));
        let text = fs::read_to_string(&p).unwrap();
        assert!(
            text.contains("Filename: pool/main/p/pkg0_1.0-1_all.deb\n"),
            "{text}"
        );
    }
    make_package(&pool, "pkg1", "1.0", "deb");
    let (code, _, err) = index(&root, &cache, &args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(1 read, 1 cached"), "{err}");
}

/// Copies the packages (not the indexes) of `from` into a new directory
/// `to`, keeping their mtimes (yum records them).
fn copy_packages(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for p in files_under(from) {
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if ext == "deb" || ext == "rpm" {
            omnipack_test_support::run_ok(
                std::process::Command::new("cp").arg("-p").arg(&p).arg(to),
            );
        }
    }
}

// The cache only ever costs speed: a damaged fragment spool (zeros where
// the cache says an RPM's entries are, as after a power loss) is detected
// and the index rebuilt from the packages; while another run holds the
// cache, a run goes cold beside it and leaves the cache alone.
#[test]
fn a_damaged_or_busy_cache_costs_speed_not_correctness() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    for i in 0..4 {
        make_package(&repo, &format!("pkg{i}"), "1.0", "rpm");
    }
    let cache = t.path().join("cache");
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    let spool: Vec<PathBuf> = files_under(&cache)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "primary"))
        .collect();
    assert_eq!(spool.len(), 1, "{spool:?}");
    let len = fs::metadata(&spool[0]).unwrap().len() as usize;
    fs::write(&spool[0], vec![0u8; len]).unwrap();

    make_package(&repo, "pkg9", "1.0", "rpm");
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 .rpm (5 read, 0 cached"), "{err}");
    let cold = t.path().join("cold");
    copy_packages(&repo, &cold);
    let (code, _, err) = index(&cold, &t.path().join("cache2"), &[]);
    assert_eq!(code, 0, "{err}");
    for (path, bytes) in metadata(&cold) {
        assert_eq!(
            metadata(&repo).get(&path),
            Some(&bytes),
            "{} differs from a cold run",
            path.display()
        );
    }
    // And the rebuilt cache serves the next run.
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 .rpm (0 read, 5 cached"), "{err}");

    // Busy: another process holds the cache's lock.
    let lock = files_under(&cache)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "lock"))
        .expect("a lock file beside the cache");
    let holder = fs::OpenOptions::new().write(true).open(&lock).unwrap();
    holder.file().lock().unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> = files_under(&cache)
        .into_iter()
        .map(|p| (p.clone(), fs::read(&p).unwrap()))
        .collect();
    make_package(&repo, "pkg8", "1.0", "rpm");
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("6 .rpm (6 read, 0 cached"), "{err}");
    let after: Vec<(PathBuf, Vec<u8>)> = files_under(&cache)
        .into_iter()
        .map(|p| (p.clone(), fs::read(&p).unwrap()))
        .collect();
    assert_eq!(before, after, "the busy cache was left alone");
    drop(holder);
    let (code, _, err) = index(&repo, &cache, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("6 .rpm (1 read, 5 cached"), "{err}");
}

// Guards issue 21 item 5: the hidden temporary files a killed `repo index`
// leaves (beside `Packages`, in `repodata/`, in `by-hash/*/`) are removed by
// the next run, which says so; a live process's are left alone.
#[test]
fn the_next_index_removes_what_a_killed_one_left() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("flat");
    fs::create_dir_all(&dir).unwrap();
    make_package(&dir, "pkg", "1.0", "all");
    let index = || {
        let o = omnipack()
            .args(["repo", "index"])
            .arg(&dir)
            .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
        text(&o).1
    };
    index();
    // A pid that cannot run (above pid_max) stands for the killed run.
    let dead = [
        dir.join(".Packages.999999999.AbCdEf.tmp"),
        dir.join("repodata/.repomd.xml.999999999.AbCdEf.tmp"),
        dir.join("by-hash/SHA256/.0123abcd.999999999.AbCdEf.tmp"),
    ];
    let live = dir.join(format!(".Release.{}.AbCdEf.tmp", std::process::id()));
    for f in dead.iter().chain([&live]) {
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, "half").unwrap();
    }
    let err = index();
    assert!(
        err.contains("removed 3 temporary file(s) that a killed run left"),
        "{err}"
    );
    assert!(dead.iter().all(|f| !f.exists()), "{err}");
    assert!(live.exists(), "a live process's temporary file was removed");
}
