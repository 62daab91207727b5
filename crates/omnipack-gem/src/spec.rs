//! Reading a `.gem` and its specification, and RubyGems' version and
//! platform rules.
//!
//! A `.gem` is a POSIX tar holding `metadata.gz` (gzip of the YAML
//! `Gem::Specification`, tagged `!ruby/object:Gem::Specification`),
//! `data.tar.gz` (the files) and usually `checksums.yaml.gz` (RubyGems
//! `Gem::Package`). The YAML is read as untyped YAML and the fields the
//! indexes need are taken from it as Psych would load them
//! (`Gem::Specification#yaml_initialize`): `Gem::Version` and
//! `Gem::Requirement` are mappings tagged with their class, symbols are
//! plain scalars starting with `:`.
//!
//! Versions compare as `Gem::Version#<=>` does (RubyGems
//! `lib/rubygems/version.rb`): segments split into numbers and letter runs,
//! trailing zeros dropped before and after the first letter segment, a
//! letter segment sorting below a number; a version with a letter is a
//! prerelease. Platforms parse as `Gem::Platform.new(string)`
//! (`lib/rubygems/platform.rb`, RubyGems 3.3).

use std::cmp::Ordering;
use std::io::Read;
use std::path::Path;

use fs_err as fs;
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;
use sha2::Digest as _;

/// Largest `metadata.gz` (uncompressed) read from a gem: real ones are a
/// few KiB; the cap keeps a hostile file from exhausting memory.
const MAX_METADATA: u64 = 16 << 20;

/// A version requirement: `(operator, version)` pairs, as
/// `Gem::Requirement#requirements`.
pub type Requirement = Vec<(String, String)>;

/// One dependency of a gem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The gem depended on.
    pub name: String,
    /// Its requirement.
    pub requirement: Requirement,
    /// `runtime` or `development`.
    pub kind: String,
    /// `@prerelease` as the YAML has it.
    pub prerelease: bool,
    /// Whether the YAML repeats the requirement as `version_requirements`
    /// (RubyGems' own writer does; it is dumped again in the quick spec).
    pub version_requirements: bool,
}

/// The `email` field: absent, one address, or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strings {
    /// `nil`.
    None,
    /// A string.
    One(String),
    /// An array of strings.
    Many(Vec<String>),
}

/// What the indexes need of a gem's specification: the fields of
/// `Gem::Specification#_dump` and the compact index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GemSpec {
    /// `name`.
    pub name: String,
    /// `version` (the `Gem::Version` string).
    pub version: String,
    /// `platform` as written (`ruby` when absent): the original platform.
    pub platform: String,
    /// The RubyGems that built it.
    pub rubygems_version: String,
    /// `specification_version`.
    pub specification_version: i32,
    /// `date` (year, month, day): RubyGems keeps only the day.
    pub date: (u32, u32, u32),
    /// `summary`.
    pub summary: Option<String>,
    /// `required_ruby_version`.
    pub required_ruby_version: Requirement,
    /// `required_rubygems_version`.
    pub required_rubygems_version: Requirement,
    /// Every dependency, runtime and development, in the spec's order.
    pub dependencies: Vec<Dependency>,
    /// `email`.
    pub email: Strings,
    /// `authors`.
    pub authors: Vec<String>,
    /// `description`.
    pub description: Option<String>,
    /// `homepage`.
    pub homepage: Option<String>,
    /// `licenses`.
    pub licenses: Vec<String>,
    /// `metadata`, in order.
    pub metadata: Vec<(String, String)>,
}

impl GemSpec {
    /// The platform as RubyGems normalises it (`Gem::Platform#to_s`), `ruby`
    /// for a pure-Ruby gem.
    pub fn platform_name(&self) -> String {
        match Platform::parse(&self.platform) {
            Some(p) => p.to_string(),
            None => "ruby".to_owned(),
        }
    }

    /// Whether the gem is for the `ruby` platform.
    pub fn is_ruby(&self) -> bool {
        Platform::parse(&self.platform).is_none()
    }

    /// `name-version[-platform]`: the `.gem` file's stem (`full_name`).
    pub fn full_name(&self) -> String {
        if self.is_ruby() {
            format!("{}-{}", self.name, self.version)
        } else {
            format!("{}-{}-{}", self.name, self.version, self.platform_name())
        }
    }

    /// `name-version[-original platform]`: the quick spec's stem
    /// (`original_name`).
    pub fn original_name(&self) -> String {
        if self.is_ruby() {
            format!("{}-{}", self.name, self.version)
        } else {
            format!("{}-{}-{}", self.name, self.version, self.platform)
        }
    }

    /// `version` or `version-platform`, as the compact index lists it.
    pub fn version_and_platform(&self) -> String {
        if self.is_ruby() {
            self.version.clone()
        } else {
            format!("{}-{}", self.version, self.platform_name())
        }
    }

    /// Whether the version is a prerelease (has a letter).
    pub fn prerelease(&self) -> bool {
        is_prerelease(&self.version)
    }
}

/// A gem read from disk: its specification and the SHA-256 of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GemFile {
    /// The specification.
    pub spec: GemSpec,
    /// Hex SHA-256 of the `.gem` (the compact index `checksum:`).
    pub sha256: String,
}

/// Reads a `.gem`: its specification from `metadata.gz`, and the SHA-256
/// of the whole file, in one pass. The error says what is wrong.
pub fn read_gem(path: &Path) -> Result<GemFile, String> {
    struct Hashing<R> {
        inner: R,
        sha: sha2::Sha256,
    }
    impl<R: Read> Read for Hashing<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.sha.update(&buf[..n]);
            Ok(n)
        }
    }
    let file = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut reader = Hashing {
        inner: std::io::BufReader::with_capacity(1 << 15, file),
        sha: sha2::Sha256::new(),
    };
    let mut metadata = None;
    let mut data = false;
    {
        let mut ar = tar::Archive::new(&mut reader);
        let entries = ar
            .entries()
            .map_err(|e| format!("not a gem (a tar archive): {e}"))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| format!("not a gem (a tar archive): {e}"))?;
            let name = entry.path_bytes().into_owned();
            match &name[..] {
                b"metadata.gz" => {
                    let mut yaml = String::new();
                    flate2::read::GzDecoder::new(&mut entry)
                        .take(MAX_METADATA)
                        .read_to_string(&mut yaml)
                        .map_err(|e| format!("`metadata.gz` is not gzip of YAML text: {e}"))?;
                    metadata = Some(yaml);
                }
                b"data.tar.gz" => data = true,
                _ => {}
            }
        }
    }
    // The tar reader stops at the end-of-archive blocks: hash the rest too.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| e.to_string())?;
    let yaml = metadata.ok_or(
        "not a gem: no `metadata.gz` in the archive (build it with `gem build`)".to_owned(),
    )?;
    if !data {
        return Err(
            "not a gem: no `data.tar.gz` in the archive (build it with `gem build`)".into(),
        );
    }
    let spec = parse_spec(&yaml)?;
    Ok(GemFile {
        spec,
        sha256: omnipack_core::hex(&reader.sha.finalize()),
    })
}

/// The value under a tag (`!ruby/object:...`), or the value itself.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

fn get<'a>(map: &'a Value, key: &str) -> Option<&'a Value> {
    untag(map).get(key).map(untag).filter(|v| !v.is_null())
}

/// A scalar as Ruby would print it; `None` for nil or a collection.
fn scalar(v: &Value) -> Option<String> {
    match untag(v) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(s)) => s.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A `Gem::Requirement` mapping: `requirements: [[op, {version: v}], ...]`.
fn requirement(v: Option<&Value>) -> Requirement {
    let Some(list) = v.and_then(|v| get(v, "requirements")) else {
        return vec![(">=".into(), "0".into())];
    };
    let Value::Sequence(list) = list else {
        return vec![(">=".into(), "0".into())];
    };
    list.iter()
        .filter_map(|pair| match untag(pair) {
            Value::Sequence(p) if p.len() == 2 => {
                let op = scalar(&p[0])?;
                let version = get(&p[1], "version")
                    .and_then(scalar)
                    .or_else(|| scalar(&p[1]))?;
                Some((op, version))
            }
            _ => None,
        })
        .collect()
}

/// Parses the YAML of `metadata.gz`.
pub fn parse_spec(yaml: &str) -> Result<GemSpec, String> {
    if let Some(line) =
        omnipack_core::nesting::too_deep(yaml, omnipack_core::nesting::MAX_FLOW_DEPTH)
    {
        return Err(format!(
            "`metadata.gz` nests collections deeper than {} levels (line {line})",
            omnipack_core::nesting::MAX_FLOW_DEPTH
        ));
    }
    let doc: Value = serde_yaml_ng::from_str(yaml)
        .map_err(|e| format!("`metadata.gz` is not a YAML gem specification: {e}"))?;
    let name = get(&doc, "name")
        .and_then(scalar)
        .filter(|n| !n.is_empty())
        .ok_or("the specification in `metadata.gz` has no `name`")?;
    let version = get(&doc, "version")
        .and_then(|v| get(v, "version").or(Some(v)))
        .and_then(scalar)
        .map(|v| v.trim().replace('-', ".pre."))
        .filter(|v| valid_version(v))
        .ok_or_else(|| format!("gem `{name}`: no valid `version` in `metadata.gz`"))?;
    if !valid_name(&name) {
        return Err(format!(
            "gem name `{name}` is not one RubyGems accepts (letters, digits, `.`, `-` and `_`, at least one letter, not starting with `.`, `-` or `_`)"
        ));
    }
    let platform = get(&doc, "platform")
        .and_then(scalar)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "ruby".to_owned());
    let date = get(&doc, "date")
        .and_then(scalar)
        .and_then(|d| parse_date(&d))
        .unwrap_or((1980, 1, 2));
    let mut dependencies = Vec::new();
    if let Some(Value::Sequence(deps)) = get(&doc, "dependencies") {
        for d in deps {
            let Some(dep_name) = get(d, "name").and_then(scalar) else {
                continue;
            };
            let kind = get(d, "type")
                .and_then(scalar)
                .map(|t| t.trim_start_matches(':').to_owned())
                .unwrap_or_else(|| "runtime".to_owned());
            let req = requirement(get(d, "requirement").or_else(|| get(d, "version_requirements")));
            // What goes into `info/<name>` lines must be what RubyGems
            // itself would accept: a name or requirement carrying `,`, `|`,
            // `&`, `:` or a newline would break (or forge) those lines.
            if !valid_name(&dep_name) {
                return Err(format!(
                    "gem `{name}`: dependency name `{dep_name}` is not one RubyGems accepts"
                ));
            }
            if let Some((op, v)) = req
                .iter()
                .find(|(op, v)| !REQUIREMENT_OPS.contains(&op.as_str()) || !valid_version(v))
            {
                return Err(format!(
                    "gem `{name}`: dependency `{dep_name}` has the requirement `{op} {v}`, which RubyGems does not accept"
                ));
            }
            dependencies.push(Dependency {
                name: dep_name,
                requirement: req,
                kind,
                prerelease: matches!(get(d, "prerelease"), Some(Value::Bool(true))),
                version_requirements: get(d, "version_requirements").is_some(),
            });
        }
    }
    let email = match get(&doc, "email") {
        None => Strings::None,
        Some(Value::Sequence(_)) => Strings::Many(strings(get(&doc, "email"))),
        Some(v) => scalar(v).map_or(Strings::None, Strings::One),
    };
    let metadata = match get(&doc, "metadata") {
        Some(Value::Mapping(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((scalar(k)?, scalar(v)?)))
            .collect(),
        _ => Vec::new(),
    };
    Ok(GemSpec {
        name,
        version,
        platform,
        rubygems_version: get(&doc, "rubygems_version")
            .and_then(scalar)
            .unwrap_or_else(|| "0".to_owned()),
        specification_version: get(&doc, "specification_version")
            .and_then(scalar)
            .and_then(|s| s.parse().ok())
            .unwrap_or(4),
        date,
        summary: get(&doc, "summary").and_then(scalar),
        required_ruby_version: requirement(get(&doc, "required_ruby_version")),
        required_rubygems_version: requirement(get(&doc, "required_rubygems_version")),
        dependencies,
        email,
        authors: strings(get(&doc, "authors")),
        description: get(&doc, "description").and_then(scalar),
        homepage: get(&doc, "homepage").and_then(scalar),
        licenses: strings(get(&doc, "licenses")),
        metadata,
    })
}

/// `YYYY-MM-DD...` → (year, month, day), as `Gem::Specification#date=`
/// keeps it.
fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let s = s.trim();
    let y = s.get(0..4)?.parse().ok()?;
    let m = s.get(5..7)?.parse().ok()?;
    let d = s.get(8..10)?.parse().ok()?;
    (s.get(4..5) == Some("-") && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then_some((y, m, d))
}

/// `Gem::Requirement::OPS`.
const REQUIREMENT_OPS: [&str; 7] = ["=", "!=", ">", "<", ">=", "<=", "~>"];

/// RubyGems' `SpecificationPolicy#validate_name`: `[A-Za-z0-9._-]+` with at
/// least one letter, not starting with `.`, `-` or `_`. So a name is always
/// one safe path component (`info/<name>`, `quick/.../<name>-...`).
pub fn valid_name(n: &str) -> bool {
    n.bytes().any(|b| b.is_ascii_alphabetic())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !n.starts_with(['.', '-', '_'])
}

/// `Gem::Version::ANCHORED_VERSION_PATTERN`:
/// `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`.
pub fn valid_version(v: &str) -> bool {
    let (main, pre) = match v.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (v, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    first_ok
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        })
}

/// Whether a version is a prerelease (`Gem::Version#prerelease?`: a letter).
pub fn is_prerelease(v: &str) -> bool {
    v.bytes().any(|b| b.is_ascii_alphabetic())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(u128),
    Str(String),
}

/// `Gem::Version#canonical_segments`.
fn canonical_segments(v: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            segs.push(Seg::Num(v[start..i].parse().unwrap_or(u128::MAX)));
        } else if bytes[i].is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            segs.push(Seg::Str(v[start..i].to_owned()));
        } else {
            i += 1;
        }
    }
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let mut strs = segs.split_off(split);
    let trim = |v: &mut Vec<Seg>| {
        while v.last() == Some(&Seg::Num(0)) {
            v.pop();
        }
    };
    trim(&mut segs);
    trim(&mut strs);
    segs.extend(strs);
    segs
}

/// `Gem::Version#<=>`.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (l, r) = (canonical_segments(a), canonical_segments(b));
    for i in 0..l.len().max(r.len()) {
        let x = l.get(i).cloned().unwrap_or(Seg::Num(0));
        let y = r.get(i).cloned().unwrap_or(Seg::Num(0));
        let o = match (&x, &y) {
            (Seg::Num(x), Seg::Num(y)) => x.cmp(y),
            (Seg::Str(x), Seg::Str(y)) => x.cmp(y),
            (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
            (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A `Gem::Platform`: cpu, os and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `@cpu` (`x86_64`, `x86`, `universal`, …; nil for legacy `java`).
    pub cpu: Option<String>,
    /// `@os`.
    pub os: String,
    /// `@version`.
    pub version: Option<String>,
}

impl std::fmt::Display for Platform {
    /// `Gem::Platform#to_s`: the non-nil parts joined by `-`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<&str> = [self.cpu.as_deref(), Some(&self.os), self.version.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        f.write_str(&parts.join("-"))
    }
}

/// Where `word` occurs in `s`, and the ASCII digits right after it.
fn word_digits(s: &str, word: &str) -> Option<Option<String>> {
    let at = s.find(word)?;
    let rest = &s[at + word.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((!digits.is_empty()).then_some(digits))
}

/// Digits with at most one `.digits` after `word` (`openbsd(\d+\.\d+)?`).
fn word_dotted(s: &str, word: &str) -> Option<Option<String>> {
    let at = s.find(word)?;
    let rest = &s[at + word.len()..];
    let (a, b) = rest.split_once('.').unwrap_or((rest, ""));
    let a: String = a.chars().take_while(char::is_ascii_digit).collect();
    let b: String = b.chars().take_while(char::is_ascii_digit).collect();
    let full = format!("{a}.{b}");
    Some((!a.is_empty() && !b.is_empty() && rest.starts_with(&full)).then_some(full))
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Platform {
    /// `Gem::Platform.new(string)`; `None` for `ruby` (and empty).
    pub fn parse(s: &str) -> Option<Platform> {
        if s.is_empty() || s == "ruby" {
            return None;
        }
        let mut arch: Vec<String> = s.split('-').map(str::to_owned).collect();
        if arch.len() > 2
            && arch
                .last()
                .is_some_and(|l| !l.bytes().any(|b| b.is_ascii_digit()))
        {
            let extra = arch.pop().unwrap_or_default();
            if let Some(last) = arch.last_mut() {
                last.push('-');
                last.push_str(&extra);
            }
        }
        let cpu_raw = arch.remove(0);
        let i86 = cpu_raw
            .as_bytes()
            .windows(4)
            .any(|w| w[0] == b'i' && w[1].is_ascii_digit() && w[2] == b'8' && w[3] == b'6');
        let mut cpu = Some(if i86 {
            "x86".to_owned()
        } else {
            cpu_raw.clone()
        });
        if arch.len() == 2 {
            let v = &arch[1];
            let (a, b) = v.split_once('.').unwrap_or((v, "0"));
            if !a.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && !b.is_empty()
                && b.bytes().all(|c| c.is_ascii_digit())
            {
                return Some(Platform {
                    cpu,
                    os: arch[0].clone(),
                    version: Some(arch[1].clone()),
                });
            }
        }
        let os = match arch.first() {
            Some(os) => os.clone(),
            None => {
                cpu = None;
                cpu_raw
            }
        };
        let (os_name, version): (String, Option<String>) = if let Some(v) = word_digits(&os, "aix")
        {
            ("aix".into(), v)
        } else if os.contains("cygwin") {
            ("cygwin".into(), None)
        } else if let Some(v) = word_digits(&os, "darwin") {
            ("darwin".into(), v)
        } else if os == "macruby" {
            ("macruby".into(), None)
        } else if let Some(v) = word_digits(&os, "freebsd") {
            ("freebsd".into(), v)
        } else if let Some(v) = word_digits(&os, "hpux") {
            ("hpux".into(), v)
        } else if os == "java" || os == "jruby" {
            ("java".into(), None)
        } else if let Some(rest) = os.strip_prefix("java") {
            let v: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            ("java".into(), Some(v))
        } else if let Some(rest) = os.strip_prefix("dalvik")
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            ("dalvik".into(), (!rest.is_empty()).then(|| rest.to_owned()))
        } else if os == "dotnet" {
            ("dotnet".into(), None)
        } else if let Some(rest) = os.strip_prefix("dotnet") {
            let v: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            ("dotnet".into(), Some(v))
        } else if let Some(at) = os.find("linux") {
            // linux-?((?!gnu)\w+)?
            let rest = &os[at + 5..];
            let rest = rest.strip_prefix('-').unwrap_or(rest);
            let word: String = rest.chars().take_while(|&c| is_word(c)).collect();
            let v = (!word.is_empty() && !word.starts_with("gnu")).then_some(word);
            ("linux".into(), v)
        } else if os.contains("mingw32") {
            ("mingw32".into(), None)
        } else if let Some(at) = os.find("mingw") {
            let rest = &os[at + 5..];
            let rest = rest.strip_prefix('-').unwrap_or(rest);
            let word: String = rest.chars().take_while(|&c| is_word(c)).collect();
            ("mingw".into(), (!word.is_empty()).then_some(word))
        } else if let Some(at) = os.find("mswin") {
            let rest = &os[at + 5..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() {
                ("unknown".into(), None)
            } else {
                let after = &rest[digits.len()..];
                let v = after.strip_prefix('_').map(|a| {
                    a.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                });
                let name = format!("mswin{digits}");
                if cpu.is_none() && name.ends_with("32") {
                    cpu = Some("x86".into());
                }
                (name, v.filter(|v| !v.is_empty()))
            }
        } else if os.contains("netbsdelf") {
            ("netbsdelf".into(), None)
        } else if let Some(v) = word_dotted(&os, "openbsd") {
            ("openbsd".into(), v)
        } else if let Some(v) = word_dotted(&os, "bitrig") {
            ("bitrig".into(), v)
        } else if let Some(v) = word_dotted(&os, "solaris") {
            ("solaris".into(), v)
        } else {
            ("unknown".into(), None)
        };
        Some(Platform {
            cpu,
            os: os_name,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_as_rubygems_orders_them() {
        let mut v = vec![
            "1.0",
            "1.0.a",
            "1.0.0.pre1",
            "0.9",
            "1.0.1",
            "1.10",
            "1.9",
            "2.0.0.rc1",
            "2.0.0",
        ];
        v.sort_by(|a, b| compare_versions(a, b));
        // Ruby 3.1: %w[...].sort_by { |v| Gem::Version.new(v) }
        assert_eq!(
            v,
            [
                "0.9",
                "1.0.a",
                "1.0.0.pre1",
                "1.0",
                "1.0.1",
                "1.9",
                "1.10",
                "2.0.0.rc1",
                "2.0.0"
            ]
        );
        assert_eq!(compare_versions("1.0", "1.0.0"), Ordering::Equal);
        assert!(is_prerelease("2.0.0.pre1") && !is_prerelease("2.0.0"));
    }

    #[test]
    fn platforms_parse_as_gem_platform_new() {
        for (s, want) in [
            ("x86_64-linux", "x86_64-linux"),
            ("x86_64-linux-gnu", "x86_64-linux"),
            ("x86_64-linux-musl", "x86_64-linux-musl"),
            ("i686-linux", "x86-linux"),
            ("universal-darwin-22", "universal-darwin-22"),
            ("arm64-darwin", "arm64-darwin"),
            ("x64-mingw-ucrt", "x64-mingw-ucrt"),
            ("x86-mingw32", "x86-mingw32"),
            ("java", "java"),
            ("x86-mswin32-60", "x86-mswin32-60"),
        ] {
            assert_eq!(Platform::parse(s).unwrap().to_string(), want, "{s}");
        }
        assert_eq!(Platform::parse("ruby"), None);
    }

    #[test]
    fn a_gemspec_yaml_is_read_as_psych_loads_it() {
        let yaml = "--- !ruby/object:Gem::Specification\nname: beta\nversion: !ruby/object:Gem::Version\n  version: 2.0.0.pre1\nplatform: ruby\nauthors:\n- Bo\ndate: 2026-12-01 00:00:00.000000000 Z\ndependencies:\n- !ruby/object:Gem::Dependency\n  name: alpha\n  requirement: !ruby/object:Gem::Requirement\n    requirements:\n    - - \"~>\"\n      - !ruby/object:Gem::Version\n        version: '1.0'\n  type: :runtime\n  prerelease: false\n  version_requirements: !ruby/object:Gem::Requirement\n    requirements:\n    - - \"~>\"\n      - !ruby/object:Gem::Version\n        version: '1.0'\nemail:\nmetadata: {}\nrubygems_version: 3.3.15\nspecification_version: 4\nsummary: Beta\n";
        let s = parse_spec(yaml).unwrap();
        assert_eq!(
            (s.name.as_str(), s.version.as_str()),
            ("beta", "2.0.0.pre1")
        );
        assert_eq!(s.date, (2026, 12, 1));
        assert_eq!(s.dependencies[0].requirement, [("~>".into(), "1.0".into())]);
        assert_eq!(s.dependencies[0].kind, "runtime");
        assert_eq!(s.email, Strings::None);
        assert_eq!(s.required_ruby_version, [(">=".into(), "0".into())]);
    }

    #[test]
    fn names_follow_rubygems_rules() {
        for ok in ["rails", "net-ssh", "a_b", "x1.2", "R2D2"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "..", ".", "123", "-x", "_x", ".x", "a b", "a/b", "a,b", "a|b", "a\nb", "",
        ] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
