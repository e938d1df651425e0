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
//! - `kprobe:FUNC` from `available_filter_functions` when it is readable, otherwise (as on the
//!   project's machines, whose kernel has no kprobes) from the `FUNC` entries of kernel BTF;
//! - `fentry:vmlinux:FUNC` / `fexit:vmlinux:FUNC` and `iter:TARGET` from kernel BTF (read only
//!   when the pattern can match them);
//! - `uprobe:BINARY:FUNC` for the binary (path, library name or program) named in the pattern,
//!   from its ELF symbol tables (function symbols of `.symtab` and `.dynsym`);
//! - `usdt:BINARY:PROVIDER:NAME` from the `.note.stapsdt` notes of the binary named in the
//!   pattern, or with `-p PID` (`-l 'usdt:*' -p PID`) of every file the process maps executable.
//!
//! With `-v`, each tracepoint is followed by its fields as declared in its `format` file
//! (`    const char * filename`), common fields left out, as bpftrace 0.17 prints them; kernel
//! functions by their parameters from BTF (and `fexit` by its `retval`), USDT probes by their
//! arguments' types (`    int32 arg0`).

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
        ("kr", "kretprobe"),
        ("u", "uprobe"),
        ("ur", "uretprobe"),
        ("U", "usdt"),
        ("f", "fentry"),
        ("kfunc", "fentry"),
        ("fr", "fexit"),
        ("kretfunc", "fexit"),
        ("it", "iter"),
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
    pid: Option<u32>,
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
    // Kernel BTF, opened at most once and only when a kernel-function provider can match.
    let btf_catalog = ir::catalog::BtfCatalog::live();
    let mut btf_warned = false;
    let mut btf = |warn: &mut dyn FnMut(String)| match btf_catalog.btf() {
        Ok(b) => Some(b),
        Err(e) => {
            if !std::mem::replace(&mut btf_warned, true) {
                warn(format!("kernel functions are not listed: {e}"));
            }
            None
        }
    };
    if may_match(&pattern, "fentry") && !plain {
        if let Some(b) = btf(warn) {
            out.push_str(&kernel_functions(b, "fentry", &pattern, verbose));
        }
    }
    if may_match(&pattern, "fexit") && !plain {
        if let Some(b) = btf(warn) {
            out.push_str(&kernel_functions(b, "fexit", &pattern, verbose));
        }
    }
    if may_match(&pattern, "iter") && !plain {
        if let Some(b) = btf(warn) {
            emit(iterators(b, &pattern), &mut out);
        }
    }
    if may_match(&pattern, "kprobe") && !plain {
        match kprobes(&pattern) {
            Some(names) => emit(names, &mut out),
            None => {
                if let Some(b) = btf(warn) {
                    out.push_str(&kernel_functions(b, "kprobe", &pattern, verbose));
                }
            }
        }
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
    if let Some(rest) = pattern.strip_prefix("usdt:") {
        out.push_str(&usdt_probes(rest, pid, verbose, warn));
    } else if pid.is_some() && may_match(&pattern, "usdt") && pattern.contains(':') {
        out.push_str(&usdt_probes("*", pid, verbose, warn));
    }
    out
}

/// `PROVIDER:FUNC` (or `PROVIDER:vmlinux:FUNC` for fentry/fexit) lines for the kernel functions
/// of BTF matching `pattern`, each followed with `-v` by its parameters (and `retval` for
/// fexit), sorted and deduplicated.
fn kernel_functions(
    btf: &ir::catalog::btf::Btf,
    provider: &str,
    pattern: &str,
    verbose: bool,
) -> String {
    use ir::catalog::kfuncs;
    let module = if provider == "kprobe" { "" } else { "vmlinux:" };
    let mut found = std::collections::BTreeMap::new();
    for (name, id) in kfuncs::functions(btf) {
        let full = format!("{provider}:{module}{name}");
        let short = format!("{provider}:{name}");
        if glob_match(pattern, &full) || glob_match(pattern, &short) {
            found.entry(full).or_insert(id);
        }
    }
    let mut out = String::new();
    for (full, id) in found {
        out.push_str(&full);
        out.push('\n');
        if verbose {
            if let Some((params, ret)) = kfuncs::signature(btf, id) {
                for p in params {
                    out.push_str(&format!("    {p}\n"));
                }
                if provider == "fexit" {
                    out.push_str(&format!("    {ret} retval\n"));
                }
            }
        }
    }
    out
}

/// `iter:TARGET` lines: the kernel's BPF iterator targets (`struct bpf_iter__TARGET` in BTF).
fn iterators(btf: &ir::catalog::btf::Btf, pattern: &str) -> Vec<String> {
    ir::catalog::kfuncs::iterator_targets(btf)
        .into_iter()
        .map(|t| format!("iter:{t}"))
        .filter(|full| glob_match(pattern, full))
        .collect()
}

/// `usdt:BINARY:PROVIDER:NAME` lines for `rest` = `BINARY[:GLOB]` (GLOB over `PROVIDER:NAME`
/// or `NAME`), or, with `-p`, `*[:GLOB]` over every file the process maps. Sorted per binary,
/// each probe once however many sites it has; with `-v` followed by its arguments' types.
fn usdt_probes(
    rest: &str,
    pid: Option<u32>,
    verbose: bool,
    warn: &mut dyn FnMut(String),
) -> String {
    use ir::catalog::usdt;
    let (binary, probe_glob) = rest.split_once(':').unwrap_or((rest, "*"));
    let binaries = if binary.is_empty() || binary == "*" {
        let Some(pid) = pid else {
            warn("USDT probes are listed for one binary (-l 'usdt:/path/to/binary:*') or one process (-l 'usdt:*' -p PID)".to_string());
            return String::new();
        };
        match usdt::process_binaries(pid) {
            Ok(b) => b,
            Err(e) => {
                warn(format!(
                    "cannot list the USDT probes of process {pid}: /proc/{pid}/maps: {e}"
                ));
                return String::new();
            }
        }
    } else if ir::catalog::glob::has_wildcards(binary) {
        warn("USDT probes are listed for one binary: -l 'usdt:/path/to/binary:*'".to_string());
        return String::new();
    } else {
        match ir::catalog::binaries::resolve_binary(binary) {
            Ok(p) => vec![p.to_string_lossy().into_owned()],
            Err(e) => {
                warn(format!("cannot list the USDT probes of {binary}: {e}"));
                return String::new();
            }
        }
    };
    let explicit = binaries.len() == 1 && !(binary.is_empty() || binary == "*");
    let mut out = String::new();
    for path in binaries {
        let sites = match usdt::read_sites(std::path::Path::new(&path)) {
            Ok(s) => s,
            Err(e) => {
                if explicit {
                    warn(format!("cannot list the USDT probes of {e}"));
                }
                continue;
            }
        };
        let mut probes = std::collections::BTreeMap::new();
        for site in sites {
            let pn = format!("{}:{}", site.provider, site.name);
            if glob_match(probe_glob, &pn) || glob_match(probe_glob, &site.name) {
                probes.entry(pn).or_insert(site.args);
            }
        }
        for (pn, args) in probes {
            out.push_str(&format!("usdt:{path}:{pn}\n"));
            if verbose {
                for (i, a) in usdt::parse_args(&args)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let sign = if a.signed { "" } else { "u" };
                    out.push_str(&format!("    {sign}int{} arg{i}\n", a.size * 8));
                }
            }
        }
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

/// `kprobe:FUNC` lines from `available_filter_functions`; `None` when it cannot be read (the
/// caller falls back to BTF).
fn kprobes(pattern: &str) -> Option<Vec<String>> {
    let path = Path::new("/sys/kernel/tracing/available_filter_functions");
    let text = std::fs::read_to_string(path).ok()?;
    let names = text
        .lines()
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
        .collect();
    Some(names)
}

/// `uprobe:BINARY:FUNC` lines for `rest` = `BINARY:FUNC_GLOB` (or just `BINARY`).
fn uprobes(rest: &str, warn: &mut dyn FnMut(String)) -> Vec<String> {
    let (binary, func_glob) = rest.split_once(':').unwrap_or((rest, "*"));
    if binary.is_empty() || glob_match_has_wildcards(binary) {
        warn("uprobes are listed for one binary: -l 'uprobe:/path/to/binary:*'".to_string());
        return Vec::new();
    }
    let path = match ir::catalog::binaries::resolve_binary(binary) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(e) => {
            warn(format!("cannot list uprobes of {binary}: {e}"));
            return Vec::new();
        }
    };
    match ir::catalog::symbols::elf_functions(Path::new(&path)) {
        Ok(funcs) => funcs
            .into_iter()
            .filter(|f| glob_match(func_glob, f))
            .map(|f| format!("uprobe:{path}:{f}"))
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
}
