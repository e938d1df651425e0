//! `-l [PATTERN]`: listing probes, the way `bpftrace -l` does.
//!
//! A pattern is a glob over full probe names (`tracepoint:syscalls:sys_enter_open*`,
//! `*sched_switch*`, `uprobe:/bin/bash:read*`); provider aliases (`t:`, `rt:`, `s:`, `h:`, `k:`,
//! `u:`) are accepted. Sources, each read only when the pattern can match its provider:
//!
//! - `BEGIN`, `END`;
//! - `hardware:EVENT:` and `software:EVENT:` (names and aliases, with the trailing `:` bpftrace
//!   prints for probes that take an optional count);
//! - `tracepoint:CAT:NAME` from tracefs directory names through [`ir::catalog`] (no format file is
//!   read unless `-v` asks for arguments);
//! - `rawtracepoint:NAME` from `available_events`;
//! - `kprobe:FUNC` from `available_filter_functions` when it is readable (on the project's
//!   machines it is not: a warning says so and kprobes are not listed);
//! - `uprobe:BINARY:FUNC` for the binary named in the pattern, from its ELF symbol tables
//!   (function symbols of `.symtab` and `.dynsym`).
//!
//! With `-v`, each tracepoint is followed by its fields as declared in its `format` file
//! (`    const char * filename`), common fields left out, as bpftrace 0.17 prints them.

use std::collections::BTreeSet;
use std::path::Path;

use ir::catalog::{glob_match, ProbeCatalog};

/// Hardware events bpftrace accepts (name, alias).
const HARDWARE: &[(&str, &str)] = &[
    ("cpu-cycles", "cycles"),
    ("instructions", ""),
    ("cache-references", ""),
    ("cache-misses", ""),
    ("branch-instructions", "branches"),
    ("branch-misses", ""),
    ("bus-cycles", ""),
    ("frontend-stalls", ""),
    ("backend-stalls", ""),
    ("ref-cycles", ""),
];

/// Expands a provider alias at the start of a pattern (`t:` → `tracepoint:`).
fn expand_alias(pattern: &str) -> String {
    const ALIASES: &[(&str, &str)] = &[
        ("t", "tracepoint"),
        ("rt", "rawtracepoint"),
        ("s", "software"),
        ("h", "hardware"),
        ("k", "kprobe"),
        ("u", "uprobe"),
    ];
    if let Some((provider, rest)) = pattern.split_once(':') {
        if let Some((_, full)) = ALIASES.iter().find(|(a, _)| *a == provider) {
            return format!("{full}:{rest}");
        }
    }
    pattern.to_string()
}

/// True when `pattern` may match probes of `provider` (its provider part is a glob too).
fn may_match(pattern: &str, provider: &str) -> bool {
    match pattern.split_once(':') {
        Some((p, _)) => glob_match(p, provider),
        // No provider part: a glob over whole names (`*sched*`), or a bare BEGIN/END.
        None => true,
    }
}

/// What `-l` prints for `pattern` (default `*`): matching probe names, one a line, sorted
/// within each provider, providers in alphabetical order (`BEGIN`/`END` first). Warnings (an
/// unreadable kprobe list, an unreadable binary) go to `warn`.
pub fn list(
    pattern: Option<&str>,
    verbose: bool,
    catalog: &ir::catalog::TracefsCatalog,
    warn: &mut dyn FnMut(String),
) -> String {
    let pattern = expand_alias(pattern.unwrap_or("*"));
    let mut out = String::new();
    let emit = |names: Vec<String>, out: &mut String| {
        for n in names {
            out.push_str(&n);
            out.push('\n');
        }
    };

    let specials: Vec<String> = ["BEGIN", "END"]
        .iter()
        .filter(|s| glob_match(&pattern, s))
        .map(|s| s.to_string())
        .collect();
    emit(specials, &mut out);

    if may_match(&pattern, "hardware") {
        let names = perf_names("hardware", HARDWARE.iter().copied(), &pattern);
        emit(names, &mut out);
    }
    // A plain name without provider or wildcard (`BEGIN`) cannot be a kprobe.
    let plain = !pattern.contains(':') && !ir::catalog::glob::has_wildcards(&pattern);
    if may_match(&pattern, "kprobe") && !plain {
        emit(kprobes(&pattern, warn), &mut out);
    }
    if may_match(&pattern, "rawtracepoint") {
        emit(raw_tracepoints(catalog, &pattern, warn), &mut out);
    }
    if may_match(&pattern, "software") {
        let events = ir::SoftwareEvent::TABLE.iter().map(|(n, a, _, _)| (*n, *a));
        emit(perf_names("software", events, &pattern), &mut out);
    }
    if may_match(&pattern, "tracepoint") {
        out.push_str(&tracepoints(catalog, &pattern, verbose, warn));
    }
    if let Some(rest) = pattern.strip_prefix("uprobe:") {
        emit(uprobes(rest, warn), &mut out);
    }
    out
}

/// `PROVIDER:NAME:` lines for perf events and their aliases matching `pattern`.
fn perf_names<'a>(
    provider: &str,
    events: impl Iterator<Item = (&'a str, &'a str)>,
    pattern: &str,
) -> Vec<String> {
    let mut names = BTreeSet::new();
    for (name, alias) in events {
        for n in [name, alias] {
            if n.is_empty() {
                continue;
            }
            let full = format!("{provider}:{n}:");
            if glob_match(pattern, &full) || glob_match(pattern, &full[..full.len() - 1]) {
                names.insert(full);
            }
        }
    }
    names.into_iter().collect()
}

/// `tracepoint:CAT:NAME` lines (with `-v`, each followed by its fields).
fn tracepoints(
    catalog: &ir::catalog::TracefsCatalog,
    pattern: &str,
    verbose: bool,
    warn: &mut dyn FnMut(String),
) -> String {
    // Narrow the directory walk when the pattern spells `tracepoint:CAT:NAME`.
    let (cat_glob, name_glob) = match pattern.strip_prefix("tracepoint:") {
        Some(rest) => match rest.split_once(':') {
            Some((c, n)) if !n.contains(':') => (c.to_string(), n.to_string()),
            _ => ("*".to_string(), "*".to_string()),
        },
        None => ("*".to_string(), "*".to_string()),
    };
    let found = match catalog.match_tracepoints(&cat_glob, &name_glob) {
        Ok(f) => f,
        Err(e) => {
            warn(format!("cannot list tracepoints: {e}"));
            return String::new();
        }
    };
    let mut out = String::new();
    for (category, name) in found {
        let full = format!("tracepoint:{category}:{name}");
        if !glob_match(pattern, &full) {
            continue;
        }
        out.push_str(&full);
        out.push('\n');
        if verbose {
            let path = catalog
                .events_dir()
                .join(&category)
                .join(&name)
                .join("format");
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    for decl in format_fields(&text) {
                        out.push_str("    ");
                        out.push_str(&decl);
                        out.push('\n');
                    }
                }
                Err(e) => warn(format!("cannot read {}: {e}", path.display())),
            }
        }
    }
    out
}

/// The declarations (`const char * filename`, `char prev_comm[16]`) of a tracepoint format
/// file's non-common fields, in order.
pub fn format_fields(format: &str) -> Vec<String> {
    format
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("field:"))
        .filter_map(|l| l.split(';').next())
        .map(|decl| decl.trim().to_string())
        .filter(|decl| {
            let name = decl.rsplit([' ', '*']).next().unwrap_or("");
            !name.starts_with("common_")
        })
        .collect()
}

/// `rawtracepoint:NAME` lines from tracefs `available_events` (`category:name` lines).
fn raw_tracepoints(
    catalog: &ir::catalog::TracefsCatalog,
    pattern: &str,
    warn: &mut dyn FnMut(String),
) -> Vec<String> {
    let Some(root) = catalog.events_dir().parent() else {
        return Vec::new();
    };
    let path = root.join("available_events");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            warn(format!(
                "cannot list raw tracepoints: {}: {e}",
                path.display()
            ));
            return Vec::new();
        }
    };
    raw_tracepoint_names(&text, pattern)
}

/// The matching, sorted, deduplicated `rawtracepoint:NAME` lines of an `available_events` text.
pub fn raw_tracepoint_names(available_events: &str, pattern: &str) -> Vec<String> {
    available_events
        .lines()
        .filter_map(|l| l.split_once(':').map(|(_, name)| name.trim()))
        .filter(|name| !name.is_empty())
        .map(|name| format!("rawtracepoint:{name}"))
        .filter(|full| glob_match(pattern, full))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `kprobe:FUNC` lines from `available_filter_functions`, or a warning when it cannot be read.
fn kprobes(pattern: &str, warn: &mut dyn FnMut(String)) -> Vec<String> {
    let path = Path::new("/sys/kernel/tracing/available_filter_functions");
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            // Only worth saying when the pattern names kprobes (or everything).
            warn(format!(
                "kprobes are not listed: cannot read {}: {e}",
                path.display()
            ));
            return Vec::new();
        }
    };
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let func = parts.next()?;
            Some(match parts.next() {
                Some(module) => format!(
                    "kprobe:{}:{func}",
                    module.trim_start_matches('[').trim_end_matches(']')
                ),
                None => format!("kprobe:{func}"),
            })
        })
        .filter(|full| glob_match(pattern, full))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `uprobe:BINARY:FUNC` lines for `rest` = `BINARY:FUNC_GLOB` (or just `BINARY`).
fn uprobes(rest: &str, warn: &mut dyn FnMut(String)) -> Vec<String> {
    let (binary, func_glob) = rest.split_once(':').unwrap_or((rest, "*"));
    if binary.is_empty() || glob_match_has_wildcards(binary) {
        warn("uprobes are listed for one binary: -l 'uprobe:/path/to/binary:*'".to_string());
        return Vec::new();
    }
    match elf_functions(Path::new(binary)) {
        Ok(funcs) => funcs
            .into_iter()
            .filter(|f| glob_match(func_glob, f))
            .map(|f| format!("uprobe:{binary}:{f}"))
            .collect(),
        Err(e) => {
            warn(format!("cannot list uprobes of {binary}: {e}"));
            Vec::new()
        }
    }
}

fn glob_match_has_wildcards(s: &str) -> bool {
    ir::catalog::glob::has_wildcards(s)
}

/// The names of the defined function symbols of an ELF file (`.symtab` and `.dynsym`), sorted
/// and deduplicated, without symbol versions (`malloc@@GLIBC_2.2.5` → `malloc`).
pub fn elf_functions(path: &Path) -> Result<Vec<String>, String> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let file = object::File::parse(&*data).map_err(|e| format!("not an ELF file: {e}"))?;
    let mut names = BTreeSet::new();
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

/// The probes a compiled program attaches to, one full name a line, in program order, each
/// once (`-l -e PROGRAM`). Syscall sets list each syscall tracepoint.
pub fn program_probes(program: &ir::Program) -> String {
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    for probe in &program.probes {
        for site in &probe.attach {
            let names = match &site.point {
                ir::AttachPoint::SyscallSet { syscalls, .. } => syscalls
                    .iter()
                    .map(|s| format!("tracepoint:syscalls:{}", s.tracepoint))
                    .collect(),
                point => vec![point.bpftrace_name()],
            };
            for n in names {
                if seen.insert(n.clone()) {
                    out.push_str(&n);
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_expand() {
        assert_eq!(expand_alias("t:sched:*"), "tracepoint:sched:*");
        assert_eq!(expand_alias("tracepoint:x:y"), "tracepoint:x:y");
        assert_eq!(expand_alias("*sched*"), "*sched*");
    }

    #[test]
    fn provider_matching() {
        assert!(may_match("tracepoint:x:y", "tracepoint"));
        assert!(!may_match("tracepoint:x:y", "software"));
        assert!(may_match("*:x", "software"));
        assert!(may_match("*sched*", "kprobe"));
    }

    #[test]
    fn perf_event_names_have_a_trailing_colon() {
        let names = perf_names(
            "software",
            [("cpu-clock", "cpu"), ("dummy", "")].into_iter(),
            "software:*",
        );
        assert_eq!(
            names,
            vec!["software:cpu-clock:", "software:cpu:", "software:dummy:"]
        );
        let names = perf_names("hardware", HARDWARE.iter().copied(), "hardware:cycles");
        assert_eq!(names, vec!["hardware:cycles:"]);
    }

    #[test]
    fn format_fields_skip_common_ones() {
        let text = "name: sys_enter_openat\nID: 782\nformat:\n\
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\
            \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
            \tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n\
            \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n\
            \tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;\n\n\
            print fmt: \"x\"\n";
        assert_eq!(
            format_fields(text),
            vec![
                "int __syscall_nr",
                "const char * filename",
                "char prev_comm[16]",
                "__data_loc char[] name"
            ]
        );
    }

    #[test]
    fn raw_tracepoints_from_available_events() {
        let text =
            "sched:sched_switch\nsched:sched_wakeup\nfoo:sched_switch\nirq:irq_handler_entry\n";
        assert_eq!(
            raw_tracepoint_names(text, "rawtracepoint:sched_*"),
            vec!["rawtracepoint:sched_switch", "rawtracepoint:sched_wakeup"]
        );
    }

    #[test]
    fn elf_functions_of_this_test_binary() {
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let funcs = elf_functions(&exe).unwrap_or_default();
        assert!(funcs.iter().any(|f| f == "main"), "{} symbols", funcs.len());
        assert!(elf_functions(Path::new("/nonexistent/x")).is_err());
    }
}
