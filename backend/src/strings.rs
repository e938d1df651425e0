//! Strings: literals, `str()` reads, comparisons (`==`, `!=`, `strncmp`).
//!
//! A `Str { size }` value is a NUL-terminated string in a `size`-byte buffer whose bytes after
//! the NUL are zero (so strings compare and hash equal as map keys).

use crate::func::{unsupported, FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::{AddrSpace, Expr, ExprKind, Function, Type};

/// String compares with a literal are unrolled up to this many bytes; longer ones loop.
const UNROLL: u32 = 64;
/// The largest `haystack size * needle size` of a `strcontains()` with a non-literal needle: its
/// nested loop is explored by the verifier one iteration at a time, within its 1M instruction
/// budget.
const MAX_CONTAINS_WORK: u64 = 16 * 1024;

impl<'ctx> FnGen<'_, 'ctx> {
    /// Writes string literal `s` into the `size`-byte buffer `dst` (truncated, zero padded).
    pub(crate) fn literal_into(&mut self, s: &str, dst: Place<'ctx>, size: u32) -> R<()> {
        let bytes = s.as_bytes();
        let n = (bytes.len() as u32).min(size.saturating_sub(1)) as usize;
        self.zero(dst, size)?;
        let mut off = 0usize;
        while off < n {
            let a = crate::func::gcd_align(dst.align, off as u32) as usize;
            let mut w = a.min(8);
            while w > n - off {
                w /= 2;
            }
            let mut v = 0u64;
            for (i, byte) in bytes[off..off + w].iter().enumerate() {
                v |= u64::from(*byte) << (8 * i);
            }
            let p = self.at(dst, off as u32)?;
            let t = self.int_type(8 * w as u32);
            let st = self.b.build_store(p.ptr, t.const_int(v, false))?;
            let _ = st.set_alignment(w as u32);
            off += w;
        }
        Ok(())
    }

    /// `str(ptr[, len])` into `dst` (a buffer of `size` bytes).
    pub(crate) fn read_str_into(
        &mut self,
        ptr: &Expr,
        space: AddrSpace,
        max_len: Option<&Expr>,
        dst: Place<'ctx>,
        size: u32,
        span: ir::Span,
    ) -> R<()> {
        self.zero(dst, size)?;
        let p = self.scalar(ptr)?;
        let p = self.convert(p, &ptr.ty, &Type::U64)?;
        let p = self.b.build_int_to_ptr(p, self.ptrt(), "src")?;
        let n = match max_len {
            None => self.u32c(size),
            Some(len) => {
                let l = self.scalar(len)?;
                let l = self.convert(l, &len.ty, &Type::U64)?;
                let cap = self.u64c(u64::from(size));
                let big = self
                    .b
                    .build_int_compare(IntPredicate::UGT, l, cap, "toolong")?;
                let l = self.b.build_select(big, cap, l, "len")?.into_int_value();
                self.b.build_int_truncate(l, self.cx.i32_type(), "len32")?
            }
        };
        let h = match space {
            AddrSpace::Kernel => Helper::ProbeReadKernelStr,
            AddrSpace::User => Helper::ProbeReadUserStr,
        };
        let ret = self.call(h, &[dst.ptr.into(), n.into(), p.into()])?;
        self.check_helper(h, ret, span)
    }

    /// `a == b` for strings, as `i1`: equal up to and including the first NUL (the end of a
    /// buffer counts as a NUL).
    pub(crate) fn str_eq(&mut self, a: &Expr, b: &Expr) -> R<IntValue<'ctx>> {
        let (Type::Str { size: sa }, Type::Str { size: sb }) = (&a.ty, &b.ty) else {
            return unsupported(a.span.to(b.span), "comparing a string with a non-string");
        };
        match (&a.kind, &b.kind) {
            (ExprKind::Str(l), _) if (l.len() as u32) < UNROLL => {
                let p = self.eval_mem(b)?;
                self.eq_literal(p, *sb, l.as_bytes(), None)
            }
            (_, ExprKind::Str(l)) if (l.len() as u32) < UNROLL => {
                let p = self.eval_mem(a)?;
                self.eq_literal(p, *sa, l.as_bytes(), None)
            }
            _ => {
                let pa = self.eval_mem(a)?;
                let pb = self.eval_mem(b)?;
                self.eq_loop(pa, *sa, pb, *sb, None)
            }
        }
    }

    /// Unrolled compare of the string at `p` (buffer of `size`) with literal `lit`, over at most
    /// `limit` bytes.
    fn eq_literal(
        &mut self,
        p: Place<'ctx>,
        size: u32,
        lit: &[u8],
        limit: Option<u32>,
    ) -> R<IntValue<'ctx>> {
        let i8t = self.cx.i8_type();
        let mut all = self.cx.bool_type().const_int(1, false);
        let mut want: Vec<u8> = lit.to_vec();
        want.push(0);
        let mut n = (want.len() as u32).min(size);
        if let Some(l) = limit {
            n = n.min(l);
        }
        for (i, byte) in want.iter().take(n as usize).enumerate() {
            let at = self.at(p, i as u32)?;
            let v = self.b.build_load(i8t, at.ptr, "c")?.into_int_value();
            let same = self.b.build_int_compare(
                IntPredicate::EQ,
                v,
                i8t.const_int(u64::from(*byte), false),
                "same",
            )?;
            all = self.b.build_and(all, same, "eq")?;
        }
        // A literal longer than the buffer never equals it (the buffer ends first).
        if limit.is_none() && (want.len() as u32) > size + 1 {
            return Ok(self.cx.bool_type().const_zero());
        }
        Ok(all)
    }

    /// Bounded loop comparing two string buffers byte by byte; `limit` bounds the bytes compared
    /// (`strncmp`).
    fn eq_loop(
        &mut self,
        a: Place<'ctx>,
        sa: u32,
        b: Place<'ctx>,
        sb: u32,
        limit: Option<u32>,
    ) -> R<IntValue<'ctx>> {
        let shorter = sa.min(sb);
        let n = limit.map_or(shorter, |l| l.min(shorter));
        let i8t = self.cx.i8_type();
        let bool_t = self.cx.bool_type();
        // Running out of bytes without a difference or a NUL means equal, unless the buffers
        // differ in size, no limit stops earlier, and the longer one goes on past the shorter.
        let ran_out = if sa == sb || limit.is_some_and(|l| l <= shorter) {
            bool_t.const_int(1, false)
        } else {
            let longer = if sa > sb { a } else { b };
            let p = self.at(longer, shorter)?;
            let c = self.b.build_load(i8t, p.ptr, "tail")?.into_int_value();
            self.b
                .build_int_compare(IntPredicate::EQ, c, i8t.const_zero(), "ends")?
        };
        let from = self.current()?;
        let head = self.block("streq");
        let body = self.block("streq_body");
        let next = self.block("streq_next");
        let done = self.block("streq_end");
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(head);
        let i = self.b.build_phi(self.i64t(), "i")?;
        i.add_incoming(&[(&self.u64c(0), from)]);
        let iv = i.as_basic_value().into_int_value();
        let more =
            self.b
                .build_int_compare(IntPredicate::ULT, iv, self.u64c(u64::from(n)), "more")?;
        self.b.build_conditional_branch(more, body, done)?;
        self.b.position_at_end(body);
        // SAFETY: i < n <= both buffer sizes.
        let pa = unsafe { self.b.build_gep(i8t, a.ptr, &[iv], "pa")? };
        let pb = unsafe { self.b.build_gep(i8t, b.ptr, &[iv], "pb")? };
        let ca = self.b.build_load(i8t, pa, "ca")?.into_int_value();
        let cb = self.b.build_load(i8t, pb, "cb")?.into_int_value();
        let differ = self
            .b
            .build_int_compare(IntPredicate::NE, ca, cb, "differ")?;
        let same = self.b.build_not(differ, "same")?;
        let nul = self
            .b
            .build_int_compare(IntPredicate::EQ, ca, i8t.const_zero(), "nul")?;
        let stop = self.b.build_or(differ, nul, "stop")?;
        self.b.build_conditional_branch(stop, done, next)?;
        self.b.position_at_end(next);
        let inc = self.b.build_int_add(iv, self.u64c(1), "inc")?;
        i.add_incoming(&[(&inc, next)]);
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(done);
        let result = self.b.build_phi(bool_t, "streq")?;
        result.add_incoming(&[(&ran_out, head), (&same, body)]);
        Ok(result.as_basic_value().into_int_value())
    }

    /// Whether the string at `hay` (a `size`-byte buffer) contains the non-NUL bytes `lit`, as
    /// `i1`: one bounded loop over the start positions, the compare unrolled.
    fn contains_literal(&mut self, hay: Place<'ctx>, size: u32, lit: &[u8]) -> R<IntValue<'ctx>> {
        let bool_t = self.cx.bool_type();
        let len = lit.len() as u32;
        if len == 0 {
            return Ok(bool_t.const_int(1, false));
        }
        if len > size {
            return Ok(bool_t.const_zero());
        }
        let i8t = self.cx.i8_type();
        let from = self.current()?;
        let head = self.block("contains");
        let body = self.block("contains_at");
        let cmp = self.block("contains_cmp");
        let next = self.block("contains_next");
        let done = self.block("contains_end");
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(head);
        let i = self.b.build_phi(self.i64t(), "i")?;
        i.add_incoming(&[(&self.u64c(0), from)]);
        let iv = i.as_basic_value().into_int_value();
        let starts = u64::from(size - len + 1);
        let more = self
            .b
            .build_int_compare(IntPredicate::ULT, iv, self.u64c(starts), "more")?;
        self.b.build_conditional_branch(more, body, done)?;
        self.b.position_at_end(body);
        // SAFETY: i < size - len + 1, so i + j < size for every j < len.
        let at = unsafe { self.b.build_gep(i8t, hay.ptr, &[iv], "at")? };
        let c0 = self.b.build_load(i8t, at, "c0")?.into_int_value();
        let end = self
            .b
            .build_int_compare(IntPredicate::EQ, c0, i8t.const_zero(), "end")?;
        self.b.build_conditional_branch(end, done, cmp)?;
        self.b.position_at_end(cmp);
        let mut all = bool_t.const_int(1, false);
        for (j, byte) in lit.iter().enumerate() {
            let c = if j == 0 {
                c0
            } else {
                let p = unsafe { self.b.build_gep(i8t, at, &[self.u64c(j as u64)], "atj")? };
                self.b.build_load(i8t, p, "c")?.into_int_value()
            };
            let same = self.b.build_int_compare(
                IntPredicate::EQ,
                c,
                i8t.const_int(u64::from(*byte), false),
                "same",
            )?;
            all = self.b.build_and(all, same, "match")?;
        }
        self.b.build_conditional_branch(all, done, next)?;
        self.b.position_at_end(next);
        let inc = self.b.build_int_add(iv, self.u64c(1), "inc")?;
        i.add_incoming(&[(&inc, next)]);
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(done);
        let result = self.b.build_phi(bool_t, "contains")?;
        let (no, yes) = (bool_t.const_zero(), bool_t.const_int(1, false));
        result.add_incoming(&[(&no, head), (&no, body), (&yes, cmp)]);
        Ok(result.as_basic_value().into_int_value())
    }

    /// Whether the string at `hay` (`sh` bytes) contains the string at `needle` (`sn` bytes), as
    /// `i1`: `strstr()`'s search found an index.
    fn contains_loop(
        &mut self,
        hay: Place<'ctx>,
        sh: u32,
        needle: Place<'ctx>,
        sn: u32,
    ) -> R<IntValue<'ctx>> {
        let index = self.strstr(hay, sh, needle, sn)?;
        let zero = self.i64t().const_zero();
        Ok(self
            .b
            .build_int_compare(IntPredicate::SGE, index, zero, "contains")?)
    }

    /// Functions computed in BPF.
    pub(crate) fn call_function(
        &mut self,
        f: Function,
        args: &[Expr],
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        match f {
            Function::Strncmp => {
                let [a, b, n] = args else {
                    return crate::func::error(e.span, "strncmp takes three arguments");
                };
                let ExprKind::Int(limit) = n.kind else {
                    return unsupported(n.span, "strncmp with a length that is not a constant");
                };
                let (Type::Str { size: sa }, Type::Str { size: sb }) = (&a.ty, &b.ty) else {
                    return unsupported(e.span, "strncmp on non-strings");
                };
                let limit = u32::try_from(limit).unwrap_or(u32::MAX);
                let eq = match (&a.kind, &b.kind) {
                    (ExprKind::Str(l), _) if (l.len() as u32) < UNROLL => {
                        let p = self.eval_mem(b)?;
                        self.eq_literal(p, *sb, l.as_bytes(), Some(limit))?
                    }
                    (_, ExprKind::Str(l)) if (l.len() as u32) < UNROLL => {
                        let p = self.eval_mem(a)?;
                        self.eq_literal(p, *sa, l.as_bytes(), Some(limit))?
                    }
                    _ => {
                        let pa = self.eval_mem(a)?;
                        let pb = self.eval_mem(b)?;
                        self.eq_loop(pa, *sa, pb, *sb, Some(limit))?
                    }
                };
                // strncmp is 0 when equal.
                let ne = self.b.build_not(eq, "ne")?;
                self.convert(ne, &Type::Bool, &e.ty)
            }
            Function::Ksym | Function::Usym | Function::Reg => self.stack_function(f, args, e),
            Function::Strcontains => {
                let [h, n] = args else {
                    return crate::func::error(e.span, "strcontains takes two arguments");
                };
                let (Type::Str { size: sh }, Type::Str { size: sn }) = (&h.ty, &n.ty) else {
                    return unsupported(e.span, "strcontains on non-strings");
                };
                let (sh, sn) = (*sh, *sn);
                let found = match &n.kind {
                    ExprKind::Str(lit) if (lit.len() as u32) < UNROLL => {
                        let lit = lit.as_bytes();
                        let lit = &lit[..lit.iter().position(|c| *c == 0).unwrap_or(lit.len())];
                        let hp = self.eval_mem(h)?;
                        self.contains_literal(hp, sh, lit)?
                    }
                    _ => {
                        if u64::from(sh) * u64::from(sn) > MAX_CONTAINS_WORK {
                            return unsupported(
                                e.span,
                                format!(
                                    "strcontains() of a string[{sh}] and a non-literal string[{sn}] (at most {MAX_CONTAINS_WORK} for the product of the sizes)"
                                ),
                            );
                        }
                        let hp = self.eval_mem(h)?;
                        let np = self.eval_mem(n)?;
                        self.contains_loop(hp, sh, np, sn)?
                    }
                };
                self.convert(found, &Type::Bool, &e.ty)
            }
            Function::Strlen
            | Function::Strstr
            | Function::StrIndex
            | Function::Bswap
            | Function::Buf
            | Function::Signal { .. } => self.call_function_more(f, args, e),
            Function::Unreadable { space } => self.unreadable(space, args, e),
            Function::Alloca { size } => self.alloca(size, e),
            Function::Bcopy { space, size } => self.bcopy(space, size, args, e),
            Function::StrFindByte { .. }
            | Function::StrFindSet { .. }
            | Function::StrRstr
            | Function::StrRange
            | Function::Strjoin
            | Function::StrCase { .. }
            | Function::UserArgs
            | Function::Cleanpath
            | Function::Lltostr => self.strsearch(f, args, e),
            Function::PercpuKaddr { ty } => self.percpu_kaddr(ty, args, e),
        }
    }
}
