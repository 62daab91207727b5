//! deb-symbols(5) and deb-shlibs(5) files, read as `Dpkg::Shlibs::SymbolFile`
//! and `dpkg-shlibdeps`' `extract_from_shlibs` read them.

use std::collections::HashMap;

/// One library (`soname`) of a symbols file.
#[derive(Debug, Clone, Default)]
pub struct SymObject {
    /// Dependency templates: the header's, then each `| alternative` line (dep id 1, 2, …).
    pub deps: Vec<String>,
    /// Plain symbols (`name@version`); patterns (`c++`, `symver`, `regex`
    /// tags, `*@VERSION`) are not looked up by dpkg-shlibdeps and are left out.
    pub syms: HashMap<String, Sym>,
}

/// One symbol line.
#[derive(Debug, Clone)]
pub struct Sym {
    /// Minimal version.
    pub minver: String,
    /// Index of the dependency template.
    pub dep_id: usize,
    /// `#DEPRECATED: …#` or `#MISSING: …#`: not looked up.
    pub deprecated: bool,
}

/// Whether the symbols file has a line `SONAME ` (dpkg-shlibdeps' `symfile_has_soname`).
pub fn has_soname(text: &str, soname: &str) -> bool {
    text.lines()
        .any(|l| l.strip_prefix(soname).is_some_and(|r| r.starts_with(' ')))
}

/// The object for `soname` in a symbols file, if it has one. `#include`
/// lines (not found in installed symbols files) are ignored.
pub fn parse_object(text: &str, soname: &str) -> Option<SymObject> {
    let mut current: Option<String> = None;
    let mut found: Option<SymObject> = None;
    for line in text.lines() {
        let (deprecated, spec) = if let Some(rest) = line
            .strip_prefix("#DEPRECATED: ")
            .or_else(|| line.strip_prefix("#MISSING: "))
        {
            match rest.split_once('#') {
                Some((_, spec)) => (true, spec.trim_start()),
                None => continue,
            }
        } else if line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
            (false, line.trim_start())
        } else if line.is_empty() || line.starts_with('#') {
            continue;
        } else if let Some(alt) = line.strip_prefix('|') {
            if current.as_deref() == Some(soname)
                && let Some(o) = found.as_mut()
            {
                o.deps.push(alt.trim_start().to_owned());
            }
            continue;
        } else if line.starts_with('*') {
            continue; // meta field (Build-Depends-Package: no build dependencies here)
        } else {
            let Some((name, dep)) = line.split_once(char::is_whitespace) else {
                continue;
            };
            current = Some(name.to_owned());
            if name == soname {
                let o = found.get_or_insert_with(SymObject::default);
                o.deps = vec![dep.trim_start().to_owned()];
            }
            continue;
        };
        if current.as_deref() != Some(soname) {
            continue;
        }
        if let Some((name, sym)) = parse_symbol(spec, deprecated)
            && let Some(o) = found.as_mut()
        {
            o.syms.insert(name, sym);
        }
    }
    found
}

/// `Dpkg::Shlibs::Symbol::parse_symbolspec`; `None` for patterns and bad lines.
fn parse_symbol(spec: &str, deprecated: bool) -> Option<(String, Sym)> {
    let mut tags: Vec<&str> = Vec::new();
    let (name, rest) = if let Some(inner) = spec.strip_prefix('(')
        && let Some((tagspec, after)) = inner.split_once(')')
        && !tagspec.is_empty()
    {
        tags = tagspec
            .split('|')
            .map(|t| t.split('=').next().unwrap_or(t))
            .collect();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
        match quote {
            Some(q) => {
                let body = &after[1..];
                let end = body.find(q)?;
                (&body[..end], &body[end + 1..])
            }
            None => split_first_word(after)?,
        }
    } else {
        split_first_word(spec)?
    };
    let pattern = name.starts_with("*@")
        || tags
            .iter()
            .any(|t| matches!(*t, "c++" | "symver" | "regex"));
    if pattern || name.is_empty() {
        return None;
    }
    // "the rest": one blank, the minimal version, optionally one blank and the dep id.
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?;
    let mut words = rest.split(char::is_whitespace);
    let minver = words.next().filter(|w| !w.is_empty())?.to_owned();
    let dep_id = words
        .next()
        .and_then(|w| {
            let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or(0);
    Some((
        name.to_owned(),
        Sym {
            minver,
            dep_id,
            deprecated,
        },
    ))
}

fn split_first_word(s: &str) -> Option<(&str, &str)> {
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// `split_soname`: `libfoo.so.1` → (`libfoo`, `1`), `libfoo-1.2.so` → (`libfoo`, `1.2`).
pub fn split_soname(soname: &str) -> Option<(&str, &str)> {
    if let Some(i) = soname.rfind(".so.")
        && i > 0
        && i + 4 < soname.len()
    {
        // Perl's greedy `^(.+)\.so\.(.+)$` splits at the last ".so.".
        return Some((&soname[..i], &soname[i + 4..]));
    }
    let stem = soname.strip_suffix(".so")?;
    // `^(.+)-(\d.*)\.so$`: the last "-" followed by a digit, with something before it.
    let i = stem
        .char_indices()
        .filter(|(i, c)| *c == '-' && *i > 0)
        .map(|(i, _)| i)
        .rfind(|i| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))?;
    Some((&stem[..i], &stem[i + 1..]))
}

/// The dependency a deb-shlibs(5) file gives for `soname` in a `deb`
/// package: a line typed `deb:` wins, an untyped line is the default.
pub fn shlibs_dependency(text: &str, soname: &str) -> Option<String> {
    let (name, version) = split_soname(soname)?;
    let mut dep = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with('#') {
            continue;
        }
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let kind = match words.first() {
            Some(w) if w.ends_with(':') => {
                let k = w.trim_end_matches(':').to_owned();
                words.remove(0);
                Some(k)
            }
            _ => None,
        };
        if words.len() < 2 || words[0] != name || words[1] != version {
            continue;
        }
        // The dependency is the rest of the line, as written.
        let after_version = rest_after_words(line, if kind.is_some() { 3 } else { 2 });
        match kind.as_deref() {
            Some("deb") => return Some(after_version),
            Some(_) => {}
            None => {
                dep.get_or_insert(after_version);
            }
        }
    }
    dep
}

/// The text of `line` after its first `n` blank-separated words, trimmed.
fn rest_after_words(line: &str, n: usize) -> String {
    let mut rest = line.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sonames_split_as_dpkg() {
        assert_eq!(split_soname("libc.so.6"), Some(("libc", "6")));
        assert_eq!(split_soname("libfoo-1.2.so"), Some(("libfoo", "1.2")));
        assert_eq!(split_soname("libfoo.so"), None);
        assert_eq!(
            split_soname("ld-linux-x86-64.so.2"),
            Some(("ld-linux-x86-64", "2"))
        );
    }

    #[test]
    fn shlibs_lines() {
        let t = "libc 6 libc6 (>= 2.36)\nudeb: libc 6 libc6-udeb (>= 2.36)\n";
        assert_eq!(
            shlibs_dependency(t, "libc.so.6").as_deref(),
            Some("libc6 (>= 2.36)")
        );
        let t = "libz 1 zlib1g (>= 1:1.1.4) | libz-alt\n";
        assert_eq!(
            shlibs_dependency(t, "libz.so.1").as_deref(),
            Some("zlib1g (>= 1:1.1.4) | libz-alt")
        );
    }

    #[test]
    fn symbols_object() {
        let t = "libfoo.so.1 libfoo1 #MINVER#\n| libfoo1 (>> 2), libfoo1 (<< 3)\n* Build-Depends-Package: libfoo-dev\n (c++)\"foo()@Base\" 1.0\n bar@Base 1.2\n baz@FOO_2 2.0 1\n#MISSING: 3#  gone@Base 1.1\nlibother.so.2 libother2 #MINVER#\n x@Base 9\n";
        let o = parse_object(t, "libfoo.so.1").unwrap();
        assert_eq!(o.deps.len(), 2);
        assert_eq!(o.syms.len(), 3);
        assert_eq!(o.syms["baz@FOO_2"].dep_id, 1);
        assert!(o.syms["gone@Base"].deprecated);
        assert!(!o.syms.contains_key("x@Base"));
        assert!(has_soname(t, "libother.so.2"));
        assert!(!has_soname(t, "libother.so"));
    }
}
