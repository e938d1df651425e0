//! Compile-time symbol addresses: `kaddr("name")` from `/proc/kallsyms` and `uaddr("name")` from
//! a binary's ELF symbol tables.
//!
//! Both are lazy in the sense of the catalogue: a lookup reads only what it needs (kallsyms is
//! streamed line by line and stops at the first match; an ELF file is read once per lookup and
//! only its symbol tables are walked). Nothing is cached or enumerated up front.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::CatalogError;

/// The address of kernel symbol `name` in a kallsyms file (`/proc/kallsyms` format:
/// `ADDR TYPE NAME [module]` per line). The first line naming `name` wins.
///
/// An address of 0 (what an unprivileged reader sees with `kptr_restrict`) counts as not found.
pub fn kallsyms_address(path: &Path, name: &str) -> Result<u64, CatalogError> {
    let file = File::open(path).map_err(|e| CatalogError::io(path, &e))?;
    find_in_kallsyms(BufReader::new(file), name).map_err(|e| match e {
        Some(err) => CatalogError::io(path, &err),
        None => CatalogError::NotFound {
            what: format!("kernel symbol '{name}' (in {})", path.display()),
        },
    })
}

/// Scans kallsyms text for `name`; `Err(None)` when absent, `Err(Some(_))` on a read error.
fn find_in_kallsyms(reader: impl BufRead, name: &str) -> Result<u64, Option<std::io::Error>> {
    for line in reader.lines() {
        let line = line.map_err(Some)?;
        let mut parts = line.split_ascii_whitespace();
        let (Some(addr), Some(_kind), Some(sym)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if sym != name {
            continue;
        }
        match u64::from_str_radix(addr, 16) {
            Ok(0) | Err(_) => return Err(None),
            Ok(a) => return Ok(a),
        }
    }
    Err(None)
}

/// The value (virtual address, as the ELF file says) of symbol `name` in the ELF file at
/// `path`, from `.symtab` or `.dynsym`. Only 64-bit little-endian files are read.
pub fn elf_symbol_address(path: &Path, name: &str) -> Result<u64, CatalogError> {
    let bytes = std::fs::read(path).map_err(|e| CatalogError::io(path, &e))?;
    match elf_find_symbol(&bytes, name) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(CatalogError::NotFound {
            what: format!("symbol '{name}' in {}", path.display()),
        }),
        Err(message) => Err(CatalogError::Parse {
            path: path.to_path_buf(),
            message,
        }),
    }
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

fn usize_at(b: &[u8], off: usize) -> Option<usize> {
    usize::try_from(u64_at(b, off)?).ok()
}

/// Looks `name` up in the symbol tables of an ELF64 LE image. Defined symbols (section index not
/// 0) only; `Ok(None)` when absent, `Err` when the file is not an ELF64 LE file or is truncated.
fn elf_find_symbol(b: &[u8], name: &str) -> Result<Option<u64>, String> {
    const SHT_SYMTAB: u32 = 2;
    const SHT_DYNSYM: u32 = 11;
    if b.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    if b.get(4) != Some(&2) || b.get(5) != Some(&1) {
        return Err("only 64-bit little-endian ELF files are supported".into());
    }
    let truncated = || "truncated ELF header".to_string();
    let shoff = usize_at(b, 0x28).ok_or_else(truncated)?;
    let shentsize = usize::from(u16_at(b, 0x3a).ok_or_else(truncated)?);
    let shnum = usize::from(u16_at(b, 0x3c).ok_or_else(truncated)?);
    let section = |i: usize| -> Option<(u32, usize, usize, u32, usize)> {
        let h = shoff.checked_add(i.checked_mul(shentsize)?)?;
        Some((
            u32_at(b, h + 4)?,    // sh_type
            usize_at(b, h + 24)?, // sh_offset
            usize_at(b, h + 32)?, // sh_size
            u32_at(b, h + 40)?,   // sh_link
            usize_at(b, h + 56)?, // sh_entsize
        ))
    };
    for kind in [SHT_SYMTAB, SHT_DYNSYM] {
        for i in 0..shnum {
            let Some((ty, off, size, link, entsize)) = section(i) else {
                return Err("truncated section headers".into());
            };
            if ty != kind || entsize < 24 {
                continue;
            }
            let Some((_, str_off, str_size, _, _)) = section(link as usize) else {
                return Err("bad string table link".into());
            };
            let strtab = b
                .get(str_off..str_off.saturating_add(str_size))
                .ok_or("truncated string table")?;
            let syms = b
                .get(off..off.saturating_add(size))
                .ok_or("truncated symbol table")?;
            for sym in syms.chunks_exact(entsize) {
                let (Some(name_off), Some(shndx), Some(value)) =
                    (u32_at(sym, 0), u16_at(sym, 6), u64_at(sym, 8))
                else {
                    continue;
                };
                if shndx == 0 {
                    continue;
                }
                let Some(rest) = strtab.get(name_off as usize..) else {
                    continue;
                };
                let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
                if &rest[..end] == name.as_bytes() {
                    return Ok(Some(value));
                }
            }
        }
    }
    Ok(None)
}

/// The names of the defined function symbols of the ELF file at `path` (`.symtab` and
/// `.dynsym`), sorted and deduplicated, without symbol versions (`malloc@@GLIBC_2.2.5` ->
/// `malloc`). Read only when a wildcard uprobe or `-l` names the file.
pub fn elf_functions(path: &Path) -> Result<Vec<String>, CatalogError> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let data = std::fs::read(path).map_err(|e| CatalogError::io(path, &e))?;
    let file = object::File::parse(&*data).map_err(|e| CatalogError::Parse {
        path: path.to_path_buf(),
        message: format!("not an ELF file: {e}"),
    })?;
    let mut names = std::collections::BTreeSet::new();
    for sym in file.symbols().chain(file.dynamic_symbols()) {
        if sym.kind() != SymbolKind::Text || sym.is_undefined() {
            continue;
        }
        let Ok(name) = sym.name() else { continue };
        let name = name.split('@').next().unwrap_or(name);
        if !name.is_empty() {
            names.insert(name.to_string());
        }
    }
    Ok(names.into_iter().collect())
}

/// The file offset (what a uprobe attaches at) of function symbol `name` of the ELF file at
/// `path`, matched without its symbol version (`strcasecmp@@GLIBC_2.2.5`), `GNU_IFUNC` symbols
/// included: the symbol's address mapped through the loadable segment that holds it.
pub fn elf_function_file_offset(path: &Path, name: &str) -> Result<u64, CatalogError> {
    use object::{Object, ObjectSegment, ObjectSymbol, SymbolKind};
    let data = std::fs::read(path).map_err(|e| CatalogError::io(path, &e))?;
    let file = object::File::parse(&*data).map_err(|e| CatalogError::Parse {
        path: path.to_path_buf(),
        message: format!("not an ELF file: {e}"),
    })?;
    let address = file
        .symbols()
        .chain(file.dynamic_symbols())
        .filter(|s| s.kind() == SymbolKind::Text && !s.is_undefined())
        .find(|s| s.name().is_ok_and(|n| n.split('@').next() == Some(name)))
        .map(|s| s.address())
        .ok_or_else(|| CatalogError::NotFound {
            what: format!("function '{name}' in {}", path.display()),
        })?;
    file.segments()
        .find_map(|seg| {
            let (start, size) = seg.file_range();
            let inside = address >= seg.address() && address - seg.address() < size;
            inside.then(|| start + (address - seg.address()))
        })
        .ok_or_else(|| CatalogError::NotFound {
            what: format!(
                "the segment holding '{name}' (address {address:#x}) in {}",
                path.display()
            ),
        })
}

/// A C++ symbol's demangled name without its parameter list (`_ZN2ns4funcEi` -> `ns::func`), and
/// the full demangled text (`ns::func(int)`); `None` for names that are not mangled C++.
pub fn demangle_cpp(symbol: &str) -> Option<(String, String)> {
    if !symbol.starts_with("_Z") {
        return None;
    }
    let full = cpp_demangle::Symbol::new(symbol.as_bytes())
        .ok()?
        .demangle()
        .ok()?;
    Some((strip_parameters(&full).to_string(), full))
}

/// `ns::f(int) const` -> `ns::f`; `ns::g<int(*)()>(x)` -> `ns::g<int(*)()>`: cuts at the `(` that
/// opens the parameter list (the first one outside template brackets).
fn strip_parameters(full: &str) -> &str {
    let mut depth = 0i32;
    for (i, c) in full.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            '(' if depth <= 0 && i > 0 => return &full[..i],
            _ => {}
        }
    }
    full
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kallsyms_lines_are_matched_by_exact_name() {
        let text = "ffffffff81000000 T _stext\n\
                    ffffffff816bab70 T vfs_read\n\
                    ffffffff816bab80 t vfs_readv\n\
                    ffffffffc0001000 t helper\t[mod]\n";
        assert_eq!(
            find_in_kallsyms(text.as_bytes(), "vfs_read").ok(),
            Some(0xffffffff816bab70)
        );
        assert_eq!(
            find_in_kallsyms(text.as_bytes(), "helper").ok(),
            Some(0xffffffffc0001000)
        );
        assert!(find_in_kallsyms(text.as_bytes(), "vfs").is_err());
        // Hidden addresses (kptr_restrict) are not addresses.
        assert!(find_in_kallsyms("0000000000000000 T x\n".as_bytes(), "x").is_err());
    }

    #[test]
    fn ifunc_symbols_have_file_offsets() {
        // glibc's strcasecmp is a versioned GNU_IFUNC symbol (libbpf's own lookup misses it).
        let libc = Path::new("/lib/x86_64-linux-gnu/libc.so.6");
        if !libc.exists() {
            return;
        }
        let off = elf_function_file_offset(libc, "strcasecmp").expect("strcasecmp");
        assert!(off > 0);
        assert_eq!(
            elf_function_file_offset(libc, "strcasecmp"),
            elf_function_file_offset(libc, "strcasecmp"),
        );
        assert!(elf_function_file_offset(libc, "no_such_function_oxt").is_err());
    }

    #[test]
    fn elf_symbols_of_this_test_binary() {
        // The test binary itself is an ELF64 LE file with a symbol table that has `main`.
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let v = elf_symbol_address(&exe, "main");
        assert!(matches!(v, Ok(a) if a != 0), "{v:?}");
        assert!(matches!(
            elf_symbol_address(&exe, "no_such_symbol_anywhere_42"),
            Err(CatalogError::NotFound { .. })
        ));
        assert!(elf_find_symbol(b"\x7fELF\x02\x01", "x").is_err());
        assert!(elf_find_symbol(b"hello", "x").is_err());
        let funcs = elf_functions(&exe).unwrap_or_default();
        assert!(funcs.iter().any(|f| f == "main"), "{} symbols", funcs.len());
        assert!(elf_functions(Path::new("/nonexistent/x")).is_err());
    }

    #[test]
    fn cpp_names_demangle_without_parameters() {
        assert_eq!(
            demangle_cpp("_ZN2ns4funcEi"),
            Some(("ns::func".to_string(), "ns::func(int)".to_string()))
        );
        assert_eq!(demangle_cpp("main"), None);
        assert_eq!(strip_parameters("ns::g<int (*)()>(x)"), "ns::g<int (*)()>");
        assert_eq!(strip_parameters("plain"), "plain");
    }
}
