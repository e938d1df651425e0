//! oxtrace returns as soon as it has printed its results, and every BPF program it loaded is
//! gone shortly after, released by the background releaser (`runtime::release`). Needs root.
//! Alone in its test binary so no other test loads programs meanwhile.

use std::process::Command;
use std::time::{Duration, Instant};

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// How many loaded BPF programs carry oxtrace's program names (`p<probe>_<site>`).
fn oxtrace_programs() -> usize {
    let name = regex::Regex::new(r"^p\d+_\d+$").expect("valid regex");
    libbpf_rs::query::ProgInfoIter::default()
        .filter(|p| name.is_match(&p.name.to_string_lossy()))
        .count()
}

#[test]
fn programs_are_released_after_exit() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let before = oxtrace_programs();
    let out = Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(["-q", "-e"])
        .arg(
            "tracepoint:sched:sched_switch, tracepoint:sched:sched_wakeup, \
             tracepoint:timer:hrtimer_start { @[probe] = count(); } \
             interval:ms:10 { printf(\"done\\n\"); exit(); }",
        )
        .output()
        .expect("run oxtrace");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only the printf is checked: probes keep firing until exit, so the map may have entries
    // again after the (asynchronous) clear.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("done\n"), "{stdout}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut now = oxtrace_programs();
    while now > before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        now = oxtrace_programs();
    }
    assert_eq!(
        now, before,
        "programs still loaded after the releaser should have exited"
    );
}
