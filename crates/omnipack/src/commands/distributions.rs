//! `omnipack distributions`: the built-in table, with a project's additions.

use anyhow::Result;
use omnipack_spec::Manifest;
use omnipack_spec::distribution::{Distribution, builtin, find};

use crate::cli::DistributionsArgs;

/// One line per distribution, aligned (the library's own rendering);
/// releases whose standard support has ended are marked, and stay buildable.
pub fn table_text(dists: &[Distribution]) -> String {
    let today = today();
    let mut out = format!("  {}\n", Distribution::table_header());
    for d in dists {
        let ended = if d.is_end_of_life(&today) {
            "  [end of life]"
        } else {
            ""
        };
        out.push_str(&format!("  {}{ended}\n", d.describe()));
    }
    out
}

/// Today as `YYYY-MM-DD`.
fn today() -> String {
    let (y, m, d, _) = omnipack_core::time::civil(omnipack_core::time::now());
    format!("{y:04}-{m:02}-{d:02}")
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
                    "python_version": d.python_version,
                    "suite": d.suite,
                    "end_of_life": d.end_of_life,
                    "ended": d.is_end_of_life(&today()),
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
