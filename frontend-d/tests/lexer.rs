//! The lexer's context-sensitive cases: probe descriptions, predicate slashes versus division,
//! declarations versus descriptions, type names, literals and control lines.

use frontend_d::ast::{Directive, PragmaKind};
use frontend_d::lexer::tokenize;
use frontend_d::token::Token;

fn tokens(src: &str) -> Vec<Token> {
    let (toks, diags, _) = tokenize(src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}: {diags:?}"
    );
    toks.into_iter().map(|(_, t, _)| t).collect()
}

/// The probe description tokens as lists of fields.
fn descs(src: &str) -> Vec<Vec<String>> {
    tokens(src)
        .into_iter()
        .filter_map(|t| match t {
            Token::Desc(d) => Some(d.fields.iter().map(|f| f.text.clone()).collect()),
            _ => None,
        })
        .collect()
}

fn fields(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

#[test]
fn predicate_slashes_versus_division() {
    let toks = tokens("syscall::read:entry /x/ { y = a / b; }");
    assert!(matches!(toks[0], Token::Desc(_)));
    assert_eq!(toks[1], Token::Punct("/"));
    assert_eq!(toks[2], Token::Ident("x".into()));
    assert_eq!(toks[3], Token::EndPred);
    assert_eq!(toks[4], Token::Punct("{"));
    assert_eq!(toks[8], Token::Punct("/"), "division in the body: {toks:?}");

    // Inside a predicate, a `/` followed by anything but `{`, `;`, `/` or the end divides.
    let toks = tokens("BEGIN / a / b > 1 / { }");
    assert_eq!(toks[1], Token::Punct("/"));
    assert_eq!(toks[3], Token::Punct("/"));
    assert_eq!(toks[7], Token::EndPred);

    // A predicate without a body ends at the end of input or a `;`.
    let toks = tokens("BEGIN /x/");
    assert_eq!(toks.last(), Some(&Token::EndPred));
    let toks = tokens("BEGIN /x/ ; END");
    assert_eq!(toks[3], Token::EndPred);
    assert!(matches!(toks[5], Token::Desc(_)));

    // Blanks and comments may sit between the closing `/` and the `{`.
    let toks = tokens("BEGIN /x/ /* c */\n{ }");
    assert_eq!(toks[3], Token::EndPred);
}

#[test]
fn descriptions_with_wildcards_and_classes() {
    assert_eq!(
        descs("syscall::*read*:entry {}"),
        vec![fields(&["syscall", "", "*read*", "entry"])]
    );
    assert_eq!(
        descs("syscall::[rw]*:entry,fbt::vfs_[!o]?:return{}"),
        vec![
            fields(&["syscall", "", "[rw]*", "entry"]),
            fields(&["fbt", "", "vfs_[!o]?", "return"])
        ]
    );
    assert_eq!(descs("*:::entry {}"), vec![fields(&["*", "", "", "entry"])]);
    assert_eq!(
        descs("profile-997 {} tick-1sec {}"),
        vec![fields(&["profile-997"]), fields(&["tick-1sec"])]
    );
    assert_eq!(
        descs("pid123:libc.so.6:malloc:entry {}"),
        vec![fields(&["pid123", "libc.so.6", "malloc", "entry"])]
    );
}

#[test]
fn macro_variables_inside_descriptions() {
    assert_eq!(
        descs("pid$target::malloc:entry {}"),
        vec![fields(&["pid$target", "", "malloc", "entry"])]
    );
    assert_eq!(
        descs("syscall::$1:entry /pid == $2/ {}"),
        vec![fields(&["syscall", "", "$1", "entry"])]
    );
    assert_eq!(
        descs("pid$1::$$2:return {}"),
        vec![fields(&["pid$1", "", "$$2", "return"])]
    );
    // ...while in code they are macro variable tokens.
    let toks = tokens("syscall::$1:entry /pid == $2/ {}");
    assert_eq!(toks[4], Token::Macro(("2".into(), false)));
}

#[test]
fn shortened_descriptions_fill_from_the_right() {
    let toks = tokens("read:entry {}");
    let Token::Desc(d) = &toks[0] else {
        panic!("{toks:?}")
    };
    assert_eq!(
        (d.provider(), d.module(), d.function(), d.name()),
        ("", "", "read", "entry")
    );
    let toks = tokens("BEGIN");
    let Token::Desc(d) = &toks[0] else {
        panic!("{toks:?}")
    };
    assert_eq!(d.name(), "BEGIN");
    assert_eq!(d.provider(), "");
}

#[test]
fn several_bodiless_clauses() {
    assert_eq!(
        descs("BEGIN\nEND\nsyscall::read:entry"),
        vec![
            fields(&["BEGIN"]),
            fields(&["END"]),
            fields(&["syscall", "", "read", "entry"])
        ]
    );
}

#[test]
fn declarations_versus_descriptions() {
    let toks = tokens("int x; self int d; BEGIN {}");
    assert_eq!(toks[0], Token::Keyword("int"));
    assert_eq!(toks[1], Token::Ident("x".into()));
    assert_eq!(toks[3], Token::Keyword("self"));
    assert!(matches!(toks[7], Token::Desc(_)));
    // `int*x` is a declaration (the `*` is not a glob), `inline` and `typedef` start items.
    let toks = tokens("int*x; inline int N = 1; typedef int n_t;");
    assert_eq!(
        &toks[..4],
        &[
            Token::Keyword("int"),
            Token::Punct("*"),
            Token::Ident("x".into()),
            Token::Punct(";")
        ]
    );
    assert_eq!(toks[4], Token::Keyword("inline"));
    // A known typedef name starts a declaration; with a `:` it would be a description.
    let toks = tokens("uint64_t total; vnode_t *vp;");
    assert_eq!(toks[0], Token::TypeName("uint64_t".into()));
    assert_eq!(toks[3], Token::TypeName("vnode_t".into()));
}

#[test]
fn typedef_names_become_type_names() {
    let toks = tokens("typedef struct s { int a; } my_s; my_s x; BEGIN { y = (my_s *)0; }");
    assert!(
        toks.contains(&Token::Ident("my_s".into())),
        "the declarator itself"
    );
    let type_names = toks
        .iter()
        .filter(|t| **t == Token::TypeName("my_s".into()))
        .count();
    assert_eq!(type_names, 2, "{toks:?}");
}

#[test]
fn casts_of_unknown_type_names() {
    let toks = tokens("BEGIN { a = (foo_t)x; b = (bar *)y; c = f(z_t); d = (p * q); }");
    assert!(toks.contains(&Token::TypeName("foo_t".into())));
    assert!(toks.contains(&Token::TypeName("bar".into())));
    assert!(
        toks.contains(&Token::Ident("z_t".into())),
        "a call argument"
    );
    assert!(toks.contains(&Token::Ident("p".into())));
}

#[test]
fn integer_literals() {
    let ints = |src: &str| -> Vec<(u64, u32, String)> {
        tokens(&format!("BEGIN {{ {src} }}"))
            .into_iter()
            .filter_map(|t| match t {
                Token::Int(i) => Some((i.value, i.radix, i.suffix)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(ints("42"), vec![(42, 10, String::new())]);
    assert_eq!(ints("0755"), vec![(0o755, 8, String::new())]);
    assert_eq!(ints("0x1fUL"), vec![(31, 16, "UL".into())]);
    assert_eq!(ints("10ull"), vec![(10, 10, "ull".into())]);
    assert_eq!(
        ints("7u 8l 9LL"),
        vec![
            (7, 10, "u".into()),
            (8, 10, "l".into()),
            (9, 10, "LL".into())
        ]
    );
    assert_eq!(ints("0"), vec![(0, 10, String::new())]);
}

#[test]
fn string_and_character_escapes() {
    let toks = tokens(r#"BEGIN { "a\n\t\\\"\101\x41\0\e" 'x' '\n' '\'' 'ab' }"#);
    let Token::Str(s) = &toks[2] else {
        panic!("{toks:?}")
    };
    assert_eq!(s.0, b"a\n\t\\\"AA\0\x1b");
    assert_eq!(toks[3], Token::Char(b"x".to_vec()));
    assert_eq!(toks[4], Token::Char(b"\n".to_vec()));
    assert_eq!(toks[5], Token::Char(b"'".to_vec()));
    assert_eq!(toks[6], Token::Char(b"ab".to_vec()));
}

#[test]
fn sigils_and_d_operators() {
    let toks = tokens("BEGIN { @a @ $1 $$1 $target `sym vmlinux`sym a ^^ b ... }");
    assert_eq!(
        &toks[2..10],
        &[
            Token::Agg("a".into()),
            Token::Agg(String::new()),
            Token::Macro(("1".into(), false)),
            Token::Macro(("1".into(), true)),
            Token::Macro(("target".into(), false)),
            Token::Ident("`sym".into()),
            Token::Ident("vmlinux`sym".into()),
            Token::Ident("a".into()),
        ]
    );
    assert_eq!(toks[10], Token::Punct("^^"));
    assert_eq!(toks[12], Token::Punct("..."));
}

#[test]
fn control_lines_are_directives_in_any_mode() {
    let src = "#!/usr/sbin/dtrace -qs\n#pragma D option bufsize=16m\nBEGIN\n{\n# 7 \"x.d\"\n#pragma D option quiet\n  x = 1;\n}\n";
    let (toks, diags, dirs) = tokenize(src);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(toks.len(), 7, "BEGIN {{ x = 1 ; }}");
    assert!(
        matches!(&dirs[0], Directive::Interpreter { text, .. } if text == "/usr/sbin/dtrace -qs")
    );
    assert!(matches!(&dirs[1], Directive::Pragma(p)
        if matches!(&p.kind, PragmaKind::Option { name, value } if name.name == "bufsize" && value.as_deref() == Some("16m"))));
    assert!(
        matches!(&dirs[2], Directive::Line(l) if l.line == 7 && l.file.as_deref() == Some("x.d"))
    );
    assert!(matches!(&dirs[3], Directive::Pragma(_)));
    // A `#` that is not first on its line is not a control line.
    let (_, diags, _) = tokenize("BEGIN { x = 1 # 2 }");
    assert_eq!(diags[0].message, "syntax error near \"#\"");
}

#[test]
fn pragma_kinds() {
    let (_, diags, dirs) = tokenize(
        "#pragma D depends_on provider io\n#pragma D attributes Evolving/Evolving/Common provider io args\n#pragma D binding \"1.0\" f\n#pragma weak x\n",
    );
    assert!(diags.is_empty(), "{diags:?}");
    let kinds: Vec<&PragmaKind> = dirs
        .iter()
        .filter_map(|d| match d {
            Directive::Pragma(p) => Some(&p.kind),
            _ => None,
        })
        .collect();
    assert!(
        matches!(kinds[0], PragmaKind::DependsOn { class, name } if class == "provider" && name == "io")
    );
    assert!(
        matches!(kinds[1], PragmaKind::Attributes { attributes, target } if attributes == "Evolving/Evolving/Common" && target.len() == 3)
    );
    assert!(
        matches!(kinds[2], PragmaKind::Binding { version, name } if version == "1.0" && name == "f")
    );
    assert!(matches!(kinds[3], PragmaKind::Other { .. }));
}

#[test]
fn lexical_errors_are_diagnostics() {
    let first = |src: &str| {
        tokenize(src)
            .1
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        first("BEGIN { \"abc\n }"),
        "newline encountered in string literal"
    );
    assert_eq!(
        first("BEGIN { /* x }"),
        "end-of-file encountered before matching */"
    );
    assert_eq!(
        first("BEGIN { x = 1.5; }"),
        "floating-point constants are not permitted"
    );
    assert_eq!(first("BEGIN { 089 }"), "invalid digit in octal constant");
    assert_eq!(
        first("BEGIN { 99999999999999999999 }"),
        "integer constant 99999999999999999999 results in integer overflow"
    );
    assert_eq!(
        first("BEGIN { 12xyz }"),
        "invalid suffix \"xyz\" on integer constant \"12xyz\""
    );
    assert_eq!(first("BEGIN { '' }"), "empty character constant");
    assert_eq!(
        first("#include <x.h>\n"),
        "invalid control directive: #include"
    );
    assert_eq!(
        first("#pragma D option\n"),
        "malformed #pragma option <option>=<val>"
    );
    assert_eq!(
        first("a:b:c:d:e {}"),
        "invalid probe description \"a:b:c:d:e\": Overspecified probe description"
    );
}
