//! Automatic library dependencies (`omnipack_build::libdeps`) against the
//! tools they mirror: rpm's `elfdeps -R` and `dpkg-shlibdeps`, on fixtures
//! compiled here with gcc.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use fs_err as fs;
use omnipack_build::libdeps::{LibDepsError, deb_depends, rpm_requires, scan_elf};
use omnipack_test_support::{require_tools, run_ok, stdout_of};

const LIB: &str = "#include <math.h>\nint local_helper(double x) { return (int)pow(x, 2.5); }\n";
const EXT: &str = "#include <string.h>\n#include <math.h>\nextern int local_helper(double);\n__attribute__((weak)) extern void maybe_there(void);\nvoid copy(char *d, const char *s, size_t n) { memcpy(d, s, n); }\ndouble f(double x) { if (maybe_there) maybe_there(); return pow(x, 1.5) + local_helper(x) + exp(x); }\n";
const MAIN: &str = "#include <string.h>\n#include <math.h>\n#include <stdio.h>\nextern int local_helper(double);\nint main(int argc, char **argv) { char b[64]; memcpy(b, argv[0], 8); printf(\"%f %d\\n\", pow(argc, 1.5), local_helper(argc)); fprintf(stderr, \"x\\n\"); return 0; }\n";

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Builds `<pkgdir>/opt/t/{lib/libhelper.so.1, lib/py/ext.so, bin/prog, lib/py/noexec.so, bin/prog-noexec}`
/// plus a non-ELF file; `pkgdir` has a `DEBIAN` directory as dpkg-shlibdeps expects.
fn fixtures(pkgdir: &Path, src: &Path) {
    fs::create_dir_all(pkgdir.join("DEBIAN")).unwrap();
    for d in ["opt/t/bin", "opt/t/lib/py"] {
        fs::create_dir_all(pkgdir.join(d)).unwrap();
    }
    fs::create_dir_all(src).unwrap();
    for (n, c) in [("lib.c", LIB), ("ext.c", EXT), ("main.c", MAIN)] {
        fs::write(src.join(n), c).unwrap();
    }
    let lib = pkgdir.join("opt/t/lib");
    let gcc = |args: &[&str]| {
        run_ok(Command::new("gcc").current_dir(src).args(args));
    };
    let helper = lib.join("libhelper.so.1");
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        helper.to_str().unwrap(),
        "-Wl,-soname,libhelper.so.1",
        "lib.c",
        "-lm",
    ]);
    let link = format!("-L{}", lib.display());
    let ext = lib.join("py/ext.so");
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        ext.to_str().unwrap(),
        "ext.c",
        &link,
        "-l:libhelper.so.1",
        "-lm",
        "-Wl,-rpath,$ORIGIN/..",
    ]);
    let prog = pkgdir.join("opt/t/bin/prog");
    gcc(&[
        "-o",
        prog.to_str().unwrap(),
        "main.c",
        &link,
        "-l:libhelper.so.1",
        "-lm",
        "-Wl,-rpath,$ORIGIN/../lib",
    ]);
    // As pip installs them: executables and extensions with x bits.
    for p in [&helper, &ext, &prog] {
        chmod(p, 0o755);
    }
    // Without x bits: a library still gets requirements, a program does not.
    fs::copy(&ext, lib.join("py/noexec.so")).unwrap();
    chmod(&lib.join("py/noexec.so"), 0o644);
    fs::copy(&prog, pkgdir.join("opt/t/bin/prog-noexec")).unwrap();
    chmod(&pkgdir.join("opt/t/bin/prog-noexec"), 0o644);
    fs::write(pkgdir.join("opt/t/README"), "not ELF\n").unwrap();
    fs::os::unix::fs::symlink("libhelper.so.1", lib.join("libhelper.so")).unwrap();
}

#[test]
fn rpm_requires_equal_elfdeps() {
    if !require_tools(&["gcc"]) || !Path::new("/usr/lib/rpm/elfdeps").is_file() {
        assert!(
            std::env::var("CI").is_err(),
            "/usr/lib/rpm/elfdeps is missing"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("debian/t");
    fixtures(&pkg, &tmp.path().join("src"));
    let files = scan_elf(&pkg).unwrap();
    let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        paths,
        [
            "opt/t/bin/prog",
            "opt/t/bin/prog-noexec",
            "opt/t/lib/libhelper.so.1",
            "opt/t/lib/py/ext.so",
            "opt/t/lib/py/noexec.so"
        ]
    );
    let ours = rpm_requires(&files);
    let mut theirs = BTreeSet::new();
    for f in &files {
        let out = stdout_of(
            Command::new("/usr/lib/rpm/elfdeps")
                .arg("-R")
                .arg(pkg.join(&f.path)),
        );
        theirs.extend(
            out.lines()
                .filter(|l| !l.starts_with("libhelper.so.1"))
                .map(str::to_owned),
        );
    }
    assert_eq!(ours, theirs.into_iter().collect::<Vec<_>>());
    for want in [
        "libc.so.6(GLIBC_2.14)(64bit)",
        "libm.so.6(GLIBC_2.29)(64bit)",
        "libc.so.6()(64bit)",
        "rtld(GNU_HASH)",
    ] {
        assert!(
            ours.iter().any(|r| r == want),
            "{want} missing from {ours:?}"
        );
    }
    // A program without x bits gives nothing, as in elfdeps.
    let noexec = files
        .iter()
        .find(|f| f.path.ends_with("prog-noexec"))
        .unwrap();
    assert!(rpm_requires(std::slice::from_ref(noexec)).is_empty());
    assert!(
        stdout_of(
            Command::new("/usr/lib/rpm/elfdeps")
                .arg("-R")
                .arg(pkg.join(&noexec.path))
        )
        .is_empty()
    );
}

#[test]
fn deb_depends_equal_dpkg_shlibdeps() {
    if !require_tools(&["gcc", "dpkg-shlibdeps"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("debian/t");
    fixtures(&pkg, &tmp.path().join("src"));
    fs::write(
        tmp.path().join("debian/control"),
        "Source: t\n\nPackage: t\nArchitecture: any\n",
    )
    .unwrap();
    let files = scan_elf(&pkg).unwrap();
    let ours = deb_depends(&files, Path::new("/")).unwrap();

    let mut cmd = Command::new("dpkg-shlibdeps");
    cmd.current_dir(tmp.path()).arg("-O");
    for f in &files {
        cmd.arg(format!("-edebian/t/{}", f.path.display()));
    }
    let out = stdout_of(&mut cmd);
    let theirs = out
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .unwrap_or_else(|| panic!("no shlibs:Depends in {out}"));
    let joined = ours
        .iter()
        .map(|d| d.dependency.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(joined, theirs);

    // The version is the highest minimal version of the imported symbols in
    // libc6's symbols file: __libc_start_main@GLIBC_2.34 for the program.
    let symbols = fs::read_to_string("/var/lib/dpkg/info/libc6:amd64.symbols").unwrap();
    assert!(symbols.contains(" __libc_start_main@GLIBC_2.34 2.34\n"));
    assert_eq!(joined, "libc6 (>= 2.34)");
    let because = &ours[0].because;
    assert!(
        because.contains(&"libc.so.6 needed by opt/t/bin/prog".to_owned()),
        "{because:?}"
    );
    assert!(
        because.contains(&"libm.so.6 needed by opt/t/lib/py/ext.so".to_owned()),
        "{because:?}"
    );

    // The extension alone (with the tree's library, left out) needs
    // memcpy@GLIBC_2.14 and pow/exp@GLIBC_2.29.
    let ext: Vec<_> = files
        .iter()
        .filter(|f| f.path.ends_with("ext.so") || f.path.ends_with("libhelper.so.1"))
        .cloned()
        .collect();
    let ours = deb_depends(&ext, Path::new("/")).unwrap();
    let out = stdout_of(
        Command::new("dpkg-shlibdeps")
            .current_dir(tmp.path())
            .args([
                "-O",
                "-edebian/t/opt/t/lib/py/ext.so",
                "-edebian/t/opt/t/lib/libhelper.so.1",
            ]),
    );
    assert_eq!(
        format!("shlibs:Depends={}", ours[0].dependency),
        out.trim_end()
    );
    assert_eq!(ours[0].dependency, "libc6 (>= 2.29)");
}

#[test]
fn unmapped_soname_is_an_error_naming_it() {
    if !require_tools(&["gcc"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("debian/t");
    fixtures(&pkg, &tmp.path().join("src"));
    let mut files = scan_elf(&pkg).unwrap();
    files.retain(|f| f.path.ends_with("prog") || f.path.ends_with("libhelper.so.1"));
    assert!(files[0].path.ends_with("prog"));
    files[0].needed.push("libdoesnotexist.so.7".into());
    let err = deb_depends(&files, Path::new("/")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LibDepsError::LibraryNotFound { .. }), "{msg}");
    assert!(
        msg.contains("libdoesnotexist.so.7") && msg.contains("opt/t/bin/prog"),
        "{msg}"
    );
    assert!(err.hint().contains("install the package"));
}

#[test]
fn malformed_elf_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let good = fs::read("/bin/true").unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("plain.txt"), "hello").unwrap();
    fs::write(root.join("short"), b"\x7fEL").unwrap();
    assert!(
        scan_elf(&root).unwrap().is_empty(),
        "non-ELF files are skipped"
    );

    let mut cuts: Vec<usize> = vec![
        4,
        5,
        16,
        52,
        63,
        64,
        100,
        1000,
        4096,
        good.len() / 2,
        good.len() - 1,
    ];
    cuts.retain(|c| *c < good.len());
    for cut in cuts {
        let dir = tmp.path().join(format!("cut{cut}"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("true"), &good[..cut]).unwrap();
        // Either an error naming the file or a (partial) result; never a panic.
        match scan_elf(&dir) {
            Err(e) => assert!(e.to_string().contains("true"), "{e}"),
            Ok(files) => assert!(files.len() <= 1),
        }
    }

    // Garbage over the dynamic section (found through its section header).
    let mut bad = good.clone();
    let dynamic = dynamic_section_range(&good);
    for (i, b) in bad[dynamic.0..dynamic.1].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    let dir = tmp.path().join("garbage");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("true"), &bad).unwrap();
    let _ = scan_elf(&dir);
    // And garbage in every section header offset field.
    let mut bad = good;
    let shoff = u64::from_le_bytes(bad[0x28..0x30].try_into().unwrap()) as usize;
    for b in &mut bad[shoff..shoff + 64 * 4] {
        *b = 0xff;
    }
    fs::write(dir.join("true"), &bad).unwrap();
    match scan_elf(&dir) {
        Err(e) => assert!(e.to_string().contains("garbage/true"), "{e}"),
        Ok(files) => assert_eq!(files.len(), 1),
    }
}

/// The file range of the SHT_DYNAMIC section of a little-endian ELF64 file.
fn dynamic_section_range(data: &[u8]) -> (usize, usize) {
    let u64_at = |o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap()) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
    let u16_at = |o: usize| u16::from_le_bytes(data[o..o + 2].try_into().unwrap()) as usize;
    let (shoff, shentsize, shnum) = (u64_at(0x28), u16_at(0x3a), u16_at(0x3c));
    for i in 0..shnum {
        let sh = shoff + i * shentsize;
        if u32_at(sh + 4) == 6 {
            let off = u64_at(sh + 0x18);
            return (off, off + u64_at(sh + 0x20));
        }
    }
    panic!("no dynamic section")
}
