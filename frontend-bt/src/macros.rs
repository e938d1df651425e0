//! Hygienic macro expansion on the AST, before lowering.
//!
//! `macro name($v, @m, e) { ... }` defines a macro; a call `name($x, @y, 1 + 2)` (or the bare
//! name, for a macro without parameters) is replaced by the macro body as a block expression:
//! - a `$v` parameter needs a scratch variable argument and stands for it (it may be assigned);
//! - an `@m` parameter needs a map argument (without keys) and stands for it;
//! - an `e` parameter takes any expression, inserted wherever `e` appears (evaluated each time);
//! - every other scratch variable of the body is renamed to a name the program cannot spell
//!   (`$x` becomes `$x#N`), so the body neither sees nor changes the caller's variables;
//! - a map the body names that is not a parameter is an error (macros are hygienic).
//!
//! The value of the expansion is the body's final expression when it is written without `;`.
//! Spans inside an expansion point into the macro definition, so diagnostics show the body.

use crate::ast::{
    Block, Expr, ExprKind, ForIter, Item, Macro, MacroParam, Program, Stmt, StmtKind, Type,
    TypeKind, TypeOrExpr,
};
use ir::diag::Diagnostic;
use ir::span::Span;
use std::collections::HashMap;

/// Nested expansions deeper than this are reported (a macro calling itself never ends).
const MAX_DEPTH: usize = 64;

/// Expands every macro call in the program's probes and drops the macro definitions.
/// Returns the program without macros and the diagnostics (errors for misuse).
pub fn expand(program: &Program) -> (Program, Vec<Diagnostic>) {
    let mut macros: HashMap<String, &Macro> = HashMap::new();
    let mut diags = Vec::new();
    for item in &program.items {
        if let Item::Macro(m) = item {
            check_params(m, &mut diags);
            if macros.insert(m.name.name.clone(), m).is_some() {
                diags.push(Diagnostic::error(
                    m.name.span,
                    format!("macro '{}' is defined more than once", m.name.name),
                ));
            }
        }
    }
    let mut out = program.clone();
    out.items.retain(|i| !matches!(i, Item::Macro(_)));
    if macros.is_empty() {
        return (out, diags);
    }
    let mut expander = Expander {
        macros,
        diags: &mut diags,
        stack: Vec::new(),
        counter: 0,
    };
    for item in &mut out.items {
        if let Item::Probe(p) = item {
            if let Some(pred) = &mut p.predicate {
                walk_expr(&mut expander, pred);
            }
            walk_block(&mut expander, &mut p.body);
        }
    }
    (out, diags)
}

/// Parameter names must be distinct.
fn check_params(m: &Macro, diags: &mut Vec<Diagnostic>) {
    let mut seen: Vec<String> = Vec::new();
    for p in &m.params {
        let (key, ident) = param_key(p);
        if seen.contains(&key) {
            diags.push(Diagnostic::error(
                ident.span,
                format!("macro '{}' has two parameters named {key}", m.name.name),
            ));
        }
        seen.push(key);
    }
}

/// A parameter as written, sigil included.
fn param_key(p: &MacroParam) -> (String, &crate::ast::Ident) {
    match p {
        MacroParam::Var(i) => (format!("${}", i.name), i),
        MacroParam::Map(i) => (format!("@{}", i.name), i),
        MacroParam::Expr(i) => (i.name.clone(), i),
    }
}

/// A pass over the AST that may replace nodes.
trait Rewriter {
    /// Called on an expression before its children; returns true when it replaced the node and
    /// the walk must not descend into it.
    fn expr(&mut self, e: &mut Expr) -> bool;
    /// Called on a statement before its parts; returns true when it handled the statement.
    fn stmt(&mut self, _s: &mut Stmt) -> bool {
        false
    }
    /// Called on the variable a `let` or `for` declares.
    fn declared_var(&mut self, _name: &mut String) {}
}

fn walk_block<R: Rewriter>(r: &mut R, b: &mut Block) {
    for s in &mut b.stmts {
        walk_stmt(r, s);
    }
}

fn walk_stmt<R: Rewriter>(r: &mut R, s: &mut Stmt) {
    if r.stmt(s) {
        return;
    }
    match &mut s.kind {
        StmtKind::Expr(e) | StmtKind::Discard(e) => walk_expr(r, e),
        StmtKind::Assign { target, value, .. } => {
            walk_expr(r, target);
            walk_expr(r, value);
        }
        StmtKind::Let { var, ty, value } => {
            if let Some(t) = ty {
                walk_type(r, t);
            }
            if let Some(v) = value {
                walk_expr(r, v);
            }
            r.declared_var(&mut var.name);
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            walk_expr(r, cond);
            walk_block(r, then);
            if let Some(o) = otherwise {
                walk_stmt(r, o);
            }
        }
        StmtKind::Unroll { count: e, body } | StmtKind::While { cond: e, body } => {
            walk_expr(r, e);
            walk_block(r, body);
        }
        StmtKind::For { var, iter, body } => {
            match iter {
                ForIter::Map(m) => walk_expr(r, m),
                ForIter::Range { start, end } => {
                    walk_expr(r, start);
                    walk_expr(r, end);
                }
            }
            r.declared_var(&mut var.name);
            walk_block(r, body);
        }
        StmtKind::Block(b) => walk_block(r, b),
        StmtKind::Break | StmtKind::Continue | StmtKind::Return => {}
    }
}

fn walk_type<R: Rewriter>(r: &mut R, t: &mut Type) {
    match &mut t.kind {
        TypeKind::Typeof(x) => walk_type_or_expr(r, x),
        TypeKind::Pointer(inner) | TypeKind::Array(inner, _) => walk_type(r, inner),
        TypeKind::Named(_) | TypeKind::Struct(_) | TypeKind::Union(_) | TypeKind::Enum(_) => {}
    }
}

fn walk_type_or_expr<R: Rewriter>(r: &mut R, x: &mut TypeOrExpr) {
    match x {
        TypeOrExpr::Type(t) => walk_type(r, t),
        TypeOrExpr::Expr(e) => walk_expr(r, e),
    }
}

fn walk_expr<R: Rewriter>(r: &mut R, e: &mut Expr) {
    if r.expr(e) {
        return;
    }
    match &mut e.kind {
        ExprKind::Map { keys: items, .. }
        | ExprKind::Call { args: items, .. }
        | ExprKind::Tuple(items) => {
            for x in items {
                walk_expr(r, x);
            }
        }
        ExprKind::Record(fields) => {
            for f in fields {
                walk_expr(r, &mut f.value);
            }
        }
        ExprKind::Unary { operand: x, .. }
        | ExprKind::Field { base: x, .. }
        | ExprKind::TupleIndex { base: x, .. } => walk_expr(r, x),
        ExprKind::Binary { lhs, rhs, .. }
        | ExprKind::Index {
            base: lhs,
            index: rhs,
        } => {
            walk_expr(r, lhs);
            walk_expr(r, rhs);
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            walk_expr(r, cond);
            if let Some(t) = then {
                walk_expr(r, t);
            }
            walk_expr(r, otherwise);
        }
        ExprKind::Cast { ty, expr } => {
            walk_type(r, ty);
            walk_expr(r, expr);
        }
        ExprKind::Block { stmts, value } => {
            for s in stmts {
                walk_stmt(r, s);
            }
            if let Some(v) = value {
                walk_expr(r, v);
            }
        }
        ExprKind::Sizeof(x) => walk_type_or_expr(r, x),
        ExprKind::Offsetof { of, .. } => walk_type_or_expr(r, of),
        ExprKind::Int { .. }
        | ExprKind::Str(_)
        | ExprKind::Char(_)
        | ExprKind::Bool(_)
        | ExprKind::Ident(_)
        | ExprKind::Var(_)
        | ExprKind::Positional(_)
        | ExprKind::ParamCount => {}
    }
}

/// Replaces macro calls by their expansions.
struct Expander<'a> {
    macros: HashMap<String, &'a Macro>,
    diags: &'a mut Vec<Diagnostic>,
    /// The macros being expanded, outermost first (to find recursion).
    stack: Vec<String>,
    /// Numbers the expansions (each gets its own variable names).
    counter: u32,
}

impl<'a> Expander<'a> {
    /// The macro a call or bare name refers to, with the call's arguments.
    fn macro_call(&self, e: &Expr) -> Option<(&'a Macro, Vec<Expr>)> {
        match &e.kind {
            ExprKind::Call { name, args } => {
                let m: &'a Macro = self.macros.get(&name.name)?;
                Some((m, args.clone()))
            }
            ExprKind::Ident(name) => {
                let m: &'a Macro = self.macros.get(name)?;
                m.params.is_empty().then(|| (m, Vec::new()))
            }
            _ => None,
        }
    }

    /// The expansion of a call of `m` at `span` with (already expanded) `args`: the body as a
    /// block expression, or `None` after reporting misuse.
    fn instantiate(&mut self, m: &Macro, args: Vec<Expr>, span: Span) -> Option<Expr> {
        let name = &m.name.name;
        if self.stack.len() >= MAX_DEPTH || self.stack.contains(name) {
            self.diags.push(
                Diagnostic::error(span, format!("macro '{name}' expands into itself"))
                    .with_help("macros are expanded where they are called; they cannot recurse"),
            );
            return None;
        }
        if args.len() != m.params.len() {
            self.diags.push(Diagnostic::error(
                span,
                format!(
                    "macro '{name}' takes {} argument{}, got {}",
                    m.params.len(),
                    if m.params.len() == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
            return None;
        }
        self.counter += 1;
        let mut renamer = Renamer {
            macro_name: name.clone(),
            suffix: format!("#{}", self.counter),
            vars: HashMap::new(),
            maps: HashMap::new(),
            exprs: HashMap::new(),
            diags: Vec::new(),
        };
        let mut ok = true;
        for (param, arg) in m.params.iter().zip(args) {
            match (param, &arg.kind) {
                (MacroParam::Var(p), ExprKind::Var(v)) => {
                    renamer.vars.insert(p.name.clone(), v.clone());
                }
                (MacroParam::Map(p), ExprKind::Map { name: map, keys }) if keys.is_empty() => {
                    renamer.maps.insert(p.name.clone(), map.clone());
                }
                (MacroParam::Expr(p), _) => {
                    renamer.exprs.insert(p.name.clone(), arg);
                }
                (MacroParam::Var(p), _) => {
                    ok = false;
                    self.diags.push(Diagnostic::error(
                        arg.span,
                        format!(
                            "macro '{name}' expects a scratch variable for its parameter ${}",
                            p.name
                        ),
                    ));
                }
                (MacroParam::Map(p), _) => {
                    ok = false;
                    self.diags.push(Diagnostic::error(
                        arg.span,
                        format!(
                            "macro '{name}' expects a map (without keys) for its parameter @{}",
                            p.name
                        ),
                    ));
                }
            }
        }
        if !ok {
            return None;
        }
        let mut body = m.body.clone();
        walk_expr(&mut renamer, &mut body);
        let failed = !renamer.diags.is_empty();
        self.diags.append(&mut renamer.diags);
        if failed {
            return None;
        }
        self.stack.push(name.clone());
        walk_expr(self, &mut body);
        self.stack.pop();
        body.span = span;
        Some(body)
    }
}

impl Rewriter for Expander<'_> {
    fn expr(&mut self, e: &mut Expr) -> bool {
        let Some((m, mut args)) = self.macro_call(e) else {
            return false;
        };
        for a in &mut args {
            walk_expr(self, a);
        }
        // On misuse the call is left as written: lowering then reports nothing more about it
        // than "unknown function", which the error above already explains; use a zero instead.
        *e = self.instantiate(m, args, e.span).unwrap_or(Expr {
            kind: ExprKind::Int {
                value: 0,
                unit: None,
            },
            span: e.span,
        });
        true
    }

    /// A macro call as a statement becomes a nested block (its value, if any, is discarded).
    fn stmt(&mut self, s: &mut Stmt) -> bool {
        let StmtKind::Expr(e) = &mut s.kind else {
            return false;
        };
        if self.macro_call(e).is_none() {
            return false;
        }
        self.expr(e);
        if let ExprKind::Block { stmts, value } = &mut e.kind {
            let mut stmts = std::mem::take(stmts);
            if let Some(v) = value.take() {
                let span = v.span;
                stmts.push(Stmt {
                    kind: StmtKind::Expr(*v),
                    span,
                });
            }
            s.kind = StmtKind::Block(Block {
                stmts,
                span: s.span,
            });
        }
        true
    }
}

/// Substitutes a macro's parameters in a copy of its body and renames its own variables.
struct Renamer {
    macro_name: String,
    /// Appended to the body's own variable names.
    suffix: String,
    /// `$param` -> the caller's variable.
    vars: HashMap<String, String>,
    /// `@param` -> the caller's map.
    maps: HashMap<String, String>,
    /// `param` -> the argument expression.
    exprs: HashMap<String, Expr>,
    diags: Vec<Diagnostic>,
}

impl Renamer {
    fn rename(&self, name: &mut String) {
        match self.vars.get(name.as_str()) {
            Some(v) => *name = v.clone(),
            None => name.push_str(&self.suffix),
        }
    }
}

impl Rewriter for Renamer {
    fn expr(&mut self, e: &mut Expr) -> bool {
        match &mut e.kind {
            ExprKind::Var(name) => {
                self.rename(name);
                false
            }
            ExprKind::Ident(name) => match self.exprs.get(name.as_str()) {
                Some(arg) => {
                    *e = arg.clone();
                    true
                }
                None => false,
            },
            ExprKind::Map { name, .. } => {
                match self.maps.get(name.as_str()) {
                    Some(m) => *name = m.clone(),
                    None => {
                        let shown = if name.is_empty() {
                            "@".to_string()
                        } else {
                            format!("@{name}")
                        };
                        self.diags.push(
                            Diagnostic::error(
                                e.span,
                                format!(
                                    "macro '{}' uses the map {shown}, which is not one of its parameters",
                                    self.macro_name
                                ),
                            )
                            .with_help(format!(
                                "macros are hygienic: pass the map in, e.g. macro {}({shown}, ...)",
                                self.macro_name
                            )),
                        );
                    }
                }
                false
            }
            _ => false,
        }
    }

    fn declared_var(&mut self, name: &mut String) {
        self.rename(name);
    }
}

/// The name a scratch variable was written with (without the suffix macro expansion adds).
pub fn written_name(name: &str) -> &str {
    name.split('#').next().unwrap_or(name)
}
