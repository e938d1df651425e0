//! The hand-written, context-sensitive lexer.
//!
//! bpftrace's lexical structure depends on where you are: at the start of a top-level item a word
//! begins an attach point (`uprobe:/bin/bash:readline`, `kprobe:f+10`, `tracepoint:syscalls:*`),
//! which is taken as a single [`Token::Attach`]; after the attach points a `/` opens a predicate,
//! and inside it a `/` followed by `{` closes it ([`Token::EndPred`]) while any other `/` divides.
//! Everywhere else the usual C-like tokens apply. The lexer tracks this with a small [`Mode`]
//! machine plus the brace depth. It never fails: bad input produces a diagnostic and, where a token
//! is needed, [`Token::Invalid`].

use crate::ast::{AttachPart, AttachPoint, Bytes, DurationUnit, Ident};
use crate::token::{Token, ITEM_KEYWORDS, KEYWORDS, PUNCTS, TYPE_NAMES};
use ir::diag::Diagnostic;
use ir::span::Span;
use std::convert::Infallible;

/// A token with its start and end byte offsets, as lalrpop expects.
pub type Spanned = (usize, Token, usize);

/// Where the lexer is in the program's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// At the start of a top-level item: a plain word is an attach point.
    Item,
    /// After an attach point: `,` `/` or `{` follow.
    Attach,
    /// After the `,` between attach points: the next word is an attach point.
    AttachNext,
    /// Inside a predicate: a `/` followed by `{` ends it.
    Pred,
    /// Ordinary code.
    Normal,
}

/// The lexer. Iterate it to get tokens; read [`Lexer::diags`] afterwards for lexical errors.
pub struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    mode: Mode,
    depth: u32,
    prev_open_paren: bool,
    /// Lexical errors found so far.
    pub diags: Vec<Diagnostic>,
}

impl<'s> Lexer<'s> {
    /// A lexer over the whole program text.
    pub fn new(src: &'s str) -> Lexer<'s> {
        Lexer {
            src,
            pos: 0,
            mode: Mode::Item,
            depth: 0,
            prev_open_paren: false,
            diags: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
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

    /// Skips whitespace and comments from `pos` without reporting anything; returns the new offset.
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
                        self.error(self.pos, self.pos + 2, "unterminated block comment");
                        self.pos = self.src.len();
                    }
                }
            } else {
                return;
            }
        }
    }

    fn ident_end(&self, pos: usize) -> usize {
        let rest = self.src.get(pos..).unwrap_or("");
        pos + rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    }

    fn next_token(&mut self) -> Option<Spanned> {
        self.skip_trivia();
        let c = self.peek()?;
        let start = self.pos;
        match self.mode {
            Mode::Item if c == '#' => return Some(self.preprocessor()),
            Mode::Item if is_ident_start(c) => {
                let end = self.ident_end(start);
                let word = &self.src[start..end];
                if ITEM_KEYWORDS.contains(&word) {
                    self.pos = end;
                    self.mode = Mode::Normal;
                    let kw = ITEM_KEYWORDS
                        .iter()
                        .copied()
                        .find(|k| *k == word)
                        .unwrap_or("config");
                    return Some((start, Token::Keyword(kw), end));
                }
                if matches!(word, "struct" | "union" | "enum" | "let") {
                    self.mode = Mode::Normal;
                } else {
                    self.mode = Mode::Attach;
                    return Some(self.attach_point());
                }
            }
            Mode::Attach if c == ',' => {
                self.pos += 1;
                self.mode = Mode::AttachNext;
                return Some((start, Token::Punct(","), start + 1));
            }
            Mode::Attach if c == '/' => {
                self.pos += 1;
                self.mode = Mode::Pred;
                return Some((start, Token::Punct("/"), start + 1));
            }
            Mode::Attach | Mode::AttachNext if is_ident_start(c) => {
                self.mode = Mode::Attach;
                return Some(self.attach_point());
            }
            Mode::Pred if c == '/' && self.peek_at(self.trivia_end(start + 1)) == Some('{') => {
                self.pos += 1;
                self.mode = Mode::Normal;
                return Some((start, Token::EndPred, start + 1));
            }
            _ => {}
        }
        Some(self.normal_token())
    }

    /// `#include`, `#define` or another directive, up to the end of the (continued) line.
    fn preprocessor(&mut self) -> Spanned {
        let start = self.pos;
        let mut end = start;
        let bytes = self.src.as_bytes();
        while end < bytes.len() && bytes[end] != b'\n' {
            if bytes[end] == b'\\' && bytes.get(end + 1) == Some(&b'\n') {
                end += 2;
            } else {
                end += 1;
            }
        }
        self.pos = end;
        let line = self.src[start + 1..end].replace("\\\n", " ");
        let line = line.trim_start();
        let directive_len = line
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(line.len());
        let (directive, rest) = line.split_at(directive_len);
        let rest = rest.trim();
        match directive {
            "include" => {
                let (close, system) = match rest.chars().next() {
                    Some('<') => ('>', true),
                    Some('"') => ('"', false),
                    _ => {
                        self.error(start, end, "expected <file> or \"file\" after #include");
                        return (start, Token::Invalid, end);
                    }
                };
                match rest[1..].find(close) {
                    Some(i) => (
                        start,
                        Token::Include((rest[1..1 + i].to_string(), system)),
                        end,
                    ),
                    None => {
                        self.error(start, end, format!("missing '{close}' in #include"));
                        (start, Token::Invalid, end)
                    }
                }
            }
            "define" => {
                let name_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let (name, value) = rest.split_at(name_len);
                if name.is_empty() {
                    self.error(start, end, "expected a macro name after #define");
                    return (start, Token::Invalid, end);
                }
                (
                    start,
                    Token::Define((name.to_string(), value.trim().to_string())),
                    end,
                )
            }
            _ => {
                self.error(
                    start,
                    end,
                    format!("unknown preprocessor directive '#{directive}'"),
                );
                (start, Token::Invalid, end)
            }
        }
    }

    /// Lexes one attach point starting at an identifier character.
    fn attach_point(&mut self) -> Spanned {
        let start = self.pos;
        let mut parts: Vec<AttachPart> = Vec::new();
        let mut part_start = start;
        let mut text = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            let here = self.pos;
            match c {
                c if c.is_whitespace() => break,
                ',' | ';' | '(' | ')' | '}' => break,
                '{' => match self.wildcard_brace_end(here) {
                    Some(end) => {
                        text.push_str(&self.src[here..end]);
                        self.pos = end;
                    }
                    None => break,
                },
                '/' if here != part_start && matches!(self.peek_at(here + 1), Some('/' | '*')) => {
                    break
                }
                '"' => {
                    quoted = true;
                    self.attach_quoted(&mut text);
                }
                ':' => {
                    parts.push(AttachPart {
                        text: std::mem::take(&mut text),
                        quoted,
                        span: Span::new(part_start, here),
                    });
                    quoted = false;
                    self.pos += 1;
                    part_start = self.pos;
                }
                c => {
                    text.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        parts.push(AttachPart {
            text,
            quoted,
            span: Span::new(part_start, self.pos),
        });
        let first = parts.remove(0);
        let point = AttachPoint {
            provider: Ident {
                name: first.text,
                span: first.span,
            },
            parts,
            raw: self.src[start..self.pos].to_string(),
            span: Span::new(start, self.pos),
        };
        (start, Token::Attach(Box::new(point)), self.pos)
    }

    /// Consumes a `"..."` section of an attach point, appending its decoded text.
    fn attach_quoted(&mut self, text: &mut String) {
        let open = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                None | Some('\n') => {
                    self.error(open, self.pos, "unterminated string in attach point");
                    return;
                }
                Some('"') => {
                    self.pos += 1;
                    return;
                }
                Some('\\') => {
                    self.pos += 1;
                    if let Some(c) = self.peek().filter(|c| *c != '\n') {
                        text.push(c);
                        self.pos += c.len_utf8();
                    }
                }
                Some(c) => {
                    text.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// If a `{a,b}` wildcard alternative starts at `pos`, the offset after its `}`.
    fn wildcard_brace_end(&self, pos: usize) -> Option<usize> {
        let rest = self.src.get(pos + 1..)?;
        let close = rest.find('}')?;
        let inner = &rest[..close];
        let ok = inner.contains(',')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_*.+-,".contains(c))
            && inner.split(',').all(|alt| !alt.is_empty());
        ok.then_some(pos + 1 + close + 1)
    }

    /// Lexes an ordinary token and updates the brace depth and mode.
    fn normal_token(&mut self) -> Spanned {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return (start, Token::Invalid, start);
        };
        let token = if is_ident_start(c) {
            self.word()
        } else if c.is_ascii_digit() {
            self.number()
        } else if c == '$' {
            self.dollar()
        } else if c == '@' {
            let end = self.ident_end(start + 1);
            self.pos = end;
            Token::Map(self.src[start + 1..end].to_string())
        } else if c == '"' {
            self.string()
        } else if c == '\'' {
            self.char_lit()
        } else if let Some(p) = PUNCTS.iter().copied().find(|p| self.rest().starts_with(p)) {
            self.pos += p.len();
            match p {
                "{" => {
                    self.depth += 1;
                    if self.mode != Mode::Pred {
                        self.mode = Mode::Normal;
                    }
                }
                "}" => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.mode = Mode::Item;
                    }
                }
                ";" if self.depth == 0 && self.mode == Mode::Normal => self.mode = Mode::Item,
                _ => {}
            }
            Token::Punct(p)
        } else {
            self.pos += c.len_utf8();
            self.error(
                start,
                self.pos,
                format!("unexpected character '{}'", c.escape_default()),
            );
            Token::Invalid
        };
        self.prev_open_paren = token == Token::Punct("(");
        (start, token, self.pos)
    }

    fn word(&mut self) -> Token {
        let start = self.pos;
        let end = self.ident_end(start);
        self.pos = end;
        let word = &self.src[start..end];
        if let Some(kw) = KEYWORDS.iter().copied().find(|k| *k == word) {
            Token::Keyword(kw)
        } else if TYPE_NAMES.contains(&word) {
            Token::TypeName(word.to_string())
        } else if self.prev_open_paren && self.is_pointer_cast_tail(end) {
            Token::TypeIdent(word.to_string())
        } else {
            Token::Ident(word.to_string())
        }
    }

    /// True when `pos` is followed by `*`s and a `)`, as in `(pid_t *)`.
    fn is_pointer_cast_tail(&self, mut pos: usize) -> bool {
        let mut stars = 0;
        loop {
            pos = self.trivia_end(pos);
            match self.peek_at(pos) {
                Some('*') => {
                    stars += 1;
                    pos += 1;
                }
                Some(')') => return stars > 0,
                _ => return false,
            }
        }
    }

    fn dollar(&mut self) -> Token {
        let start = self.pos;
        self.pos += 1;
        match self.peek() {
            Some('#') => {
                self.pos += 1;
                Token::ParamCount
            }
            Some(c) if c.is_ascii_digit() => {
                let end = self.ident_end(self.pos);
                let digits = &self.src[self.pos..end];
                self.pos = end;
                match digits.parse::<u32>() {
                    Ok(n) => Token::Positional(n),
                    Err(_) => {
                        self.error(
                            start,
                            end,
                            format!("invalid positional parameter '${digits}'"),
                        );
                        Token::Invalid
                    }
                }
            }
            Some(c) if is_ident_start(c) => {
                let end = self.ident_end(self.pos);
                let name = self.src[self.pos..end].to_string();
                self.pos = end;
                Token::Var(name)
            }
            _ => {
                self.error(start, self.pos, "expected a variable name after '$'");
                Token::Invalid
            }
        }
    }

    fn number(&mut self) -> Token {
        let start = self.pos;
        let rest = self.rest();
        let (radix, digits_start) = if rest.starts_with("0x") || rest.starts_with("0X") {
            (16, 2)
        } else {
            (10, 0)
        };
        let digits_len = rest[digits_start..]
            .find(|c: char| !(c.is_digit(radix) || c == '_'))
            .unwrap_or(rest.len() - digits_start);
        let digits: String = rest[digits_start..digits_start + digits_len]
            .chars()
            .filter(|c| *c != '_')
            .collect();
        self.pos += digits_start + digits_len;
        let radix = if radix == 10 && digits.len() > 1 && digits.starts_with('0') {
            8
        } else {
            radix
        };
        let mut value = if digits.is_empty() {
            None
        } else {
            u64::from_str_radix(&digits, radix).ok()
        };
        if digits.is_empty() {
            self.error(start, self.pos, "expected hexadecimal digits after '0x'");
            return Token::Invalid;
        }
        // Exponent: `1e6`.
        if radix == 10
            && self.peek() == Some('e')
            && self
                .peek_at(self.pos + 1)
                .is_some_and(|c| c.is_ascii_digit())
        {
            let exp_start = self.pos + 1;
            let exp_end = exp_start
                + self.src[exp_start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(0);
            let exp_end = if exp_end == exp_start {
                self.src.len()
            } else {
                exp_end
            };
            let exp = self.src[exp_start..exp_end].parse::<u32>().ok();
            value = match (value, exp) {
                (Some(v), Some(e)) => 10u64.checked_pow(e).and_then(|p| v.checked_mul(p)),
                _ => None,
            };
            self.pos = exp_end;
        }
        let suffix_end = self.ident_end(self.pos);
        let suffix = &self.src[self.pos..suffix_end];
        self.pos = suffix_end;
        let mut unit = None;
        if !suffix.is_empty() {
            if let Some(u) = DurationUnit::from_suffix(suffix) {
                unit = Some(u);
            } else if !is_c_int_suffix(suffix) {
                self.error(
                    start,
                    self.pos,
                    format!("invalid integer suffix '{suffix}'"),
                );
                return Token::Invalid;
            }
        }
        if radix == 8 && value.is_none() && digits.chars().any(|c| c == '8' || c == '9') {
            self.error(start, self.pos, "invalid digit in octal literal");
            return Token::Invalid;
        }
        match value {
            Some(v) => Token::Int((v, unit)),
            None => {
                self.error(start, self.pos, "integer literal is too large");
                Token::Invalid
            }
        }
    }

    /// Decodes one escape sequence after a `\` (which has been consumed); pushes the byte(s).
    fn escape(&mut self, out: &mut Vec<u8>) {
        let start = self.pos - 1;
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
            '\\' => b'\\',
            '"' => b'"',
            '\'' => b'\'',
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
                if v > 0xff {
                    self.error(start, self.pos, "octal escape out of range");
                }
                v as u8
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
                    self.error(start, self.pos, "expected hexadecimal digits after '\\x'");
                }
                v as u8
            }
            other => {
                self.error(
                    start,
                    self.pos,
                    format!("invalid escape sequence '\\{}'", other.escape_default()),
                );
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
                    // An invalid token (rather than a string) keeps the parser from reporting a
                    // second error for the same mistake.
                    self.error(start, self.pos, "unterminated string literal");
                    return Token::Invalid;
                }
                Some('"') => {
                    self.pos += 1;
                    return Token::Str(Bytes(out));
                }
                Some('\\') => {
                    self.pos += 1;
                    if self.peek() == Some('\n') {
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
        match self.peek() {
            Some('\\') => {
                self.pos += 1;
                self.escape(&mut out);
            }
            Some(c) if c != '\'' && c != '\n' => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                self.pos += c.len_utf8();
            }
            _ => {}
        }
        if self.peek() != Some('\'') {
            let end = self.src[self.pos..]
                .find(['\'', '\n'])
                .map_or(self.pos, |i| self.pos + i);
            let end = if self.src[end..].starts_with('\'') {
                end + 1
            } else {
                end
            };
            self.pos = end.max(self.pos);
            self.error(start, self.pos, "invalid character literal");
            return Token::Invalid;
        }
        self.pos += 1;
        match out.as_slice() {
            [b] => Token::Char(*b),
            _ => {
                self.error(start, self.pos, "character literal must be a single byte");
                Token::Invalid
            }
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Spanned, Infallible>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_token().map(Ok)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// C integer suffixes (`u`, `l`, `ul`, `ull`, `llu`, any case), which bpftrace accepts and ignores.
fn is_c_int_suffix(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu"
    )
}

/// Lexes a whole text into tokens and lexical diagnostics (for tests and tools).
pub fn tokenize(src: &str) -> (Vec<Spanned>, Vec<Diagnostic>) {
    let mut lexer = Lexer::new(src);
    let tokens: Vec<Spanned> = lexer.by_ref().filter_map(Result::ok).collect();
    (tokens, lexer.diags)
}
