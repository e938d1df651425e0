//! D's `alloca` and `bcopy`: regions of the per-CPU scratch entry handed to the script as plain
//! kernel addresses, and copies into them with the destination bounds-checked against the entry.

use crate::func::{error, FnGen, R};
use crate::helpers::Helper;
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::{AddrSpace, Expr, Type};

impl<'ctx> FnGen<'_, 'ctx> {
    /// [`ir::Function::Alloca`]: zeroes this call's own scratch region and yields its address.
    pub(crate) fn alloca(&mut self, size: u32, e: &Expr) -> R<IntValue<'ctx>> {
        let p = self.scratch(size.max(1))?;
        self.zero(p, size.max(1))?;
        let a = self.b.build_ptr_to_int(p.ptr, self.i64t(), "alloca")?;
        self.convert(a, &Type::U64, &e.ty)
    }

    /// [`ir::Function::Bcopy`]: true when `[dst, dst + size)` is not inside the scratch entry
    /// as far as this program has used it; otherwise probe-reads the source into it (false).
    pub(crate) fn bcopy(
        &mut self,
        space: AddrSpace,
        size: u32,
        args: &[Expr],
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        let [src, dst] = args else {
            return error(
                e.span,
                "internal error: bcopy takes a source and a destination",
            );
        };
        let s = self.scalar(src)?;
        let s = self.convert(s, &src.ty, &Type::U64)?;
        let d = self.scalar(dst)?;
        let d = self.convert(d, &dst.ty, &Type::U64)?;
        let size = size.max(1);
        // Every region an earlier alloca of this program handed out ends below `scratch_used`.
        let Some(limit) = self.scratch_used.checked_sub(size) else {
            return self.convert(self.cx.bool_type().const_int(1, false), &Type::Bool, &e.ty);
        };
        let base = self.scratch_base()?;
        // Plain numbers for the verifier, which forbids subtracting a map pointer from a number
        // (and `dst` may still be the very pointer alloca produced).
        let bp = self.b.build_ptr_to_int(base, self.i64t(), "scratch_addr")?;
        let b = self.launder(bp)?;
        let d = self.launder(d)?;
        let off = self.b.build_int_sub(d, b, "off")?;
        // Through a volatile stack slot, so that LLVM cannot fold `base + (dst - base)` back into
        // pointer arithmetic the verifier refuses.
        let slot = self.stack(8)?;
        let st = self.b.build_store(slot.ptr, off)?;
        let _ = st.set_volatile(true);
        let off = self
            .b
            .build_load(self.i64t(), slot.ptr, "off")?
            .into_int_value();
        if let Some(i) = off.as_instruction() {
            let _ = i.set_volatile(true);
        }
        let inside = self.b.build_int_compare(
            IntPredicate::ULE,
            off,
            self.u64c(u64::from(limit)),
            "inside",
        )?;
        let from = self.current()?;
        let copy = self.block("bcopy");
        let done = self.block("bcopy_end");
        self.b.build_conditional_branch(inside, copy, done)?;
        self.b.position_at_end(copy);
        // SAFETY: off <= limit, so the range lies inside the scratch entry.
        let to = unsafe {
            self.b
                .build_gep(self.cx.i8_type(), base, &[off], "bcopy_dst")?
        };
        let sp = self.b.build_int_to_ptr(s, self.ptrt(), "bcopy_src")?;
        let h = match space {
            AddrSpace::Kernel => Helper::ProbeReadKernel,
            AddrSpace::User => Helper::ProbeReadUser,
        };
        self.call(h, &[to.into(), self.u32c(size).into(), sp.into()])?;
        let copied = self.current()?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        let bool_t = self.cx.bool_type();
        let bad = self.b.build_phi(bool_t, "bcopy_bad")?;
        bad.add_incoming(&[
            (&bool_t.const_int(1, false), from),
            (&bool_t.const_zero(), copied),
        ]);
        self.convert(bad.as_basic_value().into_int_value(), &Type::Bool, &e.ty)
    }

    /// `v` copied through the stack with a probe-read, which leaves untyped bytes: a number
    /// the verifier no longer knows to be a pointer.
    fn launder(&mut self, v: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let spill = self.stack(8)?;
        let st = self.b.build_store(spill.ptr, v)?;
        let _ = st.set_volatile(true);
        let num = self.stack(8)?;
        self.call(
            Helper::ProbeReadKernel,
            &[num.ptr.into(), self.u32c(8).into(), spill.ptr.into()],
        )?;
        let n = self
            .b
            .build_load(self.i64t(), num.ptr, "number")?
            .into_int_value();
        if let Some(i) = n.as_instruction() {
            let _ = i.set_volatile(true);
        }
        Ok(n)
    }
}
