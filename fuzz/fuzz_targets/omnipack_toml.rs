//! `omnipack.toml` (`build`, `image build`), a package spec file
//! (`package --spec`) and a repository's `repo.toml`.
#![no_main]
mod scratch;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let p = scratch::file("omnipack.toml", data);
    let _ = omnipack_spec::Manifest::load(&p);
    let _ = omnipack_spec::SpecFile::load(&p);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = toml::from_str::<omnipack_repo::RepoConfig>(text);
    }
});
