//! Clauses, declarations and statements.

use super::types;
use super::vars::{ClauseScope, Declared};
use super::{InlineDef, Lowerer};
use crate::ast;
use ir::{Action, ActionKind, AttachSite, Builtin, Expr, ExprKind, Stmt, StmtKind, Type};
use std::sync::Arc;

impl Lowerer<'_> {
    /// Lowers a clause: one IR probe per probe description.
    pub(crate) fn lower_clause(&mut self, clause: &ast::Clause) -> Vec<ir::Probe> {
        let mut probes = Vec::new();
        let resolved: Vec<_> = clause
            .descs
            .iter()
            .flat_map(|desc| {
                self.resolve_desc(desc)
                    .into_iter()
                    .map(move |r| (desc, r))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (desc, resolved) in resolved {
            self.ctx = resolved.ctx;
            self.scope = ClauseScope::default();
            self.begin_clause_faults();
            let full = format!(
                "{}:{}:{}:{}",
                self.ctx.prov, self.ctx.module, self.ctx.func, self.ctx.name
            );
            let probe_name = self.probe_name(full.clone());
            let mut predicate = clause.predicate.as_ref().and_then(|p| self.condition(p));
            let mut body = Vec::new();
            if self.fx.checks > 0 {
                // A predicate that can fault is tested in the body, after its checks.
                if let Some(p) = predicate.take() {
                    self.checked_predicate(p, &mut body);
                }
            }
            let quiet = self.dopts.quiet && !self.records_always;
            // flowindent prints each record's probe column even when quiet.
            if !quiet || self.dopts.flowindent {
                let id = self.probe_id(&full);
                let func_name = format!("{}:{}", self.ctx.func, self.ctx.name);
                let action = self.add_action(Action {
                    kind: ActionKind::RecordStart {
                        probe_id: id,
                        func_name,
                    },
                    args: vec![Type::U32],
                    span: desc.span,
                });
                let cpu = Expr::new(ExprKind::Builtin(Builtin::Cpu), Type::U32, desc.span);
                body.push(Stmt::new(
                    StmtKind::Emit {
                        action,
                        args: vec![cpu],
                    },
                    desc.span,
                ));
            }
            if let Some(b) = &clause.body {
                // DTrace numbers a clause's actions from 1 (0 is the predicate) for ERROR.
                for (i, st) in b.stmts.iter().enumerate() {
                    self.fx.action = i as u32 + 1;
                    let checks = self.fx.checks;
                    let from = body.len();
                    self.stmt(st, &mut body);
                    self.check_clause_order(&body[from..], st.span);
                    if self.fx.checks > checks {
                        let exit = self.fault_exit(st.span);
                        body.push(exit);
                    }
                }
            }
            if !quiet {
                let action = self.add_action(Action {
                    kind: ActionKind::RecordEnd,
                    args: vec![],
                    span: desc.span,
                });
                body.push(Stmt::new(
                    StmtKind::Emit {
                        action,
                        args: vec![],
                    },
                    desc.span,
                ));
            }
            self.finish_clause_faults(&mut body, desc.span);
            let scope = std::mem::take(&mut self.scope);
            probes.push(ir::Probe {
                attach: vec![AttachSite {
                    point: resolved.point,
                    probe_name,
                    span: desc.span,
                }],
                predicate,
                body,
                vars: scope.vars,
                span: clause.span,
            });
        }
        probes
    }

    /// Lowers statements, appending to `out`.
    pub(crate) fn block(&mut self, stmts: &[ast::Stmt], out: &mut Vec<Stmt>) {
        for s in stmts {
            self.stmt(s, out);
        }
    }

    fn stmt(&mut self, s: &ast::Stmt, out: &mut Vec<Stmt>) {
        self.scope.free_temps();
        match &s.kind {
            ast::StmtKind::Empty => {}
            ast::StmtKind::Block(b) => self.block(&b.stmts, out),
            ast::StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.condition(cond);
                let mut t = Vec::new();
                self.stmt(then, &mut t);
                let mut o = Vec::new();
                if let Some(e) = otherwise {
                    self.stmt(e, &mut o);
                }
                if let Some(c) = c {
                    out.push(Stmt::new(
                        StmtKind::If {
                            cond: c,
                            then: t,
                            otherwise: o,
                        },
                        s.span,
                    ));
                }
            }
            ast::StmtKind::Expr(e) => self.expr_stmt(e, out),
        }
    }

    /// An expression statement: assignments, increments, actions and aggregations become
    /// statements directly; other expressions are evaluated for their side effects.
    fn expr_stmt(&mut self, e: &ast::Expr, out: &mut Vec<Stmt>) {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Assign { op, target, value } if is_aggregation(target) => {
                if op.is_some() {
                    self.error(
                        span,
                        "operator = is the only assignment allowed for aggregations",
                    );
                    return;
                }
                self.aggregate(target, value, span, out);
            }
            ast::ExprKind::Assign { op, target, value } => {
                if let Some((stmts, _)) = self.assign(*op, target, value, span) {
                    out.extend(stmts);
                }
            }
            ast::ExprKind::Unary { op, operand }
                if matches!(
                    op,
                    ast::UnaryOp::PreInc
                        | ast::UnaryOp::PreDec
                        | ast::UnaryOp::PostInc
                        | ast::UnaryOp::PostDec
                ) =>
            {
                // The value is unused, so x++ is ++x.
                let pre = if matches!(op, ast::UnaryOp::PostInc | ast::UnaryOp::PreInc) {
                    ast::UnaryOp::PreInc
                } else {
                    ast::UnaryOp::PreDec
                };
                if let Some((stmts, _)) = self.increment(pre, operand, span) {
                    out.extend(stmts);
                }
            }
            ast::ExprKind::Call { func, args } => self.call_stmt(func, args, span, out),
            ast::ExprKind::Binary {
                op: ast::BinaryOp::Comma,
                lhs,
                rhs,
            } => {
                self.expr_stmt(lhs, out);
                self.expr_stmt(rhs, out);
            }
            _ => {
                if let Some(x) = self.expr(e) {
                    out.push(Stmt::new(StmtKind::Expr(x), span));
                }
            }
        }
    }

    /// `int x;`, `self int depth;`, `this string s;`, `int a[int, string];`, `typedef`,
    /// `enum { ... }`.
    pub(crate) fn lower_decl(&mut self, d: &ast::Decl) {
        if let ast::TypeSpec::Enum(en) = &d.specs.ty {
            self.lower_enum(en);
        }
        if d.is_typedef() {
            let Some(base) = self.base_type(&d.specs) else {
                return;
            };
            for decl in &d.declarators {
                let Some(name) = &decl.name else { continue };
                if let Some(t) = self.apply_declarator(&d.specs, base.clone(), decl) {
                    self.typedefs.insert(name.name.clone(), t);
                }
            }
            return;
        }
        if d.declarators.is_empty() {
            if let ast::TypeSpec::Aggregate(_) = d.specs.ty {
                // `struct foo { ... };` defines the type, `struct foo;` declares it.
                self.forward_decl = true;
                self.spec_type(&d.specs);
                self.forward_decl = false;
            }
            return;
        }
        let storage: Option<&str> = d.specs.storage.first().map(|s| s.name.as_str());
        let prefix = match storage {
            Some("self") => "self->",
            Some("this") => "this->",
            Some("extern" | "static" | "register" | "auto") | None => "",
            Some(other) => {
                self.unsupported(d.span, format!("the storage class {other}"));
                return;
            }
        };
        let Some(base) = self.base_type(&d.specs) else {
            return;
        };
        for decl in &d.declarators {
            let Some(name) = &decl.name else { continue };
            let scalar_decl = ast::Declarator {
                suffixes: Vec::new(),
                ..decl.clone()
            };
            let Some(ty) = self.apply_declarator(&d.specs, base.clone(), &scalar_decl) else {
                continue;
            };
            if let Type::Struct(st) = &ty {
                if !decl.suffixes.is_empty() {
                    self.unsupported(decl.span, "an array or associative array of structs");
                    continue;
                }
                let full = format!("{prefix}{}", name.name);
                if self.struct_vars.contains_key(&full) || self.vars.get(&full).is_some() {
                    self.error(decl.span, format!("identifier redeclared: {}", name.name));
                    continue;
                }
                let st = Arc::clone(st);
                self.declare_struct_var(&full, &st);
                continue;
            }
            let mut keys = None;
            match decl.suffixes.as_slice() {
                [] => {}
                [ast::DeclSuffix::Assoc(types)] => {
                    let mut ks = Vec::new();
                    for t in types {
                        match self.type_name(t) {
                            Some(k) => ks.push(k),
                            None => break,
                        }
                    }
                    if ks.len() != types.len() {
                        continue;
                    }
                    keys = Some(ks);
                }
                _ => {
                    self.unsupported(decl.span, "an array variable");
                    continue;
                }
            }
            let full = format!("{prefix}{}", name.name);
            if self.vars.declared.contains_key(&full) || self.vars.get(&full).is_some() {
                self.error(decl.span, format!("identifier redeclared: {}", name.name));
                continue;
            }
            self.vars.declared.insert(full, Declared { ty, keys });
        }
    }

    fn lower_enum(&mut self, en: &ast::EnumType) {
        let Some(list) = &en.enumerators else { return };
        let mut next: i64 = 0;
        for item in list {
            if let Some(v) = &item.value {
                match self.constant(v) {
                    Some(n) => next = n,
                    None => {
                        self.error(v.span, "an enumerator's value must be an integer constant");
                        continue;
                    }
                }
            }
            self.enums.insert(item.name.name.clone(), next);
            next = next.wrapping_add(1);
        }
    }

    /// `inline type name = value;`: checked now, substituted where used.
    pub(crate) fn lower_inline(&mut self, i: &ast::Inline) {
        let Some(name) = &i.declarator.name else {
            return;
        };
        let Some(ty) = self.spec_type(&i.specs) else {
            return;
        };
        if let Some(v) = self.expr(&i.value) {
            let ok = (ty.is_integer() && v.ty.is_integer())
                || (matches!(ty, Type::Str { .. }) && matches!(v.ty, Type::Str { .. }));
            if !ok {
                self.error(
                    i.value.span,
                    format!(
                        "inline {} operands have incompatible types: \"{}\" = \"{}\"",
                        name.name,
                        types::d_name(&ty),
                        types::d_name(&v.ty)
                    ),
                );
                return;
            }
        } else {
            return;
        }
        self.inlines.insert(
            name.name.clone(),
            InlineDef {
                ty,
                value: i.value.clone(),
            },
        );
    }

    /// The value of an integer constant expression (literals, enumerators, inlines, macro
    /// arguments and arithmetic on them).
    pub(crate) fn constant(&mut self, e: &ast::Expr) -> Option<i64> {
        let x = self.expr(e)?;
        fold(&x)
    }
}

/// Folds a lowered integer expression made of constants.
pub(crate) fn fold(x: &Expr) -> Option<i64> {
    let signed = |t: &Type| matches!(t, Type::Int(i) if i.signed);
    match &x.kind {
        ExprKind::Int(v) => {
            let Type::Int(t) = x.ty else { return None };
            if t.bits < 64 {
                let shift = 64 - u32::from(t.bits);
                Some(if t.signed {
                    ((*v << shift) as i64) >> shift
                } else {
                    ((*v << shift) >> shift) as i64
                })
            } else {
                Some(*v as i64)
            }
        }
        ExprKind::Cast(inner) => {
            let v = fold(inner)?;
            let Type::Int(t) = x.ty else { return None };
            if t.bits >= 64 {
                return Some(v);
            }
            let shift = 64 - u32::from(t.bits);
            let u = v as u64;
            Some(if t.signed {
                ((u << shift) as i64) >> shift
            } else {
                ((u << shift) >> shift) as i64
            })
        }
        ExprKind::Unary { op, operand } => {
            let v = fold(operand)?;
            Some(match op {
                ir::UnaryOp::Neg => v.wrapping_neg(),
                ir::UnaryOp::BitNot => !v,
                ir::UnaryOp::Not => i64::from(v == 0),
            })
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (fold(lhs)?, fold(rhs)?);
            let s = signed(&lhs.ty);
            Some(match op {
                ir::BinaryOp::Add => a.wrapping_add(b),
                ir::BinaryOp::Sub => a.wrapping_sub(b),
                ir::BinaryOp::Mul => a.wrapping_mul(b),
                ir::BinaryOp::Div if b != 0 => {
                    if s {
                        a.wrapping_div(b)
                    } else {
                        ((a as u64) / (b as u64)) as i64
                    }
                }
                ir::BinaryOp::Mod if b != 0 => {
                    if s {
                        a.wrapping_rem(b)
                    } else {
                        ((a as u64) % (b as u64)) as i64
                    }
                }
                ir::BinaryOp::BitAnd => a & b,
                ir::BinaryOp::BitOr => a | b,
                ir::BinaryOp::BitXor => a ^ b,
                ir::BinaryOp::Shl => a.wrapping_shl(b as u32),
                ir::BinaryOp::Shr => {
                    if s {
                        a.wrapping_shr(b as u32)
                    } else {
                        ((a as u64).wrapping_shr(b as u32)) as i64
                    }
                }
                ir::BinaryOp::Eq => i64::from(a == b),
                ir::BinaryOp::Ne => i64::from(a != b),
                ir::BinaryOp::Lt => i64::from(a < b),
                ir::BinaryOp::Le => i64::from(a <= b),
                ir::BinaryOp::Gt => i64::from(a > b),
                ir::BinaryOp::Ge => i64::from(a >= b),
                _ => return None,
            })
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            if fold(cond)? != 0 {
                fold(then)
            } else {
                fold(otherwise)
            }
        }
        ExprKind::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// True for `@a = ...` and `@a[k] = ...`.
fn is_aggregation(target: &ast::Expr) -> bool {
    match &target.kind {
        ast::ExprKind::Agg(_) => true,
        ast::ExprKind::Index { base, .. } => matches!(base.kind, ast::ExprKind::Agg(_)),
        _ => false,
    }
}
