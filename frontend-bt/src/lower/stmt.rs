//! Statements: assignments, map updates and aggregations, control flow.

use super::expr::is_storable;
use super::maps::map_name;
use super::probes::ProbeContext;
use super::scope::Scopes;
use super::types::{coerce, normalize_stored, unify_stored};
use super::Lowerer;
use crate::ast;
use ir::diag::Diagnostic;
use ir::{Block, Expr, ExprKind, IntType, MapKind, Span, Stmt, StmtKind, Type};

/// The most times `unroll(n)` may repeat its body.
const MAX_UNROLL: u64 = 100;

impl Lowerer<'_> {
    /// Lowers a block in a new scope.
    pub(crate) fn lower_block(
        &mut self,
        block: &ast::Block,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
    ) -> Block {
        scopes.push();
        let mut out = Vec::new();
        for s in &block.stmts {
            self.lower_stmt(s, ctx, scopes, &mut out);
        }
        scopes.pop();
        out
    }

    /// Lowers one statement, appending the IR statements it becomes to `out`.
    pub(crate) fn lower_stmt(
        &mut self,
        stmt: &ast::Stmt,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        use ast::StmtKind as S;
        let span = stmt.span;
        match &stmt.kind {
            S::Expr(e) => self.lower_expr_stmt(e, ctx, scopes, out),
            S::Discard(e) => {
                let e = self.lower_expr(e, ctx, scopes);
                out.push(Stmt::new(StmtKind::Expr(e), span));
            }
            S::Assign { target, op, value } => {
                self.lower_assign(target, *op, value, span, ctx, scopes, out)
            }
            S::Let { var, ty, value } => {
                if let Some(t) = ty {
                    self.prepare_typeof(t, ctx, scopes);
                }
                let declared = match ty {
                    Some(t) => match self.lower_type(t, super::ctypes::probe_space(Some(ctx))) {
                        Ok(t) => Some(normalize_stored(&t)),
                        Err(msg) => {
                            self.error(t.span, msg);
                            return;
                        }
                    },
                    None => None,
                };
                let value = value.as_ref().map(|v| self.lower_expr(v, ctx, scopes));
                let ty = match (&declared, &value) {
                    (Some(t), _) => t.clone(),
                    (None, Some(v)) => normalize_stored(&v.ty),
                    (None, None) => {
                        scopes.declare_untyped(&var.name);
                        return;
                    }
                };
                if let Some(v) = &value {
                    if !assignable(&v.ty, &ty) {
                        self.error(
                            v.span,
                            format!(
                                "type mismatch: ${} is {ty}, but the value is {}",
                                var.name, v.ty
                            ),
                        );
                        return;
                    }
                }
                let id = scopes.declare(&var.name, ty.clone(), var.span);
                let value = value.unwrap_or_else(|| zero_value(&ty, span));
                out.push(Stmt::new(
                    StmtKind::Assign {
                        var: id,
                        value: coerce(value, &ty),
                    },
                    span,
                ));
            }
            S::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.lower_expr(cond, ctx, scopes);
                let c = self.condition(c);
                let then = self.lower_block(then, ctx, scopes);
                let otherwise = match otherwise {
                    Some(o) => {
                        scopes.push();
                        let mut b = Vec::new();
                        self.lower_stmt(o, ctx, scopes, &mut b);
                        scopes.pop();
                        b
                    }
                    None => Vec::new(),
                };
                out.push(Stmt::new(
                    StmtKind::If {
                        cond: c,
                        then,
                        otherwise,
                    },
                    span,
                ));
            }
            S::Unroll { count, body } => {
                let n = match &count.kind {
                    ast::ExprKind::Int { value, unit: None }
                        if (1..=MAX_UNROLL).contains(value) =>
                    {
                        *value
                    }
                    _ => {
                        self.error(
                            count.span,
                            format!("unroll needs a constant count from 1 to {MAX_UNROLL}"),
                        );
                        return;
                    }
                };
                for _ in 0..n {
                    let b = self.lower_block(body, ctx, scopes);
                    out.extend(b);
                }
            }
            S::While { cond, body } => {
                let c = self.lower_expr(cond, ctx, scopes);
                let c = self.condition(c);
                let body = self.lower_block(body, ctx, scopes);
                out.push(Stmt::new(StmtKind::While { cond: c, body }, span));
            }
            S::For { var, iter, body } => match iter {
                ast::ForIter::Range { start, end } => {
                    let s = self.lower_expr(start, ctx, scopes);
                    let e = self.lower_expr(end, ctx, scopes);
                    if !s.ty.is_integer() || !e.ty.is_integer() {
                        self.error(span, "a range needs integer bounds");
                        return;
                    }
                    scopes.push();
                    let id = scopes.declare(&var.name, Type::I64, var.span);
                    let body = self.lower_block(body, ctx, scopes);
                    scopes.pop();
                    let kind = StmtKind::ForRange {
                        var: id,
                        start: coerce(s, &Type::I64),
                        end: coerce(e, &Type::I64),
                        body,
                    };
                    out.push(Stmt::new(kind, span));
                }
                ast::ForIter::Map(m) => {
                    let ast::ExprKind::Map { name, keys } = &m.kind else {
                        self.error(m.span, "for loops iterate over a map (for ($kv : @m)) or a range (for ($i : 0..10))");
                        return;
                    };
                    if !keys.is_empty() {
                        self.error(m.span, "iterate over the whole map, without a key");
                        return;
                    }
                    let id = self.maps.id(&map_name(name), m.span);
                    let (kv_ty, ok) = self.for_map_types(id, m.span);
                    scopes.push();
                    let var_id = scopes.declare(&var.name, kv_ty, var.span);
                    let body = self.lower_block(body, ctx, scopes);
                    scopes.pop();
                    self.check_no_exit(&body);
                    if ok {
                        let kind = StmtKind::ForMap {
                            var: var_id,
                            map: id,
                            body,
                        };
                        out.push(Stmt::new(kind, span));
                    }
                }
            },
            S::Break => out.push(Stmt::new(StmtKind::Break, span)),
            S::Continue => out.push(Stmt::new(StmtKind::Continue, span)),
            S::Return => out.push(Stmt::new(StmtKind::Return, span)),
            S::Block(b) => {
                let b = self.lower_block(b, ctx, scopes);
                out.extend(b);
            }
        }
    }

    /// The type of the `(key, value)` variable of `for ($kv : @m)`, and whether the loop can be
    /// generated (otherwise a diagnostic was reported; the placeholder type still lets the body
    /// be lowered, so that the maps it uses are learned).
    fn for_map_types(&mut self, id: ir::MapId, span: Span) -> (Type, bool) {
        let placeholder = Type::Tuple(vec![Type::I64, Type::I64]);
        let kind = self.maps.kind_for_read(id, span);
        let name = self.maps.name(id).to_string();
        let key = match self.maps.key_type(id) {
            Some(Some(k)) => k,
            Some(None) => {
                self.error(
                    span,
                    format!("{name} has no keys; a for loop iterates over a map with keys"),
                );
                return (placeholder, false);
            }
            // Not used anywhere else: the map table reports the undefined map.
            None => return (placeholder, false),
        };
        let value = match kind {
            None => return (placeholder, false),
            Some(MapKind::Value(t)) => t,
            Some(MapKind::Count) => Type::U64,
            Some(MapKind::Sum(i) | MapKind::Min(i) | MapKind::Max(i) | MapKind::Avg(i)) => {
                Type::Int(i)
            }
            Some(k) => {
                // bpftrace's rule (`IsMapIterableTy`): hist, lhist and stats maps have no one
                // value per key, so a loop over them is refused with bpftrace's message.
                let type_name = match &k {
                    MapKind::Hist { .. } => "hist_t".to_string(),
                    MapKind::Lhist { .. } => "lhist_t".to_string(),
                    MapKind::Stats(i) => format!("{}stats_t", if i.signed { "" } else { "u" }),
                    other => format!("{}_t", other.function_name().unwrap_or("?")),
                };
                let f = k.function_name().unwrap_or("?");
                self.report(
                    Diagnostic::error(
                        span,
                        format!("Loop expression does not support type: {type_name}"),
                    )
                    .with_help(format!(
                        "a {f}() map has no single value per key to iterate; print it with print({name}), or iterate a count(), sum(), min(), max() or avg() map"
                    )),
                );
                return (placeholder, false);
            }
        };
        (Type::Tuple(vec![key, value]), true)
    }

    /// Reports every `exit()` in the body of a `for` loop over a map: bpftrace forbids `exit()`
    /// in loops (since 0.25).
    fn check_no_exit(&mut self, body: &[Stmt]) {
        for s in body {
            match &s.kind {
                StmtKind::Emit { action, .. }
                    if self
                        .actions
                        .get(action.0 as usize)
                        .is_some_and(|a| matches!(a.kind, ir::ActionKind::Exit)) =>
                {
                    self.error(
                        s.span,
                        "exit() is not allowed inside a for loop over a map; use break, then exit() after the loop",
                    );
                }
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    self.check_no_exit(then);
                    self.check_no_exit(otherwise);
                }
                StmtKind::While { body, .. } | StmtKind::ForRange { body, .. } => {
                    self.check_no_exit(body)
                }
                // A nested loop over a map was checked when it was lowered.
                _ => {}
            }
        }
    }

    /// An expression statement: calls that act (printf, exit, ...) or anything with effects.
    fn lower_expr_stmt(
        &mut self,
        e: &ast::Expr,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        match &e.kind {
            ast::ExprKind::Call { name, args } => {
                self.lower_call_stmt(name, args, e.span, ctx, scopes, out)
            }
            // A block expression whose value is unused is a nested block.
            ast::ExprKind::Block { stmts, value } => {
                let mut stmts = stmts.clone();
                if let Some(v) = value {
                    stmts.push(ast::Stmt {
                        kind: ast::StmtKind::Expr((**v).clone()),
                        span: v.span,
                    });
                }
                let block = ast::Stmt {
                    kind: ast::StmtKind::Block(ast::Block {
                        stmts,
                        span: e.span,
                    }),
                    span: e.span,
                };
                self.lower_stmt(&block, ctx, scopes, out);
            }
            ast::ExprKind::Unary { op, operand }
                if matches!(
                    op,
                    ast::UnaryOp::PostInc
                        | ast::UnaryOp::PreInc
                        | ast::UnaryOp::PostDec
                        | ast::UnaryOp::PreDec
                ) =>
            {
                let delta = if matches!(op, ast::UnaryOp::PostInc | ast::UnaryOp::PreInc) {
                    ast::BinaryOp::Add
                } else {
                    ast::BinaryOp::Sub
                };
                let one = ast::Expr {
                    kind: ast::ExprKind::Int {
                        value: 1,
                        unit: None,
                    },
                    span: e.span,
                };
                self.lower_assign(operand, Some(delta), &one, e.span, ctx, scopes, out);
            }
            _ => {
                let x = self.lower_expr(e, ctx, scopes);
                out.push(Stmt::new(StmtKind::Expr(x), e.span));
            }
        }
    }

    /// `target = value` and `target op= value` for variables and maps.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lower_assign(
        &mut self,
        target: &ast::Expr,
        op: Option<ast::BinaryOp>,
        value: &ast::Expr,
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        match &target.kind {
            ast::ExprKind::Var(name) => {
                let mut v = self.lower_expr(value, ctx, scopes);
                if let Some(op) = op {
                    let current = self.lower_expr(target, ctx, scopes);
                    v = self.binary(op, current, v, span);
                }
                if !is_storable(&v.ty) {
                    self.error(
                        value.span,
                        format!("a value of type {} cannot be stored in a variable", v.ty),
                    );
                    return;
                }
                let id = match scopes.lookup(name) {
                    Some(id) => {
                        let ty = scopes.ty(id).clone();
                        if matches!(v.ty, Type::Str { .. }) {
                            self.learn_var_type(scopes.decl_span(id), &v.ty);
                        }
                        if !assignable(&v.ty, &ty) {
                            self.error(
                                value.span,
                                format!(
                                    "type mismatch: ${name} is {ty}, but the value is {}",
                                    v.ty
                                ),
                            );
                            return;
                        }
                        id
                    }
                    None => {
                        let ty = self.declared_type(target.span, normalize_stored(&v.ty));
                        scopes.declare(name, ty, target.span)
                    }
                };
                let ty = scopes.ty(id).clone();
                out.push(Stmt::new(
                    StmtKind::Assign {
                        var: id,
                        value: coerce(v, &ty),
                    },
                    span,
                ));
            }
            ast::ExprKind::Map { name, keys } => {
                let id = self.maps.id(&map_name(name), target.span);
                if op.is_none() {
                    if let ast::ExprKind::Call { name: f, args } = &value.kind {
                        if is_aggregation(&f.name) {
                            let key = self.lower_map_key(id, keys, target.span, ctx, scopes);
                            self.lower_aggregation(
                                id, key, &f.name, args, value.span, span, ctx, scopes, out,
                            );
                            return;
                        }
                    }
                }
                let key = self.lower_map_key(id, keys, target.span, ctx, scopes);
                let mut v = self.lower_expr(value, ctx, scopes);
                if let Some(op) = op {
                    let current = self.map_read(id, key.clone(), target.span);
                    v = self.binary(op, current, v, span);
                }
                if !is_storable(&v.ty) {
                    self.error(
                        value.span,
                        format!("a value of type {} cannot be stored in a map", v.ty),
                    );
                    return;
                }
                match self.maps.use_kind(id, MapKind::Value(v.ty.clone())) {
                    Ok(MapKind::Value(ty)) => {
                        out.push(Stmt::new(
                            StmtKind::MapStore {
                                map: id,
                                key,
                                value: coerce(v, &ty),
                            },
                            span,
                        ));
                    }
                    Ok(_) => {}
                    Err(msg) => self.error(value.span, msg),
                }
            }
            _ => self.error(
                target.span,
                "only variables ($x) and maps (@m, @m[key]) can be assigned to",
            ),
        }
    }

    /// `@m[key] = count()` and the other aggregation functions.
    #[allow(clippy::too_many_arguments)]
    fn lower_aggregation(
        &mut self,
        id: ir::MapId,
        key: Option<Expr>,
        func: &str,
        args: &[ast::Expr],
        call_span: Span,
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut Scopes,
        out: &mut Block,
    ) {
        let expected = match func {
            "count" => 0,
            "hist" => 1,
            "lhist" => 4,
            _ => 1,
        };
        let ok_count = args.len() == expected
            || (func == "hist" && args.len() == 2)
            || (func == "tseries" && (3..=4).contains(&args.len()));
        if !ok_count {
            let want = match func {
                "count" => "no arguments".to_string(),
                "hist" => "1 or 2 arguments".to_string(),
                "tseries" => "3 or 4 arguments".to_string(),
                _ => format!(
                    "{expected} argument{}",
                    if expected == 1 { "" } else { "s" }
                ),
            };
            self.error(
                call_span,
                format!("{func}() takes {want}, got {}", args.len()),
            );
            return;
        }
        let value = match args.first() {
            Some(a) => {
                let v = self.lower_expr(a, ctx, scopes);
                if !v.ty.is_integer() {
                    self.error(a.span, format!("{func}() needs an integer, not {}", v.ty));
                    return;
                }
                Some(v)
            }
            None => None,
        };
        let int_ty = match value.as_ref().map(|v| &v.ty) {
            Some(Type::Int(i)) => IntType {
                bits: 64,
                signed: i.signed,
            },
            _ => IntType::I64,
        };
        let kind = match func {
            "count" => MapKind::Count,
            "sum" => MapKind::Sum(int_ty),
            "min" => MapKind::Min(int_ty),
            "max" => MapKind::Max(int_ty),
            "avg" => MapKind::Avg(int_ty),
            "stats" => MapKind::Stats(int_ty),
            "hist" => {
                let k = match args.get(1) {
                    None => 0,
                    Some(a) => match self.constant_int(a) {
                        Some(k) if (0..=5).contains(&k) => k as u8,
                        _ => {
                            self.error(
                                a.span,
                                "hist()'s second argument must be a constant from 0 to 5",
                            );
                            return;
                        }
                    },
                };
                MapKind::Hist { k }
            }
            "tseries" => match self.tseries_kind(args, call_span) {
                Some(k) => k,
                None => return,
            },
            _ => {
                let consts: Vec<Option<i64>> =
                    args[1..].iter().map(|a| self.constant_int(a)).collect();
                let (Some(min), Some(max), Some(step)) = (consts[0], consts[1], consts[2]) else {
                    self.error(call_span, "lhist()'s min, max and step must be constants");
                    return;
                };
                if step <= 0 || min >= max || (max - min) / step > 1000 {
                    self.error(
                        call_span,
                        "lhist() needs min < max, step > 0 and at most 1000 buckets",
                    );
                    return;
                }
                MapKind::Lhist { min, max, step }
            }
        };
        if let Err(msg) = self.maps.use_kind(id, kind) {
            self.error(call_span, msg);
            return;
        }
        let value = value.map(|v| coerce(v, &Type::Int(int_ty)));
        out.push(Stmt::new(
            StmtKind::MapAggregate {
                map: id,
                key,
                value,
                incr: None,
            },
            span,
        ));
    }

    /// `tseries(n, interval, num[, "avg"|"max"|"min"|"sum"])`: the interval and count must be
    /// constants (the interval usually with a duration suffix, `100ms`).
    fn tseries_kind(&mut self, args: &[ast::Expr], call_span: Span) -> Option<MapKind> {
        let interval_ns = match args.get(1).and_then(|a| self.constant_int(a)) {
            Some(v) if v > 0 => v as u64,
            _ => {
                let span = args.get(1).map_or(call_span, |a| a.span);
                self.error(
                    span,
                    "tseries()'s interval must be a positive constant, e.g. 100ms or 1s",
                );
                return None;
            }
        };
        let num_intervals = match args.get(2).and_then(|a| self.constant_int(a)) {
            Some(v) if (1..=MAX_TSERIES_INTERVALS).contains(&v) => v as u32,
            _ => {
                let span = args.get(2).map_or(call_span, |a| a.span);
                self.error(
                    span,
                    format!(
                        "tseries()'s number of intervals must be a constant from 1 to \
                         {MAX_TSERIES_INTERVALS}"
                    ),
                );
                return None;
            }
        };
        let agg = match args.get(3) {
            None => ir::TseriesAgg::Last,
            Some(a) => match &a.kind {
                ast::ExprKind::Str(s) => match s.0.as_slice() {
                    b"avg" => ir::TseriesAgg::Avg,
                    b"max" => ir::TseriesAgg::Max,
                    b"min" => ir::TseriesAgg::Min,
                    b"sum" => ir::TseriesAgg::Sum,
                    _ => {
                        self.error(
                            a.span,
                            "tseries()'s aggregation must be \"avg\", \"max\", \"min\" or \"sum\"",
                        );
                        return None;
                    }
                },
                _ => {
                    self.error(a.span, "tseries()'s aggregation must be a string literal");
                    return None;
                }
            },
        };
        Some(MapKind::Tseries {
            interval_ns,
            num_intervals,
            agg,
        })
    }

    /// The value of a constant integer expression (a literal, possibly negated).
    pub(crate) fn constant_int(&self, e: &ast::Expr) -> Option<i64> {
        match &e.kind {
            ast::ExprKind::Int { value, unit } => {
                i64::try_from(value.checked_mul(unit.map_or(1, |u| u.nanos()))?).ok()
            }
            ast::ExprKind::Unary {
                op: ast::UnaryOp::Neg,
                operand,
            } => self.constant_int(operand).map(|v| -v),
            ast::ExprKind::Positional(n) => self
                .options
                .params
                .get(*n as usize - 1)
                .and_then(|p| p.parse().ok()),
            _ => None,
        }
    }
}

/// The most intervals a `tseries` keeps.
const MAX_TSERIES_INTERVALS: i64 = 1000;

/// The names of the aggregation functions.
pub fn is_aggregation(name: &str) -> bool {
    matches!(
        name,
        "count" | "sum" | "min" | "max" | "avg" | "stats" | "hist" | "lhist" | "tseries"
    )
}

/// Whether a value of type `from` can be stored where `to` is expected.
fn assignable(from: &Type, to: &Type) -> bool {
    matches!((from, to), (Type::Str { .. }, Type::Str { .. }))
        || unify_stored(to, from).is_some_and(|u| u == *to)
        || (from.is_integer() && to.is_integer())
}

/// The zero value of a type, for `let $x: type;`.
fn zero_value(ty: &Type, span: Span) -> Expr {
    match ty {
        Type::Str { .. } => Expr::new(ExprKind::Str(String::new()), Type::Str { size: 1 }, span),
        Type::Bool => Expr::new(ExprKind::Bool(false), Type::Bool, span),
        _ => Expr::new(ExprKind::Int(0), ty.clone(), span),
    }
}
