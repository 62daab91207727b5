#![no_main]
//! The incremental index cache file (`index-*.bin`): a damaged or foreign
//! cache must only mean a cold run.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = omnipack_repo::decode_for_fuzzing(data);
});
