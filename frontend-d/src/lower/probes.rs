//! Probe descriptions: `dtrace:::BEGIN`/`END`/`ERROR` and `profile:::profile-N`/`tick-N`
//! (shortened forms, empty fields and patterns too, matched against [`crate::catalog`]) become
//! attach points; other providers are reported as not supported yet.

use super::{Lowerer, ProbeContext};
use crate::{ast, catalog};
use ir::{AttachPoint, Period, Span};

/// A resolved probe description.
pub struct Resolved {
    /// Where the clause runs.
    pub point: AttachPoint,
    /// What `probeprov` ... `probename` say there.
    pub ctx: ProbeContext,
}

impl Lowerer<'_> {
    /// Resolves one probe description to the probes it matches (several for a pattern such as
    /// `dtrace:::`), or reports why it matches none. With `zdefs` (`-Z`), a description that
    /// matches no probe is allowed and yields none.
    pub(crate) fn resolve_desc(&mut self, desc: &ast::ProbeDesc) -> Vec<Resolved> {
        let fields: Vec<String> = (0..4)
            .map(|i| self.expand_desc_macros(desc.field(i), desc.span))
            .collect();
        let [prov, module, func, name] = [&fields[0], &fields[1], &fields[2], &fields[3]];
        let next_id = self.next_probe_id();
        let found = catalog::matching([prov, module, func, name], next_id);
        if !found.is_empty() {
            return found
                .into_iter()
                .map(|p| {
                    let point = match (p.provider.as_str(), p.name.as_str()) {
                        ("dtrace", "BEGIN") => AttachPoint::Begin,
                        ("dtrace", "END") => AttachPoint::End,
                        ("dtrace", _) => AttachPoint::Error,
                        (_, n) => profile_point(n),
                    };
                    let perf = p.provider == "profile";
                    let error = point == AttachPoint::Error;
                    Resolved {
                        point,
                        ctx: ProbeContext {
                            prov: p.provider,
                            name: p.name,
                            perf,
                            error,
                            ..ProbeContext::default()
                        },
                    }
                })
                .collect();
        }
        // Only the dtrace and profile providers are known completely: a description naming
        // one of them (or something in them) that matches nothing matches no probe at all.
        let ours = |p: &str| matches!(p, "dtrace" | "profile");
        let names_ours = ours(prov)
            || (prov.is_empty()
                && module.is_empty()
                && func.is_empty()
                && (matches!(name.as_str(), "BEGIN" | "END" | "ERROR")
                    || name.starts_with("profile-")
                    || name.starts_with("tick-")));
        if names_ours {
            if !self.zdefs() {
                self.error(
                    desc.span,
                    format!(
                        "probe description {prov}:{module}:{func}:{name} does not match any probes"
                    ),
                );
            }
            return Vec::new();
        }
        let is_glob = |s: &str| s.contains(['*', '?', '[']);
        let text = if prov.is_empty() || is_glob(prov) {
            format!(
                "probe description {}: probes matching several providers are not supported yet",
                desc.raw
            )
        } else {
            format!(
                "probe description {}: the {} provider is not supported yet",
                desc.raw,
                prov.trim_end_matches(|c: char| c.is_ascii_digit())
            )
        };
        self.error(desc.span, text);
        Vec::new()
    }

    /// True when descriptions may match zero probes (`-Z`, `-x zdefs`, `#pragma D option zdefs`).
    fn zdefs(&self) -> bool {
        self.dopts.other.iter().any(|(n, _)| n == "zdefs")
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

/// The attach point of a valid `profile-N` or `tick-N` probe name.
fn profile_point(name: &str) -> AttachPoint {
    let (tick, rate) = match name.strip_prefix("tick-") {
        Some(r) => (true, r),
        None => (false, name.strip_prefix("profile-").unwrap_or(name)),
    };
    let period = parse_rate(rate).unwrap_or(Period::Hz(1));
    if tick {
        AttachPoint::Interval { period }
    } else {
        AttachPoint::Profile { period }
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
