//! End-to-end tests of the CLI's process control and listing: `-c` (held child, `cpid`, exit when
//! it exits), `-p` (every probe filtered to one process, exit when it exits), SIGUSR1 (print maps
//! now), `-l`/`-lv` for a fixed tracepoint, `-l -e`, uprobe listing, and `--no-warnings`.
//!
//! Needs root (BPF, tracefs); each test skips itself with a message otherwise.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn oxtrace() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_oxtrace"))
}

fn workload() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_oxtrace-workload"))
}

fn skip(name: &str) -> bool {
    if !support::is_root() {
        eprintln!("SKIPPED {name}: not root");
        return true;
    }
    false
}

/// Runs oxtrace to completion with `args`; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(oxtrace())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run oxtrace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running oxtrace (notify line on) that has attached its probes.
struct Tracer {
    child: std::process::Child,
    stdout: BufReader<std::process::ChildStdout>,
    /// What it printed before the notify line.
    before: String,
}

/// Starts oxtrace with `args` and waits until it has attached.
fn start_tracer(args: &[&str]) -> Tracer {
    let mut child = Command::new(oxtrace())
        .args(args)
        .env("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn oxtrace");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let before = wait_attached(&mut stdout);
    Tracer {
        child,
        stdout,
        before,
    }
}

impl Tracer {
    /// Waits for oxtrace to exit by itself (it follows a `-p`/`-c` process), asserts success,
    /// and returns its whole stdout without the notify line. The 20 s bound is a liveness check.
    fn output_once_exited(mut self) -> String {
        let start = Instant::now();
        let status = loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "oxtrace did not exit after the traced process"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        assert!(status.success());
        self.before + &rest
    }
}

/// Reads stdout up to the notify line (printed once probes are attached and BEGIN ran); returns
/// what came before it.
fn wait_attached(stdout: &mut impl BufRead) -> String {
    let mut before = String::new();
    loop {
        let mut line = String::new();
        match stdout.read_line(&mut line) {
            Ok(0) | Err(_) => panic!("oxtrace never attached; output so far: {before:?}"),
            Ok(_) if line == "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n" => return before,
            Ok(_) => before.push_str(&line),
        }
    }
}

#[test]
fn dash_c_runs_the_held_child_and_cpid_is_its_pid() {
    let _machine = support::machine_lock();
    if skip("dash_c") {
        return;
    }
    // Its own comm: other tests run oxtwl workloads in parallel.
    let cmd = format!("{} --comm oxtcpid getppid 3 exit 7", workload().display());
    // The child exits with 7; oxtrace's own exit code stays 0. Every getppid of the child is seen
    // (it was held until the probe was attached), and in each one pid == cpid.
    let (code, out, err) = run(&[
        "-c",
        &cmd,
        "-e",
        "tracepoint:syscalls:sys_enter_getppid /comm == \"oxtcpid\"/ { @[pid == cpid] = count(); } \
         END { printf(\"end\\n\"); }",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "end\n\n\n@[true]: 3\n", "stderr: {err}");
}

#[test]
fn cpid_without_dash_c_is_an_error() {
    let _machine = support::machine_lock();
    if skip("cpid_without_dash_c") {
        return;
    }
    let (code, _, err) = run(&["-e", "BEGIN { print(cpid); }"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cpid cannot be used without a child command"),
        "{err}"
    );
}

#[test]
fn dash_p_filters_every_probe_and_exits_with_the_process() {
    let _machine = support::machine_lock();
    if skip("dash_p") {
        return;
    }
    // The traced process waits, then calls getppid 4 times; another one (same comm) calls it 5
    // times meanwhile and must not be counted. BEGIN is not filtered.
    let mut traced = Command::new(workload())
        .args(["sleep-ms", "1500", "getppid", "4", "sleep-ms", "200"])
        .spawn()
        .expect("spawn workload");
    let pid = traced.id().to_string();
    let tracer = start_tracer(&[
        "-p",
        &pid,
        "-e",
        "BEGIN { printf(\"begin\\n\"); } \
             tracepoint:syscalls:sys_enter_getppid /comm == \"oxtwl\"/ { @[pid] = count(); }",
    ]);
    let other = Command::new(workload())
        .args(["getppid", "5"])
        .status()
        .expect("other workload");
    assert!(other.success());
    let _ = traced.wait();
    // oxtrace exits by itself once the traced process is gone.
    assert_eq!(
        tracer.output_once_exited(),
        format!("begin\n\n\n@[{pid}]: 4\n")
    );
}

#[test]
fn dash_p_of_a_missing_process_is_an_error() {
    let _machine = support::machine_lock();
    if skip("dash_p_missing") {
        return;
    }
    let (code, _, err) = run(&["-p", "4194000", "-e", "BEGIN { exit(); }"]);
    assert_eq!(code, 1);
    assert!(err.contains("-p 4194000: no such process"), "{err}");
}

#[test]
fn sigusr1_prints_maps_now() {
    let _machine = support::machine_lock();
    if skip("sigusr1") {
        return;
    }
    for (flags, expected) in [
        (vec![], "@a: 1\n@b[x]: 2\n\n\n@a: 1\n@b[x]: 2\n"),
        (
            vec!["-f", "json", "-q"],
            "{\"type\": \"map\", \"data\": {\"@a\": 1}}\n\
             {\"type\": \"map\", \"data\": {\"@b\": {\"x\": 2}}}\n\
             {\"type\": \"map\", \"data\": {\"@a\": 1}}\n\
             {\"type\": \"map\", \"data\": {\"@b\": {\"x\": 2}}}\n",
        ),
    ] {
        let mut tracer = Command::new(oxtrace())
            .args(&flags)
            .args([
                "-e",
                "BEGIN { @a = 1; @b[\"x\"] = 2; } interval:s:30 { exit(); }",
            ])
            .env("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn oxtrace");
        let mut stdout = BufReader::new(tracer.stdout.take().expect("stdout"));
        assert_eq!(wait_attached(&mut stdout), "");
        let pid = tracer.id() as libc::pid_t;
        // SAFETY: signals our own child.
        unsafe { libc::kill(pid, libc::SIGUSR1) };
        // Wait for the dump (two lines), then stop.
        let mut got = String::new();
        for _ in 0..2 {
            let mut l = String::new();
            let _ = stdout.read_line(&mut l);
            got.push_str(&l);
        }
        // SAFETY: signals our own child.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let _ = stdout.read_to_string(&mut got);
        let status = tracer.wait().expect("wait");
        assert!(status.success());
        assert_eq!(got, expected, "flags {flags:?}");
    }
}

#[test]
fn listing_a_tracepoint() {
    let _machine = support::machine_lock();
    if skip("listing") {
        return;
    }
    let (code, out, _) = run(&["-l", "tracepoint:syscalls:sys_enter_openat"]);
    assert_eq!(code, 0);
    assert_eq!(out, "tracepoint:syscalls:sys_enter_openat\n");
    // Same text as `bpftrace -lv` 0.17 on this kernel.
    let (code, out, _) = run(&["-lv", "t:syscalls:sys_enter_openat"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "tracepoint:syscalls:sys_enter_openat\n    int __syscall_nr\n    int dfd\n    \
         const char * filename\n    int flags\n    umode_t mode\n"
    );
    let (_, out, _) = run(&["-l", "software:cs*"]);
    assert_eq!(out, "software:cs:\n");
    let (_, out, _) = run(&["-l", "BEGIN"]);
    assert_eq!(out, "BEGIN\n");
}

#[test]
fn listing_a_program_and_a_binary() {
    let _machine = support::machine_lock();
    if skip("listing_program") {
        return;
    }
    let (code, out, err) = run(&[
        "-l",
        "-e",
        "tracepoint:syscalls:sys_enter_openat* { } BEGIN { }",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_enter_openat2\nBEGIN\n"
    );
    let bin = workload();
    let (code, out, err) = run(&["-l", &format!("uprobe:{}:main", bin.display())]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("uprobe:{}:main\n", bin.display()));
}

#[test]
fn no_warnings_silences_compile_warnings() {
    let _machine = support::machine_lock();
    if skip("no_warnings") {
        return;
    }
    let prog = "#include <linux/sched.h>\nBEGIN { exit(); }";
    let (_, _, err) = run(&["-q", "-e", prog]);
    assert!(err.contains("#include is ignored"), "{err}");
    let (code, _, err) = run(&["-q", "--no-warnings", "-e", prog]);
    assert_eq!(code, 0);
    assert_eq!(err, "");
}

#[test]
fn buffering_modes_give_the_same_output() {
    let _machine = support::machine_lock();
    if skip("buffering") {
        return;
    }
    let prog = "BEGIN { printf(\"a\\n\"); printf(\"b\"); @x = 1; exit(); }";
    for mode in ["line", "full", "none"] {
        let (code, out, err) = run(&["-q", "-B", mode, "-e", prog]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "a\nb\n\n@x: 1\n", "-B {mode}");
    }
}

/// Starts the workload held at `wait-stdin`, then `steps`; returns it with its stdin open.
fn held_workload(steps: &[&str]) -> std::process::Child {
    Command::new(workload())
        .arg("wait-stdin")
        .args(steps)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn workload")
}

/// Lets a held workload run its steps and waits for it.
fn release(mut child: std::process::Child) {
    use std::io::Write;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"\n");
    }
    let status = child.wait().expect("wait for workload");
    assert!(status.success(), "workload: {status:?}");
}

#[test]
fn listing_usdt_probes_of_a_binary_and_a_process() {
    let _machine = support::machine_lock();
    if skip("listing_usdt") {
        return;
    }
    let bin = workload();
    let w = bin.display().to_string();
    let (code, out, err) = run(&["-l", &format!("usdt:{w}:*")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("usdt:{w}:oxtwl:guarded\nusdt:{w}:oxtwl:multi\nusdt:{w}:oxtwl:step\n")
    );
    // A name without the provider; -v adds each argument's type from its specification.
    let (_, out, _) = run(&["-lv", &format!("usdt:{w}:step")]);
    assert_eq!(
        out,
        format!(
            "usdt:{w}:oxtwl:step\n    int32 arg0\n    uint64 arg1\n    int16 arg2\n    \
             uint64 arg3\n    int64 arg4\n    uint8 arg5\n    int8 arg6\n"
        )
    );
    // Every file the process maps: only the workload itself has USDT notes.
    let held = held_workload(&[]);
    let pid = held.id().to_string();
    let (code, out, err) = run(&["-l", "usdt:*", "-p", &pid]);
    release(held);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("usdt:{w}:oxtwl:guarded\nusdt:{w}:oxtwl:multi\nusdt:{w}:oxtwl:step\n")
    );
    let (_, out, err) = run(&["-l", "usdt:*"]);
    assert_eq!(out, "");
    assert!(err.contains("-p PID"), "{err}");
}

#[test]
fn usdt_with_dash_p_finds_the_probe_in_the_process() {
    let _machine = support::machine_lock();
    if skip("usdt_dash_p") {
        return;
    }
    // `usdt::NAME` with -p: the binary is found through /proc/PID/maps.
    let held = held_workload(&["usdt", "2", "usdt-guarded", "1"]);
    let pid = held.id().to_string();
    let tracer = start_tracer(&[
        "-p",
        &pid,
        "-e",
        "usdt::step { printf(\"%d %d\\n\", arg0, arg3); } \
             usdt:*:oxtwl:guarded { printf(\"guarded %d\\n\", arg0); }",
    ]);
    release(held);
    // oxtrace exits by itself once the traced process is gone.
    assert_eq!(tracer.output_once_exited(), "-1 7\n-2 14\nguarded 1\n\n\n");
}

#[test]
fn usdt_with_dash_c_finds_the_probe_in_the_command() {
    let _machine = support::machine_lock();
    if skip("usdt_dash_c") {
        return;
    }
    // `usdt::NAME` and `usdt:*:PROVIDER:NAME` with -c: the binary is the command's program.
    let cmd = format!("{} usdt 2 usdt-guarded 1", workload().display());
    let (code, out, err) = run(&[
        "-c",
        &cmd,
        "-e",
        "usdt::step /pid == cpid/ { printf(\"%d %d\\n\", arg0, arg3); } \
         usdt:*:oxtwl:guarded /pid == cpid/ { printf(\"guarded %d\\n\", arg0); }",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "-1 7\n-2 14\nguarded 1\n\n\n", "stderr: {err}");
    // A command without USDT probes: the probe matches nothing there.
    let (code, _, err) = run(&["-c", "/bin/true", "-e", "usdt::step { }"]);
    assert_eq!(code, 1);
    assert!(err.contains("usdt::step matches no USDT probe"), "{err}");
}

#[test]
fn uprobes_of_one_probe_share_one_program_and_keep_their_probe_names() {
    let _machine = support::machine_lock();
    if skip("uprobe_shared_program") {
        return;
    }
    // The four uprobes share one BPF program and the two uretprobes another; `probe` comes from
    // each attachment's cookie, so every function is still counted under its own name.
    let w = workload().display().to_string();
    let cmd = format!("{w} usdt 2 usdt-guarded 3 usdt-multi 1");
    let program = format!(
        "uprobe:{w}:oxtwl_usdt_* /pid == cpid/ {{ @[probe] = count(); }} \
         uretprobe:{w}:oxtwl_usdt_step,uretprobe:{w}:oxtwl_usdt_guarded /pid == cpid/ {{ @r[probe] = count(); }}"
    );
    let (code, out, err) = run(&["-c", &cmd, "-e", &program]);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(
        out.replace(&w, "W"),
        "\n\n@[uprobe:W:oxtwl_usdt_multi1]: 1\n@[uprobe:W:oxtwl_usdt_multi2]: 1\n\
         @[uprobe:W:oxtwl_usdt_step]: 2\n@[uprobe:W:oxtwl_usdt_guarded]: 3\n\
         @r[uretprobe:W:oxtwl_usdt_step]: 2\n@r[uretprobe:W:oxtwl_usdt_guarded]: 3\n",
        "stderr: {err}"
    );
    // Two programs in the object, not six.
    let elf = std::env::temp_dir().join(format!("oxtrace-shared-{}.o", std::process::id()));
    let (code, _, err) = run(&[
        "-c",
        "/bin/true",
        "--emit",
        "elf",
        "-o",
        &elf.to_string_lossy(),
        "-e",
        &program,
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    let bytes = std::fs::read(&elf).expect("read the object");
    let _ = std::fs::remove_file(&elf);
    let file = object::File::parse(&*bytes).expect("parse the object");
    use object::{Object, ObjectSection};
    let programs: Vec<String> = file
        .sections()
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| n.starts_with("uprobe") || n.starts_with("uretprobe"))
        .collect();
    assert_eq!(programs.len(), 2, "{programs:?}");
}

#[test]
fn usdt_errors_name_the_problem() {
    let _machine = support::machine_lock();
    if skip("usdt_errors") {
        return;
    }
    let w = workload().display().to_string();
    let (code, _, err) = run(&["-e", &format!("usdt:{w}:nope {{ }}")]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("error: usdt:{w}:nope matches no USDT probe")),
        "{err}"
    );
    let (code, _, err) = run(&["-e", &format!("usdt:{w}:multi {{ print(arg1); }}")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("arg1: this USDT probe has 1 argument"),
        "{err}"
    );
    let (code, _, err) = run(&["-e", "usdt::step { }"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("a usdt probe without a binary needs -p PID or -c CMD"),
        "{err}"
    );
}

#[test]
fn listing_kernel_functions_from_btf() {
    let _machine = support::machine_lock();
    if skip("listing_btf") {
        return;
    }
    // This kernel has no kprobes (no available_filter_functions): kprobes come from BTF.
    let (code, out, err) = run(&["-l", "kprobe:vfs_read"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "kprobe:vfs_read\n");
    let (_, out, _) = run(&["-lv", "fexit:vfs_read"]);
    assert_eq!(
        out,
        "fexit:vmlinux:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    \
         loff_t * pos\n    ssize_t retval\n"
    );
    let (_, out, _) = run(&["-l", "f:vfs_read"]);
    assert_eq!(out, "fentry:vmlinux:vfs_read\n");
    let (_, out, _) = run(&["-l", "iter:task*"]);
    assert_eq!(out, "iter:task\niter:task_file\niter:task_vma\n");
    let w = workload().display().to_string();
    let (_, out, _) = run(&["-l", &format!("uprobe:{w}:oxtwl_usdt_multi*")]);
    assert_eq!(
        out,
        format!("uprobe:{w}:oxtwl_usdt_multi1\nuprobe:{w}:oxtwl_usdt_multi2\n")
    );
}

#[test]
fn uprobe_cpp_names_resolve_to_their_mangled_symbols() {
    // `cpp:` matches demangled names without their parameter lists (libstdc++ is installed with
    // the compiler on the project's machines).
    if debian_libstdcxx().is_none() {
        return;
    }
    let (code, out, err) = run(&[
        "--emit",
        "ir",
        "-e",
        "uprobe:libstdc++:cpp:\"std::terminate\" { @ = count(); }",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\nprobe 0 uprobe:/lib/x86_64-linux-gnu/libstdc++.so.6:_ZSt9terminatev\n"),
        "{out}"
    );
    let (code, _, err) = run(&["--emit", "ir", "-e", "uprobe:libc:no_such_fn* { }"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error: 'no_such_fn*' matches no function in /lib/x86_64-linux-gnu/libc.so.6"),
        "{err}"
    );
}

/// `Some(())` when libstdc++ is where Debian puts it.
fn debian_libstdcxx() -> Option<()> {
    std::path::Path::new("/lib/x86_64-linux-gnu/libstdc++.so.6")
        .exists()
        .then_some(())
}

#[test]
fn watchpoint_counts_writes_to_a_variable_of_the_process() {
    let _machine = support::machine_lock();
    if skip("watchpoint") {
        return;
    }
    if !std::path::Path::new("/sys/bus/event_source/devices/breakpoint").exists() {
        eprintln!("SKIPPED watchpoint: no breakpoint PMU");
        return;
    }
    // The workload prints the address of its variable, waits, then stores into it 3 times.
    let mut held = Command::new(workload())
        .args(["watched-addr", "wait-stdin", "watched-write", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn workload");
    let mut addr = String::new();
    BufReader::new(held.stdout.take().expect("stdout"))
        .read_line(&mut addr)
        .expect("read the address");
    let pid = held.id().to_string();
    let tracer = start_tracer(&[
        "-p",
        &pid,
        "-e",
        &format!(
            "watchpoint:{}:8:w {{ @writes[comm] = count(); }}",
            addr.trim()
        ),
    ]);
    release(held);
    // oxtrace exits by itself once the traced process is gone.
    assert_eq!(tracer.output_once_exited(), "\n\n@writes[oxtwl]: 3\n");
}

#[test]
fn usdt_sites_are_moved_by_the_stapsdt_base_like_after_prelink() {
    // Rewrite libstdc++'s notes as if it had been linked 64 KiB lower and then moved (prelink):
    // every site address and the recorded `.stapsdt.base` are 0x10000 smaller than where
    // `.stapsdt.base` really is. The sites must come out at the same file offsets. (The
    // workload's own `.stapsdt.base` is dropped by the linker's section garbage collection.)
    use object::{Object, ObjectSection};
    let Ok(bytes) = std::fs::read("/lib/x86_64-linux-gnu/libstdc++.so.6") else {
        eprintln!("SKIPPED usdt prelink: no libstdc++");
        return;
    };
    let original = ir::catalog::usdt::sites_of_elf(&bytes).expect("notes");
    assert_eq!(original.len(), 3);
    let file = object::File::parse(&*bytes).expect("ELF");
    let section = file
        .section_by_name(".note.stapsdt")
        .expect("notes section");
    let (start, size) = section.file_range().expect("in the file");
    let mut patched = bytes.clone();
    let mut at = start as usize;
    let end = (start + size) as usize;
    let word = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap()) as usize;
    while at + 12 <= end {
        let (namesz, descsz) = (word(&patched, at), word(&patched, at + 4));
        let desc = at + 12 + namesz.div_ceil(4) * 4;
        for field in 0..3 {
            let o = desc + 8 * field;
            let v = u64::from_le_bytes(patched[o..o + 8].try_into().unwrap());
            if v != 0 {
                patched[o..o + 8].copy_from_slice(&(v - 0x10000).to_le_bytes());
            }
        }
        at = desc + descsz.div_ceil(4) * 4;
    }
    assert_ne!(patched, bytes);
    assert_eq!(
        ir::catalog::usdt::sites_of_elf(&patched).expect("patched notes"),
        original
    );
}

#[test]
fn probes_this_kernel_cannot_attach_name_the_missing_facility() {
    let _machine = support::machine_lock();
    if skip("unavailable_facilities") {
        return;
    }
    let expect = |program: &str, message: &str| {
        let (code, _, err) = run(&["-e", program]);
        assert_eq!(code, 1, "{program}: {err}");
        assert!(err.contains(message), "{program}: {err}");
    };
    if !std::path::Path::new("/sys/bus/event_source/devices/cpu").exists() {
        expect(
            "hardware:cycles:1000000 { @ = count(); }",
            "hardware events are not available on this machine (no CPU PMU)",
        );
    }
    if !std::path::Path::new("/sys/kernel/tracing/kprobe_events").exists() {
        // Loaded (the verifier accepts it), refused at attach.
        expect(
            "kretprobe:vfs_read* { @ = count(); }",
            "kprobes are not available on this kernel (no kprobe_events)",
        );
    }
    expect(
        "watchpoint:0x1000:8:w { @ = count(); }",
        "watchpoint probes need a process: give -p PID or -c CMD",
    );
    expect(
        "usdt:/bin/true:nothing { }",
        "usdt:/bin/true:nothing matches no USDT probe",
    );
}
