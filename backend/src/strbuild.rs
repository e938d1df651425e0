//! Functions that build strings or search them byte by byte in BPF: string ranges
//! ([`ir::Function::StrRange`]), joins, byte searches from either end, the last occurrence of a
//! substring, ASCII case mapping, integer-to-text conversion (`lltostr`) and a process's
//! arguments as one line.
//!
//! Each is a bounded loop over a fixed-size buffer. Every byte access is preceded by a compare
//! of its index with the buffer size, so the verifier can prove it in bounds. Results are built
//! in fresh scratch memory and then copied to their destination: a destination may be one of
//! the arguments (`s = strjoin(s, "x")`).

use crate::func::{error, unsupported, FnGen, Place, R};
use inkwell::basic_block::BasicBlock;
use inkwell::values::{BasicValue, IntValue};
use inkwell::IntPredicate;
use ir::{Expr, Function, Type};

/// The largest `haystack size * needle size` of a last-occurrence search: its nested loop is
/// explored by the verifier one iteration at a time, within its 1M instruction budget.
const MAX_RSTR_WORK: u64 = 16 * 1024;

/// Room for a 64-bit number in base 2, a sign or prefix, and the NUL.
const LLTOSTR_BUF: u32 = 72;

impl<'ctx> FnGen<'_, 'ctx> {
    /// `for i in 0..n`: `body` gets `i` (an i64) and the block after the loop (to break out);
    /// falling off the end of the body continues with `i + 1`.
    fn count_loop(
        &mut self,
        n: u64,
        body: &mut dyn FnMut(&mut Self, IntValue<'ctx>, BasicBlock<'ctx>) -> R<()>,
    ) -> R<()> {
        let from = self.current()?;
        let head = self.block("loop");
        let inner = self.block("loop_body");
        let latch = self.block("loop_next");
        let exit = self.block("loop_end");
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(head);
        let i = self.b.build_phi(self.i64t(), "i")?;
        i.add_incoming(&[(&self.u64c(0), from)]);
        let iv = i.as_basic_value().into_int_value();
        let more = self
            .b
            .build_int_compare(IntPredicate::ULT, iv, self.u64c(n), "more")?;
        self.b.build_conditional_branch(more, inner, exit)?;
        self.b.position_at_end(inner);
        body(self, iv, exit)?;
        self.br(latch)?;
        self.b.position_at_end(latch);
        let inc = self.b.build_int_add(iv, self.u64c(1), "inc")?;
        i.add_incoming(&[(&inc, latch)]);
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(exit);
        Ok(())
    }

    /// Byte `k` (an i64) of the `size`-byte buffer at `p`; control goes to `outside` when `k`
    /// is not below `size` (unsigned, so negative indices are outside too).
    fn byte_at(
        &mut self,
        p: Place<'ctx>,
        size: u32,
        k: IntValue<'ctx>,
        outside: BasicBlock<'ctx>,
    ) -> R<IntValue<'ctx>> {
        let k = self.opaque(k)?;
        let ok = self.block("byte_in");
        let inside =
            self.b
                .build_int_compare(IntPredicate::ULT, k, self.u64c(u64::from(size)), "inside")?;
        self.b.build_conditional_branch(inside, ok, outside)?;
        self.b.position_at_end(ok);
        let i8t = self.cx.i8_type();
        // SAFETY: k < size, checked above.
        let at = unsafe { self.b.build_gep(i8t, p.ptr, &[k], "at")? };
        Ok(self.b.build_load(i8t, at, "c")?.into_int_value())
    }

    /// Stores byte `c` at index `k` of the `size`-byte buffer at `p`; control goes to `outside`
    /// when `k` is not below `size`.
    fn put_byte(
        &mut self,
        p: Place<'ctx>,
        size: u32,
        k: IntValue<'ctx>,
        c: IntValue<'ctx>,
        outside: BasicBlock<'ctx>,
    ) -> R<()> {
        let k = self.opaque(k)?;
        let ok = self.block("put_in");
        let inside =
            self.b
                .build_int_compare(IntPredicate::ULT, k, self.u64c(u64::from(size)), "inside")?;
        self.b.build_conditional_branch(inside, ok, outside)?;
        self.b.position_at_end(ok);
        let i8t = self.cx.i8_type();
        // SAFETY: k < size, checked above.
        let at = unsafe { self.b.build_gep(i8t, p.ptr, &[k], "at")? };
        self.b.build_store(at, c)?;
        Ok(())
    }

    /// `k` as an index LLVM cannot take apart: passed through scratch memory before its bounds
    /// check, so the check and the address use the same register (otherwise LLVM splits
    /// `base + (start + i)` into a hoisted `base + start` the verifier cannot bound).
    fn opaque(&mut self, k: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        self.forget(k)
    }

    /// An i64 in scratch memory, initialised to `v`. Not on the stack: the verifier does not
    /// track what scratch memory holds, so the value a loop leaves there does not keep apart
    /// the states of its different exits (which would multiply the work of every later loop).
    fn i64_slot(&mut self, v: IntValue<'ctx>) -> R<Place<'ctx>> {
        let p = self.scratch(8)?;
        self.store(p, &Type::I64, v)?;
        Ok(p)
    }

    /// An i64 read back from a scratch slot with a volatile load (so LLVM keeps the load and the
    /// verifier sees an unknown value; see [`Self::i64_slot`]).
    pub(crate) fn load_slot(&mut self, p: Place<'ctx>) -> R<IntValue<'ctx>> {
        let v = self.b.build_load(self.i64t(), p.ptr, "slot")?;
        if let Some(i) = v.as_instruction_value() {
            let _ = i.set_volatile(true);
            let _ = i.set_alignment(8);
        }
        Ok(v.into_int_value())
    }

    /// `v` passed through scratch memory: the same number, but one the verifier no longer
    /// knows, so that the states after a search loop's many exits can be merged.
    pub(crate) fn forget(&mut self, v: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let wide = self
            .b
            .build_int_z_extend_or_bit_cast(v, self.i64t(), "wide")?;
        let p = self.i64_slot(wide)?;
        let r = self.load_slot(p)?;
        Ok(self
            .b
            .build_int_truncate_or_bit_cast(r, v.get_type(), "forgot")?)
    }

    /// An argument as a signed 64-bit value.
    fn i64_arg(&mut self, a: &Expr) -> R<IntValue<'ctx>> {
        let v = self.scalar(a)?;
        self.convert(v, &a.ty, &Type::I64)
    }

    /// A string-building function into `dst`, a string buffer of `size` bytes.
    pub(crate) fn strbuild_into(
        &mut self,
        f: Function,
        args: &[Expr],
        e: &Expr,
        dst: Place<'ctx>,
        size: u32,
    ) -> R<()> {
        let n = e.ty.size().min(size).max(1);
        let out = self.scratch(n)?;
        self.zero(out, n)?;
        match f {
            Function::StrRange => {
                let [s, start, count] = args else {
                    return error(
                        e.span,
                        "internal error: a string range takes three arguments",
                    );
                };
                let Type::Str { size: ss } = s.ty else {
                    return unsupported(e.span, format!("a range of a {}", s.ty));
                };
                let sp = self.eval_mem(s)?;
                let start = self.i64_arg(start)?;
                let count = self.i64_arg(count)?;
                self.range_into(out, n, sp, ss, start, count)?;
            }
            Function::Strjoin => {
                let [a, b] = args else {
                    return error(e.span, "internal error: strjoin takes two arguments");
                };
                let (Type::Str { size: sa }, Type::Str { size: sb }) = (&a.ty, &b.ty) else {
                    return unsupported(e.span, "strjoin() of non-strings");
                };
                let (sa, sb) = (*sa, *sb);
                let pa = self.eval_mem(a)?;
                let pb = self.eval_mem(b)?;
                let len = self.i64_slot(self.u64c(0))?;
                self.count_loop(u64::from(sa.min(n - 1)), &mut |g, i, exit| {
                    let c = g.byte_at(pa, sa, i, exit)?;
                    g.break_if_nul(c, exit)?;
                    g.put_byte(out, n - 1, i, c, exit)?;
                    let next = g.b.build_int_add(i, g.u64c(1), "len")?;
                    g.store(len, &Type::I64, next)
                })?;
                let l = self.load_slot(len)?;
                self.count_loop(u64::from(sb), &mut |g, j, exit| {
                    let c = g.byte_at(pb, sb, j, exit)?;
                    g.break_if_nul(c, exit)?;
                    let k = g.b.build_int_add(l, j, "k")?;
                    g.put_byte(out, n - 1, k, c, exit)
                })?;
            }
            Function::StrCase { upper } => {
                let [s] = args else {
                    return error(e.span, "internal error: toupper/tolower take one argument");
                };
                let Type::Str { size: ss } = s.ty else {
                    return unsupported(e.span, format!("changing the case of a {}", s.ty));
                };
                let sp = self.eval_mem(s)?;
                let (lo, delta) = if upper { (b'a', -32i64) } else { (b'A', 32) };
                self.count_loop(u64::from(ss.min(n - 1)), &mut |g, i, exit| {
                    let c = g.byte_at(sp, ss, i, exit)?;
                    g.break_if_nul(c, exit)?;
                    let i8t = g.cx.i8_type();
                    let off =
                        g.b.build_int_sub(c, i8t.const_int(u64::from(lo), false), "off")?;
                    let letter = g.b.build_int_compare(
                        IntPredicate::ULT,
                        off,
                        i8t.const_int(26, false),
                        "letter",
                    )?;
                    let moved =
                        g.b.build_int_add(c, i8t.const_int(delta as u64, true), "moved")?;
                    let m = g.b.build_select(letter, moved, c, "m")?.into_int_value();
                    g.put_byte(out, n - 1, i, m, exit)
                })?;
            }
            Function::Cleanpath => {
                let [src] = args else {
                    return error(e.span, "internal error: cleanpath takes one argument");
                };
                let Type::Str { size: ss } = src.ty else {
                    return unsupported(e.span, format!("cleanpath() of a {}", src.ty));
                };
                let sp = self.eval_mem(src)?;
                self.cleanpath_into(out, n, sp, ss)?;
            }
            Function::UserArgs => {
                let [addr, len] = args else {
                    return error(e.span, "internal error: user arguments take two arguments");
                };
                let a = self.scalar(addr)?;
                let a = self.convert(a, &addr.ty, &Type::U64)?;
                let a = self.b.build_int_to_ptr(a, self.ptrt(), "args")?;
                let l = self.scalar(len)?;
                let l = self.convert(l, &len.ty, &Type::U64)?;
                // At most n - 1 bytes, so the string keeps a NUL; a length the verifier can
                // bound (masked, then compared).
                let cap = self.u64c(u64::from(n - 1));
                let big = self.b.build_int_compare(IntPredicate::UGT, l, cap, "big")?;
                let m = self.b.build_select(big, cap, l, "m")?.into_int_value();
                let mask = u64::from(n).next_power_of_two() * 2 - 1;
                let m = self.b.build_and(m, self.u64c(mask), "mm")?;
                let big = self
                    .b
                    .build_int_compare(IntPredicate::UGT, m, cap, "big2")?;
                let m = self.b.build_select(big, cap, m, "m2")?.into_int_value();
                let m32 = self.b.build_int_truncate(m, self.cx.i32_type(), "m32")?;
                self.call(
                    crate::helpers::Helper::ProbeReadUser,
                    &[out.ptr.into(), m32.into(), a.into()],
                )?;
                self.count_loop(u64::from(n - 1), &mut |g, i, exit| {
                    let next = g.b.build_int_add(i, g.u64c(1), "next")?;
                    let last = g.b.build_int_compare(IntPredicate::UGE, next, l, "last")?;
                    let more = g.block("args_more");
                    g.b.build_conditional_branch(last, exit, more)?;
                    g.b.position_at_end(more);
                    let c = g.byte_at(out, n, i, exit)?;
                    let nul = g.b.build_int_compare(
                        IntPredicate::EQ,
                        c,
                        c.get_type().const_zero(),
                        "nul",
                    )?;
                    let space = c.get_type().const_int(u64::from(b' '), false);
                    let m = g.b.build_select(nul, space, c, "m")?.into_int_value();
                    g.put_byte(out, n - 1, i, m, exit)
                })?;
            }
            Function::Lltostr => {
                let [v, base] = args else {
                    return error(e.span, "internal error: lltostr takes two arguments");
                };
                let v = self.i64_arg(v)?;
                let base = self.i64_arg(base)?;
                self.lltostr_into(out, n, v, base)?;
            }
            _ => return unsupported(e.span, format!("{f:?} as a string")),
        }
        self.copy(dst, out, n)?;
        if size > n {
            let tail = self.at(dst, n)?;
            self.zero(tail, size - n)?;
        }
        Ok(())
    }

    /// DTrace's `cleanpath`: one pass over the source with a state (after a `/`, `/.`, `/..`)
    /// and a stack of the positions of the slashes written, so that `/../` goes back to the
    /// previous slash without searching for it.
    fn cleanpath_into(&mut self, out: Place<'ctx>, n: u32, src: Place<'ctx>, ss: u32) -> R<()> {
        let cap = n / 2 + 2;
        let slashes = self.scratch(8 * cap)?;
        let state = self.i64_slot(self.u64c(0))?;
        let j = self.i64_slot(self.u64c(0))?;
        let depth = self.i64_slot(self.u64c(0))?;
        let i8t = self.cx.i8_type();
        self.count_loop(u64::from(ss) + 1, &mut |g, i, exit| {
            // Room for "/..c" and the NUL, as DTrace checks before each character.
            let jv = g.load_slot(j)?;
            let j5 = g.b.build_int_add(jv, g.u64c(5), "j5")?;
            let full =
                g.b.build_int_compare(IntPredicate::UGE, j5, g.u64c(u64::from(n)), "full")?;
            let go = g.block("cp_go");
            g.b.build_conditional_branch(full, exit, go)?;
            g.b.position_at_end(go);
            // The byte (a NUL past the buffer).
            let cslot = g.i64_slot(g.u64c(0))?;
            let inside =
                g.b.build_int_compare(IntPredicate::ULT, i, g.u64c(u64::from(ss)), "inside")?;
            let read = g.block("cp_read");
            let have = g.block("cp_have");
            g.b.build_conditional_branch(inside, read, have)?;
            g.b.position_at_end(read);
            let c_in = g.byte_at(src, ss, i, have)?;
            let c64 = g.b.build_int_z_extend(c_in, g.i64t(), "c64")?;
            g.store(cslot, &Type::I64, c64)?;
            g.br(have)?;
            g.b.position_at_end(have);
            let c = g.load_slot(cslot)?;
            let c = g.b.build_int_truncate(c, i8t, "c")?;
            let cp = Cleanpath {
                state,
                j,
                depth,
                slashes,
                cap,
                out,
                n,
            };
            g.cleanpath_step(c, &cp, exit)
        })?;
        // Clear what a `/..` left after the end. The end is read again in every iteration: a
        // register compared in both branches of a loop would keep the verifier's paths apart.
        self.count_loop(u64::from(n), &mut |g, k, _| {
            let end = g.load_slot(j)?;
            let after = g.b.build_int_compare(IntPredicate::UGE, k, end, "after")?;
            let clear = g.block("cp_clear");
            let next = g.block("cp_clear_next");
            g.b.build_conditional_branch(after, clear, next)?;
            g.b.position_at_end(clear);
            g.put_byte(out, n, k, i8t.const_zero(), next)?;
            g.br(next)?;
            g.b.position_at_end(next);
            Ok(())
        })
    }

    /// One character of `cleanpath`: the state machine's transition, and what it writes.
    fn cleanpath_step(
        &mut self,
        c: IntValue<'ctx>,
        cp: &Cleanpath<'ctx>,
        exit: BasicBlock<'ctx>,
    ) -> R<()> {
        let i8t = self.cx.i8_type();
        let is = |g: &mut Self, b: u8| {
            g.b.build_int_compare(
                IntPredicate::EQ,
                c,
                i8t.const_int(u64::from(b), false),
                "is",
            )
        };
        let slash = is(self, b'/')?;
        let dot = is(self, b'.')?;
        let nul = is(self, 0)?;
        let cont = self.block("cp_next");
        let st = self.load_slot(cp.state)?;
        let b_n = self.block("cp_normal");
        let b_s = self.block("cp_slash");
        let b_d = self.block("cp_dot");
        let b_dd = self.block("cp_dotdot");
        self.b.build_switch(
            st,
            b_n,
            &[
                (self.u64c(1), b_s),
                (self.u64c(2), b_d),
                (self.u64c(3), b_dd),
            ],
        )?;
        let set = |g: &mut Self, v: u64| g.store(cp.state, &Type::I64, g.u64c(v));
        let ch = |b: u8| i8t.const_int(u64::from(b), false);
        // Ends the string after `c` when it was the NUL.
        let end_or_next = |g: &mut Self| -> R<()> {
            g.b.build_conditional_branch(nul, exit, cont)?;
            Ok(())
        };
        // Normal: a slash starts a component; anything else is copied.
        self.b.position_at_end(b_n);
        let (yes, no) = (self.block("cp_n_slash"), self.block("cp_n_char"));
        self.b.build_conditional_branch(slash, yes, no)?;
        self.b.position_at_end(yes);
        set(self, 1)?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(no);
        self.cp_emit(cp, &[c], exit)?;
        end_or_next(self)?;
        // After a slash: more slashes collapse, a dot may start "." or "..".
        self.b.position_at_end(b_s);
        let (yes, other) = (self.block("cp_s_slash"), self.block("cp_s_other"));
        self.b.build_conditional_branch(slash, yes, other)?;
        self.b.position_at_end(yes);
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(other);
        let (d, no) = (self.block("cp_s_dot"), self.block("cp_s_char"));
        self.b.build_conditional_branch(dot, d, no)?;
        self.b.position_at_end(d);
        set(self, 2)?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(no);
        self.cp_push_slash(cp, exit)?;
        self.cp_emit(cp, &[ch(b'/'), c], exit)?;
        set(self, 0)?;
        end_or_next(self)?;
        // After "/.": a slash drops the ".", a second dot makes "..".
        self.b.position_at_end(b_d);
        let (yes, other) = (self.block("cp_d_slash"), self.block("cp_d_other"));
        self.b.build_conditional_branch(slash, yes, other)?;
        self.b.position_at_end(yes);
        set(self, 1)?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(other);
        let (d, no) = (self.block("cp_d_dot"), self.block("cp_d_char"));
        self.b.build_conditional_branch(dot, d, no)?;
        self.b.position_at_end(d);
        set(self, 3)?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(no);
        self.cp_push_slash(cp, exit)?;
        self.cp_emit(cp, &[ch(b'/'), ch(b'.'), c], exit)?;
        set(self, 0)?;
        end_or_next(self)?;
        // After "/..": a slash or the end goes back to the previous slash written.
        self.b.position_at_end(b_dd);
        let up = self.b.build_or(slash, nul, "up")?;
        let (back, no) = (self.block("cp_dd_back"), self.block("cp_dd_char"));
        self.b.build_conditional_branch(up, back, no)?;
        self.b.position_at_end(no);
        self.cp_push_slash(cp, exit)?;
        self.cp_emit(cp, &[ch(b'/'), ch(b'.'), ch(b'.'), c], exit)?;
        set(self, 0)?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(back);
        let dv = self.load_slot(cp.depth)?;
        let (pop, none, popped) = (
            self.block("cp_pop"),
            self.block("cp_none"),
            self.block("cp_popped"),
        );
        let empty = self
            .b
            .build_int_compare(IntPredicate::EQ, dv, self.u64c(0), "empty")?;
        self.b.build_conditional_branch(empty, none, pop)?;
        self.b.position_at_end(none);
        self.store(cp.j, &Type::I64, self.u64c(0))?;
        self.b.build_unconditional_branch(popped)?;
        self.b.position_at_end(pop);
        let top = self.b.build_int_sub(dv, self.u64c(1), "top")?;
        self.store(cp.depth, &Type::I64, top)?;
        let at = self.cp_slot(cp, top, exit)?;
        let pos = self.load_slot(at)?;
        self.store(cp.j, &Type::I64, pos)?;
        self.b.build_unconditional_branch(popped)?;
        self.b.position_at_end(popped);
        let (fin, again) = (self.block("cp_dd_end"), self.block("cp_dd_slash"));
        self.b.build_conditional_branch(nul, fin, again)?;
        self.b.position_at_end(fin);
        // The string keeps the slash it went back to.
        let jv = self.load_slot(cp.j)?;
        let j1 = self.b.build_int_add(jv, self.u64c(1), "j1")?;
        self.store(cp.j, &Type::I64, j1)?;
        self.b.build_unconditional_branch(exit)?;
        self.b.position_at_end(again);
        set(self, 1)?;
        self.b.build_unconditional_branch(cont)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// Appends `bytes` at `j` of cleanpath's output.
    fn cp_emit(
        &mut self,
        cp: &Cleanpath<'ctx>,
        bytes: &[IntValue<'ctx>],
        exit: BasicBlock<'ctx>,
    ) -> R<()> {
        for b in bytes {
            let jv = self.load_slot(cp.j)?;
            self.put_byte(cp.out, cp.n - 1, jv, *b, exit)?;
            let next = self.b.build_int_add(jv, self.u64c(1), "j")?;
            self.store(cp.j, &Type::I64, next)?;
        }
        Ok(())
    }

    /// Entry `k` of cleanpath's slash stack; control goes to `outside` past its end.
    fn cp_slot(
        &mut self,
        cp: &Cleanpath<'ctx>,
        k: IntValue<'ctx>,
        outside: BasicBlock<'ctx>,
    ) -> R<Place<'ctx>> {
        let k = self.opaque(k)?;
        let ok = self.block("cp_slot");
        let inside =
            self.b
                .build_int_compare(IntPredicate::ULT, k, self.u64c(u64::from(cp.cap)), "in")?;
        self.b.build_conditional_branch(inside, ok, outside)?;
        self.b.position_at_end(ok);
        // SAFETY: k < cap, checked above.
        let ptr = unsafe {
            self.b
                .build_gep(self.i64t(), cp.slashes.ptr, &[k], "slot")?
        };
        Ok(Place { ptr, align: 8 })
    }

    /// Remembers that a slash is written at `j` now.
    fn cp_push_slash(&mut self, cp: &Cleanpath<'ctx>, exit: BasicBlock<'ctx>) -> R<()> {
        let dv = self.load_slot(cp.depth)?;
        let at = self.cp_slot(cp, dv, exit)?;
        let jv = self.load_slot(cp.j)?;
        self.store(at, &Type::I64, jv)?;
        let next = self.b.build_int_add(dv, self.u64c(1), "depth")?;
        self.store(cp.depth, &Type::I64, next)
    }

    /// Goes to `exit` when byte `c` is the NUL.
    fn break_if_nul(&mut self, c: IntValue<'ctx>, exit: BasicBlock<'ctx>) -> R<()> {
        let go = self.block("not_nul");
        let nul =
            self.b
                .build_int_compare(IntPredicate::EQ, c, c.get_type().const_zero(), "nul")?;
        self.b.build_conditional_branch(nul, exit, go)?;
        self.b.position_at_end(go);
        Ok(())
    }

    /// Copies at most `count` bytes of the string at `src` (`ss` bytes) from byte `start` into the
    /// zeroed `n`-byte buffer `out`, stopping at the NUL; nothing for a negative start or count.
    fn range_into(
        &mut self,
        out: Place<'ctx>,
        n: u32,
        src: Place<'ctx>,
        ss: u32,
        start: IntValue<'ctx>,
        count: IntValue<'ctx>,
    ) -> R<()> {
        let go = self.block("range");
        let done = self.block("range_end");
        let zero = self.u64c(0);
        let neg_start = self
            .b
            .build_int_compare(IntPredicate::SLT, start, zero, "negstart")?;
        let no_count = self
            .b
            .build_int_compare(IntPredicate::SLE, count, zero, "nocount")?;
        let skip = self.b.build_or(neg_start, no_count, "skip")?;
        self.b.build_conditional_branch(skip, done, go)?;
        self.b.position_at_end(go);
        self.count_loop(u64::from(n - 1), &mut |g, i, exit| {
            let enough =
                g.b.build_int_compare(IntPredicate::UGE, i, count, "enough")?;
            let more = g.block("range_more");
            g.b.build_conditional_branch(enough, exit, more)?;
            g.b.position_at_end(more);
            let k = g.b.build_int_add(start, i, "k")?;
            let c = g.byte_at(src, ss, k, exit)?;
            g.break_if_nul(c, exit)?;
            g.put_byte(out, n - 1, i, c, exit)
        })?;
        self.br(done)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// D's `lltostr`: the digits of `v` in `base`, right to left in a stack buffer, then the
    /// prefix (`0x` for hex, `0` for octal and for zero) and sign, then copied to `out`.
    fn lltostr_into(
        &mut self,
        out: Place<'ctx>,
        n: u32,
        v: IntValue<'ctx>,
        base: IntValue<'ctx>,
    ) -> R<()> {
        let buf = self.stack(LLTOSTR_BUF)?;
        self.zero(buf, LLTOSTR_BUF)?;
        let done = self.block("lltostr_end");
        let go = self.block("lltostr");
        // Bases 2..=36 only; anything else gives the empty string.
        let off = self.b.build_int_sub(base, self.u64c(2), "boff")?;
        let valid = self
            .b
            .build_int_compare(IntPredicate::ULE, off, self.u64c(34), "valid")?;
        self.b.build_conditional_branch(valid, go, done)?;
        self.b.position_at_end(go);
        let zero = self.u64c(0);
        let is10 = self
            .b
            .build_int_compare(IntPredicate::EQ, base, self.u64c(10), "is10")?;
        let negative = self
            .b
            .build_int_compare(IntPredicate::SLT, v, zero, "negv")?;
        let neg = self.b.build_and(is10, negative, "neg")?;
        let minus = self.b.build_int_neg(v, "minus")?;
        let val = self.b.build_select(neg, minus, v, "val")?.into_int_value();
        let val = self.i64_slot(val)?;
        let pos = self.i64_slot(self.u64c(u64::from(LLTOSTR_BUF - 2)))?;
        let i8t = self.cx.i8_type();
        self.count_loop(64, &mut |g, _, exit| {
            let x = g.load_slot(val)?;
            let more = g.block("digit");
            let z = g.b.build_int_compare(IntPredicate::EQ, x, g.u64c(0), "z")?;
            g.b.build_conditional_branch(z, exit, more)?;
            g.b.position_at_end(more);
            let d = g.b.build_int_unsigned_rem(x, base, "d")?;
            let small =
                g.b.build_int_compare(IntPredicate::ULT, d, g.u64c(10), "small")?;
            let dec = g.b.build_int_add(d, g.u64c(u64::from(b'0')), "dec")?;
            let alpha =
                g.b.build_int_add(d, g.u64c(u64::from(b'a') - 10), "alpha")?;
            let ch = g.b.build_select(small, dec, alpha, "ch")?.into_int_value();
            let ch = g.b.build_int_truncate(ch, i8t, "ch8")?;
            g.push_front(buf, pos, ch, exit)?;
            let q = g.b.build_int_unsigned_div(x, base, "q")?;
            g.store(val, &Type::I64, q)
        })?;
        let is16 = self
            .b
            .build_int_compare(IntPredicate::EQ, base, self.u64c(16), "is16")?;
        let is8 = self
            .b
            .build_int_compare(IntPredicate::EQ, base, self.u64c(8), "is8")?;
        let vzero = self
            .b
            .build_int_compare(IntPredicate::EQ, v, zero, "vzero")?;
        let zero16 = self.b.build_and(vzero, is16, "zero16")?;
        let zero_prefix = self.b.build_or(vzero, is8, "zp")?;
        let zero_prefix = self.b.build_or(zero_prefix, is16, "zp16")?;
        for (cond, ch) in [
            (zero16, b'0'),
            (is16, b'x'),
            (zero_prefix, b'0'),
            (neg, b'-'),
        ] {
            let yes = self.block("prefix");
            let next = self.block("prefix_next");
            self.b.build_conditional_branch(cond, yes, next)?;
            self.b.position_at_end(yes);
            self.push_front(buf, pos, i8t.const_int(u64::from(ch), false), next)?;
            self.br(next)?;
            self.b.position_at_end(next);
        }
        let p = self.load_slot(pos)?;
        let start = self.b.build_int_add(p, self.u64c(1), "start")?;
        self.range_into(
            out,
            n,
            buf,
            LLTOSTR_BUF,
            start,
            self.u64c(u64::from(LLTOSTR_BUF)),
        )?;
        self.br(done)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// Writes `c` at `buf[*pos]` and moves `pos` one byte left.
    fn push_front(
        &mut self,
        buf: Place<'ctx>,
        pos: Place<'ctx>,
        c: IntValue<'ctx>,
        outside: BasicBlock<'ctx>,
    ) -> R<()> {
        let p = self.load_slot(pos)?;
        self.put_byte(buf, LLTOSTR_BUF - 1, p, c, outside)?;
        let left = self.b.build_int_sub(p, self.u64c(1), "left")?;
        self.store(pos, &Type::I64, left)
    }

    /// The searches of this module that yield a number (int64).
    pub(crate) fn strsearch(&mut self, f: Function, args: &[Expr], e: &Expr) -> R<IntValue<'ctx>> {
        let minus1 = self.i64t().const_all_ones();
        let r = match f {
            Function::StrFindByte { last, not } => {
                let [s, c, from, to] = args else {
                    return error(e.span, "internal error: a byte search takes four arguments");
                };
                let Type::Str { size: ss } = s.ty else {
                    return unsupported(e.span, format!("searching a {}", s.ty));
                };
                let sp = self.eval_mem(s)?;
                let c = self.scalar(c)?;
                let c = self
                    .b
                    .build_int_truncate_or_bit_cast(c, self.cx.i8_type(), "c8")?;
                let from = self.i64_arg(from)?;
                let to = self.i64_arg(to)?;
                let found = self.i64_slot(minus1)?;
                self.count_loop(u64::from(ss), &mut |g, i, exit| {
                    let b = g.byte_at(sp, ss, i, exit)?;
                    g.break_if_nul(b, exit)?;
                    let past = g.b.build_int_compare(IntPredicate::SGE, i, to, "past")?;
                    let in_end = g.block("find_in");
                    g.b.build_conditional_branch(past, exit, in_end)?;
                    g.b.position_at_end(in_end);
                    let before =
                        g.b.build_int_compare(IntPredicate::SLT, i, from, "before")?;
                    let eq = g.b.build_int_compare(
                        if not {
                            IntPredicate::NE
                        } else {
                            IntPredicate::EQ
                        },
                        b,
                        c,
                        "match",
                    )?;
                    let not_before = g.b.build_not(before, "nb")?;
                    let hit = g.b.build_and(eq, not_before, "hit")?;
                    let yes = g.block("find_hit");
                    let cont = g.block("find_next");
                    g.b.build_conditional_branch(hit, yes, cont)?;
                    g.b.position_at_end(yes);
                    g.store(found, &Type::I64, i)?;
                    if last {
                        g.b.build_unconditional_branch(cont)?;
                    } else {
                        g.b.build_unconditional_branch(exit)?;
                    }
                    g.b.position_at_end(cont);
                    Ok(())
                })?;
                self.load_slot(found)?
            }
            Function::StrFindSet { member } => {
                let [s, set, from] = args else {
                    return error(e.span, "internal error: a set search takes three arguments");
                };
                let (Type::Str { size: ss }, Type::Str { size: sn }) = (&s.ty, &set.ty) else {
                    return unsupported(e.span, "strtok() of non-strings");
                };
                let (ss, sn) = (*ss, *sn);
                if u64::from(ss) * u64::from(sn) > MAX_RSTR_WORK {
                    return unsupported(
                        e.span,
                        format!(
                            "strtok() of a string[{ss}] with delimiters in a string[{sn}] (at most {MAX_RSTR_WORK} for the product of the sizes; use a string literal)"
                        ),
                    );
                }
                let sp = self.eval_mem(s)?;
                let setp = self.eval_mem(set)?;
                let from = self.i64_arg(from)?;
                let from = self.forget(from)?;
                let fslot = self.i64_slot(from)?;
                let found = self.i64_slot(minus1)?;
                self.count_loop(u64::from(ss), &mut |g, i, exit| {
                    let c = g.byte_at(sp, ss, i, exit)?;
                    g.break_if_nul(c, exit)?;
                    let from = g.load_slot(fslot)?;
                    let before =
                        g.b.build_int_compare(IntPredicate::SLT, i, from, "before")?;
                    let test = g.block("set_test");
                    let next = g.block("set_next");
                    g.b.build_conditional_branch(before, next, test)?;
                    g.b.position_at_end(test);
                    let inset = g.block("set_in");
                    let outset = g.block("set_out");
                    g.count_loop(u64::from(sn), &mut |g, j, _| {
                        let d = g.byte_at(setp, sn, j, outset)?;
                        let end = g.b.build_int_compare(
                            IntPredicate::EQ,
                            d,
                            d.get_type().const_zero(),
                            "set_end",
                        )?;
                        let cmp = g.block("set_cmp");
                        g.b.build_conditional_branch(end, outset, cmp)?;
                        g.b.position_at_end(cmp);
                        let same = g.b.build_int_compare(IntPredicate::EQ, d, c, "same")?;
                        let more = g.block("set_more");
                        g.b.build_conditional_branch(same, inset, more)?;
                        g.b.position_at_end(more);
                        Ok(())
                    })?;
                    g.br(outset)?;
                    let (hit, miss) = if member {
                        (inset, outset)
                    } else {
                        (outset, inset)
                    };
                    g.b.position_at_end(hit);
                    g.store(found, &Type::I64, i)?;
                    g.b.build_unconditional_branch(exit)?;
                    g.b.position_at_end(miss);
                    g.b.build_unconditional_branch(next)?;
                    g.b.position_at_end(next);
                    Ok(())
                })?;
                self.load_slot(found)?
            }
            Function::StrRstr => {
                let [h, nd] = args else {
                    return error(e.span, "internal error: rindex takes two arguments");
                };
                let (Type::Str { size: sh }, Type::Str { size: sn }) = (&h.ty, &nd.ty) else {
                    return unsupported(e.span, "rindex() of non-strings");
                };
                let (sh, sn) = (*sh, *sn);
                if u64::from(sh) * u64::from(sn) > MAX_RSTR_WORK {
                    return unsupported(
                        e.span,
                        format!(
                            "rindex() of a string[{sh}] and a string[{sn}] (at most {MAX_RSTR_WORK} for the product of the sizes; use a string literal or a smaller strsize)"
                        ),
                    );
                }
                let hp = self.eval_mem(h)?;
                let np = self.eval_mem(nd)?;
                let found = self.i64_slot(minus1)?;
                self.count_loop(u64::from(sh) + 1, &mut |g, i, exit| {
                    let matched = g.block("rstr_match");
                    let after = g.block("rstr_after");
                    g.count_loop(u64::from(sn), &mut |g, j, _| {
                        let nc = g.byte_at(np, sn, j, matched)?;
                        let nonnul = g.block("rstr_cmp");
                        let nul = g.b.build_int_compare(
                            IntPredicate::EQ,
                            nc,
                            nc.get_type().const_zero(),
                            "nend",
                        )?;
                        g.b.build_conditional_branch(nul, matched, nonnul)?;
                        g.b.position_at_end(nonnul);
                        let k = g.b.build_int_add(i, j, "k")?;
                        let hc = g.byte_at(hp, sh, k, after)?;
                        let same = g.b.build_int_compare(IntPredicate::EQ, hc, nc, "same")?;
                        let cont = g.block("rstr_same");
                        g.b.build_conditional_branch(same, cont, after)?;
                        g.b.position_at_end(cont);
                        Ok(())
                    })?;
                    // The whole needle buffer matched.
                    g.br(matched)?;
                    g.b.position_at_end(matched);
                    g.store(found, &Type::I64, i)?;
                    g.b.build_unconditional_branch(after)?;
                    g.b.position_at_end(after);
                    // Stop after the position of the haystack's NUL.
                    let c = g.byte_at(hp, sh, i, exit)?;
                    g.break_if_nul(c, exit)
                })?;
                self.load_slot(found)?
            }
            _ => return unsupported(e.span, format!("{f:?} as a number")),
        };
        self.convert(r, &Type::I64, &e.ty)
    }
}

/// The state of a `cleanpath` pass, all in scratch memory.
struct Cleanpath<'ctx> {
    /// 0 normal, 1 after a slash, 2 after "/.", 3 after "/..".
    state: Place<'ctx>,
    /// Where the next byte of the output goes.
    j: Place<'ctx>,
    /// How many slash positions `slashes` holds.
    depth: Place<'ctx>,
    /// The positions of the slashes written (i64 each).
    slashes: Place<'ctx>,
    /// Entries of `slashes`.
    cap: u32,
    /// The output buffer and its size.
    out: Place<'ctx>,
    n: u32,
}
