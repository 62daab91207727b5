//! An RPM's lead and headers from memory (what `repo index` and `sign`
//! parse first): our check before the `rpm` crate, then the crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut cursor = std::io::Cursor::new(data);
    let _ = omnipack_rpm::read_with_metadata_from(
        &mut cursor,
        data.len() as u64,
        std::path::Path::new("input.rpm"),
    );
});
