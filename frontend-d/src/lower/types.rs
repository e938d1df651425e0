//! D's types and C's conversions: `int` is 32 bits, `long` 64; operands are promoted to `int`
//! and converted to a common type by C's usual arithmetic conversions.

use crate::ast;
use ir::{Expr, ExprKind, IntType, Type};

/// D's `int`.
pub const INT: Type = Type::Int(IntType {
    bits: 32,
    signed: true,
});

/// The IR type of a D integer type name (`int`, `unsigned long long`, `uint64_t`, `pid_t`...).
pub fn integer_type(words: &[&str]) -> Option<IntType> {
    let mut signed = None;
    let mut longs = 0;
    let mut base = None;
    for w in words {
        match *w {
            "signed" => signed = Some(true),
            "unsigned" => signed = Some(false),
            "long" => longs += 1,
            "short" => base = Some(16),
            "char" => base = Some(8),
            "int" => base = base.or(Some(32)),
            _ if words.len() == 1 => return named_integer(w),
            _ => return None,
        }
    }
    let bits = match (base, longs) {
        (Some(8), 0) => 8,
        (Some(16), 0) => 16,
        (_, 1) | (_, 2) => 64,
        (Some(32) | None, 0) => 32,
        _ => return None,
    };
    Some(IntType {
        bits,
        signed: signed.unwrap_or(true),
    })
}

/// Typedef'd integer names D predefines.
fn named_integer(name: &str) -> Option<IntType> {
    let (bits, signed) = match name {
        "int8_t" => (8, true),
        "uint8_t" | "uchar_t" => (8, false),
        "int16_t" => (16, true),
        "uint16_t" | "ushort_t" => (16, false),
        "int32_t" | "pid_t" | "id_t" | "processorid_t" | "zoneid_t" | "projid_t" | "taskid_t"
        | "key_t" => (32, true),
        "uint32_t" | "uint_t" | "uid_t" | "gid_t" | "mode_t" | "umode_t" | "dev32_t" => (32, false),
        "int64_t" | "intptr_t" | "ssize_t" | "off_t" | "off64_t" | "time_t" | "hrtime_t"
        | "longlong_t" | "clock_t" => (64, true),
        "uint64_t" | "uintptr_t" | "size_t" | "ulong_t" | "u_longlong_t" | "dev_t" | "ino_t"
        | "caddr_t" => (64, false),
        _ => return None,
    };
    Some(IntType { bits, signed })
}

/// The type of an integer literal, as C (and D) types it: the first of `int`, `unsigned int`
/// (hex/octal or `u`), `long`, `unsigned long` (hex/octal or `u`) that holds the value, with
/// `l`/`ll` skipping the 32-bit types.
pub fn literal_type(lit: &ast::IntLit) -> IntType {
    let s = lit.suffix.to_ascii_lowercase();
    let unsigned_suffix = s.contains('u');
    let long_suffix = s.contains('l');
    let any_unsigned = unsigned_suffix || lit.radix != 10;
    let v = lit.value;
    let mut candidates: Vec<IntType> = Vec::new();
    if !long_suffix {
        if !unsigned_suffix {
            candidates.push(IntType::I32);
        }
        if any_unsigned {
            candidates.push(IntType::U32);
        }
    }
    if !unsigned_suffix {
        candidates.push(IntType::I64);
    }
    candidates.push(IntType::U64);
    candidates
        .into_iter()
        .find(|t| fits(v, *t))
        .unwrap_or(IntType::U64)
}

fn fits(v: u64, t: IntType) -> bool {
    match (t.bits, t.signed) {
        (32, true) => v <= i32::MAX as u64,
        (32, false) => v <= u64::from(u32::MAX),
        (64, true) => v <= i64::MAX as u64,
        _ => true,
    }
}

/// The type of a constant `v` given as a signed value (macro arguments, enumerators).
pub fn constant_type(v: i64) -> IntType {
    if i32::try_from(v).is_ok() {
        IntType::I32
    } else {
        IntType::I64
    }
}

/// C's integer promotion: types narrower than `int` (and `bool`) become `int`.
pub fn promote(t: &Type) -> Type {
    match t {
        Type::Int(i) if i.bits < 32 => INT,
        Type::Bool => INT,
        other => other.clone(),
    }
}

/// C's usual arithmetic conversions of two integer types.
pub fn common_type(a: &Type, b: &Type) -> Type {
    let (Type::Int(x), Type::Int(y)) = (promote(a), promote(b)) else {
        return Type::I64;
    };
    if x == y {
        return Type::Int(x);
    }
    if x.signed == y.signed {
        return Type::Int(if x.bits >= y.bits { x } else { y });
    }
    let (s, u) = if x.signed { (x, y) } else { (y, x) };
    if u.bits >= s.bits {
        Type::Int(u)
    } else {
        // The signed type is wider, so it holds every value of the unsigned one.
        Type::Int(s)
    }
}

/// Converts `e` to type `to` (integer widening or narrowing, string resize); constants are
/// retyped in place.
pub fn coerce(e: Expr, to: &Type) -> Expr {
    if e.ty == *to {
        return e;
    }
    let Expr { kind, ty, span } = e;
    match (kind, to) {
        (ExprKind::Int(v), Type::Int(t)) => {
            Expr::new(ExprKind::Int(truncate(v, &ty, *t)), to.clone(), span)
        }
        (ExprKind::Bool(b), Type::Int(_)) => {
            Expr::new(ExprKind::Int(u64::from(b)), to.clone(), span)
        }
        (ExprKind::Tuple(items), Type::Tuple(targets)) if items.len() == targets.len() => {
            let items = items
                .into_iter()
                .zip(targets)
                .map(|(x, t)| coerce(x, t))
                .collect();
            Expr::new(ExprKind::Tuple(items), to.clone(), span)
        }
        (ExprKind::Str(s), Type::Str { .. }) => Expr::new(ExprKind::Str(s), to.clone(), span),
        (kind, _) => Expr::new(
            ExprKind::Cast(Box::new(Expr { kind, ty, span })),
            to.clone(),
            span,
        ),
    }
}

/// The bits of constant `v` (of type `from`) converted to integer type `to`: truncated to
/// `to`'s width, sign-extended when `to` is signed.
fn truncate(v: u64, from: &Type, to: IntType) -> u64 {
    // Sign-extend the source first, so that (long)-1 stays all ones.
    let v = match from {
        Type::Int(f) if f.signed && f.bits < 64 => {
            let shift = 64 - u32::from(f.bits);
            (((v << shift) as i64) >> shift) as u64
        }
        _ => v,
    };
    if to.bits >= 64 {
        return v;
    }
    let shift = 64 - u32::from(to.bits);
    if to.signed {
        (((v << shift) as i64) >> shift) as u64
    } else {
        (v << shift) >> shift
    }
}

/// D's name of a type, for messages (`int`, `uint64_t`, `string`).
pub fn d_name(t: &Type) -> String {
    match t {
        Type::Int(i) => match (i.bits, i.signed) {
            (32, true) => "int".into(),
            (64, true) => "int64_t".into(),
            (bits, true) => format!("int{bits}_t"),
            (32, false) => "uint32_t".into(),
            (bits, false) => format!("uint{bits}_t"),
        },
        Type::Bool => "int".into(),
        Type::Str { .. } => "string".into(),
        Type::Void => "void".into(),
        Type::Struct(st) => st.c_name(),
        Type::Ptr { pointee, .. } => match &**pointee {
            Type::Int(IntType {
                bits: 8,
                signed: true,
            }) => "char *".into(),
            p => format!("{} *", d_name(p)),
        },
        Type::Array { elem, len } => format!("{} [{len}]", d_name(elem)),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(value: u64, radix: u32, suffix: &str) -> ast::IntLit {
        ast::IntLit {
            value,
            radix,
            suffix: suffix.into(),
        }
    }

    #[test]
    fn literals_are_typed_as_c_types_them() {
        assert_eq!(literal_type(&lit(1, 10, "")), IntType::I32);
        assert_eq!(literal_type(&lit(1 << 31, 10, "")), IntType::I64);
        assert_eq!(literal_type(&lit(0xDEADBEEF, 16, "")), IntType::U32);
        assert_eq!(literal_type(&lit(10, 10, "u")), IntType::U32);
        assert_eq!(literal_type(&lit(10, 10, "l")), IntType::I64);
        assert_eq!(literal_type(&lit(10, 10, "UL")), IntType::U64);
        assert_eq!(literal_type(&lit(u64::MAX, 10, "ULL")), IntType::U64);
    }

    #[test]
    fn usual_arithmetic_conversions() {
        let i8t = Type::int(8, true);
        assert_eq!(common_type(&i8t, &i8t), INT);
        assert_eq!(common_type(&INT, &Type::U32), Type::U32);
        assert_eq!(common_type(&Type::U32, &Type::I64), Type::I64);
        assert_eq!(common_type(&Type::U64, &INT), Type::U64);
        assert_eq!(
            integer_type(&["unsigned", "long", "long"]),
            Some(IntType::U64)
        );
        assert_eq!(
            integer_type(&["short"]),
            Some(IntType {
                bits: 16,
                signed: true
            })
        );
        assert_eq!(integer_type(&["pid_t"]), Some(IntType::I32));
    }

    #[test]
    fn constants_truncate_and_sign_extend() {
        assert_eq!(truncate(0x1_0000_0001, &Type::I64, IntType::I32), 1);
        assert_eq!(truncate(u64::MAX, &Type::I64, IntType::U32), 0xffff_ffff);
        assert_eq!(truncate(0xffff_ffff, &INT, IntType::I64), u64::MAX);
        assert_eq!(truncate(0xffff_ffff, &Type::U32, IntType::I64), 0xffff_ffff);
    }
}
