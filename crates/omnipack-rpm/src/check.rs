//! Checks one header structure (the signature header or the main header) of
//! a package before the [`rpm`] crate parses it, so that a damaged file is an
//! error and never a panic or a huge allocation inside that crate (it slices
//! the data store at each entry's offset and reserves each entry's count).
//!
//! The rules are rpm's own (`lib/header.c`: `hdrblobVerifyLengths`,
//! `hdrblobVerifyInfo`, `dataLength`; `lib/header_internal.h`): a header rpm
//! itself would read passes, anything else is refused with the entry, its tag
//! and what is wrong.
//!
//! * at most 65 535 entries and 256 MiB of data (signature header: 32 entries,
//!   64 MiB);
//! * every entry's type is one of rpm's ten (`RPM_NULL_TYPE` .. `RPM_I18NSTRING_TYPE`)
//!   and holds data (a count of at least 1, a non-NULL type);
//! * its offset lies inside the data store and is aligned for its type (2, 4
//!   or 8 bytes for 16-, 32- and 64-bit integers);
//! * its data fits in what remains of the store: count × element size for
//!   numbers and binary data, `count` NUL-terminated strings for
//!   `STRING_ARRAY`/`I18NSTRING` (so count ≤ bytes remaining), exactly one for
//!   `STRING`;
//! * entries do not overlap and come in the order of their data, except the
//!   region entry first (tags 61–63), whose data sits at the end.
//!
//! The last rule keeps the check linear in the store's size: each string is
//! scanned once however many entries there are.

/// Header magic and version (`8e ad e8 01`).
pub(crate) const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];

/// The size of a header's preamble: magic, version, 4 reserved bytes, the
/// entry count and the data size.
pub(crate) const INTRO_SIZE: u64 = 16;

/// The size of one index entry: tag, type, offset, count.
const ENTRY_SIZE: u64 = 16;

/// Which header structure is checked: its name in messages and rpm's limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// `signature header` or `main header`.
    pub what: &'static str,
    /// Most entries rpm reads (`HEADER_TAGS_MAX`; 32 for signatures).
    pub max_entries: u64,
    /// Most data bytes rpm reads (`HEADER_DATA_MAX`; 64 MiB for signatures).
    pub max_store: u64,
}

/// The signature header.
pub(crate) const SIGNATURE: Kind = Kind {
    what: "signature header",
    max_entries: 32,
    max_store: 64 * 1024 * 1024,
};

/// The main header.
pub(crate) const MAIN: Kind = Kind {
    what: "main header",
    max_entries: 0xffff,
    max_store: 0x0fff_ffff,
};

/// The entry and data sizes a header's preamble declares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    /// Number of index entries.
    pub entries: u64,
    /// Size of the data store in bytes.
    pub store: u64,
}

impl Sizes {
    /// Bytes the header takes after its preamble: the index, then the store.
    pub fn body(self) -> u64 {
        self.entries * ENTRY_SIZE + self.store
    }
}

/// Reads a header's 16-byte preamble: the magic and rpm's limits on the
/// counts, before anything is allocated for the rest.
pub(crate) fn intro(intro: &[u8; 16], kind: Kind) -> Result<Sizes, String> {
    if intro[..4] != HEADER_MAGIC {
        return Err(format!("bad {} magic", kind.what));
    }
    let entries = u64::from(u32::from_be_bytes([
        intro[8], intro[9], intro[10], intro[11],
    ]));
    let store = u64::from(u32::from_be_bytes([
        intro[12], intro[13], intro[14], intro[15],
    ]));
    if entries == 0 || entries > kind.max_entries {
        return Err(format!(
            "the {} has {entries} entries, where rpm reads 1 to {}",
            kind.what, kind.max_entries
        ));
    }
    if store > kind.max_store {
        return Err(format!(
            "the {} declares a data store of {store} bytes, more than rpm's limit of {}",
            kind.what, kind.max_store
        ));
    }
    Ok(Sizes { entries, store })
}

/// The size and alignment of one element of rpm type `ty` (`typeSizes`,
/// `typeAlign`), or `None` for the string types and unknown types.
fn element(ty: u32) -> Option<(u64, u64)> {
    match ty {
        1 | 2 | 7 => Some((1, 1)), // CHAR, INT8, BIN
        3 => Some((2, 2)),         // INT16
        4 => Some((4, 4)),         // INT32
        5 => Some((8, 8)),         // INT64
        _ => None,
    }
}

/// Where `count` NUL-terminated strings starting at `store[0]` end, if they
/// all end inside `store`.
fn strings_end(store: &[u8], count: u64) -> Option<usize> {
    let mut pos = 0usize;
    for _ in 0..count {
        let nul = store.get(pos..)?.iter().position(|&b| b == 0)?;
        pos += nul + 1;
    }
    Some(pos)
}

/// Checks the index and data store of a header whose preamble gave `sizes`;
/// `body` is the `sizes.body()` bytes after the preamble.
pub(crate) fn body(body: &[u8], sizes: Sizes, kind: Kind) -> Result<(), String> {
    let index_len = (sizes.entries * ENTRY_SIZE) as usize;
    if body.len() as u64 != sizes.body() {
        return Err(format!("the {} is cut short", kind.what));
    }
    let (index, store) = body.split_at(index_len);
    let store_len = store.len() as u64;
    let word =
        |at: usize| u32::from_be_bytes([index[at], index[at + 1], index[at + 2], index[at + 3]]);
    // Where the previous entry's data ends (rpm: "previous data must not overlap").
    let mut end = 0u64;
    for (i, e) in (0..sizes.entries as usize).map(|i| (i, i * ENTRY_SIZE as usize)) {
        let (tag, ty, offset, count) = (word(e), word(e + 4), word(e + 8) as i32, word(e + 12));
        let at = |what: String| format!("{} entry {i} (tag {tag}) {what}", kind.what);
        if !(0..=9).contains(&ty) {
            return Err(at(format!("has unknown type {ty}")));
        }
        if ty == 0 {
            return Err(at("has type NULL, which holds no data".into()));
        }
        if count == 0 {
            return Err(at("has a count of 0".into()));
        }
        let Ok(offset) = u64::try_from(offset) else {
            return Err(at(format!("has a negative offset {offset}")));
        };
        if offset >= store_len {
            return Err(at(format!(
                "points past the data store: offset {offset}, store {store_len} bytes"
            )));
        }
        let rest = store_len - offset;
        let count = u64::from(count);
        let len = match ty {
            6 | 8 | 9 => {
                if ty == 6 && count != 1 {
                    return Err(at(format!("is a STRING with a count of {count}, not 1")));
                }
                if count > rest {
                    return Err(at(format!(
                        "claims {count} strings in the {rest} bytes left in the data store"
                    )));
                }
                let Some(len) = strings_end(&store[offset as usize..], count) else {
                    return Err(at(format!(
                        "holds strings that are not NUL-terminated inside the data store (offset {offset}, count {count})"
                    )));
                };
                len as u64
            }
            _ => {
                let Some((size, align)) = element(ty) else {
                    return Err(at(format!("has unknown type {ty}")));
                };
                if offset % align != 0 {
                    return Err(at(format!(
                        "is misaligned: offset {offset} of a {size}-byte type"
                    )));
                }
                // count < 2^32 and size ≤ 8: no overflow in u64.
                let len = count * size;
                if len > rest {
                    return Err(at(format!(
                        "runs past the data store: {count} × {size} bytes at offset {offset}, store {store_len} bytes"
                    )));
                }
                len
            }
        };
        // The region entry (rpm's first entry, tags 61–63) points at the
        // store's end; rpm checks the others' order without it.
        if i == 0 && (61..=63).contains(&tag) {
            continue;
        }
        if offset < end {
            return Err(at(format!(
                "overlaps the data of the entry before it (offset {offset}, previous data ends at {end})"
            )));
        }
        end = offset + len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tag: u32, ty: u32, offset: i32, count: u32) -> Vec<u8> {
        [tag, ty, offset as u32, count]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect()
    }

    fn header(entries: &[Vec<u8>], store: &[u8]) -> (Vec<u8>, Sizes) {
        let mut body: Vec<u8> = entries.concat();
        body.extend_from_slice(store);
        let sizes = Sizes {
            entries: entries.len() as u64,
            store: store.len() as u64,
        };
        (body, sizes)
    }

    fn check(entries: &[Vec<u8>], store: &[u8]) -> Result<(), String> {
        let (b, s) = header(entries, store);
        body(&b, s, MAIN)
    }

    #[test]
    fn a_well_formed_header_passes() {
        let store = b"name\0\0\0\0\0\0\0\x07a\0b\0";
        check(
            &[
                entry(1000, 6, 0, 1),
                entry(1001, 4, 8, 1),
                entry(1002, 8, 12, 2),
            ],
            store,
        )
        .unwrap();
    }

    #[test]
    fn each_broken_rule_is_named() {
        let store = b"name\0\0\0\0\0\0\0\x07a\0b\0";
        let cases: [(Vec<u8>, &str); 9] = [
            (
                entry(1000, 6, 29305, 1),
                "points past the data store: offset 29305, store 16 bytes",
            ),
            (entry(1000, 6, -4, 1), "negative offset"),
            (entry(1000, 12, 0, 1), "unknown type 12"),
            (entry(1000, 0, 0, 1), "NULL"),
            (
                entry(1000, 8, 12, 0x7f00_000b),
                "claims 2130706443 strings in the 4 bytes",
            ),
            (entry(1000, 8, 12, 3), "not NUL-terminated"),
            (entry(1000, 4, 2, 1), "misaligned"),
            (entry(1000, 4, 8, 3), "runs past the data store"),
            (entry(1000, 6, 0, 2), "a count of 2"),
        ];
        for (e, want) in cases {
            let err = check(&[e], store).unwrap_err();
            assert!(err.contains("main header entry 0 (tag 1000)"), "{err}");
            assert!(err.contains(want), "{err} lacks {want}");
        }
        let err = check(&[entry(1000, 6, 0, 1), entry(1001, 6, 2, 1)], store).unwrap_err();
        assert!(err.contains("overlaps"), "{err}");
    }

    #[test]
    fn intro_limits_counts_before_allocating() {
        let mut i = [0u8; 16];
        i[..4].copy_from_slice(&HEADER_MAGIC);
        i[8..12].copy_from_slice(&0x7f00_0000u32.to_be_bytes());
        assert!(intro(&i, MAIN).unwrap_err().contains("entries"));
        i[8..12].copy_from_slice(&33u32.to_be_bytes());
        assert!(intro(&i, SIGNATURE).unwrap_err().contains("1 to 32"));
        i[8..12].copy_from_slice(&3u32.to_be_bytes());
        i[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(intro(&i, MAIN).unwrap_err().contains("data store"));
        i[0] = 0;
        assert!(intro(&i, MAIN).unwrap_err().contains("magic"));
    }
}
