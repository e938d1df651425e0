//! The IR's top level: a program is probes, maps, and the asynchronous actions its probes emit.

use crate::expr::Expr;
use crate::probe::AttachPoint;
use crate::span::Span;
use crate::stmt::Block;
use crate::types::{IntType, Type};

/// A whole program, ready for the backend: every name resolved, every expression typed,
/// every wildcard expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The probes, in source order (BEGIN/END probes run in this order too).
    pub probes: Vec<Probe>,
    /// Every map the program uses, indexed by [`MapId`].
    pub maps: Vec<MapDecl>,
    /// Every asynchronous action (printf, print, exit, ...), indexed by [`ActionId`]. The BPF side
    /// sends an action's id and arguments through the ring buffer; the runtime carries it out.
    pub actions: Vec<Action>,
    /// Full probe names (`tracepoint:syscalls:sys_enter_read`) the `probe` builtin can yield,
    /// indexed by the value of a [`Type::ProbeName`].
    pub probe_names: Vec<String>,
    /// Settings that shape code generation and output.
    pub config: Config,
}

/// Program-wide settings (bpftrace's `config = { }` and options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Capacity in bytes of strings read with `str()` (NUL included).
    pub max_strlen: u32,
    /// Default `max_entries` of hash maps.
    pub max_map_keys: u32,
    /// Size in bytes of the event ring buffer (a power of two, a multiple of the page size).
    pub ringbuf_bytes: u32,
    /// Print every non-empty map when the program exits.
    pub print_maps_on_exit: bool,
    /// Appended when a string printed fills its whole `max_strlen` buffer (`str_trunc_trailer`).
    pub str_trunc_trailer: String,
    /// Whose output conventions the runtime follows (bpftrace's, or DTrace's for D scripts).
    pub output: OutputStyle,
    /// The most bytes `cat()` prints of a file (`max_cat_bytes`).
    pub max_cat_bytes: u64,
}

/// The output conventions a program follows: what the exit dump, `printf` conversions and
/// default records look like.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum OutputStyle {
    /// bpftrace's text (or JSON) output.
    #[default]
    Bpftrace,
    /// DTrace's output (D scripts), shaped by the script's options.
    Dtrace(DtraceOptions),
}

/// DTrace options (`#pragma D option name=value`, `-x name=value`) that shape output. Options
/// oxtrace does not act on are kept in [`DtraceOptions::other`] so nothing is silently lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DtraceOptions {
    /// `quiet`: no default probe records, no "matched N probes" notice.
    pub quiet: bool,
    /// `strsize`: the size of D's `string` type in bytes (default 256).
    pub strsize: u32,
    /// `aggsortkey`: sort aggregations by key instead of by value.
    pub aggsortkey: bool,
    /// `aggsortrev`: reverse the aggregation sort order.
    pub aggsortrev: bool,
    /// `aggsortpos=N`: sort by the N-th aggregation of a multi-aggregation `printa`.
    pub aggsortpos: u32,
    /// `aggsortkeypos=N`: sort by the N-th key column.
    pub aggsortkeypos: u32,
    /// `destructive`: allow destructive actions.
    pub destructive: bool,
    /// `errtags`: prefix compile errors with their `[D_TAG]`.
    pub errtags: bool,
    /// `flowindent`: indent entry/return records.
    pub flowindent: bool,
    /// `rawbytes`: print byte arrays as hex dumps.
    pub rawbytes: bool,
    /// `stackindent`: indentation of stack frames (default 14).
    pub stackindent: u32,
    /// `stackframes` / `ustackframes`: default stack depths.
    pub stackframes: u32,
    /// Default user stack depth.
    pub ustackframes: u32,
    /// Every other option as given (`bufsize`, `switchrate`, `dynvarsize`, ...), in order.
    pub other: Vec<(String, Option<String>)>,
    /// Set by the front end when the program uses a destructive action (`system`, `raise`,
    /// `stop`): the runtime refuses to run it unless `destructive` is set, as DTrace does.
    pub uses_destructive: bool,
}

impl DtraceOptions {
    /// The value of an option kept in [`DtraceOptions::other`] (`nspec`, `specsize`, ...).
    pub fn other_value(&self, name: &str) -> Option<&str> {
        self.other
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

impl Default for DtraceOptions {
    fn default() -> DtraceOptions {
        DtraceOptions {
            quiet: false,
            strsize: 256,
            aggsortkey: false,
            aggsortrev: false,
            aggsortpos: 0,
            aggsortkeypos: 0,
            destructive: false,
            errtags: false,
            flowindent: false,
            rawbytes: false,
            stackindent: 14,
            stackframes: 20,
            ustackframes: 100,
            other: Vec::new(),
            uses_destructive: false,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_strlen: 1024,
            max_map_keys: 4096,
            ringbuf_bytes: 1 << 20,
            print_maps_on_exit: true,
            str_trunc_trailer: "..".to_string(),
            output: OutputStyle::Bpftrace,
            max_cat_bytes: 10240,
        }
    }
}

/// One probe: the same predicate and body attached at one or more points.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Where it runs. Each entry becomes its own BPF program.
    pub attach: Vec<AttachSite>,
    /// Run the body only when this is non-zero.
    pub predicate: Option<Expr>,
    /// The statements.
    pub body: Block,
    /// The probe's scratch variables, indexed by [`VarId`]. Shadowed names get separate entries.
    pub vars: Vec<VarDecl>,
    /// The probe's whole source text.
    pub span: Span,
}

/// One attach point of a probe and the value its `probe` builtin takes there.
#[derive(Clone, Debug, PartialEq)]
pub struct AttachSite {
    /// The Linux attach point.
    pub point: AttachPoint,
    /// Index into [`Program::probe_names`] (unused for [`AttachPoint::SyscallSet`], whose
    /// syscalls carry their own).
    pub probe_name: u32,
    /// The attach point's text in the source.
    pub span: Span,
}

/// A scratch variable (`$x` in bpftrace, `this->x` in D).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarDecl {
    /// The name as written, for dumps and the bpftrace printer.
    pub name: String,
    /// Its type, fixed at its first assignment or declaration.
    pub ty: Type,
    /// Where it was declared or first assigned.
    pub span: Span,
}

/// Index of a variable in [`Probe::vars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

/// Index of a map in [`Program::maps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapId(pub u32);

/// Index of an action in [`Program::actions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub u32);

/// A map: a BPF hash map from keys to values or to aggregation state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDecl {
    /// The name as written, `@` included (`@`, `@bytes`).
    pub name: String,
    /// The key type; `None` for a scalar map (`@x = 1`), stored under key 0.
    pub key: Option<Type>,
    /// What each entry holds.
    pub kind: MapKind,
    /// Maximum number of entries.
    pub max_entries: u32,
    /// The first place the map is written.
    pub span: Span,
}

/// What a map's entries hold. Aggregations are kept in per-CPU maps and combined when read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// A plain value, last write wins.
    Value(Type),
    /// `count()`: number of calls.
    Count,
    /// `sum(n)`: running total.
    Sum(IntType),
    /// `min(n)`.
    Min(IntType),
    /// `max(n)`.
    Max(IntType),
    /// `avg(n)`: integer mean.
    Avg(IntType),
    /// `stats(n)`: count, average and total.
    Stats(IntType),
    /// `hist(n, k)`: log2 histogram with `2^k` sub-buckets per power of two.
    Hist { k: u8 },
    /// `lhist(n, min, max, step)`: linear histogram.
    Lhist { min: i64, max: i64, step: i64 },
    /// D's `quantize(n)`: power-of-two buckets for negative and positive values
    /// ([`crate::abi::quantize_index`], [`crate::abi::QUANTIZE_BUCKETS`] buckets).
    Quantize,
    /// D's `lquantize(n, base, limit, step)`: `levels` linear buckets of width `step` from `base`,
    /// plus an underflow and an overflow bucket ([`crate::abi::lquantize_index`]).
    Lquantize { base: i64, step: i64, levels: u32 },
    /// D's `llquantize(n, factor, low, high, steps)`: log-linear buckets
    /// ([`crate::abi::llquantize_index`]).
    Llquantize {
        factor: u16,
        low: u16,
        high: u16,
        steps: u16,
    },
    /// D's `stddev(n)`: count, total and 128-bit sum of squares ([`crate::abi::STDDEV_COUNT`]
    /// and following).
    Stddev(IntType),
    /// `tseries(n, interval, num[, agg])`: one value per `interval_ns`-long interval, the last
    /// `num_intervals` of them kept; each key carries the interval's slot index
    /// ([`crate::abi::tseries_slot`]).
    Tseries {
        /// Length of an interval in nanoseconds.
        interval_ns: u64,
        /// How many intervals are kept.
        num_intervals: u32,
        /// How values within one interval combine.
        agg: TseriesAgg,
    },
}

/// How `tseries` combines the values recorded within one interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TseriesAgg {
    /// The last value recorded (the default).
    Last,
    /// `"avg"`: the integer mean.
    Avg,
    /// `"max"`.
    Max,
    /// `"min"`.
    Min,
    /// `"sum"`.
    Sum,
}

impl TseriesAgg {
    /// The name as written in `tseries(..., "name")` (`last` for the default).
    pub fn name(self) -> &'static str {
        match self {
            TseriesAgg::Last => "last",
            TseriesAgg::Avg => "avg",
            TseriesAgg::Max => "max",
            TseriesAgg::Min => "min",
            TseriesAgg::Sum => "sum",
        }
    }
}

impl MapKind {
    /// True when the map is a per-CPU map (every aggregation); plain values are shared.
    pub fn is_per_cpu(&self) -> bool {
        !matches!(self, MapKind::Value(_))
    }

    /// The name of the aggregation function, or `None` for plain values.
    pub fn function_name(&self) -> Option<&'static str> {
        Some(match self {
            MapKind::Value(_) => return None,
            MapKind::Count => "count",
            MapKind::Sum(_) => "sum",
            MapKind::Min(_) => "min",
            MapKind::Max(_) => "max",
            MapKind::Avg(_) => "avg",
            MapKind::Stats(_) => "stats",
            MapKind::Hist { .. } => "hist",
            MapKind::Lhist { .. } => "lhist",
            MapKind::Quantize => "quantize",
            MapKind::Lquantize { .. } => "lquantize",
            MapKind::Llquantize { .. } => "llquantize",
            MapKind::Stddev(_) => "stddev",
            MapKind::Tseries { .. } => "tseries",
        })
    }
}

/// Something the BPF side asks user space to do: the runtime receives the action's id and its
/// argument values (laid out by [`crate::abi::event_layout`]) through the ring buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// What to do.
    pub kind: ActionKind,
    /// The types of the values sent with it, in order.
    pub args: Vec<Type>,
    /// The call in the source.
    pub span: Span,
}

/// The kinds of asynchronous action.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind {
    /// `printf(format, args...)`: format the args with the format string (bpftrace conversions).
    Printf { format: String },
    /// `print(value)`: print one value in bpftrace's default format.
    PrintValue,
    /// `print(@map, top, div)`: print a map now; `top` 0 means all entries, `div` 1 means as is.
    PrintMap { map: MapId, top: u64, div: u64 },
    /// `time(format)`: print the wall-clock time with a strftime format.
    Time { format: String },
    /// `exit(code)`: stop tracing; the one argument is the exit code (int64).
    Exit,
    /// `clear(@map)`: delete every entry.
    Clear { map: MapId },
    /// `zero(@map)`: set every value to zero, keeping the keys.
    Zero { map: MapId },
    /// `system(format, args...)`: run the formatted command with `/bin/sh -c`, its output going
    /// to the program's output (needs `--unsafe`).
    System { format: String },
    /// `cat(format, args...)`: print the contents of the file the formatted text names.
    Cat { format: String },
    /// `join(array[, separator])`: print the strings an array of string pointers (such as
    /// `argv`) points to, separated by `separator`, then a newline. The arguments come in
    /// pairs `(pointer as uint64, string)`, [`crate::abi::JOIN_MAX_ARGS`] of them; the strings
    /// end at the first null pointer.
    Join { separator: String },
    /// `errorf(format, args...)` (`error: true`) or `warnf(...)`: print the formatted message on
    /// stderr after `location` (`file:line:col-col`), as `LOCATION: ERROR: message`.
    Diagnostic {
        format: String,
        error: bool,
        location: String,
    },
    /// D's `trace(expr)`: print the one argument in DTrace's `trace()` format (padded unless
    /// quiet; [`OutputStyle::Dtrace`] only).
    Trace,
    /// D's `printa([format,] @a, ...)`: print aggregations now, joined by key. Without a format,
    /// DTrace's default layout; with one, once per entry (`%@d` takes the aggregated value).
    Printa {
        format: Option<String>,
        maps: Vec<MapId>,
    },
    /// D's `trunc(@a[, n])`: keep the `n` largest entries (the smallest when `n` is negative);
    /// without an argument remove every entry. The one optional argument is `n` (int64).
    Trunc { map: MapId },
    /// D's `normalize(@a, n)`: print the values divided by `n` (the one argument, int64).
    Normalize { map: MapId },
    /// D's `denormalize(@a)`: undo `normalize`.
    Denormalize { map: MapId },
    /// The start of a DTrace default record (not quiet): the runtime prints the
    /// `CPU ID FUNCTION:NAME` prefix ([`crate::OutputStyle::Dtrace`]). The one argument is the
    /// CPU (uint32).
    RecordStart {
        /// DTrace's probe id.
        probe_id: u32,
        /// `function:name` as DTrace prints it (`:BEGIN` for BEGIN).
        func_name: String,
    },
    /// The end of a DTrace default record: a newline.
    RecordEnd,
    /// A record kept back instead of carried out now: the first argument (uint64) is a buffer
    /// key ([`crate::abi::clause_buffer_key`] or a D speculation id), the rest are `inner`'s
    /// arguments. The runtime holds it until [`ActionKind::Commit`] (carry out, in order) or
    /// [`ActionKind::Discard`] / [`ActionKind::Fault`] (drop) names its key. Key 0 drops it
    /// at once (D's `speculate(0)`).
    Buffered { inner: Box<ActionKind> },
    /// Carry out the records buffered under the one argument's key (uint64), in order.
    Commit,
    /// Drop the records buffered under the one argument's key (uint64).
    Discard,
    /// A D clause faulted (DTrace's `ERROR` probe). Arguments (all uint64): the clause's
    /// buffer key (its records are dropped), the fault code ([`crate::abi::DTRACEFLT_BADADDR`]
    /// ...), and the fault value (the bad address). The runtime prints DTrace's error message
    /// and runs the program's `ERROR` probes with `arg1..arg5` = `epid`, `action`, `-1` (no
    /// DIF offset), the fault code and the value.
    Fault {
        /// DTrace's enabled probe id of the faulting clause.
        epid: u32,
        /// DTrace's probe id of the probe it runs on.
        probe_id: u32,
        /// `provider:module:function:name` of that probe.
        probe: String,
        /// 1-based index of the faulting statement in the clause (0: the predicate).
        action: u32,
    },
    /// D's `speculation()` found no free speculation: count a "failed speculation".
    SpeculationFailed,
    /// D's `tracemem(addr, size[, dsize])`: a hex dump of the first argument's bytes (a
    /// [`crate::Type::Buffer`]), at most the second argument's count (int64; negative: all).
    Tracemem,
    /// D's `setopt(name[, value])`: set a DTrace option while tracing ([`crate::dopts`]).
    /// Arguments: the name and the value (strings; DTrace passes `"1"` when there is no
    /// value). A failure is reported as DTrace's error on the enabled probe.
    SetOpt {
        /// DTrace's enabled probe id of the clause.
        epid: u32,
        /// DTrace's probe id of the probe it runs on.
        probe_id: u32,
        /// `provider:module:function:name` of that probe.
        probe: String,
    },
}
