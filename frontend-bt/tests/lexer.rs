//! The lexer's context-sensitive cases: attach points, predicates, literals.

use frontend_bt::ast::DurationUnit;
use frontend_bt::lexer::tokenize;
use frontend_bt::token::Token;

fn tokens(src: &str) -> Vec<Token> {
    let (toks, diags) = tokenize(src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}: {diags:?}"
    );
    toks.into_iter().map(|(_, t, _)| t).collect()
}

/// The attach point tokens as (provider, parts).
fn attach_points(src: &str) -> Vec<(String, Vec<String>)> {
    tokens(src)
        .into_iter()
        .filter_map(|t| match t {
            Token::Attach(a) => Some((
                a.provider.name.clone(),
                a.parts.iter().map(|p| p.text.clone()).collect(),
            )),
            _ => None,
        })
        .collect()
}

fn ap(provider: &str, parts: &[&str]) -> (String, Vec<String>) {
    (
        provider.to_string(),
        parts.iter().map(|s| s.to_string()).collect(),
    )
}

#[test]
fn attach_points_with_paths_wildcards_and_offsets() {
    assert_eq!(
        attach_points("tracepoint:syscalls:sys_enter_* {}"),
        vec![ap("tracepoint", &["syscalls", "sys_enter_*"])]
    );
    assert_eq!(
        attach_points("uprobe:/bin/bash:readline {}"),
        vec![ap("uprobe", &["/bin/bash", "readline"])]
    );
    assert_eq!(
        attach_points("kprobe:do_sys_open+10 {}"),
        vec![ap("kprobe", &["do_sys_open+10"])]
    );
    assert_eq!(
        attach_points("usdt:/path/x:ns:probe{}"),
        vec![ap("usdt", &["/path/x", "ns", "probe"])]
    );
    assert_eq!(
        attach_points("watchpoint:0x1234:8:w {}"),
        vec![ap("watchpoint", &["0x1234", "8", "w"])]
    );
    assert_eq!(
        attach_points("interval:1s {}"),
        vec![ap("interval", &["1s"])]
    );
    assert_eq!(
        attach_points("profile:hz:99 {}"),
        vec![ap("profile", &["hz", "99"])]
    );
    assert_eq!(
        attach_points("t:syscalls:sys_enter_{open,openat} {}"),
        vec![ap("t", &["syscalls", "sys_enter_{open,openat}"])]
    );
}

#[test]
fn several_attach_points_and_begin_without_space() {
    assert_eq!(
        attach_points("BEGIN,end,\n  tracepoint:sched:sched_switch{ exit() }"),
        vec![
            ap("BEGIN", &[]),
            ap("end", &[]),
            ap("tracepoint", &["sched", "sched_switch"])
        ]
    );
    let toks = tokens("BEGIN{exit()}");
    assert!(matches!(toks[1], Token::Punct("{")));
}

#[test]
fn quoted_attach_point_parts_keep_colons() {
    let toks = tokens(r#"uprobe:libc:"a:b" {}"#);
    let Token::Attach(a) = &toks[0] else {
        panic!("not an attach point: {toks:?}")
    };
    assert_eq!(a.parts.len(), 2);
    assert_eq!(a.parts[1].text, "a:b");
    assert!(a.parts[1].quoted);
    assert_eq!(a.raw, r#"uprobe:libc:"a:b""#);
    assert_eq!((a.parts[1].span.start, a.parts[1].span.end), (12, 17));
}

#[test]
fn positional_parameter_in_attach_point() {
    assert_eq!(
        attach_points("uprobe:$1:main { }"),
        vec![ap("uprobe", &["$1", "main"])]
    );
    assert_eq!(attach_points("kprobe:$2 { }"), vec![ap("kprobe", &["$2"])]);
}

#[test]
fn predicate_slashes_are_not_division() {
    let toks = tokens("kprobe:f / $x / 2 > 1 / { }");
    let kinds: Vec<String> = toks.iter().map(|t| format!("{t:?}")).collect();
    assert!(matches!(toks[1], Token::Punct("/")), "{kinds:?}");
    assert_eq!(toks[2], Token::Var("x".into()));
    assert_eq!(toks[3], Token::Punct("/"));
    assert_eq!(toks[7], Token::EndPred);
    assert_eq!(toks[8], Token::Punct("{"));
}

#[test]
fn predicate_end_may_be_followed_by_comment() {
    let toks = tokens("BEGIN /1/ /* c */ { }");
    assert_eq!(toks[3], Token::EndPred);
}

#[test]
fn duration_and_integer_literals() {
    let ints = |src: &str| -> Vec<Token> { tokens(&format!("BEGIN {{ {src} }}"))[2..].to_vec() };
    assert_eq!(ints("1s")[0], Token::Int((1, Some(DurationUnit::Secs))));
    assert_eq!(
        ints("10ms")[0],
        Token::Int((10, Some(DurationUnit::Millis)))
    );
    assert_eq!(ints("5us")[0], Token::Int((5, Some(DurationUnit::Micros))));
    assert_eq!(ints("3ns")[0], Token::Int((3, Some(DurationUnit::Nanos))));
    assert_eq!(ints("2m")[0], Token::Int((2, Some(DurationUnit::Mins))));
    assert_eq!(ints("1h")[0], Token::Int((1, Some(DurationUnit::Hours))));
    assert_eq!(ints("1d")[0], Token::Int((1, Some(DurationUnit::Days))));
    assert_eq!(ints("1_000_000")[0], Token::Int((1_000_000, None)));
    assert_eq!(ints("1e6")[0], Token::Int((1_000_000, None)));
    assert_eq!(ints("0x1F")[0], Token::Int((31, None)));
    assert_eq!(ints("0755")[0], Token::Int((0o755, None)));
    assert_eq!(ints("10ULL")[0], Token::Int((10, None)));
    assert_eq!(ints("0")[0], Token::Int((0, None)));
}

#[test]
fn range_and_tuple_index_are_not_numbers() {
    let toks = tokens("BEGIN { 0..10; $t.0.1 }");
    assert_eq!(toks[2], Token::Int((0, None)));
    assert_eq!(toks[3], Token::Punct(".."));
    assert_eq!(toks[4], Token::Int((10, None)));
    assert_eq!(
        &toks[7..11],
        &[
            Token::Punct("."),
            Token::Int((0, None)),
            Token::Punct("."),
            Token::Int((1, None))
        ]
    );
}

#[test]
fn string_escapes() {
    let toks = tokens(r#"BEGIN { "a\n\t\\\"\101\x41\0" }"#);
    let Token::Str(s) = &toks[2] else {
        panic!("{toks:?}")
    };
    assert_eq!(s.0, b"a\n\t\\\"AA\0");
}

#[test]
fn char_literals_and_sigils() {
    let toks = tokens(r"BEGIN { 'a' '\n' $1 $# @ @x $y }");
    assert_eq!(
        &toks[2..9],
        &[
            Token::Char(b'a'),
            Token::Char(b'\n'),
            Token::Positional(1),
            Token::ParamCount,
            Token::Map(String::new()),
            Token::Map("x".into()),
            Token::Var("y".into()),
        ]
    );
}

#[test]
fn config_and_macro_are_keywords_only_at_item_start() {
    let toks = tokens("config = { a = 1 } macro f() { config.a }");
    assert_eq!(toks[0], Token::Keyword("config"));
    assert!(toks.contains(&Token::Keyword("macro")));
    assert!(toks.contains(&Token::Ident("config".into())));
}

#[test]
fn pointer_cast_of_typedef_name() {
    let toks = tokens("BEGIN { (pid_t *)0; (a * b) }");
    assert_eq!(toks[3], Token::TypeIdent("pid_t".into()));
    assert_eq!(toks[9], Token::Ident("a".into()));
}

#[test]
fn comments_are_skipped_and_positions_kept() {
    let (toks, diags) = tokenize("// hi\nBEGIN /* x */ { }");
    assert!(diags.is_empty());
    assert_eq!((toks[0].0, toks[0].2), (6, 11));
    assert_eq!(toks[1].0, 20);
}

#[test]
fn lexical_errors_are_diagnostics() {
    let (_, diags) = tokenize("BEGIN { \"abc\n }");
    assert_eq!(diags[0].message, "unterminated string literal");
    let (_, diags) = tokenize("BEGIN { ` }");
    assert_eq!(diags[0].message, "unexpected character '`'");
    let (_, diags) = tokenize("BEGIN { 12xyz }");
    assert_eq!(diags[0].message, "invalid integer suffix 'xyz'");
    let (_, diags) = tokenize("BEGIN { 99999999999999999999999 }");
    assert_eq!(diags[0].message, "integer literal is too large");
    let (_, diags) = tokenize("BEGIN { /* x }");
    assert_eq!(diags[0].message, "unterminated block comment");
}

#[test]
fn preprocessor_lines() {
    let toks =
        tokens("#include <linux/fs.h>\n#include \"my.h\"\n#define FOO(x) \\\n  (x + 1)\nBEGIN {}");
    assert_eq!(toks[0], Token::Include(("linux/fs.h".into(), true)));
    assert_eq!(toks[1], Token::Include(("my.h".into(), false)));
    assert_eq!(toks[2], Token::Define(("FOO(x)".into(), "(x + 1)".into())));
}
