//! The digests an RPM records about itself, checked against its bytes as
//! `rpm -K --nosignature` checks them: the main header's SHA-256 and SHA-1
//! (`RPMSIGTAG_SHA256` 273, `RPMSIGTAG_SHA1` 269, hex strings in the
//! signature header), the compressed payload's SHA-256
//! (`RPMTAG_PAYLOADDIGEST` 5092 with `RPMTAG_PAYLOADDIGESTALGO` 5093 = 8, in
//! the main header), and the legacy MD5 of header and payload
//! (`RPMSIGTAG_MD5` 1004, 16 bytes). The file is read once, in 64 KiB
//! pieces: memory does not grow with the payload.
//!
//! A damaged payload (a flipped byte anywhere after the headers) fails the
//! payload digest; `inspect --verify` and `sign` refuse such a file, as rpm
//! refuses to install it. Digests of other algorithms (SHA-512, SHA3, the
//! uncompressed payload's `…ALT` tags) are listed as not checked.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use fs_err as fs;
use omnipack_core::hash::{HashingWriter, hex};
use rpm::{IndexSignatureTag, IndexTag};

use crate::RpmError;

/// `RPMTAG_PAYLOADDIGESTALGO`'s value for SHA-256 (rpm's `PGPHASHALGO_SHA256`).
const PGPHASHALGO_SHA256: u32 = 8;

/// What was checked: each digest that matched, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestReport {
    /// The digests checked and found to match (`header SHA256`, `header
    /// SHA1`, `payload SHA256`, `MD5`).
    pub ok: Vec<String>,
    /// Digests the package records that this check does not compute.
    pub not_checked: Vec<String>,
}

/// Checks every digest `path` records against its bytes. An error names the
/// first that does not match; a package recording none is an error too.
pub fn verify_digests(path: &Path) -> Result<DigestReport, RpmError> {
    let read_err = |source| RpmError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    let mut r = BufReader::new(file);
    let (layout, meta) = crate::read::layout_and_metadata(&mut r, len, path)?;

    let sig = &meta.signature;
    let header_sha256 = sig
        .get_entry_data_as_string(IndexSignatureTag::RPMSIGTAG_SHA256)
        .ok()
        .map(str::to_ascii_lowercase);
    let header_sha1 = sig
        .get_entry_data_as_string(IndexSignatureTag::RPMSIGTAG_SHA1)
        .ok()
        .map(str::to_ascii_lowercase);
    let md5 = sig
        .get_entry_data_as_binary(IndexSignatureTag::RPMSIGTAG_MD5)
        .ok()
        .map(hex);
    let algo = meta
        .header
        .get_entry_data_as_u32(IndexTag::RPMTAG_PAYLOADSHA256ALGO)
        .ok();
    let payload_digest = meta
        .header
        .get_entry_data_as_string_array(IndexTag::RPMTAG_PAYLOADSHA256)
        .ok()
        .and_then(|a| a.first().map(|s| s.to_ascii_lowercase()))
        .or_else(|| {
            meta.header
                .get_entry_data_as_string(IndexTag::RPMTAG_PAYLOADSHA256)
                .ok()
                .map(str::to_ascii_lowercase)
        });
    let mut report = DigestReport::default();
    let payload_sha256 = match (&payload_digest, algo) {
        (Some(d), None | Some(PGPHASHALGO_SHA256)) => Some(d.clone()),
        (Some(_), Some(other)) => {
            report
                .not_checked
                .push(format!("payload digest (algorithm {other})"));
            None
        }
        (None, _) => None,
    };
    for (tag, name) in [
        (IndexSignatureTag::RPMSIGTAG_SHA3_256, "header SHA3-256"),
        (IndexSignatureTag::RPMSIGTAG_RSA, "header RSA signature"),
        (
            IndexSignatureTag::RPMSIGTAG_OPENPGP,
            "header OpenPGP signature",
        ),
    ] {
        if sig.entry_is_present(tag) {
            report.not_checked.push(name.to_owned());
        }
    }
    if header_sha256.is_none() && header_sha1.is_none() && md5.is_none() && payload_sha256.is_none()
    {
        return Err(RpmError::NoDigest {
            path: path.to_path_buf(),
        });
    }

    // One pass over the header, then the payload.
    r.seek(SeekFrom::Start(layout.header)).map_err(read_err)?;
    let mut whole = HashingWriter::new(std::io::sink(), md5.is_some(), false, false);
    let mut part = HashingWriter::new(std::io::sink(), false, header_sha1.is_some(), true);
    copy_exact(
        &mut r,
        &mut whole,
        &mut part,
        layout.payload - layout.header,
    )
    .map_err(read_err)?;
    let header = part.take_digests();
    let mut payload = HashingWriter::new(std::io::sink(), false, false, true);
    copy_exact(&mut r, &mut whole, &mut payload, len - layout.payload).map_err(read_err)?;
    let payload = payload.take_digests();
    let whole = whole.take_digests();

    let mut check = |which: &str, recorded: Option<String>, computed: Option<String>| {
        let (Some(recorded), Some(computed)) = (recorded, computed) else {
            return Ok(());
        };
        if recorded != computed {
            return Err(RpmError::Digest {
                path: path.to_path_buf(),
                which: which.to_owned(),
                recorded,
                computed,
            });
        }
        report.ok.push(which.to_owned());
        Ok(())
    };
    check("header SHA256", header_sha256, Some(header.sha256_hex()))?;
    check("header SHA1", header_sha1, header.sha1_hex())?;
    check("payload SHA256", payload_sha256, Some(payload.sha256_hex()))?;
    check("MD5", md5, whole.md5_hex())?;
    Ok(report)
}

/// Copies `n` bytes of `r` into both writers.
fn copy_exact<R: Read>(
    r: &mut R,
    a: &mut impl std::io::Write,
    b: &mut impl std::io::Write,
    mut n: u64,
) -> std::io::Result<()> {
    let mut buf = [0u8; 64 * 1024];
    while n > 0 {
        let want = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
        let got = r.read(&mut buf[..want])?;
        if got == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        a.write_all(&buf[..got])?;
        b.write_all(&buf[..got])?;
        n -= got as u64;
    }
    Ok(())
}
