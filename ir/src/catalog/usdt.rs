//! USDT (statically defined user tracepoints, SystemTap's `sys/sdt.h`): the probe sites a binary
//! declares in its `.note.stapsdt` ELF notes, and their argument specifications.
//!
//! Each note names a provider and a probe, the address of the `nop` the probe compiles to, the
//! link-time address of the `.stapsdt.base` section (to undo prelinking), an optional semaphore
//! (a `u16` the program checks before computing costly arguments; a tracer increments it), and
//! the arguments as assembler operands, e.g. `-4@%eax 8@-8(%rbp) 8@(%rax,%rdx,8) 4@$5`
//! (`SIZE@OPERAND`, a negative size meaning signed).
//!
//! Addresses are turned into file offsets as libbpf does: the site address is moved by the
//! difference between the actual `.stapsdt.base` address and the one the note recorded, then
//! mapped through the program header that contains it. A uprobe is placed at a file offset and
//! the kernel increments the semaphore through the uprobe's reference counter offset (also a file
//! offset), for every process that maps the file, as long as the probe is attached.
//!
//! Only the notes of the one file named are read, when a program or `-l` names it.

use std::path::Path;

use object::{Object, ObjectSection, ObjectSegment};

/// One USDT probe site of a binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsdtSite {
    /// The provider (`libc`, `python`, ...).
    pub provider: String,
    /// The probe name (`setjmp`, `function__entry`, ...).
    pub name: String,
    /// The file offset of the site's instruction (where the uprobe goes).
    pub offset: u64,
    /// The file offset of the semaphore, if the probe has one.
    pub semaphore: Option<u64>,
    /// The argument specification as written in the note (`-4@%eax 8@%rdx`).
    pub args: String,
}

/// Where a USDT argument's value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsdtLocation {
    /// A register, by its `pt_regs` name as `reg()` spells it (`ax`, `r8`, ...).
    Register(&'static str),
    /// Memory at `disp + base + index * scale` (user space).
    Memory {
        /// The base register's `pt_regs` name, if any.
        base: Option<&'static str>,
        /// The index register's `pt_regs` name and the scale (1, 2, 4 or 8), if any.
        index: Option<(&'static str, u8)>,
        /// The constant displacement.
        disp: i64,
    },
    /// A constant (`$5`).
    Constant(i64),
}

/// One argument of a USDT probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsdtArg {
    /// Size in bytes: 1, 2, 4 or 8.
    pub size: u8,
    /// Whether the value is signed (a negative size in the spec).
    pub signed: bool,
    /// Where the value is.
    pub location: UsdtLocation,
}

/// The x86_64 register names an operand may use, with the `pt_regs` field holding them.
const REGISTERS: &[(&[&str], &str)] = &[
    (&["rax", "eax", "ax", "al"], "ax"),
    (&["rbx", "ebx", "bx", "bl"], "bx"),
    (&["rcx", "ecx", "cx", "cl"], "cx"),
    (&["rdx", "edx", "dx", "dl"], "dx"),
    (&["rsi", "esi", "si", "sil"], "si"),
    (&["rdi", "edi", "di", "dil"], "di"),
    (&["rbp", "ebp", "bp", "bpl"], "bp"),
    (&["rsp", "esp", "sp", "spl"], "sp"),
    (&["r8", "r8d", "r8w", "r8b"], "r8"),
    (&["r9", "r9d", "r9w", "r9b"], "r9"),
    (&["r10", "r10d", "r10w", "r10b"], "r10"),
    (&["r11", "r11d", "r11w", "r11b"], "r11"),
    (&["r12", "r12d", "r12w", "r12b"], "r12"),
    (&["r13", "r13d", "r13w", "r13b"], "r13"),
    (&["r14", "r14d", "r14w", "r14b"], "r14"),
    (&["r15", "r15d", "r15w", "r15b"], "r15"),
];

/// The `pt_regs` field of an operand's register (`%eax` -> `ax`), without the `%`.
fn register(name: &str) -> Result<&'static str, String> {
    REGISTERS
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map(|(_, field)| *field)
        .ok_or_else(|| match name {
            "rip" | "eip" => "rip-relative USDT arguments are not supported".to_string(),
            _ => format!("unknown register '%{name}' in a USDT argument"),
        })
}

/// Parses a note's whole argument specification (space separated operands; empty = none).
pub fn parse_args(spec: &str) -> Result<Vec<UsdtArg>, String> {
    spec.split_ascii_whitespace().map(parse_arg).collect()
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16).ok()? as i64,
        None => digits.parse::<u64>().ok()? as i64,
    };
    Some(if neg { value.wrapping_neg() } else { value })
}

/// Parses one operand: `-4@%eax`, `8@-8(%rbp)`, `8@(%rax,%rdx,8)`, `4@$5` (a bare operand
/// without `SIZE@` is 8 bytes, unsigned, as old notes wrote them).
pub fn parse_arg(text: &str) -> Result<UsdtArg, String> {
    let bad = |why: &str| format!("cannot parse USDT argument '{text}': {why}");
    let (size, operand) = match text.split_once('@') {
        Some((s, op)) => (parse_int(s).ok_or_else(|| bad("bad size"))?, op),
        None => (8, text),
    };
    let signed = size < 0;
    let size = match size.unsigned_abs() {
        n @ (1 | 2 | 4 | 8) => n as u8,
        _ => return Err(bad("the size must be 1, 2, 4 or 8")),
    };
    let location = if let Some(c) = operand.strip_prefix('$') {
        UsdtLocation::Constant(parse_int(c).ok_or_else(|| bad("bad constant"))?)
    } else if let Some(r) = operand.strip_prefix('%') {
        UsdtLocation::Register(register(r).map_err(|e| bad(&e))?)
    } else if let Some(open) = operand.find('(') {
        let disp_text = &operand[..open];
        let disp = if disp_text.is_empty() {
            0
        } else {
            parse_int(disp_text).ok_or_else(|| {
                if disp_text
                    .chars()
                    .any(|c| c.is_ascii_alphabetic() || c == '_')
                {
                    bad("symbolic displacements are not supported")
                } else {
                    bad("bad displacement")
                }
            })?
        };
        let inner = operand[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| bad("missing ')'"))?;
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        let reg = |s: &str| -> Result<Option<&'static str>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            let r = s
                .strip_prefix('%')
                .ok_or_else(|| bad("a register must start with '%'"))?;
            register(r).map(Some).map_err(|e| bad(&e))
        };
        let (base, index) = match parts.as_slice() {
            [b] => (reg(b)?, None),
            [b, i] => (reg(b)?, reg(i)?.map(|i| (i, 1))),
            [b, i, s] => {
                let scale = match *s {
                    "1" => 1,
                    "2" => 2,
                    "4" => 4,
                    "8" => 8,
                    _ => return Err(bad("the scale must be 1, 2, 4 or 8")),
                };
                (reg(b)?, reg(i)?.map(|i| (i, scale)))
            }
            _ => return Err(bad("bad memory operand")),
        };
        if base.is_none() && index.is_none() {
            return Err(bad("a memory operand needs a register"));
        }
        UsdtLocation::Memory { base, index, disp }
    } else {
        return Err(bad("unknown operand form"));
    };
    Ok(UsdtArg {
        size,
        signed,
        location,
    })
}

/// The USDT sites declared in the ELF file at `path`, in note order. A file without notes has
/// none; a file that is not ELF is an error.
pub fn read_sites(path: &Path) -> Result<Vec<UsdtSite>, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    sites_of_elf(&data).map_err(|e| format!("{}: {e}", path.display()))
}

/// The USDT sites of an ELF image (see [`read_sites`]).
pub fn sites_of_elf(data: &[u8]) -> Result<Vec<UsdtSite>, String> {
    let file = object::File::parse(data).map_err(|e| format!("not an ELF file: {e}"))?;
    let Some(notes) = file.section_by_name(".note.stapsdt") else {
        return Ok(Vec::new());
    };
    let notes = notes
        .data()
        .map_err(|e| format!("bad .note.stapsdt: {e}"))?;
    let base = file.section_by_name(".stapsdt.base").map(|s| s.address());
    let little = file.is_little_endian();
    // (virtual address, size in memory, file offset, size in file) of each loaded segment.
    let segments: Vec<(u64, u64, u64, u64)> = file
        .segments()
        .map(|s| {
            let (off, len) = s.file_range();
            (s.address(), s.size(), off, len)
        })
        .collect();
    let to_offset = |addr: u64| -> Option<u64> {
        segments
            .iter()
            .find(|(va, size, _, _)| addr >= *va && addr < va.saturating_add(*size))
            .map(|(va, _, off, _)| addr - va + off)
    };
    let mut out = Vec::new();
    for note in parse_notes(notes, little)? {
        if note.name != b"stapsdt" || note.kind != 3 {
            continue;
        }
        let d = note.desc;
        let word = |i: usize| -> Option<u64> {
            let b: [u8; 8] = d.get(i * 8..i * 8 + 8)?.try_into().ok()?;
            Some(if little {
                u64::from_le_bytes(b)
            } else {
                u64::from_be_bytes(b)
            })
        };
        let (Some(pc), Some(note_base), Some(sema)) = (word(0), word(1), word(2)) else {
            return Err("truncated stapsdt note".into());
        };
        let mut strings = d[24..].split(|&c| c == 0);
        let mut next = || {
            strings
                .next()
                .map(|s| String::from_utf8_lossy(s).into_owned())
        };
        let (Some(provider), Some(name), args) = (next(), next(), next().unwrap_or_default())
        else {
            return Err("truncated stapsdt note".into());
        };
        // Prelink moved the code: move the site (and semaphore) by the same amount.
        let shift = |addr: u64| match base {
            Some(actual) if note_base != 0 => addr.wrapping_add(actual).wrapping_sub(note_base),
            _ => addr,
        };
        let pc = shift(pc);
        let offset = to_offset(pc)
            .ok_or_else(|| format!("USDT probe {provider}:{name} at {pc:#x} is in no segment"))?;
        let semaphore = match sema {
            0 => None,
            s => Some(to_offset(shift(s)).ok_or_else(|| {
                format!("the semaphore of USDT probe {provider}:{name} at {s:#x} is in no segment")
            })?),
        };
        out.push(UsdtSite {
            provider,
            name,
            offset,
            semaphore,
            args,
        });
    }
    Ok(out)
}

struct Note<'a> {
    name: &'a [u8],
    kind: u32,
    desc: &'a [u8],
}

/// The notes of a SHT_NOTE section's contents (4-byte aligned name and descriptor).
fn parse_notes(mut data: &[u8], little: bool) -> Result<Vec<Note<'_>>, String> {
    let u32_at = |b: &[u8], i: usize| -> u32 {
        let w = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        if little {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    let align = |n: usize| n.div_ceil(4) * 4;
    let mut out = Vec::new();
    while data.len() >= 12 {
        let namesz = u32_at(data, 0) as usize;
        let descsz = u32_at(data, 4) as usize;
        let kind = u32_at(data, 8);
        let name_end = 12usize.saturating_add(namesz);
        let desc_start = 12usize.saturating_add(align(namesz));
        let desc_end = desc_start.saturating_add(descsz);
        if desc_end > data.len() {
            return Err("truncated note".into());
        }
        let name = &data[12..name_end];
        let name = name.strip_suffix(&[0]).unwrap_or(name);
        out.push(Note {
            name,
            kind,
            desc: &data[desc_start..desc_end],
        });
        data = &data[align(desc_end).min(data.len())..];
    }
    Ok(out)
}

/// The files mapped executable into process `pid` (from `/proc/PID/maps`), each once, in
/// address order: where `usdt:*:...` looks with `-p`. The error is the reason `/proc/PID/maps`
/// could not be read.
pub fn process_binaries(pid: u32) -> Result<Vec<String>, String> {
    let path = format!("/proc/{pid}/maps");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    Ok(binaries_in_maps(&text))
}

/// The executable file mappings of a `/proc/PID/maps` text, each once, in order.
pub fn binaries_in_maps(maps: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in maps.lines() {
        let mut fields = line.split_ascii_whitespace();
        let (Some(_range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        // offset, device, inode, then the path (which may contain spaces).
        let path = fields.skip(3).collect::<Vec<_>>().join(" ");
        if !perms.contains('x') || !path.starts_with('/') || path.ends_with(" (deleted)") {
            continue;
        }
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(size: u8, signed: bool, location: UsdtLocation) -> UsdtArg {
        UsdtArg {
            size,
            signed,
            location,
        }
    }

    #[test]
    fn argument_specs() {
        assert_eq!(
            parse_args("-4@%eax 8@-8(%rbp) 8@(%rax,%rdx,8) 4@$5 -2@$-7 1@%r9b").unwrap(),
            vec![
                arg(4, true, UsdtLocation::Register("ax")),
                arg(
                    8,
                    false,
                    UsdtLocation::Memory {
                        base: Some("bp"),
                        index: None,
                        disp: -8
                    }
                ),
                arg(
                    8,
                    false,
                    UsdtLocation::Memory {
                        base: Some("ax"),
                        index: Some(("dx", 8)),
                        disp: 0
                    }
                ),
                arg(4, false, UsdtLocation::Constant(5)),
                arg(2, true, UsdtLocation::Constant(-7)),
                arg(1, false, UsdtLocation::Register("r9")),
            ]
        );
        assert_eq!(
            parse_arg("-8@0x10(,%rcx,4)").unwrap().location,
            UsdtLocation::Memory {
                base: None,
                index: Some(("cx", 4)),
                disp: 16
            }
        );
        assert_eq!(parse_args("").unwrap(), vec![]);
        assert_eq!(
            parse_arg("%rdi").unwrap(),
            arg(8, false, UsdtLocation::Register("di"))
        );
    }

    #[test]
    fn bad_argument_specs_are_errors() {
        for bad in [
            "3@%eax",
            "4@%xyz",
            "8@foo(%rip)",
            "8@8(%rip)",
            "4@(%rax",
            "4@()",
            "4@(%rax,%rbx,3)",
            "x@%eax",
            "4@$x",
            "4@eax",
        ] {
            assert!(parse_arg(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn maps_list_executable_files_once() {
        let maps = "\
55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 123 /usr/bin/prog\n\
55d0c0a01000-55d0c0a02000 r-xp 00001000 08:01 123 /usr/bin/prog\n\
7f0000000000-7f0000100000 r-xp 00000000 08:01 456 /lib/x86_64-linux-gnu/libc.so.6\n\
7f0000200000-7f0000300000 r-xp 00000000 08:01 457 /lib/with space/libx.so\n\
7f0000300000-7f0000301000 r-xp 00000000 00:00 0 [vdso]\n\
7f0000400000-7f0000401000 rw-p 00000000 00:00 0\n\
7f0000500000-7f0000501000 r-xp 00000000 08:01 458 /tmp/gone (deleted)\n";
        assert_eq!(
            binaries_in_maps(maps),
            vec![
                "/usr/bin/prog",
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib/with space/libx.so"
            ]
        );
    }

    #[test]
    fn notes_are_split_and_aligned() {
        let mut bytes = Vec::new();
        for (name, desc) in [(&b"stapsdt\0"[..], &[1u8, 2, 3][..]), (b"GNU\0", &[9; 4])] {
            bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&(desc.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&3u32.to_le_bytes());
            bytes.extend_from_slice(name);
            bytes.resize(bytes.len().div_ceil(4) * 4, 0);
            bytes.extend_from_slice(desc);
            bytes.resize(bytes.len().div_ceil(4) * 4, 0);
        }
        let notes = parse_notes(&bytes, true).unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].name, b"stapsdt");
        assert_eq!(notes[0].desc, &[1, 2, 3]);
        assert_eq!(notes[1].name, b"GNU");
        assert!(parse_notes(&bytes[..20], true).is_err());
    }

    #[test]
    fn this_machines_libstdcxx_and_python_have_usdt_probes() {
        // Debian 12's glibc has no stapsdt notes, its libstdc++ and libpython do (the latter with
        // semaphores).
        if let Ok(lib) = crate::catalog::binaries::resolve_binary("libstdc++") {
            let sites = read_sites(&lib).unwrap();
            let names: Vec<String> = sites
                .iter()
                .map(|s| format!("{}:{}", s.provider, s.name))
                .collect();
            assert!(names.contains(&"libstdcxx:throw".to_string()), "{names:?}");
            for s in &sites {
                assert!(parse_args(&s.args).is_ok(), "{s:?}");
                assert!(s.semaphore.is_none(), "{s:?}");
            }
        }
        if let Ok(lib) = crate::catalog::binaries::resolve_binary("libpython3.11") {
            let sites = read_sites(&lib).unwrap();
            assert!(sites.iter().any(|s| s.semaphore.is_some()), "{sites:?}");
            for s in &sites {
                assert!(parse_args(&s.args).is_ok(), "{s:?}");
            }
        }
    }
}
