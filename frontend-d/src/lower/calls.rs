//! Actions (`printf`, `printa`, `trace`, `exit`, `clear`, `trunc`, `normalize`, `denormalize`)
//! and aggregating functions (`count sum avg min max stddev quantize lquantize llquantize`).

use super::types::{self, coerce};
use super::Lowerer;
use crate::ast;
use ir::printf::{self, Dialect, Segment};
use ir::{Action, ActionKind, Expr, ExprKind, MapId, MapKind, Span, Stmt, StmtKind, Type};

/// Actions and aggregating functions this issue lowers.
const KNOWN: &[&str] = &[
    "printf",
    "printa",
    "trace",
    "exit",
    "clear",
    "trunc",
    "normalize",
    "denormalize",
    "setopt",
    "bcopy",
    "copyinto",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "stddev",
    "quantize",
    "lquantize",
    "llquantize",
];

/// D subroutines and actions that later issues will lower.
const LATER: &[&str] = &[
    "basename",
    "breakpoint",
    "chill",
    "cleanpath",
    "commit",
    "copyinstr",
    "copyout",
    "copyoutstr",
    "d_path",
    "dirname",
    "discard",
    "freopen",
    "ftruncate",
    "func",
    "getmajor",
    "getminor",
    "htonl",
    "htonll",
    "htons",
    "index",
    "inet_ntoa",
    "inet_ntoa6",
    "inet_ntop",
    "jstack",
    "link_ntop",
    "lltostr",
    "mod",
    "msgdsize",
    "msgsize",
    "mutex_owned",
    "mutex_owner",
    "ntohl",
    "ntohll",
    "ntohs",
    "panic",
    "print",
    "printm",
    "progenyof",
    "raise",
    "rand",
    "rindex",
    "rw_iswriter",
    "rw_read_held",
    "rw_write_held",
    "speculate",
    "speculation",
    "stack",
    "stop",
    "strchr",
    "strjoin",
    "strlen",
    "strrchr",
    "strstr",
    "strtok",
    "substr",
    "sym",
    "system",
    "toupper",
    "tolower",
    "tracemem",
    "uaddr",
    "ufunc",
    "umod",
    "ustack",
    "usym",
];

/// True for the actions and aggregating functions this issue lowers.
pub(crate) fn is_known_function(name: &str) -> bool {
    KNOWN.contains(&name)
}

/// True for D functions a later issue lowers.
pub(crate) fn is_later_function(name: &str) -> bool {
    LATER.contains(&name)
}

impl Lowerer<'_> {
    /// `@name[keys] = func(args)`.
    pub(crate) fn aggregate(
        &mut self,
        target: &ast::Expr,
        value: &ast::Expr,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let (name, keys) = match &target.kind {
            ast::ExprKind::Agg(n) => (n.clone(), None),
            ast::ExprKind::Index { base, keys } => match &base.kind {
                ast::ExprKind::Agg(n) => (n.clone(), Some(keys)),
                _ => return,
            },
            _ => return,
        };
        let ast::ExprKind::Call { func, args } = &value.kind else {
            self.error(
                value.span,
                format!("@{name} must be assigned the result of an aggregating function"),
            );
            return;
        };
        let mut key_exprs = Vec::new();
        if let Some(ks) = keys {
            for k in ks {
                key_exprs.push(self.expr(k));
            }
        }
        let key_exprs: Option<Vec<Expr>> = key_exprs.into_iter().collect();
        let agg = self.agg_function(func, args, value.span);
        let (Some(key_exprs), Some((kind, arg, incr))) = (key_exprs, agg) else {
            return;
        };
        for k in &key_exprs {
            if !(k.ty.is_integer()
                || matches!(
                    k.ty,
                    Type::Str { .. } | Type::Stack(_) | Type::Symbol { .. }
                ))
            {
                self.unsupported(k.span, format!("a key of type {}", k.ty));
                return;
            }
        }
        let key_types: Vec<Type> = key_exprs.iter().map(|k| self.stored_type(&k.ty)).collect();
        let map_name = format!("@{name}");
        let map = match self.vars.get(&map_name).map(|(id, m)| (id, m.clone())) {
            Some((id, info)) => {
                if let Some(msg) = parameter_mismatch(&info.kind, &kind) {
                    self.error(value.span, msg);
                    return;
                }
                if info.kind != kind {
                    self.error(
                        value.span,
                        format!(
                            "@{name}: aggregation redefined: it was {}() and is now {}()",
                            describe(&info.kind),
                            describe(&kind)
                        ),
                    );
                    return;
                }
                let want = info.keys.clone().unwrap_or_default();
                let same = want.len() == key_types.len()
                    && want.iter().zip(&key_types).all(|(a, b)| {
                        a == b
                            || (a.is_integer() && b.is_integer())
                            || (matches!(a, Type::Str { .. }) && matches!(b, Type::Str { .. }))
                    });
                if !same {
                    self.error(
                        target.span,
                        format!(
                            "@{name}[ ] keys must match those used before: [{}], not [{}]",
                            type_list(&want),
                            type_list(&key_types)
                        ),
                    );
                    return;
                }
                id
            }
            None => {
                let ir_key = match key_types.len() {
                    0 => None,
                    1 => Some(key_types[0].clone()),
                    _ => Some(Type::Tuple(key_types.clone())),
                };
                self.vars
                    .create(&map_name, ir_key, Some(key_types), kind, target.span)
            }
        };
        let want: Vec<Type> = self
            .vars
            .maps
            .get(map.0 as usize)
            .and_then(|m| m.keys.clone())
            .unwrap_or_default();
        let mut items: Vec<Expr> = key_exprs
            .into_iter()
            .zip(&want)
            .map(|(k, t)| coerce(k, t))
            .collect();
        let key = match items.len() {
            0 => None,
            1 => items.pop(),
            _ => {
                let t = Type::Tuple(items.iter().map(|i| i.ty.clone()).collect());
                Some(Expr::new(ExprKind::Tuple(items), t, target.span))
            }
        };
        out.push(Stmt::new(
            StmtKind::MapAggregate {
                map,
                key,
                value: arg,
                incr,
            },
            span,
        ));
    }

    /// The map kind, the value fed to it and the optional increment (the quantize family's last
    /// argument), for `func(args)` on the right of an aggregation. Arguments are checked as
    /// DTrace checks them, with its messages (numbering the arguments after the value).
    fn agg_function(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<(MapKind, Option<Expr>, Option<Expr>)> {
        let name = func.name.as_str();
        // DTrace's prototype check: `N args passed, M expected` when too few, and for the
        // quantize family `at most M expected` when too many.
        let arity = |l: &mut Lowerer, lo: usize, hi: usize| -> Option<()> {
            let n = args.len();
            let plural = if n == 1 { "arg" } else { "args" };
            if n < lo || (lo == hi && n != lo) {
                l.error(
                    span,
                    format!("{name}( ) prototype mismatch: {n} {plural} passed, {lo} expected"),
                );
                return None;
            }
            if n > hi {
                l.error(
                    args[hi].span,
                    format!(
                        "{name}( ) prototype mismatch: {n} {plural} passed, at most {hi} expected"
                    ),
                );
                return None;
            }
            Some(())
        };
        let value = |l: &mut Lowerer| -> Option<Expr> {
            let a = args.first()?;
            let x = l.expr(a)?;
            if !x.ty.is_integer() {
                l.error(
                    a.span,
                    format!("{name}( ) argument #1 must be of scalar type"),
                );
                return None;
            }
            Some(coerce(x, &Type::I64))
        };
        // The increment: argument `n` (0-based) when present; DTrace numbers it `n + 1`.
        let incr = |l: &mut Lowerer, n: usize| -> Option<Option<Expr>> {
            let Some(a) = args.get(n) else {
                return Some(None);
            };
            let x = l.expr(a)?;
            if !x.ty.is_integer() {
                l.error(
                    a.span,
                    format!(
                        "{name}( ) increment value (argument #{}) must be of scalar type",
                        n + 1
                    ),
                );
                return None;
            }
            Some(Some(coerce(x, &Type::I64)))
        };
        match name {
            "count" => {
                arity(self, 0, 0)?;
                Some((MapKind::Count, None, None))
            }
            "sum" | "avg" | "min" | "max" | "stddev" => {
                arity(self, 1, 1)?;
                let v = value(self)?;
                let t = ir::IntType::I64;
                let kind = match name {
                    "sum" => MapKind::Sum(t),
                    "avg" => MapKind::Avg(t),
                    "min" => MapKind::Min(t),
                    "max" => MapKind::Max(t),
                    _ => MapKind::Stddev(t),
                };
                Some((kind, Some(v), None))
            }
            "quantize" => {
                arity(self, 1, 2)?;
                let v = value(self);
                let inc = incr(self, 1);
                Some((MapKind::Quantize, Some(v?), inc?))
            }
            "lquantize" => {
                arity(self, 3, 5)?;
                let v = value(self);
                let (base, limit, step) = self.lquantize_args(args, span)?;
                let inc = incr(self, 4)?;
                let levels = (limit - base) / step;
                Some((
                    MapKind::Lquantize {
                        base,
                        step,
                        levels: levels as u32,
                    },
                    Some(v?),
                    inc,
                ))
            }
            "llquantize" => {
                arity(self, 5, 6)?;
                let v = value(self);
                let (factor, low, high, steps) = self.llquantize_args(args)?;
                let inc = incr(self, 5)?;
                Some((
                    MapKind::Llquantize {
                        factor,
                        low,
                        high,
                        steps,
                    },
                    Some(v?),
                    inc,
                ))
            }
            _ if is_later_function(name) => {
                self.unsupported(span, format!("{name}()"));
                None
            }
            _ if is_known_function(name) => {
                self.error(span, format!("{name}( ) is not an aggregating function"));
                None
            }
            _ => {
                self.error(
                    func.span,
                    format!("failed to resolve {name}: Unknown function name"),
                );
                None
            }
        }
    }

    /// `lquantize(x, base, limit[, step])`'s base, limit and step, checked as DTrace does.
    fn lquantize_args(&mut self, args: &[ast::Expr], span: Span) -> Option<(i64, i64, i64)> {
        let f = "lquantize";
        let int = |l: &mut Lowerer, n: usize, what: &str| -> Option<i64> {
            let a = &args[n];
            match l.constant(a) {
                Some(v) => Some(v),
                None => {
                    l.error(a.span, format!("{f}( ) argument #{n} must be {what}"));
                    None
                }
            }
        };
        let base = int(self, 1, "an integer constant")?;
        if i32::try_from(base).is_err() {
            self.error(
                args[1].span,
                "lquantize( ) argument #1 must be a 32-bit quantity",
            );
            return None;
        }
        let limit = int(self, 2, "an integer constant")?;
        if i32::try_from(limit).is_err() {
            self.error(
                args[2].span,
                "lquantize( ) argument #2 must be a 32-bit quantity",
            );
            return None;
        }
        if limit < base {
            self.error(
                span,
                "lquantize( ) base (argument #1) must be less than limit (argument #2)",
            );
            return None;
        }
        let step = if args.len() > 3 {
            let step = int(self, 3, "a non-zero positive integer constant")?;
            if step <= 0 {
                self.error(
                    args[3].span,
                    "lquantize( ) argument #3 must be a non-zero positive integer constant",
                );
                return None;
            }
            if step > i64::from(u16::MAX) {
                self.error(
                    args[3].span,
                    "lquantize( ) argument #3 must be a 16-bit quantity",
                );
                return None;
            }
            step
        } else {
            1
        };
        let levels = (limit - base) / step;
        if levels == 0 {
            self.error(
                span,
                "lquantize( ) step (argument #3) too large: must have at least one quantization level",
            );
            return None;
        }
        if levels > i64::from(u16::MAX) {
            self.error(
                span,
                "lquantize( ) step (argument #3) too small: number of quantization levels must be a 16-bit quantity",
            );
            return None;
        }
        Some((base, limit, step))
    }

    /// `llquantize(x, factor, low, high, steps)`'s parameters, checked as DTrace for Linux does.
    fn llquantize_args(&mut self, args: &[ast::Expr]) -> Option<(u16, u16, u16, u16)> {
        let mut vals = [0i64; 4];
        for i in 0..vals.len() {
            let a = &args[i + 1];
            let Some(x) = self.constant(a) else {
                self.error(
                    a.span,
                    format!(
                        "llquantize( ) argument #{} must be an integer constant",
                        i + 1
                    ),
                );
                return None;
            };
            vals[i] = x;
            let bad = match i {
                0 => !(2..=i64::from(u16::MAX)).contains(&x),
                3 => x <= 0,
                _ => !(0..=i64::from(u16::MAX)).contains(&x),
            };
            if bad {
                let what = match i {
                    0 => "an unsigned 16-bit quantity greater than or equal to 2",
                    3 => "a non-zero positive integer constant",
                    _ => "an unsigned 16-bit quantity",
                };
                self.error(
                    a.span,
                    format!("llquantize( ) argument #{} must be {what}", i + 1),
                );
                return None;
            }
            if i == 2 && x < vals[1] {
                self.error(
                    a.span,
                    "llquantize( ) argument #3 (high magnitude) must be at least argument #2 (low magnitude)",
                );
                return None;
            }
            if i == 2
                && ir::abi::llquantize_pow(vals[0] as u16, x as u32 + 1) > i128::from(u64::MAX)
            {
                self.error(
                    a.span,
                    "llquantize( ) argument #3 (high magnitude) will cause overflow of 64 bits",
                );
                return None;
            }
            if i == 3 && x > i64::from(u16::MAX) {
                self.error(
                    a.span,
                    "llquantize( ) argument #4 must be an unsigned 16-bit quantity",
                );
                return None;
            }
        }
        let [factor, low, high, steps] = vals.map(|v| v as u16);
        let at = args[1].span;
        let fail = |l: &mut Lowerer, msg: &str| {
            l.error(at, format!("llquantize() argument #4 (steps) {msg}"));
        };
        if steps < factor && factor % steps != 0 {
            fail(
                self,
                "must evenly divide argument #1 (factor) when steps<factor",
            );
            return None;
        }
        if steps > factor {
            if steps % factor != 0 {
                fail(
                    self,
                    "must be a multiple of argument #1 (factor) when steps>factor",
                );
                return None;
            }
            if low == 0 {
                if (u32::from(factor) * u32::from(factor)) % u32::from(steps) != 0 {
                    fail(self, "must evenly divide the square of argument #1 (factor) when steps>factor and lmag==0");
                    return None;
                }
            } else if ir::abi::llquantize_pow(factor, u32::from(low) + 1) % i128::from(steps) != 0 {
                fail(self, "must evenly divide pow(argument #1 (factor), lmag (argument #2) + 1) when steps>factor and lmag==0");
                return None;
            }
        }
        Some((factor, low, high, steps))
    }

    /// A call used as a statement.
    pub(crate) fn call_stmt(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let name = func.name.as_str();
        if self.spec_or_destructive_stmt(name, args, span, out) {
            return;
        }
        match name {
            "stack" | "ustack" => {
                // Records the stack; it prints as DTrace's indented frame block.
                if let Some(x) = self.subroutine(func, args, span) {
                    self.emit(ActionKind::Trace, vec![x], span, out);
                }
            }
            _ if super::subr::is_subroutine(name) => {
                // A value computed for nothing: still checked, as DTrace does.
                if let Some(x) = self.subroutine(func, args, span) {
                    out.push(Stmt::new(StmtKind::Expr(x), span));
                }
            }
            "printf" => self.printf(args, span, out),
            "printa" => self.printa(args, span, out),
            "trace" => {
                if args.len() != 1 {
                    self.error(
                        span,
                        format!(
                            "trace( ) prototype mismatch: {} arguments passed, 1 expected",
                            args.len()
                        ),
                    );
                    return;
                }
                let Some(x) = self.expr(&args[0]) else { return };
                if !(x.ty.is_integer()
                    || matches!(
                        x.ty,
                        Type::Str { .. } | Type::Stack(_) | Type::Symbol { .. } | Type::Text(_)
                    ))
                {
                    self.unsupported(x.span, format!("trace() of {}", x.ty));
                    return;
                }
                let x = if x.ty == Type::Bool {
                    coerce(x, &types::INT)
                } else {
                    x
                };
                self.emit(ActionKind::Trace, vec![x], span, out);
            }
            "exit" => {
                if args.len() != 1 {
                    self.error(
                        span,
                        format!(
                            "exit( ) prototype mismatch: {} arguments passed, 1 expected",
                            args.len()
                        ),
                    );
                    return;
                }
                let Some(x) = self.expr(&args[0]) else { return };
                if !x.ty.is_integer() {
                    self.error(x.span, "exit( ) argument #1 must be an integer");
                    return;
                }
                self.emit(ActionKind::Exit, vec![coerce(x, &Type::I64)], span, out);
            }
            "clear" | "denormalize" => {
                if args.len() != 1 {
                    self.error(
                        span,
                        format!(
                            "{name}( ) prototype mismatch: {} arguments passed, 1 expected",
                            args.len()
                        ),
                    );
                    return;
                }
                let Some(map) = self.agg_arg(name, &args[0], 1) else {
                    return;
                };
                let kind = if name == "clear" {
                    ActionKind::Zero { map }
                } else {
                    ActionKind::Denormalize { map }
                };
                self.emit(kind, vec![], span, out);
            }
            "trunc" | "normalize" => {
                let (lo, hi) = if name == "trunc" { (1, 2) } else { (2, 2) };
                if args.len() < lo || args.len() > hi {
                    self.error(
                        span,
                        format!(
                            "{name}( ) prototype mismatch: {} arguments passed, {} expected",
                            args.len(),
                            if lo == hi {
                                "2".to_string()
                            } else {
                                "1 or 2".to_string()
                            }
                        ),
                    );
                    return;
                }
                let Some(map) = self.agg_arg(name, &args[0], 1) else {
                    return;
                };
                let mut values = Vec::new();
                if let Some(a) = args.get(1) {
                    let Some(x) = self.expr(a) else { return };
                    if !x.ty.is_integer() {
                        self.error(a.span, format!("{name}( ) argument #2 must be an integer"));
                        return;
                    }
                    values.push(coerce(x, &Type::I64));
                }
                let kind = if name == "trunc" {
                    ActionKind::Trunc { map }
                } else {
                    ActionKind::Normalize { map }
                };
                self.emit(kind, values, span, out);
            }
            "setopt" => self.setopt(args, span, out),
            "copyin" => {
                if let Some(x) = self.copyin(args, span) {
                    out.push(Stmt::new(StmtKind::Expr(x), span));
                }
            }
            "alloca" => {
                if let Some(x) = self.alloca(args, span) {
                    out.push(Stmt::new(StmtKind::Expr(x), span));
                }
            }
            "bcopy" => self.bcopy(args, span, out),
            "copyinto" => self.copyinto(args, span, out),
            "count" | "sum" | "avg" | "min" | "max" | "stddev" | "quantize" | "lquantize"
            | "llquantize" => self.error(
                span,
                format!("{name}( ) may only be used as the value of an aggregation"),
            ),
            _ if is_later_function(name) => self.unsupported(span, format!("{name}()")),
            _ => self.error(
                func.span,
                format!("failed to resolve {name}: Unknown function name"),
            ),
        }
    }

    /// `setopt(name[, value])`: both strings, sent to the runtime, which sets the option as
    /// DTrace does while tracing (`"1"` stands for a missing value, as in DTrace).
    fn setopt(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<Stmt>) {
        if args.is_empty() || args.len() > 2 {
            let n = args.len();
            self.error(
                span,
                format!(
                    "setopt( ) prototype mismatch: {n} arg{} passed, {} expected",
                    if n == 1 { "" } else { "s" },
                    if n == 0 { 1 } else { 2 }
                ),
            );
            return;
        }
        let mut values = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let Some(x) = self.expr(a) else { return };
            if !matches!(x.ty, Type::Str { .. }) {
                self.error(
                    a.span,
                    format!(
                        "setopt( ) argument #{} is incompatible with prototype:\n\tprototype: char *\n\t argument: {}",
                        i + 1,
                        types::d_name(&x.ty)
                    ),
                );
                return;
            }
            values.push(x);
        }
        if values.len() == 1 {
            values.push(self.string_constant(b"1", span));
        }
        let full = format!(
            "{}:{}:{}:{}",
            self.ctx.prov, self.ctx.module, self.ctx.func, self.ctx.name
        );
        let probe_id = self.probe_id(&full);
        let epid = self.fx.epid;
        self.emit(
            ActionKind::SetOpt {
                epid,
                probe_id,
                probe: full,
            },
            values,
            span,
            out,
        );
    }

    /// An aggregation argument (`@a`) of `func`.
    fn agg_arg(&mut self, func: &str, a: &ast::Expr, n: usize) -> Option<MapId> {
        let ast::ExprKind::Agg(name) = &a.kind else {
            self.error(
                a.span,
                format!("{func}( ) argument #{n} must be an aggregation"),
            );
            return None;
        };
        match self.vars.get(&format!("@{name}")) {
            Some((id, _)) => Some(id),
            None => {
                self.error(
                    a.span,
                    format!("failed to resolve @{name}: Unknown variable name"),
                );
                None
            }
        }
    }

    fn emit(&mut self, kind: ActionKind, args: Vec<Expr>, span: Span, out: &mut Vec<Stmt>) {
        let action = self.add_action(Action {
            kind,
            args: args.iter().map(|a| a.ty.clone()).collect(),
            span,
        });
        out.push(Stmt::new(StmtKind::Emit { action, args }, span));
    }

    /// A format string argument: a string literal, checked against D's conversions.
    fn format_arg(&mut self, func: &str, a: &ast::Expr) -> Option<(String, Vec<Segment>)> {
        let ast::ExprKind::Str(bytes) = &a.kind else {
            self.error(
                a.span,
                format!("{func}( ) argument #1 must be a string constant format"),
            );
            return None;
        };
        let text = String::from_utf8_lossy(&bytes.0).into_owned();
        match printf::parse_format_in(&text, Dialect::Dtrace) {
            Ok(segs) => Some((text, segs)),
            Err((_, msg)) => {
                self.error(a.span, format!("{func}( ) format error: {msg}"));
                None
            }
        }
    }

    pub(crate) fn printf(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<Stmt>) {
        let Some(first) = args.first() else {
            self.error(
                span,
                "printf( ) prototype mismatch: at least 1 argument expected",
            );
            return;
        };
        let Some((format, segs)) = self.format_arg("printf", first) else {
            return;
        };
        let mut values = Vec::new();
        let mut ok = true;
        for a in &args[1..] {
            match self.expr_ptr(a) {
                Some(x) => values.push(x),
                None => ok = false,
            }
        }
        if !ok {
            return;
        }
        let mut next = 0usize;
        for (ci, conv) in printf::conversions(&segs).enumerate() {
            if conv.aggregation {
                self.error(
                    first.span,
                    format!(
                        "printf( ) conversion #{} (%@{}) is only valid in printa( )",
                        ci + 1,
                        conv.conv
                    ),
                );
                return;
            }
            let stars = usize::from(conv.width_star) + usize::from(conv.precision_star);
            for _ in 0..stars {
                match values.get(next) {
                    Some(v) if v.ty.is_integer() => {}
                    Some(v) => {
                        self.error(
                            v.span,
                            format!(
                                "printf( ) argument #{} must be an integer width or precision",
                                next + 2
                            ),
                        );
                        return;
                    }
                    None => {
                        self.error(span, format!("printf( ) prototype mismatch: conversion #{} (%{}) is missing a corresponding value argument", ci + 1, conv.conv));
                        return;
                    }
                }
                next += 1;
            }
            let Some(v) = values.get(next) else {
                self.error(
                    span,
                    format!(
                        "printf( ) prototype mismatch: conversion #{} (%{}) is missing a corresponding value argument",
                        ci + 1,
                        conv.conv
                    ),
                );
                return;
            };
            if let Some(proto) = mismatch(&conv.conv, &v.ty) {
                self.error(
                    v.span,
                    format!(
                        "printf( ) argument #{} is incompatible with conversion #{} prototype:\n\tconversion: %{}\n\t prototype: {proto}\n\t  argument: {}",
                        next + 2,
                        ci + 1,
                        conv.conv,
                        types::d_name(&v.ty)
                    ),
                );
                return;
            }
            values[next] = super::ctypes::decay(values[next].clone());
            if let Some(t) = width_typed(&conv.conv, &values[next].ty) {
                // DTrace formats the argument at its D type's width: `%u` of an `int` -1 is
                // 4294967295, `%d` of a `uint32_t` 0xffffffff is -1.
                let v = values[next].clone();
                values[next] = coerce(v, &t);
            }
            if matches!(conv.conv.as_str(), "a" | "A") && values[next].ty.is_integer() {
                // The address is symbolized when printed, as sym()/usym() values are.
                let kernel = conv.conv == "a";
                let v = values[next].clone();
                let span = v.span;
                values[next] = Expr::new(
                    ExprKind::Call {
                        func: if kernel {
                            ir::Function::Ksym
                        } else {
                            ir::Function::Usym
                        },
                        args: vec![coerce(v, &Type::U64)],
                    },
                    Type::Symbol {
                        kernel,
                        module: false,
                    },
                    span,
                );
            }
            next += 1;
        }
        if next < values.len() {
            self.error(
                values[next].span,
                format!(
                    "printf( ) prototype mismatch: only {} arguments required by this format string",
                    next + 1
                ),
            );
            return;
        }
        let values: Vec<Expr> = values
            .into_iter()
            .map(super::ctypes::decay)
            .map(|v| {
                if v.ty == Type::Bool {
                    coerce(v, &types::INT)
                } else {
                    v
                }
            })
            .collect();
        self.emit(ActionKind::Printf { format }, values, span, out);
    }

    fn printa(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<Stmt>) {
        let (format, rest) = match args.first() {
            Some(a) if matches!(a.kind, ast::ExprKind::Str(_)) => {
                let Some(f) = self.format_arg("printa", a) else {
                    return;
                };
                (Some(f), &args[1..])
            }
            _ => (None, args),
        };
        if rest.is_empty() {
            self.error(
                span,
                "printa( ) prototype mismatch: an aggregation argument is required",
            );
            return;
        }
        let offset = usize::from(format.is_some()) + 1;
        let mut maps = Vec::new();
        for (i, a) in rest.iter().enumerate() {
            match self.agg_arg("printa", a, i + offset) {
                Some(m) => maps.push(m),
                None => return,
            }
        }
        let keys = |l: &Lowerer, m: MapId| -> Vec<Type> {
            l.vars
                .maps
                .get(m.0 as usize)
                .and_then(|x| x.keys.clone())
                .unwrap_or_default()
        };
        let first_keys = keys(self, maps[0]);
        for (i, m) in maps.iter().enumerate().skip(1) {
            let k = keys(self, *m);
            let same = k.len() == first_keys.len()
                && k.iter().zip(&first_keys).all(|(a, b)| {
                    a == b
                        || (a.is_integer() && b.is_integer())
                        || (matches!(a, Type::Str { .. }) && matches!(b, Type::Str { .. }))
                });
            if !same {
                self.error(
                    rest[i].span,
                    format!(
                        "printa( ) argument #{} must have the same keys as the first aggregation: [{}], not [{}]",
                        i + offset,
                        type_list(&first_keys),
                        type_list(&k)
                    ),
                );
                return;
            }
        }
        if let Some((_, segs)) = &format {
            let mut key_index = 0usize;
            for (ci, conv) in printf::conversions(segs).enumerate() {
                if conv.width_star || conv.precision_star {
                    self.unsupported(args[0].span, "'*' widths in printa formats");
                    return;
                }
                if conv.aggregation {
                    continue;
                }
                let Some(kt) = first_keys.get(key_index) else {
                    self.error(
                        args[0].span,
                        format!(
                            "printa( ) prototype mismatch: conversion #{} (%{}) is missing a corresponding key",
                            ci + 1,
                            conv.conv
                        ),
                    );
                    return;
                };
                if let Some(proto) = mismatch(&conv.conv, kt) {
                    self.error(
                        args[0].span,
                        format!(
                            "printa( ) key #{} is incompatible with conversion #{} prototype:\n\tconversion: %{}\n\t prototype: {proto}\n\t  argument: {}",
                            key_index + 1,
                            ci + 1,
                            conv.conv,
                            types::d_name(kt)
                        ),
                    );
                    return;
                }
                key_index += 1;
            }
        }
        self.emit(
            ActionKind::Printa {
                format: format.map(|f| f.0),
                maps,
            },
            vec![],
            span,
            out,
        );
    }
}

/// The type an integer argument of D type `ty` is formatted as by integer conversion `conv`:
/// the same width, unsigned for `%u %x %X %o`, signed for `%d %i` (as DTrace's
/// `pfprint_uint`/`pfprint_sint` read the argument at its size). `None` when nothing changes.
fn width_typed(conv: &str, ty: &Type) -> Option<Type> {
    let signed = match conv {
        "u" | "x" | "X" | "o" => false,
        "d" | "i" => true,
        _ => return None,
    };
    match ty {
        Type::Int(i) if i.bits < 64 && i.signed != signed => Some(Type::int(i.bits.max(8), signed)),
        _ => None,
    }
}

/// The prototype a conversion wants when `ty` does not fit it.
fn mismatch(conv: &str, ty: &Type) -> Option<&'static str> {
    let is_str = matches!(ty, Type::Str { .. });
    let decayed;
    let ty = match ty {
        Type::Ptr { .. } if !matches!(conv, "s" | "S") => {
            decayed = Type::U64;
            &decayed
        }
        t => t,
    };
    match conv {
        "s" | "S" => (!is_str && !matches!(ty, Type::Text(_)))
            .then_some("char [] or string (or use stringof)"),
        "k" => (!matches!(ty, Type::Stack(_))).then_some("stack"),
        "a" | "A" => (!(ty.is_integer() || matches!(ty, Type::Symbol { .. })))
            .then_some("pointer or integer"),
        "e" | "E" | "f" | "g" | "G" => (!ty.is_integer()).then_some("double"),
        _ => (!ty.is_integer()).then_some("integer"),
    }
}

/// DTrace's message when an `lquantize`/`llquantize` aggregation is used again with other
/// parameters (the first parameter that differs).
fn parameter_mismatch(old: &MapKind, new: &MapKind) -> Option<String> {
    match (old, new) {
        (
            MapKind::Lquantize {
                base: ob,
                step: os,
                levels: ol,
            },
            MapKind::Lquantize {
                base: nb,
                step: ns,
                levels: nl,
            },
        ) => {
            let what = |arg: &str, o: i64, n: i64| {
                format!("lquantize( ) {arg} doesn't match previous declaration: expected {o}, found {n}")
            };
            if ob != nb {
                Some(what("base (argument #1)", *ob, *nb))
            } else if i64::from(*ol) * os != i64::from(*nl) * ns {
                Some(what(
                    "limit (argument #2)",
                    ob + i64::from(*ol) * os,
                    nb + i64::from(*nl) * ns,
                ))
            } else if os != ns {
                Some(what("step (argument #3)", *os, *ns))
            } else {
                None
            }
        }
        (
            MapKind::Llquantize {
                factor: of,
                low: ol,
                high: oh,
                steps: os,
            },
            MapKind::Llquantize {
                factor: nf,
                low: nl,
                high: nh,
                steps: ns,
            },
        ) => {
            let pairs = [
                ("factor (argument #1)", of, nf),
                ("lmag (argument #2)", ol, nl),
                ("hmag (argument #3)", oh, nh),
                ("steps (argument #4)", os, ns),
            ];
            pairs.iter().find(|(_, o, n)| o != n).map(|(arg, o, n)| {
                format!("llquantize() {arg} doesn't match previous declaration: expected {o}, found {n}")
            })
        }
        _ => None,
    }
}

fn describe(k: &MapKind) -> &'static str {
    k.function_name().unwrap_or("?")
}

fn type_list(ts: &[Type]) -> String {
    ts.iter().map(types::d_name).collect::<Vec<_>>().join(", ")
}
