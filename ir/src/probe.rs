//! Attach points: where in the kernel or a process a probe's program runs.
//!
//! Front ends resolve their own probe syntax (bpftrace's `t:syscalls:sys_enter_*`, D's
//! `syscall::read:entry`) into these Linux attach points, one per program, wildcards already
//! expanded. The runtime attaches each one; the backend picks the BPF program type from it.

use std::fmt;

/// One Linux attach point. Each becomes one BPF program.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttachPoint {
    /// Runs once before every other probe (bpftrace `BEGIN`, D `dtrace:::BEGIN`).
    Begin,
    /// Runs once when tracing stops.
    End,
    /// D's `dtrace:::ERROR`: runs when a clause faults (synthesized by the runtime).
    Error,
    /// A kernel tracepoint, `category:name`.
    Tracepoint { category: String, name: String },
    /// Several `syscalls:sys_enter_*` (or `sys_exit_*`) tracepoints served by one program on
    /// `raw_syscalls:sys_enter` (or `sys_exit`) that keeps only the listed syscalls: one attach and
    /// one detach instead of hundreds (see platform.md). `probe` is looked up by syscall number.
    SyscallSet {
        exit: bool,
        syscalls: Vec<SyscallProbe>,
    },
    /// A classic raw tracepoint (BPF_PROG_TYPE_RAW_TRACEPOINT).
    RawTracepoint { name: String },
    /// A kernel function entry, at an optional byte offset.
    Kprobe {
        module: Option<String>,
        function: String,
        offset: u64,
    },
    /// A kernel function return.
    Kretprobe {
        module: Option<String>,
        function: String,
    },
    /// A user function entry in `binary` (an absolute path), at `symbol`+`offset` or at an address.
    Uprobe {
        binary: String,
        symbol: Option<String>,
        offset: u64,
    },
    /// A user function return.
    Uretprobe {
        binary: String,
        symbol: Option<String>,
        offset: u64,
    },
    /// One site of a USDT probe `provider:name` in `binary` (an absolute path): a uprobe at file
    /// offset `offset`, with the kernel incrementing the semaphore at file offset `semaphore`
    /// while attached. A probe with several sites is several attach points of the same name.
    Usdt {
        binary: String,
        provider: String,
        name: String,
        offset: u64,
        semaphore: Option<u64>,
    },
    /// A hardware breakpoint (`watchpoint:ADDR:LEN:MODE`) on `len` bytes at user address `addr`
    /// of process `pid`; `mode` is a combination of `r`, `w`, `x`. `asynchronous` for
    /// `asyncwatchpoint`.
    Watchpoint {
        addr: u64,
        len: u8,
        mode: String,
        pid: u32,
        asynchronous: bool,
    },
    /// A BPF iterator (`iter:task`, `iter:task_file`, ...), run when read.
    Iter { target: String },
    /// Sampling on every CPU at a fixed period (perf cpu-clock).
    Profile { period: Period },
    /// A timer on one CPU.
    Interval { period: Period },
    /// A perf software event, firing every `count` occurrences.
    Software { event: SoftwareEvent, count: u64 },
    /// A perf hardware event (needs a CPU PMU).
    Hardware { event: String, count: u64 },
    /// BPF trampoline on function entry.
    Fentry {
        module: Option<String>,
        function: String,
    },
    /// BPF trampoline on function return.
    Fexit {
        module: Option<String>,
        function: String,
    },
}

/// One syscall served by an [`AttachPoint::SyscallSet`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyscallProbe {
    /// The syscall number on this architecture.
    pub nr: u32,
    /// The tracepoint name it stands for, e.g. `sys_enter_openat`.
    pub tracepoint: String,
    /// Index of this tracepoint's full name in [`crate::Program::probe_names`].
    pub probe_name: u32,
}

/// How often a timed probe fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// `n` times a second.
    Hz(u64),
    /// Every `n` nanoseconds.
    Nanos(u64),
}

impl Period {
    /// The period in nanoseconds (frequency converted), never 0.
    pub fn nanos(self) -> u64 {
        match self {
            Period::Hz(n) => 1_000_000_000 / n.max(1),
            Period::Nanos(n) => n.max(1),
        }
    }
}

/// A perf software event (PERF_TYPE_SOFTWARE), with its kernel config number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SoftwareEvent {
    CpuClock = 0,
    TaskClock = 1,
    PageFaults = 2,
    ContextSwitches = 3,
    CpuMigrations = 4,
    MinorFaults = 5,
    MajorFaults = 6,
    AlignmentFaults = 7,
    EmulationFaults = 8,
    Dummy = 9,
    BpfOutput = 10,
}

impl SoftwareEvent {
    /// bpftrace's names and aliases for each software event, and the default sample count.
    pub const TABLE: &'static [(&'static str, &'static str, SoftwareEvent, u64)] = &[
        ("cpu-clock", "cpu", SoftwareEvent::CpuClock, 1_000_000),
        ("task-clock", "", SoftwareEvent::TaskClock, 1_000_000),
        ("page-faults", "faults", SoftwareEvent::PageFaults, 100),
        (
            "context-switches",
            "cs",
            SoftwareEvent::ContextSwitches,
            1000,
        ),
        ("cpu-migrations", "", SoftwareEvent::CpuMigrations, 1),
        ("minor-faults", "", SoftwareEvent::MinorFaults, 100),
        ("major-faults", "", SoftwareEvent::MajorFaults, 1),
        ("alignment-faults", "", SoftwareEvent::AlignmentFaults, 1),
        ("emulation-faults", "", SoftwareEvent::EmulationFaults, 1),
        ("dummy", "", SoftwareEvent::Dummy, 1),
        ("bpf-output", "", SoftwareEvent::BpfOutput, 1),
    ];

    /// Looks an event up by name or alias; returns it with its default count.
    pub fn by_name(name: &str) -> Option<(SoftwareEvent, u64)> {
        Self::TABLE
            .iter()
            .find(|(n, alias, _, _)| *n == name || (!alias.is_empty() && *alias == name))
            .map(|(_, _, e, c)| (*e, *c))
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(_, _, e, _)| *e == self)
            .map_or("?", |(n, _, _, _)| n)
    }
}

impl AttachPoint {
    /// bpftrace's full name of this attach point, as the `probe` builtin prints it.
    pub fn bpftrace_name(&self) -> String {
        match self {
            AttachPoint::Begin => "BEGIN".into(),
            AttachPoint::End => "END".into(),
            AttachPoint::Error => "ERROR".into(),
            AttachPoint::Tracepoint { category, name } => format!("tracepoint:{category}:{name}"),
            AttachPoint::SyscallSet { exit, .. } => {
                format!(
                    "tracepoint:syscalls:sys_{}_*",
                    if *exit { "exit" } else { "enter" }
                )
            }
            AttachPoint::RawTracepoint { name } => format!("rawtracepoint:{name}"),
            AttachPoint::Kprobe {
                module,
                function,
                offset,
            } => {
                let m = module.as_ref().map(|m| format!("{m}:")).unwrap_or_default();
                if *offset > 0 {
                    format!("kprobe:{m}{function}+{offset}")
                } else {
                    format!("kprobe:{m}{function}")
                }
            }
            AttachPoint::Kretprobe { module, function } => {
                let m = module.as_ref().map(|m| format!("{m}:")).unwrap_or_default();
                format!("kretprobe:{m}{function}")
            }
            AttachPoint::Uprobe {
                binary,
                symbol,
                offset,
            } => format!("uprobe:{binary}:{}", user_target(symbol, *offset)),
            AttachPoint::Uretprobe {
                binary,
                symbol,
                offset,
            } => {
                format!("uretprobe:{binary}:{}", user_target(symbol, *offset))
            }
            AttachPoint::Usdt {
                binary,
                provider,
                name,
                ..
            } => format!("usdt:{binary}:{provider}:{name}"),
            AttachPoint::Watchpoint {
                addr,
                len,
                mode,
                asynchronous,
                ..
            } => format!(
                "{}watchpoint:{addr:#x}:{len}:{mode}",
                if *asynchronous { "async" } else { "" }
            ),
            AttachPoint::Iter { target } => format!("iter:{target}"),
            AttachPoint::Profile { period } => format!("profile:{}", period_name(*period)),
            AttachPoint::Interval { period } => format!("interval:{}", period_name(*period)),
            AttachPoint::Software { event, count } => format!("software:{}:{count}", event.name()),
            AttachPoint::Hardware { event, count } => format!("hardware:{event}:{count}"),
            AttachPoint::Fentry { module, function } => {
                format!(
                    "fentry:{}{function}",
                    module.as_ref().map(|m| format!("{m}:")).unwrap_or_default()
                )
            }
            AttachPoint::Fexit { module, function } => {
                format!(
                    "fexit:{}{function}",
                    module.as_ref().map(|m| format!("{m}:")).unwrap_or_default()
                )
            }
        }
    }

    /// How many kernel attachments this stands for in "Attached N probes" (a syscall set counts
    /// each syscall, as bpftrace would have attached each tracepoint).
    pub fn probe_count(&self) -> usize {
        match self {
            AttachPoint::SyscallSet { syscalls, .. } => syscalls.len(),
            _ => 1,
        }
    }
}

fn user_target(symbol: &Option<String>, offset: u64) -> String {
    match (symbol, offset) {
        (Some(s), 0) => s.clone(),
        (Some(s), o) => format!("{s}+{o}"),
        (None, o) => format!("{o:#x}"),
    }
}

fn period_name(p: Period) -> String {
    match p {
        Period::Hz(n) => format!("hz:{n}"),
        Period::Nanos(n) if n % 1_000_000_000 == 0 => format!("s:{}", n / 1_000_000_000),
        Period::Nanos(n) if n % 1_000_000 == 0 => format!("ms:{}", n / 1_000_000),
        Period::Nanos(n) if n % 1_000 == 0 => format!("us:{}", n / 1_000),
        Period::Nanos(n) => format!("ns:{n}"),
    }
}

impl fmt::Display for AttachPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.bpftrace_name())
    }
}
