//! DTrace's text output for D scripts: the default probe records, `trace()`, aggregations
//! printed at exit or by `printa` (with and without a format), and the quantize family's graphs.
//!
//! Formats follow DTrace for Linux (dtrace-utils) as written down in
//! `/work/shared/notes/dtrace-on-linux.md`, section (c). Pure functions only: callers decode
//! values first ([`crate::value::Value`] for keys and traced values, [`AggValue`] for aggregated
//! values) and pass the D types of keys, which decide column widths.

use std::cmp::Ordering;

use ir::abi;
use ir::printf::{Conversion, Segment};
use ir::Type;

use crate::value::Value;

/// An aggregation's combined value for one key (all CPUs summed).
#[derive(Clone, Debug, PartialEq)]
pub enum AggValue {
    /// `count`, `sum`, `min`, `max`: one number.
    Scalar(i64),
    /// `avg`: how many values and their sum.
    Avg { count: u64, total: i64 },
    /// `stddev`: how many values, their sum and the sum of their squares.
    Stddev {
        count: u64,
        total: i64,
        squares: u128,
    },
    /// `quantize`: counts by bucket index ([`abi::quantize_index`]); missing buckets are 0.
    Quantize(Vec<(u64, i64)>),
    /// `lquantize(_, base, _, step)` with `levels` levels: counts by bucket index
    /// ([`abi::lquantize_index`]).
    Lquantize {
        base: i64,
        step: i64,
        levels: u32,
        buckets: Vec<(u64, i64)>,
    },
    /// `llquantize(_, factor, low, high, steps)`: counts by bucket index
    /// ([`abi::llquantize_index`]).
    Llquantize {
        factor: u16,
        low: u16,
        high: u16,
        steps: u16,
        buckets: Vec<(u64, i64)>,
    },
}

/// One aggregation ready to print.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregation {
    /// The name as written (`@`, `@calls`).
    pub name: String,
    /// The D types of the key columns (they decide the widths).
    pub key_types: Vec<Type>,
    /// The entries: key columns and value, in any order.
    pub entries: Vec<(Vec<Value>, AggValue)>,
    /// The `normalize()` factor (1 when not normalized).
    pub normal: u64,
}

/// How aggregations are sorted (`aggsortkey`, `aggsortrev`, `aggsortkeypos`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SortOptions {
    /// Sort by key instead of by value.
    pub by_key: bool,
    /// Reverse the order.
    pub reverse: bool,
    /// The key column compared first when sorting by key.
    pub key_pos: usize,
    /// The aggregation whose values sort a multi-aggregation `printa` (`aggsortpos`).
    pub sort_pos: usize,
}

impl SortOptions {
    /// The sort options a program's DTrace options ask for.
    pub fn from_options(o: &ir::DtraceOptions) -> SortOptions {
        SortOptions {
            by_key: o.aggsortkey,
            reverse: o.aggsortrev,
            key_pos: o.aggsortkeypos as usize,
            sort_pos: o.aggsortpos as usize,
        }
    }
}

// ------------------------------------------------------------------------------ records

/// The column header printed once before the first default record: `CPU`, `ID` and
/// `FUNCTION:NAME` in `%3s %6s %32s`; in test mode (`_DTRACE_TESTING` set) only `%32s`.
pub fn header(testing: bool) -> String {
    if testing {
        format!("{:>32}\n", "FUNCTION:NAME")
    } else {
        format!("{:>3} {:>6} {:>32}\n", "CPU", "ID", "FUNCTION:NAME")
    }
}

/// The start of a default record: cpu, probe id and `func:name` as `%3d %6d %32s ` (test mode:
/// `%32s `). The record's data follows, then a newline ([`record_end`]).
pub fn record_prefix(cpu: u32, probe_id: u32, func_name: &str, testing: bool) -> String {
    if testing {
        format!("{func_name:>32} ")
    } else {
        format!("{cpu:>3} {probe_id:>6} {func_name:>32} ")
    }
}

/// The end of a default record.
pub fn record_end() -> &'static str {
    "\n"
}

/// `trace(v)` of a value of D type `ty`. Not quiet: strings as two spaces and `%-33s`, signed
/// integers as a space and a field of 19/10/5/3 for 8/4/2/1-byte values, unsigned ones 20/10/5/3.
/// Quiet: the bare value.
pub fn trace(v: &Value, ty: &Type, quiet: bool) -> String {
    let text = plain(v);
    if quiet {
        return text;
    }
    match (v, ty) {
        (Value::Str(s), _) => format!("  {s:<33}"),
        (Value::Symbol(_), _) => format!("  {text:<50}"),
        (_, Type::Int(t)) => {
            let width = match (t.bits, t.signed) {
                (64, true) => 19,
                (64, false) => 20,
                (32, _) => 10,
                (16, _) => 5,
                _ => 3,
            };
            format!(" {text:>width$}")
        }
        _ => format!(" {text}"),
    }
}

/// A value's plain text: numbers in decimal, strings as they are, symbols as
/// `module`name`, stacks as DTrace's frame block (default indentation).
fn plain(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Uint(u) | Value::Pointer(u) => u.to_string(),
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Str(s) | Value::ProbeName(s) => s.clone(),
        Value::Symbol(sym) => symbol(sym, false),
        Value::Stack(st) => stack_block(st, DEFAULT_STACKINDENT),
        other => super::bt_text::format_value(other),
    }
}

/// The default of the `stackindent` option.
pub const DEFAULT_STACKINDENT: u32 = 14;

/// The module name DTrace shows for a symbol: `vmlinux` for the kernel, the file's base name
/// for user code.
fn module_name(kernel: bool, sym: Option<&crate::value::Sym>) -> Option<String> {
    if kernel {
        return Some("vmlinux".into());
    }
    let m = sym?.module.as_deref()?;
    Some(m.rsplit('/').next().unwrap_or(m).to_string())
}

/// An address as DTrace names it: `module`name+0xoff` (`module`name` at the symbol's start, or
/// always without the offset when `offset` is false), `0xaddr` when unknown.
fn address_text(kernel: bool, addr: u64, sym: Option<&crate::value::Sym>, offset: bool) -> String {
    match (sym, module_name(kernel, sym)) {
        (Some(s), Some(m)) if offset && s.offset > 0 => {
            format!("{m}`{}+0x{:x}", s.name, s.offset)
        }
        (Some(s), Some(m)) => format!("{m}`{}", s.name),
        (Some(s), None) if offset && s.offset > 0 => format!("{}+0x{:x}", s.name, s.offset),
        (Some(s), None) => s.name.clone(),
        (None, _) => format!("0x{addr:x}"),
    }
}

/// `sym()`, `func()`, `usym()`, `ufunc()` values: `module`name` (no offset); `mod()` and
/// `umod()` values: the module alone. Unknown addresses are `0x` + hex.
fn symbol(sym: &crate::value::Symbol, offset: bool) -> String {
    if sym.module {
        return match module_name(sym.kernel, sym.sym.as_ref()) {
            Some(m) if sym.sym.is_some() => m,
            _ => format!("0x{:x}", sym.addr),
        };
    }
    address_text(sym.kernel, sym.addr, sym.sym.as_ref(), offset)
}

/// A stack as DTrace prints it: a newline, then one `module`name+0xoff` frame per line,
/// indented by `indent` spaces.
pub fn stack_block(st: &crate::value::Stack, indent: u32) -> String {
    let mut out = String::from("\n");
    let pad = " ".repeat(indent.min(1024) as usize);
    for f in &st.frames {
        if f.addr == 0 {
            break;
        }
        out.push_str(&pad);
        out.push_str(&address_text(st.kernel, f.addr, f.sym.as_ref(), true));
        out.push('\n');
    }
    out
}

// ------------------------------------------------------------------------------ keys and values

/// One key column: strings as two spaces and `%-50s`; integers as a space and `%16d`, `%8d`,
/// `%5d` or `%3d` for 8-, 4-, 2- and 1-byte types.
pub fn key_column(v: &Value, ty: &Type) -> String {
    match v {
        Value::Str(s) => format!("  {s:<50}"),
        Value::Symbol(sym) => format!("  {:<50}", symbol(sym, false)),
        Value::Stack(st) => stack_block(st, DEFAULT_STACKINDENT),
        _ => {
            let width = match ty {
                Type::Int(t) => match t.bits {
                    8 => 3,
                    16 => 5,
                    32 => 8,
                    _ => 16,
                },
                _ => 16,
            };
            format!(" {:>width$}", plain(v))
        }
    }
}

/// The value column of a scalar aggregation: a space and `%16d` (`stddev`: unsigned), divided by
/// the normalization factor; the quantize family's graph (which starts with a newline).
pub fn value_column(v: &AggValue, normal: u64) -> String {
    let n = i128::from(normal.max(1));
    match v {
        AggValue::Scalar(x) => format!(" {:>16}", i128::from(*x) / n),
        AggValue::Avg { count, total } => {
            let avg = if *count == 0 {
                0
            } else {
                i128::from(*total) / n / i128::from(*count)
            };
            format!(" {avg:>16}")
        }
        AggValue::Stddev {
            count,
            total,
            squares,
        } => {
            let sd = abi::stddev(*count, *total, *squares, normal);
            format!(" {sd:>16}")
        }
        AggValue::Quantize(b) => quantize_graph(b, normal),
        AggValue::Lquantize {
            base,
            step,
            levels,
            buckets,
        } => lquantize_graph(buckets, *base, *step, *levels, normal),
        AggValue::Llquantize {
            factor,
            low,
            high,
            steps,
            buckets,
        } => llquantize_graph(buckets, *factor, *low, *high, *steps, normal),
    }
}

/// DTrace's comparison of two values of one aggregation (`dt_aggregate_valcmp`): numbers, the
/// integer average, the deviation; distributions by their weighted total, ties by the count at
/// zero.
pub fn cmp_values(a: &AggValue, b: &AggValue) -> Ordering {
    match (a, b) {
        (AggValue::Scalar(x), AggValue::Scalar(y)) => x.cmp(y),
        (AggValue::Avg { .. }, AggValue::Avg { .. }) => avg_of(a).cmp(&avg_of(b)),
        (
            AggValue::Stddev {
                count: c1,
                total: t1,
                squares: s1,
            },
            AggValue::Stddev {
                count: c2,
                total: t2,
                squares: s2,
            },
        ) => abi::stddev(*c1, *t1, *s1, 1).cmp(&abi::stddev(*c2, *t2, *s2, 1)),
        _ => {
            let (sa, za) = weighted(a);
            let (sb, zb) = weighted(b);
            sa.cmp(&sb).then(za.cmp(&zb))
        }
    }
}

fn avg_of(v: &AggValue) -> i64 {
    match v {
        AggValue::Avg { count, total } if *count > 0 => total.wrapping_div(*count as i64),
        _ => 0,
    }
}

/// A distribution's weighted total (bucket value times count; for `llquantize` scaled by
/// `steps` to stay in integers) and its count at zero, as DTrace sorts them.
fn weighted(v: &AggValue) -> (i128, i64) {
    let count_at = |b: &[(u64, i64)], i: u64| -> i64 {
        b.iter().find(|(j, _)| *j == i).map_or(0, |(_, c)| *c)
    };
    match v {
        AggValue::Quantize(b) => (
            b.iter()
                .map(|(i, c)| i128::from(abi::quantize_value(*i)) * i128::from(*c))
                .sum(),
            count_at(b, abi::QUANTIZE_ZERO),
        ),
        AggValue::Lquantize {
            base,
            step,
            levels,
            buckets,
        } => {
            let top = i128::from(*base) + i128::from(*levels) * i128::from(*step);
            let value_of = |i: u64| -> i128 {
                if i == 0 {
                    i128::from(*base) - 1
                } else if i == u64::from(*levels) + 1 {
                    top + 1
                } else {
                    i128::from(*base) + (i as i128 - 1) * i128::from(*step)
                }
            };
            let sum = buckets
                .iter()
                .map(|(i, c)| value_of(*i).saturating_mul(i128::from(*c)))
                .sum();
            let zero = (0..=u64::from(*levels) + 1)
                .find(|i| value_of(*i) == 0)
                .map_or(0, |i| count_at(buckets, i));
            (sum, zero)
        }
        AggValue::Llquantize {
            factor,
            low,
            high,
            steps,
            buckets,
        } => {
            let (_, zero, _) = abi::llquantize_shape(*factor, *low, *high, *steps);
            let diff = |i: u64| -> i128 {
                i128::from(count_at(buckets, zero + i)) - i128::from(count_at(buckets, zero - i))
            };
            let f = i128::from(*factor);
            let st = i128::from(*steps);
            let spf = u64::from(steps / factor.max(&1));
            // Everything times `steps`, so that the fractional bucket widths stay integers.
            let mut total = abi::llquantize_pow(*factor, u32::from(*low)) * st * diff(1);
            let mut i = 1u64;
            let mut lmag = u32::from(*low);
            if *low == 0 && steps > factor {
                for step in 2..=f {
                    i += spf;
                    total = total.saturating_add(step * st * diff(i));
                }
                lmag = 1;
            }
            let mut scale_times_steps = abi::llquantize_pow(*factor, lmag + 1);
            for _ in lmag..=u32::from(*high) {
                for step in (spf + 1)..=u64::from(*steps) {
                    i += 1;
                    total = total.saturating_add(i128::from(step) * scale_times_steps * diff(i));
                }
                scale_times_steps = scale_times_steps.saturating_mul(f);
            }
            (total, count_at(buckets, zero))
        }
        _ => (0, 0),
    }
}

/// DTrace's comparison of two keys (`dt_aggregate_keycmp`): column by column from `key_pos`
/// (wrapping around), integers as unsigned numbers of their type's width, strings bytewise.
pub fn cmp_keys(a: &[Value], b: &[Value], types: &[Type], key_pos: usize) -> Ordering {
    let n = a.len().min(b.len());
    if n == 0 {
        return Ordering::Equal;
    }
    let start = if key_pos >= n { 0 } else { key_pos };
    for k in 0..n {
        let i = (start + k) % n;
        let bits = match types.get(i) {
            Some(Type::Int(t)) => u32::from(t.bits),
            _ => 64,
        };
        let as_unsigned = |v: &Value| -> Option<u64> {
            let raw = match v {
                Value::Int(x) => *x as u64,
                Value::Uint(x) | Value::Pointer(x) => *x,
                Value::Bool(b) => u64::from(*b),
                _ => return None,
            };
            Some(if bits >= 64 {
                raw
            } else {
                raw & ((1u64 << bits) - 1)
            })
        };
        let o = match (as_unsigned(&a[i]), as_unsigned(&b[i])) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => match (&a[i], &b[i]) {
                (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
                (x, y) => x.cmp(y),
            },
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The entries in DTrace's order: by value ascending, ties by key (or by key alone with
/// `aggsortkey`, from column `aggsortkeypos`); everything reversed with `aggsortrev`.
pub fn sorted(agg: &Aggregation, sort: SortOptions) -> Vec<&(Vec<Value>, AggValue)> {
    let mut v: Vec<&(Vec<Value>, AggValue)> = agg.entries.iter().collect();
    v.sort_by(|a, b| {
        let by_key = cmp_keys(&a.0, &b.0, &agg.key_types, sort.key_pos);
        let o = if sort.by_key {
            by_key
        } else {
            cmp_values(&a.1, &b.1).then(by_key)
        };
        if sort.reverse {
            o.reverse()
        } else {
            o
        }
    });
    v
}

/// The entries `trunc(@a, n)` keeps: the `n` largest (by value, ties by key), or the `|n|`
/// smallest when `n` is negative, whatever the sort options.
pub fn truncated(agg: &Aggregation, n: i64) -> Vec<Vec<Value>> {
    let mut order = sorted(agg, SortOptions::default());
    if n >= 0 {
        order.reverse();
    }
    order
        .into_iter()
        .take(n.unsigned_abs() as usize)
        .map(|(k, _)| k.clone())
        .collect()
}

/// The value an aggregation has for a key it does not hold (for `printa` of several
/// aggregations): zero, or an empty distribution of the same shape.
pub fn zero_like(agg: &Aggregation) -> AggValue {
    match agg.entries.first().map(|(_, v)| v) {
        Some(AggValue::Avg { .. }) => AggValue::Avg { count: 0, total: 0 },
        Some(AggValue::Stddev { .. }) => AggValue::Stddev {
            count: 0,
            total: 0,
            squares: 0,
        },
        Some(AggValue::Quantize(_)) => AggValue::Quantize(vec![]),
        Some(AggValue::Lquantize {
            base, step, levels, ..
        }) => AggValue::Lquantize {
            base: *base,
            step: *step,
            levels: *levels,
            buckets: vec![],
        },
        Some(AggValue::Llquantize {
            factor,
            low,
            high,
            steps,
            ..
        }) => AggValue::Llquantize {
            factor: *factor,
            low: *low,
            high: *high,
            steps: *steps,
            buckets: vec![],
        },
        _ => AggValue::Scalar(0),
    }
}

/// The rows of `printa(@a, @b, ...)`: every key held by any of the aggregations, with each
/// aggregation's value for it (its zero when it has none), in DTrace's joined order: by the
/// values starting with aggregation `aggsortpos`, ties by key (by key first with
/// `aggsortkey`), reversed with `aggsortrev`.
pub fn joined(aggs: &[Aggregation], sort: SortOptions) -> Vec<(Vec<Value>, Vec<AggValue>)> {
    let mut rows: Vec<(Vec<Value>, Vec<AggValue>)> = Vec::new();
    let zeros: Vec<AggValue> = aggs.iter().map(zero_like).collect();
    for (ai, a) in aggs.iter().enumerate() {
        for (k, v) in &a.entries {
            let row = match rows.iter().position(|(rk, _)| rk == k) {
                Some(r) => r,
                None => {
                    rows.push((k.clone(), zeros.clone()));
                    rows.len() - 1
                }
            };
            rows[row].1[ai] = v.clone();
        }
    }
    let types = aggs
        .first()
        .map(|a| a.key_types.clone())
        .unwrap_or_default();
    let n = aggs.len();
    let pos = if sort.sort_pos < n { sort.sort_pos } else { 0 };
    rows.sort_by(|a, b| {
        let keys = cmp_keys(&a.0, &b.0, &types, sort.key_pos);
        let values = (0..n)
            .map(|i| (pos + i) % n)
            .map(|i| cmp_values(&a.1[i], &b.1[i]))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal);
        let o = if sort.by_key {
            keys.then(values)
        } else {
            values.then(keys)
        };
        if sort.reverse {
            o.reverse()
        } else {
            o
        }
    });
    rows
}

/// One aggregation in the default layout: per entry its key columns, its value column and a
/// newline.
pub fn aggregation(agg: &Aggregation, sort: SortOptions) -> String {
    let mut out = String::new();
    for (keys, value) in sorted(agg, sort) {
        for (k, t) in keys
            .iter()
            .zip(agg.key_types.iter().chain(std::iter::repeat(&Type::I64)))
        {
            out.push_str(&key_column(k, t));
        }
        out.push_str(&value_column(value, agg.normal));
        out.push('\n');
    }
    out
}

/// What DTrace prints when tracing ends: a newline (even when quiet), then every aggregation
/// not printed before, in order of first appearance, each sorted; no blank line between them.
pub fn exit_dump(aggs: &[Aggregation], sort: SortOptions) -> String {
    let mut out = String::from("\n");
    let mut order: Vec<&Aggregation> = aggs.iter().collect();
    // The aggregation variable is the first sort key; `aggsortrev` reverses it too.
    if sort.reverse {
        order.reverse();
    }
    for a in order {
        out.push_str(&aggregation(a, sort));
    }
    out
}

/// `printa(@a, @b, ...)` without a format: a newline, then one line per key held by any of
/// them ([`joined`] order): the key columns, then each aggregation's value column.
pub fn printa_default(aggs: &[Aggregation], sort: SortOptions) -> String {
    let mut out = String::from("\n");
    let Some(first) = aggs.first() else {
        return out;
    };
    for (keys, values) in joined(aggs, sort) {
        for (k, t) in keys
            .iter()
            .zip(first.key_types.iter().chain(std::iter::repeat(&Type::I64)))
        {
            out.push_str(&key_column(k, t));
        }
        for (v, a) in values.iter().zip(aggs) {
            out.push_str(&value_column(v, a.normal));
        }
        out.push('\n');
    }
    out
}

/// `printa(format, @a, @b, ...)`: the format once per key ([`joined`] order). Conversions
/// without `@` take the key columns in order; the n-th `%@` conversion takes the n-th
/// aggregation's value (a distribution prints its graph; `avg` its integer mean, `stddev` its
/// deviation, both normalized). No newline is added.
pub fn printa_format(segments: &[Segment], aggs: &[Aggregation], sort: SortOptions) -> String {
    let mut out = String::new();
    for (keys, values) in joined(aggs, sort) {
        let mut key_i = 0;
        let mut agg_i = 0;
        for seg in segments {
            match seg {
                Segment::Literal(t) => out.push_str(t),
                Segment::Conversion(c) if c.aggregation => {
                    let normal = aggs.get(agg_i).map_or(1, |a| a.normal);
                    let v = values.get(agg_i).cloned().unwrap_or(AggValue::Scalar(0));
                    agg_i += 1;
                    out.push_str(&agg_conversion(c, &v, normal));
                }
                Segment::Conversion(c) => {
                    let v = keys.get(key_i).cloned().unwrap_or(Value::Int(0));
                    key_i += 1;
                    out.push_str(&conversion(c, &v));
                }
            }
        }
    }
    out
}

/// One `%@` conversion of an aggregated value: a distribution's graph, otherwise the number
/// (divided by the normalization factor) through the conversion.
fn agg_conversion(c: &Conversion, v: &AggValue, normal: u64) -> String {
    let n = i128::from(normal.max(1));
    let number = match v {
        AggValue::Quantize(_) | AggValue::Lquantize { .. } | AggValue::Llquantize { .. } => {
            return value_column(v, normal);
        }
        AggValue::Scalar(x) => Value::Int((i128::from(*x) / n) as i64),
        AggValue::Avg { count, total } => Value::Int(if *count == 0 {
            0
        } else {
            (i128::from(*total) / n / i128::from(*count)) as i64
        }),
        AggValue::Stddev {
            count,
            total,
            squares,
        } => Value::Uint(abi::stddev(*count, *total, *squares, normal)),
    };
    conversion(c, &number)
}

/// D's `printf(format, args...)`: each conversion takes the next argument (`*` width and `.*`
/// precision take one more each, before the value), formatted by [`conversion`] with 64-bit
/// integers. Missing arguments print as 0.
pub fn printf(segments: &[Segment], args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = args.iter();
    let take_num = |it: &mut std::slice::Iter<'_, Value>| -> i64 {
        match it.next() {
            Some(Value::Int(i)) => *i,
            Some(Value::Uint(u)) => *u as i64,
            _ => 0,
        }
    };
    for seg in segments {
        match seg {
            Segment::Literal(t) => out.push_str(t),
            Segment::Conversion(c) => {
                let mut c = c.clone();
                if c.width_star {
                    let w = take_num(&mut next);
                    if w < 0 {
                        c.left = true;
                    }
                    c.width = Some(w.unsigned_abs() as usize);
                }
                if c.precision_star {
                    let p = take_num(&mut next);
                    c.precision = usize::try_from(p).ok();
                }
                let v = next.next().cloned().unwrap_or(Value::Int(0));
                out.push_str(&conversion(&c, &v));
            }
        }
    }
    out
}

/// One C-style conversion of one value (D's printf: integers are 64-bit whatever the length
/// modifier). `%a %A %Y %T %k` are printed as plain numbers here; symbolizing and time
/// formatting belong to the runtime's event handling.
pub fn conversion(c: &Conversion, v: &Value) -> String {
    let body = match c.conv.as_str() {
        "d" | "i" => {
            let n = match v {
                Value::Uint(u) => *u as i64,
                other => plain(other).parse::<i64>().unwrap_or(0),
            };
            let digits = n.unsigned_abs().to_string();
            let digits = match c.precision {
                Some(p) if p > digits.len() => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            };
            let sign = if n < 0 {
                "-"
            } else if c.plus {
                "+"
            } else if c.space {
                " "
            } else {
                ""
            };
            return pad_number(c, sign, &digits);
        }
        "u" | "x" | "X" | "o" => {
            let n = match v {
                Value::Int(i) => *i as u64,
                Value::Uint(u) | Value::Pointer(u) => *u,
                Value::Bool(b) => u64::from(*b),
                _ => 0,
            };
            let (prefix, digits) = match c.conv.as_str() {
                "x" => (
                    if c.alternate && n != 0 { "0x" } else { "" },
                    format!("{n:x}"),
                ),
                "X" => (
                    if c.alternate && n != 0 { "0X" } else { "" },
                    format!("{n:X}"),
                ),
                "o" => (
                    if c.alternate && n != 0 { "0" } else { "" },
                    format!("{n:o}"),
                ),
                _ => ("", n.to_string()),
            };
            return pad_number(c, prefix, &digits);
        }
        "c" => match v {
            Value::Int(i) => ((*i as u8) as char).to_string(),
            Value::Uint(u) => ((*u as u8) as char).to_string(),
            other => plain(other),
        },
        "S" => escape(&plain(v)),
        "C" => match v {
            Value::Int(_) | Value::Uint(_) => {
                let b = plain(v).parse::<i64>().unwrap_or(0) as u8;
                escape(&String::from_utf8_lossy(&[b]))
            }
            other => escape(&plain(other)),
        },
        "a" | "A" => match v {
            Value::Symbol(sym) => symbol(sym, true),
            other => format!("0x{:x}", int_bits(other)),
        },
        "k" => plain(v),
        "p" => match int_bits(v) {
            0 => "(nil)".to_string(),
            n => format!("0x{n:x}"),
        },
        "Y" => crate::text::strftime("%Y %b %e %T", int_bits(v), 0),
        "T" => crate::text::strftime("%a, %d %b %Y %T %Z", int_bits(v), 0),
        "e" | "E" | "f" | "F" | "g" | "G" => {
            let x = match v {
                Value::Int(i) => *i as f64,
                Value::Uint(u) => *u as f64,
                other => plain(other).parse::<f64>().unwrap_or(0.0),
            };
            let (sign, digits) = float_text(c, x);
            return pad_number(c, sign, &digits);
        }
        "s" => {
            let s = plain(v);
            match c.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        _ => plain(v),
    };
    pad_text(c, &body)
}

/// The raw 64 bits of an integer-like value (0 for others).
fn int_bits(v: &Value) -> u64 {
    match v {
        Value::Int(i) => *i as u64,
        Value::Uint(u) | Value::Pointer(u) => *u,
        Value::Bool(b) => u64::from(*b),
        Value::Symbol(s) => s.addr,
        _ => 0,
    }
}

/// `%e %f %g` (and upper-case forms) of `x` as C prints them: the sign and the rest.
fn float_text(c: &Conversion, x: f64) -> (&'static str, String) {
    let sign = if x.is_sign_negative() && x != 0.0 {
        "-"
    } else if c.plus {
        "+"
    } else if c.space {
        " "
    } else {
        ""
    };
    let a = x.abs();
    let p = c.precision.unwrap_or(6).min(64);
    let upper = c.conv.chars().all(|ch| ch.is_ascii_uppercase());
    let text = match c.conv.to_ascii_lowercase().as_str() {
        "f" => format!("{a:.p$}"),
        "e" => exp_text(a, p),
        _ => {
            // %g: %e or %f by the exponent, trailing zeros removed unless `#`.
            let p = p.max(1);
            let exp = if a == 0.0 {
                0
            } else {
                let e = exp_text(a, p - 1);
                e.rsplit('e')
                    .next()
                    .and_then(|t| t.parse::<i32>().ok())
                    .unwrap_or(0)
            };
            let t = if exp < -4 || exp >= p as i32 {
                let e = exp_text(a, p - 1);
                match e.split_once('e') {
                    Some((m, x)) if !c.alternate => format!("{}e{x}", trim_zeros(m)),
                    _ => e,
                }
            } else {
                let f = format!("{a:.*}", (p as i32 - 1 - exp).max(0) as usize);
                if c.alternate {
                    f
                } else {
                    trim_zeros(&f).to_string()
                }
            };
            t
        }
    };
    (
        sign,
        if upper {
            text.to_ascii_uppercase()
        } else {
            text
        },
    )
}

/// `%e` of a non-negative `a` with `p` digits after the point: `d.ddde+XX`.
fn exp_text(a: f64, p: usize) -> String {
    let s = format!("{a:.p$e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let n: i32 = e.parse().unwrap_or(0);
            let sign = if n < 0 { '-' } else { '+' };
            format!("{m}e{sign}{:02}", n.abs())
        }
        None => s,
    }
}

/// `1.500000` to `1.5`, `2.000` to `2`.
fn trim_zeros(m: &str) -> &str {
    if m.contains('.') {
        m.trim_end_matches('0').trim_end_matches('.')
    } else {
        m
    }
}

fn pad_text(c: &Conversion, body: &str) -> String {
    let width = c.width.unwrap_or(0).min(1 << 20);
    let len = body.chars().count();
    if len >= width {
        return body.to_string();
    }
    let fill = " ".repeat(width - len);
    if c.left {
        format!("{body}{fill}")
    } else {
        format!("{fill}{body}")
    }
}

fn pad_number(c: &Conversion, sign: &str, digits: &str) -> String {
    let width = c.width.unwrap_or(0).min(1 << 20);
    let len = sign.len() + digits.len();
    if len >= width {
        return format!("{sign}{digits}");
    }
    let fill = width - len;
    if c.left {
        format!("{sign}{digits}{}", " ".repeat(fill))
    } else if c.zero && c.precision.is_none() {
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{sign}{digits}", " ".repeat(fill))
    }
}

/// `%S`: non-printable characters escaped as in C (`\n`, `\0`, `\033`).
fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0 => out.push_str("\\0"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b if b < 0x20 || b == 0x7f => out.push_str(&format!("\\{b:03o}")),
            b => out.push(b as char),
        }
    }
    out
}

// ------------------------------------------------------------------------------ graphs

const ATS: &str = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
const SPACES: &str = "                                        ";

/// The header line of a distribution, after its leading newline.
fn graph_header() -> String {
    format!(
        "\n{:>16} {:>41} {:<9}\n",
        "value", "------------- Distribution -------------", "count"
    )
}

/// Counts per bucket index, dense.
fn dense(buckets: &[(u64, i64)], n: usize) -> Vec<i64> {
    let mut d = vec![0i64; n];
    for (i, c) in buckets {
        if let Some(slot) = d.get_mut(*i as usize) {
            *slot = slot.wrapping_add(*c);
        }
    }
    d
}

/// The bar and count of one row (DTrace's quantline): `|` and `@`s padded to 40 when every
/// count is positive; right-aligned bars when all are negative; half-width bars around a centre
/// line when there are both.
fn quantline(val: i64, normal: u64, total: f64, positives: bool, negatives: bool) -> String {
    let shown = i128::from(val) / i128::from(normal.max(1));
    let depth_of = |len: f64| -> usize {
        if total == 0.0 {
            0
        } else {
            ((val.unsigned_abs() as f64 * len) / total + 0.5) as usize
        }
    };
    if !negatives {
        let depth = if positives { depth_of(40.0).min(40) } else { 0 };
        return format!("|{}{} {:<9}\n", &ATS[40 - depth..], &SPACES[depth..], shown);
    }
    if !positives {
        let depth = depth_of(40.0).min(40);
        return format!("{}{}| {:<9}\n", &SPACES[depth..], &ATS[40 - depth..], shown);
    }
    let depth = depth_of(20.0).min(20);
    let (ats, spaces) = (&ATS[20..], &SPACES[20..]);
    if val <= 0 {
        format!(
            "{}{}|{:20} {:<9}\n",
            &spaces[depth..],
            &ats[20 - depth..],
            "",
            shown
        )
    } else {
        format!(
            "{:20}|{}{} {:<9}\n",
            "",
            &ats[20 - depth..],
            &spaces[depth..],
            shown
        )
    }
}

/// Rows `first..=last` of `data` with their labels, after the header.
fn rows(
    data: &[i64],
    first: usize,
    last: usize,
    label: impl Fn(usize) -> String,
    normal: u64,
) -> String {
    let mut positives = false;
    let mut negatives = false;
    let mut total = 0f64;
    for &c in &data[first..=last] {
        positives |= c > 0;
        negatives |= c < 0;
        total += (c as f64).abs();
    }
    let mut out = graph_header();
    for (i, &c) in data.iter().enumerate().take(last + 1).skip(first) {
        out.push_str(&format!("{:>16} ", label(i)));
        out.push_str(&quantline(c, normal, total, positives, negatives));
    }
    out
}

/// The rows DTrace shows: from one before the first non-zero bucket to one after the last
/// (within range); `empty` when every count is zero.
fn shown_range(data: &[i64], empty: (usize, usize)) -> (usize, usize) {
    let Some(first) = data.iter().position(|c| *c != 0) else {
        return empty;
    };
    let last = data.iter().rposition(|c| *c != 0).unwrap_or(first);
    (first.saturating_sub(1), (last + 1).min(data.len() - 1))
}

/// A `quantize()` graph: a newline, the header, and power-of-two rows.
pub fn quantize_graph(buckets: &[(u64, i64)], normal: u64) -> String {
    let data = dense(buckets, abi::QUANTIZE_BUCKETS as usize);
    let zero = abi::QUANTIZE_ZERO as usize;
    let (first, last) = shown_range(&data, (zero - 1, zero + 1));
    rows(
        &data,
        first,
        last,
        |i| abi::quantize_value(i as u64).to_string(),
        normal,
    )
}

/// An `lquantize()` graph: rows `< base`, `base`, `base + step`, ..., `>= base + levels * step`.
pub fn lquantize_graph(
    buckets: &[(u64, i64)],
    base: i64,
    step: i64,
    levels: u32,
    normal: u64,
) -> String {
    let n = abi::lquantize_buckets(levels) as usize;
    let data = dense(buckets, n);
    let (first, last) = shown_range(&data, (0, 2.min(n - 1)));
    let top = i128::from(base) + i128::from(levels) * i128::from(step);
    rows(
        &data,
        first,
        last,
        |i| {
            if i == 0 {
                format!("< {base}")
            } else if i == n - 1 {
                format!(">= {top}")
            } else {
                (i128::from(base) + (i as i128 - 1) * i128::from(step)).to_string()
            }
        },
        normal,
    )
}

/// The row labels of an `llquantize()` graph by bucket index, written in DTrace's order (a
/// later label replaces an earlier one) and cut to 15 characters as DTrace's 16-byte buffers
/// do; `None` for buckets no integer falls in. `nonneg` says the negative buckets are all
/// empty (the zero bucket is then `< scale` rather than `abs() < scale`).
fn llquantize_labels(
    factor: u16,
    low: u16,
    high: u16,
    steps: u16,
    nonneg: bool,
) -> Vec<Option<String>> {
    let (_, zero, total) = abi::llquantize_shape(factor, low, high, steps);
    let (bin0, n) = (zero as i128, total as usize);
    let mut c: Vec<Option<String>> = vec![None; n];
    let mut put = |i: i128, text: String| {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| c.get_mut(i)) {
            *slot = Some(text.chars().take(15).collect());
        }
    };
    let scale = abi::llquantize_pow(factor, u32::from(low));
    if scale == 1 {
        put(bin0, "0".into());
    } else if nonneg {
        put(bin0, format!("< {scale}"));
    } else {
        put(bin0, format!("abs() < {scale}"));
    }
    put(bin0 - 1, format!("-{scale}"));
    put(bin0 + 1, format!("{scale}"));
    let spf = i128::from(steps / factor.max(1));
    let mut mag = u32::from(low);
    let mut i: i128 = 1;
    if low == 0 && steps > factor {
        for step in 2..=i128::from(factor) {
            i += spf;
            put(bin0 - i, format!("-{step}"));
            put(bin0 + i, format!("{step}"));
        }
        mag += 1;
    }
    let mut scale = abi::llquantize_pow(factor, mag + 1) / i128::from(steps.max(1));
    while mag <= u32::from(high) {
        for step in (spf + 1)..=i128::from(steps) {
            i += 1;
            put(bin0 - i, format!("-{}", step * scale));
            put(bin0 + i, format!("{}", step * scale));
        }
        scale = scale.saturating_mul(i128::from(factor));
        mag += 1;
    }
    let top = abi::llquantize_pow(factor, u32::from(high) + 1);
    put(0, format!("<= -{top}"));
    put(n as i128 - 1, format!(">= {top}"));
    c
}

/// An `llquantize()` graph: log-linear rows; buckets no integer falls in are skipped, and the
/// first and last rows shown borrow a neighbour's label when they are such buckets (as DTrace
/// does).
pub fn llquantize_graph(
    buckets: &[(u64, i64)],
    factor: u16,
    low: u16,
    high: u16,
    steps: u16,
    normal: u64,
) -> String {
    let (_, zero, total) = abi::llquantize_shape(factor, low, high, steps);
    let (zero, n) = (zero as usize, total as usize);
    let data = dense(buckets, n);
    let (mut first, mut last) = match data.iter().position(|c| *c != 0) {
        Some(f) => (f, data.iter().rposition(|c| *c != 0).unwrap_or(f)),
        None => (zero + 1, zero + 1),
    };
    first = first.saturating_sub(1);
    if last < n - 1 {
        last += 1;
    }
    let labels = llquantize_labels(factor, low, high, steps, first >= zero);
    let label = |i: usize| -> Option<String> { labels.get(i).cloned().flatten() };
    let pad = if low == 0 && steps > factor {
        usize::from(steps / factor)
    } else {
        0
    };
    let first_label = label(first).or_else(|| {
        (1..pad)
            .filter_map(|k| first.checked_sub(k))
            .find_map(&label)
    });
    let last_label = label(last).or_else(|| (1..pad).map(|k| last + k).find_map(&label));
    let mut positives = false;
    let mut negatives = false;
    let mut sum = 0f64;
    for &c in &data[first..=last] {
        positives |= c > 0;
        negatives |= c < 0;
        sum += (c as f64).abs();
    }
    let mut out = graph_header();
    for (i, &c) in data.iter().enumerate().take(last + 1).skip(first) {
        let l = if i == first {
            first_label.clone()
        } else if i == last {
            last_label.clone()
        } else {
            label(i)
        };
        let Some(l) = l else { continue };
        out.push_str(&format!("{l:>16} "));
        out.push_str(&quantline(c, normal, sum, positives, negatives));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn printf_takes_star_widths_and_64_bit_ints() {
        let segs = ir::printf::parse_format_in("%d|%*d|%s\n", ir::printf::Dialect::Dtrace).unwrap();
        let out = super::printf(
            &segs,
            &[
                Value::Int(-5_000_000_000),
                Value::Int(4),
                Value::Int(7),
                Value::Str("x".into()),
            ],
        );
        assert_eq!(out, "-5000000000|   7|x\n");
    }

    use super::*;

    fn conv(spec: &str) -> Conversion {
        let segs =
            ir::printf::parse_format_in(spec, ir::printf::Dialect::Dtrace).unwrap_or_default();
        let first = ir::printf::conversions(&segs).next().cloned();
        first.unwrap_or_default()
    }

    #[test]
    fn quantize_graph_matches_the_notes_byte_for_byte() {
        // @ = quantize(3) twice, plus quantize(100).
        let mut b = vec![];
        for v in [3i64, 3, 100] {
            let i = abi::quantize_index(v);
            match b.iter_mut().find(|(j, _)| *j == i) {
                Some((_, c)) => *c += 1,
                None => b.push((i, 1)),
            }
        }
        let expected = "\n\
\x20          value  ------------- Distribution ------------- count    \n\
\x20              1 |                                         0        \n\
\x20              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@              2        \n\
\x20              4 |                                         0        \n\
\x20              8 |                                         0        \n\
\x20             16 |                                         0        \n\
\x20             32 |                                         0        \n\
\x20             64 |@@@@@@@@@@@@@                            1        \n\
\x20            128 |                                         0        \n";
        assert_eq!(quantize_graph(&b, 1), expected);
    }

    #[test]
    fn empty_quantize_shows_the_buckets_around_zero() {
        let g = quantize_graph(&[], 1);
        let labels: Vec<&str> = g.lines().skip(2).map(|l| l[..16].trim()).collect();
        assert_eq!(labels, ["-1", "0", "1"]);
    }

    #[test]
    fn negative_and_mixed_bars() {
        // All negative counts: bars right-aligned before the line.
        assert_eq!(
            quantline(-2, 1, 2.0, false, true),
            format!("{}| -2       \n", "@".repeat(40))
        );
        // Mixed: half-width bars around the centre line.
        assert_eq!(
            quantline(1, 1, 2.0, true, true),
            format!("{:20}|{}{} 1        \n", "", "@".repeat(10), " ".repeat(10))
        );
        assert_eq!(
            quantline(-1, 1, 2.0, true, true),
            format!("{}{}|{:20} -1       \n", " ".repeat(10), "@".repeat(10), "")
        );
    }

    #[test]
    fn lquantize_graph_has_underflow_and_overflow_labels() {
        // lquantize(x, 0, 100, 10) of 5, 15, 15 and 200.
        let b = vec![
            (abi::lquantize_index(5, 0, 10, 10), 1),
            (abi::lquantize_index(15, 0, 10, 10), 2),
            (abi::lquantize_index(200, 0, 10, 10), 1),
        ];
        let g = lquantize_graph(&b, 0, 10, 10, 1);
        let lines: Vec<&str> = g.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[2], format!("{:>16} |{:40} 0        ", "< 0", ""));
        assert_eq!(
            lines[3],
            format!(
                "{:>16} |{}{} 1        ",
                "0",
                "@".repeat(10),
                " ".repeat(30)
            )
        );
        assert_eq!(
            lines[4],
            format!(
                "{:>16} |{}{} 2        ",
                "10",
                "@".repeat(20),
                " ".repeat(20)
            )
        );
        assert_eq!(
            lines.last().copied(),
            Some(
                format!(
                    "{:>16} |{}{} 1        ",
                    ">= 100",
                    "@".repeat(10),
                    " ".repeat(30)
                )
                .as_str()
            )
        );
        assert_eq!(lines.len(), 2 + 12);
        // Nothing counted: the first three rows.
        let empty = lquantize_graph(&[], 0, 10, 10, 1);
        let labels: Vec<&str> = empty.lines().skip(2).map(|l| l[..16].trim()).collect();
        assert_eq!(labels, ["< 0", "0", "10"]);
    }

    #[test]
    fn llquantize_graph_skips_empty_buckets_and_labels_the_ends() {
        // llquantize(x, 10, 0, 1, 20) of 1, 2 and 15.
        let idx = |v| abi::llquantize_index(v, 10, 0, 1, 20);
        let b = vec![(idx(1), 1), (idx(2), 1), (idx(15), 2)];
        let g = llquantize_graph(&b, 10, 0, 1, 20, 1);
        let labels: Vec<&str> = g.lines().skip(2).map(|l| l[..16].trim()).collect();
        assert_eq!(
            labels,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "15", "20"]
        );
        // Nothing counted: the zero bucket and its neighbours.
        let empty = llquantize_graph(&[], 10, 2, 3, 10, 1);
        let labels: Vec<&str> = empty.lines().skip(2).map(|l| l[..16].trim()).collect();
        assert_eq!(labels, ["< 100", "100", "200"]);
    }

    #[test]
    fn exit_dump_orders_by_value_and_sizes_columns_by_type() {
        let count = Aggregation {
            name: "@".into(),
            key_types: vec![Type::Str { size: 256 }],
            entries: vec![
                (vec![Value::Str("bash".into())], AggValue::Scalar(12)),
                (vec![Value::Str("sshd".into())], AggValue::Scalar(3)),
            ],
            normal: 1,
        };
        let pairs = Aggregation {
            name: "@p".into(),
            key_types: vec![Type::I32, Type::I64],
            entries: vec![(vec![Value::Int(1), Value::Int(2)], AggValue::Scalar(2))],
            normal: 1,
        };
        let out = exit_dump(&[count, pairs], SortOptions::default());
        let expected = format!(
            "\n  {:<50} {:>16}\n  {:<50} {:>16}\n {:>8} {:>16} {:>16}\n",
            "sshd", 3, "bash", 12, 1, 2, 2
        );
        assert_eq!(out, expected);
        assert_eq!(
            key_column(&Value::Int(1), &Type::I32)
                + &key_column(&Value::Int(2), &Type::I32)
                + &value_column(&AggValue::Scalar(2), 1),
            "        1        2                2"
        );
    }

    #[test]
    fn keys_compare_unsigned_and_distributions_by_weighted_totals() {
        use std::cmp::Ordering;
        let t = [Type::I32, Type::Str { size: 8 }];
        let k = |i: i64, s: &str| vec![Value::Int(i), Value::Str(s.into())];
        // -1 is 0xffffffff as a 32-bit key: after 3.
        assert_eq!(cmp_keys(&k(-1, "a"), &k(3, "a"), &t, 0), Ordering::Greater);
        // aggsortkeypos=1: the string first, then the number.
        assert_eq!(cmp_keys(&k(-1, "a"), &k(3, "b"), &t, 1), Ordering::Less);
        assert_eq!(cmp_keys(&k(1, "a"), &k(0, "a"), &t, 1), Ordering::Greater);
        // lquantize: the underflow row weighs base - 1, the overflow row top + 1.
        let l = |b: Vec<(u64, i64)>| AggValue::Lquantize {
            base: 0,
            step: 10,
            levels: 2,
            buckets: b,
        };
        assert_eq!(weighted(&l(vec![(0, 2)])), (-2, 0));
        assert_eq!(weighted(&l(vec![(3, 1), (1, 4)])), (21, 4));
        assert_eq!(
            cmp_values(&l(vec![(0, 1)]), &l(vec![(1, 1)])),
            Ordering::Less
        );
        // Equal totals: the count at zero decides.
        let q = |b: Vec<(u64, i64)>| AggValue::Quantize(b);
        assert_eq!(
            cmp_values(&q(vec![(abi::QUANTIZE_ZERO, 1)]), &q(vec![])),
            Ordering::Greater
        );
    }

    #[test]
    fn sort_options_reverse_and_sort_by_key() {
        let a = Aggregation {
            name: "@".into(),
            key_types: vec![Type::I32],
            entries: vec![
                (vec![Value::Int(1)], AggValue::Scalar(30)),
                (vec![Value::Int(2)], AggValue::Scalar(10)),
                (vec![Value::Int(3)], AggValue::Scalar(20)),
            ],
            normal: 1,
        };
        let keys = |s: SortOptions| -> Vec<i64> {
            sorted(&a, s)
                .iter()
                .map(|(k, _)| match k[0] {
                    Value::Int(i) => i,
                    _ => 0,
                })
                .collect()
        };
        assert_eq!(keys(SortOptions::default()), [2, 3, 1]);
        assert_eq!(
            keys(SortOptions {
                reverse: true,
                ..SortOptions::default()
            }),
            [1, 3, 2]
        );
        assert_eq!(
            keys(SortOptions {
                by_key: true,
                ..SortOptions::default()
            }),
            [1, 2, 3]
        );
    }

    #[test]
    fn printa_with_and_without_a_format() {
        let c = Aggregation {
            name: "@c".into(),
            key_types: vec![Type::Str { size: 256 }],
            entries: vec![
                (vec![Value::Str("a".into())], AggValue::Scalar(3)),
                (vec![Value::Str("b".into())], AggValue::Scalar(1)),
            ],
            normal: 1,
        };
        let segs = ir::printf::parse_format_in("%s %@d\n", ir::printf::Dialect::Dtrace)
            .unwrap_or_default();
        assert_eq!(
            printa_format(&segs, std::slice::from_ref(&c), SortOptions::default()),
            "b 1\na 3\n"
        );
        let segs = ir::printf::parse_format_in("%-16s %@8d\n", ir::printf::Dialect::Dtrace)
            .unwrap_or_default();
        assert_eq!(
            printa_format(&segs, std::slice::from_ref(&c), SortOptions::default()),
            format!("{:<16} {:>8}\n{:<16} {:>8}\n", "b", 1, "a", 3)
        );
        assert_eq!(
            printa_default(&[c], SortOptions::default()),
            format!("\n  {:<50} {:>16}\n  {:<50} {:>16}\n", "b", 1, "a", 3)
        );
    }

    #[test]
    fn printa_of_a_distribution_prints_its_graph() {
        let q = Aggregation {
            name: "@q".into(),
            key_types: vec![Type::I32],
            entries: vec![(vec![Value::Int(7)], AggValue::Quantize(vec![(64, 1)]))],
            normal: 1,
        };
        let segs = ir::printf::parse_format_in("pid %d:%@d\n", ir::printf::Dialect::Dtrace)
            .unwrap_or_default();
        let out = printa_format(&segs, &[q], SortOptions::default());
        assert_eq!(out, format!("pid 7:{}\n", quantize_graph(&[(64, 1)], 1)));
    }

    #[test]
    fn normalize_avg_and_stddev_values() {
        assert_eq!(
            value_column(&AggValue::Scalar(4096), 1024),
            format!(" {:>16}", 4)
        );
        assert_eq!(
            value_column(
                &AggValue::Avg {
                    count: 4,
                    total: 10
                },
                1
            ),
            format!(" {:>16}", 2)
        );
        let sq: u128 = [2i64, 4, 4, 4, 5, 5, 7, 9]
            .iter()
            .map(|v| (v * v) as u128)
            .sum();
        assert_eq!(
            value_column(
                &AggValue::Stddev {
                    count: 8,
                    total: 40,
                    squares: sq
                },
                1
            ),
            format!(" {:>16}", 2)
        );
    }

    fn sym(name: &str, offset: u64, module: Option<&str>) -> Option<crate::value::Sym> {
        Some(crate::value::Sym {
            name: name.into(),
            offset,
            module: module.map(str::to_string),
        })
    }

    #[test]
    fn stacks_and_symbols_print_as_dtrace_does() {
        use crate::value::{Frame, Stack, Symbol};
        let kstack = Stack {
            kernel: true,
            mode: ir::StackMode::Bpftrace,
            pid: 0,
            frames: vec![
                Frame {
                    addr: 0xffff_1000,
                    sym: sym("ksys_read", 0x6e, None),
                },
                Frame {
                    addr: 0xffff_2000,
                    sym: sym("do_syscall_64", 0, None),
                },
                Frame {
                    addr: 0xffff_3000,
                    sym: None,
                },
                Frame { addr: 0, sym: None },
                Frame {
                    addr: 0xffff_4000,
                    sym: sym("after_the_end", 1, None),
                },
            ],
        };
        assert_eq!(
            stack_block(&kstack, 14),
            "\n              vmlinux`ksys_read+0x6e\n              vmlinux`do_syscall_64\n              0xffff3000\n"
        );
        assert_eq!(
            stack_block(&kstack, 2).lines().nth(1),
            Some("  vmlinux`ksys_read+0x6e")
        );
        let ustack = Stack {
            kernel: false,
            mode: ir::StackMode::Bpftrace,
            pid: 7,
            frames: vec![Frame {
                addr: 0x401a,
                sym: sym("malloc", 0x1a, Some("/usr/lib/x86_64-linux-gnu/libc.so.6")),
            }],
        };
        assert_eq!(stack_block(&ustack, 4), "\n    libc.so.6`malloc+0x1a\n");
        let s = |kernel, addr, found| {
            Value::Symbol(Symbol {
                kernel,
                module: false,
                pid: 7,
                addr,
                sym: found,
            })
        };
        let k = s(true, 0xffff_1006, sym("vfs_read", 6, None));
        let u = s(false, 0x401a, sym("main", 0x1a, Some("/bin/prog")));
        let unknown = s(true, 0x1234, None);
        let conv = |c: &str| Conversion {
            conv: c.into(),
            ..Conversion::default()
        };
        assert_eq!(conversion(&conv("a"), &k), "vmlinux`vfs_read+0x6");
        assert_eq!(conversion(&conv("A"), &u), "prog`main+0x1a");
        assert_eq!(conversion(&conv("a"), &unknown), "0x1234");
        assert_eq!(conversion(&conv("a"), &Value::Uint(0x99)), "0x99");
        // sym()/usym() values: no offset; trace() and keys pad them like strings.
        assert_eq!(plain(&k), "vmlinux`vfs_read");
        assert_eq!(plain(&u), "prog`main");
        assert_eq!(
            trace(
                &k,
                &Type::Symbol {
                    kernel: true,
                    module: false
                },
                false
            ),
            format!("  {:<50}", "vmlinux`vfs_read")
        );
        assert_eq!(
            key_column(
                &u,
                &Type::Symbol {
                    kernel: false,
                    module: false
                }
            ),
            format!("  {:<50}", "prog`main")
        );
    }

    #[test]
    fn y_p_and_float_conversions() {
        let conv = |c: &str, precision: Option<usize>| Conversion {
            conv: c.into(),
            precision,
            ..Conversion::default()
        };
        assert_eq!(
            conversion(&conv("Y", None), &Value::Int(1_700_000_000_123_456_789)),
            "2023 Nov 14 22:13:20"
        );
        assert_eq!(
            conversion(&conv("Y", None), &Value::Int(1_704_445_387_000_000_000)),
            "2024 Jan  5 09:03:07"
        );
        assert_eq!(conversion(&conv("p", None), &Value::Uint(0x1000)), "0x1000");
        assert_eq!(conversion(&conv("p", None), &Value::Uint(0)), "(nil)");
        assert_eq!(conversion(&conv("f", None), &Value::Int(-3)), "-3.000000");
        assert_eq!(conversion(&conv("e", Some(3)), &Value::Int(0)), "0.000e+00");
        assert_eq!(
            conversion(&conv("g", None), &Value::Int(123456789)),
            "1.23457e+08"
        );
        assert_eq!(conversion(&conv("g", None), &Value::Int(42)), "42");
        assert_eq!(
            conversion(&conv("G", Some(2)), &Value::Int(1500)),
            "1.5E+03"
        );
        assert_eq!(conversion(&conv("C", None), &Value::Int(7)), "\\a");
    }

    #[test]
    fn trace_widths_quiet_and_not() {
        let s = Value::Str("hi".into());
        assert_eq!(
            trace(&s, &Type::Str { size: 256 }, false),
            format!("  {:<33}", "hi")
        );
        assert_eq!(trace(&s, &Type::Str { size: 256 }, true), "hi");
        assert_eq!(
            trace(&Value::Int(42), &Type::I32, false),
            format!(" {:>10}", 42)
        );
        assert_eq!(
            trace(&Value::Int(-1), &Type::I64, false),
            format!(" {:>19}", -1)
        );
        assert_eq!(
            trace(&Value::Uint(7), &Type::U64, false),
            format!(" {:>20}", 7)
        );
        assert_eq!(trace(&Value::Int(7), &Type::int(16, true), false), "     7");
        assert_eq!(trace(&Value::Int(7), &Type::int(8, true), false), "   7");
        assert_eq!(trace(&Value::Int(42), &Type::I32, true), "42");
    }

    #[test]
    fn record_prefix_and_header_in_both_modes() {
        assert_eq!(
            header(false),
            "CPU     ID                    FUNCTION:NAME\n"
        );
        assert_eq!(
            record_prefix(1, 1, ":BEGIN", false),
            "  1      1                           :BEGIN "
        );
        // The notes' example: a BEGIN record tracing "hello".
        let line = record_prefix(1, 1, ":BEGIN", false)
            + &trace(&Value::Str("hello".into()), &Type::Str { size: 256 }, false);
        assert!(line.starts_with("  1      1                           :BEGIN   hello"));
        assert_eq!(header(true), "                   FUNCTION:NAME\n");
        assert_eq!(
            record_prefix(0, 9, ":BEGIN", true),
            "                          :BEGIN "
        );
    }

    #[test]
    fn c_conversions_of_key_columns() {
        assert_eq!(conversion(&conv("%5d"), &Value::Int(-42)), "  -42");
        assert_eq!(conversion(&conv("%-5d|"), &Value::Int(7)), "7    ");
        assert_eq!(conversion(&conv("%05d"), &Value::Int(-7)), "-0007");
        assert_eq!(conversion(&conv("%x"), &Value::Int(255)), "ff");
        assert_eq!(conversion(&conv("%#X"), &Value::Uint(255)), "0XFF");
        assert_eq!(
            conversion(&conv("%d"), &Value::Int(1 << 40)),
            (1i64 << 40).to_string()
        );
        assert_eq!(conversion(&conv("%.2s"), &Value::Str("abc".into())), "ab");
        assert_eq!(
            conversion(&conv("%S"), &Value::Str("-bash\0".into())),
            "-bash\\0"
        );
    }
}
