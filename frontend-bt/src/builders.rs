//! Small constructors the grammar's actions call, so that `grammar.lalrpop` stays declarative.

use crate::ast::*;
use crate::errors::Issue;
use ir::diag::Diagnostic;
use ir::span::Span;

/// A `{ ... }` block before we know whether it is a statement block or a block expression.
pub struct RawBlock {
    /// The statements, including a trailing expression statement.
    pub stmts: Vec<Stmt>,
    /// True when the last statement is an expression not followed by `;` (a block value).
    pub open_tail: bool,
    /// Braces included.
    pub span: Span,
}

/// The span `l..r`.
pub fn sp(l: usize, r: usize) -> Span {
    Span::new(l, r)
}

/// An identifier node.
pub fn ident(name: String, l: usize, r: usize) -> Ident {
    Ident {
        name,
        span: sp(l, r),
    }
}

/// An expression node.
pub fn expr(kind: ExprKind, l: usize, r: usize) -> Expr {
    Expr {
        kind,
        span: sp(l, r),
    }
}

/// A statement node.
pub fn stmt(kind: StmtKind, l: usize, r: usize) -> Stmt {
    Stmt {
        kind,
        span: sp(l, r),
    }
}

/// A type node.
pub fn ty(kind: TypeKind, l: usize, r: usize) -> Type {
    Type {
        kind,
        span: sp(l, r),
    }
}

/// A binary operation.
pub fn binary(op: BinaryOp, lhs: Expr, rhs: Expr, l: usize, r: usize) -> Expr {
    expr(
        ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        l,
        r,
    )
}

/// A unary operation.
pub fn unary(op: UnaryOp, operand: Expr, l: usize, r: usize) -> Expr {
    expr(
        ExprKind::Unary {
            op,
            operand: Box::new(operand),
        },
        l,
        r,
    )
}

/// `c ? a : b` or `c ?: b`.
pub fn ternary(cond: Expr, then: Option<Expr>, otherwise: Expr, l: usize, r: usize) -> Expr {
    expr(
        ExprKind::Ternary {
            cond: Box::new(cond),
            then: then.map(Box::new),
            otherwise: Box::new(otherwise),
        },
        l,
        r,
    )
}

/// An assignment; `_ = e` becomes [`StmtKind::Discard`].
pub fn assign(target: Expr, op: Option<BinaryOp>, value: Expr, l: usize, r: usize) -> Stmt {
    if op.is_none() && matches!(&target.kind, ExprKind::Ident(n) if n == "_") {
        return stmt(StmtKind::Discard(value), l, r);
    }
    stmt(StmtKind::Assign { target, op, value }, l, r)
}

/// A block used as a statement list: the trailing expression is just a statement.
pub fn stmt_block(raw: RawBlock) -> Block {
    Block {
        stmts: raw.stmts,
        span: raw.span,
    }
}

/// A block used as a value: the trailing expression (if any) becomes the value.
pub fn block_expr(raw: RawBlock) -> Expr {
    let mut stmts = raw.stmts;
    let mut value = None;
    if raw.open_tail {
        if let Some(Stmt {
            kind: StmtKind::Expr(e),
            ..
        }) = stmts.pop()
        {
            value = Some(Box::new(e));
        }
    }
    Expr {
        kind: ExprKind::Block { stmts, value },
        span: raw.span,
    }
}

/// `base.N`, checking that `N` fits.
pub fn tuple_index(
    issues: &mut Vec<Issue>,
    base: Expr,
    index: u64,
    il: usize,
    l: usize,
    r: usize,
) -> Expr {
    let index = u32::try_from(index).unwrap_or_else(|_| {
        issues.push(Issue::Diag(Diagnostic::error(
            sp(il, r),
            "tuple index is too large",
        )));
        u32::MAX
    });
    expr(
        ExprKind::TupleIndex {
            base: Box::new(base),
            index,
        },
        l,
        r,
    )
}

/// A C struct field from its specifier words, optional `*`s (with the offset after the last one)
/// and name, arrays and bit width.
pub fn c_field(
    issues: &mut Vec<Issue>,
    mut words: Vec<Ident>,
    stars: Option<(u32, usize, Ident)>,
    arrays: Vec<Option<u64>>,
    bitfield: Option<u64>,
    l: usize,
    r: usize,
) -> CField {
    let mut ty_end = None;
    let (pointers, name) = match stars {
        Some((n, end, name)) => {
            ty_end = Some(end);
            (n, name)
        }
        None if words.len() > 1 => (0, words.pop().unwrap_or_else(|| ident(String::new(), l, l))),
        None => {
            let only = words.first().map_or(sp(l, r), |w| w.span);
            issues.push(Issue::Diag(Diagnostic::error(
                only,
                "expected a field name after the type",
            )));
            (
                0,
                Ident {
                    name: String::new(),
                    span: only,
                },
            )
        }
    };
    let ty_end = ty_end.unwrap_or_else(|| words.last().map_or(l, |w| w.span.end as usize));
    let ty_span = sp(l, ty_end);
    let words = words.into_iter().map(|w| w.name).collect();
    CField {
        ty: CType {
            words,
            pointers,
            arrays,
            span: ty_span,
        },
        name,
        bitfield,
        span: sp(l, r),
    }
}
