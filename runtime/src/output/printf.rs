//! `printf` formatting with the newest bpftrace's semantics.
//!
//! The newest bpftrace (0.24+, `src/format_string.cpp`) no longer hands conversions to the C
//! library's `snprintf` (0.17 did); it writes each argument to a C++ `std::stringstream` with
//! stream flags derived from the conversion. The results differ from C `printf` in several ways,
//! all reproduced here and checked against a libstdc++ test program on this machine:
//!
//! - width pads with spaces, or with `0` when the `0` flag is given, **on the left of everything**
//!   when right-aligned (`%05d` of -42 is `00-42`, `%#06x` of 255 is `000xff`) and **on the right**
//!   with `-` (`%-05d` of 42 is `42000`); the `0` flag also pads `%s` and `%c`;
//! - precision (`.N`) is ignored for every supported conversion (`%.2s` of "abc" prints `abc`,
//!   `%.3d` of 7 prints `7`); 0.17 (snprintf) truncated strings and zero-extended numbers;
//! - the space flag is accepted and ignored (`% d` of 42 is `42`);
//! - `+` shows a sign only on signed conversions (`%+d` of 0 is `+0`; `%+u`, `%+x` show none);
//! - `#` adds `0x`/`0X` to non-zero hex and `0` to non-zero octal (0 prints `0`);
//! - integer width: with no length modifier `%d %i` print the low 32 bits as a signed `int` and
//!   `%u %x %X %o` the low 32 bits unsigned (`%u` of -1 is 4294967295, `%d` of 0x100000000 is 0 —
//!   verified with 0.17, which does the same through snprintf); `hh` keeps 8 bits, `h` 16, and
//!   `l ll j z t` all 64;
//! - `%c` prints the low byte as a character; `%p` prints `0x` + lowercase hex, and `0` for a null
//!   pointer (0.17/glibc printed `(nil)`);
//! - `%s` prints any value in its default text form ([`bt_text::format_value`]); the width (and
//!   fill) apply only to the first piece the value is written as, so a tuple pads its `(`;
//!   `+` adds a sign to every signed integer inside it;
//! - `%r` hex-escapes non-printable bytes (`\xNN`), `%rx` escapes every byte, `%rh` prints bytes as
//!   space-separated hex pairs; given a non-buffer they print like `%s`;
//! - an integer conversion of a non-integer prints `!{invalid integer conversion: TEXT}` (the
//!   front end normally rejects such programs).
//!
//! Argument-count mismatches (which the front end rejects) never panic: like bpftrace, when there
//! are fewer arguments than conversions the text runs up to the last conversion that has an
//! argument and then jumps to the text after the final conversion; surplus arguments are ignored.

use ir::printf::{Conversion, Segment};

use crate::output::bt_text;
use crate::value::Value;

/// Formats printf arguments with bpftrace's semantics (conversions %d %i %u %x %X %o %c %s %p,
/// flags - 0 + space #, width, precision, length modifiers hh h l ll j z t; %s of a non-string
/// prints its default text form; %r %rx %rh for buffers).
///
/// `segments` come from [`ir::printf::parse_format`]; `args` are consumed one per conversion, in
/// order. See the module documentation for the exact (newest bpftrace, iostream-based) rules.
pub fn format(segments: &[Segment], args: &[Value]) -> String {
    // Split into bpftrace's shape: fragment[i] precedes conversion i, plus one final fragment.
    let mut fragments: Vec<String> = vec![String::new()];
    let mut convs: Vec<&Conversion> = Vec::new();
    for seg in segments {
        match seg {
            Segment::Literal(text) => {
                if let Some(last) = fragments.last_mut() {
                    last.push_str(text);
                }
            }
            Segment::Conversion(c) => {
                convs.push(c);
                fragments.push(String::new());
            }
        }
    }
    let mut out = Vec::<u8>::new();
    for (i, (conv, arg)) in convs.iter().zip(args).enumerate() {
        out.extend_from_slice(fragments[i].as_bytes());
        format_one(&mut out, conv, arg);
    }
    if let Some(last) = fragments.last() {
        out.extend_from_slice(last.as_bytes());
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats one conversion of one argument, appending the bytes to `out`.
fn format_one(out: &mut Vec<u8>, conv: &Conversion, arg: &Value) {
    let c = conv.conv.as_str();
    match c {
        "d" | "i" | "u" | "x" | "X" | "o" => match int_bits(arg) {
            Some(bits) => {
                let body = format_int(conv, bits);
                pad(out, conv, body.as_bytes());
            }
            None => invalid_integer(out, arg),
        },
        "c" => match int_bits(arg) {
            Some(bits) => pad(out, conv, &[bits as u8]),
            None => invalid_integer(out, arg),
        },
        "p" => match int_bits(arg) {
            // libstdc++ prints a null `void*` as `0` and others as `0x` + lowercase hex.
            Some(0) => pad(out, conv, b"0"),
            Some(bits) => pad(out, conv, format!("0x{bits:x}").as_bytes()),
            None => invalid_integer(out, arg),
        },
        "r" | "rx" | "rh" => match arg {
            Value::Buffer(b) => {
                let text = match c {
                    "rx" => hex_escape_all(b),
                    "rh" => hex_spaced(b),
                    _ => bt_text::escape_buffer(b),
                };
                pad(out, conv, text.as_bytes());
            }
            other => format_as_string(out, conv, other),
        },
        _ => format_as_string(out, conv, arg),
    }
}

/// `%s` (and the fallback of `%r` for non-buffers): the value's default text form. As with a
/// C++ stream, the width applies to the first piece written only, and `+` signs every signed
/// integer.
fn format_as_string(out: &mut Vec<u8>, conv: &Conversion, arg: &Value) {
    let mut pieces = Vec::new();
    bt_text::value_pieces(arg, conv.plus, &mut pieces);
    for (i, piece) in pieces.iter().enumerate() {
        if i == 0 {
            pad(out, conv, piece.as_bytes());
        } else {
            out.extend_from_slice(piece.as_bytes());
        }
    }
    if pieces.is_empty() {
        pad(out, conv, b"");
    }
}

/// bpftrace's text for an integer conversion applied to a non-integer value.
fn invalid_integer(out: &mut Vec<u8>, arg: &Value) {
    out.extend_from_slice(b"!{invalid integer conversion: ");
    out.extend_from_slice(bt_text::format_value(arg).as_bytes());
    out.push(b'}');
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

/// The digits (with sign and base prefix, without padding) of an integer conversion.
fn format_int(conv: &Conversion, bits: u64) -> String {
    let c = conv.conv.as_str();
    if matches!(c, "d" | "i") {
        let v: i64 = match conv.length.as_str() {
            "hh" => i64::from(bits as u8 as i8),
            "h" => i64::from(bits as u16 as i16),
            "l" | "ll" | "j" | "z" | "t" => bits as i64,
            _ => i64::from(bits as u32 as i32),
        };
        if conv.plus && v >= 0 {
            format!("+{v}")
        } else {
            v.to_string()
        }
    } else {
        let v: u64 = match conv.length.as_str() {
            "hh" => u64::from(bits as u8),
            "h" => u64::from(bits as u16),
            "l" | "ll" | "j" | "z" | "t" => bits,
            _ => u64::from(bits as u32),
        };
        let prefix = conv.alternate && v != 0;
        match c {
            "x" if prefix => format!("0x{v:x}"),
            "x" => format!("{v:x}"),
            "X" if prefix => format!("0X{v:X}"),
            "X" => format!("{v:X}"),
            "o" if prefix => format!("0{v:o}"),
            "o" => format!("{v:o}"),
            _ => v.to_string(),
        }
    }
}

/// Appends `body` padded to the conversion's width: fill is `0` with the `0` flag, else a space;
/// it goes before the body unless `-` is given, then after it (C++ `left`/`right`, not `internal`).
fn pad(out: &mut Vec<u8>, conv: &Conversion, body: &[u8]) {
    // Widths beyond 1 MiB are clamped so a hostile format cannot exhaust memory.
    let width = conv.width.unwrap_or(0).min(1 << 20);
    let fill_len = width.saturating_sub(body.len());
    let fill = if conv.zero { b'0' } else { b' ' };
    if conv.left {
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(fill, fill_len));
    } else {
        out.extend(std::iter::repeat_n(fill, fill_len));
        out.extend_from_slice(body);
    }
}

/// `%rx`: every byte as `\xNN` (lowercase hex).
fn hex_escape_all(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// `%rh`: every byte as two lowercase hex digits, separated by single spaces.
fn hex_spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
