//! The legacy index that `gem generate_index` writes (RubyGems
//! `Gem::Indexer`, `lib/rubygems/indexer.rb` up to 3.4; now the
//! `rubygems-generate_index` gem), for clients that do not use the compact
//! index (and for `gem list --remote`, which always reads it):
//!
//! * `specs.4.8.gz`: gzip of `Marshal.dump` of an Array of
//!   `[name, Gem::Version, platform]` for every released (not prerelease)
//!   gem, sorted by name, version, then `ruby` before other platforms
//!   (`Gem::Specification#sort_obj`); equal names, versions and platforms
//!   are one object each, linked (`Gem::Indexer#compact_specs`).
//! * `latest_specs.4.8.gz`: the same for the newest released version of
//!   each name and platform.
//! * `prerelease_specs.4.8.gz`: the same for prereleases.
//! * `quick/Marshal.4.8/<name>-<version>[-<platform>].gemspec.rz`:
//!   `Zlib::Deflate.deflate(Marshal.dump(spec))`, the spec a `u`
//!   (`_dump`) object whose bytes are `Marshal.dump` of the 19-field array of
//!   `Gem::Specification#_dump` (`lib/rubygems/specification.rb`).

use std::collections::HashMap;
use std::io::Write;

use crate::marshal::{Encoding, Marshal};
use crate::spec::{GemSpec, Requirement, Strings};

/// One entry of a specs index: name, version, original platform.
pub type Tuple<'a> = (&'a str, &'a str, &'a str);

/// `Marshal.dump` of a specs list, with equal names, versions and platforms
/// written once and linked, as `Gem::Indexer#compact_specs` makes them.
pub fn specs_marshal(tuples: &[Tuple<'_>]) -> Vec<u8> {
    let mut m = Marshal::new();
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut versions: HashMap<&str, usize> = HashMap::new();
    let mut platforms: HashMap<&str, usize> = HashMap::new();
    m.array(tuples.len());
    for &(name, version, platform) in tuples {
        m.array(3);
        match names.get(name) {
            Some(&id) => m.link(id),
            None => {
                names.insert(name, m.string(name));
            }
        }
        match versions.get(version) {
            Some(&id) => m.link(id),
            None => {
                let id = m.user_marshal("Gem::Version");
                m.array(1);
                m.string(version);
                versions.insert(version, id);
            }
        }
        match platforms.get(platform) {
            Some(&id) => m.link(id),
            None => {
                platforms.insert(platform, m.string(platform));
            }
        }
    }
    m.finish()
}

/// gzip with no name and a zero mtime: the same bytes for the same input.
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(data)?;
    gz.finish()
}

/// zlib deflate (`Gem.deflate`, `Zlib::Deflate.deflate`).
pub fn deflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data)?;
    z.finish()
}

fn version(m: &mut Marshal, v: &str) {
    m.user_marshal("Gem::Version");
    m.array(1);
    m.string(v);
}

/// A `Gem::Requirement` (`marshal_dump` → `[requirements]`).
fn requirement(m: &mut Marshal, r: &Requirement) {
    m.user_marshal("Gem::Requirement");
    m.array(1);
    m.array(r.len());
    for (op, v) in r {
        m.array(2);
        m.string(op);
        version(m, v);
    }
}

/// `Gem::Specification#summary=` (RubyGems 3.3): `strip`, then
/// `gsub(/(\w-)\n[ \t]*(\w)/, '\1\2')`, then `gsub(/\n[ \t]*/, " ")`.
fn sanitize_summary(s: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = s
        .trim_matches(|c: char| " \t\r\n\x0c\x0b\0".contains(c))
        .chars()
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                j += 1;
            }
            let hyphenated = i >= 2 && chars[i - 1] == '-' && word(chars[i - 2]);
            if !(hyphenated && j < chars.len() && word(chars[j])) {
                out.push(' ');
            }
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The bytes of `Gem::Specification#_dump`: `Marshal.dump` of its array.
pub fn spec_dump(spec: &GemSpec) -> Vec<u8> {
    let mut m = Marshal::new();
    m.array(19);
    m.string(&spec.rubygems_version);
    m.int(spec.specification_version);
    m.string(&spec.name);
    version(&mut m, &spec.version);
    let (y, mo, d) = spec.date;
    m.time_utc_date(y, mo, d);
    // `gem generate_index` sanitises (`Gem::Specification#sanitize`)
    // through the setters: `summary=` and `description=` turn nil into ""
    // (US-ASCII, as `nil.to_s` is) and `summary=` squeezes whitespace.
    match &spec.summary {
        Some(s) => m.string(&sanitize_summary(s)),
        None => m.string_in("", Encoding::Ascii),
    };
    requirement(&mut m, &spec.required_ruby_version);
    requirement(&mut m, &spec.required_rubygems_version);
    // @original_platform; for `ruby` it is the same object as @new_platform
    // (`Gem::Platform::RUBY`), so the later field links to it.
    let ruby = spec.is_ruby();
    let original = m.string(if ruby { "ruby" } else { &spec.platform });
    m.array(spec.dependencies.len());
    for dep in &spec.dependencies {
        let n = 4 + usize::from(dep.version_requirements);
        m.object("Gem::Dependency", n);
        m.symbol("@name");
        m.string(&dep.name);
        m.symbol("@requirement");
        requirement(&mut m, &dep.requirement);
        m.symbol("@type");
        m.symbol(&dep.kind);
        m.symbol("@prerelease");
        m.bool(dep.prerelease);
        if dep.version_requirements {
            m.symbol("@version_requirements");
            requirement(&mut m, &dep.requirement);
        }
    }
    m.string(""); // rubyforge_project
    match &spec.email {
        Strings::None => m.nil(),
        Strings::One(e) => {
            m.string(e);
        }
        Strings::Many(list) => {
            m.array(list.len());
            for e in list {
                m.string(e);
            }
        }
    }
    m.array(spec.authors.len());
    for a in &spec.authors {
        m.string(a);
    }
    match &spec.description {
        Some(d) => m.string(d),
        None => m.string_in("", Encoding::Ascii),
    };
    m.opt_string(spec.homepage.as_deref());
    m.bool(true); // has_rdoc
    match crate::spec::Platform::parse(&spec.platform) {
        None => m.link(original),
        Some(p) => {
            m.object("Gem::Platform", 3);
            m.symbol("@cpu");
            m.opt_string(p.cpu.as_deref());
            m.symbol("@os");
            m.string(&p.os);
            m.symbol("@version");
            m.opt_string(p.version.as_deref());
        }
    }
    m.array(spec.licenses.len());
    for l in &spec.licenses {
        m.string(l);
    }
    m.hash(spec.metadata.len());
    for (k, v) in &spec.metadata {
        m.string(k);
        m.string(v);
    }
    m.finish()
}

/// `Marshal.dump(spec)`: a `u` object of class `Gem::Specification`.
pub fn spec_marshal(spec: &GemSpec) -> Vec<u8> {
    let mut m = Marshal::new();
    m.user_dump("Gem::Specification", &spec_dump(spec));
    m.finish()
}

/// The `.gemspec.rz` of a spec.
pub fn quick_spec(spec: &GemSpec) -> std::io::Result<Vec<u8>> {
    deflate(&spec_marshal(spec))
}

#[cfg(test)]
mod tests {
    use super::sanitize_summary;

    #[test]
    fn summaries_are_squeezed_as_the_setter_does() {
        // Ruby 3.1: s = Gem::Specification.new; s.summary = "..."; s.summary
        assert_eq!(
            sanitize_summary("  A  two-\n  line\tsummary "),
            "A  two-line\tsummary"
        );
        assert_eq!(sanitize_summary("one\n\t two -\n x"), "one two - x");
        assert_eq!(sanitize_summary("x - y"), "x - y");
    }
}
