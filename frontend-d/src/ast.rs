//! The D abstract syntax tree.
//!
//! Names are kept exactly as written: no macro expansion, no builtin lookup, no type resolution.
//! Sigils are implied by the node kind ([`ExprKind::Agg`] holds `a` for `@a`,
//! [`ExprKind::Macro`] holds `1` for `$1`). Every node carries a [`Span`] of byte offsets into the
//! source; comments are not represented. Control lines (`#pragma`, `#line`, `#!`) are collected in
//! [`Program::directives`] because they may appear anywhere, even inside a clause.

use ir::span::Span;
use std::fmt;

/// A whole D program.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Clauses and declarations in source order.
    pub items: Vec<Item>,
    /// Control lines (`#pragma`, `#line`, `#!`) in source order.
    pub directives: Vec<Directive>,
    /// The whole file.
    pub span: Span,
}

impl Program {
    /// The `#pragma D option` settings in source order, as `(name, value)`.
    pub fn options(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.directives.iter().filter_map(|d| match d {
            Directive::Pragma(Pragma {
                kind: PragmaKind::Option { name, value },
                ..
            }) => Some((name.name.as_str(), value.as_deref())),
            _ => None,
        })
    }
}

/// A name as written, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The text, without any sigil.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A string literal's decoded bytes.
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

// ------------------------------------------------------------------------------------ directives

/// A control line.
#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    /// `#!/usr/sbin/dtrace -qs`: the interpreter line (its text after `#!`).
    Interpreter {
        /// The text after `#!`, trimmed.
        text: String,
        /// The whole line.
        span: Span,
    },
    /// `#pragma ...`.
    Pragma(Pragma),
    /// `#line N "file"` or the preprocessor's `# N "file" flags`.
    Line(LineMarker),
    /// `#error text` or `#pragma D error text` (the lexer also reports it as an error).
    Error {
        /// The message.
        text: String,
        /// The whole line.
        span: Span,
    },
    /// `#ident "text"` or `#pragma ident "text"` (ignored by DTrace).
    Ident {
        /// The text after the directive.
        text: String,
        /// The whole line.
        span: Span,
    },
}

/// A `#pragma` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Pragma {
    /// What it says.
    pub kind: PragmaKind,
    /// The whole line.
    pub span: Span,
}

/// The kinds of `#pragma`.
#[derive(Debug, Clone, PartialEq)]
pub enum PragmaKind {
    /// `#pragma D option name` or `#pragma D option name=value`.
    Option {
        /// The option name.
        name: Ident,
        /// The text after `=`, if any (`16m`, `10hz`).
        value: Option<String>,
    },
    /// `#pragma D attributes name/data/class kind name`.
    Attributes {
        /// The attribute triple as written (`Evolving/Evolving/Common`).
        attributes: String,
        /// What it applies to (`provider io args`, or an identifier).
        target: Vec<String>,
    },
    /// `#pragma D binding "version" name`.
    Binding {
        /// The version (quotes removed).
        version: String,
        /// The identifier bound.
        name: String,
    },
    /// `#pragma D depends_on class name` (`module`, `provider`, `library`).
    DependsOn {
        /// `module`, `provider`, `library`, ...
        class: String,
        /// The name depended on.
        name: String,
    },
    /// A pragma for another compiler (`#pragma weak x`): ignored, as by DTrace.
    Other {
        /// The words after `#pragma`.
        words: Vec<String>,
    },
}

/// A line marker: the next line is line `line` of `file`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineMarker {
    /// The line number of the line after the marker.
    pub line: u32,
    /// The file name, if given.
    pub file: Option<String>,
    /// The whole marker line.
    pub span: Span,
}

// ------------------------------------------------------------------------------------ items

/// One top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `descriptions /predicate/ { statements }`.
    Clause(Clause),
    /// A declaration: `int x;`, `self int depth;`, `typedef ...;`, `struct s { ... };`.
    Decl(Decl),
    /// `inline type name = expression;`.
    Inline(Inline),
    /// `translator output < input param > { member = expr; ... };`.
    Translator(Translator),
    /// `provider name { probe p(args); ... };`.
    Provider(Provider),
}

/// A probe clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The probe descriptions, at least one.
    pub descs: Vec<ProbeDesc>,
    /// The predicate between slashes.
    pub predicate: Option<Expr>,
    /// The statement list; `None` for a clause without braces (the default action).
    pub body: Option<Block>,
    /// From the first description to the closing brace (or the predicate or description).
    pub span: Span,
}

/// A probe description `provider:module:function:name`, possibly shortened, with globs and
/// macro variables kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeDesc {
    /// The description's fields as written, split at unescaped `:` (one to four).
    pub fields: Vec<DescField>,
    /// The whole text.
    pub raw: String,
    /// The whole description.
    pub span: Span,
}

impl ProbeDesc {
    /// The field at `index` of the full four-field form (0 provider, 1 module, 2 function,
    /// 3 name): shortened forms fill in from the right, so `BEGIN` is just a name. Missing or
    /// empty fields are `""` (match anything).
    pub fn field(&self, index: usize) -> &str {
        let missing = 4usize.saturating_sub(self.fields.len());
        index
            .checked_sub(missing)
            .and_then(|i| self.fields.get(i))
            .map_or("", |f| f.text.as_str())
    }

    /// The provider field (`""` when not given).
    pub fn provider(&self) -> &str {
        self.field(0)
    }

    /// The module field.
    pub fn module(&self) -> &str {
        self.field(1)
    }

    /// The function field.
    pub fn function(&self) -> &str {
        self.field(2)
    }

    /// The name field.
    pub fn name(&self) -> &str {
        self.field(3)
    }
}

/// One `:`-separated field of a probe description.
#[derive(Debug, Clone, PartialEq)]
pub struct DescField {
    /// The text as written (globs `* ? [..]`, `\` escapes and `$` macro variables kept).
    pub text: String,
    /// Where it is (empty for an empty field).
    pub span: Span,
}

/// A declaration: specifiers and zero or more declarators.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    /// Storage class, qualifiers and type.
    pub specs: DeclSpecs,
    /// The declared names (none for `struct s { ... };`).
    pub declarators: Vec<Declarator>,
    /// The whole declaration, `;` included.
    pub span: Span,
}

impl Decl {
    /// True for `typedef` declarations.
    pub fn is_typedef(&self) -> bool {
        self.specs.storage.iter().any(|s| s.name == "typedef")
    }
}

/// `inline type name = value;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Inline {
    /// The type.
    pub specs: DeclSpecs,
    /// The name (and pointer/array parts).
    pub declarator: Declarator,
    /// The value.
    pub value: Expr,
    /// The whole definition.
    pub span: Span,
}

/// `translator output < input param > { members };`.
#[derive(Debug, Clone, PartialEq)]
pub struct Translator {
    /// The type translated to.
    pub output: TypeName,
    /// The type translated from.
    pub input: TypeName,
    /// The name the members' expressions use for the input.
    pub param: Ident,
    /// `member = expression;` lines.
    pub members: Vec<TranslatorMember>,
    /// The whole definition.
    pub span: Span,
}

/// One `member = expression;` of a translator.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslatorMember {
    /// The output member.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// The whole line.
    pub span: Span,
}

/// `provider name { probe p(types) : (types); ... };`.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// The provider name.
    pub name: Ident,
    /// Its probes.
    pub probes: Vec<ProviderProbe>,
    /// The whole definition.
    pub span: Span,
}

/// One `probe name(args) : (translated args);` of a provider definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderProbe {
    /// The probe name (`__` becomes `-` later).
    pub name: Ident,
    /// Native argument types.
    pub params: Vec<Param>,
    /// Translated argument types after `:`.
    pub xlated: Option<Vec<Param>>,
    /// The whole line.
    pub span: Span,
}

// ------------------------------------------------------------------------------------ types

/// Declaration specifiers: storage class, qualifiers and the type.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclSpecs {
    /// `self`, `this`, `typedef`, `static`, `extern`, `register`, `auto`.
    pub storage: Vec<Ident>,
    /// `const`, `volatile`, `restrict`, `userland`.
    pub qualifiers: Vec<Ident>,
    /// The type.
    pub ty: TypeSpec,
    /// All the specifiers.
    pub span: Span,
}

/// The type part of declaration specifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeSpec {
    /// Type words as written: `int`, `unsigned long long`, `string`, `uint64_t`. Empty when no
    /// type was written (`self x;`).
    Words(Vec<Ident>),
    /// `struct tag`, `union tag`, possibly with a body.
    Aggregate(Aggregate),
    /// `enum tag`, possibly with a body.
    Enum(EnumType),
}

/// Whether an aggregate is a struct or a union.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    /// `struct`.
    Struct,
    /// `union`.
    Union,
}

/// `struct tag` or `struct tag { members }` (or a union).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Struct or union.
    pub kind: AggregateKind,
    /// The tag (absent for an anonymous definition).
    pub tag: Option<Ident>,
    /// The members, when the body is given.
    pub members: Option<Vec<Member>>,
    /// From the keyword to the tag or closing brace.
    pub span: Span,
}

/// One member declaration of a struct or union: `int a, b : 3;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The specifiers.
    pub specs: DeclSpecs,
    /// The declared members with their bit-field widths.
    pub declarators: Vec<(Declarator, Option<Expr>)>,
    /// The whole declaration.
    pub span: Span,
}

/// `enum tag` or `enum tag { A, B = 2 }`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// The tag.
    pub tag: Option<Ident>,
    /// The enumerators, when the body is given.
    pub enumerators: Option<Vec<Enumerator>>,
    /// From the keyword to the tag or closing brace.
    pub span: Span,
}

/// One enumerator: `NAME` or `NAME = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Enumerator {
    /// The name.
    pub name: Ident,
    /// The explicit value.
    pub value: Option<Expr>,
    /// The whole enumerator.
    pub span: Span,
}

/// A declarator: pointers, a name (absent in abstract declarators) and suffixes.
#[derive(Debug, Clone, PartialEq)]
pub struct Declarator {
    /// Number of `*`.
    pub pointers: u32,
    /// The declared name.
    pub name: Option<Ident>,
    /// Array, associative-array and parameter suffixes, left to right.
    pub suffixes: Vec<DeclSuffix>,
    /// The whole declarator (empty for an empty abstract declarator).
    pub span: Span,
}

/// A declarator suffix.
#[derive(Debug, Clone, PartialEq)]
pub enum DeclSuffix {
    /// `[N]` or `[]`.
    Array(Option<Box<Expr>>),
    /// `[int, string]`: an associative array keyed by these types.
    Assoc(Vec<TypeName>),
    /// `(params)`: a function (provider probes).
    Params(Vec<Param>),
}

/// A function parameter: `int`, `char *name`, or `...`.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A typed parameter, named or not.
    Typed {
        /// Its type specifiers.
        specs: DeclSpecs,
        /// Its (possibly abstract) declarator.
        declarator: Declarator,
        /// The whole parameter.
        span: Span,
    },
    /// `...`.
    Ellipsis(Span),
}

/// A type name as in a cast or `sizeof`: specifiers and an abstract declarator.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeName {
    /// The specifiers.
    pub specs: DeclSpecs,
    /// `*`s and `[N]`s (the name is always `None`).
    pub declarator: Declarator,
    /// The whole type name.
    pub span: Span,
}

// ------------------------------------------------------------------------------------ statements

/// `{ statements }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The statements (the last `;` is optional in the source).
    pub stmts: Vec<Stmt>,
    /// Braces included.
    pub span: Span,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Where it is (the `;` included when written).
    pub span: Span,
}

/// Statement kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression (assignments and action calls are expressions).
    Expr(Expr),
    /// `;` alone.
    Empty,
    /// `{ ... }`.
    Block(Block),
    /// `if (cond) then else otherwise`.
    If {
        /// The condition.
        cond: Expr,
        /// The statement or block run when it holds.
        then: Box<Stmt>,
        /// The `else` part.
        otherwise: Option<Box<Stmt>>,
    },
}

// ------------------------------------------------------------------------------------ expressions

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// An integer literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntLit {
    /// Its value.
    pub value: u64,
    /// 8, 10 or 16.
    pub radix: u32,
    /// The suffix as written (`""`, `u`, `UL`, `ull`, ...).
    pub suffix: String,
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An integer literal.
    Int(IntLit),
    /// A string literal (decoded).
    Str(Bytes),
    /// A character constant (one to eight bytes).
    Char(Vec<u8>),
    /// An identifier: a variable, builtin, or kernel symbol (`` `sym ``, `` mod`sym ``).
    Ident(String),
    /// `@name`, or `@` (name `""`).
    Agg(String),
    /// `$1`, `$target` (`quoted: false`) or `$$1` (`quoted: true`).
    Macro {
        /// The name after the sigil (`1`, `target`, `pid`).
        name: String,
        /// True for `$$`.
        quoted: bool,
    },
    /// `self` alone (only meaningful before `->`).
    SelfKw,
    /// `this` alone.
    ThisKw,
    /// `self->name`: a thread-local variable.
    SelfVar(Ident),
    /// `this->name`: a clause-local variable.
    ThisVar(Ident),
    /// `base.member` or `base->member`.
    Member {
        /// The struct or pointer.
        base: Box<Expr>,
        /// The member name.
        member: Ident,
        /// True for `->`.
        arrow: bool,
    },
    /// `base[k1, k2, ...]`: an array index or associative-array/aggregation key tuple.
    Index {
        /// The array, associative array or aggregation.
        base: Box<Expr>,
        /// The keys.
        keys: Vec<Expr>,
    },
    /// `name(args)`: a function, action or aggregating function.
    Call {
        /// The function name.
        func: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A prefix or postfix unary operation.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// A binary operation (including the comma operator).
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `target = value` or a compound assignment `target op= value`.
    Assign {
        /// `None` for `=`, the operator for `+=` etc.
        op: Option<BinaryOp>,
        /// The assigned place.
        target: Box<Expr>,
        /// The value.
        value: Box<Expr>,
    },
    /// `cond ? then : otherwise`.
    Ternary {
        /// The condition.
        cond: Box<Expr>,
        /// The value when it holds.
        then: Box<Expr>,
        /// The value otherwise.
        otherwise: Box<Expr>,
    },
    /// `(type) expr`.
    Cast {
        /// The target type.
        ty: TypeName,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `sizeof (type)`.
    SizeofType(TypeName),
    /// `sizeof expr`.
    SizeofExpr(Box<Expr>),
    /// `stringof expr`.
    Stringof(Box<Expr>),
    /// `offsetof(type, member)`.
    Offsetof {
        /// The struct type.
        ty: TypeName,
        /// The member.
        member: Ident,
    },
    /// `xlate < type > (expr)`.
    Xlate {
        /// The type translated to.
        ty: TypeName,
        /// The translated value.
        expr: Box<Expr>,
    },
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
    /// `!x`.
    Not,
    /// `~x`.
    BitNot,
    /// `*x`.
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

/// Binary operators, C's plus D's `^^`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `,` (the comma operator).
    Comma,
    /// `||`.
    LogOr,
    /// `^^` (logical exclusive or).
    LogXor,
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
