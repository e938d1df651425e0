//! Stacks and symbols: the builtins `kstack`, `ustack` and `func`, and the functions
//! `kstack(mode, limit)`, `ustack(mode, limit)`, `ksym`, `usym`, `kaddr`, `uaddr` and `reg`.
//!
//! Stacks and symbols are values that the runtime symbolizes when it prints them
//! ([`Type::Stack`], [`Type::Symbol`]); `kaddr` and `uaddr` are resolved here, at compile time,
//! from `/proc/kallsyms` and the probed binary's ELF symbols (through the catalogue).

use super::probes::{ProbeContext, ProbeKind};
use super::scope::Scopes;
use super::types::coerce;
use super::Lowerer;
use crate::ast;
use ir::{
    AttachPoint, AttachSite, Builtin, Expr, ExprKind, Function, Span, StackMode, StackType, Type,
};

/// The most frames a stack may keep.
const MAX_STACK_LIMIT: u64 = 1024;

/// The binary all uprobe/uretprobe sites of a probe trace, when there is exactly one
/// (`uaddr()` looks its symbols up there).
pub(crate) fn uprobe_binary(sites: &[AttachSite]) -> Option<String> {
    let mut binary: Option<&str> = None;
    for s in sites {
        let b = match &s.point {
            AttachPoint::Uprobe { binary, .. }
            | AttachPoint::Uretprobe { binary, .. }
            | AttachPoint::Usdt { binary, .. } => binary,
            _ => return None,
        };
        match binary {
            Some(prev) if prev != b => return None,
            _ => binary = Some(b),
        }
    }
    binary.map(str::to_string)
}

impl Lowerer<'_> {
    /// `kstack` / `ustack` with optional `(mode)`, `(limit)` or `(mode, limit)` arguments.
    pub(crate) fn lower_stack(&mut self, kernel: bool, args: &[ast::Expr], span: Span) -> Expr {
        let name = if kernel { "kstack" } else { "ustack" };
        let mut st = StackType {
            kernel,
            limit: StackType::DEFAULT_LIMIT,
            mode: self.stack_mode,
        };
        if args.len() > 2 {
            return self.poison(
                span,
                format!("{name}() takes at most 2 arguments, got {}", args.len()),
            );
        }
        for (i, a) in args.iter().enumerate() {
            match &a.kind {
                ast::ExprKind::Ident(m) if i == 0 => {
                    st.mode = match m.as_str() {
                        "bpftrace" => StackMode::Bpftrace,
                        "perf" => StackMode::Perf,
                        "raw" => StackMode::Raw,
                        _ => {
                            return self.poison(
                                a.span,
                                format!(
                                    "unknown stack mode '{m}' (expected bpftrace, perf or raw)"
                                ),
                            )
                        }
                    }
                }
                ast::ExprKind::Int { value, unit: None } if (i == 1 || args.len() == 1) => {
                    if *value == 0 || *value > MAX_STACK_LIMIT {
                        return self.poison(
                            a.span,
                            format!("{name}() frame limit must be 1 to {MAX_STACK_LIMIT}"),
                        );
                    }
                    st.limit = *value as u16;
                }
                _ => {
                    return self.poison(
                        a.span,
                        format!(
                            "{name}() takes a stack mode (bpftrace, perf, raw) and/or a frame limit literal"
                        ),
                    )
                }
            }
        }
        let b = if kernel {
            Builtin::Kstack
        } else {
            Builtin::Ustack
        };
        Expr::new(ExprKind::Builtin(b), Type::Stack(st), span)
    }

    /// `func`: the instruction pointer of a kprobe or uprobe, as a symbol.
    pub(crate) fn lower_func(&mut self, span: Span, ctx: &ProbeContext) -> Expr {
        match ctx.kind {
            ProbeKind::Entry { user } => Expr::new(
                ExprKind::Builtin(Builtin::Func),
                Type::Symbol {
                    kernel: !user,
                    module: false,
                },
                span,
            ),
            _ => self.poison(
                span,
                "func is only available in kprobe and uprobe probes (oxtrace does not support it in return probes yet)",
            ),
        }
    }

    /// `ksym`, `usym`, `kaddr`, `uaddr` and `reg`; `None` for other names.
    pub(crate) fn lower_symbol_call(
        &mut self,
        f: &str,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Option<Expr> {
        Some(match f {
            "ksym" | "usym" => {
                let [a] = args else {
                    return Some(
                        self.poison(span, format!("{f}() takes 1 argument, got {}", args.len())),
                    );
                };
                let a = self.lower_expr(a, ctx, scopes);
                if !a.ty.is_scalar() {
                    return Some(
                        self.poison(a.span, format!("{f}() takes an address, not {}", a.ty)),
                    );
                }
                let kernel = f == "ksym";
                Expr::new(
                    ExprKind::Call {
                        func: if kernel {
                            Function::Ksym
                        } else {
                            Function::Usym
                        },
                        args: vec![coerce(a, &Type::U64)],
                    },
                    Type::Symbol {
                        kernel,
                        module: false,
                    },
                    span,
                )
            }
            "kaddr" | "uaddr" => {
                let [ast::Expr {
                    kind: ast::ExprKind::Str(name),
                    ..
                }] = args
                else {
                    return Some(self.poison(span, format!("{f}() takes one string literal")));
                };
                let name = String::from_utf8_lossy(&name.0).into_owned();
                let result = if f == "kaddr" {
                    self.options.catalog.kernel_symbol(&name)
                } else {
                    match &self.user_binary {
                        Some(b) => self.options.catalog.user_symbol(b, &name),
                        None => {
                            return Some(self.poison(
                                span,
                                "uaddr() is only available in uprobe and uretprobe probes on one binary",
                            ))
                        }
                    }
                };
                match result {
                    Ok(addr) => Expr::new(ExprKind::Int(addr), Type::U64, span),
                    Err(e) => {
                        let what = if f == "kaddr" { "kernel" } else { "user" };
                        self.poison(span, format!("cannot resolve {what} symbol '{name}': {e}"))
                    }
                }
            }
            "reg" => {
                let [ast::Expr {
                    kind: ast::ExprKind::Str(name),
                    ..
                }] = args
                else {
                    return Some(self.poison(span, "reg() takes one string literal"));
                };
                let name = String::from_utf8_lossy(&name.0).into_owned();
                let in_regs = matches!(
                    ctx.kind,
                    ProbeKind::Entry { .. } | ProbeKind::Return { .. } | ProbeKind::Perf
                );
                if !in_regs {
                    return Some(self.poison(
                        span,
                        "reg() is only available in kprobe, uprobe and profile probes",
                    ));
                }
                let Some(off) = ir::abi::pt_regs_offset(&name) else {
                    return Some(self.poison(
                        span,
                        format!(
                            "'{name}' is not a register name (x86_64: {})",
                            ir::abi::PT_REGS_NAMES.join(", ")
                        ),
                    ));
                };
                Expr::new(
                    ExprKind::Call {
                        func: Function::Reg,
                        args: vec![Expr::int(i64::from(off), Type::U64, span)],
                    },
                    Type::U64,
                    span,
                )
            }
            _ => return None,
        })
    }
}
