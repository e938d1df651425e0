//! The validator: checks that a [`Program`] is well formed and within eBPF's limits before the
//! backend sees it, and reports each problem at the span of the construct responsible.
//!
//! Front ends produce valid programs; the validator catches front-end bugs (ids out of range,
//! argument types that disagree with their action) as well as programs that are correct but too
//! big for BPF (records larger than the ring buffer allows, too many scalar variables for the
//! 512-byte stack, keys too large for a hash map).

use crate::abi;
use crate::diag::Diagnostic;
use crate::expr::{Expr, ExprKind};
use crate::program::{ActionKind, MapKind, Probe, Program};
use crate::span::Span;
use crate::stmt::{Stmt, StmtKind};
use crate::types::Type;

/// The largest ring-buffer record, as a fraction of the ring buffer: a record must leave room for
/// others to be in flight.
const RECORD_FRACTION_OF_RING: u32 = 4;
/// Bytes of stack the backend may use for scalar variables (the BPF stack is 512 bytes and the
/// backend needs some for helper arguments).
const SCALAR_STACK_BUDGET: u32 = 384;
/// The kernel's limit on a hash map's key plus value (KMALLOC_MAX_SIZE is larger; this keeps
/// per-entry memory sensible and within the per-CPU allocator's 32 KiB unit for aggregations).
const MAX_MAP_VALUE_BYTES: u32 = 32 * 1024;
/// The largest map key the backend builds (in scratch memory).
const MAX_MAP_KEY_BYTES: u32 = 16 * 1024;

/// Validates a whole program; an empty list means it is fine.
pub fn validate(program: &Program) -> Vec<Diagnostic> {
    let mut v = Validator {
        program,
        diags: Vec::new(),
    };
    v.check_maps();
    v.check_actions();
    for probe in &program.probes {
        v.check_probe(probe);
    }
    v.diags
}

struct Validator<'a> {
    program: &'a Program,
    diags: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    fn check_maps(&mut self) {
        for map in &self.program.maps {
            if map.max_entries == 0 {
                self.error(
                    map.span,
                    format!("map {} must allow at least one entry", map.name),
                );
            }
            let key = abi::key_size(map);
            if key > MAX_MAP_KEY_BYTES {
                self.diags.push(
                    Diagnostic::error(map.span, format!("the key of map {} is {key} bytes; at most {MAX_MAP_KEY_BYTES} fit", map.name))
                        .with_help("use shorter strings in the key, e.g. str(p, 64), or lower config max_strlen"),
                );
            }
            let value = abi::value_size(&map.kind);
            if value > MAX_MAP_VALUE_BYTES {
                self.error(
                    map.span,
                    format!(
                        "the value of map {} is {value} bytes; at most {MAX_MAP_VALUE_BYTES} fit",
                        map.name
                    ),
                );
            }
            if let MapKind::Lhist { min, max, step } = map.kind {
                if step <= 0 || min >= max {
                    self.error(
                        map.span,
                        format!("lhist of map {} needs min < max and step > 0", map.name),
                    );
                }
            }
            if let MapKind::Lquantize { step, levels, .. } = map.kind {
                if step <= 0 || levels == 0 {
                    self.error(
                        map.span,
                        format!(
                            "lquantize of map {} needs step > 0 and at least one level",
                            map.name
                        ),
                    );
                }
            }
            if let MapKind::Llquantize {
                factor,
                low,
                high,
                steps,
            } = map.kind
            {
                if factor < 2 || low > high || steps == 0 {
                    self.error(
                        map.span,
                        format!(
                            "llquantize of map {} needs factor >= 2, low <= high and steps > 0",
                            map.name
                        ),
                    );
                }
            }
        }
    }

    fn check_actions(&mut self) {
        let limit = self.program.config.ringbuf_bytes / RECORD_FRACTION_OF_RING;
        for action in &self.program.actions {
            let maps = action_maps(&action.kind);
            for m in maps {
                self.check_map_index(m.0, action.span);
            }
            if matches!(action.kind, ActionKind::Printa { ref maps, .. } if maps.is_empty()) {
                self.error(action.span, "internal error: printa without an aggregation");
            }
            let size = abi::EVENT_HEADER_SIZE + abi::event_layout(&action.args).size;
            if size > limit {
                self.diags.push(
                    Diagnostic::error(action.span, format!("this sends {size} bytes per event; at most {limit} fit in the ring buffer"))
                        .with_help("send fewer or shorter strings, or lower config max_strlen"),
                );
            }
        }
    }

    fn check_probe(&mut self, probe: &Probe) {
        let scalar_bytes: u32 = probe
            .vars
            .iter()
            .filter(|v| v.ty.is_scalar())
            .map(|_| 8)
            .sum();
        if scalar_bytes > SCALAR_STACK_BUDGET {
            self.error(
                probe.span,
                format!(
                    "this probe has {} integer variables; BPF's 512-byte stack holds at most {}",
                    scalar_bytes / 8,
                    SCALAR_STACK_BUDGET / 8
                ),
            );
        }
        if probe.attach.is_empty() {
            self.error(probe.span, "a probe needs at least one attach point");
        }
        for site in &probe.attach {
            if site.probe_name as usize >= self.program.probe_names.len().max(1) {
                self.error(site.span, "internal error: probe name index out of range");
            }
        }
        if let Some(p) = &probe.predicate {
            self.check_expr(probe, p);
        }
        self.check_block(probe, &probe.body, 0);
    }

    fn check_block(&mut self, probe: &Probe, block: &[Stmt], loop_depth: u32) {
        for s in block {
            self.check_stmt(probe, s, loop_depth);
        }
    }

    fn check_stmt(&mut self, probe: &Probe, s: &Stmt, loop_depth: u32) {
        match &s.kind {
            StmtKind::Expr(e) => self.check_expr(probe, e),
            StmtKind::Assign { var, value } => {
                self.check_expr(probe, value);
                match probe.vars.get(var.0 as usize) {
                    Some(decl) if decl.ty != value.ty => self.error(
                        value.span,
                        format!(
                            "internal error: {} is {} but is assigned {}",
                            decl.name, decl.ty, value.ty
                        ),
                    ),
                    Some(_) => {}
                    None => self.error(s.span, "internal error: variable index out of range"),
                }
            }
            StmtKind::MapStore { map, key, value } => {
                self.check_key(probe, map.0, key.as_ref(), s.span);
                self.check_expr(probe, value);
                if let Some(decl) = self.program.maps.get(map.0 as usize) {
                    if decl.kind != MapKind::Value(value.ty.clone()) {
                        self.error(
                            value.span,
                            format!(
                                "internal error: map {} does not hold {}",
                                decl.name, value.ty
                            ),
                        );
                    }
                }
            }
            StmtKind::MapAggregate {
                map,
                key,
                value,
                incr,
            } => {
                self.check_key(probe, map.0, key.as_ref(), s.span);
                if let Some(v) = value {
                    self.check_expr(probe, v);
                }
                if let Some(i) = incr {
                    self.check_expr(probe, i);
                    let quantizing = self.program.maps.get(map.0 as usize).is_some_and(|d| {
                        matches!(
                            d.kind,
                            MapKind::Quantize
                                | MapKind::Lquantize { .. }
                                | MapKind::Llquantize { .. }
                        )
                    });
                    if !quantizing || !i.ty.is_integer() {
                        self.error(
                            s.span,
                            "internal error: an increment only feeds an integer into a quantize map",
                        );
                    }
                }
                if let Some(decl) = self.program.maps.get(map.0 as usize) {
                    let wants_value = !matches!(decl.kind, MapKind::Count);
                    if matches!(decl.kind, MapKind::Value(_)) || wants_value != value.is_some() {
                        self.error(
                            s.span,
                            format!(
                                "internal error: aggregation does not match map {}",
                                decl.name
                            ),
                        );
                    }
                }
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.check_condition(probe, cond);
                self.check_block(probe, then, loop_depth);
                self.check_block(probe, otherwise, loop_depth);
            }
            StmtKind::While { cond, body } => {
                self.check_condition(probe, cond);
                self.check_block(probe, body, loop_depth + 1);
            }
            StmtKind::ForRange {
                start, end, body, ..
            } => {
                self.check_expr(probe, start);
                self.check_expr(probe, end);
                self.check_block(probe, body, loop_depth + 1);
            }
            StmtKind::ForMap { map, body, .. } => {
                self.check_map_index(map.0, s.span);
                self.check_block(probe, body, loop_depth + 1);
            }
            StmtKind::Break | StmtKind::Continue if loop_depth == 0 => {
                self.error(s.span, "break and continue are only allowed inside a loop")
            }
            StmtKind::Break | StmtKind::Continue | StmtKind::Return => {}
            StmtKind::Emit { action, args } => {
                for a in args {
                    self.check_expr(probe, a);
                }
                match self.program.actions.get(action.0 as usize) {
                    Some(decl) => {
                        let types: Vec<&Type> = args.iter().map(|a| &a.ty).collect();
                        if types != decl.args.iter().collect::<Vec<_>>() {
                            self.error(
                                s.span,
                                "internal error: arguments do not match their action",
                            );
                        }
                    }
                    None => self.error(s.span, "internal error: action index out of range"),
                }
            }
        }
    }

    fn check_key(&mut self, probe: &Probe, map: u32, key: Option<&Expr>, span: Span) {
        self.check_map_index(map, span);
        if let Some(k) = key {
            self.check_expr(probe, k);
        }
        if let Some(decl) = self.program.maps.get(map as usize) {
            if decl.key.as_ref() != key.map(|k| &k.ty) {
                self.error(
                    key.map_or(span, |k| k.span),
                    format!("internal error: key type does not match map {}", decl.name),
                );
            }
        }
    }

    fn check_map_index(&mut self, map: u32, span: Span) {
        if map as usize >= self.program.maps.len() {
            self.error(span, "internal error: map index out of range");
        }
    }

    fn check_condition(&mut self, probe: &Probe, cond: &Expr) {
        self.check_expr(probe, cond);
        if !cond.ty.is_scalar() {
            self.error(
                cond.span,
                format!(
                    "a condition must be an integer or a boolean, not {}",
                    cond.ty
                ),
            );
        }
    }

    fn check_expr(&mut self, probe: &Probe, e: &Expr) {
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Var(v) if v.0 as usize >= probe.vars.len() => {
                    self.error(e.span, "internal error: variable index out of range")
                }
                ExprKind::MapRead { map, key } | ExprKind::MapDelete { map, key } => {
                    self.check_map_index(map.0, e.span);
                    stack.extend(key.as_deref());
                }
                ExprKind::MapHasKey { map, key } => {
                    self.check_map_index(map.0, e.span);
                    stack.push(key);
                }
                ExprKind::MapLen { map } => self.check_map_index(map.0, e.span),
                ExprKind::Binary { lhs, rhs, .. } => {
                    if lhs.ty != rhs.ty && lhs.ty.is_integer() && rhs.ty.is_integer() {
                        self.error(
                            e.span,
                            format!(
                                "internal error: operands of different types {} and {}",
                                lhs.ty, rhs.ty
                            ),
                        );
                    }
                    stack.push(lhs);
                    stack.push(rhs);
                }
                ExprKind::Unary { operand, .. } | ExprKind::Cast(operand) => stack.push(operand),
                ExprKind::Logical { lhs, rhs, .. } => {
                    stack.push(lhs);
                    stack.push(rhs);
                }
                ExprKind::Ternary {
                    cond,
                    then,
                    otherwise,
                } => {
                    stack.push(cond);
                    stack.push(then);
                    stack.push(otherwise);
                }
                ExprKind::Tuple(items)
                | ExprKind::Record(items)
                | ExprKind::Call { args: items, .. } => stack.extend(items.iter()),
                ExprKind::Field { base, .. } => stack.push(base),
                ExprKind::ReadStr { ptr, max_len, .. } => {
                    stack.push(ptr);
                    stack.extend(max_len.as_deref());
                }
                ExprKind::Deref { ptr, .. } => stack.push(ptr),
                ExprKind::Block { stmts, value } => {
                    self.check_block(probe, stmts, 0);
                    stack.push(value);
                }
                _ => {}
            }
        }
    }
}

/// The maps an action names (through a [`ActionKind::Buffered`] wrapper too).
fn action_maps(kind: &ActionKind) -> Vec<crate::MapId> {
    match kind {
        ActionKind::Printa { maps, .. } => maps.clone(),
        ActionKind::Trunc { map }
        | ActionKind::Normalize { map }
        | ActionKind::Denormalize { map }
        | ActionKind::Clear { map }
        | ActionKind::Zero { map }
        | ActionKind::PrintMap { map, .. } => vec![*map],
        ActionKind::Buffered { inner } => action_maps(inner),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::AttachPoint;
    use crate::program::{Action, AttachSite, Config, MapDecl};

    fn program_with(actions: Vec<Action>, body: Vec<Stmt>) -> Program {
        Program {
            probes: vec![Probe {
                attach: vec![AttachSite {
                    point: AttachPoint::Begin,
                    probe_name: 0,
                    span: Span::new(0, 5),
                }],
                predicate: None,
                body,
                vars: vec![],
                span: Span::new(0, 20),
            }],
            maps: vec![MapDecl {
                name: "@x".into(),
                key: None,
                kind: MapKind::Count,
                max_entries: 4096,
                span: Span::new(8, 10),
            }],
            actions,
            probe_names: vec!["BEGIN".into()],
            config: Config::default(),
        }
    }

    #[test]
    fn a_valid_program_passes() {
        let body = vec![Stmt::new(
            StmtKind::MapAggregate {
                map: crate::MapId(0),
                key: None,
                value: None,
                incr: None,
            },
            Span::new(8, 20),
        )];
        assert!(validate(&program_with(vec![], body)).is_empty());
    }

    #[test]
    fn oversized_records_are_reported_at_the_call() {
        let big = Type::Str { size: 400_000 };
        let action = Action {
            kind: ActionKind::Printf {
                format: "%s".into(),
            },
            args: vec![big],
            span: Span::new(3, 9),
        };
        let diags = validate(&program_with(vec![action], vec![]));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span, Some(Span::new(3, 9)));
        assert!(
            diags[0].message.contains("ring buffer"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn printa_of_a_missing_map_and_bad_lquantize_are_reported() {
        let action = Action {
            kind: ActionKind::Printa {
                format: None,
                maps: vec![crate::MapId(7)],
            },
            args: vec![],
            span: Span::new(1, 2),
        };
        let mut p = program_with(vec![action], vec![]);
        p.maps[0].kind = MapKind::Lquantize {
            base: 0,
            step: 0,
            levels: 10,
        };
        let diags = validate(&p);
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "lquantize of map @x needs step > 0 and at least one level",
                "internal error: map index out of range"
            ]
        );
    }

    #[test]
    fn break_outside_a_loop_is_an_error() {
        let diags = validate(&program_with(
            vec![],
            vec![Stmt::new(StmtKind::Break, Span::new(1, 6))],
        ));
        assert_eq!(
            diags[0].message,
            "break and continue are only allowed inside a loop"
        );
    }
}
