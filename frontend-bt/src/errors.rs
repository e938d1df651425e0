//! Turns lalrpop parse errors into [`Diagnostic`]s with readable "unexpected X, expected Y" text.

use crate::token::Token;
use ir::diag::Diagnostic;
use ir::span::{SourceFile, Span};
use lalrpop_util::{ErrorRecovery, ParseError};
use std::convert::Infallible;

/// Something the grammar's actions report while parsing continues.
pub enum Issue {
    /// A syntax error the parser recovered from.
    Syntax(ErrorRecovery<usize, Token, Infallible>),
    /// A problem found by an action (e.g. a malformed C field).
    Diag(Diagnostic),
}

/// Tokens that can start an expression; when most are expected we just say "expression".
const EXPR_START: &[&str] = &[
    "identifier",
    "integer",
    "string",
    "character",
    "variable",
    "map",
    "positional parameter",
    "$#",
    "(",
    "-",
    "!",
    "~",
    "*",
    "&",
    "++",
    "--",
    "true",
    "false",
    "sizeof",
    "offsetof",
    "type identifier",
    "{",
];

/// Tokens that can start a statement (besides expressions).
const STMT_START: &[&str] = &[
    "if", "unroll", "while", "for", "break", "continue", "return", "let", ";",
];

/// Tokens that can continue an expression (binary, postfix and assignment operators).
const OPERATORS: &[&str] = &[
    "||", "&&", "|", "^", "&", "==", "!=", "<", "<=", ">", ">=", "<<", ">>", "+", "-", "*", "/",
    "%", "?", "->", ".", "[", "++", "--", "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "<<=", ">>=",
];

/// Tokens that can start a top-level item.
const ITEM_START: &[&str] = &[
    "attach point",
    "#include",
    "#define",
    "struct",
    "union",
    "enum",
    "config",
    "import",
    "let",
    "macro",
    ";",
];

/// The diagnostic for one parse error, or `None` when it is about a token the lexer already
/// reported ([`Token::Invalid`]).
pub fn to_diagnostic(
    file: &SourceFile,
    err: ParseError<usize, Token, Infallible>,
) -> Option<Diagnostic> {
    let diag = match err {
        ParseError::UnrecognizedToken {
            token: (_, Token::Invalid, _),
            ..
        }
        | ParseError::ExtraToken {
            token: (_, Token::Invalid, _),
        } => return None,
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let span = Span::new(l, r);
            let found = describe_token(file, &tok, span);
            Diagnostic::error(
                span,
                format!(
                    "unexpected {found}, expected {}",
                    describe_expected(&expected)
                ),
            )
        }
        ParseError::UnrecognizedEof { location, expected } => Diagnostic::error(
            Span::new(location, location),
            format!(
                "unexpected end of input, expected {}",
                describe_expected(&expected)
            ),
        ),
        ParseError::ExtraToken { token: (l, tok, r) } => {
            let span = Span::new(l, r);
            Diagnostic::error(
                span,
                format!("unexpected {}", describe_token(file, &tok, span)),
            )
        }
        ParseError::InvalidToken { location } => {
            Diagnostic::error(Span::new(location, location), "invalid token")
        }
        ParseError::User { error } => match error {},
    };
    Some(diag)
}

/// `'text'` for most tokens (the source text, shortened), `attach point 'x'` for attach points.
fn describe_token(file: &SourceFile, tok: &Token, span: Span) -> String {
    match tok {
        Token::Attach(a) => format!("attach point '{}'", shorten(&a.raw)),
        Token::Include(_) => "'#include'".to_string(),
        Token::Define(_) => "'#define'".to_string(),
        _ => format!("'{}'", shorten(file.snippet(span))),
    }
}

fn shorten(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("");
    if first_line.chars().count() > 30 || first_line.len() < text.len() {
        format!("{}...", first_line.chars().take(30).collect::<String>())
    } else {
        first_line.to_string()
    }
}

/// Summarises lalrpop's list of expected terminals.
fn describe_expected(expected: &[String]) -> String {
    let names: Vec<&str> = expected.iter().map(|e| e.trim_matches('"')).collect();
    let has = |n: &str| names.contains(&n);
    let mut out: Vec<String> = Vec::new();
    let (skip, summary): (&[&[&str]], Option<&str>) = if has("attach point") {
        (&[ITEM_START], Some("probe or top-level item"))
    } else if has("if") && has("identifier") {
        (&[EXPR_START, STMT_START], Some("statement"))
    } else if has("identifier") && has("integer") && has("(") {
        (&[EXPR_START], Some("expression"))
    } else {
        (&[], None)
    };
    if let Some(s) = summary {
        out.push(s.to_string());
    }
    let skipped = |n: &str| skip.iter().any(|set| set.contains(&n));
    let operators = names
        .iter()
        .filter(|n| OPERATORS.contains(n) && !skipped(n))
        .count()
        >= 5;
    for n in &names {
        if skipped(n) || (operators && OPERATORS.contains(n)) {
            continue;
        }
        let text = match *n {
            "end of predicate" => "'/'".to_string(),
            "identifier"
            | "integer"
            | "string"
            | "character"
            | "variable"
            | "map"
            | "attach point"
            | "positional parameter"
            | "type name"
            | "type identifier" => n.to_string(),
            other => format!("'{other}'"),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    if operators {
        out.push("operator".to_string());
    }
    match out.len() {
        0 => "something else".to_string(),
        1 => out.remove(0),
        n if n > 8 => format!("one of {}, ...", out[..8].join(", ")),
        _ => {
            let last = out.pop().unwrap_or_default();
            format!("{} or {last}", out.join(", "))
        }
    }
}
