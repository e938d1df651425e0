//! Statements and control flow: assignments, map updates, `if`, bounded loops, `break`,
//! `continue`, `return`, and action records.

use crate::func::{CgError, FnGen, R};
use inkwell::IntPredicate;
use ir::diag::Diagnostic;
use ir::{Expr, Stmt, StmtKind, Type};

impl<'ctx> FnGen<'_, 'ctx> {
    /// Generates a block of statements.
    pub(crate) fn block_stmts(&mut self, stmts: &[Stmt]) -> Result<(), Diagnostic> {
        for s in stmts {
            if self.terminated() {
                // Code after return/break/continue: unreachable, but keep generating (and
                // checking) it in a block of its own; LLVM drops it.
                let dead = self.block("dead");
                self.b.position_at_end(dead);
            }
            self.stmt(s).map_err(|e| e.into_diag(s.span))?;
        }
        Ok(())
    }

    fn nested(&mut self, stmts: &[Stmt]) -> R<()> {
        self.block_stmts(stmts).map_err(CgError::Diag)
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        self.locate(s.span);
        match &s.kind {
            StmtKind::Expr(e) => {
                self.discard(e)?;
            }
            StmtKind::Assign { var, value } => {
                let place = self.var_place(*var, s.span)?;
                let ty = self.var_type(*var, s.span)?;
                self.eval_into(value, place, &ty)?;
            }
            StmtKind::MapStore { map, key, value } => {
                self.map_store(*map, key.as_ref(), value, s.span)?
            }
            StmtKind::MapAggregate {
                map,
                key,
                value,
                incr,
            } => self.map_aggregate(*map, key.as_ref(), value.as_ref(), incr.as_ref(), s.span)?,
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.scalar(cond)?;
                let c = self.truthy(c)?;
                let then_bb = self.block("then");
                let else_bb = self.block("else");
                let done = self.block("endif");
                self.b.build_conditional_branch(c, then_bb, else_bb)?;
                self.b.position_at_end(then_bb);
                self.nested(then)?;
                self.br(done)?;
                self.b.position_at_end(else_bb);
                self.nested(otherwise)?;
                self.br(done)?;
                self.b.position_at_end(done);
            }
            StmtKind::While { cond, body } => {
                let head = self.block("while");
                let body_bb = self.block("while_body");
                let done = self.block("while_end");
                self.br(head)?;
                self.b.position_at_end(head);
                let c = self.scalar(cond)?;
                let c = self.truthy(c)?;
                self.b.build_conditional_branch(c, body_bb, done)?;
                self.b.position_at_end(body_bb);
                self.loops.push((head, done));
                let r = self.nested(body);
                self.loops.pop();
                r?;
                self.br(head)?;
                self.b.position_at_end(done);
            }
            StmtKind::ForRange {
                var,
                start,
                end,
                body,
            } => self.for_range(*var, start, end, body, s)?,
            StmtKind::ForMap { var, map, body } => self.for_map(*var, *map, body, s.span)?,
            StmtKind::Break | StmtKind::Continue => {
                let Some(&(cont, brk)) = self.loops.last() else {
                    return crate::func::error(s.span, "break/continue outside a loop");
                };
                self.b
                    .build_unconditional_branch(if matches!(s.kind, StmtKind::Break) {
                        brk
                    } else {
                        cont
                    })?;
            }
            StmtKind::Return => {
                if self.in_record > 0 {
                    return unsupported_here(
                        s,
                        "'return' while an action's arguments are evaluated",
                    );
                }
                self.b.build_unconditional_branch(self.exit_bb)?;
            }
            StmtKind::Emit { action, args } => self.emit(*action, args, s.span)?,
        }
        Ok(())
    }

    fn for_range(
        &mut self,
        var: ir::VarId,
        start: &Expr,
        end: &Expr,
        body: &[Stmt],
        s: &Stmt,
    ) -> R<()> {
        let ty = self.var_type(var, s.span)?;
        let Type::Int(it) = ty else {
            return crate::func::error(s.span, "the loop variable of a range must be an integer");
        };
        let place = self.var_place(var, s.span)?;
        self.eval_into(start, place, &ty)?;
        let endv = self.scalar(end)?;
        let endv = self.convert(endv, &end.ty, &ty)?;
        let head = self.block("for");
        let body_bb = self.block("for_body");
        let step = self.block("for_step");
        let done = self.block("for_end");
        self.br(head)?;
        self.b.position_at_end(head);
        let i = self.load(place, &ty)?;
        let pred = if it.signed {
            IntPredicate::SLT
        } else {
            IntPredicate::ULT
        };
        let c = self.b.build_int_compare(pred, i, endv, "in_range")?;
        self.b.build_conditional_branch(c, body_bb, done)?;
        self.b.position_at_end(body_bb);
        self.loops.push((step, done));
        let r = self.nested(body);
        self.loops.pop();
        r?;
        self.br(step)?;
        self.b.position_at_end(step);
        let i = self.load(place, &ty)?;
        let next = self
            .b
            .build_int_add(i, i.get_type().const_int(1, false), "next")?;
        self.store(place, &ty, next)?;
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// Evaluates `e` for its side effects.
    pub(crate) fn discard(&mut self, e: &Expr) -> R<()> {
        if e.ty == Type::Void || e.ty.is_scalar() {
            if e.ty == Type::Void {
                return match &e.kind {
                    ir::ExprKind::Block { stmts, value } => {
                        self.nested(stmts)?;
                        self.discard(value)
                    }
                    _ => crate::func::unsupported(e.span, "an expression without a value here"),
                };
            }
            self.scalar(e)?;
        } else {
            self.eval_mem(e)?;
        }
        Ok(())
    }

    /// Evaluates the statements of a block expression.
    pub(crate) fn block_expr_stmts(&mut self, stmts: &[Stmt]) -> R<()> {
        self.nested(stmts)
    }

    /// Where variable `v` lives.
    pub(crate) fn var_place(&self, v: ir::VarId, span: ir::Span) -> R<crate::func::Place<'ctx>> {
        match self.vars.get(v.0 as usize) {
            Some(p) => Ok(*p),
            None => crate::func::error(span, format!("internal error: unknown variable {}", v.0)),
        }
    }

    /// The type of variable `v`.
    pub(crate) fn var_type(&self, v: ir::VarId, span: ir::Span) -> R<Type> {
        match self.probe.vars.get(v.0 as usize) {
            Some(d) => Ok(d.ty.clone()),
            None => crate::func::error(span, format!("internal error: unknown variable {}", v.0)),
        }
    }
}

fn unsupported_here(s: &Stmt, what: &str) -> R<()> {
    crate::func::unsupported(s.span, what)
}
