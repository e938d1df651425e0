//! Diagnostics: the one type every stage reports problems with, and the one renderer.
//!
//! Stages return their result together with a list of [`Diagnostic`]s and never print; the CLI decides
//! what is fatal and renders them with [`render`]. The rendered form always starts with
//! `file:line:col: error: message`, then the source line and a caret line under the span, so a user
//! can jump to the spot from any terminal or editor.

use crate::span::{SourceFile, Span};
use std::fmt::Write;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The program cannot run.
    Error,
    /// The program runs, but probably not as meant.
    Warning,
}

/// One problem found in a program, pointing at the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line saying what is wrong, lower case, no trailing period.
    pub message: String,
    /// Where it is. The first label is the primary location; `None` for problems with no place
    /// in the source (a missing file, not being root).
    pub span: Option<Span>,
    /// Further notes, each rendered on its own line as `note: ...`.
    pub notes: Vec<String>,
    /// A suggestion, rendered as `help: ...`.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: Some(span),
            notes: vec![],
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            span: Some(span),
            notes: vec![],
            help: None,
        }
    }

    /// An error about the whole run, with no source location.
    pub fn global(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: None,
            notes: vec![],
            help: None,
        }
    }

    /// A "not supported yet" error: the construct parses but a later stage cannot run it.
    pub fn unsupported(span: Span, what: impl std::fmt::Display) -> Diagnostic {
        Diagnostic::error(span, format!("{what} is not supported yet"))
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders one diagnostic as plain text (no colour), ending in a newline:
///
/// ```text
/// prog.bt:2:5: error: unknown builtin 'pidd'
///     @[pidd] = count();
///       ^^^^
/// help: did you mean 'pid'?
/// ```
pub fn render(file: &SourceFile, diag: &Diagnostic) -> String {
    let mut out = String::new();
    let label = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    match diag.span {
        Some(span) => {
            let (line, col) = file.line_col(span.start);
            let _ = writeln!(
                out,
                "{}:{}:{}: {}: {}",
                file.name, line, col, label, diag.message
            );
            let text = file.line_text(line);
            let _ = writeln!(out, "{text}");
            let (end_line, end_col) = file.line_col(span.end.max(span.start + 1) - 1);
            let width = if end_line == line {
                end_col + 1 - col
            } else {
                text.chars().count() + 1 - col
            };
            let pad: String = text
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad}{}", "^".repeat(width.max(1)));
        }
        None => {
            let _ = writeln!(out, "{}: {}: {}", file.name, label, diag.message);
        }
    }
    for note in &diag.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if let Some(help) = &diag.help {
        let _ = writeln!(out, "help: {help}");
    }
    out
}

/// Renders every diagnostic in order.
pub fn render_all(file: &SourceFile, diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| render(file, d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_and_caret() {
        let f = SourceFile::new("prog.bt", "BEGIN {\n  @[pidd] = count();\n}\n");
        let d = Diagnostic::error(Span::new(12, 16), "unknown builtin 'pidd'")
            .with_help("did you mean 'pid'?");
        assert_eq!(
            render(&f, &d),
            "prog.bt:2:5: error: unknown builtin 'pidd'\n  @[pidd] = count();\n    ^^^^\nhelp: did you mean 'pid'?\n"
        );
    }

    #[test]
    fn empty_span_gets_one_caret() {
        let f = SourceFile::new("stdin", "BEGIN {");
        let d = Diagnostic::error(Span::new(7, 7), "unexpected end of input");
        assert_eq!(
            render(&f, &d),
            "stdin:1:8: error: unexpected end of input\nBEGIN {\n       ^\n"
        );
    }
}

/// The candidate closest to a misspelt `word`, if one is close enough to suggest
/// ("did you mean 'count'?"). Closeness is the Damerau-Levenshtein distance (`strsim`), at most
/// one edit for short words and two for longer ones.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = if word.len() <= 4 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod suggestion_tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["count", "sum", "printf", "print"];
        assert_eq!(did_you_mean("cuont", names), Some("count"));
        assert_eq!(did_you_mean("prinft", names), Some("printf"));
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
