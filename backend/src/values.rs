//! Values that live in memory (strings, tuples, records): evaluating into a destination, copying
//! between types of different sizes, and field access.
//!
//! Every such value is written straight where it is needed (a ring buffer record, a map key, a
//! variable's scratch region) without intermediate copies where the expression allows it.

use crate::func::{error, unsupported, CtxKind, FnGen, Place, R};
use crate::helpers::Helper;
use ir::{Builtin, Expr, ExprKind, Span, StructLayout, Type};

/// The field types of a tuple or record.
pub(crate) fn fields(ty: &Type) -> Option<Vec<Type>> {
    match ty {
        Type::Tuple(f) => Some(f.clone()),
        Type::Record(f) => Some(f.iter().map(|(_, t)| t.clone()).collect()),
        _ => None,
    }
}

/// True when a struct layout has padding bytes (which must be zeroed for keys to hash equal).
fn has_padding(fields: &[Type], layout: &StructLayout) -> bool {
    fields.iter().map(Type::size).sum::<u32>() != layout.size
}

impl<'ctx> FnGen<'_, 'ctx> {
    /// A place holding the value of `e` (the variable itself for variables, a temporary
    /// otherwise).
    pub(crate) fn eval_mem(&mut self, e: &Expr) -> R<Place<'ctx>> {
        match &e.kind {
            ExprKind::Var(v) if !e.ty.is_scalar() => {
                let vt = self.var_type(*v, e.span)?;
                let place = self.var_place(*v, e.span)?;
                if vt == e.ty {
                    return Ok(place);
                }
                let t = self.temp(&e.ty)?;
                self.copy_coerce(t, &e.ty, place, &vt, e.span)?;
                Ok(t)
            }
            ExprKind::Field { base, index } if !e.ty.is_scalar() => {
                let (place, fty) = self.field_place(base, *index, e.span)?;
                if fty == e.ty {
                    return Ok(place);
                }
                let t = self.temp(&e.ty)?;
                self.copy_coerce(t, &e.ty, place, &fty, e.span)?;
                Ok(t)
            }
            _ => {
                let t = self.temp(&e.ty)?;
                self.eval_into(e, t, &e.ty)?;
                Ok(t)
            }
        }
    }

    /// The place and type of field `index` of the tuple/record `base`.
    pub(crate) fn field_place(
        &mut self,
        base: &Expr,
        index: u32,
        span: Span,
    ) -> R<(Place<'ctx>, Type)> {
        let Some(fs) = fields(&base.ty) else {
            return error(
                span,
                format!("internal error: field of a {} value", base.ty),
            );
        };
        let layout = StructLayout::of(fs.iter());
        let (Some(off), Some(fty)) = (layout.offsets.get(index as usize), fs.get(index as usize))
        else {
            return error(
                span,
                format!("internal error: no field {index} in {}", base.ty),
            );
        };
        let place = self.eval_mem(base)?;
        Ok((self.at(place, *off)?, fty.clone()))
    }

    /// Writes the value of `e` at `dst` as a value of type `dty` (converting integers, padding or
    /// truncating strings, field by field for tuples).
    pub(crate) fn eval_into(&mut self, e: &Expr, dst: Place<'ctx>, dty: &Type) -> R<()> {
        if dty.is_scalar() {
            let v = self.scalar(e)?;
            let v = self.convert(v, &e.ty, dty)?;
            return self.store(dst, dty, v);
        }
        match (&e.kind, dty) {
            (ExprKind::Str(s), Type::Str { size }) => self.literal_into(s, dst, *size),
            (
                ExprKind::ReadStr {
                    ptr,
                    space,
                    max_len,
                },
                Type::Str { size },
            ) => {
                let n = (*size).min(e.ty.size());
                self.read_str_into(ptr, *space, max_len.as_deref(), dst, n, e.span)?;
                self.zero_tail(dst, n, *size)
            }
            (
                ExprKind::Builtin(Builtin::Kstack | Builtin::Ustack | Builtin::Func)
                | ExprKind::Call {
                    func: ir::Function::Ksym | ir::Function::Usym,
                    ..
                },
                Type::Stack(_) | Type::Symbol { .. },
            ) => self.stack_value_into(e, dst, dty),
            (
                ExprKind::Call {
                    func: ir::Function::Buf,
                    args,
                },
                Type::Buffer { size },
            ) if *dty == e.ty => self.buf_into(args, dst, *size),
            (
                ExprKind::Call {
                    func:
                        f @ (ir::Function::StrRange
                        | ir::Function::Strjoin
                        | ir::Function::StrCase { .. }
                        | ir::Function::UserArgs
                        | ir::Function::Cleanpath
                        | ir::Function::Lltostr),
                    args,
                },
                Type::Str { size },
            ) => self.strbuild_into(*f, args, e, dst, *size),
            (ExprKind::Bytes(bytes), _) if dty.size() as usize == bytes.len() => {
                self.bytes_into(bytes, dst)
            }
            (ExprKind::Builtin(Builtin::Comm), Type::Str { size }) if *size >= 16 => {
                self.call(
                    Helper::GetCurrentComm,
                    &[dst.ptr.into(), self.u32c(16).into()],
                )?;
                self.zero_tail(dst, 16, *size)
            }
            (
                ExprKind::Tuple(items) | ExprKind::Record(items),
                Type::Tuple(_) | Type::Record(_),
            ) => {
                let Some(fs) = fields(dty).filter(|f| f.len() == items.len()) else {
                    return unsupported(e.span, format!("storing a {} value as {dty}", e.ty));
                };
                let layout = StructLayout::of(fs.iter());
                if has_padding(&fs, &layout) {
                    self.zero(dst, layout.size)?;
                }
                for ((item, fty), off) in items.iter().zip(&fs).zip(&layout.offsets) {
                    let p = self.at(dst, *off)?;
                    self.eval_into(item, p, fty)?;
                }
                Ok(())
            }
            (
                ExprKind::Ternary {
                    cond,
                    then,
                    otherwise,
                },
                _,
            ) => {
                let c = self.scalar(cond)?;
                let c = self.truthy(c)?;
                let then_bb = self.block("v_then");
                let else_bb = self.block("v_else");
                let done = self.block("v_end");
                self.b.build_conditional_branch(c, then_bb, else_bb)?;
                self.b.position_at_end(then_bb);
                self.eval_into(then, dst, dty)?;
                self.br(done)?;
                self.b.position_at_end(else_bb);
                self.eval_into(otherwise, dst, dty)?;
                self.br(done)?;
                self.b.position_at_end(done);
                Ok(())
            }
            (ExprKind::Block { stmts, value }, _) => {
                self.block_expr_stmts(stmts)?;
                self.eval_into(value, dst, dty)
            }
            // `(uint8[8])$x`: the integer's bytes (its size is the array's) as an array.
            (ExprKind::Cast(inner), Type::Array { .. }) if inner.ty.is_scalar() && *dty == e.ty => {
                let v = self.scalar(inner)?;
                let bits = Type::int((dty.size() * 8) as u8, false);
                let v = self.convert(v, &inner.ty, &bits)?;
                self.store(dst, &bits, v)
            }
            // A resize of a string (or tuple) value: build the operand straight into the
            // destination's type, which truncates or zero-pads it.
            (ExprKind::Cast(inner), _) if !inner.ty.is_scalar() => self.eval_into(inner, dst, dty),
            (ExprKind::MapRead { map, key }, _) => {
                self.map_read_into(*map, key.as_deref(), dst, dty, e)
            }
            (ExprKind::Var(_) | ExprKind::Field { .. }, _) => {
                let src = self.eval_mem(e)?;
                self.copy_coerce(dst, dty, src, &e.ty, e.span)
            }
            _ if *dty != e.ty => {
                // Build the value as its own type, then convert.
                let t = self.temp(&e.ty)?;
                self.eval_into(e, t, &e.ty)?;
                self.copy_coerce(dst, dty, t, &e.ty, e.span)
            }
            (ExprKind::Builtin(Builtin::Comm), _) => {
                unsupported(e.span, "'comm' in a buffer under 16 bytes")
            }
            (ExprKind::CtxField { offset }, _) => {
                if self.ctx_kind != CtxKind::Tracepoint {
                    return unsupported(e.span, "a tracepoint field outside a tracepoint probe");
                }
                let src = self.at(
                    Place {
                        ptr: self.ctx_ptr,
                        align: 8,
                    },
                    *offset,
                )?;
                self.call(
                    Helper::ProbeReadKernel,
                    &[dst.ptr.into(), self.u32c(dty.size()).into(), src.ptr.into()],
                )?;
                Ok(())
            }
            (ExprKind::Deref { ptr, space }, _) => {
                self.read_into(dst, dty.size(), ptr, *space, e.span)
            }
            _ => unsupported(e.span, format!("a value of type {} built this way", e.ty)),
        }
    }

    /// Zeroes bytes `from..to` of `dst`.
    fn zero_tail(&mut self, dst: Place<'ctx>, from: u32, to: u32) -> R<()> {
        if to > from {
            let p = self.at(dst, from)?;
            self.zero(p, to - from)?;
        }
        Ok(())
    }

    /// Copies a `sty` value at `src` to `dst` as a `dty` value.
    pub(crate) fn copy_coerce(
        &mut self,
        dst: Place<'ctx>,
        dty: &Type,
        src: Place<'ctx>,
        sty: &Type,
        span: Span,
    ) -> R<()> {
        if dty == sty {
            return self.copy(dst, src, dty.size());
        }
        if dty.is_scalar() && sty.is_scalar() {
            let v = self.load(src, sty)?;
            let v = self.convert(v, sty, dty)?;
            return self.store(dst, dty, v);
        }
        match (dty, sty) {
            (Type::Str { size: d }, Type::Str { size: s }) => {
                if d >= s {
                    self.copy(dst, src, *s)?;
                    self.zero_tail(dst, *s, *d)
                } else {
                    let keep = d.saturating_sub(1);
                    self.copy(dst, src, keep)?;
                    self.zero_tail(dst, keep, *d)
                }
            }
            (Type::Tuple(_) | Type::Record(_), Type::Tuple(_) | Type::Record(_)) => {
                let (Some(df), Some(sf)) = (fields(dty), fields(sty)) else {
                    return unsupported(span, format!("converting {sty} to {dty}"));
                };
                if df.len() != sf.len() {
                    return unsupported(span, format!("converting {sty} to {dty}"));
                }
                let dl = StructLayout::of(df.iter());
                let sl = StructLayout::of(sf.iter());
                if has_padding(&df, &dl) {
                    self.zero(dst, dl.size)?;
                }
                for i in 0..df.len() {
                    let d = self.at(dst, dl.offsets[i])?;
                    let s = self.at(src, sl.offsets[i])?;
                    self.copy_coerce(d, &df[i], s, &sf[i], span)?;
                }
                Ok(())
            }
            // Same bytes, another meaning (an array as a `macaddr`, a tuple as an `inet`).
            (Type::Text(_) | Type::Array { .. }, _) if dty.size() == sty.size() => {
                self.copy(dst, src, dty.size())
            }
            _ => unsupported(span, format!("converting {sty} to {dty}")),
        }
    }
}
