//! Every script under `corpus/d/syntax` parses without diagnostics, and its AST matches the
//! insta snapshot `ast@<name>.snap`.

mod common;

use ir::span::SourceFile;

#[test]
fn corpus_scripts_parse_and_match_snapshots() {
    let files = common::d_files(&common::corpus_dir("syntax"));
    assert!(
        files.len() >= 40,
        "expected the D syntax corpus, found {} files",
        files.len()
    );
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = SourceFile::new(format!("{name}.d"), text);
        let (program, diags) = frontend_d::parse_program(&file);
        assert!(
            diags.is_empty(),
            "{name} has diagnostics:\n{}",
            ir::diag::render_all(&file, &diags)
        );
        let program = program.unwrap_or_else(|| panic!("{name} did not parse"));
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
            insta::assert_debug_snapshot!("ast", program);
        });
    }
}
