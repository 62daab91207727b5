//! `omnipack distributions`: the built-in table, with a project's additions.

use anyhow::Result;
use omnipack_spec::Manifest;
use omnipack_spec::distribution::{Distribution, builtin, find};

use crate::cli::DistributionsArgs;

/// One line per distribution, aligned (the library's own rendering).
pub fn table_text(dists: &[Distribution]) -> String {
    let mut out = format!("  {}\n", Distribution::table_header());
    for d in dists {
        out.push_str(&format!("  {}\n", d.describe()));
    }
    out
}

/// Runs the command.
pub fn run(args: DistributionsArgs) -> Result<()> {
    let mut dists = builtin();
    if let Some(project) = &args.project {
        let m = Manifest::load(project)?;
        for name in m.distributions.keys() {
            let d = find(name, &m.distributions)?;
            match dists.iter_mut().find(|x| x.name == d.name) {
                Some(x) => *x = d,
                None => dists.push(d),
            }
        }
    }
    if args.json {
        let v: Vec<serde_json::Value> = dists
            .iter()
            .map(|d| {
                serde_json::json!({
                    "name": d.name,
                    "format": d.format.as_str(),
                    "compression": d.compression.to_string(),
                    "dist_tag": d.dist_tag,
                    "python": d.python,
                    "python_package": d.python_package,
                    "renames": d.renames,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", table_text(&dists));
    }
    Ok(())
}
