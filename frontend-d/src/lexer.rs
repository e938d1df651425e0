//! The hand-written, context-sensitive lexer.
//!
//! D's lexical structure depends on where you are, as in DTrace's own lexer:
//!
//! - **Top level.** A word made of probe-description characters (letters, digits, `-$:._?*\[]!`
//!   and backquote) is one [`Token::Desc`], unless it is a keyword or a type name and has no `:`
//!   (then a declaration starts: `int x;`, `self int depth;`, `inline ...`, `typedef ...`).
//! - **After a description.** `,` introduces another description, `/` opens a predicate, `{` a
//!   statement list; another description starts the next clause (the last had no body).
//! - **Predicate.** C tokens, except that a `/` followed (after blanks and comments) by `{`, `;`,
//!   `/` or the end of input closes the predicate ([`Token::EndPred`]); any other `/` divides.
//! - **Clause body and declarations.** C tokens; the brace depth says when the item ends.
//! - **Control lines.** A `#` first on a line starts a control line in any mode: `#pragma`,
//!   `#line N "file"`, the preprocessor's `# N "file"`, `#!` interpreter lines. They become
//!   [`Directive`]s, not tokens.
//!
//! Type names are lexed as [`Token::TypeName`] (C's "lexer hack"): D's builtin typedefs, names the
//! script's `typedef`s declare (the lexer watches them go by), and `_t` names or `(name *)` in
//! positions where only a type can be. The lexer never fails: bad input produces a diagnostic
//! and, where a token is needed, [`Token::Invalid`].

use crate::ast::{
    Bytes, DescField, Directive, Ident, IntLit, LineMarker, Pragma, PragmaKind, ProbeDesc,
};
use crate::token::{Token, BUILTIN_TYPEDEFS, KEYWORDS, PUNCTS};
use ir::diag::Diagnostic;
use ir::span::Span;
use std::collections::HashSet;
use std::convert::Infallible;

/// A token with its start and end byte offsets, as lalrpop expects.
pub type Spanned = (usize, Token, usize);

/// Where the lexer is in the program's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// At the start of a top-level item.
    Top,
    /// After a probe description: `,` `/` `{` or the next item follow.
    AfterDesc,
    /// After the `,` between descriptions: the next word is a description.
    NextDesc,
    /// Inside `/ predicate /`.
    Pred,
    /// After the closing `/` of a predicate: `{` or the next item follow.
    AfterPred,
    /// Inside a clause's statement list.
    Code,
    /// Inside a top-level declaration (ends at `;` outside braces).
    Decl,
}

/// The lexer. Iterate it to get tokens; read [`Lexer::diags`] and [`Lexer::directives`]
/// afterwards.
pub struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    mode: Mode,
    depth: u32,
    parens: u32,
    brackets: u32,
    prev: Option<Token>,
    prev2: Option<Token>,
    typedefs: HashSet<String>,
    decl_first: bool,
    in_typedef: bool,
    in_provider: bool,
    typedef_last: Option<String>,
    /// Lexical errors found so far.
    pub diags: Vec<Diagnostic>,
    /// Control lines found so far, in order.
    pub directives: Vec<Directive>,
}

impl<'s> Lexer<'s> {
    /// A lexer over the whole program text.
    pub fn new(src: &'s str) -> Lexer<'s> {
        Lexer {
            src,
            pos: 0,
            mode: Mode::Top,
            depth: 0,
            parens: 0,
            brackets: 0,
            prev: None,
            prev2: None,
            typedefs: HashSet::new(),
            decl_first: false,
            in_typedef: false,
            in_provider: false,
            typedef_last: None,
            diags: Vec::new(),
            directives: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.peek_at(self.pos)
    }

    fn peek_at(&self, pos: usize) -> Option<char> {
        self.src.get(pos..).and_then(|s| s.chars().next())
    }

    fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(Span::new(start, end), message));
    }

    /// Skips blanks and comments from `pos` without reporting anything; returns the new offset.
    fn trivia_end(&self, mut pos: usize) -> usize {
        loop {
            let rest = self.src.get(pos..).unwrap_or("");
            if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
                pos += c.len_utf8();
            } else if rest.starts_with("//") {
                pos += rest.find('\n').unwrap_or(rest.len());
            } else if let Some(body) = rest.strip_prefix("/*") {
                pos += body.find("*/").map_or(rest.len(), |i| i + 4);
            } else {
                return pos;
            }
        }
    }

    /// Skips blanks and comments, reporting an unterminated comment.
    fn skip_trivia(&mut self) {
        loop {
            let rest = self.rest();
            if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
                self.pos += c.len_utf8();
            } else if rest.starts_with("//") {
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else if let Some(body) = rest.strip_prefix("/*") {
                match body.find("*/") {
                    Some(i) => self.pos += i + 4,
                    None => {
                        self.error(
                            self.pos,
                            self.pos + 2,
                            "end-of-file encountered before matching */",
                        );
                        self.pos = self.src.len();
                    }
                }
            } else {
                return;
            }
        }
    }

    /// True when only blanks precede `pos` on its line.
    fn at_line_start(&self, pos: usize) -> bool {
        let before = self.src.get(..pos).unwrap_or("");
        let line = before.rsplit('\n').next().unwrap_or("");
        line.chars().all(|c| c == ' ' || c == '\t')
    }

    /// The end of an identifier (letters, digits, `_` and backquote) starting at `pos`.
    fn ident_end(&self, pos: usize) -> usize {
        let rest = self.src.get(pos..).unwrap_or("");
        pos + rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len())
    }

    fn next_token(&mut self) -> Option<Spanned> {
        loop {
            self.skip_trivia();
            let c = self.peek()?;
            if c == '#' && self.at_line_start(self.pos) {
                self.control_line();
                continue;
            }
            break;
        }
        let c = self.peek()?;
        let start = self.pos;
        let token = match self.mode {
            Mode::NextDesc if is_desc_start(c) => self.desc(),
            Mode::AfterDesc if c == ',' => {
                self.pos += 1;
                self.mode = Mode::NextDesc;
                Token::Punct(",")
            }
            Mode::AfterDesc if c == '/' => {
                self.pos += 1;
                self.mode = Mode::Pred;
                Token::Punct("/")
            }
            Mode::Top | Mode::AfterDesc | Mode::AfterPred | Mode::NextDesc if is_desc_start(c) => {
                self.item_start()
            }
            Mode::Pred if c == '/' && self.closes_predicate(start) => {
                self.pos += 1;
                self.mode = Mode::AfterPred;
                Token::EndPred
            }
            _ => self.normal_token(),
        };
        self.prev2 = self.prev.take();
        self.prev = Some(token.clone());
        Some((start, token, self.pos))
    }

    /// DTrace's rule: a `/` in a predicate closes it when the next thing after blanks is `{`,
    /// `;`, `/` or the end of input.
    fn closes_predicate(&self, slash: usize) -> bool {
        matches!(
            self.peek_at(self.trivia_end(slash + 1)),
            None | Some('{' | ';' | '/')
        )
    }

    /// At the start of an item: a probe description, or the first token of a declaration.
    fn item_start(&mut self) -> Token {
        let start = self.pos;
        let end = self.desc_end(start);
        let word = &self.src[start..end];
        if !word.contains(':') {
            let id_end = self.ident_end(start);
            let base = &self.src[start..id_end];
            let tail = &self.src[id_end..end];
            let next = self.peek_at(self.trivia_end(id_end));
            let typeish = KEYWORDS.contains(&base)
                || self.is_known_type(base)
                || (is_t_name(base) && next.is_some_and(|c| c == '*' || is_ident_start(c)));
            // `int*x;` is a declaration too (DTrace itself only backs off for `int*`).
            if id_end > start && (tail.is_empty() || tail.starts_with('*')) && typeish {
                self.mode = Mode::Decl;
                self.depth = 0;
                self.parens = 0;
                self.brackets = 0;
                self.decl_first = true;
                self.in_typedef = false;
                self.in_provider = false;
                self.typedef_last = None;
                return self.normal_token();
            }
        }
        self.desc()
    }

    fn desc_end(&self, start: usize) -> usize {
        let mut end = start;
        let bytes = self.src.as_bytes();
        while end < bytes.len() {
            let c = bytes[end] as char;
            if c == '\\' && end + 1 < bytes.len() && bytes[end + 1].is_ascii_graphic() {
                end += 2;
            } else if is_desc_char(c) {
                end += 1;
            } else {
                break;
            }
        }
        end
    }

    /// Lexes one probe description.
    fn desc(&mut self) -> Token {
        let start = self.pos;
        let end = self.desc_end(start);
        self.pos = end;
        self.mode = Mode::AfterDesc;
        let raw = &self.src[start..end];
        let mut fields = Vec::new();
        let mut field_start = start;
        let mut i = start;
        let bytes = self.src.as_bytes();
        while i < end {
            match bytes[i] {
                b'\\' => i += 2,
                b':' => {
                    fields.push(DescField {
                        text: self.src[field_start..i].to_string(),
                        span: Span::new(field_start, i),
                    });
                    i += 1;
                    field_start = i;
                }
                _ => i += 1,
            }
        }
        let i = i.min(end);
        fields.push(DescField {
            text: self.src[field_start..i].to_string(),
            span: Span::new(field_start, i),
        });
        if fields.len() > 4 {
            self.error(
                start,
                end,
                format!("invalid probe description \"{raw}\": Overspecified probe description"),
            );
        } else if let Some(f) = fields.iter().find(|f| !glob_classes_closed(&f.text)) {
            let span = f.span;
            self.error(
                span.start as usize,
                span.end as usize,
                format!("invalid probe description \"{raw}\": unterminated '[' in pattern"),
            );
        }
        Token::Desc(Box::new(ProbeDesc {
            fields,
            raw: raw.to_string(),
            span: Span::new(start, end),
        }))
    }

    // ---------------------------------------------------------------------------- control lines

    /// Consumes a control line starting at `#` and records it as a directive.
    fn control_line(&mut self) {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'\n' {
            if bytes[end] == b'\\' && bytes.get(end + 1) == Some(&b'\n') {
                end += 2;
            } else {
                end += 1;
            }
        }
        self.pos = end;
        let span = Span::new(start, end);
        let body = self.src[start + 1..end].replace("\\\n", " ");
        if let Some(text) = body.strip_prefix('!') {
            self.directives.push(Directive::Interpreter {
                text: text.trim().to_string(),
                span,
            });
            return;
        }
        let words = split_words(&body);
        let Some(first) = words.first() else {
            return; // the null directive `#`
        };
        if first.chars().all(|c| c.is_ascii_digit()) {
            self.line_marker(&words, span);
            return;
        }
        match first.as_str() {
            "line" => self.line_marker(&words[1..], span),
            "pragma" => self.pragma(&words[1..], span),
            "error" => self.error_directive(&words[1..], span),
            "ident" => self.directives.push(Directive::Ident {
                text: words[1..].join(" "),
                span,
            }),
            other => {
                let message = format!("invalid control directive: #{other}");
                self.error(start, end, message);
            }
        }
    }

    fn line_marker(&mut self, words: &[String], span: Span) {
        match words.first().and_then(|n| n.parse::<u32>().ok()) {
            Some(line) => self.directives.push(Directive::Line(LineMarker {
                line,
                file: words.get(1).cloned(),
                span,
            })),
            None => self.error(
                span.start as usize,
                span.end as usize,
                "malformed #line directive",
            ),
        }
    }

    fn error_directive(&mut self, words: &[String], span: Span) {
        let text = words.join(" ");
        self.error(
            span.start as usize,
            span.end as usize,
            format!("#error {text}"),
        );
        self.directives.push(Directive::Error { text, span });
    }

    /// `#pragma` followed by `words`.
    fn pragma(&mut self, words: &[String], span: Span) {
        let (start, end) = (span.start as usize, span.end as usize);
        match words.first().map(String::as_str) {
            Some("D") => {}
            Some("ident") => {
                self.directives.push(Directive::Ident {
                    text: words[1..].join(" "),
                    span,
                });
                return;
            }
            Some("line") => return self.line_marker(&words[1..], span),
            Some("error") => return self.error_directive(&words[1..], span),
            _ => {
                self.directives.push(Directive::Pragma(Pragma {
                    kind: PragmaKind::Other {
                        words: words.to_vec(),
                    },
                    span,
                }));
                return;
            }
        }
        let Some(cmd) = words.get(1).map(String::as_str) else {
            self.error(start, end, "malformed #pragma D directive");
            return;
        };
        let args = &words[2..];
        let kind = match cmd {
            "option" => {
                if args.len() != 1 {
                    let message = if args.is_empty() {
                        "malformed #pragma option <option>=<val>"
                    } else {
                        "superfluous arguments specified for #pragma option"
                    };
                    self.error(start, end, message);
                    return;
                }
                let arg = &args[0];
                let (name, value) = match arg.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (arg.as_str(), None),
                };
                // The option name's position: the argument is the last word on the line.
                let name_start = self.src[start..end]
                    .rfind(arg.as_str())
                    .map_or(start, |i| start + i);
                PragmaKind::Option {
                    name: Ident {
                        name: name.to_string(),
                        span: Span::new(name_start, name_start + name.len()),
                    },
                    value,
                }
            }
            "attributes" if args.len() >= 2 => PragmaKind::Attributes {
                attributes: args[0].clone(),
                target: args[1..].to_vec(),
            },
            "binding" if args.len() == 2 => PragmaKind::Binding {
                version: args[0].clone(),
                name: args[1].clone(),
            },
            "depends_on" if args.len() == 2 => PragmaKind::DependsOn {
                class: args[0].clone(),
                name: args[1].clone(),
            },
            "attributes" | "binding" | "depends_on" => {
                self.error(start, end, format!("malformed #pragma {cmd}"));
                return;
            }
            "error" => return self.error_directive(args, span),
            "ident" => {
                self.directives.push(Directive::Ident {
                    text: args.join(" "),
                    span,
                });
                return;
            }
            "line" => return self.line_marker(args, span),
            other => {
                let message = format!("invalid control directive: #pragma D {other}");
                self.error(start, end, message);
                return;
            }
        };
        self.directives
            .push(Directive::Pragma(Pragma { kind, span }));
    }

    // ---------------------------------------------------------------------------- C tokens

    /// True for D's builtin typedefs and the script's own.
    fn is_known_type(&self, word: &str) -> bool {
        BUILTIN_TYPEDEFS.contains(&word) || self.typedefs.contains(word)
    }

    /// Lexes an ordinary token and updates the brace depth and mode.
    fn normal_token(&mut self) -> Token {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Token::Invalid;
        };
        let token = if is_ident_start(c)
            && (c != '`' || self.peek_at(start + 1).is_some_and(is_ident_char))
        {
            self.word()
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_at(start + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.number()
        } else if c == '$' {
            self.dollar()
        } else if c == '@' {
            let end = self.ident_end(start + 1);
            self.pos = end;
            Token::Agg(self.src[start + 1..end].to_string())
        } else if c == '"' {
            self.string()
        } else if c == '\'' {
            self.char_lit()
        } else if let Some(p) = PUNCTS.iter().copied().find(|p| self.rest().starts_with(p)) {
            self.pos += p.len();
            self.punct(p);
            Token::Punct(p)
        } else {
            self.pos += c.len_utf8();
            let message = if c.is_ascii_graphic() {
                format!("syntax error near \"{c}\"")
            } else {
                format!("invalid character (0x{:02x})", c as u32)
            };
            self.error(start, self.pos, message);
            Token::Invalid
        };
        self.decl_first = false;
        token
    }

    /// Updates depths and the mode after punctuation `p`.
    fn punct(&mut self, p: &str) {
        match p {
            "{" => {
                self.depth += 1;
                if self.mode != Mode::Decl {
                    self.mode = Mode::Code;
                }
            }
            "}" => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 && self.mode == Mode::Code {
                    self.mode = Mode::Top;
                }
            }
            "(" => self.parens += 1,
            ")" => self.parens = self.parens.saturating_sub(1),
            "[" => self.brackets += 1,
            "]" => self.brackets = self.brackets.saturating_sub(1),
            ";" | "," if self.mode == Mode::Decl && self.depth == 0 => {
                if self.in_typedef && self.parens == 0 {
                    if let Some(name) = self.typedef_last.take() {
                        self.typedefs.insert(name);
                    }
                }
                if p == ";" {
                    self.mode = Mode::Top;
                    self.in_typedef = false;
                    self.parens = 0;
                    self.brackets = 0;
                }
            }
            ";" if matches!(self.mode, Mode::Top | Mode::AfterDesc | Mode::AfterPred) => {
                self.mode = Mode::Top;
            }
            _ => {}
        }
    }

    fn word(&mut self) -> Token {
        let start = self.pos;
        let end = self.ident_end(start);
        self.pos = end;
        let word = &self.src[start..end];
        if let Some(kw) = KEYWORDS.iter().copied().find(|k| *k == word) {
            if self.decl_first {
                self.in_typedef = kw == "typedef";
                self.in_provider = kw == "provider";
            }
            return Token::Keyword(kw);
        }
        if self.is_known_type(word) || self.type_from_context(word, end) {
            return Token::TypeName(word.to_string());
        }
        if self.mode == Mode::Decl && self.in_typedef && self.depth == 0 && self.brackets == 0 {
            self.typedef_last = Some(word.to_string());
        }
        Token::Ident(word.to_string())
    }

    /// Guesses whether an unknown identifier is a type from where it is: after `xlate <`, after
    /// `translator`, in `(name *)`, `(name_t)` casts, `sizeof`/`offsetof` arguments, and
    /// declarations such as `vnode_t *vp;` or provider parameter lists.
    fn type_from_context(&self, word: &str, end: usize) -> bool {
        let prev = self.prev.as_ref();
        let prev2 = self.prev2.as_ref();
        let next_pos = self.trivia_end(end);
        let next = self.peek_at(next_pos);
        let is_p = |t: Option<&Token>, p: &str| matches!(t, Some(Token::Punct(q)) if *q == p);
        let is_k = |t: Option<&Token>, k: &str| matches!(t, Some(Token::Keyword(q)) if *q == k);
        if is_k(prev, "translator") || (is_p(prev, "<") && is_k(prev2, "xlate")) {
            return true;
        }
        if is_p(prev, "(") && is_k(prev2, "offsetof") {
            return true;
        }
        if self.mode == Mode::Decl {
            if is_p(prev, "<") {
                return true;
            }
            // Parameter lists of declarators and provider probes hold only types.
            let params = self.depth == 0 || self.in_provider;
            if params && self.parens > 0 && (is_p(prev, "(") || is_p(prev, ",")) {
                return true;
            }
            return is_t_name(word)
                && next.is_some_and(|c| "*)>]".contains(c) || is_ident_start(c));
        }
        let cast_position = is_p(prev, "(") && !matches!(prev2, Some(Token::Ident(_)));
        if !cast_position {
            return false;
        }
        if is_t_name(word) && matches!(next, Some('*' | ')')) {
            return true;
        }
        // `(name *)`, `(name **)`.
        let mut pos = next_pos;
        let mut stars = 0;
        loop {
            match self.peek_at(pos) {
                Some('*') => {
                    stars += 1;
                    pos = self.trivia_end(pos + 1);
                }
                Some(')') => return stars > 0,
                _ => return false,
            }
        }
    }

    /// `$1`, `$$1`, `$target`, `$$target`.
    fn dollar(&mut self) -> Token {
        let start = self.pos;
        let quoted = self.rest().starts_with("$$");
        self.pos += if quoted { 2 } else { 1 };
        let end = self.ident_end(self.pos);
        let name = &self.src[self.pos..end];
        if name.is_empty() || name.contains('`') {
            self.pos = end;
            self.error(start, end.max(start + 1), "syntax error near \"$\"");
            return Token::Invalid;
        }
        if name.starts_with(|c: char| c.is_ascii_digit())
            && !name.chars().all(|c| c.is_ascii_digit())
        {
            self.pos = end;
            let message = format!("invalid macro variable \"{}\"", &self.src[start..end]);
            self.error(start, end, message);
            return Token::Invalid;
        }
        self.pos = end;
        Token::Macro((name.to_string(), quoted))
    }

    fn number(&mut self) -> Token {
        let start = self.pos;
        let rest = self.rest();
        let hex = rest.starts_with("0x") || rest.starts_with("0X");
        let digits_start = if hex { 2 } else { 0 };
        let radix = if hex { 16 } else { 10 };
        let digits_len = rest[digits_start..]
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(rest.len() - digits_start);
        let digits = &rest[digits_start..digits_start + digits_len];
        self.pos += digits_start + digits_len;
        // Floating-point constants: `1.5`, `.5`, `1e6`.
        if !hex {
            let after = self.rest();
            let fraction = after.starts_with('.')
                && !after.starts_with("...")
                && after[1..].starts_with(|c: char| c.is_ascii_digit() || c == 'e' || c == 'E');
            let exponent = (after.starts_with('e') || after.starts_with('E'))
                && after[1..].starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
            if fraction || exponent || digits.is_empty() {
                let end = self.src[self.pos..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                    .map_or(self.src.len(), |i| self.pos + i);
                self.pos = end;
                self.error(start, end, "floating-point constants are not permitted");
                return Token::Invalid;
            }
        }
        let suffix_end = self.ident_end(self.pos);
        let suffix = &self.src[self.pos..suffix_end];
        self.pos = suffix_end;
        let text = &self.src[start..self.pos];
        if hex && digits.is_empty() {
            self.error(
                start,
                self.pos,
                format!("invalid integer constant \"{text}\""),
            );
            return Token::Invalid;
        }
        if !is_int_suffix(suffix) {
            self.error(
                start,
                self.pos,
                format!("invalid suffix \"{suffix}\" on integer constant \"{text}\""),
            );
            return Token::Invalid;
        }
        let radix = if !hex && digits.len() > 1 && digits.starts_with('0') {
            8
        } else {
            radix
        };
        if radix == 8 && digits.contains(['8', '9']) {
            self.error(start, self.pos, "invalid digit in octal constant");
            return Token::Invalid;
        }
        match u64::from_str_radix(digits, radix) {
            Ok(value) => Token::Int(IntLit {
                value,
                radix,
                suffix: suffix.to_string(),
            }),
            Err(_) => {
                self.error(
                    start,
                    self.pos,
                    format!("integer constant {text} results in integer overflow"),
                );
                Token::Invalid
            }
        }
    }

    /// Decodes one escape sequence after a `\` (which has been consumed); pushes the byte.
    fn escape(&mut self, out: &mut Vec<u8>) {
        let Some(c) = self.peek() else { return };
        self.pos += c.len_utf8();
        let byte = match c {
            'n' => b'\n',
            't' => b'\t',
            'r' => b'\r',
            'a' => 0x07,
            'b' => 0x08,
            'f' => 0x0c,
            'v' => 0x0b,
            'e' => 0x1b,
            '0'..='7' => {
                let mut v = c as u32 - '0' as u32;
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ '0'..='7') => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                (v & 0xff) as u8
            }
            'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match self.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            self.pos += 1;
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    b'x'
                } else {
                    v as u8
                }
            }
            // `\\`, `\"`, `\'`, `\?` and, as in DTrace, any other character stand for themselves.
            other => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                return;
            }
        };
        out.push(byte);
    }

    fn string(&mut self) -> Token {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some('\n') => {
                    self.error(start, self.pos, "newline encountered in string literal");
                    return Token::Invalid;
                }
                Some('"') => {
                    self.pos += 1;
                    return Token::Str(Bytes(out));
                }
                Some('\\') => {
                    self.pos += 1;
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                        continue;
                    }
                    self.escape(&mut out);
                }
                Some(c) => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn char_lit(&mut self) -> Token {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some('\n') => {
                    self.error(start, self.pos, "newline encountered in character constant");
                    return Token::Invalid;
                }
                Some('\'') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    self.pos += 1;
                    self.escape(&mut out);
                }
                Some(c) => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    self.pos += c.len_utf8();
                }
            }
        }
        if out.is_empty() {
            self.error(start, self.pos, "empty character constant");
            return Token::Invalid;
        }
        if out.len() > 8 {
            self.error(start, self.pos, "character constant is too long");
            return Token::Invalid;
        }
        Token::Char(out)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Spanned, Infallible>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_token().map(Ok)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '`'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '`'
}

/// Characters that can start a probe description (DTrace's `RGX_PSPEC`).
fn is_desc_start(c: char) -> bool {
    c.is_ascii_alphabetic() || "-$:_.?*\\[]!".contains(c)
}

/// Characters that can continue a probe description.
fn is_desc_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-$:_.?*\\[]!`".contains(c)
}

/// `name_t`: by convention a typedef name.
fn is_t_name(word: &str) -> bool {
    word.len() > 2 && word.ends_with("_t")
}

/// Every `[` of a glob pattern has its `]`.
fn glob_classes_closed(text: &str) -> bool {
    let mut open = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !open => open = true,
            ']' if open => open = false,
            _ => {}
        }
    }
    !open
}

/// C integer suffixes: `u`, `l`, `ul`, `lu`, `ll`, `ull`, `llu` in any case.
fn is_int_suffix(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "" | "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu"
    )
}

/// Splits a control line into words; a `"..."` word loses its quotes.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut w = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => w.extend(chars.next()),
                    c => w.push(c),
                }
            }
            words.push(w);
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
            words.push(w);
        }
    }
    words
}

/// Lexes a whole text into tokens, lexical diagnostics and directives (for tests and tools).
pub fn tokenize(src: &str) -> (Vec<Spanned>, Vec<Diagnostic>, Vec<Directive>) {
    let mut lexer = Lexer::new(src);
    let tokens: Vec<Spanned> = lexer.by_ref().filter_map(Result::ok).collect();
    (tokens, lexer.diags, lexer.directives)
}
