//! DTrace options: `#pragma D option name[=value]` and `-x name[=value]`.

use ir::DtraceOptions;

/// Options DTrace knows that oxtrace records without acting on them yet (buffer sizes, rates,
/// policies). Anything else is an error, as in DTrace.
const KNOWN_OTHER: &[&str] = &[
    "aggrate",
    "aggsize",
    "bufpolicy",
    "bufresize",
    "bufsize",
    "cleanrate",
    "cpu",
    "cpp",
    "cpppath",
    "defaultargs",
    "dynvarsize",
    "evaltime",
    "grabanon",
    "jstackframes",
    "jstackstrsize",
    "lockmem",
    "nspec",
    "specsize",
    "statusrate",
    "switchrate",
    "zdefs",
    "linkmode",
    "linktype",
    "iregs",
    "maxframes",
    "strip",
    "version",
    "droptags",
    "incdir",
    "libdir",
    "define",
    "undef",
    "verbose",
    "disasm",
    "nolibs",
    "pspec",
    "knodefs",
    "unodefs",
    "amin",
    "ctypes",
    "dtypes",
];

/// Applies one option to `opts`. Returns DTrace's message for an unknown option or a bad value.
pub fn apply_option(
    opts: &mut DtraceOptions,
    name: &str,
    value: Option<&str>,
) -> Result<(), String> {
    let flag = |v: Option<&str>| -> Result<bool, String> {
        match v {
            None => Ok(true),
            Some(_) => Err(format!("option '{name}' does not take a value")),
        }
    };
    let number = |v: Option<&str>| -> Result<u64, String> {
        let v = v.ok_or_else(|| format!("option '{name}' requires a value"))?;
        parse_size(v).ok_or_else(|| format!("invalid value '{v}' for option '{name}'"))
    };
    match name {
        "quiet" => opts.quiet = flag(value)?,
        "destructive" => opts.destructive = flag(value)?,
        "flowindent" => opts.flowindent = flag(value)?,
        "rawbytes" => opts.rawbytes = flag(value)?,
        "aggsortkey" => opts.aggsortkey = flag(value)?,
        "aggsortrev" => opts.aggsortrev = flag(value)?,
        "errtags" => opts.errtags = flag(value)?,
        "strsize" => {
            let n = number(value)?;
            if n == 0 || n > 65536 {
                return Err(format!(
                    "invalid value '{}' for option 'strsize'",
                    value.unwrap_or("")
                ));
            }
            opts.strsize = n as u32;
        }
        "aggsortpos" => opts.aggsortpos = number(value)? as u32,
        "aggsortkeypos" => opts.aggsortkeypos = number(value)? as u32,
        "stackindent" => opts.stackindent = number(value)? as u32,
        "stackframes" => opts.stackframes = number(value)? as u32,
        "ustackframes" => opts.ustackframes = number(value)? as u32,
        other if KNOWN_OTHER.contains(&other) => {
            opts.other.retain(|(n, _)| n != other);
            opts.other
                .push((other.to_string(), value.map(str::to_string)));
        }
        _ => {
            return Err(format!(
                "failed to set option '{name}': Invalid option name"
            ))
        }
    }
    Ok(())
}

/// A number with an optional size or rate suffix (`16m`, `4k`, `10hz`, `1s`), as DTrace accepts.
fn parse_size(v: &str) -> Option<u64> {
    let v = v.trim();
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let mult: u64 = match v[digits.len()..].to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        "hz" | "s" | "sec" | "ms" | "msec" | "us" | "usec" | "ns" | "nsec" => 1,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_set_fields_or_are_recorded() {
        let mut o = DtraceOptions::default();
        assert!(apply_option(&mut o, "quiet", None).is_ok());
        assert!(apply_option(&mut o, "strsize", Some("64")).is_ok());
        assert!(apply_option(&mut o, "bufsize", Some("16m")).is_ok());
        assert!(apply_option(&mut o, "switchrate", Some("10hz")).is_ok());
        assert!(o.quiet);
        assert_eq!(o.strsize, 64);
        assert_eq!(
            o.other,
            vec![
                ("bufsize".to_string(), Some("16m".to_string())),
                ("switchrate".to_string(), Some("10hz".to_string()))
            ]
        );
        assert_eq!(
            apply_option(&mut o, "bogus", None),
            Err("failed to set option 'bogus': Invalid option name".to_string())
        );
        assert!(apply_option(&mut o, "strsize", Some("lots")).is_err());
    }
}
