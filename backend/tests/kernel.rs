//! Attached programs: ring buffer records, `str()` of a user pointer, syscall sets, tuple keys.

mod common;
use common::*;
use ir::*;
use libbpf_rs::{MapCore, MapFlags, RingBufferBuilder};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn tid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

fn only_this_thread() -> Expr {
    bin(
        BinaryOp::Eq,
        builtin(Builtin::Tid, Type::U32),
        int(i64::from(tid()), Type::U32),
    )
}

fn collect_events(obj: &libbpf_rs::Object) -> Vec<Vec<u8>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    let map = find_map(obj, abi::EVENTS_MAP);
    let mut builder = RingBufferBuilder::new();
    builder
        .add(&map, move |data: &[u8]| {
            sink.borrow_mut().push(data.to_vec());
            0
        })
        .expect("ringbuf add");
    let rb = builder.build().expect("ringbuf");
    rb.poll(Duration::from_millis(10)).expect("poll");
    let out = events.borrow().clone();
    out
}

#[test]
fn begin_emits_a_record_with_mixed_argument_types() {
    let s16 = Type::Str { size: 16 };
    let args = vec![
        Type::int(8, true),
        Type::I64,
        Type::Str { size: 8 },
        Type::U32,
        Type::Bool,
        s16.clone(),
        Type::Tuple(vec![Type::U32, Type::Str { size: 5 }, Type::I64]),
        Type::ProbeName,
    ];
    let mut p = Prog::new();
    let a = p.action(
        ActionKind::Printf {
            format: "%d %d %s %u %d %s %d\n".into(),
        },
        args,
    );
    let _unused = p.action(ActionKind::Exit, vec![Type::I64]);
    p.begin(
        vec![],
        vec![emit(
            a,
            vec![
                int(-3, Type::int(8, true)),
                i64c(-123_456_789_000),
                strlit("abc"),
                int(7, Type::U32),
                e(ExprKind::Bool(true), Type::Bool),
                builtin(Builtin::Comm, s16),
                tuple(vec![int(9, Type::U32), strlit("xy"), i64c(-1)]),
                builtin(Builtin::Probe, Type::ProbeName),
            ],
        )],
    );
    let obj = p.load();
    test_run(&obj, "p0_0");
    let events = collect_events(&obj);
    assert_eq!(events.len(), 1);
    let r = &events[0];
    let layout = abi::event_layout(&p.p.actions[0].args);
    assert_eq!(r.len() as u32, 8 + layout.size);
    let at = |i: usize| 8 + layout.offsets[i] as usize;
    assert_eq!(
        u64::from_le_bytes(r[0..8].try_into().unwrap()),
        0,
        "action id"
    );
    assert_eq!(r[at(0)] as i8, -3);
    assert_eq!(
        i64::from_le_bytes(r[at(1)..at(1) + 8].try_into().unwrap()),
        -123_456_789_000
    );
    assert_eq!(&r[at(2)..at(2) + 8], b"abc\0\0\0\0\0");
    assert_eq!(
        u32::from_le_bytes(r[at(3)..at(3) + 4].try_into().unwrap()),
        7
    );
    assert_eq!(r[at(4)], 1);
    let comm = &r[at(5)..at(5) + 16];
    let my_comm = std::fs::read_to_string(format!("/proc/self/task/{}/comm", tid())).unwrap();
    let _ = my_comm; // BEGIN runs in BPF_PROG_TEST_RUN from this thread
    assert!(comm.contains(&0), "comm is NUL terminated");
    let t = at(6);
    assert_eq!(u32::from_le_bytes(r[t..t + 4].try_into().unwrap()), 9);
    assert_eq!(&r[t + 4..t + 9], b"xy\0\0\0");
    assert_eq!(
        i64::from_le_bytes(r[t + 16..t + 24].try_into().unwrap()),
        -1
    );
    assert_eq!(
        u64::from_le_bytes(r[at(7)..at(7) + 8].try_into().unwrap()),
        0
    );
}

#[test]
fn str_of_a_user_pointer_from_a_tracepoint() {
    tracefs();
    let mut p = Prog::new();
    let s64 = Type::Str { size: 64 };
    let a = p.action(
        ActionKind::Printf {
            format: "%s\n".into(),
        },
        vec![s64.clone()],
    );
    let filename = e(ExprKind::CtxField { offset: 24 }, Type::U64);
    let read = e(
        ExprKind::ReadStr {
            ptr: Box::new(filename),
            space: AddrSpace::User,
            max_len: None,
        },
        s64.clone(),
    );
    p.probe(
        AttachPoint::Tracepoint {
            category: "syscalls".into(),
            name: "sys_enter_openat".into(),
        },
        vec![],
        Some(only_this_thread()),
        vec![emit(a, vec![read])],
    );
    let mut obj = p.load();
    let link = obj
        .progs_mut()
        .find(|p| p.name() == "p0_0")
        .unwrap()
        .attach()
        .expect("attach");
    let path = "/tmp/oxtrace-backend-str-test";
    let _ = std::fs::File::open(path);
    drop(link);
    let events = collect_events(&obj);
    let _ = &mut obj;
    assert_eq!(events.len(), 1, "one openat");
    let s = &events[0][8..72];
    let end = s.iter().position(|c| *c == 0).unwrap();
    assert_eq!(std::str::from_utf8(&s[..end]).unwrap(), path);
    assert!(s[end..].iter().all(|c| *c == 0), "zero padded");
}

#[test]
fn syscall_set_filters_by_number_and_yields_the_probe_name() {
    tracefs();
    let mut p = Prog::new();
    let m = p.map("@", Some(Type::ProbeName), MapKind::Count);
    p.p.probe_names = vec![
        "BEGIN".into(),
        "tracepoint:syscalls:sys_enter_getppid".into(),
        "tracepoint:syscalls:sys_enter_getuid".into(),
    ];
    let syscalls = vec![
        SyscallProbe {
            nr: 110,
            tracepoint: "sys_enter_getppid".into(),
            probe_name: 1,
        },
        SyscallProbe {
            nr: 102,
            tracepoint: "sys_enter_getuid".into(),
            probe_name: 2,
        },
    ];
    p.p.probes.push(Probe {
        attach: vec![AttachSite {
            point: AttachPoint::SyscallSet {
                exit: false,
                syscalls,
            },
            probe_name: 0,
            span: S,
        }],
        predicate: Some(only_this_thread()),
        body: vec![agg(m, Some(builtin(Builtin::Probe, Type::ProbeName)), None)],
        vars: vec![],
        span: S,
    });
    let obj = p.load();
    let link = obj
        .progs_mut()
        .find(|p| p.name() == "p0_0")
        .unwrap()
        .attach()
        .expect("attach");
    for _ in 0..5 {
        // SAFETY: no preconditions.
        unsafe { libc::getppid() };
    }
    for _ in 0..3 {
        // SAFETY: no preconditions.
        unsafe { libc::getuid() };
    }
    // SAFETY: no preconditions. Not in the set.
    unsafe { libc::getpid() };
    drop(link);
    let map = find_map(&obj, "m0");
    let count = |probe: u64| -> u64 {
        map.lookup_percpu(&probe.to_le_bytes(), MapFlags::ANY)
            .unwrap()
            .map(|c| {
                c.iter()
                    .map(|v| u64::from_le_bytes(v[..8].try_into().unwrap()))
                    .sum()
            })
            .unwrap_or(0)
    };
    assert_eq!((count(1), count(2)), (5, 3));
    assert_eq!(map.keys().count(), 2);
}

#[test]
fn tuple_keys_with_strings_hash_equal() {
    let s16 = Type::Str { size: 16 };
    let key_ty = Type::Tuple(vec![Type::U32, s16.clone(), Type::Str { size: 4 }]);
    let mut p = Prog::new();
    let m = p.map("@", Some(key_ty.clone()), MapKind::Count);
    let key = || {
        tuple(vec![
            builtin(Builtin::Tid, Type::U32),
            builtin(Builtin::Comm, s16.clone()),
            strlit("ab"),
        ])
    };
    p.begin(
        vec![key_ty.clone()],
        vec![
            agg(m, Some(key()), None),
            assign(0, key()),
            agg(m, Some(var(0, key_ty.clone())), None),
        ],
    );
    let obj = p.load();
    test_run(&obj, "p0_0");
    let map = find_map(&obj, "m0");
    let keys: Vec<Vec<u8>> = map.keys().collect();
    assert_eq!(keys.len(), 1, "both updates hit one key");
    let k = &keys[0];
    assert_eq!(k.len() as u32, key_ty.size());
    assert_eq!(u32::from_le_bytes(k[0..4].try_into().unwrap()), tid());
    assert_eq!(&k[20..24], b"ab\0\0");
    let total: u64 = map
        .lookup_percpu(k, MapFlags::ANY)
        .unwrap()
        .unwrap()
        .iter()
        .map(|v| u64::from_le_bytes(v[..8].try_into().unwrap()))
        .sum();
    assert_eq!(total, 2);
}
