//! oxtrace returns as soon as it has printed its results, and every BPF program it loaded is
//! gone shortly after, released by the background releaser (`runtime::release`). Needs root.
//! Alone in its test binary so no other test loads programs meanwhile.

use std::process::Command;
use std::time::{Duration, Instant};

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The ids of loaded BPF programs with oxtrace's program names (`p<probe>_<site>`). Ids only
/// grow, so programs of this test's run are those above every id seen before it, whatever
/// releasers of earlier tests are still doing.
fn oxtrace_program_ids() -> Vec<u32> {
    let name = regex::Regex::new(r"^p\d+_\d+$").expect("valid regex");
    libbpf_rs::query::ProgInfoIter::default()
        .filter(|p| name.is_match(&p.name.to_string_lossy()))
        .map(|p| p.id)
        .collect()
}

/// The highest id of any loaded BPF program (0 when none).
fn highest_program_id() -> u32 {
    libbpf_rs::query::ProgInfoIter::default()
        .map(|p| p.id)
        .max()
        .unwrap_or(0)
}

#[test]
fn programs_are_released_after_exit() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let before = highest_program_id();
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
    // Only the printf is checked: the probes fire until exit, so the map dump varies.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("done\n"), "{stdout}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let ours = || {
        oxtrace_program_ids()
            .into_iter()
            .filter(|id| *id > before)
            .count()
    };
    while ours() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        ours(),
        0,
        "programs still loaded after the releaser should have exited"
    );
}
