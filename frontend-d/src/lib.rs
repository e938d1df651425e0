//! DTrace's D language front end: a context-sensitive lexer, a lalrpop grammar and an AST with
//! byte spans on every node.
//!
//! Entry point: [`parse_program`]. Probe descriptions, names and macro variables are kept as
//! written; lowering to oxtrace's IR is a later stage.

pub mod ast;
mod builders;
mod errors;
pub mod lexer;
pub mod parse;
pub mod token;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused)]
    grammar
);

pub use parse::parse_program;
