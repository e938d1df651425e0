//! End-to-end tests: IR programs compiled by the backend, run by the runtime against the kernel.
//! Needs root; skipped otherwise. Tests run one at a time (they share the process's signal
//! handling and the "worker" thread they filter on).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use ir::*;
use runtime::output::bt_text;
use runtime::RuntimeError;

mod common;
use common::{getpgid, getppid_times, root, serial, Outcome, Shared, NOTIFY};

const S: Span = Span::DUMMY;

// ---- a small IR builder -------------------------------------------------------------------

struct Prog(Program);

impl Prog {
    fn new() -> Prog {
        Prog(Program {
            probes: vec![],
            maps: vec![],
            actions: vec![],
            probe_names: vec![],
            config: Config {
                ringbuf_bytes: 1 << 16,
                ..Config::default()
            },
        })
    }
    fn map(&mut self, name: &str, key: Option<Type>, kind: MapKind) -> MapId {
        self.0.maps.push(MapDecl {
            name: name.into(),
            key,
            kind,
            max_entries: 1024,
            span: S,
        });
        MapId(self.0.maps.len() as u32 - 1)
    }
    fn action(&mut self, kind: ActionKind, args: Vec<Type>) -> ActionId {
        self.0.actions.push(Action {
            kind,
            args,
            span: S,
        });
        ActionId(self.0.actions.len() as u32 - 1)
    }
    fn probe(&mut self, point: AttachPoint, predicate: Option<Expr>, body: Vec<Stmt>) {
        self.0.probe_names.push(point.bpftrace_name());
        let probe_name = self.0.probe_names.len() as u32 - 1;
        let n = self.0.probes.len() as u32;
        let span = Span {
            start: n * 10,
            end: n * 10 + 5,
        };
        self.0.probes.push(Probe {
            attach: vec![AttachSite {
                point,
                probe_name,
                span,
            }],
            predicate,
            body,
            vars: vec![],
            span,
        });
    }
    fn elf(&self) -> Vec<u8> {
        let ncpus = libbpf_rs::num_possible_cpus()
            .map(|n| n as u32)
            .unwrap_or(2);
        match backend::compile(
            &self.0,
            &backend::BackendOptions {
                ncpus,
                helper_errors: false,
            },
        ) {
            Ok(o) => o.elf,
            Err(d) => panic!("compile failed: {d:#?}"),
        }
    }
}

fn e(kind: ExprKind, ty: Type) -> Expr {
    Expr::new(kind, ty, S)
}
fn i64c(v: i64) -> Expr {
    Expr::int(v, Type::I64, S)
}
fn strlit(s: &str) -> Expr {
    e(
        ExprKind::Str(s.into()),
        Type::Str {
            size: s.len() as u32 + 1,
        },
    )
}
fn st(kind: StmtKind) -> Stmt {
    Stmt::new(kind, S)
}
fn emit(action: ActionId, args: Vec<Expr>) -> Stmt {
    st(StmtKind::Emit { action, args })
}
fn agg(map: MapId, key: Option<Expr>, value: Option<Expr>) -> Stmt {
    st(StmtKind::MapAggregate {
        map,
        key,
        value,
        incr: None,
    })
}
/// `tid == t`.
fn tid_is(t: u32) -> Expr {
    let tid = e(ExprKind::Builtin(Builtin::Tid), Type::U32);
    let rhs = Expr::int(i64::from(t), Type::U32, S);
    e(
        ExprKind::Binary {
            op: BinaryOp::Eq,
            lhs: Box::new(tid),
            rhs: Box::new(rhs),
        },
        Type::Bool,
    )
}
fn tracepoint(category: &str, name: &str) -> AttachPoint {
    AttachPoint::Tracepoint {
        category: category.into(),
        name: name.into(),
    }
}

// ---- running ------------------------------------------------------------------------------

/// Compiles `program` with the backend and runs it (see [`common::run`]).
fn run(program: Program, during: impl FnOnce(&Shared)) -> Outcome {
    let elf = Prog(program.clone()).elf();
    common::run(program, elf, false, during)
}

/// A thread named "oxtworker" that reports its tid, then runs `work` when told to.
struct Worker {
    tid: u32,
    go: mpsc::Sender<()>,
    handle: std::thread::JoinHandle<()>,
}

fn worker(work: impl FnOnce() + Send + 'static) -> Worker {
    let (tid_tx, tid_rx) = mpsc::channel();
    let (go, go_rx) = mpsc::channel::<()>();
    let handle = std::thread::Builder::new()
        .name("oxtworker".into())
        .spawn(move || {
            // SAFETY: gettid has no preconditions.
            let tid = unsafe { libc::gettid() } as u32;
            let _ = tid_tx.send(tid);
            if go_rx.recv().is_ok() {
                work();
            }
        })
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let tid = tid_rx.recv().unwrap_or_else(|e| panic!("tid: {e}"));
    Worker { tid, go, handle }
}

impl Worker {
    fn start(self) {
        let _ = self.go.send(());
        let _ = self.handle.join();
    }
}

/// A function for the uprobe test to attach to.
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxt_uprobe_target(x: u64) -> u64 {
    std::hint::black_box(x.wrapping_mul(3))
}

// ---- tests --------------------------------------------------------------------------------

#[test]
fn begin_printf_and_exit_code() {
    let _g = serial();
    if !root() {
        return;
    }
    let mut p = Prog::new();
    let pf = p.action(
        ActionKind::Printf {
            format: "hello %d %s\n".into(),
        },
        vec![Type::I64, Type::Str { size: 6 }],
    );
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    p.probe(
        AttachPoint::Begin,
        None,
        vec![
            emit(pf, vec![i64c(42), strlit("world")]),
            emit(ex, vec![i64c(4)]),
        ],
    );
    let o = run(p.0, |_| {});
    assert_eq!(o.result, Ok(4));
    assert_eq!(
        o.stdout,
        // The notify line follows BEGIN's output (a workload started on it cannot race BEGIN).
        format!("hello 42 world\n{NOTIFY}{}", bt_text::format_exit_dump(&[]))
    );
    assert_eq!(o.stderr, "Attached 1 probe\n");
}

#[test]
fn tracepoint_counts_exactly_then_end_runs() {
    let _g = serial();
    if !root() {
        return;
    }
    let w = worker(|| {
        getppid_times(7);
        getpgid();
    });
    let mut p = Prog::new();
    let c = p.map("@c", None, MapKind::Count);
    let k = p.map("@k", Some(Type::Str { size: 16 }), MapKind::Count);
    let h = p.map("@h", None, MapKind::Hist { k: 0 });
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    let bye = p.action(
        ActionKind::Printf {
            format: "bye\n".into(),
        },
        vec![],
    );
    let comm = e(ExprKind::Builtin(Builtin::Comm), Type::Str { size: 16 });
    p.probe(
        tracepoint("syscalls", "sys_enter_getppid"),
        Some(tid_is(w.tid)),
        vec![
            agg(c, None, None),
            agg(k, Some(comm), None),
            agg(h, None, Some(i64c(5))),
        ],
    );
    p.probe(
        tracepoint("syscalls", "sys_enter_getpgid"),
        Some(tid_is(w.tid)),
        vec![emit(ex, vec![i64c(0)])],
    );
    p.probe(AttachPoint::End, None, vec![emit(bye, vec![])]);
    let o = run(p.0, |out| {
        out.wait_for(NOTIFY);
        w.start();
    });
    assert_eq!(o.result, Ok(0));
    let bar = "@".repeat(52);
    assert_eq!(
        o.stdout,
        format!(
            "{NOTIFY}bye\n\n\n@c: 7\n@h:\n[4, 8)                 7 |{bar}|\n\n@k[oxtworker]: 7\n"
        )
    );
    assert_eq!(o.stderr, "Attached 3 probes\n");
}

#[test]
fn syscall_set_counts_by_probe_name() {
    let _g = serial();
    if !root() {
        return;
    }
    let w = worker(|| {
        getppid_times(3);
        getpgid();
    });
    let mut p = Prog::new();
    let m = p.map("@", Some(Type::ProbeName), MapKind::Count);
    p.0.probe_names
        .push("tracepoint:syscalls:sys_enter_getppid".into());
    p.0.probe_names
        .push("tracepoint:syscalls:sys_enter_getpgid".into());
    let set = AttachPoint::SyscallSet {
        exit: false,
        syscalls: vec![
            SyscallProbe {
                nr: libc::SYS_getppid as u32,
                tracepoint: "sys_enter_getppid".into(),
                probe_name: 0,
            },
            SyscallProbe {
                nr: libc::SYS_getpgid as u32,
                tracepoint: "sys_enter_getpgid".into(),
                probe_name: 1,
            },
        ],
    };
    // The builder pushes the set's own name after the two syscall names.
    let probe = e(ExprKind::Builtin(Builtin::Probe), Type::ProbeName);
    p.probe(set, Some(tid_is(w.tid)), vec![agg(m, Some(probe), None)]);
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    p.probe(
        tracepoint("syscalls", "sys_exit_getpgid"),
        Some(tid_is(w.tid)),
        vec![emit(ex, vec![i64c(0)])],
    );
    let o = run(p.0, |out| {
        out.wait_for(NOTIFY);
        w.start();
    });
    assert_eq!(o.result, Ok(0));
    // exit() fires at getpgid's return, after its entry was counted.
    assert_eq!(
        o.stdout,
        format!(
            "{NOTIFY}\n\n@[tracepoint:syscalls:sys_enter_getpgid]: 1\n@[tracepoint:syscalls:sys_enter_getppid]: 3\n"
        )
    );
    // Two syscalls in the set count as two probes, plus the exit tracepoint.
    assert_eq!(o.stderr, "Attached 3 probes\n");
}

#[test]
fn interval_and_profile_fire() {
    let _g = serial();
    if !root() {
        return;
    }
    let mut p = Prog::new();
    let m = p.map("@p", None, MapKind::Count);
    let tick = p.action(
        ActionKind::Printf {
            format: "tick\n".into(),
        },
        vec![],
    );
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    p.probe(
        AttachPoint::Profile {
            period: Period::Hz(997),
        },
        None,
        vec![agg(m, None, None)],
    );
    p.probe(
        AttachPoint::Interval {
            period: Period::Nanos(200_000_000),
        },
        None,
        vec![emit(tick, vec![]), emit(ex, vec![i64c(0)])],
    );
    let t = Instant::now();
    let o = run(p.0, |_| {});
    assert_eq!(o.result, Ok(0));
    assert!(
        o.stdout.starts_with(&format!("{NOTIFY}tick\n\n\n@p: ")),
        "{}",
        o.stdout
    );
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(o.stderr, "Attached 2 probes\n");
}

#[test]
fn uprobe_on_own_function() {
    let _g = serial();
    if !root() {
        return;
    }
    let w = worker(|| {
        for i in 0..4 {
            std::hint::black_box(oxt_uprobe_target(std::hint::black_box(i)));
        }
        getpgid();
    });
    let exe = std::env::current_exe()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut p = Prog::new();
    let m = p.map("@u", None, MapKind::Count);
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    let up = AttachPoint::Uprobe {
        binary: exe,
        symbol: Some("oxt_uprobe_target".into()),
        offset: 0,
    };
    p.probe(up, Some(tid_is(w.tid)), vec![agg(m, None, None)]);
    p.probe(
        tracepoint("syscalls", "sys_enter_getpgid"),
        Some(tid_is(w.tid)),
        vec![emit(ex, vec![i64c(0)])],
    );
    let o = run(p.0, |out| {
        out.wait_for(NOTIFY);
        w.start();
    });
    assert_eq!(o.result, Ok(0));
    assert_eq!(o.stdout, format!("{NOTIFY}\n\n@u: 4\n"));
}

#[test]
fn sigint_stops_runs_end_and_prints_maps() {
    let _g = serial();
    if !root() {
        return;
    }
    let mut p = Prog::new();
    let m = p.map("@x", None, MapKind::Value(Type::I64));
    let bye = p.action(
        ActionKind::Printf {
            format: "bye\n".into(),
        },
        vec![],
    );
    p.probe(
        AttachPoint::Begin,
        None,
        vec![st(StmtKind::MapStore {
            map: m,
            key: None,
            value: i64c(-9),
        })],
    );
    p.probe(AttachPoint::End, None, vec![emit(bye, vec![])]);
    let o = run(p.0, |out| {
        out.wait_for(NOTIFY);
        // Let BEGIN run, then interrupt like Ctrl-C.
        std::thread::sleep(Duration::from_millis(50));
        // SAFETY: sends SIGINT to this process, whose handler (installed by run) sets a flag.
        unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
    });
    assert_eq!(o.result, Ok(0));
    assert_eq!(o.stdout, format!("{NOTIFY}bye\n\n\n@x: -9\n"));
    assert_eq!(o.stderr, "Attached 2 probes\n");
}

#[test]
fn kprobe_loads_but_cannot_attach() {
    let _g = serial();
    if !root() {
        return;
    }
    let mut p = Prog::new();
    let m = p.map("@", None, MapKind::Count);
    p.probe(
        AttachPoint::Kprobe {
            module: None,
            function: "do_nanosleep".into(),
            offset: 0,
        },
        None,
        vec![agg(m, None, None)],
    );
    let o = run(p.0, |_| {});
    let err = o
        .result
        .err()
        .unwrap_or_else(|| RuntimeError::new("expected an error"));
    assert_eq!(err.message, "cannot attach kprobe:do_nanosleep: kprobes are not available on this kernel (no kprobe_events)");
    assert_eq!(err.span, Some(Span { start: 0, end: 5 }));
    assert_eq!(o.stdout, "");
}

/// Timing probe, not an assertion: `cargo test -p runtime --test backend_e2e -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_many_tracepoints() {
    let _g = serial();
    if !root() {
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir("/sys/kernel/tracing/events/syscalls")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.retain(|n| n.starts_with("sys_enter_"));
    names.sort();
    names.truncate(40);
    let mut p = Prog::new();
    let m = p.map("@", None, MapKind::Count);
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    for n in &names {
        p.probe(tracepoint("syscalls", n), None, vec![agg(m, None, None)]);
    }
    p.probe(AttachPoint::Begin, None, vec![emit(ex, vec![i64c(0)])]);
    let t = Instant::now();
    let o = run(p.0, |_| {});
    eprintln!(
        "{} tracepoints: total {:?}, stderr {:?}",
        names.len(),
        t.elapsed(),
        o.stderr
    );
    assert_eq!(o.result, Ok(0));
}

/// Values around every bucket boundary of the quantize family's shapes used below.
fn boundary_values() -> Vec<i64> {
    let mut vs = vec![0, 1, 2, 3, i64::MAX, i64::MIN, i64::MIN + 1];
    for p in [
        2i64, 3, 4, 5, 7, 8, 10, 12, 16, 20, 40, 64, 99, 100, 101, 150, 999, 1000,
    ] {
        for d in [-1, 0, 1] {
            vs.push(p + d);
            vs.push(-(p + d));
        }
    }
    vs.push(1 << 40);
    vs.push(-(1 << 40) - 3);
    vs.sort_unstable();
    vs.dedup();
    vs
}

#[test]
fn quantize_family_buckets_in_bpf_match_the_abi() {
    use runtime::output::dtrace_text::{self, AggValue, Aggregation, SortOptions};
    use runtime::value::Value;
    let _g = serial();
    if !root() {
        return;
    }
    let values = boundary_values();
    let shapes: Vec<MapKind> = vec![
        MapKind::Quantize,
        MapKind::Lquantize {
            base: -50,
            step: 7,
            levels: 20,
        },
        MapKind::Llquantize {
            factor: 10,
            low: 0,
            high: 2,
            steps: 20,
        },
        MapKind::Llquantize {
            factor: 4,
            low: 1,
            high: 3,
            steps: 8,
        },
        MapKind::Llquantize {
            factor: 10,
            low: 0,
            high: 1,
            steps: 5,
        },
    ];
    let mut p = Prog::new();
    p.0.config.output = OutputStyle::Dtrace(DtraceOptions::default());
    let ex = p.action(ActionKind::Exit, vec![Type::I64]);
    let mut body = Vec::new();
    let mut expected = Vec::new();
    for (i, kind) in shapes.iter().enumerate() {
        let m = p.map(&format!("@m{i}"), Some(Type::I64), kind.clone());
        let mut entries = Vec::new();
        for &v in &values {
            body.push(agg(m, Some(i64c(v)), Some(i64c(v))));
            let buckets = |idx: u64| vec![(idx, 1)];
            let value = match *kind {
                MapKind::Lquantize { base, step, levels } => AggValue::Lquantize {
                    base,
                    step,
                    levels,
                    buckets: buckets(abi::lquantize_index(v, base, step, levels)),
                },
                MapKind::Llquantize {
                    factor,
                    low,
                    high,
                    steps,
                } => AggValue::Llquantize {
                    factor,
                    low,
                    high,
                    steps,
                    buckets: buckets(abi::llquantize_index(v, factor, low, high, steps)),
                },
                _ => AggValue::Quantize(buckets(abi::quantize_index(v))),
            };
            entries.push((vec![Value::Int(v)], value));
        }
        expected.push(Aggregation {
            name: format!("@m{i}"),
            key_types: vec![Type::I64],
            entries,
            normal: 1,
        });
    }
    body.push(emit(ex, vec![i64c(0)]));
    p.probe(AttachPoint::Begin, None, body);
    let o = run(p.0, |_| {});
    assert_eq!(o.result, Ok(0), "stderr: {}", o.stderr);
    let want = dtrace_text::exit_dump(&expected, SortOptions::default());
    assert!(
        o.stdout.ends_with(&want),
        "BPF buckets differ from ir::abi's:\n{}",
        o.stdout
    );
}

#[test]
fn stopped_probes_record_nothing() {
    // The runtime sets the globals' STOPPED flag before END: events after it must not change maps
    // (bpftrace detaches before END; oxtrace detaches after printing, so the flag does the work).
    let _g = serial();
    if !root() {
        return;
    }
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() } as u32;
    let mut p = Prog::new();
    let c = p.map("@c", None, MapKind::Count);
    p.probe(
        tracepoint("syscalls", "sys_enter_getppid"),
        Some(tid_is(tid)),
        vec![agg(c, None, None)],
    );
    let program = p.0.clone();
    let elf = p.elf();
    let obj = runtime::load::load(&program, &elf).unwrap_or_else(|e| panic!("load: {e:?}"));
    runtime::maps::write_globals(&obj, 0).unwrap_or_else(|e| panic!("globals: {e}"));
    let symbol = abi::program_symbol(0, 0);
    let prog = obj
        .progs_mut()
        .find(|p| p.name().to_str() == Some(symbol.as_str()))
        .unwrap_or_else(|| panic!("no program {symbol}"));
    let links = runtime::attach::attach(&prog, &program.probes[0].attach[0].point, 0)
        .unwrap_or_else(|e| panic!("attach: {e}"));
    getppid_times(2);
    runtime::maps::stop_probes(&obj).unwrap_or_else(|e| panic!("stop: {e}"));
    getppid_times(3);
    let snap = runtime::maps::snapshot(&obj, &program, c).unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(bt_text::format_map(&snap, 0, 1), "@c: 2\n");
    drop(links);
}
