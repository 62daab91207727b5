//! The requirements rpm's `elfdeps -R` (rpm 4.18) gives for ELF files.

use std::collections::BTreeSet;

use super::model::{ElfFile, shipped};

/// `EM_ALPHA` (unofficial number) and `EM_FAKE_ALPHA`: no `(64bit)` marker.
const ALPHA_MACHINES: [u16; 2] = [0x9026, 41];

/// The requirements rpm's own generator (`/usr/lib/rpm/elfdeps -R`, run by
/// rpmbuild's `elf` file attribute for every ELF file) gives for these
/// files, in rpm's spelling, sorted and deduplicated: `libc.so.6()(64bit)`,
/// `libc.so.6(GLIBC_2.14)(64bit)`, `rtld(GNU_HASH)`, … Requirements on
/// libraries the tree ships itself are left out.
pub fn rpm_requires(files: &[ElfFile]) -> Vec<String> {
    let own = shipped(files);
    let mut out = BTreeSet::new();
    for f in files.iter().filter(|f| f.is_dynamic_object()) {
        // elfdeps' genRequires(): programs (PT_INTERP) only when executable.
        if f.has_interp && !f.executable {
            continue;
        }
        let marker = marker(f);
        for soname in &f.needed {
            if keep(soname, &own) {
                out.insert(format!("{soname}(){marker}"));
            }
        }
        for (soname, version, _weak) in &f.version_needs {
            if keep(soname, &own) {
                out.insert(format!("{soname}({version}){marker}"));
            }
        }
        if f.gnu_hash_only {
            out.insert("rtld(GNU_HASH)".to_owned());
        }
    }
    out.into_iter().collect()
}

fn marker(f: &ElfFile) -> &'static str {
    if f.class64 && !ALPHA_MACHINES.contains(&f.machine) {
        "(64bit)"
    } else {
        ""
    }
}

fn keep(soname: &str, own: &BTreeSet<String>) -> bool {
    !own.contains(soname) && !elfdeps_skips(soname)
}

/// elfdeps' `skipSoname()` with its default `--filter-soname`: empty or
/// all-blank names, names without `.so`, and names starting neither with
/// `lib` nor with the dynamic linker's `ld.`, `ld-`, `ld6` (its `ld64` test
/// compares three characters) are dropped.
fn elfdeps_skips(soname: &str) -> bool {
    if soname.trim().is_empty() || !soname.contains(".so") {
        return true;
    }
    let b = soname.as_bytes();
    let ld = b.len() >= 3 && (&b[..3] == b"ld." || &b[..3] == b"ld-" || &b[..3] == b"ld6");
    !(ld || soname.starts_with("lib"))
}
