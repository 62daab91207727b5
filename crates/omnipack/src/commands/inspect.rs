//! `omnipack inspect`: a package's metadata and file list, as text or JSON.

use std::path::Path;

use anyhow::Result;

use crate::cli::InspectArgs;

/// Runs the command.
pub fn run(args: InspectArgs) -> Result<()> {
    let info = omnipack_build::inspect(Path::new(&args.file))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print!("{}", info.to_text());
    }
    Ok(())
}
