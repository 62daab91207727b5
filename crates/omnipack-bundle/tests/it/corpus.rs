//! Every manifest of `tests/manifests/` (our own, one per variant seen in
//! Crowbar's barclamp repositories, each naming where) parses, packs
//! through [`omnipack_bundle::pack`], and its tarball unpacks and verifies.

use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_bundle::manifest::GitInfo;
use omnipack_bundle::{Manifest, PackOptions};
use omnipack_core::NoProgress;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests");
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    out.sort();
    assert!(out.len() >= 10, "the corpus is in {}", dir.display());
    out
}

fn load(name: &str) -> Manifest {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/manifests")
        .join(name);
    Manifest::parse_bytes(&p, fs::read(&p).unwrap()).unwrap()
}

#[test]
fn every_corpus_manifest_parses_packs_unpacks_and_verifies() {
    for path in corpus() {
        let bytes = fs::read(&path).unwrap();
        let m = Manifest::parse_bytes(&path, bytes.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join(m.name());
        fs::create_dir_all(src.join("chef")).unwrap();
        fs::write(src.join("crowbar.yml"), &bytes).unwrap();
        fs::write(src.join("chef/x.rb"), "log 'x'\n").unwrap();
        let opts = PackOptions {
            destdir: t.path().join("out"),
            mtime: Some(0),
            ..PackOptions::default()
        };
        let packed = omnipack_bundle::pack(&src, &opts, &NoProgress)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let unpacked = omnipack_bundle::tarball::unpack(&packed.tarball, &NoProgress)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let back = Manifest::load(&unpacked.dir).unwrap();
        assert_eq!(back.name(), m.name());
        // Not in git: the manifest is packed byte for byte.
        assert_eq!(back.bytes, bytes, "{}", path.display());
        // And with package_barclamp's git block appended, it still reads.
        let git = GitInfo {
            date: Some("Thu Apr 7 15:13:13 2005 -0700".into()),
            commit: Some("e83c5163316f89bfbde7d9ab23ca2e25604af290".into()),
        };
        let with = m.with_git(&git).unwrap();
        let again = Manifest::parse_bytes(&path, with).unwrap();
        assert_eq!(again.git.as_ref(), Some(&git), "{}", path.display());
        assert_eq!(again.name(), m.name());
    }
}

#[test]
fn build_pkgs_required_pkgs_and_ppas_are_lists_not_os_tokens() {
    let m = load("debs-build-pkgs.yml");
    let debs = m.debs.as_ref().unwrap();
    assert_eq!(debs.all.build_pkgs, ["tool-a", "tool-b"]);
    assert_eq!(debs.all.pkgs, ["runtime-a"]);
    assert_eq!(debs.os.keys().collect::<Vec<_>>(), ["ubuntu-12.04"]);
    assert_eq!(m.rpms.as_ref().unwrap().all.build_pkgs, ["tool-a-devel"]);

    let m = load("required-pkgs.yml");
    let rpms = m.rpms.as_ref().unwrap();
    assert_eq!(rpms.all.required_pkgs, ["rubygems"]);
    assert_eq!(rpms.os["centos-6.4"].required_pkgs, ["make"]);
    assert_eq!(rpms.os.keys().collect::<Vec<_>>(), ["centos-6.4"]);
    assert_eq!(
        m.debs.as_ref().unwrap().all.required_pkgs,
        ["ruby-x", "gcc"]
    );
    assert_eq!(m.crowbar.layout.as_deref(), Some("2"));

    let m = load("ppas.yml");
    let debs = m.debs.as_ref().unwrap();
    assert_eq!(debs.all.ppas, ["some-team/stable"]);
    assert!(debs.os.is_empty(), "{:?}", debs.os);
}

#[test]
fn sections_in_other_shapes_are_read_as_crowbar_reads_them() {
    let m = load("gems-list.yml");
    assert_eq!(m.gems.as_ref().unwrap().all.pkgs, ["gem-one", "gem-two"]);

    let m = load("git-list.yml");
    assert_eq!(m.git, None);
    assert!(m.doc["git"].is_sequence());
    assert!(
        m.warnings.iter().any(|w| w.contains("`git`")),
        "{:?}",
        m.warnings
    );

    let m = load("repos-per-os.yml");
    let rpms = m.rpms.as_ref().unwrap();
    assert_eq!(rpms.os["centos-5.7"].repos.len(), 1);
    assert_eq!(rpms.os["redhat-5.7"].repos.len(), 1);
    assert_eq!(rpms.all.pkgs, ["daemon-a"]);

    let m = load("os-build-cmd.yml");
    let debs = m.debs.as_ref().unwrap();
    assert_eq!(debs.all.src_pkgs, ["source-a"]);
    assert!(debs.all.repos.is_empty());
    assert_eq!(
        debs.os["ubuntu-12.04"].build_cmd.as_deref(),
        Some("build/build.sh")
    );
    assert_eq!(m.doc["pips"][0].as_str(), Some("some-pip-package"));
}

#[test]
fn syck_scalars_duplicate_keys_and_cp1252_are_read_with_a_warning() {
    let m = load("unquoted-at.yml");
    assert_eq!(m.barclamp.requires, ["@crowbar", "database"]);
    assert_eq!(m.barclamp.member, ["@openstack"]);
    assert_eq!(m.groups().collect::<Vec<_>>(), ["openstack"]);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.starts_with("line 11:") && w.contains("Syck")),
        "{:?}",
        m.warnings
    );

    // Ruby's YAML keeps the last of a key given twice.
    let m = load("duplicate-key.yml");
    assert_eq!(m.order(), 30);
    assert_eq!(m.debs.as_ref().unwrap().all.pkgs, ["second-list"]);
    assert_eq!(m.doc["crowbar"]["order"].as_i64(), Some(30));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("`crowbar` is given more than once")),
        "{:?}",
        m.warnings
    );

    let m = load("tab-only-line.yml");
    assert_eq!(m.gems.as_ref().unwrap().all.pkgs, ["gem-one"]);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.starts_with("line 14:") && w.contains("tabs")),
        "{:?}",
        m.warnings
    );

    let m = load("cp1252.yml");
    assert_eq!(
        m.barclamp.display.as_deref(),
        Some("Caf\u{e9} \u{201c}quoted\u{201d}")
    );
    assert!(
        m.warnings[0].starts_with("line 6 column 15: byte 0xE9 is not UTF-8"),
        "{:?}",
        m.warnings
    );
}

#[test]
fn packing_twice_keeps_one_git_block() {
    let m = load("packed-git.yml");
    assert_eq!(
        m.git.as_ref().and_then(|g| g.date.as_deref()),
        Some("Mon Feb 13 22:13:15 2012 -0800")
    );
    let git = GitInfo {
        date: Some("Tue Mar 4 05:06:07 2014 +0100".into()),
        commit: Some("fedcba9876543210fedcba9876543210fedcba98".into()),
    };
    let once = m.with_git(&git).unwrap();
    let text = String::from_utf8(once.clone()).unwrap();
    assert_eq!(text.lines().filter(|l| *l == "git:").count(), 1, "{text}");
    assert!(
        text.ends_with(
            "  order: 3\n\ngit:\n  date: Tue Mar 4 05:06:07 2014 +0100\n  commit: fedcba9876543210fedcba9876543210fedcba98\n"
        ),
        "{text}"
    );
    let twice = Manifest::parse_bytes(Path::new("c"), once.clone())
        .unwrap()
        .with_git(&git)
        .unwrap();
    assert_eq!(twice, once);
}
