//! D's `alloca(size)` and `bcopy(src, dst, size)`: clause scratch memory. An alloca'd region is
//! ordinary kernel memory (a slice of the per-CPU scratch entry), so the `void *` it yields is a
//! kernel pointer that casts, `*`, `->`, `stringof` and `tracemem` read like any other; bcopy
//! checks at run time, as DTrace does, that its destination lies in that memory.

use super::types::coerce;
use super::Lowerer;
use crate::ast;
use ir::{abi, AddrSpace, Expr, ExprKind, Function, Span, Stmt, Type};

/// The largest `alloca` one call may make (bytes); larger ones are DTrace's
/// `out of scratch space` fault.
pub(crate) const ALLOCA_MAX: u32 = 4096;

impl Lowerer<'_> {
    /// A compile-time size argument of `func` (argument number `n`, from 1); `None` after an
    /// error.
    fn scratch_size(&mut self, func: &str, n: usize, arg: &ast::Expr) -> Option<u64> {
        let x = self.expr(arg)?;
        if !x.ty.is_integer() {
            self.error(
                x.span,
                format!(
                    "{func}( ) argument #{n} is incompatible with prototype:\n\tprototype: size_t\n\t argument: {}",
                    super::types::d_name(&x.ty)
                ),
            );
            return None;
        }
        match self.constant(arg) {
            Some(v) if v >= 0 => Some(v as u64),
            Some(_) => Some(u64::MAX),
            None => {
                self.unsupported(
                    arg.span,
                    format!("{func}( ) of a size that is not a constant"),
                );
                None
            }
        }
    }

    fn scratch_arity(&mut self, func: &str, args: &[ast::Expr], want: usize, span: Span) -> bool {
        if args.len() == want {
            return true;
        }
        self.error(
            span,
            format!(
                "{func}( ) prototype mismatch: {} arg{} passed, {want} expected",
                args.len(),
                if args.len() == 1 { "" } else { "s" }
            ),
        );
        false
    }

    /// `alloca(size)`: a `void *` to `size` zeroed bytes of scratch memory.
    pub(crate) fn alloca(&mut self, args: &[ast::Expr], span: Span) -> Option<Expr> {
        if !self.scratch_arity("alloca", args, 1, span) {
            return None;
        }
        let size = self.scratch_size("alloca", 1, &args[0])?;
        let ptr_ty = Type::Ptr {
            pointee: Box::new(Type::Void),
            space: AddrSpace::Kernel,
        };
        if size > u64::from(ALLOCA_MAX) {
            let yes = Expr::new(ExprKind::Bool(true), Type::Bool, span);
            let zero = Expr::int(0, Type::U64, span);
            let fault = self.fault_check(yes, abi::DTRACEFLT_NOSCRATCH, zero.clone(), span);
            return Some(super::expr::block(
                vec![fault],
                Expr::new(ExprKind::Cast(Box::new(zero)), ptr_ty, span),
            ));
        }
        let at = Expr::new(
            ExprKind::Call {
                func: Function::Alloca {
                    size: (size as u32).max(1),
                },
                args: Vec::new(),
            },
            Type::U64,
            span,
        );
        Some(Expr::new(ExprKind::Cast(Box::new(at)), ptr_ty, span))
    }

    /// `bcopy(src, dst, size)`: copies `size` bytes from `src` (user memory when it is a pointer
    /// into user memory, kernel memory otherwise) into alloca'd memory at `dst`; a destination
    /// outside it, or a source that cannot be read, is the `invalid address` fault.
    pub(crate) fn bcopy(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<Stmt>) {
        self.copy_to_scratch("bcopy", args, [0, 1, 2], None, span, out);
    }

    /// `copyinto(src, size, dst)`: `bcopy` from user memory.
    pub(crate) fn copyinto(&mut self, args: &[ast::Expr], span: Span, out: &mut Vec<Stmt>) {
        self.copy_to_scratch(
            "copyinto",
            args,
            [0, 2, 1],
            Some(AddrSpace::User),
            span,
            out,
        );
    }

    /// `bcopy`/`copyinto`: `at` gives the argument indexes of the source, the destination and
    /// the size; `from` forces the source's address space.
    fn copy_to_scratch(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        at: [usize; 3],
        from: Option<AddrSpace>,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        if !self.scratch_arity(name, args, 3, span) {
            return;
        }
        let src = self.expr(&args[at[0]]);
        let dst = self.expr(&args[at[1]]);
        let size = self.scratch_size(name, at[2] + 1, &args[at[2]]);
        let (Some(src), Some(dst), Some(size)) = (src, dst, size) else {
            return;
        };
        for (i, x) in [(at[0], &src), (at[1], &dst)] {
            if !(x.ty.is_integer() || matches!(x.ty, Type::Ptr { .. })) {
                self.error(
                    x.span,
                    format!(
                        "{name}( ) argument #{} is incompatible with prototype:\n\tprototype: void *\n\t argument: {}",
                        i + 1,
                        super::types::d_name(&x.ty)
                    ),
                );
                return;
            }
        }
        if size == 0 {
            return;
        }
        let space = match (from, &src.ty) {
            (Some(s), _) => s,
            (None, Type::Ptr { space, .. }) => *space,
            (None, _) => AddrSpace::Kernel,
        };
        // Larger than any alloca'd region: the destination check fails.
        let size = size.min(u64::from(ALLOCA_MAX) + 1) as u32;
        let s = self.bind(out, coerce(src, &Type::U64));
        let d = self.bind(out, coerce(dst, &Type::U64));
        let bad_dst = Expr::new(
            ExprKind::Call {
                func: Function::Bcopy { space, size },
                args: vec![s.clone(), d.clone()],
            },
            Type::Bool,
            span,
        );
        let check = self.fault_check(bad_dst, abi::DTRACEFLT_BADADDR, d, span);
        out.push(check);
        let check = self.bad_address_check(s, size, space, span);
        out.push(check);
    }
}
