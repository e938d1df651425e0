//! `config = { key = value; ... }` and the `BPFTRACE_*` environment variables that override it,
//! and the `config.key` expression.
//!
//! A key may be written `max_strlen`, `MAX_STRLEN` or `BPFTRACE_MAX_STRLEN`. An environment
//! variable wins over the script's config block (bpftrace's rule).

use super::Lowerer;
use crate::ast;
use ir::diag::Diagnostic;
use ir::{Expr, ExprKind, Span, StackMode, Type};

/// A config value as written in the script or the environment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConfigValue {
    /// A number (`true`/`false` are 1/0).
    Int(u64),
    /// A string literal, a bare word (`perf`, `PER_PID`) or an environment variable's text.
    Text(String),
}

/// The licenses the kernel accepts for GPL-only helpers (bpftrace's list).
const LICENSES: &[&str] = &[
    "GPL",
    "GPL v2",
    "GPL and additional rights",
    "Dual BSD/GPL",
    "Dual MIT/GPL",
    "Dual MPL/GPL",
];

/// Config variables oxtrace accepts that do not change what it does: symbolization is always
/// lazy and per process, C++ names are always demangled, debug info is not shown, and the
/// limits on programs, probes and the verifier log are far above what oxtrace generates.
const ACCEPTED_KNOBS: &[&str] = &[
    "cache_user_symbols",
    "cpp_demangle",
    "lazy_symbolication",
    "show_debug_info",
    "log_size",
    "max_bpf_progs",
    "max_probes",
    "on_stack_limit",
];

/// The canonical (lower-case, unprefixed) name of a config key.
pub(crate) fn canonical_key(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    lower
        .strip_prefix("bpftrace_")
        .map_or(lower.clone(), str::to_string)
}

/// An environment variable's text as a config value: a number, `true`/`false`, or text.
pub(crate) fn env_value(text: &str) -> ConfigValue {
    match text {
        "true" => ConfigValue::Int(1),
        "false" => ConfigValue::Int(0),
        _ => text
            .parse::<u64>()
            .map_or_else(|_| ConfigValue::Text(text.to_string()), ConfigValue::Int),
    }
}

impl Lowerer<'_> {
    /// The script's config block.
    pub(crate) fn lower_config(&mut self, config: &ast::Config) {
        for entry in &config.entries {
            let key = canonical_key(&entry.key.name);
            let value = match &entry.value.kind {
                ast::ExprKind::Int { value, unit } => {
                    ConfigValue::Int(value.saturating_mul(unit.map_or(1, |u| u.nanos())))
                }
                ast::ExprKind::Bool(b) => ConfigValue::Int(u64::from(*b)),
                ast::ExprKind::Ident(w) => ConfigValue::Text(w.clone()),
                ast::ExprKind::Str(b) => ConfigValue::Text(String::from_utf8_lossy(&b.0).into()),
                _ => {
                    self.error(
                        entry.value.span,
                        format!("config variable '{key}' needs a constant value"),
                    );
                    continue;
                }
            };
            if let Err(d) = self.set_config(&key, &value, entry.key.span, entry.value.span) {
                self.report(d);
            }
        }
    }

    /// `BPFTRACE_*` environment variables (given by the caller), applied after the script's
    /// config block. Variables that are not config variables (`BPFTRACE_BTF`, ...) are left
    /// alone; a bad value of a config variable is an error naming the variable.
    pub(crate) fn apply_env_config(&mut self) {
        for (name, text) in &self.options.env_config {
            let Some(rest) = name.strip_prefix("BPFTRACE_") else {
                continue;
            };
            let key = rest.to_ascii_lowercase();
            if !is_config_key(&key) {
                continue;
            }
            let value = env_value(text);
            if let Err(d) = self.set_config(&key, &value, Span::default(), Span::default()) {
                self.report(Diagnostic::global(format!(
                    "environment variable {name}={text}: {}",
                    d.message
                )));
            }
        }
    }

    /// Sets config variable `key` (canonical) to `value`.
    fn set_config(
        &mut self,
        key: &str,
        value: &ConfigValue,
        key_span: Span,
        span: Span,
    ) -> Result<(), Diagnostic> {
        let bad = |what: &str| {
            Diagnostic::error(
                span,
                format!("invalid value for config variable '{key}': {what}"),
            )
        };
        let int = |lo: u64, hi: u64| match value {
            ConfigValue::Int(v) if (lo..=hi).contains(v) => Ok(*v),
            _ => Err(bad(&format!("expected a number from {lo} to {hi}"))),
        };
        let flag = || match value {
            ConfigValue::Int(v @ (0 | 1)) => Ok(*v == 1),
            _ => Err(bad("expected true or false")),
        };
        let text = || match value {
            ConfigValue::Text(t) => Ok(t.clone()),
            ConfigValue::Int(v) => Ok(v.to_string()),
        };
        match key {
            "max_strlen" => self.config.max_strlen = int(1, 65536)? as u32,
            "max_map_keys" => self.config.max_map_keys = int(1, u64::from(u32::MAX))? as u32,
            "print_maps_on_exit" => self.config.print_maps_on_exit = flag()?,
            "str_trunc_trailer" => self.config.str_trunc_trailer = text()?,
            "max_cat_bytes" => self.config.max_cat_bytes = int(1, 1 << 30)?,
            // Pages of the event ring buffer: a power of two number of bytes.
            "perf_rb_pages" => {
                let pages = int(1, 1 << 18)?;
                self.config.ringbuf_bytes = (pages * 4096).next_power_of_two() as u32;
            }
            "stack_mode" => {
                self.stack_mode = match text()?.as_str() {
                    "bpftrace" => StackMode::Bpftrace,
                    "perf" => StackMode::Perf,
                    "raw" => StackMode::Raw,
                    _ => return Err(bad("expected bpftrace, perf or raw")),
                }
            }
            "license" => {
                let t = text()?;
                if !LICENSES.contains(&t.as_str()) {
                    return Err(bad(&format!("expected one of: {}", LICENSES.join(", "))));
                }
            }
            "missing_probes" => match text()?.as_str() {
                "error" => {}
                "warn" | "ignore" => {
                    return Err(Diagnostic::unsupported(
                        span,
                        "missing_probes other than \"error\"",
                    ))
                }
                _ => return Err(bad("expected error, warn or ignore")),
            },
            k if k.starts_with("unstable_") => match text()?.as_str() {
                "error" | "warn" | "enable" | "1" | "0" => {}
                _ => return Err(bad("expected error, warn or enable")),
            },
            k if ACCEPTED_KNOBS.contains(&k) => {}
            _ => {
                let mut d = Diagnostic::error(key_span, format!("unknown config variable '{key}'"));
                if let Some(s) = ir::diag::did_you_mean(key, KEYS.iter().copied()) {
                    d = d.with_help(format!("did you mean '{s}'?"));
                }
                return Err(d);
            }
        }
        Ok(())
    }

    /// `config.key`: the value the config variable has for this program.
    pub(crate) fn config_field(&mut self, field: &ast::Ident, span: Span) -> Expr {
        let int = |v: u64| Expr::new(ExprKind::Int(v), Type::U64, span);
        match canonical_key(&field.name).as_str() {
            "max_strlen" => int(u64::from(self.config.max_strlen)),
            "max_map_keys" => int(u64::from(self.config.max_map_keys)),
            "max_cat_bytes" => int(self.config.max_cat_bytes),
            "perf_rb_pages" => int(u64::from(self.config.ringbuf_bytes) / 4096),
            "print_maps_on_exit" => Expr::new(
                ExprKind::Bool(self.config.print_maps_on_exit),
                Type::Bool,
                span,
            ),
            "str_trunc_trailer" => {
                super::expr::string_literal(self.config.str_trunc_trailer.clone(), span)
            }
            "stack_mode" => super::expr::string_literal(
                match self.stack_mode {
                    StackMode::Bpftrace => "bpftrace",
                    StackMode::Perf => "perf",
                    StackMode::Raw => "raw",
                }
                .to_string(),
                span,
            ),
            other => self.poison(
                field.span,
                format!("config.{other} is not a config variable oxtrace can read"),
            ),
        }
    }
}

/// The config variables that change what oxtrace does.
const KEYS: &[&str] = &[
    "max_strlen",
    "max_map_keys",
    "print_maps_on_exit",
    "str_trunc_trailer",
    "max_cat_bytes",
    "perf_rb_pages",
    "stack_mode",
    "license",
    "missing_probes",
];

/// Whether `key` (canonical) names a config variable.
fn is_config_key(key: &str) -> bool {
    KEYS.contains(&key) || key.starts_with("unstable_") || ACCEPTED_KNOBS.contains(&key)
}
