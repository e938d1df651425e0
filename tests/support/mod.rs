//! Shared machinery of the end-to-end (`tests/e2e.rs`) and differential (`tests/differential.rs`)
//! tests: reading a corpus file's header, running a tracer on it next to the workload generator,
//! and comparing outputs with a unified diff.
//!
//! # Corpus file header
//! A `.bt` file starts with `//` comment lines. A comment of the form `// key: value` is a header
//! and `key` must be one of the keys below (a typo is an error, not a silent comment); other
//! comments are free text. The header ends at the first line that is not a comment.
//!
//! | key | meaning | default |
//! | --- | --- | --- |
//! | `workload` | steps for `oxtrace-workload`, run once the tracer reports it has attached | no workload |
//! | `args` | positional parameters after the program file (whitespace separated) | none |
//! | `stop` | `self`: the program exits by itself; `sigint`: SIGINT after the workload has exited | `self` |
//! | `exit` | expected exit code of the tracer | `0` |
//! | `timeout` | seconds until the tracer is killed and the case fails | `60` |
//! | `flags` | extra tracer flags before the program file (e.g. `-q`) | none |
//! | `mask` | a regular expression; its matches in stdout (expected and actual) become `[masked]`, for output that depends on the time of day; may be repeated | none |
//!
//! In `args` and `flags`, the word `{workload}` stands for the absolute path of the
//! `oxtrace-workload` binary (whose USDT probes and functions uprobe/usdt cases trace, e.g.
//! `usdt:$1:oxtwl:step` with `// args: {workload}`); in the outputs, that path is replaced by
//! `{workload}` again before they are compared.
//!
//! D scripts (`NAME.d`) are cases too: they run with `_DTRACE_TESTING` set (DTrace's test mode:
//! no CPU and ID columns, so records do not depend on the CPU), and the program's path in their
//! stderr is replaced by its file name (DTrace's notices and errors name the script).
//!
//! Expected outputs live next to the program: `NAME.out` (stdout, required, compared exactly, the
//! `__BPFTRACE_NOTIFY_PROBES_ATTACHED` line removed) and `NAME.err` (stderr, optional).

#![allow(dead_code)] // each test binary uses a different subset

pub mod bpftrace017;
pub mod tools;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The line a tracer prints once all probes are attached when the variable of the same name is set.
pub const NOTIFY: &str = "__BPFTRACE_NOTIFY_PROBES_ATTACHED";

/// The word in a case's `args`/`flags` that stands for the workload binary's path (and what that
/// path becomes in the outputs).
pub const WORKLOAD_PLACEHOLDER: &str = "{workload}";

/// Exit codes `oxtrace-workload` uses for its own failures (usage error, failed syscall setup).
pub const WORKLOAD_USAGE_ERROR: i32 = 120;
pub const WORKLOAD_RUN_ERROR: i32 = 121;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The program calls `exit()` itself.
    SelfExit,
    /// The harness sends SIGINT once the workload has exited.
    Sigint,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub workload: Option<Vec<String>>,
    pub args: Vec<String>,
    pub stop: Stop,
    pub exit: i32,
    pub timeout: Duration,
    pub flags: Vec<String>,
    pub masks: Vec<String>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            workload: None,
            args: vec![],
            stop: Stop::SelfExit,
            exit: 0,
            timeout: Duration::from_secs(60),
            flags: vec![],
            masks: vec![],
        }
    }
}

/// Parses the header comments of a corpus program (see the module documentation).
pub fn parse_header(source: &str) -> Result<Header, String> {
    let mut h = Header::default();
    for (i, line) in source.lines().enumerate() {
        let line = line.trim();
        let Some(comment) = line.strip_prefix("//") else {
            break;
        };
        let comment = comment.trim();
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
        {
            continue; // free text that happens to contain a colon
        }
        let value = value.trim();
        let words = || {
            value
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let at = || format!("line {}: ", i + 1);
        match key {
            "workload" => h.workload = Some(words()),
            "args" => h.args = words(),
            "flags" => h.flags = words(),
            "mask" => {
                regex::Regex::new(value).map_err(|e| format!("{}mask: {e}", at()))?;
                h.masks.push(value.to_string());
            }
            "stop" => {
                h.stop = match value {
                    "self" => Stop::SelfExit,
                    "sigint" => Stop::Sigint,
                    other => return Err(format!("{}stop must be 'self' or 'sigint', not '{other}'", at())),
                }
            }
            "exit" => h.exit = value.parse().map_err(|_| format!("{}exit: '{value}' is not an integer", at()))?,
            "timeout" => {
                let secs: u64 = value.parse().map_err(|_| format!("{}timeout: '{value}' is not a number of seconds", at()))?;
                h.timeout = Duration::from_secs(secs);
            }
            other => {
                return Err(format!(
                    "{}unknown header key '{other}' (known: workload, args, stop, exit, timeout, flags, mask)",
                    at()
                ))
            }
        }
    }
    Ok(h)
}

/// `text` with every match of the header's `mask` expressions replaced by `[masked]`.
pub fn apply_masks(header: &Header, text: &str) -> String {
    let mut out = text.to_string();
    for m in &header.masks {
        if let Ok(re) = regex::Regex::new(m) {
            out = re.replace_all(&out, "[masked]").into_owned();
        }
    }
    out
}

/// One corpus program with its header and expected outputs.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub path: PathBuf,
    pub source: String,
    pub header: Header,
    pub expected_out: Option<String>,
    pub expected_err: Option<String>,
}

/// The repository root (the root crate's manifest directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads every `*.bt` and `*.d` in `dir`, sorted by name. `OXTRACE_CASES=a,b` keeps only the named cases.
/// The files of `dir` with one of `extensions`, sorted, as (file stem, path); with
/// `OXTRACE_CASES=a,b` only those whose stem is named.
pub fn selected_files(dir: &Path, extensions: &[&str]) -> Vec<(String, PathBuf)> {
    let filter: Option<Vec<String>> = std::env::var("OXTRACE_CASES")
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read corpus directory {}: {e}", dir.display()))
        .map(|e| e.expect("readdir").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| extensions.iter().any(|e| x == *e))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            (
                path.file_stem().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .filter(|(name, _)| filter.as_ref().is_none_or(|f| f.contains(name)))
        .collect()
}

pub fn load_cases(dir: &Path) -> Vec<Result<Case, (String, String)>> {
    selected_files(dir, &["bt", "d"])
        .into_iter()
        .map(|(name, path)| {
            let source = std::fs::read_to_string(&path).expect("read corpus file");
            let header = match parse_header(&source) {
                Ok(h) => h,
                Err(e) => return Err((name, e)),
            };
            let read = |ext: &str| std::fs::read_to_string(path.with_extension(ext)).ok();
            Ok(Case {
                expected_out: read("out"),
                expected_err: read("err"),
                name,
                path,
                source,
                header,
            })
        })
        .collect()
}

/// What happened when a tracer ran a case.
#[derive(Debug, Default)]
pub struct RunResult {
    /// stdout without the notify line.
    pub stdout: String,
    /// stderr without the notify line (bpftrace 0.17 prints it there).
    pub stderr: String,
    /// Exit code, or `None` when killed by a signal.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// The notify line was seen.
    pub attached: bool,
    pub timed_out: bool,
    /// Problems with the run itself (not with the output), e.g. the workload failed.
    pub problems: Vec<String>,
    pub elapsed: Duration,
}

impl RunResult {
    pub fn exit_description(&self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            _ => "unknown exit".into(),
        }
    }
}

/// Spawns a reader that forwards the stream's lines (minus the notify line) and reports the notify line.
fn reader(
    stream: impl Read + Send + 'static,
    notify: mpsc::Sender<()>,
) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut out = Vec::new();
        let mut r = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if line.strip_suffix(b"\n").unwrap_or(&line) == NOTIFY.as_bytes() {
                        let _ = notify.send(());
                    } else {
                        out.extend_from_slice(&line);
                    }
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    })
}

fn kill_group(child: &Child, sig: i32) {
    // SAFETY: plain kill(2) on the process group we created for the child.
    unsafe { libc::kill(-(child.id() as i32), sig) };
}

/// Waits for `child` until `deadline`; `None` on timeout.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::process::ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return Some(st),
            Ok(None) => {}
            Err(e) => panic!("waitpid: {e}"),
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `tool` (a command line such as `["oxtrace"]` or `["bpftrace"]`) on `program` with the
/// header's flags and positional parameters, next to `workload` (path of `oxtrace-workload`):
/// waits for the notify line, runs the workload, stops the tracer as the header says and collects
/// everything. Never panics on tracer misbehaviour: that is reported in the result.
pub fn run_case(tool: &[String], program: &Path, header: &Header, workload: &Path) -> RunResult {
    run_case_settle(tool, program, header, workload, Duration::ZERO)
}

/// [`run_case`], waiting `settle` between the notify line and the workload and again between the
/// workload's end and SIGINT. Used only for the bpftrace 0.17 reference, which occasionally
/// missed a workload's events when it started right after its notify line, or when SIGINT came
/// before it had polled its perf buffers (`d13_ternary_printf`, a few times in ~100 runs).
pub fn run_case_settle(
    tool: &[String],
    program: &Path,
    header: &Header,
    workload: &Path,
    settle: Duration,
) -> RunResult {
    let _machine = machine_lock();
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let start = Instant::now();
    let deadline = start + header.timeout;
    let mut res = RunResult::default();
    let workload_path = workload.to_string_lossy().into_owned();
    let expand = |words: &[String]| -> Vec<String> {
        words
            .iter()
            .map(|w| w.replace(WORKLOAD_PLACEHOLDER, &workload_path))
            .collect()
    };
    let mut cmd = Command::new(&tool[0]);
    cmd.args(&tool[1..])
        .args(expand(&header.flags))
        .arg(program)
        .args(expand(&header.args))
        .env(NOTIFY, "1")
        .envs(is_d_script(program).then_some(("_DTRACE_TESTING", "1")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            res.problems.push(format!("cannot start {}: {e}", tool[0]));
            return res;
        }
    };
    let (tx, rx) = mpsc::channel();
    let out = reader(child.stdout.take().unwrap(), tx.clone());
    let err = reader(child.stderr.take().unwrap(), tx);

    // Wait for the notify line (or an early exit: fine for BEGIN-only programs).
    let mut status = None;
    loop {
        if rx.recv_timeout(Duration::from_millis(10)).is_ok() {
            res.attached = true;
            break;
        }
        if let Ok(Some(st)) = child.try_wait() {
            // It may have printed the notify line just before exiting.
            res.attached = rx.try_recv().is_ok();
            status = Some(st);
            break;
        }
        if Instant::now() >= deadline {
            break;
        }
    }

    if status.is_none() && !res.attached {
        res.timed_out = true;
        res.problems
            .push(format!("no '{NOTIFY}' line within {:?}", header.timeout));
    }

    if let Some(steps) = &header.workload {
        if !res.attached {
            res.problems.push(
                "the tracer never reported that its probes were attached; the workload was not run"
                    .into(),
            );
        } else {
            thread::sleep(settle);
            match Command::new(workload)
                .args(steps)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .output()
            {
                Ok(o) => {
                    let code = o.status.code();
                    if code == Some(WORKLOAD_USAGE_ERROR)
                        || code == Some(WORKLOAD_RUN_ERROR)
                        || code.is_none()
                    {
                        res.problems.push(format!(
                            "workload failed ({:?}): {}",
                            o.status,
                            String::from_utf8_lossy(&o.stderr).trim()
                        ));
                    }
                }
                Err(e) => res.problems.push(format!(
                    "cannot start the workload {}: {e}",
                    workload.display()
                )),
            }
        }
    }

    if status.is_none() && !res.timed_out {
        if header.stop == Stop::Sigint {
            // bpftrace 0.17 drops perf-buffer events it has not polled yet when SIGINT comes
            // right after the workload; `settle` gives the reference time to read them.
            thread::sleep(settle);
            // Only the tracer itself, as a user's Ctrl-C would reach it.
            if let Ok(None) = child.try_wait() {
                // SAFETY: kill(2) on our own child.
                unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            }
        }
        status = wait_until(&mut child, deadline);
        if status.is_none() {
            res.timed_out = true;
            res.problems.push(format!(
                "the tracer did not exit within {:?}; killed",
                header.timeout
            ));
        }
    }
    if status.is_none() {
        kill_group(&child, libc::SIGKILL);
        status = child.wait().ok();
    }
    // Whatever the tracer left running in its group must not keep our pipes open.
    kill_group(&child, libc::SIGKILL);
    res.stdout = out
        .join()
        .unwrap_or_default()
        .replace(&workload_path, WORKLOAD_PLACEHOLDER);
    res.stderr = err
        .join()
        .unwrap_or_default()
        .replace(&workload_path, WORKLOAD_PLACEHOLDER);
    if let Some(st) = status {
        res.code = st.code();
        res.signal = st.signal();
    }
    res.elapsed = start.elapsed();
    res
}

/// `None` when equal, else a unified diff (expected -> actual) with a title.
pub fn compare(what: &str, expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let diff = similar::TextDiff::from_lines(expected, actual);
    let mut text = format!("--- {what}: expected\n+++ {what}: actual\n");
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        text.push_str(&hunk.to_string());
    }
    if !expected.ends_with('\n') || !actual.ends_with('\n') {
        text.push_str("(a side does not end with a newline)\n");
    }
    Some(text)
}

/// True for a D script case (`NAME.d`).
pub fn is_d_script(program: &Path) -> bool {
    program.extension().is_some_and(|x| x == "d")
}

/// Checks a finished run against a case's expectations; returns the list of failures.
pub fn check(
    case_header: &Header,
    res: &RunResult,
    expected_out: Option<&str>,
    expected_err: Option<&str>,
) -> Vec<String> {
    let mut failures = res.problems.clone();
    if res.code != Some(case_header.exit) {
        failures.push(format!(
            "expected exit code {}, got {}",
            case_header.exit,
            res.exit_description()
        ));
    }
    match expected_out {
        Some(exp) => failures.extend(compare("stdout", exp, &res.stdout)),
        None => failures.push(format!(
            "no expected stdout file; actual stdout was:\n{}",
            res.stdout
        )),
    }
    if let Some(exp) = expected_err {
        failures.extend(compare("stderr", exp, &res.stderr));
    }
    if !failures.is_empty() && expected_err.is_none() && !res.stderr.is_empty() {
        failures.push(format!("(stderr, not compared)\n{}", res.stderr));
    }
    failures
}

/// Path of the lock file that serialises kernel tests across processes.
pub const MACHINE_LOCK: &str = "/tmp/oxtrace-kernel-tests.lock";

/// Takes the machine-wide lock for one traced run (released when the file is dropped). Runs of
/// different test binaries, or of two engineers' suites at once, would otherwise see each
/// other's workload events (the workloads share the comm `oxtwl`) and exact counts would break.
pub fn machine_lock() -> Option<std::fs::File> {
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(MACHINE_LOCK)
        .ok()?;
    // SAFETY: flock on a descriptor we own; blocks until the lock is ours.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    Some(file)
}

pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Finds an executable on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Prints a summary and panics when any case failed.
pub fn report(suite: &str, results: &[(String, Vec<String>)]) {
    let failed: Vec<_> = results.iter().filter(|(_, f)| !f.is_empty()).collect();
    for (name, failures) in &failed {
        eprintln!("\n==== {suite}: {name} FAILED");
        for f in failures.iter() {
            eprintln!("{f}");
        }
    }
    eprintln!(
        "\n{suite}: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    for (name, f) in results {
        eprintln!("  {} {name}", if f.is_empty() { "ok  " } else { "FAIL" });
    }
    if !failed.is_empty() {
        panic!(
            "{suite}: {} of {} cases failed: {}",
            failed.len(),
            results.len(),
            failed
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
