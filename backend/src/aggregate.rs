//! Aggregations (`count`, `sum`, `min`, `max`, `avg`, `stats`, `hist`, `lhist`, and D's
//! `stddev`, `quantize`, `lquantize`, `llquantize`): updating this CPU's slot in place, reading
//! the combined value across CPUs, and histogram bucket indexes computed exactly like the
//! bucket functions of [`ir::abi`].

use crate::func::{error, is_signed, unsupported, FnGen, Place, R};
use crate::helpers::Helper;
use crate::mapops::BPF_NOEXIST;
use inkwell::basic_block::BasicBlock;
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;
use ir::{abi, Expr, MapId, MapKind, Span, Type};

impl<'ctx> FnGen<'_, 'ctx> {
    /// `@m[k] = agg(v)` (`incr`: D's increment of the quantize family, 1 when absent).
    pub(crate) fn map_aggregate(
        &mut self,
        id: MapId,
        key: Option<&Expr>,
        value: Option<&Expr>,
        incr: Option<&Expr>,
        span: Span,
    ) -> R<()> {
        let (decl, g) = self.map(id, span)?;
        let decl = decl.clone();
        let kind = decl.kind.clone();
        let v = match (&kind, value) {
            (MapKind::Value(_), _) => {
                return error(
                    span,
                    format!("{} holds plain values, not an aggregation", decl.name),
                )
            }
            (MapKind::Count, _) => None,
            (_, Some(v)) => {
                let x = self.scalar(v)?;
                Some(self.convert(x, &v.ty, &as_i64(&v.ty))?)
            }
            (_, None) => {
                return error(
                    span,
                    format!(
                        "internal error: {}() without a value",
                        kind.function_name().unwrap_or("?")
                    ),
                )
            }
        };
        let weight = match incr {
            Some(i) => {
                let x = self.scalar(i)?;
                self.convert(x, &i.ty, &Type::I64)?
            }
            None => self.u64c(1),
        };
        let k = self.build_key(&decl, key, span)?;
        // tseries: the time now and its interval number (abi::tseries_epoch).
        let mut now_epoch = None;
        if let MapKind::Tseries { interval_ns, .. } = kind {
            let now = self.call(Helper::KtimeGetNs, &[])?.into_int_value();
            let offset = self.global_u64(abi::Globals::WALL_OFFSET_NS)?;
            let wall = self.b.build_int_add(now, offset, "wall")?;
            let epoch =
                self.b
                    .build_int_unsigned_div(wall, self.u64c(interval_ns.max(1)), "epoch")?;
            now_epoch = Some((now, epoch));
        }
        if abi::is_histogram(&kind) {
            let Some(v) = v else {
                return error(span, "internal error: histogram without a value");
            };
            let idx = match (&kind, now_epoch) {
                (MapKind::Tseries { num_intervals, .. }, Some((_, epoch))) => {
                    self.b.build_int_unsigned_rem(
                        epoch,
                        self.u64c(u64::from((*num_intervals).max(1))),
                        "tslot",
                    )?
                }
                _ => self.bucket_index(&kind, v, span)?,
            };
            let at = self.at(k, abi::hist_key_layout(&decl).1)?;
            self.store(at, &Type::U64, idx)?;
        }
        let (slot, full) = self.slot(g, k, abi::value_size(&kind))?;
        let b = &self.b;
        let signed_min_max = matches!(kind, MapKind::Min(t) | MapKind::Max(t) if t.signed);
        match (&kind, v) {
            (MapKind::Count | MapKind::Hist { .. } | MapKind::Lhist { .. }, _) => {
                self.add_at(slot, 0, self.u64c(1))?
            }
            (MapKind::Sum(_), Some(v)) => self.add_at(slot, 0, v)?,
            (MapKind::Quantize | MapKind::Lquantize { .. } | MapKind::Llquantize { .. }, _) => {
                self.add_at(slot, 0, weight)?
            }
            (MapKind::Stddev(_), Some(v)) => self.stddev_add(slot, v)?,
            (MapKind::Avg(_) | MapKind::Stats(_), Some(v)) => {
                self.add_at(slot, abi::AVG_COUNT, self.u64c(1))?;
                self.add_at(slot, abi::AVG_TOTAL, v)?;
            }
            (MapKind::Min(_) | MapKind::Max(_), Some(v)) => {
                let vp = self.at(slot, abi::MINMAX_VALUE)?;
                let sp = self.at(slot, abi::MINMAX_IS_SET)?;
                let cur = self.load(vp, &Type::I64)?;
                let set = self.load(sp, &Type::U64)?;
                let pred = match (matches!(kind, MapKind::Min(_)), signed_min_max) {
                    (true, true) => IntPredicate::SLT,
                    (true, false) => IntPredicate::ULT,
                    (false, true) => IntPredicate::SGT,
                    (false, false) => IntPredicate::UGT,
                };
                let better = b.build_int_compare(pred, v, cur, "better")?;
                let unset = b.build_int_compare(IntPredicate::EQ, set, self.u64c(0), "unset")?;
                let take = b.build_or(better, unset, "take")?;
                let new = b.build_select(take, v, cur, "minmax")?.into_int_value();
                self.store(vp, &Type::I64, new)?;
                self.store(sp, &Type::U64, self.u64c(1))?;
            }
            (MapKind::Tseries { agg, .. }, Some(v)) => {
                let Some((now, epoch)) = now_epoch else {
                    return error(span, "internal error: tseries without a time");
                };
                self.tseries_update(slot, *agg, v, now, epoch)?;
            }
            _ => return error(span, "internal error: aggregation without a value"),
        }
        // The map was full (no slot): nothing to update, DTrace's aggregation drop.
        let done = self.block("agg_end");
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(full);
        self.count_drop(abi::DROP_AGGREGATION)?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// The bucket index of `v` in histogram `kind` (`hist`, `lhist`).
    fn bucket_index(&mut self, kind: &MapKind, v: IntValue<'ctx>, span: Span) -> R<IntValue<'ctx>> {
        match *kind {
            MapKind::Hist { k } => self.hist_index(v, k),
            MapKind::Lhist { min, max, step } => self.lhist_index(v, min, max, step),
            MapKind::Quantize => self.quantize_index(v),
            MapKind::Lquantize { base, step, levels } => {
                self.lquantize_index(v, base, step, levels)
            }
            MapKind::Llquantize {
                factor,
                low,
                high,
                steps,
            } => self.llquantize_index(v, factor, low, high, steps),
            _ => error(span, "internal error: not a histogram"),
        }
    }

    /// Records `v` at time `now` in this CPU's tseries slot for interval `epoch`: a slot still
    /// holding an older interval starts over; then the value combines as `agg` says.
    fn tseries_update(
        &mut self,
        slot: Place<'ctx>,
        agg: ir::TseriesAgg,
        v: IntValue<'ctx>,
        now: IntValue<'ctx>,
        epoch: IntValue<'ctx>,
    ) -> R<()> {
        use ir::TseriesAgg as A;
        let ep = self.at(slot, abi::TSERIES_EPOCH)?;
        let vp = self.at(slot, abi::TSERIES_VALUE)?;
        let cp = self.at(slot, abi::TSERIES_COUNT)?;
        let sp = self.at(slot, abi::TSERIES_STAMP)?;
        let b = &self.b;
        let cur_epoch = self.load(ep, &Type::U64)?;
        let stale = b.build_int_compare(IntPredicate::NE, cur_epoch, epoch, "stale")?;
        let zero = self.u64c(0);
        let cur_v = self.load(vp, &Type::I64)?;
        let cur_v = b.build_select(stale, zero, cur_v, "tsv")?.into_int_value();
        let cur_c = self.load(cp, &Type::U64)?;
        let cur_c = b.build_select(stale, zero, cur_c, "tsc")?.into_int_value();
        let new_v = match agg {
            A::Last => v,
            A::Sum | A::Avg => b.build_int_add(cur_v, v, "tssum")?,
            A::Min | A::Max => {
                let pred = if agg == A::Min {
                    IntPredicate::SLT
                } else {
                    IntPredicate::SGT
                };
                let better = b.build_int_compare(pred, v, cur_v, "better")?;
                let empty = b.build_int_compare(IntPredicate::EQ, cur_c, zero, "empty")?;
                let take = b.build_or(better, empty, "take")?;
                b.build_select(take, v, cur_v, "tsminmax")?.into_int_value()
            }
        };
        let new_c = b.build_int_add(cur_c, self.u64c(1), "tscount")?;
        self.store(ep, &Type::U64, epoch)?;
        self.store(vp, &Type::I64, new_v)?;
        self.store(cp, &Type::U64, new_c)?;
        self.store(sp, &Type::U64, now)
    }

    /// Looks up this CPU's slot, inserting a zeroed one first if absent. Leaves the builder in
    /// the block where the slot is known; also returns the (unterminated) block reached when
    /// there is none (the map is full).
    fn slot(
        &mut self,
        map: PointerValue<'ctx>,
        key: Place<'ctx>,
        size: u32,
    ) -> R<(Place<'ctx>, BasicBlock<'ctx>)> {
        let s1 = self.lookup(map, key)?;
        let from = self.current()?;
        let init = self.block("agg_init");
        let have = self.block("agg_have");
        let skip = self.block("agg_full");
        let null = self.b.build_is_null(s1, "absent")?;
        self.b.build_conditional_branch(null, init, have)?;
        self.b.position_at_end(init);
        let zero = self.stack(size)?;
        self.zero(zero, size)?;
        self.update(map, key, zero, BPF_NOEXIST)?;
        let s2 = self.lookup(map, key)?;
        let init_end = self.current()?;
        let null2 = self.b.build_is_null(s2, "full")?;
        self.b.build_conditional_branch(null2, skip, have)?;
        self.b.position_at_end(have);
        let phi = self.b.build_phi(self.ptrt(), "slot")?;
        phi.add_incoming(&[(&s1, from), (&s2, init_end)]);
        Ok((
            Place {
                ptr: phi.as_basic_value().into_pointer_value(),
                align: 8,
            },
            skip,
        ))
    }

    /// `*(u64 *)(slot + off) += v`.
    fn add_at(&self, slot: Place<'ctx>, off: u32, v: IntValue<'ctx>) -> R<()> {
        let p = self.at(slot, off)?;
        let cur = self.load(p, &Type::U64)?;
        let new = self.b.build_int_add(cur, v, "acc")?;
        self.store(p, &Type::U64, new)
    }

    /// The combined value of an aggregation entry across CPUs (0 when absent), as `i64`.
    pub(crate) fn read_aggregation(
        &mut self,
        kind: &MapKind,
        map: PointerValue<'ctx>,
        key: Place<'ctx>,
        span: Span,
    ) -> R<IntValue<'ctx>> {
        let (a_off, b_off) = match kind {
            MapKind::Count | MapKind::Sum(_) => (0, None),
            MapKind::Avg(_) => (abi::AVG_COUNT, Some(abi::AVG_TOTAL)),
            MapKind::Min(_) | MapKind::Max(_) => (abi::MINMAX_VALUE, Some(abi::MINMAX_IS_SET)),
            _ => {
                return unsupported(
                    span,
                    format!(
                        "reading the value of a {}() map in a probe",
                        kind.function_name().unwrap_or("?")
                    ),
                )
            }
        };
        let i64t = self.i64t();
        let from = self.current()?;
        let head = self.block("cpus");
        let body = self.block("cpu");
        let have = self.block("cpu_have");
        let next = self.block("cpu_next");
        let done = self.block("cpus_end");
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(head);
        let cpu = self.b.build_phi(i64t, "cpu")?;
        let acc_a = self.b.build_phi(i64t, "acc_a")?;
        let acc_b = self.b.build_phi(i64t, "acc_b")?;
        let zero = self.u64c(0);
        cpu.add_incoming(&[(&zero, from)]);
        acc_a.add_incoming(&[(&zero, from)]);
        acc_b.add_incoming(&[(&zero, from)]);
        let (c, a, bv) = (
            cpu.as_basic_value().into_int_value(),
            acc_a.as_basic_value().into_int_value(),
            acc_b.as_basic_value().into_int_value(),
        );
        let more = self.b.build_int_compare(
            IntPredicate::ULT,
            c,
            self.u64c(u64::from(self.opts.ncpus.max(1))),
            "more",
        )?;
        self.b.build_conditional_branch(more, body, done)?;
        self.b.position_at_end(body);
        let c32 = self.b.build_int_truncate(c, self.cx.i32_type(), "cpu32")?;
        let p = self
            .call(
                Helper::MapLookupPercpuElem,
                &[map.into(), key.ptr.into(), c32.into()],
            )?
            .into_pointer_value();
        let null = self.b.build_is_null(p, "absent")?;
        self.b.build_conditional_branch(null, next, have)?;
        self.b.position_at_end(have);
        let slot = Place { ptr: p, align: 8 };
        let x = self.load(self.at(slot, a_off)?, &Type::U64)?;
        let (na, nb) = match (kind, b_off) {
            (MapKind::Min(t) | MapKind::Max(t), Some(set_off)) => {
                let set = self.load(self.at(slot, set_off)?, &Type::U64)?;
                let pred = match (matches!(kind, MapKind::Min(_)), t.signed) {
                    (true, true) => IntPredicate::SLT,
                    (true, false) => IntPredicate::ULT,
                    (false, true) => IntPredicate::SGT,
                    (false, false) => IntPredicate::UGT,
                };
                let better = self.b.build_int_compare(pred, x, a, "better")?;
                let first = self
                    .b
                    .build_int_compare(IntPredicate::EQ, bv, zero, "first")?;
                let take = self.b.build_or(better, first, "take")?;
                let is_set = self
                    .b
                    .build_int_compare(IntPredicate::NE, set, zero, "isset")?;
                let take = self.b.build_and(take, is_set, "take2")?;
                let na = self.b.build_select(take, x, a, "m")?.into_int_value();
                let nb =
                    self.b
                        .build_or(bv, self.b.build_int_z_extend(is_set, i64t, "s")?, "anyset")?;
                (na, nb)
            }
            (_, Some(total_off)) => {
                let t = self.load(self.at(slot, total_off)?, &Type::U64)?;
                (
                    self.b.build_int_add(a, x, "count")?,
                    self.b.build_int_add(bv, t, "total")?,
                )
            }
            _ => (self.b.build_int_add(a, x, "sum")?, bv),
        };
        let have_end = self.current()?;
        self.b.build_unconditional_branch(next)?;
        self.b.position_at_end(next);
        let na_phi = self.b.build_phi(i64t, "na")?;
        na_phi.add_incoming(&[(&a, body), (&na, have_end)]);
        let nb_phi = self.b.build_phi(i64t, "nb")?;
        nb_phi.add_incoming(&[(&bv, body), (&nb, have_end)]);
        let inc = self.b.build_int_add(c, self.u64c(1), "cpu_inc")?;
        cpu.add_incoming(&[(&inc, next)]);
        acc_a.add_incoming(&[(&na_phi.as_basic_value(), next)]);
        acc_b.add_incoming(&[(&nb_phi.as_basic_value(), next)]);
        self.b.build_unconditional_branch(head)?;
        self.b.position_at_end(done);
        match kind {
            MapKind::Avg(t) => {
                // total / count, 0 when there is none.
                let count = a;
                let is_zero = self
                    .b
                    .build_int_compare(IntPredicate::EQ, count, zero, "nocount")?;
                let d = self
                    .b
                    .build_select(is_zero, self.u64c(1), count, "d")?
                    .into_int_value();
                let q = if t.signed {
                    self.b.build_int_signed_div(bv, d, "avg")?
                } else {
                    self.b.build_int_unsigned_div(bv, d, "avg")?
                };
                Ok(self
                    .b
                    .build_select(is_zero, zero, q, "avg0")?
                    .into_int_value())
            }
            _ => Ok(a),
        }
    }

    /// `ir::abi::hist_index(v, k)` in BPF: straight-line code (a binary search for the highest
    /// set bit), no loop.
    pub(crate) fn hist_index(&mut self, v: IntValue<'ctx>, k: u8) -> R<IntValue<'ctx>> {
        let b = &self.b;
        let i64t = self.i64t();
        let c = |x: u64| i64t.const_int(x, false);
        let k64 = u64::from(k);
        let n = 1u64 << k;
        // p = floor(log2(v)) for v >= 1.
        let mut x = v;
        let mut p = c(0);
        for s in [32u64, 16, 8, 4, 2, 1] {
            let big = b.build_int_compare(IntPredicate::UGE, x, c(1 << s), "big")?;
            let shifted = b.build_right_shift(x, c(s), false, "x")?;
            x = b.build_select(big, shifted, x, "x")?.into_int_value();
            let ps = b.build_int_add(p, c(s), "p")?;
            p = b.build_select(big, ps, p, "p")?.into_int_value();
        }
        let small = b.build_int_compare(IntPredicate::ULT, p, c(k64), "small")?;
        let small_idx = b.build_int_add(v, c(1), "small_idx")?;
        // p >= k: 1 + n + (p - k) * n + ((v >> (p - k)) & (n - 1))
        let pk = b.build_int_sub(p, c(k64), "pk")?;
        let pk = b.build_select(small, c(0), pk, "pk0")?.into_int_value();
        let sub = b.build_right_shift(v, pk, false, "sub")?;
        let sub = b.build_and(sub, c(n - 1), "sub")?;
        let big_idx = b.build_int_mul(pk, c(n), "base")?;
        let big_idx = b.build_int_add(big_idx, c(1 + n), "base1")?;
        let big_idx = b.build_int_add(big_idx, sub, "big_idx")?;
        let idx = b
            .build_select(small, small_idx, big_idx, "idx")?
            .into_int_value();
        let neg = b.build_int_compare(IntPredicate::SLT, v, c(0), "neg")?;
        let zero = b.build_int_compare(IntPredicate::EQ, v, c(0), "zero")?;
        let idx = b.build_select(zero, c(1), idx, "idx0")?.into_int_value();
        Ok(b.build_select(neg, c(0), idx, "idxn")?.into_int_value())
    }

    /// Adds `v` to a `stddev` slot: one more value, `v` to the total and `v * v` (as 128 bits,
    /// of `|v|`, built from 32-bit halves since BPF has no 128-bit multiply) to the squares.
    fn stddev_add(&mut self, slot: Place<'ctx>, v: IntValue<'ctx>) -> R<()> {
        self.add_at(slot, abi::STDDEV_COUNT, self.u64c(1))?;
        self.add_at(slot, abi::STDDEV_TOTAL, v)?;
        let b = &self.b;
        let c = |x: u64| self.i64t().const_int(x, false);
        let neg = b.build_int_compare(IntPredicate::SLT, v, c(0), "neg")?;
        let minus = b.build_int_sub(c(0), v, "minus")?;
        let a = b.build_select(neg, minus, v, "abs")?.into_int_value();
        let lo = b.build_and(a, c(0xffff_ffff), "lo")?;
        let hi = b.build_right_shift(a, c(32), false, "hi")?;
        let ll = b.build_int_mul(lo, lo, "ll")?;
        let lh = b.build_int_mul(lo, hi, "lh")?;
        let hh = b.build_int_mul(hi, hi, "hh")?;
        // a*a = hh << 64 + 2 * (lh << 32) + ll
        let mut low = ll;
        let mut high = hh;
        let lh_lo = b.build_left_shift(lh, c(32), "lh_lo")?;
        let lh_hi = b.build_right_shift(lh, c(32), false, "lh_hi")?;
        for _ in 0..2 {
            let sum = b.build_int_add(low, lh_lo, "sq_lo")?;
            let carry = b.build_int_compare(IntPredicate::ULT, sum, low, "carry")?;
            let carry = b.build_int_z_extend(carry, self.i64t(), "carry64")?;
            high = b.build_int_add(high, lh_hi, "sq_hi")?;
            high = b.build_int_add(high, carry, "sq_hi_c")?;
            low = sum;
        }
        let lo_p = self.at(slot, abi::STDDEV_SQUARES_LO)?;
        let hi_p = self.at(slot, abi::STDDEV_SQUARES_HI)?;
        let old_lo = self.load(lo_p, &Type::U64)?;
        let old_hi = self.load(hi_p, &Type::U64)?;
        let b = &self.b;
        let new_lo = b.build_int_add(old_lo, low, "acc_lo")?;
        let carry = b.build_int_compare(IntPredicate::ULT, new_lo, old_lo, "acc_carry")?;
        let carry = b.build_int_z_extend(carry, self.i64t(), "acc_carry64")?;
        let new_hi = b.build_int_add(old_hi, high, "acc_hi")?;
        let new_hi = b.build_int_add(new_hi, carry, "acc_hi_c")?;
        self.store(lo_p, &Type::U64, new_lo)?;
        self.store(hi_p, &Type::U64, new_hi)
    }

    /// floor(log2(x)) of an unsigned `x >= 1` (0 for 0): a binary search, no loop.
    fn log2_floor(&self, x: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let b = &self.b;
        let i64t = self.i64t();
        let c = |v: u64| i64t.const_int(v, false);
        let mut x = x;
        let mut p = c(0);
        for s in [32u64, 16, 8, 4, 2, 1] {
            let big = b.build_int_compare(IntPredicate::UGE, x, c(1 << s), "big")?;
            let shifted = b.build_right_shift(x, c(s), false, "x")?;
            x = b.build_select(big, shifted, x, "x")?.into_int_value();
            let ps = b.build_int_add(p, c(s), "p")?;
            p = b.build_select(big, ps, p, "p")?.into_int_value();
        }
        Ok(p)
    }

    /// `|v|` as an unsigned 64-bit value.
    fn magnitude(&self, v: IntValue<'ctx>) -> R<(IntValue<'ctx>, IntValue<'ctx>)> {
        let b = &self.b;
        let zero = self.u64c(0);
        let neg = b.build_int_compare(IntPredicate::SLT, v, zero, "neg")?;
        let minus = b.build_int_sub(zero, v, "minus")?;
        Ok((b.build_select(neg, minus, v, "mag")?.into_int_value(), neg))
    }

    /// `ir::abi::quantize_index(v)` in BPF.
    fn quantize_index(&mut self, v: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let (mag, neg) = self.magnitude(v)?;
        let p = self.log2_floor(mag)?;
        let b = &self.b;
        let c = |x: u64| self.i64t().const_int(x, false);
        let big = b.build_int_compare(IntPredicate::UGT, p, c(62), "p62")?;
        let p = b.build_select(big, c(62), p, "p")?.into_int_value();
        let pos = b.build_int_add(c(abi::QUANTIZE_ZERO + 1), p, "pos")?;
        let negi = b.build_int_sub(c(abi::QUANTIZE_ZERO - 1), p, "negi")?;
        let idx = b.build_select(neg, negi, pos, "idx")?.into_int_value();
        let zero = b.build_int_compare(IntPredicate::EQ, v, c(0), "zero")?;
        Ok(b.build_select(zero, c(abi::QUANTIZE_ZERO), idx, "qidx")?
            .into_int_value())
    }

    /// `ir::abi::lquantize_index(v, base, step, levels)` in BPF.
    fn lquantize_index(
        &mut self,
        v: IntValue<'ctx>,
        base: i64,
        step: i64,
        levels: u32,
    ) -> R<IntValue<'ctx>> {
        let top = base.saturating_add(i64::from(levels).saturating_mul(step.max(1)));
        self.linear_index(v, base, top, step, i64::from(levels) + 1)
    }

    /// `ir::abi::llquantize_index(v, factor, low, high, steps)` in BPF: one candidate bucket per
    /// order of magnitude (all constants), the smallest magnitude that holds `|v|` chosen by a
    /// chain of selects.
    fn llquantize_index(
        &mut self,
        v: IntValue<'ctx>,
        factor: u16,
        low: u16,
        high: u16,
        steps: u16,
    ) -> R<IntValue<'ctx>> {
        let (per_mag, zero, total) = abi::llquantize_shape(factor, low, high, steps);
        let spf = u64::from(steps / factor.max(1));
        let steps64 = u64::from(steps.max(1));
        let (mag, neg) = self.magnitude(v)?;
        let i64t = self.i64t();
        let c = |x: u64| i64t.const_int(x, false);
        let clamp_u64 = |x: i128| -> u64 { x.clamp(0, i128::from(u64::MAX)) as u64 };
        // Offset from the zero bucket; `total - zero` (one past the last) means overflow.
        let mut offset = c(total - 1 - zero);
        for m in (low..=high).rev() {
            let next = clamp_u64(abi::llquantize_pow(factor, u32::from(m) + 1));
            let b = &self.b;
            let within = if next % steps64 == 0 {
                b.build_int_unsigned_div(mag, c(next / steps64), "within")?
            } else {
                // Buckets narrower than one: only small magnitudes, so no overflow.
                let scaled = b.build_int_mul(mag, c(steps64), "scaled")?;
                b.build_int_unsigned_div(scaled, c(next.max(1)), "within")?
            };
            let under = b.build_int_compare(IntPredicate::ULT, within, c(spf), "under")?;
            let w = b.build_int_sub(within, c(spf), "w")?;
            let w = b.build_select(under, c(0), w, "w0")?.into_int_value();
            let over =
                b.build_int_compare(IntPredicate::UGT, w, c(per_mag.saturating_sub(1)), "over")?;
            let w = b
                .build_select(over, c(per_mag.saturating_sub(1)), w, "w1")?
                .into_int_value();
            let cand = b.build_int_add(w, c(1 + u64::from(m - low) * per_mag), "cand")?;
            let fits = b.build_int_compare(IntPredicate::ULT, mag, c(next), "fits")?;
            offset = b.build_select(fits, cand, offset, "off")?.into_int_value();
        }
        let b = &self.b;
        let up = b.build_int_add(c(zero), offset, "up")?;
        let down = b.build_int_sub(c(zero), offset, "down")?;
        let idx = b.build_select(neg, down, up, "llidx")?.into_int_value();
        let lowpow = clamp_u64(abi::llquantize_pow(factor, u32::from(low)));
        let small = b.build_int_compare(IntPredicate::ULT, mag, c(lowpow), "small")?;
        Ok(b.build_select(small, c(zero), idx, "llidx0")?
            .into_int_value())
    }

    /// `ir::abi::lhist_index(v, min, max, step)` in BPF.
    pub(crate) fn lhist_index(
        &mut self,
        v: IntValue<'ctx>,
        min: i64,
        max: i64,
        step: i64,
    ) -> R<IntValue<'ctx>> {
        let overflow = abi::lhist_buckets(min, max, step) as i64 + 1;
        self.linear_index(v, min, max, step, overflow)
    }

    /// The bucket of `v` in linear buckets of `step` from `lo` (inclusive) to `hi` (exclusive):
    /// 0 below `lo`, `overflow` from `hi` on, else `(v - lo) / step + 1`. Shared by bpftrace's
    /// lhist and D's lquantize (their `ir::abi` index functions say where they differ).
    fn linear_index(
        &mut self,
        v: IntValue<'ctx>,
        lo: i64,
        hi: i64,
        step: i64,
        overflow: i64,
    ) -> R<IntValue<'ctx>> {
        let b = &self.b;
        let i64t = self.i64t();
        let c = |x: i64| i64t.const_int(x as u64, true);
        let below = b.build_int_compare(IntPredicate::SLT, v, c(lo), "below")?;
        let above = b.build_int_compare(IntPredicate::SGE, v, c(hi), "above")?;
        let rel = b.build_int_sub(v, c(lo), "rel")?;
        // Inside the range rel >= 0, so unsigned division is exact.
        let q = b.build_int_unsigned_div(rel, c(step.max(1)), "q")?;
        let inside = b.build_int_add(q, c(1), "inside")?;
        let idx = b
            .build_select(above, c(overflow), inside, "idx")?
            .into_int_value();
        Ok(b.build_select(below, c(0), idx, "idx")?.into_int_value())
    }
}

/// The 64-bit type a value is widened to for aggregation (keeping its signedness).
fn as_i64(ty: &Type) -> Type {
    if is_signed(ty) {
        Type::I64
    } else {
        Type::U64
    }
}
