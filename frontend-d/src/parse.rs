//! The parser entry point: runs the lexer and the lalrpop parser and collects diagnostics.

use crate::ast::Program;
use crate::errors::{to_diagnostic, Issue};
use crate::grammar::ProgramParser;
use crate::lexer::Lexer;
use ir::diag::Diagnostic;
use ir::span::{SourceFile, Span};

/// Parses a whole D program. Returns the AST when parsing succeeded or recovered, plus every
/// diagnostic (lexical and syntax errors, several at once thanks to error recovery), sorted by
/// position. The AST is `None` only when the parser could not recover.
pub fn parse_program(file: &SourceFile) -> (Option<Program>, Vec<Diagnostic>) {
    let mut lexer = Lexer::new(&file.text);
    let mut issues = Vec::new();
    let result = ProgramParser::new().parse(&mut issues, &mut lexer);
    let mut diags = std::mem::take(&mut lexer.diags);
    let directives = std::mem::take(&mut lexer.directives);
    // A lexical error that runs to the end of the file (an unclosed comment) already explains
    // why the input ends early.
    let rest_is_blank = |end: u32| {
        file.text
            .get(end as usize..)
            .is_none_or(|t| t.trim().is_empty())
    };
    let lexed_to_end = diags
        .iter()
        .any(|d| d.span.is_some_and(|s| rest_is_blank(s.end)));
    for issue in issues {
        match issue {
            Issue::Syntax(recovery) => diags.extend(to_diagnostic(file, recovery.error)),
            Issue::Diag(d) => diags.push(d),
        }
    }
    let program = match result {
        Ok(items) => Some(Program {
            items,
            directives,
            span: Span::new(0, file.text.len()),
        }),
        Err(e) => {
            diags.extend(to_diagnostic(file, e));
            None
        }
    };
    if lexed_to_end {
        diags.retain(|d| d.message != "syntax error near end of input");
    }
    diags.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
    diags.dedup();
    (program, diags)
}
