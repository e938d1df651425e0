//! `printf` formatting with bpftrace's semantics.
//!
//! bpftrace hands each conversion to the C library's `snprintf`, so the rules here are C's
//! (glibc's) rules, applied to bpftrace's 64-bit argument values:
//!
//! - integers are 64 bits wide unless a length modifier narrows them: `hh` keeps the low 8 bits,
//!   `h` the low 16; `l`, `ll`, `j`, `z`, `t` (and no modifier) keep all 64 bits;
//! - `%d %i` print the value as signed, `%u %x %X %o` as unsigned (so `%u` of -1 is
//!   18446744073709551615 and `%x` of -1 is ffffffffffffffff);
//! - flags `-` (left-justify), `0` (zero-pad; ignored with `-`, with a precision, and for `%c %s
//!   %p`, as glibc does), `+` and space (sign of signed conversions), `#` (`0x`/`0X` prefix of
//!   non-zero hex, a leading `0` for octal);
//! - precision is the minimum number of digits for integers (`%.0d` of 0 prints nothing) and the
//!   maximum number of bytes for `%s`;
//! - `%c` prints the low byte of the value;
//! - `%p` prints `0x` and lowercase hex, or `(nil)` for 0 (glibc);
//! - `%s` of a non-string prints its default text form ([`bt_text::format_value`]);
//! - `%r` prints a buffer with printable ASCII as is and other bytes as `\xNN`, `%rx` prints every
//!   byte as `\xNN`, `%rh` prints every byte as two lowercase hex digits separated by spaces.
//!
//! Nothing here panics: a conversion without an argument prints nothing (the surrounding literal
//! text is still printed), and surplus arguments are ignored.

use ir::printf::{Conversion, Segment};

use crate::output::bt_text;
use crate::value::Value;

/// Formats printf arguments with bpftrace's semantics (conversions %d %i %u %x %X %o %c %s %p,
/// flags - 0 + space #, width, precision, length modifiers hh h l ll j z t; %s of a non-string
/// prints its default text form; %r %rx %rh for buffers).
///
/// `segments` come from [`ir::printf::parse_format`]; `args` are consumed one per conversion, in
/// order. A conversion with no argument left prints nothing.
pub fn format(segments: &[Segment], args: &[Value]) -> String {
    let mut out = Vec::<u8>::new();
    let mut args = args.iter();
    for seg in segments {
        match seg {
            Segment::Literal(text) => out.extend_from_slice(text.as_bytes()),
            Segment::Conversion(conv) => {
                if let Some(arg) = args.next() {
                    format_one(&mut out, conv, arg);
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats one conversion of one argument, appending the bytes to `out`.
fn format_one(out: &mut Vec<u8>, conv: &Conversion, arg: &Value) {
    match conv.conv.as_str() {
        "d" | "i" | "u" | "x" | "X" | "o" => match int_bits(arg) {
            Some(bits) => format_int(out, conv, bits),
            None => pad(out, conv, bt_text::format_value(arg).as_bytes(), false),
        },
        "c" => {
            let byte = int_bits(arg).map(|b| b as u8);
            match byte {
                Some(b) => pad(out, conv, &[b], false),
                None => pad(out, conv, bt_text::format_value(arg).as_bytes(), false),
            }
        }
        "p" => {
            let text = match int_bits(arg) {
                Some(0) => "(nil)".to_string(),
                Some(bits) => format!("0x{bits:x}"),
                None => bt_text::format_value(arg),
            };
            pad(out, conv, text.as_bytes(), false);
        }
        "s" => {
            let owned;
            let bytes: &[u8] = match arg {
                Value::Str(s) | Value::ProbeName(s) => s.as_bytes(),
                Value::Buffer(b) => b,
                other => {
                    owned = bt_text::format_value(other);
                    owned.as_bytes()
                }
            };
            let bytes = match conv.precision {
                Some(p) if p < bytes.len() => &bytes[..p],
                _ => bytes,
            };
            pad(out, conv, bytes, false);
        }
        "r" | "rx" | "rh" => {
            let owned;
            let bytes: &[u8] = match arg {
                Value::Buffer(b) => b,
                Value::Str(s) | Value::ProbeName(s) => s.as_bytes(),
                other => {
                    owned = bt_text::format_value(other);
                    owned.as_bytes()
                }
            };
            let text = match conv.conv.as_str() {
                "rx" => hex_escape_all(bytes),
                "rh" => hex_spaced(bytes),
                _ => bt_text::escape_buffer(bytes),
            };
            pad(out, conv, text.as_bytes(), false);
        }
        // Unknown conversions cannot come out of the parser; print the argument's text form.
        _ => pad(out, conv, bt_text::format_value(arg).as_bytes(), false),
    }
}

/// The raw 64 bits of an integer-like argument (`None` for strings, tuples and the like).
fn int_bits(v: &Value) -> Option<u64> {
    match v {
        Value::Int(i) => Some(*i as u64),
        Value::Uint(u) | Value::Pointer(u) => Some(*u),
        Value::Bool(b) => Some(u64::from(*b)),
        _ => None,
    }
}

/// Formats an integer conversion (`d i u x X o`) the way glibc does for a 64-bit argument
/// narrowed by the length modifier.
fn format_int(out: &mut Vec<u8>, conv: &Conversion, bits: u64) {
    let signed = matches!(conv.conv.as_str(), "d" | "i");
    // Narrow to the width the length modifier asks for.
    let (magnitude, negative) = match (conv.length.as_str(), signed) {
        ("hh", true) => signed_parts(i64::from(bits as u8 as i8)),
        ("hh", false) => (u64::from(bits as u8), false),
        ("h", true) => signed_parts(i64::from(bits as u16 as i16)),
        ("h", false) => (u64::from(bits as u16), false),
        (_, true) => signed_parts(bits as i64),
        (_, false) => (bits, false),
    };
    let mut digits = match conv.conv.as_str() {
        "x" => format!("{magnitude:x}"),
        "X" => format!("{magnitude:X}"),
        "o" => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    if conv.precision == Some(0) && magnitude == 0 {
        digits.clear();
    }
    if let Some(p) = conv.precision {
        if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let mut prefix = String::new();
    if signed {
        if negative {
            prefix.push('-');
        } else if conv.plus {
            prefix.push('+');
        } else if conv.space {
            prefix.push(' ');
        }
    }
    if conv.alternate {
        match conv.conv.as_str() {
            "x" if magnitude != 0 => prefix.push_str("0x"),
            "X" if magnitude != 0 => prefix.push_str("0X"),
            "o" if !digits.starts_with('0') => digits.insert(0, '0'),
            _ => {}
        }
    }
    let zero_pad = conv.zero && !conv.left && conv.precision.is_none();
    let width = conv.width.unwrap_or(0);
    let len = prefix.len() + digits.len();
    if zero_pad && len < width {
        out.extend_from_slice(prefix.as_bytes());
        out.extend(std::iter::repeat_n(b'0', width - len));
        out.extend_from_slice(digits.as_bytes());
    } else {
        let body = format!("{prefix}{digits}");
        pad(out, conv, body.as_bytes(), false);
    }
}

/// Splits a signed value into (magnitude, is negative).
fn signed_parts(v: i64) -> (u64, bool) {
    (v.unsigned_abs(), v < 0)
}

/// Appends `body` padded with spaces to the conversion's width (left- or right-justified).
fn pad(out: &mut Vec<u8>, conv: &Conversion, body: &[u8], _zero: bool) {
    let width = conv.width.unwrap_or(0);
    let fill = width.saturating_sub(body.len());
    if conv.left {
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(b' ', fill));
    } else {
        out.extend(std::iter::repeat_n(b' ', fill));
        out.extend_from_slice(body);
    }
}

/// `%rx`: every byte as `\xNN` (lowercase hex).
fn hex_escape_all(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// `%rh`: every byte as two lowercase hex digits, separated by single spaces.
fn hex_spaced(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}
