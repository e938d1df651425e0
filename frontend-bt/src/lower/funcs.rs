//! The string, buffer and remaining functions: `strlen`, `strstr`, `strerror`, `signal_name`,
//! `syscall_name`, `strftime`, `cgroup_path`, `cgroupid`, `ntop`, `pton`, `macaddr`, `buf`,
//! `bswap`, `signal`/`signal_thread` (values), and `system`, `cat`, `errorf`, `warnf`, `assert`
//! (statements).

use super::probes::{ProbeContext, ProbeKind};
use super::scope::Scopes;
use super::types::coerce;
use super::Lowerer;
use crate::ast;
use ir::{
    ActionKind, AddrSpace, Block, Expr, ExprKind, Function, Span, Stmt, StmtKind, TextKind, Type,
    UnaryOp,
};

/// The functions [`Lowerer::lower_more_call`] lowers.
pub(crate) const VALUE_FUNCTIONS: &[&str] = &[
    "strlen",
    "strstr",
    "strerror",
    "signal_name",
    "syscall_name",
    "strftime",
    "cgroup_path",
    "cgroupid",
    "ntop",
    "pton",
    "macaddr",
    "buf",
    "bswap",
    "signal",
    "signal_thread",
];

/// The statement functions [`Lowerer::lower_more_stmt`] lowers.
pub(crate) const STMT_FUNCTIONS: &[&str] = &["system", "cat", "errorf", "warnf", "assert", "join"];

/// `AF_INET` and `AF_INET6`.
const AF_INET: i64 = 2;
const AF_INET6: i64 = 10;

/// Signal numbers by name (x86_64), for `signal("SIGKILL")` / `signal("KILL")`.
const SIGNALS: &[(&str, i64)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// The number of a signal name (`SIGKILL` or `KILL`).
pub fn signal_number(name: &str) -> Option<i64> {
    let n = name.strip_prefix("SIG").unwrap_or(name);
    SIGNALS.iter().find(|(s, _)| *s == n).map(|(_, v)| *v)
}

/// Parses an IPv4 or IPv6 address as `pton` does (by the presence of `:`).
pub fn pton(text: &str) -> Option<Vec<u8>> {
    if text.contains(':') {
        text.parse::<std::net::Ipv6Addr>()
            .ok()
            .map(|a| a.octets().to_vec())
    } else {
        text.parse::<std::net::Ipv4Addr>()
            .ok()
            .map(|a| a.octets().to_vec())
    }
}

/// The text of a string literal argument.
fn literal(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ast::ExprKind::Str(s) => Some(String::from_utf8_lossy(&s.0).into_owned()),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// A value function of [`VALUE_FUNCTIONS`].
    pub(crate) fn lower_more_call(
        &mut self,
        f: &str,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        match (f, args) {
            ("strlen", [s]) => {
                let s = self.lower_expr(s, ctx, scopes);
                if !matches!(s.ty, Type::Str { .. }) {
                    return self.poison(s.span, format!("strlen() takes a string, not {}", s.ty));
                }
                call(Function::Strlen, vec![s], Type::U64, span)
            }
            ("strstr", [h, n]) => {
                let h = self.lower_expr(h, ctx, scopes);
                let n = self.lower_expr(n, ctx, scopes);
                if !matches!(h.ty, Type::Str { .. }) || !matches!(n.ty, Type::Str { .. }) {
                    return self.poison(
                        span,
                        format!("strstr() takes two strings, not {} and {}", h.ty, n.ty),
                    );
                }
                call(Function::Strstr, vec![h, n], Type::I64, span)
            }
            ("strerror" | "signal_name" | "syscall_name" | "cgroup_path", [n, ..])
                if args.len() == 1 || (f == "cgroup_path" && args.len() == 2) =>
            {
                if let [_, filter] = args {
                    if literal(filter).is_none() {
                        return self.poison(
                            filter.span,
                            "cgroup_path()'s filter must be a string literal",
                        );
                    }
                }
                let kind = match f {
                    "strerror" => TextKind::Errno,
                    "signal_name" => TextKind::SignalName,
                    "syscall_name" => TextKind::SyscallName,
                    _ => TextKind::CgroupPath,
                };
                let n = self.lower_expr(n, ctx, scopes);
                self.as_text(n, kind, f, span)
            }
            ("strftime", [fmt, ns]) => {
                let Some(format) = literal(fmt) else {
                    return self.poison(fmt.span, "strftime()'s format must be a string literal");
                };
                let ns = self.lower_expr(ns, ctx, scopes);
                self.as_text(ns, TextKind::Strftime(format), f, span)
            }
            ("cgroupid", [path]) => {
                let Some(path) = literal(path) else {
                    return self.poison(path.span, "cgroupid() takes a string literal path");
                };
                use std::os::unix::fs::MetadataExt;
                match std::fs::metadata(&path) {
                    Ok(m) => Expr::int(m.ino() as i64, Type::U64, span),
                    Err(e) => self.poison(span, format!("cgroupid(\"{path}\"): {e}")),
                }
            }
            ("pton", [text]) => {
                let Some(text) = literal(text) else {
                    return self.poison(text.span, "pton() takes a string literal address");
                };
                match pton(&text) {
                    Some(bytes) => {
                        let len = bytes.len() as u32;
                        Expr::new(
                            ExprKind::Bytes(bytes),
                            Type::Array {
                                elem: Box::new(Type::int(8, false)),
                                len,
                            },
                            span,
                        )
                    }
                    None => self.poison(span, format!("pton(): '{text}' is not an IP address")),
                }
            }
            ("ntop", [addr]) => {
                let addr = self.lower_expr(addr, ctx, scopes);
                self.ntop(None, addr, span)
            }
            ("ntop", [af, addr]) => {
                let af = self.lower_expr(af, ctx, scopes);
                let addr = self.lower_expr(addr, ctx, scopes);
                self.ntop(Some(af), addr, span)
            }
            ("macaddr", [mac]) => {
                let mac = self.lower_expr(mac, ctx, scopes);
                let ty = Type::Text(TextKind::MacAddr);
                match &mac.ty {
                    Type::Array { .. } if mac.ty.size() == 6 => {
                        Expr::new(ExprKind::Cast(Box::new(mac)), ty, span)
                    }
                    Type::Ptr { space, .. } => {
                        let space = *space;
                        let ptr = coerce(mac, &Type::U64);
                        Expr::new(
                            ExprKind::Deref {
                                ptr: Box::new(ptr),
                                space,
                            },
                            ty,
                            span,
                        )
                    }
                    Type::Int(_) => {
                        let space = default_space(ctx);
                        let ptr = coerce(mac, &Type::U64);
                        Expr::new(
                            ExprKind::Deref {
                                ptr: Box::new(ptr),
                                space,
                            },
                            ty,
                            span,
                        )
                    }
                    other => self.poison(
                        mac.span,
                        format!("macaddr() takes a 6-byte array or a pointer, not {other}"),
                    ),
                }
            }
            ("buf", [src, rest @ ..]) if rest.len() <= 1 => {
                self.lower_buf(src, rest.first(), span, ctx, scopes)
            }
            ("bswap", [n]) => {
                let n = self.lower_expr(n, ctx, scopes);
                let Type::Int(it) = n.ty else {
                    return self.poison(n.span, format!("bswap() takes an integer, not {}", n.ty));
                };
                let out = Type::int(it.bits, false);
                call(Function::Bswap, vec![n], out, span)
            }
            ("signal" | "signal_thread", [sig]) => {
                if !self.options.unsafe_mode {
                    return self.poison(
                        span,
                        format!("{f}() is unsafe: run oxtrace with --unsafe to allow it"),
                    );
                }
                if ctx.kind == ProbeKind::Special {
                    return self.poison(span, format!("{f}() cannot be used in BEGIN or END"));
                }
                let sig = match literal(sig) {
                    Some(name) => match signal_number(&name) {
                        Some(n) => Expr::int(n, Type::U32, sig.span),
                        None => {
                            return self.poison(sig.span, format!("'{name}' is not a signal name"))
                        }
                    },
                    None => {
                        if let Some(v) = self.constant_int(sig) {
                            if !(1..=64).contains(&v) {
                                return self.poison(
                                    sig.span,
                                    format!("{v} is not a signal number (1 to 64)"),
                                );
                            }
                        }
                        let s = self.lower_expr(sig, ctx, scopes);
                        if !s.ty.is_integer() {
                            return self.poison(
                                s.span,
                                format!("{f}() takes a signal number or name, not {}", s.ty),
                            );
                        }
                        coerce(s, &Type::U32)
                    }
                };
                call(
                    Function::Signal {
                        thread: f == "signal_thread",
                    },
                    vec![sig],
                    Type::I64,
                    span,
                )
            }
            _ => self.poison(
                span,
                format!("wrong number of arguments to {f}() ({})", args.len()),
            ),
        }
    }

    /// An integer converted to a [`Type::Text`] value.
    fn as_text(&mut self, n: Expr, kind: TextKind, f: &str, span: Span) -> Expr {
        if !n.ty.is_integer() {
            return self.poison(n.span, format!("{f}() takes an integer, not {}", n.ty));
        }
        let n = coerce(n, &Type::I64);
        Expr::new(ExprKind::Cast(Box::new(n)), Type::Text(kind), span)
    }

    /// `ntop([af,] addr)`: an `inet` value laid out as (family uint64, 16 address bytes).
    fn ntop(&mut self, af: Option<Expr>, addr: Expr, span: Span) -> Expr {
        let u64t = Type::U64;
        let byte = Type::int(8, false);
        let arr = |n: u32| Type::Array {
            elem: Box::new(byte.clone()),
            len: n,
        };
        let (default_af, fields) = match &addr.ty {
            Type::Int(_) => {
                let a = coerce(coerce(addr, &Type::U32), &u64t);
                (AF_INET, vec![a, Expr::int(0, u64t.clone(), span)])
            }
            Type::Array { elem, len } if elem.size() == 1 && (*len == 4 || *len == 16) => {
                if *len == 4 {
                    (
                        AF_INET,
                        vec![
                            addr,
                            Expr::int(0, Type::U32, span),
                            Expr::int(0, u64t.clone(), span),
                        ],
                    )
                } else {
                    let _ = arr(16);
                    (AF_INET6, vec![addr])
                }
            }
            other => {
                return self.poison(
                    addr.span,
                    format!("ntop() takes an integer (IPv4) or a 4- or 16-byte array, not {other}"),
                )
            }
        };
        let af = match af {
            Some(a) if a.ty.is_integer() => coerce(a, &u64t),
            Some(a) => {
                return self.poison(
                    a.span,
                    format!("ntop()'s address family must be an integer, not {}", a.ty),
                )
            }
            None => Expr::int(default_af, u64t.clone(), span),
        };
        let mut items = vec![af];
        items.extend(fields);
        let types: Vec<Type> = items.iter().map(|x| x.ty.clone()).collect();
        let tuple = Expr::new(ExprKind::Tuple(items), Type::Tuple(types), span);
        Expr::new(
            ExprKind::Cast(Box::new(tuple)),
            Type::Text(TextKind::Inet),
            span,
        )
    }

    /// `buf(src[, len])`.
    fn lower_buf(
        &mut self,
        src: &ast::Expr,
        len: Option<&ast::Expr>,
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        let s = self.lower_expr(src, ctx, scopes);
        let max = self.config.max_strlen;
        let natural = match &s.ty {
            Type::Str { size } => Some(*size),
            Type::Array { .. } => Some(s.ty.size()),
            _ => None,
        };
        let (size, len_expr) = match len {
            None => match natural {
                Some(n) => (
                    n.min(max),
                    Expr::int(i64::from(n.min(max)), Type::U64, span),
                ),
                None => {
                    return self.poison(span, "buf() of a pointer needs a length: buf(ptr, len)")
                }
            },
            Some(n) => match self.constant_int(n) {
                Some(v) if v < 0 => {
                    return self.poison(n.span, "buf()'s length must not be negative")
                }
                Some(v) => {
                    let cap = natural.unwrap_or(max).min(max);
                    let v = (v as u64).min(u64::from(cap)) as u32;
                    (v, Expr::int(i64::from(v), Type::U64, n.span))
                }
                None => {
                    let l = self.lower_expr(n, ctx, scopes);
                    if !l.ty.is_integer() {
                        return self.poison(l.span, "buf()'s length must be an integer");
                    }
                    (natural.unwrap_or(max).min(max), coerce(l, &Type::U64))
                }
            },
        };
        let space = match &s.ty {
            Type::Ptr { space, .. } => *space,
            Type::Int(_) => default_space(ctx),
            Type::Str { .. } | Type::Array { .. } => AddrSpace::Kernel,
            other => {
                return self.poison(
                    s.span,
                    format!("buf() takes a pointer, a string or an array, not {other}"),
                )
            }
        };
        let src = if s.ty.is_scalar() {
            coerce(s, &Type::U64)
        } else {
            s
        };
        let space = Expr::int(
            i64::from(space == AddrSpace::User),
            Type::int(8, false),
            span,
        );
        call(
            Function::Buf,
            vec![src, len_expr, space],
            Type::Buffer { size },
            span,
        )
    }

    /// A statement function of [`STMT_FUNCTIONS`].
    pub(crate) fn lower_more_stmt(
        &mut self,
        f: &str,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        match f {
            "join" => self.lower_join(args, span, ctx, scopes, out),
            "assert" => {
                let [cond, msg] = args else {
                    self.error(span, "assert() takes a condition and a message");
                    return;
                };
                let c = self.lower_expr(cond, ctx, scopes);
                let c = self.condition(c);
                let not = Expr::new(
                    ExprKind::Unary {
                        op: UnaryOp::Not,
                        operand: Box::new(c),
                    },
                    Type::Bool,
                    cond.span,
                );
                let fmt = ast::Expr {
                    kind: ast::ExprKind::Str(ast::Bytes(b"assert failed: %s".to_vec())),
                    span,
                };
                let mut then = Vec::new();
                self.lower_printf(&[fmt, msg.clone()], span, ctx, scopes, &mut then);
                self.rekind_last(&then, |format| ActionKind::Diagnostic {
                    format,
                    error: true,
                    location: String::new(),
                });
                self.emit_action(
                    ActionKind::Exit,
                    vec![Expr::int(1, Type::I64, span)],
                    span,
                    &mut then,
                );
                then.push(Stmt::new(StmtKind::Return, span));
                out.push(Stmt::new(
                    StmtKind::If {
                        cond: not,
                        then,
                        otherwise: Vec::new(),
                    },
                    span,
                ));
            }
            _ => {
                if f == "system" && !self.options.unsafe_mode {
                    self.error(
                        span,
                        "system() is unsafe: run oxtrace with --unsafe to allow it",
                    );
                    return;
                }
                let mut stmts = Vec::new();
                self.lower_printf(args, span, ctx, scopes, &mut stmts);
                let f = f.to_string();
                self.rekind_last(&stmts, |format| match f.as_str() {
                    "system" => ActionKind::System { format },
                    "cat" => ActionKind::Cat { format },
                    _ => ActionKind::Diagnostic {
                        format,
                        error: f == "errorf",
                        location: String::new(),
                    },
                });
                out.extend(stmts);
            }
        }
    }

    /// `join(array[, separator])`: reads up to [`ir::abi::JOIN_MAX_ARGS`] pointers of the array
    /// and the strings they point to; the runtime prints them up to the first null pointer.
    fn lower_join(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        let (array, separator) = match args {
            [a] => (a, " ".to_string()),
            [a, ast::Expr {
                kind: ast::ExprKind::Str(s),
                ..
            }] => (a, String::from_utf8_lossy(&s.0).into_owned()),
            [_, sep] => {
                self.error(sep.span, "join()'s separator must be a string literal");
                return;
            }
            _ => {
                self.error(
                    span,
                    format!(
                        "join() takes an array of strings and an optional separator, got {} arguments",
                        args.len()
                    ),
                );
                return;
            }
        };
        let before = self.diags.len();
        let first = self.lower_expr(array, ctx, scopes);
        if self.diags.len() > before {
            return; // reported once, not once per element
        }
        let element_ok = match &first.ty {
            Type::Ptr { pointee, .. } => {
                matches!(pointee.as_ref(), Type::Ptr { .. } | Type::Int(_))
            }
            Type::Int(_) => true,
            _ => false,
        };
        if !element_ok {
            self.error(
                array.span,
                format!(
                    "join() needs an array of string pointers such as `char **`, not {}",
                    first.ty
                ),
            );
            return;
        }
        let sp = array.span;
        let e = |kind| ast::Expr { kind, span: sp };
        let at = |i: u32| {
            if matches!(first.ty, Type::Int(_)) {
                // An integer address: read it as `char **`.
                let ty = |kind| ast::Type { kind, span: sp };
                let char_pp = ty(ast::TypeKind::Pointer(Box::new(ty(
                    ast::TypeKind::Pointer(Box::new(ty(ast::TypeKind::Named("int8".into())))),
                ))));
                index(
                    e(ast::ExprKind::Cast {
                        ty: char_pp,
                        expr: Box::new(array.clone()),
                    }),
                    i,
                )
            } else {
                index(array.clone(), i)
            }
        };
        let int = |value: u64| e(ast::ExprKind::Int { value, unit: None });
        // Hidden scratch variables (`#` cannot appear in a user's `$name`) hold the pointers;
        // an element is read only while the ones before it were not null, and a string only
        // through a non-null pointer, so nothing past the array's end is read and `-k` has no
        // failed reads to report.
        let var = |i: u32| e(ast::ExprKind::Var(format!("join#{i}")));
        let nonzero = |v: ast::Expr| {
            e(ast::ExprKind::Binary {
                op: ast::BinaryOp::Ne,
                lhs: Box::new(v),
                rhs: Box::new(int(0)),
            })
        };
        let u64_ty = ast::Type {
            kind: ast::TypeKind::Named("uint64".into()),
            span: sp,
        };
        // The strings live where the array's elements point.
        let space = match &first.ty {
            Type::Ptr { pointee, .. } => match pointee.as_ref() {
                Type::Ptr { space, .. } => *space,
                _ => default_space(ctx),
            },
            _ => default_space(ctx),
        };
        let space_fn = if space == AddrSpace::User {
            "uptr"
        } else {
            "kptr"
        };
        let mut values = Vec::new();
        for i in 0..ir::abi::JOIN_MAX_ARGS {
            let element = e(ast::ExprKind::Cast {
                ty: u64_ty.clone(),
                expr: Box::new(at(i)),
            });
            let value = if i == 0 {
                element
            } else {
                e(ast::ExprKind::Ternary {
                    cond: Box::new(nonzero(var(i - 1))),
                    then: Some(Box::new(element)),
                    otherwise: Box::new(int(0)),
                })
            };
            let assign = ast::Stmt {
                kind: ast::StmtKind::Assign {
                    target: var(i),
                    op: None,
                    value,
                },
                span: sp,
            };
            self.lower_stmt(&assign, ctx, scopes, out);
            values.push(self.lower_expr(&var(i), ctx, scopes));
            let string = e(ast::ExprKind::Ternary {
                cond: Box::new(nonzero(var(i))),
                then: Some(Box::new(e(ast::ExprKind::Call {
                    name: ast::Ident {
                        name: "str".into(),
                        span: sp,
                    },
                    args: vec![
                        e(ast::ExprKind::Call {
                            name: ast::Ident {
                                name: space_fn.into(),
                                span: sp,
                            },
                            args: vec![e(ast::ExprKind::Cast {
                                ty: ast::Type {
                                    kind: ast::TypeKind::Pointer(Box::new(ast::Type {
                                        kind: ast::TypeKind::Named("int8".into()),
                                        span: sp,
                                    })),
                                    span: sp,
                                },
                                expr: Box::new(var(i)),
                            })],
                        }),
                        int(u64::from(ir::abi::JOIN_STR_SIZE - 1)),
                    ],
                }))),
                otherwise: Box::new(e(ast::ExprKind::Str(ast::Bytes(Vec::new())))),
            });
            values.push(self.lower_expr(&string, ctx, scopes));
        }
        self.emit_action(ActionKind::Join { separator }, values, span, out);
    }

    /// Turns the printf action emitted by the last statement of `stmts` into another kind.
    fn rekind_last(&mut self, stmts: &[Stmt], kind: impl FnOnce(String) -> ActionKind) {
        if let Some(Stmt {
            kind: StmtKind::Emit { action, .. },
            ..
        }) = stmts.last()
        {
            if let Some(a) = self.actions.get_mut(action.0 as usize) {
                if let ActionKind::Printf { format } = &a.kind {
                    a.kind = kind(format.clone());
                }
            }
        }
    }

    /// Adds an action and the statement that emits it.
    fn emit_action(&mut self, kind: ActionKind, args: Vec<Expr>, span: Span, out: &mut Block) {
        let types = args.iter().map(|a| a.ty.clone()).collect();
        let id = self.add_action(ir::Action {
            kind,
            args: types,
            span,
        });
        out.push(Stmt::new(StmtKind::Emit { action: id, args }, span));
    }
}

/// `base[i]` in the AST.
fn index(base: ast::Expr, i: u32) -> ast::Expr {
    let span = base.span;
    ast::Expr {
        kind: ast::ExprKind::Index {
            base: Box::new(base),
            index: Box::new(ast::Expr {
                kind: ast::ExprKind::Int {
                    value: u64::from(i),
                    unit: None,
                },
                span,
            }),
        },
        span,
    }
}

/// A call of `func` with type `ty`.
fn call(func: Function, args: Vec<Expr>, ty: Type, span: Span) -> Expr {
    Expr::new(ExprKind::Call { func, args }, ty, span)
}

/// The address space an integer used as a pointer points into in this probe.
fn default_space(ctx: &ProbeContext) -> AddrSpace {
    match ctx.kind {
        ProbeKind::Entry { user: true } | ProbeKind::Return { user: true } => AddrSpace::User,
        _ => AddrSpace::Kernel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pton_and_signal_names() {
        assert_eq!(pton("127.0.0.1"), Some(vec![127, 0, 0, 1]));
        assert_eq!(pton("::1").map(|b| b.len()), Some(16));
        assert_eq!(pton("nope"), None);
        assert_eq!(signal_number("SIGKILL"), Some(9));
        assert_eq!(signal_number("TERM"), Some(15));
        assert_eq!(signal_number("SIGFOO"), None);
    }
}
