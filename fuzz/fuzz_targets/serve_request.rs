//! What `omnipack serve` takes from a request: the path (percent-decoded
//! segments, resolved under a root) and the `Range` header.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, range) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(segments) = omnipack_serve::path::segments(path) {
        let root = std::env::temp_dir();
        if let Some(p) = omnipack_serve::path::resolve(&root, &[], &segments) {
            assert!(omnipack_serve::path::within(&root, &p), "{path:?} left the root");
        }
    }
    for len in [0u64, 1, 1 << 20, u64::MAX] {
        let _ = omnipack_serve::range::parse(range, len);
    }
});
