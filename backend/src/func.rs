//! Per-program code generation state, and the memory primitives every other module uses:
//! places (a pointer with a known alignment), stack and scratch allocation, loads and stores of
//! scalars, and copies/zeroing that stay within what the BPF target can inline.

use crate::helpers::Helper;
use crate::maps::Maps;
use crate::BackendOptions;
use inkwell::basic_block::BasicBlock;
use inkwell::builder::{Builder, BuilderError};
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::types::{IntType, PointerType};
use inkwell::values::{BasicValue, FunctionValue, IntValue, PointerValue};
use inkwell::AddressSpace;
use ir::diag::Diagnostic;
use ir::{Span, Type};

/// A code generation failure: a diagnostic for the user, or an LLVM builder error (a bug here)
/// that gets the span of the statement it happened in.
#[derive(Debug)]
pub(crate) enum CgError {
    /// A user-facing diagnostic.
    Diag(Diagnostic),
    /// An LLVM builder error.
    Llvm(String),
}

impl From<BuilderError> for CgError {
    fn from(e: BuilderError) -> CgError {
        CgError::Llvm(e.to_string())
    }
}

impl CgError {
    /// The diagnostic, placing internal errors at `span`.
    pub(crate) fn into_diag(self, span: Span) -> Diagnostic {
        match self {
            CgError::Diag(d) => d,
            CgError::Llvm(e) => {
                Diagnostic::error(span, format!("internal error in code generation: {e}"))
            }
        }
    }
}

/// Result of code generation steps.
pub(crate) type R<T> = Result<T, CgError>;

/// A "not supported yet" error at `span`.
pub(crate) fn unsupported<T>(span: Span, what: impl std::fmt::Display) -> R<T> {
    Err(CgError::Diag(Diagnostic::unsupported(span, what)))
}

/// An error at `span`.
pub(crate) fn error<T>(span: Span, what: impl Into<String>) -> R<T> {
    Err(CgError::Diag(Diagnostic::error(span, what)))
}

/// Memory holding a value: a pointer and the alignment (1..=8) it is known to have.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place<'ctx> {
    /// Where.
    pub ptr: PointerValue<'ctx>,
    /// Known alignment in bytes.
    pub align: u32,
}

/// How a program reads its context (`Arg`, `Retval`, `CtxField`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CtxKind {
    /// A tracepoint's record: fields at fixed offsets.
    Tracepoint,
    /// `u64` arguments (raw tracepoints, fentry).
    Args,
    /// `u64` arguments and the return value after them (fexit): unknown count here.
    ArgsExit,
    /// `struct pt_regs` of x86_64 (kprobe, uprobe and their returns).
    PtRegs,
    /// Nothing readable (BEGIN, END, iterators).
    Opaque,
    /// A perf event's `struct bpf_perf_event_data`, which starts with the interrupted `struct
    /// pt_regs`: registers (`reg()`, `usermode`) are readable, function arguments are not.
    PerfEvent,
}

/// The bytes of stack the backend hands out to its own temporaries; the rest of the 512 is left
/// to LLVM's spills.
const STACK_BUDGET: u32 = 256;
/// Values up to this size live on the stack when there is room; larger ones in scratch memory.
pub(crate) const SMALL_VALUE: u32 = 32;
/// The BPF target inlines a memcpy/memset of at most this many stores.
const MAX_INLINE_STORES: u32 = 128;

/// The state of one BPF program being generated.
pub(crate) struct FnGen<'a, 'ctx> {
    /// The LLVM context.
    pub cx: &'ctx Context,
    /// The module.
    pub module: &'a Module<'ctx>,
    /// Every map.
    pub maps: &'a Maps<'ctx>,
    /// The program.
    pub program: &'a ir::Program,
    /// Machine facts.
    pub opts: &'a BackendOptions,
    /// The probe being generated.
    pub probe: &'a ir::Probe,
    /// The builder for the body.
    pub b: Builder<'ctx>,
    /// Where statements get their debug locations (program functions; `None` in callbacks).
    pub debug: Option<crate::debuginfo::DebugScope<'a, 'ctx>>,
    /// A builder at the end of the entry block (allocas, the scratch lookup).
    pub entry_b: Builder<'ctx>,
    /// The function.
    pub func: FunctionValue<'ctx>,
    /// The context argument.
    pub ctx_ptr: PointerValue<'ctx>,
    /// How to read the context.
    pub ctx_kind: CtxKind,
    /// The block that returns 0.
    pub exit_bb: BasicBlock<'ctx>,
    /// The scratch entry, looked up in the entry block on first use.
    pub scratch_base: Option<PointerValue<'ctx>>,
    /// Bytes of the scratch entry used so far.
    pub scratch_used: u32,
    /// Bytes of stack handed out so far.
    pub stack_used: u32,
    /// (continue target, break target) of the enclosing loops.
    pub loops: Vec<(BasicBlock<'ctx>, BasicBlock<'ctx>)>,
    /// Where each variable lives.
    pub vars: Vec<Place<'ctx>>,
    /// The value of the `probe` builtin (u64).
    pub probe_value: Option<IntValue<'ctx>>,
    /// Nesting depth of ring buffer records being filled (no `return` allowed inside).
    pub in_record: u32,
    /// Scratch offsets of the variables when they all live in scratch memory (probes with a
    /// `for` loop over a map, whose callback finds them there); `None` otherwise.
    pub var_offsets: Option<Vec<u32>>,
    /// In the callback of a `for` loop over a map: the loop state on the caller's stack.
    pub loop_state: Option<PointerValue<'ctx>>,
}

impl<'a, 'ctx> FnGen<'a, 'ctx> {
    /// Marks the code generated from now on as coming from `span` (see [`crate::debuginfo`]).
    pub(crate) fn locate(&self, span: ir::Span) {
        if let Some(d) = self.debug {
            let (line, column) = crate::debuginfo::encode(span);
            let loc = d
                .dib
                .create_debug_location(self.cx, line, column, d.scope, None);
            self.b.set_current_debug_location(loc);
        }
    }

    /// `i64`.
    pub(crate) fn i64t(&self) -> IntType<'ctx> {
        self.cx.i64_type()
    }

    /// `ptr`.
    pub(crate) fn ptrt(&self) -> PointerType<'ctx> {
        self.cx.ptr_type(AddressSpace::default())
    }

    /// A `u64` constant.
    pub(crate) fn u64c(&self, v: u64) -> IntValue<'ctx> {
        self.i64t().const_int(v, false)
    }

    /// The register type of a scalar IR type (`Bool` is `i1`; pointers and probe names `i64`).
    pub(crate) fn reg_type(&self, ty: &Type) -> IntType<'ctx> {
        match ty {
            Type::Bool => self.cx.bool_type(),
            Type::Int(i) => self.int_type(u32::from(i.bits)),
            _ => self.i64t(),
        }
    }

    /// The integer type of `bits` bits (1, 8, 16, 32 or 64; anything else is 64).
    pub(crate) fn int_type(&self, bits: u32) -> IntType<'ctx> {
        match bits {
            1 => self.cx.bool_type(),
            8 => self.cx.i8_type(),
            16 => self.cx.i16_type(),
            32 => self.cx.i32_type(),
            _ => self.cx.i64_type(),
        }
    }

    /// A new block in the function.
    pub(crate) fn block(&self, name: &str) -> BasicBlock<'ctx> {
        self.cx.append_basic_block(self.func, name)
    }

    /// The block the builder is in.
    pub(crate) fn current(&self) -> R<BasicBlock<'ctx>> {
        self.b
            .get_insert_block()
            .ok_or_else(|| CgError::Llvm("builder has no block".into()))
    }

    /// True when the current block already ends in a terminator.
    pub(crate) fn terminated(&self) -> bool {
        self.b
            .get_insert_block()
            .and_then(|b| b.get_terminator())
            .is_some()
    }

    /// Branches to `target` unless the block already ended.
    pub(crate) fn br(&self, target: BasicBlock<'ctx>) -> R<()> {
        if !self.terminated() {
            self.b.build_unconditional_branch(target)?;
        }
        Ok(())
    }

    /// `p + off`.
    pub(crate) fn at(&self, p: Place<'ctx>, off: u32) -> R<Place<'ctx>> {
        if off == 0 {
            return Ok(p);
        }
        // SAFETY: an i8 GEP by a constant; the verifier checks every access anyway.
        let ptr = unsafe {
            self.b
                .build_gep(self.cx.i8_type(), p.ptr, &[self.u64c(u64::from(off))], "at")?
        };
        Ok(Place {
            ptr,
            align: gcd_align(p.align, off),
        })
    }

    /// Stack memory of `size` bytes (8-aligned) while the budget lasts, scratch memory after.
    pub(crate) fn stack(&mut self, size: u32) -> R<Place<'ctx>> {
        let size = ir::types::round_up(size.max(1), 8);
        if self.stack_used + size > STACK_BUDGET {
            return self.scratch(size);
        }
        self.stack_used += size;
        let ty = self.i64t().array_type(size / 8);
        let ptr = self.entry_b.build_alloca(ty, "tmp")?;
        if let Some(i) = ptr.as_instruction() {
            let _ = i.set_alignment(8);
        }
        Ok(Place { ptr, align: 8 })
    }

    /// A fresh region of `size` bytes in the per-CPU scratch entry.
    pub(crate) fn scratch(&mut self, size: u32) -> R<Place<'ctx>> {
        let base = self.scratch_base()?;
        let off = ir::types::round_up(self.scratch_used, 8);
        self.scratch_used = off + size.max(1);
        // SAFETY: constant i8 GEP inside the scratch entry (its size is set from `scratch_used`).
        // Built at the point of use, after the entry block's null check of the lookup: the
        // verifier refuses arithmetic on a pointer that may still be NULL.
        let ptr = unsafe {
            self.b.build_gep(
                self.cx.i8_type(),
                base,
                &[self.u64c(u64::from(off))],
                "scratch",
            )?
        };
        Ok(Place { ptr, align: 8 })
    }

    /// The scratch entry (looked up in the entry block on first use).
    pub(crate) fn scratch_base(&mut self) -> R<PointerValue<'ctx>> {
        if let Some(p) = self.scratch_base {
            return Ok(p);
        }
        let key = self.entry_b.build_alloca(self.cx.i32_type(), "zero")?;
        self.entry_b
            .build_store(key, self.cx.i32_type().const_zero())?;
        let map = self.maps.scratch();
        let p = self.call_with(
            &self.entry_b,
            Helper::MapLookupElem,
            &[map.into(), key.into()],
        )?;
        let p = p.into_pointer_value();
        self.scratch_base = Some(p);
        Ok(p)
    }

    /// Temporary memory for a value of type `ty`: small values on the stack, big ones in scratch.
    pub(crate) fn temp(&mut self, ty: &Type) -> R<Place<'ctx>> {
        let size = ty.size().max(1);
        if size <= SMALL_VALUE {
            self.stack(size)
        } else {
            self.scratch(size)
        }
    }

    /// Loads a scalar of type `ty` from `p`.
    pub(crate) fn load(&self, p: Place<'ctx>, ty: &Type) -> R<IntValue<'ctx>> {
        let mem = self.mem_type(ty);
        let v = self.b.build_load(mem, p.ptr, "ld")?;
        if let Some(i) = v.as_instruction_value() {
            let _ = i.set_alignment(p.align.min(ty.size().max(1)));
        }
        let v = v.into_int_value();
        if *ty == Type::Bool {
            Ok(self
                .b
                .build_int_compare(inkwell::IntPredicate::NE, v, mem.const_zero(), "b")?)
        } else {
            Ok(v)
        }
    }

    /// Stores scalar `v` (already of `ty`'s register type) as a `ty` at `p`.
    pub(crate) fn store(&self, p: Place<'ctx>, ty: &Type, v: IntValue<'ctx>) -> R<()> {
        let mem = self.mem_type(ty);
        let v = if v.get_type().get_bit_width() < mem.get_bit_width() {
            self.b.build_int_z_extend(v, mem, "zx")?
        } else if v.get_type().get_bit_width() > mem.get_bit_width() {
            self.b.build_int_truncate(v, mem, "tr")?
        } else {
            v
        };
        let st = self.b.build_store(p.ptr, v)?;
        let _ = st.set_alignment(p.align.min(ty.size().max(1)));
        Ok(())
    }

    /// The in-memory integer type of a scalar IR type (`Bool` is a byte).
    pub(crate) fn mem_type(&self, ty: &Type) -> IntType<'ctx> {
        match ty {
            Type::Bool => self.cx.i8_type(),
            _ => self.reg_type(ty),
        }
    }

    /// Sets `size` bytes at `p` to zero.
    pub(crate) fn zero(&mut self, p: Place<'ctx>, size: u32) -> R<()> {
        if size == 0 {
            return Ok(());
        }
        let a = p.align.clamp(1, 8);
        if size.div_ceil(a) <= MAX_INLINE_STORES {
            // Volatile, so that LLVM does not merge neighbouring memsets into one too big for the
            // BPF target to inline (it has no memset to call).
            let f = inkwell::intrinsics::Intrinsic::find("llvm.memset")
                .and_then(|i| {
                    i.get_declaration(self.module, &[self.ptrt().into(), self.i64t().into()])
                })
                .ok_or_else(|| CgError::Llvm("llvm.memset is missing".into()))?;
            let args = [
                p.ptr.into(),
                self.cx.i8_type().const_zero().into(),
                self.u64c(u64::from(size)).into(),
                self.cx.bool_type().const_int(1, false).into(),
            ];
            let call = self.b.build_call(f, &args, "")?;
            call.set_alignment_attribute(inkwell::attributes::AttributeLoc::Param(0), a);
            return Ok(());
        }
        // Too big to inline: copy from a zero-filled read-only global.
        let name = format!("oxt_zero_{size}");
        let g = match self.module.get_global(&name) {
            Some(g) => g,
            None => {
                let ty = self.cx.i8_type().array_type(size);
                let g = self.module.add_global(ty, None, &name);
                g.set_initializer(&ty.const_zero());
                g.set_constant(true);
                g.set_section(Some(".rodata"));
                g.set_linkage(inkwell::module::Linkage::Internal);
                g
            }
        };
        self.call(
            Helper::ProbeReadKernel,
            &[
                p.ptr.into(),
                self.cx.i32_type().const_int(u64::from(size), false).into(),
                g.as_pointer_value().into(),
            ],
        )?;
        Ok(())
    }

    /// Copies `size` bytes from `src` to `dst` (non-overlapping).
    pub(crate) fn copy(&self, dst: Place<'ctx>, src: Place<'ctx>, size: u32) -> R<()> {
        if size == 0 {
            return Ok(());
        }
        let a = dst.align.min(src.align).clamp(1, 8);
        if size.div_ceil(a) <= MAX_INLINE_STORES {
            self.b.build_memcpy(
                dst.ptr,
                dst.align.clamp(1, 8),
                src.ptr,
                src.align.clamp(1, 8),
                self.u64c(u64::from(size)),
            )?;
            return Ok(());
        }
        self.call(
            Helper::ProbeReadKernel,
            &[
                dst.ptr.into(),
                self.cx.i32_type().const_int(u64::from(size), false).into(),
                src.ptr.into(),
            ],
        )?;
        Ok(())
    }

    /// Converts scalar `v` of type `from` to type `to` (integer extension by the source's
    /// signedness, truncation, bool conversion).
    pub(crate) fn convert(&self, v: IntValue<'ctx>, from: &Type, to: &Type) -> R<IntValue<'ctx>> {
        let target = self.reg_type(to);
        if *to == Type::Bool && *from != Type::Bool {
            return Ok(self.b.build_int_compare(
                inkwell::IntPredicate::NE,
                v,
                v.get_type().const_zero(),
                "tobool",
            )?);
        }
        let (fw, tw) = (v.get_type().get_bit_width(), target.get_bit_width());
        Ok(if fw == tw {
            v
        } else if fw > tw {
            self.b.build_int_truncate(v, target, "trunc")?
        } else if is_signed(from) {
            self.b.build_int_s_extend(v, target, "sext")?
        } else {
            self.b.build_int_z_extend(v, target, "zext")?
        })
    }

    /// `v != 0` as `i1` (identity for `i1`).
    pub(crate) fn truthy(&self, v: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        if v.get_type().get_bit_width() == 1 {
            return Ok(v);
        }
        Ok(self.b.build_int_compare(
            inkwell::IntPredicate::NE,
            v,
            v.get_type().const_zero(),
            "truthy",
        )?)
    }

    /// An `i32` constant (helper size arguments).
    pub(crate) fn u32c(&self, v: u32) -> IntValue<'ctx> {
        self.cx.i32_type().const_int(u64::from(v), false)
    }
}

/// True for signed integer types.
pub(crate) fn is_signed(ty: &Type) -> bool {
    matches!(ty, Type::Int(i) if i.signed)
}

/// The alignment of `base_align`-aligned memory at offset `off`.
pub(crate) fn gcd_align(base_align: u32, off: u32) -> u32 {
    if off == 0 {
        return base_align;
    }
    base_align.min(1 << off.trailing_zeros()).max(1)
}
