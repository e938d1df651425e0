//! Lowers every corpus program with the recorded tracefs fixtures and snapshots its IR dump (or
//! its diagnostics, for programs using what the compiler does not support yet), plus a summary of
//! how many programs lower. Also checks the exact diagnostics of `corpus/bt/semantic-errors`
//! (`OXTRACE_BLESS=1` rewrites their `.expected` files; review the diff before committing).

use frontend_bt::{compile, LowerOptions};
use ir::catalog::FixtureCatalog;
use ir::diag::render_all;
use ir::SourceFile;
use std::path::{Path, PathBuf};

/// `corpus/<sub>` (e.g. `bt/syntax`, `e2e`, `diff`).
fn corpus_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("corpus")
        .join(sub)
}

fn programs(sub: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(sub))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "bt"));
    files.sort();
    files
}

/// Compiles `path` as the CLI would, with positional parameters `5` and `10`, or the ones its
/// `// args:` header gives when they name the workload binary (`{workload}`, which the fixture
/// catalogue knows as [`ir::catalog::FIXTURE_WORKLOAD`]).
fn lower_file(path: &Path) -> (Option<ir::Program>, String) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = SourceFile::new(name, text.clone());
    let catalog = FixtureCatalog::new();
    let types = ir::catalog::BtfCatalog::fixture();
    let options = LowerOptions {
        catalog: &catalog,
        types: &types,
        params: text
            .lines()
            .take_while(|l| l.starts_with("//"))
            .find_map(|l| l.strip_prefix("// args:"))
            .filter(|a| a.contains("{workload}"))
            .map(|a| {
                a.split_whitespace()
                    .map(|w| w.replace("{workload}", ir::catalog::FIXTURE_WORKLOAD))
                    .collect()
            })
            .unwrap_or_else(|| vec!["5".into(), "10".into()]),
        cpid: None,
        command: None,
        // `-p PID` in a `// flags:` header (watchpoints need a process).
        filter_pid: text
            .lines()
            .take_while(|l| l.starts_with("//"))
            .find_map(|l| l.strip_prefix("// flags:"))
            .and_then(|f| {
                let words: Vec<&str> = f.split_whitespace().collect();
                let at = words.iter().position(|w| *w == "-p")?;
                words.get(at + 1)?.parse().ok()
            }),
        // Programs whose header passes `--unsafe` (e2e `// flags:`) are compiled with it, and so
        // are the syntax corpus's (never run; they show every form, `system()` included).
        unsafe_mode: path.components().any(|c| c.as_os_str() == "syntax")
            || text
                .lines()
                .any(|l| l.starts_with("// flags:") && l.contains("--unsafe")),
        env_config: vec![],
    };
    let (program, diags) = compile(&file, &options);
    (program, render_all(&file, &diags))
}

/// Snapshot names: the syntax corpus's file stems as they are; the e2e and differential
/// programs with their folder as a prefix (`e2e__name`, `diff__name`).
fn snapshot_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
    {
        Some(dir) if dir == "e2e" || dir == "diff" => format!("{dir}__{stem}"),
        _ => stem,
    }
}

#[test]
fn every_syntax_program_lowers_or_says_what_is_unsupported() {
    // The syntax corpus covers every form; the end-to-end and differential corpora are real
    // programs that must all lower (they run in the e2e tests).
    let mut files = programs("bt/syntax");
    let runnable: Vec<PathBuf> = [programs("e2e"), programs("diff")].concat();
    files.extend(runnable.iter().cloned());
    let runnable_stems: Vec<String> = runnable.iter().map(|p| snapshot_name(p)).collect();
    assert!(
        files.len() >= 60,
        "expected at least 60 corpus programs, found {}",
        files.len()
    );
    let mut summary = String::new();
    let mut lowered = 0;
    let mut failures = Vec::new();
    for path in &files {
        let stem = snapshot_name(path);
        let (program, diags) = lower_file(path);
        let snapshot = match &program {
            Some(p) => {
                lowered += 1;
                format!("{diags}{}", ir::dump::dump_program(p))
            }
            None => {
                // A program may only fail because it uses something not supported yet (errors
                // that follow from that one are allowed).
                if !diags.contains("is not supported yet") || runnable_stems.contains(&stem) {
                    failures.push(format!("{stem} fails to lower:\n{diags}"));
                }
                format!("NOT LOWERED\n{diags}")
            }
        };
        summary.push_str(&format!(
            "{stem}: {}\n",
            if program.is_some() {
                "lowers"
            } else {
                "unsupported"
            }
        ));
        insta::with_settings!({ snapshot_suffix => stem.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("ir", snapshot);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    summary.push_str(&format!("total: {lowered} of {} lower\n", files.len()));
    insta::assert_snapshot!("summary", summary);
}

#[test]
fn semantic_errors_match_expected_diagnostics() {
    let files = programs("bt/semantic-errors");
    assert!(files.len() >= 8, "expected at least 8 semantic error cases");
    for path in files {
        let (program, diags) = lower_file(&path);
        if std::env::var_os("OXTRACE_BLESS").is_some() {
            let _ = std::fs::write(path.with_extension("expected"), &diags);
        }
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap_or_default();
        assert!(program.is_none(), "{} should not compile", path.display());
        assert_eq!(diags, expected, "diagnostics of {}", path.display());
    }
}
