//! The contract between the BPF programs the backend generates and the runtime that reads them.
//!
//! Everything both sides must agree on is defined here and nowhere else: object names, the ring
//! buffer record format, how map keys and values are encoded, and the histogram bucket functions.
//! The backend emits code that follows these rules; the runtime decodes with them.
//!
//! # Ring buffer records
//! Each record is a `u64` [`crate::ActionId`] followed by the action's arguments laid out with
//! [`event_layout`] (offsets relative to the payload, which starts at byte 8).
//!
//! # Map keys
//! A scalar map (no key) uses one `u64` key of value 0. A keyed map's key is the key type's bytes
//! ([`crate::Type::size`], C layout for tuples). Histogram maps append the bucket index: the user
//! key padded to 8 bytes, then a `u64` bucket index ([`hist_key_layout`]).
//!
//! # Map values
//! Plain values are stored as their type's bytes in a shared hash map. Aggregations live in
//! per-CPU hash maps; each CPU's slot holds (all fields little-endian 64-bit):
//! - `count`, `sum`, `hist`, `lhist`: one counter;
//! - `min`, `max`: `{ value: i64, is_set: u64 }` ([`MINMAX_VALUE`], [`MINMAX_IS_SET`]);
//! - `avg`, `stats`: `{ count: u64, total: i64 }` ([`AVG_COUNT`], [`AVG_TOTAL`]).

use crate::program::{MapDecl, MapKind};
use crate::types::{round_up, StructLayout, Type};

/// ELF name of the BPF ring buffer that carries action records.
pub const EVENTS_MAP: &str = "oxt_events";

/// The most array elements `join()` reads (bpftrace's limit too).
pub const JOIN_MAX_ARGS: u32 = 16;
/// The size in bytes (NUL included) of each string `join()` reads.
pub const JOIN_STR_SIZE: u32 = 256;
/// ELF name of the per-CPU array (one `u64` slot) that counts records lost because the ring
/// buffer was full.
pub const LOST_MAP: &str = "oxt_lost";
/// ELF name of the per-CPU array ([`DROP_SLOTS`] `u64` slots) counting DTrace's drops: map
/// inserts refused because a dynamic variable map was full ([`DROP_DYNVAR`]) and aggregation
/// entries that found no room ([`DROP_AGGREGATION`]).
pub const DROPS_MAP: &str = "oxt_drops";
/// Slot of [`DROPS_MAP`] counting refused dynamic variable stores.
pub const DROP_DYNVAR: u32 = 0;
/// Slot of [`DROPS_MAP`] counting aggregation updates without room.
pub const DROP_AGGREGATION: u32 = 1;
/// Number of slots of [`DROPS_MAP`].
pub const DROP_SLOTS: u32 = 2;
/// ELF name of the array map (one entry, [`Globals`] layout) the runtime fills before attaching.
pub const GLOBALS_MAP: &str = "oxt_globals";
/// ELF name of the per-CPU array holding scratch memory for large values (strings, keys).
pub const SCRATCH_MAP: &str = "oxt_scratch";

/// The source file name in the object's debug information. Each statement's code carries a
/// debug location whose line is the statement's byte offset in the program text plus one, so the
/// verifier's `@ oxtrace.bt:LINE` annotations lead back to the statement ([`statement_at`]).
pub const SOURCE_FILE_NAME: &str = "oxtrace.bt";

/// The statement (or predicate) of `probe` whose span starts at byte `offset`: how the runtime
/// turns a verifier annotation back into a source span.
pub fn statement_at(probe: &crate::Probe, offset: u32) -> Option<crate::Span> {
    fn search(block: &[crate::Stmt], offset: u32) -> Option<crate::Span> {
        use crate::StmtKind as K;
        block.iter().find_map(|s| {
            if s.span.start == offset {
                return Some(s.span);
            }
            match &s.kind {
                K::If {
                    then, otherwise, ..
                } => search(then, offset).or_else(|| search(otherwise, offset)),
                K::While { body, .. } | K::ForRange { body, .. } | K::ForMap { body, .. } => {
                    search(body, offset)
                }
                _ => None,
            }
        })
    }
    match &probe.predicate {
        Some(p) if p.span.start == offset => Some(p.span),
        _ => search(&probe.body, offset),
    }
}

/// Byte offsets in the one entry of [`GLOBALS_MAP`].
pub struct Globals;
impl Globals {
    /// `u64`: `bpf_ktime_get_ns()` when tracing started (for `elapsed`).
    pub const START_NS: u32 = 0;
    /// `i64`: `CLOCK_REALTIME - CLOCK_MONOTONIC` in nanoseconds when tracing started (D's
    /// `walltimestamp` is `bpf_ktime_get_ns()` plus this).
    pub const WALL_OFFSET_NS: u32 = 8;
    /// `u64`: non-zero once tracing is stopping. Every program of an event-driven probe returns
    /// at once while it is set, so nothing fires after `END` (as in bpftrace, which detaches
    /// first, and DTrace, whose END is the last probe to fire), although the slow detach of the
    /// attachments happens only after the exit dump is printed.
    pub const STOPPED: u32 = 16;
    /// Total size of the entry.
    pub const SIZE: u32 = 24;
}

/// The smallest buffer key of a D clause's own records ([`crate::ActionKind::Buffered`]): keys
/// below it are speculation ids.
pub const CLAUSE_BUFFER_BASE: u64 = 1 << 32;

/// The buffer key of the records of a D clause running on `cpu` (a BPF program runs to its end
/// on one CPU, so one key per CPU suffices).
pub fn clause_buffer_key(cpu: u32) -> u64 {
    CLAUSE_BUFFER_BASE + u64::from(cpu)
}

/// DTrace's fault codes (`arg4` of the `ERROR` probe), with DTrace's numbering.
pub const DTRACEFLT_UNKNOWN: u64 = 0;
/// Bad address.
pub const DTRACEFLT_BADADDR: u64 = 1;
/// Bad alignment.
pub const DTRACEFLT_BADALIGN: u64 = 2;
/// Illegal operation (an invalid speculation id, ...).
pub const DTRACEFLT_ILLOP: u64 = 3;
/// Division or remainder by zero.
pub const DTRACEFLT_DIVZERO: u64 = 4;
/// Out of scratch space (`alloca`).
pub const DTRACEFLT_NOSCRATCH: u64 = 5;

/// DTrace's text for a fault code, as in its error message.
pub fn fault_text(code: u64) -> &'static str {
    match code {
        DTRACEFLT_BADADDR => "invalid address",
        DTRACEFLT_BADALIGN => "invalid alignment",
        DTRACEFLT_ILLOP => "illegal operation",
        DTRACEFLT_DIVZERO => "divide-by-zero",
        DTRACEFLT_NOSCRATCH => "out of scratch space",
        6 => "invalid kernel access",
        7 => "invalid user access",
        8 => "tuple stack overflow",
        9 => "bad stack",
        1000 => "library-level fault",
        _ => "unknown fault",
    }
}

/// Size of the record header (the action id).
pub const EVENT_HEADER_SIZE: u32 = 8;

/// The action id of a helper-error record (`-k`): a BPF helper failed. It is not an index of
/// [`crate::Program::actions`]; the record's fields are at the [`HelperError`] offsets.
pub const HELPER_ERROR_ACTION: u64 = u64::MAX;

/// Byte offsets (from the record's start, header included) in a helper-error record.
pub struct HelperError;
impl HelperError {
    /// `u32`: the helper's id (the kernel's `enum bpf_func_id`).
    pub const HELPER: u32 = 8;
    /// `i32`: the negative errno the helper returned.
    pub const RETCODE: u32 = 12;
    /// `u32`: the byte offset in the program text where the failing expression starts.
    pub const SPAN_START: u32 = 16;
    /// `u32`: the byte offset where it ends.
    pub const SPAN_END: u32 = 20;
    /// Size of the record.
    pub const SIZE: u32 = 24;
}

/// The kernel name (without `bpf_`) of the helpers whose failures `-k` reports, by id.
pub fn helper_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "map_update_elem",
        3 => "map_delete_elem",
        112 => "probe_read_user",
        113 => "probe_read_kernel",
        114 => "probe_read_user_str",
        115 => "probe_read_kernel_str",
        _ => return None,
    })
}

/// Byte offset of `value` in a min/max per-CPU slot.
pub const MINMAX_VALUE: u32 = 0;
/// Byte offset of `is_set` in a min/max per-CPU slot.
pub const MINMAX_IS_SET: u32 = 8;
/// Byte offset of `count` in an avg/stats per-CPU slot.
pub const AVG_COUNT: u32 = 0;
/// Byte offset of `total` in an avg/stats per-CPU slot.
pub const AVG_TOTAL: u32 = 8;

/// Byte offset of the `u32` pid in a [`crate::Type::Stack`] value (0 for kernel stacks, so that
/// equal kernel stacks of different tasks are one map key).
pub const STACK_PID: u32 = 0;
/// Byte offset of the `u32` number of frames in a [`crate::Type::Stack`] value.
pub const STACK_NR: u32 = 4;
/// Byte offset of the first `u64` frame address in a [`crate::Type::Stack`] value; frames past
/// the number of frames are zero.
pub const STACK_FRAMES: u32 = 8;

/// Size of a [`crate::Type::Stack`] value of `limit` frames.
pub fn stack_size(limit: u16) -> u32 {
    STACK_FRAMES + 8 * u32::from(limit)
}

/// Byte offset of the `u64` address in a [`crate::Type::Symbol`] value.
pub const SYMBOL_ADDR: u32 = 0;
/// Byte offset of the `u32` pid in a [`crate::Type::Symbol`] value (0 for kernel symbols); the
/// four bytes after it are zero padding.
pub const SYMBOL_PID: u32 = 8;
/// Size of a [`crate::Type::Symbol`] value.
pub const SYMBOL_SIZE: u32 = 16;

/// x86_64's `struct pt_regs` register names as bpftrace's `reg()` spells them, in field order
/// (each field is a `u64`, so a register's byte offset is 8 times its index).
pub const PT_REGS_NAMES: [&str; 21] = [
    "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si", "di",
    "orig_ax", "ip", "cs", "flags", "sp", "ss",
];

/// Byte offset in x86_64's `struct pt_regs` of the register bpftrace's `reg()` calls `name`.
pub fn pt_regs_offset(name: &str) -> Option<u32> {
    PT_REGS_NAMES
        .iter()
        .position(|n| *n == name)
        .map(|i| 8 * i as u32)
}

/// The ELF symbol name of map number `id` (short: the kernel keeps 15 characters of map names).
pub fn map_symbol(id: u32) -> String {
    format!("m{id}")
}

/// The ELF function name of the BPF program for attach site `site` of probe `probe`.
pub fn program_symbol(probe: usize, site: usize) -> String {
    format!("p{probe}_{site}")
}

/// Whether `point` is a uprobe (`Some(false)`) or a uretprobe (`Some(true)`).
fn uprobe_kind(point: &crate::AttachPoint) -> Option<bool> {
    match point {
        crate::AttachPoint::Uprobe { .. } => Some(false),
        crate::AttachPoint::Uretprobe { .. } => Some(true),
        _ => None,
    }
}

/// The attach site whose BPF program serves site `site` of `probe`: the uprobes of one probe
/// (and its uretprobes) share the program of the first of them, attached once per site, so
/// that `uprobe:libc:*` compiles and loads one program rather than thousands. Every other site
/// has its own program.
pub fn program_site(probe: &crate::Probe, site: usize) -> usize {
    let Some(kind) = probe.attach.get(site).and_then(|s| uprobe_kind(&s.point)) else {
        return site;
    };
    probe
        .attach
        .iter()
        .position(|s| uprobe_kind(&s.point) == Some(kind))
        .unwrap_or(site)
}

/// Whether the program of site `site` of `probe` serves several sites ([`program_site`]); it
/// then reads the `probe` value (the site's probe name index) from its attach cookie, which
/// the runtime sets to [`crate::AttachSite::probe_name`].
pub fn program_is_shared(probe: &crate::Probe, site: usize) -> bool {
    let Some(kind) = probe.attach.get(site).and_then(|s| uprobe_kind(&s.point)) else {
        return false;
    };
    probe
        .attach
        .iter()
        .filter(|s| uprobe_kind(&s.point) == Some(kind))
        .count()
        > 1
}

/// Layout of an action's arguments in a ring buffer record, relative to the payload start.
pub fn event_layout(args: &[Type]) -> StructLayout {
    StructLayout::of(args.iter())
}

/// Size in bytes of a map's key.
pub fn key_size(map: &MapDecl) -> u32 {
    let user = map.key.as_ref().map_or(8, Type::size).max(1);
    if is_histogram(&map.kind) {
        hist_key_layout(map).1 + 8
    } else {
        user
    }
}

/// For histogram maps: (size of the user key part, offset of the `u64` bucket index).
pub fn hist_key_layout(map: &MapDecl) -> (u32, u32) {
    let user = map.key.as_ref().map_or(0, Type::size);
    (user, round_up(user, 8))
}

/// Size in bytes of one value slot (one CPU's slot for per-CPU maps).
pub fn value_size(kind: &MapKind) -> u32 {
    match kind {
        MapKind::Value(t) => t.size().max(1),
        MapKind::Count | MapKind::Sum(_) | MapKind::Hist { .. } | MapKind::Lhist { .. } => 8,
        MapKind::Min(_) | MapKind::Max(_) | MapKind::Avg(_) | MapKind::Stats(_) => 16,
        MapKind::Quantize | MapKind::Lquantize { .. } | MapKind::Llquantize { .. } => 8,
        MapKind::Stddev(_) => STDDEV_SIZE,
        MapKind::Tseries { .. } => TSERIES_SIZE,
    }
}

/// Byte offset of the `u64` interval number (time / interval) a tseries slot holds.
pub const TSERIES_EPOCH: u32 = 0;
/// Byte offset of the `i64` value (the running total for `avg`) of a tseries slot.
pub const TSERIES_VALUE: u32 = 8;
/// Byte offset of the `u64` number of values recorded in the slot's interval (0: empty).
pub const TSERIES_COUNT: u32 = 16;
/// Byte offset of the `u64` time of the last value recorded (which CPU's value is the last).
pub const TSERIES_STAMP: u32 = 24;
/// Size of one CPU's tseries slot.
pub const TSERIES_SIZE: u32 = 32;

/// The interval number of time `ns` in a tseries of `interval_ns`-long intervals.
pub fn tseries_epoch(ns: u64, interval_ns: u64) -> u64 {
    ns / interval_ns.max(1)
}

/// The slot (the index in the map key) interval `epoch` uses in a tseries keeping
/// `num_intervals` intervals: slots are reused round-robin, each remembering its epoch.
pub fn tseries_slot(epoch: u64, num_intervals: u32) -> u64 {
    epoch % u64::from(num_intervals.max(1))
}

/// True for `hist` and `lhist` (and D's quantizations), whose keys carry a bucket index, and
/// for `tseries`, whose keys carry a slot index ([`tseries_slot`]).
pub fn is_histogram(kind: &MapKind) -> bool {
    matches!(
        kind,
        MapKind::Hist { .. }
            | MapKind::Lhist { .. }
            | MapKind::Tseries { .. }
            | MapKind::Quantize
            | MapKind::Lquantize { .. }
            | MapKind::Llquantize { .. }
    )
}

/// Bucket index of `value` in a `hist(value, k)` map.
///
/// Index 0 holds negative values, 1 holds 0. Values `1 ..= 2^k - 1` each have a bucket of their
/// own (indexes `2 ..= 2^k`). Above that, each power-of-two range `[2^p, 2^(p+1))` with `p >= k` is
/// split into `2^k` equal buckets: index `1 + 2^k + (p - k) * 2^k + sub`.
/// With `k = 0` this is bpftrace's classic `[0] [1] [2, 4) [4, 8) ...`.
pub fn hist_index(value: i64, k: u8) -> u64 {
    if value < 0 {
        return 0;
    }
    if value == 0 {
        return 1;
    }
    let v = value as u64;
    let n = 1u64 << k;
    let p = 63 - u64::from(v.leading_zeros());
    if p < u64::from(k) {
        return 1 + v;
    }
    let sub = (v >> (p - u64::from(k))) & (n - 1);
    1 + n + (p - u64::from(k)) * n + sub
}

/// The values a `hist` bucket holds: `(low, high)` with `high` exclusive; index 0 (negative) is
/// `(i64::MIN, 0)`. `high` saturates at `u64::MAX` for the last bucket.
pub fn hist_bounds(index: u64, k: u8) -> (i128, i128) {
    let n = 1u64 << k;
    match index {
        0 => (i64::MIN as i128, 0),
        1 => (0, 1),
        i if i <= n => ((i - 1) as i128, i as i128),
        i => {
            let rel = i - 1 - n;
            let p = rel / n + u64::from(k);
            let sub = rel % n;
            let width = 1i128 << (p - u64::from(k));
            let low = (1i128 << p) + sub as i128 * width;
            (low, low + width)
        }
    }
}

/// Bucket index of `value` in `lhist(value, min, max, step)`: 0 below `min`, `1 + (value - min) / step`
/// inside, and [`lhist_buckets`]` + 1` at or above `max`.
pub fn lhist_index(value: i64, min: i64, max: i64, step: i64) -> u64 {
    if value < min {
        0
    } else if value >= max {
        lhist_buckets(min, max, step) + 1
    } else {
        1 + ((value - min) / step.max(1)) as u64
    }
}

/// Number of in-range buckets of `lhist(_, min, max, step)`.
pub fn lhist_buckets(min: i64, max: i64, step: i64) -> u64 {
    ((max - min) / step.max(1)) as u64
}

/// Byte offset of `count` (u64) in a `stddev` per-CPU slot.
pub const STDDEV_COUNT: u32 = 0;
/// Byte offset of `total` (i64, the sum of the values) in a `stddev` per-CPU slot.
pub const STDDEV_TOTAL: u32 = 8;
/// Byte offset of the low 64 bits of the 128-bit sum of squares in a `stddev` per-CPU slot.
pub const STDDEV_SQUARES_LO: u32 = 16;
/// Byte offset of the high 64 bits of the 128-bit sum of squares in a `stddev` per-CPU slot.
pub const STDDEV_SQUARES_HI: u32 = 24;
/// Size of a `stddev` per-CPU slot.
pub const STDDEV_SIZE: u32 = 32;

/// The standard deviation of `count` values with sum `total` and sum of squares `squares`, as
/// DTrace computes it for printing with normalization factor `normal`: the integer square root
/// of `squares / normal / count - (|total / normal / count|)^2` (0 when empty).
pub fn stddev(count: u64, total: i64, squares: u128, normal: u64) -> u64 {
    if count == 0 {
        return 0;
    }
    let normal = normal.max(1);
    let avg_of_squares = squares / u128::from(normal) / u128::from(count);
    let mean = i128::from(total) / i128::from(normal) / i128::from(count);
    let square_of_avg = (mean.unsigned_abs()).wrapping_mul(mean.unsigned_abs());
    let diff = avg_of_squares.wrapping_sub(square_of_avg);
    isqrt(diff) as u64
}

fn isqrt(v: u128) -> u128 {
    if v < 2 {
        return v;
    }
    let mut x = (v as f64).sqrt() as u128;
    while x.saturating_mul(x) > v {
        x -= 1;
    }
    while (x + 1).saturating_mul(x + 1) <= v {
        x += 1;
    }
    x
}

/// Number of `quantize()` buckets: 63 negative powers of two, zero, and 63 positive ones.
pub const QUANTIZE_BUCKETS: u64 = 127;
/// The index of `quantize()`'s zero bucket.
pub const QUANTIZE_ZERO: u64 = 63;

/// The value (label) of `quantize()` bucket `index`: ..., -2, -1, 0, 1, 2, 4, ...
pub fn quantize_value(index: u64) -> i64 {
    match index.cmp(&QUANTIZE_ZERO) {
        std::cmp::Ordering::Less => -(1i64 << (QUANTIZE_ZERO - 1 - index)),
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1i64 << ((index - QUANTIZE_ZERO - 1).min(62)),
    }
}

/// The `quantize()` bucket of `value`: a positive value goes to the largest power of two not
/// above it, a negative one to the negated largest power of two not above its magnitude (`-3`
/// counts in `-2`), zero in the zero bucket.
pub fn quantize_index(value: i64) -> u64 {
    if value == 0 {
        return QUANTIZE_ZERO;
    }
    let magnitude = value.unsigned_abs();
    let p = 63 - u64::from(magnitude.leading_zeros()); // floor(log2 |value|), 0..=63
    let p = p.min(62);
    if value > 0 {
        QUANTIZE_ZERO + 1 + p
    } else {
        QUANTIZE_ZERO - 1 - p
    }
}

/// Number of `lquantize()` buckets with `levels` levels: underflow, the levels, overflow.
pub fn lquantize_buckets(levels: u32) -> u64 {
    u64::from(levels) + 2
}

/// The `lquantize(value, base, _, step)` bucket: 0 below `base`, `levels + 1` at or above
/// `base + levels * step`, else `1 + (value - base) / step`.
pub fn lquantize_index(value: i64, base: i64, step: i64, levels: u32) -> u64 {
    let step = step.max(1);
    let top = i128::from(base) + i128::from(levels) * i128::from(step);
    if value < base {
        0
    } else if i128::from(value) >= top {
        u64::from(levels) + 1
    } else {
        1 + ((i128::from(value) - i128::from(base)) / i128::from(step)) as u64
    }
}

/// The shape of an `llquantize(_, factor, low, high, steps)` aggregation: buckets per order of
/// magnitude, the index of the zero bucket and the total number of buckets. Buckets are, in
/// order: values `<= -factor^(high+1)`, the negative magnitudes from `high` down to `low`, the
/// zero bucket (`|value| < factor^low`), the positive magnitudes from `low` up to `high`, and
/// values `>= factor^(high+1)`.
pub fn llquantize_shape(factor: u16, low: u16, high: u16, steps: u16) -> (u64, u64, u64) {
    let per_mag = u64::from(steps) - u64::from(steps) / u64::from(factor.max(1));
    let mags = u64::from(high.saturating_sub(low)) + 1;
    let zero = 1 + mags * per_mag;
    (per_mag, zero, 2 * zero + 1)
}

/// `factor^exp` as an i128, saturating.
pub fn llquantize_pow(factor: u16, exp: u32) -> i128 {
    let mut v: i128 = 1;
    for _ in 0..exp {
        v = v.saturating_mul(i128::from(factor));
    }
    v
}

/// The `llquantize(value, factor, low, high, steps)` bucket (see [`llquantize_shape`]). Within
/// magnitude `m` (`factor^m <= |value| < factor^(m+1)`) buckets are `factor^(m+1) / steps`
/// wide; when that is less than one (small magnitudes with many steps) some buckets stay empty.
pub fn llquantize_index(value: i64, factor: u16, low: u16, high: u16, steps: u16) -> u64 {
    let (per_mag, zero, total) = llquantize_shape(factor, low, high, steps);
    let magnitude = i128::from(value).abs();
    if magnitude < llquantize_pow(factor, u32::from(low)) {
        return zero;
    }
    let steps_per_factor = i128::from(steps / factor.max(1));
    let mut offset = None;
    for m in low..=high {
        let next = llquantize_pow(factor, u32::from(m) + 1);
        if magnitude < next {
            let within = magnitude * i128::from(steps) / next - steps_per_factor;
            let within = within.clamp(0, per_mag as i128 - 1) as u64;
            offset = Some(1 + u64::from(m - low) * per_mag + within);
            break;
        }
    }
    match (offset, value < 0) {
        (Some(o), false) => zero + o,
        (Some(o), true) => zero - o,
        (None, false) => total - 1,
        (None, true) => 0,
    }
}

/// The lower bound (label) of positive `llquantize` bucket `zero + offset` (offset >= 1), or
/// `None` for a bucket no integer falls in.
pub fn llquantize_bound(offset: u64, factor: u16, low: u16, high: u16, steps: u16) -> Option<i128> {
    let (per_mag, _, _) = llquantize_shape(factor, low, high, steps);
    if offset == 0 || per_mag == 0 {
        return Some(0);
    }
    let k = offset - 1;
    let m = k / per_mag;
    if m > u64::from(high - low) {
        return Some(llquantize_pow(factor, u32::from(high) + 1));
    }
    let m = u32::from(low) + m as u32;
    let j = i128::from((k % per_mag) as u32) + i128::from(steps / factor.max(1));
    let next = llquantize_pow(factor, m + 1);
    let num = j * next;
    let bound = num / i128::from(steps.max(1));
    let bound = bound.max(llquantize_pow(factor, m));
    // Buckets narrower than one hold no integer unless an integer starts them.
    if num % i128::from(steps.max(1)) != 0 && bound * i128::from(steps) < num {
        return None;
    }
    Some(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hist_k0_matches_bpftrace_buckets() {
        assert_eq!(hist_index(-5, 0), 0);
        assert_eq!(hist_index(0, 0), 1);
        assert_eq!(hist_index(1, 0), 2);
        assert_eq!(hist_index(2, 0), 3);
        assert_eq!(hist_index(3, 0), 3);
        assert_eq!(hist_index(4, 0), 4);
        assert_eq!(hist_bounds(3, 0), (2, 4));
        assert_eq!(hist_bounds(4, 0), (4, 8));
    }

    #[test]
    fn hist_index_and_bounds_agree_for_every_k() {
        for k in 0..=5u8 {
            let mut last = 0;
            for v in (0..5000i64).chain([1 << 40, (1 << 40) + 12345, i64::MAX]) {
                let i = hist_index(v, k);
                assert!(i >= last, "index must not decrease (k={k}, v={v})");
                last = i;
                let (lo, hi) = hist_bounds(i, k);
                assert!(
                    lo <= v as i128 && (v as i128) < hi,
                    "k={k} v={v} i={i} bounds={lo}..{hi}"
                );
            }
        }
    }

    #[test]
    fn pt_regs_offsets_are_x86_64s() {
        // di, si, dx, cx, r8, r9 carry the first six arguments (the backend's PT_REGS_ARGS).
        let args: Vec<Option<u32>> = ["di", "si", "dx", "cx", "r8", "r9"]
            .iter()
            .map(|r| pt_regs_offset(r))
            .collect();
        assert_eq!(args, [112, 104, 96, 88, 72, 64].map(Some).to_vec());
        assert_eq!(pt_regs_offset("ip"), Some(128));
        assert_eq!(pt_regs_offset("sp"), Some(152));
        assert_eq!(pt_regs_offset("rip"), None);
        assert_eq!(stack_size(127), 8 + 127 * 8);
    }

    #[test]
    fn lhist_buckets_are_linear() {
        assert_eq!(lhist_index(-1, 0, 100, 10), 0);
        assert_eq!(lhist_index(0, 0, 100, 10), 1);
        assert_eq!(lhist_index(99, 0, 100, 10), 10);
        assert_eq!(lhist_index(100, 0, 100, 10), 11);
    }

    #[test]
    fn quantize_buckets_are_dtraces_powers_of_two() {
        assert_eq!(quantize_index(0), QUANTIZE_ZERO);
        assert_eq!(quantize_index(1), 64);
        assert_eq!(quantize_index(3), 65);
        assert_eq!(quantize_value(65), 2);
        assert_eq!(quantize_index(100), 70);
        assert_eq!(quantize_value(70), 64);
        assert_eq!(quantize_index(-1), 62);
        assert_eq!(quantize_value(62), -1);
        assert_eq!(quantize_index(-3), 61);
        assert_eq!(quantize_value(61), -2);
        assert_eq!(quantize_index(i64::MAX), QUANTIZE_BUCKETS - 1);
        assert_eq!(quantize_index(i64::MIN), 0);
        for v in [1i64, 2, 5, 1000, 1 << 40] {
            let i = quantize_index(v);
            assert!(quantize_value(i) <= v && v < quantize_value(i).saturating_mul(2));
            let n = quantize_index(-v);
            assert!(quantize_value(n) >= -v);
        }
    }

    #[test]
    fn lquantize_buckets_have_underflow_and_overflow() {
        assert_eq!(lquantize_index(-1, 0, 10, 10), 0);
        assert_eq!(lquantize_index(0, 0, 10, 10), 1);
        assert_eq!(lquantize_index(9, 0, 10, 10), 1);
        assert_eq!(lquantize_index(95, 0, 10, 10), 10);
        assert_eq!(lquantize_index(100, 0, 10, 10), 11);
        assert_eq!(lquantize_buckets(10), 12);
    }

    #[test]
    fn llquantize_buckets_are_log_linear() {
        // factor 10, magnitudes 0..=1, 20 steps: 18 buckets per magnitude.
        let (per, zero, total) = llquantize_shape(10, 0, 1, 20);
        assert_eq!((per, zero, total), (18, 37, 75));
        assert_eq!(llquantize_index(0, 10, 0, 1, 20), zero);
        assert_eq!(llquantize_index(1, 10, 0, 1, 20), zero + 1);
        assert_eq!(llquantize_index(2, 10, 0, 1, 20), zero + 3);
        assert_eq!(llquantize_index(9, 10, 0, 1, 20), zero + 17);
        assert_eq!(llquantize_index(10, 10, 0, 1, 20), zero + 19);
        assert_eq!(llquantize_index(14, 10, 0, 1, 20), zero + 19);
        assert_eq!(llquantize_index(15, 10, 0, 1, 20), zero + 20);
        assert_eq!(llquantize_index(99, 10, 0, 1, 20), zero + 36);
        assert_eq!(llquantize_index(100, 10, 0, 1, 20), total - 1);
        assert_eq!(llquantize_index(-100, 10, 0, 1, 20), 0);
        assert_eq!(llquantize_index(-2, 10, 0, 1, 20), zero - 3);
        assert_eq!(llquantize_bound(1, 10, 0, 1, 20), Some(1));
        assert_eq!(llquantize_bound(2, 10, 0, 1, 20), None);
        assert_eq!(llquantize_bound(3, 10, 0, 1, 20), Some(2));
        assert_eq!(llquantize_bound(19, 10, 0, 1, 20), Some(10));
        assert_eq!(llquantize_bound(20, 10, 0, 1, 20), Some(15));
        assert_eq!(llquantize_bound(37, 10, 0, 1, 20), Some(100));
        // low > 0: everything below factor^low is the zero bucket.
        let (_, zero, _) = llquantize_shape(10, 2, 3, 10);
        assert_eq!(llquantize_index(99, 10, 2, 3, 10), zero);
        assert_eq!(llquantize_index(100, 10, 2, 3, 10), zero + 1);
        assert_eq!(llquantize_bound(1, 10, 2, 3, 10), Some(100));
        assert_eq!(llquantize_bound(2, 10, 2, 3, 10), Some(200));
    }

    #[test]
    fn stddev_is_the_population_deviation() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, deviation 2.
        let vals = [2i64, 4, 4, 4, 5, 5, 7, 9];
        let sq: u128 = vals.iter().map(|v| (v * v) as u128).sum();
        assert_eq!(stddev(8, vals.iter().sum(), sq, 1), 2);
        assert_eq!(stddev(0, 0, 0, 1), 0);
        assert_eq!(stddev(1, 5, 25, 1), 0);
    }
}
