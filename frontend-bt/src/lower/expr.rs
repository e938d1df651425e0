//! Expressions: bpftrace expressions become typed IR expressions.

use super::ctypes::probe_space;
use super::maps::map_name;
use super::probes::{ProbeContext, ProbeKind};
use super::scope::Scopes;
use super::types::{arithmetic_type, c_integer, coerce, normalize_stored, unify_stored};
use super::Lowerer;
use crate::ast;
use ir::catalog::FieldKind;
use ir::diag::Diagnostic;
use ir::{
    AddrSpace, BinaryOp, Builtin, Expr, ExprKind, MapId, MapKind, Span, Stmt, StmtKind, Type,
    UnaryOp,
};

impl Lowerer<'_> {
    /// Lowers an expression. On error it reports a diagnostic and returns a zero constant, so
    /// lowering continues and finds further errors.
    pub(crate) fn lower_expr(
        &mut self,
        e: &ast::Expr,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        use ast::ExprKind as A;
        let span = e.span;
        match &e.kind {
            A::Int { value, unit } => {
                let Some(v) = value.checked_mul(unit.map_or(1, |u| u.nanos())) else {
                    return self.poison(span, "integer literal is too large for 64 bits");
                };
                let ty = if v > i64::MAX as u64 {
                    Type::U64
                } else {
                    Type::I64
                };
                Expr::new(ExprKind::Int(v), ty, span)
            }
            A::Str(bytes) => string_literal(String::from_utf8_lossy(&bytes.0).into_owned(), span),
            A::Char(c) => Expr::new(ExprKind::Int(u64::from(*c)), Type::I64, span),
            A::Bool(b) => Expr::new(ExprKind::Bool(*b), Type::Bool, span),
            A::Ident(name) => match self.defines.get(name).cloned() {
                Some(kind) => self.lower_expr(&ast::Expr { kind, span }, ctx, scopes),
                None => self.lower_ident(name, span, ctx),
            },
            A::Var(name) => match scopes.lookup(name) {
                Some(id) => Expr::new(ExprKind::Var(id), scopes.ty(id).clone(), span),
                None => self.poison(
                    span,
                    format!("undefined variable ${}", crate::macros::written_name(name)),
                ),
            },
            A::Positional(n) => self.positional(*n, span),
            A::ParamCount => Expr::new(
                ExprKind::Int(self.options.params.len() as u64),
                Type::I64,
                span,
            ),
            A::Map { name, keys } => {
                let id = self.maps.id(&map_name(name), span);
                let key = self.lower_map_key(id, keys, span, ctx, scopes);
                self.map_read(id, key, span)
            }
            A::Call { name, args } => self.lower_call_expr(name, args, span, ctx, scopes),
            A::Unary { op, operand } => self.lower_unary(*op, operand, span, ctx, scopes),
            A::Binary { op, lhs, rhs } => {
                let l = self.lower_expr(lhs, ctx, scopes);
                let r = self.lower_expr(rhs, ctx, scopes);
                self.binary(*op, l, r, span)
            }
            A::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.lower_expr(cond, ctx, scopes);
                let t = match then {
                    Some(t) => self.lower_expr(t, ctx, scopes),
                    None => c.clone(),
                };
                let o = self.lower_expr(otherwise, ctx, scopes);
                let c = self.condition(c);
                let Some(ty) = common_type(&t, &o) else {
                    return self.poison(
                        span,
                        format!(
                            "the branches of ?: have different types: {} and {}",
                            t.ty, o.ty
                        ),
                    );
                };
                let kind = ExprKind::Ternary {
                    cond: Box::new(c),
                    then: Box::new(coerce(t, &ty)),
                    otherwise: Box::new(coerce(o, &ty)),
                };
                Expr::new(kind, ty, span)
            }
            A::Cast { ty, expr } => {
                let inner = self.lower_expr(expr, ctx, scopes);
                self.prepare_typeof(ty, ctx, scopes);
                let target = match self.lower_type(ty, probe_space(Some(ctx))) {
                    Ok(t) => t,
                    Err(msg) => return self.poison(ty.span, msg),
                };
                match (&inner.ty, &target) {
                    (Type::Int(_) | Type::Ptr { .. }, Type::Ptr { .. }) => {
                        Expr::new(ExprKind::Cast(Box::new(inner)), target, span)
                    }
                    (_, Type::Bool) if inner.ty.is_scalar() => self.condition(inner),
                    (Type::Int(_) | Type::Bool | Type::Ptr { .. }, Type::Int(_)) => {
                        Expr::new(ExprKind::Cast(Box::new(inner)), target, span)
                    }
                    (Type::Int(_), Type::Array { elem, .. })
                    | (Type::Array { elem, .. }, Type::Int(_))
                        if matches!(**elem, Type::Int(_))
                            && inner.ty.size() == target.size()
                            && matches!(target.size(), 1 | 2 | 4 | 8) =>
                    {
                        Expr::new(ExprKind::Cast(Box::new(inner)), target, span)
                    }
                    (Type::Int(_), Type::Array { elem, .. })
                    | (Type::Array { elem, .. }, Type::Int(_))
                        if matches!(**elem, Type::Int(_)) =>
                    {
                        self.poison(
                            span,
                            format!(
                                "cannot cast {} to {}: an integer and an integer array cast to each \
                                 other only when they have the same size (1, 2, 4 or 8 bytes)",
                                inner.ty, target
                            ),
                        )
                    }
                    (_, Type::Array { .. }) | (Type::Array { .. }, _) => {
                        self.report(Diagnostic::unsupported(
                            span,
                            format!("a cast from {} to {}", inner.ty, target),
                        ));
                        Expr::int(0, Type::I64, span)
                    }
                    _ => self.poison(span, format!("cannot cast {} to {}", inner.ty, target)),
                }
            }
            A::Field { base, field, .. } => {
                if matches!(&base.kind, A::Ident(n) if n == "args") {
                    return self.tracepoint_field(&field.name, field.span, span, ctx);
                }
                if matches!(&base.kind, A::Ident(n) if n == "config")
                    && !self.defines.contains_key("config")
                {
                    return self.config_field(field, span);
                }
                let b = self.lower_expr(base, ctx, scopes);
                let b = match self.struct_member(b, field, span) {
                    Ok(member) => return member,
                    Err(b) => b,
                };
                match &b.ty {
                    Type::Record(fields) => match fields.iter().position(|(n, _)| *n == field.name)
                    {
                        Some(i) => {
                            let ty = fields[i].1.clone();
                            Expr::new(
                                ExprKind::Field {
                                    base: Box::new(b),
                                    index: i as u32,
                                },
                                ty,
                                span,
                            )
                        }
                        None => self.poison(
                            field.span,
                            format!("record {} has no field '{}'", b.ty, field.name),
                        ),
                    },
                    Type::Ptr { .. } => {
                        self.report(Diagnostic::unsupported(
                            span,
                            "field access through a pointer (BTF types)",
                        ));
                        Expr::int(0, Type::I64, span)
                    }
                    other => self.poison(span, format!("{other} has no fields")),
                }
            }
            A::TupleIndex { base, index } => {
                let b = self.lower_expr(base, ctx, scopes);
                self.tuple_field(b, *index, span)
            }
            A::Index { base, index } => {
                let b = self.lower_expr(base, ctx, scopes);
                let i = self.lower_expr(index, ctx, scopes);
                let (b, i) = match self.index_memory(b, i, span) {
                    Ok(element) => return element,
                    Err(pair) => *pair,
                };
                let constant = match i.kind {
                    ExprKind::Int(v) => Some(v),
                    _ => None,
                };
                match (&b.ty, &b.kind, constant) {
                    (Type::Tuple(_) | Type::Record(_), _, Some(n)) => {
                        self.tuple_field(b, n as u32, span)
                    }
                    (Type::Str { size }, _, c) if i.ty.is_integer() => {
                        if let Some(n) = c.filter(|n| *n >= u64::from(*size)) {
                            return self.poison(
                                index.span,
                                format!("index {n} is out of bounds for a string[{size}]"),
                            );
                        }
                        let i = super::types::coerce(i, &Type::I64);
                        Expr::new(
                            ExprKind::Call {
                                func: ir::Function::StrIndex,
                                args: vec![b, i],
                            },
                            Type::int(8, true),
                            span,
                        )
                    }
                    (Type::Array { elem, len }, ExprKind::CtxField { offset }, Some(n)) => {
                        if n >= u64::from(*len) {
                            return self.poison(
                                index.span,
                                format!("index {n} is out of bounds for an array of {len}"),
                            );
                        }
                        let offset = offset + n as u32 * elem.size();
                        Expr::new(ExprKind::CtxField { offset }, (**elem).clone(), span)
                    }
                    _ => {
                        self.report(Diagnostic::unsupported(
                            span,
                            format!("indexing a value of type {}", b.ty),
                        ));
                        Expr::int(0, Type::I64, span)
                    }
                }
            }
            A::Tuple(items) => {
                let items: Vec<Expr> = items
                    .iter()
                    .map(|x| self.lower_expr(x, ctx, scopes))
                    .collect();
                if let Some(bad) = items.iter().find(|x| x.ty == Type::Void) {
                    return self.poison(bad.span, "a value is needed here");
                }
                let ty = Type::Tuple(items.iter().map(|x| x.ty.clone()).collect());
                Expr::new(ExprKind::Tuple(items), ty, span)
            }
            A::Record(fields) => {
                let mut names: Vec<String> = Vec::new();
                let mut items = Vec::new();
                for f in fields {
                    if names.contains(&f.name.name) {
                        self.error(
                            f.name.span,
                            format!("duplicate record field '{}'", f.name.name),
                        );
                    }
                    names.push(f.name.name.clone());
                    items.push(self.lower_expr(&f.value, ctx, scopes));
                }
                let ty = Type::Record(
                    names
                        .into_iter()
                        .zip(items.iter().map(|x| x.ty.clone()))
                        .collect(),
                );
                Expr::new(ExprKind::Record(items), ty, span)
            }
            A::Block { stmts, value } => {
                scopes.push();
                let mut body = Vec::new();
                for s in stmts {
                    self.lower_stmt(s, ctx, scopes, &mut body);
                }
                let v = match value.as_deref() {
                    // `{ printf("x") }`: an action as the value is a statement; the block is void.
                    Some(v)
                        if matches!(&v.kind, A::Call { name, .. }
                            if super::calls::is_statement_call(&name.name)) =>
                    {
                        let stmt = ast::Stmt {
                            kind: ast::StmtKind::Expr(v.clone()),
                            span: v.span,
                        };
                        self.lower_stmt(&stmt, ctx, scopes, &mut body);
                        Expr::new(ExprKind::Int(0), Type::Void, span)
                    }
                    Some(v) => self.lower_expr(v, ctx, scopes),
                    None => Expr::new(ExprKind::Int(0), Type::Void, span),
                };
                scopes.pop();
                let ty = v.ty.clone();
                Expr::new(
                    ExprKind::Block {
                        stmts: body,
                        value: Box::new(v),
                    },
                    ty,
                    span,
                )
            }
            A::Sizeof(arg) => {
                let size = match &**arg {
                    ast::TypeOrExpr::Type(t) => {
                        self.prepare_typeof(t, ctx, scopes);
                        match self.sizeof_type(t, ctx) {
                            Ok(size) => size,
                            Err(msg) => return self.poison(t.span, msg),
                        }
                    }
                    ast::TypeOrExpr::Expr(x) => match &x.kind {
                        A::Ident(n) if self.sizeof_name(n).is_some() => {
                            self.sizeof_name(n).unwrap_or(0)
                        }
                        _ => self.lower_expr(x, ctx, scopes).ty.size(),
                    },
                };
                Expr::new(ExprKind::Int(u64::from(size)), Type::U64, span)
            }
            A::Offsetof { of, fields } => self.offsetof(of, fields, span, ctx, scopes),
        }
    }

    /// Reports `message` at `span` and returns a zero constant to continue with.
    pub(crate) fn poison(&mut self, span: Span, message: impl Into<String>) -> Expr {
        self.error(span, message);
        Expr::int(0, Type::I64, span)
    }

    /// Checks that `e` can be a condition (a scalar); booleans pass, other scalars are compared
    /// with zero by the backend.
    pub(crate) fn condition(&mut self, e: Expr) -> Expr {
        if e.ty.is_scalar() {
            e
        } else {
            self.poison(
                e.span,
                format!("a condition must be an integer or a boolean, not {}", e.ty),
            )
        }
    }

    fn lower_ident(&mut self, name: &str, span: Span, ctx: &ProbeContext) -> Expr {
        let builtin = |b: Builtin, ty: Type| Expr::new(ExprKind::Builtin(b), ty, span);
        match name {
            "pid" => builtin(Builtin::Pid, Type::U32),
            "tid" => builtin(Builtin::Tid, Type::U32),
            "uid" => builtin(Builtin::Uid, Type::U32),
            "gid" => builtin(Builtin::Gid, Type::U32),
            "nsecs" => builtin(Builtin::Nsecs, Type::U64),
            "elapsed" => builtin(Builtin::Elapsed, Type::U64),
            "cpu" => builtin(Builtin::Cpu, Type::U32),
            "ncpus" => builtin(Builtin::Ncpus, Type::U32),
            "comm" => builtin(Builtin::Comm, Type::Str { size: 16 }),
            "probe" => builtin(Builtin::Probe, Type::ProbeName),
            "rand" => builtin(Builtin::Rand, Type::U32),
            "cgroup" => builtin(Builtin::Cgroup, Type::U64),
            "jiffies" => builtin(Builtin::Jiffies, Type::U64),
            "numaid" => builtin(Builtin::Numaid, Type::U32),
            "usermode" => match ctx.kind {
                ProbeKind::Entry { .. } | ProbeKind::Return { .. } | ProbeKind::Perf => {
                    builtin(Builtin::Usermode, Type::int(8, false))
                }
                _ => self.poison(
                    span,
                    "usermode is only available in kprobe, uprobe and perf event probes",
                ),
            },
            "username" => builtin(Builtin::Username, Type::Text(ir::TextKind::Username)),
            "probetype" => match &ctx.probetype {
                Some(t) => string_literal(t.clone(), span),
                None => self.poison(
                    span,
                    "probetype in a probe whose attach points have different types",
                ),
            },
            "retval" => match ctx.kind {
                ProbeKind::Return { .. } => Expr::new(ExprKind::Retval, Type::I64, span),
                _ => self.poison(
                    span,
                    "retval is only available in kretprobe, uretprobe and fexit probes",
                ),
            },
            "args" => self.poison(span, "args must be used with a field, e.g. args.filename"),
            _ if name.starts_with("arg") && name[3..].parse::<u8>().is_ok() => {
                let n = name[3..].parse::<u8>().unwrap_or(0);
                if let Some(usdt) = ctx.usdt.clone() {
                    return self.usdt_arg(n, &usdt, span);
                }
                match ctx.kind {
                    ProbeKind::Entry { .. } | ProbeKind::RawTracepoint if n < 6 => {
                        Expr::new(ExprKind::Arg(n), Type::U64, span)
                    }
                    ProbeKind::RawTracepoint => self.poison(
                        span,
                        format!("{name}: a raw tracepoint passes at most 6 arguments here"),
                    ),
                    ProbeKind::Entry { .. } => self.poison(
                        span,
                        format!("{name}: only arg0 to arg5 are passed in registers"),
                    ),
                    _ => self.poison(
                        span,
                        format!("{name} is only available in kprobe, uprobe, fentry and rawtracepoint probes"),
                    ),
                }
            }
            "curtask" => self.curtask(span),
            "ppid" => self.ppid(span),
            "cpid" => match self.options.cpid {
                Some(p) => Expr::int(i64::from(p), Type::U32, span),
                None => self.poison(span, "cpid cannot be used without a child command (-c)"),
            },
            "func" => self.lower_func(span, ctx),
            "kstack" => self.lower_stack(true, &[], span),
            "ustack" => self.lower_stack(false, &[], span),
            "ctx" if self.iter_target.is_some() => self.iter_ctx(span),
            "ctx" | "pcomm" => {
                self.report(Diagnostic::unsupported(
                    span,
                    format!("the builtin '{name}'"),
                ));
                Expr::int(0, Type::I64, span)
            }
            _ => {
                let mut d = Diagnostic::error(span, format!("unknown identifier '{name}'"));
                if let Some(s) = ir::diag::did_you_mean(name, BUILTINS.iter().copied()) {
                    d = d.with_help(format!("did you mean '{s}'?"));
                }
                self.report(d);
                Expr::int(0, Type::I64, span)
            }
        }
    }

    fn positional(&mut self, n: u32, span: Span) -> Expr {
        let Some(text) = self.options.params.get(n.saturating_sub(1) as usize) else {
            return Expr::new(ExprKind::Int(0), Type::I64, span);
        };
        let parsed = text.parse::<i64>().ok().or_else(|| {
            text.strip_prefix("0x")
                .and_then(|h| i64::from_str_radix(h, 16).ok())
        });
        match parsed {
            Some(v) => Expr::int(v, Type::I64, span),
            None => string_literal(text.clone(), span),
        }
    }

    /// A tracepoint argument `args.name`.
    fn tracepoint_field(
        &mut self,
        name: &str,
        name_span: Span,
        span: Span,
        ctx: &ProbeContext,
    ) -> Expr {
        let Some(format) = ctx.format.clone() else {
            let msg = match ctx.kind {
                ProbeKind::Tracepoint => {
                    "args needs the probe to run on tracepoints that all have this field"
                }
                _ => "args is only available in tracepoint probes",
            };
            return self.poison(span, msg);
        };
        let Some(field) = format.field(name) else {
            let names: Vec<&str> = format.fields.iter().map(|f| f.name.as_str()).collect();
            self.report(
                Diagnostic::error(
                    name_span,
                    format!(
                        "tracepoint {}:{} has no field '{name}'",
                        format.category, format.name
                    ),
                )
                .with_help(format!("its fields are: {}", names.join(", "))),
            );
            return Expr::int(0, Type::I64, span);
        };
        let offset = field.offset;
        let space = if ctx.user_args {
            AddrSpace::User
        } else {
            AddrSpace::Kernel
        };
        match field.kind {
            FieldKind::Integer => {
                let from_size = Type::int((field.size * 8).min(64) as u8, field.signed);
                let ty = match c_integer(&field.c_type) {
                    Some(t) if t.bytes() <= field.size => Type::Int(t),
                    _ if matches!(field.size, 1 | 2 | 4 | 8) => from_size,
                    _ => return self.unsupported_field(span, &field.c_type),
                };
                Expr::new(ExprKind::CtxField { offset }, ty, span)
            }
            FieldKind::Pointer => {
                let ty = self.c_pointer_type(&field.c_type, space);
                Expr::new(ExprKind::CtxField { offset }, ty, span)
            }
            FieldKind::CharArray { len } => {
                Expr::new(ExprKind::CtxField { offset }, Type::Str { size: len }, span)
            }
            FieldKind::Array { elem_size, len } if matches!(elem_size, 1 | 2 | 4 | 8) => {
                let elem = c_integer(&field.c_type)
                    .map_or(Type::int((elem_size * 8) as u8, false), Type::Int);
                Expr::new(
                    ExprKind::CtxField { offset },
                    Type::Array {
                        elem: Box::new(elem),
                        len,
                    },
                    span,
                )
            }
            FieldKind::DataLoc if field.c_type == "char" => {
                let ptr_ty = Type::Ptr {
                    pointee: Box::new(Type::int(8, true)),
                    space: AddrSpace::Kernel,
                };
                let ptr = Expr::new(ExprKind::CtxDataLoc { offset }, ptr_ty, span);
                let kind = ExprKind::ReadStr {
                    ptr: Box::new(ptr),
                    space: AddrSpace::Kernel,
                    max_len: None,
                };
                Expr::new(
                    kind,
                    Type::Str {
                        size: self.config.max_strlen,
                    },
                    span,
                )
            }
            _ => self.unsupported_field(span, &field.c_type),
        }
    }

    fn unsupported_field(&mut self, span: Span, c_type: &str) -> Expr {
        self.report(Diagnostic::unsupported(
            span,
            format!("a tracepoint field of type '{c_type}'"),
        ));
        Expr::int(0, Type::I64, span)
    }

    fn tuple_field(&mut self, base: Expr, index: u32, span: Span) -> Expr {
        let field_ty = match &base.ty {
            Type::Tuple(items) => items.get(index as usize).cloned(),
            Type::Record(fields) => fields.get(index as usize).map(|(_, t)| t.clone()),
            other => return self.poison(span, format!("{other} is not a tuple")),
        };
        match field_ty {
            Some(ty) => Expr::new(
                ExprKind::Field {
                    base: Box::new(base),
                    index,
                },
                ty,
                span,
            ),
            None => self.poison(
                span,
                format!("index {index} is out of bounds for {}", base.ty),
            ),
        }
    }

    /// The key expression of a map access (`None` for a scalar map), converted to the map's key type.
    pub(crate) fn lower_map_key(
        &mut self,
        id: MapId,
        keys: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Option<Expr> {
        let key = match keys {
            [] => None,
            [one] => Some(self.lower_expr(one, ctx, scopes)),
            many => {
                let items: Vec<Expr> = many
                    .iter()
                    .map(|k| self.lower_expr(k, ctx, scopes))
                    .collect();
                let ty = Type::Tuple(items.iter().map(|x| x.ty.clone()).collect());
                let span = many[0].span.to(many[many.len() - 1].span);
                Some(Expr::new(ExprKind::Tuple(items), ty, span))
            }
        };
        if let Some(k) = &key {
            if !is_storable(&k.ty) {
                return Some(self.poison(
                    k.span,
                    format!("a value of type {} cannot be a map key", k.ty),
                ));
            }
        }
        match self.maps.use_key(id, key.as_ref().map(|k| &k.ty)) {
            Ok(Some(ty)) => key.map(|k| coerce(k, &ty)),
            Ok(None) => None,
            Err(msg) => {
                self.error(key.as_ref().map_or(span, |k| k.span), msg);
                key
            }
        }
    }

    /// Reading a map entry's value.
    pub(crate) fn map_read(&mut self, id: MapId, key: Option<Expr>, span: Span) -> Expr {
        let kind = self.maps.kind_for_read(id, span);
        let ty = match &kind {
            None => Type::I64,
            Some(MapKind::Value(t)) => t.clone(),
            Some(MapKind::Count) => Type::U64,
            Some(MapKind::Sum(i) | MapKind::Min(i) | MapKind::Max(i) | MapKind::Avg(i)) => {
                Type::Int(*i)
            }
            Some(k) => {
                let name = self.maps.name(id).to_string();
                let f = k.function_name().unwrap_or("?");
                return self.poison(span, format!("the value of {name}, a {f}() map, cannot be read in a probe; use print({name})"));
            }
        };
        Expr::new(
            ExprKind::MapRead {
                map: id,
                key: key.map(Box::new),
            },
            ty,
            span,
        )
    }

    fn lower_unary(
        &mut self,
        op: ast::UnaryOp,
        operand: &ast::Expr,
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        use ast::UnaryOp as U;
        match op {
            U::PreInc | U::PreDec | U::PostInc | U::PostDec => {
                let delta = if matches!(op, U::PreInc | U::PostInc) {
                    ast::BinaryOp::Add
                } else {
                    ast::BinaryOp::Sub
                };
                let post = matches!(op, U::PostInc | U::PostDec);
                self.increment_expr(operand, delta, post, span, ctx, scopes)
            }
            U::Deref => {
                let p = self.lower_expr(operand, ctx, scopes);
                self.deref_pointer(p, span)
            }
            U::AddrOf => {
                self.report(Diagnostic::unsupported(
                    span,
                    if op == U::Deref {
                        "pointer dereference"
                    } else {
                        "taking an address"
                    },
                ));
                Expr::int(0, Type::I64, span)
            }
            U::Neg | U::Not | U::BitNot => {
                let x = self.lower_expr(operand, ctx, scopes);
                if !x.ty.is_integer() {
                    return self.poison(
                        span,
                        format!(
                            "operator {} needs an integer, not {}",
                            unary_symbol(op),
                            x.ty
                        ),
                    );
                }
                match op {
                    U::Not => {
                        let x = self.condition(x);
                        Expr::new(
                            ExprKind::Unary {
                                op: UnaryOp::Not,
                                operand: Box::new(x),
                            },
                            Type::Bool,
                            span,
                        )
                    }
                    U::Neg => {
                        let x = coerce(x, &Type::I64);
                        Expr::new(
                            ExprKind::Unary {
                                op: UnaryOp::Neg,
                                operand: Box::new(x),
                            },
                            Type::I64,
                            span,
                        )
                    }
                    _ => {
                        let ty = normalize_stored(&if x.ty == Type::Bool {
                            Type::I64
                        } else {
                            x.ty.clone()
                        });
                        let x = coerce(x, &ty);
                        Expr::new(
                            ExprKind::Unary {
                                op: UnaryOp::BitNot,
                                operand: Box::new(x),
                            },
                            ty,
                            span,
                        )
                    }
                }
            }
        }
    }

    /// `x++`, `--x`, ... used as a value: a block that updates `x` and yields the old or new value.
    fn increment_expr(
        &mut self,
        target: &ast::Expr,
        op: ast::BinaryOp,
        post: bool,
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Expr {
        let old = self.lower_expr(target, ctx, scopes);
        if !old.ty.is_integer() {
            return self.poison(span, format!("++/-- needs an integer, not {}", old.ty));
        }
        let mut stmts = Vec::new();
        let tmp = scopes.temporary(old.ty.clone(), span);
        if post {
            stmts.push(Stmt::new(
                StmtKind::Assign {
                    var: tmp,
                    value: old.clone(),
                },
                span,
            ));
        }
        let one = ast::Expr {
            kind: ast::ExprKind::Int {
                value: 1,
                unit: None,
            },
            span,
        };
        self.lower_assign(target, Some(op), &one, span, ctx, scopes, &mut stmts);
        if !post {
            let new = self.lower_expr(target, ctx, scopes);
            stmts.push(Stmt::new(
                StmtKind::Assign {
                    var: tmp,
                    value: new,
                },
                span,
            ));
        }
        let value = Expr::new(ExprKind::Var(tmp), old.ty.clone(), span);
        Expr::new(
            ExprKind::Block {
                stmts,
                value: Box::new(value),
            },
            old.ty,
            span,
        )
    }

    /// A binary operator on two lowered operands.
    pub(crate) fn binary(&mut self, op: ast::BinaryOp, l: Expr, r: Expr, span: Span) -> Expr {
        use ast::BinaryOp as B;
        if matches!(op, B::LogAnd | B::LogOr) {
            let l = self.condition(l);
            let r = self.condition(r);
            let kind = ExprKind::Logical {
                and: op == B::LogAnd,
                lhs: Box::new(l),
                rhs: Box::new(r),
            };
            return Expr::new(kind, Type::Bool, span);
        }
        let ir_op = match op {
            B::Add => BinaryOp::Add,
            B::Sub => BinaryOp::Sub,
            B::Mul => BinaryOp::Mul,
            B::Div => BinaryOp::Div,
            B::Rem => BinaryOp::Mod,
            B::BitAnd => BinaryOp::BitAnd,
            B::BitOr => BinaryOp::BitOr,
            B::BitXor => BinaryOp::BitXor,
            B::Shl => BinaryOp::Shl,
            B::Shr => BinaryOp::Shr,
            B::Eq => BinaryOp::Eq,
            B::Ne => BinaryOp::Ne,
            B::Lt => BinaryOp::Lt,
            B::Le => BinaryOp::Le,
            B::Gt => BinaryOp::Gt,
            B::Ge => BinaryOp::Ge,
            B::LogAnd | B::LogOr => BinaryOp::Eq,
        };
        match (&l.ty, &r.ty) {
            (Type::Str { .. }, Type::Str { .. })
                if matches!(ir_op, BinaryOp::Eq | BinaryOp::Ne) =>
            {
                Expr::new(
                    ExprKind::Binary {
                        op: ir_op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    Type::Bool,
                    span,
                )
            }
            (Type::ProbeName, Type::ProbeName) if matches!(ir_op, BinaryOp::Eq | BinaryOp::Ne) => {
                Expr::new(
                    ExprKind::Binary {
                        op: ir_op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    Type::Bool,
                    span,
                )
            }
            (a, b) if a.is_integer() && b.is_integer() => {
                let ty = arithmetic_type(&l, &r);
                let (l, r) = (coerce(l, &ty), coerce(r, &ty));
                let result = if ir_op.is_comparison() {
                    Type::Bool
                } else {
                    ty
                };
                Expr::new(
                    ExprKind::Binary {
                        op: ir_op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    result,
                    span,
                )
            }
            (Type::Ptr { .. }, b)
                if b.is_integer() && matches!(ir_op, BinaryOp::Add | BinaryOp::Sub) =>
            {
                self.pointer_offset(l, r, ir_op == BinaryOp::Sub, span)
            }
            (a, Type::Ptr { .. }) if a.is_integer() && ir_op == BinaryOp::Add => {
                self.pointer_offset(r, l, false, span)
            }
            (Type::Ptr { .. }, b) | (b, Type::Ptr { .. })
                if b.is_integer() || matches!(b, Type::Ptr { .. }) =>
            {
                let (l, r) = (coerce(l, &Type::U64), coerce(r, &Type::U64));
                let result = if ir_op.is_comparison() {
                    Type::Bool
                } else {
                    Type::U64
                };
                Expr::new(
                    ExprKind::Binary {
                        op: ir_op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    result,
                    span,
                )
            }
            (a, b) => self.poison(
                span,
                format!("type mismatch for '{}': {a} and {b}", ir_op.symbol()),
            ),
        }
    }
}

/// Builtin names (for call syntax `pid()` and suggestions).
pub(crate) const BUILTINS: &[&str] = &[
    "pid",
    "tid",
    "uid",
    "gid",
    "nsecs",
    "elapsed",
    "cpu",
    "ncpus",
    "comm",
    "probe",
    "rand",
    "cgroup",
    "retval",
    "args",
    "func",
    "kstack",
    "ustack",
    "curtask",
    "ppid",
    "cpid",
    "jiffies",
    "usermode",
    "username",
    "numaid",
    "probetype",
];

/// A string constant expression.
pub fn string_literal(text: String, span: Span) -> Expr {
    let size = text.len() as u32 + 1;
    Expr::new(ExprKind::Str(text), Type::Str { size }, span)
}

/// The type both branches of a ternary can be converted to.
fn common_type(a: &Expr, b: &Expr) -> Option<Type> {
    match (&a.ty, &b.ty) {
        (x, y) if x.is_integer() && y.is_integer() => Some(arithmetic_type(a, b)),
        (x, y) => unify_stored(x, y).or_else(|| (x == y).then(|| x.clone())),
    }
}

/// Whether values of this type can be stored in maps and variables.
pub fn is_storable(t: &Type) -> bool {
    match t {
        Type::Void => false,
        Type::Tuple(items) => items.iter().all(is_storable),
        Type::Record(fields) => fields.iter().all(|(_, t)| is_storable(t)),
        _ => true,
    }
}

fn unary_symbol(op: ast::UnaryOp) -> &'static str {
    match op {
        ast::UnaryOp::Neg => "-",
        ast::UnaryOp::Not => "!",
        ast::UnaryOp::BitNot => "~",
        _ => "?",
    }
}
