//! A writer of Ruby's Marshal format 4.8, the encoding of the legacy gem
//! index (`specs.4.8.gz`, `quick/Marshal.4.8/*.gemspec.rz`).
//!
//! Format: <https://ruby-doc.org/core/doc/marshal_rdoc.html> (and Ruby's
//! `marshal.c`). What this writer covers is what the gem index needs:
//!
//! * `0` nil, `T` true, `F` false, `i` Fixnum (the compact integer encoding);
//! * `:` Symbol and `;` a link to a symbol already written (symbols have
//!   their own table, numbered in order of first appearance);
//! * `"` String, wrapped in `I` with the encoding instance variable: `E`
//!   `T` for UTF-8, `E` `F` for US-ASCII, none for binary;
//! * `[` Array, `{` Hash, `o` Object with instance variables;
//! * `U` an object with `marshal_dump` (`Gem::Version`, `Gem::Requirement`):
//!   class symbol then the dumped value;
//! * `u` an object with `_dump` (`Gem::Specification`, `Time`): class
//!   symbol then the bytes `_dump` returned;
//! * `@` a link to an object already written. Objects are numbered as Ruby
//!   numbers them: every non-immediate value when it starts, except `u`
//!   objects, which are numbered after their bytes and instance variables.
//!   The methods that write an object return the number it got, so a caller
//!   can link back to it as `gem generate_index` does.

use std::collections::HashMap;

/// A Marshal 4.8 document being written.
#[derive(Debug)]
pub struct Marshal {
    out: Vec<u8>,
    symbols: HashMap<String, usize>,
    objects: usize,
}

impl Default for Marshal {
    fn default() -> Self {
        Marshal::new()
    }
}

/// A string's encoding, as Marshal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (`E` true): what YAML-loaded and source-literal strings carry.
    Utf8,
    /// US-ASCII (`E` false): e.g. `Time`'s zone.
    Ascii,
}

impl Marshal {
    /// A document with its version header (4.8).
    pub fn new() -> Marshal {
        Marshal {
            out: vec![4, 8],
            symbols: HashMap::new(),
            objects: 0,
        }
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// `nil`.
    pub fn nil(&mut self) {
        self.out.push(b'0');
    }

    /// `true` or `false`.
    pub fn bool(&mut self, b: bool) {
        self.out.push(if b { b'T' } else { b'F' });
    }

    /// A Fixnum.
    pub fn int(&mut self, n: i32) {
        self.out.push(b'i');
        self.long(n);
    }

    /// The compact integer encoding (marshal.c `w_long`): 0 as one zero
    /// byte; 1..=122 as n+5; -123..=-1 as n-5; otherwise a byte count
    /// (negated for negative numbers) and that many little-endian bytes.
    fn long(&mut self, n: i32) {
        match n {
            0 => self.out.push(0),
            1..=122 => self.out.push((n + 5) as u8),
            -123..=-1 => self.out.push((n - 5) as u8),
            _ => {
                let bytes = n.to_le_bytes();
                let mut len = 4;
                if n > 0 {
                    while len > 1 && bytes[len - 1] == 0 {
                        len -= 1;
                    }
                    self.out.push(len as u8);
                } else {
                    while len > 1 && bytes[len - 1] == 0xff {
                        len -= 1;
                    }
                    self.out.push((-(len as i8)) as u8);
                }
                self.out.extend_from_slice(&bytes[..len]);
            }
        }
    }

    fn len(&mut self, n: usize) {
        self.long(i32::try_from(n).unwrap_or(i32::MAX));
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.out.extend_from_slice(b);
    }

    /// A Symbol (`:name`, or `;n` when already written).
    pub fn symbol(&mut self, name: &str) {
        if let Some(&i) = self.symbols.get(name) {
            self.out.push(b';');
            self.len(i);
            return;
        }
        let i = self.symbols.len();
        self.symbols.insert(name.to_owned(), i);
        self.out.push(b':');
        self.bytes(name.as_bytes());
    }

    /// A String in UTF-8; returns its object number.
    pub fn string(&mut self, s: &str) -> usize {
        self.string_in(s, Encoding::Utf8)
    }

    /// A String with the given encoding; returns its object number.
    pub fn string_in(&mut self, s: &str, enc: Encoding) -> usize {
        let id = self.objects;
        self.objects += 1;
        self.out.push(b'I');
        self.out.push(b'"');
        self.bytes(s.as_bytes());
        self.len(1);
        self.symbol("E");
        self.bool(enc == Encoding::Utf8);
        id
    }

    /// A String or nil.
    pub fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.string(s);
            }
            None => self.nil(),
        }
    }

    /// A link to object `id`, written before.
    pub fn link(&mut self, id: usize) {
        self.out.push(b'@');
        self.len(id);
    }

    /// Starts an Array of `n` elements (the caller writes them next);
    /// returns its object number.
    pub fn array(&mut self, n: usize) -> usize {
        let id = self.objects;
        self.objects += 1;
        self.out.push(b'[');
        self.len(n);
        id
    }

    /// Starts a Hash of `n` pairs (the caller writes key, value, ...).
    pub fn hash(&mut self, n: usize) -> usize {
        let id = self.objects;
        self.objects += 1;
        self.out.push(b'{');
        self.len(n);
        id
    }

    /// Starts an Object of `class` with `n` instance variables (the caller
    /// writes [`Marshal::symbol`] `@name`, value, ...).
    pub fn object(&mut self, class: &str, n: usize) -> usize {
        let id = self.objects;
        self.objects += 1;
        self.out.push(b'o');
        self.symbol(class);
        self.len(n);
        id
    }

    /// Starts an object of `class` dumped with `marshal_dump` (`U`); the
    /// caller writes the dumped value next.
    pub fn user_marshal(&mut self, class: &str) -> usize {
        let id = self.objects;
        self.objects += 1;
        self.out.push(b'U');
        self.symbol(class);
        id
    }

    /// An object of `class` dumped with `_dump` (`u`) as `data`, without
    /// instance variables (binary data); returns its object number.
    pub fn user_dump(&mut self, class: &str, data: &[u8]) -> usize {
        self.out.push(b'u');
        self.symbol(class);
        self.bytes(data);
        let id = self.objects;
        self.objects += 1;
        id
    }

    /// A UTC `Time` at midnight of `year-month-day`, as Ruby's
    /// `Time#_dump` writes it (time.c `time_mdump`): two little-endian
    /// 32-bit words `1<<31 | utc<<30 | (year-1900)<<14 | (month-1)<<10 |
    /// day<<5 | hour` and `min<<26 | sec<<20 | usec`, then the `zone`
    /// instance variable `"UTC"` (US-ASCII).
    pub fn time_utc_date(&mut self, year: u32, month: u32, day: u32) -> usize {
        let p: u32 = 1 << 31
            | 1 << 30
            | (year.saturating_sub(1900) & 0xffff) << 14
            | (month.saturating_sub(1) & 0xf) << 10
            | (day & 0x1f) << 5;
        let mut data = p.to_le_bytes().to_vec();
        data.extend_from_slice(&0u32.to_le_bytes());
        self.out.push(b'I');
        self.out.push(b'u');
        self.symbol("Time");
        self.bytes(&data);
        self.len(1);
        self.symbol("zone");
        self.string_in("UTC", Encoding::Ascii);
        let id = self.objects;
        self.objects += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(f: impl FnOnce(&mut Marshal)) -> Vec<u8> {
        let mut m = Marshal::new();
        f(&mut m);
        m.finish()
    }

    #[test]
    fn integers_use_the_compact_encoding() {
        // Bytes from Ruby 3.1 `Marshal.dump(n)`.
        for (n, want) in [
            (0, &b"\x04\x08i\x00"[..]),
            (4, b"\x04\x08i\x09"),
            (122, b"\x04\x08i\x7f"),
            (123, b"\x04\x08i\x01\x7b"),
            (256, b"\x04\x08i\x02\x00\x01"),
            (-1, b"\x04\x08i\xfa"),
            (-124, b"\x04\x08i\xff\x84"),
            (-256, b"\x04\x08i\xff\x00"),
        ] {
            assert_eq!(doc(|m| m.int(n)), want, "{n}");
        }
    }

    #[test]
    fn time_symbols_and_links_match_ruby() {
        // Ruby 3.1: s = "x"; Marshal.dump([Time.utc(2024), s, s])
        let got = doc(|m| {
            m.array(3);
            m.time_utc_date(2024, 1, 1);
            let s = m.string("x");
            m.link(s);
        });
        assert_eq!(
            got,
            b"\x04\x08[\x08Iu:\x09Time\x0d \x00\x1f\xc0\x00\x00\x00\x00\x06:\x09zoneI\"\x08UTC\x06:\x06EFI\"\x06x\x06;\x07T@\x08"
        );
    }

    #[test]
    fn a_version_object_matches_ruby() {
        // Ruby 3.1: Marshal.dump(Gem::Version.new("1.0"))
        let got = doc(|m| {
            m.user_marshal("Gem::Version");
            m.array(1);
            m.string("1.0");
        });
        assert_eq!(got, b"\x04\x08U:\x11Gem::Version[\x06I\"\x081.0\x06:\x06ET");
    }
}
