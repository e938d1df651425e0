//! `len(@m)`, `for ($kv : @m)` (both through `bpf_for_each_map_elem` callbacks) and
//! `strcontains()`: compiled, loaded into the kernel, run once in BEGIN, results read back.

mod common;
use common::*;
use ir::*;

fn map_len(map: MapId) -> Expr {
    e(ExprKind::MapLen { map }, Type::U64)
}

fn for_map(var: u32, map: MapId, body: Vec<Stmt>) -> Stmt {
    st(StmtKind::ForMap {
        var: VarId(var),
        map,
        body,
    })
}

fn field(base: Expr, index: u32, ty: Type) -> Expr {
    e(
        ExprKind::Field {
            base: Box::new(base),
            index,
        },
        ty,
    )
}

fn strcontains(h: Expr, n: Expr) -> Expr {
    e(
        ExprKind::Call {
            func: Function::Strcontains,
            args: vec![h, n],
        },
        Type::Bool,
    )
}

fn if_then(cond: Expr, then: Vec<Stmt>) -> Stmt {
    st(StmtKind::If {
        cond,
        then,
        otherwise: vec![],
    })
}

/// The `(u64 key, i64 value)` loop variable type.
fn kv_u64_i64() -> Type {
    Type::Tuple(vec![Type::U64, Type::I64])
}

/// Runs `p`'s BEGIN and returns `@r[0..n]` (`@r` must be map 0, `u64` -> `i64`).
fn run(p: &Prog, n: u64) -> Vec<Option<i64>> {
    let obj = p.load();
    test_run(&obj, "p0_0");
    (0..n).map(|k| read_i64(&obj, "m0", k)).collect()
}

#[test]
fn len_of_a_map_with_three_keys() {
    let mut p = Prog::new();
    let r = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    let m = p.map("@m", Some(Type::U64), MapKind::Value(Type::I64));
    let empty = p.map("@e", Some(Type::U64), MapKind::Value(Type::I64));
    let mut body: Vec<Stmt> = (1..=3)
        .map(|k| store(m, Some(u64c(k * 10)), i64c(k as i64)))
        .collect();
    // Overwriting a key does not add an entry.
    body.push(store(m, Some(u64c(10)), i64c(7)));
    body.push(store(r, Some(u64c(0)), cast(map_len(m), Type::I64)));
    body.push(store(r, Some(u64c(1)), cast(map_len(empty), Type::I64)));
    p.begin(vec![], body);
    assert_eq!(run(&p, 2), vec![Some(3), Some(0)]);
}

#[test]
fn len_of_a_per_cpu_count_map_counts_keys() {
    let mut p = Prog::new();
    let r = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    let c = p.map("@c", Some(Type::U64), MapKind::Count);
    let body = vec![
        agg(c, Some(u64c(1)), None),
        agg(c, Some(u64c(2)), None),
        agg(c, Some(u64c(2)), None),
        agg(c, Some(u64c(3)), None),
        store(r, Some(u64c(0)), cast(map_len(c), Type::I64)),
    ];
    p.begin(vec![], body);
    assert_eq!(run(&p, 1), vec![Some(3)]);
}

#[test]
fn for_loop_sums_values_into_another_map() {
    let mut p = Prog::new();
    let r = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    let m = p.map("@m", Some(Type::U64), MapKind::Value(Type::I64));
    let c = p.map("@c", Some(Type::U64), MapKind::Count);
    let kv = || var(0, kv_u64_i64());
    let ckv = || var(2, Type::Tuple(vec![Type::U64, Type::U64]));
    let body = vec![
        store(m, Some(u64c(1)), i64c(100)),
        store(m, Some(u64c(2)), i64c(20)),
        store(m, Some(u64c(3)), i64c(3)),
        agg(c, Some(u64c(5)), None),
        agg(c, Some(u64c(5)), None),
        agg(c, Some(u64c(6)), None),
        // $1 (a variable of the probe) = 1000 before the loops.
        assign(1, i64c(1000)),
        // for ($kv : @m) { @r[0] += $kv.1; @r[1] += $kv.0; $1 += $kv.1 }
        for_map(
            0,
            m,
            vec![
                store(
                    r,
                    Some(u64c(0)),
                    bin(
                        BinaryOp::Add,
                        map_read(r, Some(u64c(0)), Type::I64),
                        field(kv(), 1, Type::I64),
                    ),
                ),
                store(
                    r,
                    Some(u64c(1)),
                    bin(
                        BinaryOp::Add,
                        map_read(r, Some(u64c(1)), Type::I64),
                        cast(field(kv(), 0, Type::U64), Type::I64),
                    ),
                ),
                assign(
                    1,
                    bin(BinaryOp::Add, var(1, Type::I64), field(kv(), 1, Type::I64)),
                ),
            ],
        ),
        store(r, Some(u64c(2)), var(1, Type::I64)),
        // for ($kv : @c) { @r[3] += $kv.1 }: the value is the count summed over CPUs.
        for_map(
            2,
            c,
            vec![store(
                r,
                Some(u64c(3)),
                bin(
                    BinaryOp::Add,
                    map_read(r, Some(u64c(3)), Type::I64),
                    cast(field(ckv(), 1, Type::U64), Type::I64),
                ),
            )],
        ),
    ];
    p.begin(
        vec![
            kv_u64_i64(),
            Type::I64,
            Type::Tuple(vec![Type::U64, Type::U64]),
        ],
        body,
    );
    assert_eq!(run(&p, 4), vec![Some(123), Some(6), Some(1123), Some(3)]);
}

#[test]
fn break_stops_after_the_second_element_and_return_leaves_the_probe() {
    let mut p = Prog::new();
    let r = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    let m = p.map("@m", Some(Type::U64), MapKind::Value(Type::I64));
    let mut body: Vec<Stmt> = (1..=5)
        .map(|k| store(m, Some(u64c(k)), i64c(k as i64)))
        .collect();
    let n = || var(1, Type::I64);
    body.extend([
        assign(1, i64c(0)),
        // for ($kv : @m) { $n++; @r[1] = $n; if ($n == 2) { break; } @r[2] = $n; }
        for_map(
            0,
            m,
            vec![
                assign(1, bin(BinaryOp::Add, n(), i64c(1))),
                store(r, Some(u64c(1)), n()),
                if_then(bin(BinaryOp::Eq, n(), i64c(2)), vec![st(StmtKind::Break)]),
                store(r, Some(u64c(2)), n()),
            ],
        ),
        store(r, Some(u64c(0)), n()),
        // for ($kv : @m) { if ($kv.1 > 0) { return; } }; @r[3] = 1 never runs.
        for_map(
            0,
            m,
            vec![
                if_then(
                    bin(
                        BinaryOp::Gt,
                        field(var(0, kv_u64_i64()), 1, Type::I64),
                        i64c(0),
                    ),
                    vec![st(StmtKind::Return)],
                ),
                store(r, Some(u64c(4)), i64c(1)),
            ],
        ),
        store(r, Some(u64c(3)), i64c(1)),
    ]);
    p.begin(vec![kv_u64_i64(), Type::I64], body);
    assert_eq!(run(&p, 5), vec![Some(2), Some(2), Some(1), None, None]);
}

#[test]
fn strcontains_literal_and_variable_needles() {
    let s16 = Type::Str { size: 16 };
    let s8 = Type::Str { size: 8 };
    let s32 = Type::Str { size: 32 };
    let mut p = Prog::new();
    let r = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    // $0 = "hello world" (string[16]); $1, $2, $3 needles; $4 = "hello" (string[8]).
    let hay = || var(0, s16.clone());
    let cases: Vec<(Expr, i64)> = vec![
        (strcontains(hay(), strlit("world")), 1),
        (strcontains(hay(), strlit("hello")), 1),
        (strcontains(hay(), strlit("o w")), 1),
        (strcontains(hay(), strlit("d")), 1),
        (strcontains(hay(), strlit("xyz")), 0),
        (strcontains(hay(), strlit("worlds")), 0),
        (strcontains(hay(), strlit("")), 1),
        (strcontains(var(4, s8.clone()), strlit("")), 1),
        // The needle is longer than the haystack's text, and than its buffer.
        (strcontains(strlit("ab"), strlit("abc")), 0),
        (
            strcontains(var(4, s8.clone()), strlit("hello world, longer")),
            0,
        ),
        // Needles in variables: the nested loop.
        (strcontains(hay(), var(1, s8.clone())), 1),
        (strcontains(hay(), var(2, s8.clone())), 0),
        (strcontains(hay(), var(3, s8.clone())), 1),
        (strcontains(var(4, s8.clone()), var(5, s32.clone())), 0),
        (strcontains(var(4, s8.clone()), var(4, s8.clone())), 1),
        (strcontains(strlit(""), strlit("")), 1),
        (strcontains(strlit(""), strlit("a")), 0),
    ];
    let mut body = vec![
        assign(0, strlit("hello world")),
        assign(1, strlit("lo w")),
        assign(2, strlit("wox")),
        assign(3, strlit("")),
        assign(4, strlit("hello")),
        assign(5, strlit("hello world!!")),
    ];
    let n = cases.len();
    let mut want = Vec::new();
    for (i, (x, w)) in cases.into_iter().enumerate() {
        body.push(store(r, Some(u64c(i as u64)), cast(x, Type::I64)));
        want.push(Some(w));
    }
    p.begin(
        vec![s16.clone(), s8.clone(), s8.clone(), s8.clone(), s8, s32],
        body,
    );
    assert_eq!(run(&p, n as u64), want);
}
