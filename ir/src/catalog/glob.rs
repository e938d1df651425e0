//! Shell-style glob matching for probe names (`*`, `?`, `[abc]`, `[a-z]`, `[!abc]`, `{a,b}`).
//!
//! bpftrace matches each part of a probe specification (`tracepoint:sys*:*open*`) with this kind of
//! pattern. The matcher is a small pure function; a malformed pattern never fails: an unclosed `[`
//! or `{` is taken literally, so user input cannot make it panic.

/// Whether `pattern` contains any glob syntax (`*`, `?`, `[`, `{`). A pattern without wildcards
/// names exactly one thing, so a catalogue can check that it exists instead of listing a directory.
pub fn has_wildcards(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '{'])
}

/// Whether `text` matches the glob `pattern` as a whole (not a substring search).
///
/// `*` matches any run of characters (including none), `?` exactly one character, `[abc]` /
/// `[a-z]` one character of a set (`[!abc]` or `[^abc]` negates it), `{a,b,c}` any of the
/// alternatives (which may themselves contain globs, and nest). `\` escapes the next character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    expand_braces(pattern)
        .iter()
        .any(|alt| match_chars(&alt.chars().collect::<Vec<_>>(), &text))
}

/// Expands `{a,b}` alternatives into the list of brace-free patterns they stand for, in order,
/// e.g. `sys_{enter,exit}_open*` gives `sys_enter_open*` and `sys_exit_open*`. A pattern without
/// (well-formed) braces gives itself. Used to turn `{a,b}` of literal names into direct lookups.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    expand_into(&chars, String::new(), &mut out);
    out
}

/// Appends to `out` every expansion of `rest`, each prefixed by `prefix`.
fn expand_into(rest: &[char], mut prefix: String, out: &mut Vec<String>) {
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            '\\' if i + 1 < rest.len() => {
                prefix.push('\\');
                prefix.push(rest[i + 1]);
                i += 2;
            }
            '[' => {
                // Copy a character class verbatim: a `{` or `,` inside it is not brace syntax.
                let end = class_end(rest, i).unwrap_or(i);
                prefix.extend(&rest[i..=end]);
                i = end + 1;
            }
            '{' => {
                if let Some((alternatives, close)) = split_braces(rest, i) {
                    for alt in alternatives {
                        let mut tail: Vec<char> = alt.to_vec();
                        tail.extend_from_slice(&rest[close + 1..]);
                        expand_into(&tail, prefix.clone(), out);
                    }
                    return;
                }
                prefix.push('{');
                i += 1;
            }
            c => {
                prefix.push(c);
                i += 1;
            }
        }
    }
    out.push(prefix);
}

/// For a `{` at `open`, the top-level comma-separated alternatives and the index of the matching
/// `}`; `None` when the brace is not closed.
fn split_braces(chars: &[char], open: usize) -> Option<(Vec<&[char]>, usize)> {
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut parts = Vec::new();
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => i = class_end(chars, i).unwrap_or(i),
            '{' => depth += 1,
            '}' if depth == 0 => {
                parts.push(&chars[start..i]);
                return Some((parts, i));
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&chars[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// For a `[` at `open`, the index of the `]` closing the class; `None` when it is not closed.
/// A `]` right after `[`, `[!` or `[^` is a member of the class, as in POSIX.
fn class_end(chars: &[char], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if i < chars.len() && (chars[i] == '!' || chars[i] == '^') {
        i += 1;
    }
    if i < chars.len() && chars[i] == ']' {
        i += 1;
    }
    while i < chars.len() {
        if chars[i] == ']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether character `c` is in `class`, a whole `[...]` class including its brackets.
fn class_matches(class: &[char], c: char) -> bool {
    let mut body = &class[1..class.len() - 1];
    let negated = matches!(body.first(), Some('!') | Some('^'));
    if negated {
        body = &body[1..];
    }
    let mut found = false;
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            if body[i] <= c && c <= body[i + 2] {
                found = true;
            }
            i += 3;
        } else {
            if body[i] == c {
                found = true;
            }
            i += 1;
        }
    }
    found != negated
}

/// Matches a brace-free pattern against the whole text, with the usual single-star backtracking
/// (at worst pattern length × text length steps, never exponential in the number of stars).
fn match_chars(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Where to resume after the last `*`: (pattern index after it, text index it has absorbed to).
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p + 1, t));
                    p += 1;
                    continue;
                }
                '?' => Some(1),
                '[' => match class_end(pattern, p) {
                    Some(end) if class_matches(&pattern[p..=end], text[t]) => Some(end + 1 - p),
                    Some(_) => None,
                    None if text[t] == '[' => Some(1),
                    None => None,
                },
                '\\' if p + 1 < pattern.len() => (pattern[p + 1] == text[t]).then_some(2),
                c => (c == text[t]).then_some(1),
            }
        } else {
            None
        };
        match step {
            Some(n) => {
                p += n;
                t += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    p = sp;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_star() {
        assert!(glob_match("sched_switch", "sched_switch"));
        assert!(!glob_match("sched_switch", "sched_switch2"));
        assert!(!glob_match("sched", "sched_switch"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("sys_enter_*", "sys_enter_openat"));
        assert!(!glob_match("sys_enter_*", "sys_exit_openat"));
        assert!(glob_match("*open*", "sys_enter_openat"));
        assert!(glob_match("*open*", "open"));
        assert!(glob_match("*at", "sys_enter_openat"));
        assert!(glob_match("s*s*s*s*s*x", "ssssssssssssssssssssssx"));
        assert!(!glob_match("s*s*s*s*s*x", "ssssssssssssssssssssssy"));
        assert!(glob_match("a**b", "ab"));
    }

    #[test]
    fn question_mark() {
        assert!(glob_match("sys_enter_read?", "sys_enter_readv"));
        assert!(!glob_match("sys_enter_read?", "sys_enter_read"));
        assert!(glob_match("?", "x"));
        assert!(!glob_match("?", ""));
        assert!(glob_match("é?", "éa"));
    }

    #[test]
    fn classes() {
        assert!(glob_match("sys_[a-c]*", "sys_brk"));
        assert!(!glob_match("sys_[a-c]*", "sys_dup"));
        assert!(glob_match("sys_[!a-c]*", "sys_dup"));
        assert!(glob_match("sys_[^a-c]*", "sys_dup"));
        assert!(!glob_match("sys_[^a-c]*", "sys_brk"));
        assert!(glob_match("[abc]", "b"));
        assert!(glob_match("[]x]", "]"));
        assert!(glob_match("[a-]", "-"));
        // An unclosed class is a literal `[`.
        assert!(glob_match("a[b", "a[b"));
        assert!(!glob_match("a[b", "ab"));
    }

    #[test]
    fn braces() {
        assert!(glob_match("sys_{enter,exit}_read", "sys_enter_read"));
        assert!(glob_match("sys_{enter,exit}_read", "sys_exit_read"));
        assert!(!glob_match("sys_{enter,exit}_read", "sys_exit_write"));
        assert!(glob_match("{sched,signal}", "signal"));
        assert!(glob_match("{a,b{c,d}}x", "bdx"));
        assert!(glob_match("x{,y}", "x"));
        assert!(glob_match("{*open*,read}", "sys_enter_openat"));
        // Unclosed brace is literal.
        assert!(glob_match("a{b", "a{b"));
        assert_eq!(
            expand_braces("a{b,c}d{e,f}"),
            ["abde", "abdf", "acde", "acdf"]
        );
        assert_eq!(expand_braces("plain"), ["plain"]);
        assert_eq!(expand_braces("[{,]x"), ["[{,]x"]);
    }

    #[test]
    fn escapes() {
        assert!(glob_match(r"a\*b", "a*b"));
        assert!(!glob_match(r"a\*b", "axb"));
    }

    #[test]
    fn wildcard_detection() {
        assert!(!has_wildcards("sys_enter_openat"));
        assert!(has_wildcards("sys_enter_*"));
        assert!(has_wildcards("sys_enter_read?"));
        assert!(has_wildcards("[ab]"));
        assert!(has_wildcards("{a,b}"));
    }
}
