//! The `<vendor>-release` package (Flocker's `clusterhq-release`): installed
//! on a client machine, it tells the package manager where the vendor's
//! repository is and which key signs it.
//!
//! * rpm distributions: a noarch rpm with `/etc/yum.repos.d/<vendor>.repo`
//!   (`%config(noreplace)`): the stable channel enabled, `-testing` disabled,
//!   base URLs `URL/<os>[-testing]/$releasever/$basearch/`; with a key,
//!   `repo_gpgcheck=1` (and `gpgcheck=1` when the packages are signed too,
//!   [`ReleaseRequest::package_gpgcheck`]) and the key as
//!   `/etc/pki/rpm-gpg/RPM-GPG-KEY-<vendor>`.
//! * deb distributions: an arch-all .deb with
//!   `/etc/apt/sources.list.d/<vendor>.list` (a conffile) holding
//!   `deb [signed-by=…] URL/<os>/<version>/$(ARCH) /` (apt expands `$(ARCH)`
//!   in the URI, as Flocker's instructions relied on; a flat repository
//!   whose suite is `/` needs no Suite in its Release) and the testing line
//!   commented out; with a
//!   key, the binary keyring `/usr/share/keyrings/<vendor>-archive-keyring.gpg`.
//!
//! The layout is that of `omnipack_repo::channels`; the URLs are those
//! `omnipack publish` and `omnipack serve` make the repository available at.
//!
//! [`release_package`] is `omnipack release-package` whole: the vendor and
//! maintainer default to the project's `omnipack.toml`, the compression is
//! the distribution's (readable by its own dpkg/rpm), and the package is
//! written into `OUT/<distribution>/`, where `omnipack repo add` finds its
//! distribution.

use std::path::PathBuf;

use omnipack_core::Progress;
use omnipack_sign::PublicKey;
use omnipack_spec::distribution::Distribution;
use omnipack_spec::{Arch, Config, FileEntry, FileSource, Format, Manifest, PackageSpec};

use crate::{BuildError, PackageRequest, package, source_date_epoch};

/// What `omnipack release-package` is asked for.
#[derive(Debug, Clone)]
pub struct ReleaseRequest {
    /// The distribution the package is for, by name (`debian-12`).
    pub distribution: String,
    /// Where the repository tree is served (`https://packages.example.com/repo`).
    pub base_url: String,
    /// The repository's signing key (public or secret, armored or binary);
    /// without one, clients are told to trust the repository unsigned.
    pub key: Option<PathBuf>,
    /// The vendor: the package is `<vendor>-release` (default: the project
    /// name in `project/omnipack.toml`).
    pub vendor: Option<String>,
    /// The project whose `omnipack.toml` gives the defaults, and whose
    /// commit time the timestamps are (unless `SOURCE_DATE_EPOCH` is set).
    pub project: PathBuf,
    /// The package version.
    pub version: String,
    /// The package maintainer, `Name <email>` (default: the manifest's).
    pub maintainer: Option<String>,
    /// The vendor's homepage (default: the manifest's `url`, else the base
    /// URL when it is http(s)).
    pub homepage: Option<String>,
    /// The output directory: the package goes to `out/<distribution>/`.
    pub out: PathBuf,
    /// Run lintian / rpmlint on the package (see [`crate::lint`]).
    pub lint: bool,
    /// With a key, whether the `.repo` file has dnf check each package's
    /// signature (`gpgcheck`) besides the repository's (`repo_gpgcheck`):
    /// true only when every RPM of the repository is signed by the key.
    pub package_gpgcheck: bool,
}

/// Why the release package cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// No vendor given and no manifest to take the project name from.
    #[error("no --vendor and no omnipack.toml in `{project}` to take the project name from")]
    NoVendor {
        /// The project directory.
        project: PathBuf,
    },
    /// No maintainer given and none in the manifest.
    #[error("no --maintainer and no maintainer in `{project}`/omnipack.toml")]
    NoMaintainer {
        /// The project directory.
        project: PathBuf,
    },
    /// The vendor cannot name a package.
    #[error(
        "vendor `{vendor}` must be lower-case letters, digits, `-`, `.` or `+` (it names the package `<vendor>-release` and its files)"
    )]
    BadVendor {
        /// The vendor as given.
        vendor: String,
    },
    /// The base URL is not a URL clients can use.
    #[error(
        "base URL `{url}` must be an http://, https:// or file:// URL of the repository tree (the directory holding `<os>/<version>/<arch>/`)"
    )]
    BadBaseUrl {
        /// The URL as given.
        url: String,
    },
    /// The distribution's name has no place in the channel layout.
    #[error("distribution `{name}` is not `<os>-<version>`")]
    BadDistribution {
        /// The distribution's name.
        name: String,
    },
    /// The distribution is unknown.
    #[error(transparent)]
    Spec(#[from] omnipack_spec::SpecError),
    /// The key cannot be read.
    #[error(transparent)]
    Key(#[from] omnipack_sign::SignError),
    /// Writing or linting the package failed.
    #[error(transparent)]
    Build(#[from] BuildError),
}

impl ReleaseError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<String> {
        match self {
            ReleaseError::NoVendor { .. } => Some("give --vendor NAME".into()),
            ReleaseError::NoMaintainer { .. } => Some("give --maintainer 'Name <email>'".into()),
            ReleaseError::BadDistribution { .. } => Some(
                "give a distribution named `<os>-<version>` (see `omnipack distributions`)".into(),
            ),
            ReleaseError::Spec(e) => e.hint(),
            ReleaseError::Key(e) => e.hint(),
            ReleaseError::Build(e) => e.hint(),
            ReleaseError::BadVendor { .. } | ReleaseError::BadBaseUrl { .. } => None,
        }
    }
}

/// Makes the `<vendor>-release` package for `req` in the distribution's
/// format and compression, into `req.out/<distribution>/`; lints it if
/// asked. Returns the paths written.
pub fn release_package(
    req: &ReleaseRequest,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, ReleaseError> {
    let distribution = omnipack_spec::distribution::find(&req.distribution, &Default::default())?;
    let opts = resolve(req, distribution)?;
    let mut spec = release_spec(&opts)?;
    let d = &opts.distribution;
    spec.deb.compression = Some(d.compression);
    spec.rpm.compression = Some(d.compression);
    let written = package(&PackageRequest {
        spec: &spec,
        formats: &[d.format],
        out_dir: &req.out.join(&d.name),
        threads: 1,
        progress,
    })?;
    if req.lint {
        for p in &written {
            crate::lint::check(p, d.format)?;
        }
    }
    Ok(written)
}

/// The request with its defaults filled in from the project's manifest.
fn resolve(
    req: &ReleaseRequest,
    distribution: Distribution,
) -> Result<ReleaseOptions, ReleaseError> {
    // A project without a (readable) manifest just gives no defaults.
    let manifest = Manifest::load(&req.project).ok();
    let project = || req.project.clone();
    let vendor = match (&req.vendor, &manifest) {
        (Some(v), _) => v.clone(),
        (None, Some(m)) => m.project.name.clone(),
        (None, None) => return Err(ReleaseError::NoVendor { project: project() }),
    };
    let maintainer = match (&req.maintainer, &manifest) {
        (Some(m), _) => m.clone(),
        (None, Some(m)) if !m.project.maintainer.trim().is_empty() => m.project.maintainer.clone(),
        _ => return Err(ReleaseError::NoMaintainer { project: project() }),
    };
    let key = req.key.as_deref().map(PublicKey::from_file).transpose()?;
    Ok(ReleaseOptions {
        distribution,
        base_url: req.base_url.clone(),
        vendor,
        key,
        version: req.version.clone(),
        maintainer,
        homepage: req
            .homepage
            .clone()
            .or_else(|| manifest.as_ref().and_then(|m| m.project.url.clone())),
        source_date_epoch: source_date_epoch(&req.project)?,
        package_gpgcheck: req.package_gpgcheck,
    })
}

/// What the release package says.
#[derive(Debug, Clone)]
struct ReleaseOptions {
    /// The distribution the package is for.
    distribution: Distribution,
    /// Where the repository tree is served.
    base_url: String,
    /// The vendor: the package is `<vendor>-release`, the files are named after it.
    vendor: String,
    /// The key that signs the repository, if it is signed.
    key: Option<PublicKey>,
    /// The package version.
    version: String,
    /// The package maintainer (`Name <email>`).
    maintainer: String,
    /// The vendor's homepage (default: the base URL when it is http(s)).
    homepage: Option<String>,
    /// Timestamps in the package.
    source_date_epoch: u64,
    /// `gpgcheck=1` (with a key): the packages are signed too.
    package_gpgcheck: bool,
}

/// The `<vendor>-release` package for `opts`.
fn release_spec(opts: &ReleaseOptions) -> Result<PackageSpec, ReleaseError> {
    let vendor = opts.vendor.trim();
    let valid = vendor
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && vendor
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '+'));
    if !valid || vendor.len() < 2 {
        return Err(ReleaseError::BadVendor {
            vendor: vendor.to_owned(),
        });
    }
    let url = opts.base_url.trim().trim_end_matches('/');
    let scheme_ok = ["http://", "https://", "file://"]
        .iter()
        .any(|s| url.starts_with(s) && url.len() > s.len());
    if !scheme_ok || url.contains([' ', '\n', '[', ']']) {
        return Err(ReleaseError::BadBaseUrl {
            url: opts.base_url.clone(),
        });
    }
    let d = &opts.distribution;
    let (os, version) = d
        .name
        .rsplit_once('-')
        .ok_or_else(|| ReleaseError::BadDistribution {
            name: d.name.clone(),
        })?;
    let signed = opts.key.is_some();
    let header = format!(
        "# {vendor} package repository for {} ({url}), from the {vendor}-release package.\n",
        d.name
    );

    let mut spec = PackageSpec::new(format!("{vendor}-release"), opts.version.clone());
    spec.arch = Arch::All;
    spec.summary = format!("Package repository configuration for {vendor}");
    spec.description = format!(
        "Configures the package manager to install {vendor} packages from\n\
         {url}\n\
         The stable channel is enabled; the testing channel is present but\n\
         disabled.{}",
        if signed {
            "\nInstalls the key that signs the repository."
        } else {
            ""
        }
    );
    spec.license = "MIT".into();
    spec.maintainer = opts.maintainer.clone();
    // A file:// repository is no homepage (lintian: bad-homepage).
    spec.url = opts
        .homepage
        .clone()
        .or_else(|| url.starts_with("http").then(|| url.to_owned()));
    spec.section = Some("admin".into());
    spec.priority = Some("optional".into());
    spec.source_date_epoch = opts.source_date_epoch;
    let conf = |path: String, text: String| {
        let mut f = FileEntry::file(path, FileSource::Inline(text.into_bytes()), 0o644);
        f.config = Some(Config { noreplace: true });
        f
    };
    match d.format {
        Format::Rpm => {
            let key_path = format!("/etc/pki/rpm-gpg/RPM-GPG-KEY-{vendor}");
            let checks = if signed {
                // repo_gpgcheck=1 verifies the signed repomd.xml, which
                // pins every package's SHA-256; gpgcheck=1 also each
                // package's own signature, so only when they have one.
                let gpgcheck = u8::from(opts.package_gpgcheck);
                format!("gpgcheck={gpgcheck}\nrepo_gpgcheck=1\ngpgkey=file://{key_path}\n")
            } else {
                "gpgcheck=0\nrepo_gpgcheck=0\n".to_owned()
            };
            let repo = format!(
                "{header}\n[{vendor}]\nname={vendor} packages for {os} $releasever ($basearch)\n\
                 baseurl={url}/{os}/$releasever/$basearch/\nenabled=1\n{checks}\n\
                 [{vendor}-testing]\nname={vendor} testing packages for {os} $releasever ($basearch)\n\
                 baseurl={url}/{os}-testing/$releasever/$basearch/\nenabled=0\n{checks}"
            );
            spec.files
                .push(conf(format!("/etc/yum.repos.d/{vendor}.repo"), repo));
            if let Some(k) = &opts.key {
                // `%config(noreplace)`: an unedited key is still replaced by a
                // rotated one on upgrade; only an admin's edit is kept.
                let mut f = FileEntry::file(
                    key_path,
                    FileSource::Inline(k.armored.clone().into_bytes()),
                    0o644,
                );
                f.config = Some(Config { noreplace: true });
                spec.files.push(f);
            }
        }
        Format::Deb => {
            let keyring = format!("/usr/share/keyrings/{vendor}-archive-keyring.gpg");
            let option = if signed {
                format!("[signed-by={keyring}]")
            } else {
                // Unsigned: apt refuses it unless told to trust it.
                "[trusted=yes]".to_owned()
            };
            let list = format!(
                "{header}deb {option} {url}/{os}/{version}/$(ARCH) /\n\
                 # The testing channel (candidates before they are promoted):\n\
                 # deb {option} {url}/{os}-testing/{version}/$(ARCH) /\n"
            );
            spec.files
                .push(conf(format!("/etc/apt/sources.list.d/{vendor}.list"), list));
            if let Some(k) = &opts.key {
                spec.files.push(FileEntry::file(
                    keyring,
                    FileSource::Inline(k.binary.clone()),
                    0o644,
                ));
            }
        }
    }
    spec.sort_files();
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn request(project: &Path) -> ReleaseRequest {
        ReleaseRequest {
            distribution: "debian-12".into(),
            base_url: "https://packages.example.com/repo".into(),
            key: None,
            vendor: Some("acme".into()),
            project: project.to_path_buf(),
            version: "1.0".into(),
            maintainer: Some("Acme <ops@example.com>".into()),
            homepage: None,
            out: project.join("out"),
            lint: false,
            package_gpgcheck: true,
        }
    }

    /// Without a manifest the vendor and maintainer must be given; each
    /// missing one is its own error, with what to give.
    #[test]
    fn defaults_come_from_the_manifest_or_are_asked_for() {
        let t = tempfile::tempdir().unwrap();
        let mut req = request(t.path());
        req.vendor = None;
        let e = release_package(&req, &omnipack_core::NoProgress).unwrap_err();
        assert!(matches!(e, ReleaseError::NoVendor { .. }), "{e}");
        assert_eq!(e.hint().as_deref(), Some("give --vendor NAME"));
        let mut req = request(t.path());
        req.maintainer = None;
        let e = release_package(&req, &omnipack_core::NoProgress).unwrap_err();
        assert!(matches!(e, ReleaseError::NoMaintainer { .. }), "{e}");
        assert!(!t.path().join("out").exists());
    }

    /// A vendor that cannot name a package and a URL clients cannot use are
    /// refused, naming the value, before anything is written.
    #[test]
    fn bad_vendor_and_url_are_named() {
        let t = tempfile::tempdir().unwrap();
        let mut req = request(t.path());
        req.vendor = Some("Acme Corp".into());
        let e = release_package(&req, &omnipack_core::NoProgress).unwrap_err();
        assert!(
            matches!(&e, ReleaseError::BadVendor { vendor } if vendor == "Acme Corp"),
            "{e}"
        );
        let mut req = request(t.path());
        req.base_url = "packages.example.com".into();
        let e = release_package(&req, &omnipack_core::NoProgress).unwrap_err();
        assert!(e.to_string().contains("`packages.example.com`"), "{e}");
        assert!(!t.path().join("out").exists());
    }

    /// The package lands in `OUT/<distribution>/` in the distribution's format.
    #[test]
    fn the_package_goes_to_its_distribution_directory() {
        let t = tempfile::tempdir().unwrap();
        let written = release_package(&request(t.path()), &omnipack_core::NoProgress).unwrap();
        assert_eq!(
            written,
            [t.path().join("out/debian-12/acme-release_1.0-1_all.deb")]
        );
    }
}
