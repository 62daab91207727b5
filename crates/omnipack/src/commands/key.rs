//! `omnipack key generate` and `omnipack sign`: arguments → `omnipack_sign`.

use anyhow::Result;
use omnipack_sign::{Signer, generate as generate_key, sign_rpms};

use crate::cli::{KeyGenerateArgs, SignArgs};

/// Runs `key generate`: the paths written go to stdout.
pub fn generate(args: KeyGenerateArgs) -> Result<()> {
    let k = generate_key(&args.name, &args.out, &args.stem)?;
    println!("{}", k.secret.display());
    println!("{}", k.public_armored.display());
    println!("{}", k.keyring.display());
    eprintln!("generated key {} for {}", k.fingerprint, args.name);
    Ok(())
}

/// Runs `sign`: each signed file's path goes to stdout.
pub fn sign(args: SignArgs) -> Result<()> {
    let signer = Signer::from_armored_file(&args.key, args.subkey.as_deref())?;
    sign_rpms(&args.files, &signer)?;
    for f in &args.files {
        println!("{}", f.display());
    }
    eprintln!(
        "signed {} package(s) with key {}",
        args.files.len(),
        signer.fingerprint()
    );
    Ok(())
}
