//! What the runtime's kernel tests share: running a session on a thread with output the test
//! can watch while it runs, the root check, serialisation, and exact syscall workloads.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ir::Program;
use runtime::{RunOptions, RuntimeError};

/// The line oxtrace prints once everything is attached (and BEGIN has run).
pub const NOTIFY: &str = "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n";

static SERIAL: Mutex<()> = Mutex::new(());

/// One session at a time: the tests filter events by thread, and counts must be exact.
/// Also takes the machine-wide lock (`/tmp/oxtrace-kernel-tests.lock`) that the workspace's
/// end-to-end tests take, so suites run at the same time by different processes don't mix.
pub fn serial() -> (MutexGuard<'static, ()>, Option<std::fs::File>) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    (guard, machine_lock())
}

fn machine_lock() -> Option<std::fs::File> {
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open("/tmp/oxtrace-kernel-tests.lock")
        .ok()?;
    // SAFETY: flock on a descriptor we own; blocks until the lock is ours.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    Some(file)
}

/// True when running as root (otherwise the test prints that it is skipped); turns on the
/// notify line.
pub fn root() -> bool {
    if !runtime::is_root() {
        eprintln!("skipped: needs root");
        return false;
    }
    std::env::set_var("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1");
    true
}

/// A `Write` whose bytes the test can read while the session runs; the flag says it ended.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<Vec<u8>>>, Arc<AtomicBool>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Waits (at most 20 s) until the output contains `needle`; fails if the session ends first.
    pub fn wait_for(&self, needle: &str) {
        let t = Instant::now();
        while !self.text().contains(needle) {
            assert!(
                !self.1.load(Ordering::SeqCst),
                "the session ended before {needle:?}; have {:?}",
                self.text()
            );
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "timed out waiting for {needle:?}; have {:?}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// How a session ended and what it printed.
pub struct Outcome {
    pub result: Result<i32, RuntimeError>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program` on a thread; `during` gets the live stdout while it runs.
pub fn run(program: Program, elf: Vec<u8>, dry_run: bool, during: impl FnOnce(&Shared)) -> Outcome {
    let out = Shared::default();
    let err = Shared::default();
    let (o, mut e) = (out.clone(), err.clone());
    let handle = std::thread::spawn(move || {
        let done = o.1.clone();
        let opts = RunOptions {
            quiet: false,
            verbose: false,
            dry_run,
            output: Box::new(o),
            format: runtime::OutputFormat::Text,
            buffering: runtime::Buffering::Line,
            child: None,
            watch_pid: None,
            dtrace_notices: Vec::new(),
            source: None,
        };
        let r = runtime::session::run_timed(&program, &elf, opts, &mut e).map(|(code, t)| {
            eprintln!(
                "load {:?}, attach {:?}, detach {:?}",
                t.load, t.attach, t.detach
            );
            code
        });
        done.store(true, Ordering::SeqCst);
        r
    });
    let watched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| during(&out)));
    let result = handle
        .join()
        .unwrap_or_else(|_| Err(RuntimeError::new("session panicked")));
    if let Err(p) = watched {
        eprintln!("session result: {result:?}\nstderr: {}", err.text());
        std::panic::resume_unwind(p);
    }
    Outcome {
        result,
        stdout: out.text(),
        stderr: err.text(),
    }
}

/// Exactly `n` getppid calls from the calling thread.
pub fn getppid_times(n: usize) {
    for _ in 0..n {
        // SAFETY: getppid has no preconditions.
        unsafe { libc::syscall(libc::SYS_getppid) };
    }
}

/// One getpgid call from the calling thread.
pub fn getpgid() {
    // SAFETY: getpgid(0) only reads the caller's process group.
    unsafe { libc::syscall(libc::SYS_getpgid, 0) };
}
