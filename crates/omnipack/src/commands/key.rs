//! `omnipack key generate`.

use anyhow::Result;
use omnipack_repo::sign::generate as gen_key;

use anyhow::bail;
use omnipack_repo::rpmsign::sign_rpm;
use omnipack_repo::sign::Signer;
use omnipack_spec::Format;

use crate::cli::{KeyGenerateArgs, SignArgs};

/// Runs `key generate`: the paths written go to stdout.
pub fn generate(args: KeyGenerateArgs) -> Result<()> {
    fs_err::create_dir_all(&args.out)?;
    let k = gen_key(&args.name, &args.out, &args.stem)?;
    println!("{}", k.secret.display());
    println!("{}", k.public_armored.display());
    println!("{}", k.keyring.display());
    eprintln!("generated key {} for {}", k.fingerprint, args.name);
    Ok(())
}

/// Runs `sign`: each signed file's path goes to stdout.
pub fn sign(args: SignArgs) -> Result<()> {
    let signer = Signer::from_armored_file(&args.key, args.subkey.as_deref())?;
    // Check every file before signing any.
    for f in &args.files {
        let mut head = [0u8; 8];
        let n = std::io::Read::read(&mut fs_err::File::open(f)?, &mut head)?;
        match Format::sniff(&head[..n]) {
            Some(Format::Rpm) => {}
            Some(Format::Deb) => bail!(
                "`{}` is a .deb: Debian packages are not signed one by one; sign the repository (`omnipack repo index --sign-key`)",
                f.display()
            ),
            None => bail!("`{}` is not an .rpm package", f.display()),
        }
    }
    for f in &args.files {
        sign_rpm(f, &signer)?;
        println!("{}", f.display());
    }
    eprintln!(
        "signed {} package(s) with key {}",
        args.files.len(),
        signer.fingerprint()
    );
    Ok(())
}
