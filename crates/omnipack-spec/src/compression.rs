//! Payload compression settings: codec plus optional level, written `xz:6`.

use std::fmt;
use std::str::FromStr;

use crate::SpecError;

/// A compression codec for package payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// No compression (`data.tar`, RPM payload `cpio` without compressor).
    None,
    /// gzip (deflate); readable by every dpkg and rpm.
    Gzip,
    /// xz (LZMA2); multithreaded; dpkg ≥ 1.15.6, rpm ≥ 4.7.
    Xz,
    /// Zstandard; multithreaded; dpkg ≥ 1.21.18 (Debian 12) / Ubuntu 18.04's patched
    /// dpkg, rpm ≥ 4.14 (not CentOS 7).
    Zstd,
}

/// A codec and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Compression {
    /// The codec.
    pub codec: Codec,
    /// The level; `None` means the codec's default ([`Compression::level_or_default`]).
    pub level: Option<u32>,
}

impl Compression {
    /// A codec at its default level.
    pub const fn new(codec: Codec) -> Self {
        Compression { codec, level: None }
    }

    /// The level to use: the one set, or the codec's usual default
    /// (gzip 9 as dpkg-deb, xz 6 as `xz`, zstd 19 as rpmbuild's `w19.zstdio`).
    pub fn level_or_default(&self) -> u32 {
        self.level.unwrap_or(match self.codec {
            Codec::None => 0,
            Codec::Gzip => 9,
            Codec::Xz => 6,
            Codec::Zstd => 19,
        })
    }

    /// The file-name extension of a compressed tar member (`.gz`, `.xz`, `.zst`, or empty).
    pub fn extension(&self) -> &'static str {
        match self.codec {
            Codec::None => "",
            Codec::Gzip => ".gz",
            Codec::Xz => ".xz",
            Codec::Zstd => ".zst",
        }
    }
}

impl Default for Compression {
    fn default() -> Self {
        Compression::new(Codec::Xz)
    }
}

impl FromStr for Compression {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (codec, level) = match s.split_once(':') {
            Some((c, l)) => (c, Some(l)),
            None => (s, None),
        };
        let codec = match codec {
            "none" => Codec::None,
            "gzip" | "gz" => Codec::Gzip,
            "xz" => Codec::Xz,
            "zstd" | "zst" => Codec::Zstd,
            _ => return Err(SpecError::Compression(s.to_owned())),
        };
        let level = match level {
            None => None,
            Some(l) => {
                let n: u32 = l
                    .parse()
                    .map_err(|_| SpecError::Compression(s.to_owned()))?;
                let max = match codec {
                    Codec::None => 0,
                    Codec::Gzip | Codec::Xz => 9,
                    Codec::Zstd => 22,
                };
                if n > max || (codec == Codec::Gzip && n == 0) {
                    return Err(SpecError::Compression(s.to_owned()));
                }
                Some(n)
            }
        };
        Ok(Compression { codec, level })
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.codec {
            Codec::None => "none",
            Codec::Gzip => "gzip",
            Codec::Xz => "xz",
            Codec::Zstd => "zstd",
        };
        match self.level {
            Some(l) => write!(f, "{name}:{l}"),
            None => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codec_and_level() {
        let c: Compression = "zstd:19".parse().unwrap();
        assert_eq!(c.codec, Codec::Zstd);
        assert_eq!(c.level, Some(19));
        assert_eq!("xz".parse::<Compression>().unwrap().level_or_default(), 6);
        assert!("xz:10".parse::<Compression>().is_err());
        assert!("bzip2".parse::<Compression>().is_err());
        assert!("gzip:x".parse::<Compression>().is_err());
    }
}
