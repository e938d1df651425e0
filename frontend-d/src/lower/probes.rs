//! Probe descriptions: `dtrace:::BEGIN`/`END`/`ERROR` and `profile:::profile-N`/`tick-N`
//! (shortened forms too) become attach points; other providers are reported as not supported
//! yet.

use super::{Lowerer, ProbeContext};
use crate::ast;
use ir::{AttachPoint, Period, Span};

/// A resolved probe description.
pub struct Resolved {
    /// Where the clause runs.
    pub point: AttachPoint,
    /// What `probeprov` ... `probename` say there.
    pub ctx: ProbeContext,
}

impl Lowerer<'_> {
    /// Resolves one probe description, or reports why it cannot be.
    pub(crate) fn resolve_desc(&mut self, desc: &ast::ProbeDesc) -> Option<Resolved> {
        let fields: Vec<String> = (0..4)
            .map(|i| self.expand_desc_macros(desc.field(i), desc.span))
            .collect();
        let [prov, module, func, name] = [&fields[0], &fields[1], &fields[2], &fields[3]];
        let is_glob = |s: &str| s.contains(['*', '?', '[']);
        let dtrace_name = matches!(name.as_str(), "BEGIN" | "END" | "ERROR");
        if (prov == "dtrace" || prov.is_empty())
            && module.is_empty()
            && func.is_empty()
            && dtrace_name
        {
            let point = match name.as_str() {
                "BEGIN" => AttachPoint::Begin,
                "END" => AttachPoint::End,
                _ => AttachPoint::Error,
            };
            let error = point == AttachPoint::Error;
            return Some(Resolved {
                point,
                ctx: ProbeContext {
                    prov: "dtrace".into(),
                    name: name.clone(),
                    error,
                    ..ProbeContext::default()
                },
            });
        }
        let profile_like = name.starts_with("profile-") || name.starts_with("tick-");
        if (prov == "profile" || (prov.is_empty() && profile_like))
            && module.is_empty()
            && func.is_empty()
            && !is_glob(name)
        {
            let (tick, rate) = if let Some(r) = name.strip_prefix("tick-") {
                (true, r)
            } else if let Some(r) = name.strip_prefix("profile-") {
                (false, r)
            } else {
                self.error(
                    desc.span,
                    format!("probe description {}: the profile provider has only profile-N and tick-N probes", desc.raw),
                );
                return None;
            };
            let Some(period) = parse_rate(rate) else {
                return self.no_match(desc);
            };
            let point = if tick {
                AttachPoint::Interval { period }
            } else {
                AttachPoint::Profile { period }
            };
            return Some(Resolved {
                point,
                ctx: ProbeContext {
                    prov: "profile".into(),
                    name: name.clone(),
                    perf: true,
                    ..ProbeContext::default()
                },
            });
        }
        if prov == "dtrace" && !is_glob(module) && !is_glob(func) && !is_glob(name) {
            return self.no_match(desc);
        }
        let provider = if prov.is_empty() || is_glob(prov) {
            "matching several providers".to_string()
        } else {
            format!(
                "the {} provider",
                prov.trim_end_matches(|c: char| c.is_ascii_digit())
            )
        };
        let text = if prov.is_empty() || is_glob(prov) {
            format!(
                "probe description {}: probes {provider} are not supported yet",
                desc.raw
            )
        } else {
            format!(
                "probe description {}: {provider} is not supported yet",
                desc.raw
            )
        };
        self.error(desc.span, text);
        None
    }

    /// A description that names no probe: DTrace's error, or nothing with `zdefs` (`-Z`),
    /// which lets such clauses match zero probes.
    fn no_match(&mut self, desc: &ast::ProbeDesc) -> Option<Resolved> {
        if !self.dopts.other.iter().any(|(n, _)| n == "zdefs") {
            self.error(
                desc.span,
                format!("probe description {} does not match any probes", desc.raw),
            );
        }
        None
    }

    /// `$1`, `$$1`, `$target`, `$pid` inside a probe description field.
    fn expand_desc_macros(&mut self, text: &str, span: Span) -> String {
        if !text.contains('$') {
            return text.to_string();
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = rest[i + 1..].trim_start_matches('$');
            let len = after
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(after.len());
            let name = &after[..len];
            match self.macro_text(name) {
                Some(v) => out.push_str(&v),
                None => {
                    self.error(span, format!("macro argument ${name} is not defined"));
                }
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        out
    }
}

/// A profile/tick rate: a number and a unit (`997`, `1001hz`, `1sec`, `10ms`); a number alone is
/// a frequency in hertz.
pub fn parse_rate(text: &str) -> Option<Period> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    if n == 0 {
        return None;
    }
    let unit = &text[digits.len()..];
    let nanos_per: u64 = match unit {
        "" | "hz" => return Some(Period::Hz(n)),
        "ns" | "nsec" => 1,
        "us" | "usec" => 1_000,
        "ms" | "msec" => 1_000_000,
        "s" | "sec" => 1_000_000_000,
        "m" | "min" => 60 * 1_000_000_000,
        "h" | "hour" => 3600 * 1_000_000_000,
        "d" | "day" => 86_400 * 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(nanos_per).map(Period::Nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_dtrace_accepts() {
        assert_eq!(parse_rate("997"), Some(Period::Hz(997)));
        assert_eq!(parse_rate("1001hz"), Some(Period::Hz(1001)));
        assert_eq!(parse_rate("5ns"), Some(Period::Nanos(5)));
        assert_eq!(parse_rate("5nsec"), Some(Period::Nanos(5)));
        assert_eq!(parse_rate("2us"), Some(Period::Nanos(2_000)));
        assert_eq!(parse_rate("2usec"), Some(Period::Nanos(2_000)));
        assert_eq!(parse_rate("10ms"), Some(Period::Nanos(10_000_000)));
        assert_eq!(parse_rate("10msec"), Some(Period::Nanos(10_000_000)));
        assert_eq!(parse_rate("1s"), Some(Period::Nanos(1_000_000_000)));
        assert_eq!(parse_rate("1sec"), Some(Period::Nanos(1_000_000_000)));
        assert_eq!(parse_rate("1m"), Some(Period::Nanos(60_000_000_000)));
        assert_eq!(parse_rate("1min"), Some(Period::Nanos(60_000_000_000)));
        assert_eq!(parse_rate("1h"), Some(Period::Nanos(3_600_000_000_000)));
        assert_eq!(parse_rate("1hour"), Some(Period::Nanos(3_600_000_000_000)));
        assert_eq!(parse_rate("1d"), Some(Period::Nanos(86_400_000_000_000)));
        assert_eq!(parse_rate("1day"), Some(Period::Nanos(86_400_000_000_000)));
        assert_eq!(parse_rate("1fortnight"), None);
        assert_eq!(parse_rate("0"), None);
        assert_eq!(parse_rate("sec"), None);
    }
}
