//! Typed kernel symbols (`percpu_kaddr`): an extern global in section `.ksyms` whose debug info
//! becomes a BTF `VAR` in a `.ksyms` `DATASEC`. libbpf finds the variable of that name in the
//! kernel's BTF, checks the declared type's kind against it, and turns the global's address into
//! `ld_imm64 BPF_PSEUDO_BTF_ID`; `bpf_this_cpu_ptr`/`bpf_per_cpu_ptr` then give its address on
//! one CPU. Unlike a typeless ksym this needs no `/proc/kallsyms` entry.

use crate::func::{error, FnGen, R};
use crate::helpers::Helper;
use inkwell::debug_info::{AsDIScope, DIFlags, DIFlagsConstants, DIType};
use inkwell::module::Linkage;
use inkwell::values::{GlobalValue, IntValue};
use inkwell::AddressSpace;
use ir::{Expr, ExprKind, KsymBase, KsymType};

impl<'ctx> FnGen<'_, 'ctx> {
    /// `percpu_kaddr("name"[, cpu])` as a uint64 (0 when `bpf_per_cpu_ptr` finds no such CPU).
    pub(crate) fn percpu_kaddr(
        &mut self,
        ty: KsymType,
        args: &[Expr],
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        let Some(Expr {
            kind: ExprKind::Str(name),
            ..
        }) = args.first()
        else {
            return error(
                e.span,
                "internal error: percpu_kaddr() without a variable name",
            );
        };
        let global = self.ksym(name, ty, e)?;
        let var = global.as_pointer_value();
        let ptr = match args.get(1) {
            None => self.call(Helper::ThisCpuPtr, &[var.into()])?,
            Some(cpu) => {
                let cpu = self.scalar(cpu)?;
                let cpu = self
                    .b
                    .build_int_z_extend_or_bit_cast(cpu, self.i64t(), "cpu")?;
                self.call(Helper::PerCpuPtr, &[var.into(), cpu.into()])?
            }
        };
        let addr =
            self.b
                .build_ptr_to_int(ptr.into_pointer_value(), self.i64t(), "percpu_kaddr")?;
        self.convert(addr, &ir::Type::U64, &e.ty)
    }

    /// The `.ksyms` extern for kernel variable `name`, declared (with its BTF) on first use.
    fn ksym(&self, name: &str, ty: KsymType, e: &Expr) -> R<GlobalValue<'ctx>> {
        if let Some(g) = self.module.get_global(name) {
            return Ok(g);
        }
        let Some(debug) = self.debug else {
            return error(
                e.span,
                "percpu_kaddr() is not available here (no debug information to declare it)",
            );
        };
        let global = self.module.add_global(self.cx.i8_type(), None, name);
        global.set_linkage(Linkage::External);
        global.set_section(Some(".ksyms"));
        let dib = debug.dib;
        let file = debug.cu.get_file();
        let scope = debug.cu.as_debug_info_scope();
        let base: DIType<'ctx> = match ty.base {
            KsymBase::Void => dib
                .create_basic_type("char", 8, 0x06, DIFlags::ZERO)
                .map(|t| t.as_type()),
            KsymBase::Int { bytes, signed } => dib
                .create_basic_type(
                    if signed { "long" } else { "unsigned long" },
                    u64::from(bytes.max(1)) * 8,
                    if signed { 0x05 } else { 0x07 },
                    DIFlags::ZERO,
                )
                .map(|t| t.as_type()),
            KsymBase::Struct | KsymBase::Union => {
                let tag = if ty.base == KsymBase::Struct {
                    "struct"
                } else {
                    "union"
                };
                let st = if ty.base == KsymBase::Struct {
                    dib.create_struct_type(
                        scope,
                        &format!("{name}_{tag}"),
                        file,
                        0,
                        8,
                        8,
                        DIFlags::ZERO,
                        None,
                        &[],
                        0,
                        None,
                        "",
                    )
                } else {
                    dib.create_union_type(
                        scope,
                        &format!("{name}_{tag}"),
                        file,
                        0,
                        8,
                        8,
                        DIFlags::ZERO,
                        &[],
                        0,
                        "",
                    )
                };
                Ok(st.as_type())
            }
            KsymBase::Enum { bytes } => {
                let int = dib
                    .create_basic_type(
                        "unsigned int",
                        u64::from(bytes.max(1)) * 8,
                        0x07,
                        DIFlags::ZERO,
                    )
                    .map(|t| t.as_type());
                int.map(|int| {
                    let en = dib.create_enumerator("ZERO", 0, true);
                    dib.create_enumeration_type(
                        scope,
                        &format!("{name}_enum"),
                        file,
                        0,
                        u64::from(bytes.max(1)) * 8,
                        32,
                        &[en],
                        int,
                    )
                    .as_type()
                })
            }
        }
        .map_err(|m| crate::func::CgError::Llvm(format!("debug type of {name}: {m}")))?;
        let mut t = base;
        for _ in 0..ty.pointers {
            t = dib
                .create_pointer_type("", t, 64, 64, AddressSpace::default())
                .as_type();
        }
        if ty.array {
            #[allow(clippy::single_range_in_vec_init)]
            let arr = dib.create_array_type(t, 0, 8, &[0..1]);
            t = arr.as_type();
        }
        let gve = dib
            .create_global_variable_expression(scope, name, name, file, 0, t, false, None, None, 8);
        let dbg = self.cx.get_kind_id("dbg");
        global.set_metadata(gve.as_metadata_value(self.cx), dbg);
        Ok(global)
    }
}
