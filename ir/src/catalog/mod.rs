//! The probe catalogue: where the compiler learns which probes exist and what arguments they carry.
//!
//! [`ProbeCatalog`] is the interface; [`TracefsCatalog`] reads the running kernel's tracefs and
//! [`FixtureCatalog`] reads format files recorded from the project's machines (in
//! `ir/fixtures/tracefs`), so tests run without root or tracefs. Both are lazy: matching a
//! wildcard reads directory names only, and a `format` file is read and parsed the first time its
//! tracepoint's format is asked for, then cached.

pub mod binaries;
pub mod btf;
pub mod glob;
pub mod kfuncs;
pub mod symbols;
pub mod syscalls;
pub mod tracefs_format;
pub mod usdt;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

pub use btf::{BtfCatalog, NoTypes, TypeCatalog};
pub use glob::glob_match;
pub use tracefs_format::{parse_format, FieldKind, TracepointField, TracepointFormat};

/// Where the compiler learns which probes exist and what arguments they carry.
pub trait ProbeCatalog {
    /// Tracepoints "category:name" matching a glob pattern on each part (`*`, `?`, `[abc]`,
    /// `{a,b}` alternatives), sorted, deduplicated. A pattern without wildcards must not list
    /// directories (check that one directory exists). No match is `Ok` of an empty list; the
    /// caller decides whether that is an error.
    fn match_tracepoints(
        &self,
        category_glob: &str,
        name_glob: &str,
    ) -> Result<Vec<(String, String)>, CatalogError>;

    /// The format of one tracepoint (parsed lazily, cached).
    fn tracepoint_format(
        &self,
        category: &str,
        name: &str,
    ) -> Result<Arc<TracepointFormat>, CatalogError>;

    /// The address of kernel symbol `name` (`kaddr("name")`). By default the running kernel's
    /// `/proc/kallsyms`, read up to the first line naming it.
    fn kernel_symbol(&self, name: &str) -> Result<u64, CatalogError> {
        symbols::kallsyms_address(Path::new("/proc/kallsyms"), name)
    }

    /// The address of symbol `name` in the ELF file `binary` (`uaddr("name")` in a uprobe on
    /// `binary`). By default read from the file's symbol tables.
    fn user_symbol(&self, binary: &str, name: &str) -> Result<u64, CatalogError> {
        symbols::elf_symbol_address(Path::new(binary), name)
    }

    /// The absolute path of the file a uprobe or usdt probe names: a path, a library name
    /// (`libc`) or a program in `PATH` (see [`binaries::resolve_binary`]).
    fn resolve_binary(&self, name: &str) -> Result<String, String> {
        binaries::resolve_binary(name).map(|p| p.to_string_lossy().into_owned())
    }

    /// The defined function symbols of the ELF file `binary`, sorted (uprobe wildcards and C++
    /// names). By default read from the file, only when asked.
    fn user_functions(&self, binary: &str) -> Result<Vec<String>, CatalogError> {
        symbols::elf_functions(Path::new(binary))
    }

    /// The USDT probe sites of the ELF file `binary` (its `.note.stapsdt` notes).
    fn usdt_sites(&self, binary: &str) -> Result<Vec<usdt::UsdtSite>, CatalogError> {
        usdt::read_sites(Path::new(binary)).map_err(|message| CatalogError::Parse {
            path: PathBuf::from(binary),
            message,
        })
    }

    /// The kernel functions probes can name (kprobe/fentry wildcards): tracefs'
    /// `available_filter_functions` when readable, otherwise the `FUNC` entries of kernel BTF.
    /// Sorted, deduplicated, without module annotations.
    fn kernel_functions(&self) -> Result<Vec<String>, CatalogError> {
        kfuncs::traceable_functions()
    }

    /// The executable files mapped into process `pid` (`usdt:*:...` with `-p`).
    fn process_binaries(&self, pid: u32) -> Result<Vec<String>, CatalogError> {
        usdt::process_binaries(pid).map_err(|message| CatalogError::Io {
            path: PathBuf::from(format!("/proc/{pid}/maps")),
            message,
        })
    }
}

/// Why the catalogue could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// The thing asked for does not exist (`what` says what, e.g. `tracepoint syscalls:sys_enter_nope`).
    NotFound {
        /// What was looked for, for the message.
        what: String,
    },
    /// Reading a directory or file failed for another reason than absence (e.g. permissions).
    Io {
        /// The path that could not be read.
        path: PathBuf,
        /// The operating system's explanation.
        message: String,
    },
    /// A `format` file did not have the expected shape.
    Parse {
        /// The file that could not be parsed.
        path: PathBuf,
        /// What was wrong, with the line number.
        message: String,
    },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::NotFound { what } => write!(f, "{what} not found"),
            CatalogError::Io { path, message } => {
                write!(f, "cannot read {}: {message}", path.display())
            }
            CatalogError::Parse { path, message } => {
                write!(f, "cannot parse {}: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for CatalogError {}

impl CatalogError {
    fn io(path: &Path, error: &io::Error) -> Self {
        CatalogError::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }
}

/// The tracefs mount points tried by [`TracefsCatalog::new`], in order.
pub const TRACEFS_ROOTS: &[&str] = &["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// A catalogue over the running kernel's tracefs (`<root>/events/<category>/<name>/format`).
/// It never mounts anything (the runtime does that) and never reads all format files.
#[derive(Debug)]
pub struct TracefsCatalog {
    events: EventsDir,
}

impl TracefsCatalog {
    /// The catalogue of the first of [`TRACEFS_ROOTS`] that has an `events` directory;
    /// `NotFound` when tracefs is not mounted (or not readable) at either.
    pub fn new() -> Result<Self, CatalogError> {
        TRACEFS_ROOTS
            .iter()
            .map(Path::new)
            .find(|root| root.join("events").is_dir())
            .map(Self::at)
            .ok_or_else(|| CatalogError::NotFound {
                what: format!(
                    "tracefs (no events directory under {})",
                    TRACEFS_ROOTS.join(" or ")
                ),
            })
    }

    /// The catalogue of a tracefs mounted at `root` (the directory holding `events/`).
    pub fn at(root: impl AsRef<Path>) -> Self {
        TracefsCatalog {
            events: EventsDir::new(root.as_ref().join("events")),
        }
    }

    /// The `events` directory this catalogue reads.
    pub fn events_dir(&self) -> &Path {
        &self.events.root
    }
}

impl ProbeCatalog for TracefsCatalog {
    fn match_tracepoints(
        &self,
        category_glob: &str,
        name_glob: &str,
    ) -> Result<Vec<(String, String)>, CatalogError> {
        self.events.match_tracepoints(category_glob, name_glob)
    }

    fn tracepoint_format(
        &self,
        category: &str,
        name: &str,
    ) -> Result<Arc<TracepointFormat>, CatalogError> {
        self.events.tracepoint_format(category, name)
    }
}

/// A catalogue over format files recorded from the project's machines (kernel 6.18, x86_64) into
/// `ir/fixtures/tracefs/<category>/<name>/format` by `ir/fixtures/record-tracefs.sh`, for tests
/// that must run without root. Same semantics as [`TracefsCatalog`], limited to the recorded
/// categories.
#[derive(Debug)]
pub struct FixtureCatalog {
    events: EventsDir,
}

impl FixtureCatalog {
    /// The catalogue of the fixtures shipped in this crate (`$CARGO_MANIFEST_DIR/fixtures/tracefs`).
    pub fn new() -> Self {
        Self::at(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tracefs"))
    }

    /// The catalogue of a directory laid out like tracefs' `events/` (`<category>/<name>/format`).
    pub fn at(path: impl AsRef<Path>) -> Self {
        FixtureCatalog {
            events: EventsDir::new(path.as_ref().to_path_buf()),
        }
    }

    /// The directory this catalogue reads.
    pub fn dir(&self) -> &Path {
        &self.events.root
    }
}

impl Default for FixtureCatalog {
    fn default() -> Self {
        Self::new()
    }
}

/// The path under which [`FixtureCatalog`] knows a recorded copy of the workload binary's
/// USDT probes and `oxtwl_usdt_*` functions (`corpus/workload.rs`), so that programs probing the
/// workload lower the same way everywhere (the e2e cases name it `{workload}`).
pub const FIXTURE_WORKLOAD: &str = "/oxtrace-fixtures/oxtrace-workload";

/// The USDT sites of the workload as `readelf -n` shows them (offsets are illustrative).
const FIXTURE_WORKLOAD_USDT: &[(&str, &str, u64, Option<u64>, &str)] = &[
    ("oxtwl", "guarded", 0x1b3a6, Some(0x620f8), "2@%ax"),
    ("oxtwl", "multi", 0x1b3b5, None, "-4@%edi"),
    ("oxtwl", "multi", 0x1b3c0, None, "8@$99"),
    (
        "oxtwl",
        "step",
        0x1b521,
        None,
        "-4@%edi 8@%rsi -2@$-7 8@(%rdx) -8@8(%rdx,%rcx,8) 1@%r8b -1@%r9b",
    ),
];

impl ProbeCatalog for FixtureCatalog {
    fn match_tracepoints(
        &self,
        category_glob: &str,
        name_glob: &str,
    ) -> Result<Vec<(String, String)>, CatalogError> {
        self.events.match_tracepoints(category_glob, name_glob)
    }

    fn tracepoint_format(
        &self,
        category: &str,
        name: &str,
    ) -> Result<Arc<TracepointFormat>, CatalogError> {
        self.events.tracepoint_format(category, name)
    }

    fn kernel_functions(&self) -> Result<Vec<String>, CatalogError> {
        // A few functions of the project's kernel, enough for wildcard tests.
        let names = [
            "do_nanosleep",
            "vfs_read",
            "vfs_readlink",
            "vfs_readv",
            "vfs_write",
        ];
        Ok(names.iter().map(|s| s.to_string()).collect())
    }

    fn resolve_binary(&self, name: &str) -> Result<String, String> {
        if name == FIXTURE_WORKLOAD {
            return Ok(name.to_string());
        }
        binaries::resolve_binary(name).map(|p| p.to_string_lossy().into_owned())
    }

    fn user_functions(&self, binary: &str) -> Result<Vec<String>, CatalogError> {
        if binary == FIXTURE_WORKLOAD {
            let names = ["main", "oxtwl_usdt_guarded", "oxtwl_usdt_multi1"];
            let more = ["oxtwl_usdt_multi2", "oxtwl_usdt_step"];
            return Ok(names.iter().chain(&more).map(|s| s.to_string()).collect());
        }
        symbols::elf_functions(Path::new(binary))
    }

    fn usdt_sites(&self, binary: &str) -> Result<Vec<usdt::UsdtSite>, CatalogError> {
        if binary == FIXTURE_WORKLOAD {
            return Ok(FIXTURE_WORKLOAD_USDT
                .iter()
                .map(|(provider, name, offset, semaphore, args)| usdt::UsdtSite {
                    provider: provider.to_string(),
                    name: name.to_string(),
                    offset: *offset,
                    semaphore: *semaphore,
                    args: args.to_string(),
                })
                .collect());
        }
        usdt::read_sites(Path::new(binary)).map_err(|message| CatalogError::Parse {
            path: PathBuf::from(binary),
            message,
        })
    }
}

/// A directory laid out like tracefs' `events/`, with a cache of parsed formats. Shared by both
/// catalogues so they cannot drift apart.
#[derive(Debug)]
struct EventsDir {
    root: PathBuf,
    formats: Mutex<HashMap<(String, String), Arc<TracepointFormat>>>,
}

impl EventsDir {
    fn new(root: PathBuf) -> Self {
        EventsDir {
            root,
            formats: Mutex::new(HashMap::new()),
        }
    }

    fn match_tracepoints(
        &self,
        category_glob: &str,
        name_glob: &str,
    ) -> Result<Vec<(String, String)>, CatalogError> {
        let mut out = Vec::new();
        for category in self.matching_subdirs(&self.root, category_glob)? {
            let dir = self.root.join(&category);
            for name in self.matching_subdirs(&dir, name_glob)? {
                out.push((category.clone(), name));
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Names of the subdirectories of `dir` matching `pattern`. Brace alternatives that are
    /// literal names are checked one by one instead of listing `dir`.
    fn matching_subdirs(&self, dir: &Path, pattern: &str) -> Result<Vec<String>, CatalogError> {
        let alternatives = glob::expand_braces(pattern);
        if alternatives.iter().all(|alt| !glob::has_wildcards(alt)) {
            let mut out = Vec::new();
            for alt in alternatives {
                if is_plain_name(&alt) && is_dir(&dir.join(&alt))? {
                    out.push(alt);
                }
            }
            return Ok(out);
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            // A category that vanished (or was never there) simply has no tracepoints.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CatalogError::io(dir, &e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| CatalogError::io(dir, &e))?;
            // tracefs puts files (`enable`, `filter`, `header_page`, ...) next to the event
            // directories; only directories are categories or events.
            let is_directory = match entry.file_type() {
                Ok(t) => t.is_dir(),
                Err(e) => return Err(CatalogError::io(&entry.path(), &e)),
            };
            if !is_directory {
                continue;
            }
            // Kernel event names are ASCII; anything else cannot be a tracepoint.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if glob::glob_match(pattern, &name) {
                out.push(name);
            }
        }
        Ok(out)
    }

    fn tracepoint_format(
        &self,
        category: &str,
        name: &str,
    ) -> Result<Arc<TracepointFormat>, CatalogError> {
        let key = (category.to_string(), name.to_string());
        if let Some(found) = self.cache().get(&key) {
            return Ok(Arc::clone(found));
        }
        let not_found = || CatalogError::NotFound {
            what: format!("tracepoint {category}:{name}"),
        };
        if !is_plain_name(category) || !is_plain_name(name) {
            return Err(not_found());
        }
        let path = self.root.join(category).join(name).join("format");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_found()),
            Err(e) => return Err(CatalogError::io(&path, &e)),
        };
        let format = parse_format(category, &text).map_err(|e| CatalogError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if format.name != name {
            return Err(CatalogError::Parse {
                path,
                message: format!("the file names event {:?}, not {name:?}", format.name),
            });
        }
        let format = Arc::new(format);
        // Another thread may have parsed it meanwhile; either copy is equally good.
        self.cache().insert(key, Arc::clone(&format));
        Ok(format)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Arc<TracepointFormat>>> {
        // The map is only ever inserted into whole values, so a poisoned lock holds valid data.
        self.formats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether `s` can be one path component under `events/` (no separators, not `.`/`..`, not empty).
fn is_plain_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\0'])
}

/// Whether `path` is a directory; absence is `false`, other failures are errors.
fn is_dir(path: &Path) -> Result<bool, CatalogError> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.is_dir()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CatalogError::io(path, &e)),
    }
}

#[cfg(test)]
mod tests;
