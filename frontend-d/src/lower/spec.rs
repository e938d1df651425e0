//! Speculations (`speculation`, `speculate`, `commit`, `discard`) and destructive actions
//! (`system`, `raise`, `stop`; `panic`, `chill`, `breakpoint` are refused).
//!
//! Speculation ids `1..=nspec` are handed out by BPF code from a hidden map (`.speculations`,
//! id to "in use"). After `speculate(id)` the clause's records are sent
//! [`ActionKind::Buffered`] under the id; `commit(id)` and `discard(id)` free the id in BPF and
//! send [`ActionKind::Commit`] / [`ActionKind::Discard`] after the clause's own records, and
//! the runtime prints or drops what it holds for the id.

use super::types::{coerce, INT};
use super::Lowerer;
use crate::ast;
use ir::{
    abi, Action, ActionKind, BinaryOp, Expr, ExprKind, Function, MapId, MapKind, Span, Stmt,
    StmtKind, Type,
};

/// The hidden map of speculation ids in use.
const SPEC_MAP: &str = ".speculations";

/// The most speculations `speculation()` searches (512 exceeds the verifier's budget).
const MAX_NSPEC: u64 = 256;

/// The most bytes one `tracemem()` records.
const MAX_TRACEMEM: u32 = 4096;

/// D's signal numbers run from 1 to 64 on Linux.
const MAX_SIGNAL: i64 = 64;

impl Lowerer<'_> {
    /// `nspec`: how many speculations may be active at once (default 1).
    fn nspec(&self) -> u64 {
        self.dopts
            .other_value("nspec")
            .and_then(ir::dopts::size)
            .filter(|n: &u64| *n > 0)
            .unwrap_or(1)
    }

    fn spec_map(&mut self, span: Span) -> MapId {
        if let Some((id, _)) = self.vars.get(SPEC_MAP) {
            return id;
        }
        self.vars.create(
            SPEC_MAP,
            Some(Type::U64),
            Some(vec![Type::U64]),
            MapKind::Value(Type::U64),
            span,
        )
    }

    /// The one integer argument of `func`, as uint64.
    fn one_int_arg(&mut self, func: &str, args: &[ast::Expr], span: Span) -> Option<Expr> {
        if args.len() != 1 {
            self.error(
                span,
                format!(
                    "{func}( ) prototype mismatch: {} arguments passed, 1 expected",
                    args.len()
                ),
            );
            return None;
        }
        let x = self.expr(&args[0])?;
        if !x.ty.is_integer() {
            self.error(
                args[0].span,
                format!(
                    "{func}( ) argument #1 is incompatible with prototype:\n\tprototype: int\n\t argument: {}",
                    super::types::d_name(&x.ty)
                ),
            );
            return None;
        }
        Some(x)
    }

    /// `speculation()`: a free speculation id, or 0 (and a "failed speculation") when all
    /// `nspec` are in use.
    pub(crate) fn speculation_expr(&mut self, args: &[ast::Expr], span: Span) -> Option<Expr> {
        if !args.is_empty() {
            self.error(
                span,
                format!(
                    "speculation( ) prototype mismatch: {} arguments passed, 0 expected",
                    args.len()
                ),
            );
            return None;
        }
        let map = self.spec_map(span);
        let nspec = self.nspec();
        if nspec > MAX_NSPEC {
            self.error(
                span,
                format!(
                    "speculation( ) with nspec={nspec}: oxtrace supports at most {MAX_NSPEC} speculations (the BPF code searches them for a free one, and the verifier bounds that search)"
                ),
            );
            return None;
        }
        let got = self.scope.create(".spec", Type::U64, span);
        let i = self.scope.create(".spec_i", Type::U64, span);
        let var = |v| Expr::new(ExprKind::Var(v), Type::U64, span);
        let eq0 = |x: Expr| {
            Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Eq,
                    lhs: Box::new(x),
                    rhs: Box::new(Expr::int(0, Type::U64, span)),
                },
                Type::Bool,
                span,
            )
        };
        let slot = Expr::new(
            ExprKind::MapRead {
                map,
                key: Some(Box::new(var(i))),
            },
            Type::U64,
            span,
        );
        let free = Expr::new(
            ExprKind::Logical {
                and: true,
                lhs: Box::new(eq0(var(got))),
                rhs: Box::new(eq0(slot)),
            },
            Type::Bool,
            span,
        );
        let take = vec![
            Stmt::new(
                StmtKind::MapStore {
                    map,
                    key: Some(var(i)),
                    value: Expr::int(1, Type::U64, span),
                },
                span,
            ),
            Stmt::new(
                StmtKind::Assign {
                    var: got,
                    value: var(i),
                },
                span,
            ),
        ];
        let failed = self.add_action(Action {
            kind: ActionKind::SpeculationFailed,
            args: vec![],
            span,
        });
        let stmts = vec![
            Stmt::new(
                StmtKind::Assign {
                    var: got,
                    value: Expr::int(0, Type::U64, span),
                },
                span,
            ),
            Stmt::new(
                StmtKind::ForRange {
                    var: i,
                    start: Expr::int(1, Type::U64, span),
                    end: Expr::int(nspec as i64 + 1, Type::U64, span),
                    body: vec![Stmt::new(
                        StmtKind::If {
                            cond: free,
                            then: take,
                            otherwise: vec![],
                        },
                        span,
                    )],
                },
                span,
            ),
            Stmt::new(
                StmtKind::If {
                    cond: eq0(var(got)),
                    then: vec![Stmt::new(
                        StmtKind::Emit {
                            action: failed,
                            args: vec![],
                        },
                        span,
                    )],
                    otherwise: vec![],
                },
                span,
            ),
        ];
        Some(Expr::new(
            ExprKind::Block {
                stmts,
                value: Box::new(coerce(var(got), &INT)),
            },
            INT,
            span,
        ))
    }

    /// A speculation id argument checked against `nspec` (an id above it is DTrace's illegal
    /// operation fault): the statements, and the temporary holding the id.
    fn spec_id_arg(
        &mut self,
        func: &str,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Option<ir::VarId> {
        let id = self.one_int_arg(func, args, span)?;
        let tmp = self.scope.create(".spec_id", Type::U64, span);
        out.push(Stmt::new(
            StmtKind::Assign {
                var: tmp,
                value: coerce(id, &Type::U64),
            },
            span,
        ));
        let v = Expr::new(ExprKind::Var(tmp), Type::U64, span);
        let bad = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Gt,
                lhs: Box::new(v.clone()),
                rhs: Box::new(Expr::int(self.nspec() as i64, Type::U64, span)),
            },
            Type::Bool,
            span,
        );
        let check = self.fault_check(bad, abi::DTRACEFLT_ILLOP, v, span);
        out.push(check);
        Some(tmp)
    }

    /// `speculate`, `commit`, `discard`, `system`, `raise`, `stop`, `panic`, `chill` and
    /// `breakpoint` as statements. Returns false for other functions.
    pub(crate) fn spec_or_destructive_stmt(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> bool {
        match name {
            "speculate" => {
                if self.fx.speculating.is_some() {
                    self.error(span, "speculate( ) may not follow speculate( )");
                    return true;
                }
                if self.fx.committed {
                    self.error(span, "speculate( ) may not follow commit( )");
                    return true;
                }
                if self.fx.recorded {
                    self.error(span, "speculate( ) may not follow data-recording action(s)");
                    return true;
                }
                let Some(tmp) = self.spec_id_arg(name, args, span, out) else {
                    return true;
                };
                // An id that is not in use drops the clause's data (key 0), as in DTrace.
                let map = self.spec_map(span);
                let id = Expr::new(ExprKind::Var(tmp), Type::U64, span);
                let active = Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Ne,
                        lhs: Box::new(Expr::new(
                            ExprKind::MapRead {
                                map,
                                key: Some(Box::new(id.clone())),
                            },
                            Type::U64,
                            span,
                        )),
                        rhs: Box::new(Expr::int(0, Type::U64, span)),
                    },
                    Type::Bool,
                    span,
                );
                let spec = self.scope.create(".speculating", Type::U64, span);
                out.push(Stmt::new(
                    StmtKind::Assign {
                        var: spec,
                        value: Expr::new(
                            ExprKind::Ternary {
                                cond: Box::new(active),
                                then: Box::new(id),
                                otherwise: Box::new(Expr::int(0, Type::U64, span)),
                            },
                            Type::U64,
                            span,
                        ),
                    },
                    span,
                ));
                self.fx.speculating = Some(spec);
            }
            "commit" | "discard" => {
                if name == "commit" {
                    if self.fx.recorded {
                        self.error(span, "commit( ) may not follow data-recording action(s)");
                        return true;
                    }
                    self.fx.committed = true;
                }
                let Some(tmp) = self.spec_id_arg(name, args, span, out) else {
                    return true;
                };
                let map = self.spec_map(span);
                out.push(Stmt::new(
                    StmtKind::MapStore {
                        map,
                        key: Some(Expr::new(ExprKind::Var(tmp), Type::U64, span)),
                        value: Expr::int(0, Type::U64, span),
                    },
                    span,
                ));
                let kind = if name == "commit" {
                    ActionKind::Commit
                } else {
                    ActionKind::Discard
                };
                self.fx.spec_ends.push((kind, tmp, span));
            }
            "system" => {
                if !self.destructive_ok(span) {
                    return true;
                }
                let before = out.len();
                self.printf(args, span, out);
                if let Some(StmtKind::Emit { action, .. }) = out.get(before).map(|s| &s.kind) {
                    if let Some(a) = self.actions.get_mut(action.0 as usize) {
                        if let ActionKind::Printf { format } = &a.kind {
                            a.kind = ActionKind::System {
                                format: format.clone(),
                            };
                        }
                    }
                }
            }
            "raise" | "stop" => {
                if !self.destructive_ok(span) {
                    return true;
                }
                let sig = if name == "raise" {
                    let Some(sig) = self.one_int_arg(name, args, span) else {
                        return true;
                    };
                    let tmp = self.scope.create(".signal", Type::I64, span);
                    out.push(Stmt::new(
                        StmtKind::Assign {
                            var: tmp,
                            value: coerce(sig, &Type::I64),
                        },
                        span,
                    ));
                    let v = Expr::new(ExprKind::Var(tmp), Type::I64, span);
                    let out_of_range = Expr::new(
                        ExprKind::Logical {
                            and: false,
                            lhs: Box::new(Expr::new(
                                ExprKind::Binary {
                                    op: BinaryOp::Lt,
                                    lhs: Box::new(v.clone()),
                                    rhs: Box::new(Expr::int(1, Type::I64, span)),
                                },
                                Type::Bool,
                                span,
                            )),
                            rhs: Box::new(Expr::new(
                                ExprKind::Binary {
                                    op: BinaryOp::Gt,
                                    lhs: Box::new(v.clone()),
                                    rhs: Box::new(Expr::int(MAX_SIGNAL, Type::I64, span)),
                                },
                                Type::Bool,
                                span,
                            )),
                        },
                        Type::Bool,
                        span,
                    );
                    let check =
                        self.fault_check(out_of_range, abi::DTRACEFLT_ILLOP, v.clone(), span);
                    out.push(check);
                    v
                } else {
                    if !args.is_empty() {
                        self.error(
                            span,
                            format!(
                                "stop( ) prototype mismatch: {} arguments passed, 0 expected",
                                args.len()
                            ),
                        );
                        return true;
                    }
                    Expr::int(SIGSTOP, Type::I64, span)
                };
                // raise() signals the current thread, stop() the whole process.
                let call = Expr::new(
                    ExprKind::Call {
                        func: Function::Signal {
                            thread: name == "raise",
                        },
                        args: vec![sig],
                    },
                    Type::I64,
                    span,
                );
                out.push(Stmt::new(StmtKind::Expr(call), span));
            }
            "panic" | "breakpoint" | "chill" => {
                if !self.destructive_ok(span) {
                    return true;
                }
                let why = match name {
                    "panic" => "BPF programs cannot panic the kernel",
                    "breakpoint" => "BPF programs cannot enter a kernel debugger",
                    _ => "BPF programs cannot spin for a chosen time (the verifier bounds loops)",
                };
                self.error(span, format!("{name}( ) is not available on Linux: {why}"));
            }
            "tracemem" => self.tracemem(args, span, out),
            _ => return false,
        }
        true
    }

    /// `tracemem(addr, size[, dsize])`: `size` (a constant) bytes of kernel memory at `addr`,
    /// shown as a hex dump of at most `dsize` bytes; a bad address is DTrace's `invalid
    /// address` fault.
    fn tracemem(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<Stmt>) {
        if args.len() < 2 || args.len() > 3 {
            self.error(
                span,
                format!(
                    "tracemem( ) prototype mismatch: {} arguments passed, 2 or 3 expected",
                    args.len()
                ),
            );
            return;
        }
        let Some(addr) = self.expr_ptr(&args[0]) else {
            return;
        };
        let space = super::ctypes::space_of(&addr.ty);
        let addr = super::ctypes::decay(addr);
        if !addr.ty.is_integer() {
            self.error(
                args[0].span,
                format!(
                    "tracemem( ) argument #1 is incompatible with prototype:\n\tprototype: uintptr_t\n\t argument: {}",
                    super::types::d_name(&addr.ty)
                ),
            );
            return;
        }
        let size = match self.constant(&args[1]) {
            Some(n) if n > 0 && n <= i64::from(MAX_TRACEMEM) => n as u32,
            Some(n) if n > 0 => {
                self.error(
                    args[1].span,
                    format!("tracemem( ) size {n} is larger than oxtrace's limit of {MAX_TRACEMEM} bytes"),
                );
                return;
            }
            _ => {
                self.error(
                    args[1].span,
                    "tracemem( ) argument #2 must be a non-zero positive integral constant expression",
                );
                return;
            }
        };
        let dsize = match args.get(2) {
            Some(a) => {
                let Some(d) = self.expr(a) else { return };
                if !d.ty.is_integer() {
                    self.error(a.span, "tracemem( ) argument #3 must be an integer");
                    return;
                }
                coerce(d, &Type::I64)
            }
            None => Expr::int(-1, Type::I64, span),
        };
        let tmp = self.scope.create(".tracemem", Type::U64, span);
        out.push(Stmt::new(
            StmtKind::Assign {
                var: tmp,
                value: coerce(addr, &Type::U64),
            },
            span,
        ));
        let at = Expr::new(ExprKind::Var(tmp), Type::U64, span);
        let check = self.bad_address_check(at.clone(), size, space, span);
        out.push(check);
        let user = i64::from(space == ir::AddrSpace::User);
        let bytes = Expr::new(
            ExprKind::Call {
                func: Function::Buf,
                args: vec![
                    at,
                    Expr::int(i64::from(size), Type::U64, span),
                    Expr::int(user, Type::int(8, false), span),
                ],
            },
            Type::Buffer { size },
            span,
        );
        let action = self.add_action(Action {
            kind: ActionKind::Tracemem,
            args: vec![bytes.ty.clone(), Type::I64],
            span,
        });
        out.push(Stmt::new(
            StmtKind::Emit {
                action,
                args: vec![bytes, dsize],
            },
            span,
        ));
    }

    /// Marks the program destructive; refuses a destructive action after `speculate()`.
    fn destructive_ok(&mut self, span: Span) -> bool {
        self.fx.destructive = true;
        if self.fx.speculating.is_some() {
            self.error(span, "destructive actions may not follow speculate( )");
            return false;
        }
        true
    }

    /// DTrace's rules for what may follow what in a clause, checked on the statements one
    /// top-level statement produced (`stmts`).
    pub(crate) fn check_clause_order(&mut self, stmts: &[Stmt], span: Span) {
        let mut recorded = false;
        let mut aggregated = false;
        let mut exited = false;
        scan(stmts, &self.actions, &mut |k| match k {
            Kind::Record => recorded = true,
            Kind::Aggregate => aggregated = true,
            Kind::Exit => exited = true,
        });
        if self.fx.speculating.is_some() {
            if aggregated {
                self.error(span, "aggregating actions may not follow speculate( )");
            }
            if exited {
                self.error(span, "exit( ) may not follow speculate( )");
            }
        }
        if recorded || aggregated {
            self.fx.recorded = true;
        }
    }

    /// After lowering: tell the runtime whether the program uses destructive actions.
    pub(crate) fn finish_destructive(&mut self) {
        if self.fx.destructive {
            self.dopts.uses_destructive = true;
            if let ir::OutputStyle::Dtrace(o) = &mut self.config.output {
                o.uses_destructive = true;
            }
        }
    }
}

/// What a statement does, for [`Lowerer::check_clause_order`].
enum Kind {
    Record,
    Aggregate,
    Exit,
}

fn scan(stmts: &[Stmt], actions: &[Action], f: &mut dyn FnMut(Kind)) {
    for s in stmts {
        match &s.kind {
            StmtKind::MapAggregate { .. } => f(Kind::Aggregate),
            StmtKind::Emit { action, .. } => {
                match actions.get(action.0 as usize).map(|a| &a.kind) {
                    Some(
                        ActionKind::Printf { .. }
                        | ActionKind::Trace
                        | ActionKind::Printa { .. }
                        | ActionKind::PrintValue,
                    ) => f(Kind::Record),
                    Some(ActionKind::Exit) => f(Kind::Exit),
                    _ => {}
                }
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                scan(then, actions, f);
                scan(otherwise, actions, f);
            }
            StmtKind::While { body, .. }
            | StmtKind::ForRange { body, .. }
            | StmtKind::ForMap { body, .. } => scan(body, actions, f),
            _ => {}
        }
    }
}

/// SIGSTOP on Linux.
const SIGSTOP: i64 = 19;
