//! `omnipack sign FILE.rpm`: an OpenPGP signature over the RPM's main header
//! (what `rpmsign --addsign` writes in rpm ≥ 4.16: `RPMSIGTAG_RSA`/`DSA` and
//! `RPMSIGTAG_OPENPGP` in the signature header), made by our [`Signer`] and
//! put in place by the `rpm` crate in the space reserved for it, so the file
//! keeps its size and the payload is never read or rewritten.

use std::io::Read;
use std::path::{Path, PathBuf};

use omnipack_spec::Format;

use crate::sign::{SignError, Signer};

/// Signs every file in `paths`, after checking that each is an .rpm, so a
/// wrong file in the list leaves every package untouched.
pub fn sign_rpms(paths: &[PathBuf], signer: &Signer) -> Result<(), SignError> {
    for p in paths {
        let mut head = [0u8; 8];
        let n = fs_err::File::open(p)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| SignError::Other(e.to_string()))?;
        match Format::sniff(&head[..n]) {
            Some(Format::Rpm) => {}
            Some(Format::Deb) => {
                return Err(SignError::Other(format!(
                    "`{}` is a .deb: Debian packages are not signed one by one; sign the repository (`omnipack repo index --sign-key`)",
                    p.display()
                )));
            }
            None => {
                return Err(SignError::Other(format!(
                    "`{}` is not an .rpm package",
                    p.display()
                )));
            }
        }
    }
    for p in paths {
        sign_rpm(p, signer)?;
    }
    Ok(())
}

/// Signs the RPM at `path` in place.
pub fn sign_rpm(path: &Path, signer: &Signer) -> Result<(), SignError> {
    let fail =
        |reason: String| SignError::Other(format!("cannot sign `{}`: {reason}", path.display()));
    let meta = rpm::PackageMetadata::open(path).map_err(|e| fail(e.to_string()))?;
    let header = meta.header_bytes().map_err(|e| fail(e.to_string()))?;
    let signature = signer.detach(&header)?;
    rpm::Package::apply_signature_in_place(path, signature).map_err(|e| {
        fail(format!(
            "{e}; packages written by omnipack and rpmbuild reserve space for a signature, others may need `rpmsign --addsign`"
        ))
    })
}
