//! bpftrace's default text output: `print()` of values, map blocks (`print(@m, top, div)`), the
//! map dump at exit, and `time()`.
//!
//! Formats follow the newest bpftrace (see `/work/shared/notes/bpftrace-language.md`, sections
//! (d), (g) and (h)). Facts the notes do not pin down were checked against the newest bpftrace's
//! published output code and Debian's bpftrace 0.17 on this machine; each one is written down next
//! to the code that depends on it.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::value::{AvgState, Buckets, MapEntries, MapSnapshot, Value};

/// Width of a histogram bar, in characters.
const BAR_WIDTH: usize = 52;

/// `print(v)` of a value: ints in decimal, strings and probe names raw, tuples `(1, a)` (fields
/// separated by `, `), records `{ .a = 1, .b = 2 }` (`{}` when empty), arrays `[1,2]` (no spaces),
/// bools `true`/`false`, buffers hex-escaped ([`escape_buffer`]), pointers `0x` + lowercase hex.
///
/// Strings inside tuples and records are **not** quoted: the newest bpftrace's text emitter writes
/// every string raw at any depth, and its runtime test "tuple print" expects
/// `@: (1, 2, string, (4, 5))`; 0.17 on this machine prints `print((1, "hello"))` as
/// `(1, hello)` too. (The team notes say "quoted inside tuples"; bpftrace issue #2998 proposed that
/// but its PR #3029 was closed unmerged.)
///
/// No trailing newline; the caller adds it.
pub fn format_value(v: &Value) -> String {
    let mut pieces = Vec::new();
    value_pieces(v, false, &mut pieces);
    pieces.concat()
}

/// The pieces `v` is written as, in order: bpftrace writes values to a C++ stream piece by piece
/// (a tuple is `(`, its fields and `, ` separators, then `)`), which matters for `printf("%10s")`
/// where the width applies to the first piece only. With `plus`, non-negative signed integers get
/// a `+` (the stream's `showpos`, set by `%+s`).
pub(crate) fn value_pieces(v: &Value, plus: bool, out: &mut Vec<String>) {
    match v {
        Value::Int(i) if plus && *i >= 0 => out.push(format!("+{i}")),
        Value::Int(i) => out.push(i.to_string()),
        Value::Uint(u) => out.push(u.to_string()),
        Value::Bool(b) => out.push(if *b { "true" } else { "false" }.to_string()),
        Value::Str(s) | Value::ProbeName(s) => out.push(s.clone()),
        Value::Buffer(b) => out.push(escape_buffer(b)),
        Value::Pointer(p) => out.push(format!("0x{p:x}")),
        Value::Stack(stack) => out.push(format_stack(stack)),
        Value::Symbol(sym) => out.push(format_symbol(sym)),
        Value::Tuple(fields) => {
            out.push("(".into());
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(", ".into());
                }
                value_pieces(f, plus, out);
            }
            out.push(")".into());
        }
        Value::Array(elems) => {
            out.push("[".into());
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    out.push(",".into());
                }
                value_pieces(e, plus, out);
            }
            out.push("]".into());
        }
        Value::Record(fields) => {
            if fields.is_empty() {
                out.push("{}".into());
                return;
            }
            out.push("{ ".into());
            for (i, (name, f)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(", ".into());
                }
                out.push(".".into());
                out.push(name.clone());
                out.push(" = ".into());
                value_pieces(f, plus, out);
            }
            out.push(" }".into());
        }
    }
}

/// Indentation of a frame of a stack printed in bpftrace mode: the newest bpftrace formats every
/// stack (value, map key, printf argument) with 8 spaces. (0.17 used 4 spaces for map keys.)
const STACK_INDENT: &str = "        ";

/// A stack as the newest bpftrace prints it (`BPFtrace::get_stack`): a newline, then one line per
/// frame, innermost first:
/// - `bpftrace` mode: 8 spaces and `symbol+offset`;
/// - `perf` mode: a tab, the address in lowercase hex without `0x`, a space and `symbol+offset`,
///   user frames followed by ` (module)`;
/// - `raw` mode: the address in lowercase hex without `0x`, not indented.
///
/// An unknown address prints as `0x` + hex (`0x... ([unknown])` for user frames in perf mode).
/// An empty stack is just the newline.
pub fn format_stack(stack: &crate::value::Stack) -> String {
    let mut out = String::from("\n");
    for f in &stack.frames {
        match stack.mode {
            ir::StackMode::Raw => {
                let _ = writeln!(out, "{:x}", f.addr);
            }
            ir::StackMode::Bpftrace => {
                let _ = writeln!(
                    out,
                    "{STACK_INDENT}{}",
                    symbol_text(f.addr, f.sym.as_ref(), true, false)
                );
            }
            ir::StackMode::Perf => {
                let _ = writeln!(
                    out,
                    "\t{:x} {}",
                    f.addr,
                    symbol_text(f.addr, f.sym.as_ref(), true, !stack.kernel)
                );
            }
        }
    }
    out
}

/// A `ksym`/`usym`/`func` value: the symbol name without offset, or `0x` + hex when unknown.
pub fn format_symbol(sym: &crate::value::Symbol) -> String {
    symbol_text(sym.addr, sym.sym.as_ref(), false, false)
}

/// `name`, `name+offset` with `offset`, and ` (module)` (or ` ([unknown])`) with `module`;
/// an unknown address is `0x` + lowercase hex (C++'s `void*` output: `0` for null).
fn symbol_text(addr: u64, sym: Option<&crate::value::Sym>, offset: bool, module: bool) -> String {
    let mut out = match sym {
        Some(s) if offset => format!("{}+{}", s.name, s.offset),
        Some(s) => s.name.clone(),
        None if addr == 0 => "0".to_string(),
        None => format!("0x{addr:x}"),
    };
    if module {
        match sym.and_then(|s| s.module.as_deref()) {
            Some(m) => {
                let _ = write!(out, " ({m})");
            }
            None => out.push_str(" ([unknown])"),
        }
    }
    out
}

/// Hex-escapes a buffer the way bpftrace prints `buf()` values (and `%r`): printable ASCII
/// (0x20..=0x7e) as is, every other byte as `\xNN` with two lowercase hex digits.
pub fn escape_buffer(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..=0x7e).contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// A map key as printed between the brackets of `@m[...]`: the key's text form, with the
/// parentheses of a tuple (multi-key) key stripped on this line only (`@m[a, 2]`). bpftrace strips
/// them textually: any key text that starts with `(` and ends with `)` loses them.
fn format_key(key: &Value) -> String {
    let s = format_value(key);
    if s.len() >= 2 && s.starts_with('(') && s.ends_with(')') {
        s[1..s.len() - 1].to_string()
    } else {
        s
    }
}

/// `@name` or `@name[key]`.
fn entry_name(map: &str, key: Option<&Value>) -> String {
    match key {
        Some(k) => format!("{map}[{}]", format_key(k)),
        None => map.to_string(),
    }
}

/// Divides a numeric value by `div` (truncating toward zero, as C does); other values are kept.
pub(crate) fn divide(v: &Value, div: u64) -> Value {
    match v {
        Value::Int(i) => Value::Int((i128::from(*i) / i128::from(div)) as i64),
        Value::Uint(u) => Value::Uint(u / div),
        other => other.clone(),
    }
}

/// Orders two optional keys (scalar entries have none and sort first).
pub(crate) fn cmp_keys(a: &Option<Value>, b: &Option<Value>) -> Ordering {
    a.cmp(b)
}

/// Keeps the last `top` items (all when `top` is 0).
pub(crate) fn keep_top<T>(items: Vec<T>, top: u64) -> Vec<T> {
    let len = items.len();
    let top = usize::try_from(top).unwrap_or(usize::MAX);
    if top == 0 || len <= top {
        items
    } else {
        items.into_iter().skip(len - top).collect()
    }
}

/// One map's block exactly as `print(@m, top, div)` prints it (top 0 = all, div 1 = as is).
///
/// Entries are sorted as the newest bpftrace sorts them: plain values, `count`, `sum`, `min` and
/// `max` by value ascending, `avg` and `stats` by average, `hist`/`lhist` by their total count,
/// and maps flagged `sort_by_value: false` by key. Ties are broken by key so the output is
/// deterministic (bpftrace leaves their order to its hash table). `top` keeps the last `top`
/// entries after sorting; `div` (0 counts as 1, as in bpftrace) divides plain values, the average
/// of `avg`/`stats` (not their count or total) and `hist` bucket counts, but not `lhist` counts
/// (newest bpftrace: "div has no effect on linear histograms").
///
/// An empty scalar map prints its zero value (`@x: 0`); an empty keyed map prints nothing.
pub fn format_map(map: &MapSnapshot, top: u64, div: u64) -> String {
    let div = div.max(1);
    let mut out = String::new();
    match &map.entries {
        MapEntries::Values {
            entries,
            sort_by_value,
        } => {
            let sorted = sort_values(entries, *sort_by_value);
            if sorted.is_empty() && !map.keyed {
                let _ = writeln!(out, "{}: 0", map.name);
            }
            for (key, value) in keep_top(sorted, top) {
                let _ = writeln!(
                    out,
                    "{}: {}",
                    entry_name(&map.name, key.as_ref()),
                    format_value(&divide(value, div))
                );
            }
        }
        MapEntries::Avg(entries) | MapEntries::Stats(entries) => {
            let stats = matches!(map.entries, MapEntries::Stats(_));
            let sorted = sort_avgs(entries);
            if sorted.is_empty() && !map.keyed {
                let _ = writeln!(
                    out,
                    "{}: {}",
                    map.name,
                    format_avg(&AvgState::default(), stats, div)
                );
            }
            for (key, state) in keep_top(sorted, top) {
                let _ = writeln!(
                    out,
                    "{}: {}",
                    entry_name(&map.name, key.as_ref()),
                    format_avg(state, stats, div)
                );
            }
        }
        MapEntries::Hist { k, entries } => {
            let k = (*k).min(MAX_HIST_K);
            for (key, buckets) in keep_top(sort_hists(entries), top) {
                let _ = writeln!(out, "{}:", entry_name(&map.name, key.as_ref()));
                let rows = hist_rows(buckets, k, div);
                write_rows(&mut out, &rows);
                out.push('\n');
            }
        }
        MapEntries::Lhist {
            min,
            max,
            step,
            entries,
        } => {
            for (key, buckets) in keep_top(sort_hists(entries), top) {
                let _ = writeln!(out, "{}:", entry_name(&map.name, key.as_ref()));
                let rows = lhist_rows(buckets, *min, *max, *step);
                write_rows(&mut out, &rows);
                out.push('\n');
            }
        }
        // D's aggregations print through `dtrace_text`.
        MapEntries::Dist(_) | MapEntries::Stddev(_) => {}
        MapEntries::Tseries {
            interval_ns,
            entries,
        } => {
            if entries.is_empty() && !map.keyed {
                let _ = writeln!(out, "{}:\n<no data>\n", map.name);
            }
            for (key, series) in keep_top(sort_series(entries), top) {
                let _ = writeln!(out, "{}:", entry_name(&map.name, key.as_ref()));
                out.push_str(&super::tseries::chart(series, *interval_ns, div));
                out.push('\n');
            }
        }
    }
    out
}

/// Time series in print order: by key.
pub(crate) fn sort_series(
    entries: &[(Option<Value>, crate::value::Series)],
) -> Vec<(&Option<Value>, &crate::value::Series)> {
    let mut sorted: Vec<_> = entries.iter().map(|(k, s)| (k, s)).collect();
    sorted.sort_by(|a, b| cmp_keys(a.0, b.0));
    sorted
}

/// Plain-value entries in print order: by value ascending (ties by key) when `sort_by_value` and
/// every value is a number, else by key.
pub(crate) fn sort_values(
    entries: &[(Option<Value>, Value)],
    sort_by_value: bool,
) -> Vec<&(Option<Value>, Value)> {
    let mut sorted: Vec<&(Option<Value>, Value)> = entries.iter().collect();
    let numeric = entries.iter().all(|(_, v)| v.as_i128().is_some());
    if sort_by_value && numeric {
        sorted.sort_by(|a, b| {
            a.1.as_i128()
                .cmp(&b.1.as_i128())
                .then_with(|| cmp_keys(&a.0, &b.0))
        });
    } else {
        sorted.sort_by(|a, b| cmp_keys(&a.0, &b.0).then_with(|| a.1.cmp(&b.1)));
    }
    sorted
}

/// `avg`/`stats` entries in print order: by average ascending, ties by key.
pub(crate) fn sort_avgs(entries: &[(Option<Value>, AvgState)]) -> Vec<&(Option<Value>, AvgState)> {
    let mut sorted: Vec<&(Option<Value>, AvgState)> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        a.1.average()
            .cmp(&b.1.average())
            .then_with(|| cmp_keys(&a.0, &b.0))
    });
    sorted
}

/// The text of an `avg` value (`2`) or a `stats` value (`{ .count = 3, .average = 2, .total = 6 }`,
/// the newest format; 0.17 printed `count 3, average 2, total 6`). `div` divides the average only.
fn format_avg(state: &AvgState, stats: bool, div: u64) -> String {
    let average = (i128::from(state.average()) / i128::from(div)) as i64;
    if stats {
        format!(
            "{{ .count = {}, .average = {average}, .total = {} }}",
            state.count, state.total
        )
    } else {
        average.to_string()
    }
}

/// Sorts histogram entries by total count ascending, then by key.
pub(crate) fn sort_hists(entries: &[(Option<Value>, Buckets)]) -> Vec<(&Option<Value>, &Buckets)> {
    let total = |b: &Buckets| b.iter().fold(0u128, |acc, (_, c)| acc + u128::from(*c));
    let mut sorted: Vec<(&Option<Value>, &Buckets)> = entries.iter().map(|(k, b)| (k, b)).collect();
    sorted.sort_by(|a, b| total(a.1).cmp(&total(b.1)).then_with(|| cmp_keys(a.0, b.0)));
    sorted
}

/// Largest `k` of `hist(n, k)` bpftrace accepts.
pub(crate) const MAX_HIST_K: u8 = 5;

/// Writes histogram rows: label left-aligned in 16 columns, count right-aligned in 8, ` |`, the
/// bar left-aligned in 52 columns, `|`.
///
/// The bar length is computed as the newest bpftrace computes it, in single-precision floating
/// point: `(int)((count / (float)max) * 52)`. That is floor(count * 52 / max) except where the
/// float quotient rounds just below an integer.
fn write_rows(out: &mut String, rows: &[(String, u64)]) {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    for (label, count) in rows {
        let bar = bar_len(*count, max);
        let _ = writeln!(
            out,
            "{label:<16}{count:>8} |{:<BAR_WIDTH$}|",
            "@".repeat(bar)
        );
    }
}

/// Number of `@` characters for `count` out of `max` (0 when `max` is 0).
fn bar_len(count: u64, max: u64) -> usize {
    if max == 0 {
        return 0;
    }
    let frac = count as f32 / max as f32;
    let len = frac * BAR_WIDTH as f32;
    (len as usize).min(BAR_WIDTH)
}

/// Most rows one histogram block prints.
const MAX_ROWS: u64 = 1 << 20;

/// Sums counts per bucket index, dropping indexes above `limit`, and returns (index, count) sorted
/// by index together with the first and last index holding a non-zero count.
pub(crate) fn dense(buckets: &Buckets, limit: u64) -> Option<(Vec<u64>, u64)> {
    let mut sums = std::collections::BTreeMap::<u64, u64>::new();
    for &(i, c) in buckets {
        if i <= limit && c > 0 {
            let e = sums.entry(i).or_insert(0);
            *e = e.saturating_add(c);
        }
    }
    let first = *sums.keys().next()?;
    // At most MAX_ROWS rows: only absurd index spans (corrupt data) are cut.
    let last = (*sums.keys().next_back()?).min(first.saturating_add(MAX_ROWS - 1));
    let counts = (first..=last)
        .map(|i| sums.get(&i).copied().unwrap_or(0))
        .collect();
    Some((counts, first))
}

/// The text of a `hist` bound: K/M/G/T/P/E by powers of 1024, chosen (as bpftrace chooses them)
/// from the power of two of the bucket: a bound `2^p * m` with `m` in `[2^k, 2^(k+1))` gets the
/// suffix for `p / 10` and prints `bound >> (10 * (p / 10))`. For k = 0 this is simply "multiples of
/// 1024 get a suffix"; with sub-buckets e.g. `hist(n, 2)` prints `[3584, 4K)` but `[3584K, 4M)`.
fn hist_label(bound: i128, k: u8) -> String {
    if bound <= 0 {
        return bound.to_string();
    }
    let msb = 127 - bound.leading_zeros();
    let power = msb.saturating_sub(u32::from(k));
    let decade = (power / 10).min(6);
    if decade == 0 {
        return bound.to_string();
    }
    let suffix = ['K', 'M', 'G', 'T', 'P', 'E'][decade as usize - 1];
    format!("{}{suffix}", bound >> (10 * decade))
}

/// Rows of a `hist(n, k)` block: every bucket from the first to the last non-zero one.
///
/// Labels: `(..., 0)` for negative values, `[v]` for buckets holding one value, `[lo, hi)`
/// otherwise. Counts are divided by `div`.
fn hist_rows(buckets: &Buckets, k: u8, div: u64) -> Vec<(String, u64)> {
    let limit = ir::abi::hist_index(i64::MAX, k);
    let Some((counts, first)) = dense(buckets, limit) else {
        return Vec::new();
    };
    counts
        .iter()
        .enumerate()
        .map(|(j, &count)| {
            let i = first + j as u64;
            let (lo, hi) = ir::abi::hist_bounds(i, k);
            let label = if i == 0 {
                "(..., 0)".to_string()
            } else if hi - lo == 1 {
                format!("[{lo}]")
            } else {
                format!("[{}, {})", hist_label(lo, k), hist_label(hi, k))
            };
            (label, count / div)
        })
        .collect()
}

/// The text of an `lhist` bound: plain unless `step` is a multiple of 1024, then `NM` for
/// multiples of 1024*1024, `NK` for multiples of 1024, plain otherwise (0 stays `0`).
fn lhist_label(n: i128, step: i64) -> String {
    const KILO: i128 = 1024;
    const MEGA: i128 = 1024 * 1024;
    if step % 1024 != 0 || n == 0 {
        n.to_string()
    } else if n % MEGA == 0 {
        format!("{}M", n / MEGA)
    } else if n % KILO == 0 {
        format!("{}K", n / KILO)
    } else {
        n.to_string()
    }
}

/// Rows of an `lhist(n, min, max, step)` block: every bucket from the first to the last non-zero
/// one. Labels: `(..., MIN)` below range, `[MAX, ...)` at or above (the lower bound of the overflow
/// bucket is the end of the last in-range bucket), `[lo, hi)` inside, `[lo]` when `step` is 1 and
/// not a multiple of 1024 (newest bpftrace prints one-value buckets that way; 0.17 printed
/// `[lo, hi)`).
fn lhist_rows(buckets: &Buckets, min: i64, max: i64, step: i64) -> Vec<(String, u64)> {
    let step = step.max(1);
    // Same count as `ir::abi::lhist_buckets`, computed without overflow for any min/max.
    let n = if max > min {
        u64::try_from((i128::from(max) - i128::from(min)) / i128::from(step)).unwrap_or(u64::MAX)
    } else {
        0
    };
    let Some((counts, first)) = dense(buckets, n.saturating_add(1)) else {
        return Vec::new();
    };
    let (min, step128) = (i128::from(min), i128::from(step));
    counts
        .iter()
        .enumerate()
        .map(|(j, &count)| {
            let i = first + j as u64;
            let lo = min + (i128::from(i) - 1) * step128;
            let hi = lo + step128;
            let label = if i == 0 {
                format!("(..., {})", lhist_label(min, step))
            } else if i > n {
                format!("[{}, ...)", lhist_label(lo, step))
            } else if step == 1 {
                format!("[{}]", lhist_label(lo, step))
            } else {
                format!("[{}, {})", lhist_label(lo, step), lhist_label(hi, step))
            };
            (label, count)
        })
        .collect()
}

/// True when a snapshot holds no entries (such maps are not printed at exit).
pub(crate) fn is_empty(map: &MapSnapshot) -> bool {
    match &map.entries {
        MapEntries::Values { entries, .. } => entries.is_empty(),
        MapEntries::Avg(e) | MapEntries::Stats(e) => e.is_empty(),
        MapEntries::Hist { entries, .. } | MapEntries::Lhist { entries, .. } => entries.is_empty(),
        MapEntries::Dist(e) => e.is_empty(),
        MapEntries::Stddev(e) => e.is_empty(),
        MapEntries::Tseries { entries, .. } => entries.is_empty(),
    }
}

/// What bpftrace prints at exit: two blank lines (`\n\n`), then every non-empty map in map-name
/// order, each as [`format_map`] prints it with no `top` and no `div`.
pub fn format_exit_dump(maps: &[MapSnapshot]) -> String {
    let mut sorted: Vec<&MapSnapshot> = maps.iter().filter(|m| !is_empty(m)).collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::from("\n\n");
    for m in sorted {
        out.push_str(&format_map(m, 0, 1));
    }
    out
}

/// What bpftrace prints on SIGUSR1: every non-empty map in map-name order, like the exit dump but
/// without its two leading blank lines (checked with 0.17 on this machine).
pub fn format_all_maps(maps: &[MapSnapshot]) -> String {
    let mut sorted: Vec<&MapSnapshot> = maps.iter().filter(|m| !is_empty(m)).collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.iter().map(|m| format_map(m, 0, 1)).collect()
}

/// `time(fmt)`: `now` formatted with C `strftime` conversions in local time. The format ends at
/// the first NUL byte; an empty result prints nothing.
pub fn format_time(fmt: &str, now: std::time::SystemTime) -> String {
    let fmt = fmt.split('\0').next().unwrap_or("");
    if fmt.is_empty() {
        return String::new();
    }
    let secs = match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let Ok(cfmt) = std::ffi::CString::new(fmt) else {
        return String::new();
    };
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: `tm` is plain old data, fully written by localtime_r before it is read.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return String::new();
    }
    // strftime returns 0 both for "did not fit" and for an empty result; grow the buffer a few
    // times and give up (printing nothing) on formats that still produce nothing.
    let mut size = 256usize;
    while size <= 1 << 20 {
        let mut buf = vec![0u8; size];
        // SAFETY: buf has `size` writable bytes, cfmt is NUL-terminated and tm is initialised.
        let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), size, cfmt.as_ptr(), &tm) };
        if n > 0 {
            buf.truncate(n);
            return String::from_utf8_lossy(&buf).into_owned();
        }
        size *= 4;
    }
    String::new()
}
