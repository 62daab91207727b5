//! The command line's conventions (issue 22): every missing field in one
//! error and the maintainer taken as dch takes it, exit codes (2 for any bad
//! value, 3 for differences found), `--listen PORT`, missing paths said
//! plainly, `init`, shell completions and man pages, `-v/--verbose`.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use fs_err as fs;
use omnipack_test_support::{require_tools, run_ok};

use crate::support::{copy_tree, omnipack, repo_root, text};

/// `omnipack ARGS` in `dir` with no maintainer in the environment or in
/// git's configuration (unless `env` gives one): `exit N` and its stderr,
/// temporary paths redacted, for a snapshot.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = omnipack();
    c.args(args).current_dir(dir);
    isolate(&mut c, dir);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let d = dir.to_string_lossy();
    let err: String = text(&o)
        .1
        .replace(d.as_ref(), "[TEMP]")
        .lines()
        .map(|l| match (l.rfind(" ("), l.ends_with(" bytes)")) {
            (Some(i), true) => format!("{} ([SIZE] bytes)\n", &l[..i]),
            _ => format!("{l}\n"),
        })
        .collect();
    format!(
        "$ omnipack {}\nexit {}\n{err}",
        args.join(" "),
        o.status.code().unwrap_or(-1),
    )
}

/// No maintainer from this machine: neither the variables dch reads nor the
/// user's or system's git configuration.
fn isolate(c: &mut Command, dir: &Path) {
    for k in ["DEBFULLNAME", "DEBEMAIL", "NAME", "EMAIL"] {
        c.env_remove(k);
    }
    c.env("GIT_CONFIG_GLOBAL", dir.join(".no-gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir));
}

// Guards the one-error-for-all-missing-fields rule, the maintainer's
// defaults (each said on a `note:` line) and plain "does not exist" errors.
#[test]
fn missing_fields_maintainer_defaults_and_missing_paths() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::create_dir_all(d.join("stage/opt/hi")).unwrap();
    fs::write(d.join("stage/opt/hi/f"), "f").unwrap();
    let gitconfig = d.join("gitconfig");
    fs::write(
        &gitconfig,
        "[user]\n\tname = Git User\n\temail = git@example.org\n",
    )
    .unwrap();
    let cases = [
        run_in(d, &["package", "--from-dir", "stage", "--out", "out"], &[]),
        run_in(
            d,
            &[
                "package",
                "--from-dir",
                "stage",
                "-n",
                "hi",
                "-v",
                "1.0",
                "--out",
                "out",
            ],
            &[],
        ),
        run_in(
            d,
            &[
                "package",
                "--from-dir",
                "stage",
                "-n",
                "hi",
                "-v",
                "1.0",
                "--summary",
                "Hi",
                "-f",
                "deb",
                "-a",
                "all",
                "--out",
                "out",
            ],
            &[
                ("DEBFULLNAME", "Jane Doe"),
                ("DEBEMAIL", "jane@example.org"),
            ],
        ),
        run_in(
            d,
            &[
                "package",
                "--from-dir",
                "stage",
                "-n",
                "hi",
                "-v",
                "1.1",
                "--summary",
                "Hi",
                "-f",
                "deb",
                "-a",
                "all",
                "--out",
                "out",
            ],
            &[("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap())],
        ),
        run_in(d, &["inspect", "nope.deb"], &[]),
        run_in(
            d,
            &[
                "package",
                "--from-dir",
                "nope",
                "-n",
                "hi",
                "-v",
                "1",
                "--summary",
                "s",
                "-m",
                "M <m@example.org>",
                "--out",
                "out",
            ],
            &[],
        ),
        run_in(d, &["repo", "index", "nope"], &[]),
    ];
    insta::assert_snapshot!("cli_errors", cases.join("\n"));
    if require_tools(&["dpkg-deb"]) {
        for (version, maintainer) in [
            ("1.0", "Jane Doe <jane@example.org>"),
            ("1.1", "Git User <git@example.org>"),
        ] {
            let o = run_ok(
                Command::new("dpkg-deb")
                    .arg("--field")
                    .arg(d.join(format!("out/hi_{version}-1_all.deb")))
                    .arg("Maintainer"),
            );
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), maintainer);
        }
    }
}

/// `omnipack ARGS`' exit code and stderr.
fn code(args: &[&str]) -> (i32, String) {
    let o = omnipack().args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), text(&o).1)
}

#[test]
fn every_bad_value_exits_2() {
    let t = tempfile::tempdir().unwrap();
    let stage = t.path().to_str().unwrap();
    let base = ["package", "--from-dir", stage, "-n", "x", "-v", "1"];
    for (extra, needle) in [
        (
            &["--deb-compression", "lz4"][..],
            "invalid compression `lz4`",
        ),
        (&["--rpm-compression", "xz:99x"][..], "invalid compression"),
        (&["-a", "amd46"][..], "unknown architecture `amd46`"),
        (&["-f", "debb"][..], "debb"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let (c, err) = code(&args);
        assert_eq!(c, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let project = t.path().join("greet");
    copy_tree(&repo_root().join("examples/greet"), &project);
    let (c, err) = code(&["build", project.to_str().unwrap(), "-d", "debian-99"]);
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("unknown distribution `debian-99`"), "{err}");
    let (c, err) = code(&["build", project.to_str().unwrap(), "--installer", "poetry"]);
    assert_eq!(c, 2, "{err}");
    assert!(
        err.contains("invalid value 'poetry' for '--installer <INSTALLER>'")
            && err.contains("[possible values: pip, uv]"),
        "{err}"
    );
    let (c, err) = code(&[
        "release-package",
        "-d",
        "debian-99",
        "--base-url",
        "http://x/",
    ]);
    assert_eq!(c, 2, "{err}");
}

/// Starts `omnipack serve ROOT --listen LISTEN` and gives its URL line.
fn serve_url(root: &Path, listen: &str) -> String {
    let mut child = omnipack()
        .arg("serve")
        .arg(root)
        .args(["--listen", listen, "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    line.trim_end().to_owned()
}

#[test]
fn listen_takes_a_port_alone_and_host_names_and_a_busy_port_says_so() {
    let t = tempfile::tempdir().unwrap();
    let url = serve_url(t.path(), "0");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let url = serve_url(t.path(), "localhost:0");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (c, err) = code(&["serve", t.path().to_str().unwrap(), "--listen", &port]);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    assert!(
        err.contains(&format!("hint: port {port} is in use by another program"))
            && err.contains("--listen 127.0.0.1:0"),
        "{err}"
    );
    let (c, err) = code(&[
        "serve",
        t.path().to_str().unwrap(),
        "--listen",
        "localhost:http-alt",
    ]);
    assert_eq!(c, 2, "{err}");
}

#[test]
fn init_writes_a_manifest_that_builds_a_python_project() {
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("greet");
    copy_tree(&repo_root().join("examples/greet"), &project);
    // The example without its manifest, as a user's Python project.
    fs::remove_file(project.join("omnipack.toml")).unwrap();
    fs::remove_dir_all(project.join("packaging")).unwrap();
    let init = |dir: &Path| {
        let mut c = omnipack();
        c.arg("init").current_dir(dir);
        isolate(&mut c, t.path());
        c.env("DEBFULLNAME", "Jane Doe")
            .env("DEBEMAIL", "jane@example.org")
            .output()
            .unwrap()
    };
    let o = init(&project);
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(text(&o).0.trim(), "./omnipack.toml");
    let manifest = fs::read_to_string(project.join("omnipack.toml")).unwrap();
    insta::assert_snapshot!("init_python", manifest);

    // Never overwritten.
    let o = init(&project);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(err.contains("`./omnipack.toml` already exists"), "{err}");
    assert_eq!(
        fs::read_to_string(project.join("omnipack.toml")).unwrap(),
        manifest
    );

    if !require_tools(&["dpkg-deb", "unshare", "/usr/bin/python3"]) {
        return;
    }
    let o = omnipack()
        .arg("build")
        .arg(&project)
        .args(["-d", "debian-12", "--quiet", "--out"])
        .arg(t.path().join("out"))
        .env("TMPDIR", t.path())
        .env("OMNIPACK_CACHE_DIR", t.path().join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let written: Vec<String> = text(&o)
        .0
        .lines()
        .map(|l| {
            Path::new(l)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        written,
        [
            "greet-python_1.0.0-1_amd64.deb",
            "greet-cli_1.0.0-1_all.deb"
        ]
    );
    let contents = run_ok(
        Command::new("dpkg-deb")
            .arg("--contents")
            .arg(t.path().join("out/debian-12/greet-cli_1.0.0-1_all.deb")),
    );
    let contents = String::from_utf8_lossy(&contents.stdout);
    assert!(
        contents.contains("./usr/bin/greet -> /opt/greet/bin/greet"),
        "{contents}"
    );
}

#[test]
fn init_detects_a_rust_project_and_anything_else() {
    let t = tempfile::tempdir().unwrap();
    let rust = t.path().join("hello-rs");
    fs::create_dir_all(rust.join("src/bin")).unwrap();
    fs::write(
        rust.join("Cargo.toml"),
        "[package]\nname = \"hello-rs\"\nversion = \"0.3.1\"\nedition = \"2021\"\ndescription = \"Says hello\"\nlicense = \"MIT OR Apache-2.0\"\n",
    )
    .unwrap();
    fs::write(rust.join("src/main.rs"), "fn main() {}\n").unwrap();
    fs::write(rust.join("src/bin/helper.rs"), "fn main() {}\n").unwrap();
    let other = t.path().join("Other_Thing");
    fs::create_dir_all(&other).unwrap();
    for (dir, snapshot) in [(&rust, "init_rust"), (&other, "init_other")] {
        let mut c = omnipack();
        c.arg("init").arg("--dir").arg(dir);
        isolate(&mut c, t.path());
        c.env("NAME", "Jo").env("EMAIL", "jo@example.org");
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", text(&o).1);
        let manifest = fs::read_to_string(dir.join("omnipack.toml")).unwrap();
        insta::assert_snapshot!(snapshot, manifest);
        // The manifest loads and validates.
        let o = omnipack()
            .args(["distributions", "--json", "--project"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{snapshot}: {}", text(&o).1);
    }
    let o = omnipack().args(["version"]).arg(&rust).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(text(&o).0.contains("0.3.1"), "{}", text(&o).0);
}

#[test]
fn completions_load_in_their_shells() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = omnipack().args(["completions", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}: {}", text(&o).1);
        assert!(text(&o).0.contains("omnipack"), "{shell}");
        let check = |sh: &str| {
            let t = tempfile::tempdir().unwrap();
            let f = t.path().join("completion");
            fs::write(&f, &o.stdout).unwrap();
            run_ok(Command::new(sh).arg("-n").arg(&f));
        };
        match shell {
            "bash" => check("bash"),
            "zsh" if require_tools(&["zsh"]) => check("zsh"),
            _ => {}
        }
    }
    let (c, _) = code(&["completions", "tcsh"]);
    assert_eq!(c, 2);
}

#[test]
fn man_pages_render_for_every_command() {
    let t = tempfile::tempdir().unwrap();
    let o = omnipack()
        .args(["man", "--quiet", "--out"])
        .arg(t.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let pages: Vec<String> = text(&o)
        .0
        .lines()
        .map(|l| {
            Path::new(l)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for want in [
        "omnipack.1",
        "omnipack-init.1",
        "omnipack-package.1",
        "omnipack-repo.1",
        "omnipack-repo-add.1",
        "omnipack-bundle-install.1",
        "omnipack-completions.1",
    ] {
        assert!(pages.iter().any(|p| p == want), "{want} not in {pages:?}");
    }
    assert!(!pages.iter().any(|p| p.contains("help")), "{pages:?}");
    if !require_tools(&["man"]) {
        return;
    }
    for page in &pages {
        let o = Command::new("man")
            .args(["-l", "-Tutf8"])
            .arg(t.path().join(page))
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(o.status.success(), "{page}: {}", text(&o).1);
        assert!(
            text(&o).1.trim().is_empty(),
            "{page} has warnings: {}",
            text(&o).1
        );
    }
    let o = Command::new("man")
        .arg("-l")
        .arg(t.path().join("omnipack-repo-add.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.contains("omnipack-repo-add") && page.contains("--channel"),
        "{page}"
    );
}

#[test]
fn verbose_is_global_and_package_keeps_v_for_its_version() {
    for args in [
        &["-v", "distributions", "--json"][..],
        &["distributions", "-vv", "--json"][..],
        &["--verbose", "version", "--help"][..],
        &["package", "--verbose", "--help"][..],
        &["bundle", "install", "-v", "--help"][..],
    ] {
        let (c, err) = code(args);
        assert_eq!(c, 0, "{args:?}: {err}");
    }
    let o = omnipack().args(["package", "--help"]).output().unwrap();
    let help = text(&o).0;
    assert!(help.contains("-v, --version <VERSION>"), "{help}");
    assert!(help.contains("    --verbose"), "{help}");
}

/// Flips one byte `back` bytes before the end of `p` (inside the payload).
fn damage(p: &Path, back: u64) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(p)
        .unwrap();
    let at = f.metadata().unwrap().len() - back;
    let mut b = [0u8; 1];
    f.seek(SeekFrom::Start(at)).unwrap();
    f.read_exact(&mut b).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[b[0] ^ 0x55]).unwrap();
}

/// Issue 22: `inspect` of an RPM whose payload was damaged exited 0 and
/// `sign` signed it. `inspect --verify` checks what `rpm -K --nosignature`
/// checks (and a .deb's members and md5sums, as dpkg and debsums would),
/// agreeing with rpm and dpkg-deb on good and damaged files; `sign` refuses
/// a damaged RPM and leaves it unchanged.
#[test]
fn inspect_verify_and_sign_refuse_a_damaged_package() {
    if !require_tools(&["rpm", "dpkg-deb"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::create_dir_all(d.join("stage/opt/hi")).unwrap();
    // Incompressible, so a late byte falls in the compressed file data.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let blob: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    fs::write(d.join("stage/opt/hi/blob"), &blob).unwrap();
    let o = omnipack()
        .args([
            "package",
            "--from-dir",
            "stage",
            "-n",
            "hi",
            "-v",
            "1.0",
            "--summary",
            "Hi",
        ])
        .args(["-m", "M <m@example.org>", "-a", "all", "--out", "out", "-q"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let rpm = d.join("out/hi-1.0-1.noarch.rpm");
    let deb = d.join("out/hi_1.0-1_all.deb");
    for p in [&rpm, &deb] {
        let o = omnipack()
            .args(["inspect", "--verify", "--json"])
            .arg(p)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o).1);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            !v["verified"]["checked"].as_array().unwrap().is_empty(),
            "{v}"
        );
    }
    run_ok(Command::new("rpm").args(["-K", "--nosignature"]).arg(&rpm));

    let bad_rpm = d.join("bad.rpm");
    fs::copy(&rpm, &bad_rpm).unwrap();
    damage(&bad_rpm, 5000);
    let o = Command::new("rpm")
        .args(["-K", "--nosignature"])
        .arg(&bad_rpm)
        .output()
        .unwrap();
    assert!(!o.status.success(), "rpm -K passes the damaged file");
    let o = omnipack().args(["inspect"]).arg(&bad_rpm).output().unwrap();
    assert!(o.status.success(), "plain inspect reads the headers only");
    let o = omnipack()
        .args(["inspect", "--verify"])
        .arg(&bad_rpm)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("payload SHA256 digest does not match"),
        "{}",
        text(&o).1
    );

    let keys = d.join("keys");
    let o = omnipack()
        .args([
            "key",
            "generate",
            "--name",
            "T <t@example.org>",
            "-q",
            "--out",
        ])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let before = fs::read(&bad_rpm).unwrap();
    let o = omnipack()
        .arg("sign")
        .arg("--key")
        .arg(keys.join("repo-key.secret.asc"))
        .arg(&rpm)
        .arg(&bad_rpm)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(
        err.contains("nothing was signed") && err.contains("bad.rpm"),
        "{err}"
    );
    assert_eq!(fs::read(&bad_rpm).unwrap(), before);

    let bad_deb = d.join("bad.deb");
    fs::copy(&deb, &bad_deb).unwrap();
    damage(&bad_deb, 3000);
    let o = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&bad_deb)
        .arg(d.join("x"))
        .output()
        .unwrap();
    assert!(!o.status.success(), "dpkg-deb unpacks the damaged file");
    let o = omnipack()
        .args(["inspect", "--verify"])
        .arg(&bad_deb)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    assert!(
        text(&o).1.contains("damaged .deb (data.tar"),
        "{}",
        text(&o).1
    );
}

/// Issue 22: an invalid `[[package]] name` or a missing `[[package.files]]
/// src` failed only after staging and named neither the field nor the
/// package. Every package is checked for every distribution first: the
/// error names the manifest, the line, the package and the distribution,
/// and nothing was staged.
#[test]
fn the_manifest_is_checked_before_anything_is_staged() {
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("greet");
    copy_tree(&repo_root().join("examples/greet"), &project);
    let manifest = project.join("omnipack.toml");
    let good = fs::read_to_string(&manifest).unwrap();
    for (from, to, needles) in [
        (
            "name = \"greet-cli\"",
            "name = \"Greet CLI\"",
            &[
                "[[package]] `Greet CLI` for debian-12",
                "invalid name `Greet CLI`",
            ][..],
        ),
        (
            "src = \"packaging/greet.1.gz\"",
            "src = \"packaging/nope.1.gz\"",
            &[
                "[[package]] `greet-cli` for debian-12",
                "nope.1.gz` does not exist",
            ][..],
        ),
    ] {
        assert!(good.contains(from), "{from}");
        fs::write(&manifest, good.replace(from, to)).unwrap();
        let o = omnipack()
            .arg("build")
            .arg(&project)
            .args(["-d", "debian-12", "-d", "rocky-9", "--out"])
            .arg(t.path().join("out"))
            .output()
            .unwrap();
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(1), "{err}");
        let line = good
            .lines()
            .position(|l| l == "name = \"greet-cli\"")
            .unwrap()
            + 1;
        assert!(
            err.contains(&format!("omnipack.toml` line {line}: ")),
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{n} not in {err}");
        }
        assert!(!err.contains("staged"), "it staged first: {err}");
        assert!(!t.path().join("out").exists());
    }
}

/// The subcommands `omnipack ARGS --help` lists (its `Commands:` section).
fn subcommands(args: &[&str]) -> Vec<String> {
    let o = omnipack().args(args).arg("--help").output().unwrap();
    let out = text(&o).0;
    out.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// Issue 22: every command's `--help` ends with examples.
#[test]
fn every_command_has_examples_in_its_help() {
    let mut leaves: Vec<Vec<String>> = Vec::new();
    for c in subcommands(&[]) {
        let subs = subcommands(&[c.as_str()]);
        if subs.is_empty() {
            leaves.push(vec![c]);
        } else {
            leaves.extend(subs.into_iter().map(|s| vec![c.clone(), s]));
        }
    }
    assert!(leaves.len() > 25, "{leaves:?}");
    let missing: Vec<String> = leaves
        .iter()
        .filter(|args| {
            let o = omnipack().args(args.iter()).arg("--help").output().unwrap();
            !text(&o).0.contains("\nExamples:\n")
        })
        .map(|a| a.join(" "))
        .collect();
    assert!(missing.is_empty(), "no examples in --help: {missing:?}");
}

/// Issue 22: the `--help` of `omnipack` and of every command and
/// subcommand, as insta snapshots (`snapshots/it__cli__help_*.snap`), so
/// a change of any help text is seen in review. The width is fixed
/// (`COLUMNS=100`); a path in the home directory reads `[HOME]/…`.
#[test]
fn help_of_every_command() {
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    for c in subcommands(&[]) {
        commands.push(vec![c.clone()]);
        for s in subcommands(&[c.as_str()]) {
            commands.push(vec![c.clone(), s]);
        }
    }
    assert!(commands.len() > 30, "{commands:?}");
    let home = std::env::var("HOME").unwrap_or_default();
    for args in &commands {
        let o = omnipack()
            .args(args)
            .arg("--help")
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        let (stdout, stderr) = text(&o);
        assert!(o.status.success(), "{args:?}: {stderr}");
        let mut help = stdout;
        if !home.is_empty() && home != "/" {
            help = help.replace(&format!("{home}/"), "[HOME]/");
        }
        let name = if args.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{}", args.join("_").replace('-', "_"))
        };
        insta::assert_snapshot!(name, help);
    }
}
