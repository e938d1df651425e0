//! DTrace options: `#pragma D option name[=value]` and `-x name[=value]`.

use ir::DtraceOptions;

/// Applies one option to `opts` before tracing (pragma, `-x`). Returns DTrace's message for an
/// unknown option or a bad value. The option table and the value syntax are DTrace's, shared
/// with the runtime's `setopt()` ([`ir::dopts`]).
pub fn apply_option(
    opts: &mut DtraceOptions,
    name: &str,
    value: Option<&str>,
) -> Result<(), String> {
    ir::dopts::apply(opts, name, value, false)
        .map_err(|e| format!("failed to set option '{name}': {}", e.message()))
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
        assert_eq!(
            apply_option(&mut o, "strsize", Some("lots")),
            Err("failed to set option 'strsize': Invalid value for specified option".to_string())
        );
    }
}
