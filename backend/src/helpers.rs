//! BPF helper calls. Like clang with `bpf_helper_defs.h`, a helper is called through a pointer
//! made from its id (`inttoptr`); the BPF backend turns such calls into `call <id>`.

use crate::func::{FnGen, R};
use inkwell::builder::Builder;
use inkwell::types::{BasicMetadataTypeEnum, BasicType};
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, CallSiteValue, ValueKind};

/// The helpers the backend uses, with their ids from the kernel's `enum bpf_func_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Helper {
    MapLookupElem = 1,
    MapUpdateElem = 2,
    MapDeleteElem = 3,
    KtimeGetNs = 5,
    GetPrandomU32 = 7,
    GetSmpProcessorId = 8,
    GetCurrentPidTgid = 14,
    GetCurrentUidGid = 15,
    GetCurrentTask = 35,
    GetCurrentComm = 16,
    GetStack = 67,
    GetCurrentCgroupId = 80,
    GetNumaNodeId = 42,
    SendSignal = 109,
    SendSignalThread = 117,
    Jiffies64 = 118,
    ProbeReadUser = 112,
    ProbeReadKernel = 113,
    ProbeReadUserStr = 114,
    ProbeReadKernelStr = 115,
    RingbufReserve = 131,
    RingbufSubmit = 132,
    ForEachMapElem = 164,
    MapLookupPercpuElem = 195,
    PerCpuPtr = 153,
    GetAttachCookie = 174,
    ThisCpuPtr = 154,
}

impl Helper {
    /// The helper's kernel name (`bpf_` prefix omitted), for value names in the IR.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Helper::MapLookupElem => "map_lookup_elem",
            Helper::MapUpdateElem => "map_update_elem",
            Helper::MapDeleteElem => "map_delete_elem",
            Helper::KtimeGetNs => "ktime_get_ns",
            Helper::GetPrandomU32 => "get_prandom_u32",
            Helper::GetSmpProcessorId => "get_smp_processor_id",
            Helper::GetCurrentPidTgid => "get_current_pid_tgid",
            Helper::GetCurrentUidGid => "get_current_uid_gid",
            Helper::GetCurrentTask => "get_current_task",
            Helper::GetCurrentComm => "get_current_comm",
            Helper::GetStack => "get_stack",
            Helper::GetCurrentCgroupId => "get_current_cgroup_id",
            Helper::GetNumaNodeId => "get_numa_node_id",
            Helper::SendSignal => "send_signal",
            Helper::SendSignalThread => "send_signal_thread",
            Helper::Jiffies64 => "jiffies64",
            Helper::ProbeReadUser => "probe_read_user",
            Helper::ProbeReadKernel => "probe_read_kernel",
            Helper::ProbeReadUserStr => "probe_read_user_str",
            Helper::ProbeReadKernelStr => "probe_read_kernel_str",
            Helper::RingbufReserve => "ringbuf_reserve",
            Helper::RingbufSubmit => "ringbuf_submit",
            Helper::ForEachMapElem => "for_each_map_elem",
            Helper::MapLookupPercpuElem => "map_lookup_percpu_elem",
            Helper::PerCpuPtr => "per_cpu_ptr",
            Helper::GetAttachCookie => "get_attach_cookie",
            Helper::ThisCpuPtr => "this_cpu_ptr",
        }
    }

    /// True for helpers that return a pointer (map values, ring buffer records).
    fn returns_pointer(self) -> bool {
        matches!(
            self,
            Helper::MapLookupElem
                | Helper::MapLookupPercpuElem
                | Helper::RingbufReserve
                | Helper::PerCpuPtr
                | Helper::ThisCpuPtr
        )
    }
}

impl<'ctx> FnGen<'_, 'ctx> {
    /// Calls helper `h` at the main builder's position.
    pub(crate) fn call(
        &self,
        h: Helper,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        self.call_with(&self.b, h, args)
    }

    /// Calls helper `h` with `builder`; the result is an `i64` or a pointer.
    pub(crate) fn call_with(
        &self,
        builder: &Builder<'ctx>,
        h: Helper,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let params: Vec<BasicMetadataTypeEnum<'ctx>> = args
            .iter()
            .map(|a| match a {
                BasicMetadataValueEnum::PointerValue(p) => p.get_type().into(),
                BasicMetadataValueEnum::IntValue(i) => i.get_type().into(),
                _ => self.i64t().into(),
            })
            .collect();
        let fty = if h.returns_pointer() {
            self.ptrt().fn_type(&params, false)
        } else {
            self.i64t().as_basic_type_enum().fn_type(&params, false)
        };
        let fptr = builder.build_int_to_ptr(
            self.i64t().const_int(h as u64, false),
            self.ptrt(),
            h.name(),
        )?;
        let call: CallSiteValue<'ctx> = builder.build_indirect_call(fty, fptr, args, h.name())?;
        match call.try_as_basic_value() {
            ValueKind::Basic(v) => Ok(v),
            ValueKind::Instruction(_) => Ok(self.i64t().const_zero().into()),
        }
    }
}
