//! Helpers shared by the bundle tests: a barclamp source with its build
//! cache, packing and running `omnipack bundle`, an admin root with
//! Crowbar's layout, a hash of a whole tree, and the `hint:` line of an
//! error.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_test_support::run_ok;
use sha2::Digest;

use crate::serve::report;
use crate::support::{make_package, omnipack, text};

pub const OS_DEB: &str = "ubuntu-12.04";
pub const OS_RPM: &str = "centos-6.2";

/// A bundle source directory `<dir>/<name>` and its build cache
/// `<cache>/barclamps/<name>/`, Crowbar's layout.
pub struct Fixture {
    pub src: PathBuf,
    pub cache: PathBuf,
}

pub fn write(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

/// A barclamp: manifest, bin/ (executable), chef/, smoketest/, and a cache
/// of files, a gem and packages (`debs` for ubuntu, `rpms` for centos).
pub fn barclamp(
    t: &Path,
    name: &str,
    manifest_extra: &str,
    files: &[(&str, &str)],
    debs: &[(&str, &str)],
    rpms: &[(&str, &str)],
) -> Fixture {
    let src = t.join("src").join(name);
    let cache = t.join("cache");
    write(
        &src.join("crowbar.yml"),
        &format!(
            "# {name}\nbarclamp:\n  name: {name}\n  display: {name}\n{manifest_extra}nav:\n  unknown_key: kept\n"
        ),
    );
    for (rel, body) in files {
        write(&src.join(rel), body);
        if rel.starts_with("bin/") {
            fs::set_permissions(src.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let own = cache.join("barclamps").join(name);
    write(
        &own.join("files/").join(format!("{name}.txt")),
        &format!("{name} file\n"),
    );
    write(
        &own.join("gems").join(format!("{name}-1.0.gem")),
        &format!("not really a gem: {name}\n"),
    );
    if !debs.is_empty() {
        let dir = own.join(OS_DEB).join("pkgs");
        fs::create_dir_all(&dir).unwrap();
        for (pkg, v) in debs {
            make_package(&dir, pkg, v, "deb");
        }
    }
    if !rpms.is_empty() {
        let dir = own.join(OS_RPM).join("pkgs");
        fs::create_dir_all(&dir).unwrap();
        for (pkg, v) in rpms {
            make_package(&dir, pkg, v, "rpm");
        }
    }
    Fixture { src, cache }
}

pub fn pack(f: &Fixture, dest: &Path, extra: &[&str]) -> PathBuf {
    let o = omnipack()
        .args(["bundle", "pack", "--quiet"])
        .arg(&f.src)
        .arg("--destdir")
        .arg(dest)
        .arg("--cache")
        .arg(&f.cache)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", report(&o));
    PathBuf::from(text(&o).0.trim())
}

pub fn bundle(root: &Path, args: &[&str]) -> Output {
    omnipack()
        .args(["bundle"])
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

/// Every path under `root` (hidden `.omnipack/` left out unless `all`)
/// with its type, mode and contents or link target, as one SHA-256.
pub fn tree_hash(root: &Path, all: bool) -> String {
    fn walk(dir: &Path, rel: &str, all: bool, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.is_empty() && name == ".omnipack" && !all {
                continue;
            }
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let m = fs::symlink_metadata(e.path()).unwrap();
            let mode = m.permissions().mode() & 0o7777;
            if m.file_type().is_symlink() {
                out.insert(
                    r,
                    format!("link {}", fs::read_link(e.path()).unwrap().display()),
                );
            } else if m.is_dir() {
                out.insert(r.clone(), format!("dir {mode:o}"));
                walk(&e.path(), &r, all, out);
            } else {
                let h = hex::encode(sha2::Sha256::digest(fs::read(e.path()).unwrap()));
                out.insert(r, format!("file {mode:o} {h}"));
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(root, "", all, &mut m);
    let mut h = sha2::Sha256::new();
    for (k, v) in &m {
        h.update(format!("{k}\0{v}\n"));
    }
    hex::encode(h.finalize())
}

pub fn unpack_with_tar(tarball: &Path, into: &Path) {
    fs::create_dir_all(into).unwrap();
    run_ok(
        Command::new("tar")
            .arg("xzf")
            .arg(tarball)
            .arg("-C")
            .arg(into),
    );
}

/// The admin config used by the install tests: Crowbar's layout, hooks
/// that leave traces in the root.
pub fn admin_root(t: &Path) -> PathBuf {
    let root = t.join("admin");
    write(
        &root.join(".omnipack/bundles.toml"),
        "after_install = ['echo \"$OMNIPACK_BUNDLE $OMNIPACK_BUNDLE_VERSION\" >> \"$OMNIPACK_ROOT/.omnipack/installed.log\"']\n\
         notify = 'echo refresh >> .omnipack/notified.log'\n\
         gem_index = 'ls \"$OMNIPACK_GEM_DIR/gems\" > .omnipack/gem-index.log'\n\
         [dirs]\nbin = 'opt/dell/bin'\nchef = 'opt/dell/chef'\n",
    );
    root
}

/// The text of the `hint:` line of an error's output, if there is one.
pub fn hint(stderr: &str) -> Option<&str> {
    stderr.lines().find_map(|l| l.strip_prefix("hint: "))
}
