//! `--format docker-archive`: the image as the tar `docker save` writes and
//! `docker load` (and `skopeo copy docker-archive:FILE …`) reads, made from
//! the OCI layout: `manifest.json` (`Config`, `RepoTags`, `Layers`), the
//! config as `<hex>.json` and each layer uncompressed as
//! `<diff-id hex>/layer.tar` (what the config's `diff_ids` name, so the
//! loader's digests match without recompressing anything).
//!
//! Reproducible as the layout is: entries in a fixed order, every mtime
//! `SOURCE_DATE_EPOCH`, owner 0:0, mode 0644; written under a hidden name
//! beside the destination and renamed into place.

use std::io::{self, Read, Write};
use std::path::Path;

use fs_err as fs;
use serde_json::json;

use crate::error::Result;
use crate::layer::Layer;
use crate::layout::canonical;

/// The hex part of `sha256:<hex>`.
fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

/// The uncompressed tar stream of a layer blob: gzip and zstd by their
/// magic numbers (a pulled base's layers may be either), else as it is.
fn decompressed(path: &Path) -> Result<Box<dyn Read>> {
    let mut magic = [0u8; 4];
    let n = fs::File::open(path)?.read(&mut magic)?;
    let f = io::BufReader::new(fs::File::open(path)?);
    Ok(match &magic[..n] {
        [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(f)),
        [0x28, 0xb5, 0x2f, 0xfd] => Box::new(zstd::stream::read::Decoder::new(f)?),
        _ => Box::new(f),
    })
}

/// A tar header for a regular file of `size` bytes.
fn header(size: u64, epoch: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(epoch);
    h
}

/// Writes the docker archive of the image in the OCI layout `layout`
/// (config `config`, `layers` base first) to `dest`, tagged `repo:tag` for
/// each of `tags`.
pub fn write_docker_archive(
    layout: &Path,
    config: &str,
    layers: &[Layer],
    repo: &str,
    tags: &[String],
    epoch: u64,
    dest: &Path,
) -> Result<()> {
    let blob = |digest: &str| layout.join("blobs/sha256").join(hex(digest));
    let mut tmp = omnipack_core::AtomicFile::create(dest)?;
    {
        let mut tar = tar::Builder::new(io::BufWriter::with_capacity(1 << 20, &mut tmp));
        let config_name = format!("{}.json", hex(config));
        let config_bytes = fs::read(blob(config))?;
        tar.append_data(
            &mut header(config_bytes.len() as u64, epoch),
            &config_name,
            config_bytes.as_slice(),
        )?;
        let mut names = Vec::new();
        for l in layers {
            // Uncompressed size first (a tar header needs it), then the
            // bytes: two passes over the gzip blob, no temporary copy.
            let open = || -> Result<Box<dyn Read>> { decompressed(&blob(&l.digest)) };
            let size = io::copy(&mut open()?, &mut io::sink())?;
            let name = format!("{}/layer.tar", hex(&l.diff_id));
            tar.append_data(&mut header(size, epoch), &name, open()?.take(size))?;
            names.push(name);
        }
        let repo_tags: Vec<String> = tags.iter().map(|t| format!("{repo}:{t}")).collect();
        let manifest = canonical(&json!([{
            "Config": config_name,
            "RepoTags": repo_tags,
            "Layers": names,
        }]));
        tar.append_data(
            &mut header(manifest.len() as u64, epoch),
            "manifest.json",
            manifest.as_slice(),
        )?;
        tar.into_inner()?.flush()?;
    }
    tmp.commit(0o644)?;
    Ok(())
}
