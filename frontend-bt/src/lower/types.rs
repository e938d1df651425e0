//! Typing rules: how types are spelled in scripts, how values are widened when stored, and
//! which type an operation on two integers has.

use crate::ast;
use ir::{Expr, ExprKind, IntType, Type};

/// The type a value takes when stored in a map or a variable: integers widen to 64 bits (keeping
/// their sign), as bpftrace does, so later stores of other integer widths fit.
pub fn normalize_stored(t: &Type) -> Type {
    match t {
        Type::Int(i) => Type::Int(IntType {
            bits: 64,
            signed: i.signed,
        }),
        Type::Tuple(items) => Type::Tuple(items.iter().map(normalize_stored).collect()),
        Type::Record(fields) => Type::Record(
            fields
                .iter()
                .map(|(n, t)| (n.clone(), normalize_stored(t)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The stored type that can hold values of both `a` and `b` (strings take the larger size,
/// integers keep the first one's sign), or `None` when they are incompatible.
pub fn unify_stored(a: &Type, b: &Type) -> Option<Type> {
    let (a, b) = (normalize_stored(a), normalize_stored(b));
    match (&a, &b) {
        (Type::Int(_), Type::Int(_)) | (Type::Int(_), Type::Bool) => Some(a),
        (Type::Str { size: x }, Type::Str { size: y }) => Some(Type::Str { size: (*x).max(*y) }),
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => xs
            .iter()
            .zip(ys)
            .map(|(x, y)| unify_stored(x, y))
            .collect::<Option<Vec<_>>>()
            .map(Type::Tuple),
        (Type::Record(xs), Type::Record(ys))
            if xs.len() == ys.len() && xs.iter().zip(ys).all(|((n, _), (m, _))| n == m) =>
        {
            xs.iter()
                .zip(ys)
                .map(|((n, x), (_, y))| unify_stored(x, y).map(|t| (n.clone(), t)))
                .collect::<Option<Vec<_>>>()
                .map(Type::Record)
        }
        _ if a == b => Some(a),
        _ => None,
    }
}

/// Converts `e` to type `to` where that is a plain widening, narrowing or string resize;
/// returns `e` unchanged when the types already agree.
pub fn coerce(e: Expr, to: &Type) -> Expr {
    if e.ty == *to {
        return e;
    }
    let Expr { kind, ty, span } = e;
    match (kind, to) {
        // Constants are retyped in place so the dump and the code stay simple.
        (ExprKind::Int(v), Type::Int(_)) => Expr::new(ExprKind::Int(v), to.clone(), span),
        (ExprKind::Bool(b), Type::Int(_)) => {
            Expr::new(ExprKind::Int(u64::from(b)), to.clone(), span)
        }
        (ExprKind::Tuple(items), Type::Tuple(targets)) if items.len() == targets.len() => {
            let items: Vec<Expr> = items
                .into_iter()
                .zip(targets)
                .map(|(x, t)| coerce(x, t))
                .collect();
            Expr::new(ExprKind::Tuple(items), to.clone(), span)
        }
        (ExprKind::Record(items), Type::Record(targets)) if items.len() == targets.len() => {
            let items: Vec<Expr> = items
                .into_iter()
                .zip(targets)
                .map(|(x, (_, t))| coerce(x, t))
                .collect();
            Expr::new(ExprKind::Record(items), to.clone(), span)
        }
        (kind, _) => Expr::new(
            ExprKind::Cast(Box::new(Expr { kind, ty, span })),
            to.clone(),
            span,
        ),
    }
}

/// The common type of two integer operands of an arithmetic or comparison operator: 64 bits,
/// signed unless an operand is unsigned (a constant takes the other operand's sign).
pub fn arithmetic_type(lhs: &Expr, rhs: &Expr) -> Type {
    let signed = |e: &Expr| match e.ty {
        Type::Int(i) => i.signed,
        _ => true,
    };
    let is_const = |e: &Expr| matches!(e.kind, ExprKind::Int(_));
    let signed = match (is_const(lhs), is_const(rhs)) {
        (true, false) => signed(rhs),
        (false, true) => signed(lhs),
        _ => signed(lhs) && signed(rhs),
    };
    Type::Int(IntType { bits: 64, signed })
}

/// The IR type for a type written in the script, or a message saying why it is not supported.
pub fn from_ast(t: &ast::Type, max_strlen: u32) -> Result<Type, String> {
    match &t.kind {
        ast::TypeKind::Named(name) => {
            named_type(name, max_strlen).ok_or_else(|| unknown_type(name))
        }
        ast::TypeKind::Array(elem, Some(n)) => {
            let elem = from_ast(elem, max_strlen)?;
            Ok(Type::Array {
                elem: Box::new(elem),
                len: *n as u32,
            })
        }
        ast::TypeKind::Array(_, None) => Err("an array type needs a length".into()),
        ast::TypeKind::Struct(n) | ast::TypeKind::Union(n) | ast::TypeKind::Enum(n) => Err(
            format!("the type '{n}' is not supported yet (it needs BTF types)"),
        ),
        ast::TypeKind::Pointer(_) => {
            Err("a pointer type is not supported yet (it needs BTF types)".into())
        }
        ast::TypeKind::Typeof(_) => Err("typeof is not supported yet".into()),
    }
}

/// The message for a type name that is not a builtin: a near miss of a builtin is a typo;
/// anything else is presumably a kernel typedef, which needs BTF.
fn unknown_type(name: &str) -> String {
    const BUILTIN: &[&str] = &[
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "string",
    ];
    match ir::diag::did_you_mean(name, BUILTIN.iter().copied()) {
        Some(s) => format!("unknown type '{name}' (did you mean '{s}'?)"),
        None => format!("the type '{name}' is not supported yet (typedefs need BTF types)"),
    }
}

/// The builtin scalar type names.
pub fn named_type(name: &str, max_strlen: u32) -> Option<Type> {
    Some(match name {
        "bool" => Type::Bool,
        "int8" => Type::int(8, true),
        "int16" => Type::int(16, true),
        "int32" => Type::int(32, true),
        "int64" => Type::int(64, true),
        "uint8" => Type::int(8, false),
        "uint16" => Type::int(16, false),
        "uint32" => Type::int(32, false),
        "uint64" => Type::int(64, false),
        "string" => Type::Str { size: max_strlen },
        _ => return None,
    })
}

/// The width and sign of a C integer type spelled in a tracefs `format` file, if it is one.
pub fn c_integer(c_type: &str) -> Option<IntType> {
    let words: Vec<&str> = c_type
        .split_whitespace()
        .filter(|w| *w != "const" && *w != "volatile")
        .collect();
    let unsigned = words.contains(&"unsigned");
    let base: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| *w != "unsigned" && *w != "signed")
        .collect();
    let (bits, signed) = match base.as_slice() {
        ["char"] => (8, !unsigned),
        ["short"] | ["short", "int"] => (16, !unsigned),
        ["int"] | [] if !words.is_empty() => (32, !unsigned),
        ["long"] | ["long", "int"] | ["long", "long"] | ["long", "long", "int"] => (64, !unsigned),
        ["bool"] | ["_Bool"] | ["u8"] | ["__u8"] => (8, false),
        ["s8"] | ["__s8"] => (8, true),
        ["u16"] | ["__u16"] | ["umode_t"] | ["__be16"] | ["__le16"] => (16, false),
        ["s16"] | ["__s16"] => (16, true),
        ["u32"]
        | ["__u32"]
        | ["uid_t"]
        | ["gid_t"]
        | ["__be32"]
        | ["__le32"]
        | ["dev_t"]
        | ["gfp_t"]
        | ["fmode_t"] => (32, false),
        ["s32"]
        | ["__s32"]
        | ["pid_t"]
        | ["key_serial_t"]
        | ["clockid_t"]
        | ["mqd_t"]
        | ["timer_t"] => (32, true),
        ["u64"]
        | ["__u64"]
        | ["size_t"]
        | ["sector_t"]
        | ["ino_t"]
        | ["blkcnt_t"]
        | ["dma_addr_t"]
        | ["uintptr_t"] => (64, false),
        ["s64"]
        | ["__s64"]
        | ["loff_t"]
        | ["ssize_t"]
        | ["off_t"]
        | ["time64_t"]
        | ["ktime_t"]
        | ["cputime_t"] => (64, true),
        _ => return None,
    };
    Some(IntType { bits, signed })
}
