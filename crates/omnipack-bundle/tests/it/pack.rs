//! What `pack` keeps of a bundle tree, as Crowbar's `package_barclamp.sh`
//! kept it: everything but the `.git` directory (dot files and empty
//! directories included), every directory of the build cache, and the
//! `git:` block in its format.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_bundle::PackOptions;
use omnipack_core::NoProgress;

fn write(path: &Path, body: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, body).unwrap();
}

/// The entries of a packed tarball, directories with a trailing `/`.
fn entries(tarball: &Path) -> BTreeSet<String> {
    let f = fs::File::open(tarball).unwrap();
    let mut ar = tar::Archive::new(flate2::read::MultiGzDecoder::new(f));
    ar.entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let mut name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
            if e.header().entry_type().is_dir() && !name.ends_with('/') {
                name.push('/');
            }
            name
        })
        .collect()
}

/// A barclamp `bc` with dot files, empty directories, a `.git` directory,
/// and a build cache with every kind of directory Crowbar's build made.
fn tree(t: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let src = t.join("src/bc");
    write(
        &src.join("crowbar.yml"),
        "barclamp:\n  name: bc\ncrowbar:\n  order: 5\n",
    );
    write(&src.join(".gitignore"), "*.swp\n");
    write(&src.join("crowbar_framework/.gitkeep"), "");
    write(&src.join("chef/cookbooks/bc/.gitignore"), "tmp\n");
    write(&src.join(".git/HEAD"), "not a repository\n");
    write(&src.join(".github/workflow.yml"), "kept: true\n");
    fs::create_dir_all(src.join("crowbar_framework/log")).unwrap();
    fs::create_dir_all(src.join("crowbar_framework/tmp/cache")).unwrap();
    let cache = t.join("cache");
    let own = cache.join("barclamps/bc");
    write(&own.join("files/tool.tar.gz"), "f\n");
    write(&own.join("gems/x-1.0.gem"), "g\n");
    write(&own.join("pips/pkg-1.0.tar.gz"), "p\n");
    write(&own.join("git_repos/proj.tar.bz2"), "r\n");
    write(&own.join("ubuntu-12.04/pkgs/a_1.0_all.deb"), "d\n");
    write(&own.join("centos-6.2/pkgs/a-1.0.noarch.rpm"), "r\n");
    fs::create_dir_all(own.join("files/empty")).unwrap();
    // An absolute link into the admin node, dangling here (barclamp-crowbar's
    // crowbar_framework/config/catalog.yml on release/pebbles).
    fs::os::unix::fs::symlink("/nonexistent/catalog.yml", src.join("catalog.yml")).unwrap();
    (src, cache)
}

fn pack(src: &Path, cache: &Path, dest: &Path, os: Option<&str>) -> std::path::PathBuf {
    let opts = PackOptions {
        destdir: dest.to_path_buf(),
        cache: Some(cache.to_path_buf()),
        os: os.map(str::to_owned),
        mtime: Some(1_000_000_000),
    };
    omnipack_bundle::pack(src, &opts, &NoProgress)
        .unwrap()
        .tarball
}

/// Issue 18: `.gitignore`/`.gitkeep` and empty directories were dropped,
/// and `cache/pips`, `cache/git_repos` silently left out.
#[test]
fn pack_keeps_all_but_dot_git_and_every_cache_directory() {
    let t = tempfile::tempdir().unwrap();
    let (src, cache) = tree(t.path());
    let tarball = pack(&src, &cache, &t.path().join("out"), None);
    let got = entries(&tarball);
    for want in [
        "bc/.gitignore",
        "bc/.github/workflow.yml",
        "bc/crowbar_framework/.gitkeep",
        "bc/chef/cookbooks/bc/.gitignore",
        "bc/crowbar_framework/log/",
        "bc/crowbar_framework/tmp/",
        "bc/crowbar_framework/tmp/cache/",
        "bc/cache/files/tool.tar.gz",
        "bc/cache/files/empty/",
        "bc/cache/gems/x-1.0.gem",
        "bc/cache/pips/pkg-1.0.tar.gz",
        "bc/cache/git_repos/proj.tar.bz2",
        "bc/cache/ubuntu-12.04/pkgs/a_1.0_all.deb",
        "bc/cache/centos-6.2/pkgs/a-1.0.noarch.rpm",
        "bc/crowbar.yml",
        "bc/sha1sums",
        "bc/SHA256SUMS",
    ] {
        assert!(got.contains(want), "{want} missing from {got:#?}");
    }
    assert!(
        !got.iter()
            .any(|e| e == "bc/.git/" || e.starts_with("bc/.git/")),
        "{got:#?}"
    );

    // Unpacked: the empty directories are there, empty; the bundle verifies.
    let unpacked = omnipack_bundle::tarball::unpack(&tarball, &NoProgress).unwrap();
    for d in [
        "crowbar_framework/log",
        "crowbar_framework/tmp/cache",
        "cache/files/empty",
    ] {
        let p = unpacked.dir.join(d);
        assert!(p.is_dir(), "{d}");
        assert_eq!(fs::read_dir(&p).unwrap().count(), 0, "{d}");
    }
    let sums = fs::read_to_string(unpacked.dir.join("sha1sums")).unwrap();
    assert!(
        sums.contains("./.gitignore") && sums.contains("./cache/pips/"),
        "{sums}"
    );
    let report = omnipack_bundle::verify(&tarball, &NoProgress).unwrap();
    assert!(report.pristine);

    // Deterministic, empty directories included.
    let again = pack(&src, &cache, &t.path().join("again"), None);
    assert_eq!(fs::read(&tarball).unwrap(), fs::read(&again).unwrap());
}

/// `package_barclamp.sh --os OS` linked `files gems git_repos pips OS`.
#[test]
fn pack_for_one_os_keeps_the_common_cache_directories() {
    let t = tempfile::tempdir().unwrap();
    let (src, cache) = tree(t.path());
    let got = entries(&pack(
        &src,
        &cache,
        &t.path().join("out"),
        Some("ubuntu-12.04"),
    ));
    assert!(got.contains("bc/cache/pips/pkg-1.0.tar.gz"), "{got:#?}");
    assert!(got.contains("bc/cache/git_repos/proj.tar.bz2"), "{got:#?}");
    assert!(got.contains("bc/cache/ubuntu-12.04/pkgs/a_1.0_all.deb"));
    assert!(!got.iter().any(|e| e.contains("centos-6.2")), "{got:#?}");
}

/// The `git:` block is package_barclamp.sh's: a blank line, `git:`, the
/// `Date:` of `git log` (author date, git's default format), the commit.
#[test]
fn the_git_block_is_package_barclamps() {
    if !omnipack_test_support::require_tools(&["git"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("bc");
    let manifest = "# bc\nbarclamp:\n  name: bc\ncrowbar:\n  order: 5\n";
    write(&src.join("crowbar.yml"), manifest);
    write(&src.join("a/.gitkeep"), "");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
            .args(["-c", "log.date=iso", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&src)
            .env("GIT_AUTHOR_DATE", "2012-02-13T22:13:15-0800")
            .env("GIT_COMMITTER_DATE", "2013-01-01T00:00:00+0000")
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "bc"]);
    let commit = git(&["rev-parse", "HEAD"]).trim().to_owned();
    let opts = PackOptions {
        destdir: t.path().join("out"),
        mtime: Some(0),
        ..PackOptions::default()
    };
    let packed = omnipack_bundle::pack(&src, &opts, &NoProgress).unwrap();
    let unpacked = omnipack_bundle::tarball::unpack(&packed.tarball, &NoProgress).unwrap();
    let text = fs::read_to_string(unpacked.dir.join("crowbar.yml")).unwrap();
    assert_eq!(
        text,
        format!("{manifest}\ngit:\n  date: Mon Feb 13 22:13:15 2012 -0800\n  commit: {commit}\n")
    );
    assert!(unpacked.dir.join("a/.gitkeep").is_file());
    assert!(!unpacked.dir.join(".git").exists());
}
