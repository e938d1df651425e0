//! USDT probes: `usdt:BINARY:[PROVIDER:]NAME` resolved to one attach site per probe site found
//! in the binary's `.note.stapsdt` notes (`usdt::NAME` / `usdt:*:NAME` search the binaries of the
//! `-p` process, or the program `-c` runs), and `arg0..argN` read the way each site's argument specification says
//! (register, memory or constant operands, sign-extended or zero-extended to 64 bits).

use std::sync::Arc;

use super::probes::{probetype_of, Group, ProbeContext, ProbeKind, Resolved};
use super::Lowerer;
use ir::catalog::glob;
use ir::catalog::usdt::{parse_args, UsdtArg, UsdtLocation};
use ir::diag::Diagnostic;
use ir::{AddrSpace, AttachPoint, AttachSite, BinaryOp, Expr, ExprKind, Function, Span, Type};

impl Lowerer<'_> {
    /// The sites of `usdt:BINARY:[PROVIDER:]NAME` (globs allowed in PROVIDER and NAME).
    pub(super) fn resolve_usdt(&mut self, parts: &[&str], span: Span) -> Vec<Resolved> {
        let (binary, provider_glob, name_glob) = match parts {
            [name] => ("", "*", *name),
            [binary, name] => (*binary, "*", *name),
            [binary, provider, name] => (*binary, *provider, *name),
            _ => {
                self.report(
                    Diagnostic::error(span, "invalid usdt attach point")
                        .with_help("write usdt:BINARY:NAME or usdt:BINARY:PROVIDER:NAME"),
                );
                return Vec::new();
            }
        };
        let provider_glob = if provider_glob.is_empty() {
            "*"
        } else {
            provider_glob
        };
        let unnamed = binary.is_empty() || binary == "*";
        // Without a binary: the -p process's mapped files, else the program -c runs.
        let from_process = unnamed && self.options.filter_pid.is_some();
        let binaries = if unnamed {
            match (self.options.filter_pid, &self.options.command) {
                (Some(pid), _) => match self.options.catalog.process_binaries(pid) {
                    Ok(b) => b,
                    Err(e) => {
                        self.error(span, e.to_string());
                        return Vec::new();
                    }
                },
                (None, Some(program)) => vec![program.clone()],
                (None, None) => {
                    self.report(
                        Diagnostic::error(
                            span,
                            "a usdt probe without a binary needs -p PID or -c CMD",
                        )
                        .with_help(
                            "name the binary (usdt:/path/to/binary:NAME), or give -p PID or -c CMD",
                        ),
                    );
                    return Vec::new();
                }
            }
        } else if glob::has_wildcards(binary) {
            self.report(
                Diagnostic::unsupported(span, "a wildcard in a usdt probe's binary")
                    .with_help("name the binary, or use usdt:*:NAME with -p PID"),
            );
            return Vec::new();
        } else {
            match self.options.catalog.resolve_binary(binary) {
                Ok(path) => vec![path],
                Err(message) => {
                    self.error(span, message);
                    return Vec::new();
                }
            }
        };
        let mut out = Vec::new();
        for binary in binaries {
            let sites = match self.options.catalog.usdt_sites(&binary) {
                Ok(s) => s,
                // A process maps files that are not ELF or not readable; only a named binary
                // must be readable.
                Err(_) if from_process => continue,
                Err(e) => {
                    self.error(span, e.to_string());
                    return Vec::new();
                }
            };
            for site in sites {
                if !glob::glob_match(provider_glob, &site.provider)
                    || !glob::glob_match(name_glob, &site.name)
                {
                    continue;
                }
                out.push(Resolved {
                    point: AttachPoint::Usdt {
                        binary: binary.clone(),
                        provider: site.provider,
                        name: site.name,
                        offset: site.offset,
                        semaphore: site.semaphore,
                    },
                    span,
                    kind: ProbeKind::Entry { user: true },
                    tracepoint: None,
                    usdt_args: Some(site.args),
                });
            }
        }
        if out.is_empty() {
            let shown = parts.join(":");
            let help = if from_process {
                "list the process's probes with -l 'usdt:*' -p PID".to_string()
            } else {
                format!("list the binary's probes with -l 'usdt:{binary}:*'")
            };
            self.report(
                Diagnostic::error(span, format!("usdt:{shown} matches no USDT probe"))
                    .with_help(help),
            );
        }
        out
    }

    /// Groups USDT sites by argument specification: the sites of one group read their
    /// arguments the same way, so they share a body.
    pub(super) fn group_usdt_sites(&mut self, resolved: Vec<Resolved>) -> Vec<Group> {
        let mut groups: Vec<(String, Group)> = Vec::new();
        for r in resolved {
            let spec = r.usdt_args.unwrap_or_default();
            let site = AttachSite {
                probe_name: self.probe_name(r.point.bpftrace_name()),
                point: r.point,
                span: r.span,
            };
            match groups.iter_mut().find(|(s, _)| *s == spec) {
                Some((_, g)) => g.sites.push(site),
                None => {
                    let parsed = parse_args(&spec);
                    groups.push((
                        spec,
                        Group {
                            context: ProbeContext {
                                kind: ProbeKind::Entry { user: true },
                                format: None,
                                user_args: true,
                                probetype: Some(probetype_of(&site.point)),
                                usdt: Some(Arc::new(parsed)),
                            },
                            sites: vec![site],
                        },
                    ));
                }
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }

    /// `argN` of a USDT probe: the operand of its sites' argument specification, read and
    /// extended to 64 bits (`int64` for signed operands, `uint64` otherwise).
    pub(super) fn usdt_arg(
        &mut self,
        n: u8,
        args: &Result<Vec<UsdtArg>, String>,
        span: Span,
    ) -> Expr {
        let args = match args {
            Ok(a) => a,
            Err(e) => return self.poison(span, e.clone()),
        };
        let Some(arg) = args.get(usize::from(n)) else {
            return self.poison(
                span,
                format!(
                    "arg{n}: this USDT probe has {} argument{}",
                    args.len(),
                    if args.len() == 1 { "" } else { "s" }
                ),
            );
        };
        let bits = arg.size * 8;
        let narrow = Type::int(bits, arg.signed);
        let wide = if arg.signed { Type::I64 } else { Type::U64 };
        let reg = |name: &str| -> Expr {
            let off = ir::abi::pt_regs_offset(name).unwrap_or(0);
            Expr::new(
                ExprKind::Call {
                    func: Function::Reg,
                    args: vec![Expr::int(i64::from(off), Type::U64, span)],
                },
                Type::U64,
                span,
            )
        };
        let add = |lhs: Expr, rhs: Expr| -> Expr {
            Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Add,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                Type::U64,
                span,
            )
        };
        let value = match &arg.location {
            UsdtLocation::Constant(c) => {
                // Truncated to the operand's size, then extended as its sign says.
                let v = match (bits, arg.signed) {
                    (64, _) => *c,
                    (b, true) => (*c << (64 - b)) >> (64 - b),
                    (b, false) => ((*c as u64) & ((1u64 << b) - 1)) as i64,
                };
                return Expr::int(v, wide, span);
            }
            UsdtLocation::Register(r) => Expr::new(ExprKind::Cast(Box::new(reg(r))), narrow, span),
            UsdtLocation::Memory { base, index, disp } => {
                let mut addr = match base {
                    Some(b) if *disp == 0 => reg(b),
                    Some(b) => add(reg(b), Expr::int(*disp, Type::U64, span)),
                    None => Expr::int(*disp, Type::U64, span),
                };
                if let Some((i, scale)) = index {
                    let scaled = Expr::new(
                        ExprKind::Binary {
                            op: BinaryOp::Mul,
                            lhs: Box::new(reg(i)),
                            rhs: Box::new(Expr::int(i64::from(*scale), Type::U64, span)),
                        },
                        Type::U64,
                        span,
                    );
                    addr = add(addr, scaled);
                }
                let ptr = Expr::new(
                    ExprKind::Cast(Box::new(addr)),
                    Type::Ptr {
                        pointee: Box::new(narrow.clone()),
                        space: AddrSpace::User,
                    },
                    span,
                );
                Expr::new(
                    ExprKind::Deref {
                        ptr: Box::new(ptr),
                        space: AddrSpace::User,
                    },
                    narrow,
                    span,
                )
            }
        };
        if bits == 64 {
            return value;
        }
        Expr::new(ExprKind::Cast(Box::new(value)), wide, span)
    }
}
