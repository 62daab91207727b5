//! A `.gem` (a tar of gzip members) and its YAML gemspec (gem sources,
//! bundle installs).
#![no_main]
mod scratch;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let p = scratch::file("input.gem", data);
    let _ = omnipack_gem::spec::read_gem(&p);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = omnipack_gem::spec::parse_spec(text);
    }
});
