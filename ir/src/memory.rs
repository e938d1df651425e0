//! Language-neutral lowering of C memory access shared by the front ends: struct members
//! through pointers and struct places, address arithmetic, bitfields.
//!
//! A struct-typed [`ExprKind::Deref`] is a *place*: the next member access or index folds into
//! its address, so a whole struct is never copied.

use crate::{AddrSpace, BinaryOp, Bitfield, Expr, ExprKind, Span, StructField, StructType, Type};
use std::sync::Arc;

/// `e` converted to integer type `to` (a cast unless it already has that type).
fn cast(e: Expr, to: &Type) -> Expr {
    if e.ty == *to {
        return e;
    }
    let span = e.span;
    Expr::new(ExprKind::Cast(Box::new(e)), to.clone(), span)
}

/// The address, struct type and address space behind a struct pointer or a struct place.
pub fn place_of(base: &Expr) -> Option<(Expr, Arc<StructType>, AddrSpace)> {
    match (&base.ty, &base.kind) {
        (Type::Ptr { pointee, space }, _) => match &**pointee {
            Type::Struct(st) => Some((base.clone(), Arc::clone(st), *space)),
            _ => None,
        },
        (Type::Struct(st), ExprKind::Deref { ptr, space }) => {
            Some(((**ptr).clone(), Arc::clone(st), *space))
        }
        _ => None,
    }
}

/// `addr + off` as a uint64 (just `addr` when `off` is 0).
pub fn offset_addr(addr: Expr, off: u64, span: Span) -> Expr {
    let addr = cast(addr, &Type::U64);
    if off == 0 {
        return addr;
    }
    // Fold into an existing `x + constant`.
    if let ExprKind::Binary {
        op: BinaryOp::Add,
        lhs,
        rhs,
    } = &addr.kind
    {
        if let ExprKind::Int(c) = rhs.kind {
            return Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Add,
                    lhs: lhs.clone(),
                    rhs: Box::new(Expr::new(
                        ExprKind::Int(c.wrapping_add(off)),
                        Type::U64,
                        span,
                    )),
                },
                Type::U64,
                span,
            );
        }
    }
    Expr::new(
        ExprKind::Binary {
            op: BinaryOp::Add,
            lhs: Box::new(addr),
            rhs: Box::new(Expr::new(ExprKind::Int(off), Type::U64, span)),
        },
        Type::U64,
        span,
    )
}

/// `t` with its pointers (at the top level) pointing into `space`: pointers read from user
/// memory are user pointers.
pub fn in_space(t: &Type, space: AddrSpace) -> Type {
    match t {
        Type::Ptr { pointee, .. } => Type::Ptr {
            pointee: pointee.clone(),
            space,
        },
        other => other.clone(),
    }
}

/// The value of a bitfield from the integer `read` that holds it: shifted and masked
/// (sign-extended when signed), as a 64-bit integer.
pub fn extract_bits(read: Expr, bf: Bitfield, span: Span) -> Expr {
    let signed = matches!(read.ty, Type::Int(i) if i.signed);
    let ty = if signed { Type::I64 } else { Type::U64 };
    let wide = cast(read, &ty);
    let bin = |op, lhs: Expr, n: u64| {
        Expr::new(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(Expr::new(ExprKind::Int(n), ty.clone(), span)),
            },
            ty.clone(),
            span,
        )
    };
    let bits = u64::from(bf.bits.clamp(1, 64));
    let shift = u64::from(bf.shift);
    // Move the field's top bit to bit 63, then shift back down (arithmetic when signed).
    let up = bin(BinaryOp::Shl, wide, (64 - bits).saturating_sub(shift));
    bin(BinaryOp::Shr, up, 64 - bits)
}

/// A bitfield member `bits` wide starting at bit `bit_offset` of the struct.
pub fn bitfield_member(name: &str, signed: bool, bit_offset: u32, bits: u32) -> StructField {
    let shift = bit_offset % 8;
    let bytes = match (shift + bits).div_ceil(8) {
        0..=1 => 1,
        2 => 2,
        3..=4 => 4,
        _ => 8,
    };
    StructField {
        name: name.to_string(),
        ty: Type::int((bytes * 8) as u8, signed),
        offset: bit_offset / 8,
        bitfield: Some(Bitfield {
            shift: shift as u8,
            bits: bits as u8,
        }),
    }
}
