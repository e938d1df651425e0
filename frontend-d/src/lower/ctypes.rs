//! D's C types: pointers (`*p`, `&x`, pointer arithmetic, casts to pointer types), structs and
//! unions from kernel BTF or defined in the script (`.` and `->`, arrays inside structs),
//! `sizeof`, `offsetof` and `typedef` of them.
//!
//! A member access or dereference first becomes a *place* (an unchecked `Deref` at the
//! address); a place of a struct or array type stays a place for the next member access or
//! index, any other place is read with DTrace's invalid-address check in front of the read.

use super::types::coerce;
use super::Lowerer;
use crate::ast;
use ir::memory::{bitfield_member, extract_bits, in_space, offset_addr, place_of};
use ir::{
    AddrSpace, AggregateKind, BinaryOp, Builtin, Expr, ExprKind, Span, StructField, StructType,
    Type,
};
use std::sync::Arc;

/// `struct name`/`union name` as D prints it in messages.
fn kw(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Struct => "struct",
        AggregateKind::Union => "union",
    }
}

impl Lowerer<'_> {
    /// `struct name` / `union name`: the script's definition, else the kernel's (BTF).
    pub(crate) fn aggregate_type(
        &mut self,
        kind: AggregateKind,
        name: &str,
        span: Span,
    ) -> Option<Arc<StructType>> {
        if let Some(st) = self.aggregates.get(&(kind, name.to_string())) {
            return Some(Arc::clone(st));
        }
        match self.options.types.aggregate(kind, name) {
            Ok(Some(st)) => Some(st),
            Ok(None) => {
                self.error(
                    span,
                    format!(
                        "failed to resolve type {} {name}: Unknown type name",
                        kw(kind)
                    ),
                );
                None
            }
            Err(e) => {
                self.error(
                    span,
                    format!("cannot read kernel types for {} {name}: {e}", kw(kind)),
                );
                None
            }
        }
    }

    /// The complete definition of a struct reached through a pointer.
    fn complete_struct(&mut self, st: &Arc<StructType>, span: Span) -> Option<Arc<StructType>> {
        self.complete_for(st, "->", span)
    }

    /// [`Self::complete_struct`] for operator `op` (named in the message about a forward
    /// declaration).
    fn complete_for(
        &mut self,
        st: &Arc<StructType>,
        op: &str,
        span: Span,
    ) -> Option<Arc<StructType>> {
        if st.complete {
            return Some(Arc::clone(st));
        }
        if st.btf_id.is_none() {
            if let Some(found) = self.aggregates.get(&(st.kind, st.name.clone())) {
                if found.complete {
                    return Some(Arc::clone(found));
                }
            }
            self.error(
                span,
                format!(
                    "operator {op} cannot be applied to a forward declaration: no {} definition is available",
                    st.c_name()
                ),
            );
            return None;
        }
        match self.options.types.complete(st) {
            Ok(s) => Some(s),
            Err(e) => {
                self.error(
                    span,
                    format!("cannot read kernel types for {}: {e}", st.c_name()),
                );
                None
            }
        }
    }

    /// The type of an aggregate specifier: defines it first when it has a body.
    pub(crate) fn aggregate_spec(&mut self, a: &ast::Aggregate) -> Option<Type> {
        let kind = match a.kind {
            ast::AggregateKind::Struct => AggregateKind::Struct,
            ast::AggregateKind::Union => AggregateKind::Union,
        };
        if a.members.is_some() {
            return self.define_aggregate(a, kind).map(Type::Struct);
        }
        let tag = a.tag.as_ref()?;
        if self.forward_decl {
            // `struct tag;`: an incomplete type until it is defined.
            let key = (kind, tag.name.clone());
            let opaque = Arc::new(StructType {
                kind,
                name: tag.name.clone(),
                size: 0,
                align: 1,
                fields: Vec::new(),
                complete: false,
                btf_id: None,
            });
            let st = self.aggregates.entry(key).or_insert(opaque);
            return Some(Type::Struct(Arc::clone(st)));
        }
        self.aggregate_type(kind, &tag.name, tag.span)
            .map(Type::Struct)
    }

    /// `struct foo { int a; char name[16]; struct foo *next; unsigned flag : 1; }`, laid out
    /// as a C compiler does.
    fn define_aggregate(
        &mut self,
        a: &ast::Aggregate,
        kind: AggregateKind,
    ) -> Option<Arc<StructType>> {
        let name = a.tag.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        if !name.is_empty()
            && self
                .aggregates
                .get(&(kind, name.clone()))
                .is_some_and(|st| st.complete)
        {
            self.error(a.span, format!("type redeclared: {} {name}", kw(kind)));
            return None;
        }
        if !name.is_empty() {
            // An opaque entry first, so that members may point to the type being defined.
            self.aggregates.insert(
                (kind, name.clone()),
                Arc::new(StructType {
                    kind,
                    name: name.clone(),
                    size: 0,
                    align: 1,
                    fields: Vec::new(),
                    complete: false,
                    btf_id: None,
                }),
            );
        }
        let mut fields = Vec::new();
        let (mut offset_bits, mut size, mut align) = (0u32, 0u32, 1u32);
        for m in a.members.as_deref().unwrap_or(&[]) {
            let base = self.base_type(&m.specs)?;
            for (decl, width) in &m.declarators {
                let ty = self.apply_declarator(&m.specs, base.clone(), decl)?;
                let a_ = ty.align().max(1);
                align = align.max(a_);
                let start = if kind == AggregateKind::Union {
                    0
                } else {
                    offset_bits
                };
                let member = decl
                    .name
                    .as_ref()
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                match (width, &ty) {
                    (Some(w), Type::Int(it))
                        if decl.name.is_none() && self.constant(w) == Some(0) =>
                    {
                        // `: 0`: the next bit-field starts in a new unit.
                        let unit = u32::from(it.bits);
                        offset_bits = offset_bits.div_ceil(unit) * unit;
                    }
                    (Some(w), Type::Int(it)) => {
                        let bits = match self.constant(w) {
                            Some(b) if b >= 1 && b <= i64::from(it.bits) => b as u32,
                            _ => {
                                self.error(w.span, format!("positive integral constant expression expected as bit-field size for member {member}"));
                                return None;
                            }
                        };
                        let unit = u32::from(it.bits);
                        let mut s = start;
                        if s % unit + bits > unit {
                            s = s.div_ceil(unit) * unit;
                        }
                        fields.push(bitfield_member(&member, it.signed, s, bits));
                        offset_bits = s + bits;
                        size = size.max((s + bits).div_ceil(8));
                    }
                    (Some(w), _) => {
                        self.error(
                            w.span,
                            format!("bit-field type for member {member} must be an integral type"),
                        );
                        return None;
                    }
                    (None, _) => {
                        let off = ir::types::round_up(start.div_ceil(8), a_);
                        offset_bits = (off + ty.size()) * 8;
                        size = size.max(off + ty.size());
                        fields.push(StructField {
                            name: member,
                            ty,
                            offset: off,
                            bitfield: None,
                        });
                    }
                }
            }
        }
        let st = Arc::new(StructType {
            kind,
            name: name.clone(),
            size: ir::types::round_up(size, align),
            align,
            fields,
            complete: true,
            btf_id: None,
        });
        if !name.is_empty() {
            self.aggregates.insert((kind, name), Arc::clone(&st));
        }
        Some(st)
    }

    /// The type a declarator gives its specifiers: `*`s make pointers, `[N]` arrays (`char
    /// [N]` is a string of N bytes, as D treats it).
    pub(crate) fn declared_type(
        &mut self,
        specs: &ast::DeclSpecs,
        d: &ast::Declarator,
    ) -> Option<Type> {
        let base = self.base_type(specs)?;
        self.apply_declarator(specs, base, d)
    }

    /// The type of declaration specifiers, `void` included (for `void *`).
    pub(crate) fn base_type(&mut self, specs: &ast::DeclSpecs) -> Option<Type> {
        match &specs.ty {
            ast::TypeSpec::Words(w) if w.len() == 1 && w[0].name == "void" => Some(Type::Void),
            _ => self.spec_type(specs),
        }
    }

    /// `base` with declarator `d`'s pointers and array dimensions applied.
    pub(crate) fn apply_declarator(
        &mut self,
        specs: &ast::DeclSpecs,
        base: Type,
        d: &ast::Declarator,
    ) -> Option<Type> {
        let mut ty = base;
        if ty == Type::Void && d.pointers == 0 {
            self.error(d.span, "cannot declare an object of type void");
            return None;
        }
        let char_base =
            matches!(&specs.ty, ast::TypeSpec::Words(w) if w.iter().any(|x| x.name == "char"));
        for _ in 0..d.pointers {
            ty = Type::Ptr {
                pointee: Box::new(ty),
                space: AddrSpace::Kernel,
            };
        }
        for s in d.suffixes.iter().rev() {
            let ast::DeclSuffix::Array(Some(n)) = s else {
                self.unsupported(d.span, "this declarator");
                return None;
            };
            let len = match self.constant(n) {
                Some(v) if v > 0 && v <= i64::from(u32::MAX) => v as u32,
                _ => {
                    self.error(
                        n.span,
                        "array dimension must be a positive integer constant",
                    );
                    return None;
                }
            };
            ty = if char_base && d.pointers == 0 && matches!(ty, Type::Int(i) if i.bits == 8) {
                Type::Str { size: len }
            } else {
                Type::Array {
                    elem: Box::new(ty),
                    len,
                }
            };
        }
        Some(ty)
    }

    /// `curthread`: the current `struct task_struct *` (a plain address when the kernel has
    /// no BTF for it).
    pub(crate) fn curthread_typed(&mut self, span: Span) -> Expr {
        let task = Expr::new(ExprKind::Builtin(Builtin::CurTask), Type::U64, span);
        match self
            .options
            .types
            .aggregate(AggregateKind::Struct, "task_struct")
        {
            Ok(Some(st)) => Expr::new(
                ExprKind::Cast(Box::new(task)),
                Type::Ptr {
                    pointee: Box::new(Type::Struct(st)),
                    space: AddrSpace::Kernel,
                },
                span,
            ),
            _ => task,
        }
    }

    /// `base->member` (`arrow`) or `base.member`: a place.
    pub(crate) fn member_place(
        &mut self,
        base: &ast::Expr,
        member: &ast::Ident,
        arrow: bool,
        span: Span,
    ) -> Option<Expr> {
        let b = self.expr_ptr(base)?;
        let found = match (&b.ty, arrow) {
            (Type::Ptr { pointee, .. }, true) if matches!(**pointee, Type::Struct(_)) => {
                place_of(&b)
            }
            (Type::Struct(_), false) => place_of(&b),
            _ => None,
        };
        let Some((addr, st, space)) = found else {
            let msg = match (&b.ty, arrow) {
                (Type::Ptr { .. }, true) | (_, false) => {
                    format!(
                        "operator {} must be applied to a struct or union",
                        if arrow { "->" } else { "." }
                    )
                }
                _ => "operator -> must be applied to a pointer".to_string(),
            };
            self.error(span, msg);
            return None;
        };
        let st = self.complete_struct(&st, span)?;
        let Some(f) = st.field(&member.name) else {
            self.error(
                member.span,
                format!("{} is not a member of {}", member.name, st.c_name()),
            );
            return None;
        };
        let addr = offset_addr(addr, u64::from(f.offset), span);
        let ty = match in_space(&f.ty, space) {
            Type::Struct(inner) if !inner.complete => {
                Type::Struct(self.complete_struct(&inner, span)?)
            }
            t => t,
        };
        let place = Expr::new(
            ExprKind::Deref {
                ptr: Box::new(addr),
                space,
            },
            ty,
            span,
        );
        Some(match f.bitfield {
            // A bitfield is a value, not a place: read and extracted here.
            Some(bf) => {
                let read = self.read_place(place);
                let x = extract_bits(read, bf, span);
                let t = f.ty.clone();
                coerce(x, &t)
            }
            None => place,
        })
    }

    /// Reads a place: a struct or array place stays a place; any other `Deref` is read after
    /// DTrace's invalid-address check of its bytes.
    pub(crate) fn read_place(&mut self, place: Expr) -> Expr {
        let Expr { kind, ty, span } = place;
        let ExprKind::Deref { ptr, space } = kind else {
            return Expr { kind, ty, span };
        };
        if matches!(ty, Type::Struct(_) | Type::Array { .. }) {
            return Expr::new(ExprKind::Deref { ptr, space }, ty, span);
        }
        let mut stmts = Vec::new();
        let addr = self.bind(&mut stmts, coerce(*ptr, &Type::U64));
        let check = self.bad_address_check(addr.clone(), ty.size().max(1), space, span);
        stmts.push(check);
        let read = Expr::new(
            ExprKind::Deref {
                ptr: Box::new(addr),
                space,
            },
            ty,
            span,
        );
        super::expr::block(stmts, read)
    }

    /// `*p`: the pointee as a place.
    pub(crate) fn deref_place(&mut self, operand: &ast::Expr, span: Span) -> Option<Expr> {
        let p = self.expr_ptr(operand)?;
        let Type::Ptr { pointee, space } = &p.ty else {
            self.error(span, "cannot dereference non-pointer type");
            return None;
        };
        let (pointee, space) = ((**pointee).clone(), *space);
        let ty = match pointee {
            Type::Void => {
                self.error(span, "cannot dereference pointer to void");
                return None;
            }
            Type::Struct(st) => Type::Struct(self.complete_struct(&st, span)?),
            other => in_space(&other, space),
        };
        Some(Expr::new(
            ExprKind::Deref {
                ptr: Box::new(coerce(p, &Type::U64)),
                space,
            },
            ty,
            span,
        ))
    }

    /// A place expression (`*p`, `p->m`, `s.m`, `p[i]`), or `None` with an error.
    fn place_expr(&mut self, e: &ast::Expr) -> Option<Expr> {
        match &e.kind {
            ast::ExprKind::Member {
                base,
                member,
                arrow,
            } => self.member_place(base, member, *arrow, e.span),
            ast::ExprKind::Unary {
                op: ast::UnaryOp::Deref,
                operand,
            } => self.deref_place(operand, e.span),
            ast::ExprKind::Index { base, keys } if keys.len() == 1 && is_place(e) => {
                self.index_place(base, &keys[0], e.span)
            }
            ast::ExprKind::Ident(_)
            | ast::ExprKind::SelfVar(_)
            | ast::ExprKind::ThisVar(_)
            | ast::ExprKind::Index { .. } => {
                self.unsupported(e.span, "the address of a D variable");
                None
            }
            _ => {
                self.error(e.span, "unacceptable operand for unary & operator");
                None
            }
        }
    }

    /// `&x`: the address of a place, as a pointer to its type.
    pub(crate) fn address_of(&mut self, operand: &ast::Expr, span: Span) -> Option<Expr> {
        let place = self.place_expr(operand)?;
        let ExprKind::Deref { ptr, space } = place.kind else {
            self.error(span, "operator & cannot be applied to a bit-field");
            return None;
        };
        Some(Expr::new(
            ExprKind::Cast(ptr),
            Type::Ptr {
                pointee: Box::new(place.ty),
                space,
            },
            span,
        ))
    }

    /// `base[i]` on a pointer or an array (or char array) member: a place.
    pub(crate) fn index_place(
        &mut self,
        base: &ast::Expr,
        index: &ast::Expr,
        span: Span,
    ) -> Option<Expr> {
        let b = if is_place(base) {
            // An array member stays a place; a pointer member is read (checked) first.
            let place = self.place_expr(base)?;
            match place.ty {
                Type::Array { .. } | Type::Str { .. } => place,
                _ => self.read_place(place),
            }
        } else {
            self.expr_ptr(base)?
        };
        let i = self.expr(index)?;
        let (addr, elem, space, len) = match (&b.ty, &b.kind) {
            (Type::Ptr { pointee, space }, _) if **pointee != Type::Void => {
                let (e, s) = ((**pointee).clone(), *space);
                (coerce(b, &Type::U64), e, s, None)
            }
            (Type::Array { elem, len }, ExprKind::Deref { ptr, space }) => {
                ((**ptr).clone(), (**elem).clone(), *space, Some(*len))
            }
            (Type::Str { size }, ExprKind::Deref { ptr, space }) => {
                ((**ptr).clone(), Type::int(8, true), *space, Some(*size))
            }
            (t, _) => {
                self.error(
                    span,
                    format!(
                        "operator [ ] may not be applied to an expression of type \"{}\"",
                        super::types::d_name(t)
                    ),
                );
                return None;
            }
        };
        if !i.ty.is_integer() {
            self.error(index.span, "operator [ ] requires an integer index");
            return None;
        }
        let elem = match elem {
            Type::Struct(st) => Type::Struct(self.complete_struct(&st, span)?),
            other => other,
        };
        let size = u64::from(elem.size());
        let addr = match (i.kind.clone(), len) {
            (ExprKind::Int(n), Some(len)) if n >= u64::from(len) => {
                self.error(
                    index.span,
                    format!("index {n} is out of bounds for an array of {len}"),
                );
                return None;
            }
            (ExprKind::Int(n), _) => offset_addr(addr, n.wrapping_mul(size), span),
            _ => scaled_add(addr, coerce(i, &Type::I64), size, false, span),
        };
        let ty = in_space(&elem, space);
        Some(Expr::new(
            ExprKind::Deref {
                ptr: Box::new(addr),
                space,
            },
            ty,
            span,
        ))
    }

    /// `p + n`, `n + p`, `p - n`: a pointer moved by `n` elements; `p - q`: the number of
    /// elements between two pointers (a `long`). `None` when neither operand is a pointer.
    pub(crate) fn pointer_arith(
        &mut self,
        sub: bool,
        l: Expr,
        r: Expr,
        span: Span,
    ) -> Result<Option<Expr>, Box<(Expr, Expr)>> {
        let elem = |l: &mut Self, t: &Type| -> Option<u64> {
            match t {
                Type::Ptr { pointee, .. } => match &**pointee {
                    Type::Void => Some(1),
                    Type::Struct(st) => l.complete_struct(st, span).map(|s| u64::from(s.size)),
                    other => Some(u64::from(other.size())),
                },
                _ => None,
            }
        };
        let lp = matches!(l.ty, Type::Ptr { .. });
        let rp = matches!(r.ty, Type::Ptr { .. });
        match (lp, rp) {
            (false, false) => Err(Box::new((l, r))),
            (true, true) if sub => {
                let Some(size) = elem(self, &l.ty) else {
                    return Ok(None);
                };
                let diff = Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Sub,
                        lhs: Box::new(coerce(l, &Type::I64)),
                        rhs: Box::new(coerce(r, &Type::I64)),
                    },
                    Type::I64,
                    span,
                );
                Ok(Some(Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Div,
                        lhs: Box::new(diff),
                        rhs: Box::new(Expr::int(size.max(1) as i64, Type::I64, span)),
                    },
                    Type::I64,
                    span,
                )))
            }
            (true, true) => {
                self.error(span, "operator + cannot be applied to two pointers");
                Ok(None)
            }
            (false, true) if sub => {
                self.error(span, "operator - cannot subtract a pointer from an integer");
                Ok(None)
            }
            (lp, _) => {
                let (p, n) = if lp { (l, r) } else { (r, l) };
                if !n.ty.is_integer() {
                    self.error(span, "pointer arithmetic requires an integer operand");
                    return Ok(None);
                }
                let Some(size) = elem(self, &p.ty) else {
                    return Ok(None);
                };
                let ty = p.ty.clone();
                let addr = scaled_add(
                    coerce(p, &Type::U64),
                    coerce(n, &Type::I64),
                    size,
                    sub,
                    span,
                );
                Ok(Some(Expr::new(ExprKind::Cast(Box::new(addr)), ty, span)))
            }
        }
    }

    /// `offsetof(struct T, member)`: a `size_t` constant.
    pub(crate) fn offsetof(
        &mut self,
        ty: &ast::TypeName,
        member: &ast::Ident,
        span: Span,
    ) -> Option<Expr> {
        let t = self.type_name(ty)?;
        let Type::Struct(st) = t else {
            self.error(
                ty.span,
                "offsetof( ) first argument must be a struct or union type",
            );
            return None;
        };
        let st = self.complete_struct(&st, span)?;
        let Some(f) = st.field(&member.name) else {
            self.error(
                member.span,
                format!("{} is not a member of {}", member.name, st.c_name()),
            );
            return None;
        };
        if f.bitfield.is_some() {
            self.error(
                member.span,
                format!(
                    "offsetof( ) cannot be applied to a bit-field member {}",
                    member.name
                ),
            );
            return None;
        }
        Some(Expr::new(
            ExprKind::Int(u64::from(f.offset)),
            Type::U64,
            span,
        ))
    }

    /// A struct's size for `sizeof`, completing a type only known through a pointer.
    pub(crate) fn complete_size(&mut self, t: Type, span: Span) -> Option<u32> {
        match t {
            Type::Struct(st) => self.complete_for(&st, "sizeof", span).map(|s| s.size),
            other => Some(other.size()),
        }
    }
}

/// Whether `e` denotes memory (a member, a dereference, or an element of one), not a D
/// variable or associative array.
fn is_place(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Member { .. } => true,
        ast::ExprKind::Unary {
            op: ast::UnaryOp::Deref,
            ..
        } => true,
        ast::ExprKind::Index { base, .. } => !matches!(
            base.kind,
            ast::ExprKind::Ident(_) | ast::ExprKind::SelfVar(_) | ast::ExprKind::Agg(_)
        ),
        _ => false,
    }
}

/// `addr ± n * size` as a uint64.
fn scaled_add(addr: Expr, n: Expr, size: u64, sub: bool, span: Span) -> Expr {
    let scaled = if size == 1 {
        coerce(n, &Type::U64)
    } else {
        Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Mul,
                lhs: Box::new(coerce(n, &Type::U64)),
                rhs: Box::new(Expr::new(ExprKind::Int(size), Type::U64, span)),
            },
            Type::U64,
            span,
        )
    };
    Expr::new(
        ExprKind::Binary {
            op: if sub { BinaryOp::Sub } else { BinaryOp::Add },
            lhs: Box::new(coerce(addr, &Type::U64)),
            rhs: Box::new(scaled),
        },
        Type::U64,
        span,
    )
}

impl Lowerer<'_> {
    /// Declares a variable of struct type: every member becomes a variable named by its path
    /// (`this->f.a`, `self->s.inner.x`), nested structs recursively.
    pub(crate) fn declare_struct_var(&mut self, full: &str, st: &Arc<StructType>) {
        self.struct_vars.insert(full.to_string(), Arc::clone(st));
        for f in &st.fields {
            if f.name.is_empty() {
                if let Type::Struct(inner) = &f.ty {
                    // An anonymous member's fields belong to the enclosing struct.
                    let anon = Arc::clone(inner);
                    for g in &anon.fields {
                        self.declare_member_var(full, &g.name, &g.ty);
                    }
                }
                continue;
            }
            self.declare_member_var(full, &f.name, &f.ty);
        }
    }

    fn declare_member_var(&mut self, full: &str, name: &str, ty: &Type) {
        let path = format!("{full}.{name}");
        match ty {
            Type::Struct(inner) if inner.complete => {
                let inner = Arc::clone(inner);
                self.declare_struct_var(&path, &inner);
            }
            // Members of other types (arrays of non-char) cannot be used; they stay undeclared.
            Type::Int(_) | Type::Str { .. } | Type::Ptr { .. } => {
                self.vars.declared.insert(
                    path,
                    super::vars::Declared {
                        ty: ty.clone(),
                        keys: None,
                    },
                );
            }
            _ => {}
        }
    }

    /// `v.a.b` where `v` is a struct variable: the variable expression naming the member's own
    /// variable (`this->v.a.b`), or `None` when `e` is not such a member.
    pub(crate) fn struct_var_member(&mut self, e: &ast::Expr) -> Option<ast::Expr> {
        let ast::ExprKind::Member {
            base,
            member,
            arrow: false,
        } = &e.kind
        else {
            return None;
        };
        let (kind, name) = match &base.kind {
            ast::ExprKind::Ident(n) => (0, n.clone()),
            ast::ExprKind::ThisVar(id) => (1, id.name.clone()),
            ast::ExprKind::SelfVar(id) => (2, id.name.clone()),
            ast::ExprKind::Member { .. } => {
                let inner = self.struct_var_member(base)?;
                match inner.kind {
                    ast::ExprKind::Ident(n) => (0, n),
                    ast::ExprKind::ThisVar(id) => (1, id.name),
                    ast::ExprKind::SelfVar(id) => (2, id.name),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let prefix = ["", "this->", "self->"][kind];
        let st = self.struct_vars.get(&format!("{prefix}{name}")).cloned()?;
        let path = format!("{name}.{}", member.name);
        let full = format!("{prefix}{path}");
        if !self.struct_vars.contains_key(&full) && !self.vars.declared.contains_key(&full) {
            if st.field(&member.name).is_some() {
                self.unsupported(
                    member.span,
                    format!("the member {} of this type in a variable", member.name),
                );
            } else {
                self.error(
                    member.span,
                    format!("{} is not a member of {}", member.name, st.c_name()),
                );
            }
            // A stand-in that fails to resolve without a second message.
            return Some(ast::Expr {
                kind: ast::ExprKind::Int(ast::IntLit {
                    value: 0,
                    radix: 10,
                    suffix: String::new(),
                }),
                span: e.span,
            });
        }
        let id = ast::Ident {
            name: path,
            span: e.span,
        };
        Some(ast::Expr {
            kind: match kind {
                0 => ast::ExprKind::Ident(id.name),
                1 => ast::ExprKind::ThisVar(id),
                _ => ast::ExprKind::SelfVar(id),
            },
            span: e.span,
        })
    }

    /// True when `e` names a whole struct variable (which cannot be read or assigned as one).
    pub(crate) fn is_struct_var(&self, e: &ast::Expr) -> Option<String> {
        let full = match &e.kind {
            ast::ExprKind::Ident(n) => n.clone(),
            ast::ExprKind::ThisVar(id) => format!("this->{}", id.name),
            ast::ExprKind::SelfVar(id) => format!("self->{}", id.name),
            _ => return None,
        };
        self.struct_vars.contains_key(&full).then_some(full)
    }
}

/// The address space a value points into: user memory for pointers `copyin()` returned (and
/// casts of them), kernel memory otherwise.
pub(crate) fn space_of(t: &Type) -> AddrSpace {
    match t {
        Type::Ptr { space, .. } => *space,
        _ => AddrSpace::Kernel,
    }
}

/// A pointer as its address (`uint64_t`); other values as they are.
pub(crate) fn decay(e: Expr) -> Expr {
    match e.ty {
        Type::Ptr { .. } => coerce(e, &Type::U64),
        _ => e,
    }
}

impl Lowerer<'_> {
    /// `copyin(addr, size)`: the `size` bytes of user memory at `addr`, as a `void *` into
    /// user space that later reads (`*(int *)`, `stringof`, `tracemem`, members) go through.
    /// Reading memory the task cannot access is the `invalid address` fault at the call.
    pub(crate) fn copyin(&mut self, args: &[ast::Expr], span: Span) -> Option<Expr> {
        if args.len() != 2 {
            self.error(
                span,
                format!(
                    "copyin( ) prototype mismatch: {} args passed, 2 expected",
                    args.len()
                ),
            );
            return None;
        }
        let addr = self.expr(&args[0]);
        let size = self.expr(&args[1]);
        let (addr, size) = (addr?, size?);
        for (i, x) in [&addr, &size].into_iter().enumerate() {
            if !x.ty.is_integer() {
                self.error(
                    x.span,
                    format!(
                        "copyin( ) argument #{} is incompatible with prototype:\n\tprototype: {}\n\t argument: {}",
                        i + 1,
                        if i == 0 { "uintptr_t" } else { "size_t" },
                        super::types::d_name(&x.ty)
                    ),
                );
                return None;
            }
        }
        let checked = match self.constant(&args[1]) {
            Some(n) if n > 0 && n <= i64::from(u32::MAX) => n as u32,
            _ => 1,
        };
        let mut stmts = Vec::new();
        let at = self.bind(&mut stmts, coerce(addr, &Type::U64));
        let check = self.bad_address_check(at.clone(), checked, AddrSpace::User, span);
        stmts.push(check);
        let ptr = Expr::new(
            ExprKind::Cast(Box::new(at)),
            Type::Ptr {
                pointee: Box::new(Type::Void),
                space: AddrSpace::User,
            },
            span,
        );
        Some(super::expr::block(stmts, ptr))
    }
}

/// A translator definition: `translator out_t < in_t *P > { m = expr; ... };`.
#[derive(Debug)]
pub(crate) struct Translator {
    /// The output struct.
    pub output: Arc<StructType>,
    /// The input type.
    pub input: Type,
    /// The input's name in the member expressions.
    pub param: String,
    /// Each translated member's expression.
    pub members: Vec<(String, ast::Expr)>,
}

impl Lowerer<'_> {
    /// Records a translator; its member expressions are lowered where they are used.
    pub(crate) fn define_translator(&mut self, t: &ast::Translator) {
        let Some(out) = self.type_name(&t.output) else {
            return;
        };
        let Type::Struct(output) = out else {
            self.error(
                t.output.span,
                "translator output type must be a struct or union",
            );
            return;
        };
        let Some(input) = self.type_name(&t.input) else {
            return;
        };
        for m in &t.members {
            if output.field(&m.name.name).is_none() {
                self.error(
                    m.name.span,
                    format!(
                        "translator member {} is not a member of {}",
                        m.name.name,
                        output.c_name()
                    ),
                );
                return;
            }
        }
        let key = output.c_name();
        let tr = Translator {
            output,
            input,
            param: t.param.name.clone(),
            members: t
                .members
                .iter()
                .map(|m| (m.name.name.clone(), m.value.clone()))
                .collect(),
        };
        self.translators.insert(key, std::rc::Rc::new(tr));
    }

    /// The translator `xlate <ty>` names, and whether `ty` is a pointer to its output.
    fn translator_for(
        &mut self,
        ty: &ast::TypeName,
        span: Span,
    ) -> Option<(std::rc::Rc<Translator>, bool)> {
        let t = self.type_name(ty)?;
        let (st, pointer) = match &t {
            Type::Struct(st) => (Arc::clone(st), false),
            Type::Ptr { pointee, .. } => match &**pointee {
                Type::Struct(st) => (Arc::clone(st), true),
                _ => (
                    Arc::new(StructType {
                        kind: AggregateKind::Struct,
                        name: String::new(),
                        size: 0,
                        align: 1,
                        fields: Vec::new(),
                        complete: false,
                        btf_id: None,
                    }),
                    true,
                ),
            },
            _ => {
                self.error(
                    span,
                    format!("translator does not exist: {}", super::types::d_name(&t)),
                );
                return None;
            }
        };
        match self.translators.get(&st.c_name()) {
            Some(tr) => Some((std::rc::Rc::clone(tr), pointer)),
            None => {
                self.error(
                    span,
                    format!(
                        "translator does not exist: {}{}",
                        st.c_name(),
                        if pointer { " *" } else { "" }
                    ),
                );
                None
            }
        }
    }

    /// Member `member` of `input` translated by `tr`: its expression with the translator's
    /// parameter standing for `input` (an expression of the input type).
    fn translate_member(
        &mut self,
        tr: &Translator,
        input: &ast::Expr,
        member: &ast::Ident,
    ) -> Option<Expr> {
        let Some((_, value)) = tr.members.iter().find(|(n, _)| *n == member.name) else {
            let msg = if tr.output.field(&member.name).is_some() {
                format!(
                    "translator member {} is not defined by the translator to {}",
                    member.name,
                    tr.output.c_name()
                )
            } else {
                format!("{} is not a member of {}", member.name, tr.output.c_name())
            };
            self.error(member.span, msg);
            return None;
        };
        let field_ty = tr.output.field(&member.name).map(|f| f.ty)?;
        let saved = self.inlines.insert(
            tr.param.clone(),
            super::InlineDef {
                ty: tr.input.clone(),
                value: input.clone(),
            },
        );
        let v = self.expr_ptr(value);
        match saved {
            Some(old) => {
                self.inlines.insert(tr.param.clone(), old);
            }
            None => {
                self.inlines.remove(&tr.param);
            }
        }
        let mut v = v?;
        v.span = member.span;
        Some(match (&field_ty, &v.ty) {
            (Type::Int(_), t) if t.is_integer() => coerce(v, &field_ty),
            (Type::Str { .. }, Type::Str { .. }) => coerce(v, &field_ty),
            (Type::Int(_), Type::Ptr { .. }) => coerce(decay(v), &field_ty),
            _ => v,
        })
    }

    /// `xlate <T>(x).m`, `xlate <T *>(x)->m`, or `v->m` where `v` holds a translated pointer;
    /// `None` (nothing reported) when `e` is none of these.
    pub(crate) fn translated_member(&mut self, e: &ast::Expr) -> Option<Option<Expr>> {
        let ast::ExprKind::Member {
            base,
            member,
            arrow,
        } = &e.kind
        else {
            return None;
        };
        if let ast::ExprKind::Xlate { ty, expr } = &base.kind {
            let Some((tr, pointer)) = self.translator_for(ty, base.span) else {
                return Some(None);
            };
            if pointer != *arrow {
                let op = if *arrow { "->" } else { "." };
                self.error(
                    e.span,
                    format!(
                        "operator {op} must be applied to a {}",
                        if *arrow { "pointer" } else { "struct or union" }
                    ),
                );
                return Some(None);
            }
            return Some(self.translate_member(&tr, expr, member));
        }
        let full = match &base.kind {
            ast::ExprKind::Ident(n) => n.clone(),
            ast::ExprKind::ThisVar(id) => format!("this->{}", id.name),
            ast::ExprKind::SelfVar(id) => format!("self->{}", id.name),
            _ => return None,
        };
        let tr = self.translated_vars.get(&full).cloned()?;
        if !arrow {
            self.error(e.span, "operator . must be applied to a struct or union");
            return Some(None);
        }
        Some(self.translate_member(&tr, base, member))
    }

    /// `v = xlate <T *>(x)`: the input `x` to store in `v` (of the translator's input type),
    /// remembering that `v->m` translates; `None` when `value` is not such an `xlate`.
    pub(crate) fn translated_pointer(
        &mut self,
        target: &ast::Expr,
        value: &ast::Expr,
    ) -> Option<Option<Expr>> {
        let ast::ExprKind::Xlate { ty, expr } = &value.kind else {
            return None;
        };
        let Some((tr, pointer)) = self.translator_for(ty, value.span) else {
            return Some(None);
        };
        if !pointer {
            self.unsupported(
                value.span,
                "a translated struct stored in a variable (use xlate <T *>)",
            );
            return Some(None);
        }
        let full = match &target.kind {
            ast::ExprKind::Ident(n) => n.clone(),
            ast::ExprKind::ThisVar(id) => format!("this->{}", id.name),
            ast::ExprKind::SelfVar(id) => format!("self->{}", id.name),
            _ => {
                self.unsupported(
                    value.span,
                    "a translated pointer stored in this kind of variable",
                );
                return Some(None);
            }
        };
        let Some(x) = self.expr_ptr(expr) else {
            return Some(None);
        };
        let x = match (&tr.input, &x.ty) {
            (Type::Ptr { .. }, Type::Ptr { .. } | Type::Int(_)) => Expr::new(
                ExprKind::Cast(Box::new(coerce(x, &Type::U64))),
                tr.input.clone(),
                value.span,
            ),
            (t, _) if t.is_integer() => coerce(decay(x), &tr.input),
            _ => x,
        };
        self.translated_vars.insert(full, tr);
        Some(Some(x))
    }

    /// `xlate <T>(x)` used other than with a member: not supported.
    pub(crate) fn xlate_value(&mut self, span: Span) -> Option<Expr> {
        self.unsupported(span, "xlate used other than as xlate <T>(x).member, xlate <T *>(x)->member or in an assignment");
        None
    }
}
