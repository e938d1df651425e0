//! Run-time faults and DTrace's `ERROR` probe.
//!
//! A D clause that can fault (a division or remainder by a value that may be zero, an invalid
//! speculation id, a bad signal number) is lowered with explicit checks:
//!
//! - the faulting operation records the first fault of the clause in two clause-local
//!   temporaries (`.fault` = DTrace's fault code, `.fault_value` = the bad value) and goes on
//!   with a harmless result (BPF divides by zero as 0);
//! - after each top-level statement that contains a check (and after a checked predicate) the
//!   clause tests `.fault`: when set it sends [`ActionKind::Fault`] (epid, probe, statement
//!   index) and returns;
//! - every record the clause sends is [`ActionKind::Buffered`] under the clause's key
//!   ([`ir::abi::clause_buffer_key`] of the CPU), and the clause ends with
//!   [`ActionKind::Commit`] of that key. A faulting clause never commits: the runtime drops its
//!   records, as DTrace abandons the faulting clause's data.
//!
//! The runtime prints DTrace's error message and runs the `ERROR` clauses (separate programs
//! run with `BPF_PROG_TEST_RUN`, whose `arg1..arg5` are the fault's details). Nothing here is
//! special to the backend: checks are ordinary IR statements.

use super::types::INT;
use super::Lowerer;
use ir::{
    abi, Action, ActionKind, BinaryOp, Builtin, Expr, ExprKind, Span, Stmt, StmtKind, Type, VarId,
};

/// The fault-related state of the clause being lowered.
#[derive(Debug, Default)]
pub(crate) struct ClauseFaults {
    /// The next enabled probe id (`epid`) to give out; DTrace's own `ERROR` enabling is 1.
    pub next_epid: u32,
    /// The epid of the clause being lowered.
    pub epid: u32,
    /// 1-based index of the top-level statement being lowered (0: the predicate).
    pub action: u32,
    /// Checks emitted so far in this clause.
    pub checks: u32,
    /// The `.fault` and `.fault_value` temporaries, once created.
    pub vars: Option<(VarId, VarId)>,
    /// The dividend and divisor temporaries of checked divisions, by nesting height: a
    /// division whose operands contain divisions of height at most h uses slot h + 1, so
    /// sibling divisions share slots and a clause needs only as many as its deepest nesting.
    pub div_slots: Vec<(VarId, VarId)>,
    /// The highest slot used by the divisions lowered since the enclosing operator started.
    pub div_height: Option<usize>,
    /// The speculation id temporary after `speculate()`, and where it was set.
    pub speculating: Option<VarId>,
    /// `commit()`/`discard()` of the clause, sent after the clause's own records.
    pub spec_ends: Vec<(ActionKind, VarId, Span)>,
    /// Destructive actions were used (`system`, `raise`, `stop`).
    pub destructive: bool,
    /// The clause called `commit()`.
    pub committed: bool,
    /// The clause recorded data or aggregated before the statement being lowered.
    pub recorded: bool,
}

impl Lowerer<'_> {
    /// Starts a clause: gives it its epid and forgets the previous clause's temporaries.
    pub(crate) fn begin_clause_faults(&mut self) {
        let next = self.fx.next_epid.max(2);
        let destructive = self.fx.destructive;
        self.fx = ClauseFaults {
            next_epid: next + 1,
            epid: next,
            destructive,
            ..ClauseFaults::default()
        };
    }

    /// The `.fault` and `.fault_value` temporaries of the clause.
    fn fault_vars(&mut self, span: Span) -> (VarId, VarId) {
        if let Some(v) = self.fx.vars {
            return v;
        }
        let v = (
            self.scope.create(".fault", Type::U64, span),
            self.scope.create(".fault_value", Type::U64, span),
        );
        self.fx.vars = Some(v);
        v
    }

    /// A statement that records fault `code` with `value` when `cond` holds (the first fault
    /// of the clause wins).
    pub(crate) fn fault_check(&mut self, cond: Expr, code: u64, value: Expr, span: Span) -> Stmt {
        let (flt, fval) = self.fault_vars(span);
        self.fx.checks += 1;
        let var = |v: VarId| Expr::new(ExprKind::Var(v), Type::U64, span);
        let unset = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Eq,
                lhs: Box::new(var(flt)),
                rhs: Box::new(Expr::int(0, Type::U64, span)),
            },
            Type::Bool,
            span,
        );
        let record = Stmt::new(
            StmtKind::If {
                cond: unset,
                then: vec![
                    Stmt::new(
                        StmtKind::Assign {
                            var: flt,
                            value: Expr::int(code as i64, Type::U64, span),
                        },
                        span,
                    ),
                    Stmt::new(
                        StmtKind::Assign {
                            var: fval,
                            value: super::types::coerce(value, &Type::U64),
                        },
                        span,
                    ),
                ],
                otherwise: vec![],
            },
            span,
        );
        Stmt::new(
            StmtKind::If {
                cond,
                then: vec![record],
                otherwise: vec![],
            },
            span,
        )
    }

    /// A check for DTrace's `invalid address` fault: reading `size` bytes at `addr` (uint64)
    /// from `space` must work; the fault value is the address. For every D read of memory
    /// (`tracemem`, and pointer reads as they are lowered).
    pub(crate) fn bad_address_check(
        &mut self,
        addr: Expr,
        size: u32,
        space: ir::AddrSpace,
        span: Span,
    ) -> Stmt {
        let addr = super::types::coerce(addr, &Type::U64);
        let bad = Expr::new(
            ExprKind::Call {
                func: ir::Function::Unreadable { space },
                args: vec![
                    addr.clone(),
                    Expr::int(i64::from(size.max(1)), Type::U64, span),
                ],
            },
            Type::Bool,
            span,
        );
        self.fault_check(bad, abi::DTRACEFLT_BADADDR, addr, span)
    }

    /// `l / r` or `l % r` with DTrace's divide-by-zero fault; other operators as they are.
    /// A constant divisor needs no check; two constants dividing by zero are a compile error.
    /// `outer` is [`ClauseFaults::div_height`] from before the operands were lowered.
    pub(crate) fn checked_arith(
        &mut self,
        op: BinaryOp,
        l: Expr,
        r: Expr,
        span: Span,
        outer: Option<usize>,
    ) -> Expr {
        let inner = self.fx.div_height.take();
        self.fx.div_height = outer.max(inner);
        if !matches!(op, BinaryOp::Div | BinaryOp::Mod) {
            return super::expr::arith(op, l, r, span);
        }
        match super::stmt::fold(&r) {
            Some(0) if super::stmt::fold(&l).is_some() => {
                self.error(span, "expression contains division by zero");
                return super::expr::arith(op, l, r, span);
            }
            Some(0) | None => {}
            Some(_) => return super::expr::arith(op, l, r, span),
        }
        let e = super::expr::arith(op, l, r, span);
        let ExprKind::Binary { op, lhs, rhs } = e.kind else {
            return e;
        };
        let ty = e.ty.clone();
        let slot = inner.map_or(0, |h| h + 1);
        self.fx.div_height = self.fx.div_height.max(Some(slot));
        while self.fx.div_slots.len() <= slot {
            let pair = (
                self.scope.create(".dividend", Type::I64, span),
                self.scope.create(".divisor", Type::I64, span),
            );
            self.fx.div_slots.push(pair);
        }
        let (tl, tr) = self.fx.div_slots[slot];
        // The slots are int64: operands go in converted and come out in their own type.
        let var =
            |v: VarId| super::types::coerce(Expr::new(ExprKind::Var(v), Type::I64, span), &ty);
        let zero = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Eq,
                lhs: Box::new(var(tr)),
                rhs: Box::new(Expr::new(ExprKind::Int(0), ty.clone(), span)),
            },
            Type::Bool,
            span,
        );
        let check = self.fault_check(
            zero,
            abi::DTRACEFLT_DIVZERO,
            Expr::int(0, Type::U64, span),
            span,
        );
        let stmts = vec![
            Stmt::new(
                StmtKind::Assign {
                    var: tl,
                    value: super::types::coerce(*lhs, &Type::I64),
                },
                span,
            ),
            Stmt::new(
                StmtKind::Assign {
                    var: tr,
                    value: super::types::coerce(*rhs, &Type::I64),
                },
                span,
            ),
            check,
        ];
        let value = Expr::new(
            ExprKind::Binary {
                op,
                lhs: Box::new(var(tl)),
                rhs: Box::new(var(tr)),
            },
            ty.clone(),
            span,
        );
        Expr::new(
            ExprKind::Block {
                stmts,
                value: Box::new(value),
            },
            ty,
            span,
        )
    }

    /// The statement that ends the clause when a check before it recorded a fault: send the
    /// fault (with the statement index `action`) and return.
    pub(crate) fn fault_exit(&mut self, span: Span) -> Stmt {
        let (flt, fval) = self.fault_vars(span);
        let full = format!(
            "{}:{}:{}:{}",
            self.ctx.prov, self.ctx.module, self.ctx.func, self.ctx.name
        );
        let probe_id = self.probe_id(&full);
        let action = self.add_action(Action {
            kind: ActionKind::Fault {
                epid: self.fx.epid,
                probe_id,
                probe: full,
                action: self.fx.action,
            },
            args: vec![Type::U64, Type::U64, Type::U64],
            span,
        });
        let var = |v: VarId| Expr::new(ExprKind::Var(v), Type::U64, span);
        let set = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Ne,
                lhs: Box::new(var(flt)),
                rhs: Box::new(Expr::int(0, Type::U64, span)),
            },
            Type::Bool,
            span,
        );
        Stmt::new(
            StmtKind::If {
                cond: set,
                then: vec![
                    Stmt::new(
                        StmtKind::Emit {
                            action,
                            args: vec![clause_key(span), var(flt), var(fval)],
                        },
                        span,
                    ),
                    Stmt::new(StmtKind::Return, span),
                ],
                otherwise: vec![],
            },
            span,
        )
    }

    /// A predicate that contains checks becomes statements at the top of the body: evaluate
    /// it, report a fault in it (`in predicate`), and return when it is false.
    pub(crate) fn checked_predicate(&mut self, pred: Expr, out: &mut Vec<Stmt>) {
        let span = pred.span;
        let tmp = self.scope.create(".predicate", INT, span);
        out.push(Stmt::new(
            StmtKind::Assign {
                var: tmp,
                value: super::types::coerce(pred, &INT),
            },
            span,
        ));
        self.fx.action = 0;
        out.push(self.fault_exit(span));
        let is_false = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Eq,
                lhs: Box::new(Expr::new(ExprKind::Var(tmp), INT, span)),
                rhs: Box::new(Expr::int(0, INT, span)),
            },
            Type::Bool,
            span,
        );
        out.push(Stmt::new(
            StmtKind::If {
                cond: is_false,
                then: vec![Stmt::new(StmtKind::Return, span)],
                otherwise: vec![],
            },
            span,
        ));
    }

    /// Finishes a clause's body: when it can fault or speculates, its records are buffered
    /// (under the clause's key, or the speculation's after `speculate()`), the clause commits
    /// its own buffer at the end, then sends its `commit()`/`discard()`s.
    pub(crate) fn finish_clause_faults(&mut self, body: &mut Vec<Stmt>, span: Span) {
        let spec_ends = std::mem::take(&mut self.fx.spec_ends);
        if let Some((flt, _)) = self.fx.vars {
            body.insert(
                0,
                Stmt::new(
                    StmtKind::Assign {
                        var: flt,
                        value: Expr::int(0, Type::U64, span),
                    },
                    span,
                ),
            );
        }
        // exit() takes effect after the clause's commit()/discard(), whose records the runtime
        // would otherwise drop as coming after exit().
        let mut exits = Vec::new();
        if !spec_ends.is_empty() {
            let actions = &self.actions;
            let (e, rest): (Vec<Stmt>, Vec<Stmt>) = std::mem::take(body).into_iter().partition(|s| {
                matches!(&s.kind, StmtKind::Emit { action, .. }
                    if matches!(actions.get(action.0 as usize).map(|a| &a.kind), Some(ActionKind::Exit)))
            });
            *body = rest;
            exits = e;
        }
        let buffered = self.fx.checks > 0 || self.fx.speculating.is_some();
        if buffered {
            if let Some(spec) = self.fx.speculating {
                move_record_start_after(body, spec, &self.actions);
            }
            let mut key = clause_key(span);
            let spec = self.fx.speculating;
            let mut out = Vec::with_capacity(body.len() + 1);
            for mut s in std::mem::take(body) {
                let switch = matches!(&s.kind, StmtKind::Assign { var, .. } if Some(*var) == spec);
                self.buffer_emits(&mut s, &key);
                out.push(s);
                if switch {
                    if let Some(v) = spec {
                        key = Expr::new(ExprKind::Var(v), Type::U64, span);
                    }
                }
            }
            *body = out;
            let commit = self.add_action(Action {
                kind: ActionKind::Commit,
                args: vec![Type::U64],
                span,
            });
            body.push(Stmt::new(
                StmtKind::Emit {
                    action: commit,
                    args: vec![clause_key(span)],
                },
                span,
            ));
        }
        for (kind, var, at) in spec_ends {
            let action = self.add_action(Action {
                kind,
                args: vec![Type::U64],
                span: at,
            });
            body.push(Stmt::new(
                StmtKind::Emit {
                    action,
                    args: vec![Expr::new(ExprKind::Var(var), Type::U64, at)],
                },
                at,
            ));
        }
        body.extend(exits);
    }

    /// Wraps every record `s` sends (except the fault and buffer controls) as
    /// [`ActionKind::Buffered`] under `key`.
    fn buffer_emits(&mut self, s: &mut Stmt, key: &Expr) {
        match &mut s.kind {
            StmtKind::Emit { action, args } => {
                let Some(a) = self.actions.get(action.0 as usize).cloned() else {
                    return;
                };
                if matches!(
                    a.kind,
                    ActionKind::Fault { .. }
                        | ActionKind::Commit
                        | ActionKind::Discard
                        | ActionKind::SpeculationFailed
                        | ActionKind::Buffered { .. }
                ) {
                    return;
                }
                let mut types = vec![Type::U64];
                types.extend(a.args.iter().cloned());
                *action = self.add_action(Action {
                    kind: ActionKind::Buffered {
                        inner: Box::new(a.kind),
                    },
                    args: types,
                    span: a.span,
                });
                args.insert(0, key.clone());
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                for t in then.iter_mut().chain(otherwise.iter_mut()) {
                    self.buffer_emits(t, key);
                }
            }
            StmtKind::While { body, .. }
            | StmtKind::ForRange { body, .. }
            | StmtKind::ForMap { body, .. } => {
                for t in body.iter_mut() {
                    self.buffer_emits(t, key);
                }
            }
            _ => {}
        }
    }

    /// `epid` (the clause's enabled probe id) and `id` (its probe's id).
    pub(crate) fn clause_id_builtin(&mut self, name: &str, span: Span) -> Expr {
        if name == "epid" {
            return Expr::int(i64::from(self.fx.epid), Type::U32, span);
        }
        let full = format!(
            "{}:{}:{}:{}",
            self.ctx.prov, self.ctx.module, self.ctx.func, self.ctx.name
        );
        let id = self.probe_id(&full);
        Expr::int(i64::from(id), Type::U32, span)
    }

    /// `argN` of the `ERROR` probe: `arg1` epid, `arg2` statement index, `arg3` offset (-1),
    /// `arg4` fault code, `arg5` fault value (`arg0` is 0).
    pub(crate) fn error_probe_arg(&mut self, n: u8, span: Span) -> Expr {
        if n > 5 {
            return Expr::int(0, Type::I64, span);
        }
        super::types::coerce(Expr::new(ExprKind::Arg(n), Type::U64, span), &Type::I64)
    }
}

/// The buffer key of the running clause's records: [`abi::clause_buffer_key`] of the CPU.
fn clause_key(span: Span) -> Expr {
    let cpu = Expr::new(ExprKind::Builtin(Builtin::Cpu), Type::U32, span);
    Expr::new(
        ExprKind::Binary {
            op: BinaryOp::Add,
            lhs: Box::new(Expr::int(abi::CLAUSE_BUFFER_BASE as i64, Type::U64, span)),
            rhs: Box::new(super::types::coerce(cpu, &Type::U64)),
        },
        Type::U64,
        span,
    )
}

/// In a speculating clause the default record starts after `speculate()` (and its fault
/// check), so the record goes to the speculation with the clause's data.
fn move_record_start_after(body: &mut Vec<Stmt>, spec: VarId, actions: &[Action]) {
    let is_start = |s: &Stmt| {
        matches!(&s.kind, StmtKind::Emit { action, .. }
            if matches!(actions.get(action.0 as usize).map(|a| &a.kind), Some(ActionKind::RecordStart { .. })))
    };
    let Some(from) = body.iter().position(is_start) else {
        return;
    };
    let Some(at) = body
        .iter()
        .position(|s| matches!(&s.kind, StmtKind::Assign { var, .. } if *var == spec))
    else {
        return;
    };
    if at < from {
        return;
    }
    let start = body.remove(from);
    // After the assignment and the fault exit that follows it.
    let is_fault_exit = |s: &Stmt| {
        match &s.kind {
        StmtKind::If { then, .. } => then.iter().any(|t| {
            matches!(&t.kind, StmtKind::Emit { action, .. }
                if matches!(actions.get(action.0 as usize).map(|a| &a.kind), Some(ActionKind::Fault { .. })))
        }),
        _ => false,
    }
    };
    let mut to = at;
    if body.get(to).is_some_and(is_fault_exit) {
        to += 1;
    }
    body.insert(to.min(body.len()), start);
}
