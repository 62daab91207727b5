//! `omnipack inspect`: a package's metadata and file list, as text or JSON.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use omnipack_spec::{InfoFileKind, PackageInfo};

use crate::cli::InspectArgs;

/// `ls -l` style mode string (`-rwsr-xr-x`).
fn mode_string(kind: InfoFileKind, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(match kind {
        InfoFileKind::Dir => 'd',
        InfoFileKind::Symlink => 'l',
        InfoFileKind::File => '-',
        InfoFileKind::Other => '?',
    });
    let bits = [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o040, 'r'),
        (0o020, 'w'),
        (0o010, 'x'),
        (0o004, 'r'),
        (0o002, 'w'),
        (0o001, 'x'),
    ];
    for (i, (bit, c)) in bits.iter().enumerate() {
        let set = mode & bit != 0;
        let special = match i {
            2 => mode & 0o4000 != 0,
            5 => mode & 0o2000 != 0,
            8 => mode & 0o1000 != 0,
            _ => false,
        };
        s.push(match (special, set, i) {
            (true, true, 8) => 't',
            (true, false, 8) => 'T',
            (true, true, _) => 's',
            (true, false, _) => 'S',
            (false, true, _) => *c,
            (false, false, _) => '-',
        });
    }
    s
}

/// The text form: header fields, then one line per file.
pub fn render(info: &PackageInfo) -> String {
    let mut out = String::new();
    let version = match info.epoch {
        Some(e) => format!("{e}:{}", info.version),
        None => info.version.clone(),
    };
    let full = if info.release.is_empty() {
        version
    } else {
        format!("{version}-{}", info.release)
    };
    let _ = writeln!(out, "Format:       {}", info.format.as_str());
    let _ = writeln!(out, "Name:         {}", info.name);
    let _ = writeln!(out, "Version:      {full}");
    let _ = writeln!(out, "Architecture: {}", info.arch);
    let _ = writeln!(out, "Summary:      {}", info.summary);
    let _ = writeln!(out, "Size:         {}", info.installed_size);
    for (label, list) in [
        ("Depends", &info.depends),
        ("Provides", &info.provides),
        ("Conflicts", &info.conflicts),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "{:<13} {}", format!("{label}:"), list.join(", "));
        }
    }
    if !info.scripts.is_empty() {
        let _ = writeln!(out, "Scripts:      {}", info.scripts.join(" "));
    }
    let _ = writeln!(out, "\nFields:");
    for (k, v) in &info.fields {
        // Continuation lines keep their own leading space (deb); indent them evenly.
        let v = v.replace("\n ", "\n").replace('\n', "\n    ");
        let _ = writeln!(out, "  {k}: {v}");
    }
    let _ = writeln!(out, "\nFiles ({}):", info.files.len());
    for f in &info.files {
        let mut line = format!(
            "{} {:>8} {:>10} {}",
            mode_string(f.kind, f.mode),
            format!("{}/{}", f.user, f.group),
            f.size,
            f.path
        );
        if let Some(t) = &f.link_target {
            let _ = write!(line, " -> {t}");
        }
        if f.config {
            line.push_str(" [config]");
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Runs the command.
pub fn run(args: InspectArgs) -> Result<()> {
    let info = omnipack_build::inspect(Path::new(&args.file))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print!("{}", render(&info));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings_show_special_bits() {
        assert_eq!(mode_string(InfoFileKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(InfoFileKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(InfoFileKind::Symlink, 0o777), "lrwxrwxrwx");
        assert_eq!(mode_string(InfoFileKind::File, 0o2644), "-rw-r-Sr--");
    }
}
