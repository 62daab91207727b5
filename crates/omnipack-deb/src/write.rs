//! Writes a .deb (deb(5)) from a [`PackageSpec`], streaming every file once:
//!
//! 1. `data.tar.<codec>` goes through the compressor into a temporary file in
//!    the scratch directory; each file's MD5 is taken as it streams, on a
//!    second thread ([`SideHasher`]) so hashing and compressing overlap.
//! 2. `control.tar.gz` (control, md5sums, conffiles, scripts) is written next,
//!    since `Installed-Size` and `md5sums` are known only after step 1.
//! 3. The `ar` container is assembled: `debian-binary`, control, data.
//!
//! Like debhelper (dh_installdocs, dh_installchangelogs), a package without
//! them gets `/usr/share/doc/<name>/copyright` and `changelog.Debian.gz`, which
//! Debian policy §12.5 and §12.7 require (lintian: no-copyright-file, no-changelog).

use std::collections::BTreeSet;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use fs_err as fs;
use omnipack_archive::ar::ArWriter;
use omnipack_archive::tar::{Owner, TarWriter};
use omnipack_archive::{Encoder, WriteOptions};
use omnipack_core::hash::SideHasher;
use omnipack_core::hex;
use omnipack_spec::{Codec, Compression, FileKind, FileSource, PackageSpec};

use crate::{DebError, control_file};

/// One entry of data.tar, in archive order.
struct Planned<'a> {
    path: String,
    kind: Kind<'a>,
    mode: u32,
    user: &'a str,
    group: &'a str,
    config: bool,
}

enum Kind<'a> {
    Dir,
    Symlink(&'a str),
    File(&'a FileSource),
    Generated(Vec<u8>),
}

fn component_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('/').cmp(b.split('/'))
}

fn rfc2822(epoch: u64) -> String {
    omnipack_core::time::rfc2822(epoch, "+0000")
}

/// The calendar year of `epoch` (for the copyright line).
fn year(epoch: u64) -> String {
    rfc2822(epoch)
        .split(' ')
        .nth(3)
        .unwrap_or("1970")
        .to_owned()
}

fn gzip9(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(Vec::new(), flate2::Compression::best());
    e.write_all(data)?;
    e.finish()
}

/// `/usr/share/doc/<name>/copyright` in the machine-readable format (DEP-5).
fn copyright(spec: &PackageSpec) -> Vec<u8> {
    let holder = spec.vendor.as_deref().unwrap_or(&spec.maintainer);
    let mut s = String::from(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
    );
    s.push_str(&format!("Upstream-Name: {}\n", spec.name));
    if let Some(url) = &spec.url {
        s.push_str(&format!("Source: {url}\n"));
    }
    s.push_str(&format!(
        "\nFiles: *\nCopyright: Copyright {} {holder}\nLicense: {}\n",
        year(spec.source_date_epoch),
        spec.license
    ));
    s.into_bytes()
}

/// `/usr/share/doc/<name>/changelog.Debian.gz`: one entry for this build.
fn changelog(spec: &PackageSpec) -> io::Result<Vec<u8>> {
    let text = format!(
        "{} ({}) unstable; urgency=medium\n\n  * Packaged by omnipack.\n\n -- {}  {}\n",
        spec.name,
        spec.full_version(),
        spec.maintainer,
        rfc2822(spec.source_date_epoch)
    );
    gzip9(text.as_bytes())
}

/// Every data.tar entry: the spec's files, generated docs, and the parent
/// directories dpkg needs, sorted parents first.
fn plan(spec: &PackageSpec) -> io::Result<Vec<Planned<'_>>> {
    let mut out: Vec<Planned<'_>> = spec
        .files
        .iter()
        .map(|f| Planned {
            path: f.path.clone(),
            kind: match &f.kind {
                FileKind::Dir => Kind::Dir,
                FileKind::Symlink(t) => Kind::Symlink(t),
                FileKind::File(src) => Kind::File(src),
            },
            mode: f.mode,
            user: &f.user,
            group: &f.group,
            config: f.config.is_some(),
        })
        .collect();
    let doc = format!("/usr/share/doc/{}", spec.name);
    let mut generated = vec![(format!("{doc}/copyright"), copyright(spec))];
    generated.push((format!("{doc}/changelog.Debian.gz"), changelog(spec)?));
    for (path, data) in generated {
        if !out.iter().any(|p| p.path == path) {
            out.push(Planned {
                path,
                kind: Kind::Generated(data),
                mode: 0o644,
                user: "root",
                group: "root",
                config: false,
            });
        }
    }
    let present: BTreeSet<String> = out.iter().map(|p| p.path.clone()).collect();
    let mut parents = BTreeSet::new();
    for p in &out {
        let mut cur = p.path.as_str();
        while let Some((parent, _)) = cur.rsplit_once('/') {
            if parent.is_empty() {
                break;
            }
            if !present.contains(parent) {
                parents.insert(parent.to_owned());
            }
            cur = parent;
        }
    }
    for path in parents {
        out.push(Planned {
            path,
            kind: Kind::Dir,
            mode: 0o755,
            user: "root",
            group: "root",
            config: false,
        });
    }
    out.sort_by(|a, b| component_order(&a.path, &b.path));
    Ok(out)
}

/// A script as dpkg runs it: with an interpreter line, ending in a newline.
fn script_text(body: &str) -> Vec<u8> {
    let mut s = if body.starts_with("#!") {
        String::new()
    } else {
        "#!/bin/sh\nset -e\n".to_owned()
    };
    s.push_str(body);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s.into_bytes()
}

struct DataResult {
    md5sums: String,
    conffiles: String,
    installed_kib: u64,
}

fn write_data<W: Write>(
    spec: &PackageSpec,
    entries: &[Planned<'_>],
    out: W,
    compression: Compression,
    opts: &WriteOptions<'_>,
) -> Result<(W, DataResult), DebError> {
    let enc = Encoder::new(out, compression, opts.threads).map_err(DebError::Write)?;
    let mut tar = TarWriter::new(enc, spec.source_date_epoch);
    let mut r = DataResult {
        md5sums: String::new(),
        conffiles: String::new(),
        installed_kib: 0,
    };
    // Each file's MD5 (for `md5sums`) is taken on another thread while the
    // main one writes the tar and feeds the compressor (issue 20).
    let mut hasher = SideHasher::new(true, false, false).map_err(DebError::Write)?;
    let mut hashed: Vec<(&Planned<'_>, u64)> = Vec::new();
    tar.dir("./", 0o755, Owner::ROOT).map_err(DebError::Write)?;
    for e in entries {
        let owner = Owner {
            user: e.user,
            group: e.group,
        };
        let name = format!(".{}", e.path);
        match &e.kind {
            Kind::Dir => {
                tar.dir(&format!("{name}/"), e.mode, owner)
                    .map_err(DebError::Write)?;
                r.installed_kib += 1;
            }
            Kind::Symlink(target) => {
                tar.symlink(&name, target, owner).map_err(DebError::Write)?;
                r.installed_kib += 1;
            }
            Kind::File(FileSource::Inline(data)) | Kind::Generated(data) => {
                tar.file(
                    &name,
                    e.mode,
                    owner,
                    data.len() as u64,
                    hasher.reader(&data[..]),
                )
                .map_err(DebError::Write)?;
                hashed.push((e, data.len() as u64));
                if matches!(e.kind, Kind::File(_)) {
                    opts.progress.advance(data.len() as u64);
                }
            }
            Kind::File(FileSource::Path(src)) => {
                let file = fs::File::open(src).map_err(|err| DebError::Source {
                    path: src.clone(),
                    source: err,
                })?;
                let size = file.metadata()?.len();
                tar.file(&name, e.mode, owner, size, hasher.reader(file))
                    .map_err(|err| DebError::Source {
                        path: src.clone(),
                        source: err,
                    })?;
                hashed.push((e, size));
                opts.progress.advance(size);
            }
        }
    }
    let enc = tar.finish().map_err(DebError::Write)?;
    let out = enc.finish().map_err(DebError::Write)?;
    let digests = hasher.finish().map_err(DebError::Write)?;
    for ((e, size), d) in hashed.into_iter().zip(digests) {
        let rel = e.path.trim_start_matches('/');
        let md5 = d.md5.map(|m| hex(&m)).unwrap_or_default();
        r.md5sums.push_str(&format!("{md5}  {rel}\n"));
        r.installed_kib += size.div_ceil(1024);
        if e.config {
            r.conffiles.push_str(&format!("{}\n", e.path));
        }
    }
    Ok((out, r))
}

fn write_control<W: Write>(
    spec: &PackageSpec,
    data: &DataResult,
    out: W,
    threads: u32,
) -> Result<W, DebError> {
    // `md5sums` of a large tree is megabytes: gzip it on every core too (the
    // bytes do not depend on the thread count).
    let enc = Encoder::new(
        out,
        Compression {
            codec: Codec::Gzip,
            level: Some(9),
        },
        threads,
    )
    .map_err(DebError::Write)?;
    let mut tar = TarWriter::new(enc, spec.source_date_epoch);
    let control = control_file(spec, data.installed_kib.max(1));
    let mut members: Vec<(&str, Vec<u8>, u32)> = vec![("control", control.into_bytes(), 0o644)];
    if !data.conffiles.is_empty() {
        members.push(("conffiles", data.conffiles.clone().into_bytes(), 0o644));
    }
    if !data.md5sums.is_empty() {
        members.push(("md5sums", data.md5sums.clone().into_bytes(), 0o644));
    }
    let s = &spec.scripts;
    for (name, body) in [
        ("preinst", &s.pre_install),
        ("postinst", &s.post_install),
        ("prerm", &s.pre_remove),
        ("postrm", &s.post_remove),
    ] {
        if let Some(body) = body {
            members.push((name, script_text(body), 0o755));
        }
    }
    members.sort_by(|a, b| a.0.cmp(b.0));
    tar.dir("./", 0o755, Owner::ROOT).map_err(DebError::Write)?;
    for (name, bytes, mode) in members {
        tar.file(
            &format!("./{name}"),
            mode,
            Owner::ROOT,
            bytes.len() as u64,
            &bytes[..],
        )
        .map_err(DebError::Write)?;
    }
    let enc = tar.finish().map_err(DebError::Write)?;
    enc.finish().map_err(DebError::Write)
}

/// Writes `spec` as a .deb to `out`.
pub(crate) fn write(
    spec: &PackageSpec,
    out: &mut dyn Write,
    opts: &WriteOptions<'_>,
) -> Result<(), DebError> {
    crate::validate::validate(spec)?;
    let compression = spec.deb.compression.unwrap_or_default();
    let entries = plan(spec).map_err(DebError::Write)?;
    let total: u64 = spec
        .files
        .iter()
        .map(|f| match &f.kind {
            FileKind::File(FileSource::Path(p)) => fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            FileKind::File(FileSource::Inline(d)) => d.len() as u64,
            _ => 0,
        })
        .sum();
    opts.progress.start(&format!("{}.deb", spec.name), total);

    let data_tmp = tempfile::tempfile_in(opts.scratch_dir).map_err(|e| DebError::Source {
        path: opts.scratch_dir.to_path_buf(),
        source: e,
    })?;
    let (data_buf, result) = write_data(
        spec,
        &entries,
        BufWriter::with_capacity(1 << 20, data_tmp),
        compression,
        opts,
    )?;
    let mut data_file = data_buf
        .into_inner()
        .map_err(|e| DebError::Write(e.into_error()))?;
    let data_len = data_file.seek(SeekFrom::End(0))?;
    data_file.seek(SeekFrom::Start(0))?;

    let control = write_control(spec, &result, Vec::new(), opts.threads)?;

    let mut ar = ArWriter::new(out, spec.source_date_epoch);
    ar.member("debian-binary", 4, &b"2.0\n"[..])
        .map_err(DebError::Write)?;
    ar.member("control.tar.gz", control.len() as u64, &control[..])
        .map_err(DebError::Write)?;
    ar.member(
        &format!("data.tar{}", compression.extension()),
        data_len,
        io::BufReader::with_capacity(1 << 20, data_file),
    )
    .map_err(DebError::Write)?;
    ar.finish().map_err(DebError::Write)?;
    opts.progress.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_get_an_interpreter_line() {
        assert_eq!(script_text("echo hi"), b"#!/bin/sh\nset -e\necho hi\n");
        assert_eq!(
            script_text("#!/bin/bash\necho hi\n"),
            b"#!/bin/bash\necho hi\n"
        );
    }
}
