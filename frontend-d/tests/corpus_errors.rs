//! Every `corpus/d/syntax-errors/X.d` produces exactly the diagnostics rendered in `X.expected`.
//! Run with `UPDATE_EXPECTED=1` to rewrite the expectations (then review the diff).

mod common;

use ir::span::SourceFile;

#[test]
fn error_scripts_report_expected_diagnostics() {
    let files = common::d_files(&common::corpus_dir("syntax-errors"));
    assert!(
        files.len() >= 8,
        "expected at least 8 error cases, found {}",
        files.len()
    );
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failures = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = SourceFile::new(name.clone(), text);
        let (_, diags) = frontend_d::parse_program(&file);
        let rendered = ir::diag::render_all(&file, &diags);
        let expected_path = path.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &rendered)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if diags.is_empty() {
            failures.push(format!("{name}: no diagnostics"));
        } else if rendered != expected {
            failures.push(format!("{name}: got\n{rendered}\nexpected\n{expected}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn recovery_reports_several_errors_and_keeps_the_good_clauses() {
    let text =
        "BEGIN { x = ; }\nsyscall::read:entry { @[execname] = count(); }\nEND { y = 1 +; }\n";
    let file = SourceFile::new("multi.d", text);
    let (program, diags) = frontend_d::parse_program(&file);
    assert_eq!(diags.len(), 2, "{}", ir::diag::render_all(&file, &diags));
    assert!(diags
        .iter()
        .all(|d| d.message.starts_with("syntax error near")));
    let program = program.expect("recovered");
    assert_eq!(program.items.len(), 3);
}
