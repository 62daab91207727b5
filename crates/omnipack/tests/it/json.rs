//! `--json` on every command that writes artifacts or reports (issue 22):
//! each is run, its stdout parsed as one JSON document, the document's
//! shape (keys and value types) snapshotted, and every key checked to be
//! listed in docs/json.md.

use std::collections::BTreeSet;
use std::path::Path;

use fs_err as fs;
use serde_json::Value;

use crate::support::{copy_tree, omnipack, repo_root, text};

/// Runs `omnipack ARGS --json` in `dir`; its document.
fn json_of(dir: &Path, args: &[&str]) -> Value {
    let o = omnipack()
        .args(args)
        .arg("--json")
        .current_dir(dir)
        .env("DEBFULLNAME", "T")
        .env("DEBEMAIL", "t@example.org")
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "omnipack {args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("omnipack {args:?}: {e}:\n{out}"))
}

/// The document's shape: each key path with the type of its value (arrays
/// by their first element), one per line.
fn shape(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                shape(v, &p, out);
            }
        }
        Value::Array(a) => match a.first() {
            Some(first) => shape(first, &format!("{at}[]"), out),
            None => {
                out.insert(format!("{at}: []"));
            }
        },
        other => {
            let t = match other {
                Value::Null => "null",
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                _ => "string",
            };
            out.insert(format!("{at}: {t}"));
        }
    }
}

/// Every key of `v`, at any depth.
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_artifact_command_prints_json_with_documented_fields() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::create_dir_all(d.join("stage/opt/hi")).unwrap();
    fs::write(d.join("stage/opt/hi/README"), "hi\n").unwrap();

    let mut docs: Vec<(&str, Value)> = Vec::new();
    let package = json_of(
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
            "-a",
            "all",
            "--out",
            "dist",
            "-q",
        ],
    );
    assert_eq!(
        package["artifacts"].as_array().unwrap().len(),
        2,
        "{package}"
    );
    assert_eq!(package["artifacts"][0]["name"], "hi");
    docs.push(("package", package));

    let key = json_of(
        d,
        &[
            "key",
            "generate",
            "--name",
            "T <t@example.org>",
            "--out",
            "keys",
        ],
    );
    assert_eq!(key["fingerprint"].as_str().unwrap().len(), 40, "{key}");
    docs.push(("key generate", key));

    let sign = json_of(
        d,
        &[
            "sign",
            "--key",
            "keys/repo-key.secret.asc",
            "dist/hi-1.0-1.noarch.rpm",
        ],
    );
    assert_eq!(sign["signed"][0], "dist/hi-1.0-1.noarch.rpm");
    docs.push(("sign", sign));

    fs::create_dir_all(d.join("flat")).unwrap();
    fs::copy(
        d.join("dist/hi_1.0-1_all.deb"),
        d.join("flat/hi_1.0-1_all.deb"),
    )
    .unwrap();
    let index = json_of(d, &["repo", "index", "flat", "-q"]);
    assert_eq!(index["ok"], true, "{index}");
    assert_eq!(index["leaves"][0]["debs"], 1, "{index}");
    docs.push(("repo index", index));

    let o = omnipack()
        .args(["repo", "init", "repo", "-q"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let add = json_of(
        d,
        &[
            "repo",
            "add",
            "repo",
            "dist/hi_1.0-1_all.deb",
            "-d",
            "debian-12",
            "-q",
        ],
    );
    assert_eq!(add["added"].as_array().unwrap().len(), 1, "{add}");
    docs.push(("repo add", add));
    let promote = json_of(d, &["repo", "promote", "repo", "hi", "-q"]);
    assert_eq!(promote["added"].as_array().unwrap().len(), 1, "{promote}");
    docs.push(("repo promote", promote));
    let remove = json_of(
        d,
        &["repo", "remove", "repo", "hi", "--channel", "testing", "-q"],
    );
    assert_eq!(remove["removed"].as_array().unwrap().len(), 1, "{remove}");
    docs.push(("repo remove", remove));

    let release = json_of(
        d,
        &[
            "release-package",
            "-d",
            "debian-12",
            "--base-url",
            "http://127.0.0.1:1/",
            "--vendor",
            "acme",
            "--out",
            "rel",
            "-q",
        ],
    );
    assert_eq!(release["artifacts"][0]["format"], "deb", "{release}");
    docs.push(("release-package", release));

    let project = d.join("greet");
    copy_tree(&repo_root().join("examples/greet"), &project);
    let build = json_of(
        d,
        &[
            "build",
            project.to_str().unwrap(),
            "-d",
            "debian-12",
            "--out",
            "built",
            "-q",
        ],
    );
    assert_eq!(
        build["artifacts"][0]["distribution"], "debian-12",
        "{build}"
    );
    docs.push(("build", build));

    let doc = fs::read_to_string(repo_root().join("docs/json.md")).unwrap();
    let mut shapes = String::new();
    for (cmd, v) in &docs {
        let mut ks = BTreeSet::new();
        keys(v, &mut ks);
        for k in ks {
            assert!(
                doc.contains(&format!("`{k}`")),
                "docs/json.md does not list `{k}` ({cmd})"
            );
        }
        let mut s = BTreeSet::new();
        shape(v, "", &mut s);
        shapes.push_str(&format!("omnipack {cmd} --json\n"));
        for line in s {
            shapes.push_str(&format!("  {line}\n"));
        }
    }
    insta::assert_snapshot!("json_shapes", shapes);
}
