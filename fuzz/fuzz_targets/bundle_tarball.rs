//! A bundle tarball unpacked (hostile entries refused) and checked
//! against its own sums (`bundle verify`, `bundle install`). The input is
//! the *uncompressed* tar stream, gzipped here: mutating compressed bytes
//! would only ever reach the gzip decoder's error paths.
#![no_main]
mod scratch;

use std::io::Write;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    let p = scratch::file("bundle.tar.gz", &gz.finish().unwrap());
    let _ = omnipack_bundle::tarball::unpack(&p, &omnipack_core::NoProgress);
});
