//! Checks that let a front end report run-time faults (D's `invalid address`): whether memory
//! can be read, without reading it into anything.

use crate::func::{error, FnGen, R};
use crate::helpers::Helper;
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::{AddrSpace, Expr, ExprKind, Type};

impl<'ctx> FnGen<'_, 'ctx> {
    /// [`ir::Function::Unreadable`]: probe-reads the first byte and the last byte of the range
    /// into a stack slot; true when either read fails.
    pub(crate) fn unreadable(
        &mut self,
        space: AddrSpace,
        args: &[Expr],
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        let [addr, size] = args else {
            return error(e.span, "unreadable takes an address and a size");
        };
        let ExprKind::Int(n) = size.kind else {
            return error(size.span, "unreadable needs a constant size");
        };
        let a = self.scalar(addr)?;
        let a = self.convert(a, &addr.ty, &Type::U64)?;
        let slot = self.stack(8)?;
        let h = match space {
            AddrSpace::Kernel => Helper::ProbeReadKernel,
            AddrSpace::User => Helper::ProbeReadUser,
        };
        let mut failed = None;
        for off in [0, n.max(1) - 1] {
            let at = self.b.build_int_add(a, self.u64c(off), "probe_at")?;
            let p = self.b.build_int_to_ptr(at, self.ptrt(), "probe_ptr")?;
            let r = self
                .call(h, &[slot.ptr.into(), self.u32c(1).into(), p.into()])?
                .into_int_value();
            let zero = r.get_type().const_zero();
            let bad = self
                .b
                .build_int_compare(IntPredicate::NE, r, zero, "read_failed")?;
            failed = Some(match failed {
                None => bad,
                Some(f) => self.b.build_or(f, bad, "any_failed")?,
            });
            if n <= 1 {
                break;
            }
        }
        let Some(failed) = failed else {
            return error(e.span, "unreadable of an empty range");
        };
        self.convert(failed, &Type::Bool, &e.ty)
    }
}
