//! Decoded values: what the runtime reads out of ring-buffer records and maps, before any
//! formatting. Output formatters (`output::*`) turn these into text or JSON; they never see bytes.

/// One decoded value of an IR [`ir::Type`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A boolean.
    Bool(bool),
    /// A string (bytes up to the first NUL, decoded lossily as UTF-8).
    Str(String),
    /// Raw bytes from `buf()`.
    Buffer(Vec<u8>),
    /// A probe's full name (the `probe` builtin).
    ProbeName(String),
    /// A tuple's fields.
    Tuple(Vec<Value>),
    /// A record's named fields.
    Record(Vec<(String, Value)>),
    /// A fixed-size array's elements.
    Array(Vec<Value>),
    /// A pointer: an address.
    Pointer(u64),
    /// A stack trace (`kstack`, `ustack`); its frames are symbolized at print time
    /// ([`crate::symbols::resolve_values`]).
    Stack(Stack),
    /// A code address printed as a symbol (`ksym`, `usym`, `func`).
    Symbol(Symbol),
}

/// A decoded stack trace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stack {
    /// Kernel or user frames.
    pub kernel: bool,
    /// How it prints.
    pub mode: ir::StackMode,
    /// The process the user frames belong to (0 for kernel stacks).
    pub pid: u32,
    /// The frames, innermost first.
    pub frames: Vec<Frame>,
}

/// One frame of a [`Stack`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Frame {
    /// The return (or instruction) address.
    pub addr: u64,
    /// Its symbol, once symbolized (`None`: not symbolized, or unknown).
    pub sym: Option<Sym>,
}

/// What a symbolizer found for an address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym {
    /// The symbol's (demangled) name.
    pub name: String,
    /// The address's offset from the symbol's start.
    pub offset: u64,
    /// The file the symbol is in, for user symbols (perf mode prints it).
    pub module: Option<String>,
}

/// A decoded [`ir::Type::Symbol`] value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    /// A kernel or a user address.
    pub kernel: bool,
    /// Printed as its module's name only (D's `mod`/`umod`).
    pub module: bool,
    /// The process a user address belongs to (0 for kernel addresses).
    pub pid: u32,
    /// The address.
    pub addr: u64,
    /// Its symbol, once symbolized.
    pub sym: Option<Sym>,
}

impl Value {
    /// The value as a signed 64-bit number, for sorting and arithmetic (`None` for non-numbers).
    pub fn as_i128(&self) -> Option<i128> {
        match self {
            Value::Int(v) => Some(i128::from(*v)),
            Value::Uint(v) | Value::Pointer(v) => Some(i128::from(*v)),
            Value::Bool(b) => Some(i128::from(*b)),
            _ => None,
        }
    }
}

/// The combined (all CPUs) contents of one map, ready to print.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSnapshot {
    /// The map's name as written (`@`, `@bytes`).
    pub name: String,
    /// Whether the map has keys (`@x[k]`) or is a scalar map (`@x`).
    pub keyed: bool,
    /// The entries, in the order the kernel returned them (formatters sort).
    pub entries: MapEntries,
}

/// A map's entries, by aggregation kind. Keys are `None` for scalar maps.
#[derive(Clone, Debug, PartialEq)]
pub enum MapEntries {
    /// Plain values, `count`, `sum`, `min`, `max`: one value per key, sorted by value when printed.
    /// `sort_by_value` is false only for maps that print in key order.
    Values {
        entries: Vec<(Option<Value>, Value)>,
        sort_by_value: bool,
    },
    /// `avg`: the integer mean per key (computed from count and total).
    Avg(Vec<(Option<Value>, AvgState)>),
    /// `stats`: count, average and total per key.
    Stats(Vec<(Option<Value>, AvgState)>),
    /// `hist(n, k)`: bucket counts per key.
    Hist {
        k: u8,
        entries: Vec<(Option<Value>, Buckets)>,
    },
    /// `lhist(n, min, max, step)`: bucket counts per key.
    Lhist {
        min: i64,
        max: i64,
        step: i64,
        entries: Vec<(Option<Value>, Buckets)>,
    },
    /// D's `quantize`, `lquantize`, `llquantize`: signed counts (increments may be negative) by
    /// bucket index ([`ir::abi`]'s bucket functions of the map's kind), zero buckets left out; a
    /// key whose buckets are all zero (after `clear()`) is kept.
    Dist(Vec<(Option<Value>, DistBuckets)>),
    /// D's `stddev`: count, total and sum of squares per key.
    Stddev(Vec<(Option<Value>, StddevState)>),
    /// `tseries(n, interval, num)`: per key, the intervals to show, oldest first.
    Tseries {
        interval_ns: u64,
        entries: Vec<(Option<Value>, Series)>,
    },
}

/// Signed counts by bucket index of one key of a D distribution (`quantize` family).
pub type DistBuckets = Vec<(u64, i64)>;

/// The running state of a `stddev` aggregation, summed over CPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StddevState {
    /// How many values were added.
    pub count: u64,
    /// Their sum.
    pub total: i64,
    /// The sum of their squares.
    pub squares: u128,
}

/// One key's time series: per interval its wall-clock start (nanoseconds since the Unix epoch)
/// and its value (`None` when nothing was recorded in it).
pub type Series = Vec<(i128, Option<i64>)>;

/// The running state of an `avg` or `stats` aggregation, summed over CPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AvgState {
    /// How many values were added.
    pub count: u64,
    /// Their sum.
    pub total: i64,
}

impl AvgState {
    /// The integer mean, truncated toward zero as bpftrace does (0 when empty).
    pub fn average(&self) -> i64 {
        if self.count == 0 {
            0
        } else {
            (i128::from(self.total) / i128::from(self.count)) as i64
        }
    }
}

/// A histogram's non-zero buckets: (bucket index as defined in [`ir::abi`], count), any order.
pub type Buckets = Vec<(u64, u64)>;
