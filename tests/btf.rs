//! Kernel types end to end (needs root; skipped otherwise): `curtask` fields against the
//! builtins, `ppid` and `curtask->real_parent->tgid` against this test process (oxtrace's
//! parent), `sizeof`/`offsetof` against the live BTF, struct casts and auto-dereference.

use ir::catalog::{BtfCatalog, TypeCatalog};
use ir::AggregateKind;
use std::process::Command;

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        eprintln!("skipped: needs root");
    }
    root
}

/// Runs a BEGIN-only program; returns stdout, asserting success.
fn run(program: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(["-q", "-e", program])
        .output()
        .unwrap_or_else(|e| panic!("cannot run oxtrace: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{program}\nstdout: {stdout}\nstderr: {stderr}"
    );
    stdout
}

#[test]
fn curtask_agrees_with_builtins_and_parent() {
    if !root() {
        return;
    }
    let out = run(
        r#"BEGIN { printf("%d %d %d %d %d %s\n", curtask->pid == tid, curtask->tgid == pid, curtask.tgid == pid, ppid, curtask->real_parent->tgid, curtask->comm); exit(); }"#,
    );
    let me = std::process::id();
    assert_eq!(out.trim_end(), format!("1 1 1 {me} {me} oxtrace"));
}

#[test]
fn sizeof_and_offsetof_match_live_btf() {
    if !root() {
        return;
    }
    let live = BtfCatalog::live();
    let task = live
        .aggregate(AggregateKind::Struct, "task_struct")
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no struct task_struct in BTF"));
    let pid = task
        .field("pid")
        .unwrap_or_else(|| panic!("no task_struct.pid"));
    let out = run(
        "BEGIN { printf(\"%d %d %d\\n\", sizeof(struct task_struct), offsetof(struct task_struct, pid), sizeof(pid_t)); exit(); }",
    );
    assert_eq!(out.trim_end(), format!("{} {} 4", task.size, pid.offset));
}

#[test]
fn casts_pointer_index_and_script_structs() {
    if !root() {
        return;
    }
    // A script struct laid over task_struct's first bytes via a cast of curtask, compared with
    // the kernel's own field; `*` and `[]` through pointers; kptr() keeps a kernel pointer.
    let out = run(concat!(
        "struct mine { int pid; int tgid; }\n",
        "BEGIN { $t = (struct task_struct *)curtask; $p = (int32 *)((uint64)curtask + offsetof(struct task_struct, pid));",
        " $m = (struct mine *)$p;",
        " printf(\"%d %d %d %d\\n\", *$p == $t->pid, $p[1] == $t->tgid, $m->tgid == pid, kptr($p)[0] == tid); exit(); }"
    ));
    assert_eq!(out.trim_end(), "1 1 1 1");
}

/// `percpu_kaddr` is a typed ksym: libbpf resolves it against vmlinux BTF, then the verifier
/// looks its address up in kallsyms, which lists per-CPU variables only with
/// `CONFIG_KALLSYMS_ALL`. Where kallsyms has `runqueues`, the addresses must be consistent;
/// where it does not (this VM), the load fails naming that facility.
#[test]
fn percpu_kaddr_is_a_typed_ksym() {
    if !root() {
        return;
    }
    let live = BtfCatalog::live();
    let shape = live.percpu_var("runqueues").expect("read vmlinux BTF");
    assert_eq!(
        shape,
        Some(ir::KsymType {
            base: ir::KsymBase::Struct,
            pointers: 0,
            array: false
        })
    );
    assert_eq!(live.percpu_var("no_such_percpu_var_oxt").ok(), Some(None));
    let program = r#"BEGIN { $a = percpu_kaddr("runqueues"); printf("%d %d %d %d\n", $a != 0, $a == percpu_kaddr("runqueues", cpu), percpu_kaddr("process_counts", 0) != 0, percpu_kaddr("runqueues", 100000)); exit(); }"#;
    let out = Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(["-q", "-e", program])
        .output()
        .unwrap_or_else(|e| panic!("cannot run oxtrace: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap_or_default();
    let listed = kallsyms
        .lines()
        .any(|l| l.split_whitespace().nth(2) == Some("runqueues"));
    if listed {
        assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
        assert_eq!(stdout, "1 1 1 0\n");
    } else {
        assert_eq!(
            out.status.code(),
            Some(1),
            "stdout: {stdout}\nstderr: {stderr}"
        );
        assert!(
            stderr.contains("ldimm64 failed to find the address for kernel symbol 'runqueues'"),
            "{stderr}"
        );
        assert!(stderr.contains("CONFIG_KALLSYMS_ALL"), "{stderr}");
    }
}

#[test]
fn percpu_kaddr_of_an_unknown_variable_is_a_compile_error() {
    if !root() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args([
            "-e",
            r#"BEGIN { print(percpu_kaddr("no_such_percpu_var_oxt")); }"#,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run oxtrace: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "stdin:1:28: error: the kernel's BTF has no per-CPU variable 'no_such_percpu_var_oxt'"
        ),
        "{stderr}"
    );
}
