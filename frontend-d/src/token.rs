//! Tokens produced by [`crate::lexer`] and consumed by the lalrpop grammar.

use crate::ast::{Bytes, IntLit, ProbeDesc};
use std::fmt;

/// One token. Payloads are owned so the grammar can move them into the AST.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// An identifier that is not a keyword or a type name (may contain a backquote:
    /// `` `sym ``, `` vmlinux`sym ``).
    Ident(String),
    /// A typedef name: a builtin one (`uint64_t`), one the script declared, or one recognised
    /// from context (`(foo_t *)`).
    TypeName(String),
    /// A macro variable: `$1`, `$target` (false) or `$$1` (true).
    Macro((String, bool)),
    /// `@name` or `@` (empty name).
    Agg(String),
    /// An integer constant.
    Int(IntLit),
    /// A string literal.
    Str(Bytes),
    /// A character constant.
    Char(Vec<u8>),
    /// A whole probe description (lexed as one token, as in DTrace).
    Desc(Box<ProbeDesc>),
    /// The `/` that closes a predicate.
    EndPred,
    /// A keyword.
    Keyword(&'static str),
    /// Punctuation or an operator.
    Punct(&'static str),
    /// Stands for text the lexer rejected (already reported).
    Invalid,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) | Token::TypeName(s) => f.write_str(s),
            Token::Macro((s, quoted)) => write!(f, "{}{s}", if *quoted { "$$" } else { "$" }),
            Token::Agg(s) => write!(f, "@{s}"),
            Token::Int(i) => write!(f, "{}", i.value),
            Token::Str(_) => f.write_str("string"),
            Token::Char(_) => f.write_str("character constant"),
            Token::Desc(d) => f.write_str(&d.raw),
            Token::EndPred => f.write_str("/"),
            Token::Keyword(k) | Token::Punct(k) => f.write_str(k),
            Token::Invalid => f.write_str("invalid token"),
        }
    }
}

/// D's keywords (including the reserved C keywords, which no rule accepts).
pub const KEYWORDS: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "counter",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "import",
    "inline",
    "int",
    "long",
    "offsetof",
    "probe",
    "provider",
    "register",
    "restrict",
    "return",
    "self",
    "short",
    "signed",
    "sizeof",
    "static",
    "string",
    "stringof",
    "struct",
    "switch",
    "this",
    "translator",
    "typedef",
    "union",
    "unsigned",
    "userland",
    "void",
    "volatile",
    "while",
    "xlate",
];

/// Typedef names D (and its Linux library) defines, recognised as type names everywhere.
pub const BUILTIN_TYPEDEFS: &[&str] = &[
    "int8_t",
    "int16_t",
    "int32_t",
    "int64_t",
    "uint8_t",
    "uint16_t",
    "uint32_t",
    "uint64_t",
    "intptr_t",
    "uintptr_t",
    "size_t",
    "ssize_t",
    "off_t",
    "off64_t",
    "pid_t",
    "uid_t",
    "gid_t",
    "id_t",
    "dev_t",
    "ino_t",
    "mode_t",
    "time_t",
    "hrtime_t",
    "caddr_t",
    "uchar_t",
    "ushort_t",
    "uint_t",
    "ulong_t",
    "longlong_t",
    "u_longlong_t",
    "boolean_t",
    "processorid_t",
    "psetid_t",
    "zoneid_t",
    "taskid_t",
    "projid_t",
    "major_t",
    "minor_t",
    "bufinfo_t",
    "devinfo_t",
    "fileinfo_t",
    "psinfo_t",
    "lwpsinfo_t",
    "cpuinfo_t",
    "conninfo_t",
    "ipinfo_t",
    "tcpinfo_t",
    "kthread_t",
    "proc_t",
];

/// Punctuation, longest first so the lexer can match greedily.
pub const PUNCTS: &[&str] = &[
    "...", "<<=", ">>=", "->", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<",
    ">>", "<=", ">=", "==", "!=", "&&", "||", "^^", "(", ")", "{", "}", "[", "]", ",", ";", ":",
    ".", "?", "=", "+", "-", "*", "/", "%", "!", "~", "&", "|", "^", "<", ">",
];
