//! Builtins (pid, nsecs, comm, probe, ...) and reads from the program's context: tracepoint
//! fields, `__data_loc` fields, function arguments and return values.

use crate::func::{unsupported, CtxKind, FnGen, Place, R};
use crate::helpers::Helper;
use inkwell::values::IntValue;
use ir::{abi, Builtin, Expr, Type};

/// Byte offsets in x86_64's `struct pt_regs` of the first six argument registers.
const PT_REGS_ARGS: [u32; 6] = [112, 104, 96, 88, 72, 64];
/// Byte offset of `ax` (the return value) in x86_64's `struct pt_regs`.
const PT_REGS_RET: u32 = 80;

impl<'ctx> FnGen<'_, 'ctx> {
    /// A scalar builtin, converted to the expression's type.
    pub(crate) fn builtin(&mut self, b: Builtin, e: &Expr) -> R<IntValue<'ctx>> {
        let (v, ty) = match b {
            Builtin::Pid | Builtin::Tid => {
                let x = self.helper_u64(Helper::GetCurrentPidTgid)?;
                let x = if b == Builtin::Pid {
                    self.b.build_right_shift(x, self.u64c(32), false, "tgid")?
                } else {
                    x
                };
                (
                    self.b.build_int_truncate(x, self.cx.i32_type(), "id")?,
                    Type::U32,
                )
            }
            Builtin::Uid | Builtin::Gid => {
                let x = self.helper_u64(Helper::GetCurrentUidGid)?;
                let x = if b == Builtin::Gid {
                    self.b.build_right_shift(x, self.u64c(32), false, "gid")?
                } else {
                    x
                };
                (
                    self.b.build_int_truncate(x, self.cx.i32_type(), "id")?,
                    Type::U32,
                )
            }
            Builtin::Nsecs => (self.helper_u64(Helper::KtimeGetNs)?, Type::U64),
            Builtin::Elapsed => (self.elapsed()?, Type::U64),
            Builtin::Cpu => {
                let x = self.helper_u64(Helper::GetSmpProcessorId)?;
                (
                    self.b.build_int_truncate(x, self.cx.i32_type(), "cpu")?,
                    Type::U32,
                )
            }
            Builtin::Ncpus => (
                self.cx
                    .i32_type()
                    .const_int(u64::from(self.opts.ncpus), false),
                Type::U32,
            ),
            Builtin::Rand => {
                let x = self.helper_u64(Helper::GetPrandomU32)?;
                (
                    self.b.build_int_truncate(x, self.cx.i32_type(), "rand")?,
                    Type::U32,
                )
            }
            Builtin::Cgroup => (self.helper_u64(Helper::GetCurrentCgroupId)?, Type::U64),
            Builtin::CurTask => (self.helper_u64(Helper::GetCurrentTask)?, Type::U64),
            Builtin::Ctx => (
                self.b.build_ptr_to_int(self.ctx_ptr, self.i64t(), "ctx")?,
                Type::U64,
            ),
            Builtin::Probe => (
                self.probe_value.unwrap_or_else(|| self.u64c(0)),
                Type::ProbeName,
            ),
            Builtin::Comm => return unsupported(e.span, "'comm' as a number"),
            Builtin::Walltimestamp => (self.walltimestamp()?, Type::I64),
            Builtin::Jiffies => (self.helper_u64(Helper::Jiffies64)?, Type::U64),
            Builtin::Numaid => {
                let x = self.helper_u64(Helper::GetNumaNodeId)?;
                (
                    self.b.build_int_truncate(x, self.cx.i32_type(), "numa")?,
                    Type::U32,
                )
            }
            Builtin::Usermode => (self.usermode(e)?, Type::int(8, false)),
            Builtin::Username => {
                let x = self.helper_u64(Helper::GetCurrentUidGid)?;
                let uid = self.b.build_and(x, self.u64c(0xffff_ffff), "uid")?;
                (uid, Type::U64)
            }
            Builtin::Kstack | Builtin::Ustack | Builtin::Func => {
                return unsupported(e.span, format!("'{}' as a number", b.name()))
            }
        };
        self.convert(v, &ty, &e.ty)
    }

    /// `usermode`: 1 when the saved `cs` of x86_64's `struct pt_regs` has privilege level 3.
    fn usermode(&mut self, e: &Expr) -> R<IntValue<'ctx>> {
        /// Byte offset of `cs` in x86_64's `struct pt_regs`.
        const PT_REGS_CS: u32 = 136;
        if !matches!(self.ctx_kind, CtxKind::PtRegs | CtxKind::PerfEvent) {
            return unsupported(
                e.span,
                "'usermode' outside kprobe, uprobe and perf event probes",
            );
        }
        let p = self.at(
            Place {
                ptr: self.ctx_ptr,
                align: 8,
            },
            PT_REGS_CS,
        )?;
        let cs = self.load(p, &Type::U64)?;
        let ring = self.b.build_and(cs, self.u64c(3), "ring")?;
        let user =
            self.b
                .build_int_compare(inkwell::IntPredicate::EQ, ring, self.u64c(3), "user")?;
        Ok(self
            .b
            .build_int_z_extend(user, self.cx.i8_type(), "usermode")?)
    }

    fn helper_u64(&self, h: Helper) -> R<IntValue<'ctx>> {
        Ok(self.call(h, &[])?.into_int_value())
    }

    /// `nsecs + globals.wall_offset_ns`: nanoseconds since the epoch (D's `walltimestamp`).
    fn walltimestamp(&mut self) -> R<IntValue<'ctx>> {
        let now = self.helper_u64(Helper::KtimeGetNs)?;
        let off = self.global_u64(abi::Globals::WALL_OFFSET_NS)?;
        Ok(self.b.build_int_add(now, off, "wall")?)
    }

    /// The `u64` at `offset` of the globals entry (0 when the globals are missing).
    pub(crate) fn global_u64(&mut self, offset: u32) -> R<IntValue<'ctx>> {
        let key = self.stack(8)?;
        self.b
            .build_store(key.ptr, self.cx.i32_type().const_zero())?;
        let g = self
            .call(
                Helper::MapLookupElem,
                &[self.maps.globals().into(), key.ptr.into()],
            )?
            .into_pointer_value();
        let from = self.current()?;
        let have = self.block("globals");
        let done = self.block("global");
        let null = self.b.build_is_null(g, "noglobals")?;
        self.b.build_conditional_branch(null, done, have)?;
        self.b.position_at_end(have);
        let p = self.at(Place { ptr: g, align: 8 }, offset)?;
        let v = self.load(p, &Type::U64)?;
        let at = self.current()?;
        self.b.build_unconditional_branch(done)?;
        self.b.position_at_end(done);
        let phi = self.b.build_phi(self.i64t(), "global")?;
        phi.add_incoming(&[(&self.u64c(0), from), (&v, at)]);
        Ok(phi.as_basic_value().into_int_value())
    }

    /// `nsecs - globals.start_ns` (0 when the globals are missing).
    fn elapsed(&mut self) -> R<IntValue<'ctx>> {
        let now = self.helper_u64(Helper::KtimeGetNs)?;
        let start = self.global_u64(abi::Globals::START_NS)?;
        self.b
            .build_int_sub(now, start, "elapsed")
            .map_err(Into::into)
    }

    /// A tracepoint field read directly from the context.
    pub(crate) fn ctx_field(&mut self, offset: u32, e: &Expr) -> R<IntValue<'ctx>> {
        if self.ctx_kind != CtxKind::Tracepoint {
            return unsupported(e.span, "a tracepoint field outside a tracepoint probe");
        }
        let p = self.at(
            Place {
                ptr: self.ctx_ptr,
                align: 8,
            },
            offset,
        )?;
        self.load(p, &e.ty)
    }

    /// A `__data_loc` field: `ctx + (u32 at offset & 0xffff)`, as a kernel address.
    pub(crate) fn ctx_data_loc(&mut self, offset: u32, e: &Expr) -> R<IntValue<'ctx>> {
        if self.ctx_kind != CtxKind::Tracepoint {
            return unsupported(e.span, "a tracepoint field outside a tracepoint probe");
        }
        let p = self.at(
            Place {
                ptr: self.ctx_ptr,
                align: 8,
            },
            offset,
        )?;
        let loc = self.load(p, &Type::U32)?;
        let off = self
            .b
            .build_and(loc, self.cx.i32_type().const_int(0xffff, false), "loc")?;
        let off = self.b.build_int_z_extend(off, self.i64t(), "loc64")?;
        let base = self.b.build_ptr_to_int(self.ctx_ptr, self.i64t(), "ctx")?;
        let addr = self.b.build_int_add(base, off, "data")?;
        self.convert(addr, &Type::U64, &e.ty)
    }

    /// Function argument `n`.
    pub(crate) fn arg(&mut self, n: u8, e: &Expr) -> R<IntValue<'ctx>> {
        let off = match self.ctx_kind {
            CtxKind::PtRegs => match PT_REGS_ARGS.get(usize::from(n)) {
                Some(o) => *o,
                None => {
                    return unsupported(
                        e.span,
                        format!("argument {n} (only 6 are passed in registers)"),
                    )
                }
            },
            CtxKind::Args | CtxKind::ArgsExit => 8 * u32::from(n),
            _ => return unsupported(e.span, "function arguments in this kind of probe"),
        };
        self.ctx_u64(off, e)
    }

    /// The return value.
    pub(crate) fn retval(&mut self, e: &Expr) -> R<IntValue<'ctx>> {
        match self.ctx_kind {
            CtxKind::PtRegs => self.ctx_u64(PT_REGS_RET, e),
            CtxKind::ArgsExit => unsupported(e.span, "'retval' in fexit probes"),
            _ => unsupported(e.span, "'retval' in this kind of probe"),
        }
    }

    fn ctx_u64(&mut self, off: u32, e: &Expr) -> R<IntValue<'ctx>> {
        let p = self.at(
            Place {
                ptr: self.ctx_ptr,
                align: 8,
            },
            off,
        )?;
        let v = self.load(p, &Type::U64)?;
        // Narrow arguments keep their low bits; a signed narrow type gets them sign-extended.
        self.convert(v, &Type::U64, &e.ty)
    }

    /// Reads `size` bytes through the pointer `ptr` into `dst`.
    pub(crate) fn read_into(
        &mut self,
        dst: Place<'ctx>,
        size: u32,
        ptr: &Expr,
        space: ir::AddrSpace,
        span: ir::Span,
    ) -> R<()> {
        let p = self.scalar(ptr)?;
        let p = self.convert(p, &ptr.ty, &Type::U64)?;
        let p = self.b.build_int_to_ptr(p, self.ptrt(), "src")?;
        let h = match space {
            ir::AddrSpace::Kernel => Helper::ProbeReadKernel,
            ir::AddrSpace::User => Helper::ProbeReadUser,
        };
        // On failure the kernel zeroes the destination.
        let ret = self.call(h, &[dst.ptr.into(), self.u32c(size).into(), p.into()])?;
        self.check_helper(h, ret, span)
    }
}
