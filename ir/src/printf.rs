//! Parsing of printf-style format strings, shared by the front ends (argument checking) and the
//! runtime (formatting). Formatting itself lives in the runtime.

/// One piece of a format string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text printed as is (`%%` already turned into `%`).
    Literal(String),
    /// A conversion such as `%-8.3lld`.
    Conversion(Conversion),
}

/// A parsed conversion specification.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Conversion {
    /// `-`: left-justify.
    pub left: bool,
    /// `0`: pad with zeros.
    pub zero: bool,
    /// `+`: always print a sign.
    pub plus: bool,
    /// ` `: a space where a `+` would go.
    pub space: bool,
    /// `#`: alternate form (`0x` prefix for `%x`).
    pub alternate: bool,
    /// Minimum field width (`*` is not supported by bpftrace).
    pub width: Option<usize>,
    /// `*` width (D only): the width is taken from the next argument.
    pub width_star: bool,
    /// `.*` precision (D only): the precision is taken from the next argument.
    pub precision_star: bool,
    /// `@` (D's `printa` only, `%@d`): print the aggregated value, not the next key field.
    pub aggregation: bool,
    /// Precision (`.N`).
    pub precision: Option<usize>,
    /// Length modifier as written (`hh`, `h`, `l`, `ll`, `j`, `z`, `t`), or empty.
    pub length: String,
    /// The conversion letters: `d i u x X o c s p`, or `r`, `rx`, `rh` for buffers; in the D
    /// dialect also `a A S Y T k e E f g G C`.
    pub conv: String,
}

/// What kind of argument a conversion takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgClass {
    /// `%d %i %u %x %X %o %c %p`: an integer (or pointer).
    Integer,
    /// `%s`: anything; strings print as is, other values in their default format.
    Any,
    /// `%r %rx %rh`: a buffer or string.
    Buffer,
}

impl Conversion {
    /// The kind of argument this conversion consumes.
    pub fn arg_class(&self) -> ArgClass {
        match self.conv.as_str() {
            "s" | "S" | "k" | "e" | "E" | "f" | "g" | "G" => ArgClass::Any,
            "r" | "rx" | "rh" => ArgClass::Buffer,
            _ => ArgClass::Integer,
        }
    }
}

/// Whose printf a format string is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// bpftrace's printf: C conversions plus `%r`; no `*` widths.
    Bpftrace,
    /// D's printf: C conversions with `*` widths and precisions, plus `%a %A %S %Y %T %k %e %f
    /// %g %C` and the `@` flag of `printa` (`%@d`).
    Dtrace,
}

/// Splits a bpftrace format string into segments. Errors name the byte offset (in the format
/// string) of the bad conversion and say what is wrong.
pub fn parse_format(fmt: &str) -> Result<Vec<Segment>, (usize, String)> {
    parse_format_in(fmt, Dialect::Bpftrace)
}

/// Splits a format string of `dialect` into segments. Errors name the byte offset (in the
/// format string) of the bad conversion and say what is wrong.
pub fn parse_format_in(fmt: &str, dialect: Dialect) -> Result<Vec<Segment>, (usize, String)> {
    let d = dialect == Dialect::Dtrace;
    let bytes = fmt.as_bytes();
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = fmt[i..].chars().next().unwrap_or('\0');
        if c != '%' {
            literal.push(c);
            i += c.len_utf8();
            continue;
        }
        let start = i;
        i += 1;
        if bytes.get(i) == Some(&b'%') {
            literal.push('%');
            i += 1;
            continue;
        }
        let mut conv = Conversion::default();
        while let Some(&b) = bytes.get(i) {
            match b {
                b'-' => conv.left = true,
                b'0' => conv.zero = true,
                b'+' => conv.plus = true,
                b' ' => conv.space = true,
                b'#' => conv.alternate = true,
                b'@' if d => conv.aggregation = true,
                _ => break,
            }
            i += 1;
        }
        let digits = |i: &mut usize| -> Option<usize> {
            let s = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            fmt[s..*i].parse().ok()
        };
        if bytes.get(i) == Some(&b'*') {
            if !d {
                return Err((start, "'*' width is not supported in printf formats".into()));
            }
            conv.width_star = true;
            i += 1;
        } else {
            conv.width = digits(&mut i);
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            if d && bytes.get(i) == Some(&b'*') {
                conv.precision_star = true;
                i += 1;
            } else {
                conv.precision = Some(digits(&mut i).unwrap_or(0));
            }
        }
        let len_start = i;
        while let Some(&b) = bytes.get(i) {
            if matches!(b, b'h' | b'l' | b'j' | b'z' | b't' | b'q' | b'L') {
                i += 1;
            } else {
                break;
            }
        }
        conv.length = fmt[len_start..i].to_string();
        let letter = match bytes.get(i) {
            Some(&b) => b as char,
            None => {
                return Err((
                    start,
                    "incomplete conversion at the end of the format".into(),
                ))
            }
        };
        i += 1;
        conv.conv = match letter {
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'c' | 's' | 'p' => letter.to_string(),
            'a' | 'A' | 'S' | 'Y' | 'T' | 'k' | 'e' | 'E' | 'f' | 'g' | 'G' | 'C' if d => {
                letter.to_string()
            }
            'r' if !d => match bytes.get(i) {
                Some(b'x') | Some(b'h') => {
                    i += 1;
                    format!("r{}", bytes[i - 1] as char)
                }
                _ => "r".into(),
            },
            other => return Err((start, format!("invalid printf conversion '%{other}'"))),
        };
        if !literal.is_empty() {
            segments.push(Segment::Literal(std::mem::take(&mut literal)));
        }
        segments.push(Segment::Conversion(conv));
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Ok(segments)
}

/// The conversions of a parsed format, in order.
pub fn conversions(segments: &[Segment]) -> impl Iterator<Item = &Conversion> {
    segments.iter().filter_map(|s| match s {
        Segment::Conversion(c) => Some(c),
        Segment::Literal(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_width_precision_and_length() {
        let segs = parse_format("a %-08.3lld%% %s\n").unwrap_or_default();
        assert_eq!(segs.len(), 5);
        match &segs[1] {
            Segment::Conversion(c) => {
                assert!(c.left && c.zero);
                assert_eq!(
                    (c.width, c.precision, c.length.as_str(), c.conv.as_str()),
                    (Some(8), Some(3), "ll", "d")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(segs[2], Segment::Literal("% ".into()));
    }

    #[test]
    fn d_dialect_accepts_star_widths_and_d_conversions() {
        let segs = parse_format_in("%*d|%-*.*s|%@8d %Y %S %a %A %T %k %e %C\n", Dialect::Dtrace)
            .unwrap_or_default();
        let convs: Vec<&Conversion> = conversions(&segs).collect();
        assert_eq!(convs.len(), 11);
        assert!(convs[0].width_star && convs[0].width.is_none());
        assert!(convs[1].left && convs[1].width_star && convs[1].precision_star);
        assert!(convs[2].aggregation);
        assert_eq!(convs[2].width, Some(8));
        let letters: Vec<&str> = convs[3..].iter().map(|c| c.conv.as_str()).collect();
        assert_eq!(letters, ["Y", "S", "a", "A", "T", "k", "e", "C"]);
        // bpftrace rejects what D accepts, and D has no %r.
        assert!(parse_format("%*d").is_err());
        assert!(parse_format("%Y").is_err());
        assert!(parse_format_in("%r", Dialect::Dtrace).is_err());
        assert!(parse_format_in("%q", Dialect::Dtrace).is_err());
    }

    #[test]
    fn rejects_bad_conversions() {
        assert_eq!(parse_format("x %q").map_err(|e| e.0), Err(2));
        assert!(parse_format("%").is_err());
        assert!(parse_format("%rx").is_ok());
    }
}
