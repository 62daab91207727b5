//! `omnipack image build`: for each `[[image]]`, the base layer (the
//! distribution's build root, made once per root and epoch and cached),
//! the packages installed on top with the distribution's own package
//! manager inside the sandbox (so maintainer scripts run and dpkg's
//! database lists them), that change as one layer, the image config and
//! manifest, the SPDX SBOM as an artifact referring to the image, all in an
//! OCI image layout `OUT/<image>/` that appears whole (written hidden
//! beside it, then renamed), and pushed if asked.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use fs_err as fs;
use omnipack_core::Progress;
use omnipack_core::cleanup::ScratchDir;
use omnipack_rootfs::{Access, RootStore, Sandbox};
use omnipack_spec::{Format, ImageDecl, Manifest};
use serde_json::{Value, json};

use crate::error::{ImageError, Result};
use crate::layer::{Layer, TreeKind, write_layer};
use crate::layout::{Descriptor, OciDir, canonical, media};
use crate::push::{PushReport, PushRequest, Reference, push};
use crate::sbom::{SbomInput, dpkg_installed, spdx};

/// What `omnipack image build` is asked for.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    /// Build only this image (default: every `[[image]]`).
    pub image: Option<String>,
    /// The version (the first tag, and the `version` label).
    pub version: String,
    /// The project's source revision (a label, a default tag, the SBOM).
    pub revision: Option<String>,
    /// Where the project's packages are: `DIR/<distribution>/` (what
    /// `omnipack build --out DIR` wrote).
    pub packages: PathBuf,
    /// Install from this repository tree instead (a published or served
    /// omnipack repository, `URL/<os>/<version>/<arch>/`), through its
    /// `<vendor>-release` package, as Flocker's `FLOCKER_REPOSITORY` did.
    pub repository: Option<String>,
    /// Layouts go to `OUT/<image>/`.
    pub out: PathBuf,
    /// Every time in the image (`SOURCE_DATE_EPOCH`).
    pub epoch: u64,
    /// The build roots.
    pub roots: RootStore,
    /// Cached base layers live here.
    pub cache: PathBuf,
    /// Push each image to `PUSH/<image>` (`HOST[:PORT][/NAMESPACE]`).
    pub push: Option<String>,
    /// Tags (default: the version and the revision).
    pub tags: Vec<String>,
    /// Install the packages again even when a layer made from the same
    /// inputs is cached (to pick up the distribution mirror's updates).
    pub refresh: bool,
    /// Also write `OUT/<image>.docker.tar` for `docker load`.
    pub docker_archive: bool,
}

/// What was built.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImageReport {
    /// The image's name.
    pub name: String,
    /// Its layout directory.
    pub layout: PathBuf,
    /// The image manifest's digest.
    pub digest: String,
    /// The config's digest.
    pub config: String,
    /// The layers, base first.
    pub layers: Vec<Layer>,
    /// The SBOM artifact manifest's digest.
    pub sbom: String,
    /// The `docker load` archive, with `--format docker-archive`.
    pub docker_archive: Option<PathBuf>,
    /// Packages in the image's dpkg database.
    pub packages: usize,
    /// Tags (in the layout; pushed if `push` is set).
    pub tags: Vec<String>,
    /// The push, if one was asked for.
    pub push: Option<PushReport>,
    /// Where it was pushed.
    pub reference: Option<String>,
}

/// Builds the images `req` asks for, in manifest order.
pub fn build_images(
    manifest: &Manifest,
    req: &ImageRequest,
    progress: &dyn Progress,
) -> Result<Vec<ImageReport>> {
    if manifest.images.is_empty() {
        return Err(ImageError::NoImages(manifest.path.clone()));
    }
    let chosen: Vec<&ImageDecl> = match &req.image {
        Some(name) => {
            let found = manifest.images.iter().find(|i| &i.name == name);
            vec![found.ok_or_else(|| {
                ImageError::UnknownImage {
                    name: name.clone(),
                    manifest: manifest.path.clone(),
                    known: manifest
                        .images
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?]
        }
        None => manifest.images.iter().collect(),
    };
    let tags = default_tags(req);
    // Every reference checked before the first build.
    let target = req
        .push
        .as_deref()
        .map(|p| {
            chosen
                .iter()
                .map(|i| Reference::parse(&format!("{}/{}", p.trim_end_matches('/'), i.name)))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let mut out = Vec::new();
    for (n, decl) in chosen.iter().enumerate() {
        let mut report = build_one(manifest, decl, req, &tags, progress)?;
        if let Some(refs) = &target {
            let r = &refs[n];
            progress.note(&format!("pushing `{}` to `{r}`", decl.name));
            report.push = Some(push_layout(&report, r, &tags, progress)?);
            report.reference = Some(r.to_string());
        }
        out.push(report);
    }
    Ok(out)
}

/// The tags: the ones asked for, else the version and the short revision.
fn default_tags(req: &ImageRequest) -> Vec<String> {
    if !req.tags.is_empty() {
        return req.tags.clone();
    }
    let mut tags = vec![sanitize_tag(&req.version)];
    if let Some(r) = &req.revision {
        let t = sanitize_tag(r);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

/// A version as a tag: `+` and other characters a tag cannot hold become `_`.
fn sanitize_tag(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(128)
        .collect();
    t.trim_start_matches(['.', '-']).to_owned()
}

/// The project's package files for `decl` in `dir`: `NAME_*.deb` for
/// each package of the project it names; the other names are the
/// distribution's.
fn split_packages(
    manifest: &Manifest,
    decl: &ImageDecl,
    dir: &Path,
) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let ours: Vec<&str> = manifest.packages.iter().map(|p| p.name.as_str()).collect();
    let mut files = Vec::new();
    let mut theirs = Vec::new();
    let listing: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "deb"))
            .collect(),
        Err(_) => Vec::new(),
    };
    for name in &decl.packages {
        if !ours.contains(&name.as_str()) {
            theirs.push(name.clone());
            continue;
        }
        let prefix = format!("{name}_");
        let mut found: Vec<&PathBuf> = listing
            .iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .collect();
        found.sort();
        match found.last() {
            Some(p) => files.push((*p).clone()),
            None => {
                return Err(ImageError::MissingPackage {
                    image: decl.name.clone(),
                    package: name.clone(),
                    dir: dir.to_path_buf(),
                });
            }
        }
    }
    Ok((files, theirs))
}

/// The base layer of a build root: made once per root and epoch, kept in
/// `cache/blobs/`, recorded by the root's `root.json` and the epoch.
fn base_layer(
    req: &ImageRequest,
    distribution: &str,
    root: &Path,
    progress: &dyn Progress,
) -> Result<(Layer, PathBuf)> {
    let record = fs::read(root.with_file_name("root.json")).unwrap_or_default();
    let mut key_src = record;
    key_src.extend_from_slice(format!("\n{}\nlayer-v1", req.epoch).as_bytes());
    let key = omnipack_core::hash::sha256_hex(&key_src);
    let dir = req.cache.join("image-layers");
    let blobs = dir.join("blobs");
    let meta = dir.join(format!("{distribution}-{}.json", &key[..16]));
    if let Ok(bytes) = fs::read(&meta)
        && let Ok(layer) = serde_json::from_slice::<Layer>(&bytes)
    {
        let blob = blobs.join(layer.digest.trim_start_matches("sha256:"));
        if blob.is_file() {
            return Ok((layer, blob));
        }
    }
    let layer = write_layer(
        root,
        TreeKind::Root,
        req.epoch,
        &blobs,
        &format!("base layer ({distribution})"),
        progress,
    )?;
    omnipack_core::atomic::write_file(
        &meta,
        &serde_json::to_vec(&layer).unwrap_or_default(),
        0o644,
    )?;
    let blob = blobs.join(layer.digest.trim_start_matches("sha256:"));
    Ok((layer, blob))
}

/// What a package install leaves that is no part of an image: indexes and
/// caches the package manager rebuilds, logs, locks, backups, temporary
/// files (removed from the change, so the base's own stay as they were).
const BUILD_DEBRIS: &[&str] = &[
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/log/apt",
    "var/log/dpkg.log",
    "var/log/alternatives.log",
    "var/cache/debconf/config.dat-old",
    "var/cache/debconf/templates.dat-old",
    "var/cache/debconf/passwords.dat-old",
    "var/lib/dpkg/status-old",
    "var/lib/dpkg/diversions-old",
    "var/lib/dpkg/statoverride-old",
    "var/lib/dpkg/lock",
    "var/lib/dpkg/lock-frontend",
    "var/lib/dpkg/triggers/Lock",
    "var/cache/ldconfig/aux-cache",
    "var/cache/man",
    "root/.cache",
    "tmp",
    "var/tmp",
    "etc/machine-id",
    "etc/.pwd.lock",
    "run",
];

fn remove_debris(upper: &Path) -> Result<()> {
    for rel in BUILD_DEBRIS {
        let p = upper.join(rel);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&p)?,
            Ok(_) => fs::remove_file(&p)?,
            Err(_) => {}
        }
    }
    Ok(())
}

/// The architecture of this machine, as OCI names it.
fn oci_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        other => other,
    }
}

fn build_one(
    manifest: &Manifest,
    decl: &ImageDecl,
    req: &ImageRequest,
    tags: &[String],
    progress: &dyn Progress,
) -> Result<ImageReport> {
    let base_err = |reason: String| ImageError::Base {
        image: decl.name.clone(),
        reason,
    };
    let dist_name = decl.distribution().unwrap_or(&decl.base).to_owned();
    let distribution = omnipack_spec::distribution::find(&dist_name, &manifest.distributions)
        .map_err(|e| base_err(format!("{e}")))?;
    if distribution.format != Format::Deb {
        return Err(base_err(format!(
            "{dist_name} is an rpm distribution; images are built from deb build roots only so far (no RPM mirror answers here to make a dnf root)"
        )));
    }
    // The base: an image (its root unpacked, its layers reused as they
    // are), or the distribution's build root (one layer of it, cached).
    if decl.image_base() {
        progress.note(&format!("`{}`: the base image `{}`", decl.name, decl.base));
    }
    let image_base = crate::base::open(&decl.name, &decl.base, &req.cache, progress)?;
    let (root, base_what) = match &image_base {
        Some(b) => (
            b.rootfs.clone(),
            format!("the image {} ({})", b.name, b.digest),
        ),
        None => {
            let info = req
                .roots
                .get(&dist_name)?
                .ok_or_else(|| ImageError::NoRoot {
                    image: decl.name.clone(),
                    distribution: dist_name.clone(),
                })?;
            (
                info.path.clone(),
                format!("the {dist_name} build root ({})", info.tool),
            )
        }
    };
    let pkg_dir = req.packages.join(&dist_name);
    let (files, theirs) = match &req.repository {
        // Everything by name, from the repository the release package adds.
        Some(_) => (Vec::new(), decl.packages.clone()),
        None => split_packages(manifest, decl, &pkg_dir)?,
    };

    fs::create_dir_all(&req.out)?;
    let final_dir = req.out.join(&decl.name);
    // The layout is made in `.NAME.new-<pid>-…` and the packages installed
    // in `.NAME.work-<pid>-…`, both in `--out`; a killed build's go first.
    let (new_prefix, work_prefix) = (
        format!(".{}.new-", decl.name),
        format!(".{}.work-", decl.name),
    );
    let left: Vec<PathBuf> = [&new_prefix, &work_prefix]
        .into_iter()
        .flat_map(|p| omnipack_core::cleanup::sweep_dirs(&req.out, p))
        .collect();
    if !left.is_empty() {
        progress.note(&format!(
            "`{}`: removed {} unfinished director{} that a killed build left in `{}`",
            decl.name,
            left.len(),
            if left.len() == 1 { "y" } else { "ies" },
            req.out.display()
        ));
    }
    let staging = ScratchDir::new_in(&req.out, &new_prefix)?;
    let work = ScratchDir::new_in(&req.out, &work_prefix)?;

    // (descriptor, diff id, blob) of every base layer.
    let base_layers: Vec<(Descriptor, String, PathBuf)> = match &image_base {
        Some(b) => b.layers.clone(),
        None => {
            progress.note(&format!(
                "`{}`: base layer of the {dist_name} build root",
                decl.name
            ));
            let (base, base_blob) = base_layer(req, &dist_name, &root, progress)?;
            vec![(
                Descriptor {
                    media_type: media::LAYER_GZIP.to_owned(),
                    digest: base.digest,
                    size: base.size,
                },
                base.diff_id,
                base_blob,
            )]
        }
    };

    let dir = OciDir::create(staging.path())?;
    for (d, _, blob) in &base_layers {
        dir.import(blob, &d.digest)?;
    }
    let what = decl.packages.join(", ");
    let job = Install {
        decl,
        req,
        root: &root,
        distribution: &distribution,
        pkg_dir: &pkg_dir,
        files: &files,
        theirs: &theirs,
        work: work.path(),
    };
    let (top, top_blob, status) = job.layer(progress)?;
    progress.note(&format!("`{}`: writing the layout", decl.name));
    dir.import(&top_blob, &top.digest)?;
    let installed = dpkg_installed(&status);
    let created = omnipack_core::time::iso8601(req.epoch);
    let ours: Vec<String> = manifest.packages.iter().map(|p| p.name.clone()).collect();
    let sbom = spdx(
        &SbomInput {
            image: &decl.name,
            version: &req.version,
            os: &distribution.id,
            distribution: &dist_name,
            epoch: req.epoch,
            content_id: &top.diff_id,
            ours: &ours,
            revision: req.revision.as_deref(),
        },
        &installed,
    );

    // Config and manifest: an image base's config first, ours over it.
    let base_config = image_base
        .as_ref()
        .and_then(|b| b.config["config"].as_object().cloned())
        .unwrap_or_default();
    let base_env: Vec<String> = base_config
        .get("Env")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut env: Vec<String> = base_env
        .into_iter()
        .filter(|e| {
            !decl
                .env
                .contains_key(e.split('=').next().unwrap_or_default())
        })
        .collect();
    if !decl.env.contains_key("PATH") && !env.iter().any(|e| e.starts_with("PATH=")) {
        env.insert(0, format!("PATH={}", omnipack_rootfs::ROOT_PATH));
    }
    env.extend(decl.env.iter().map(|(k, v)| format!("{k}={v}")));
    let mut labels = base_config
        .get("Labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.insert("org.opencontainers.image.title".into(), json!(decl.name));
    labels.insert(
        "org.opencontainers.image.version".into(),
        json!(req.version),
    );
    labels.insert("org.opencontainers.image.created".into(), json!(created));
    if let Some(r) = &req.revision {
        labels.insert("org.opencontainers.image.revision".into(), json!(r));
    }
    if let Some(u) = &manifest.project.url {
        labels.insert("org.opencontainers.image.source".into(), json!(u));
    }
    if !manifest.project.license.is_empty() {
        labels.insert(
            "org.opencontainers.image.licenses".into(),
            json!(manifest.project.license),
        );
    }
    for (k, v) in &decl.labels {
        labels.insert(k.clone(), json!(v));
    }
    let mut config = base_config.clone();
    config.insert("Env".into(), json!(env));
    if !decl.entrypoint.is_empty() {
        config.insert("Entrypoint".into(), json!(decl.entrypoint));
    }
    if !decl.cmd.is_empty() {
        config.insert("Cmd".into(), json!(decl.cmd));
    }
    if !decl.ports.is_empty() {
        let ports: serde_json::Map<String, Value> = decl
            .ports
            .iter()
            .map(|p| {
                let p = if p.contains('/') {
                    p.clone()
                } else {
                    format!("{p}/tcp")
                };
                (p, json!({}))
            })
            .collect();
        let mut all = base_config
            .get("ExposedPorts")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        all.extend(ports);
        config.insert("ExposedPorts".into(), Value::Object(all));
    }
    if !decl.volumes.is_empty() {
        let v: serde_json::Map<String, Value> = decl
            .volumes
            .iter()
            .map(|v| (v.clone(), json!({})))
            .collect();
        let mut all = base_config
            .get("Volumes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        all.extend(v);
        config.insert("Volumes".into(), Value::Object(all));
    }
    if let Some(w) = &decl.workdir {
        config.insert("WorkingDir".into(), json!(w));
    }
    if let Some(u) = &decl.user {
        config.insert("User".into(), json!(u));
    }
    config.insert("Labels".into(), Value::Object(labels.clone()));
    let mut diff_ids: Vec<Value> = base_layers.iter().map(|(_, id, _)| json!(id)).collect();
    diff_ids.push(json!(top.diff_id));
    let mut history: Vec<Value> = match &image_base {
        Some(b) => b.config["history"].as_array().cloned().unwrap_or_default(),
        None => vec![json!({"created": created, "created_by": format!("omnipack: {base_what}")})],
    };
    history.push(
        json!({"created": created, "created_by": format!("omnipack: apt-get install {what}")}),
    );
    let image_config = json!({
        "architecture": oci_arch(),
        "os": "linux",
        "created": created,
        "config": Value::Object(config),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    let config_desc = dir.put_json(media::CONFIG, &image_config)?;
    let mut layer_descs: Vec<Value> = base_layers.iter().map(|(d, _, _)| d.to_json()).collect();
    layer_descs.push(
        Descriptor {
            media_type: media::LAYER_GZIP.to_owned(),
            digest: top.digest.clone(),
            size: top.size,
        }
        .to_json(),
    );
    let image_manifest = json!({
        "schemaVersion": 2,
        "mediaType": media::MANIFEST,
        "config": config_desc.to_json(),
        "layers": layer_descs,
        "annotations": {
            "org.opencontainers.image.created": created,
            "org.opencontainers.image.version": req.version,
        },
    });
    let manifest_bytes = canonical(&image_manifest);
    let manifest_desc = dir.put(media::MANIFEST, &manifest_bytes)?;

    let sbom_desc = dir.put_json(media::SPDX, &sbom)?;
    let empty = dir.put(media::EMPTY, b"{}")?;
    let mut empty_json = empty.to_json();
    empty_json["data"] = json!("e30=");
    let sbom_manifest = json!({
        "schemaVersion": 2,
        "mediaType": media::MANIFEST,
        "artifactType": media::SPDX,
        "config": empty_json,
        "layers": [sbom_desc.to_json()],
        "subject": manifest_desc.to_json(),
        "annotations": {"org.opencontainers.image.created": created},
    });
    let sbom_bytes = canonical(&sbom_manifest);
    let sbom_manifest_desc = dir.put(media::MANIFEST, &sbom_bytes)?;

    let mut index: Vec<(Descriptor, Value)> = tags
        .iter()
        .map(|t| {
            (
                manifest_desc.clone(),
                json!({"org.opencontainers.image.ref.name": t}),
            )
        })
        .collect();
    index.push((sbom_manifest_desc.clone(), json!({})));
    dir.write_index(&index)?;

    // The layout appears whole, in one step: a previous one is exchanged
    // with the new one (so the name never lacks a layout), then goes with
    // the scratch directory.
    if fs::symlink_metadata(&final_dir).is_ok() {
        rustix::fs::renameat_with(
            rustix::fs::CWD,
            staging.path(),
            rustix::fs::CWD,
            &final_dir,
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .map_err(|e| {
            std::io::Error::new(
                std::io::Error::from(e).kind(),
                format!(
                    "cannot put the new layout in place of `{}`: {e}",
                    final_dir.display()
                ),
            )
        })?;
        drop(staging);
    } else {
        fs::rename(staging.keep(), &final_dir)?;
    }
    omnipack_core::atomic::sync_dir(&req.out);
    drop(work);
    let mut layers: Vec<Layer> = base_layers
        .iter()
        .map(|(d, id, _)| Layer {
            digest: d.digest.clone(),
            diff_id: id.clone(),
            size: d.size,
        })
        .collect();
    layers.push(top);
    let docker_archive = if req.docker_archive {
        let dest = req.out.join(format!("{}.docker.tar", decl.name));
        progress.note(&format!("writing `{}`", dest.display()));
        crate::archive::write_docker_archive(
            &final_dir,
            &config_desc.digest,
            &layers,
            &decl.name,
            tags,
            req.epoch,
            &dest,
        )?;
        Some(dest)
    } else {
        None
    };

    Ok(ImageReport {
        name: decl.name.clone(),
        layout: final_dir,
        digest: manifest_desc.digest,
        config: config_desc.digest,
        layers,
        sbom: sbom_manifest_desc.digest,
        docker_archive,
        packages: installed.len(),
        tags: tags.to_vec(),
        push: None,
        reference: None,
    })
}

/// One install of an image's packages into its root: the second layer.
struct Install<'a> {
    decl: &'a ImageDecl,
    req: &'a ImageRequest,
    root: &'a Path,
    distribution: &'a omnipack_spec::distribution::Distribution,
    pkg_dir: &'a Path,
    files: &'a [PathBuf],
    theirs: &'a [String],
    work: &'a Path,
}

impl Install<'_> {
    /// What decides the layer: the root, the epoch, the package files'
    /// contents (or the repository's release package and `Packages`), the
    /// names asked for. The distribution mirror's state is not in it: a
    /// cached layer keeps the versions it was made with until
    /// `--refresh` (or a new root, epoch or package).
    fn key(&self, repository: Option<&(PathBuf, Vec<u8>)>) -> Result<String> {
        let mut h = Vec::new();
        h.extend_from_slice(b"install-v1\n");
        h.extend_from_slice(&fs::read(self.root.with_file_name("root.json")).unwrap_or_default());
        h.extend_from_slice(format!("\n{}\n", self.req.epoch).as_bytes());
        for f in self.files {
            let d = omnipack_core::hash::hash_file(f, false, false, true)?;
            h.extend_from_slice(d.sha256_hex().as_bytes());
            h.push(b'\n');
        }
        if let Some((release, packages)) = repository {
            h.extend_from_slice(omnipack_core::hash::sha256_hex(&fs::read(release)?).as_bytes());
            h.extend_from_slice(omnipack_core::hash::sha256_hex(packages).as_bytes());
        }
        for n in &self.decl.packages {
            h.extend_from_slice(n.as_bytes());
            h.push(b'\n');
        }
        Ok(omnipack_core::hash::sha256_hex(&h))
    }

    /// The layer (from the cache, or installed now and cached), its blob
    /// and the image's dpkg `status`.
    fn layer(&self, progress: &dyn Progress) -> Result<(Layer, PathBuf, String)> {
        let (decl, req) = (self.decl, self.req);
        let repository = match &req.repository {
            Some(url) => Some(fetch_release_package(
                url,
                self.distribution,
                self.work,
                &decl.name,
            )?),
            None => None,
        };
        let key = self.key(repository.as_ref())?;
        let cached = req.cache.join("image-layers/installs").join(&key);
        if !req.refresh
            && let Ok(bytes) = fs::read(cached.join("layer.json"))
            && let Ok(layer) = serde_json::from_slice::<Layer>(&bytes)
            && let Ok(status) = fs::read_to_string(cached.join("status"))
        {
            let blob = req
                .cache
                .join("image-layers/blobs")
                .join(layer.digest.trim_start_matches("sha256:"));
            if blob.is_file() {
                progress.note(&format!(
                    "`{}`: the packages' layer is unchanged (cached; --refresh installs again)",
                    decl.name
                ));
                return Ok((layer, blob, status));
            }
        }
        let (layer, status) =
            self.install(repository.as_ref().map(|(p, _)| p.as_path()), progress)?;
        let blob = req
            .cache
            .join("image-layers/blobs")
            .join(layer.digest.trim_start_matches("sha256:"));
        // The record last: a cache entry is whole or absent.
        fs::create_dir_all(&cached)?;
        omnipack_core::atomic::write_file(&cached.join("status"), status.as_bytes(), 0o644)?;
        omnipack_core::atomic::write_file(
            &cached.join("layer.json"),
            &serde_json::to_vec(&layer).unwrap_or_default(),
            0o644,
        )?;
        Ok((layer, blob, status))
    }

    /// Installs the packages with apt inside the root and writes the
    /// change as a layer into the cache's blobs; returns it and the
    /// image's dpkg `status`.
    fn install(&self, release: Option<&Path>, progress: &dyn Progress) -> Result<(Layer, String)> {
        let (decl, req) = (self.decl, self.req);
        let mut sandbox = Sandbox::in_root(self.root)?;
        let changes = self.work.join("changes");
        sandbox.keep_changes(&changes)?;
        if !self.files.is_empty() {
            sandbox.bind(self.pkg_dir, Access::Read)?;
        }
        // With a repository: its release package first (the apt source and
        // the key), then apt-get update sees the repository.
        let mut first = String::new();
        if let Some(release) = release {
            sandbox.bind(release.parent().unwrap_or(self.work), Access::Read)?;
            first = format!(
                "apt-get -o APT::Sandbox::User=root install -y -q --no-install-recommends '{}'\n",
                release.display()
            );
            progress.note(&format!(
                "`{}`: the repository's release package `{}`",
                decl.name,
                release.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
        let mut args: Vec<OsString> = vec![
            "-c".into(),
            // apt's `_apt` sandbox user cannot write bwrap's root-owned /tmp.
            format!(
                "set -e\n{first}apt-get -o APT::Sandbox::User=root update -q\n\
                 apt-get -o APT::Sandbox::User=root install -y -q --no-install-recommends \"$@\""
            )
            .into(),
            "sh".into(),
        ];
        for f in self.files {
            args.push(std::path::absolute(f)?.into());
        }
        args.extend(self.theirs.iter().map(OsString::from));
        let what = decl.packages.join(", ");
        progress.note(&format!("`{}`: installing {what}", decl.name));
        let env = [
            (
                "DEBIAN_FRONTEND".to_owned(),
                OsString::from("noninteractive"),
            ),
            ("SOURCE_DATE_EPOCH".to_owned(), req.epoch.to_string().into()),
        ];
        let output = sandbox
            .command("sh".as_ref(), &args, &env, Some(Path::new("/")))?
            .output()?;
        if !output.status.success() {
            let text = String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            return Err(ImageError::Install {
                image: decl.name.clone(),
                packages: what,
                status: output.status.to_string(),
                log: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            });
        }
        let upper = changes.join("upper");
        remove_debris(&upper)?;
        let layer = write_layer(
            &upper,
            TreeKind::Upper(self.root),
            req.epoch,
            &req.cache.join("image-layers/blobs"),
            &format!("`{}`: packages layer", decl.name),
            progress,
        )?;
        // The SBOM's source: the image's dpkg database.
        let status_file = [
            upper.join("var/lib/dpkg/status"),
            self.root.join("var/lib/dpkg/status"),
        ]
        .into_iter()
        .find(|p| p.is_file());
        let status = match status_file {
            Some(p) => fs::read_to_string(p)?,
            None => String::new(),
        };
        Ok((layer, status))
    }
}

/// Reads `url` (`http(s)://` or `file://`).
fn fetch(url: &str) -> std::result::Result<Vec<u8>, String> {
    if let Some(path) = url.strip_prefix("file://") {
        return fs::read(path).map_err(|e| e.to_string());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let resp = reqwest::get(url).await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        Ok(resp.bytes().await.map_err(|e| e.to_string())?.to_vec())
    })
}

/// Downloads the `<vendor>-release` package of the repository tree at
/// `url` for `dist` (from the stable leaf's `Packages`, checked against its
/// SHA-256) into `work/release/`; returns its path.
fn fetch_release_package(
    url: &str,
    dist: &omnipack_spec::distribution::Distribution,
    work: &Path,
    image: &str,
) -> Result<(PathBuf, Vec<u8>)> {
    let fail = |reason: String| ImageError::Base {
        image: image.to_owned(),
        reason,
    };
    let base = url.trim_end_matches('/');
    if !["http://", "https://", "file://"]
        .iter()
        .any(|s| base.starts_with(s))
    {
        return Err(fail(format!(
            "--repository `{url}` must be an http://, https:// or file:// URL of a repository tree"
        )));
    }
    let (os, version) = dist
        .name
        .rsplit_once('-')
        .ok_or_else(|| fail(format!("`{}` is not `<os>-<version>`", dist.name)))?;
    let arch = crate::build::deb_arch();
    let leaf = format!("{base}/{os}/{version}/{arch}");
    let packages = fetch(&format!("{leaf}/Packages")).map_err(|e| {
        fail(format!(
            "cannot read `{leaf}/Packages` ({e}): is `{url}` an omnipack repository tree with a stable {} leaf?",
            dist.name
        ))
    })?;
    let text = String::from_utf8_lossy(&packages);
    let field = |para: &str, name: &str| {
        para.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k == name).then(|| v.trim().to_owned())
        })
    };
    let releases: Vec<&str> = text
        .split("\n\n")
        .filter(|p| field(p, "Package").is_some_and(|n| n.ends_with("-release")))
        .collect();
    let [para] = releases.as_slice() else {
        return Err(fail(format!(
            "`{leaf}` holds {} `<vendor>-release` packages; it needs exactly one (`omnipack release-package`, then `repo add` and `promote`)",
            releases.len()
        )));
    };
    let filename = field(para, "Filename").unwrap_or_default();
    let name = filename.trim_start_matches("./");
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(fail(format!(
            "`{leaf}/Packages` names the release package `{filename}`"
        )));
    }
    let bytes = fetch(&format!("{leaf}/{name}"))
        .map_err(|e| fail(format!("cannot download `{leaf}/{name}` ({e})")))?;
    let want = field(para, "SHA256")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if omnipack_core::hash::sha256_hex(&bytes) != want {
        return Err(fail(format!(
            "`{leaf}/{name}` does not match the SHA-256 its Packages lists"
        )));
    }
    let dir = work.join("release");
    fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    fs::write(&path, bytes)?;
    Ok((path, packages))
}

/// This machine's architecture as Debian names it (the channel layout's
/// `<arch>` directory of a deb distribution).
pub(crate) fn deb_arch() -> &'static str {
    oci_arch()
}

/// Pushes a built layout's image, its SBOM and tags.
fn push_layout(
    report: &ImageReport,
    r: &Reference,
    tags: &[String],
    progress: &dyn Progress,
) -> Result<PushReport> {
    let dir = &report.layout;
    let blob = |digest: &str| {
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let read = |digest: &str| -> Result<Vec<u8>> { Ok(fs::read(blob(digest))?) };
    let manifest_bytes = read(&report.digest)?;
    let sbom_bytes = read(&report.sbom)?;
    let m: Value = serde_json::from_slice(&manifest_bytes).map_err(|e| ImageError::Layout {
        path: blob(&report.digest),
        reason: e.to_string(),
    })?;
    let s: Value = serde_json::from_slice(&sbom_bytes).map_err(|e| ImageError::Layout {
        path: blob(&report.sbom),
        reason: e.to_string(),
    })?;
    let desc = |v: &Value| Descriptor {
        media_type: v["mediaType"].as_str().unwrap_or_default().to_owned(),
        digest: v["digest"].as_str().unwrap_or_default().to_owned(),
        size: v["size"].as_u64().unwrap_or(0),
    };
    let mut blobs: Vec<Descriptor> = Vec::new();
    blobs.push(desc(&m["config"]));
    for l in m["layers"].as_array().into_iter().flatten() {
        blobs.push(desc(l));
    }
    blobs.push(desc(&s["config"]));
    for l in s["layers"].as_array().into_iter().flatten() {
        blobs.push(desc(l));
    }
    let paths: Vec<PathBuf> = blobs.iter().map(|d| blob(&d.digest)).collect();
    let req = PushRequest {
        reference: r,
        blobs: blobs
            .into_iter()
            .zip(paths.iter())
            .map(|(d, p)| (d, p.as_path()))
            .collect(),
        manifest: (
            Descriptor {
                media_type: media::MANIFEST.to_owned(),
                digest: report.digest.clone(),
                size: manifest_bytes.len() as u64,
            },
            manifest_bytes,
        ),
        sbom: Some((
            Descriptor {
                media_type: media::MANIFEST.to_owned(),
                digest: report.sbom.clone(),
                size: sbom_bytes.len() as u64,
            },
            sbom_bytes,
        )),
        tags,
        progress,
    };
    push(&req)
}
