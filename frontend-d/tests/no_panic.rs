//! The parser never panics: every prefix (and suffix) of several corpus scripts, and generated
//! garbage, parse to some result (usually with diagnostics).

mod common;

use ir::span::SourceFile;

fn parse(text: &str) {
    let file = SourceFile::new("fuzz.d", text);
    let (program, diags) = frontend_d::parse_program(&file);
    assert!(
        program.is_some() || !diags.is_empty(),
        "no AST and no diagnostic for {text:?}"
    );
    // Rendering must not panic either.
    let _ = ir::diag::render_all(&file, &diags);
}

#[test]
fn every_prefix_of_corpus_scripts() {
    let mut files = common::d_files(&common::corpus_dir("syntax"));
    files.extend(common::d_files(&common::corpus_dir("syntax-errors")));
    for (i, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // Every prefix of a quarter of the files, every 7th prefix of the rest (keeps it quick).
        let step = if i % 4 == 0 { 1 } else { 7 };
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
        "syscall:::entry",
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
        "$$",
        "@",
        "#pragma D option",
        "#",
        "#line",
        ":",
        ",",
        ";",
        "=",
        "int",
        "self",
        "this",
        "->",
        "inline",
        "typedef",
        "struct",
        "enum",
        "translator",
        "xlate",
        "<",
        ">",
        "provider",
        "probe",
        "sizeof",
        "stringof",
        "offsetof",
        "if",
        "else",
        "0x",
        "1.5",
        "99999999999999999999",
        "$1",
        "\\",
        "/*",
        "//",
        "\n",
        " ",
        "?",
        ".",
        "é",
        "\0",
        "`",
        "x_t",
        "[abc]",
        "...",
        "^^",
        "'\\x",
        "x",
        "++",
        "_",
        "(int)",
        "foo_t *",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
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
