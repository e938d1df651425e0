//! Lowers every script of `corpus/d/syntax` and snapshots its IR dump, or (for scripts using
//! what this issue does not lower yet: other providers, pointers, translators...) its
//! diagnostics in DTrace's format, plus a summary. Also checks `corpus/d/errors`: each `X.d`
//! must produce exactly the DTrace-format errors in `X.expected` (`UPDATE_EXPECTED=1` rewrites
//! them; review the diff).

mod common;

use frontend_d::{compile, render_errors, LowerOptions, ProcessMacros};
use ir::catalog::FixtureCatalog;
use ir::SourceFile;
use std::path::Path;

fn lower(path: &Path) -> (Option<ir::Program>, String) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = SourceFile::new(name, text);
    let catalog = FixtureCatalog::new();
    let types = ir::catalog::BtfCatalog::fixture();
    let options = LowerOptions {
        catalog: &catalog,
        types: &types,
        macro_args: vec!["5".into(), "10".into()],
        options: vec![],
        target: Some(4242),
        process: ProcessMacros {
            pid: 100,
            ppid: 99,
            uid: 0,
            gid: 0,
            sid: 98,
            pgid: 97,
        },
        quiet: false,
    };
    let (program, diags) = compile(&file, &options);
    (program, render_errors(&file, &diags))
}

#[test]
fn every_syntax_script_lowers_or_says_what_is_unsupported() {
    let files = common::d_files(&common::corpus_dir("syntax"));
    assert!(files.len() >= 40, "found {} scripts", files.len());
    let mut summary = String::new();
    let mut lowered = 0;
    for path in &files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (program, errors) = lower(path);
        let text = match &program {
            Some(p) => {
                lowered += 1;
                summary.push_str(&format!("{stem}: lowers\n"));
                let mut t = ir::dump::dump_program(p);
                if !errors.is_empty() {
                    t.push_str("\n# warnings\n");
                    t.push_str(&errors);
                }
                t
            }
            None => {
                let first = errors.lines().next().unwrap_or("").to_string();
                summary.push_str(&format!("{stem}: {first}\n"));
                assert!(!errors.is_empty(), "{stem}: no IR and no diagnostics");
                errors
            }
        };
        insta::with_settings!({ snapshot_suffix => stem.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("ir", text);
        });
    }
    summary.push_str(&format!("\n{lowered} of {} scripts lower\n", files.len()));
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("ir_summary", summary);
    });
}

#[test]
fn error_scripts_report_dtrace_format_errors() {
    let files = common::d_files(&common::corpus_dir("errors"));
    assert!(files.len() >= 8, "found {} error scripts", files.len());
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failures = Vec::new();
    for path in files {
        let (program, errors) = lower(&path);
        let expected_path = path.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &errors).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if program.is_some() {
            failures.push(format!("{}: lowered without errors", path.display()));
        } else if errors != expected {
            failures.push(format!(
                "{}: got\n{errors}\nexpected\n{expected}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errtags_prefix_dtrace_tags_and_x_options_apply() {
    let file = SourceFile::new("t.d", "BEGIN\n{\n\tx = y;\n}\n");
    let catalog = FixtureCatalog::new();
    let types = ir::catalog::BtfCatalog::fixture();
    let options = LowerOptions {
        catalog: &catalog,
        types: &types,
        macro_args: vec![],
        options: vec![("errtags".into(), None), ("bogus".into(), None)],
        target: None,
        process: ProcessMacros::default(),
        quiet: true,
    };
    let (program, diags) = compile(&file, &options);
    assert!(program.is_none());
    assert_eq!(
        frontend_d::lower::render_errors_with(&file, "/tmp/t.d", &diags, true),
        "dtrace: failed to set -x bogus: Invalid option name\n"
    );
    // A good -x applies (errtags), and compiling goes on.
    let options = LowerOptions {
        options: vec![
            ("errtags".into(), None),
            ("bufsize".into(), Some("4m".into())),
        ],
        ..options
    };
    let (program, diags) = compile(&file, &options);
    assert!(program.is_none());
    assert_eq!(
        frontend_d::lower::render_errors_with(&file, "/tmp/t.d", &diags, true),
        "dtrace: failed to compile script /tmp/t.d: [D_IDENT_UNDEF] line 3: failed to resolve y: Unknown variable name\n"
    );
}
