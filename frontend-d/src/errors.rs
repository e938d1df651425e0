//! Turns lalrpop parse errors into [`Diagnostic`]s worded like DTrace's (`syntax error near
//! "}"`), with a note saying what was expected.

use crate::token::Token;
use ir::diag::Diagnostic;
use ir::span::{SourceFile, Span};
use lalrpop_util::{ErrorRecovery, ParseError};
use std::convert::Infallible;

/// Something the grammar's actions report while parsing continues.
pub enum Issue {
    /// A syntax error the parser recovered from.
    Syntax(ErrorRecovery<usize, Token, Infallible>),
    /// A problem found by an action (e.g. `struct s int x;`).
    Diag(Diagnostic),
}

/// Terminals that start an expression; when most are expected we just say "expression".
const EXPR_START: &[&str] = &[
    "identifier",
    "type name",
    "macro variable",
    "aggregation",
    "integer",
    "string literal",
    "character constant",
    "(",
    "-",
    "+",
    "!",
    "~",
    "*",
    "&",
    "++",
    "--",
    "sizeof",
    "stringof",
    "offsetof",
    "xlate",
    "self",
    "this",
];

/// Terminals that continue an expression.
const OPERATORS: &[&str] = &[
    "||", "^^", "&&", "|", "^", "&", "==", "!=", "<", "<=", ">", ">=", "<<", ">>", "+", "-", "*",
    "/", "%", "?", "->", ".", "[", "++", "--", "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "<<=", ">>=", ",",
];

/// Terminals that start a type.
const TYPE_START: &[&str] = &[
    "type name",
    "char",
    "short",
    "int",
    "long",
    "float",
    "double",
    "signed",
    "unsigned",
    "void",
    "string",
    "struct",
    "union",
    "enum",
    "const",
    "volatile",
    "restrict",
    "userland",
];

/// The diagnostic for one parse error, or `None` when it is about a token the lexer already
/// reported ([`Token::Invalid`]).
pub fn to_diagnostic(
    file: &SourceFile,
    err: ParseError<usize, Token, Infallible>,
) -> Option<Diagnostic> {
    let (span, expected) = match err {
        ParseError::UnrecognizedToken {
            token: (_, Token::Invalid, _),
            ..
        }
        | ParseError::ExtraToken {
            token: (_, Token::Invalid, _),
        } => return None,
        ParseError::UnrecognizedToken {
            token: (l, _, r),
            expected,
        } => (Span::new(l, r), expected),
        ParseError::UnrecognizedEof { location, expected } => {
            let diag = Diagnostic::error(
                Span::new(location, location),
                "syntax error near end of input",
            );
            return Some(with_expected(diag, &expected));
        }
        ParseError::ExtraToken { token: (l, _, r) } => (Span::new(l, r), Vec::new()),
        ParseError::InvalidToken { location } => (Span::new(location, location + 1), Vec::new()),
        ParseError::User { error } => match error {},
    };
    let near = shorten(file.snippet(span));
    let diag = Diagnostic::error(span, format!("syntax error near \"{near}\""));
    Some(with_expected(diag, &expected))
}

fn with_expected(diag: Diagnostic, expected: &[String]) -> Diagnostic {
    match describe_expected(expected) {
        Some(text) => diag.with_note(format!("expected {text}")),
        None => diag,
    }
}

/// The token text, first line only, at most 30 characters.
fn shorten(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("");
    if first_line.chars().count() > 30 || first_line.len() < text.len() {
        format!("{}...", first_line.chars().take(30).collect::<String>())
    } else {
        first_line.to_string()
    }
}

/// Summarises lalrpop's list of expected terminals, or `None` when it is empty.
fn describe_expected(expected: &[String]) -> Option<String> {
    let names: Vec<&str> = expected.iter().map(|e| e.trim_matches('"')).collect();
    if names.is_empty() {
        return None;
    }
    let has = |n: &str| names.contains(&n);
    let mut out: Vec<String> = Vec::new();
    let mut skip: Vec<&[&str]> = Vec::new();
    if has("probe description") {
        out.push("probe description or declaration".to_string());
        return Some(out.remove(0));
    }
    if has("if") && has("identifier") {
        out.push("statement".to_string());
        skip.push(EXPR_START);
        skip.push(&["if", ";", "{"]);
    } else if has("identifier") && has("integer") && has("(") {
        out.push("expression".to_string());
        skip.push(EXPR_START);
    }
    if has("int") && has("struct") && has("type name") {
        out.push("type".to_string());
        skip.push(TYPE_START);
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
            "identifier" | "integer" | "string literal" | "character constant"
            | "macro variable" | "aggregation" | "type name" => n.to_string(),
            other => format!("'{other}'"),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    if operators {
        out.push("operator".to_string());
    }
    Some(match out.len() {
        0 => return None,
        1 => out.remove(0),
        n if n > 6 => format!("one of {}, ...", out[..6].join(", ")),
        _ => {
            let last = out.pop().unwrap_or_default();
            format!("{} or {last}", out.join(", "))
        }
    })
}
