//! A program the verifier refuses is one diagnostic at the statement it refused, with a hint;
//! the full log only under -v; exit code 1. Needs root (skipped otherwise).

use std::process::Command;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

const UNBOUNDED_LOOP: &str =
    "BEGIN\n{\n  $i = 0;\n  while ($i >= 0) {\n    @x[$i] = 1;\n  }\n  exit();\n}\n";

fn run(extra: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("oxtrace-verifier-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("unbounded.bt");
    std::fs::write(&path, UNBOUNDED_LOOP).expect("write the test program");
    let out = Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(extra)
        .arg(&path)
        .output()
        .expect("run oxtrace");
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(&*path.to_string_lossy(), "unbounded.bt");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn refusal_points_at_the_statement_with_a_hint() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let (code, stderr) = run(&[]);
    assert_eq!(code, 1, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "unbounded.bt:5:5: error: the BPF verifier rejected probe BEGIN:",
        "{stderr}"
    );
    assert!(lines.contains(&"    @x[$i] = 1;"), "{stderr}");
    assert!(lines.contains(&"    ^^^^^^^^^^"), "{stderr}");
    assert!(
        lines.contains(&"note: run with -v to see the full verifier log"),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("help: the verifier cannot prove that a loop ends")),
        "{stderr}"
    );
    assert!(stderr.contains("infinite loop detected"), "{stderr}");
}

#[test]
fn verbose_shows_the_whole_log() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let (code, stderr) = run(&["-v"]);
    assert_eq!(code, 1, "{stderr}");
    // The full log has the instructions and the source annotations.
    assert!(stderr.contains("@ oxtrace.bt:"), "{stderr}");
    assert!(!stderr.contains("run with -v"), "{stderr}");
}
