//! C's operator precedence and associativity, D's `^^`, casts, `sizeof`, `stringof`, `xlate`
//! and postfix operators, checked by printing parsed expressions fully parenthesised.

use frontend_d::ast::*;
use ir::span::SourceFile;

fn op(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Comma => ",",
        LogOr => "||",
        LogXor => "^^",
        LogAnd => "&&",
        BitOr => "|",
        BitXor => "^",
        BitAnd => "&",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        Shl => "<<",
        Shr => ">>",
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Rem => "%",
    }
}

fn ty(t: &TypeName) -> String {
    let words = match &t.specs.ty {
        TypeSpec::Words(w) => w
            .iter()
            .map(|i| i.name.clone())
            .collect::<Vec<_>>()
            .join(" "),
        TypeSpec::Aggregate(a) => format!("struct {}", a.tag.as_ref().map_or("", |t| &t.name)),
        TypeSpec::Enum(e) => format!("enum {}", e.tag.as_ref().map_or("", |t| &t.name)),
    };
    format!("{words}{}", "*".repeat(t.declarator.pointers as usize))
}

fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(i) => i.value.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Char(c) => format!("'{}'", String::from_utf8_lossy(c)),
        ExprKind::Ident(n) => n.clone(),
        ExprKind::Agg(n) => format!("@{n}"),
        ExprKind::Macro { name, quoted } => format!("{}{name}", if *quoted { "$$" } else { "$" }),
        ExprKind::SelfKw => "self".into(),
        ExprKind::ThisKw => "this".into(),
        ExprKind::SelfVar(i) => format!("self->{}", i.name),
        ExprKind::ThisVar(i) => format!("this->{}", i.name),
        ExprKind::Member {
            base,
            member,
            arrow,
        } => {
            format!(
                "{}{}{}",
                show(base),
                if *arrow { "->" } else { "." },
                member.name
            )
        }
        ExprKind::Index { base, keys } => format!(
            "{}[{}]",
            show(base),
            keys.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Call { func, args } => format!(
            "{}({})",
            func.name,
            args.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Unary { op, operand } => {
            let o = show(operand);
            match op {
                UnaryOp::Neg => format!("(-{o})"),
                UnaryOp::Plus => format!("(+{o})"),
                UnaryOp::Not => format!("(!{o})"),
                UnaryOp::BitNot => format!("(~{o})"),
                UnaryOp::Deref => format!("(*{o})"),
                UnaryOp::AddrOf => format!("(&{o})"),
                UnaryOp::PreInc => format!("(++{o})"),
                UnaryOp::PreDec => format!("(--{o})"),
                UnaryOp::PostInc => format!("({o}++)"),
                UnaryOp::PostDec => format!("({o}--)"),
            }
        }
        ExprKind::Binary { op: o, lhs, rhs } => format!("({} {} {})", show(lhs), op(*o), show(rhs)),
        ExprKind::Assign {
            op: o,
            target,
            value,
        } => format!("({} {}= {})", show(target), o.map_or("", op), show(value)),
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            format!("({} ? {} : {})", show(cond), show(then), show(otherwise))
        }
        ExprKind::Cast { ty: t, expr } => format!("(({}){})", ty(t), show(expr)),
        ExprKind::SizeofType(t) => format!("sizeof({})", ty(t)),
        ExprKind::SizeofExpr(e) => format!("sizeof {}", show(e)),
        ExprKind::Stringof(e) => format!("stringof {}", show(e)),
        ExprKind::Offsetof { ty: t, member } => format!("offsetof({}, {})", ty(t), member.name),
        ExprKind::Xlate { ty: t, expr } => format!("xlate<{}>({})", ty(t), show(expr)),
    }
}

/// Parses `BEGIN { <expr>; }` and prints the one expression.
fn parse(src: &str) -> String {
    let file = SourceFile::new("t.d", format!("BEGIN {{ {src}; }}"));
    let (program, diags) = frontend_d::parse_program(&file);
    assert!(
        diags.is_empty(),
        "{src}: {}",
        ir::diag::render_all(&file, &diags)
    );
    let Some(Item::Clause(c)) = program.and_then(|p| p.items.into_iter().next()) else {
        panic!("{src}: no clause")
    };
    let body = c.body.expect("body");
    let [Stmt {
        kind: StmtKind::Expr(e),
        ..
    }] = body.stmts.as_slice()
    else {
        panic!("{src}: {:?}", body.stmts)
    };
    show(e)
}

#[test]
fn binary_tiers_follow_c() {
    assert_eq!(parse("a + b * c"), "(a + (b * c))");
    assert_eq!(parse("a - b - c"), "((a - b) - c)");
    assert_eq!(parse("a / b % c * d"), "(((a / b) % c) * d)");
    assert_eq!(parse("a << 1 + b"), "(a << (1 + b))");
    assert_eq!(parse("a < b << c"), "(a < (b << c))");
    assert_eq!(parse("a == b < c"), "(a == (b < c))");
    assert_eq!(parse("a & b == c"), "(a & (b == c))");
    assert_eq!(parse("a ^ b & c"), "(a ^ (b & c))");
    assert_eq!(parse("a | b ^ c"), "(a | (b ^ c))");
    assert_eq!(parse("a && b | c"), "(a && (b | c))");
    assert_eq!(parse("a ^^ b && c"), "(a ^^ (b && c))");
    assert_eq!(parse("a || b ^^ c"), "(a || (b ^^ c))");
    assert_eq!(parse("a ^^ b ^^ c"), "((a ^^ b) ^^ c)");
}

#[test]
fn ternary_assignment_and_comma() {
    assert_eq!(parse("a ? b : c ? d : e"), "(a ? b : (c ? d : e))");
    assert_eq!(parse("a || b ? c , d : e"), "((a || b) ? (c , d) : e)");
    assert_eq!(parse("x = y = 1"), "(x = (y = 1))");
    assert_eq!(parse("x += y ? 1 : 2"), "(x += (y ? 1 : 2))");
    assert_eq!(parse("x <<= 2, y >>= 3"), "((x <<= 2) , (y >>= 3))");
    assert_eq!(parse("a, b, c"), "((a , b) , c)");
}

#[test]
fn unary_cast_and_postfix() {
    assert_eq!(parse("-a * b"), "((-a) * b)");
    assert_eq!(parse("!a && ~b"), "((!a) && (~b))");
    assert_eq!(parse("*p++"), "(*(p++))");
    assert_eq!(parse("&x->y"), "(&x->y)");
    assert_eq!(parse("++x + x--"), "((++x) + (x--))");
    assert_eq!(parse("(int)a + b"), "(((int)a) + b)");
    assert_eq!(parse("(char *)a->b"), "((char*)a->b)");
    assert_eq!(parse("(uint64_t)(a + b)"), "((uint64_t)(a + b))");
    assert_eq!(parse("*(int *)p"), "(*((int*)p))");
    assert_eq!(parse("(a) + b"), "(a + b)");
    assert_eq!(parse("sizeof (int) * 2"), "(sizeof(int) * 2)");
    assert_eq!(parse("sizeof x + 1"), "(sizeof x + 1)");
    assert_eq!(parse("sizeof (struct s *)"), "sizeof(struct s*)");
    assert_eq!(parse("stringof x->y"), "stringof x->y");
    assert_eq!(
        parse("offsetof(struct s, f) + 1"),
        "(offsetof(struct s, f) + 1)"
    );
    assert_eq!(
        parse("xlate <psinfo_t *> (curthread)->pr_pid"),
        "xlate<psinfo_t*>(curthread)->pr_pid"
    );
}

#[test]
fn variables_arrays_and_aggregations() {
    assert_eq!(parse("self->ts = timestamp"), "(self->ts = timestamp)");
    assert_eq!(parse("this->x[1, \"a\"]"), "this->x[1, \"a\"]");
    assert_eq!(parse("@a[k1, k2] = count()"), "(@a[k1, k2] = count())");
    assert_eq!(parse("@ = quantize(x)"), "(@ = quantize(x))");
    assert_eq!(parse("args[0]->b_bcount"), "args[0]->b_bcount");
    assert_eq!(parse("curpsinfo->pr_psargs"), "curpsinfo->pr_psargs");
    assert_eq!(parse("$1 + $$2 + $target"), "(($1 + $$2) + $target)");
    assert_eq!(parse("`jiffies + vmlinux`hz"), "(`jiffies + vmlinux`hz)");
    assert_eq!(parse("a.b.c->d"), "a.b.c->d");
    assert_eq!(
        parse("printa(\"%s %@d\", @a, @b)"),
        "printa(\"%s %@d\", @a, @b)"
    );
    assert_eq!(parse("f()"), "f()");
}
