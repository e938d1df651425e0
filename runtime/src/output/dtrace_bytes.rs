//! DTrace's byte dumps (`tracemem()`, `trace()` under the `rawbytes` option) and the record
//! prefix of the `flowindent` option.

/// DTrace's raw byte dump: a newline, a column header (`0` ... `f` and `0123456789abcdef`), then
/// per 16 bytes the offset (`%5x:`), the bytes as ` %02x` (missing ones as three spaces), two
/// spaces and the bytes as characters (`.` for the unprintable), each line indented 5 spaces.
pub fn hex_dump(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let margin = 5;
    let mut out = format!("\n{:margin$}      ", "");
    for c in "0123456789abcdef".chars() {
        out.push_str(&format!("  {c}"));
    }
    out.push_str("  0123456789abcdef\n");
    for (row, chunk) in bytes.chunks(16).enumerate() {
        out.push_str(&format!("{:margin$}{:5x}:", "", row * 16));
        for b in chunk {
            out.push_str(&format!(" {b:02x}"));
        }
        for _ in chunk.len()..16 {
            out.push_str("   ");
        }
        out.push_str("  ");
        for &b in chunk {
            out.push(if (b' '..=b'~').contains(&b) {
                b as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
    out
}

/// The bytes of a D string as DTrace records it: the text, then zeros up to `size`.
pub fn string_record(s: &str, size: usize) -> Vec<u8> {
    let mut b = s.as_bytes().to_vec();
    b.truncate(size);
    b.resize(size, 0);
    b
}

/// The column header under `flowindent`: `CPU FUNCTION` (`%3s %-41s`; test mode: `%-41s`).
/// DTrace prints it even when quiet.
pub fn flow_header(testing: bool) -> String {
    if testing {
        format!("{:<41}\n", "FUNCTION")
    } else {
        format!("{:>3} {:<41}\n", "CPU", "FUNCTION")
    }
}

/// A record's prefix under `flowindent` for a probe that is neither an entry nor a return:
/// `%3d %-41s ` of the CPU and `| func:name` (test mode: `%-41s `). DTrace prints it even when
/// quiet.
pub fn flow_prefix(cpu: u32, func_name: &str, testing: bool) -> String {
    let name = format!("| {func_name}");
    if testing {
        format!("{name:<41} ")
    } else {
        format!("{cpu:>3} {name:<41} ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_has_dtraces_layout() {
        let text = hex_dump(b"hello, world\n\0\x01\x7fABC");
        let want = concat!(
            "\n           ",
            "  0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f  0123456789abcdef\n",
            "         0: 68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 0a 00 01 7f  hello, world....\n",
            "        10: 41 42 43                                         ABC\n",
        );
        assert_eq!(text, want);
        assert_eq!(hex_dump(&[]), "");
    }

    #[test]
    fn string_records_are_zero_padded() {
        assert_eq!(string_record("ab", 4), b"ab\0\0");
        assert_eq!(string_record("abcdef", 4), b"abcd");
    }

    #[test]
    fn flowindent_columns() {
        assert_eq!(flow_header(false), format!("CPU {:<41}\n", "FUNCTION"));
        assert_eq!(flow_header(true), format!("{:<41}\n", "FUNCTION"));
        assert_eq!(
            flow_prefix(1, ":BEGIN", false),
            format!("  1 {:<41} ", "| :BEGIN")
        );
        assert_eq!(
            flow_prefix(1, ":BEGIN", true),
            format!("{:<41} ", "| :BEGIN")
        );
    }
}
