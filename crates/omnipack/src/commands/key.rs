//! `omnipack key generate`.

use anyhow::Result;
use omnipack_repo::sign::generate as gen_key;

use crate::cli::KeyGenerateArgs;

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
