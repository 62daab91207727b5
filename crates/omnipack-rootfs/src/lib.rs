//! Build roots: root filesystems of the distributions omnipack builds for,
//! so that a package's virtualenv, compiled code and library dependencies
//! come from the release it names, not from the machine that built it.
//!
//! * [`create`] makes a root (mmdebstrap/debootstrap, or dnf
//!   `--installroot`) into the [`RootStore`] cache under omnipack's cache
//!   directory; [`RootStore`] lists and removes them.
//! * [`check_root`] accepts a root made by another tool (an unpacked image,
//!   a mock or sbuild chroot) for a distribution, after checking that it is
//!   one: a `/bin/sh`, an os-release naming that release, this machine's CPU.
//! * [`Sandbox`] runs a command inside a root with bubblewrap, the root
//!   seen through a throwaway overlay so it is never changed.
//!
//! Nothing here prints; long steps report through [`omnipack_core::Progress`].

mod create;
mod error;
pub mod mirror;
pub mod os;
mod sandbox;
mod store;

use std::path::Path;

use omnipack_spec::distribution::Distribution;

pub use create::{CreateOptions, create};
pub use error::RootfsError;
pub use sandbox::{Access, ROOT_PATH, Sandbox};
pub use store::{RootInfo, RootStore};

/// Whether this machine is release `dist` (its /etc/os-release).
pub fn host_is(dist: &Distribution) -> bool {
    os::os_release(Path::new("/")).is_some_and(|o| o.is(&dist.id, &dist.release))
}

/// Checks that `dir` is a root filesystem of `dist` that can run here: a
/// directory with a `/bin/sh`, whose os-release (when it has one) names
/// that release, with programs for this machine's CPU.
pub fn check_root(dir: &Path, dist: &Distribution) -> Result<(), RootfsError> {
    let not_a_root = |problem: &str| RootfsError::NotARoot {
        path: dir.to_path_buf(),
        distribution: dist.name.clone(),
        problem: problem.to_owned(),
    };
    match fs_err::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(not_a_root("it is not a directory")),
        Err(_) => return Err(not_a_root("it does not exist")),
    }
    if os::resolve_in(dir, Path::new("bin/sh")).is_none() {
        return Err(not_a_root("it has no /bin/sh"));
    }
    if let Some(o) = os::os_release(dir)
        && !o.is(&dist.id, &dist.release)
        && !o.version_id.is_empty()
    {
        return Err(RootfsError::WrongDistribution {
            path: dir.to_path_buf(),
            distribution: dist.name.clone(),
            found: o.describe(),
        });
    }
    if let (Some(root), Some(host)) = (os::root_machine(dir), os::host_machine())
        && root != host
    {
        return Err(RootfsError::WrongMachine {
            distribution: dist.name.clone(),
            path: dir.to_path_buf(),
            root,
            host,
        });
    }
    Ok(())
}
