//! User-space probes other than USDT: `uprobe`/`uretprobe` on a binary or library, at a symbol
//! (globs expand over the binary's function symbols), `symbol+offset`, an address, or a C++ name
//! (`uprobe:BIN:cpp:"ns::func"`, matched against demangled names); and `watchpoint` /
//! `asyncwatchpoint` on an address of the `-p`/`-c` process.

use super::probes::{parse_hex, split_offset, ProbeKind, Resolved};
use super::Lowerer;
use crate::ast;
use ir::catalog::{glob, symbols};
use ir::diag::Diagnostic;
use ir::{AttachPoint, Span};

impl Lowerer<'_> {
    /// `uprobe:BINARY:TARGET` / `uretprobe:...`: one site per matching function.
    pub(super) fn resolve_uprobe(
        &mut self,
        provider: &str,
        ap: &ast::AttachPoint,
        parts: &[&str],
    ) -> Vec<Resolved> {
        let span = ap.span;
        let (binary, target, cpp) = match parts {
            [binary, "cpp", rest @ ..] if !rest.is_empty() => (*binary, rest.join(":"), true),
            [binary, target] => (*binary, target.to_string(), false),
            _ => {
                self.report(
                    Diagnostic::error(
                        span,
                        format!(
                            "invalid attach point '{}' for the {provider} probe type",
                            ap.raw
                        ),
                    )
                    .with_help(format!(
                        "write {provider}:BINARY:FUNCTION, {provider}:BINARY:FUNCTION+OFFSET, \
                         {provider}:BINARY:ADDRESS or {provider}:BINARY:cpp:\"ns::function\""
                    )),
                );
                return Vec::new();
            }
        };
        if glob::has_wildcards(binary) {
            self.report(
                Diagnostic::unsupported(span, "a wildcard in a uprobe's binary")
                    .with_help("name the binary, e.g. uprobe:libc:malloc*"),
            );
            return Vec::new();
        }
        // A path, a library name (`libc`, via the loader's cache) or a program in PATH.
        let binary = match self.options.catalog.resolve_binary(binary) {
            Ok(path) => path,
            Err(message) => {
                self.error(span, message);
                return Vec::new();
            }
        };
        let ret = provider == "uretprobe";
        let site = |symbol: Option<String>, offset: u64| Resolved {
            point: if ret {
                AttachPoint::Uretprobe {
                    binary: binary.clone(),
                    symbol,
                    offset,
                }
            } else {
                AttachPoint::Uprobe {
                    binary: binary.clone(),
                    symbol,
                    offset,
                }
            },
            span,
            kind: if ret {
                ProbeKind::Return { user: true }
            } else {
                ProbeKind::Entry { user: true }
            },
            tracepoint: None,
            usdt_args: None,
        };
        if cpp || glob::has_wildcards(&target) {
            let functions = match self.options.catalog.user_functions(&binary) {
                Ok(f) => f,
                Err(e) => {
                    self.error(span, format!("cannot read the functions of {binary}: {e}"));
                    return Vec::new();
                }
            };
            let matched: Vec<String> = functions
                .into_iter()
                .filter(|f| {
                    if cpp {
                        symbols::demangle_cpp(f).is_some_and(|(short, full)| {
                            glob::glob_match(&target, &short) || glob::glob_match(&target, &full)
                        })
                    } else {
                        glob::glob_match(&target, f)
                    }
                })
                .collect();
            if matched.is_empty() {
                let what = if cpp { "C++ function" } else { "function" };
                self.report(
                    Diagnostic::error(span, format!("'{target}' matches no {what} in {binary}"))
                        .with_help(format!("list them with -l 'uprobe:{binary}:*'")),
                );
                return Vec::new();
            }
            return matched.into_iter().map(|f| site(Some(f), 0)).collect();
        }
        let (symbol, offset) = match target.parse::<u64>().ok().or_else(|| parse_hex(&target)) {
            Some(address) => (None, Some(address)),
            None => {
                let (s, o) = split_offset(&target);
                (Some(s), o)
            }
        };
        let Some(offset) = offset else {
            self.error(span, format!("invalid offset in '{target}'"));
            return Vec::new();
        };
        if ret && symbol.is_some() && offset != 0 {
            self.error(span, "a uretprobe cannot have an offset");
            return Vec::new();
        }
        vec![site(symbol, offset)]
    }

    /// `watchpoint:ADDR:LEN:MODE` (and `asyncwatchpoint`): a hardware breakpoint on user memory
    /// of the `-p` or `-c` process.
    pub(super) fn resolve_watchpoint(
        &mut self,
        provider: &str,
        parts: &[&str],
        span: Span,
    ) -> Vec<Resolved> {
        let [addr, len, mode] = parts else {
            self.report(
                Diagnostic::error(span, format!("invalid {provider} attach point")).with_help(
                    format!(
                        "write {provider}:0xADDRESS:LENGTH:MODE, e.g. {provider}:0x10000000:8:rw"
                    ),
                ),
            );
            return Vec::new();
        };
        let Some(addr) = addr.parse::<u64>().ok().or_else(|| parse_hex(addr)) else {
            if addr.contains('+') {
                self.report(Diagnostic::unsupported(
                    span,
                    "a watchpoint on a function argument (removed in bpftrace 0.25)",
                ));
            } else {
                self.error(span, format!("invalid watchpoint address '{addr}'"));
            }
            return Vec::new();
        };
        let len = match len.parse::<u8>() {
            Ok(n @ (1 | 2 | 4 | 8)) => n,
            _ => {
                self.error(
                    span,
                    format!("invalid watchpoint length '{len}': must be 1, 2, 4 or 8"),
                );
                return Vec::new();
            }
        };
        let valid_mode = !mode.is_empty()
            && mode.chars().all(|c| matches!(c, 'r' | 'w' | 'x'))
            && mode.chars().count()
                == mode
                    .chars()
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
        if !valid_mode {
            self.error(
                span,
                format!(
                    "invalid watchpoint mode '{mode}': use r, w, x or a combination such as rw"
                ),
            );
            return Vec::new();
        }
        let Some(pid) = self.options.filter_pid.or(self.options.cpid) else {
            self.report(
                Diagnostic::error(
                    span,
                    format!("{provider} probes need a process: give -p PID or -c CMD"),
                )
                .with_help("a watchpoint watches an address in one process"),
            );
            return Vec::new();
        };
        vec![Resolved {
            point: AttachPoint::Watchpoint {
                addr,
                len,
                mode: mode.to_string(),
                pid,
                asynchronous: provider == "asyncwatchpoint",
            },
            span,
            kind: ProbeKind::Perf,
            tracepoint: None,
            usdt_args: None,
        }]
    }
}
