//! The probes the D front end can enable, as DTrace numbers and lists them (`dtrace -l`): the
//! dtrace provider's `BEGIN`, `END` and `ERROR`, and the profile provider's default probes. Other
//! `profile-N`/`tick-N` probes are created on demand when a description names them exactly, as
//! DTrace's profile provider does. Each probe has DTrace's stability attributes and argument
//! types (`dtrace -lv`).

use crate::lower::parse_rate;

/// DTrace's stability levels, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stability {
    /// Internal to the implementation.
    Internal,
    /// Private to the implementation.
    Private,
    /// Obsolete.
    Obsolete,
    /// Controlled by an external party.
    External,
    /// Unstable.
    Unstable,
    /// Evolving.
    Evolving,
    /// Stable.
    Stable,
    /// A standard.
    Standard,
}

impl Stability {
    /// The name DTrace prints.
    pub fn name(self) -> &'static str {
        match self {
            Stability::Internal => "Internal",
            Stability::Private => "Private",
            Stability::Obsolete => "Obsolete",
            Stability::External => "External",
            Stability::Unstable => "Unstable",
            Stability::Evolving => "Evolving",
            Stability::Stable => "Stable",
            Stability::Standard => "Standard",
        }
    }
}

/// DTrace's dependency classes, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DepClass {
    /// Unknown.
    Unknown,
    /// Specific to a CPU model.
    Cpu,
    /// Specific to a platform.
    Platform,
    /// Specific to a platform group.
    Group,
    /// Specific to an instruction set.
    Isa,
    /// Common to all platforms.
    Common,
}

impl DepClass {
    /// The name DTrace prints.
    pub fn name(self) -> &'static str {
        match self {
            DepClass::Unknown => "Unknown",
            DepClass::Cpu => "CPU",
            DepClass::Platform => "Platform",
            DepClass::Group => "Group",
            DepClass::Isa => "ISA",
            DepClass::Common => "Common",
        }
    }
}

/// One attribute triple: identifier names, data semantics, dependency class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attr {
    /// Stability of the identifier names.
    pub names: Stability,
    /// Stability of the data semantics.
    pub data: Stability,
    /// Dependency class.
    pub class: DepClass,
}

impl Attr {
    const fn new(names: Stability, data: Stability, class: DepClass) -> Attr {
        Attr { names, data, class }
    }

    /// The lowest of two attribute triples, field by field (DTrace's `dt_attr_min`).
    pub fn min(self, other: Attr) -> Attr {
        Attr {
            names: self.names.min(other.names),
            data: self.data.min(other.data),
            class: self.class.min(other.class),
        }
    }

    /// The highest attributes (`_dtrace_maxattr`), the start of a minimum.
    pub const MAX: Attr = Attr::new(Stability::Standard, Stability::Standard, DepClass::Common);
}

/// A provider's attributes for each probe-description field and for the arguments.
#[derive(Clone, Copy, Debug)]
struct ProviderAttrs {
    provider: Attr,
    module: Attr,
    function: Attr,
    name: Attr,
    args: Attr,
}

use DepClass::{Common, Unknown};
use Stability::{Evolving, Private, Stable, Unstable};

const DTRACE_ATTRS: ProviderAttrs = ProviderAttrs {
    provider: Attr::new(Stable, Stable, Common),
    module: Attr::new(Private, Private, Unknown),
    function: Attr::new(Private, Private, Unknown),
    name: Attr::new(Stable, Stable, Common),
    args: Attr::new(Stable, Stable, Common),
};

const PROFILE_ATTRS: ProviderAttrs = ProviderAttrs {
    provider: Attr::new(Evolving, Evolving, Common),
    module: Attr::new(Unstable, Unstable, Unknown),
    function: Attr::new(Private, Private, Unknown),
    name: Attr::new(Evolving, Evolving, Common),
    args: Attr::new(Evolving, Evolving, Common),
};

/// What DTrace uses when the provider is not named (or is a pattern): Unstable.
const UNNAMED_ATTRS: ProviderAttrs = ProviderAttrs {
    provider: Attr::new(Unstable, Unstable, Common),
    module: Attr::new(Unstable, Unstable, Common),
    function: Attr::new(Unstable, Unstable, Common),
    name: Attr::new(Unstable, Unstable, Common),
    args: Attr::new(Unstable, Unstable, Common),
};

fn provider_attrs(provider: &str) -> ProviderAttrs {
    match provider {
        "dtrace" => DTRACE_ATTRS,
        "profile" => PROFILE_ATTRS,
        _ => UNNAMED_ATTRS,
    }
}

/// The profile provider's default probes (the rest are created on demand).
const PROFILE_DEFAULTS: &[&str] = &[
    "profile-97",
    "profile-199",
    "profile-499",
    "profile-997",
    "profile-1999",
    "profile-4001",
    "profile-4999",
    "tick-1",
    "tick-10",
    "tick-100",
    "tick-500",
    "tick-1000",
    "tick-5000",
];

/// One probe as `dtrace -l` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedProbe {
    /// DTrace's probe id.
    pub id: u32,
    /// The four fields.
    pub provider: String,
    /// Module (empty for these providers).
    pub module: String,
    /// Function (empty for these providers).
    pub function: String,
    /// Name.
    pub name: String,
}

impl ListedProbe {
    /// `provider:module:function:name`.
    pub fn full_name(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.provider, self.module, self.function, self.name
        )
    }

    /// The argument types `dtrace -lv` shows (none for these providers: profile's arguments
    /// are untyped, and dtrace's probes have none).
    pub fn arg_types(&self) -> Vec<String> {
        Vec::new()
    }

    /// The probe's description and argument attributes, as `dtrace -lv` prints them.
    pub fn attributes(&self) -> (Attr, Attr) {
        description_attributes([&self.provider, &self.module, &self.function, &self.name])
    }
}

/// The probes that always exist, in id order (BEGIN 1, END 2, ERROR 3, the profile defaults).
pub fn static_probes() -> Vec<ListedProbe> {
    let dtrace = ["BEGIN", "END", "ERROR"].map(|n| ("dtrace", n));
    let profile = PROFILE_DEFAULTS.iter().map(|n| ("profile", *n));
    dtrace
        .into_iter()
        .chain(profile)
        .enumerate()
        .map(|(i, (p, n))| ListedProbe {
            id: i as u32 + 1,
            provider: p.into(),
            module: String::new(),
            function: String::new(),
            name: n.into(),
        })
        .collect()
}

/// True when `field` is a pattern (or empty, which matches anything).
pub fn is_pattern(field: &str) -> bool {
    field.is_empty() || field.contains(['*', '?', '[', '\\'])
}

/// DTrace's probe-field matching: an empty pattern matches anything; otherwise shell-style
/// `*`, `?`, `[...]` (with `!` or `^` negation and ranges) and `\` escapes.
pub fn field_matches(pattern: &str, text: &str) -> bool {
    pattern.is_empty() || glob(pattern.as_bytes(), text.as_bytes())
}

fn glob(p: &[u8], t: &[u8]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some(b'*') => (0..=t.len()).any(|i| glob(&p[1..], &t[i..])),
        Some(b'?') => !t.is_empty() && glob(&p[1..], &t[1..]),
        Some(b'[') => {
            let Some((&c, rest_t)) = t.split_first() else {
                return false;
            };
            let mut i = 1;
            let negate = matches!(p.get(1), Some(b'!' | b'^'));
            if negate {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < p.len() && (first || p[i] != b']') {
                first = false;
                let lo = p[i];
                if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
                    let hi = p[i + 2];
                    matched |= lo <= c && c <= hi;
                    i += 3;
                } else {
                    matched |= lo == c;
                    i += 1;
                }
            }
            if i >= p.len() {
                return false; // unterminated: matches nothing
            }
            matched != negate && glob(&p[i + 1..], rest_t)
        }
        Some(b'\\') if p.len() > 1 => t.first() == Some(&p[1]) && glob(&p[2..], &t[1..]),
        Some(&c) => t.first() == Some(&c) && glob(&p[1..], &t[1..]),
    }
}

/// The probes a description `[provider, module, function, name]` matches: the static probes
/// it matches and, when it names a valid `profile-N`/`tick-N` probe exactly that does not exist
/// yet, that probe with id `next_id`.
pub fn matching(desc: [&str; 4], next_id: u32) -> Vec<ListedProbe> {
    let matches = |p: &ListedProbe| {
        field_matches(desc[0], &p.provider)
            && field_matches(desc[1], &p.module)
            && field_matches(desc[2], &p.function)
            && field_matches(desc[3], &p.name)
    };
    let mut found: Vec<ListedProbe> = static_probes().into_iter().filter(matches).collect();
    let name = desc[3];
    let on_demand = found.is_empty()
        && (desc[0] == "profile" || desc[0].is_empty())
        && desc[1].is_empty()
        && desc[2].is_empty()
        && !is_pattern(name)
        && is_profile_name(name);
    if on_demand {
        found.push(ListedProbe {
            id: next_id,
            provider: "profile".into(),
            module: String::new(),
            function: String::new(),
            name: name.into(),
        });
    }
    found
}

/// True for a valid `profile-N` or `tick-N` name (N a rate with an optional unit).
pub fn is_profile_name(name: &str) -> bool {
    let rate = name
        .strip_prefix("profile-")
        .or_else(|| name.strip_prefix("tick-"));
    rate.is_some_and(|r| parse_rate(r).is_some())
}

/// The description attributes (the minimum over the fields that are not patterns, with
/// Unstable provider attributes when the provider is a pattern) and the argument attributes,
/// as DTrace computes them for a probe description.
pub fn description_attributes(desc: [&str; 4]) -> (Attr, Attr) {
    let attrs = if is_pattern(desc[0]) {
        UNNAMED_ATTRS
    } else {
        provider_attrs(desc[0])
    };
    let mut attr = attrs.provider;
    for (field, a) in [
        (desc[1], attrs.module),
        (desc[2], attrs.function),
        (desc[3], attrs.name),
    ] {
        if !is_pattern(field) {
            attr = attr.min(a);
        }
    }
    (attr, attrs.args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(field_matches("", "anything"));
        assert!(field_matches("BEG*", "BEGIN"));
        assert!(field_matches("?ND", "END"));
        assert!(field_matches("[BE]*", "END"));
        assert!(!field_matches("[!BE]*", "END"));
        assert!(field_matches("tick-[0-9]*", "tick-10"));
        assert!(!field_matches("BEGIN", "BEGINX"));
        assert!(!field_matches("[BE", "B"));
    }

    #[test]
    fn matching_dtrace_and_profile() {
        let names = |d: [&str; 4]| -> Vec<(u32, String)> {
            matching(d, 99)
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect()
        };
        assert_eq!(
            names(["dtrace", "", "", ""]),
            vec![(1, "BEGIN".into()), (2, "END".into()), (3, "ERROR".into())]
        );
        assert_eq!(names(["", "", "", "END"]), vec![(2, "END".into())]);
        assert_eq!(
            names(["", "", "", "tick-1000"]),
            vec![(15, "tick-1000".into())]
        );
        assert_eq!(
            names(["profile", "", "", "tick-1sec"]),
            vec![(99, "tick-1sec".into())]
        );
        assert!(names(["profile", "", "", "tick-1fortnight"]).is_empty());
        assert!(names(["dtrace", "", "", "FOO"]).is_empty());
        assert_eq!(names(["*", "", "", "profile-9*"]).len(), 2);
    }

    #[test]
    fn attributes_like_dtrace() {
        let (d, a) = description_attributes(["dtrace", "", "", "BEGIN"]);
        assert_eq!(d, Attr::new(Stable, Stable, Common));
        assert_eq!(a, Attr::new(Stable, Stable, Common));
        let (d, _) = description_attributes(["", "", "", "BEGIN"]);
        assert_eq!(d, Attr::new(Unstable, Unstable, Common));
        let (d, _) = description_attributes(["profile", "", "", "tick-1"]);
        assert_eq!(d, Attr::new(Evolving, Evolving, Common));
    }
}
