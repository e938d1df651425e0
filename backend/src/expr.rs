//! Scalar expressions: constants, variables, operators (BPF semantics for division and shifts),
//! short-circuit logic, the ternary operator and casts.

use crate::func::{is_signed, unsupported, FnGen, R};
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::{BinaryOp, Expr, ExprKind, Type, UnaryOp};

impl<'ctx> FnGen<'_, 'ctx> {
    /// Evaluates a scalar expression to a value of its register type.
    pub(crate) fn scalar(&mut self, e: &Expr) -> R<IntValue<'ctx>> {
        if !e.ty.is_scalar() {
            return unsupported(e.span, format!("using a value of type {} here", e.ty));
        }
        let rt = self.reg_type(&e.ty);
        match &e.kind {
            ExprKind::Int(v) => Ok(rt.const_int(*v, false)),
            ExprKind::Bool(v) => Ok(rt.const_int(u64::from(*v), false)),
            ExprKind::Var(v) => {
                let place = self.var_place(*v, e.span)?;
                let vt = self.var_type(*v, e.span)?;
                let x = self.load(place, &vt)?;
                self.convert(x, &vt, &e.ty)
            }
            ExprKind::MapRead { map, key } => self.map_read_scalar(*map, key.as_deref(), e),
            ExprKind::MapHasKey { map, key } => {
                let found = self.map_has_key(*map, key, e.span)?;
                self.convert(found, &Type::Bool, &e.ty)
            }
            ExprKind::MapDelete { map, key } => {
                let deleted = self.map_delete(*map, key.as_deref(), e.span)?;
                self.convert(deleted, &Type::Bool, &e.ty)
            }
            ExprKind::MapLen { map } => {
                let n = self.map_len(*map, e.span)?;
                self.convert(n, &Type::U64, &e.ty)
            }
            ExprKind::Builtin(b) => self.builtin(*b, e),
            ExprKind::CtxField { offset } => self.ctx_field(*offset, e),
            ExprKind::CtxDataLoc { offset } => self.ctx_data_loc(*offset, e),
            ExprKind::Arg(n) => self.arg(*n, e),
            ExprKind::Retval => self.retval(e),
            ExprKind::Unary { op, operand } => self.unary(*op, operand, e),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e),
            ExprKind::Logical { and, lhs, rhs } => self.logical(*and, lhs, rhs, e),
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => self.ternary_scalar(cond, then, otherwise, e),
            // `(uint64)$bytes`: the integer array's bytes, read as one integer of its size.
            ExprKind::Cast(inner) if matches!(inner.ty, Type::Array { .. }) => {
                let src = self.eval_mem(inner)?;
                self.load(src, &e.ty)
            }
            ExprKind::Cast(inner) => {
                let v = self.scalar(inner)?;
                self.convert(v, &inner.ty, &e.ty)
            }
            ExprKind::Field { base, index } => {
                let (place, fty) = self.field_place(base, *index, e.span)?;
                let v = self.load(place, &fty)?;
                self.convert(v, &fty, &e.ty)
            }
            ExprKind::Deref { ptr, space } => {
                let tmp = self.stack(8)?;
                self.read_into(tmp, e.ty.size(), ptr, *space, e.span)?;
                self.load(tmp, &e.ty)
            }
            ExprKind::Call { func, args } => self.call_function(*func, args, e),
            ExprKind::Block { stmts, value } => {
                self.block_expr_stmts(stmts)?;
                let v = self.scalar(value)?;
                self.convert(v, &value.ty, &e.ty)
            }
            ExprKind::Str(_)
            | ExprKind::Tuple(_)
            | ExprKind::Record(_)
            | ExprKind::ReadStr { .. }
            | ExprKind::Bytes(_) => unsupported(
                e.span,
                format!("a scalar {} built from this expression", e.ty),
            ),
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &Expr, e: &Expr) -> R<IntValue<'ctx>> {
        let v = self.scalar(operand)?;
        let r = match op {
            UnaryOp::Neg => self.b.build_int_sub(v.get_type().const_zero(), v, "neg")?,
            UnaryOp::BitNot => self.b.build_not(v, "bitnot")?,
            UnaryOp::Not => {
                let z = self.b.build_int_compare(
                    IntPredicate::EQ,
                    v,
                    v.get_type().const_zero(),
                    "not",
                )?;
                return self.convert(z, &Type::Bool, &e.ty);
            }
        };
        self.convert(r, &operand.ty, &e.ty)
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, e: &Expr) -> R<IntValue<'ctx>> {
        if matches!(lhs.ty, Type::Str { .. }) || matches!(rhs.ty, Type::Str { .. }) {
            let eq = match op {
                BinaryOp::Eq => self.str_eq(lhs, rhs)?,
                BinaryOp::Ne => {
                    let eq = self.str_eq(lhs, rhs)?;
                    self.b.build_not(eq, "strne")?
                }
                _ => return unsupported(e.span, format!("operator '{}' on strings", op.symbol())),
            };
            return self.convert(eq, &Type::Bool, &e.ty);
        }
        if !lhs.ty.is_scalar() || !rhs.ty.is_scalar() {
            return unsupported(
                e.span,
                format!("operator '{}' on {} values", op.symbol(), lhs.ty),
            );
        }
        let l = self.scalar(lhs)?;
        let r = self.scalar(rhs)?;
        // Operands share a type (front-end invariant); tolerate a width mismatch anyway.
        let r = self.convert(r, &rhs.ty, &lhs.ty)?;
        let signed = is_signed(&lhs.ty);
        let t = l.get_type();
        let zero = t.const_zero();
        let b = &self.b;
        let v = match op {
            BinaryOp::Add => b.build_int_add(l, r, "add")?,
            BinaryOp::Sub => b.build_int_sub(l, r, "sub")?,
            BinaryOp::Mul => b.build_int_mul(l, r, "mul")?,
            BinaryOp::Div | BinaryOp::Mod => {
                return self.divide(op == BinaryOp::Div, l, r, signed, &lhs.ty, &e.ty)
            }
            BinaryOp::BitAnd => b.build_and(l, r, "and")?,
            BinaryOp::BitOr => b.build_or(l, r, "or")?,
            BinaryOp::BitXor => b.build_xor(l, r, "xor")?,
            BinaryOp::Shl | BinaryOp::Shr => {
                // BPF masks the shift amount; LLVM would make an oversized shift poison.
                let bits = u64::from(t.get_bit_width());
                let amount = b.build_and(r, t.const_int(bits.saturating_sub(1), false), "shamt")?;
                if op == BinaryOp::Shl {
                    b.build_left_shift(l, amount, "shl")?
                } else {
                    b.build_right_shift(l, amount, signed, "shr")?
                }
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let pred = match (op, signed) {
                    (BinaryOp::Eq, _) => IntPredicate::EQ,
                    (BinaryOp::Ne, _) => IntPredicate::NE,
                    (BinaryOp::Lt, true) => IntPredicate::SLT,
                    (BinaryOp::Lt, false) => IntPredicate::ULT,
                    (BinaryOp::Le, true) => IntPredicate::SLE,
                    (BinaryOp::Le, false) => IntPredicate::ULE,
                    (BinaryOp::Gt, true) => IntPredicate::SGT,
                    (BinaryOp::Gt, false) => IntPredicate::UGT,
                    (BinaryOp::Ge, true) => IntPredicate::SGE,
                    _ => IntPredicate::UGE,
                };
                let _ = zero;
                let c = b.build_int_compare(pred, l, r, "cmp")?;
                return self.convert(c, &Type::Bool, &e.ty);
            }
        };
        self.convert(v, &lhs.ty, &e.ty)
    }

    /// Division and remainder with BPF semantics: `x / 0 == 0`, `x % 0 == x`; the signed
    /// overflow case `MIN / -1` wraps to `MIN` (and `MIN % -1 == 0`) instead of being undefined.
    fn divide(
        &mut self,
        div: bool,
        l: IntValue<'ctx>,
        r: IntValue<'ctx>,
        signed: bool,
        ty: &Type,
        result: &Type,
    ) -> R<IntValue<'ctx>> {
        let t = l.get_type();
        let b = &self.b;
        let is_zero = b.build_int_compare(IntPredicate::EQ, r, t.const_zero(), "divzero")?;
        // Divide by 1 instead of 0 (and instead of -1 for signed), then fix the result up.
        let safe = b
            .build_select(is_zero, t.const_int(1, false), r, "divisor")?
            .into_int_value();
        let v = if signed {
            let minus1 = b.build_int_compare(IntPredicate::EQ, r, t.const_all_ones(), "minus1")?;
            let safe = b
                .build_select(minus1, t.const_int(1, false), safe, "divisor")?
                .into_int_value();
            let q = if div {
                b.build_int_signed_div(l, safe, "sdiv")?
            } else {
                b.build_int_signed_rem(l, safe, "srem")?
            };
            let neg = b.build_int_sub(t.const_zero(), l, "negl")?;
            let fixed = if div { neg } else { t.const_zero() };
            b.build_select(minus1, fixed, q, "q")?.into_int_value()
        } else if div {
            b.build_int_unsigned_div(l, safe, "udiv")?
        } else {
            b.build_int_unsigned_rem(l, safe, "urem")?
        };
        let by_zero = if div { t.const_zero() } else { l };
        let v = b.build_select(is_zero, by_zero, v, "div")?.into_int_value();
        self.convert(v, ty, result)
    }

    fn logical(&mut self, and: bool, lhs: &Expr, rhs: &Expr, e: &Expr) -> R<IntValue<'ctx>> {
        let l = self.scalar(lhs)?;
        let l = self.truthy(l)?;
        let from = self.current()?;
        let rhs_bb = self.block(if and { "and_rhs" } else { "or_rhs" });
        let done = self.block("logic_end");
        if and {
            self.b.build_conditional_branch(l, rhs_bb, done)?;
        } else {
            self.b.build_conditional_branch(l, done, rhs_bb)?;
        }
        self.b.position_at_end(rhs_bb);
        let r = self.scalar(rhs)?;
        let r = self.truthy(r)?;
        let rhs_end = self.current()?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        let bool_t = self.cx.bool_type();
        let phi = self.b.build_phi(bool_t, "logic")?;
        let short = bool_t.const_int(u64::from(!and), false);
        phi.add_incoming(&[(&short, from), (&r, rhs_end)]);
        self.convert(phi.as_basic_value().into_int_value(), &Type::Bool, &e.ty)
    }

    fn ternary_scalar(
        &mut self,
        cond: &Expr,
        then: &Expr,
        otherwise: &Expr,
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        let c = self.scalar(cond)?;
        let c = self.truthy(c)?;
        let then_bb = self.block("t_then");
        let else_bb = self.block("t_else");
        let done = self.block("t_end");
        self.b.build_conditional_branch(c, then_bb, else_bb)?;
        self.b.position_at_end(then_bb);
        let a = self.scalar(then)?;
        let a = self.convert(a, &then.ty, &e.ty)?;
        let a_end = self.current()?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(else_bb);
        let o = self.scalar(otherwise)?;
        let o = self.convert(o, &otherwise.ty, &e.ty)?;
        let o_end = self.current()?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        let phi = self.b.build_phi(self.reg_type(&e.ty), "t")?;
        phi.add_incoming(&[(&a, a_end), (&o, o_end)]);
        Ok(phi.as_basic_value().into_int_value())
    }
}
