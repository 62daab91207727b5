//! What `omnipack publish` reads back from a destination: its manifest and
//! its lock object.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<omnipack_store::plan::Manifest>(data);
    let _ = serde_json::from_slice::<omnipack_store::lock::LockInfo>(data);
});
