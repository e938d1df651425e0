//! Small constructors the grammar's actions call, so that `grammar.lalrpop` stays declarative.

use crate::ast::*;
use crate::errors::Issue;
use ir::diag::Diagnostic;
use ir::span::Span;

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

/// `base.member` / `base->member`; `self->x` and `this->x` become variables.
pub fn member(base: Expr, member: Ident, arrow: bool, l: usize, r: usize) -> Expr {
    let kind = match (&base.kind, arrow) {
        (ExprKind::SelfKw, true) => ExprKind::SelfVar(member),
        (ExprKind::ThisKw, true) => ExprKind::ThisVar(member),
        _ => ExprKind::Member {
            base: Box::new(base),
            member,
            arrow,
        },
    };
    expr(kind, l, r)
}

/// One declaration specifier before they are sorted into [`DeclSpecs`].
pub enum Spec {
    /// A storage class (`self`, `this`, `typedef`, ...).
    Storage(Ident),
    /// A qualifier (`const`, ...).
    Qualifier(Ident),
    /// A type word (`int`, `unsigned`, a typedef name).
    Word(Ident),
    /// A struct or union.
    Aggregate(Aggregate),
    /// An enum.
    Enum(EnumType),
}

/// Sorts specifiers into [`DeclSpecs`], reporting a second struct/union/enum or one mixed with
/// type words.
pub fn decl_specs(issues: &mut Vec<Issue>, specs: Vec<Spec>, l: usize, r: usize) -> DeclSpecs {
    let mut storage = Vec::new();
    let mut qualifiers = Vec::new();
    let mut words = Vec::new();
    let mut tagged: Option<TypeSpec> = None;
    let mut conflict: Option<Span> = None;
    for spec in specs {
        match spec {
            Spec::Storage(i) => storage.push(i),
            Spec::Qualifier(i) => qualifiers.push(i),
            Spec::Word(i) => {
                if tagged.is_some() {
                    conflict.get_or_insert(i.span);
                }
                words.push(i);
            }
            Spec::Aggregate(a) => {
                if tagged.is_some() || !words.is_empty() {
                    conflict.get_or_insert(a.span);
                }
                tagged = Some(TypeSpec::Aggregate(a));
            }
            Spec::Enum(e) => {
                if tagged.is_some() || !words.is_empty() {
                    conflict.get_or_insert(e.span);
                }
                tagged = Some(TypeSpec::Enum(e));
            }
        }
    }
    if let Some(span) = conflict {
        issues.push(Issue::Diag(Diagnostic::error(
            span,
            "invalid type combination",
        )));
    }
    DeclSpecs {
        storage,
        qualifiers,
        ty: tagged.unwrap_or(TypeSpec::Words(words)),
        span: sp(l, r),
    }
}

/// A declarator from its parts.
pub fn declarator(
    pointers: usize,
    name: Option<Ident>,
    suffixes: Vec<DeclSuffix>,
    l: usize,
    r: usize,
) -> Declarator {
    Declarator {
        pointers: pointers as u32,
        name,
        suffixes,
        span: sp(l, r),
    }
}

/// The statements of a block: the closed statements plus an optional unterminated last one.
pub fn block(mut stmts: Vec<Stmt>, last: Option<Option<Stmt>>, l: usize, r: usize) -> Block {
    stmts.extend(last.flatten());
    Block {
        stmts,
        span: sp(l, r),
    }
}

/// An `if` statement; a body lost to a syntax error becomes an empty statement.
pub fn if_stmt(
    cond: Expr,
    then: Option<Stmt>,
    then_span: (usize, usize),
    otherwise: Option<(Option<Stmt>, (usize, usize))>,
    l: usize,
    r: usize,
) -> Stmt {
    let or_empty = |s: Option<Stmt>, (sl, sr): (usize, usize)| {
        Box::new(s.unwrap_or_else(|| stmt(StmtKind::Empty, sl, sr)))
    };
    stmt(
        StmtKind::If {
            cond,
            then: or_empty(then, then_span),
            otherwise: otherwise.map(|(s, span)| or_empty(s, span)),
        },
        l,
        r,
    )
}
