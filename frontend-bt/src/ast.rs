//! The bpftrace abstract syntax tree.
//!
//! Names are kept exactly as written (no alias resolution, no builtin lookup); sigils are implied
//! by the node kind: [`ExprKind::Var`] holds `x` for `$x`, [`ExprKind::Map`] holds `m` for `@m`
//! (and `""` for the anonymous map `@`). Every node carries a [`Span`] of byte offsets into the
//! source; comments are not represented.

use ir::span::Span;
use std::fmt;

/// A whole program: the top-level items in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Items in the order they were written.
    pub items: Vec<Item>,
    /// The whole file.
    pub span: Span,
}

/// A name as written, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The text, without any sigil.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `#include <x.h>` or `#include "x.h"`.
    Include(Include),
    /// `#define NAME value`.
    Define(Define),
    /// A C `struct` or `union` definition.
    CStruct(CStruct),
    /// A C `enum` definition.
    CEnum(CEnum),
    /// `config = { key = value; ... }`.
    Config(Config),
    /// `import "file";`.
    Import(Import),
    /// `let @m = hash(100);`.
    MapDecl(MapDecl),
    /// `macro name(params) { ... }`.
    Macro(Macro),
    /// `attach, points /predicate/ { body }`.
    Probe(Probe),
}

/// `#include` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// The path between `<>` or `""`.
    pub path: String,
    /// True for `<...>`, false for `"..."`.
    pub system: bool,
    /// The whole directive.
    pub span: Span,
}

/// `#define` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Define {
    /// The macro name (including a parameter list such as `F(x)` if written without a space).
    pub name: String,
    /// The replacement text, trimmed, with line continuations joined.
    pub value: String,
    /// The whole directive.
    pub span: Span,
}

/// Whether a C aggregate is a `struct` or a `union`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CAggregateKind {
    /// `struct`.
    Struct,
    /// `union`.
    Union,
}

/// A C struct/union definition: `struct Foo { int a; char b[16]; struct Bar *c; }`.
#[derive(Debug, Clone, PartialEq)]
pub struct CStruct {
    /// `struct` or `union`.
    pub kind: CAggregateKind,
    /// The tag name.
    pub name: Ident,
    /// Fields in order.
    pub fields: Vec<CField>,
    /// The whole definition (without the trailing `;`).
    pub span: Span,
}

/// One field of a C struct/union.
#[derive(Debug, Clone, PartialEq)]
pub struct CField {
    /// The field's type (pointer and array declarators included).
    pub ty: CType,
    /// The field name.
    pub name: Ident,
    /// Bit width for `int x : 3;`.
    pub bitfield: Option<u64>,
    /// The whole declaration.
    pub span: Span,
}

/// A C type as written in a struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct CType {
    /// The specifier words, e.g. `["unsigned", "long"]` or `["struct", "Bar"]`.
    pub words: Vec<String>,
    /// Number of `*` after the specifiers.
    pub pointers: u32,
    /// Array dimensions after the name, outermost first (`None` for `[]`).
    pub arrays: Vec<Option<u64>>,
    /// The specifier words (and stars).
    pub span: Span,
}

/// A C enum definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CEnum {
    /// The tag name.
    pub name: Ident,
    /// Variants in order.
    pub variants: Vec<CEnumVariant>,
    /// The whole definition.
    pub span: Span,
}

/// One enumerator: `NAME` or `NAME = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct CEnumVariant {
    /// The enumerator name.
    pub name: Ident,
    /// The explicit value, if any.
    pub value: Option<Expr>,
    /// The whole enumerator.
    pub span: Span,
}

/// `config = { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Assignments in order.
    pub entries: Vec<ConfigEntry>,
    /// The whole item.
    pub span: Span,
}

/// `key = value` inside a config block.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    /// The config variable, as written.
    pub key: Ident,
    /// Its value expression (usually a literal or an identifier such as `PER_PID`).
    pub value: Expr,
    /// The whole entry.
    pub span: Span,
}

/// `import "file";`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The decoded path.
    pub path: String,
    /// The whole item.
    pub span: Span,
}

/// `let @m = kind(args);` map declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct MapDecl {
    /// The map name without `@`.
    pub map: Ident,
    /// The map kind as written (`hash`, `lruhash`, `percpuhash`, `percpulruhash`, ...).
    pub kind: Ident,
    /// The arguments (usually the size).
    pub args: Vec<Expr>,
    /// The whole item.
    pub span: Span,
}

/// `macro name(params) { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Macro {
    /// The macro name.
    pub name: Ident,
    /// Parameters in order.
    pub params: Vec<MacroParam>,
    /// The body: an [`ExprKind::Block`] whose value is the final expression when it is written
    /// without `;`.
    pub body: Expr,
    /// The whole item.
    pub span: Span,
}

/// A macro parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum MacroParam {
    /// `$x`: binds a scratch variable.
    Var(Ident),
    /// `@m`: binds a map.
    Map(Ident),
    /// `x`: binds an expression.
    Expr(Ident),
}

/// A probe: attach points, an optional predicate and the action block.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The comma-separated attach points (at least one).
    pub attach_points: Vec<AttachPoint>,
    /// `/ expr /`.
    pub predicate: Option<Expr>,
    /// The action block.
    pub body: Block,
    /// The whole probe.
    pub span: Span,
}

/// One attach point such as `tracepoint:syscalls:sys_enter_openat` or `uprobe:libc:"a:b"`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachPoint {
    /// The provider as written (`t`, `tracepoint`, `BEGIN`, ...); see [`crate::canonical_provider`].
    pub provider: Ident,
    /// The `:`-separated parts after the provider, wildcards, offsets and `$1` kept verbatim.
    pub parts: Vec<AttachPart>,
    /// The exact source text of the attach point.
    pub raw: String,
    /// Where it is.
    pub span: Span,
}

/// One `:`-separated part of an attach point.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachPart {
    /// The text with quotes removed and escapes decoded (`a:b` for `"a:b"`).
    pub text: String,
    /// True when any of the part was written inside double quotes.
    pub quoted: bool,
    /// Where it is (quotes included).
    pub span: Span,
}

/// A `{ ... }` list of statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Statements in order.
    pub stmts: Vec<Stmt>,
    /// Braces included.
    pub span: Span,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// What kind of statement.
    pub kind: StmtKind,
    /// Where it is (without the separating `;`).
    pub span: Span,
}

/// Statement kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect (calls, `$x++`, ...).
    Expr(Expr),
    /// `target = value` or `target op= value` (`op` is `Some` for compound assignment).
    Assign {
        /// A `$var`, `@map`, `@map[keys]` (or another expression; checked by later stages).
        target: Expr,
        /// The operator of a compound assignment.
        op: Option<BinaryOp>,
        /// The right-hand side.
        value: Expr,
    },
    /// `_ = expr`: evaluate and discard.
    Discard(Expr),
    /// `let $x[: type] [= value]`.
    Let {
        /// The variable (without `$`).
        var: Ident,
        /// The declared type.
        ty: Option<Type>,
        /// The initial value.
        value: Option<Expr>,
    },
    /// `if (cond) { } [else ...]`.
    If {
        /// The condition.
        cond: Expr,
        /// The `then` block.
        then: Block,
        /// The `else` branch: a [`StmtKind::Block`] or, for `else if`, a [`StmtKind::If`].
        otherwise: Option<Box<Stmt>>,
    },
    /// `unroll(n) { }`.
    Unroll {
        /// The repetition count.
        count: Expr,
        /// The body.
        body: Block,
    },
    /// `while (cond) { }`.
    While {
        /// The condition.
        cond: Expr,
        /// The body.
        body: Block,
    },
    /// `for ($x : iter) { }`.
    For {
        /// The loop variable (without `$`).
        var: Ident,
        /// What is iterated.
        iter: ForIter,
        /// The body.
        body: Block,
    },
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return`.
    Return,
    /// A nested `{ }` block.
    Block(Block),
}

/// What a `for` loop iterates over.
#[derive(Debug, Clone, PartialEq)]
pub enum ForIter {
    /// `for ($kv : @map)`.
    Map(Expr),
    /// `for ($i : start..end)` (end exclusive).
    Range {
        /// Inclusive start.
        start: Expr,
        /// Exclusive end.
        end: Expr,
    },
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An integer literal (C suffixes such as `ULL` are accepted and dropped).
    Int {
        /// The number as written, before applying the duration unit.
        value: u64,
        /// A duration suffix (`1s`, `10ms`).
        unit: Option<DurationUnit>,
    },
    /// A string literal, escapes decoded.
    Str(Bytes),
    /// A character literal such as `'a'` or `'\n'`.
    Char(u8),
    /// `true` / `false`.
    Bool(bool),
    /// A bare identifier: a builtin (`pid`, `comm`), an enum value or a zero-argument macro.
    Ident(String),
    /// A scratch variable `$x` (name without `$`).
    Var(String),
    /// A positional parameter `$1`.
    Positional(u32),
    /// `$#`, the number of positional parameters.
    ParamCount,
    /// A map `@m`, `@m[k]`, `@m[k1, k2]`; `name` is empty for the anonymous map `@`.
    Map {
        /// The map name without `@`.
        name: String,
        /// The keys; empty for a scalar map.
        keys: Vec<Expr>,
    },
    /// `f(args)`.
    Call {
        /// The function or macro name.
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A prefix or postfix unary operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// A binary operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `cond ? then : otherwise`, or `cond ?: otherwise` when `then` is `None`.
    Ternary {
        /// The condition.
        cond: Box<Expr>,
        /// The value when true (`None` for `?:`: the condition itself).
        then: Option<Box<Expr>>,
        /// The value when false.
        otherwise: Box<Expr>,
    },
    /// `(type)expr`.
    Cast {
        /// The target type.
        ty: Type,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `base.field` or `base->field`.
    Field {
        /// The struct, record or pointer.
        base: Box<Expr>,
        /// The field name.
        field: Ident,
        /// True for `->`.
        arrow: bool,
    },
    /// `tuple.0`.
    TupleIndex {
        /// The tuple.
        base: Box<Expr>,
        /// The element index.
        index: u32,
    },
    /// `base[index]`.
    Index {
        /// The array, pointer, string or tuple.
        base: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// `(a, b)`, `(a,)`, `()`.
    Tuple(Vec<Expr>),
    /// `(name = value, ...)`.
    Record(Vec<RecordField>),
    /// `{ stmts; value }`: a block whose value is its final expression (written without `;`).
    Block {
        /// The statements before the value.
        stmts: Vec<Stmt>,
        /// The final expression; `None` when the block ends with a statement or `;`.
        value: Option<Box<Expr>>,
    },
    /// `sizeof(type)` or `sizeof(expr)`.
    Sizeof(Box<TypeOrExpr>),
    /// `offsetof(type-or-expr, field.subfield)`.
    Offsetof {
        /// The aggregate.
        of: Box<TypeOrExpr>,
        /// The field path.
        fields: Vec<Ident>,
    },
}

/// The argument of `sizeof`, `offsetof` or `typeof`.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeOrExpr {
    /// A type (`uint32`, `struct x`).
    Type(Type),
    /// An expression (a bare identifier may still name a type; later stages decide).
    Expr(Expr),
}

/// A record field `name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordField {
    /// The field name.
    pub name: Ident,
    /// The value.
    pub value: Expr,
    /// Where it is.
    pub span: Span,
}

/// Duration suffixes of integer literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `ns`.
    Nanos,
    /// `us`.
    Micros,
    /// `ms`.
    Millis,
    /// `s`.
    Secs,
    /// `m`.
    Mins,
    /// `h`.
    Hours,
    /// `d`.
    Days,
}

impl DurationUnit {
    /// The suffix for `text`, if it is one.
    pub fn from_suffix(text: &str) -> Option<DurationUnit> {
        Some(match text {
            "ns" => DurationUnit::Nanos,
            "us" => DurationUnit::Micros,
            "ms" => DurationUnit::Millis,
            "s" => DurationUnit::Secs,
            "m" => DurationUnit::Mins,
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            _ => return None,
        })
    }

    /// Nanoseconds in one unit.
    pub fn nanos(self) -> u64 {
        match self {
            DurationUnit::Nanos => 1,
            DurationUnit::Micros => 1_000,
            DurationUnit::Millis => 1_000_000,
            DurationUnit::Secs => 1_000_000_000,
            DurationUnit::Mins => 60_000_000_000,
            DurationUnit::Hours => 3_600_000_000_000,
            DurationUnit::Days => 86_400_000_000_000,
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `!x`.
    Not,
    /// `~x`.
    BitNot,
    /// `*p`.
    Deref,
    /// `&x`.
    AddrOf,
    /// `++x`.
    PreInc,
    /// `--x`.
    PreDec,
    /// `x++`.
    PostInc,
    /// `x--`.
    PostDec,
}

/// Binary operators (also the operator of a compound assignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `||`.
    LogOr,
    /// `&&`.
    LogAnd,
    /// `|`.
    BitOr,
    /// `^`.
    BitXor,
    /// `&`.
    BitAnd,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<<`.
    Shl,
    /// `>>`.
    Shr,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
}

/// A type as written in a cast, `let` annotation, `sizeof` or `offsetof`.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    /// What kind of type.
    pub kind: TypeKind,
    /// Where it is.
    pub span: Span,
}

/// Type kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A named type: `uint32`, `string`, `bool`, or a typedef name such as `pid_t`.
    Named(String),
    /// `struct X`.
    Struct(String),
    /// `union X`.
    Union(String),
    /// `enum X`.
    Enum(String),
    /// `typeof(expr or type)`.
    Typeof(Box<TypeOrExpr>),
    /// `T *`.
    Pointer(Box<Type>),
    /// `T[n]` (`None` for `T[]`).
    Array(Box<Type>, Option<u64>),
}

/// The bytes of a string literal after escape decoding; debug-prints as an escaped string.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for b in &self.0 {
            write!(f, "{}", std::ascii::escape_default(*b))?;
        }
        f.write_str("\"")
    }
}
