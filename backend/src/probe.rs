//! One BPF function per attach site: its section (which tells libbpf the program type), the
//! prologue (scratch lookup, syscall filter), the predicate around the body, and `return 0`.

use crate::func::{CgError, CtxKind, FnGen, Place, R};
use crate::helpers::Helper;
use crate::maps::Maps;
use crate::BackendOptions;
use inkwell::context::Context;
use inkwell::debug_info::{AsDIScope, DICompileUnit, DebugInfoBuilder};
use inkwell::module::{Linkage, Module};
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::diag::Diagnostic;
use ir::{abi, AttachPoint, Type};

/// The ELF section and context kind of a program for `point`.
fn section(point: &AttachPoint) -> Result<(String, CtxKind), &'static str> {
    Ok(match point {
        AttachPoint::Begin | AttachPoint::End => ("raw_tp".into(), CtxKind::Opaque),
        // Run by the runtime with BPF_PROG_TEST_RUN; its context is DTrace's arg0..arg5.
        AttachPoint::Error => ("raw_tp".into(), CtxKind::Args),
        AttachPoint::Tracepoint { category, name } => {
            (format!("tracepoint/{category}/{name}"), CtxKind::Tracepoint)
        }
        AttachPoint::SyscallSet { exit, .. } => (
            format!(
                "tracepoint/raw_syscalls/{}",
                if *exit { "sys_exit" } else { "sys_enter" }
            ),
            CtxKind::Tracepoint,
        ),
        AttachPoint::RawTracepoint { name } => (format!("raw_tp/{name}"), CtxKind::Args),
        AttachPoint::Kprobe {
            function, offset, ..
        } => {
            if *offset > 0 {
                (format!("kprobe/{function}+{offset}"), CtxKind::PtRegs)
            } else {
                (format!("kprobe/{function}"), CtxKind::PtRegs)
            }
        }
        AttachPoint::Kretprobe { function, .. } => {
            (format!("kretprobe/{function}"), CtxKind::PtRegs)
        }
        AttachPoint::Uprobe { .. } | AttachPoint::Usdt { .. } => ("uprobe".into(), CtxKind::PtRegs),
        // A perf event's context starts with the registers (`struct bpf_perf_event_data`).
        AttachPoint::Watchpoint { .. } => ("perf_event".into(), CtxKind::PtRegs),
        // An iterator's context is its target's `struct bpf_iter__TARGET` (BTF typed).
        AttachPoint::Iter { target } => (format!("iter/{target}"), CtxKind::Opaque),
        AttachPoint::Uretprobe { .. } => ("uretprobe".into(), CtxKind::PtRegs),
        AttachPoint::Profile { .. }
        | AttachPoint::Interval { .. }
        | AttachPoint::Software { .. }
        | AttachPoint::Hardware { .. } => ("perf_event".into(), CtxKind::PerfEvent),
        AttachPoint::Fentry {
            module: None,
            function,
        } => (format!("fentry/{function}"), CtxKind::Args),
        AttachPoint::Fexit {
            module: None,
            function,
        } => (format!("fexit/{function}"), CtxKind::ArgsExit),
        AttachPoint::Fentry { .. } | AttachPoint::Fexit { .. } => {
            return Err("fentry/fexit on a module function")
        }
    })
}

/// Whether `point` fires on kernel events (and so must go quiet once tracing stops, see
/// [`abi::Globals::STOPPED`]); BEGIN, END, ERROR and iterators run only when the runtime runs them.
fn stops_before_end(point: &AttachPoint) -> bool {
    !matches!(
        point,
        AttachPoint::Begin | AttachPoint::End | AttachPoint::Error | AttachPoint::Iter { .. }
    )
}

/// Generates the program for attach site `si` of probe `pi`; returns the scratch bytes it uses.
pub(crate) fn generate<'ctx>(
    cx: &'ctx Context,
    module: &Module<'ctx>,
    maps: &Maps<'ctx>,
    program: &ir::Program,
    opts: &BackendOptions,
    (pi, si): (usize, usize),
    debug: (&DebugInfoBuilder<'ctx>, DICompileUnit<'ctx>),
) -> Result<u32, Diagnostic> {
    let probe = &program.probes[pi];
    let site = &probe.attach[si];
    let (sec, ctx_kind) =
        section(&site.point).map_err(|what| Diagnostic::unsupported(site.span, what))?;
    let ptr = cx.ptr_type(inkwell::AddressSpace::default());
    let fty = cx.i32_type().fn_type(&[ptr.into()], false);
    let func = module.add_function(&abi::program_symbol(pi, si), fty, Some(Linkage::External));
    func.set_section(Some(&sec));
    // No unwinding in BPF: without this LLVM emits an `.eh_frame` libbpf has to skip.
    let nounwind = cx.create_enum_attribute(
        inkwell::attributes::Attribute::get_named_enum_kind_id("nounwind"),
        0,
    );
    func.add_attribute(inkwell::attributes::AttributeLoc::Function, nounwind);
    let ctx_ptr = func
        .get_nth_param(0)
        .map(|p| p.into_pointer_value())
        .ok_or_else(|| Diagnostic::error(site.span, "internal error: program without context"))?;
    let scope = crate::debuginfo::describe_function(debug.0, debug.1, func).map(|sp| {
        crate::debuginfo::DebugScope {
            dib: debug.0,
            scope: sp.as_debug_info_scope(),
            cu: debug.1,
        }
    });
    let entry = cx.append_basic_block(func, "entry");
    let body = cx.append_basic_block(func, "body");
    let exit_bb = cx.append_basic_block(func, "exit");
    let b = cx.create_builder();
    let entry_b = cx.create_builder();
    entry_b.position_at_end(entry);
    let mut g = FnGen {
        cx,
        module,
        maps,
        program,
        opts,
        probe,
        b,
        debug: scope,
        entry_b,
        func,
        ctx_ptr,
        ctx_kind,
        exit_bb,
        scratch_base: None,
        scratch_used: 0,
        stack_used: 0,
        loops: Vec::new(),
        vars: Vec::new(),
        probe_value: None,
        in_record: 0,
        var_offsets: None,
        loop_state: None,
    };
    let internal = |e: CgError| e.into_diag(site.span);
    g.b.position_at_end(exit_bb);
    g.b.build_return(Some(&cx.i32_type().const_zero()))
        .map_err(|e| internal(e.into()))?;
    g.b.position_at_end(body);
    if stops_before_end(&site.point) {
        g.return_if_stopped().map_err(internal)?;
    }
    g.prologue(pi, si).map_err(internal)?;
    if let Some(pred) = &probe.predicate {
        g.locate(pred.span);
        let go = g.block("go");
        let c = g
            .scalar(pred)
            .and_then(|v| g.truthy(v))
            .map_err(|e| e.into_diag(pred.span))?;
        g.b.build_conditional_branch(c, go, exit_bb)
            .map_err(|e| CgError::from(e).into_diag(pred.span))?;
        g.b.position_at_end(go);
    }
    g.block_stmts(&probe.body)?;
    g.br(exit_bb).map_err(internal)?;
    // The entry block ends with the scratch lookup's null check, now that we know if it is used.
    match g.scratch_base {
        Some(p) => {
            let null = g
                .entry_b
                .build_is_null(p, "noscratch")
                .map_err(|e| internal(e.into()))?;
            g.entry_b
                .build_conditional_branch(null, exit_bb, body)
                .map_err(|e| internal(e.into()))?;
        }
        None => {
            g.entry_b
                .build_unconditional_branch(body)
                .map_err(|e| internal(e.into()))?;
        }
    }
    Ok(g.scratch_used)
}

impl<'ctx> FnGen<'_, 'ctx> {
    /// Returns from the program when the runtime has set [`abi::Globals::STOPPED`] (an inlined
    /// array lookup, a load and a branch per event).
    fn return_if_stopped(&mut self) -> R<()> {
        let stopped = self.global_u64(abi::Globals::STOPPED)?;
        let zero = self.u64c(0);
        let is_stopped = self
            .b
            .build_int_compare(IntPredicate::NE, stopped, zero, "stopped")?;
        let running = self.block("running");
        self.b
            .build_conditional_branch(is_stopped, self.exit_bb, running)?;
        self.b.position_at_end(running);
        Ok(())
    }

    /// Variables, the `probe` value, and the syscall filter of a syscall set.
    fn prologue(&mut self, pi: usize, si: usize) -> R<()> {
        let site = &self.probe.attach[si];
        if crate::formap::has_for_map(&self.probe.body) {
            // The loop bodies run in callbacks, which find the variables in scratch memory.
            let mut offsets = Vec::with_capacity(self.probe.vars.len());
            for v in &self.probe.vars {
                let size = ir::types::round_up(v.ty.size().max(1), 8);
                offsets.push(ir::types::round_up(self.scratch_used, 8));
                let place = self.scratch(size)?;
                if v.ty.is_scalar() {
                    self.store(place, &Type::U64, self.u64c(0))?;
                }
                self.vars.push(place);
            }
            self.var_offsets = Some(offsets);
        }
        for v in self.probe.vars.iter().skip(self.vars.len()) {
            let place = if v.ty.is_scalar() {
                let p = self.stack(8)?;
                self.store(p, &Type::U64, self.u64c(0))?;
                Place {
                    ptr: p.ptr,
                    align: 8,
                }
            } else {
                self.scratch(v.ty.size())?
            };
            self.vars.push(place);
        }
        self.probe_value = Some(match &site.point {
            AttachPoint::SyscallSet { syscalls, .. } => self.syscall_filter(pi, si, syscalls)?,
            _ if abi::program_is_shared(self.probe, si) => self
                .call(Helper::GetAttachCookie, &[self.ctx_ptr.into()])?
                .into_int_value(),
            _ => self.u64c(u64::from(site.probe_name)),
        });
        Ok(())
    }

    /// Loads the syscall id (ctx+8), looks it up in a constant table and returns early for
    /// syscalls not in the set; yields the `probe` value (probe name index).
    fn syscall_filter(
        &mut self,
        pi: usize,
        si: usize,
        syscalls: &[ir::SyscallProbe],
    ) -> R<IntValue<'ctx>> {
        let len = syscalls.iter().map(|s| s.nr + 1).max().unwrap_or(1);
        let mut table = vec![0u32; len as usize];
        for s in syscalls {
            table[s.nr as usize] = s.probe_name + 1;
        }
        let i32t = self.cx.i32_type();
        let values: Vec<IntValue<'ctx>> = table
            .iter()
            .map(|v| i32t.const_int(u64::from(*v), false))
            .collect();
        let init = i32t.const_array(&values);
        let g = self.module.add_global(
            init.get_type(),
            None,
            &format!("oxt_sys_{}", abi::program_symbol(pi, si)),
        );
        g.set_initializer(&init);
        g.set_constant(true);
        g.set_section(Some(".rodata"));
        g.set_linkage(Linkage::Internal);
        g.set_alignment(4);

        let nr_place = Place {
            ptr: self.ctx_ptr,
            align: 8,
        };
        let nr_place = self.at(nr_place, 8)?;
        let nr = self.load(nr_place, &Type::I64)?;
        let inside =
            self.b
                .build_int_compare(IntPredicate::ULT, nr, self.u64c(u64::from(len)), "known")?;
        let lookup = self.block("sys_lookup");
        self.b
            .build_conditional_branch(inside, lookup, self.exit_bb)?;
        self.b.position_at_end(lookup);
        // SAFETY: the index is bounds-checked against the table's length just above.
        let slot = unsafe {
            self.b
                .build_gep(i32t, g.as_pointer_value(), &[nr], "sys_slot")?
        };
        let v = self.b.build_load(i32t, slot, "sys_probe")?.into_int_value();
        let traced = self
            .b
            .build_int_compare(IntPredicate::NE, v, i32t.const_zero(), "traced")?;
        let go = self.block("sys_traced");
        self.b.build_conditional_branch(traced, go, self.exit_bb)?;
        self.b.position_at_end(go);
        let idx = self
            .b
            .build_int_sub(v, i32t.const_int(1, false), "probe_idx")?;
        Ok(self.b.build_int_z_extend(idx, self.i64t(), "probe")?)
    }
}
