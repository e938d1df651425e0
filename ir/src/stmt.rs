//! Statements.

use crate::expr::Expr;
use crate::program::{ActionId, MapId, VarId};
use crate::span::Span;

/// A sequence of statements.
pub type Block = Vec<Stmt>;

/// A statement with its source span.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it does.
    pub kind: StmtKind,
    /// Its source text.
    pub span: Span,
}

/// The kinds of statement.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// Evaluate for side effects, discard the value.
    Expr(Expr),
    /// Set a scratch variable.
    Assign { var: VarId, value: Expr },
    /// Set a plain map entry (`key` is `None` for scalar maps).
    MapStore {
        map: MapId,
        key: Option<Expr>,
        value: Expr,
    },
    /// Feed a value into an aggregation map entry. The aggregation is the map's
    /// [`crate::MapKind`]; `value` is `None` for `count()`. `incr` is D's optional increment of
    /// the quantize family (`quantize(x, incr)`): an `i64` added to the bucket instead of 1.
    MapAggregate {
        map: MapId,
        key: Option<Expr>,
        value: Option<Expr>,
        incr: Option<Expr>,
    },
    /// `if cond { then } else { otherwise }`.
    If {
        cond: Expr,
        then: Block,
        otherwise: Block,
    },
    /// `while cond { body }` (the verifier must see it terminate).
    While { cond: Expr, body: Block },
    /// `for var in start..end { body }`, end exclusive.
    ForRange {
        var: VarId,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// `for var : @map { body }`: `var` is a (key, value) tuple.
    ForMap { var: VarId, map: MapId, body: Block },
    /// Leave the innermost loop.
    Break,
    /// Next iteration of the innermost loop.
    Continue,
    /// Leave the probe.
    Return,
    /// Send an asynchronous action with its argument values to user space.
    Emit { action: ActionId, args: Vec<Expr> },
}

impl Stmt {
    /// A new statement.
    pub fn new(kind: StmtKind, span: Span) -> Stmt {
        Stmt { kind, span }
    }
}
