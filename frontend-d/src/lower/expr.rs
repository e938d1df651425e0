//! Expressions: literals, builtins, macro variables, variables of every scope, operators with
//! C's conversions, assignments and increments used as values.

use super::types::{self, coerce, common_type, promote, INT};
use super::Lowerer;
use crate::ast;
use ir::{BinaryOp, Builtin, Expr, ExprKind, Span, Stmt, StmtKind, Type, UnaryOp};

/// A variable that can be read and assigned.
#[derive(Clone, Debug)]
pub(crate) enum Place {
    /// A global scalar: a scalar map.
    Global { map: ir::MapId, ty: Type },
    /// An associative array entry or a thread-local (keyed by the thread id, and keys).
    Keyed {
        map: ir::MapId,
        key: Box<Expr>,
        ty: Type,
    },
    /// A clause-local.
    Local { var: ir::VarId, ty: Type },
}

impl Place {
    /// The variable's type.
    pub fn ty(&self) -> &Type {
        match self {
            Place::Global { ty, .. } | Place::Keyed { ty, .. } | Place::Local { ty, .. } => ty,
        }
    }

    /// Reads the variable.
    pub fn read(&self, span: Span) -> Expr {
        match self {
            Place::Global { map, ty } => Expr::new(
                ExprKind::MapRead {
                    map: *map,
                    key: None,
                },
                ty.clone(),
                span,
            ),
            Place::Keyed { map, key, ty } => Expr::new(
                ExprKind::MapRead {
                    map: *map,
                    key: Some(key.clone()),
                },
                ty.clone(),
                span,
            ),
            Place::Local { var, ty } => Expr::new(ExprKind::Var(*var), ty.clone(), span),
        }
    }

    /// Writes `value` (already of the variable's type). Storing a constant zero into a dynamic
    /// variable (thread-local or associative array entry) deletes the entry, as in D.
    pub fn write(&self, value: Expr, span: Span) -> Stmt {
        match self {
            Place::Global { map, .. } => Stmt::new(
                StmtKind::MapStore {
                    map: *map,
                    key: None,
                    value,
                },
                span,
            ),
            Place::Keyed { map, key, .. } if matches!(value.kind, ExprKind::Int(0)) => Stmt::new(
                StmtKind::Expr(Expr::new(
                    ExprKind::MapDelete {
                        map: *map,
                        key: Some(key.clone()),
                    },
                    Type::Bool,
                    span,
                )),
                span,
            ),
            Place::Keyed { map, key, .. } => Stmt::new(
                StmtKind::MapStore {
                    map: *map,
                    key: Some((**key).clone()),
                    value,
                },
                span,
            ),
            Place::Local { var, .. } => Stmt::new(StmtKind::Assign { var: *var, value }, span),
        }
    }
}

/// The D builtin variables oxtrace knows, for "did you mean".
pub(crate) const BUILTINS: &[&str] = &[
    "NULL",
    "arg0",
    "arg1",
    "arg2",
    "arg3",
    "arg4",
    "arg5",
    "arg6",
    "arg7",
    "arg8",
    "arg9",
    "cpu",
    "curthread",
    "errno",
    "execname",
    "gid",
    "pid",
    "ppid",
    "probefunc",
    "probemod",
    "probename",
    "probeprov",
    "tid",
    "timestamp",
    "uid",
    "vtimestamp",
    "walltimestamp",
];

/// Builtins D has that oxtrace cannot provide yet.
const LATER_BUILTINS: &[&str] = &[
    "args",
    "caller",
    "ucaller",
    "curthread",
    "curpsinfo",
    "curlwpsinfo",
    "curcpu",
    "cwd",
    "root",
    "zonename",
    "projid",
    "taskid",
    "uregs",
    "stackdepth",
    "ustackdepth",
    "ipl",
    "ppid",
    "vtimestamp",
];

impl Lowerer<'_> {
    /// Lowers an expression used as a value. Reports errors and returns `None` on failure.
    /// A pointer becomes its address (a `uint64_t`); [`Self::expr_ptr`] keeps its type.
    pub(crate) fn expr(&mut self, e: &ast::Expr) -> Option<Expr> {
        let x = self.expr_ptr(e)?;
        Some(match x.ty {
            Type::Ptr { .. } => coerce(x, &Type::U64),
            _ => x,
        })
    }

    /// Lowers an expression, keeping pointer types (for `->`, `*`, `[ ]`, pointer arithmetic
    /// and variables that hold pointers).
    pub(crate) fn expr_ptr(&mut self, e: &ast::Expr) -> Option<Expr> {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Int(lit) => {
                let t = types::literal_type(lit);
                Some(Expr::new(ExprKind::Int(lit.value), Type::Int(t), span))
            }
            ast::ExprKind::Char(bytes) => {
                let v = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                Some(Expr::new(ExprKind::Int(v), INT, span))
            }
            ast::ExprKind::Str(b) => Some(self.string_constant(&b.0, span)),
            ast::ExprKind::Ident(name) => self.ident(name, span),
            ast::ExprKind::Macro { name, quoted } => self.macro_value(name, *quoted, span),
            ast::ExprKind::Agg(name) => {
                self.error(
                    span,
                    format!("aggregation @{name} may not be used in an expression"),
                );
                None
            }
            ast::ExprKind::SelfVar(_) | ast::ExprKind::ThisVar(_) => {
                let place = self.place_for_read(e)?;
                Some(place.read(span))
            }
            ast::ExprKind::Index { base, .. }
                if matches!(
                    base.kind,
                    ast::ExprKind::Ident(_) | ast::ExprKind::SelfVar(_)
                ) =>
            {
                let place = self.place_for_read(e)?;
                Some(place.read(span))
            }
            ast::ExprKind::Index { base, keys } => {
                if let ast::ExprKind::Agg(name) = &base.kind {
                    self.error(
                        span,
                        format!("aggregation @{name} may not be used in an expression"),
                    );
                    return None;
                }
                match keys.as_slice() {
                    [k] => {
                        let place = self.index_place(base, k, span)?;
                        Some(self.read_place(place))
                    }
                    _ => {
                        self.error(span, "operator [ ] takes one index on a pointer or array");
                        None
                    }
                }
            }
            ast::ExprKind::Unary { op, operand } => self.unary(*op, operand, span),
            ast::ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span),
            ast::ExprKind::Assign { op, target, value } => {
                let (stmts, place) = self.assign(*op, target, value, span)?;
                Some(block(stmts, place.read(span)))
            }
            ast::ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.condition(cond);
                let t = self.expr(then);
                let o = self.expr(otherwise);
                let (c, t, o) = (c?, t?, o?);
                let ty = match (&t.ty, &o.ty) {
                    (a, b) if a.is_integer() && b.is_integer() => common_type(a, b),
                    (Type::Str { size: a }, Type::Str { size: b }) => {
                        Type::Str { size: (*a).max(*b) }
                    }
                    (a, b) => {
                        self.error(
                            span,
                            format!(
                                "operator ?: operands must have compatible types: \"{}\" and \"{}\"",
                                types::d_name(a),
                                types::d_name(b)
                            ),
                        );
                        return None;
                    }
                };
                Some(Expr::new(
                    ExprKind::Ternary {
                        cond: Box::new(c),
                        then: Box::new(coerce(t, &ty)),
                        otherwise: Box::new(coerce(o, &ty)),
                    },
                    ty,
                    span,
                ))
            }
            ast::ExprKind::Cast { ty, expr } => {
                let target = self.type_name(ty)?;
                let x = self.expr_ptr(expr)?;
                let scalar = |t: &Type| t.is_integer() || matches!(t, Type::Ptr { .. });
                match (&target, &x.ty) {
                    (Type::Int(_), t) if t.is_integer() => Some(coerce(x, &target)),
                    (Type::Int(_) | Type::Ptr { .. }, t) if scalar(t) => {
                        // A pointer copyin() returned keeps pointing into user memory.
                        let target = match (target, &x.ty) {
                            (
                                Type::Ptr { pointee, .. },
                                Type::Ptr {
                                    space: ir::AddrSpace::User,
                                    ..
                                },
                            ) => Type::Ptr {
                                pointee,
                                space: ir::AddrSpace::User,
                            },
                            (t, _) => t,
                        };
                        Some(Expr::new(
                            ExprKind::Cast(Box::new(coerce(x, &Type::U64))),
                            target,
                            span,
                        ))
                    }
                    (Type::Str { .. }, Type::Str { .. }) => Some(coerce(x, &target)),
                    _ => {
                        self.error(
                            span,
                            format!(
                                "invalid cast expression: \"{}\" to \"{}\"",
                                types::d_name(&x.ty),
                                types::d_name(&target)
                            ),
                        );
                        None
                    }
                }
            }
            ast::ExprKind::SizeofType(t) => {
                let ty = self.type_name(t)?;
                let size = self.complete_size(ty, t.span)?;
                Some(Expr::new(ExprKind::Int(u64::from(size)), Type::U64, span))
            }
            ast::ExprKind::SizeofExpr(x) => {
                let x = self.expr(x)?;
                Some(Expr::new(
                    ExprKind::Int(u64::from(x.ty.size())),
                    Type::U64,
                    span,
                ))
            }
            ast::ExprKind::Call { func, args } if func.name == "copyin" => self.copyin(args, span),
            ast::ExprKind::Call { func, args } if func.name == "alloca" => self.alloca(args, span),
            ast::ExprKind::Call { func, args } if func.name == "speculation" => {
                self.speculation_expr(args, span)
            }
            ast::ExprKind::Call { func, args } => {
                if super::subr::is_subroutine(&func.name) {
                    return self.subroutine(func, args, span);
                }
                self.call_in_expression(func, span);
                None
            }
            ast::ExprKind::Stringof(x) => self.stringof(x, span),
            ast::ExprKind::Offsetof { ty, member } => self.offsetof(ty, member, span),
            ast::ExprKind::Xlate { .. } => self.xlate_value(span),
            ast::ExprKind::Member {
                base,
                member,
                arrow: true,
            } if matches!(&base.kind, ast::ExprKind::Ident(n) if n == "curpsinfo") => {
                self.curpsinfo_member(&member.name, span)
            }
            ast::ExprKind::Member {
                base,
                member,
                arrow,
            } => {
                if let Some(v) = self.translated_member(e) {
                    return v;
                }
                if let Some(var) = self.struct_var_member(e) {
                    if matches!(var.kind, ast::ExprKind::Int(_)) {
                        return None;
                    }
                    return self.expr_ptr(&var);
                }
                let place = self.member_place(base, member, *arrow, span)?;
                Some(self.read_place(place))
            }
            ast::ExprKind::SelfKw | ast::ExprKind::ThisKw => {
                self.error(
                    span,
                    "self and this must be followed by -> and a variable name",
                );
                None
            }
        }
    }

    /// A string literal: its bytes up to the first NUL, typed with room for them and the NUL.
    pub(crate) fn string_constant(&mut self, bytes: &[u8], span: Span) -> Expr {
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        let text = String::from_utf8_lossy(&bytes[..end]).into_owned();
        let size = text.len() as u32 + 1;
        Expr::new(ExprKind::Str(text), Type::Str { size }, span)
    }

    /// An expression used as a condition (predicate, `if`, `?:`, `&&`): an integer or boolean.
    pub(crate) fn condition(&mut self, e: &ast::Expr) -> Option<Expr> {
        let x = self.expr(e)?;
        if !x.ty.is_integer() {
            self.error(
                e.span,
                format!(
                    "a condition must be of scalar type, not \"{}\"",
                    types::d_name(&x.ty)
                ),
            );
            return None;
        }
        Some(x)
    }

    fn ident(&mut self, name: &str, span: Span) -> Option<Expr> {
        if let Some(b) = self.builtin(name, span) {
            return Some(b);
        }
        if let Some(def) = self.inlines.get(name).cloned() {
            if self.expanding.iter().any(|n| n == name) {
                self.error(span, format!("inline {name} is defined in terms of itself"));
                return None;
            }
            self.expanding.push(name.to_string());
            let v = self.expr(&def.value);
            self.expanding.pop();
            let mut v = coerce(v?, &def.ty);
            v.span = span;
            return Some(v);
        }
        if let Some(v) = self.enums.get(name).copied() {
            return Some(Expr::int(v, INT, span));
        }
        if let Some((map, info)) = self.vars.get(name) {
            if info.keys.is_some() {
                self.error(
                    span,
                    format!("associative array {name} must be indexed by keys"),
                );
                return None;
            }
            let ty = match &info.kind {
                ir::MapKind::Value(t) => t.clone(),
                _ => return None,
            };
            return Some(Place::Global { map, ty }.read(span));
        }
        if self.struct_vars.contains_key(name) {
            self.unsupported(
                span,
                format!("{name} as a whole (a struct variable is used through its members)"),
            );
            return None;
        }
        if let Some(decl) = self.vars.declared.get(name).cloned() {
            if decl.keys.is_none() {
                let map =
                    self.vars
                        .create(name, None, None, ir::MapKind::Value(decl.ty.clone()), span);
                return Some(Place::Global { map, ty: decl.ty }.read(span));
            }
        }
        if name.contains('`') {
            self.unsupported(span, format!("the kernel symbol {name}"));
            return None;
        }
        if LATER_BUILTINS.contains(&name) {
            self.unsupported(span, format!("the builtin variable {name}"));
            return None;
        }
        self.error(
            span,
            format!("failed to resolve {name}: Unknown variable name"),
        );
        None
    }

    /// A builtin variable, or `None` when `name` is not one oxtrace provides.
    fn builtin(&mut self, name: &str, span: Span) -> Option<Expr> {
        let b = |b: Builtin, ty: Type| Expr::new(ExprKind::Builtin(b), ty, span);
        let s = |l: &mut Lowerer, text: &str| l.string_constant(text.as_bytes(), span);
        Some(match name {
            "pid" => coerce(b(Builtin::Pid, Type::U32), &INT),
            "tid" => coerce(b(Builtin::Tid, Type::U32), &INT),
            "uid" => b(Builtin::Uid, Type::U32),
            "gid" => b(Builtin::Gid, Type::U32),
            "cpu" => coerce(b(Builtin::Cpu, Type::U32), &INT),
            "execname" => b(Builtin::Comm, Type::Str { size: 16 }),
            "timestamp" => b(Builtin::Nsecs, Type::U64),
            "walltimestamp" => b(Builtin::Walltimestamp, Type::I64),
            "curthread" => self.curthread_typed(span),
            // After an error (recorded) a zero stands in.
            "ppid" => self.ppid(span).unwrap_or_else(|| Expr::int(0, INT, span)),
            "vtimestamp" => self
                .vtimestamp(span)
                .unwrap_or_else(|| Expr::int(0, Type::U64, span)),
            "errno" => Expr::int(0, INT, span),
            "NULL" => Expr::int(0, INT, span),
            "epid" | "id" => self.clause_id_builtin(name, span),
            "probeprov" => {
                let t = self.ctx.prov.clone();
                s(self, &t)
            }
            "probemod" => {
                let t = self.ctx.module.clone();
                s(self, &t)
            }
            "probefunc" => {
                let t = self.ctx.func.clone();
                s(self, &t)
            }
            "probename" => {
                let t = self.ctx.name.clone();
                s(self, &t)
            }
            _ => {
                let n: u8 = name.strip_prefix("arg")?.parse().ok()?;
                if n > 9 {
                    return None;
                }
                return Some(self.probe_arg(n, span));
            }
        })
    }

    /// `argN`: in profile and tick probes `arg0` is the kernel PC (0 in user mode) and `arg1` the
    /// user PC (0 in kernel mode); elsewhere in this probes arguments are 0.
    fn probe_arg(&mut self, n: u8, span: Span) -> Expr {
        if self.ctx.error {
            return self.error_probe_arg(n, span);
        }
        if !self.ctx.perf || n > 1 {
            return Expr::int(0, Type::I64, span);
        }
        let ip_offset = ir::abi::pt_regs_offset("ip").unwrap_or(128);
        let pc = Expr::new(
            ExprKind::Call {
                func: ir::Function::Reg,
                args: vec![Expr::int(i64::from(ip_offset), Type::U64, span)],
            },
            Type::U64,
            span,
        );
        let pc = coerce(pc, &Type::I64);
        let user = Expr::new(
            ExprKind::Builtin(Builtin::Usermode),
            Type::int(8, false),
            span,
        );
        let zero = Expr::int(0, Type::I64, span);
        let (then, otherwise) = if n == 0 { (zero, pc) } else { (pc, zero) };
        Expr::new(
            ExprKind::Ternary {
                cond: Box::new(user),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            Type::I64,
            span,
        )
    }

    /// The text of macro variable `$name` (`1`, `target`, `pid`), or `None` when undefined.
    pub(crate) fn macro_text(&self, name: &str) -> Option<String> {
        let p = &self.options.process;
        let v = match name {
            "target" => i64::from(self.options.target.unwrap_or(0)),
            "pid" => p.pid,
            "ppid" => p.ppid,
            "uid" => p.uid,
            "gid" => p.gid,
            "sid" => p.sid,
            "pgid" => p.pgid,
            "projid" | "taskid" => 0,
            _ => {
                let n: usize = name.parse().ok()?;
                if n == 0 {
                    return Some("dtrace".into());
                }
                return match self.options.macro_args.get(n - 1) {
                    Some(a) => Some(a.clone()),
                    None if self.defaultargs() => Some(String::new()),
                    None => None,
                };
            }
        };
        Some(v.to_string())
    }

    fn defaultargs(&self) -> bool {
        self.dopts.other.iter().any(|(n, _)| n == "defaultargs")
    }

    fn macro_value(&mut self, name: &str, quoted: bool, span: Span) -> Option<Expr> {
        let Some(text) = self.macro_text(name) else {
            let sigil = if quoted { "$$" } else { "$" };
            self.error(span, format!("macro argument {sigil}{name} is not defined"));
            return None;
        };
        if quoted {
            return Some(self.string_constant(text.as_bytes(), span));
        }
        if text.is_empty() {
            return Some(Expr::int(0, INT, span));
        }
        match parse_integer(&text) {
            Some(v) => Some(Expr::int(v, Type::Int(types::constant_type(v)), span)),
            None => {
                // DTrace substitutes the text, so a word becomes an identifier.
                if text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    self.ident(&text, span)
                } else {
                    self.error(
                        span,
                        format!(
                            "macro argument ${name} is not an integer: use $${name} for a string"
                        ),
                    );
                    None
                }
            }
        }
    }

    fn unary(&mut self, op: ast::UnaryOp, operand: &ast::Expr, span: Span) -> Option<Expr> {
        use ast::UnaryOp as U;
        match op {
            U::PreInc | U::PreDec | U::PostInc | U::PostDec => {
                let (stmts, value) = self.increment(op, operand, span)?;
                Some(block(stmts, value))
            }
            U::Deref => {
                let place = self.deref_place(operand, span)?;
                Some(self.read_place(place))
            }
            U::AddrOf => self.address_of(operand, span),
            U::Not => {
                let x = self.condition(operand)?;
                Some(Expr::new(
                    ExprKind::Unary {
                        op: UnaryOp::Not,
                        operand: Box::new(x),
                    },
                    Type::Bool,
                    span,
                ))
            }
            U::Neg | U::BitNot | U::Plus => {
                let x = self.integer(operand, op_name_unary(op))?;
                let ty = promote(&x.ty);
                let x = coerce(x, &ty);
                if op == U::Plus {
                    return Some(x);
                }
                let op = if op == U::Neg {
                    UnaryOp::Neg
                } else {
                    UnaryOp::BitNot
                };
                Some(Expr::new(
                    ExprKind::Unary {
                        op,
                        operand: Box::new(x),
                    },
                    ty,
                    span,
                ))
            }
        }
    }

    /// An operand that must be an integer.
    fn integer(&mut self, e: &ast::Expr, op: &str) -> Option<Expr> {
        let x = self.expr(e)?;
        if !x.ty.is_integer() {
            self.error(
                e.span,
                format!(
                    "operator {op} requires an operand of integral type, not \"{}\"",
                    types::d_name(&x.ty)
                ),
            );
            return None;
        }
        Some(x)
    }

    fn binary(
        &mut self,
        op: ast::BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
    ) -> Option<Expr> {
        use ast::BinaryOp as B;
        match op {
            B::Comma => {
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                let (l, r) = (l?, r?);
                Some(block(vec![Stmt::new(StmtKind::Expr(l), lhs.span)], r))
            }
            B::LogAnd | B::LogOr => {
                let l = self.condition(lhs);
                let r = self.condition(rhs);
                Some(Expr::new(
                    ExprKind::Logical {
                        and: op == B::LogAnd,
                        lhs: Box::new(l?),
                        rhs: Box::new(r?),
                    },
                    Type::Bool,
                    span,
                ))
            }
            B::LogXor => {
                let l = self.condition(lhs);
                let r = self.condition(rhs);
                let truth = |x: Expr| {
                    let s = x.span;
                    let t = x.ty.clone();
                    let zero = coerce(Expr::int(0, INT, s), &t);
                    Expr::new(
                        ExprKind::Binary {
                            op: BinaryOp::Ne,
                            lhs: Box::new(x),
                            rhs: Box::new(zero),
                        },
                        Type::Bool,
                        s,
                    )
                };
                let (l, r) = (coerce(truth(l?), &INT), coerce(truth(r?), &INT));
                Some(Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Ne,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    Type::Bool,
                    span,
                ))
            }
            B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge => {
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                let (l, r) = (l?, r?);
                let irop = match op {
                    B::Eq => BinaryOp::Eq,
                    B::Ne => BinaryOp::Ne,
                    B::Lt => BinaryOp::Lt,
                    B::Le => BinaryOp::Le,
                    B::Gt => BinaryOp::Gt,
                    _ => BinaryOp::Ge,
                };
                let (l, r) = match (&l.ty, &r.ty) {
                    (a, b) if a.is_integer() && b.is_integer() => {
                        let t = common_type(a, b);
                        (coerce(l, &t), coerce(r, &t))
                    }
                    (Type::Str { .. }, Type::Str { .. }) => (l, r),
                    (a, b) => {
                        self.error(
                            span,
                            format!(
                                "operator {} operands have incompatible types: \"{}\" {} \"{}\"",
                                irop.symbol(),
                                types::d_name(a),
                                irop.symbol(),
                                types::d_name(b)
                            ),
                        );
                        return None;
                    }
                };
                Some(Expr::new(
                    ExprKind::Binary {
                        op: irop,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    Type::Bool,
                    span,
                ))
            }
            B::Add | B::Sub => {
                let outer = self.fx.div_height.take();
                let l = self.expr_ptr(lhs);
                let r = self.expr_ptr(rhs);
                let (l, r) = (l?, r?);
                let (l, r) = match self.pointer_arith(op == B::Sub, l, r, span) {
                    Ok(done) => return done,
                    Err(operands) => *operands,
                };
                let irop = arith_op(op)?;
                for x in [&l, &r] {
                    if !x.ty.is_integer() {
                        self.error(
                            x.span,
                            format!(
                                "operator {} requires an operand of integral type, not \"{}\"",
                                irop.symbol(),
                                types::d_name(&x.ty)
                            ),
                        );
                        return None;
                    }
                }
                Some(self.checked_arith(irop, l, r, span, outer))
            }
            _ => {
                let irop = arith_op(op)?;
                let outer = self.fx.div_height.take();
                let l = self.integer(lhs, irop.symbol());
                let r = self.integer(rhs, irop.symbol());
                Some(self.checked_arith(irop, l?, r?, span, outer))
            }
        }
    }

    /// `++x`, `x--`, ...: the statements that update the variable and the expression's value.
    pub(crate) fn increment(
        &mut self,
        op: ast::UnaryOp,
        target: &ast::Expr,
        span: Span,
    ) -> Option<(Vec<Stmt>, Expr)> {
        let one = ast::Expr {
            kind: ast::ExprKind::Int(ast::IntLit {
                value: 1,
                radix: 10,
                suffix: String::new(),
            }),
            span,
        };
        let bop = if matches!(op, ast::UnaryOp::PreInc | ast::UnaryOp::PostInc) {
            ast::BinaryOp::Add
        } else {
            ast::BinaryOp::Sub
        };
        let post = matches!(op, ast::UnaryOp::PostInc | ast::UnaryOp::PostDec);
        if !post {
            let (stmts, place) = self.assign(Some(bop), target, &one, span)?;
            return Some((stmts, place.read(span)));
        }
        // x++: remember the old value in a temporary, then update.
        let place = self.place_for_write(target, Some(&INT))?;
        let old = place.read(span);
        let tmp = self.scope.create(".old", old.ty.clone(), span);
        let mut stmts = vec![Stmt::new(
            StmtKind::Assign {
                var: tmp,
                value: old,
            },
            span,
        )];
        let cur = Expr::new(ExprKind::Var(tmp), place.ty().clone(), span);
        let irop = if bop == ast::BinaryOp::Add {
            BinaryOp::Add
        } else {
            BinaryOp::Sub
        };
        let new = arith(irop, cur.clone(), Expr::int(1, INT, span), span);
        stmts.push(self.store(&place, new, span)?);
        Some((stmts, cur))
    }

    /// `target = value` or `target op= value`: the statements and the place written.
    pub(crate) fn assign(
        &mut self,
        op: Option<ast::BinaryOp>,
        target: &ast::Expr,
        value: &ast::Expr,
        span: Span,
    ) -> Option<(Vec<Stmt>, Place)> {
        let mut stmts = Vec::new();
        let outer = op.and_then(|_| self.fx.div_height.take());
        let translated = if op.is_none() {
            self.translated_pointer(target, value)
        } else {
            None
        };
        let v = match translated {
            Some(x) => x?,
            None if op.is_none() => self.expr_ptr(value)?,
            None => self.expr(value)?,
        };
        let place = self.place_for_write(target, Some(&v.ty))?;
        let new = match op {
            None => v,
            Some(bop) => {
                let irop = arith_op(bop)?;
                if !place.ty().is_integer() || !v.ty.is_integer() {
                    self.error(
                        span,
                        format!(
                            "operator {}= requires operands of integral type",
                            irop.symbol()
                        ),
                    );
                    return None;
                }
                self.checked_arith(irop, place.read(target.span), v, span, outer)
            }
        };
        stmts.push(self.store(&place, new, span)?);
        Some((stmts, place))
    }

    /// The store of `value` into `place`, converted to the variable's type.
    fn store(&mut self, place: &Place, value: Expr, span: Span) -> Option<Stmt> {
        let ty = place.ty().clone();
        let ok = (ty.is_integer() && value.ty.is_integer())
            || (matches!(ty, Type::Str { .. }) && matches!(value.ty, Type::Str { .. }));
        if let (Type::Ptr { .. }, Type::Ptr { .. } | Type::Int(_)) = (&ty, &value.ty) {
            let value = Expr::new(
                ExprKind::Cast(Box::new(coerce(value, &Type::U64))),
                ty,
                span,
            );
            return Some(place.write(value, span));
        }
        if let (Type::Int(_), Type::Ptr { .. }) = (&ty, &value.ty) {
            return Some(place.write(coerce(coerce(value, &Type::U64), &ty), span));
        }
        if !ok {
            self.error(
                span,
                format!(
                    "operator = operands have incompatible types: \"{}\" = \"{}\"",
                    types::d_name(&ty),
                    types::d_name(&value.ty)
                ),
            );
            return None;
        }
        Some(place.write(coerce(value, &ty), span))
    }

    /// The type a new variable gets from its first assigned value: integers keep their
    /// (promoted) type, strings become D's `string`.
    pub(crate) fn stored_type(&self, t: &Type) -> Type {
        match t {
            Type::Str { .. } => Type::Str {
                size: self.strsize(),
            },
            Type::Bool => INT,
            other => promote(other),
        }
    }

    /// Resolves a variable to read; unknown variables are errors.
    pub(crate) fn place_for_read(&mut self, e: &ast::Expr) -> Option<Place> {
        self.place(e, None)
    }

    /// Resolves a variable to write, creating it (with `value`'s type) on first assignment.
    pub(crate) fn place_for_write(&mut self, e: &ast::Expr, value: Option<&Type>) -> Option<Place> {
        let v = value.cloned().unwrap_or(INT);
        self.place(e, Some(v))
    }

    fn place(&mut self, e: &ast::Expr, create: Option<Type>) -> Option<Place> {
        let span = e.span;
        if let Some(full) = self.is_struct_var(e) {
            self.unsupported(
                span,
                format!("{full} as a whole (a struct variable is used through its members)"),
            );
            return None;
        }
        if let ast::ExprKind::Member { .. } = &e.kind {
            let var = self.struct_var_member(e);
            return match var {
                Some(v) if !matches!(v.kind, ast::ExprKind::Int(_)) => self.place(&v, create),
                Some(_) => None,
                None => {
                    self.error(span, "operator = requires a writable variable on its left");
                    None
                }
            };
        }
        match &e.kind {
            ast::ExprKind::Ident(name) => {
                let constant = BUILTINS.contains(&name.as_str())
                    || self.inlines.contains_key(name)
                    || self.enums.contains_key(name);
                if constant && create.is_some() {
                    self.error(span, format!("{name} is not a writable variable"));
                    return None;
                }
                self.keyed_or_scalar(name.clone(), None, create, span)
            }
            ast::ExprKind::ThisVar(id) => {
                let name = format!("this->{}", id.name);
                if let Some((var, ty)) = self.scope.get(&name) {
                    return Some(Place::Local { var, ty });
                }
                let ty = match (self.vars.declared.get(&name), create) {
                    (Some(d), _) => d.ty.clone(),
                    (None, Some(t)) => self.stored_type(&t),
                    (None, None) => {
                        self.error(
                            span,
                            format!("failed to resolve {name}: Unknown variable name"),
                        );
                        return None;
                    }
                };
                let var = self.scope.create(&name, ty.clone(), span);
                Some(Place::Local { var, ty })
            }
            ast::ExprKind::SelfVar(id) => {
                self.keyed_or_scalar(format!("self->{}", id.name), Some(vec![]), create, span)
            }
            ast::ExprKind::Index { base, keys } => {
                let mut key_exprs = Vec::new();
                for k in keys {
                    key_exprs.push(self.expr(k));
                }
                let key_exprs: Vec<Expr> = key_exprs.into_iter().collect::<Option<_>>()?;
                match &base.kind {
                    ast::ExprKind::Ident(name) => {
                        self.keyed_or_scalar(name.clone(), Some(key_exprs), create, span)
                    }
                    ast::ExprKind::SelfVar(id) => self.keyed_or_scalar(
                        format!("self->{}", id.name),
                        Some(key_exprs),
                        create,
                        span,
                    ),
                    _ => {
                        self.unsupported(span, "indexing this kind of expression");
                        None
                    }
                }
            }
            _ => {
                self.error(span, "operator = requires a writable variable on its left");
                None
            }
        }
    }

    /// A global (`keys: None`), an associative array entry, or a thread-local (`self->` names,
    /// keyed by the thread id and `keys`).
    fn keyed_or_scalar(
        &mut self,
        name: String,
        keys: Option<Vec<Expr>>,
        create: Option<Type>,
        span: Span,
    ) -> Option<Place> {
        let thread = name.starts_with("self->");
        let user_keys: Option<Vec<Expr>> = match (thread, keys) {
            (true, Some(k)) if k.is_empty() => None,
            (_, k) => k,
        };
        let key_types: Option<Vec<Type>> = user_keys
            .as_ref()
            .map(|ks| ks.iter().map(|k| self.stored_type(&k.ty)).collect());
        let existing = self.vars.get(&name).map(|(id, m)| (id, m.clone()));
        let (map, info) = match existing {
            Some(x) => x,
            None => {
                let declared = self.vars.declared.get(&name).cloned();
                let (ty, decl_keys) = match (declared, &create) {
                    (Some(d), _) => (d.ty, d.keys.or(key_types.clone())),
                    (None, Some(t)) => (self.stored_type(t), key_types.clone()),
                    (None, None) => {
                        self.error(
                            span,
                            format!("failed to resolve {name}: Unknown variable name"),
                        );
                        return None;
                    }
                };
                let ir_key = ir_key_type(thread, decl_keys.as_deref());
                let id = self
                    .vars
                    .create(&name, ir_key, decl_keys, ir::MapKind::Value(ty), span);
                let info = self.vars.maps[id.0 as usize].clone();
                (id, info)
            }
        };
        let ty = match &info.kind {
            ir::MapKind::Value(t) => t.clone(),
            _ => return None,
        };
        match (&info.keys, user_keys) {
            (None, None) if !thread => Some(Place::Global { map, ty }),
            (None, None) => {
                let key = tid_expr(span);
                Some(Place::Keyed {
                    map,
                    key: Box::new(key),
                    ty,
                })
            }
            (Some(want), Some(got)) if want.len() == got.len() => {
                let mut items = Vec::new();
                for (k, t) in got.into_iter().zip(want) {
                    let compatible = (k.ty.is_integer() && t.is_integer())
                        || (matches!(k.ty, Type::Str { .. }) && matches!(t, Type::Str { .. }));
                    if !compatible {
                        self.error(
                            k.span,
                            format!(
                                "{name}[ ] key has type \"{}\" but \"{}\" was used before",
                                types::d_name(&k.ty),
                                types::d_name(t)
                            ),
                        );
                        return None;
                    }
                    items.push(coerce(k, t));
                }
                if thread {
                    items.insert(0, tid_expr(span));
                }
                let key = if items.len() == 1 {
                    items.remove(0)
                } else {
                    let t = Type::Tuple(items.iter().map(|i| i.ty.clone()).collect());
                    Expr::new(ExprKind::Tuple(items), t, span)
                };
                Some(Place::Keyed {
                    map,
                    key: Box::new(key),
                    ty,
                })
            }
            (Some(want), Some(got)) => {
                self.error(
                    span,
                    format!(
                        "{name}[ ] takes {} keys, but {} were given",
                        want.len(),
                        got.len()
                    ),
                );
                None
            }
            (Some(_), None) => {
                self.error(
                    span,
                    format!("associative array {name} must be indexed by keys"),
                );
                None
            }
            (None, Some(_)) => {
                self.error(span, format!("{name} is a scalar and cannot be indexed"));
                None
            }
        }
    }

    /// A type name in a cast or `sizeof`: integer types and `string`.
    pub(crate) fn type_name(&mut self, t: &ast::TypeName) -> Option<Type> {
        self.declared_type(&t.specs, &t.declarator)
    }

    /// The type of declaration specifiers.
    pub(crate) fn spec_type(&mut self, specs: &ast::DeclSpecs) -> Option<Type> {
        match &specs.ty {
            ast::TypeSpec::Words(words) => {
                let names: Vec<&str> = words.iter().map(|w| w.name.as_str()).collect();
                if names == ["string"] {
                    return Some(Type::Str {
                        size: self.strsize(),
                    });
                }
                if let [one] = names.as_slice() {
                    if let Some(t) = self.typedefs.get(*one) {
                        return Some(t.clone());
                    }
                }
                if let Some(t) = types::integer_type(&names) {
                    return Some(Type::Int(t));
                }
                if names.is_empty() {
                    return Some(Type::I64);
                }
                if let [one] = names.as_slice() {
                    if let Ok(Some(t)) = self.options.types.typedef(one) {
                        return Some(t);
                    }
                }
                self.unsupported(specs.span, format!("the type {}", names.join(" ")));
                None
            }
            ast::TypeSpec::Enum(_) => Some(INT),
            ast::TypeSpec::Aggregate(a) => self.aggregate_spec(a),
        }
    }

    fn call_in_expression(&mut self, func: &ast::Ident, span: Span) {
        if super::calls::is_known_function(&func.name) {
            self.error(
                span,
                format!("{}( ) may not be used in an expression", func.name),
            );
        } else if super::calls::is_later_function(&func.name) {
            self.unsupported(span, format!("{}()", func.name));
        } else {
            self.error(
                span,
                format!("failed to resolve {}: Unknown function name", func.name),
            );
        }
    }
}

/// The IR key type of a map: the thread id for thread-locals, then the D keys (a tuple when
/// there are several).
fn ir_key_type(thread: bool, keys: Option<&[Type]>) -> Option<Type> {
    let mut items: Vec<Type> = Vec::new();
    if thread {
        items.push(Type::U32);
    }
    if let Some(ks) = keys {
        items.extend(ks.iter().cloned());
    }
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Type::Tuple(items)),
    }
}

/// The thread id, the first key of every thread-local.
fn tid_expr(span: Span) -> Expr {
    Expr::new(ExprKind::Builtin(Builtin::Tid), Type::U32, span)
}

/// Statements followed by a value; just the value when there are no statements.
pub(crate) fn block(stmts: Vec<Stmt>, value: Expr) -> Expr {
    if stmts.is_empty() {
        return value;
    }
    let ty = value.ty.clone();
    let span = value.span;
    Expr::new(
        ExprKind::Block {
            stmts,
            value: Box::new(value),
        },
        ty,
        span,
    )
}

/// An arithmetic or bitwise operation with C's conversions (shifts take the promoted left type).
pub(crate) fn arith(op: BinaryOp, l: Expr, r: Expr, span: Span) -> Expr {
    let ty = if matches!(op, BinaryOp::Shl | BinaryOp::Shr) {
        promote(&l.ty)
    } else {
        common_type(&l.ty, &r.ty)
    };
    Expr::new(
        ExprKind::Binary {
            op,
            lhs: Box::new(coerce(l, &ty)),
            rhs: Box::new(coerce(r, &ty)),
        },
        ty,
        span,
    )
}

fn arith_op(op: ast::BinaryOp) -> Option<BinaryOp> {
    use ast::BinaryOp as B;
    Some(match op {
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
        _ => return None,
    })
}

fn op_name_unary(op: ast::UnaryOp) -> &'static str {
    match op {
        ast::UnaryOp::Neg => "-",
        ast::UnaryOp::Plus => "+",
        _ => "~",
    }
}

/// A D integer as macro arguments give it: decimal, `0x` hex, `0` octal, optionally negative.
pub(crate) fn parse_integer(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        u64::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse::<u64>().ok()?
    };
    let v = v as i64;
    Some(if neg { v.wrapping_neg() } else { v })
}
