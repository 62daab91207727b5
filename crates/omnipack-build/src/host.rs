//! This machine's distribution, from `/etc/os-release` (os-release(5)):
//! `ID` and `VERSION_ID` (major version for rpm distributions) → `debian-12`,
//! `ubuntu-22.04`, `rocky-9`, `fedora-40`, matched against the built-in table.

use omnipack_spec::distribution::builtin;

fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .map(|v| v.trim().trim_matches('"'))
}

/// The table's name for this machine, if it is in the table.
pub fn host_distribution() -> Option<String> {
    let text = fs_err::read_to_string("/etc/os-release").ok()?;
    let id = field(&text, "ID")?;
    let version = field(&text, "VERSION_ID")?;
    let names = builtin();
    let full = format!("{id}-{version}");
    let major = format!("{id}-{}", version.split('.').next().unwrap_or(version));
    [full, major]
        .into_iter()
        .find(|n| names.iter().any(|d| &d.name == n))
}
