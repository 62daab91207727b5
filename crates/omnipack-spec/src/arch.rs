//! Architecture names: one [`Arch`] for both formats, spelled the Debian way
//! (`dpkg-architecture -L`) or the RPM way (`rpm --showrc` arch list) on output.

use std::fmt;
use std::str::FromStr;

use crate::SpecError;

/// The machine a package is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// Architecture independent: Debian `all`, RPM `noarch`.
    All,
    /// 64-bit x86: `amd64` / `x86_64`.
    X86_64,
    /// 64-bit ARM: `arm64` / `aarch64`.
    Aarch64,
    /// 32-bit x86: `i386` / `i686`.
    I686,
    /// 32-bit ARM hard-float: `armhf` / `armv7hl`.
    Armhf,
    /// 64-bit little-endian POWER: `ppc64el` / `ppc64le`.
    Ppc64le,
    /// IBM Z: `s390x` in both.
    S390x,
    /// 64-bit RISC-V: `riscv64` in both.
    Riscv64,
}

impl Arch {
    /// The architecture this binary runs on, which is what `native` means.
    pub fn native() -> Arch {
        match std::env::consts::ARCH {
            "aarch64" => Arch::Aarch64,
            "x86" => Arch::I686,
            "arm" => Arch::Armhf,
            "powerpc64" => Arch::Ppc64le,
            "s390x" => Arch::S390x,
            "riscv64" => Arch::Riscv64,
            _ => Arch::X86_64,
        }
    }

    /// Debian's name (the `Architecture` field and the file name).
    pub fn deb_name(self) -> &'static str {
        match self {
            Arch::All => "all",
            Arch::X86_64 => "amd64",
            Arch::Aarch64 => "arm64",
            Arch::I686 => "i386",
            Arch::Armhf => "armhf",
            Arch::Ppc64le => "ppc64el",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
        }
    }

    /// RPM's name (`RPMTAG_ARCH` and the file name).
    pub fn rpm_name(self) -> &'static str {
        match self {
            Arch::All => "noarch",
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::I686 => "i686",
            Arch::Armhf => "armv7hl",
            Arch::Ppc64le => "ppc64le",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
        }
    }
}

impl FromStr for Arch {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "native" => Arch::native(),
            "all" | "noarch" | "any" => Arch::All,
            "amd64" | "x86_64" => Arch::X86_64,
            "arm64" | "aarch64" => Arch::Aarch64,
            "i386" | "i686" | "i586" | "x86" => Arch::I686,
            "armhf" | "armv7hl" | "armv7l" => Arch::Armhf,
            "ppc64el" | "ppc64le" => Arch::Ppc64le,
            "s390x" => Arch::S390x,
            "riscv64" => Arch::Riscv64,
            other => return Err(SpecError::Arch(other.to_owned())),
        })
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.deb_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_map_to_one_arch() {
        for (deb, rpm) in [("amd64", "x86_64"), ("arm64", "aarch64"), ("all", "noarch")] {
            let a: Arch = deb.parse().unwrap();
            let b: Arch = rpm.parse().unwrap();
            assert_eq!(a, b);
            assert_eq!(a.deb_name(), deb);
            assert_eq!(a.rpm_name(), rpm);
        }
        assert!("sparc".parse::<Arch>().is_err());
    }
}
