//! Byte-exact tests of the output formatters.
//!
//! Expected strings come from the team notes (`bpftrace-language.md` (d), (g), (h)), from the
//! newest bpftrace's output code, and from Debian's bpftrace 0.17 on this machine where the notes
//! do not say; the 0.17 outputs are quoted next to the tests that use them, with the places where
//! the newest release differs.

use std::time::{Duration, UNIX_EPOCH};

use ir::abi::{hist_index, lhist_index};
use ir::printf::parse_format;

use super::bt_text::{format_exit_dump, format_map, format_time, format_value};
use super::printf;
use crate::value::{AvgState, Buckets, MapEntries, MapSnapshot, Value};

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn hist_buckets(values: &[i64], k: u8) -> Buckets {
    values.iter().map(|&v| (hist_index(v, k), 1)).collect()
}

fn lhist_buckets(values: &[i64], min: i64, max: i64, step: i64) -> Buckets {
    values
        .iter()
        .map(|&v| (lhist_index(v, min, max, step), 1))
        .collect()
}

fn scalar_hist(name: &str, values: &[i64], k: u8) -> MapSnapshot {
    MapSnapshot {
        name: name.into(),
        keyed: false,
        entries: MapEntries::Hist {
            k,
            entries: vec![(None, hist_buckets(values, k))],
        },
    }
}

fn scalar_lhist(name: &str, values: &[i64], min: i64, max: i64, step: i64) -> MapSnapshot {
    MapSnapshot {
        name: name.into(),
        keyed: false,
        entries: MapEntries::Lhist {
            min,
            max,
            step,
            entries: vec![(None, lhist_buckets(values, min, max, step))],
        },
    }
}

fn values_map(name: &str, entries: Vec<(Value, Value)>) -> MapSnapshot {
    MapSnapshot {
        name: name.into(),
        keyed: true,
        entries: MapEntries::Values {
            entries: entries.into_iter().map(|(k, v)| (Some(k), v)).collect(),
            sort_by_value: true,
        },
    }
}

fn scalar(name: &str, v: Value) -> MapSnapshot {
    MapSnapshot {
        name: name.into(),
        keyed: false,
        entries: MapEntries::Values {
            entries: vec![(None, v)],
            sort_by_value: true,
        },
    }
}

fn pf(fmt: &str, args: &[Value]) -> String {
    match parse_format(fmt) {
        Ok(segs) => printf::format(&segs, args),
        Err(e) => format!("parse error {e:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// hist / lhist

/// The example of the notes, (h), byte for byte (0.17 prints the same rows, with `@: ` as header).
#[test]
fn hist_notes_example_byte_for_byte() {
    let expected = "\
@:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0]                    0 |                                                    |
[1]                    0 |                                                    |
[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 16)                0 |                                                    |
[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

";
    assert_eq!(
        format_map(&scalar_hist("@", &[-1, 2, 3, 7, 20], 0), 0, 1),
        expected
    );
}

/// Checked with 0.17: `@k = hist(1000); @k = hist(1024); @k = hist(3000000)` prints exactly these
/// rows (under the 0.17 header `@k: `).
#[test]
fn hist_k_and_m_suffix_labels() {
    let expected = "\
@k:
[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[2K, 4K)               0 |                                                    |
[4K, 8K)               0 |                                                    |
[8K, 16K)              0 |                                                    |
[16K, 32K)             0 |                                                    |
[32K, 64K)             0 |                                                    |
[64K, 128K)            0 |                                                    |
[128K, 256K)           0 |                                                    |
[256K, 512K)           0 |                                                    |
[512K, 1M)             0 |                                                    |
[1M, 2M)               0 |                                                    |
[2M, 4M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

";
    assert_eq!(
        format_map(&scalar_hist("@k", &[1000, 1024, 3_000_000], 0), 0, 1),
        expected
    );
}

#[test]
fn hist_large_suffixes_up_to_exa() {
    let out = format_map(&scalar_hist("@", &[1 << 40, 1 << 50, i64::MAX], 0), 0, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        "[1T, 2T)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
    );
    assert!(out.contains("\n[1P, 2P)               1 |"));
    assert!(out.contains("\n[4E, 8E)               1 |"));
}

/// `hist(n, 2)`: one-value buckets up to 7 print `[v]`; above, 4 sub-buckets per power of two with
/// suffixes chosen by the power (`[3584, 4K)`).
#[test]
fn hist_with_sub_buckets() {
    let out = format_map(&scalar_hist("@h", &[5, 9, 3600], 2), 0, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "@h:");
    assert_eq!(
        lines[1],
        "[5]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
    );
    assert_eq!(
        lines[2],
        "[6]                    0 |                                                    |"
    );
    assert_eq!(
        lines[3],
        "[7]                    0 |                                                    |"
    );
    assert_eq!(
        lines[4],
        "[8, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
    );
    assert_eq!(
        lines[5],
        "[10, 12)               0 |                                                    |"
    );
    // 1024 = 2^8 * 4 belongs to the power-8 group, so no suffix (the suffix follows the power).
    assert!(out.contains("\n[1024, 1280)           0 |"));
    assert_eq!(
        lines[lines.len() - 2],
        "[3584, 4K)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
    );
    assert!(out.ends_with("|\n\n"));
    let out = format_map(&scalar_hist("@h", &[3_700_000], 2), 0, 1);
    assert_eq!(
        out,
        "@h:\n[3584K, 4M)            1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
    );
    let out = format_map(&scalar_hist("@h", &[1, 2], 1), 0, 1);
    assert_eq!(
        out,
        "@h:\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\
         [2]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
    );
}

/// Bar lengths: 0.17 prints counts 7, 3, 1 with bars of 52, 22 and 7 characters (floor of
/// count * 52 / max; the newest computes it in `float`, which agrees for every max below 2000).
#[test]
fn hist_bar_lengths_are_floored() {
    let b: Buckets = vec![
        (lhist_index(1, 0, 10, 2), 7),
        (lhist_index(2, 0, 10, 2), 3),
        (lhist_index(4, 0, 10, 2), 1),
    ];
    let m = MapSnapshot {
        name: "@l".into(),
        keyed: false,
        entries: MapEntries::Lhist {
            min: 0,
            max: 10,
            step: 2,
            entries: vec![(None, b)],
        },
    };
    let expected = "\
@l:
[0, 2)                 7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[2, 4)                 3 |@@@@@@@@@@@@@@@@@@@@@@                              |
[4, 6)                 1 |@@@@@@@                                             |

";
    assert_eq!(format_map(&m, 0, 1), expected);
}

#[test]
fn lhist_with_underflow_and_overflow() {
    let expected = "\
@l:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0, 10)                0 |                                                    |
[10, 20)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[20, 30)               0 |                                                    |
[30, 40)               0 |                                                    |
[40, 50)               0 |                                                    |
[50, 60)               0 |                                                    |
[60, 70)               0 |                                                    |
[70, 80)               0 |                                                    |
[80, 90)               0 |                                                    |
[90, 100)              0 |                                                    |
[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

";
    assert_eq!(
        format_map(&scalar_lhist("@l", &[-5, 15, 19, 120], 0, 100, 10), 0, 1),
        expected
    );
}

/// Step 1: the newest bpftrace prints one-value buckets as `[v]` (its labels are adjacent
/// integers); 0.17 printed `[5, 6)`. Under- and overflow as 0.17 (`(..., 0)`, `[10, ...)`).
#[test]
fn lhist_step_one_prints_single_values() {
    let expected = "\
@l:
[4]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[5]                    0 |                                                    |
[6]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[7]                    0 |                                                    |
[8]                    0 |                                                    |
[9]                    0 |                                                    |
[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

";
    assert_eq!(
        format_map(&scalar_lhist("@l", &[4, 6, 10], 0, 10, 1), 0, 1),
        expected
    );
}

/// Checked with 0.17: `lhist(2048, 0, 8192, 1024)` and `lhist(9000, ...)` print `[2K, 3K)` ...
/// `[8K, ...)`. A step that is not a multiple of 1024 keeps plain numbers.
#[test]
fn lhist_suffixes_only_for_steps_multiple_of_1024() {
    let expected = "\
@m:
[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[3K, 4K)               0 |                                                    |
[4K, 5K)               0 |                                                    |
[5K, 6K)               0 |                                                    |
[6K, 7K)               0 |                                                    |
[7K, 8K)               0 |                                                    |
[8K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

";
    assert_eq!(
        format_map(&scalar_lhist("@m", &[2048, 9000], 0, 8192, 1024), 0, 1),
        expected
    );
    let out = format_map(&scalar_lhist("@n", &[2048, 2600], 0, 4096, 512), 0, 1);
    assert_eq!(
        out,
        "@n:\n[2048, 2560)           1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\
         [2560, 3072)           1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
    );
    let out = format_map(
        &scalar_lhist("@m", &[1 << 20, 3 << 20], 0, 4 << 20, 1 << 20),
        0,
        1,
    );
    assert!(out.starts_with("@m:\n[1M, 2M)               1 |"));
    assert!(out.contains("\n[3M, 4M)               1 |"));
    let out = format_map(&scalar_lhist("@m", &[-5000], -4096, 4096, 1024), 0, 1);
    assert!(out.starts_with("@m:\n(..., -4K)             1 |"));
}

#[test]
fn lhist_overflow_only() {
    let out = format_map(&scalar_lhist("@l", &[500], 0, 100, 10), 0, 1);
    assert_eq!(
        out,
        "@l:\n[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
    );
}

/// Keyed hists print `@name[key]:` blocks, sorted by total count ascending, each followed by a
/// blank line.
#[test]
fn keyed_hist_two_keys_sorted_by_total() {
    let m = MapSnapshot {
        name: "@lat".into(),
        keyed: true,
        entries: MapEntries::Hist {
            k: 0,
            entries: vec![
                (Some(s("bash")), hist_buckets(&[1, 1, 2], 0)),
                (Some(s("sshd")), hist_buckets(&[4], 0)),
            ],
        },
    };
    let expected = "\
@lat[sshd]:
[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

@lat[bash]:
[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

";
    assert_eq!(format_map(&m, 0, 1), expected);
    // top 1 keeps the largest; div divides hist counts.
    let top = format_map(&m, 1, 2);
    assert_eq!(
        top,
        "@lat[bash]:\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\
         [2, 4)                 0 |                                                    |\n\n"
    );
}

/// Newest bpftrace: "div has no effect on linear histograms".
#[test]
fn lhist_ignores_div() {
    let m = scalar_lhist("@l", &[1, 1, 1], 0, 10, 5);
    assert_eq!(format_map(&m, 0, 1000), format_map(&m, 0, 1));
    assert!(format_map(&m, 0, 1000).contains("[0, 5)                 3 |"));
}

// ---------------------------------------------------------------------------------------------
// stats / avg / plain maps

#[test]
fn stats_newest_format() {
    let m = MapSnapshot {
        name: "@s".into(),
        keyed: false,
        entries: MapEntries::Stats(vec![(None, AvgState { count: 3, total: 6 })]),
    };
    assert_eq!(
        format_map(&m, 0, 1),
        "@s: { .count = 3, .average = 2, .total = 6 }\n"
    );
    // div divides only the average.
    assert_eq!(
        format_map(&m, 0, 2),
        "@s: { .count = 3, .average = 1, .total = 6 }\n"
    );
    let keyed = MapSnapshot {
        name: "@s".into(),
        keyed: true,
        entries: MapEntries::Stats(vec![
            (
                Some(s("b")),
                AvgState {
                    count: 1,
                    total: 10,
                },
            ),
            (Some(s("a")), AvgState { count: 2, total: 4 }),
        ]),
    };
    assert_eq!(
        format_map(&keyed, 0, 1),
        "@s[a]: { .count = 2, .average = 2, .total = 4 }\n@s[b]: { .count = 1, .average = 10, .total = 10 }\n"
    );
}

/// 0.17: `@a = avg(-1); @a = avg(-2)` prints `@a: -1` (the mean -1.5 truncated toward zero).
#[test]
fn avg_negative_average_truncates_toward_zero() {
    let m = MapSnapshot {
        name: "@a".into(),
        keyed: false,
        entries: MapEntries::Avg(vec![(
            None,
            AvgState {
                count: 2,
                total: -3,
            },
        )]),
    };
    assert_eq!(format_map(&m, 0, 1), "@a: -1\n");
    let keyed = MapSnapshot {
        name: "@a".into(),
        keyed: true,
        entries: MapEntries::Avg(vec![
            (
                Some(Value::Int(1)),
                AvgState {
                    count: 2,
                    total: 20,
                },
            ),
            (
                Some(Value::Int(2)),
                AvgState {
                    count: 3,
                    total: -7,
                },
            ),
            (Some(Value::Int(3)), AvgState { count: 1, total: 3 }),
        ]),
    };
    assert_eq!(format_map(&keyed, 0, 1), "@a[2]: -2\n@a[3]: 3\n@a[1]: 10\n");
}

/// Multi-key maps print `@m[k1, k2]: v` (0.17: `@x[a, 2]: 1`), string parts unquoted. Ties on the
/// value are broken by key (0.17 leaves them in hash order).
#[test]
fn tuple_keys_sorted_by_value_then_key() {
    let m = values_map(
        "@x",
        vec![
            (Value::Tuple(vec![s("b"), Value::Int(1)]), Value::Uint(1)),
            (Value::Tuple(vec![s("a"), Value::Int(2)]), Value::Uint(1)),
            (Value::Tuple(vec![s("a"), Value::Int(1)]), Value::Uint(5)),
            (Value::Tuple(vec![s("a"), Value::Int(-1)]), Value::Uint(1)),
        ],
    );
    assert_eq!(
        format_map(&m, 0, 1),
        "@x[a, -1]: 1\n@x[a, 2]: 1\n@x[b, 1]: 1\n@x[a, 1]: 5\n"
    );
}

#[test]
fn string_keys_unquoted_and_sorted_by_value() {
    let m = values_map(
        "@",
        vec![
            (s("sshd"), Value::Uint(10)),
            (s("bash"), Value::Uint(3)),
            (s("cron"), Value::Uint(7)),
        ],
    );
    assert_eq!(
        format_map(&m, 0, 1),
        "@[bash]: 3\n@[cron]: 7\n@[sshd]: 10\n"
    );
}

#[test]
fn signed_values_sort_numerically() {
    let m = values_map(
        "@s",
        vec![
            (Value::Int(1), Value::Int(5)),
            (Value::Int(2), Value::Int(-7)),
            (Value::Int(3), Value::Int(0)),
        ],
    );
    assert_eq!(format_map(&m, 0, 1), "@s[2]: -7\n@s[3]: 0\n@s[1]: 5\n");
}

#[test]
fn key_order_maps_and_non_numeric_values_sort_by_key() {
    let m = MapSnapshot {
        name: "@k".into(),
        keyed: true,
        entries: MapEntries::Values {
            entries: vec![
                (Some(Value::Int(3)), Value::Int(1)),
                (Some(Value::Int(-1)), Value::Int(9)),
            ],
            sort_by_value: false,
        },
    };
    assert_eq!(format_map(&m, 0, 1), "@k[-1]: 9\n@k[3]: 1\n");
    let m = values_map(
        "@n",
        vec![(Value::Int(2), s("zz")), (Value::Int(1), s("yy"))],
    );
    assert_eq!(format_map(&m, 0, 1), "@n[1]: yy\n@n[2]: zz\n");
}

/// `print(@m, top, div)`: the last `top` entries after sorting, values divided (truncating).
#[test]
fn top_and_div() {
    let m = values_map(
        "@c",
        vec![
            (s("a"), Value::Uint(15)),
            (s("b"), Value::Uint(250)),
            (s("c"), Value::Uint(99)),
            (s("d"), Value::Uint(1000)),
            (s("e"), Value::Uint(5)),
        ],
    );
    assert_eq!(format_map(&m, 2, 10), "@c[b]: 25\n@c[d]: 100\n");
    assert_eq!(
        format_map(&m, 0, 100),
        "@c[e]: 0\n@c[a]: 0\n@c[c]: 0\n@c[b]: 2\n@c[d]: 10\n"
    );
    assert_eq!(format_map(&m, 10, 1).lines().count(), 5);
    // div 0 behaves as 1, as in bpftrace.
    assert_eq!(format_map(&m, 1, 0), "@c[d]: 1000\n");
    let neg = scalar("@s", Value::Int(-15));
    assert_eq!(format_map(&neg, 0, 10), "@s: -1\n");
}

#[test]
fn scalar_and_empty_maps() {
    assert_eq!(format_map(&scalar("@x", Value::Uint(42)), 0, 1), "@x: 42\n");
    let empty_scalar = MapSnapshot {
        name: "@x".into(),
        keyed: false,
        entries: MapEntries::Values {
            entries: vec![],
            sort_by_value: true,
        },
    };
    assert_eq!(format_map(&empty_scalar, 0, 1), "@x: 0\n");
    let empty_avg = MapSnapshot {
        name: "@a".into(),
        keyed: false,
        entries: MapEntries::Avg(vec![]),
    };
    assert_eq!(format_map(&empty_avg, 0, 1), "@a: 0\n");
    let empty_keyed = values_map("@m", vec![]);
    assert_eq!(format_map(&empty_keyed, 0, 1), "");
    let empty_hist = MapSnapshot {
        name: "@h".into(),
        keyed: false,
        entries: MapEntries::Hist {
            k: 0,
            entries: vec![],
        },
    };
    assert_eq!(format_map(&empty_hist, 0, 1), "");
}

/// At exit: two blank lines (0.17 prints them even with no maps), then non-empty maps in name
/// order; hist blocks end with a blank line, other maps do not (0.17 added one after some maps).
#[test]
fn exit_dump_blank_lines_name_order_and_empty_maps() {
    let maps = vec![
        values_map("@z", vec![(s("k"), Value::Uint(1))]),
        scalar_hist("@h", &[1], 0),
        values_map("@empty", vec![]),
        scalar("@", Value::Int(-2)),
        MapSnapshot {
            name: "@a".into(),
            keyed: false,
            entries: MapEntries::Avg(vec![(None, AvgState { count: 1, total: 4 })]),
        },
    ];
    let expected = "\n\n@: -2\n@a: 4\n@h:\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@z[k]: 1\n";
    assert_eq!(format_exit_dump(&maps), expected);
    assert_eq!(format_exit_dump(&[]), "\n\n");
}

// ---------------------------------------------------------------------------------------------
// print(value)

#[test]
fn format_value_of_every_kind() {
    assert_eq!(format_value(&Value::Int(-5)), "-5");
    assert_eq!(format_value(&Value::Uint(u64::MAX)), "18446744073709551615");
    assert_eq!(format_value(&Value::Bool(true)), "true");
    assert_eq!(format_value(&Value::Bool(false)), "false");
    assert_eq!(format_value(&s("hello")), "hello");
    assert_eq!(
        format_value(&Value::ProbeName(
            "tracepoint:syscalls:sys_enter_openat".into()
        )),
        "tracepoint:syscalls:sys_enter_openat"
    );
    assert_eq!(
        format_value(&Value::Buffer(vec![b'a', 0, b'\n', 0xff, b' ', b'~'])),
        "a\\x00\\x0a\\xff ~"
    );
    assert_eq!(
        format_value(&Value::Pointer(0xffff_8880_1234)),
        "0xffff88801234"
    );
    assert_eq!(format_value(&Value::Pointer(0)), "0x0");
    // 0.17: print((1, "hello")) prints (1, hello); the newest does not quote either.
    assert_eq!(
        format_value(&Value::Tuple(vec![Value::Int(1), s("hello")])),
        "(1, hello)"
    );
    assert_eq!(
        format_value(&Value::Tuple(vec![
            Value::Int(1),
            Value::Int(2),
            s("string"),
            Value::Tuple(vec![Value::Int(4), Value::Int(5)])
        ])),
        "(1, 2, string, (4, 5))"
    );
    assert_eq!(
        format_value(&Value::Array(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3)
        ])),
        "[1,2,3]"
    );
    assert_eq!(format_value(&Value::Array(vec![])), "[]");
    assert_eq!(
        format_value(&Value::Record(vec![
            ("a".into(), Value::Int(1)),
            ("b".into(), Value::Int(2))
        ])),
        "{ .a = 1, .b = 2 }"
    );
    assert_eq!(format_value(&Value::Record(vec![])), "{}");
    assert_eq!(
        format_value(&Value::Tuple(vec![
            Value::Int(1),
            Value::Record(vec![
                ("m".into(), Value::Int(2)),
                ("n".into(), Value::Int(3))
            ])
        ])),
        "(1, { .m = 2, .n = 3 })"
    );
    assert_eq!(format_value(&Value::Tuple(vec![])), "()");
}

#[test]
fn map_value_kinds_inline() {
    let m = values_map(
        "@t",
        vec![(
            Value::Int(1),
            Value::Tuple(vec![Value::Int(-100), Value::Int(10)]),
        )],
    );
    assert_eq!(format_map(&m, 0, 1), "@t[1]: (-100, 10)\n");
    let m = scalar(
        "@t",
        Value::Tuple(vec![
            Value::Int(1),
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
        ]),
    );
    assert_eq!(format_map(&m, 0, 1), "@t: (1, [1,2])\n");
}

// ---------------------------------------------------------------------------------------------
// printf

/// Conversions with no flags. 0.17 agrees on all of these (it used snprintf; no length modifier
/// means a 32-bit `int`: `%u` of -1 is 4294967295, `%d` of 0x100000000 is 0).
#[test]
fn printf_basic_conversions() {
    let m1 = Value::Int(-1);
    assert_eq!(
        pf(
            "A|%d|%u|%x|%o|\n",
            &[m1.clone(), m1.clone(), m1.clone(), m1.clone()]
        ),
        "A|-1|4294967295|ffffffff|37777777777|\n"
    );
    assert_eq!(
        pf("%i|%X", &[Value::Int(-1), Value::Int(-1)]),
        "-1|FFFFFFFF"
    );
    let big = Value::Int(0x1_0000_0000);
    assert_eq!(
        pf("B|%d|%u|%x|", &[big.clone(), big.clone(), big]),
        "B|0|0|0|"
    );
    assert_eq!(pf("%c%c", &[Value::Int(72), Value::Uint(0x169)]), "Hi");
    assert_eq!(pf("%s-%s", &[s("abc"), Value::Int(42)]), "abc-42");
    assert_eq!(
        pf("%p %p", &[Value::Uint(4096), Value::Pointer(0)]),
        "0x1000 0"
    );
    assert_eq!(pf("100%% %d", &[Value::Bool(true)]), "100% 1");
}

/// Length modifiers. 0.17 prints `C|44|4464|-5|-5|44|4464|ff|` for
/// `printf("C|%hhd|%hd|%ld|%lld|%hhu|%hu|%hhx|\n", 300, 70000, -5, -5, 300, 70000, -1)`.
#[test]
fn printf_length_modifiers() {
    let args = [
        Value::Int(300),
        Value::Int(70000),
        Value::Int(-5),
        Value::Int(-5),
        Value::Int(300),
        Value::Int(70000),
        Value::Int(-1),
    ];
    assert_eq!(
        pf("C|%hhd|%hd|%ld|%lld|%hhu|%hu|%hhx|\n", &args),
        "C|44|4464|-5|-5|44|4464|ff|\n"
    );
    let m1 = Value::Int(-1);
    assert_eq!(pf("%lu %llx %jd %zu %td %lX %lo", &[m1.clone(), m1.clone(), m1.clone(), m1.clone(), m1.clone(), m1.clone(), m1]),
        "18446744073709551615 ffffffffffffffff -1 18446744073709551615 -1 FFFFFFFFFFFFFFFF 1777777777777777777777");
    assert_eq!(
        pf(
            "%hhd %hd %ld",
            &[
                Value::Int(200),
                Value::Int(40000),
                Value::Int(0x1_0000_0000)
            ]
        ),
        "-56 -25536 4294967296"
    );
}

/// Width, `-`, `0`, `+`, space and `#` with the newest (C++ stream) semantics; 0.17 rejected
/// most of these flags ("Too many arguments for format string") and used snprintf's rules.
#[test]
fn printf_flags_and_width() {
    let n = Value::Int(42);
    assert_eq!(
        pf(
            "[%5d][%-5d][%05d][%-05d]",
            &[n.clone(), n.clone(), n.clone(), n.clone()]
        ),
        "[   42][42   ][00042][42000]"
    );
    assert_eq!(
        pf(
            "[%05d][%+d][%+d][%+5d][%+05d]",
            &[
                Value::Int(-42),
                n.clone(),
                Value::Int(0),
                n.clone(),
                n.clone()
            ]
        ),
        "[00-42][+42][+0][  +42][00+42]"
    );
    assert_eq!(
        pf("[% d][%+u][%+x]", &[n.clone(), n.clone(), n.clone()]),
        "[42][42][2a]"
    );
    assert_eq!(
        pf(
            "[%#x][%#X][%#o][%#x][%#o]",
            &[
                Value::Int(255),
                Value::Int(255),
                Value::Int(8),
                Value::Int(0),
                Value::Int(0)
            ]
        ),
        "[0xff][0XFF][010][0][0]"
    );
    assert_eq!(
        pf(
            "[%#06x][%08x][%-8x|]",
            &[Value::Int(255), Value::Int(255), Value::Int(255)]
        ),
        "[000xff][000000ff][ff      |]"
    );
    assert_eq!(
        pf(
            "[%5c][%-3c][%03c]",
            &[Value::Int(65), Value::Int(66), Value::Int(67)]
        ),
        "[    A][B  ][00C]"
    );
    assert_eq!(
        pf("[%10s][%-10s][%05s]", &[s("abc"), s("abc"), s("ab")]),
        "[       abc][abc       ][000ab]"
    );
    assert_eq!(
        pf("[%8p][%-8p]", &[Value::Uint(4096), Value::Uint(0)]),
        "[  0x1000][0       ]"
    );
}

/// The newest bpftrace ignores precision for integers and strings (0.17's snprintf truncated
/// `%.2s` and zero-extended `%.3d`).
#[test]
fn printf_precision_is_ignored() {
    assert_eq!(
        pf(
            "[%.2s][%5.1s][%.3d][%8.3d][%.0d]",
            &[
                s("abc"),
                s("abc"),
                Value::Int(7),
                Value::Int(7),
                Value::Int(0)
            ]
        ),
        "[abc][  abc][7][       7][0]"
    );
}

#[test]
fn printf_s_of_non_strings() {
    assert_eq!(
        pf("%s", &[Value::Tuple(vec![Value::Int(1), s("x")])]),
        "(1, x)"
    );
    assert_eq!(
        pf(
            "%s|%s|%s",
            &[Value::Bool(false), Value::Pointer(0xabc), Value::Uint(7)]
        ),
        "false|0xabc|7"
    );
    // The width applies to the first piece the value is written as (a tuple's "(").
    assert_eq!(
        pf("[%4s]", &[Value::Tuple(vec![Value::Int(1), Value::Int(2)])]),
        "[   (1, 2)]"
    );
    assert_eq!(pf("[%4s]", &[Value::Int(-3)]), "[  -3]");
    assert_eq!(
        pf(
            "[%+s]",
            &[Value::Tuple(vec![
                Value::Int(1),
                Value::Int(-2),
                Value::Uint(3)
            ])]
        ),
        "[(+1, -2, 3)]"
    );
    assert_eq!(pf("%s", &[Value::ProbeName("begin".into())]), "begin");
}

#[test]
fn printf_buffers() {
    let b = Value::Buffer(vec![b'h', b'i', 0, 0xab, b'\n']);
    assert_eq!(
        pf("%r|%rx|%rh", &[b.clone(), b.clone(), b.clone()]),
        "hi\\x00\\xab\\x0a|\\x68\\x69\\x00\\xab\\x0a|68 69 00 ab 0a"
    );
    assert_eq!(
        pf("[%12r]", &[Value::Buffer(b"abc".to_vec())]),
        "[         abc]"
    );
    assert_eq!(pf("[%rh]", &[Value::Buffer(vec![])]), "[]");
    assert_eq!(pf("%r", &[s("plain")]), "plain");
}

/// Never panics: missing arguments jump to the text after the last conversion (as bpftrace's
/// formatter does), surplus arguments are ignored, wrong types print bpftrace's error marker.
#[test]
fn printf_argument_mismatches_do_not_panic() {
    assert_eq!(pf("a %d b %d c %d d", &[Value::Int(1)]), "a 1 d");
    assert_eq!(pf("a %d b", &[]), " b");
    assert_eq!(pf("x=%d\n", &[Value::Int(1), Value::Int(2)]), "x=1\n");
    assert_eq!(pf("%d|%c|%p", &[s("abc"), s("q"), Value::Tuple(vec![])]),
        "!{invalid integer conversion: abc}|!{invalid integer conversion: q}|!{invalid integer conversion: ()}");
    assert_eq!(printf::format(&[], &[Value::Int(1)]), "");
    assert_eq!(pf("no conversions", &[]), "no conversions");
}

// ---------------------------------------------------------------------------------------------
// time

#[test]
fn time_uses_strftime() {
    let t = UNIX_EPOCH + Duration::from_secs(1_234_567);
    assert_eq!(format_time("%s", t), "1234567");
    assert_eq!(format_time("at %s%%\n", t), "at 1234567%\n");
    assert_eq!(format_time("", t), "");
    let hms = format_time("%H:%M:%S\n", std::time::SystemTime::now());
    assert_eq!(hms.len(), 9);
    assert_eq!(hms.as_bytes()[2], b':');
    let long = format_time(&"%Y".repeat(2000), t);
    assert_eq!(long.len(), 8000);
    assert_eq!(format_time("a\0b", t), "a");
}

// ---------------------------------------------------------------------------------------------
// robustness

#[test]
fn hostile_inputs_do_not_panic() {
    let weird: Buckets = vec![(u64::MAX, 3), (0, 0), (1_000_000, 1), (3, u64::MAX), (3, 5)];
    for k in [0u8, 1, 5, 6, 200] {
        let m = MapSnapshot {
            name: "@h".into(),
            keyed: false,
            entries: MapEntries::Hist {
                k,
                entries: vec![(None, weird.clone())],
            },
        };
        let _ = format_map(&m, 0, 1);
        let _ = format_map(&m, 3, 0);
    }
    for (min, max, step) in [
        (0, 10, 0),
        (10, 0, 1),
        (0, 10, -3),
        (i64::MIN, i64::MAX, 1),
        (i64::MAX - 1, i64::MAX, 1),
        (5, 5, 1),
    ] {
        let m = MapSnapshot {
            name: "@l".into(),
            keyed: false,
            entries: MapEntries::Lhist {
                min,
                max,
                step,
                entries: vec![(None, weird.clone())],
            },
        };
        let _ = format_map(&m, 0, 1);
    }
    let m = MapSnapshot {
        name: "@a".into(),
        keyed: false,
        entries: MapEntries::Avg(vec![(
            None,
            AvgState {
                count: 1,
                total: i64::MIN,
            },
        )]),
    };
    assert_eq!(format_map(&m, 0, u64::MAX), "@a: 0\n");
    let m = MapSnapshot {
        name: "@a".into(),
        keyed: false,
        entries: MapEntries::Avg(vec![(
            None,
            AvgState {
                count: u64::MAX,
                total: i64::MIN,
            },
        )]),
    };
    let _ = format_map(&m, 0, 1);
    let _ = pf("%99999999999999999999d", &[Value::Int(1)]);
    let _ = pf("%999999999d", &[Value::Int(1)]);
}

// ---------------------------------------------------------------------------------------------
// gallery

/// A gallery of formatted maps, snapshotted so that any format change shows up in review.
#[test]
fn gallery() {
    let maps = vec![
        scalar_hist(
            "@bytes",
            &[
                0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, -7,
            ],
            0,
        ),
        scalar_hist("@fine", &[5, 9, 17, 33, 3600], 2),
        scalar_lhist("@cpu", &[0, 1, 1, 2, 3, 3, 3, 7, 9], 0, 8, 1),
        scalar_lhist("@sz", &[100, 1500, 1600, 4000, 9000, -1], 0, 8192, 1024),
        MapSnapshot {
            name: "@lat".into(),
            keyed: true,
            entries: MapEntries::Hist {
                k: 0,
                entries: vec![
                    (
                        Some(Value::Tuple(vec![s("read"), Value::Int(3)])),
                        hist_buckets(&[10, 20, 30, 40], 0),
                    ),
                    (
                        Some(Value::Tuple(vec![s("write"), Value::Int(1)])),
                        hist_buckets(&[1_000_000], 0),
                    ),
                ],
            },
        },
        values_map(
            "@syscalls",
            vec![
                (s("openat"), Value::Uint(120)),
                (s("read"), Value::Uint(4000)),
                (s("close"), Value::Uint(120)),
            ],
        ),
        MapSnapshot {
            name: "@st".into(),
            keyed: true,
            entries: MapEntries::Stats(vec![
                (
                    Some(Value::Int(1)),
                    AvgState {
                        count: 4,
                        total: 10,
                    },
                ),
                (
                    Some(Value::Int(2)),
                    AvgState {
                        count: 2,
                        total: -9,
                    },
                ),
            ]),
        },
        MapSnapshot {
            name: "@avg".into(),
            keyed: false,
            entries: MapEntries::Avg(vec![(
                None,
                AvgState {
                    count: 3,
                    total: 100,
                },
            )]),
        },
        scalar(
            "@rec",
            Value::Record(vec![
                ("pid".into(), Value::Int(1)),
                ("comm".into(), s("init")),
                ("ok".into(), Value::Bool(true)),
            ]),
        ),
        values_map("@empty", vec![]),
    ];
    let mut gallery = format_exit_dump(&maps);
    gallery.push_str("--- print(@syscalls, 2, 10)\n");
    gallery.push_str(&format_map(&maps[5], 2, 10));
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("output_gallery", gallery);
    });
}
