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
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_strlen: 1024,
            max_map_keys: 4096,
            ringbuf_bytes: 1 << 20,
            print_maps_on_exit: true,
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
}
