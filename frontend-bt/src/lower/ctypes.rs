//! C types: struct/union/enum definitions in the script, kernel types from the BTF catalogue,
//! casts to them, field access through pointers (`->` and the auto-dereferencing `.`),
//! `sizeof`, `offsetof`, and the `curtask`/`ppid` builtins.
//!
//! Field access never copies a whole struct: `p->a.b` lowers to one `Deref` of the field's type
//! at `p + offsetof(a) + offsetof(b)`. A struct-typed `Deref` is a *place* that the next field
//! access or index folds into its address; only a place used as a value is read.

use std::collections::HashMap;
use std::sync::Arc;

use super::probes::{ProbeContext, ProbeKind};
use super::types::{c_integer, coerce, named_type};
use super::Lowerer;
use crate::ast;
use ir::diag::Diagnostic;
pub use ir::memory::bitfield_member;
use ir::memory::{extract_bits, in_space, offset_addr, place_of};
use ir::{
    AddrSpace, AggregateKind, BinaryOp, Builtin, Expr, ExprKind, Span, StructField, StructType,
    Type,
};

/// Types defined in the script (`struct Foo { ... }`, `enum E { ... }`), which take precedence
/// over kernel types of the same name.
#[derive(Debug, Default)]
pub struct ScriptTypes {
    aggregates: HashMap<(AggregateKind, String), Arc<StructType>>,
    enums: HashMap<String, ()>,
}

impl ScriptTypes {
    /// Records that the script defines `enum name`.
    pub fn add_enum(&mut self, name: &str) {
        self.enums.insert(name.to_string(), ());
    }
}

/// The address space pointers in a probe's arguments point into.
/// Syscall tracepoint arguments and uprobe/uretprobe registers hold user pointers; everything
/// else (kprobes, BEGIN, ...) kernel pointers.
pub(crate) fn probe_space(ctx: Option<&ProbeContext>) -> AddrSpace {
    match ctx {
        Some(c) if c.user_args => AddrSpace::User,
        Some(ProbeContext {
            kind: ProbeKind::Entry { user: true } | ProbeKind::Return { user: true },
            ..
        }) => AddrSpace::User,
        _ => AddrSpace::Kernel,
    }
}

impl Lowerer<'_> {
    /// The IR type for a type written in the script (builtin names, kernel typedefs, structs,
    /// unions, enums, pointers, arrays). Pointers point into `space`.
    pub(crate) fn lower_type(&mut self, t: &ast::Type, space: AddrSpace) -> Result<Type, String> {
        match &t.kind {
            ast::TypeKind::Named(name) => {
                if let Some(ty) = named_type(name, self.config.max_strlen) {
                    return Ok(ty);
                }
                match self.options.types.typedef(name) {
                    Ok(Some(ty)) => Ok(ty),
                    Ok(None) | Err(_) => Err(super::types::from_ast(t, self.config.max_strlen)
                        .err()
                        .unwrap_or_else(|| format!("unknown type '{name}'"))),
                }
            }
            ast::TypeKind::Struct(n) => self.aggregate(AggregateKind::Struct, n).map(Type::Struct),
            ast::TypeKind::Union(n) => self.aggregate(AggregateKind::Union, n).map(Type::Struct),
            ast::TypeKind::Enum(n) => {
                if self.ctypes.enums.contains_key(n) {
                    return Ok(Type::I64);
                }
                match self.options.types.enum_type(n) {
                    Ok(Some(ty)) => Ok(ty),
                    Ok(None) => Err(format!("unknown type 'enum {n}'")),
                    Err(e) => Err(format!("cannot look up 'enum {n}': {e}")),
                }
            }
            ast::TypeKind::Pointer(inner) => {
                let pointee = match &inner.kind {
                    ast::TypeKind::Named(n) if n == "void" => Type::Void,
                    _ => self.lower_type(inner, space)?,
                };
                Ok(Type::Ptr {
                    pointee: Box::new(pointee),
                    space,
                })
            }
            ast::TypeKind::Array(elem, Some(n)) => {
                let elem = self.lower_type(elem, space)?;
                let len = u32::try_from(*n).map_err(|_| "the array is too large".to_string())?;
                Ok(Type::Array {
                    elem: Box::new(elem),
                    len,
                })
            }
            ast::TypeKind::Array(_, None) => Err("an array type needs a length".into()),
            ast::TypeKind::Typeof(of) => match &**of {
                ast::TypeOrExpr::Type(t) => self.lower_type(t, space),
                ast::TypeOrExpr::Expr(e) => match self.typeof_types.get(&e.span) {
                    Some(ty) => Ok(ty.clone()),
                    None => Err("typeof(expression) is not allowed here".into()),
                },
            },
        }
    }

    /// Works out the type of every `typeof(expression)` inside `t` (by lowering the expression,
    /// whose code is dropped), so [`Self::lower_type`] can use it. `typeof(name)` where `name`
    /// is a type name (`typeof(uint32)`, `typeof(pid_t)`) is that type.
    pub(crate) fn prepare_typeof(
        &mut self,
        t: &ast::Type,
        ctx: &ProbeContext,
        scopes: &mut super::scope::Scopes,
    ) {
        match &t.kind {
            ast::TypeKind::Typeof(of) => match &**of {
                ast::TypeOrExpr::Type(t) => self.prepare_typeof(t, ctx, scopes),
                ast::TypeOrExpr::Expr(e) => {
                    let ty = match &e.kind {
                        ast::ExprKind::Ident(n) if self.sizeof_name(n).is_some() => {
                            let named = ast::Type {
                                kind: ast::TypeKind::Named(n.clone()),
                                span: e.span,
                            };
                            self.lower_type(&named, probe_space(Some(ctx))).ok()
                        }
                        _ => None,
                    };
                    let ty = ty.unwrap_or_else(|| self.lower_expr(e, ctx, scopes).ty);
                    self.typeof_types.insert(e.span, ty);
                }
            },
            ast::TypeKind::Pointer(inner) | ast::TypeKind::Array(inner, _) => {
                self.prepare_typeof(inner, ctx, scopes)
            }
            _ => {}
        }
    }

    /// `struct name` / `union name`: the script's definition, else the kernel's (complete).
    pub(super) fn aggregate(
        &mut self,
        kind: AggregateKind,
        name: &str,
    ) -> Result<Arc<StructType>, String> {
        if let Some(st) = self.ctypes.aggregates.get(&(kind, name.to_string())) {
            return Ok(Arc::clone(st));
        }
        let kw = match kind {
            AggregateKind::Struct => "struct",
            AggregateKind::Union => "union",
        };
        match self.options.types.aggregate(kind, name) {
            Ok(Some(st)) => Ok(st),
            Ok(None) => Err(format!("unknown type '{kw} {name}'")),
            Err(e) => Err(format!("cannot look up '{kw} {name}': {e}")),
        }
    }

    /// The complete definition of a struct reached through a pointer.
    fn complete(&mut self, st: &Arc<StructType>) -> Result<Arc<StructType>, String> {
        if st.complete {
            return Ok(Arc::clone(st));
        }
        if st.btf_id.is_none() {
            if let Some(found) = self.ctypes.aggregates.get(&(st.kind, st.name.clone())) {
                return Ok(Arc::clone(found));
            }
        }
        self.options
            .types
            .complete(st)
            .map_err(|e| format!("{} is incomplete: {e}", st.c_name()))
    }

    /// `struct Foo { int a; char name[16]; struct Foo *next; unsigned int flag : 1; };`
    /// laid out as a C compiler does.
    pub(crate) fn define_struct(&mut self, s: &ast::CStruct) {
        let kind = match s.kind {
            ast::CAggregateKind::Struct => AggregateKind::Struct,
            ast::CAggregateKind::Union => AggregateKind::Union,
        };
        let mut fields = Vec::new();
        let mut offset_bits: u32 = 0;
        let mut size: u32 = 0;
        let mut align: u32 = 1;
        for f in &s.fields {
            let ty = match self.c_field_type(&f.ty, kind, &s.name.name) {
                Ok(t) => t,
                Err(msg) => {
                    self.error(f.ty.span, msg);
                    continue;
                }
            };
            let a = ty.align().max(1);
            align = align.max(a);
            let start_bits = if kind == AggregateKind::Union {
                0
            } else {
                offset_bits
            };
            match (f.bitfield, &ty) {
                (Some(bits), Type::Int(it)) if bits >= 1 && bits <= u64::from(it.bits) => {
                    let unit = u32::from(it.bits);
                    let bits = bits as u32;
                    // A bitfield does not straddle a unit of its declared type.
                    let mut start = start_bits;
                    if start % unit + bits > unit {
                        start = start.div_ceil(unit) * unit;
                    }
                    fields.push(bitfield_member(&f.name.name, it.signed, start, bits));
                    offset_bits = start + bits;
                    size = size.max((start + bits).div_ceil(8));
                }
                (Some(_), _) => {
                    self.error(f.span, "a bitfield needs an integer type at least as wide");
                }
                (None, _) => {
                    let off = ir::types::round_up(start_bits.div_ceil(8), a);
                    fields.push(StructField {
                        name: f.name.name.clone(),
                        ty: ty.clone(),
                        offset: off,
                        bitfield: None,
                    });
                    offset_bits = (off + ty.size()) * 8;
                    size = size.max(off + ty.size());
                }
            }
        }
        let st = StructType {
            kind,
            name: s.name.name.clone(),
            size: ir::types::round_up(size, align),
            align,
            fields,
            complete: true,
            btf_id: None,
        };
        self.ctypes
            .aggregates
            .insert((kind, s.name.name.clone()), Arc::new(st));
    }

    /// The type of a field in a script struct definition.
    fn c_field_type(
        &mut self,
        c: &ast::CType,
        self_kind: AggregateKind,
        self_name: &str,
    ) -> Result<Type, String> {
        let words: Vec<&str> = c
            .words
            .iter()
            .map(String::as_str)
            .filter(|w| !matches!(*w, "const" | "volatile"))
            .collect();
        let mut ty = match words.as_slice() {
            [kw @ ("struct" | "union"), name] => {
                let kind = if *kw == "struct" {
                    AggregateKind::Struct
                } else {
                    AggregateKind::Union
                };
                if c.pointers > 0 && kind == self_kind && *name == self_name {
                    // A pointer to the struct being defined: completed on access.
                    Type::Struct(Arc::new(StructType {
                        kind,
                        name: name.to_string(),
                        size: 0,
                        align: 1,
                        fields: Vec::new(),
                        complete: false,
                        btf_id: None,
                    }))
                } else {
                    Type::Struct(self.aggregate(kind, name)?)
                }
            }
            ["enum", _] => Type::I32,
            ["char"] | ["signed", "char"] => Type::int(8, true),
            ["void"] if c.pointers > 0 => Type::Void,
            [one] => match named_type(one, self.config.max_strlen) {
                Some(t) => t,
                None => match c_integer(one) {
                    Some(i) => Type::Int(i),
                    None => match self.options.types.typedef(one) {
                        Ok(Some(t)) => t,
                        _ => return Err(format!("unknown type '{one}'")),
                    },
                },
            },
            _ => match c_integer(&words.join(" ")) {
                Some(i) => Type::Int(i),
                None => return Err(format!("unknown type '{}'", words.join(" "))),
            },
        };
        for _ in 0..c.pointers {
            ty = Type::Ptr {
                pointee: Box::new(ty),
                space: AddrSpace::Kernel,
            };
        }
        for n in c.arrays.iter().rev() {
            let Some(n) = n else {
                return Err("an array field needs a length".into());
            };
            let len = u32::try_from(*n).map_err(|_| "the array is too large".to_string())?;
            ty = if ty == Type::int(8, true) && c.pointers == 0 {
                Type::Str { size: len }
            } else {
                Type::Array {
                    elem: Box::new(ty),
                    len,
                }
            };
        }
        Ok(ty)
    }

    /// `base.field` / `base->field` where `base` is a struct pointer or a struct place.
    /// `Err(base)` when `base` is neither (the caller handles records and reports errors).
    pub(crate) fn struct_member(
        &mut self,
        base: Expr,
        field: &ast::Ident,
        span: Span,
    ) -> Result<Expr, Expr> {
        let (addr, st, space) = match place_of(&base) {
            Some(p) => p,
            None => return Err(base),
        };
        let st = match self.complete(&st) {
            Ok(s) => s,
            Err(msg) => return Ok(self.poison(span, msg)),
        };
        let Some(f) = st.field(&field.name) else {
            let names: Vec<&str> = st
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .filter(|n| !n.is_empty())
                .collect();
            let help = match ir::diag::did_you_mean(&field.name, names.iter().copied()) {
                Some(s) => format!("did you mean '{s}'?"),
                None if names.len() <= 12 => format!("its fields are: {}", names.join(", ")),
                None => format!("its fields include: {}, ...", names[..12].join(", ")),
            };
            self.report(
                Diagnostic::error(
                    field.span,
                    format!("{} has no field '{}'", st.c_name(), field.name),
                )
                .with_help(help),
            );
            return Ok(Expr::int(0, Type::I64, span));
        };
        let addr = offset_addr(addr, u64::from(f.offset), span);
        let ty = in_space(&f.ty, space);
        let read = Expr::new(
            ExprKind::Deref {
                ptr: Box::new(addr),
                space,
            },
            ty.clone(),
            span,
        );
        Ok(match f.bitfield {
            Some(bf) => extract_bits(read, bf, span),
            None => read,
        })
    }

    /// `*p`: the pointee as a place (a struct stays a place until used).
    pub(crate) fn deref_pointer(&mut self, p: Expr, span: Span) -> Expr {
        let Type::Ptr { pointee, space } = &p.ty else {
            return self.poison(span, format!("cannot dereference a value of type {}", p.ty));
        };
        let (pointee, space) = ((**pointee).clone(), *space);
        let ty = match pointee {
            Type::Void => return self.poison(span, "cannot dereference a void pointer"),
            Type::Struct(st) => match self.complete(&st) {
                Ok(s) => Type::Struct(s),
                Err(msg) => return self.poison(span, msg),
            },
            other => in_space(&other, space),
        };
        Expr::new(
            ExprKind::Deref {
                ptr: Box::new(p),
                space,
            },
            ty,
            span,
        )
    }

    /// `base[index]` on a pointer, or on an array place reached through a pointer; `Err` gives
    /// the operands back for other values.
    pub(crate) fn index_memory(
        &mut self,
        base: Expr,
        index: Expr,
        span: Span,
    ) -> Result<Expr, Box<(Expr, Expr)>> {
        let (addr, elem, space, len) = match (&base.ty, &base.kind) {
            (Type::Ptr { pointee, space }, _) if **pointee != Type::Void => (
                (coerce(base.clone(), &Type::U64)),
                (**pointee).clone(),
                *space,
                None,
            ),
            (Type::Array { elem, len }, ExprKind::Deref { ptr, space }) => {
                ((**ptr).clone(), (**elem).clone(), *space, Some(*len))
            }
            _ => return Err(Box::new((base, index))),
        };
        if !index.ty.is_integer() {
            return Ok(self.poison(
                index.span,
                format!("an index must be an integer, not {}", index.ty),
            ));
        }
        let elem = match elem {
            Type::Struct(st) => match self.complete(&st) {
                Ok(s) => Type::Struct(s),
                Err(msg) => return Ok(self.poison(span, msg)),
            },
            other => other,
        };
        let size = u64::from(elem.size());
        let addr = match index.kind {
            ExprKind::Int(n) => {
                if let Some(len) = len {
                    if n >= u64::from(len) {
                        return Ok(self.poison(
                            index.span,
                            format!("index {n} is out of bounds for an array of {len}"),
                        ));
                    }
                }
                offset_addr(addr, n.wrapping_mul(size), span)
            }
            _ => {
                let i = coerce(index, &Type::U64);
                let scaled = Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Mul,
                        lhs: Box::new(i),
                        rhs: Box::new(Expr::new(ExprKind::Int(size), Type::U64, span)),
                    },
                    Type::U64,
                    span,
                );
                Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Add,
                        lhs: Box::new(coerce(addr, &Type::U64)),
                        rhs: Box::new(scaled),
                    },
                    Type::U64,
                    span,
                )
            }
        };
        let ty = in_space(&elem, space);
        Ok(Expr::new(
            ExprKind::Deref {
                ptr: Box::new(addr),
                space,
            },
            ty,
            span,
        ))
    }

    /// `kptr(p)` / `uptr(p)`: `p` as a pointer into kernel / user memory (an integer becomes
    /// an `int8 *`).
    pub(crate) fn lower_addr_space(
        &mut self,
        user: bool,
        args: &[ast::Expr],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut super::scope::Scopes,
    ) -> Expr {
        let name = if user { "uptr" } else { "kptr" };
        let [arg] = args else {
            return self.poison(span, format!("{name}() takes one argument, a pointer"));
        };
        let p = self.lower_expr(arg, ctx, scopes);
        let space = if user {
            AddrSpace::User
        } else {
            AddrSpace::Kernel
        };
        let pointee = match &p.ty {
            Type::Ptr { pointee, .. } => (**pointee).clone(),
            t if t.is_integer() => Type::int(8, true),
            other => {
                return self.poison(
                    p.span,
                    format!("{name}() needs a pointer or an integer, not {other}"),
                )
            }
        };
        let ty = Type::Ptr {
            pointee: Box::new(pointee),
            space,
        };
        Expr::new(ExprKind::Cast(Box::new(p)), ty, span)
    }

    /// The pointer type a tracefs field spelled `c_type` (`const char *const *`,
    /// `struct sk_buff *`, `u32 *`) has; pointees that are not integers, pointers or known
    /// structs are `int8`, like `char`.
    pub(crate) fn c_pointer_type(&mut self, c_type: &str, space: AddrSpace) -> Type {
        let stars = c_type.matches('*').count().max(1);
        let base = c_type.split('*').next().unwrap_or("").trim();
        let words: Vec<&str> = base
            .split_whitespace()
            .filter(|w| !matches!(*w, "const" | "volatile" | "__user"))
            .collect();
        let mut ty = match words.as_slice() {
            ["struct", name] => self
                .aggregate(AggregateKind::Struct, name)
                .map_or(Type::int(8, true), Type::Struct),
            ["union", name] => self
                .aggregate(AggregateKind::Union, name)
                .map_or(Type::int(8, true), Type::Struct),
            _ => c_integer(&words.join(" ")).map_or(Type::int(8, true), Type::Int),
        };
        for _ in 0..stars {
            ty = Type::Ptr {
                pointee: Box::new(ty),
                space,
            };
        }
        ty
    }

    /// `p + n` / `p - n`: a pointer of the same type, moved by `n` elements, as in C.
    pub(crate) fn pointer_offset(&mut self, p: Expr, n: Expr, sub: bool, span: Span) -> Expr {
        let ty = p.ty.clone();
        let elem = match &ty {
            Type::Ptr { pointee, .. } => match &**pointee {
                Type::Struct(st) => match self.complete(st) {
                    Ok(s) => u64::from(s.size),
                    Err(msg) => return self.poison(span, msg),
                },
                Type::Void => 1,
                other => u64::from(other.size()),
            },
            _ => 1,
        };
        let n = coerce(n, &Type::U64);
        let scaled = match n.kind {
            ExprKind::Int(v) => Expr::new(ExprKind::Int(v.wrapping_mul(elem)), Type::U64, n.span),
            _ if elem == 1 => n,
            _ => Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Mul,
                    lhs: Box::new(n),
                    rhs: Box::new(Expr::new(ExprKind::Int(elem), Type::U64, span)),
                },
                Type::U64,
                span,
            ),
        };
        let op = if sub { BinaryOp::Sub } else { BinaryOp::Add };
        let addr = Expr::new(
            ExprKind::Binary {
                op,
                lhs: Box::new(coerce(p, &Type::U64)),
                rhs: Box::new(scaled),
            },
            Type::U64,
            span,
        );
        Expr::new(ExprKind::Cast(Box::new(addr)), ty, span)
    }

    /// `curtask`: the current `struct task_struct *`.
    pub(crate) fn curtask(&mut self, span: Span) -> Expr {
        let pointee = match self.aggregate(AggregateKind::Struct, "task_struct") {
            Ok(st) => Type::Struct(st),
            Err(msg) => return self.poison(span, format!("curtask needs BTF: {msg}")),
        };
        Expr::new(
            ExprKind::Builtin(Builtin::CurTask),
            Type::Ptr {
                pointee: Box::new(pointee),
                space: AddrSpace::Kernel,
            },
            span,
        )
    }

    /// `ppid`: `curtask->real_parent->tgid`, as uint32.
    pub(crate) fn ppid(&mut self, span: Span) -> Expr {
        let task = self.curtask(span);
        let ident = |name: &str| ast::Ident {
            name: name.to_string(),
            span,
        };
        let parent = self
            .struct_member(task, &ident("real_parent"), span)
            .unwrap_or_else(|e| e);
        let tgid = self
            .struct_member(parent, &ident("tgid"), span)
            .unwrap_or_else(|e| e);
        coerce(tgid, &Type::U32)
    }

    /// `sizeof(type)`: the size of a builtin or C type.
    pub(crate) fn sizeof_type(&mut self, t: &ast::Type, ctx: &ProbeContext) -> Result<u32, String> {
        let ty = self.lower_type(t, probe_space(Some(ctx)))?;
        Ok(ty.size())
    }

    /// `sizeof(name)` where `name` is a type name rather than a value (`sizeof(pid_t)`,
    /// `sizeof(uint32)`); `None` for builtins, defines and unknown names.
    pub(crate) fn sizeof_name(&mut self, name: &str) -> Option<u32> {
        if super::expr::BUILTINS.contains(&name) || self.defines.contains_key(name) {
            return None;
        }
        if let Some(t) = named_type(name, self.config.max_strlen) {
            return Some(t.size());
        }
        match self.options.types.typedef(name) {
            Ok(Some(t)) => Some(t.size()),
            _ => None,
        }
    }

    /// `offsetof(struct x, a.b)`.
    pub(crate) fn offsetof(
        &mut self,
        of: &ast::TypeOrExpr,
        fields: &[ast::Ident],
        span: Span,
        ctx: &ProbeContext,
        scopes: &mut super::scope::Scopes,
    ) -> Expr {
        let ty = match of {
            ast::TypeOrExpr::Type(t) => match self.lower_type(t, AddrSpace::Kernel) {
                Ok(t) => t,
                Err(msg) => return self.poison(t.span, msg),
            },
            ast::TypeOrExpr::Expr(e) => match &e.kind {
                // `offsetof(task_struct, pid)`: a bare name is a struct tag.
                ast::ExprKind::Ident(n) => match self.aggregate(AggregateKind::Struct, n) {
                    Ok(st) => Type::Struct(st),
                    Err(msg) => return self.poison(e.span, msg),
                },
                _ => self.lower_expr(e, ctx, scopes).ty,
            },
        };
        let mut ty = ty;
        let mut total: u64 = 0;
        for f in fields {
            let st = match &ty {
                Type::Struct(st) => match self.complete(st) {
                    Ok(s) => s,
                    Err(msg) => return self.poison(span, msg),
                },
                other => return self.poison(f.span, format!("{other} has no fields")),
            };
            let Some(field) = st.field(&f.name) else {
                return self.poison(f.span, format!("{} has no field '{}'", st.c_name(), f.name));
            };
            total += u64::from(field.offset);
            ty = field.ty;
        }
        Expr::new(ExprKind::Int(total), Type::U64, span)
    }
}
