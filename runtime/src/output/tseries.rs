//! bpftrace's `tseries` output: the ASCII chart of text mode and the JSON list of intervals.
//!
//! Text (one block per key, like a histogram):
//! ```text
//! @:
//!              -5                                                  5
//! hh:mm:ss.ms  |___________________________________________________|
//! 10:39:49.300 *                         .                         | -5
//! 10:39:49.400 |    *                    .                         | -4
//!              v___________________________________________________v
//!              -5                                                  5
//! ```
//! The graph is 53 columns between and including the borders; a value `v` goes at column
//! `(v - min) * 52 / (max - min)` (min and max of the values shown), `.` marks zero when the range
//! spans it, and an interval without a value shows `-` instead of a number.

use std::fmt::Write as _;

use crate::value::Series;

/// Columns of the graph, borders included.
const GRAPH: usize = 53;

/// The timestamp format of a row: whole seconds when the interval is, else with milliseconds,
/// microseconds or nanoseconds; and the header that names it.
fn time_format(interval_ns: u64) -> (&'static str, u32) {
    if interval_ns.is_multiple_of(1_000_000_000) {
        ("hh:mm:ss", 0)
    } else if interval_ns.is_multiple_of(1_000_000) {
        ("hh:mm:ss.ms", 3)
    } else if interval_ns.is_multiple_of(1_000) {
        ("hh:mm:ss.us", 6)
    } else {
        ("hh:mm:ss.ns", 9)
    }
}

/// `hh:mm:ss[.fraction]` of wall-clock time `ns` (local time), with `digits` fraction digits.
fn timestamp(ns: i128, digits: u32) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let t = std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(
            u64::try_from(secs).unwrap_or(0),
        ))
        .unwrap_or(std::time::UNIX_EPOCH);
    let mut s = super::bt_text::format_time("%H:%M:%S", t);
    if digits > 0 {
        let scaled = frac / 10i128.pow(9 - digits);
        let _ = write!(s, ".{scaled:0width$}", width = digits as usize);
    }
    s
}

/// `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (local time), the JSON `interval_start`.
pub fn interval_start(ns: i128) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let t = std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(
            u64::try_from(secs).unwrap_or(0),
        ))
        .unwrap_or(std::time::UNIX_EPOCH);
    format!(
        "{}.{frac:09}",
        super::bt_text::format_time("%Y-%m-%d %H:%M:%S", t)
    )
}

/// The chart of one key's series (without the `@name:` line), values divided by `div`, with
/// local-time timestamps.
pub fn chart(series: &Series, interval_ns: u64, div: u64) -> String {
    chart_with(series, interval_ns, div, timestamp)
}

/// [`chart`] with `stamp(ns, fraction_digits)` formatting the row timestamps.
fn chart_with(
    series: &Series,
    interval_ns: u64,
    div: u64,
    stamp: impl Fn(i128, u32) -> String,
) -> String {
    let div = i128::from(div.max(1));
    let values: Vec<Option<i128>> = series
        .iter()
        .map(|(_, v)| v.map(|v| i128::from(v) / div))
        .collect();
    let (label, digits) = time_format(interval_ns);
    let rows: Vec<String> = series.iter().map(|(t, _)| stamp(*t, digits)).collect();
    let margin = rows.first().map_or(label.len() + 2, |r| r.len() + 1);
    let pad = " ".repeat(margin);
    let (min, max) = values
        .iter()
        .flatten()
        .fold(None, |acc: Option<(i128, i128)>, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
        .unwrap_or((0, 0));
    let position = |v: i128| -> usize {
        if max == min {
            0
        } else {
            ((v - min) * (GRAPH as i128 - 1) / (max - min)) as usize
        }
    };
    let bounds = {
        let lo = min.to_string();
        let hi = max.to_string();
        let gap = GRAPH.saturating_sub(lo.len() + hi.len()).max(1);
        format!("{pad}{lo}{}{hi}\n", " ".repeat(gap))
    };
    let mut out = String::new();
    out.push_str(&bounds);
    let _ = writeln!(out, "{label:<margin$}|{}|", "_".repeat(GRAPH - 2));
    let zero = (min < 0 && max > 0).then(|| position(0));
    for (row, v) in rows.iter().zip(&values) {
        let mut graph: Vec<char> = std::iter::once('|')
            .chain(std::iter::repeat_n(' ', GRAPH - 2))
            .chain(std::iter::once('|'))
            .collect();
        if let Some(z) = zero {
            graph[z] = '.';
        }
        if let Some(v) = v {
            graph[position(*v).min(GRAPH - 1)] = '*';
        }
        let shown = v.map_or_else(|| "-".to_string(), |v| v.to_string());
        let graph: String = graph.into_iter().collect();
        let _ = writeln!(out, "{row:<width$}{graph} {shown}", width = margin);
    }
    let _ = writeln!(out, "{pad}v{}v", "_".repeat(GRAPH - 2));
    out.push_str(&bounds);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UTC `hh:mm:ss[.fraction]`, independent of the machine's time zone.
    fn utc(ns: i128, digits: u32) -> String {
        let secs = ns.div_euclid(1_000_000_000) % 86_400;
        let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        if digits > 0 {
            let frac = ns.rem_euclid(1_000_000_000) / 10i128.pow(9 - digits);
            s.push_str(&format!(".{frac:0width$}", width = digits as usize));
        }
        s
    }

    /// A series starting at the epoch.
    fn series(values: &[Option<i64>], interval_ns: u64) -> Series {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as i128 * i128::from(interval_ns), *v))
            .collect()
    }

    #[test]
    fn zigzag_chart_matches_bpftrace_layout() {
        let s = series(
            &[Some(-5), Some(-4), Some(0), Some(1), Some(4), Some(5), None],
            100_000_000,
        );
        let text = chart_with(&s, 100_000_000, 1, utc);
        let expected = "             -5                                                  5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.000 *                         .                         | -5
00:00:00.100 |    *                    .                         | -4
00:00:00.200 |                         *                         | 0
00:00:00.300 |                         .    *                    | 1
00:00:00.400 |                         .                   *     | 4
00:00:00.500 |                         .                         * 5
00:00:00.600 |                         .                         | -
             v___________________________________________________v
             -5                                                  5
";
        assert_eq!(text, expected);
    }

    #[test]
    fn whole_second_intervals_and_a_non_negative_range() {
        let s = series(&[Some(0), Some(1), Some(2)], 1_000_000_000);
        let text = chart_with(&s, 1_000_000_000, 1, utc);
        let expected = "         0                                                   2
hh:mm:ss |___________________________________________________|
00:00:00 *                                                   | 0
00:00:01 |                         *                         | 1
00:00:02 |                                                   * 2
         v___________________________________________________v
         0                                                   2
";
        assert_eq!(text, expected);
    }

    #[test]
    fn json_interval_start_has_nanoseconds() {
        let s = interval_start(500_000_000);
        assert_eq!(s.len(), "1970-01-01 00:00:00.500000000".len(), "{s}");
        assert!(s.ends_with(":00.500000000"), "{s}");
    }
}
