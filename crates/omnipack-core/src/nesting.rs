//! A linear check of how deeply a YAML document nests flow collections
//! (`[` and `{`), run before a YAML parser sees the text: a parser's time on
//! a document of many nested `[` grows with the square of their number
//! before its own depth limit stops it (100 000 `[` took 34 s), where this
//! scan takes microseconds. Quoted scalars and comments are skipped.

/// The deepest flow nesting a document may have (YAML parsers stop at 128).
pub const MAX_FLOW_DEPTH: usize = 64;

/// `Some(line)` (1-based) of the first place where `text` nests flow
/// collections deeper than `limit`; `None` if it never does.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut i) = (0usize, 1usize, 0usize);
    let mut prev = b'\n';
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => line += 1,
            b'#' if prev.is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' => {
                // To the closing quote ('' and \" do not close).
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\n' => line += 1,
                        b'\\' if c == b'"' => i += 1,
                        q if q == c => {
                            if c == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                                i += 1;
                            } else {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_found_fast_and_quotes_and_comments_are_skipped() {
        let deep = "[".repeat(100_000);
        let start = std::time::Instant::now();
        assert_eq!(too_deep(&deep, MAX_FLOW_DEPTH), Some(1));
        assert!(start.elapsed().as_millis() < 500);
        assert_eq!(too_deep("a: [1, {b: [2]}]\n", 2), Some(1));
        assert_eq!(too_deep("a: [1, {b: 2}]\n", 2), None);
        let quoted = format!(
            "a: '{}'\nb: \"{}\\\"\"\n# {}\n",
            "[".repeat(99),
            "{".repeat(99),
            "[".repeat(99)
        );
        assert_eq!(too_deep(&quoted, 2), None);
        assert_eq!(too_deep("a: 'it''s'\nb:\n  - [[[\n", 2), Some(3));
    }
}
