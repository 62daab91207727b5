#![no_main]
//! An admin root's own files: the install journal, installed-bundle
//! records, `bundles.toml` and a bundle's checksum lists. The first byte
//! picks the reader, the rest is the file.
mod scratch;

use std::path::Path;

use omnipack_bundle::{config::AdminConfig, journal::Journal, state::Record, sums};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 5 {
        0 => {
            let _ = serde_json::from_slice::<Journal>(body);
        }
        1 => {
            let p = scratch::file("record.json", body);
            let _ = Record::read(&p);
        }
        2 => {
            if let Ok(text) = std::str::from_utf8(body) {
                let _ = AdminConfig::parse(Path::new("bundles.toml"), text);
            }
        }
        algo => {
            if let Ok(text) = std::str::from_utf8(body) {
                let algo = if algo == 3 { sums::Algo::Sha1 } else { sums::Algo::Sha256 };
                let _ = sums::Sums::parse(algo, Path::new("SHA256SUMS"), text);
            }
        }
    }
});
