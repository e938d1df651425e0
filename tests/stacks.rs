//! Stacks and symbols end to end (needs root; skipped otherwise): `kstack` in a profile probe,
//! `kaddr`, and `ustack`/`func`/`usym`/`uaddr` in a uprobe on a function of this test binary.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

const NOTIFY: &str = "__BPFTRACE_NOTIFY_PROBES_ATTACHED";

static SERIAL: Mutex<()> = Mutex::new(());

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        eprintln!("skipped: needs root");
    }
    root
}

/// Runs oxtrace on `program`; `on_attach` runs once the probes are attached. Returns stdout
/// (without the notify line) and stderr.
fn run(program: &str, on_attach: impl FnOnce()) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(["-e", program])
        .env("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run oxtrace: {e}"));
    let mut err = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut out = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let mut stdout = String::new();
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        if line.trim_end() == NOTIFY {
            line.clear();
            break;
        }
        stdout.push_str(&line);
        line.clear();
    }
    on_attach();
    let _ = out.read_to_string(&mut stdout);
    let _ = child.wait();
    let stderr = err_thread.join().unwrap_or_default();
    (stdout, stderr)
}

/// Names of /proc/kallsyms.
fn kallsyms() -> (HashSet<String>, Vec<(String, u64)>) {
    let text = std::fs::read_to_string("/proc/kallsyms").unwrap_or_default();
    let mut names = HashSet::new();
    let mut all = Vec::new();
    for l in text.lines() {
        let parts: Vec<&str> = l.split_whitespace().collect();
        if let [addr, _, name, ..] = parts.as_slice() {
            names.insert(name.to_string());
            all.push((name.to_string(), u64::from_str_radix(addr, 16).unwrap_or(0)));
        }
    }
    (names, all)
}

#[test]
fn kstack_map_keys_print_kernel_symbols() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !root() {
        return;
    }
    let (out, err) = run(
        "profile:hz:999 { @[kstack] = count(); } interval:ms:500 { exit(); }",
        || {},
    );
    assert!(out.starts_with("\n\n@["), "{out}\n{err}");
    let (names, _) = kallsyms();
    let mut frames = 0;
    for l in out.lines() {
        if let Some(frame) = l.strip_prefix("        ") {
            frames += 1;
            if frame.starts_with("0x") {
                continue;
            }
            let (name, off) = frame
                .rsplit_once('+')
                .unwrap_or_else(|| panic!("frame without offset: {frame:?}"));
            assert!(off.parse::<u64>().is_ok(), "{frame:?}");
            assert!(names.contains(name), "{name} is not in /proc/kallsyms");
        } else {
            assert!(
                l.is_empty()
                    || l == "@["
                    || (l.starts_with("]: ") && l[3..].parse::<u64>().is_ok()),
                "unexpected line {l:?} in\n{out}"
            );
        }
    }
    assert!(frames > 0, "{out}");
}

#[test]
fn kaddr_is_the_kallsyms_address() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !root() {
        return;
    }
    // `jiffies` is a data symbol, absent from this kernel's kallsyms (no CONFIG_KALLSYMS_ALL;
    // bpftrace 0.17 fails the same way), so a function is used.
    let (_, all) = kallsyms();
    let want = all
        .iter()
        .find(|(n, _)| n == "vfs_read")
        .map(|(_, a)| *a)
        .unwrap_or_else(|| panic!("vfs_read not in /proc/kallsyms"));
    let (out, err) = run(
        r#"BEGIN { printf("%lx %s\n", kaddr("vfs_read"), ksym(kaddr("vfs_read") + 3)); exit(); }"#,
        || {},
    );
    // Then the exit dump's two blank lines (no maps).
    assert_eq!(out, format!("{want:x} vfs_read\n\n\n"), "{err}");
}

/// The function the uprobe test traces.
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxt_stack_leaf(x: u64) -> u64 {
    std::hint::black_box(x.wrapping_add(1))
}

#[test]
fn ustack_func_usym_uaddr_in_a_uprobe() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !root() {
        return;
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let exe = exe.to_string_lossy();
    let want =
        ir::catalog::symbols::elf_symbol_address(std::path::Path::new(&*exe), "oxt_stack_leaf")
            .unwrap_or_else(|e| panic!("{e}"));
    let me = std::process::id();
    let program = format!(
        r#"uprobe:{exe}:oxt_stack_leaf /pid == {me}/ {{
            @s[ustack(1)] = count();
            @p[ustack(perf, 1)] = count();
            @f[func] = count();
            printf("%s %s %lx\n", func, usym(reg("ip")), uaddr("oxt_stack_leaf"));
            if (@f[func] == 3) {{ exit(); }}
        }}"#
    );
    let (out, err) = run(&program, || {
        for i in 0..3 {
            std::hint::black_box(oxt_stack_leaf(std::hint::black_box(i)));
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let line = format!("oxt_stack_leaf oxt_stack_leaf {want:x}\n");
    let perf = "@p[\n\t";
    assert!(out.starts_with(&line.repeat(3)), "{out}\n{err}");
    assert!(out.contains("\n@f[oxt_stack_leaf]: 3\n"), "{out}");
    assert!(
        out.contains("\n@s[\n        oxt_stack_leaf+0\n]: 3\n"),
        "{out}"
    );
    // Perf mode: address, symbol+offset and the module (this test binary).
    let p = out
        .split(perf)
        .nth(1)
        .unwrap_or_else(|| panic!("no @p in {out}"));
    let p = p.lines().next().unwrap_or_default();
    assert!(
        p.ends_with(&format!(" oxt_stack_leaf+0 ({exe})")),
        "{p:?} in {out}"
    );
}
