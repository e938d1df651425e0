//! Tokens produced by [`crate::lexer`] and consumed by the lalrpop grammar.

use crate::ast::{AttachPoint, Bytes, DurationUnit};
use std::fmt;

/// An integer literal's value as written and its duration suffix.
pub type IntValue = (u64, Option<DurationUnit>);

/// One token. Payloads are owned so the grammar can move them into the AST.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// An identifier that is not a keyword or a type name.
    Ident(String),
    /// A builtin type name (`uint32`, `string`, `bool`, ...).
    TypeName(String),
    /// An identifier used as a type in a cast, detected by lookahead: `(pid_t *)`.
    TypeIdent(String),
    /// `$name`.
    Var(String),
    /// `$1`.
    Positional(u32),
    /// `$#`.
    ParamCount,
    /// `@name` or `@`.
    Map(String),
    /// An integer literal: its value and duration unit.
    Int(IntValue),
    /// A string literal.
    Str(Bytes),
    /// A character literal.
    Char(u8),
    /// A whole attach point (lexed as one token because its syntax is not bpftrace's).
    Attach(Box<AttachPoint>),
    /// `#include` with its path and `true` for `<...>`.
    Include((String, bool)),
    /// `#define` with its name and value.
    Define((String, String)),
    /// The closing `/` of a predicate (a `/` followed by `{`).
    EndPred,
    /// A keyword (`if`, `struct`, `sizeof`, ...).
    Keyword(&'static str),
    /// Punctuation or an operator.
    Punct(&'static str),
    /// Stands for text the lexer rejected (already reported).
    Invalid,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) | Token::TypeName(s) | Token::TypeIdent(s) => write!(f, "'{s}'"),
            Token::Var(s) => write!(f, "'${s}'"),
            Token::Positional(n) => write!(f, "'${n}'"),
            Token::ParamCount => f.write_str("'$#'"),
            Token::Map(s) => write!(f, "'@{s}'"),
            Token::Int(..) => f.write_str("integer"),
            Token::Str(_) => f.write_str("string"),
            Token::Char(_) => f.write_str("character literal"),
            Token::Attach(a) => write!(f, "attach point '{}'", a.raw),
            Token::Include(..) => f.write_str("'#include'"),
            Token::Define(..) => f.write_str("'#define'"),
            Token::EndPred => f.write_str("'/'"),
            Token::Keyword(k) | Token::Punct(k) => write!(f, "'{k}'"),
            Token::Invalid => f.write_str("invalid token"),
        }
    }
}

/// Keywords recognised everywhere.
pub const KEYWORDS: &[&str] = &[
    "if", "else", "unroll", "while", "for", "break", "continue", "return", "let", "struct",
    "union", "enum", "sizeof", "offsetof", "typeof", "true", "false",
];

/// Keywords recognised only at the start of a top-level item.
pub const ITEM_KEYWORDS: &[&str] = &["config", "import", "macro"];

/// Builtin type names.
pub const TYPE_NAMES: &[&str] = &[
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "string",
    "inet", "buffer", "void",
];

/// Punctuation, longest first so the lexer can match greedily.
pub const PUNCTS: &[&str] = &[
    "<<=", ">>=", "->", "..", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<",
    ">>", "<=", ">=", "==", "!=", "&&", "||", "(", ")", "{", "}", "[", "]", ",", ";", ":", ".",
    "?", "=", "+", "-", "*", "/", "%", "!", "~", "&", "|", "^", "<", ">",
];
