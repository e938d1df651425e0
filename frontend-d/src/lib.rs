//! DTrace's D language front end: a context-sensitive lexer, a lalrpop grammar and an AST with
//! byte spans on every node.
//!
//! Entry points: [`parse_program`] (probe descriptions, names and macro variables are kept as
//! written), [`compile`] (parse and lower to oxtrace's IR) and [`render_errors`] (DTrace's
//! compile-error format).

pub mod ast;
mod builders;
pub mod catalog;
mod errors;
mod errtags;
pub mod lexer;
pub mod lower;
pub mod parse;
pub mod token;
pub mod usdt_header;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused)]
    grammar
);

pub use lower::{compile, LowerOptions, ProcessMacros};
pub use parse::parse_program;

/// Renders diagnostics in DTrace's format, `dtrace: failed to compile script PATH: line N:
/// message`, with the file's name as the path (see [`lower::render_errors_with`] for `errtags`).
pub fn render_errors(file: &ir::SourceFile, diags: &[ir::diag::Diagnostic]) -> String {
    lower::render_errors_with(file, &file.name, diags, false)
}
