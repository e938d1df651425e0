//! The tools in `corpus/tools/` (our versions of the bpftrace tools users reach for first), each
//! run end to end by the real `oxtrace` next to the workload its `NAME.test` names; the
//! post-processed stdout (`support::tools::postprocess`) must equal `NAME.out` and the exit code
//! the spec's. bpftrace 0.17 runs the same tools in `tests/differential.rs`.
//!
//! Needs root; skipped with a message otherwise. `OXTRACE_CASES=a,b` runs only those tools.
//! `OXTRACE_BLESS=1` writes each tool's post-processed output to its `NAME.out` instead of
//! comparing (review the diff before committing it).

mod support;

use std::path::PathBuf;
use support::{compare, repo_root, run_case, tools};

#[test]
fn tools_corpus() {
    if !support::is_root() {
        eprintln!("SKIPPED tools_corpus: not root (oxtrace needs root to load BPF programs)");
        return;
    }
    let oxtrace = vec![env!("CARGO_BIN_EXE_oxtrace").to_string()];
    let workload = PathBuf::from(env!("CARGO_BIN_EXE_oxtrace-workload"));
    let mut results = Vec::new();
    for t in tools::load(&repo_root().join("corpus/tools")) {
        let t = match t {
            Ok(t) => t,
            Err((name, e)) => {
                results.push((name, vec![e]));
                continue;
            }
        };
        let res = run_case(&oxtrace, &t.tool, &t.header, &workload);
        let mut failures = res.problems.clone();
        if res.code != Some(t.header.exit) {
            failures.push(format!(
                "expected exit code {}, got {}",
                t.header.exit,
                res.exit_description()
            ));
        }
        match (tools::postprocess(&t, &res.stdout), &t.expected_out) {
            (Err(e), _) => failures.push(e),
            (Ok(out), _) if std::env::var("OXTRACE_BLESS").is_ok_and(|v| v == "1") => {
                std::fs::write(t.tool.with_extension("out"), out).expect("write NAME.out")
            }
            (Ok(_), None) => failures.push(format!("{}.out is missing", t.name)),
            (Ok(out), Some(exp)) => failures.extend(compare("stdout (post-processed)", exp, &out)),
        }
        if !failures.is_empty() {
            failures.push(format!("(raw stdout)\n{}", res.stdout));
            failures.push(format!("(stderr)\n{}", res.stderr));
        }
        eprintln!(
            "tool {:<16} {:>6} ms  {}",
            t.name,
            res.elapsed.as_millis(),
            if failures.is_empty() { "ok" } else { "FAIL" }
        );
        results.push((t.name, failures));
    }
    assert!(
        !results.is_empty() || std::env::var("OXTRACE_CASES").is_ok(),
        "corpus/tools is empty"
    );
    support::report("tools", &results);
}

#[test]
fn tools_have_specs() {
    // Every tool has a parseable NAME.test and a NAME.out: checked without root.
    for t in tools::load(&repo_root().join("corpus/tools")) {
        let t = t.unwrap_or_else(|(n, e)| panic!("corpus/tools/{n}: {e}"));
        assert!(
            t.expected_out.is_some(),
            "corpus/tools/{}.out is missing",
            t.name
        );
    }
}
