//! Iterating over a map in BPF with `bpf_for_each_map_elem`: `len(@m)` and
//! `for ($kv : @m) { ... }`.
//!
//! Both pass a static callback `long cb(void *map, void *key, void *value, void *ctx)`; LLVM's
//! BPF backend emits its address as a `BPF_PSEUDO_FUNC` `ld_imm64`, and the verifier checks the
//! callback as part of the program. That needs BTF `func_info` for every function of the program
//! (callbacks must be `static`): see [`describe_functions`].
//!
//! - `len(@m)`: one shared callback, `oxt_len_cb`, adds 1 to the `u64` its context points to.
//!   A per-CPU map has one element per key, so aggregation maps count their keys.
//! - `for ($kv : @m)`: the loop body becomes a callback of its own. The probe's variables live in
//!   scratch memory at fixed offsets (`FnGen::var_offsets`), so the callback finds them with its
//!   own lookup of the scratch entry; its context is a [`LoopState`] on the caller's stack.
//!   `continue` returns 0, `break` returns 1 (stop), `return` sets `LoopState::returned`, stops the
//!   iteration, and the caller then leaves the probe too.

use crate::func::{error, unsupported, FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::debug_info::{DICompileUnit, DebugInfoBuilder};
use inkwell::module::{Linkage, Module};
use inkwell::values::{BasicValue, FunctionValue, IntValue};
use inkwell::IntPredicate;
use ir::{abi, MapKind, Span, Stmt, StmtKind, Type};

/// The name of the shared callback of `len()`.
const LEN_CALLBACK: &str = "oxt_len_cb";

/// Byte offsets in the context of a `for` loop callback (on the caller's stack).
struct LoopState;
impl LoopState {
    /// `u64`: the value of the `probe` builtin.
    const PROBE: u32 = 0;
    /// `u64`: set to 1 by the callback when the body ran `return`.
    const RETURNED: u32 = 8;
    /// The probe's context pointer (`args`, `arg0`, ... in the body).
    const CTX: u32 = 16;
    /// Size.
    const SIZE: u32 = 24;
}

/// True when `stmts` contain a `for` loop over a map (at any depth of statements).
pub(crate) fn has_for_map(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::ForMap { .. } => true,
        StmtKind::If {
            then, otherwise, ..
        } => has_for_map(then) || has_for_map(otherwise),
        StmtKind::While { body, .. } | StmtKind::ForRange { body, .. } => has_for_map(body),
        _ => false,
    })
}

/// Adds the function attributes every BPF function gets (no unwinding: no `.eh_frame`).
fn nounwind(cx: &inkwell::context::Context, f: FunctionValue<'_>) {
    let attr = cx.create_enum_attribute(
        inkwell::attributes::Attribute::get_named_enum_kind_id("nounwind"),
        0,
    );
    f.add_attribute(inkwell::attributes::AttributeLoc::Function, attr);
}

impl<'ctx> FnGen<'_, 'ctx> {
    /// The callback type `i64 (ptr, ptr, ptr, ptr)`.
    fn callback_type(&self) -> inkwell::types::FunctionType<'ctx> {
        let p = self.ptrt().into();
        self.i64t().fn_type(&[p, p, p, p], false)
    }

    /// `size` bytes (a multiple of 8) of this function's stack frame, even past the budget of
    /// [`FnGen::stack`]: the context of a `bpf_for_each_map_elem` callback must be on the stack.
    fn frame_slot(&mut self, size: u32) -> R<Place<'ctx>> {
        self.stack_used += size;
        let ty = self.i64t().array_type(size / 8);
        let ptr = self.entry_b.build_alloca(ty, "frame")?;
        if let Some(i) = ptr.as_instruction() {
            let _ = i.set_alignment(8);
        }
        Ok(Place { ptr, align: 8 })
    }

    /// `len(@m)`: the number of entries, as `u64`.
    pub(crate) fn map_len(&mut self, id: ir::MapId, span: Span) -> R<IntValue<'ctx>> {
        let (decl, g) = self.map(id, span)?;
        if abi::is_histogram(&decl.kind) {
            return unsupported(span, "len() of a histogram map");
        }
        let cb = match self.module.get_function(LEN_CALLBACK) {
            Some(f) => f,
            None => self.len_callback()?,
        };
        let counter = self.frame_slot(8)?;
        self.store(counter, &Type::U64, self.u64c(0))?;
        self.call(
            Helper::ForEachMapElem,
            &[
                g.into(),
                cb.as_global_value().as_pointer_value().into(),
                counter.ptr.into(),
                self.u64c(0).into(),
            ],
        )?;
        self.load(counter, &Type::U64)
    }

    /// `static long oxt_len_cb(void *map, void *key, void *value, u64 *n) { *n += 1; return 0; }`
    fn len_callback(&self) -> R<FunctionValue<'ctx>> {
        let f =
            self.module
                .add_function(LEN_CALLBACK, self.callback_type(), Some(Linkage::Internal));
        nounwind(self.cx, f);
        let b = self.cx.create_builder();
        let entry = self.cx.append_basic_block(f, "entry");
        b.position_at_end(entry);
        let n = f
            .get_nth_param(3)
            .map(|p| p.into_pointer_value())
            .ok_or_else(|| crate::func::CgError::Llvm("callback without context".into()))?;
        let v = b.build_load(self.i64t(), n, "n")?.into_int_value();
        if let Some(i) = v.as_instruction() {
            let _ = i.set_alignment(8);
        }
        let v = b.build_int_add(v, self.u64c(1), "n1")?;
        let st = b.build_store(n, v)?;
        let _ = st.set_alignment(8);
        b.build_return(Some(&self.u64c(0)))?;
        Ok(f)
    }

    /// `for ($kv : @m) { body }`.
    pub(crate) fn for_map(
        &mut self,
        var: ir::VarId,
        id: ir::MapId,
        body: &[Stmt],
        span: Span,
    ) -> R<()> {
        let Some(offsets) = self.var_offsets.clone() else {
            return unsupported(span, "a for loop over a map in this position");
        };
        let (decl, g) = self.map(id, span)?;
        let decl = decl.clone();
        let kv_ty = self.var_type(var, span)?;
        let Type::Tuple(fields) = &kv_ty else {
            return error(
                span,
                "internal error: the loop variable is not a (key, value) tuple",
            );
        };
        let [key_ty, value_ty] = fields.as_slice() else {
            return error(
                span,
                "internal error: the loop variable is not a (key, value) tuple",
            );
        };
        let Some(map_key) = decl.key.clone() else {
            return error(span, format!("{} has no keys to iterate over", decl.name));
        };
        if *key_ty != map_key || abi::is_histogram(&decl.kind) {
            return unsupported(span, format!("a for loop over {}", decl.name));
        }

        // The loop state, on this function's stack.
        let state = self.frame_slot(LoopState::SIZE)?;
        let probe = self.probe_value.unwrap_or_else(|| self.u64c(0));
        self.store(self.at(state, LoopState::PROBE)?, &Type::U64, probe)?;
        self.store(
            self.at(state, LoopState::RETURNED)?,
            &Type::U64,
            self.u64c(0),
        )?;
        let ctx_slot = self.at(state, LoopState::CTX)?;
        let st = self.b.build_store(ctx_slot.ptr, self.ctx_ptr)?;
        let _ = st.set_alignment(8);

        let mut n = 0;
        let name = loop {
            let name = format!("oxt_for_{}_{n}", self.func.get_name().to_string_lossy());
            if self.module.get_function(&name).is_none() {
                break name;
            }
            n += 1;
        };
        let f = self
            .module
            .add_function(&name, self.callback_type(), Some(Linkage::Internal));
        nounwind(self.cx, f);
        let (scratch_used, stack_used) = {
            let mut cb = self.callback_gen(f)?;
            cb.loop_body(&offsets, var, key_ty, value_ty, &decl.kind, id, body, span)?;
            (cb.scratch_used, cb.stack_used)
        };
        // The callback's scratch memory follows the caller's live temporaries; its stack frame
        // adds to the caller's in the verifier's count.
        self.scratch_used = self.scratch_used.max(scratch_used);
        self.stack_used = self.stack_used.max(stack_used);

        self.call(
            Helper::ForEachMapElem,
            &[
                g.into(),
                f.as_global_value().as_pointer_value().into(),
                state.ptr.into(),
                self.u64c(0).into(),
            ],
        )?;
        let returned = self.load(self.at(state, LoopState::RETURNED)?, &Type::U64)?;
        let ret = self
            .b
            .build_int_compare(IntPredicate::NE, returned, self.u64c(0), "returned")?;
        let go_on = self.block("for_map_end");
        if self.in_record > 0 {
            // `return` cannot leave while a record is reserved; the lowering keeps it out.
            self.b.build_unconditional_branch(go_on)?;
        } else {
            self.b.build_conditional_branch(ret, self.exit_bb, go_on)?;
        }
        self.b.position_at_end(go_on);
        Ok(())
    }

    /// A code generator for callback `f`, sharing this one's program, probe and scratch layout.
    fn callback_gen<'b>(&'b self, f: FunctionValue<'ctx>) -> R<FnGen<'b, 'ctx>> {
        let state = f
            .get_nth_param(3)
            .map(|p| p.into_pointer_value())
            .ok_or_else(|| crate::func::CgError::Llvm("callback without context".into()))?;
        let entry = self.cx.append_basic_block(f, "entry");
        let exit_bb = self.cx.append_basic_block(f, "returned");
        let b = self.cx.create_builder();
        let entry_b = self.cx.create_builder();
        entry_b.position_at_end(entry);
        Ok(FnGen {
            cx: self.cx,
            module: self.module,
            maps: self.maps,
            program: self.program,
            opts: self.opts,
            probe: self.probe,
            b,
            debug: None,
            entry_b,
            func: f,
            // Replaced by the probe's context, loaded from the loop state, in `loop_body`.
            ctx_ptr: state,
            ctx_kind: self.ctx_kind,
            exit_bb,
            scratch_base: None,
            scratch_used: self.scratch_used,
            stack_used: self.stack_used,
            loops: Vec::new(),
            vars: Vec::new(),
            probe_value: None,
            in_record: 0,
            var_offsets: self.var_offsets.clone(),
            loop_state: None,
        })
    }

    /// Generates the body of a loop callback (this generator is the callback's).
    #[allow(clippy::too_many_arguments)]
    fn loop_body(
        &mut self,
        offsets: &[u32],
        var: ir::VarId,
        key_ty: &Type,
        value_ty: &Type,
        kind: &MapKind,
        id: ir::MapId,
        body: &[Stmt],
        span: Span,
    ) -> R<()> {
        let f = self.func;
        let param = |i: u32| {
            f.get_nth_param(i)
                .map(|p| p.into_pointer_value())
                .ok_or_else(|| crate::func::CgError::Llvm("callback without parameters".into()))
        };
        let (key_ptr, value_ptr) = (param(1)?, param(2)?);
        let state = Place {
            ptr: self.ctx_ptr,
            align: 8,
        };
        self.loop_state = Some(state.ptr);
        let i64t = self.i64t();
        // `return` in the body: tell the caller, stop iterating.
        self.b.position_at_end(self.exit_bb);
        self.store(
            self.at(state, LoopState::RETURNED)?,
            &Type::U64,
            self.u64c(1),
        )?;
        self.b.build_return(Some(&i64t.const_int(1, false)))?;
        let cont = self.block("continue");
        self.b.position_at_end(cont);
        self.b.build_return(Some(&i64t.const_zero()))?;
        let brk = self.block("break");
        self.b.position_at_end(brk);
        self.b.build_return(Some(&i64t.const_int(1, false)))?;
        self.loops.push((cont, brk));

        let start = self.block("body");
        self.b.position_at_end(start);
        self.probe_value = Some(self.load(self.at(state, LoopState::PROBE)?, &Type::U64)?);
        let ctx_slot = self.at(state, LoopState::CTX)?;
        let ctx = self.b.build_load(self.ptrt(), ctx_slot.ptr, "probe_ctx")?;
        if let Some(i) = ctx.as_instruction_value() {
            let _ = i.set_alignment(8);
        }
        self.ctx_ptr = ctx.into_pointer_value();
        let base = self.scratch_base()?;
        for off in offsets {
            // SAFETY: constant i8 GEP inside the scratch entry, after its null check.
            let ptr = unsafe {
                self.b.build_gep(
                    self.cx.i8_type(),
                    base,
                    &[self.u64c(u64::from(*off))],
                    "var",
                )?
            };
            self.vars.push(Place { ptr, align: 8 });
        }
        // $kv = (key, value).
        let kv = self.var_place(var, span)?;
        let key = Place {
            ptr: key_ptr,
            align: 8,
        };
        let layout = ir::StructLayout::of([key_ty, value_ty]);
        let (Some(&koff), Some(&voff)) = (layout.offsets.first(), layout.offsets.get(1)) else {
            return error(span, "internal error: tuple layout");
        };
        self.zero(kv, layout.size)?;
        self.copy(self.at(kv, koff)?, key, key_ty.size())?;
        let vdst = self.at(kv, voff)?;
        match kind {
            MapKind::Value(vt) => {
                let src = Place {
                    ptr: value_ptr,
                    align: 8,
                };
                self.copy_coerce(vdst, value_ty, src, vt, span)?;
            }
            MapKind::Count
            | MapKind::Sum(_)
            | MapKind::Min(_)
            | MapKind::Max(_)
            | MapKind::Avg(_) => {
                let (_, g) = self.map(id, span)?;
                let v = self.read_aggregation(kind, g, key, span)?;
                let v = self.convert(v, &Type::I64, value_ty)?;
                self.store(vdst, value_ty, v)?;
            }
            k => {
                return unsupported(
                    span,
                    format!(
                        "a for loop over a {}() map",
                        k.function_name().unwrap_or("?")
                    ),
                )
            }
        }
        self.block_stmts(body).map_err(crate::func::CgError::Diag)?;
        self.br(cont)?;
        // The entry block ends with the scratch lookup's null check.
        match self.scratch_base {
            Some(p) => {
                let null = self.entry_b.build_is_null(p, "noscratch")?;
                self.entry_b.build_conditional_branch(null, brk, start)?;
            }
            None => {
                self.entry_b.build_unconditional_branch(start)?;
            }
        }
        Ok(())
    }
}

/// Gives every function of the module that has none yet a `DISubprogram` (BTF `func_info`): the
/// verifier accepts a callback only with `func_info` for every function of the program.
pub(crate) fn describe_functions<'ctx>(
    dib: &DebugInfoBuilder<'ctx>,
    cu: DICompileUnit<'ctx>,
    module: &Module<'ctx>,
) {
    for f in module
        .get_functions()
        .filter(|f| f.count_basic_blocks() > 0)
    {
        crate::debuginfo::describe_function(dib, cu, f);
    }
}
