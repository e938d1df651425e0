//! End-to-end runtime tests against the kernel, with hand-written BPF objects
//! (`tests/fixtures/*.c`, compiled once by `tests/fixtures/build.sh` and committed) that follow
//! `ir::abi`. Each fixture's comment gives the bpftrace program it stands for; the matching IR
//! `Program` (probes, maps, actions) is built here. Needs root; skipped otherwise.
//!
//! The tests share the task name "oxtfixture" that the fixtures filter on, so they run one at a
//! time.

use ir::{
    Action, ActionKind, AttachPoint, AttachSite, Config, MapDecl, MapKind, Probe, Program, Span,
    Type,
};
use runtime::output::bt_text;
use runtime::value::{MapEntries, MapSnapshot, Value};
use runtime::RuntimeError;

mod common;
use common::{getpgid, getppid_times, root, run, serial, NOTIFY};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.o", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn span(n: u32) -> Span {
    Span {
        start: n * 10,
        end: n * 10 + 5,
    }
}

fn probe(n: u32, point: AttachPoint) -> Probe {
    Probe {
        attach: vec![AttachSite {
            point,
            probe_name: n,
            span: span(n),
        }],
        predicate: None,
        body: vec![],
        vars: vec![],
        span: span(n),
    }
}

fn tracepoint(category: &str, name: &str) -> AttachPoint {
    AttachPoint::Tracepoint {
        category: category.into(),
        name: name.into(),
    }
}

fn action(kind: ActionKind, args: Vec<Type>) -> Action {
    Action {
        kind,
        args,
        span: Span::DUMMY,
    }
}

fn map(name: &str, kind: MapKind) -> MapDecl {
    MapDecl {
        name: name.into(),
        key: None,
        kind,
        max_entries: 16,
        span: Span::DUMMY,
    }
}

fn program(probes: Vec<Probe>, maps: Vec<MapDecl>, actions: Vec<Action>) -> Program {
    let probe_names = probes
        .iter()
        .map(|p| p.attach[0].point.bpftrace_name())
        .collect();
    Program {
        probes,
        maps,
        actions,
        probe_names,
        config: Config::default(),
    }
}

/// Runs `f` on a thread named "oxtfixture" (the fixtures' filter).
fn as_fixture_task(f: impl FnOnce() + Send + 'static) {
    let t = std::thread::Builder::new()
        .name("oxtfixture".into())
        .spawn(f);
    if let Ok(t) = t {
        let _ = t.join();
    }
}

fn begin_printf_program() -> Program {
    program(
        vec![probe(0, AttachPoint::Begin)],
        vec![map("@x", MapKind::Value(Type::I64))],
        vec![
            action(
                ActionKind::Printf {
                    format: "hello %d %s\n".into(),
                },
                vec![Type::I64, Type::Str { size: 8 }],
            ),
            action(ActionKind::Exit, vec![Type::I64]),
        ],
    )
}

#[test]
fn begin_printf_and_exit() {
    let _g = serial();
    if !root() {
        return;
    }
    let o = run(
        begin_printf_program(),
        fixture("begin_printf"),
        false,
        |_| {},
    );
    assert_eq!(o.result, Ok(3));
    // The notify line follows BEGIN's output (a workload started on it cannot race BEGIN).
    assert_eq!(o.stdout, format!("hello 42 world\n{NOTIFY}\n\n@x: 7\n"));
    assert_eq!(o.stderr, "Attached 1 probe\n");
}

#[test]
fn dry_run_stops_before_begin() {
    let _g = serial();
    if !root() {
        return;
    }
    let o = run(
        begin_printf_program(),
        fixture("begin_printf"),
        true,
        |_| {},
    );
    assert_eq!(o.result, Ok(0));
    assert_eq!(o.stdout, NOTIFY);
    assert_eq!(o.stderr, "Attached 1 probe\n");
}

#[test]
fn tracepoint_count_and_hist_then_end() {
    let _g = serial();
    if !root() {
        return;
    }
    let p = program(
        vec![
            probe(0, tracepoint("syscalls", "sys_enter_getppid")),
            probe(1, tracepoint("syscalls", "sys_enter_getpgid")),
            probe(2, AttachPoint::End),
        ],
        vec![map("@", MapKind::Count), map("@h", MapKind::Hist { k: 0 })],
        vec![
            action(ActionKind::Exit, vec![Type::I64]),
            action(
                ActionKind::Printf {
                    format: "end\n".into(),
                },
                vec![],
            ),
        ],
    );
    let o = run(p, fixture("getppid_count"), false, |out| {
        out.wait_for(NOTIFY);
        as_fixture_task(|| {
            getppid_times(5);
            getpgid();
        });
    });
    assert_eq!(o.result, Ok(0));
    let expected_maps = [
        MapSnapshot {
            name: "@".into(),
            keyed: false,
            entries: MapEntries::Values {
                entries: vec![(None, Value::Uint(5))],
                sort_by_value: true,
            },
        },
        MapSnapshot {
            name: "@h".into(),
            keyed: false,
            entries: MapEntries::Hist {
                k: 0,
                entries: vec![(None, vec![(ir::abi::hist_index(3, 0), 5)])],
            },
        },
    ];
    assert_eq!(
        o.stdout,
        format!("{NOTIFY}end\n{}", bt_text::format_exit_dump(&expected_maps))
    );
    assert!(o.stdout.contains("\n\n@: 5\n@h:\n[2, 4)"), "{}", o.stdout);
    assert_eq!(o.stderr, "Attached 3 probes\n");
}

#[test]
fn lost_events_are_reported() {
    let _g = serial();
    if !root() {
        return;
    }
    let p = program(
        vec![
            probe(0, AttachPoint::Begin),
            probe(1, tracepoint("syscalls", "sys_enter_getpgid")),
        ],
        vec![],
        vec![
            action(
                ActionKind::Printf {
                    format: "%d\n".into(),
                },
                vec![Type::I64],
            ),
            action(ActionKind::Exit, vec![Type::I64]),
        ],
    );
    let o = run(p, fixture("lost_events"), false, |out| {
        out.wait_for("\n169\n");
        as_fixture_task(getpgid);
    });
    assert_eq!(o.result, Ok(0));
    let lines: String = (0..170).map(|i| format!("{i}\n")).collect();
    assert_eq!(o.stdout, format!("{lines}{NOTIFY}\n\n"));
    assert_eq!(o.stderr, "Attached 2 probes\nLost 830 events\n");
}

#[test]
fn verifier_rejection_names_the_probe() {
    let _g = serial();
    if !root() {
        return;
    }
    let p = program(
        vec![probe(0, tracepoint("syscalls", "sys_enter_getppid"))],
        vec![map("@", MapKind::Count)],
        vec![],
    );
    let o = run(p, fixture("verifier_reject"), false, |_| {});
    let e = o
        .result
        .err()
        .unwrap_or_else(|| RuntimeError::new("expected an error"));
    assert!(
        e.message.starts_with(
            "the BPF verifier rejected probe tracepoint:syscalls:sys_enter_getppid:\n"
        ),
        "{}",
        e.message
    );
    assert!(e.message.contains("invalid mem access"), "{}", e.message);
    assert_eq!(e.span, Some(span(0)));
    assert!(
        e.details.as_deref().unwrap_or("").contains("processed"),
        "{:?}",
        e.details
    );
    assert_eq!(o.stdout, "");
    assert_eq!(o.stderr, "");
}

#[test]
fn kprobe_attach_fails_clearly() {
    let _g = serial();
    if !root() {
        return;
    }
    let p = program(
        vec![probe(
            0,
            AttachPoint::Kprobe {
                module: None,
                function: "do_nanosleep".into(),
                offset: 0,
            },
        )],
        vec![],
        vec![action(ActionKind::Exit, vec![Type::I64])],
    );
    let o = run(p, fixture("kprobe"), false, |_| {});
    let e = o
        .result
        .err()
        .unwrap_or_else(|| RuntimeError::new("expected an error"));
    assert_eq!(
        e.message,
        "cannot attach kprobe:do_nanosleep: kprobes are not available on this kernel (no kprobe_events)"
    );
    assert_eq!(e.span, Some(span(0)));
}
