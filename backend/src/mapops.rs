//! Map keys, reads, stores, deletes and key tests. Aggregation maps are read back by combining
//! every CPU's slot with `bpf_map_lookup_percpu_elem`.

use crate::func::{error, unsupported, FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::basic_block::BasicBlock;
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;
use ir::{abi, Expr, MapDecl, MapId, MapKind, Span, Type};

/// `BPF_ANY`.
pub(crate) const BPF_ANY: u64 = 0;
/// `BPF_NOEXIST`.
pub(crate) const BPF_NOEXIST: u64 = 1;

impl<'ctx> FnGen<'_, 'ctx> {
    /// The declaration and global of map `id`.
    pub(crate) fn map(&self, id: MapId, span: Span) -> R<(&'_ MapDecl, PointerValue<'ctx>)> {
        match (self.program.maps.get(id.0 as usize), self.maps.user(id)) {
            (Some(d), Some(g)) => Ok((d, g)),
            _ => error(span, format!("internal error: unknown map {}", id.0)),
        }
    }

    /// Builds the key of `decl` from `key` (scalar maps: `u64` 0). For histograms the caller
    /// fills the bucket index at `abi::hist_key_layout(decl).1`.
    pub(crate) fn build_key(
        &mut self,
        decl: &MapDecl,
        key: Option<&Expr>,
        span: Span,
    ) -> R<Place<'ctx>> {
        let size = abi::key_size(decl);
        let place = if size <= crate::func::SMALL_VALUE {
            self.stack(size)?
        } else {
            self.scratch(size)?
        };
        match (&decl.key, key) {
            (None, None) if !abi::is_histogram(&decl.kind) => {
                self.store(place, &Type::U64, self.u64c(0))?;
            }
            (None, None) => {}
            (Some(kt), Some(k)) => {
                let kt = kt.clone();
                if !kt.is_scalar() || abi::is_histogram(&decl.kind) || kt.size() < size {
                    // Padding (inside tuples, after the key of a histogram) must be zero so equal
                    // keys hash equal.
                    self.zero(place, size)?;
                }
                self.eval_into(k, place, &kt)?;
            }
            _ => {
                return error(
                    span,
                    format!("internal error: key mismatch for map {}", decl.name),
                )
            }
        }
        Ok(place)
    }

    /// `bpf_map_lookup_elem(map, key)`.
    pub(crate) fn lookup(
        &self,
        map: PointerValue<'ctx>,
        key: Place<'ctx>,
    ) -> R<PointerValue<'ctx>> {
        Ok(self
            .call(Helper::MapLookupElem, &[map.into(), key.ptr.into()])?
            .into_pointer_value())
    }

    /// `bpf_map_update_elem(map, key, value, flags)`.
    pub(crate) fn update(
        &self,
        map: PointerValue<'ctx>,
        key: Place<'ctx>,
        value: Place<'ctx>,
        flags: u64,
    ) -> R<()> {
        self.call(
            Helper::MapUpdateElem,
            &[
                map.into(),
                key.ptr.into(),
                value.ptr.into(),
                self.u64c(flags).into(),
            ],
        )?;
        Ok(())
    }

    /// `bpf_map_update_elem` returning its result (`i64`, negative on failure).
    pub(crate) fn update_rc(
        &self,
        map: PointerValue<'ctx>,
        key: Place<'ctx>,
        value: Place<'ctx>,
        flags: u64,
    ) -> R<IntValue<'ctx>> {
        Ok(self
            .call(
                Helper::MapUpdateElem,
                &[
                    map.into(),
                    key.ptr.into(),
                    value.ptr.into(),
                    self.u64c(flags).into(),
                ],
            )?
            .into_int_value())
    }

    /// Adds one to this CPU's drop counter `slot` of [`abi::DROPS_MAP`].
    pub(crate) fn count_drop(&mut self, slot: u32) -> R<()> {
        let done = self.block("drop_end");
        self.bump_counter(self.maps.drops(), slot, done)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// Adds 1 to entry `slot` of `map`, an array of `u64` counters (per-CPU: no atomics), then
    /// branches to `done` (also when the lookup fails). Used for lost events and DTrace's drops.
    pub(crate) fn bump_counter(
        &mut self,
        map: PointerValue<'ctx>,
        slot: u32,
        done: BasicBlock<'ctx>,
    ) -> R<()> {
        let key = self.stack(8)?;
        self.b.build_store(
            key.ptr,
            self.cx.i32_type().const_int(u64::from(slot), false),
        )?;
        let counter = self
            .call(Helper::MapLookupElem, &[map.into(), key.ptr.into()])?
            .into_pointer_value();
        let bump = self.block("counter_bump");
        let null = self.b.build_is_null(counter, "nocounter")?;
        self.b.build_conditional_branch(null, done, bump)?;
        self.b.position_at_end(bump);
        let c = Place {
            ptr: counter,
            align: 8,
        };
        let n = self.load(c, &Type::U64)?;
        let n = self.b.build_int_add(n, self.u64c(1), "counter")?;
        self.store(c, &Type::U64, n)?;
        self.b.build_unconditional_branch(done)?;
        Ok(())
    }

    /// `@m[k] = v`.
    pub(crate) fn map_store(
        &mut self,
        id: MapId,
        key: Option<&Expr>,
        value: &Expr,
        span: Span,
    ) -> R<()> {
        let (decl, g) = self.map(id, span)?;
        let MapKind::Value(vt) = &decl.kind else {
            return error(
                span,
                format!(
                    "cannot assign to {}, which holds {}()",
                    decl.name,
                    decl.kind.function_name().unwrap_or("?")
                ),
            );
        };
        let (decl, vt) = (decl.clone(), vt.clone());
        let k = self.build_key(&decl, key, span)?;
        let v = self.temp(&vt)?;
        self.eval_into(value, v, &vt)?;
        let rc = self.update_rc(g, k, v, BPF_ANY)?;
        // A full map refuses a new key: DTrace's dynamic variable drop.
        let failed = self.b.build_int_compare(
            IntPredicate::SLT,
            rc,
            rc.get_type().const_zero(),
            "store_failed",
        )?;
        let drop = self.block("store_drop");
        let done = self.block("store_end");
        self.b.build_conditional_branch(failed, drop, done)?;
        self.b.position_at_end(drop);
        self.count_drop(abi::DROP_DYNVAR)?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// `has_key(@m, k)` as `i1`.
    pub(crate) fn map_has_key(&mut self, id: MapId, key: &Expr, span: Span) -> R<IntValue<'ctx>> {
        let (decl, g) = self.map(id, span)?;
        if abi::is_histogram(&decl.kind) {
            return unsupported(span, "has_key() on a histogram");
        }
        let decl = decl.clone();
        let k = self.build_key(&decl, Some(key), span)?;
        let p = self.lookup(g, k)?;
        Ok(self.b.build_is_not_null(p, "haskey")?)
    }

    /// `delete(@m[k])` as `i1` (true when it existed).
    pub(crate) fn map_delete(
        &mut self,
        id: MapId,
        key: Option<&Expr>,
        span: Span,
    ) -> R<IntValue<'ctx>> {
        let (decl, g) = self.map(id, span)?;
        if abi::is_histogram(&decl.kind) {
            return unsupported(span, "delete() on a histogram entry");
        }
        let decl = decl.clone();
        let k = self.build_key(&decl, key, span)?;
        let rc = self
            .call(Helper::MapDeleteElem, &[g.into(), k.ptr.into()])?
            .into_int_value();
        Ok(self
            .b
            .build_int_compare(IntPredicate::EQ, rc, self.u64c(0), "deleted")?)
    }

    /// `@m[k]` as a scalar of `e`'s type.
    pub(crate) fn map_read_scalar(
        &mut self,
        id: MapId,
        key: Option<&Expr>,
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        let (decl, g) = self.map(id, e.span)?;
        let decl = decl.clone();
        let (v, vt) = match &decl.kind {
            MapKind::Value(vt) => {
                let vt = vt.clone();
                if !vt.is_scalar() {
                    return unsupported(e.span, format!("reading a {vt} map value as a number"));
                }
                let k = self.build_key(&decl, key, e.span)?;
                let p = self.lookup(g, k)?;
                (self.load_or_zero(p, &vt)?, vt)
            }
            kind => {
                let k = self.build_key(&decl, key, e.span)?;
                (self.read_aggregation(kind, g, k, e.span)?, Type::I64)
            }
        };
        self.convert(v, &vt, &e.ty)
    }

    /// `@m[k]` (a value kept in memory) written at `dst` as `dty`; zero when absent.
    pub(crate) fn map_read_into(
        &mut self,
        id: MapId,
        key: Option<&Expr>,
        dst: Place<'ctx>,
        dty: &Type,
        e: &Expr,
    ) -> R<()> {
        let (decl, g) = self.map(id, e.span)?;
        let decl = decl.clone();
        let MapKind::Value(vt) = &decl.kind else {
            return unsupported(
                e.span,
                format!(
                    "reading {}() results as {dty}",
                    decl.kind.function_name().unwrap_or("?")
                ),
            );
        };
        let k = self.build_key(&decl, key, e.span)?;
        let p = self.lookup(g, k)?;
        let have = self.block("mv_have");
        let absent = self.block("mv_absent");
        let done = self.block("mv_end");
        let null = self.b.build_is_null(p, "absent")?;
        self.b.build_conditional_branch(null, absent, have)?;
        self.b.position_at_end(have);
        self.copy_coerce(dst, dty, Place { ptr: p, align: 8 }, vt, e.span)?;
        self.br(done)?;
        self.b.position_at_end(absent);
        self.zero(dst, dty.size())?;
        self.br(done)?;
        self.b.position_at_end(done);
        Ok(())
    }

    /// Loads a `ty` scalar from a map value pointer that may be NULL (then 0).
    pub(crate) fn load_or_zero(&mut self, p: PointerValue<'ctx>, ty: &Type) -> R<IntValue<'ctx>> {
        let from = self.current()?;
        let have = self.block("have");
        let done = self.block("loaded");
        let null = self.b.build_is_null(p, "absent")?;
        self.b.build_conditional_branch(null, done, have)?;
        self.b.position_at_end(have);
        let v = self.load(Place { ptr: p, align: 8 }, ty)?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        let phi = self.b.build_phi(self.reg_type(ty), "value")?;
        phi.add_incoming(&[(&self.reg_type(ty).const_zero(), from), (&v, have)]);
        Ok(phi.as_basic_value().into_int_value())
    }
}
