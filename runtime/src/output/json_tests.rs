//! Byte-exact tests of the JSON formatter ([`super::bt_json`]).
//!
//! Expected lines are the ones Debian's bpftrace 0.17 printed on this machine for the same data
//! (quoted next to each test), except for the documented differences: the newest
//! `attached_probes` shape and no blank lines before the exit dump.

use ir::abi::{hist_index, lhist_index};

use super::bt_json::*;
use crate::value::{AvgState, MapEntries, MapSnapshot, Value};

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn map(name: &str, keyed: bool, entries: MapEntries) -> MapSnapshot {
    MapSnapshot {
        name: name.into(),
        keyed,
        entries,
    }
}

fn values(entries: Vec<(Option<Value>, Value)>) -> MapEntries {
    MapEntries::Values {
        entries,
        sort_by_value: true,
    }
}

fn hist(values: &[i64], k: u8) -> MapEntries {
    MapEntries::Hist {
        k,
        entries: vec![(
            None,
            values.iter().map(|&v| (hist_index(v, k), 1)).collect(),
        )],
    }
}

fn lhist(values: &[i64], min: i64, max: i64, step: i64) -> MapEntries {
    MapEntries::Lhist {
        min,
        max,
        step,
        entries: vec![(
            None,
            values
                .iter()
                .map(|&v| (lhist_index(v, min, max, step), 1))
                .collect(),
        )],
    }
}

#[test]
fn strings_are_escaped() {
    assert_eq!(
        string("a\"b\\c\nd\te\u{1}\u{7f}é"),
        r#""a\"b\\c\nd\te\u0001\u007fé""#
    );
    assert_eq!(string("\r\u{8}\u{c}"), r#""\r\b\f""#);
}

#[test]
fn event_lines() {
    assert_eq!(
        format_attached(3),
        "{\"type\": \"attached_probes\", \"count\": 3, \"data\": {\"probes\": 3}}\n"
    );
    assert_eq!(
        format_lost_events(7),
        "{\"type\": \"lost_events\", \"count\": 7, \"data\": {\"events\": 7}}\n"
    );
    // 0.17: printf("x=%d \"q\"\n", 1)
    assert_eq!(
        format_printf("x=1 \"q\"\n"),
        "{\"type\": \"printf\", \"data\": \"x=1 \\\"q\\\"\\n\"}\n"
    );
    assert_eq!(
        format_time("2026"),
        "{\"type\": \"time\", \"data\": \"2026\"}\n"
    );
    assert_eq!(format_time(""), "");
}

#[test]
fn user_action_and_diagnostic_lines() {
    assert_eq!(
        format_text_output("cat", "Linux\n"),
        "{\"type\": \"cat\", \"data\": \"Linux\\n\"}\n"
    );
    assert_eq!(
        format_text_output("syscall", "hi\n"),
        "{\"type\": \"syscall\", \"data\": \"hi\\n\"}\n"
    );
    assert_eq!(
        format_diagnostic(true, "stdin:1:9-62", "bad 10"),
        "{\"type\": \"errorf\", \"msg\": \"bad 10\", \"filename\": \"stdin\", \"line\": 1, \"col\": 9}\n"
    );
    // A file name with a colon; a location spanning lines has no end column.
    assert_eq!(
        format_diagnostic(false, "a:b.bt:3:5", "w"),
        "{\"type\": \"warnf\", \"msg\": \"w\", \"filename\": \"a:b.bt\", \"line\": 3, \"col\": 5}\n"
    );
    assert_eq!(
        format_helper_error("Bad address", "probe_read_user", -14, "stdin", 1, 87),
        "{\"type\": \"helper_error\", \"msg\": \"Bad address\", \"helper\": \"probe_read_user\", \"retcode\": -14, \"filename\": \"stdin\", \"line\": 1, \"col\": 87}\n"
    );
}

#[test]
fn print_values() {
    // 0.17: print((1, "s")), print(5), print("str")
    assert_eq!(
        format_value_line(&Value::Tuple(vec![Value::Int(1), s("s")])),
        "{\"type\": \"value\", \"data\": [1,\"s\"]}\n"
    );
    assert_eq!(
        format_value_line(&Value::Int(5)),
        "{\"type\": \"value\", \"data\": 5}\n"
    );
    assert_eq!(
        format_value_line(&s("str")),
        "{\"type\": \"value\", \"data\": \"str\"}\n"
    );
    let record = Value::Record(vec![
        ("a".into(), Value::Bool(true)),
        ("b".into(), Value::Tuple(vec![Value::Uint(2), s("x\"")])),
        (
            "c".into(),
            Value::Array(vec![Value::Int(-1), Value::Int(2)]),
        ),
    ]);
    assert_eq!(
        format_value_line(&record),
        "{\"type\": \"value\", \"data\": {\"a\":true,\"b\":[2,\"x\\\"\"],\"c\":[-1,2]}}\n"
    );
    assert_eq!(
        format_value_line(&Value::Buffer(vec![b'a', 0, 0xff])),
        "{\"type\": \"value\", \"data\": \"a\\\\x00\\\\xff\"}\n"
    );
}

#[test]
fn plain_maps() {
    // 0.17: @n["a"] = count() -> {"type": "map", "data": {"@n": {"a": 1}}}
    let m = map("@n", true, values(vec![(Some(s("a")), Value::Uint(1))]));
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"map\", \"data\": {\"@n\": {\"a\": 1}}}\n"
    );
    // 0.17: @m[1,"x"] = sum(5); @m[2,"y"] = sum(1) -> sorted by value, keys joined by ","
    let m = map(
        "@m",
        true,
        values(vec![
            (
                Some(Value::Tuple(vec![Value::Int(1), s("x")])),
                Value::Int(5),
            ),
            (
                Some(Value::Tuple(vec![Value::Int(2), s("y")])),
                Value::Int(1),
            ),
        ]),
    );
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"map\", \"data\": {\"@m\": {\"2,y\": 1, \"1,x\": 5}}}\n"
    );
    // top and div as in text mode.
    assert_eq!(
        format_map(&m, 1, 2),
        "{\"type\": \"map\", \"data\": {\"@m\": {\"1,x\": 2}}}\n"
    );
    // 0.17: @str = "hi\"x"; scalar maps print the bare value.
    let m = map("@str", false, values(vec![(None, s("hi\"x"))]));
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"map\", \"data\": {\"@str\": \"hi\\\"x\"}}\n"
    );
    // 0.17: clear(@c); print(@c) -> {"@c": 0}; an empty keyed map prints nothing.
    assert_eq!(
        format_map(&map("@c", false, values(vec![])), 0, 1),
        "{\"type\": \"map\", \"data\": {\"@c\": 0}}\n"
    );
    assert_eq!(format_map(&map("@z", true, values(vec![])), 0, 1), "");
}

#[test]
fn stats_and_avg_maps() {
    let st = |count, total| AvgState { count, total };
    // 0.17: @s = stats(3)
    let m = map("@s", false, MapEntries::Stats(vec![(None, st(1, 3))]));
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 3, \"total\": 3}}}\n"
    );
    // 0.17: @sk["x"] = stats(4)
    let m = map(
        "@sk",
        true,
        MapEntries::Stats(vec![(Some(s("x")), st(1, 4))]),
    );
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"stats\", \"data\": {\"@sk\": {\"x\": {\"count\": 1, \"average\": 4, \"total\": 4}}}}\n"
    );
    // 0.17: @a = avg(5); @ak[1] = avg(3)
    let m = map("@a", false, MapEntries::Avg(vec![(None, st(1, 5))]));
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"stats\", \"data\": {\"@a\": 5}}\n"
    );
    let m = map(
        "@ak",
        true,
        MapEntries::Avg(vec![(Some(Value::Int(1)), st(2, 6))]),
    );
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"stats\", \"data\": {\"@ak\": {\"1\": 3}}}\n"
    );
}

#[test]
fn hist_maps() {
    // 0.17: @h = hist(5)
    assert_eq!(
        format_map(&map("@h", false, hist(&[5], 0)), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 4, \"max\": 7, \"count\": 1}]}}\n"
    );
    // 0.17: @h2 = hist(-1) — the negative bucket has only max.
    assert_eq!(
        format_map(&map("@h2", false, hist(&[-1], 0)), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@h2\": [{\"max\": -1, \"count\": 1}]}}\n"
    );
    // 0.17: hist(1), hist(100): interior zero buckets are listed.
    assert_eq!(
        format_map(&map("@h", false, hist(&[1, 100], 0)), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1, \"max\": 1, \"count\": 1}, \
         {\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 0}, \
         {\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, \
         {\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 1}]}}\n"
    );
    // 0.17: @hk["a"] = hist(3); @hk["b"] = hist(0)
    let m = map(
        "@hk",
        true,
        MapEntries::Hist {
            k: 0,
            entries: vec![
                (Some(s("b")), vec![(hist_index(0, 0), 1)]),
                (Some(s("a")), vec![(hist_index(3, 0), 1)]),
            ],
        },
    );
    assert_eq!(
        format_map(&m, 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@hk\": {\"a\": [{\"min\": 2, \"max\": 3, \"count\": 1}], \
         \"b\": [{\"min\": 0, \"max\": 0, \"count\": 1}]}}}\n"
    );
    // An empty scalar hist prints [] (notes (g)).
    let empty = MapEntries::Hist {
        k: 0,
        entries: vec![],
    };
    assert_eq!(
        format_map(&map("@e", false, empty), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@e\": []}}\n"
    );
}

#[test]
fn lhist_maps() {
    // 0.17: lhist(5, 0, 100, 10); lhist(35, 0, 100, 10)
    assert_eq!(
        format_map(&map("@l", false, lhist(&[5, 35], 0, 100, 10)), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 0, \"max\": 9, \"count\": 1}, \
         {\"min\": 10, \"max\": 19, \"count\": 0}, {\"min\": 20, \"max\": 29, \"count\": 0}, \
         {\"min\": 30, \"max\": 39, \"count\": 1}]}}\n"
    );
    // 0.17: lhist(200, 0, 100, 10) — the overflow bucket has only min.
    assert_eq!(
        format_map(&map("@l", false, lhist(&[200], 0, 100, 10)), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 100, \"count\": 1}]}}\n"
    );
    // 0.17: lhist(-5, 0, 100, 10) — below range: only max (min - 1).
    assert_eq!(
        format_map(&map("@l2", false, lhist(&[-5], 0, 100, 10)), 0, 1),
        "{\"type\": \"hist\", \"data\": {\"@l2\": [{\"max\": -1, \"count\": 1}]}}\n"
    );
}

#[test]
fn exit_dump_is_name_ordered_without_blank_lines_or_empty_maps() {
    let maps = vec![
        map("@b", true, values(vec![(Some(s("x")), Value::Uint(1))])),
        map("@a", false, values(vec![(None, Value::Int(1))])),
        map("@empty", true, values(vec![])),
    ];
    assert_eq!(
        format_exit_dump(&maps),
        "{\"type\": \"map\", \"data\": {\"@a\": 1}}\n\
         {\"type\": \"map\", \"data\": {\"@b\": {\"x\": 1}}}\n"
    );
    assert_eq!(format_exit_dump(&[]), "");
}

#[test]
fn text_sigusr1_dump_has_no_blank_lines() {
    let maps = vec![
        map("@b", true, values(vec![(Some(s("x")), Value::Uint(1))])),
        map("@a", false, values(vec![(None, Value::Int(1))])),
    ];
    // 0.17 on SIGUSR1: "@a: 1\n@b[x]: 1\n"
    assert_eq!(super::bt_text::format_all_maps(&maps), "@a: 1\n@b[x]: 1\n");
}
