//! Reading ELF files with the `object` crate, section by section as libelf
//! based tools (`elfdeps`, `objdump -T`) read them.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use fs_err as fs;
use object::Endianness;
use object::elf as e;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, Rel, Rela, SectionHeader, Sym};

use super::error::LibDepsError;
use super::model::{ET_DYN, ET_EXEC, ElfFile, Import};

const DT_NEEDED: i64 = 1;
const DT_HASH: i64 = 4;
const DT_SONAME: i64 = 14;
const DT_RPATH: i64 = 15;
const DT_RUNPATH: i64 = 29;
const DT_GNU_HASH: i64 = 0x6fff_fef5;
const PT_INTERP: u32 = 3;
const VER_FLG_WEAK: u16 = 0x2;

/// Walks `root` (symlinks are not followed; regular files only) and reads
/// every file that starts with `\x7fELF`, sorted by path.
///
/// A file with the ELF magic that cannot be read as ELF is an error naming
/// it ([`LibDepsError::Malformed`]).
pub fn scan_elf(root: &Path) -> Result<Vec<ElfFile>, LibDepsError> {
    let mut paths = Vec::new();
    walk(root, Path::new(""), &mut paths)?;
    paths.sort();
    let mut out = Vec::new();
    for rel in paths {
        let full = root.join(&rel);
        let mut magic = [0u8; 4];
        let mut f = fs::File::open(&full)?;
        let n = read_full(&mut f, &mut magic)?;
        if n < 4 || &magic != b"\x7fELF" {
            continue;
        }
        let mode = f.metadata()?.permissions().mode();
        let data = fs::read(&full)?;
        let file = read_elf(&data, rel.clone(), mode & 0o111 != 0).map_err(|reason| {
            LibDepsError::Malformed {
                path: full.clone(),
                reason,
            }
        })?;
        out.push(file);
    }
    Ok(out)
}

fn read_full(f: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), LibDepsError> {
    for entry in fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let child = rel.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &child, out)?;
        } else if kind.is_file() {
            out.push(child);
        }
    }
    Ok(())
}

/// The identity of an ELF file's ABI: class, byte order, machine. A library
/// is a candidate for a file only when these match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Abi {
    pub class64: bool,
    pub little_endian: bool,
    pub machine: u16,
}

impl Abi {
    pub fn of(file: &ElfFile) -> Abi {
        Abi {
            class64: file.class64,
            little_endian: file.little_endian,
            machine: file.machine,
        }
    }
}

/// Reads one ELF image; `path` is what the result is named by.
pub fn read_elf(data: &[u8], path: PathBuf, executable: bool) -> Result<ElfFile, String> {
    match data.get(4) {
        Some(1) => parse::<e::FileHeader32<Endianness>>(data, path, executable),
        Some(2) => parse::<e::FileHeader64<Endianness>>(data, path, executable),
        Some(c) => Err(format!("unknown ELF class {c}")),
        None => Err("the ELF header is truncated".to_owned()),
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    path: PathBuf,
    executable: bool,
) -> Result<ElfFile, String> {
    let err = |what: &str, e: object::read::Error| format!("{what}: {e}");
    let header = Elf::parse(data).map_err(|e| err("ELF header", e))?;
    let endian = header.endian().map_err(|e| err("ELF header", e))?;
    let mut file = ElfFile {
        path,
        class64: header.is_class_64(),
        little_endian: header.is_little_endian(),
        machine: header.e_machine(endian).0,
        elf_type: header.e_type(endian).0,
        soname: None,
        needed: Vec::new(),
        version_needs: Vec::new(),
        imports: Vec::new(),
        gnu_hash_only: false,
        has_interp: false,
        executable,
        runpath: Vec::new(),
    };
    if file.elf_type != ET_EXEC && file.elf_type != ET_DYN {
        return Ok(file);
    }
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| err("program headers", e))?;
    file.has_interp = phdrs
        .iter()
        .any(|p| p.p_type(endian).0 == PT_INTERP && p.p_offset(endian).into() < data.len() as u64);
    let sections = header
        .sections(endian, data)
        .map_err(|e| err("section headers", e))?;

    let (mut got_hash, mut got_gnu_hash) = (false, false);
    let (mut rpath, mut runpath) = (None, None);
    // Version index (vna_other) -> (soname, version), for the imports.
    let mut need_index: BTreeMap<u16, (String, String)> = BTreeMap::new();
    for section in sections.iter() {
        if let Some((dyns, link)) = section
            .dynamic(endian, data)
            .map_err(|e| err("dynamic section", e))?
        {
            let strings = sections
                .strings(endian, data, link)
                .map_err(|e| err("dynamic string table", e))?;
            for d in dyns {
                let tag = d.d_tag(endian).0;
                let val: u64 = d.d_val(endian).into();
                // An offset outside the string table gives no name (elf_strptr NULL).
                let s = || {
                    u32::try_from(val)
                        .ok()
                        .and_then(|o| strings.get(o).ok())
                        .map(text)
                };
                match tag {
                    DT_HASH => got_hash = true,
                    DT_GNU_HASH => got_gnu_hash = true,
                    DT_NEEDED => file.needed.extend(s()),
                    DT_SONAME => {
                        if let Some(name) = s() {
                            file.soname = Some(name);
                        }
                    }
                    DT_RPATH => rpath = s(),
                    DT_RUNPATH => runpath = s(),
                    _ => {}
                }
            }
        } else if let Some((mut needs, link)) = section
            .gnu_verneed(endian, data)
            .map_err(|e| err("version needs (SHT_GNU_verneed)", e))?
        {
            let strings = sections
                .strings(endian, data, link)
                .map_err(|e| err("version needs string table", e))?;
            'needs: while let Some((need, mut auxes)) = needs
                .next()
                .map_err(|e| err("version needs (SHT_GNU_verneed)", e))?
            {
                let Ok(soname) = need.file(endian, strings) else {
                    break;
                };
                let soname = text(soname);
                while let Some(aux) = auxes
                    .next()
                    .map_err(|e| err("version needs (SHT_GNU_verneed)", e))?
                {
                    let Ok(version) = aux.name(endian, strings) else {
                        break 'needs;
                    };
                    let version = text(version);
                    let weak = aux.vna_flags.get(endian).0 & VER_FLG_WEAK != 0;
                    need_index.insert(
                        aux.vna_other.get(endian).0,
                        (soname.clone(), version.clone()),
                    );
                    file.version_needs.push((soname.clone(), version, weak));
                }
            }
        }
    }
    file.gnu_hash_only = got_gnu_hash && !got_hash;
    if let Some(p) = runpath.or(rpath) {
        file.runpath = p.split(':').map(str::to_owned).collect();
    }

    // Dynamic symbols, their versions, and the copy relocations against them.
    let symtab = sections
        .symbols(endian, data, e::SHT_DYNSYM)
        .map_err(|e| err("dynamic symbol table", e))?;
    if symtab.is_empty() {
        return Ok(file);
    }
    let versyms = sections
        .gnu_versym(endian, data)
        .map_err(|e| err("symbol versions (SHT_GNU_versym)", e))?
        .map(|v| v.0);
    let copy_type = copy_relocation(file.machine);
    let mut copied: HashSet<u32> = HashSet::new();
    for section in sections.iter() {
        if section.sh_link(endian) as usize != symtab.section().0 {
            continue;
        }
        if let Some((rels, _)) = section
            .rela(endian, data)
            .map_err(|e| err("dynamic relocations", e))?
        {
            for r in rels {
                if Some(r.r_type(endian, false).0) == copy_type {
                    copied.insert(r.r_sym(endian, false));
                }
            }
        } else if let Some((rels, _)) = section
            .rel(endian, data)
            .map_err(|e| err("dynamic relocations", e))?
        {
            for r in rels {
                if Some(r.r_type(endian).0) == copy_type {
                    copied.insert(r.r_sym(endian));
                }
            }
        }
    }
    let strings = symtab.strings();
    for (index, sym) in symtab.enumerate().skip(1) {
        let undefined = sym.st_shndx(endian).0 == 0;
        let copy = !undefined && copied.contains(&(index.0 as u32));
        if !undefined && !copy {
            continue;
        }
        let Ok(name) = sym.name(endian, strings) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let version = versyms
            .and_then(|v| v.get(index.0))
            .map(|v| v.0.get(endian).index().0)
            .and_then(|i| need_index.get(&i));
        file.imports.push(Import {
            name: text(name),
            version: version.map(|v| v.1.clone()),
            library: version.map(|v| v.0.clone()),
            weak: sym.st_bind() == e::STB_WEAK,
            copy_relocated: copy,
        });
    }
    Ok(file)
}

/// The `R_*_COPY` relocation type of a machine, for the architectures Debian builds.
fn copy_relocation(machine: u16) -> Option<u32> {
    Some(match machine {
        3 | 62 => 5,            // i386, x86-64
        183 => 1024,            // aarch64
        40 => 20,               // arm
        20 | 21 | 2 | 43 => 19, // ppc, ppc64, sparc, sparcv9
        22 => 9,                // s390
        243 | 258 => 4,         // riscv, loongarch
        8 => 126,               // mips
        4 => 19,                // m68k
        _ => return None,
    })
}
