//! This machine's distribution, from `/etc/os-release` (os-release(5), read
//! by `omnipack_rootfs::os`): `ID` and `VERSION_ID` (major version for rpm
//! distributions) → `debian-12`, `ubuntu-22.04`, `rocky-9`, `fedora-40`,
//! matched against the built-in table.

use std::path::Path;

use omnipack_spec::distribution::builtin;

/// The table's name for this machine, if it is in the table.
pub fn host_distribution() -> Option<String> {
    let os = omnipack_rootfs::os::os_release(Path::new("/"))?;
    builtin()
        .into_iter()
        .find(|d| os.is(&d.id, &d.release))
        .map(|d| d.name)
}
