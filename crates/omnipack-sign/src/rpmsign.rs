//! `omnipack sign FILE.rpm`: an OpenPGP signature over the RPM's main header
//! (what `rpmsign --addsign` writes in rpm ≥ 4.16: `RPMSIGTAG_RSA`/`DSA` and
//! `RPMSIGTAG_OPENPGP` in the signature header), made by our [`Signer`] and
//! put in place by the `rpm` crate in the space reserved for it, so the file
//! keeps its size and the payload is never read or rewritten.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{SignError, Signer};

/// The RPM lead's magic (`rpmlead.h`), which every .rpm starts with.
const RPM_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
/// The `ar` magic a .deb starts with (deb(5)).
const DEB_MAGIC: &[u8; 8] = b"!<arch>\n";

/// Signs every file in `paths`, after checking that each is an .rpm whose
/// digests match its bytes (as `rpm -K --nosignature`), so a wrong or
/// damaged file in the list leaves every package untouched.
pub fn sign_rpms(paths: &[PathBuf], signer: &Signer) -> Result<(), SignError> {
    for p in paths {
        let mut head = [0u8; 8];
        let n = fs_err::File::open(p).and_then(|mut f| f.read(&mut head))?;
        let head = &head[..n];
        if head.starts_with(DEB_MAGIC) {
            return Err(SignError::DebPackage { path: p.clone() });
        }
        if !head.starts_with(&RPM_MAGIC) {
            return Err(SignError::NotAnRpm { path: p.clone() });
        }
    }
    // Every digest the packages record, before any is signed: a signature
    // over a damaged file would make it look trustworthy.
    for p in paths {
        omnipack_rpm::verify_digests(p).map_err(|e| match e {
            omnipack_rpm::RpmError::Digest { .. } | omnipack_rpm::RpmError::NoDigest { .. } => {
                SignError::Damaged {
                    path: p.clone(),
                    reason: e.to_string(),
                }
            }
            other => SignError::RpmHeader {
                path: p.clone(),
                reason: other.to_string(),
            },
        })?;
    }
    for p in paths {
        sign_rpm(p, signer)?;
    }
    Ok(())
}

/// Signs the RPM at `path` in place.
fn sign_rpm(path: &Path, signer: &Signer) -> Result<(), SignError> {
    let header = |e: rpm::Error| SignError::RpmHeader {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    // Through omnipack-rpm's reader: a damaged header is an error naming the
    // file before the `rpm` crate parses it (that crate panics or asks for
    // gigabytes on some damaged headers).
    let (_, meta) = omnipack_rpm::read_with_metadata(path).map_err(|e| SignError::RpmHeader {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let bytes = meta.header_bytes().map_err(header)?;
    let signature = signer.detach(&bytes)?;
    rpm::Package::apply_signature_in_place(path, signature).map_err(|e| SignError::RpmSignature {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Whether the RPM at `path` carries a header signature (`RPMSIGTAG_RSA`,
/// `DSA` or `OPENPGP`, as `rpmsign` and [`sign_rpms`] write them) that
/// `verifier`'s key verifies over its main header: what `rpm -K` and dnf's
/// `gpgcheck=1` check with that key imported.
pub fn rpm_signed_by(path: &Path, verifier: &crate::Verifier) -> Result<bool, SignError> {
    use rpm::IndexSignatureTag as Tag;
    let (_, meta) = omnipack_rpm::read_with_metadata(path).map_err(|e| SignError::RpmHeader {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let header = meta.header_bytes().map_err(|e| SignError::RpmHeader {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok([
        Tag::RPMSIGTAG_RSA,
        Tag::RPMSIGTAG_DSA,
        Tag::RPMSIGTAG_OPENPGP,
    ]
    .into_iter()
    .filter_map(|tag| meta.signature.get_entry_data_as_binary(tag).ok())
    .any(|sig| verifier.verify_detached(sig, &header).is_ok()))
}
