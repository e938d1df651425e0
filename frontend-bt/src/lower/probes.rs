//! Attach points: bpftrace's probe syntax resolved into Linux [`ir::AttachPoint`]s, wildcards
//! expanded through the probe catalogue, and one probe split or merged as code generation needs.

use super::scope::Scopes;
use super::Lowerer;
use crate::ast;
use ir::catalog::usdt::UsdtArg;
use ir::catalog::{syscalls, TracepointFormat};
use ir::diag::Diagnostic;
use ir::{AttachPoint, AttachSite, Period, SoftwareEvent, Span, SyscallProbe};
use std::sync::Arc;

/// The kind of probe a body runs in: decides which builtins (`args`, `arg0`, `retval`) exist
/// and which address space pointers read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// BEGIN / END.
    Special,
    /// A tracepoint (one format known) or a set of them.
    Tracepoint,
    /// A raw tracepoint.
    RawTracepoint,
    /// Function entry (kprobe, uprobe, fentry).
    Entry { user: bool },
    /// Function return (kretprobe, uretprobe, fexit).
    Return { user: bool },
    /// Timers and perf events.
    Perf,
}

/// What the body of one IR probe may refer to.
#[derive(Clone)]
pub struct ProbeContext {
    /// The kind of the probe's attach points.
    pub kind: ProbeKind,
    /// The tracepoint format when the probe runs on exactly one tracepoint.
    pub format: Option<Arc<TracepointFormat>>,
    /// Pointers in `args` point to user memory (syscall arguments).
    pub user_args: bool,
    /// The `probetype` builtin: the provider shared by every attach point (`kprobe`,
    /// `tracepoint`, `special` for BEGIN/END), `None` when they differ.
    pub probetype: Option<String>,
    /// For USDT sites: where their arguments are (every site of the group has the same argument
    /// specification), or why the specification could not be parsed.
    pub usdt: Option<Arc<Result<Vec<UsdtArg>, String>>>,
}

/// The provider bpftrace's `probetype` names for an attach point.
pub(crate) fn probetype_of(point: &AttachPoint) -> String {
    match point {
        AttachPoint::Begin | AttachPoint::End => "special".to_string(),
        p => p
            .bpftrace_name()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// One attach point as resolved, before grouping.
pub(super) struct Resolved {
    pub(super) point: AttachPoint,
    pub(super) span: Span,
    pub(super) kind: ProbeKind,
    /// The tracepoint `(category, name)` it stands for, if it is one.
    pub(super) tracepoint: Option<(String, String)>,
    /// The argument specification of a USDT site.
    pub(super) usdt_args: Option<String>,
}

/// Whether `-p PID` filters this attach point: not BEGIN/END (they run in the tracer) and not
/// interval (its timer fires in whatever task is current, mostly idle; bpftrace stopped filtering
/// it too).
fn pid_filter_applies(point: &AttachPoint) -> bool {
    !matches!(
        point,
        AttachPoint::Begin | AttachPoint::End | AttachPoint::Interval { .. }
    )
}

/// One group of attach sites that share a body.
pub(super) struct Group {
    pub(super) sites: Vec<AttachSite>,
    pub(super) context: ProbeContext,
}

impl Lowerer<'_> {
    /// Lowers one probe into one or more IR probes (more when a wildcard probe reads `args`, whose
    /// layout differs between tracepoints).
    pub(crate) fn lower_probe(&mut self, probe: &ast::Probe) -> Vec<ir::Probe> {
        let uses_args = mentions_ident_in_block(&probe.body, "args")
            || probe
                .predicate
                .as_ref()
                .is_some_and(|p| mentions_ident(p, "args"));
        let mut resolved: Vec<Resolved> = Vec::new();
        for ap in &probe.attach_points {
            resolved.extend(self.resolve_attach_point(ap));
        }
        if resolved.is_empty() {
            return Vec::new();
        }
        let groups = self.group_sites(resolved, uses_args);
        let groups = self.split_for_pid_filter(groups);
        let mut out = Vec::new();
        for group in groups {
            self.user_binary = super::stacks::uprobe_binary(&group.sites);
            self.iter_target = super::iter::iter_target(&group.sites);
            let mut scopes = Scopes::new();
            let predicate = probe.predicate.as_ref().map(|p| {
                let e = self.lower_expr(p, &group.context, &mut scopes);
                self.condition(e)
            });
            let predicate = self.add_pid_filter(&group, predicate, probe.span);
            let predicate = self.add_iter_check(predicate, probe.span);
            let body = self.lower_block(&probe.body, &group.context, &mut scopes);
            out.push(ir::Probe {
                attach: group.sites,
                predicate,
                body,
                vars: scopes.vars,
                span: probe.span,
            });
        }
        out
    }

    /// With `-p`, splits groups that mix attach points the pid filter applies to with ones it does
    /// not (BEGIN, END, interval), so that each group gets one predicate.
    fn split_for_pid_filter(&self, groups: Vec<Group>) -> Vec<Group> {
        if self.options.filter_pid.is_none() {
            return groups;
        }
        let mut out = Vec::new();
        for group in groups {
            let (filtered, unfiltered): (Vec<AttachSite>, Vec<AttachSite>) = group
                .sites
                .into_iter()
                .partition(|s| pid_filter_applies(&s.point));
            for sites in [unfiltered, filtered] {
                if !sites.is_empty() {
                    out.push(Group {
                        sites,
                        context: group.context.clone(),
                    });
                }
            }
        }
        out
    }

    /// With `-p PID`, `pid == PID && (predicate)` for groups the filter applies to.
    fn add_pid_filter(
        &self,
        group: &Group,
        predicate: Option<ir::Expr>,
        span: Span,
    ) -> Option<ir::Expr> {
        let Some(pid) = self.options.filter_pid else {
            return predicate;
        };
        if !group.sites.iter().all(|s| pid_filter_applies(&s.point)) {
            return predicate;
        }
        let check = ir::Expr::new(
            ir::ExprKind::Binary {
                op: ir::BinaryOp::Eq,
                lhs: Box::new(ir::Expr::new(
                    ir::ExprKind::Builtin(ir::Builtin::Pid),
                    ir::Type::U32,
                    span,
                )),
                rhs: Box::new(ir::Expr::int(i64::from(pid), ir::Type::U32, span)),
            },
            ir::Type::Bool,
            span,
        );
        Some(match predicate {
            None => check,
            Some(p) => ir::Expr::new(
                ir::ExprKind::Logical {
                    and: true,
                    lhs: Box::new(check),
                    rhs: Box::new(p),
                },
                ir::Type::Bool,
                span,
            ),
        })
    }

    /// Splits attach points into groups: one per tracepoint when `args` is read (each has its own
    /// layout), otherwise one for all, with many syscall tracepoints merged into one syscall set.
    fn group_sites(&mut self, resolved: Vec<Resolved>, uses_args: bool) -> Vec<Group> {
        if resolved.iter().all(|r| r.usdt_args.is_some()) {
            return self.group_usdt_sites(resolved);
        }
        let first_kind = resolved[0].kind;
        let mixed = resolved.iter().any(|r| r.kind != first_kind);
        if uses_args && first_kind == ProbeKind::Tracepoint && !mixed {
            let mut groups = Vec::new();
            for Resolved {
                point,
                span,
                kind,
                tracepoint: tp,
                ..
            } in resolved
            {
                let format = tp.as_ref().and_then(|(c, n)| {
                    match self.options.catalog.tracepoint_format(c, n) {
                        Ok(f) => Some(f),
                        Err(e) => {
                            self.error(span, e.to_string());
                            None
                        }
                    }
                });
                let user_args = tp.as_ref().is_some_and(|(c, _)| c == "syscalls");
                let name = self.probe_name(point.bpftrace_name());
                let probetype = Some(probetype_of(&point));
                groups.push(Group {
                    sites: vec![AttachSite {
                        point,
                        probe_name: name,
                        span,
                    }],
                    context: ProbeContext {
                        kind,
                        format,
                        user_args,
                        probetype,
                        usdt: None,
                    },
                });
            }
            return groups;
        }
        let probetype = Some(probetype_of(&resolved[0].point))
            .filter(|t| resolved.iter().all(|r| probetype_of(&r.point) == *t));
        let context = ProbeContext {
            probetype,
            kind: if mixed {
                ProbeKind::Special
            } else {
                first_kind
            },
            format: None,
            user_args: false,
            usdt: None,
        };
        let mut sites = Vec::new();
        let mut enter: Vec<(SyscallProbe, Span)> = Vec::new();
        let mut exit: Vec<(SyscallProbe, Span)> = Vec::new();
        for Resolved {
            point,
            span,
            tracepoint: tp,
            ..
        } in resolved
        {
            if let Some((category, name)) = &tp {
                let nr = syscalls::syscall_nr_for_tracepoint(name);
                let direction = if name.starts_with("sys_enter_") {
                    Some(false)
                } else if name.starts_with("sys_exit_") {
                    Some(true)
                } else {
                    None
                };
                if let (true, Some(nr), Some(is_exit)) = (category == "syscalls", nr, direction) {
                    let probe_name = self.probe_name(point.bpftrace_name());
                    let sp = SyscallProbe {
                        nr,
                        tracepoint: name.clone(),
                        probe_name,
                    };
                    if is_exit {
                        exit.push((sp, span))
                    } else {
                        enter.push((sp, span))
                    }
                    continue;
                }
            }
            let name = self.probe_name(point.bpftrace_name());
            sites.push(AttachSite {
                point,
                probe_name: name,
                span,
            });
        }
        for (is_exit, list) in [(false, enter), (true, exit)] {
            if list.len() >= 2 {
                let span = list[0].1;
                let syscalls: Vec<SyscallProbe> = list.into_iter().map(|(s, _)| s).collect();
                let point = AttachPoint::SyscallSet {
                    exit: is_exit,
                    syscalls,
                };
                sites.push(AttachSite {
                    point,
                    probe_name: 0,
                    span,
                });
            } else {
                for (sp, span) in list {
                    let point = AttachPoint::Tracepoint {
                        category: "syscalls".into(),
                        name: sp.tracepoint,
                    };
                    sites.push(AttachSite {
                        point,
                        probe_name: sp.probe_name,
                        span,
                    });
                }
            }
        }
        vec![Group { sites, context }]
    }

    /// Resolves one attach point as written into Linux attach points (several for wildcards).
    /// Each comes with the tracepoint `(category, name)` it stands for, if it is one.
    fn resolve_attach_point(&mut self, ap: &ast::AttachPoint) -> Vec<Resolved> {
        let span = ap.span;
        // Positional parameters may appear anywhere in an attach point (`uprobe:$1:main`).
        let substituted: Vec<String> = ap
            .parts
            .iter()
            .map(|p| substitute_params(&p.text, &self.options.params))
            .collect();
        let parts: Vec<&str> = substituted.iter().map(String::as_str).collect();
        let Some(provider) = crate::canonical_provider(&ap.provider.name) else {
            const TYPES: &[&str] = &[
                "BEGIN",
                "END",
                "tracepoint",
                "rawtracepoint",
                "kprobe",
                "kretprobe",
                "uprobe",
                "uretprobe",
                "usdt",
                "profile",
                "interval",
                "software",
                "hardware",
                "watchpoint",
                "fentry",
                "fexit",
                "iter",
            ];
            let help = match ir::diag::did_you_mean(&ap.provider.name, TYPES.iter().copied()) {
                Some(s) => format!("did you mean '{s}'?"),
                None => format!("probe types: {}", TYPES.join(", ")),
            };
            self.report(
                Diagnostic::error(
                    ap.provider.span,
                    format!("unknown probe type '{}'", ap.provider.name),
                )
                .with_help(help),
            );
            return Vec::new();
        };
        let one = |point: AttachPoint, kind: ProbeKind| {
            vec![Resolved {
                point,
                span,
                kind,
                tracepoint: None,
                usdt_args: None,
            }]
        };
        match (provider, parts.as_slice()) {
            ("begin", []) => one(AttachPoint::Begin, ProbeKind::Special),
            ("end", []) => one(AttachPoint::End, ProbeKind::Special),
            ("tracepoint", [category, name]) => self.expand_tracepoints(category, name, span),
            ("rawtracepoint", [name]) | ("rawtracepoint", [_, name]) => one(
                AttachPoint::RawTracepoint {
                    name: name.to_string(),
                },
                ProbeKind::RawTracepoint,
            ),
            ("kprobe", _) | ("kretprobe", _) | ("fentry", _) | ("fexit", _)
                if (1..=2).contains(&parts.len()) =>
            {
                self.resolve_kernel_function(provider, &parts, span)
            }
            ("uprobe" | "uretprobe", _) => self.resolve_uprobe(provider, ap, &parts),
            ("usdt", _) => self.resolve_usdt(&parts, span),
            ("watchpoint" | "asyncwatchpoint", _) => {
                self.resolve_watchpoint(provider, &parts, span)
            }
            ("iter", [target]) | ("iter", [target, _]) => {
                if parts.len() == 2 {
                    self.report(Diagnostic::unsupported(
                        span,
                        "pinning an iterator (iter:TARGET:PIN)",
                    ));
                    return Vec::new();
                }
                one(
                    AttachPoint::Iter {
                        target: target.to_string(),
                    },
                    ProbeKind::Perf,
                )
            }
            ("profile", _) | ("interval", _) => match parse_period(&parts) {
                Some(period) if provider == "profile" => {
                    one(AttachPoint::Profile { period }, ProbeKind::Perf)
                }
                Some(period) => one(AttachPoint::Interval { period }, ProbeKind::Perf),
                None => {
                    self.report(
                        Diagnostic::error(span, format!("invalid {provider} attach point"))
                            .with_help(format!("write {provider}:hz:99, {provider}:s:1, {provider}:ms:10, {provider}:us:100 or {provider}:1s")),
                    );
                    Vec::new()
                }
            },
            ("software", [event]) | ("software", [event, _]) => {
                let Some((ev, default)) = SoftwareEvent::by_name(event) else {
                    self.error(span, format!("unknown software event '{event}'"));
                    return Vec::new();
                };
                match parts
                    .get(1)
                    .map_or(Some(default), |c| c.parse::<u64>().ok().filter(|n| *n > 0))
                {
                    Some(count) => one(AttachPoint::Software { event: ev, count }, ProbeKind::Perf),
                    None => {
                        self.error(span, "the software event count must be a positive integer");
                        Vec::new()
                    }
                }
            }
            ("hardware", [event]) | ("hardware", [event, _]) => {
                let count = parts
                    .get(1)
                    .and_then(|c| c.parse::<u64>().ok())
                    .unwrap_or(1_000_000);
                one(
                    AttachPoint::Hardware {
                        event: event.to_string(),
                        count,
                    },
                    ProbeKind::Perf,
                )
            }
            ("self" | "test" | "bench", _) => {
                self.report(Diagnostic::unsupported(
                    span,
                    format!("the {provider} probe type"),
                ));
                Vec::new()
            }
            _ => {
                self.error(
                    span,
                    format!(
                        "invalid attach point '{}' for the {provider} probe type",
                        ap.raw
                    ),
                );
                Vec::new()
            }
        }
    }

    fn expand_tracepoints(&mut self, category: &str, name: &str, span: Span) -> Vec<Resolved> {
        match self.options.catalog.match_tracepoints(category, name) {
            Ok(list) if list.is_empty() => {
                self.error(
                    span,
                    format!("unknown probe: tracepoint:{category}:{name} matches no tracepoint"),
                );
                Vec::new()
            }
            Ok(list) => list
                .into_iter()
                .map(|(c, n)| {
                    let point = AttachPoint::Tracepoint {
                        category: c.clone(),
                        name: n.clone(),
                    };
                    Resolved {
                        point,
                        span,
                        kind: ProbeKind::Tracepoint,
                        tracepoint: Some((c, n)),
                        usdt_args: None,
                    }
                })
                .collect(),
            Err(e) => {
                self.error(span, e.to_string());
                Vec::new()
            }
        }
    }
}

/// Replaces `$1`, `$2`, ... in an attach point part with the positional parameters (a missing
/// one becomes the empty string, as in bpftrace).
fn substitute_params(text: &str, params: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match after[..digits].parse::<usize>() {
            Ok(n) if n >= 1 => out.push_str(params.get(n - 1).map_or("", String::as_str)),
            _ => out.push('$'),
        }
        rest = &after[if digits > 0 { digits } else { 0 }..];
        if digits == 0 {
            continue;
        }
    }
    out.push_str(rest);
    out
}

/// `func+16` -> (`func`, Some(16)); `func` -> (`func`, Some(0)); a bad offset gives `None`.
pub(super) fn split_offset(target: &str) -> (String, Option<u64>) {
    match target.split_once('+') {
        Some((f, off)) => (
            f.to_string(),
            off.parse::<u64>().ok().or_else(|| parse_hex(off)),
        ),
        None => (target.to_string(), Some(0)),
    }
}

pub(super) fn parse_hex(s: &str) -> Option<u64> {
    s.strip_prefix("0x")
        .and_then(|h| u64::from_str_radix(h, 16).ok())
}

/// `hz:99`, `s:1`, `ms:10`, `us:100`, `ns:5`, or one part with a unit suffix (`1s`, `100ms`) or
/// a bare number of nanoseconds.
fn parse_period(parts: &[&str]) -> Option<Period> {
    let positive = |s: &str| s.parse::<u64>().ok().filter(|n| *n > 0);
    match parts {
        ["hz", n] => positive(n).map(Period::Hz),
        [unit, n] => Some(Period::Nanos(positive(n)?.checked_mul(unit_nanos(unit)?)?)),
        [one] => {
            let split = one.find(|c: char| !c.is_ascii_digit()).unwrap_or(one.len());
            let (digits, unit) = one.split_at(split);
            let n = positive(digits)?;
            match unit {
                "" => Some(Period::Nanos(n)),
                "hz" => Some(Period::Hz(n)),
                u => Some(Period::Nanos(n.checked_mul(unit_nanos(u)?)?)),
            }
        }
        _ => None,
    }
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        _ => return None,
    })
}

/// Whether a bare identifier `name` appears anywhere in the block.
fn mentions_ident_in_block(block: &ast::Block, name: &str) -> bool {
    block.stmts.iter().any(|s| mentions_ident_in_stmt(s, name))
}

fn mentions_ident_in_stmt(stmt: &ast::Stmt, name: &str) -> bool {
    use ast::StmtKind as S;
    match &stmt.kind {
        S::Expr(e) | S::Discard(e) => mentions_ident(e, name),
        S::Assign { target, value, .. } => {
            mentions_ident(target, name) || mentions_ident(value, name)
        }
        S::Let { value, .. } => value.as_ref().is_some_and(|v| mentions_ident(v, name)),
        S::If {
            cond,
            then,
            otherwise,
        } => {
            mentions_ident(cond, name)
                || mentions_ident_in_block(then, name)
                || otherwise
                    .as_ref()
                    .is_some_and(|o| mentions_ident_in_stmt(o, name))
        }
        S::Unroll { count, body } | S::While { cond: count, body } => {
            mentions_ident(count, name) || mentions_ident_in_block(body, name)
        }
        S::For { iter, body, .. } => {
            let in_iter = match iter {
                ast::ForIter::Map(e) => mentions_ident(e, name),
                ast::ForIter::Range { start, end } => {
                    mentions_ident(start, name) || mentions_ident(end, name)
                }
            };
            in_iter || mentions_ident_in_block(body, name)
        }
        S::Block(b) => mentions_ident_in_block(b, name),
        S::Break | S::Continue | S::Return => false,
    }
}

/// Whether a bare identifier `name` appears anywhere in the expression.
pub fn mentions_ident(e: &ast::Expr, name: &str) -> bool {
    use ast::ExprKind as E;
    let any = |es: &[ast::Expr]| es.iter().any(|x| mentions_ident(x, name));
    match &e.kind {
        E::Ident(n) => n == name,
        E::Map { keys, .. } => any(keys),
        E::Call { args, .. } => any(args),
        E::Unary { operand, .. } => mentions_ident(operand, name),
        E::Binary { lhs, rhs, .. } => mentions_ident(lhs, name) || mentions_ident(rhs, name),
        E::Ternary {
            cond,
            then,
            otherwise,
        } => {
            mentions_ident(cond, name)
                || then.as_ref().is_some_and(|t| mentions_ident(t, name))
                || mentions_ident(otherwise, name)
        }
        E::Cast { expr, .. } => mentions_ident(expr, name),
        E::Field { base, .. } | E::TupleIndex { base, .. } => mentions_ident(base, name),
        E::Index { base, index } => mentions_ident(base, name) || mentions_ident(index, name),
        E::Tuple(items) => any(items),
        E::Record(fields) => fields.iter().any(|f| mentions_ident(&f.value, name)),
        E::Block { stmts, value } => {
            stmts.iter().any(|s| mentions_ident_in_stmt(s, name))
                || value.as_ref().is_some_and(|v| mentions_ident(v, name))
        }
        E::Sizeof(_) | E::Offsetof { .. } => false,
        E::Int { .. }
        | E::Str(_)
        | E::Char(_)
        | E::Bool(_)
        | E::Var(_)
        | E::Positional(_)
        | E::ParamCount => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_parameters_in_attach_points() {
        let params = vec!["/bin/sh".to_string(), "main".to_string()];
        assert_eq!(substitute_params("$1", &params), "/bin/sh");
        assert_eq!(substitute_params("x$2y", &params), "xmainy");
        assert_eq!(substitute_params("$3", &params), "");
        assert_eq!(substitute_params("a$b", &params), "a$b");
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period(&["hz", "99"]), Some(Period::Hz(99)));
        assert_eq!(parse_period(&["ms", "10"]), Some(Period::Nanos(10_000_000)));
        assert_eq!(parse_period(&["1s"]), Some(Period::Nanos(1_000_000_000)));
        assert_eq!(parse_period(&["s", "0"]), None);
        assert_eq!(parse_period(&["parsecs", "1"]), None);
    }
}
