//! Hostile tarballs (`..`, absolute names, links out, devices, setuid,
//! checksum mismatches, not gzip + tar) are refused and the root is
//! untouched.

use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use super::fixture::{admin_root, barclamp, bundle, pack, tree_hash, unpack_with_tar};
use crate::serve::report;
use crate::support::{omnipack, text};

/// One raw tar entry: name, type, mode, link target, data.
type RawEntry<'a> = (&'a str, tar::EntryType, u32, &'a str, &'a [u8]);

/// A tar.gz from raw entries (name, type, mode, link, data), names written
/// as raw bytes so `..` and absolute names get through.
fn raw_tarball(path: &Path, entries: &[RawEntry<'_>]) {
    let f = fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, kind, mode, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(*mode);
        h.set_size(data.len() as u64);
        h.set_mtime(0);
        let g = h.as_gnu_mut().unwrap();
        g.name[..name.len()].copy_from_slice(name.as_bytes());
        g.linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

#[test]
fn hostile_tarballs_are_refused_and_the_root_is_untouched() {
    if !require_tools(&["tar"]) {
        return;
    }
    use tar::EntryType as E;
    let t = tempfile::tempdir().unwrap();
    let f = barclamp(
        t.path(),
        "ok",
        "  version: 1\n",
        &[("bin/ok", "ok\n")],
        &[],
        &[],
    );
    let good = pack(&f, &t.path().join("d"), &[]);
    let root = admin_root(t.path());
    let o = bundle(&root, &["install", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", report(&o));
    let before = tree_hash(&root, true);

    let m: &[u8] = b"barclamp:\n  name: evil\n";
    let cases: Vec<(&str, Vec<RawEntry<'_>>, &str)> = vec![
        (
            "dotdot",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/../../escape", E::Regular, 0o644, "", b"x"),
            ],
            "contains `..`",
        ),
        (
            "absolute",
            vec![("/tmp/evil-abs", E::Regular, 0o644, "", b"x")],
            "is an absolute path",
        ),
        (
            "symlink",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/link", E::Symlink, 0o777, "../../../etc", b""),
            ],
            "outside the bundle",
        ),
        (
            "hardlink",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/hl", E::Link, 0o644, "etc/passwd", b""),
            ],
            "is a hard link to `etc/passwd`",
        ),
        (
            "device",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/null", E::Char, 0o644, "", b""),
            ],
            "is a device node",
        ),
        (
            "fifo",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/pipe", E::Fifo, 0o644, "", b""),
            ],
            "is a fifo",
        ),
        (
            "setuid",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/bin/su", E::Regular, 0o4755, "", b"x"),
            ],
            "setuid or setgid",
        ),
        (
            "setgid",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/bin/sg", E::Regular, 0o2755, "", b"x"),
            ],
            "setuid or setgid",
        ),
        (
            "through-link",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("evil/l", E::Symlink, 0o777, "bin", b""),
                ("evil/l/x", E::Regular, 0o644, "", b"x"),
            ],
            "lies beneath the symbolic link",
        ),
        (
            // Regression: each link lexically inside, the chain outside.
            "link-chain",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                (
                    "evil/d1/d2/d3/d4/d5/d6/d7/d8/q",
                    E::Symlink,
                    0o777,
                    "../../../../../../../../x",
                    b"",
                ),
                (
                    "evil/d1/d2/d3/d4/d5/d6/d7/d8/p",
                    E::Symlink,
                    0o777,
                    "q/../../../../../../../../dev/sda",
                    b"",
                ),
            ],
            "goes through the symbolic link `evil/d1/d2/d3/d4/d5/d6/d7/d8/q`",
        ),
        (
            "two-tops",
            vec![
                ("evil/crowbar.yml", E::Regular, 0o644, "", m),
                ("other/x", E::Regular, 0o644, "", b"x"),
            ],
            "outside the bundle's top directory",
        ),
    ];
    let mut tarballs: Vec<(PathBuf, String)> = Vec::new();
    for (name, entries, expect) in &cases {
        let p = t.path().join(format!("{name}.tar.gz"));
        raw_tarball(&p, entries);
        tarballs.push((p, expect.to_string()));
    }
    // A checksum mismatch: a packed bundle with one file changed, retarred by GNU tar.
    let x = t.path().join("x");
    unpack_with_tar(&good, &x);
    fs::write(x.join("ok/bin/ok"), "tampered\n").unwrap();
    let bad_sum = t.path().join("mismatch.tar.gz");
    run_ok(
        Command::new("tar")
            .arg("czf")
            .arg(&bad_sum)
            .arg("-C")
            .arg(&x)
            .arg("ok"),
    );
    tarballs.push((
        bad_sum,
        "does not match its `SHA256SUMS`: modified: bin/ok".into(),
    ));
    // Not gzip; gzip but not tar.
    let junk = t.path().join("junk.tar.gz");
    fs::write(&junk, b"this is not a tarball").unwrap();
    tarballs.push((
        junk,
        "is not a gzip-compressed tar archive (no gzip header)".into(),
    ));
    let gz_text = t.path().join("text.tar.gz");
    run_ok(
        Command::new("sh")
            .arg("-c")
            .arg(format!("echo hello | gzip > {}", gz_text.display())),
    );
    tarballs.push((gz_text, "is not a gzip-compressed tar archive".into()));

    for (p, expect) in &tarballs {
        for cmd in [&["install"][..], &["install", "--dry-run"][..]] {
            let mut args = cmd.to_vec();
            args.push(p.to_str().unwrap());
            let o = bundle(&root, &args);
            assert_eq!(o.status.code(), Some(1), "{}: {}", p.display(), report(&o));
            let err = text(&o).1;
            assert!(
                err.contains(expect.as_str()),
                "{}: expected `{expect}` in:\n{err}",
                p.display()
            );
            assert!(err.contains(&p.display().to_string()), "{err}");
        }
        assert_eq!(
            tree_hash(&root, true),
            before,
            "{}: the root changed",
            p.display()
        );
        let o = omnipack()
            .args(["bundle", "verify"])
            .arg(p)
            .output()
            .unwrap();
        // A tarball verify can read but whose files differ from its sums
        // is "differences found" (3); one it cannot read is a failure (1).
        let want = if p.ends_with("mismatch.tar.gz") { 3 } else { 1 };
        assert_eq!(o.status.code(), Some(want), "{}", report(&o));
    }
    assert!(!Path::new("/tmp/evil-abs").exists());
}
