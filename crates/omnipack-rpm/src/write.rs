//! Writes a binary RPM (v4 format, rpm's `docs/manual/format.md`) in four
//! parts: the 96-byte lead, the signature header, the main header and the
//! compressed cpio payload.
//!
//! The payload is streamed to a temporary file first (see [`crate::payload`]),
//! because the headers before it record its digests and size; then the
//! headers are written and the payload copied after them. Memory use is the
//! header (per-file metadata) plus fixed buffers, whatever the payload's size.
//!
//! The signature header holds what rpmbuild 4.18 writes there, less the legacy
//! MD5 over header and payload (it would need a second pass over the payload;
//! rpm checks the header with its SHA-1/SHA-256 digests, and rpm ≥ 4.14 the
//! payload with `RPMTAG_PAYLOADDIGEST`): `RPMSIGTAG_SHA1` (269)
//! and `RPMSIGTAG_SHA256` (273) of the main header, `RPMSIGTAG_SIZE` (1000,
//! or `LONGSIZE` 270) of header plus payload, `RPMSIGTAG_PAYLOADSIZE` (1007,
//! or `LONGARCHIVESIZE` 271) of the uncompressed archive, and 4128 bytes of
//! `RPMSIGTAG_RESERVEDSPACE` (1008) so `rpmsign` can sign in place. It is built
//! with [`rpm::Header::from_entries`] because `SignatureHeaderBuilder` has no
//! payload-size tag.

use std::io::{self, BufReader, Write};

use omnipack_archive::WriteOptions;
use omnipack_core::hash::{HashingWriter, Sink};
use omnipack_core::hex;
use omnipack_spec::{Arch, FileEntry, PackageSpec};
use rpm::{Header, HeaderEntry, IndexData, IndexSignatureTag, PackageMetadata};

use crate::{RpmError, fields, header, payload};

/// Reserved space for signatures added later (rpm's `%__gpg_reserved_space` 4096 + 32).
const RESERVED_SPACE: usize = 4128;

/// `name-version-release.arch.rpm` (no epoch), as rpmbuild names its output.
pub(crate) fn file_name(spec: &PackageSpec) -> String {
    format!(
        "{}-{}-{}.{}.rpm",
        spec.name,
        spec.version,
        spec.release,
        spec.arch.rpm_name()
    )
}

/// The lead's architecture number (`arch_canon` in rpm's `rpmrc.in`); rpm
/// ignores it, `file(1)` prints it.
fn arch_number(arch: Arch) -> u16 {
    match arch {
        Arch::All => 0,
        Arch::X86_64 | Arch::I686 => 1,
        Arch::Armhf => 12,
        Arch::S390x => 15,
        Arch::Ppc64le => 16,
        Arch::Aarch64 => 19,
        Arch::Riscv64 => 22,
    }
}

/// The lead (`struct rpmlead_s` in rpm's `lib/rpmlead.c`): magic, format 3.0,
/// binary type, arch number, `name-[epoch:]version-release` (65 bytes at most,
/// NUL-terminated), OS 1 (Linux), signature type 5 (header-style signature).
fn lead(spec: &PackageSpec) -> [u8; 96] {
    let mut l = [0u8; 96];
    l[..4].copy_from_slice(&[0xed, 0xab, 0xee, 0xdb]);
    l[4] = 3;
    l[5] = 0;
    // bytes 6..8: type 0 = binary
    l[8..10].copy_from_slice(&arch_number(spec.arch).to_be_bytes());
    let nevr = format!("{}-{}", spec.name, spec.full_version());
    let n = nevr.len().min(65);
    l[10..10 + n].copy_from_slice(&nevr.as_bytes()[..n]);
    l[76..78].copy_from_slice(&1u16.to_be_bytes());
    l[78..80].copy_from_slice(&5u16.to_be_bytes());
    l
}

/// An empty header structure: magic `8e ad e8`, version 1, no entries.
const EMPTY_HEADER: [u8; 16] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// Entries in the order of the header's file list, which rpm searches by
/// binary search on the full path (`rpmfnFindFN` in rpm's `lib/rpmfi.c`):
/// byte order, which can differ from the spec's component order (`/a-b` sorts
/// before `/a/b`). Parents still precede their children.
fn header_order(spec: &PackageSpec) -> Vec<&FileEntry> {
    let mut v: Vec<&FileEntry> = spec.files.iter().collect();
    v.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    v
}

/// Writes `spec` as an RPM to `out`.
pub(crate) fn write(
    spec: &PackageSpec,
    out: &mut dyn Write,
    opts: &WriteOptions<'_>,
) -> Result<(), RpmError> {
    // Everything that can be refused is checked before a byte is written.
    crate::validate::validate(spec)?;
    let extra = fields::parse(&spec.rpm.fields)?;
    let name = file_name(spec);
    let mtime = u32::try_from(spec.source_date_epoch)
        .map_err(|_| RpmError::Epoch(spec.source_date_epoch))?;
    let entries = header_order(spec);
    let sizes = entries
        .iter()
        .map(|e| payload::entry_size(e))
        .collect::<Result<Vec<u64>, RpmError>>()?;
    let compression = spec.rpm.compression.unwrap_or_default();

    // 1. The payload, streamed to a scratch file.
    let regular: u64 = entries
        .iter()
        .zip(&sizes)
        .filter(|(e, _)| matches!(e.kind, omnipack_spec::FileKind::File(_)))
        .map(|(_, s)| s)
        .sum();
    opts.progress.start(&format!("{name} payload"), regular);
    let payload = payload::write(&entries, &sizes, mtime, compression, opts);
    opts.progress.finish();
    let mut payload = payload?;

    // 2. The main header.
    let contents = header::Contents {
        entries: &entries,
        sizes: &sizes,
        payload: &payload,
        compression,
        time: mtime,
    };
    let main = Header::from_entries(
        header::entries(spec, &extra, &contents)?,
        rpm::IndexTag::RPMTAG_HEADERIMMUTABLE,
    );

    // 3. The signature header, over the serialised main header. The rpm crate
    // has no public constructor for a lead without its `payload` feature, so
    // the metadata is parsed from our own lead and two empty headers, then filled.
    let header_err = |source| RpmError::Header {
        file_name: name.clone(),
        source,
    };
    let mut skeleton = lead(spec).to_vec();
    skeleton.extend_from_slice(&EMPTY_HEADER);
    skeleton.extend_from_slice(&EMPTY_HEADER);
    let mut meta = PackageMetadata::parse(&mut &skeleton[..]).map_err(header_err)?;
    meta.header = main;
    let header_bytes = meta.header_bytes().map_err(header_err)?;
    meta.signature = signature(&header_bytes, &payload);

    // 4. Lead, headers and payload to `out`.
    let out_err = |source| RpmError::Output {
        file_name: name.clone(),
        source,
    };
    meta.write(&mut &mut *out).map_err(|e| match e {
        rpm::Error::Io(io) => out_err(io),
        other => header_err(other),
    })?;
    io::copy(
        &mut BufReader::with_capacity(1 << 18, &mut payload.file),
        out,
    )
    .map_err(out_err)?;
    out.flush().map_err(out_err)?;
    Ok(())
}

/// The signature header for `header_bytes` followed by `payload`.
fn signature(header_bytes: &[u8], payload: &payload::Payload) -> Header<IndexSignatureTag> {
    let mut digests = HashingWriter::new(Sink, false, true, true);
    // Writing to a sink cannot fail.
    let _ = digests.write_all(header_bytes);
    let (_, d) = digests.finish();
    let hex_or_empty = |b: Option<&[u8]>| b.map(hex).unwrap_or_default();

    let tag = |t: IndexSignatureTag, data| HeaderEntry::new(t as u32, data);
    let mut e = vec![
        tag(
            IndexSignatureTag::RPMSIGTAG_SHA1,
            IndexData::StringTag(hex_or_empty(d.sha1.as_ref().map(|h| &h[..]))),
        ),
        tag(
            IndexSignatureTag::RPMSIGTAG_SHA256,
            IndexData::StringTag(hex_or_empty(d.sha256.as_ref().map(|h| &h[..]))),
        ),
    ];
    // Both sizes in 32-bit tags, or both in 64-bit ones once one reaches
    // UINT32_MAX (`rpmGenerateSignature` in rpm's lib/signature.c).
    let total = header_bytes.len() as u64 + payload.compressed_size;
    let archive = payload.archive_size;
    if total < u64::from(u32::MAX) && archive < u64::from(u32::MAX) {
        e.push(tag(
            IndexSignatureTag::RPMSIGTAG_SIZE,
            IndexData::Int32(vec![total as u32]),
        ));
        e.push(tag(
            IndexSignatureTag::RPMSIGTAG_PAYLOADSIZE,
            IndexData::Int32(vec![archive as u32]),
        ));
    } else {
        e.push(tag(
            IndexSignatureTag::RPMSIGTAG_LONGSIZE,
            IndexData::Int64(vec![total]),
        ));
        e.push(tag(
            IndexSignatureTag::RPMSIGTAG_LONGARCHIVESIZE,
            IndexData::Int64(vec![archive]),
        ));
    }
    e.push(tag(
        IndexSignatureTag::RPMSIGTAG_RESERVEDSPACE,
        IndexData::Bin(vec![0; RESERVED_SPACE]),
    ));
    Header::from_entries(e, IndexSignatureTag::HEADER_SIGNATURES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_carries_nevr_and_fixed_fields() {
        let mut s = PackageSpec::new("hello", "1.0");
        s.epoch = Some(2);
        s.arch = Arch::X86_64;
        let l = lead(&s);
        assert_eq!(&l[..6], &[0xed, 0xab, 0xee, 0xdb, 3, 0]);
        assert_eq!(&l[10..23], b"hello-2:1.0-1");
        assert_eq!(l[23], 0);
        assert_eq!(u16::from_be_bytes([l[8], l[9]]), 1);
        assert_eq!(u16::from_be_bytes([l[78], l[79]]), 5);
    }

    #[test]
    fn file_name_has_no_epoch() {
        let mut s = PackageSpec::new("hello", "1.0");
        s.epoch = Some(3);
        s.release = "2".into();
        s.arch = Arch::Aarch64;
        assert_eq!(file_name(&s), "hello-1.0-2.aarch64.rpm");
    }

    // Guards rpm's binary search over the header's file list.
    #[test]
    fn header_order_is_byte_order() {
        let mut s = PackageSpec::new("x", "1");
        for p in ["/opt/a", "/opt/a/b", "/opt/a-b"] {
            s.files.push(FileEntry::dir(p, 0o755));
        }
        s.sort_files();
        let got: Vec<&str> = header_order(&s).iter().map(|e| e.path.as_str()).collect();
        assert_eq!(got, ["/opt/a", "/opt/a-b", "/opt/a/b"]);
    }
}
