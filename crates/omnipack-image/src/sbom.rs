//! The image's software bill of materials: an SPDX 2.3 JSON document of
//! every package its dpkg database lists as installed, each with a purl
//! (`pkg:deb/<os>/<name>@<version>?arch=…`), the project's own packages
//! with the source revision they were built from.

use serde_json::{Value, json};

/// One installed package, from `/var/lib/dpkg/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// `Package`.
    pub name: String,
    /// `Version`.
    pub version: String,
    /// `Architecture`.
    pub arch: String,
    /// `Maintainer`, if any.
    pub maintainer: Option<String>,
}

/// The packages a dpkg `status` file lists as installed, sorted by name.
pub fn dpkg_installed(status: &str) -> Vec<Installed> {
    let mut out = Vec::new();
    for para in status.split("\n\n") {
        let field = |name: &str| {
            para.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (!l.starts_with([' ', '\t']) && k == name).then(|| v.trim().to_owned())
            })
        };
        let installed = field("Status").is_some_and(|s| s.ends_with(" installed"));
        if let (true, Some(name), Some(version)) = (installed, field("Package"), field("Version")) {
            out.push(Installed {
                name,
                version,
                arch: field("Architecture").unwrap_or_default(),
                maintainer: field("Maintainer"),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.arch.cmp(&b.arch)));
    out
}

/// An SPDX identifier made of `s`: letters, digits, `.` and `-` only.
fn spdx_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// What the document describes.
#[derive(Debug, Clone)]
pub struct SbomInput<'a> {
    /// The image's name.
    pub image: &'a str,
    /// Its version (tag).
    pub version: &'a str,
    /// The distribution's id for purls (`debian`).
    pub os: &'a str,
    /// The distribution (`debian-12`).
    pub distribution: &'a str,
    /// `created`, seconds since 1970 (`SOURCE_DATE_EPOCH`).
    pub epoch: u64,
    /// Something unique to this content (the layers' digests), for the
    /// document namespace.
    pub content_id: &'a str,
    /// The project's packages, and the source revision they were built from.
    pub ours: &'a [String],
    /// The project's revision (`git describe`/commit), if known.
    pub revision: Option<&'a str>,
}

/// The SPDX 2.3 document for `packages`.
pub fn spdx(input: &SbomInput<'_>, packages: &[Installed]) -> Value {
    let created = omnipack_core::time::iso8601(input.epoch);
    let image_id = "SPDXRef-Image";
    let mut list = vec![json!({
        "SPDXID": image_id,
        "name": input.image,
        "versionInfo": input.version,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_id,
    })];
    for (i, p) in packages.iter().enumerate() {
        let id = format!("SPDXRef-Package-{}-{i}", spdx_id(&p.name));
        let purl = format!(
            "pkg:deb/{}/{}@{}?arch={}&distro={}",
            input.os,
            p.name,
            p.version.replace(':', "%3A"),
            p.arch,
            input.distribution
        );
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "supplier": match &p.maintainer {
                Some(m) => format!("Organization: {m}"),
                None => "NOASSERTION".to_owned(),
            },
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }],
        });
        if input.ours.contains(&p.name) {
            pkg["sourceInfo"] = json!(match input.revision {
                Some(r) => format!("built by omnipack from the project's source at revision {r}"),
                None => "built by omnipack from the project's source".to_owned(),
            });
        }
        list.push(pkg);
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("{}-{}", input.image, input.version),
        "documentNamespace": format!(
            "https://spdx.org/spdxdocs/omnipack/{}-{}-{}",
            spdx_id(input.image),
            spdx_id(input.version),
            input.content_id.trim_start_matches("sha256:")
        ),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: omnipack-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": list,
        "relationships": relationships,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_packages_come_from_the_status_file() {
        let status = "Package: b\nStatus: install ok installed\nVersion: 1:2.0\nArchitecture: amd64\nMaintainer: M <m@x>\n\n\
                      Package: a\nStatus: deinstall ok config-files\nVersion: 1\n\n\
                      Package: a2\nStatus: install ok installed\nVersion: 3\nArchitecture: all\nDescription: x\n y\n";
        let p = dpkg_installed(status);
        assert_eq!(
            p.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["a2", "b"]
        );
        let doc = spdx(
            &SbomInput {
                image: "greet-agent",
                version: "1.0",
                os: "debian",
                distribution: "debian-12",
                epoch: 0,
                content_id: "sha256:ab",
                ours: &["b".to_owned()],
                revision: Some("abc123"),
            },
            &p,
        );
        assert_eq!(doc["packages"].as_array().unwrap().len(), 3);
        assert_eq!(
            doc["packages"][2]["externalRefs"][0]["referenceLocator"],
            "pkg:deb/debian/b@1%3A2.0?arch=amd64&distro=debian-12"
        );
        assert!(
            doc["packages"][2]["sourceInfo"]
                .as_str()
                .unwrap()
                .contains("abc123")
        );
        assert_eq!(doc["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    }
}
