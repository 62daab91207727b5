//! `omnipack sign FILE.rpm`: an OpenPGP signature over the RPM's main header
//! (what `rpmsign --addsign` writes in rpm ≥ 4.16: `RPMSIGTAG_RSA`/`DSA` and
//! `RPMSIGTAG_OPENPGP` in the signature header), made by our [`Signer`] and
//! put in place by the `rpm` crate in the space reserved for it, so the file
//! keeps its size and the payload is never read or rewritten.

use std::path::Path;

use crate::sign::{SignError, Signer};

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
