//! Finding the file a uprobe names: a path, a library name resolved like the dynamic loader does
//! (`libc` -> `/lib/x86_64-linux-gnu/libc.so.6`, through `/etc/ld.so.cache`), or a program name
//! looked up in `PATH`. The cache is read only when a probe names a library.

use std::path::{Path, PathBuf};

/// The dynamic loader's cache of installed libraries.
pub const LD_SO_CACHE: &str = "/etc/ld.so.cache";

/// Magic at the start of glibc's current cache format.
const MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
/// Bytes of the header before the first entry.
const HEADER: usize = 48;
/// Bytes of one entry: flags (i32), key and value string offsets (u32), osversion (u32), hwcap (u64).
const ENTRY: usize = 24;
/// Entry flags of 64-bit x86 libraries (`FLAG_ELF_LIBC6 | FLAG_X8664_LIB64`).
const X86_64_LIBC6: u32 = 0x0303;

/// One cached library: its soname (`libc.so.6`) and its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedLibrary {
    /// The name the loader looks for.
    pub soname: String,
    /// Where it is.
    pub path: String,
}

/// The 64-bit x86 libraries of a cache file's contents, in the cache's order (the loader's
/// preference). Anything malformed ends the list early rather than failing.
pub fn parse_ld_so_cache(bytes: &[u8]) -> Vec<CachedLibrary> {
    let Some(start) = find(bytes, MAGIC) else {
        return Vec::new();
    };
    let base = &bytes[start..];
    let u32_at = |off: usize| -> Option<u32> {
        base.get(off..off + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let string_at = |off: u32| -> Option<String> {
        // String offsets in the new format count from the start of the new-format header.
        let s = base.get(off as usize..)?;
        let end = s.iter().position(|&c| c == 0)?;
        Some(String::from_utf8_lossy(&s[..end]).into_owned())
    };
    let Some(count) = u32_at(MAGIC.len()) else {
        return Vec::new();
    };
    let mut libs = Vec::new();
    for i in 0..count as usize {
        let off = HEADER + i * ENTRY;
        let (Some(flags), Some(key), Some(value)) = (u32_at(off), u32_at(off + 4), u32_at(off + 8))
        else {
            break;
        };
        if flags & 0x0fff != X86_64_LIBC6 {
            continue;
        }
        if let (Some(soname), Some(path)) = (string_at(key), string_at(value)) {
            libs.push(CachedLibrary { soname, path });
        }
    }
    libs
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The library a uprobe's short name means: `libc`, `c`, `libc.so` and `libc.so.6` all find
/// `libc.so.6`. Prefers an exact soname, then `lib<name>.so...`.
pub fn find_library<'a>(libs: &'a [CachedLibrary], name: &str) -> Option<&'a CachedLibrary> {
    if let Some(exact) = libs.iter().find(|l| l.soname == name) {
        return Some(exact);
    }
    // `libc.so` finds `libc.so.6`; `libc` and `c` find `libc.so` or `libc.so.<version>`.
    let prefix = if name.contains(".so") {
        name.to_string()
    } else {
        format!("lib{}.so", name.strip_prefix("lib").unwrap_or(name))
    };
    libs.iter()
        .find(|l| l.soname == prefix || l.soname.starts_with(&format!("{prefix}.")))
}

/// Resolves a uprobe's binary as written to an absolute path: an absolute path as written, a
/// relative path made canonical, a library name through the loader's cache (its path as listed
/// there), or a program name through `PATH`.
pub fn resolve_binary(name: &str) -> Result<PathBuf, String> {
    if name.starts_with('/') {
        // As written, like bpftrace: `/bin/sh` stays `/bin/sh` in the probe's name.
        if Path::new(name).exists() {
            return Ok(PathBuf::from(name));
        }
        return Err(format!("binary '{name}' does not exist"));
    }
    if name.contains('/') {
        return std::fs::canonicalize(name)
            .map_err(|e| format!("binary '{name}' cannot be used: {e}"));
    }
    if name.starts_with("lib") || name.contains(".so") {
        if let Ok(bytes) = std::fs::read(LD_SO_CACHE) {
            let libs = parse_ld_so_cache(&bytes);
            if let Some(lib) = find_library(&libs, name) {
                // As the cache lists it (which is also how bpftrace names the probe).
                let path = PathBuf::from(&lib.path);
                if path.exists() {
                    return Ok(path);
                }
                return Err(format!(
                    "library '{name}' is listed at {}, which does not exist",
                    lib.path
                ));
            }
        }
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path_var) {
        let candidate = dir.join(name);
        if is_executable(&candidate) && candidate.is_absolute() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "no binary or library '{name}' (looked in {LD_SO_CACHE} and PATH)"
    ))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache with `libc.so.6` (64-bit), `libc.so.6` (32-bit) and `libssl.so.3`.
    fn synthetic_cache() -> Vec<u8> {
        let strings = [
            "libc.so.6\0",
            "/lib/x86_64-linux-gnu/libc.so.6\0",
            "/lib32/libc.so.6\0",
            "libssl.so.3\0",
            "/lib/x86_64-linux-gnu/libssl.so.3\0",
        ];
        let entries = 3usize;
        let strings_at = HEADER + entries * ENTRY;
        let mut offsets = Vec::new();
        let mut table = Vec::new();
        for s in strings {
            offsets.push((strings_at + table.len()) as u32);
            table.extend_from_slice(s.as_bytes());
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&(entries as u32).to_le_bytes());
        out.resize(HEADER, 0);
        for (flags, key, value) in [(0x0303u32, 0, 1), (0x0003, 0, 2), (0x0303, 3, 4)] {
            out.extend_from_slice(&flags.to_le_bytes());
            out.extend_from_slice(&offsets[key].to_le_bytes());
            out.extend_from_slice(&offsets[value].to_le_bytes());
            out.extend_from_slice(&[0u8; 12]);
        }
        out.extend_from_slice(&table);
        out
    }

    #[test]
    fn parses_64_bit_entries_in_order() {
        let libs = parse_ld_so_cache(&synthetic_cache());
        assert_eq!(
            libs,
            vec![
                CachedLibrary {
                    soname: "libc.so.6".into(),
                    path: "/lib/x86_64-linux-gnu/libc.so.6".into()
                },
                CachedLibrary {
                    soname: "libssl.so.3".into(),
                    path: "/lib/x86_64-linux-gnu/libssl.so.3".into()
                },
            ]
        );
    }

    #[test]
    fn short_names_find_their_library() {
        let libs = parse_ld_so_cache(&synthetic_cache());
        for name in ["libc", "c", "libc.so", "libc.so.6"] {
            assert_eq!(
                find_library(&libs, name).map(|l| l.soname.as_str()),
                Some("libc.so.6"),
                "{name}"
            );
        }
        assert_eq!(
            find_library(&libs, "libssl").map(|l| l.soname.as_str()),
            Some("libssl.so.3")
        );
        assert_eq!(find_library(&libs, "libcrypt"), None);
    }

    #[test]
    fn garbage_is_not_a_cache() {
        assert!(parse_ld_so_cache(b"nonsense").is_empty());
        let mut truncated = synthetic_cache();
        truncated.truncate(HEADER + 10);
        assert!(parse_ld_so_cache(&truncated).is_empty());
    }

    #[test]
    fn this_machines_libc_resolves() {
        // The real cache of the machine the tests run on (Debian: libc6 is always installed).
        match resolve_binary("libc") {
            Ok(p) => assert!(p.to_string_lossy().contains("libc.so"), "{}", p.display()),
            Err(e) => panic!("{e}"),
        }
        assert!(resolve_binary("sh").is_ok_and(|p| p.is_absolute()));
        assert!(resolve_binary("no-such-program-oxtrace").is_err());
    }
}
