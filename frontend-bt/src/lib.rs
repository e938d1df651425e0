//! The bpftrace language front end: a context-sensitive lexer, a lalrpop grammar and an AST with
//! byte spans on every node.
//!
//! Entry point: [`parse_program`]. Attach point providers are kept as written; use
//! [`canonical_provider`] to resolve aliases such as `t` or `k`.

pub mod ast;
mod builders;
mod errors;
pub mod lexer;
pub mod macros;
pub mod parse;
pub mod token;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused)]
    grammar
);

pub use parse::parse_program;

/// The canonical name of an attach point provider or alias (`t` -> `tracepoint`, `BEGIN` ->
/// `begin`), or `None` for an unknown provider. Provider names are case-insensitive except for
/// the one-letter aliases `u` (uprobe) and `U` (usdt).
pub fn canonical_provider(provider: &str) -> Option<&'static str> {
    match provider {
        "u" => return Some("uprobe"),
        "U" => return Some("usdt"),
        _ => {}
    }
    Some(match provider.to_ascii_lowercase().as_str() {
        "begin" => "begin",
        "end" => "end",
        "self" => "self",
        "test" => "test",
        "bench" => "bench",
        "kprobe" | "k" => "kprobe",
        "kretprobe" | "kr" => "kretprobe",
        "uprobe" => "uprobe",
        "uretprobe" | "ur" => "uretprobe",
        "usdt" => "usdt",
        "tracepoint" | "t" => "tracepoint",
        "rawtracepoint" | "rt" => "rawtracepoint",
        "profile" | "p" => "profile",
        "interval" | "i" => "interval",
        "software" | "s" => "software",
        "hardware" | "h" => "hardware",
        "watchpoint" | "w" => "watchpoint",
        "asyncwatchpoint" | "aw" => "asyncwatchpoint",
        "fentry" | "f" | "kfunc" => "fentry",
        "fexit" | "fr" | "kretfunc" => "fexit",
        "iter" | "it" => "iter",
        _ => return None,
    })
}

pub mod lower;

pub use lower::{lower, LowerOptions};

/// Parses and lowers a bpftrace program into oxtrace's IR: the front end's whole job.
/// Returns the program when there were no errors, and every diagnostic (errors and warnings).
pub fn compile(
    file: &ir::SourceFile,
    options: &LowerOptions,
) -> (Option<ir::Program>, Vec<ir::diag::Diagnostic>) {
    let (ast, mut diags) = parse_program(file);
    let Some(ast) = ast.filter(|_| !diags.iter().any(ir::diag::Diagnostic::is_error)) else {
        return (None, diags);
    };
    let (mut program, lower_diags) = lower(&ast, options);
    diags.extend(lower_diags);
    if let Some(p) = program.as_mut() {
        set_diagnostic_locations(p, file);
    }
    (program, diags)
}

/// Fills in the `file:line:col-col` that `errorf()`/`warnf()` print before their message.
fn set_diagnostic_locations(program: &mut ir::Program, file: &ir::SourceFile) {
    for a in &mut program.actions {
        if let ir::ActionKind::Diagnostic { location, .. } = &mut a.kind {
            let (line, col) = file.line_col(a.span.start);
            let (end_line, end_col) = file.line_col(a.span.end);
            *location = if end_line == line {
                format!("{}:{line}:{col}-{end_col}", file.name)
            } else {
                format!("{}:{line}:{col}", file.name)
            };
        }
    }
}
