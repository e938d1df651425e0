//! Differential test: every `corpus/diff/NAME.bt` (written in the subset bpftrace 0.17 understands)
//! runs under `oxtrace` and under Debian's `bpftrace` 0.17 on the same workload; oxtrace's stdout
//! must equal bpftrace's after `support::bpftrace017::normalize` (the one documented list of 0.17's
//! format differences), and both must exit with the header's exit code.
//!
//! Needs root; skipped with a message otherwise. bpftrace missing is a failure (CI installs it),
//! unless `OXTRACE_SKIP_DIFF=1` is set and `CI` is not `true`.
//! `differential_tools` runs the tools of `corpus/tools/` whose `NAME.test` says `diff: yes` under
//! bpftrace 0.17: its normalised stdout, post-processed like oxtrace's (`support::tools`), must
//! equal the same `NAME.out` that `tests/tools.rs` holds oxtrace to.
//!
//! `OXTRACE_CASES=a,b` runs only those cases. `OXTRACE_DIFF_TOOL=bpftrace` replaces oxtrace by
//! another tracer (its output normalised as well): bpftrace against itself checks that the corpus
//! is deterministic.

mod support;

use std::path::PathBuf;
use std::time::Duration;
use support::{compare, repo_root, run_case, run_case_settle};

/// The reference bpftrace, or `None` when the test must be skipped (reported on stderr).
fn reference_bpftrace(test: &str) -> Option<PathBuf> {
    if !support::is_root() {
        eprintln!("SKIPPED {test}: not root (both tracers need root to load BPF programs)");
        return None;
    }
    let Some(bpftrace) = std::env::var_os("OXTRACE_BPFTRACE")
        .map(PathBuf::from)
        .or_else(|| support::which("bpftrace"))
    else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        if !ci && std::env::var("OXTRACE_SKIP_DIFF").is_ok_and(|v| v == "1") {
            eprintln!("SKIPPED {test}: bpftrace is not installed and OXTRACE_SKIP_DIFF=1");
            return None;
        }
        panic!("bpftrace (0.17, `apt-get install bpftrace`) is needed for the differential test; set OXTRACE_SKIP_DIFF=1 to skip it locally");
    };
    Some(bpftrace)
}

/// Runs bpftrace 0.17 as the reference, up to twice more when it had to be killed (0.17 itself
/// sometimes hangs after SIGINT, seen ~1 in 100 runs and twice in a row on a loaded machine;
/// that says nothing about oxtrace, whose runs are never retried).
fn run_reference(
    reference: &[String],
    program: &std::path::Path,
    header: &support::Header,
    workload: &std::path::Path,
    name: &str,
    settle: Duration,
) -> support::RunResult {
    let run = || run_case_settle(reference, program, header, workload, settle);
    let mut res = run();
    for _ in 0..2 {
        if !res.timed_out {
            break;
        }
        eprintln!("{name}: bpftrace 0.17 timed out; running the reference again");
        res = run();
    }
    res
}

#[test]
fn differential_tools() {
    let Some(bpftrace) = reference_bpftrace("differential_tools") else {
        return;
    };
    let reference = vec![bpftrace.display().to_string()];
    let workload = PathBuf::from(env!("CARGO_BIN_EXE_oxtrace-workload"));
    let mut results = Vec::new();
    for t in support::tools::load(&repo_root().join("corpus/tools")) {
        let t = match t {
            Ok(t) => t,
            Err((name, e)) => {
                results.push((name, vec![e]));
                continue;
            }
        };
        if let support::tools::Diff::No(why) = &t.diff {
            eprintln!("tool {:<16} not run under bpftrace 0.17: {why}", t.name);
            continue;
        }
        // The tools print more per event than the corpus programs (tcpdrop a whole kernel
        // stack); 0.17 gets a second to poll its perf buffers before SIGINT.
        let theirs = run_reference(
            &reference,
            &t.tool,
            &t.header,
            &workload,
            &t.name,
            Duration::from_secs(1),
        );
        let mut failures: Vec<String> = theirs
            .problems
            .iter()
            .map(|p| format!("bpftrace: {p}"))
            .collect();
        if theirs.code != Some(t.header.exit) {
            failures.push(format!(
                "bpftrace: expected exit code {}, got {}; stderr:\n{}",
                t.header.exit,
                theirs.exit_description(),
                theirs.stderr
            ));
        }
        let normalized = support::bpftrace017::normalize(&theirs.stdout, &t.source);
        match (support::tools::postprocess(&t, &normalized), &t.expected_out) {
            (Err(e), _) => failures.push(format!("bpftrace: {e}")),
            (Ok(_), None) => failures.push(format!("{}.out is missing", t.name)),
            (Ok(out), Some(exp)) => failures.extend(compare(
                "stdout (expected = NAME.out, actual = bpftrace 0.17 normalised and post-processed)",
                exp,
                &out,
            )),
        }
        if !failures.is_empty() {
            failures.push(format!("(bpftrace raw stdout)\n{}", theirs.stdout));
            failures.push(format!("(bpftrace stderr)\n{}", theirs.stderr));
        }
        eprintln!(
            "tool {:<16} bpftrace {:>6} ms  {}",
            t.name,
            theirs.elapsed.as_millis(),
            if failures.is_empty() { "ok" } else { "FAIL" }
        );
        results.push((t.name, failures));
    }
    support::report("differential tools", &results);
}

#[test]
fn differential_corpus() {
    let Some(bpftrace) = reference_bpftrace("differential_corpus") else {
        return;
    };
    let reference = vec![bpftrace.display().to_string()];
    let (tool, tool_is_bpftrace) = match std::env::var("OXTRACE_DIFF_TOOL") {
        Ok(t) if !t.is_empty() => {
            let b = t.contains("bpftrace");
            (vec![t], b)
        }
        _ => (vec![env!("CARGO_BIN_EXE_oxtrace").to_string()], false),
    };
    let workload = PathBuf::from(env!("CARGO_BIN_EXE_oxtrace-workload"));
    let cases = support::load_cases(&repo_root().join("corpus/diff"));
    if std::env::var("OXTRACE_CASES").is_err() {
        assert!(
            cases.len() >= 20,
            "corpus/diff should hold at least 20 programs, found {}",
            cases.len()
        );
    }
    let mut results = Vec::new();
    for case in cases {
        let case = match case {
            Ok(c) => c,
            Err((name, e)) => {
                results.push((name, vec![format!("bad header: {e}")]));
                continue;
            }
        };
        let mut failures = Vec::new();
        let ours = run_case(&tool, &case.path, &case.header, &workload);
        // oxtrace's own run is never retried.
        let theirs = run_reference(
            &reference,
            &case.path,
            &case.header,
            &workload,
            &case.name,
            Duration::from_millis(250),
        );
        for (who, res) in [("oxtrace", &ours), ("bpftrace", &theirs)] {
            failures.extend(res.problems.iter().map(|p| format!("{who}: {p}")));
            if res.code != Some(case.header.exit) {
                failures.push(format!(
                    "{who}: expected exit code {}, got {}; stderr:\n{}",
                    case.header.exit,
                    res.exit_description(),
                    res.stderr
                ));
            }
        }
        let expected = support::bpftrace017::normalize(&theirs.stdout, &case.source);
        let actual = if tool_is_bpftrace {
            support::bpftrace017::normalize(&ours.stdout, &case.source)
        } else {
            ours.stdout.clone()
        };
        let expected = support::apply_masks(&case.header, &expected);
        let actual = support::apply_masks(&case.header, &actual);
        failures.extend(compare(
            "stdout (expected = normalised bpftrace 0.17)",
            &expected,
            &actual,
        ));
        if !failures.is_empty() && !ours.stderr.is_empty() {
            failures.push(format!("(oxtrace stderr)\n{}", ours.stderr));
        }
        let verdict = if failures.is_empty() { "ok" } else { "FAIL" };
        eprintln!(
            "diff {:<22} oxtrace {:>6} ms  bpftrace {:>6} ms  {verdict}",
            case.name,
            ours.elapsed.as_millis(),
            theirs.elapsed.as_millis()
        );
        results.push((case.name, failures));
    }
    support::report("differential", &results);
}
