//! What `rpm -qp` reads from our package: fields, relations, file list,
//! per-file digests, modes, owners, link targets and scriptlets.

use std::collections::BTreeMap;

use omnipack_spec::{FileKind, FileSource};
use omnipack_test_support::{EPOCH, require_tools};

use crate::common::*;

#[test]
fn rpm_qi_shows_every_field() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let b = build_sample(None);
    let out = rpm_q(&["-qip"], &b.rpm);
    let fields: BTreeMap<&str, &str> = out
        .lines()
        .take_while(|l| !l.starts_with("Description"))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let arch = b.spec.arch.rpm_name();
    for (k, v) in [
        ("Name", "hello"),
        ("Epoch", "1"),
        ("Version", "1.2.3"),
        ("Release", "4"),
        ("Architecture", arch),
        ("Group", "Applications/System"),
        ("License", "MIT"),
        ("Signature", "(none)"),
        ("Source RPM", "hello-1.2.3-4.src.rpm"),
        ("Build Host", "omnipack"),
        ("Packager", "Hello Maintainers <hello@example.org>"),
        ("Vendor", "Example Inc."),
        ("URL", "https://example.org/hello"),
        ("Summary", "Says hello"),
    ] {
        assert_eq!(fields.get(k).copied(), Some(v), "{k} in\n{out}");
    }
    assert!(
        out.ends_with("Description :\nA friendly greeter.\n\nIt says hello from /opt.\n"),
        "{out}"
    );
    let build_time = rpm_q(
        &["-qp", "--qf", "%{BUILDTIME} %{SIZE} %{PAYLOADCOMPRESSOR}"],
        &b.rpm,
    );
    let total: u64 =
        17 + 32 + 17 + 70_000 + 5 + "data.bin".len() as u64 + "/opt/hello/bin/hello".len() as u64;
    assert_eq!(build_time, format!("{EPOCH} {total} xz"));
}

#[test]
fn relations_are_what_rpm_reads() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let b = build_sample(Some("zstd:3".parse().unwrap()));
    let requires = rpm_q(&["-qp", "--requires"], &b.rpm);
    assert_eq!(
        requires,
        "(python3 or python3-minimal >= 3.6)\n/bin/sh\n/bin/sh\n/bin/sh\n/bin/sh\nbash >= 4.0\ncoreutils\n\
         rpmlib(CompressedFileNames) <= 3.0.4-1\nrpmlib(FileDigests) <= 4.6.0-1\n\
         rpmlib(PayloadFilesHavePrefix) <= 4.0-1\nrpmlib(PayloadIsZstd) <= 5.4.18-1\n\
         rpmlib(RichDependencies) <= 4.12.0-1\n"
    );
    // The interpreter requirements carry rpmbuild's Requires(pre/post/preun/postun) flags.
    let flags = rpm_q(
        &["-qp", "--qf", "[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]"],
        &b.rpm,
    );
    for phase in ["pre", "post", "preun", "postun"] {
        assert!(
            flags.contains(&format!("{phase},interp /bin/sh")),
            "{phase} in\n{flags}"
        );
    }
    let provides = rpm_q(&["-qp", "--provides"], &b.rpm);
    let isa = match b.spec.arch.rpm_name() {
        "x86_64" => "x86-64",
        "aarch64" => "aarch-64",
        other => other,
    };
    assert_eq!(
        provides,
        format!("hello = 1:1.2.3-4\nhello({isa}) = 1:1.2.3-4\nhello-cli = 1.2.3\n")
    );
    assert_eq!(
        rpm_q(&["-qp", "--conflicts"], &b.rpm),
        "hello-legacy < 1.0\n"
    );
    assert_eq!(rpm_q(&["-qp", "--obsoletes"], &b.rpm), "hello-old < 1.0\n");
    assert_eq!(rpm_q(&["-qp", "--recommends"], &b.rpm), "curl\n");
    assert_eq!(rpm_q(&["-qp", "--suggests"], &b.rpm), "vim\n");
}

#[test]
fn file_list_modes_owners_links_and_digests() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let b = build_sample(None);
    let long = format!("/opt/hello/share/{}/{}", "d".repeat(60), "e".repeat(60));
    let listing = rpm_q(&["-qlvp"], &b.rpm);
    assert!(
        listing.contains("-rwsr-xr-x    1 root     root"),
        "{listing}"
    );
    assert!(
        listing.contains("drwxr-x---    2 root     root"),
        "{listing}"
    );
    assert!(
        listing.contains("/usr/bin/hello -> /opt/hello/bin/hello"),
        "{listing}"
    );
    assert!(
        listing.contains(&format!("{long}/long-file-name.txt")),
        "{listing}"
    );

    // --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink
    let dump = rpm_q(&["-qp", "--dump"], &b.rpm);
    let rows: BTreeMap<&str, Vec<&str>> = dump
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0], f)
        })
        .collect();
    assert_eq!(rows.len(), b.spec.files.len(), "{dump}");
    for entry in &b.spec.files {
        let row = &rows[entry.path.as_str()];
        assert_eq!(row[2], EPOCH.to_string(), "mtime of {}", entry.path);
        assert_eq!(
            (row[5], row[6]),
            ("root", "root"),
            "owner of {}",
            entry.path
        );
        match &entry.kind {
            FileKind::File(FileSource::Path(src)) => {
                assert_eq!(row[3], sha256_file(src), "SHA-256 of {}", entry.path);
                assert_eq!(
                    row[4],
                    format!("0{:o}", 0o100000 | entry.mode),
                    "mode of {}",
                    entry.path
                );
                assert_eq!(row[1], fs_err::metadata(src).unwrap().len().to_string());
            }
            FileKind::File(FileSource::Inline(_)) => unreachable!("the sample tree is on disk"),
            FileKind::Dir => {
                assert_eq!(
                    row[4],
                    format!("0{:o}", 0o040000 | entry.mode),
                    "mode of {}",
                    entry.path
                );
                assert_eq!(row[3], "0".repeat(64));
            }
            FileKind::Symlink(target) => {
                assert_eq!(row[4], "0120777");
                assert_eq!(row[10], target.as_str());
            }
        }
        let config = if entry.config.is_some() { "1" } else { "0" };
        assert_eq!(row[7], config, "isconfig of {}", entry.path);
    }
    assert_eq!(rows["/opt/hello/bin/helper"][4], "0104755");
    assert_eq!(rows["/opt/hello/var/empty"][4], "040750");
    assert_eq!(rows["/opt/hello/lib/data-link.bin"][10], "data.bin");

    // %config(noreplace) and SHA-256 as the file digest algorithm (8).
    let flags = rpm_q(
        &[
            "-qp",
            "--qf",
            "%{FILEDIGESTALGO}\n[%{FILEFLAGS:fflags} %{FILENAMES}\n]",
        ],
        &b.rpm,
    );
    assert!(flags.starts_with("8\n"), "{flags}");
    assert!(flags.contains("cn /etc/hello.conf"), "{flags}");
}

#[test]
fn scriptlets_are_shown_with_their_interpreter() {
    if !require_tools(&["rpm"]) {
        return;
    }
    let b = build_sample(None);
    let scripts = rpm_q(&["-qp", "--scripts"], &b.rpm);
    for (name, body) in [
        ("preinstall", "pre"),
        ("postinstall", "post"),
        ("preuninstall", "preun"),
        ("postuninstall", "postun"),
    ] {
        let expected = format!("{name} scriptlet (using /bin/sh):\necho {body} >> {SCRIPT_LOG}\n");
        assert!(scripts.contains(&expected), "{expected} in\n{scripts}");
    }
}
