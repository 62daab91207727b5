//! The `control` file (Debian policy §5.3, §5.6): fields rendered in the order
//! dpkg-gencontrol writes them, and a parser for reading packages back.

use omnipack_spec::{Dependency, PackageSpec};

/// The fields of a control stanza, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlFields(pub Vec<(String, String)>);

impl ControlFields {
    /// The value of `name` (field names compare case-insensitively).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses one stanza; continuation lines (starting with space or tab) are
    /// joined with `\n`, keeping their leading space as dpkg does.
    pub fn parse(text: &str) -> Result<ControlFields, String> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                if fields.is_empty() {
                    continue;
                }
                break;
            }
            if line.starts_with([' ', '\t']) {
                let last = fields
                    .last_mut()
                    .ok_or_else(|| format!("line {}: continuation line before any field", i + 1))?;
                last.1.push('\n');
                last.1.push_str(line);
            } else {
                let (k, v) = line
                    .split_once(':')
                    .ok_or_else(|| format!("line {}: expected `Field: value`", i + 1))?;
                fields.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        Ok(ControlFields(fields))
    }
}

fn relations(deps: &[Dependency]) -> Option<String> {
    if deps.is_empty() {
        return None;
    }
    Some(
        deps.iter()
            .map(Dependency::to_deb)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The extended description as continuation lines: each line indented by one
/// space, blank lines as ` .` (policy §5.6.13).
fn description(spec: &PackageSpec) -> String {
    let mut s = spec.summary.trim().to_owned();
    for line in spec.description.trim_end().lines() {
        s.push('\n');
        if line.trim().is_empty() {
            s.push_str(" .");
        } else {
            s.push(' ');
            s.push_str(line.trim_end());
        }
    }
    s
}

/// Renders the control file for `spec` with the given `Installed-Size` (KiB).
pub fn control_file(spec: &PackageSpec, installed_size_kib: u64) -> String {
    let mut f: Vec<(&str, String)> = vec![
        ("Package", spec.name.clone()),
        ("Version", spec.full_version()),
        ("Architecture", spec.arch.deb_name().to_owned()),
        ("Maintainer", spec.maintainer.clone()),
        ("Installed-Size", installed_size_kib.to_string()),
    ];
    let rels: [(&str, &[Dependency]); 6] = [
        ("Depends", &spec.depends),
        ("Recommends", &spec.recommends),
        ("Suggests", &spec.suggests),
        ("Conflicts", &spec.conflicts),
        ("Replaces", &spec.replaces),
        ("Provides", &spec.provides),
    ];
    for (name, deps) in rels {
        if let Some(v) = relations(deps) {
            f.push((name, v));
        }
    }
    f.push((
        "Section",
        spec.section.clone().unwrap_or_else(|| "misc".into()),
    ));
    f.push((
        "Priority",
        spec.priority.clone().unwrap_or_else(|| "optional".into()),
    ));
    if let Some(url) = &spec.url {
        f.push(("Homepage", url.clone()));
    }
    let mut text = String::new();
    for (k, v) in &f {
        text.push_str(&format!("{k}: {v}\n"));
    }
    // Extra fields (`Multi-Arch`, `Built-Using`, `X-...`) go before Description.
    for (k, v) in &spec.deb.fields {
        text.push_str(&format!("{k}: {v}\n"));
    }
    text.push_str(&format!("Description: {}\n", description(spec)));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_paragraphs_use_dot_lines_and_parse_back() {
        let mut spec = PackageSpec::new("hello", "1.0");
        spec.summary = "says hello".into();
        spec.maintainer = "Ops <ops@example.org>".into();
        spec.description = "First paragraph.\n\nSecond one.\n".into();
        spec.depends = vec!["libc6 (>= 2.31)".parse().unwrap(), "a | b".parse().unwrap()];
        let text = control_file(&spec, 12);
        assert!(
            text.ends_with("Description: says hello\n First paragraph.\n .\n Second one.\n"),
            "{text}"
        );
        let parsed = ControlFields::parse(&text).unwrap();
        assert_eq!(parsed.get("depends"), Some("libc6 (>= 2.31), a | b"));
        assert_eq!(parsed.get("Installed-Size"), Some("12"));
        assert_eq!(
            parsed.get("Description"),
            Some("says hello\n First paragraph.\n .\n Second one.")
        );
    }

    #[test]
    fn malformed_control_is_an_error_with_a_line() {
        assert!(
            ControlFields::parse("Package: x\nno colon here\n")
                .unwrap_err()
                .contains("line 2")
        );
    }
}
