//! Function calls: actions that user space carries out (printf, print, exit, ...), map
//! operations, and functions computed in BPF (str, strncmp, ...).

use super::expr::string_literal;
use super::maps::map_name;
use super::probes::{ProbeContext, ProbeKind};
use super::scope::Scopes;
use super::stmt::is_aggregation;
use super::types::{coerce, normalize_stored};
use super::Lowerer;
use crate::ast;
use ir::diag::Diagnostic;
use ir::printf::{conversions, parse_format, ArgClass};
use ir::{
    Action, ActionKind, AddrSpace, Block, Expr, ExprKind, Function, Span, Stmt, StmtKind, Type,
};

/// Functions oxtrace runs (aggregations included), for suggestions.
const KNOWN: &[&str] = &[
    "printf",
    "print",
    "time",
    "exit",
    "clear",
    "zero",
    "delete",
    "has_key",
    "find",
    "str",
    "strncmp",
    "strcontains",
    "len",
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "stats",
    "hist",
    "lhist",
    "tseries",
    "kstack",
    "ustack",
    "ksym",
    "usym",
    "kaddr",
    "uaddr",
    "reg",
];

/// Functions that oxtrace knows by name but cannot run yet.
const NOT_YET: &[&str] = &[
    "override",
    "path",
    "kptr",
    "uptr",
    "percpu_kaddr",
    "debugf",
    "unwatch",
    "skboutput",
    "socket_cookie",
    "memcmp",
    "write_user",
    "offsetof",
    "typeof",
    "getopt",
];

impl Lowerer<'_> {
    /// `find(@m, key, $v)`: true, and `$v` set to the value, when the key exists; else false
    /// and `$v` unchanged. Written as `{ let $f = has_key(@m, key); if ($f) { $v = @m[key] } $f }`.
    fn lower_find(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        let [map @ ast::Expr {
            kind: ast::ExprKind::Map { name, keys },
            span: ms,
        }, key, var @ ast::Expr {
            kind: ast::ExprKind::Var(_),
            ..
        }] = args
        else {
            return self.poison(
                span,
                "find() takes a map, a key and a scratch variable: find(@m, key, $value)",
            );
        };
        if !keys.is_empty() {
            return self.poison(
                map.span,
                "find() takes the map without keys: find(@m, key, $v)",
            );
        }
        let flag = format!("find#{}", span.start);
        let e = |kind| ast::Expr { kind, span };
        let st = |kind| ast::Stmt { kind, span };
        let flag_var = || e(ast::ExprKind::Var(flag.clone()));
        let has_key = e(ast::ExprKind::Call {
            name: ast::Ident {
                name: "has_key".into(),
                span,
            },
            args: vec![map.clone(), key.clone()],
        });
        let entry = ast::Expr {
            kind: ast::ExprKind::Map {
                name: name.clone(),
                keys: vec![key.clone()],
            },
            span: *ms,
        };
        let block = e(ast::ExprKind::Block {
            stmts: vec![
                st(ast::StmtKind::Let {
                    var: ast::Ident {
                        name: flag.clone(),
                        span,
                    },
                    ty: None,
                    value: Some(has_key),
                }),
                st(ast::StmtKind::If {
                    cond: flag_var(),
                    then: ast::Block {
                        stmts: vec![st(ast::StmtKind::Assign {
                            target: var.clone(),
                            op: None,
                            value: entry,
                        })],
                        span,
                    },
                    otherwise: None,
                }),
            ],
            value: Some(Box::new(flag_var())),
        });
        self.lower_expr(&block, ctx, scopes)
    }
}

/// Whether `name` is an action called as a statement (it has no value).
pub(crate) fn is_statement_call(name: &str) -> bool {
    matches!(
        name,
        "printf" | "print" | "time" | "exit" | "clear" | "zero"
    ) || super::funcs::STMT_FUNCTIONS.contains(&name)
}

impl Lowerer<'_> {
    /// A call in statement position. Actions become `Emit` statements.
    pub(crate) fn lower_call_stmt(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        match name.name.as_str() {
            "printf" => self.lower_printf(args, span, ctx, scopes, out),
            f if super::funcs::STMT_FUNCTIONS.contains(&f) => {
                self.lower_more_stmt(f, args, span, ctx, scopes, out)
            }
            "print" => self.lower_print(args, span, ctx, scopes, out),
            "time" => {
                let format = match args {
                    [] => "%H:%M:%S\n".to_string(),
                    [ast::Expr {
                        kind: ast::ExprKind::Str(s),
                        ..
                    }] => String::from_utf8_lossy(&s.0).into_owned(),
                    _ => {
                        self.error(span, "time() takes an optional format string literal");
                        return;
                    }
                };
                self.emit(ActionKind::Time { format }, vec![], span, out);
            }
            "exit" => {
                let code = match args {
                    [] => Expr::int(0, Type::I64, span),
                    [c] => {
                        let c = self.lower_expr(c, ctx, scopes);
                        if !c.ty.is_integer() {
                            self.error(
                                c.span,
                                format!("exit() needs an integer exit code, not {}", c.ty),
                            );
                            return;
                        }
                        coerce(c, &Type::I64)
                    }
                    _ => {
                        self.error(
                            span,
                            format!("exit() takes at most 1 argument, got {}", args.len()),
                        );
                        return;
                    }
                };
                self.emit(ActionKind::Exit, vec![code], span, out);
                out.push(Stmt::new(StmtKind::Return, span));
            }
            "clear" | "zero" => {
                let Some(map) = self.whole_map_arg(&name.name, args, span) else {
                    return;
                };
                let kind = if name.name == "clear" {
                    ActionKind::Clear { map }
                } else {
                    ActionKind::Zero { map }
                };
                self.emit(kind, vec![], span, out);
            }
            _ => {
                let e = self.lower_call_expr(name, args, span, ctx, scopes);
                out.push(Stmt::new(StmtKind::Expr(e), span));
            }
        }
    }

    /// A call whose value is used.
    pub(crate) fn lower_call_expr(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        let f = name.name.as_str();
        if let Some(e) = self.lower_symbol_call(f, args, span, ctx, scopes) {
            return e;
        }
        match f {
            "str" => self.lower_str(args, span, ctx, scopes),
            _ if super::funcs::VALUE_FUNCTIONS.contains(&f) => {
                self.lower_more_call(f, args, span, ctx, scopes)
            }
            _ if super::funcs::STMT_FUNCTIONS.contains(&f) => self.poison(
                span,
                format!("{f}() does not return a value; call it as a statement"),
            ),
            "kstack" | "ustack" => self.lower_stack(f == "kstack", args, span),
            "kptr" | "uptr" => self.lower_addr_space(f == "uptr", args, span, ctx, scopes),
            "delete" => {
                let (map, key) = match args {
                    [ast::Expr {
                        kind: ast::ExprKind::Map { name, keys },
                        span: ms,
                    }] => {
                        let id = self.maps.id(&map_name(name), *ms);
                        (id, self.lower_map_key(id, keys, *ms, ctx, scopes))
                    }
                    [ast::Expr {
                        kind: ast::ExprKind::Map { name, keys },
                        span: ms,
                    }, key]
                        if keys.is_empty() =>
                    {
                        let id = self.maps.id(&map_name(name), *ms);
                        (
                            id,
                            self.lower_map_key(id, std::slice::from_ref(key), *ms, ctx, scopes),
                        )
                    }
                    _ => {
                        return self.poison(
                            span,
                            "delete() takes a map entry, delete(@m[key]), or delete(@m, key)",
                        )
                    }
                };
                Expr::new(
                    ExprKind::MapDelete {
                        map,
                        key: key.map(Box::new),
                    },
                    Type::Bool,
                    span,
                )
            }
            "has_key" => match args {
                [ast::Expr {
                    kind: ast::ExprKind::Map { name, keys },
                    span: ms,
                }, key]
                    if keys.is_empty() =>
                {
                    let id = self.maps.id(&map_name(name), *ms);
                    match self.lower_map_key(id, std::slice::from_ref(key), *ms, ctx, scopes) {
                        Some(k) => Expr::new(
                            ExprKind::MapHasKey {
                                map: id,
                                key: Box::new(k),
                            },
                            Type::Bool,
                            span,
                        ),
                        None => self.poison(span, "has_key() needs a key"),
                    }
                }
                _ => self.poison(span, "has_key() takes a map and a key: has_key(@m, key)"),
            },
            "find" => self.lower_find(args, span, ctx, scopes),
            "len" => match args {
                [ast::Expr {
                    kind: ast::ExprKind::Map { name, keys },
                    span: ms,
                }] if keys.is_empty() => {
                    let id = self.maps.id(&map_name(name), *ms);
                    match self.maps.kind_for_read(id, *ms) {
                        Some(k @ (ir::MapKind::Hist { .. } | ir::MapKind::Lhist { .. })) => {
                            let f = k.function_name().unwrap_or("?");
                            self.report(Diagnostic::unsupported(
                                span,
                                format!("len() of a {f}() map"),
                            ));
                            Expr::int(0, Type::U64, span)
                        }
                        _ => Expr::new(ExprKind::MapLen { map: id }, Type::U64, span),
                    }
                }
                _ => self.poison(span, "len() takes a whole map: len(@m)"),
            },
            "strncmp" => {
                let [a, b, n] = args else {
                    return self.poison(
                        span,
                        format!("strncmp() takes 3 arguments, got {}", args.len()),
                    );
                };
                let a = self.lower_expr(a, ctx, scopes);
                let b = self.lower_expr(b, ctx, scopes);
                let Some(len) = self.constant_int(n).filter(|v| *v >= 0) else {
                    return self
                        .poison(n.span, "strncmp()'s length must be a non-negative constant");
                };
                if !matches!(a.ty, Type::Str { .. }) || !matches!(b.ty, Type::Str { .. }) {
                    return self.poison(
                        span,
                        format!("strncmp() compares two strings, not {} and {}", a.ty, b.ty),
                    );
                }
                let n = Expr::int(len, Type::I64, n.span);
                Expr::new(
                    ExprKind::Call {
                        func: Function::Strncmp,
                        args: vec![a, b, n],
                    },
                    Type::I64,
                    span,
                )
            }
            "strcontains" => {
                let [a, b] = args else {
                    return self.poison(
                        span,
                        format!("strcontains() takes 2 arguments, got {}", args.len()),
                    );
                };
                let a = self.lower_expr(a, ctx, scopes);
                let b = self.lower_expr(b, ctx, scopes);
                if !matches!(a.ty, Type::Str { .. }) || !matches!(b.ty, Type::Str { .. }) {
                    return self.poison(
                        span,
                        format!("strcontains() takes two strings, not {} and {}", a.ty, b.ty),
                    );
                }
                Expr::new(
                    ExprKind::Call {
                        func: Function::Strcontains,
                        args: vec![a, b],
                    },
                    Type::Bool,
                    span,
                )
            }
            // Since bpftrace 0.24 builtins may be called like functions: `pid()` is `pid`.
            _ if args.is_empty() && super::expr::BUILTINS.contains(&f) => self.lower_expr(
                &ast::Expr {
                    kind: ast::ExprKind::Ident(f.to_string()),
                    span,
                },
                ctx,
                scopes,
            ),
            _ if super::expr::BUILTINS.contains(&f) => {
                self.report(Diagnostic::unsupported(
                    span,
                    format!("{f}() with arguments"),
                ));
                Expr::int(0, Type::I64, span)
            }
            "printf" | "print" | "time" | "exit" | "clear" | "zero" => self.poison(
                span,
                format!("{f}() does not return a value; call it as a statement"),
            ),
            _ if is_aggregation(f) => self.poison(
                span,
                format!("{f}() can only be assigned to a map: @name = {f}(...)"),
            ),
            "percpu_kaddr" => self.lower_percpu_kaddr(args, span, ctx, scopes),
            _ if NOT_YET.contains(&f) => {
                self.report(Diagnostic::unsupported(span, format!("the function {f}()")));
                Expr::int(0, Type::I64, span)
            }
            _ => {
                let known = KNOWN
                    .iter()
                    .chain(NOT_YET)
                    .chain(super::funcs::VALUE_FUNCTIONS)
                    .chain(super::funcs::STMT_FUNCTIONS)
                    .copied();
                let mut d = Diagnostic::error(name.span, format!("unknown function '{f}'"));
                if let Some(s) = ir::diag::did_you_mean(f, known) {
                    d = d.with_help(format!("did you mean '{s}'?"));
                }
                self.report(d);
                Expr::int(0, Type::I64, span)
            }
        }
    }

    pub(super) fn lower_str(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        let (source, len) = match args {
            [s] => (s, None),
            [s, n] => (s, Some(n)),
            _ => {
                return self.poison(
                    span,
                    format!("str() takes 1 or 2 arguments, got {}", args.len()),
                )
            }
        };
        if let ast::ExprKind::Positional(n) = source.kind {
            let text = self
                .options
                .params
                .get(n.saturating_sub(1) as usize)
                .cloned()
                .unwrap_or_default();
            // Read like any string: at most max_strlen - 1 bytes (then the trailer prints).
            let max = self.config.max_strlen.saturating_sub(1) as usize;
            let text = if text.len() > max {
                String::from_utf8_lossy(&text.as_bytes()[..max]).into_owned()
            } else {
                text
            };
            return string_literal(text, span);
        }
        let p = self.lower_expr(source, ctx, scopes);
        let max = self.config.max_strlen;
        let (size, max_len) = match len {
            None => (max, None),
            Some(n) => match self.constant_int(n) {
                Some(v) if v >= 0 => ((v as u32).saturating_add(1).min(max), None),
                Some(_) => return self.poison(n.span, "str()'s length must not be negative"),
                None => {
                    let n = self.lower_expr(n, ctx, scopes);
                    if !n.ty.is_integer() {
                        return self.poison(n.span, "str()'s length must be an integer");
                    }
                    (max, Some(Box::new(coerce(n, &Type::I64))))
                }
            },
        };
        let space = match (&p.ty, ctx.kind) {
            (Type::Str { .. }, _) => return p,
            (Type::Ptr { space, .. }, _) => *space,
            (Type::Int(_), ProbeKind::Entry { user: true } | ProbeKind::Return { user: true }) => {
                AddrSpace::User
            }
            (Type::Int(_), _) => AddrSpace::Kernel,
            (other, _) => {
                return self.poison(
                    p.span,
                    format!("str() needs a pointer or a string, not {other}"),
                )
            }
        };
        let ptr = coerce(p, &Type::U64);
        Expr::new(
            ExprKind::ReadStr {
                ptr: Box::new(ptr),
                space,
                max_len,
            },
            Type::Str { size },
            span,
        )
    }

    pub(crate) fn lower_printf(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        let Some((fmt, rest)) = args.split_first() else {
            self.error(span, "printf() needs a format string");
            return;
        };
        let ast::ExprKind::Str(bytes) = &fmt.kind else {
            self.error(
                fmt.span,
                "printf()'s first argument must be a string literal",
            );
            return;
        };
        let format = String::from_utf8_lossy(&bytes.0).into_owned();
        let segments = match parse_format(&format) {
            Ok(s) => s,
            Err((_, msg)) => {
                self.error(fmt.span, msg);
                return;
            }
        };
        let convs: Vec<_> = conversions(&segments).collect();
        if convs.len() != rest.len() {
            self.error(
                span,
                format!(
                    "printf: the format has {} conversion{} but {} argument{} {} given",
                    convs.len(),
                    if convs.len() == 1 { "" } else { "s" },
                    rest.len(),
                    if rest.len() == 1 { "" } else { "s" },
                    if rest.len() == 1 { "is" } else { "are" }
                ),
            );
            return;
        }
        let mut values = Vec::new();
        for (conv, arg) in convs.iter().zip(rest) {
            let v = self.lower_expr(arg, ctx, scopes);
            let ok = match conv.arg_class() {
                ArgClass::Integer => v.ty.is_scalar(),
                ArgClass::Any => v.ty != Type::Void,
                ArgClass::Buffer => matches!(v.ty, Type::Str { .. } | Type::Buffer { .. }),
            };
            if !ok {
                self.error(
                    arg.span,
                    format!(
                        "printf: %{} does not take a value of type {}",
                        conv.conv, v.ty
                    ),
                );
                continue;
            }
            let v = if v.ty.is_integer() {
                coerce(v.clone(), &normalize_stored(&v.ty))
            } else {
                v
            };
            values.push(v);
        }
        if values.len() == rest.len() {
            let types = values.iter().map(|v| v.ty.clone()).collect();
            let id = self.add_action(Action {
                kind: ActionKind::Printf { format },
                args: types,
                span,
            });
            out.push(Stmt::new(
                StmtKind::Emit {
                    action: id,
                    args: values,
                },
                span,
            ));
        }
    }

    fn lower_print(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        match args {
            [ast::Expr {
                kind: ast::ExprKind::Map { name, keys },
                span: ms,
            }, rest @ ..]
                if keys.is_empty() && rest.len() <= 2 =>
            {
                let map = self.maps.id(&map_name(name), *ms);
                let _ = self.maps.kind_for_read(map, *ms);
                let mut consts = Vec::new();
                for a in rest {
                    match self.constant_int(a) {
                        Some(v) if v >= 0 => consts.push(v as u64),
                        _ => {
                            self.error(
                                a.span,
                                "print()'s top and div arguments must be non-negative constants",
                            );
                            return;
                        }
                    }
                }
                let top = consts.first().copied().unwrap_or(0);
                let div = consts.get(1).copied().unwrap_or(1).max(1);
                self.emit(ActionKind::PrintMap { map, top, div }, vec![], span, out);
            }
            [value] => {
                let v = self.lower_expr(value, ctx, scopes);
                if v.ty == Type::Void {
                    self.error(v.span, "print() needs a value");
                    return;
                }
                self.emit(ActionKind::PrintValue, vec![v], span, out);
            }
            _ => self.error(
                span,
                "print() takes a value, or a map with optional top and div: print(@m, 10, 1)",
            ),
        }
    }

    /// A map given whole, as to clear() and zero().
    fn whole_map_arg(&mut self, func: &str, args: &[ast::Expr], span: Span) -> Option<ir::MapId> {
        match args {
            [ast::Expr {
                kind: ast::ExprKind::Map { name, keys },
                span: ms,
            }] if keys.is_empty() => {
                let id = self.maps.id(&map_name(name), *ms);
                let _ = self.maps.kind_for_read(id, *ms);
                Some(id)
            }
            _ => {
                self.error(span, format!("{func}() takes a map: {func}(@m)"));
                None
            }
        }
    }

    /// Adds an action and the statement that emits it.
    fn emit(&mut self, kind: ActionKind, args: Vec<Expr>, span: Span, out: &mut Block) {
        let types = args.iter().map(|a| a.ty.clone()).collect();
        let id = self.add_action(Action {
            kind,
            args: types,
            span,
        });
        out.push(Stmt::new(StmtKind::Emit { action: id, args }, span));
    }

    /// `percpu_kaddr("name"[, cpu])`: the variable's shape comes from the kernel's BTF, which the
    /// loader resolves it against (a typed ksym; `/proc/kallsyms` may lack per-CPU symbols).
    fn lower_percpu_kaddr(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        let (name, cpu) = match args {
            [n] => (n, None),
            [n, c] => (n, Some(c)),
            _ => {
                return self.poison(
                    span,
                    format!(
                    "percpu_kaddr() takes a variable name and an optional CPU ({} arguments given)",
                    args.len()
                ),
                )
            }
        };
        let ast::ExprKind::Str(lit) = &name.kind else {
            return self.poison(name.span, "percpu_kaddr() takes a string literal");
        };
        let var = String::from_utf8_lossy(&lit.0).into_owned();
        let ty = match self.options.types.percpu_var(&var) {
            Ok(Some(ty)) => ty,
            Ok(None) => {
                return self.poison(
                    name.span,
                    format!("the kernel's BTF has no per-CPU variable '{var}'"),
                )
            }
            Err(e) => return self.poison(name.span, format!("percpu_kaddr(\"{var}\"): {e}")),
        };
        let mut lowered = vec![Expr::new(
            ExprKind::Str(var.clone()),
            Type::Str {
                size: var.len() as u32 + 1,
            },
            name.span,
        )];
        if let Some(c) = cpu {
            let c = self.lower_expr(c, ctx, scopes);
            if !c.ty.is_integer() {
                return self.poison(
                    c.span,
                    format!("percpu_kaddr() takes a CPU number, not {}", c.ty),
                );
            }
            lowered.push(coerce(c, &Type::U64));
        }
        Expr::new(
            ExprKind::Call {
                func: Function::PercpuKaddr { ty },
                args: lowered,
            },
            Type::U64,
            span,
        )
    }
}
