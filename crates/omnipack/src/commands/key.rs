//! `omnipack key generate` and `omnipack sign`: arguments → `omnipack_sign`.

use anyhow::Result;
use omnipack_sign::{Signer, generate_with, sign_rpms};

use crate::cli::{KeyGenerateArgs, SignArgs};

/// Runs `key generate`: the paths written go to stdout.
pub fn generate(args: KeyGenerateArgs) -> Result<()> {
    let k = generate_with(&args.name, &args.out, &args.stem, args.algorithm.into())?;
    if args.json {
        super::json::print(&serde_json::json!({
            "fingerprint": k.fingerprint,
            "user_id": args.name,
            "secret": k.secret.display().to_string(),
            "public": k.public_armored.display().to_string(),
            "keyring": k.keyring.display().to_string(),
        }))?;
    } else {
        println!("{}", k.secret.display());
        println!("{}", k.public_armored.display());
        println!("{}", k.keyring.display());
    }
    eprintln!("generated key {} for {}", k.fingerprint, args.name);
    Ok(())
}

/// Runs `sign`: each signed file's path goes to stdout.
pub fn sign(args: SignArgs) -> Result<()> {
    let signer = Signer::load(
        &args.key,
        args.subkey.as_deref(),
        args.passphrase_file.as_deref(),
    )?;
    for w in signer.warnings() {
        eprintln!("warning: {w}");
    }
    sign_rpms(&args.files, &signer)?;
    if args.json {
        super::json::print(&serde_json::json!({
            "key": signer.fingerprint().to_string(),
            "signed": args.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        }))?;
    } else {
        for f in &args.files {
            println!("{}", f.display());
        }
    }
    eprintln!(
        "signed {} package(s) with key {}",
        args.files.len(),
        signer.fingerprint()
    );
    Ok(())
}
