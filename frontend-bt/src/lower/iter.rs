//! `iter:TARGET` probes (BPF iterators): `ctx` is the iterator's context, a kernel
//! `struct bpf_iter__TARGET *` from BTF (`ctx->task->comm` in `iter:task`), and the body is
//! skipped for the last call of an iteration, which the kernel makes with a NULL object.

use super::Lowerer;
use ir::{
    AddrSpace, AggregateKind, AttachPoint, AttachSite, BinaryOp, Builtin, Expr, ExprKind, Span,
    Type,
};

/// Offset of the iterated object's pointer in every `struct bpf_iter__TARGET` (after
/// `struct bpf_iter_meta *meta`).
const OBJECT_OFFSET: i64 = 8;

/// The iterator target all sites share (`task` for `iter:task`), if they are iterators.
pub(super) fn iter_target(sites: &[AttachSite]) -> Option<String> {
    let mut target: Option<&str> = None;
    for s in sites {
        let AttachPoint::Iter { target: t } = &s.point else {
            return None;
        };
        match target {
            Some(prev) if prev != t => return None,
            _ => target = Some(t),
        }
    }
    target.map(str::to_string)
}

impl Lowerer<'_> {
    /// `ctx` in an iterator probe: `struct bpf_iter__TARGET *`.
    pub(super) fn iter_ctx(&mut self, span: Span) -> Expr {
        let target = self.iter_target.clone().unwrap_or_default();
        let name = format!("bpf_iter__{target}");
        let pointee = match self.aggregate(AggregateKind::Struct, &name) {
            Ok(st) => Type::Struct(st),
            Err(msg) => return self.poison(span, format!("ctx of iter:{target} needs BTF: {msg}")),
        };
        Expr::new(
            ExprKind::Builtin(Builtin::Ctx),
            Type::Ptr {
                pointee: Box::new(pointee),
                space: AddrSpace::Kernel,
            },
            span,
        )
    }

    /// In an iterator probe, `ctx->OBJECT != 0 && (predicate)`: the kernel ends every
    /// iteration with one call whose object pointer is NULL.
    pub(super) fn add_iter_check(&self, predicate: Option<Expr>, span: Span) -> Option<Expr> {
        if self.iter_target.is_none() {
            return predicate;
        }
        let ctx = Expr::new(ExprKind::Builtin(Builtin::Ctx), Type::U64, span);
        let addr = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Add,
                lhs: Box::new(ctx),
                rhs: Box::new(Expr::int(OBJECT_OFFSET, Type::U64, span)),
            },
            Type::U64,
            span,
        );
        let ptr = Expr::new(
            ExprKind::Cast(Box::new(addr)),
            Type::Ptr {
                pointee: Box::new(Type::U64),
                space: AddrSpace::Kernel,
            },
            span,
        );
        let object = Expr::new(
            ExprKind::Deref {
                ptr: Box::new(ptr),
                space: AddrSpace::Kernel,
            },
            Type::U64,
            span,
        );
        let check = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Ne,
                lhs: Box::new(object),
                rhs: Box::new(Expr::int(0, Type::U64, span)),
            },
            Type::Bool,
            span,
        );
        Some(match predicate {
            None => check,
            Some(p) => Expr::new(
                ExprKind::Logical {
                    and: true,
                    lhs: Box::new(check),
                    rhs: Box::new(p),
                },
                Type::Bool,
                span,
            ),
        })
    }
}
