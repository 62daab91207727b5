//! A .deb or .rpm read whole (`omnipack inspect`, `repo index`) and checked
//! (`inspect --verify`, `sign`: digests, members, md5sums): an error is
//! fine, a panic or an abort is a finding.
#![no_main]
mod scratch;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Both readers, whatever the magic says.
    let deb = scratch::file("input.deb", data);
    let _ = omnipack_build::inspect(&deb);
    let _ = omnipack_build::verify(&deb);
    let rpm = scratch::file("input.rpm", data);
    let _ = omnipack_build::inspect(&rpm);
    let _ = omnipack_build::verify(&rpm);
});
