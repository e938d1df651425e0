//! DTrace's options (`#pragma D option`, `-x`, and the `setopt()` action at run time): which
//! names exist, how each kind of value is parsed, and DTrace's errors. Shared by the D front
//! end (compile time) and the runtime (`setopt()` while tracing), so both accept exactly the
//! same options.
//!
//! DTrace has three tables: compile-time options (flags such as `zdefs` and `defaultargs`,
//! which take no value), run-time options (buffer sizes, `strsize`, `nspec`, ...: they cannot
//! change once tracing is active) and dynamic run-time options (`quiet`, the `aggsort*`
//! options, `switchrate`, `aggrate`, ...: they can). The table is illumos DTrace's plus the
//! options DTrace for Linux (dtrace-utils) adds (`disasm`, `bpflog`, `lockmem`, ...).

use crate::program::DtraceOptions;

/// Why an option could not be set, with DTrace's message for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionError {
    /// No such option.
    BadName,
    /// The value does not parse for the option's kind.
    BadValue,
    /// A run-time option changed while tracing (`setopt()`).
    Active,
}

impl OptionError {
    /// DTrace's text for the error (`dtrace_errmsg`).
    pub fn message(self) -> &'static str {
        match self {
            OptionError::BadName => "Invalid option name",
            OptionError::BadValue => "Invalid value for specified option",
            OptionError::Active => "Operation illegal when tracing is active",
        }
    }
}

/// How an option's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A compile-time flag: no value allowed.
    Flag,
    /// A compile-time option whose value is a string (paths, `-D` definitions, ...).
    Text,
    /// A size: a number with an optional `k`/`m`/`g`/`t` suffix.
    Size,
    /// A rate or interval: a number with a time unit, or `hz` (per second).
    Rate,
    /// A toggle or count (`dt_opt_runtime`): no value or a number sets it, `""`/`no`/`off`/...
    /// unsets it.
    Toggle,
    /// One of the given words.
    Word(&'static [&'static str]),
}

/// When an option may be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    /// Only before compiling (setting it at run time is a bad value: DTrace passes `"1"`).
    Compile,
    /// Before tracing starts.
    Runtime,
    /// Any time, `setopt()` included.
    Dynamic,
}

const OPTIONS: &[(&str, Kind, When)] = &[
    // Compile-time options.
    ("aggpercpu", Kind::Flag, When::Compile),
    ("amin", Kind::Text, When::Compile),
    ("argref", Kind::Flag, When::Compile),
    ("core", Kind::Text, When::Compile),
    ("cpp", Kind::Flag, When::Compile),
    ("cpphdrs", Kind::Flag, When::Compile),
    ("cpppath", Kind::Text, When::Compile),
    ("ctypes", Kind::Text, When::Compile),
    ("defaultargs", Kind::Flag, When::Compile),
    ("dtypes", Kind::Text, When::Compile),
    ("debug", Kind::Flag, When::Compile),
    ("disasm", Kind::Toggle, When::Compile),
    ("bpflog", Kind::Flag, When::Compile),
    ("bpflogsize", Kind::Size, When::Compile),
    ("define", Kind::Text, When::Compile),
    ("droptags", Kind::Flag, When::Compile),
    ("empty", Kind::Flag, When::Compile),
    ("errtags", Kind::Flag, When::Compile),
    (
        "evaltime",
        Kind::Word(&["exec", "preinit", "postinit", "main"]),
        When::Compile,
    ),
    ("incdir", Kind::Text, When::Compile),
    ("iregs", Kind::Text, When::Compile),
    ("kdefs", Kind::Flag, When::Compile),
    ("knodefs", Kind::Flag, When::Compile),
    ("lazyload", Kind::Flag, When::Compile),
    ("lockmem", Kind::Text, When::Compile),
    ("libdir", Kind::Text, When::Compile),
    (
        "linkmode",
        Kind::Word(&["kernel", "static", "dynamic"]),
        When::Compile,
    ),
    ("linktype", Kind::Word(&["elf", "dof"]), When::Compile),
    ("nolibs", Kind::Flag, When::Compile),
    ("pspec", Kind::Flag, When::Compile),
    ("strip", Kind::Flag, When::Compile),
    ("syslibdir", Kind::Text, When::Compile),
    ("udefs", Kind::Flag, When::Compile),
    ("undef", Kind::Text, When::Compile),
    ("unodefs", Kind::Flag, When::Compile),
    ("verbose", Kind::Flag, When::Compile),
    ("version", Kind::Text, When::Compile),
    ("zdefs", Kind::Flag, When::Compile),
    // Run-time options.
    ("aggsize", Kind::Size, When::Runtime),
    ("bufsize", Kind::Size, When::Runtime),
    (
        "bufpolicy",
        Kind::Word(&["ring", "fill", "switch"]),
        When::Runtime,
    ),
    ("bufresize", Kind::Word(&["auto", "manual"]), When::Runtime),
    ("cleanrate", Kind::Rate, When::Runtime),
    ("cpu", Kind::Toggle, When::Runtime),
    ("destructive", Kind::Toggle, When::Runtime),
    ("dynvarsize", Kind::Size, When::Runtime),
    ("grabanon", Kind::Toggle, When::Runtime),
    ("jstackframes", Kind::Toggle, When::Runtime),
    ("jstackstrsize", Kind::Size, When::Runtime),
    ("maxframes", Kind::Toggle, When::Runtime),
    ("nspec", Kind::Toggle, When::Runtime),
    ("pcapsize", Kind::Size, When::Runtime),
    ("scratchsize", Kind::Size, When::Runtime),
    ("specsize", Kind::Size, When::Runtime),
    ("stackframes", Kind::Toggle, When::Runtime),
    ("statusrate", Kind::Rate, When::Runtime),
    ("strsize", Kind::Size, When::Runtime),
    ("ustackframes", Kind::Toggle, When::Runtime),
    ("temporal", Kind::Toggle, When::Runtime),
    // Dynamic run-time options.
    ("agghist", Kind::Toggle, When::Dynamic),
    ("aggpack", Kind::Toggle, When::Dynamic),
    ("aggrate", Kind::Rate, When::Dynamic),
    ("aggsortkey", Kind::Toggle, When::Dynamic),
    ("aggsortkeypos", Kind::Toggle, When::Dynamic),
    ("aggsortpos", Kind::Toggle, When::Dynamic),
    ("aggsortrev", Kind::Toggle, When::Dynamic),
    ("aggzoom", Kind::Toggle, When::Dynamic),
    ("flowindent", Kind::Toggle, When::Dynamic),
    ("quiet", Kind::Toggle, When::Dynamic),
    ("rawbytes", Kind::Toggle, When::Dynamic),
    ("stackindent", Kind::Toggle, When::Dynamic),
    ("switchrate", Kind::Rate, When::Dynamic),
];

/// The value an option was set to, once parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A flag or toggle was set (with this number; a bare flag is 0, as in DTrace).
    Set(u64),
    /// A toggle was unset (`""`, `no`, `off`, `false`, `disable(d)`, `unset`).
    Unset,
    /// A size in bytes.
    Bytes(u64),
    /// An interval in nanoseconds (a rate in `hz` is turned into its period).
    Nanos(u64),
    /// A text or word value, kept as given.
    Text,
}

/// Parses `value` for option `name` (`None`: no value given). `active` says tracing is running
/// (`setopt()`), when only dynamic options may change.
pub fn parse(name: &str, value: Option<&str>, active: bool) -> Result<Parsed, OptionError> {
    let &(_, kind, when) = OPTIONS
        .iter()
        .find(|(n, ..)| *n == name)
        .ok_or(OptionError::BadName)?;
    if active && when == When::Runtime {
        return Err(OptionError::Active);
    }
    match kind {
        Kind::Flag => match value {
            None => Ok(Parsed::Set(0)),
            Some(_) => Err(OptionError::BadValue),
        },
        Kind::Text => match value {
            Some(_) => Ok(Parsed::Text),
            None => Err(OptionError::BadValue),
        },
        Kind::Word(words) => match value {
            Some(v) if words.contains(&v) => Ok(Parsed::Text),
            _ => Err(OptionError::BadValue),
        },
        Kind::Size => match value {
            None => Ok(Parsed::Bytes(0)),
            Some(v) => size(v).map(Parsed::Bytes).ok_or(OptionError::BadValue),
        },
        Kind::Rate => match value {
            None => Ok(Parsed::Nanos(0)),
            Some(v) => rate(v).map(Parsed::Nanos).ok_or(OptionError::BadValue),
        },
        Kind::Toggle => toggle(value),
    }
}

/// Sets option `name` in `opts` as DTrace would (see [`parse`]). Options oxtrace keeps no field
/// for are recorded in [`DtraceOptions::other`] with their value as given.
pub fn apply(
    opts: &mut DtraceOptions,
    name: &str,
    value: Option<&str>,
    active: bool,
) -> Result<(), OptionError> {
    let parsed = parse(name, value, active)?;
    let on = !matches!(parsed, Parsed::Unset);
    let number = match parsed {
        Parsed::Set(n) | Parsed::Bytes(n) | Parsed::Nanos(n) => n,
        Parsed::Unset | Parsed::Text => 0,
    };
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    match name {
        "quiet" => opts.quiet = on,
        "destructive" => opts.destructive = on,
        "flowindent" => opts.flowindent = on,
        "rawbytes" => opts.rawbytes = on,
        "aggsortkey" => opts.aggsortkey = on,
        "aggsortrev" => opts.aggsortrev = on,
        "errtags" => opts.errtags = on,
        "aggsortpos" => opts.aggsortpos = if on { small(number) } else { 0 },
        "aggsortkeypos" => opts.aggsortkeypos = if on { small(number) } else { 0 },
        "stackindent" if on => opts.stackindent = small(number),
        "stackframes" if on => opts.stackframes = small(number),
        "ustackframes" if on => opts.ustackframes = small(number),
        "strsize" => {
            // DTrace refuses sizes that do not fit a CTF array (EOVERFLOW); 0 is no string.
            if number == 0 || number > u64::from(u32::MAX) {
                return Err(OptionError::BadValue);
            }
            opts.strsize = small(number);
        }
        _ => {
            opts.other.retain(|(n, _)| n != name);
            if on {
                opts.other
                    .push((name.to_string(), value.map(str::to_string)));
            }
        }
    }
    Ok(())
}

/// `dt_opt_runtime`: nothing is 0 (set), `""` and the negative words unset, the positive words
/// are 1, anything else must be a number (C's `strtoull` with base 0).
fn toggle(value: Option<&str>) -> Result<Parsed, OptionError> {
    let Some(v) = value else {
        return Ok(Parsed::Set(0));
    };
    if v.is_empty() {
        return Ok(Parsed::Unset);
    }
    const COUPLES: &[(&str, &str)] = &[
        ("yes", "no"),
        ("enable", "disable"),
        ("enabled", "disabled"),
        ("true", "false"),
        ("on", "off"),
        ("set", "unset"),
    ];
    for (pos, neg) in COUPLES {
        if v.eq_ignore_ascii_case(pos) {
            return Ok(Parsed::Set(1));
        }
        if v.eq_ignore_ascii_case(neg) {
            return Ok(Parsed::Unset);
        }
    }
    match c_number(v) {
        Some((n, "")) if n <= i64::MAX as u64 => Ok(Parsed::Set(n)),
        _ => Err(OptionError::BadValue),
    }
}

/// C's `strtoull(s, &end, 0)`: optional `0x` (hex) or leading `0` (octal); returns the number
/// and the rest of the text, or `None` when no digit was read.
fn c_number(s: &str) -> Option<(u64, &str)> {
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, h)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    let len = digits
        .char_indices()
        .find(|(_, c)| !c.is_digit(radix))
        .map_or(digits.len(), |(i, _)| i);
    if len == 0 {
        return if radix == 8 { Some((0, digits)) } else { None };
    }
    let n = u64::from_str_radix(&digits[..len], radix).ok()?;
    Some((n, &digits[len..]))
}

/// `dt_optval_parse`: a number with an optional `k`, `m`, `g` or `t` suffix (powers of 1024).
pub fn size(v: &str) -> Option<u64> {
    let mult: u64 = match v.chars().last()? {
        't' | 'T' => 1 << 40,
        'g' | 'G' => 1 << 30,
        'm' | 'M' => 1 << 20,
        'k' | 'K' => 1 << 10,
        _ => 1,
    };
    let body = if mult > 1 { &v[..v.len() - 1] } else { v };
    match c_number(body)? {
        (n, "") => n.checked_mul(mult).filter(|n| *n <= i64::MAX as u64),
        _ => None,
    }
}

/// `dt_opt_rate`: a number and a time unit (`ns nsec us usec ms msec s sec m min h hour d day`),
/// as nanoseconds; `hz` is a frequency (its period); no unit is nanoseconds.
pub fn rate(v: &str) -> Option<u64> {
    let (n, unit) = c_number(v)?;
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "ns" | "nsec" => 1,
        "us" | "usec" => 1_000,
        "ms" | "msec" => 1_000_000,
        "s" | "sec" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" | "hour" => 3_600_000_000_000,
        "d" | "day" => 86_400_000_000_000,
        "hz" => 0,
        _ => return None,
    };
    if mul == 0 {
        return Some(1_000_000_000u64.checked_div(n).unwrap_or(0));
    }
    n.checked_mul(mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_take_dtraces_words_and_numbers() {
        let mut o = DtraceOptions::default();
        assert_eq!(apply(&mut o, "quiet", None, false), Ok(()));
        assert!(o.quiet);
        assert_eq!(apply(&mut o, "quiet", Some("no"), true), Ok(()));
        assert!(!o.quiet);
        assert_eq!(apply(&mut o, "quiet", Some("YES"), true), Ok(()));
        assert!(o.quiet);
        assert_eq!(apply(&mut o, "quiet", Some(""), true), Ok(()));
        assert!(!o.quiet);
        assert_eq!(apply(&mut o, "aggsortkeypos", Some("0x2"), true), Ok(()));
        assert_eq!(o.aggsortkeypos, 2);
        assert_eq!(
            apply(&mut o, "aggsortpos", Some("two"), true),
            Err(OptionError::BadValue)
        );
    }

    #[test]
    fn sizes_rates_and_errors() {
        assert_eq!(size("4m"), Some(4 << 20));
        assert_eq!(size("512"), Some(512));
        assert_eq!(size("16K"), Some(16 << 10));
        assert_eq!(size("4mb"), None);
        assert_eq!(size("m"), None);
        assert_eq!(rate("10hz"), Some(100_000_000));
        assert_eq!(rate("1sec"), Some(1_000_000_000));
        assert_eq!(rate("250ms"), Some(250_000_000));
        assert_eq!(rate("5"), Some(5));
        assert_eq!(rate("10 hz"), None);
        assert_eq!(parse("bogus", None, false), Err(OptionError::BadName));
        assert_eq!(parse("zdefs", Some("1"), false), Err(OptionError::BadValue));
        assert_eq!(parse("zdefs", None, false), Ok(Parsed::Set(0)));
        assert_eq!(parse("bufsize", Some("4m"), true), Err(OptionError::Active));
        assert_eq!(
            parse("switchrate", Some("10hz"), true),
            Ok(Parsed::Nanos(100_000_000))
        );
        assert_eq!(parse("bufpolicy", Some("ring"), false), Ok(Parsed::Text));
        assert_eq!(
            parse("bufpolicy", Some("circle"), false),
            Err(OptionError::BadValue)
        );
        let mut o = DtraceOptions::default();
        assert_eq!(
            apply(&mut o, "strsize", Some("0"), false),
            Err(OptionError::BadValue)
        );
        assert_eq!(apply(&mut o, "strsize", Some("64"), false), Ok(()));
        assert_eq!(o.strsize, 64);
        assert_eq!(apply(&mut o, "dynvarsize", Some("2m"), false), Ok(()));
        assert_eq!(o.other_value("dynvarsize"), Some("2m"));
    }
}
