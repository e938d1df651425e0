//! Every program under `corpus/bt` (except the deliberately broken `errors/`) parses without
//! diagnostics, and its AST matches the insta snapshot `ast@<dir>__<name>.snap`.

mod common;

use ir::span::SourceFile;

#[test]
fn corpus_programs_parse_and_match_snapshots() {
    let root = common::corpus_dir();
    let files: Vec<_> = common::bt_files(&root)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("errors")))
        .collect();
    assert!(
        files.len() >= 60,
        "expected the syntax corpus, found {} files",
        files.len()
    );
    for path in files {
        let rel = path.strip_prefix(&root).unwrap_or(&path);
        let name = rel
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "__");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = SourceFile::new(rel.to_string_lossy(), text);
        let (program, diags) = frontend_bt::parse_program(&file);
        assert!(
            diags.is_empty(),
            "{} has diagnostics:\n{}",
            rel.display(),
            ir::diag::render_all(&file, &diags)
        );
        let program = program.unwrap_or_else(|| panic!("{} did not parse", rel.display()));
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
            insta::assert_debug_snapshot!("ast", program);
        });
    }
}
