//! Kernel function probes: `kprobe`, `kretprobe`, `fentry`, `fexit` on `[MODULE:]FUNCTION`
//! (`vmlinux` is the kernel itself), at an optional offset for kprobes; a glob expands over the
//! kernel's traceable functions (tracefs, or BTF where tracefs has no list).

use super::probes::{split_offset, ProbeKind, Resolved};
use super::Lowerer;
use ir::catalog::glob;
use ir::diag::Diagnostic;
use ir::{AttachPoint, Span};

/// The most attach points one kernel-function glob may expand to (bpftrace's `max_probes`).
const MAX_PROBES: usize = 1024;

impl Lowerer<'_> {
    /// `PROVIDER:[MODULE:]TARGET` for the four kernel function providers.
    pub(super) fn resolve_kernel_function(
        &mut self,
        provider: &str,
        parts: &[&str],
        span: Span,
    ) -> Vec<Resolved> {
        let (module, target) = match parts {
            [m, f] => (Some(m.to_string()).filter(|m| m != "vmlinux"), *f),
            _ => (None, parts[0]),
        };
        let (function, offset) = split_offset(target);
        let Some(offset) = offset else {
            self.error(span, format!("invalid offset in '{target}'"));
            return Vec::new();
        };
        let functions = if glob::has_wildcards(&function) {
            if offset != 0 {
                self.error(span, "a wildcard probe cannot have an offset");
                return Vec::new();
            }
            if module.is_some() {
                self.report(Diagnostic::unsupported(
                    span,
                    "a wildcard over a kernel module's functions",
                ));
                return Vec::new();
            }
            let all = match self.options.catalog.kernel_functions() {
                Ok(f) => f,
                Err(e) => {
                    self.error(span, format!("cannot list kernel functions: {e}"));
                    return Vec::new();
                }
            };
            let matched: Vec<String> = all
                .into_iter()
                .filter(|f| glob::glob_match(&function, f))
                .collect();
            if matched.is_empty() {
                self.report(
                    Diagnostic::error(
                        span,
                        format!("{provider}:{function} matches no kernel function"),
                    )
                    .with_help(format!("list them with -l '{provider}:{function}'")),
                );
                return Vec::new();
            }
            if matched.len() > MAX_PROBES {
                self.report(
                    Diagnostic::error(
                        span,
                        format!(
                            "{provider}:{function} matches {} kernel functions, more than {MAX_PROBES}",
                            matched.len()
                        ),
                    )
                    .with_help("narrow the pattern"),
                );
                return Vec::new();
            }
            matched
        } else {
            vec![function]
        };
        functions
            .into_iter()
            .map(|function| {
                let module = module.clone();
                let (point, kind) = match provider {
                    "kprobe" => (
                        AttachPoint::Kprobe {
                            module,
                            function,
                            offset,
                        },
                        ProbeKind::Entry { user: false },
                    ),
                    "kretprobe" => (
                        AttachPoint::Kretprobe { module, function },
                        ProbeKind::Return { user: false },
                    ),
                    "fentry" => (
                        AttachPoint::Fentry { module, function },
                        ProbeKind::Entry { user: false },
                    ),
                    _ => (
                        AttachPoint::Fexit { module, function },
                        ProbeKind::Return { user: false },
                    ),
                };
                Resolved {
                    point,
                    span,
                    kind,
                    tracepoint: None,
                    usdt_args: None,
                }
            })
            .collect()
    }
}
