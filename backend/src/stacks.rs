//! Stacks and symbols: `kstack`/`ustack` (frames from `bpf_get_stack`), `func`, `ksym()`,
//! `usym()` (an address plus the pid to symbolize it against) and `reg()` (a `pt_regs` field).
//!
//! Values are laid out as [`ir::abi`] says ([`abi::STACK_PID`], [`abi::STACK_NR`],
//! [`abi::STACK_FRAMES`]; [`abi::SYMBOL_ADDR`], [`abi::SYMBOL_PID`]); the runtime symbolizes them
//! when it prints them.

use crate::func::{error, unsupported, CtxKind, FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::values::IntValue;
use inkwell::IntPredicate;
use ir::{abi, Builtin, Expr, ExprKind, Function, StackType, Type};

/// `BPF_F_USER_STACK`: `bpf_get_stack` walks the user stack.
const BPF_F_USER_STACK: u64 = 1 << 8;
/// Byte offset of `ip` in x86_64's `struct pt_regs`.
const PT_REGS_IP: u32 = 128;

impl<'ctx> FnGen<'_, 'ctx> {
    /// Writes a stack or symbol value (`kstack`, `ustack`, `func`, `ksym(x)`, `usym(x)`) at `dst`.
    pub(crate) fn stack_value_into(&mut self, e: &Expr, dst: Place<'ctx>, dty: &Type) -> R<()> {
        if *dty != e.ty {
            return unsupported(e.span, format!("storing a {} value as {dty}", e.ty));
        }
        match (&e.kind, dty) {
            (ExprKind::Builtin(Builtin::Kstack | Builtin::Ustack), Type::Stack(st)) => {
                self.stack_into(*st, dst)
            }
            (ExprKind::Builtin(Builtin::Func), Type::Symbol { kernel, .. }) => {
                let ip = self.pt_regs_u64(PT_REGS_IP, e)?;
                self.symbol_into(ip, *kernel, dst)
            }
            (
                ExprKind::Call {
                    func: Function::Ksym | Function::Usym,
                    args,
                },
                Type::Symbol { kernel, .. },
            ) => {
                let [addr] = args.as_slice() else {
                    return error(e.span, "internal error: ksym/usym take one argument");
                };
                let a = self.scalar(addr)?;
                let a = self.convert(a, &addr.ty, &Type::U64)?;
                self.symbol_into(a, *kernel, dst)
            }
            _ => error(
                e.span,
                format!("internal error: a {} value built this way", e.ty),
            ),
        }
    }

    /// `{ pid, nr, frames[limit] }` from `bpf_get_stack(ctx, frames, 8 * limit, flags)`; the
    /// helper zeroes the frames it does not fill (and all of them on failure).
    fn stack_into(&mut self, st: StackType, dst: Place<'ctx>) -> R<()> {
        let frames = self.at(dst, abi::STACK_FRAMES)?;
        let size = 8 * u32::from(st.limit);
        let flags = if st.kernel { 0 } else { BPF_F_USER_STACK };
        let ret = self
            .call(
                Helper::GetStack,
                &[
                    self.ctx_ptr.into(),
                    frames.ptr.into(),
                    self.u32c(size).into(),
                    self.u64c(flags).into(),
                ],
            )?
            .into_int_value();
        let ok = self
            .b
            .build_int_compare(IntPredicate::SGT, ret, self.u64c(0), "got")?;
        let nr = self.b.build_int_unsigned_div(ret, self.u64c(8), "nr")?;
        let nr = self
            .b
            .build_select(ok, nr, self.u64c(0), "nr")?
            .into_int_value();
        let nr = self.b.build_int_truncate(nr, self.cx.i32_type(), "nr32")?;
        let p = self.at(dst, abi::STACK_NR)?;
        self.store(p, &Type::U32, nr)?;
        let pid = if st.kernel {
            self.cx.i32_type().const_zero()
        } else {
            self.current_tgid()?
        };
        let p = self.at(dst, abi::STACK_PID)?;
        self.store(p, &Type::U32, pid)
    }

    /// `{ addr, pid, 0 }`; the pid is the current process for user symbols, 0 for kernel ones.
    fn symbol_into(&mut self, addr: IntValue<'ctx>, kernel: bool, dst: Place<'ctx>) -> R<()> {
        let p = self.at(dst, abi::SYMBOL_ADDR)?;
        self.store(p, &Type::U64, addr)?;
        let pid = if kernel {
            self.cx.i32_type().const_zero()
        } else {
            self.current_tgid()?
        };
        let p = self.at(dst, abi::SYMBOL_PID)?;
        self.store(p, &Type::U32, pid)?;
        let p = self.at(dst, abi::SYMBOL_PID + 4)?;
        self.store(p, &Type::U32, self.cx.i32_type().const_zero())
    }

    /// The current process id (tgid) as a `u32`.
    fn current_tgid(&mut self) -> R<IntValue<'ctx>> {
        let x = self.call(Helper::GetCurrentPidTgid, &[])?.into_int_value();
        let x = self.b.build_right_shift(x, self.u64c(32), false, "tgid")?;
        Ok(self.b.build_int_truncate(x, self.cx.i32_type(), "pid")?)
    }

    /// A `u64` field of the probe's `struct pt_regs` (kprobe, uprobe; perf events, whose
    /// context `struct bpf_perf_event_data` starts with it).
    fn pt_regs_u64(&mut self, offset: u32, e: &Expr) -> R<IntValue<'ctx>> {
        if !matches!(
            self.ctx_kind,
            CtxKind::PtRegs | CtxKind::Opaque | CtxKind::PerfEvent
        ) {
            return unsupported(e.span, "registers in this kind of probe");
        }
        let p = self.at(
            Place {
                ptr: self.ctx_ptr,
                align: 8,
            },
            offset,
        )?;
        self.load(p, &Type::U64)
    }

    /// Scalar calls of this module: `reg()`; stacks and symbols are not scalars.
    pub(crate) fn stack_function(
        &mut self,
        f: Function,
        args: &[Expr],
        e: &Expr,
    ) -> R<IntValue<'ctx>> {
        match (f, args) {
            (
                Function::Reg,
                [Expr {
                    kind: ExprKind::Int(off),
                    ..
                }],
            ) => {
                let Ok(off) = u32::try_from(*off) else {
                    return error(e.span, "internal error: register offset out of range");
                };
                let v = self.pt_regs_u64(off, e)?;
                self.convert(v, &Type::U64, &e.ty)
            }
            (Function::Reg, _) => error(e.span, "internal error: reg() takes a constant offset"),
            _ => unsupported(e.span, format!("a {} value as a number", e.ty)),
        }
    }
}
