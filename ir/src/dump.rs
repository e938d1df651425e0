//! The IR's stable text form (`oxtrace --emit ir`), used by snapshot tests.
//!
//! The format is meant for people: one declaration or statement per line, expressions in prefix
//! form with their types, e.g. `(add:uint64 (builtin pid:uint32) (int 1:uint64))`.

use crate::expr::{Expr, ExprKind};
use crate::program::{Action, ActionKind, MapDecl, MapKind, Probe, Program};
use crate::stmt::{Stmt, StmtKind};
use std::fmt::Write;

/// Renders a whole program.
pub fn dump_program(p: &Program) -> String {
    let mut out = String::new();
    let c = &p.config;
    let _ = writeln!(
        out,
        "config max_strlen={} max_map_keys={} ringbuf_bytes={} print_maps_on_exit={}",
        c.max_strlen, c.max_map_keys, c.ringbuf_bytes, c.print_maps_on_exit
    );
    if let crate::OutputStyle::Dtrace(d) = &c.output {
        let _ = writeln!(out, "config output=dtrace {}", dtrace_options(d));
    }
    for (i, m) in p.maps.iter().enumerate() {
        let _ = writeln!(out, "map m{i} {}", map_line(m));
    }
    for (i, a) in p.actions.iter().enumerate() {
        let _ = writeln!(out, "action a{i} {}", action_line(p, a));
    }
    for (i, name) in p.probe_names.iter().enumerate() {
        let _ = writeln!(out, "probe_name n{i} {name:?}");
    }
    for (i, probe) in p.probes.iter().enumerate() {
        dump_probe(&mut out, p, i, probe);
    }
    out
}

fn dtrace_options(d: &crate::DtraceOptions) -> String {
    let mut parts = vec![format!("strsize={}", d.strsize)];
    for (name, on) in [
        ("quiet", d.quiet),
        ("aggsortkey", d.aggsortkey),
        ("aggsortrev", d.aggsortrev),
        ("destructive", d.destructive),
        ("errtags", d.errtags),
        ("flowindent", d.flowindent),
        ("rawbytes", d.rawbytes),
    ] {
        if on {
            parts.push(name.to_string());
        }
    }
    if d.aggsortpos != 0 {
        parts.push(format!("aggsortpos={}", d.aggsortpos));
    }
    if d.aggsortkeypos != 0 {
        parts.push(format!("aggsortkeypos={}", d.aggsortkeypos));
    }
    for (name, value) in &d.other {
        match value {
            Some(v) => parts.push(format!("{name}={v}")),
            None => parts.push(name.clone()),
        }
    }
    parts.join(" ")
}

fn map_line(m: &MapDecl) -> String {
    let key = m.key.as_ref().map_or("-".to_string(), |k| k.to_string());
    let kind = match &m.kind {
        MapKind::Value(t) => format!("value {t}"),
        MapKind::Count => "count".into(),
        MapKind::Sum(t) => format!("sum {}", crate::Type::Int(*t)),
        MapKind::Min(t) => format!("min {}", crate::Type::Int(*t)),
        MapKind::Max(t) => format!("max {}", crate::Type::Int(*t)),
        MapKind::Avg(t) => format!("avg {}", crate::Type::Int(*t)),
        MapKind::Stats(t) => format!("stats {}", crate::Type::Int(*t)),
        MapKind::Hist { k } => format!("hist k={k}"),
        MapKind::Lhist { min, max, step } => format!("lhist min={min} max={max} step={step}"),
        MapKind::Tseries {
            interval_ns,
            num_intervals,
            agg,
        } => format!(
            "tseries interval={interval_ns}ns intervals={num_intervals} agg={}",
            agg.name()
        ),
        MapKind::Quantize => "quantize".into(),
        MapKind::Lquantize { base, step, levels } => {
            format!("lquantize base={base} step={step} levels={levels}")
        }
        MapKind::Llquantize {
            factor,
            low,
            high,
            steps,
        } => format!("llquantize factor={factor} low={low} high={high} steps={steps}"),
        MapKind::Stddev(t) => format!("stddev {}", crate::Type::Int(*t)),
    };
    format!("{} key={key} {kind} max_entries={}", m.name, m.max_entries)
}

fn action_line(p: &Program, a: &Action) -> String {
    let map_name = |id: crate::MapId| {
        p.maps
            .get(id.0 as usize)
            .map_or("?", |m| m.name.as_str())
            .to_string()
    };
    let kind = match &a.kind {
        ActionKind::Printf { format } => format!("printf {format:?}"),
        ActionKind::PrintValue => "print".into(),
        ActionKind::PrintMap { map, top, div } => {
            format!("print {} top={top} div={div}", map_name(*map))
        }
        ActionKind::Time { format } => format!("time {format:?}"),
        ActionKind::Exit => "exit".into(),
        ActionKind::Clear { map } => format!("clear {}", map_name(*map)),
        ActionKind::Zero { map } => format!("zero {}", map_name(*map)),
        ActionKind::System { format } => format!("system {format:?}"),
        ActionKind::Cat { format } => format!("cat {format:?}"),
        ActionKind::Join { separator } => format!("join {separator:?}"),
        ActionKind::Diagnostic { format, error, .. } => {
            format!("{} {format:?}", if *error { "errorf" } else { "warnf" })
        }
        ActionKind::Trace => "trace".into(),
        ActionKind::Printa { format, maps } => {
            let names: Vec<String> = maps.iter().map(|m| map_name(*m)).collect();
            match format {
                Some(f) => format!("printa {f:?} {}", names.join(" ")),
                None => format!("printa {}", names.join(" ")),
            }
        }
        ActionKind::Trunc { map } => format!("trunc {}", map_name(*map)),
        ActionKind::Normalize { map } => format!("normalize {}", map_name(*map)),
        ActionKind::Denormalize { map } => format!("denormalize {}", map_name(*map)),
        ActionKind::RecordStart {
            probe_id,
            func_name,
        } => format!("record_start id={probe_id} {func_name:?}"),
        ActionKind::RecordEnd => "record_end".into(),
        ActionKind::Buffered { inner } => {
            let inner = Action {
                kind: (**inner).clone(),
                args: a.args.iter().skip(1).cloned().collect(),
                span: a.span,
            };
            let line = action_line(p, &inner);
            let kind = line.split(" args=").next().unwrap_or_default().to_string();
            format!("buffered {kind}")
        }
        ActionKind::Commit => "commit".into(),
        ActionKind::Discard => "discard".into(),
        ActionKind::Fault {
            epid,
            probe_id,
            probe,
            action,
        } => format!("fault epid={epid} id={probe_id} {probe:?} action={action}"),
        ActionKind::SpeculationFailed => "speculation_failed".into(),
        ActionKind::Tracemem => "tracemem".into(),
        ActionKind::SetOpt {
            epid,
            probe_id,
            probe,
        } => format!("setopt epid={epid} id={probe_id} {probe:?}"),
    };
    let args: Vec<String> = a.args.iter().map(|t| t.to_string()).collect();
    format!("{kind} args=({})", args.join(", "))
}

fn dump_probe(out: &mut String, p: &Program, index: usize, probe: &Probe) {
    let sites: Vec<String> = probe
        .attach
        .iter()
        .map(|s| s.point.bpftrace_name())
        .collect();
    let _ = writeln!(out, "\nprobe {index} {}", sites.join(", "));
    for (i, v) in probe.vars.iter().enumerate() {
        let _ = writeln!(
            out,
            "  var v{i} ${} : {}",
            v.name.trim_start_matches('$'),
            v.ty
        );
    }
    if let Some(pred) = &probe.predicate {
        let _ = writeln!(out, "  predicate {}", expr(p, probe, pred));
    }
    for s in &probe.body {
        stmt(out, p, probe, s, 1);
    }
}

fn stmt(out: &mut String, p: &Program, probe: &Probe, s: &Stmt, depth: usize) {
    let pad = "  ".repeat(depth);
    let e = |x: &Expr| expr(p, probe, x);
    let opt = |x: &Option<Expr>| x.as_ref().map_or("-".to_string(), e);
    let block = |out: &mut String, b: &[Stmt]| {
        for s in b {
            stmt(out, p, probe, s, depth + 1);
        }
    };
    match &s.kind {
        StmtKind::Expr(x) => {
            let _ = writeln!(out, "{pad}eval {}", e(x));
        }
        StmtKind::Assign { var, value } => {
            let _ = writeln!(out, "{pad}v{} = {}", var.0, e(value));
        }
        StmtKind::MapStore { map, key, value } => {
            let _ = writeln!(out, "{pad}store m{}[{}] = {}", map.0, opt(key), e(value));
        }
        StmtKind::MapAggregate {
            map,
            key,
            value,
            incr,
        } => {
            let f = p
                .maps
                .get(map.0 as usize)
                .and_then(|m| m.kind.function_name())
                .unwrap_or("?");
            let incr = incr
                .as_ref()
                .map(|i| format!(", incr {}", e(i)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{pad}aggregate m{}[{}] {f}({}{incr})",
                map.0,
                opt(key),
                opt(value)
            );
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            let _ = writeln!(out, "{pad}if {}", e(cond));
            block(out, then);
            if !otherwise.is_empty() {
                let _ = writeln!(out, "{pad}else");
                block(out, otherwise);
            }
        }
        StmtKind::While { cond, body } => {
            let _ = writeln!(out, "{pad}while {}", e(cond));
            block(out, body);
        }
        StmtKind::ForRange {
            var,
            start,
            end,
            body,
        } => {
            let _ = writeln!(out, "{pad}for v{} in {}..{}", var.0, e(start), e(end));
            block(out, body);
        }
        StmtKind::ForMap { var, map, body } => {
            let _ = writeln!(out, "{pad}for v{} in m{}", var.0, map.0);
            block(out, body);
        }
        StmtKind::Break => {
            let _ = writeln!(out, "{pad}break");
        }
        StmtKind::Continue => {
            let _ = writeln!(out, "{pad}continue");
        }
        StmtKind::Return => {
            let _ = writeln!(out, "{pad}return");
        }
        StmtKind::Emit { action, args } => {
            let args: Vec<String> = args.iter().map(e).collect();
            let _ = writeln!(out, "{pad}emit a{} ({})", action.0, args.join(", "));
        }
    }
}

/// Renders one expression in prefix form with its type.
pub fn expr(p: &Program, probe: &Probe, x: &Expr) -> String {
    let e = |y: &Expr| expr(p, probe, y);
    let list = |ys: &[Expr]| ys.iter().map(e).collect::<Vec<_>>().join(" ");
    let key = |k: &Option<Box<Expr>>| k.as_ref().map_or("-".to_string(), |k| e(k));
    let body = match &x.kind {
        ExprKind::Int(v) => {
            let signed = matches!(x.ty, crate::Type::Int(t) if t.signed);
            if signed {
                format!("int {}", *v as i64)
            } else {
                format!("int {v}")
            }
        }
        ExprKind::Bool(b) => format!("bool {b}"),
        ExprKind::Str(s) => format!("str {s:?}"),
        ExprKind::Var(v) => format!("var v{}", v.0),
        ExprKind::MapRead { map, key: k } => format!("read m{} {}", map.0, key(k)),
        ExprKind::MapHasKey { map, key: k } => format!("has_key m{} {}", map.0, e(k)),
        ExprKind::MapDelete { map, key: k } => format!("delete m{} {}", map.0, key(k)),
        ExprKind::MapLen { map } => format!("len m{}", map.0),
        ExprKind::Builtin(b) => format!("builtin {}", b.name()),
        ExprKind::CtxField { offset } => format!("ctx_field +{offset}"),
        ExprKind::CtxDataLoc { offset } => format!("ctx_data_loc +{offset}"),
        ExprKind::Arg(n) => format!("arg {n}"),
        ExprKind::Retval => "retval".into(),
        ExprKind::Unary { op, operand } => format!("{op:?} {}", e(operand)).to_lowercase_first(),
        ExprKind::Binary { op, lhs, rhs } => format!("{} {} {}", op.symbol(), e(lhs), e(rhs)),
        ExprKind::Logical { and, lhs, rhs } => {
            format!("{} {} {}", if *and { "&&" } else { "||" }, e(lhs), e(rhs))
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => format!("? {} {} {}", e(cond), e(then), e(otherwise)),
        ExprKind::Cast(inner) => format!("cast {}", e(inner)),
        ExprKind::Tuple(items) => format!("tuple {}", list(items)),
        ExprKind::Record(items) => format!("record {}", list(items)),
        ExprKind::Field { base, index } => format!("field {index} {}", e(base)),
        ExprKind::ReadStr {
            ptr,
            space,
            max_len,
        } => format!("read_str {space:?} {} {}", e(ptr), key(max_len)).to_lowercase_first(),
        ExprKind::Deref { ptr, space } => format!("deref {} {}", space_name(*space), e(ptr)),
        ExprKind::Call { func, args } => format!("call {func:?} {}", list(args)),
        ExprKind::Bytes(b) => format!("bytes {b:?}"),
        ExprKind::Block { stmts, value } => {
            let mut inner = String::new();
            for s in stmts {
                stmt(&mut inner, p, probe, s, 0);
            }
            format!("block {{ {}}} {}", inner.replace('\n', "; "), e(value))
        }
    };
    format!("({body}:{})", x.ty)
}

fn space_name(space: crate::AddrSpace) -> &'static str {
    match space {
        crate::AddrSpace::Kernel => "kernel",
        crate::AddrSpace::User => "user",
    }
}

trait LowercaseFirst {
    fn to_lowercase_first(self) -> String;
}

impl LowercaseFirst for String {
    fn to_lowercase_first(self) -> String {
        let mut c = self.chars();
        match c.next() {
            Some(f) => f.to_lowercase().chain(c).collect(),
            None => self,
        }
    }
}
