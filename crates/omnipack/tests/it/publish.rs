//! `omnipack publish` end to end against real stores and real clients: a
//! directory, s3s-fs and a three-node Garage cluster; `apt-get update` /
//! `apt-get download` and `dnf repoquery` / `dnf install --downloadonly` /
//! `dnf makecache` with private configurations read the result.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fs_err as fs;
use omnipack_test_support::s3::{Garage, S3sFs, aws_env};
use omnipack_test_support::{require_tools, run_ok};
use serde_json::Value;

use crate::support::make_package;
use crate::support::{copy_tree, omnipack, text};

/// A signed flat repository with .deb and .rpm packages, and its keys.
struct Repo {
    dir: PathBuf,
    keys: PathBuf,
    cache: PathBuf,
}

impl Repo {
    fn new(root: &Path, packages: &[&str]) -> Repo {
        let dir = root.join("repo");
        let keys = root.join("keys");
        fs::create_dir_all(&dir).unwrap();
        let o = omnipack()
            .args([
                "key",
                "generate",
                "--name",
                "Publish Tests <p@example.org>",
                "--out",
            ])
            .arg(&keys)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o).1);
        let r = Repo {
            dir,
            keys,
            cache: root.join("index-cache"),
        };
        for p in packages {
            r.add(p);
        }
        r
    }

    /// Adds `name` 1.0 as .deb and .rpm and re-indexes (signed).
    fn add(&self, name: &str) {
        make_package(&self.dir, name, "1.0", "all");
        self.index();
    }

    fn index(&self) {
        let o = omnipack()
            .args(["repo", "index", "--quiet"])
            .arg(&self.dir)
            .arg("--sign-key")
            .arg(self.keys.join("repo-key.secret.asc"))
            .env("OMNIPACK_CACHE_DIR", &self.cache)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o).1);
    }

    fn keyring(&self) -> PathBuf {
        self.keys.join("repo-key.gpg")
    }

    fn public_key(&self) -> PathBuf {
        self.keys.join("repo-key.public.asc")
    }
}

/// Runs `omnipack publish REPO DEST EXTRA...` with the test S3 keys and `env`.
fn publish(repo: &Path, dest: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = omnipack();
    aws_env(&mut c);
    c.args(["publish", "--json", "--grace", "0"])
        .arg(repo)
        .arg(dest)
        .args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// Publishes and returns the JSON report, panicking on failure.
fn publish_ok(repo: &Path, dest: &str, extra: &[&str]) -> Value {
    let o = publish(repo, dest, extra, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "publish failed:\n{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn s3_args(endpoint: &str, region: &str) -> Vec<String> {
    vec![
        "--endpoint".into(),
        endpoint.into(),
        "--region".into(),
        region.into(),
        "--path-style".into(),
    ]
}

// ------------------------------------------------------------------ clients

/// How a client reaches the published repository.
#[derive(Clone)]
struct Source {
    /// `file:///…` or `http://…`.
    url: String,
    /// An HTTP proxy to send requests through (Garage's website port).
    proxy: Option<String>,
}

impl Source {
    fn file(dir: &Path) -> Source {
        Source {
            url: format!("file://{}", dir.display()),
            proxy: None,
        }
    }
}

fn report(out: &Output) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `apt-get ARGS` with a private configuration under `state` reading `src`.
fn apt(state: &Path, src: &Source, keyring: &Path, args: &[&str], cwd: &Path) -> Output {
    for d in ["lists/partial", "cache/archives/partial", "etc"] {
        fs::create_dir_all(state.join(d)).unwrap();
    }
    if !state.join("status").exists() {
        fs::write(state.join("status"), b"").unwrap();
    }
    fs::write(
        state.join("etc/sources.list"),
        format!("deb [signed-by={}] {} /\n", keyring.display(), src.url),
    )
    .unwrap();
    let mut c = crate::support::apt_private("apt-get", state, &state.join("etc/sources.list"));
    c.args(["-o", "Acquire::Retries=0"]);
    if let Some(p) = &src.proxy {
        c.arg("-o").arg(format!("Acquire::http::Proxy={p}"));
    }
    c.args(args).current_dir(cwd).output().unwrap()
}

/// `apt-get update` succeeds without warnings and `apt-get download` fetches
/// every name in `names` (byte-identical to the repository's .deb).
fn apt_reads(t: &Path, src: &Source, repo: &Repo, names: &[&str]) {
    let state = tempfile::tempdir_in(t).unwrap();
    let out = apt(state.path(), src, &repo.keyring(), &["update"], t);
    let all = report(&out);
    assert!(out.status.success(), "apt-get update failed:\n{all}");
    assert!(
        !all.contains("W:") && !all.contains("E:"),
        "apt warned:\n{all}"
    );
    if names.is_empty() {
        return;
    }
    let dl = state.path().join("dl");
    fs::create_dir_all(&dl).unwrap();
    let out = apt(
        state.path(),
        src,
        &repo.keyring(),
        &[&["download"], names].concat(),
        &dl,
    );
    assert!(
        out.status.success(),
        "apt-get download failed:\n{}",
        report(&out)
    );
    for n in names {
        let file = format!("{n}_1.0-1_all.deb");
        assert_eq!(
            fs::read(dl.join(&file)).unwrap(),
            fs::read(repo.dir.join(&file)).unwrap(),
            "{file}"
        );
    }
}

/// dnf with a private configuration and a fresh cache under `state`.
fn dnf(state: &Path, src: &Source, repo: &Repo, repo_gpgcheck: bool, args: &[&str]) -> Output {
    let mut c = omnipack_test_support::clients::dnf_private(state, &src.url);
    c.arg("-q")
        .arg(format!(
            "--setopt=t.repo_gpgcheck={}",
            u8::from(repo_gpgcheck)
        ))
        .arg(format!(
            "--setopt=t.gpgkey=file://{}",
            repo.public_key().display()
        ))
        .arg("--setopt=t.gpgcheck=0");
    if let Some(p) = &src.proxy {
        c.arg(format!("--setopt=t.proxy={p}"));
    }
    c.args(args).output().unwrap()
}

/// `dnf repoquery` lists exactly `names`; `install --downloadonly` fetches the first.
fn dnf_reads(t: &Path, src: &Source, repo: &Repo, names: &[&str]) {
    let state = tempfile::tempdir_in(t).unwrap();
    let out = dnf(
        state.path(),
        src,
        repo,
        true,
        &["repoquery", "--qf", "%{name}"],
    );
    assert!(
        out.status.success(),
        "dnf repoquery failed:\n{}",
        report(&out)
    );
    let mut listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    listed.sort();
    assert_eq!(listed, names);
    let dl = state.path().join("dl");
    let out = dnf(
        state.path(),
        src,
        repo,
        true,
        &[
            "install",
            "--downloadonly",
            &format!("--downloaddir={}", dl.display()),
            names[0],
        ],
    );
    assert!(
        out.status.success(),
        "dnf install --downloadonly failed:\n{}",
        report(&out)
    );
    assert!(dl.join(format!("{}-1.0-1.noarch.rpm", names[0])).is_file());
}

/// `apt-get update` and `dnf makecache` (repo_gpgcheck as given) succeed.
fn clients_update(t: &Path, src: &Source, repo: &Repo, repo_gpgcheck: bool) -> Result<(), String> {
    let state = tempfile::tempdir_in(t).unwrap();
    let out = apt(state.path(), src, &repo.keyring(), &["update"], t);
    let all = report(&out);
    if !out.status.success() || all.contains("W:") || all.contains("E:") {
        return Err(format!("apt-get update:\n{all}"));
    }
    let out = dnf(state.path(), src, repo, repo_gpgcheck, &["makecache"]);
    if !out.status.success() {
        return Err(format!("dnf makecache:\n{}", report(&out)));
    }
    Ok(())
}

fn tools() -> bool {
    require_tools(&["apt-get", "gpgv", "dnf"])
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = omnipack_test_support::clients::files_under(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Modification times of every file under `dir` (to see that nothing was rewritten).
fn mtimes(dir: &Path) -> Vec<(String, std::time::SystemTime)> {
    files_under(dir)
        .into_iter()
        .map(|f| {
            let m = fs::metadata(dir.join(&f)).unwrap().modified().unwrap();
            (f, m)
        })
        .collect()
}

/// Starts a publish that pauses after every write, and returns once it
/// holds the lock (it says so on stderr).
fn start_slow_publish(repo: &Path, dest: &str, extra: &[String]) -> std::process::Child {
    use std::io::BufRead;
    let mut c = omnipack();
    aws_env(&mut c);
    let mut child = c
        .args(["publish", "--json"])
        .arg(repo)
        .arg(dest)
        .args(extra)
        .env("OMNIPACK_PUBLISH_DELAY_MS", "100")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("took the lock") => break,
            Some(Ok(_)) => {}
            other => panic!("the slow publish ended before locking: {other:?}"),
        }
    }
    // Keep draining its stderr so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    child
}

// -------------------------------------------------------------------- tests

// Guards the incremental rule and the client view of a directory publish:
// clients read it, an unchanged re-publish writes nothing at all, a change
// uploads only what changed, and superseded objects go after --keep-publishes.
#[test]
fn publish_to_a_directory_is_read_by_apt_and_dnf_and_is_incremental() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha", "beta"]);
    let dest = t.path().join("www");
    let dest_s = dest.to_string_lossy().into_owned();

    let r = publish_ok(&repo.dir, &dest_s, &[]);
    let files = r["files"].as_u64().unwrap();
    assert_eq!(r["uploaded"].as_u64().unwrap(), files);
    assert_eq!(r["uploaded_by_kind"]["package"], 4);
    assert_eq!(r["lock"], "conditional");
    assert!(
        !dest.join(".omnipack/lock").exists(),
        "the lock is released"
    );
    let src = Source::file(&dest);
    apt_reads(t.path(), &src, &repo, &["alpha", "beta"]);
    dnf_reads(t.path(), &src, &repo, &["alpha", "beta"]);

    // Unchanged: not one write, not even the lock or the manifest.
    let before = mtimes(&dest);
    let r = publish_ok(&repo.dir, &format!("file://{dest_s}"), &[]);
    assert_eq!(r["uploaded"], 0);
    assert_eq!(r["writes"], 0);
    assert_eq!(r["manifest_writes"], 0);
    assert_eq!(r["lock"], "none");
    assert_eq!(r["unchanged"].as_u64().unwrap(), files);
    assert_eq!(mtimes(&dest), before);

    // One package more: its .deb and .rpm, new metadata; no old package again.
    repo.add("gamma");
    let r = publish_ok(&repo.dir, &dest_s, &["--keep-publishes", "1"]);
    assert_eq!(r["uploaded_by_kind"]["package"], 2, "{r}");
    assert_eq!(r["deleted"], 0);
    apt_reads(t.path(), &src, &repo, &["alpha", "beta", "gamma"]);
    dnf_reads(t.path(), &src, &repo, &["alpha", "beta", "gamma"]);

    // Superseded metadata stays for one more publish, then goes; the
    // destination then holds exactly the repository's files plus the manifest.
    fs::remove_dir_all(&repo.cache).unwrap();
    for name in ["delta", "epsilon"] {
        repo.add(name);
        publish_ok(&repo.dir, &dest_s, &["--keep-publishes", "1"]);
    }
    // Re-index with --keep 0 so the repository drops its own old generations.
    let o = omnipack()
        .args(["repo", "index", "--quiet", "--keep", "0"])
        .arg(&repo.dir)
        .arg("--sign-key")
        .arg(repo.keys.join("repo-key.secret.asc"))
        .env("OMNIPACK_CACHE_DIR", &repo.cache)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    publish_ok(&repo.dir, &dest_s, &["--keep-publishes", "0"]);
    let r = publish_ok(&repo.dir, &dest_s, &["--keep-publishes", "0"]);
    assert_eq!(r["writes"], 0, "{r}");
    let mut expected = files_under(&repo.dir);
    expected.retain(|f| !f.starts_with('.'));
    expected.push(".omnipack/manifest.json".into());
    expected.sort();
    assert_eq!(files_under(&dest), expected);
    apt_reads(t.path(), &src, &repo, &["alpha", "epsilon"]);
}

// Guards the client-safe order: a publish stopped after any write k (as if
// killed: lock left) leaves a repository apt and dnf read; the next publish,
// breaking the stale lock, completes it.
#[test]
fn a_publish_stopped_at_any_write_leaves_a_readable_repository() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha"]);
    let v1 = t.path().join("v1");
    publish_ok(&repo.dir, &v1.to_string_lossy(), &[]);
    clients_update(t.path(), &Source::file(&v1), &repo, true).unwrap();
    repo.add("beta");

    // How many writes the whole publish of v2 takes.
    let full = t.path().join("full");
    copy_tree(&v1, &full);
    let r = publish_ok(
        &repo.dir,
        &full.to_string_lossy(),
        &["--keep-publishes", "0"],
    );
    let writes = r["writes"].as_u64().unwrap();
    assert!(writes > 10, "{r}");

    for k in 1..writes {
        let dest = t.path().join(format!("k{k}"));
        copy_tree(&v1, &dest);
        let o = publish(
            &repo.dir,
            &dest.to_string_lossy(),
            &["--keep-publishes", "0"],
            &[("OMNIPACK_PUBLISH_FAIL_AFTER", &k.to_string())],
        );
        assert_eq!(o.status.code(), Some(1), "k={k}: {}", text(&o).1);
        assert!(
            text(&o).1.contains("OMNIPACK_PUBLISH_FAIL_AFTER"),
            "{}",
            text(&o).1
        );
        assert!(
            dest.join(".omnipack/lock").is_file(),
            "k={k}: the lock stays, as after kill -9"
        );
        if let Err(e) = clients_update(t.path(), &Source::file(&dest), &repo, false) {
            panic!("after write {k} of {writes}: {e}");
        }
        if k == writes - 1 || k == 1 {
            // Held by another host: the next publish is refused, naming the
            // holder, while the lock is there.
            let lock = dest.join(".omnipack/lock");
            let ours = fs::read_to_string(&lock).unwrap();
            let mut other: Value = serde_json::from_str(&ours).unwrap();
            other["host"] = "elsewhere".into();
            fs::write(&lock, serde_json::to_vec(&other).unwrap()).unwrap();
            let o = publish(&repo.dir, &dest.to_string_lossy(), &[], &[]);
            assert_eq!(o.status.code(), Some(1));
            let err = text(&o).1;
            assert!(
                err.contains("is locked by")
                    && err.contains("elsewhere")
                    && err.contains("pid")
                    && err.contains("--break-lock"),
                "{err}"
            );
            if k == 1 {
                publish_ok(&repo.dir, &dest.to_string_lossy(), &["--break-lock"]);
            } else {
                // Held by a killed publisher of this host: taken over, said so.
                fs::write(&lock, &ours).unwrap();
                let o = publish(&repo.dir, &dest.to_string_lossy(), &[], &[]);
                let err = text(&o).1;
                assert_eq!(o.status.code(), Some(0), "{err}");
                assert!(err.contains("took over the lock held by"), "{err}");
                assert!(!lock.exists(), "the lock is released after the publish");
            }
            clients_update(t.path(), &Source::file(&dest), &repo, true).unwrap();
            dnf_reads(t.path(), &Source::file(&dest), &repo, &["alpha", "beta"]);
        }
        fs::remove_dir_all(&dest).unwrap();
    }
    clients_update(t.path(), &Source::file(&full), &repo, true).unwrap();
}

// Guards the lock: while one publish runs, another fails naming the holder;
// the first completes and the result is valid.
#[test]
fn a_second_concurrent_publish_fails_naming_the_lock_holder() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha"]);
    let dest = t.path().join("www");
    let first = start_slow_publish(&repo.dir, &dest.to_string_lossy(), &[]);
    let o = publish(&repo.dir, &dest.to_string_lossy(), &[], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(
        err.contains("is locked by") && err.contains(&format!("pid {}", first.id())),
        "{err}"
    );
    let status = first.wait_with_output().unwrap();
    assert!(status.status.success());
    assert!(!dest.join(".omnipack/lock").exists());
    clients_update(t.path(), &Source::file(&dest), &repo, true).unwrap();
}

// Guards the S3 path on s3s-fs: signed repository published, read by apt
// and dnf from the server's data directory, multipart for a large file,
// an unchanged re-publish PUTs nothing (report and object mtimes agree).
#[test]
fn publish_to_s3s_fs_is_read_by_clients_and_republish_puts_nothing() {
    if !tools() || !require_tools(&["s3s-fs"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha", "beta"]);
    // A 12 MiB file: above the 5 MiB threshold, two 8 MiB parts.
    let big: Vec<u8> = (0..12u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    fs::write(repo.dir.join("big.bin"), &big).unwrap();
    let server = S3sFs::start(&["repo"]);
    let s3 = s3_args(&server.endpoint(), "us-east-1");
    let mut args: Vec<&str> = s3.iter().map(String::as_str).collect();
    args.extend(["--multipart-threshold", "5"]);
    let dest = "s3://repo/apt/stable";
    let r = publish_ok(&repo.dir, dest, &args);
    assert_eq!(r["multipart"], 1, "{r}");
    assert!(
        matches!(r["lock"].as_str(), Some("conditional" | "best-effort")),
        "{r}"
    );
    let published = server.root.join("repo/apt/stable");
    assert_eq!(fs::read(published.join("big.bin")).unwrap(), big);
    let src = Source::file(&published);
    apt_reads(t.path(), &src, &repo, &["alpha", "beta"]);
    dnf_reads(t.path(), &src, &repo, &["alpha", "beta"]);

    let before = mtimes(&published);
    let r = publish_ok(&repo.dir, dest, &args);
    assert_eq!(r["uploaded"], 0, "{r}");
    assert_eq!(r["writes"], 0, "{r}");
    assert_eq!(
        mtimes(&published),
        before,
        "an unchanged publish rewrote objects"
    );

    repo.add("gamma");
    let r = publish_ok(&repo.dir, dest, &args);
    assert_eq!(r["uploaded_by_kind"]["package"], 2, "{r}");
    apt_reads(t.path(), &src, &repo, &["gamma"]);
    dnf_reads(t.path(), &src, &repo, &["alpha", "beta", "gamma"]);
}

// Guards the distributed path: Garage with replication factor 3 serves the
// published repository over its website endpoint with the headers per kind;
// with one node stopped a publish still succeeds and clients still read.
#[test]
fn publish_to_a_garage_cluster_survives_a_stopped_node() {
    if !tools() || !require_tools(&["garage", "curl"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha"]);
    let mut garage = Garage::start("repo");
    let dest = "s3://repo/el";
    let s3 = s3_args(&garage.endpoint(0), "garage");
    let args: Vec<&str> = s3.iter().map(String::as_str).collect();
    let r = publish_ok(&repo.dir, dest, &args);
    assert!(r["uploaded"].as_u64().unwrap() > 10, "{r}");
    let webs: Vec<Source> = (0..3)
        .map(|i| Source {
            url: format!("{}/el", garage.web_url(i)),
            proxy: Some(garage.web_proxy(i)),
        })
        .collect();
    let web = |i: usize| webs[i].clone();
    // apt-get update only: a flat repository's `Filename: ./x.deb` makes apt
    // ask for `/el/./x.deb`, a key no object store has (see docs/repository.md);
    // the .deb is fetched at its own key below.
    apt_reads(t.path(), &web(0), &repo, &[]);
    dnf_reads(t.path(), &web(1), &repo, &["alpha"]);

    // Cache-Control and Content-Type per kind, as stored and served.
    let (proxy, base) = (garage.web_proxy(0), garage.web_url(0));
    let head = |key: &str| -> String {
        let o = run_ok(
            Command::new("curl")
                .args(["-sSfI", "--proxy", &proxy])
                .arg(format!("{base}/el/{key}")),
        );
        String::from_utf8_lossy(&o.stdout).to_ascii_lowercase()
    };
    let h = head("InRelease");
    assert!(h.contains("cache-control: no-cache"), "{h}");
    let h = head("alpha_1.0-1_all.deb");
    assert!(
        h.contains("immutable") && h.contains("application/vnd.debian.binary-package"),
        "{h}"
    );
    let got = run_ok(
        Command::new("curl")
            .args(["-sSf", "--proxy", &proxy])
            .arg(format!("{base}/el/alpha_1.0-1_all.deb")),
    );
    assert_eq!(
        got.stdout,
        fs::read(repo.dir.join("alpha_1.0-1_all.deb")).unwrap()
    );

    // Unchanged: nothing written.
    let r = publish_ok(&repo.dir, dest, &args);
    assert_eq!(r["writes"], 0, "{r}");

    // One node down: quorum 2 of 3 still writes and reads.
    garage.stop(2);
    repo.add("beta");
    let s3 = s3_args(&garage.endpoint(1), "garage");
    let args: Vec<&str> = s3.iter().map(String::as_str).collect();
    let r = publish_ok(&repo.dir, dest, &args);
    assert_eq!(r["uploaded_by_kind"]["package"], 2, "{r}");
    apt_reads(t.path(), &web(0), &repo, &[]);
    dnf_reads(t.path(), &web(1), &repo, &["alpha", "beta"]);
    clients_update(t.path(), &web(1), &repo, true).unwrap();
}

// Guards the concurrent-publish lock on real S3 servers: the second publisher
// fails naming the first, which completes.
#[test]
fn the_lock_holds_on_s3s_fs_and_garage() {
    if !require_tools(&["s3s-fs", "garage"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha"]);
    let s3s = S3sFs::start(&["repo"]);
    let garage = Garage::start("repo");
    for (endpoint, region) in [
        (s3s.endpoint(), "us-east-1"),
        (garage.endpoint(0), "garage"),
    ] {
        let s3 = s3_args(&endpoint, region);
        let first = start_slow_publish(&repo.dir, "s3://repo/x", &s3);
        let o = publish(
            &repo.dir,
            "s3://repo/x",
            &s3.iter().map(String::as_str).collect::<Vec<_>>(),
            &[],
        );
        let (code, err) = (o.status.code(), text(&o).1);

        assert_eq!(code, Some(1));
        assert!(err.contains(&format!("pid {}", first.id())), "{err}");
        let out = first.wait_with_output().unwrap();
        assert!(out.status.success(), "{endpoint}");
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(r["uploaded"].as_u64().unwrap() > 0);
    }
}

#[test]
fn bad_input_is_named_with_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| -> (i32, String) {
        let mut c = omnipack();
        c.arg("publish").args(args);
        c.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_PROFILE")
            .env("HOME", t.path());
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        (o.status.code().unwrap(), text(&o).1)
    };
    let missing = t.path().join("nope");
    let (code, err) = run(&[missing.to_str().unwrap(), "/tmp/x"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("does not exist") && err.contains("nope"),
        "{err}"
    );

    // Packages without an index.
    let raw = t.path().join("raw");
    fs::create_dir_all(&raw).unwrap();
    make_package(&raw, "alpha", "1.0", "deb");
    let (code, err) = run(
        &[raw.to_str().unwrap(), t.path().join("d").to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("omnipack repo index"), "{err}");

    let repo = Repo::new(&t.path().join("r"), &["alpha"]);
    let r = repo.dir.to_str().unwrap();
    // No credentials anywhere.
    let (code, err) = run(
        &[r, "s3://bucket/p", "--endpoint", "http://127.0.0.1:9"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("AWS_ACCESS_KEY_ID") && err.contains("AWS_PROFILE"),
        "{err}"
    );
    // A profile that does not exist.
    let (code, err) = run(&[r, "s3://bucket/p"], &[("AWS_PROFILE", "ci")]);
    assert_eq!(code, 1);
    assert!(err.contains("AWS_PROFILE=`ci`"), "{err}");
    // Keys from a profile file, endpoint nobody listens on: unreachable, named.
    fs::create_dir_all(t.path().join(".aws")).unwrap();
    fs::write(
        t.path().join(".aws/credentials"),
        "[ci]\naws_access_key_id = AK\naws_secret_access_key = SK\n",
    )
    .unwrap();
    let (code, err) = run(
        &[
            r,
            "s3://bucket/p",
            "--endpoint",
            "http://127.0.0.1:9",
            "--path-style",
            "--retries",
            "0",
        ],
        &[("AWS_PROFILE", "ci")],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("s3://bucket/p") && err.contains("127.0.0.1:9"),
        "{err}"
    );
    // Bad destinations and the policy.
    let (code, err) = run(&[r, "gs://b/x"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("unsupported scheme"), "{err}");
    // A mistyped URL is not a directory to create, and a destination inside
    // the repository (or holding it) is refused: nothing is written.
    for dest in ["s3:/bucket/p", "s3:bucket", "http:host/x"] {
        let (code, err) = run(&[r, dest], &[]);
        assert_eq!(code, 1, "{dest}: {err}");
        assert!(
            err.contains("looks like a URL scheme") && err.contains("hint:"),
            "{err}"
        );
    }
    assert!(!Path::new("s3:").exists() && !Path::new("http:host").exists());
    let before = files_under(&repo.dir);
    for dest in [
        repo.dir.join("sub"),
        repo.dir.clone(),
        t.path().to_path_buf(),
    ] {
        let (code, err) = run(&[r, dest.to_str().unwrap()], &[]);
        assert_eq!(code, 1, "{}: {err}", dest.display());
        assert!(err.contains("overlap"), "{err}");
    }
    assert_eq!(files_under(&repo.dir), before);
    let o = omnipack()
        .args(["publish", "--print-policy", r, "s3://my-bucket/pkgs/"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let policy: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        "arn:aws:s3:::my-bucket/pkgs/*"
    );
    assert_eq!(policy["Statement"][0]["Principal"]["AWS"], "*");

    // A bucket that does not exist, on a live server.
    if require_tools(&["s3s-fs"]) {
        let server = S3sFs::start(&[]);
        let o = publish(
            &repo.dir,
            "s3://missing/p",
            &["--endpoint", &server.endpoint(), "--path-style"],
            &[],
        );
        assert_eq!(o.status.code(), Some(1));
        let err = text(&o).1;
        assert!(err.contains("bucket `missing` does not exist"), "{err}");
        // An IP endpoint without --path-style: path-style is implied
        // (virtual-hosted requests cannot reach an address).
        let server = S3sFs::start(&["ipbkt"]);
        let o = publish(
            &repo.dir,
            "s3://ipbkt/p",
            &["--endpoint", &server.endpoint()],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
        // Wrong keys.
        let server = S3sFs::start(&["bkt"]);
        let o = publish(
            &repo.dir,
            "s3://bkt/p",
            &["--endpoint", &server.endpoint(), "--path-style"],
            &[("AWS_SECRET_ACCESS_KEY", "wrong")],
        );
        assert_eq!(o.status.code(), Some(1));
        let err = text(&o).1;
        assert!(
            err.contains("denied") || err.contains("credentials"),
            "{err}"
        );
    }
}

// Guards issue 17 item 5: publish runs `repo check` first, and a repository
// that apt or dnf would fail on is refused before anything is written.
#[test]
fn publish_refuses_a_repository_that_fails_repo_check() {
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(&t.path().join("r"), &["alpha"]);
    let deb = fs::read_dir(&repo.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .unwrap();
    let mut bytes = fs::read(&deb).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&deb, &bytes).unwrap();
    let dest = t.path().join("out");
    let o = publish(&repo.dir, dest.to_str().unwrap(), &[], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", report(&o));
    let err = text(&o).1;
    assert!(
        err.contains(&format!("`{}`", deb.display()))
            && err.contains("Hash Sum mismatch")
            && err.contains("--no-check"),
        "{err}"
    );
    assert!(!dest.exists(), "nothing may be written at the destination");
    // Re-indexed, it publishes.
    repo.index();
    publish_ok(&repo.dir, dest.to_str().unwrap(), &[]);
    assert!(dest.join("Release").is_file());
}

/// Sends `signal` (`-INT`, `-TERM`, `-KILL`) to `child` and waits for it.
fn signal(child: std::process::Child, signal: &str) -> std::process::ExitStatus {
    let ok = Command::new("kill")
        .arg(signal)
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
    child.wait_with_output().unwrap().status
}

/// Files of `dir` whose names `object_store` stages uploads under (`KEY#N`).
fn staged(dir: &Path) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|f| f.contains('#'))
        .collect()
}

// Guards issue 17 item 5 (and 21 item 5): SIGINT and SIGTERM stop a publish
// with the lock released and no temporary file left, exit 128+N, on a
// directory and on s3s-fs; SIGKILL leaves a lock (and staged files) that
// the next publish of this host takes over and removes, saying so; the
// result is read by apt and dnf.
#[test]
fn a_stopped_publish_releases_its_lock_and_a_killed_one_is_taken_over() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = Repo::new(t.path(), &["alpha", "beta", "gamma"]);
    let dest = t.path().join("www");
    let d = dest.to_string_lossy().into_owned();
    for (sig, code) in [("-INT", 130), ("-TERM", 143)] {
        let child = start_slow_publish(&repo.dir, &d, &[]);
        let status = signal(child, sig);
        assert_eq!(status.code(), Some(code), "{sig}");
        assert!(!dest.join(".omnipack/lock").exists(), "{sig} left the lock");
        assert_eq!(staged(&dest), Vec::<String>::new(), "{sig}");
    }

    let child = start_slow_publish(&repo.dir, &d, &[]);
    let status = signal(child, "-KILL");
    assert_eq!(status.code(), None);
    assert!(
        dest.join(".omnipack/lock").exists(),
        "SIGKILL cannot release"
    );
    // What a publish killed mid-write leaves beside a package (the kill
    // may have left real ones too).
    let leftover = dest.join("alpha_1.0-1_all.deb#1");
    fs::write(&leftover, b"half").unwrap();
    let o = publish(&repo.dir, &d, &[], &[]);
    let err = text(&o).1;
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("took over the lock held by")
            && err.contains("temporary file(s) a stopped publish left"),
        "{err}"
    );
    assert!(!leftover.exists() && staged(&dest).is_empty());
    assert!(!dest.join(".omnipack/lock").exists());
    clients_update(t.path(), &Source::file(&dest), &repo, true).unwrap();

    // The same on S3: the lock object is deleted on SIGINT.
    if !require_tools(&["s3s-fs"]) {
        return;
    }
    let server = S3sFs::start(&["repo"]);
    let s3 = s3_args(&server.endpoint(), "us-east-1");
    let child = start_slow_publish(&repo.dir, "s3://repo/el", &s3);
    assert_eq!(signal(child, "-INT").code(), Some(130));
    let published = server.root.join("repo/el");
    assert!(!published.join(".omnipack/lock").exists());
    let args: Vec<&str> = s3.iter().map(String::as_str).collect();
    publish_ok(&repo.dir, "s3://repo/el", &args);
    clients_update(t.path(), &Source::file(&published), &repo, true).unwrap();
}
