//! `omnipack builder`: the build-root cache and the refusals around it.
//! The roots themselves are made by `scripts/test` with `omnipack builder
//! create` (Debian 11 and 13, cached) and used by the end-to-end test.

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::require_tools;

use crate::support::{omnipack, repo_root, text};

fn fails(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{cmd:?}: {:?}", text(&o));
    let err = text(&o).1;
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn create_refuses_what_it_cannot_make_and_leaves_nothing() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let builder = || {
        let mut c = omnipack();
        c.arg("builder").env("OMNIPACK_CACHE_DIR", &cache);
        c
    };
    // A mirror nothing listens on: named, in seconds, before any bootstrap.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mirror = format!("http://127.0.0.1:{port}/debian");
    let err = fails(builder().args(["create", "debian-11", "--mirror", &mirror]));
    assert!(
        err.contains(&format!("mirror `{mirror}` does not answer")),
        "{err}"
    );
    assert!(err.contains("hint: check the URL"), "{err}");
    let err = fails(builder().args(["create", "debian-11", "--mirror", "htp:/x"]));
    assert!(err.contains("scheme `htp`"), "{err}");
    // RPM roots need repositories: none is written into omnipack.
    let err = fails(builder().args(["create", "rocky-9"]));
    assert!(
        err.contains("no package mirror is known for rocky-9"),
        "{err}"
    );
    assert!(err.contains("--mirror URL"), "{err}");
    // A distribution no command knows is bad usage: exit 2.
    let o = builder().args(["create", "plan9-4"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(err.contains("unknown distribution `plan9-4`"), "{err}");
    let err = fails(builder().args(["remove", "debian-11"]));
    assert!(
        err.contains("there is no build root of debian-11")
            && err.contains("omnipack builder create debian-11"),
        "{err}"
    );
    let o = builder().args(["list", "--json"]).output().unwrap();
    assert!(o.status.success());
    assert_eq!(text(&o).0.trim(), "[]");
    let left: Vec<_> = fs::read_dir(cache.join("roots"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name())
                .filter(|n| !n.to_string_lossy().ends_with("-create.log"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A root that has a /bin/sh and says it is Debian 11 but has no python3.9:
/// refused before staging, naming the root and the interpreter; `--out`
/// untouched.
#[test]
fn a_given_root_without_the_interpreter_is_refused() {
    if !require_tools(&["bwrap", "unshare"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::copy("/bin/sh", root.join("bin/sh")).unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"11\"\n",
    )
    .unwrap();
    let out = t.path().join("out");
    let err = fails(
        omnipack()
            .arg("build")
            .arg(repo_root().join("examples/greet"))
            .args(["-d", "debian-11", "--builder"])
            .arg(format!("debian-11={}", root.display()))
            .arg("--out")
            .arg(&out),
    );
    assert!(
        err.contains("its python is 3.9 (`/usr/bin/python3.9`)")
            && err.contains(&root.display().to_string())
            && err.contains("hint: stage in a build root of debian-11"),
        "{err}"
    );
    assert!(!out.exists());
}

/// The roots `scripts/test` made with `builder create` are listed, with how
/// they were made.
#[test]
fn list_shows_the_roots_builder_create_made() {
    let Some(roots) = std::env::var_os("OMNIPACK_TEST_BUILD_ROOTS").map(PathBuf::from) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "scripts/test sets OMNIPACK_TEST_BUILD_ROOTS"
        );
        return;
    };
    let cache = roots.parent().unwrap_or(Path::new("/"));
    let o = omnipack()
        .args(["builder", "list", "--json"])
        .env("OMNIPACK_CACHE_DIR", cache)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    for (dist, python) in [("debian-11", "python3.9"), ("debian-13", "python3.13")] {
        let r = v
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["distribution"] == dist)
            .unwrap_or_else(|| panic!("{dist} not listed: {v}"));
        assert!(
            ["mmdebstrap", "debootstrap"].contains(&r["tool"].as_str().unwrap()),
            "{r}"
        );
        let packages: Vec<&str> = r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(
            packages.contains(&python) && packages.contains(&"python3-venv"),
            "{r}"
        );
        let path = PathBuf::from(r["path"].as_str().unwrap());
        assert!(path.join(format!("usr/bin/{python}")).exists(), "{r}");
    }
    let table = text(
        &omnipack()
            .args(["builder", "list"])
            .env("OMNIPACK_CACHE_DIR", cache)
            .output()
            .unwrap(),
    )
    .0;
    assert!(
        table.starts_with("DISTRIBUTION") && table.contains("debian-13"),
        "{table}"
    );
}
