//! A bundle tarball unpacked (hostile entries refused) and checked
//! against its own sums (`bundle verify`, `bundle install`).
#![no_main]
mod scratch;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let p = scratch::file("bundle.tar.gz", data);
    let _ = omnipack_bundle::tarball::unpack(&p, &omnipack_core::NoProgress);
});
