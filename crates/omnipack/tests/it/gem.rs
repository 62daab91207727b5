//! `omnipack repo index --kind gem` checked by the real consumers: gems
//! built with `gem build`, the index loaded by `ruby` (`Marshal.load`) and
//! compared with `gem generate_index`'s for the same gems, the source served
//! by `omnipack serve` on 127.0.0.1 and installed from by `gem install` and
//! Bundler (through the compact index, including an append-only `versions`
//! fetched by range after a re-index).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use crate::serve::Served;
use crate::support::{omnipack, text};

/// A gem to build: name, version, platform, runtime dependencies.
pub(crate) struct G {
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
    pub(crate) platform: Option<&'static str>,
    pub(crate) deps: &'static [(&'static str, &'static [&'static str])],
    pub(crate) extra: &'static str,
}

const GEMS: &[G] = &[
    G {
        name: "alpha",
        version: "1.0.0",
        platform: None,
        deps: &[],
        extra: "s.required_ruby_version = \">= 2.5\"\n s.license = \"MIT\"\n",
    },
    G {
        name: "alpha",
        version: "1.1.0",
        platform: None,
        deps: &[],
        extra: "s.email = [\"a@example.invalid\", \"b@example.invalid\"]\n",
    },
    G {
        name: "beta",
        version: "2.0.0.pre1",
        platform: None,
        deps: &[("alpha", &["~> 1.0", ">= 1.0.0"])],
        extra: "s.add_development_dependency \"rake\", \">= 0\"\n s.metadata = { \"source_code_uri\" => \"https://example.invalid/beta\" }\n s.homepage = \"https://example.invalid\"\n s.description = \"Beta, prerelease\"\n",
    },
    G {
        name: "delta",
        version: "0.5.0",
        platform: None,
        deps: &[("alpha", &[">= 1.0"])],
        extra: "s.email = \"d@example.invalid\"\n",
    },
    G {
        name: "gamma",
        version: "0.1",
        platform: Some("x86_64-linux"),
        deps: &[("alpha", &[])],
        extra: "",
    },
];

/// An environment for `gem`/`bundle` that touches nothing of the machine's.
pub(crate) fn ruby_env<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    cmd.env("HOME", home)
        .env("GEM_HOME", home.join("gemhome"))
        .env("GEM_SPEC_CACHE", home.join("speccache"))
        .env("BUNDLE_USER_HOME", home.join("bundle-home"))
        .env(
            "SOURCE_DATE_EPOCH",
            omnipack_test_support::EPOCH.to_string(),
        )
        .env_remove("GEM_PATH")
        .env_remove("BUNDLE_GEMFILE")
}

/// Builds `g` with `gem build` into `out`; returns the .gem path.
pub(crate) fn build_gem(work: &Path, g: &G, out: &Path) -> PathBuf {
    let src = work.join(format!("src-{}-{}", g.name, g.version));
    fs::create_dir_all(src.join("lib")).unwrap();
    fs::write(
        src.join("lib").join(format!("{}.rb", g.name)),
        format!("# {} {}\nmodule GemTest; end\n", g.name, g.version),
    )
    .unwrap();
    let mut spec = format!(
        "Gem::Specification.new do |s|\n s.name = {:?}\n s.version = {:?}\n s.summary = \"{} for tests\"\n s.authors = [\"Omnipack Tests\"]\n s.files = [\"lib/{}.rb\"]\n",
        g.name, g.version, g.name, g.name
    );
    if let Some(p) = g.platform {
        spec.push_str(&format!(" s.platform = {p:?}\n"));
    }
    for (dep, reqs) in g.deps {
        let reqs: Vec<String> = reqs.iter().map(|r| format!(", {r:?}")).collect();
        spec.push_str(&format!(" s.add_dependency {dep:?}{}\n", reqs.join("")));
    }
    spec.push(' ');
    spec.push_str(g.extra);
    spec.push_str("end\n");
    fs::write(src.join("g.gemspec"), spec).unwrap();
    run_ok(ruby_env(Command::new("gem").arg("build").arg("g.gemspec"), work).current_dir(&src));
    let file = match g.platform {
        Some(p) => format!("{}-{}-{p}.gem", g.name, g.version),
        None => format!("{}-{}.gem", g.name, g.version),
    };
    fs::create_dir_all(out).unwrap();
    let dest = out.join(&file);
    fs::rename(src.join(&file), &dest).unwrap();
    dest
}

/// A gem source `work/source` with every gem of [`GEMS`] in `gems/`.
fn source(work: &Path) -> PathBuf {
    let root = work.join("source");
    for g in GEMS {
        build_gem(work, g, &root.join("gems"));
    }
    root
}

fn index(root: &Path, cache: &Path) -> Output {
    index_with(root, cache, &[])
}

fn index_with(root: &Path, cache: &Path, extra: &[&str]) -> Output {
    let out = omnipack()
        .args(["repo", "index", "--kind", "gem"])
        .arg(root)
        .args(extra)
        .env("OMNIPACK_CACHE_DIR", cache)
        .output()
        .unwrap();
    let (o, e) = text(&out);
    assert!(out.status.success(), "{o}\n{e}");
    out
}

fn ruby(script: &str, args: &[&Path]) -> String {
    let out = run_ok(Command::new("ruby").arg("-e").arg(script).args(args));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_legacy_index_loads_in_ruby_as_gem_generate_index_writes_it() {
    if !require_tools(&["ruby", "gem"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let ours = source(t.path());
    let reference = t.path().join("reference");
    fs::create_dir_all(&reference).unwrap();
    crate::support::copy_tree(&ours.join("gems"), &reference.join("gems"));
    index(&ours, &t.path().join("cache"));
    run_ok(ruby_env(
        Command::new("gem")
            .args(["generate_index", "--directory"])
            .arg(&reference),
        t.path(),
    ));

    // What RubyGems reads of each list and quick spec, printed the same way
    // for both directories.
    let dump = r##"
        require "rubygems"; require "zlib"
        dir = ARGV[0]
        %w[specs latest_specs prerelease_specs].each do |f|
          list = Marshal.load(Zlib.gunzip(File.binread("#{dir}/#{f}.4.8.gz")))
          puts "#{f}: " + list.map { |n, v, p| [n, v.class, v.to_s, p].join(" ") }.join("; ")
        end
        Dir["#{dir}/quick/Marshal.4.8/*.gemspec.rz"].sort.each do |q|
          s = Marshal.load(Zlib::Inflate.inflate(File.binread(q)))
          puts [File.basename(q), s.class, s.name, s.version, s.platform.to_s, s.original_platform.inspect,
                s.date.inspect, s.summary, s.authors.inspect, s.email.inspect, s.homepage.inspect,
                s.description.inspect, s.licenses.inspect, s.metadata.inspect,
                s.required_ruby_version.to_s, s.required_rubygems_version.to_s, s.rubygems_version,
                s.specification_version,
                s.dependencies.map { |d| "#{d.name} #{d.type} #{d.requirement} #{d.prerelease?}" }.inspect].join(" | ")
        end
    "##;
    let got = ruby(dump, &[&ours]);
    let want = ruby(dump, &[&reference]);
    assert_eq!(got, want);
    assert!(got.contains("specs: alpha Gem::Version 1.0.0 ruby; alpha Gem::Version 1.1.0 ruby; delta Gem::Version 0.5.0 ruby; gamma Gem::Version 0.1 x86_64-linux\n"), "{got}");
    assert!(
        got.contains("prerelease_specs: beta Gem::Version 2.0.0.pre1 ruby\n"),
        "{got}"
    );
    assert!(
        got.contains(
            "gamma-0.1-x86_64-linux.gemspec.rz | Gem::Specification | gamma | 0.1 | x86_64-linux"
        ),
        "{got}"
    );

    // Byte for byte, too: the Marshal streams (before compression).
    for f in ["specs.4.8", "latest_specs.4.8", "prerelease_specs.4.8"] {
        assert_eq!(
            fs::read(ours.join(f)).unwrap(),
            fs::read(reference.join(f)).unwrap(),
            "{f}"
        );
    }
    let inflate =
        "require 'zlib'; print Zlib::Inflate.inflate(File.binread(ARGV[0])).unpack1('H*')";
    for q in fs::read_dir(reference.join("quick/Marshal.4.8")).unwrap() {
        let q = q.unwrap().path();
        let name = q.file_name().unwrap();
        let ours_q = ours.join("quick/Marshal.4.8").join(name);
        assert_eq!(
            ruby(inflate, &[&ours_q]),
            ruby(inflate, &[&q]),
            "{}",
            q.display()
        );
    }
}

#[test]
fn gem_installs_from_the_served_source_and_lists_every_version() {
    if !require_tools(&["ruby", "gem"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let root = source(t.path());
    index(&root, &t.path().join("cache"));
    let info = fs::read_to_string(root.join("info/beta")).unwrap();
    let sha = crate::support::sha256(&root.join("gems/beta-2.0.0.pre1.gem"));
    assert_eq!(
        info,
        format!("---\n2.0.0.pre1 alpha:>= 1.0.0&~> 1.0|checksum:{sha},rubygems:> 1.3.1\n")
    );

    let served = Served::start(&root, &[]);
    let url = served.url.clone();
    let home = t.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let install_dir = t.path().join("installed");
    run_ok(ruby_env(
        Command::new("gem")
            .args([
                "install",
                "--clear-sources",
                "--source",
                &url,
                "--no-document",
                "--install-dir",
            ])
            .arg(&install_dir)
            .arg("delta"),
        &home,
    ));
    for g in ["delta-0.5.0", "alpha-1.1.0"] {
        assert!(
            install_dir.join("gems").join(g).join("lib").is_dir(),
            "{g} not installed"
        );
    }
    // A prerelease and a platform gem, each with its dependency.
    run_ok(ruby_env(
        Command::new("gem")
            .args([
                "install",
                "--clear-sources",
                "--source",
                &url,
                "--no-document",
                "--pre",
                "--install-dir",
            ])
            .arg(&install_dir)
            .args(["beta", "gamma"]),
        &home,
    ));
    for g in ["beta-2.0.0.pre1", "gamma-0.1-x86_64-linux"] {
        assert!(
            install_dir.join("gems").join(g).is_dir(),
            "{g} not installed"
        );
    }
    // RubyGems took the compact index (it probes the root, then info/NAME).
    let log = served.stderr();
    assert!(log.contains("\"HEAD /\" 200"), "{log}");
    assert!(log.contains("\"GET /info/delta\" 200"), "{log}");

    let list = run_ok(ruby_env(
        Command::new("gem").args([
            "list",
            "--remote",
            "--all",
            "--clear-sources",
            "--source",
            &url,
        ]),
        &home,
    ));
    let list = String::from_utf8_lossy(&list.stdout);
    for line in [
        "alpha (1.1.0, 1.0.0)",
        "delta (0.5.0)",
        "gamma (0.1 x86_64-linux)",
    ] {
        assert!(list.lines().any(|l| l == line), "{line} not in:\n{list}");
    }
    let pre = run_ok(ruby_env(
        Command::new("gem").args([
            "list",
            "--remote",
            "--prerelease",
            "--clear-sources",
            "--source",
            &url,
        ]),
        &home,
    ));
    let pre = String::from_utf8_lossy(&pre.stdout);
    assert!(pre.lines().any(|l| l == "beta (2.0.0.pre1)"), "{pre}");
}

#[test]
fn bundler_resolves_through_the_compact_index_and_appends_to_versions() {
    if !require_tools(&["ruby", "gem", "bundle"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let root = source(t.path());
    let cache = t.path().join("cache");
    index(&root, &cache);
    let served = Served::start(&root, &[]);
    let home = t.path().join("home");
    let app = t.path().join("app");
    fs::create_dir_all(&app).unwrap();
    fs::write(
        app.join("Gemfile"),
        format!(
            "source {:?}\ngem \"delta\"\ngem \"alpha\", \">= 1.0\"\n",
            served.url
        ),
    )
    .unwrap();
    let bundle = |args: &[&str]| {
        let out = ruby_env(Command::new("bundle").args(args), &home)
            .current_dir(&app)
            .env("BUNDLE_PATH", app.join("vendor"))
            .env("BUNDLE_GEMFILE", app.join("Gemfile"))
            .output()
            .unwrap();
        let (o, e) = text(&out);
        assert!(
            out.status.success(),
            "bundle {args:?}:\n{o}\n{e}\nserver:\n{}",
            served.stderr()
        );
        o
    };
    bundle(&["install"]);
    let lock = fs::read_to_string(app.join("Gemfile.lock")).unwrap();
    assert!(
        lock.contains("    delta (0.5.0)\n      alpha (>= 1.0)\n"),
        "{lock}"
    );
    assert!(lock.contains("    alpha (1.1.0)\n"), "{lock}");
    let log = served.stderr();
    assert!(log.contains("\"GET /versions\" 200"), "{log}");
    assert!(log.contains("\"GET /info/delta\" 200"), "{log}");
    assert!(
        !log.contains("specs.4.8"),
        "Bundler fell back to the legacy index:\n{log}"
    );

    // A new version, re-indexed: versions grows by one line, which Bundler
    // fetches with a range request and checks against the MD5 ETag.
    let before = fs::read_to_string(root.join("versions")).unwrap();
    build_gem(
        t.path(),
        &G {
            name: "alpha",
            version: "1.2.0",
            platform: None,
            deps: &[],
            extra: "",
        },
        &root.join("gems"),
    );
    let out = index(&root, &cache);
    assert!(
        text(&out).1.contains("(1 read, 5 cached"),
        "{}",
        text(&out).1
    );
    let after = fs::read_to_string(root.join("versions")).unwrap();
    assert!(
        after.starts_with(&before),
        "versions was rewritten, not appended to"
    );
    let md5 = omnipack_gem::compact::md5_hex(&fs::read(root.join("info/alpha")).unwrap());
    assert_eq!(&after[before.len()..], format!("alpha 1.2.0 {md5}\n"));

    bundle(&["update", "alpha"]);
    let lock = fs::read_to_string(app.join("Gemfile.lock")).unwrap();
    assert!(lock.contains("    alpha (1.2.0)\n"), "{lock}");
    let log = served.stderr();
    assert!(
        log.contains("\"GET /versions\" 206"),
        "no range request for versions:\n{log}"
    );
    assert!(!log.contains("specs.4.8"), "{log}");
    assert!(app.join("vendor/ruby").is_dir());
}

#[test]
fn reindexing_reads_only_new_gems_and_reports_a_corrupt_one_by_path() {
    if !require_tools(&["ruby", "gem"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let root = source(t.path());
    let cache = t.path().join("cache");
    let first = index(&root, &cache);
    assert!(
        text(&first).1.contains("5 gems (5 read, 0 cached"),
        "{}",
        text(&first).1
    );
    let versions = fs::read(root.join("versions")).unwrap();
    let quick = root.join("quick/Marshal.4.8/alpha-1.0.0.gemspec.rz");
    let quick_mtime = fs::metadata(&quick).unwrap().modified().unwrap();

    // Unchanged: nothing is read and nothing is rewritten.
    let again = index(&root, &cache);
    assert!(
        text(&again)
            .1
            .contains("5 gems (0 read, 5 cached, 0 files written"),
        "{}",
        text(&again).1
    );
    assert_eq!(fs::read(root.join("versions")).unwrap(), versions);

    // A corrupt gem and a gem under the wrong name: both reported by path,
    // the rest (with one new gem) indexed.
    fs::write(
        root.join("gems/broken-1.0.gem"),
        b"this is not a tar archive at all",
    )
    .unwrap();
    build_gem(
        t.path(),
        &G {
            name: "epsilon",
            version: "3.0",
            platform: None,
            deps: &[],
            extra: "",
        },
        &root.join("gems"),
    );
    fs::copy(
        root.join("gems/delta-0.5.0.gem"),
        root.join("gems/renamed-9.gem"),
    )
    .unwrap();
    // Gems left out make the command fail (after writing the rest) unless
    // --allow-problems.
    let out = index_with(&root, &cache, &["--allow-problems"]);
    let (_, err) = text(&out);
    assert!(
        err.contains(&format!("`{}`", root.join("gems/broken-1.0.gem").display())),
        "{err}"
    );
    assert!(err.contains("not a gem"), "{err}");
    assert!(
        err.contains("renamed-9.gem`: holds gem delta-0.5.0"),
        "{err}"
    );
    assert!(err.contains("6 gems (3 read, 5 cached"), "{err}");
    assert_eq!(
        fs::metadata(&quick).unwrap().modified().unwrap(),
        quick_mtime
    );
    let failing = omnipack()
        .args(["repo", "index", "--kind", "gem"])
        .arg(&root)
        .env("OMNIPACK_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(1), "{:?}", text(&failing));
    assert!(
        text(&failing).1.contains("--allow-problems"),
        "{:?}",
        text(&failing)
    );
    let names = fs::read_to_string(root.join("names")).unwrap();
    assert_eq!(names, "---\nalpha\nbeta\ndelta\nepsilon\ngamma\n");
    let now = fs::read(root.join("versions")).unwrap();
    assert!(now.starts_with(&versions));
    assert!(
        root.join("quick/Marshal.4.8/epsilon-3.0.gemspec.rz")
            .is_file()
    );
    // No temporary file is left behind.
    let hidden: Vec<_> = omnipack_test_support::clients::entries_under(&root)
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");

    // A gem removed: its quick spec goes, versions says so, ruby agrees.
    fs::remove_file(root.join("gems/epsilon-3.0.gem")).unwrap();
    index_with(&root, &cache, &["--allow-problems"]);
    assert!(
        !root
            .join("quick/Marshal.4.8/epsilon-3.0.gemspec.rz")
            .exists()
    );
    let v = fs::read_to_string(root.join("versions")).unwrap();
    assert!(
        v.lines().last().unwrap().starts_with("epsilon -3.0 "),
        "{v}"
    );
    let specs = ruby(
        "require 'rubygems'; require 'zlib'; print Marshal.load(Zlib.gunzip(File.binread(ARGV[0]))).map(&:first).uniq.join(',')",
        &[&root.join("specs.4.8.gz")],
    );
    assert_eq!(specs, "alpha,delta,gamma");
}

#[test]
fn auto_finds_a_gem_source_and_kind_gem_needs_a_gems_directory() {
    let t = tempfile::tempdir().unwrap();
    let out = omnipack()
        .args(["repo", "index", "--kind", "gem"])
        .arg(t.path())
        .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("gems/"), "{}", text(&out).1);

    if !require_tools(&["ruby", "gem"]) {
        return;
    }
    let site = t.path().join("site");
    build_gem(t.path(), &GEMS[0], &site.join("gemsite/gems"));
    let out = omnipack()
        .args(["repo", "index"])
        .arg(&site)
        .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        text(&out).0.trim(),
        site.join("gemsite/versions").display().to_string()
    );
    assert_eq!(
        fs::read_to_string(site.join("gemsite/names")).unwrap(),
        "---\nalpha\n"
    );
}
