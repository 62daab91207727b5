//! A spec file resolved into a package: its `from-dir` walked by
//! `omnipack_archive::tree`, then its own entries applied (`resolve_spec`).

use fs_err as fs;
use omnipack_build::resolve_spec;
use omnipack_spec::SpecFile;

#[test]
fn a_full_spec_file_resolves() {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join("stage/bin")).unwrap();
    fs::write(t.path().join("stage/bin/hello"), "#!/bin/sh\n").unwrap();
    let p = t.path().join("pkg.toml");
    fs::write(
        &p,
        r#"
name = "hello"
version = "1.2.3"
summary = "Says hello"
maintainer = "Ops <ops@example.org>"
depends = ["libc6 (>= 2.31)"]
from-dir = "stage"
prefix = "/opt/hello"
[[files]]
dst = "/etc/hello.conf"
content = "greeting=hi\n"
[[dirs]]
path = "/var/lib/hello"
mode = "0750"
user = "hello"
[[symlinks]]
path = "/usr/bin/hello"
target = "/opt/hello/bin/hello"
[scripts]
post-install = "echo installed"
[rpm]
compression = "zstd:3"
"#,
    )
    .unwrap();
    let spec = resolve_spec(SpecFile::load(&p).unwrap(), 1).unwrap();
    let paths: Vec<&str> = spec.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/etc/hello.conf",
            "/opt/hello",
            "/opt/hello/bin",
            "/opt/hello/bin/hello",
            "/usr/bin/hello",
            "/var/lib/hello"
        ]
    );
    assert!(spec.files[0].config.is_some());
    assert_eq!(spec.files[5].mode, 0o750);
    assert_eq!(spec.files[5].user, "hello");
    assert_eq!(spec.rpm.compression.unwrap().level, Some(3));
}
