//! More functions computed in BPF: `strlen`, `strstr`, string indexing, `bswap`, `buf`,
//! `signal`/`signal_thread`, and constant byte arrays (`pton`).

use crate::func::{error, unsupported, FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::{Expr, ExprKind, Function, Type};

/// The largest `haystack size * needle size` of a `strstr()`: its nested loop is explored by the
/// verifier one iteration at a time, within its 1M instruction budget.
const MAX_STRSTR_WORK: u64 = 16 * 1024;

impl<'ctx> FnGen<'_, 'ctx> {
    /// The scalar functions of this module.
    pub(crate) fn call_function_more(
        &mut self,
        f: Function,
        args: &[Expr],
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        match f {
            Function::Strlen => {
                let [s] = args else {
                    return error(e.span, "strlen takes one argument");
                };
                let Type::Str { size } = s.ty else {
                    return unsupported(e.span, format!("strlen() of a {}", s.ty));
                };
                let p = self.eval_mem(s)?;
                let n = self.strlen(p, size)?;
                let n = self.forget(n)?;
                self.convert(n, &Type::U64, &e.ty)
            }
            Function::Strstr => {
                let (h, n, start) = match args {
                    [h, n] => (h, n, None),
                    [h, n, start] => (h, n, Some(start)),
                    _ => return error(e.span, "strstr takes two or three arguments"),
                };
                let (Type::Str { size: sh }, Type::Str { size: sn }) = (&h.ty, &n.ty) else {
                    return unsupported(e.span, "strstr() of non-strings");
                };
                let (sh, sn) = (*sh, *sn);
                if u64::from(sh) * u64::from(sn) > MAX_STRSTR_WORK {
                    return unsupported(
                        e.span,
                        format!(
                            "strstr() of a string[{sh}] and a string[{sn}] (at most {MAX_STRSTR_WORK} for the product of the sizes)"
                        ),
                    );
                }
                let hp = self.eval_mem(h)?;
                let np = self.eval_mem(n)?;
                let start = match start {
                    Some(x) => {
                        let v = self.scalar(x)?;
                        Some(self.convert(v, &x.ty, &Type::I64)?)
                    }
                    None => None,
                };
                let i = self.strstr_from(hp, sh, np, sn, start)?;
                let i = self.forget(i)?;
                self.convert(i, &Type::I64, &e.ty)
            }
            Function::StrIndex => {
                let [s, i] = args else {
                    return error(e.span, "string indexing takes a string and an index");
                };
                let Type::Str { size } = s.ty else {
                    return unsupported(e.span, format!("indexing a {}", s.ty));
                };
                let p = self.eval_mem(s)?;
                let iv = self.scalar(i)?;
                let iv = self.convert(iv, &i.ty, &Type::U64)?;
                let inside = self.b.build_int_compare(
                    IntPredicate::ULT,
                    iv,
                    self.u64c(u64::from(size)),
                    "inside",
                )?;
                // Clamp first so the load stays inside the buffer, then zero when outside.
                let safe = self
                    .b
                    .build_select(inside, iv, self.u64c(0), "idx")?
                    .into_int_value();
                let i8t = self.cx.i8_type();
                // SAFETY: safe < size.
                let at = unsafe { self.b.build_gep(i8t, p.ptr, &[safe], "at")? };
                let c = self.b.build_load(i8t, at, "c")?.into_int_value();
                let c = self
                    .b
                    .build_select(inside, c, i8t.const_zero(), "byte")?
                    .into_int_value();
                self.convert(c, &Type::int(8, true), &e.ty)
            }
            Function::Bswap => {
                let [n] = args else {
                    return error(e.span, "bswap takes one argument");
                };
                let v = self.scalar(n)?;
                let bits = v.get_type().get_bit_width();
                let r = if bits <= 8 {
                    v
                } else {
                    let f = inkwell::intrinsics::Intrinsic::find("llvm.bswap")
                        .and_then(|i| i.get_declaration(self.module, &[v.get_type().into()]))
                        .ok_or_else(|| {
                            crate::func::CgError::Llvm("llvm.bswap is missing".into())
                        })?;
                    let call = self.b.build_call(f, &[v.into()], "bswap")?;
                    match call.try_as_basic_value() {
                        inkwell::values::ValueKind::Basic(b) => b.into_int_value(),
                        inkwell::values::ValueKind::Instruction(_) => v,
                    }
                };
                let ut = Type::int(bits.max(8) as u8, false);
                self.convert(r, &ut, &e.ty)
            }
            Function::Signal { thread } => {
                let [sig] = args else {
                    return error(e.span, "signal takes one argument");
                };
                let v = self.scalar(sig)?;
                let v = self.convert(v, &sig.ty, &Type::U32)?;
                let h = if thread {
                    Helper::SendSignalThread
                } else {
                    Helper::SendSignal
                };
                let r = self.call(h, &[v.into()])?.into_int_value();
                self.convert(r, &Type::I64, &e.ty)
            }
            _ => unsupported(e.span, format!("{f:?} as a number")),
        }
    }

    /// `buf(src, len)` into `dst`, a `Buffer { size }`: the `u32` length, then the bytes.
    pub(crate) fn buf_into(&mut self, args: &[Expr], dst: Place<'ctx>, size: u32) -> R<()> {
        let [src, len, space] = args else {
            return error(
                args.first().map_or(ir::Span::DUMMY, |a| a.span),
                "buf takes a source, a length and an address space",
            );
        };
        self.zero(dst, 4 + size)?;
        let data = self.at(dst, 4)?;
        // The length: at most `size`.
        let l = self.scalar(len)?;
        let l = self.convert(l, &len.ty, &Type::U64)?;
        let cap = self.u64c(u64::from(size));
        let big = self
            .b
            .build_int_compare(IntPredicate::UGT, l, cap, "toolong")?;
        let l = self.b.build_select(big, cap, l, "len")?.into_int_value();
        let l32 = self.b.build_int_truncate(l, self.cx.i32_type(), "len32")?;
        if src.ty.is_scalar() {
            let p = self.scalar(src)?;
            let p = self.convert(p, &src.ty, &Type::U64)?;
            let p = self.b.build_int_to_ptr(p, self.ptrt(), "src")?;
            let user = matches!(space.kind, ExprKind::Int(1));
            let h = if user {
                Helper::ProbeReadUser
            } else {
                Helper::ProbeReadKernel
            };
            // A variable length must be provably within the buffer: mask to the next power of
            // two and compare again (the verifier tracks both bounds).
            let mask = u64::from(size).next_power_of_two().saturating_mul(2) - 1;
            let masked = self.b.build_and(l, self.u64c(mask), "lenmask")?;
            let big = self
                .b
                .build_int_compare(IntPredicate::UGT, masked, cap, "toolong2")?;
            let masked = self
                .b
                .build_select(big, cap, masked, "len")?
                .into_int_value();
            let m32 = self
                .b
                .build_int_truncate(masked, self.cx.i32_type(), "lenm32")?;
            let ret = self.call(h, &[data.ptr.into(), m32.into(), p.into()])?;
            self.check_helper(h, ret, src.span)?;
        } else {
            // A value in memory (a string or an array): copy all of it; the length says how much
            // of it counts.
            let n = src.ty.size().min(size);
            let sp = self.eval_mem(src)?;
            self.copy(data, sp, n)?;
        }
        self.store(dst, &Type::U32, l32)
    }

    /// Writes constant bytes at `dst`.
    pub(crate) fn bytes_into(&mut self, bytes: &[u8], dst: Place<'ctx>) -> R<()> {
        let i8t = self.cx.i8_type();
        for (i, b) in bytes.iter().enumerate() {
            let p = self.at(dst, i as u32)?;
            self.b
                .build_store(p.ptr, i8t.const_int(u64::from(*b), false))?;
        }
        Ok(())
    }

    /// The number of bytes before the first NUL of the `size`-byte string at `p` (uint64).
    fn strlen(&mut self, p: Place<'ctx>, size: u32) -> R<IntValue<'ctx>> {
        let i8t = self.cx.i8_type();
        let from = self.current()?;
        let head = self.block("strlen");
        let body = self.block("strlen_body");
        let next = self.block("strlen_next");
        let done = self.block("strlen_end");
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(head);
        let i = self.b.build_phi(self.i64t(), "i")?;
        i.add_incoming(&[(&self.u64c(0), from)]);
        let iv = i.as_basic_value().into_int_value();
        let more =
            self.b
                .build_int_compare(IntPredicate::ULT, iv, self.u64c(u64::from(size)), "more")?;
        self.b.build_conditional_branch(more, body, done)?;
        self.b.position_at_end(body);
        // SAFETY: i < size.
        let at = unsafe { self.b.build_gep(i8t, p.ptr, &[iv], "at")? };
        let c = self.b.build_load(i8t, at, "c")?.into_int_value();
        let nul = self
            .b
            .build_int_compare(IntPredicate::EQ, c, i8t.const_zero(), "nul")?;
        self.b.build_conditional_branch(nul, done, next)?;
        self.b.position_at_end(next);
        let inc = self.b.build_int_add(iv, self.u64c(1), "inc")?;
        i.add_incoming(&[(&inc, next)]);
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(done);
        let r = self.b.build_phi(self.i64t(), "strlen")?;
        r.add_incoming(&[(&iv, head), (&iv, body)]);
        Ok(r.as_basic_value().into_int_value())
    }

    /// The index of the first occurrence of the string at `needle` (`sn` bytes) in the string
    /// at `hay` (`sh` bytes), or -1; 0 for an empty needle (int64). Also `strcontains()`'s search.
    pub(crate) fn strstr(
        &mut self,
        hay: Place<'ctx>,
        sh: u32,
        needle: Place<'ctx>,
        sn: u32,
    ) -> R<IntValue<'ctx>> {
        self.strstr_from(hay, sh, needle, sn, None)
    }

    /// [`Self::strstr`] starting at index `start` (an i64 the caller keeps within the string;
    /// 0 when `None`); an empty needle is found at `start`.
    pub(crate) fn strstr_from(
        &mut self,
        hay: Place<'ctx>,
        sh: u32,
        needle: Place<'ctx>,
        sn: u32,
        start: Option<IntValue<'ctx>>,
    ) -> R<IntValue<'ctx>> {
        let start = start.unwrap_or_else(|| self.u64c(0));
        let i8t = self.cx.i8_type();
        let i64t = self.i64t();
        let minus1 = i64t.const_all_ones();
        let yes = self.block("strstr_yes");
        let no = self.block("strstr_no");
        let done = self.block("strstr_end");
        let outer = self.block("strstr");
        let n0 = self.b.build_load(i8t, needle.ptr, "n0")?.into_int_value();
        let empty = self
            .b
            .build_int_compare(IntPredicate::EQ, n0, i8t.const_zero(), "empty")?;
        let from = self.current()?;
        self.b.build_conditional_branch(empty, done, outer)?;
        self.b.position_at_end(outer);
        let i = self.b.build_phi(i64t, "i")?;
        i.add_incoming(&[(&start, from)]);
        let iv = i.as_basic_value().into_int_value();
        let at_i = self.block("strstr_at");
        let more =
            self.b
                .build_int_compare(IntPredicate::ULT, iv, self.u64c(u64::from(sh)), "more")?;
        self.b.build_conditional_branch(more, at_i, no)?;
        self.b.position_at_end(at_i);
        // SAFETY: i < sh.
        let hp = unsafe { self.b.build_gep(i8t, hay.ptr, &[iv], "hp")? };
        let hc = self.b.build_load(i8t, hp, "hc")?.into_int_value();
        let end = self
            .b
            .build_int_compare(IntPredicate::EQ, hc, i8t.const_zero(), "end")?;
        let inner = self.block("strstr_j");
        let next_i = self.block("strstr_next");
        self.b.build_conditional_branch(end, no, inner)?;
        self.b.position_at_end(inner);
        let j = self.b.build_phi(i64t, "j")?;
        j.add_incoming(&[(&self.u64c(0), at_i)]);
        let jv = j.as_basic_value().into_int_value();
        let j_body = self.block("strstr_jb");
        let j_more =
            self.b
                .build_int_compare(IntPredicate::ULT, jv, self.u64c(u64::from(sn)), "jmore")?;
        self.b.build_conditional_branch(j_more, j_body, yes)?;
        self.b.position_at_end(j_body);
        // SAFETY: j < sn.
        let np = unsafe { self.b.build_gep(i8t, needle.ptr, &[jv], "np")? };
        let nc = self.b.build_load(i8t, np, "nc")?.into_int_value();
        let n_end = self
            .b
            .build_int_compare(IntPredicate::EQ, nc, i8t.const_zero(), "nend")?;
        let j_in = self.block("strstr_jin");
        self.b.build_conditional_branch(n_end, yes, j_in)?;
        self.b.position_at_end(j_in);
        let k = self.b.build_int_add(iv, jv, "k")?;
        let inside =
            self.b
                .build_int_compare(IntPredicate::ULT, k, self.u64c(u64::from(sh)), "inside")?;
        let j_cmp = self.block("strstr_jcmp");
        self.b.build_conditional_branch(inside, j_cmp, next_i)?;
        self.b.position_at_end(j_cmp);
        // SAFETY: k < sh.
        let kp = unsafe { self.b.build_gep(i8t, hay.ptr, &[k], "kp")? };
        let kc = self.b.build_load(i8t, kp, "kc")?.into_int_value();
        let same = self.b.build_int_compare(IntPredicate::EQ, kc, nc, "same")?;
        let j_next = self.block("strstr_jnext");
        self.b.build_conditional_branch(same, j_next, next_i)?;
        self.b.position_at_end(j_next);
        let jinc = self.b.build_int_add(jv, self.u64c(1), "jinc")?;
        j.add_incoming(&[(&jinc, j_next)]);
        self.b.build_unconditional_branch(inner)?;
        self.b.position_at_end(next_i);
        let iinc = self.b.build_int_add(iv, self.u64c(1), "iinc")?;
        i.add_incoming(&[(&iinc, next_i)]);
        self.b.build_unconditional_branch(outer)?;
        self.b.position_at_end(yes);
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(no);
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        let result = self.b.build_phi(i64t, "strstr")?;
        result.add_incoming(&[(&start, from), (&iv, yes), (&minus1, no)]);
        Ok(result.as_basic_value().into_int_value())
    }
}
