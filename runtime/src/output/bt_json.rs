//! bpftrace's JSON output (`-f json`): newline-delimited JSON, one object per line, each with a
//! `"type"` and (mostly) a `"data"` member.
//!
//! Shapes follow the team notes (`bpftrace-language.md` (d) and (g)) and were compared with
//! Debian's bpftrace 0.17 on this machine, which agrees except where noted:
//!
//! - `attached_probes` carries a top-level `"count"` (newest; 0.17 had only `data.probes`);
//! - the exit dump has no leading blank lines (0.17 wrote the text mode's `\n\n` even in JSON
//!   mode, which breaks NDJSON);
//! - `avg` maps print as type `stats` with the average as the value (0.17 does the same).
//!
//! Separators are bpftrace's: `", "` and `": "` between members of the line object, of map
//! objects, of histogram buckets and of stats; values printed with `print()` (tuples → arrays,
//! records → objects) are written compactly (`[1,"s"]`), as 0.17 writes them.
//!
//! A small hand-written writer instead of `serde_json`: the exact separators above are not
//! serde_json's (compact has no spaces, pretty has newlines), and escaping is a few lines.

use std::fmt::Write as _;

use crate::output::bt_text::{
    self, dense, divide, is_empty, keep_top, sort_avgs, sort_hists, sort_values, MAX_HIST_K,
};
use crate::value::{AvgState, Buckets, MapEntries, MapSnapshot, Value};

/// Appends `s` as a JSON string literal (quotes included), escaping `"`, `\` and every control
/// character (`\n`, `\t`, `\r`, `\b`, `\f` by name, others as `\u00XX`).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::new();
    write_string(&mut out, s);
    out
}

/// Appends a value as JSON: integers as numbers, booleans, strings and probe names as strings,
/// buffers as their hex-escaped text ([`bt_text::escape_buffer`]), pointers as `"0x..."` strings,
/// tuples and arrays as arrays, records as objects, anything else (stacks, symbols) as its text
/// form. Compact (no spaces).
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Str(s) | Value::ProbeName(s) => write_string(out, s),
        Value::Buffer(b) => write_string(out, &bt_text::escape_buffer(b)),
        Value::Pointer(p) => write_string(out, &format!("0x{p:x}")),
        Value::Stack(_) | Value::Symbol(_) => write_string(out, &bt_text::format_value(v)),
        Value::Tuple(items) | Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Record(fields) => {
            out.push('{');
            for (i, (name, f)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, f);
            }
            out.push('}');
        }
        // Stacks and symbols: their text form, as one string.
        #[allow(unreachable_patterns)]
        other => write_string(out, &bt_text::format_value(other)),
    }
}

/// The text of a map key used as a JSON object key (before quoting): a tuple (multi-key) key is
/// its fields' text forms joined by `,` without spaces (`"bpftrace,2"`), any other key its text
/// form as `print()` writes it.
pub fn key_text(key: &Value) -> String {
    match key {
        Value::Tuple(fields) => fields
            .iter()
            .map(bt_text::format_value)
            .collect::<Vec<_>>()
            .join(","),
        other => bt_text::format_value(other),
    }
}

/// One line `{"type": TYPE, "data": DATA}\n` around already-encoded `data`.
fn line(kind: &str, data: &str) -> String {
    format!("{{\"type\": \"{kind}\", \"data\": {data}}}\n")
}

/// `{"type": "attached_probes", "count": N, "data": {"probes": N}}` (newest shape; 0.17 had no
/// top-level `count`).
pub fn format_attached(count: usize) -> String {
    format!("{{\"type\": \"attached_probes\", \"count\": {count}, \"data\": {{\"probes\": {count}}}}}\n")
}

/// `{"type": "lost_events", "count": N, "data": {"events": N}}`.
pub fn format_lost_events(count: u64) -> String {
    format!(
        "{{\"type\": \"lost_events\", \"count\": {count}, \"data\": {{\"events\": {count}}}}}\n"
    )
}

/// Output of `cat` (`kind` "cat") or `system` ("syscall"): `{"type": KIND, "data": "TEXT"}`.
pub fn format_text_output(kind: &str, text: &str) -> String {
    line(kind, &string(text))
}

/// `errorf` / `warnf` in JSON: `{"type": "errorf", "msg": "...", "filename": "stdin", "line": 1,
/// "col": 9}`, from the `file:line:col[-col]` location the front end computed.
pub fn format_diagnostic(error: bool, location: &str, msg: &str) -> String {
    let (filename, line_no, col) = split_location(location);
    format!(
        "{{\"type\": \"{}\", \"msg\": {}, \"filename\": {}, \"line\": {line_no}, \"col\": {col}}}\n",
        if error { "errorf" } else { "warnf" },
        string(msg),
        string(filename)
    )
}

/// `file:line:col[-col]` as (file, line, col); the file name may itself contain colons.
fn split_location(location: &str) -> (&str, u64, u64) {
    let mut parts = location.rsplitn(3, ':');
    let cols = parts.next().unwrap_or("");
    let line_no = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    let file = parts.next().unwrap_or("");
    let col = cols
        .split('-')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (file, line_no, col)
}

/// `-k`: a BPF helper failed, `{"type": "helper_error", "msg": "Bad address", "helper":
/// "probe_read_user", "retcode": -14, "filename": "stdin", "line": 1, "col": 87}`.
pub fn format_helper_error(
    msg: &str,
    helper: &str,
    retcode: i32,
    filename: &str,
    line: usize,
    col: usize,
) -> String {
    format!(
        "{{\"type\": \"helper_error\", \"msg\": {}, \"helper\": {}, \"retcode\": {retcode}, \"filename\": {}, \"line\": {line}, \"col\": {col}}}\n",
        string(msg),
        string(helper),
        string(filename)
    )
}

/// `printf` output: `{"type": "printf", "data": "TEXT"}` with the formatted text (newlines
/// included) as one string.
pub fn format_printf(text: &str) -> String {
    line("printf", &string(text))
}

/// `join()` output: `{"type": "join", "data": "TEXT"}` (the joined strings, no newline).
pub fn format_join(text: &str) -> String {
    line("join", &string(text))
}

/// `print(v)` of a non-map value: `{"type": "value", "data": V}`.
pub fn format_value_line(v: &Value) -> String {
    let mut data = String::new();
    write_value(&mut data, v);
    line("value", &data)
}

/// `time(fmt)`: `{"type": "time", "data": "TEXT"}`; nothing when the text is empty (as in text
/// mode).
pub fn format_time(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    line("time", &string(text))
}

/// Writes `{"KEY": V, ...}` (or just `V` for a scalar map, whose one entry has no key).
fn write_entries<T>(
    out: &mut String,
    keyed: bool,
    entries: &[(&Option<Value>, T)],
    mut write: impl FnMut(&mut String, &T),
) {
    if !keyed {
        if let Some((_, v)) = entries.first() {
            write(out, v);
        }
        return;
    }
    out.push('{');
    for (i, (key, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let k = key.as_ref().map(key_text).unwrap_or_default();
        write_string(out, &k);
        out.push_str(": ");
        write(out, v);
    }
    out.push('}');
}

/// `{"count": C, "average": A, "total": T}` (the average divided by `div`).
fn write_stats(out: &mut String, s: &AvgState, div: u64) {
    let average = (i128::from(s.average()) / i128::from(div)) as i64;
    let _ = write!(
        out,
        "{{\"count\": {}, \"average\": {average}, \"total\": {}}}",
        s.count, s.total
    );
}

/// Writes a histogram's bucket list: `[{"min": A, "max": B, "count": C}, ...]` from the first to
/// the last non-zero bucket (interior zero buckets included, as in text mode). The below-zero
/// (or below-`min`) bucket has only `max`, the `lhist` overflow bucket only `min`.
fn write_buckets(out: &mut String, rows: &[(Option<i128>, Option<i128>, u64)]) {
    out.push('[');
    for (i, (min, max, count)) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('{');
        if let Some(min) = min {
            let _ = write!(out, "\"min\": {min}, ");
        }
        if let Some(max) = max {
            let _ = write!(out, "\"max\": {max}, ");
        }
        let _ = write!(out, "\"count\": {count}}}");
    }
    out.push(']');
}

/// (min, max, count) rows of a `hist(n, k)`: buckets hold `[lo, hi)`, so max is `hi - 1`.
fn hist_rows(buckets: &Buckets, k: u8, div: u64) -> Vec<(Option<i128>, Option<i128>, u64)> {
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
            if i == 0 {
                (None, Some(-1), count / div)
            } else {
                (Some(lo), Some(hi - 1), count / div)
            }
        })
        .collect()
}

/// (min, max, count) rows of an `lhist(n, min, max, step)`.
fn lhist_rows(
    buckets: &Buckets,
    min: i64,
    max: i64,
    step: i64,
) -> Vec<(Option<i128>, Option<i128>, u64)> {
    let step = step.max(1);
    let n = if max > min {
        u64::try_from((i128::from(max) - i128::from(min)) / i128::from(step)).unwrap_or(u64::MAX)
    } else {
        0
    };
    let Some((counts, first)) = dense(buckets, n.saturating_add(1)) else {
        return Vec::new();
    };
    let (min, step) = (i128::from(min), i128::from(step));
    counts
        .iter()
        .enumerate()
        .map(|(j, &count)| {
            let i = first + j as u64;
            let lo = min + (i128::from(i) - 1) * step;
            if i == 0 {
                (None, Some(min - 1), count)
            } else if i > n {
                (Some(lo), None, count)
            } else {
                (Some(lo), Some(lo + step - 1), count)
            }
        })
        .collect()
}

/// One map as `print(@m, top, div)` prints it in JSON: `{"type": T, "data": {"@m": ...}}` with
/// `T` = `map` (plain values, count, sum, min, max), `stats` (avg: the average; stats: an object
/// with count/average/total) or `hist` (hist and lhist: bucket lists). Entries are sorted, cut to
/// `top` and divided by `div` exactly as in text mode ([`bt_text::format_map`]); keyed maps are
/// objects keyed by [`key_text`]. An empty keyed map prints nothing; an empty scalar map prints
/// its zero value (`0`, `[]`).
pub fn format_map(map: &MapSnapshot, top: u64, div: u64) -> String {
    let div = div.max(1);
    if map.keyed && is_empty(map) {
        return String::new();
    }
    let mut data = String::from("{");
    write_string(&mut data, &map.name);
    data.push_str(": ");
    let kind = match &map.entries {
        MapEntries::Values {
            entries,
            sort_by_value,
        } => {
            let sorted: Vec<(&Option<Value>, Value)> =
                keep_top(sort_values(entries, *sort_by_value), top)
                    .into_iter()
                    .map(|(k, v)| (k, divide(v, div)))
                    .collect();
            if sorted.is_empty() {
                data.push('0');
            } else {
                write_entries(&mut data, map.keyed, &sorted, write_value);
            }
            "map"
        }
        MapEntries::Avg(entries) | MapEntries::Stats(entries) => {
            let stats = matches!(map.entries, MapEntries::Stats(_));
            let mut sorted: Vec<(&Option<Value>, AvgState)> = keep_top(sort_avgs(entries), top)
                .into_iter()
                .map(|(k, s)| (k, *s))
                .collect();
            if sorted.is_empty() {
                sorted.push((&None, AvgState::default()));
            }
            write_entries(&mut data, map.keyed, &sorted, |out, s| {
                if stats {
                    write_stats(out, s, div);
                } else {
                    let _ = write!(out, "{}", (i128::from(s.average()) / i128::from(div)));
                }
            });
            "stats"
        }
        MapEntries::Hist { k, entries } => {
            let k = (*k).min(MAX_HIST_K);
            let rows: Vec<(&Option<Value>, _)> = keep_top(sort_hists(entries), top)
                .into_iter()
                .map(|(key, b)| (key, hist_rows(b, k, div)))
                .collect();
            if rows.is_empty() {
                data.push_str("[]");
            } else {
                write_entries(&mut data, map.keyed, &rows, |out, r| write_buckets(out, r));
            }
            "hist"
        }
        MapEntries::Lhist {
            min,
            max,
            step,
            entries,
        } => {
            let rows: Vec<(&Option<Value>, _)> = keep_top(sort_hists(entries), top)
                .into_iter()
                .map(|(key, b)| (key, lhist_rows(b, *min, *max, *step)))
                .collect();
            if rows.is_empty() {
                data.push_str("[]");
            } else {
                write_entries(&mut data, map.keyed, &rows, |out, r| write_buckets(out, r));
            }
            "hist"
        }
        // D's aggregations print through `dtrace_text`; JSON output is bpftrace's.
        MapEntries::Dist(_) | MapEntries::Stddev(_) => {
            data.push_str("[]");
            "hist"
        }
        MapEntries::Tseries { entries, .. } => {
            let rows = keep_top(crate::output::bt_text::sort_series(entries), top);
            if rows.is_empty() {
                data.push_str("[]");
            } else {
                write_entries(&mut data, map.keyed, &rows, |out, s| {
                    write_series(out, s, div)
                });
            }
            "tseries"
        }
    };
    data.push('}');
    line(kind, &data)
}

/// `[{"interval_start": "YYYY-MM-DD hh:mm:ss.nnnnnnnnn", "value": v}, ...]`; an interval
/// without a value has `"value": null`.
fn write_series(out: &mut String, series: &crate::value::Series, div: u64) {
    let div = i128::from(div.max(1));
    out.push('[');
    for (i, (start, v)) in series.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{\"interval_start\": ");
        write_string(out, &crate::output::tseries::interval_start(*start));
        out.push_str(", \"value\": ");
        match v {
            Some(v) => {
                let _ = write!(out, "{}", i128::from(*v) / div);
            }
            None => out.push_str("null"),
        }
        out.push('}');
    }
    out.push(']');
}

/// The maps printed at exit (and on SIGUSR1) in JSON: one line per non-empty map, in map-name
/// order, no blank lines.
pub fn format_exit_dump(maps: &[MapSnapshot]) -> String {
    let mut sorted: Vec<&MapSnapshot> = maps.iter().filter(|m| !is_empty(m)).collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.iter().map(|m| format_map(m, 0, 1)).collect()
}
