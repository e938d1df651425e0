//! Behavioural tests: compile, load into the kernel, run, and check the results.

mod common;
use common::*;
use ir::*;
use libbpf_rs::MapCore;

/// `@r[i] = expr` for each expression, run once in BEGIN, then read back.
fn run_exprs(exprs: Vec<Expr>) -> Vec<i64> {
    let mut p = Prog::new();
    let m = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    let n = exprs.len();
    let body = exprs
        .into_iter()
        .enumerate()
        .map(|(i, x)| store(m, Some(u64c(i as u64)), cast(x, Type::I64)))
        .collect();
    p.begin(vec![], body);
    let obj = p.load();
    test_run(&obj, "p0_0");
    (0..n)
        .map(|i| read_i64(&obj, "m0", i as u64).unwrap_or_else(|| panic!("no result {i}")))
        .collect()
}

#[test]
fn signed_and_unsigned_arithmetic() {
    use BinaryOp::*;
    let i32t = Type::I32;
    let u8t = Type::int(8, false);
    let i8t = Type::int(8, true);
    let cases: Vec<(Expr, i64)> = vec![
        (bin(Add, i64c(40), i64c(2)), 42),
        (bin(Sub, i64c(2), i64c(40)), -38),
        (bin(Mul, i64c(-6), i64c(7)), -42),
        (bin(Div, i64c(-7), i64c(2)), -3),
        (bin(Mod, i64c(-7), i64c(2)), -1),
        (bin(Div, u64c(u64::MAX), u64c(2)), (u64::MAX / 2) as i64),
        (bin(Div, i64c(5), i64c(0)), 0),
        (bin(Mod, i64c(5), i64c(0)), 5),
        (bin(Div, i64c(i64::MIN), i64c(-1)), i64::MIN),
        (bin(Mod, i64c(i64::MIN), i64c(-1)), 0),
        (bin(Shr, i64c(-16), i64c(2)), -4),
        (bin(Shr, u64c(1 << 63), u64c(63)), 1),
        (bin(Shl, i64c(1), i64c(65)), 2),
        (bin(BitAnd, i64c(0b1100), i64c(0b1010)), 0b1000),
        (bin(BitOr, i64c(0b1100), i64c(0b1010)), 0b1110),
        (bin(BitXor, i64c(0b1100), i64c(0b1010)), 0b0110),
        (un(UnaryOp::Neg, i64c(5)), -5),
        (un(UnaryOp::BitNot, int(0, u8t.clone())), 255),
        (un(UnaryOp::Not, i64c(0)), 1),
        // 32-bit wrap and sign extension.
        (
            bin(
                Add,
                int(i32::MAX as i64, i32t.clone()),
                int(1, i32t.clone()),
            ),
            i32::MIN as i64,
        ),
        (bin(Add, int(255, u8t.clone()), int(1, u8t.clone())), 0),
        (cast(int(-1, i8t.clone()), Type::U64), -1),
        (cast(int(-1, i8t.clone()), Type::U32), u32::MAX as i64),
        (
            cast(int(0x1234_5678_9abc, Type::I64), Type::int(16, false)),
            0x9abc,
        ),
        (cast(int(0x80, Type::I64), i8t.clone()), -128),
        (bin(Div, int(-128, i8t.clone()), int(-1, i8t.clone())), -128),
        // Comparisons: signed vs unsigned.
        (bin(Lt, i64c(-1), i64c(1)), 1),
        (bin(Lt, u64c(u64::MAX), u64c(1)), 0),
        (bin(Ge, int(-1, i32t.clone()), int(0, i32t.clone())), 0),
        (bin(Gt, int(200, u8t.clone()), int(100, u8t.clone())), 1),
        (bin(Le, i64c(3), i64c(3)), 1),
        (bin(Ne, i64c(3), i64c(3)), 0),
        (bin(Eq, i64c(3), i64c(3)), 1),
        // Logic and ternary.
        (
            e(
                ExprKind::Logical {
                    and: true,
                    lhs: Box::new(i64c(1)),
                    rhs: Box::new(i64c(0)),
                },
                Type::Bool,
            ),
            0,
        ),
        (
            e(
                ExprKind::Logical {
                    and: false,
                    lhs: Box::new(i64c(0)),
                    rhs: Box::new(i64c(7)),
                },
                Type::Bool,
            ),
            1,
        ),
        (
            e(
                ExprKind::Ternary {
                    cond: Box::new(bin(Gt, i64c(2), i64c(1))),
                    then: Box::new(i64c(10)),
                    otherwise: Box::new(i64c(20)),
                },
                Type::I64,
            ),
            10,
        ),
        (builtin(Builtin::Ncpus, Type::U32), ncpus() as i64),
        (e(ExprKind::Bool(true), Type::Bool), 1),
    ];
    let (exprs, want): (Vec<Expr>, Vec<i64>) = cases.into_iter().unzip();
    let got = run_exprs(exprs);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "case {i}");
    }
}

#[test]
fn string_compare_and_variables() {
    use BinaryOp::*;
    let s16 = Type::Str { size: 16 };
    let mut p = Prog::new();
    let m = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    // $0 = "hello"; $1 = comm; $2 = 0; for $3 in 0..10 { $2 = $2 + $3 }
    let body = vec![
        assign(0, strlit("hello")),
        assign(1, builtin(Builtin::Comm, s16.clone())),
        assign(2, i64c(0)),
        st(StmtKind::ForRange {
            var: VarId(3),
            start: i64c(0),
            end: i64c(10),
            body: vec![assign(2, bin(Add, var(2, Type::I64), var(3, Type::I64)))],
        }),
        store(
            m,
            Some(u64c(0)),
            cast(bin(Eq, var(0, s16.clone()), strlit("hello")), Type::I64),
        ),
        store(
            m,
            Some(u64c(1)),
            cast(bin(Eq, var(0, s16.clone()), strlit("hell")), Type::I64),
        ),
        store(
            m,
            Some(u64c(2)),
            cast(bin(Ne, var(0, s16.clone()), strlit("hello!")), Type::I64),
        ),
        store(
            m,
            Some(u64c(3)),
            cast(bin(Eq, strlit("hello"), var(0, s16.clone())), Type::I64),
        ),
        store(
            m,
            Some(u64c(4)),
            cast(bin(Eq, var(0, s16.clone()), var(0, s16.clone())), Type::I64),
        ),
        store(
            m,
            Some(u64c(5)),
            cast(bin(Eq, var(1, s16.clone()), var(0, s16.clone())), Type::I64),
        ),
        store(m, Some(u64c(6)), var(2, Type::I64)),
        // comm of the test thread is the test's name, truncated; compare with what we know.
        store(
            m,
            Some(u64c(7)),
            cast(
                bin(Eq, builtin(Builtin::Comm, s16.clone()), var(1, s16.clone())),
                Type::I64,
            ),
        ),
    ];
    p.begin(vec![s16.clone(), s16.clone(), Type::I64, Type::I64], body);
    let obj = p.load();
    test_run(&obj, "p0_0");
    let r = |k| read_i64(&obj, "m0", k).expect("value");
    assert_eq!(
        (r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7)),
        (1, 0, 1, 1, 1, 0, 45, 1)
    );
}

#[test]
fn hist_and_lhist_buckets_match_the_abi() {
    let values: Vec<i64> = vec![
        -5,
        0,
        1,
        2,
        3,
        4,
        7,
        8,
        100,
        1000,
        4096,
        123_456_789,
        1 << 40,
        i64::MAX,
    ];
    let mut exprs = Vec::new();
    // hist(k=0) and hist(k=2) bucket indexes via a plain map: store @r[i] = (idx) is not
    // expressible; instead aggregate into hist maps and check which keys exist.
    let mut p = Prog::new();
    let h0 = p.map("@h0", None, MapKind::Hist { k: 0 });
    let h2 = p.map("@h2", None, MapKind::Hist { k: 2 });
    let lh = p.map(
        "@lh",
        None,
        MapKind::Lhist {
            min: 0,
            max: 100,
            step: 10,
        },
    );
    for v in &values {
        exprs.push(agg(h0, None, Some(i64c(*v))));
        exprs.push(agg(h2, None, Some(i64c(*v))));
        exprs.push(agg(lh, None, Some(i64c(*v))));
    }
    p.begin(vec![], exprs);
    let obj = p.load();
    test_run(&obj, "p0_0");
    let total = |map: &str, idx: u64| -> u64 {
        read_percpu(&obj, map, &idx.to_le_bytes())
            .map(|cpus| {
                cpus.iter()
                    .map(|c| u64::from_le_bytes(c[..8].try_into().unwrap()))
                    .sum()
            })
            .unwrap_or(0)
    };
    for (map, f) in [
        (
            "m0",
            Box::new(|v| abi::hist_index(v, 0)) as Box<dyn Fn(i64) -> u64>,
        ),
        ("m1", Box::new(|v| abi::hist_index(v, 2))),
        ("m2", Box::new(|v| abi::lhist_index(v, 0, 100, 10))),
    ] {
        let mut want = std::collections::BTreeMap::new();
        for v in &values {
            *want.entry(f(*v)).or_insert(0u64) += 1;
        }
        for (idx, n) in &want {
            assert_eq!(total(map, *idx), *n, "{map} bucket {idx}");
        }
        let keys: Vec<u64> = find_map(&obj, map)
            .keys()
            .map(|k| u64::from_le_bytes(k[..8].try_into().unwrap()))
            .collect();
        assert_eq!(
            keys.len(),
            want.len(),
            "{map}: keys {keys:?}, want {want:?}"
        );
    }
}

#[test]
fn aggregations_combine_per_cpu_slots() {
    let mut p = Prog::new();
    let count = p.map("@c", None, MapKind::Count);
    let sum = p.map("@s", None, MapKind::Sum(IntType::I64));
    let min = p.map("@mi", None, MapKind::Min(IntType::I64));
    let max = p.map("@ma", None, MapKind::Max(IntType::I64));
    let avg = p.map("@a", None, MapKind::Avg(IntType::I64));
    let stats = p.map("@st", None, MapKind::Stats(IntType::I64));
    let out = p.map("@r", Some(Type::U64), MapKind::Value(Type::I64));
    let keyed = p.map("@k", Some(Type::U64), MapKind::Count);
    let mut body = vec![agg(keyed, Some(u64c(7)), None)];
    for v in [5i64, -3, 10, 4] {
        body.push(agg(count, None, None));
        body.push(agg(sum, None, Some(i64c(v))));
        body.push(agg(min, None, Some(i64c(v))));
        body.push(agg(max, None, Some(i64c(v))));
        body.push(agg(avg, None, Some(i64c(v))));
        body.push(agg(stats, None, Some(i64c(v))));
    }
    for (i, m) in [count, sum, min, max, avg].into_iter().enumerate() {
        body.push(store(
            out,
            Some(u64c(i as u64)),
            map_read(m, None, Type::I64),
        ));
    }
    body.push(store(
        out,
        Some(u64c(9)),
        cast(
            e(
                ExprKind::MapHasKey {
                    map: keyed,
                    key: Box::new(u64c(7)),
                },
                Type::Bool,
            ),
            Type::I64,
        ),
    ));
    body.push(store(
        out,
        Some(u64c(10)),
        cast(
            e(
                ExprKind::MapDelete {
                    map: keyed,
                    key: Some(Box::new(u64c(7))),
                },
                Type::Bool,
            ),
            Type::I64,
        ),
    ));
    body.push(store(
        out,
        Some(u64c(11)),
        map_read(keyed, Some(u64c(7)), Type::I64),
    ));
    body.push(store(
        out,
        Some(u64c(12)),
        cast(
            e(
                ExprKind::MapHasKey {
                    map: keyed,
                    key: Box::new(u64c(7)),
                },
                Type::Bool,
            ),
            Type::I64,
        ),
    ));
    p.begin(vec![], body);
    let obj = p.load();
    test_run(&obj, "p0_0");
    let r = |k| read_i64(&obj, "m6", k).expect("value");
    assert_eq!([r(0), r(1), r(2), r(3), r(4)], [4, 16, -3, 10, 4]);
    assert_eq!([r(9), r(10), r(11), r(12)], [1, 1, 0, 0]);
    // stats: one CPU slot with count 4, total 16.
    let slots = read_percpu(&obj, "m5", &0u64.to_le_bytes()).expect("stats entry");
    let (c, t): (u64, i64) = slots.iter().fold((0, 0), |(c, t), s| {
        (
            c + u64::from_le_bytes(s[0..8].try_into().unwrap()),
            t + i64::from_le_bytes(s[8..16].try_into().unwrap()),
        )
    });
    assert_eq!((c, t), (4, 16));
}

#[test]
fn tracepoint_counts_getppid_calls_by_comm() {
    tracefs();
    let s16 = Type::Str { size: 16 };
    let mut p = Prog::new();
    let m = p.map("@", Some(s16.clone()), MapKind::Count);
    // Only count this process: pid == our pid.
    let me = std::process::id();
    let pred = bin(
        BinaryOp::Eq,
        builtin(Builtin::Pid, Type::U32),
        int(i64::from(me), Type::U32),
    );
    p.probe(
        AttachPoint::Tracepoint {
            category: "syscalls".into(),
            name: "sys_enter_getppid".into(),
        },
        vec![],
        Some(pred),
        vec![agg(m, Some(builtin(Builtin::Comm, s16)), None)],
    );
    let obj = p.load();
    let prog = obj.progs_mut().find(|p| p.name() == "p0_0").expect("prog");
    let link = prog.attach().expect("attach");
    const N: u64 = 37;
    for _ in 0..N {
        // SAFETY: getppid has no preconditions.
        unsafe { libc::getppid() };
    }
    drop(link);
    let map = find_map(&obj, "m0");
    let mut total = 0u64;
    for k in map.keys() {
        for cpu in map
            .lookup_percpu(&k, libbpf_rs::MapFlags::ANY)
            .expect("lookup")
            .expect("entry")
        {
            total += u64::from_le_bytes(cpu[..8].try_into().unwrap());
        }
    }
    assert_eq!(total, N);
}
