//! The parser never panics: every prefix of the corpus programs and a pile of generated garbage
//! parse to some result (usually with diagnostics).

mod common;

use ir::span::SourceFile;

fn parse(text: &str) {
    let file = SourceFile::new("fuzz.bt", text);
    let (program, diags) = frontend_bt::parse_program(&file);
    assert!(
        program.is_some() || !diags.is_empty(),
        "no AST and no diagnostic for {text:?}"
    );
    // Rendering must not panic either.
    let _ = ir::diag::render_all(&file, &diags);
}

#[test]
fn every_prefix_of_corpus_programs() {
    let files = common::bt_files(&common::corpus_dir());
    for (i, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // Every prefix of a third of the files, every 5th prefix of the rest (keeps the test quick).
        let step = if i % 3 == 0 { 1 } else { 5 };
        for (n, (offset, _)) in text.char_indices().enumerate() {
            if n % step == 0 {
                parse(&text[..offset]);
                parse(&text[offset..]);
            }
        }
    }
}

#[test]
fn generated_garbage() {
    const PIECES: &[&str] = &[
        "BEGIN",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "/",
        "*",
        "\"",
        "'",
        "$",
        "@",
        "#include",
        "#",
        ":",
        ",",
        ";",
        "=",
        "kprobe:f",
        "uprobe:\"a",
        "t:x:*",
        "{a,b}",
        "1e",
        "0x",
        "99999999999999999999",
        "$1",
        "$#",
        "\\",
        "/*",
        "//",
        "\n",
        " ",
        "if",
        "else",
        "for",
        "..",
        "?",
        "->",
        ".",
        "struct",
        "config",
        "macro",
        "let",
        "é",
        "\0",
        "1s",
        "'\\x",
        "x",
        "++",
        "_",
        "import",
        "(uint8)",
        "sizeof",
        "offsetof",
        "typeof",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        parse(&text);
    }
}
