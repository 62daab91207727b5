//! HTML directory listings: directories first, then files, each group sorted
//! by name (bytewise); hidden names and symlinks that leave the root (or
//! point at nothing) left out. Names are HTML-escaped for display and
//! percent-encoded (everything but RFC 3986 unreserved characters) in hrefs,
//! so a name like `a:b` or `<x>` can't become a scheme or markup.

use std::fmt::Write as _;
use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

use crate::path::within;

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const HREF: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

struct Entry {
    name: Vec<u8>,
    dir: bool,
    size: u64,
    modified: Option<std::time::SystemTime>,
}

/// HTML-escapes `s` for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The listing of the canonical directory `dir` under the canonical `root`;
/// `shown` is the URL path to title it with (decoded). Blocking.
pub fn render(root: &Path, dir: &Path, shown: &str) -> std::io::Result<String> {
    let mut entries = Vec::new();
    for e in fs_err::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = e.path();
        // Follows symlinks; a link must stay inside the root like any request.
        let Ok(canonical) = fs_err::canonicalize(&path) else {
            continue;
        };
        if !within(root, &canonical) {
            continue;
        }
        let Ok(meta) = fs_err::metadata(&canonical) else {
            continue;
        };
        if !meta.is_dir() && !meta.is_file() {
            continue;
        }
        entries.push(Entry {
            name: name.into_encoded_bytes(),
            dir: meta.is_dir(),
            size: meta.len(),
            modified: meta.modified().ok(),
        });
    }
    entries.sort_by(|a, b| b.dir.cmp(&a.dir).then_with(|| a.name.cmp(&b.name)));

    let title = escape(&format!("Index of {shown}"));
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Last modified</th></tr>\n"
    );
    if dir != root {
        html.push_str("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    }
    for e in &entries {
        let slash = if e.dir { "/" } else { "" };
        let href = percent_encode(&e.name, HREF).to_string();
        let text = escape(&String::from_utf8_lossy(&e.name));
        let size = if e.dir {
            String::new()
        } else {
            e.size.to_string()
        };
        let date = e.modified.map(httpdate::fmt_http_date).unwrap_or_default();
        let _ = writeln!(
            html,
            "<tr><td><a href=\"{href}{slash}\">{text}{slash}</a></td><td>{size}</td><td>{date}</td></tr>"
        );
    }
    html.push_str("</table>\n</body>\n</html>\n");
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            percent_encode(b"a b:c<d>%e/\xff~.-_", HREF).to_string(),
            "a%20b%3Ac%3Cd%3E%25e%2F%FF~.-_"
        );
    }
}
