//! The bundle manifest: Crowbar's `crowbar.yml`, read as-is, or `bundle.yml`
//! with the same schema.
//!
//! Two readings of one text: a typed one (the fields Crowbar's
//! `barclamp_install.rb` and `package_barclamp` use) deserialised straight
//! from the YAML so a wrong field is reported with its path, line and column,
//! and an untyped [`serde_yaml_ng::Value`] of the whole document, which keeps
//! every key, known or not, for writing the manifest back. Unknown keys are
//! never rejected: barclamps carry their own (`nav`, `locale_additions`, …).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::BundleError;

/// The manifest names looked for in a bundle directory, in order.
pub const MANIFEST_NAMES: [&str; 2] = ["crowbar.yml", "bundle.yml"];

/// Crowbar's default `crowbar.order` for a barclamp that gives none.
pub const DEFAULT_ORDER: i64 = 9999;

/// The `barclamp:` section.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct BarclampSection {
    /// The bundle's name (also its directory and tarball name).
    #[serde(default)]
    pub name: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "opt_scalar")]
    pub display: Option<String>,
    /// One-line description.
    #[serde(default, deserialize_with = "opt_scalar")]
    pub description: Option<String>,
    /// Version (Crowbar writes numbers and strings).
    #[serde(default, deserialize_with = "opt_scalar")]
    pub version: Option<String>,
    /// Bundles (names) and groups (`@name`) this one needs installed first.
    #[serde(default, deserialize_with = "string_list")]
    pub requires: Vec<String>,
    /// Groups (`@name` or `name`) this bundle belongs to.
    #[serde(default, deserialize_with = "string_list")]
    pub member: Vec<String>,
    /// OS tokens supported (`ubuntu-12.04`, `centos-6.2`, …).
    #[serde(default, deserialize_with = "string_list")]
    pub os_support: Vec<String>,
}

/// The `crowbar:` section.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct CrowbarSection {
    /// Layout version of the barclamp.
    #[serde(default, deserialize_with = "opt_scalar")]
    pub layout: Option<String>,
    /// Install order (ascending; default 9999).
    #[serde(default)]
    pub order: Option<i64>,
    /// Order among proposals when applying.
    #[serde(default)]
    pub run_order: Option<i64>,
    /// Order of the chef run.
    #[serde(default)]
    pub chef_order: Option<i64>,
}

/// Packages for one OS token inside `debs:`/`rpms:`/`gems:`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct OsPackages {
    /// Package names.
    #[serde(default, deserialize_with = "string_list")]
    pub pkgs: Vec<String>,
    /// Repository lines.
    #[serde(default, deserialize_with = "string_list")]
    pub repos: Vec<String>,
    /// URLs of packages fetched as files.
    #[serde(default, deserialize_with = "string_list")]
    pub raw_pkgs: Vec<String>,
}

/// `debs:`, `rpms:` or `gems:`: packages for every OS, plus per-OS-token blocks.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PackageSection {
    /// For every OS.
    pub all: OsPackages,
    /// Per OS token (`ubuntu-12.04: {pkgs: …}`).
    pub os: BTreeMap<String, OsPackages>,
}

impl<'de> Deserialize<'de> for PackageSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PackageSection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of pkgs, repos, raw_pkgs and OS-token blocks")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(PackageSection::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = PackageSection::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "pkgs" => out.all.pkgs = map.next_value::<StringList>()?.0,
                        "repos" => out.all.repos = map.next_value::<StringList>()?.0,
                        "raw_pkgs" => out.all.raw_pkgs = map.next_value::<StringList>()?.0,
                        _ => {
                            let block: Option<OsPackages> = map.next_value()?;
                            out.os.insert(key, block.unwrap_or_default());
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// `git:`, appended by `bundle pack` as Crowbar's `package_barclamp` did.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct GitInfo {
    /// Commit date.
    #[serde(default, deserialize_with = "opt_scalar")]
    pub date: Option<String>,
    /// Commit id.
    #[serde(default, deserialize_with = "opt_scalar")]
    pub commit: Option<String>,
}

/// The typed reading; every key not named here is ignored (and kept in
/// [`Manifest::doc`]).
#[derive(Debug, Clone, Default, Deserialize)]
struct Typed {
    #[serde(default)]
    barclamp: Option<BarclampSection>,
    #[serde(default)]
    crowbar: Option<CrowbarSection>,
    #[serde(default)]
    debs: Option<PackageSection>,
    #[serde(default)]
    rpms: Option<PackageSection>,
    #[serde(default)]
    gems: Option<PackageSection>,
    #[serde(default, deserialize_with = "string_list")]
    extra_files: Vec<String>,
    #[serde(default)]
    git: Option<GitInfo>,
}

/// A bundle manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its text, as read.
    pub text: String,
    /// The whole document, unknown keys included.
    pub doc: serde_yaml_ng::Value,
    /// `barclamp:`.
    pub barclamp: BarclampSection,
    /// `crowbar:`.
    pub crowbar: CrowbarSection,
    /// `debs:`.
    pub debs: Option<PackageSection>,
    /// `rpms:`.
    pub rpms: Option<PackageSection>,
    /// `gems:`.
    pub gems: Option<PackageSection>,
    /// `extra_files:` (`URL [dest]` lines).
    pub extra_files: Vec<String>,
    /// `git:`.
    pub git: Option<GitInfo>,
    name: String,
}

/// The manifest file of the bundle directory `dir`, if any.
pub fn find(dir: &Path) -> Option<PathBuf> {
    MANIFEST_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Whether `name` can be a bundle name: one path component of letters,
/// digits, `-`, `_`, `.`, `+`, not starting with `.` or `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

impl Manifest {
    /// Reads the manifest of the bundle directory `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, BundleError> {
        let path = find(dir).ok_or_else(|| BundleError::NotABundle(dir.to_path_buf()))?;
        let text = fs::read_to_string(&path)?;
        Manifest::parse(&path, &text)
    }

    /// Parses `text`, read from `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, BundleError> {
        let bad = |message: String| BundleError::Manifest {
            path: path.to_path_buf(),
            message,
        };
        if let Some(line) =
            omnipack_core::nesting::too_deep(text, omnipack_core::nesting::MAX_FLOW_DEPTH)
        {
            return Err(bad(format!(
                "line {line}: collections nest deeper than {} levels",
                omnipack_core::nesting::MAX_FLOW_DEPTH
            )));
        }
        let typed: Typed = if text.trim().is_empty() {
            Typed::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| bad(yaml_message(&e)))?
        };
        let doc: serde_yaml_ng::Value = if text.trim().is_empty() {
            serde_yaml_ng::Value::Mapping(Default::default())
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| bad(yaml_message(&e)))?
        };
        if !doc.is_mapping() {
            return Err(BundleError::ManifestNotMapping(path.to_path_buf()));
        }
        let barclamp = typed.barclamp.unwrap_or_default();
        let name = match barclamp.name.clone() {
            Some(n) if valid_name(&n) => n,
            Some(n) => {
                return Err(BundleError::BadName {
                    path: path.to_path_buf(),
                    name: n,
                    line: line_of(text, "name:"),
                });
            }
            None => return Err(BundleError::NoName(path.to_path_buf())),
        };
        Ok(Manifest {
            path: path.to_path_buf(),
            text: text.to_owned(),
            doc,
            barclamp,
            crowbar: typed.crowbar.unwrap_or_default(),
            debs: typed.debs,
            rpms: typed.rpms,
            gems: typed.gems,
            extra_files: typed.extra_files,
            git: typed.git,
            name,
        })
    }

    /// `barclamp.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `barclamp.version`, or `""`.
    pub fn version(&self) -> &str {
        self.barclamp.version.as_deref().unwrap_or("")
    }

    /// `crowbar.order`, default 9999.
    pub fn order(&self) -> i64 {
        self.crowbar.order.unwrap_or(DEFAULT_ORDER)
    }

    /// The manifest text with `git: {date, commit}` set, as `package_barclamp`
    /// appended it: the text is kept as written (comments, order) and the
    /// section appended when there is none; an existing one is replaced by
    /// writing the whole document back (unknown keys kept).
    pub fn with_git(&self, git: &GitInfo) -> Result<String, BundleError> {
        let mut section = serde_yaml_ng::Mapping::new();
        for (k, v) in [("date", &git.date), ("commit", &git.commit)] {
            if let Some(v) = v {
                section.insert(k.into(), v.clone().into());
            }
        }
        let mut doc = self.doc.clone();
        let had = doc.get("git").is_some();
        if let Some(map) = doc.as_mapping_mut() {
            map.insert("git".into(), serde_yaml_ng::Value::Mapping(section.clone()));
        }
        if had {
            return serde_yaml_ng::to_string(&doc).map_err(|e| BundleError::Manifest {
                path: self.path.clone(),
                message: format!("cannot write the manifest back: {e}"),
            });
        }
        let mut text = self.text.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        let mut top = serde_yaml_ng::Mapping::new();
        top.insert("git".into(), serde_yaml_ng::Value::Mapping(section));
        let tail = serde_yaml_ng::to_string(&top).map_err(|e| BundleError::Manifest {
            path: self.path.clone(),
            message: format!("cannot write the git section: {e}"),
        })?;
        text.push_str(&tail);
        Ok(text)
    }

    /// Names of the groups this bundle is a member of, without `@`.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.barclamp
            .member
            .iter()
            .map(|m| m.strip_prefix('@').unwrap_or(m))
    }
}

/// serde_yaml_ng's message already holds the field path (`barclamp.order:`)
/// and `at line L column C`; said in those words for people.
fn yaml_message(e: &serde_yaml_ng::Error) -> String {
    let msg = e.to_string();
    match e.location() {
        Some(loc) if !msg.contains("line") => {
            format!("{msg} (line {} column {})", loc.line(), loc.column())
        }
        _ => msg,
    }
}

/// The 1-based line of the first line whose trimmed text starts with `key`.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i + 1)
}

/// A YAML scalar (string, number, boolean) as its text.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.map(|s| s.0))
}

/// A list of scalars; a single scalar or `~` is accepted as a list of one or none.
struct StringList(Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_unit<E: de::Error>(self) -> Result<StringList, E> {
                Ok(StringList(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_owned()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
                let mut out = Vec::new();
                while let Some(Scalar(s)) = seq.next_element()? {
                    out.push(s);
                }
                Ok(StringList(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(StringList::deserialize(d)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CROWBAR: &str = "\
# the deployer barclamp
barclamp:
  name: deployer
  display: Deployer
  version: 0
  requires:
    - '@crowbar'
    - network
  member:
    - '@crowbar'
  os_support: [ubuntu-12.04, centos-6.2]
  nav_extra: kept
crowbar:
  layout: 1
  order: 10
  run_order: 10
  chef_order: 10
debs:
  pkgs: [ipmitool]
  ubuntu-12.04:
    pkgs: [efibootmgr]
    raw_pkgs:
      - http://example.org/x.deb
rpms:
  centos-6.2:
    repos: ['bare baseurl=http://x']
gems:
  pkgs: [json]
locale_additions:
  en:
    deployer: hello
";

    #[test]
    fn reads_crowbars_schema_and_keeps_unknown_keys() {
        let m = Manifest::parse(Path::new("crowbar.yml"), CROWBAR).unwrap();
        assert_eq!(m.name(), "deployer");
        assert_eq!(m.version(), "0");
        assert_eq!(m.order(), 10);
        assert_eq!(m.barclamp.requires, ["@crowbar", "network"]);
        assert_eq!(m.groups().collect::<Vec<_>>(), ["crowbar"]);
        assert_eq!(m.barclamp.os_support, ["ubuntu-12.04", "centos-6.2"]);
        let debs = m.debs.as_ref().unwrap();
        assert_eq!(debs.all.pkgs, ["ipmitool"]);
        assert_eq!(debs.os["ubuntu-12.04"].pkgs, ["efibootmgr"]);
        assert_eq!(
            debs.os["ubuntu-12.04"].raw_pkgs,
            ["http://example.org/x.deb"]
        );
        assert_eq!(m.rpms.as_ref().unwrap().os["centos-6.2"].repos.len(), 1);
        assert_eq!(m.gems.as_ref().unwrap().all.pkgs, ["json"]);
        assert_eq!(
            m.doc["locale_additions"]["en"]["deployer"].as_str(),
            Some("hello")
        );
        assert_eq!(m.doc["barclamp"]["nav_extra"].as_str(), Some("kept"));
    }

    #[test]
    fn default_order_is_crowbars() {
        let m = Manifest::parse(Path::new("bundle.yml"), "barclamp:\n  name: x\n").unwrap();
        assert_eq!(m.order(), DEFAULT_ORDER);
    }

    #[test]
    fn git_is_appended_keeping_the_text_and_round_trips() {
        let m = Manifest::parse(Path::new("crowbar.yml"), CROWBAR).unwrap();
        let git = GitInfo {
            date: Some("2023-11-14".into()),
            commit: Some("abc123".into()),
        };
        let text = m.with_git(&git).unwrap();
        assert!(text.starts_with(CROWBAR), "{text}");
        let again = Manifest::parse(Path::new("crowbar.yml"), &text).unwrap();
        assert_eq!(again.git.as_ref(), Some(&git));
        assert_eq!(again.doc["locale_additions"], m.doc["locale_additions"]);
        // A second pack replaces the section, still keeping unknown keys.
        let git2 = GitInfo {
            date: Some("2024".into()),
            commit: Some("def".into()),
        };
        let third = Manifest::parse(Path::new("c"), &again.with_git(&git2).unwrap()).unwrap();
        assert_eq!(third.git, Some(git2));
        assert_eq!(third.doc["barclamp"]["nav_extra"].as_str(), Some("kept"));
    }

    #[test]
    fn a_malformed_manifest_names_file_line_and_field() {
        let bad = "barclamp:\n  name: x\ncrowbar:\n  order: soon\n";
        let e = Manifest::parse(Path::new("/b/crowbar.yml"), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`/b/crowbar.yml`"), "{e}");
        assert!(e.contains("crowbar.order"), "{e}");
        assert!(e.contains("line 4"), "{e}");

        let bad = "barclamp:\n  name: x\n  requires: {a: 1}\n";
        let e = Manifest::parse(Path::new("m.yml"), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("barclamp.requires"), "{e}");
        assert!(e.contains("line 3"), "{e}");

        let bad = "barclamp:\n  name: [x\n";
        let e = Manifest::parse(Path::new("m.yml"), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");

        let e = Manifest::parse(Path::new("m.yml"), "barclamp:\n  name: ../x\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("barclamp.name") && e.contains("line 2"), "{e}");
    }

    /// Issue 21: 100 000 nested `[` took the YAML parser 34 s before its
    /// depth limit; the linear pre-check refuses it first, naming the line.
    #[test]
    fn deeply_nested_yaml_is_refused_before_parsing() {
        let text = format!("barclamp:\n  name: x\n  extra: {}\n", "[".repeat(100_000));
        let e = Manifest::parse(Path::new("/b/crowbar.yml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`/b/crowbar.yml`") && e.contains("line 3"),
            "{e}"
        );
        assert!(e.contains("nest deeper than 64"), "{e}");
        // Real manifests' flow collections pass.
        let ok = "barclamp:\n  name: x\n  requires: [\"@crowbar\", \"database\"]\n";
        assert!(Manifest::parse(Path::new("m.yml"), ok).is_ok());
    }
}
