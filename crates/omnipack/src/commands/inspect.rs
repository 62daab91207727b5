//! `omnipack inspect`: a package's metadata and file list, as text or JSON.

use std::path::Path;

use anyhow::Result;

use crate::cli::InspectArgs;

/// Runs the command.
pub fn run(args: InspectArgs) -> Result<()> {
    let path = Path::new(&args.file);
    let info = omnipack_build::inspect(path)?;
    let verified = if args.verify {
        Some(omnipack_build::verify(path)?)
    } else {
        None
    };
    if args.json {
        let mut v = serde_json::to_value(&info)?;
        if let (Some(obj), Some(verified)) = (v.as_object_mut(), &verified) {
            obj.insert(
                "verified".into(),
                serde_json::json!({
                    "checked": verified.checked,
                    "not_checked": verified.not_checked,
                }),
            );
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", info.to_text());
        if let Some(v) = &verified {
            println!("Verified: {}", v.checked.join(", "));
            if !v.not_checked.is_empty() {
                println!("Not checked: {}", v.not_checked.join(", "));
            }
        }
    }
    Ok(())
}
