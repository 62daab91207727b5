//! `crowbar.yml` / `bundle.yml` (bundle pack, verify, install).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = omnipack_bundle::manifest::Manifest::parse(
            std::path::Path::new("crowbar.yml"),
            text,
        );
    }
});
