//! D's subroutines that compute a value: the string functions (`strlen strjoin substr index
//! rindex strchr strrchr strstr strtok basename dirname cleanpath lltostr toupper tolower`), `stringof`,
//! `copyinstr`, byte-order conversions, `inet_ntoa`/`inet_ntoa6`/`inet_ntop`, `rand`, `getmajor`/`getminor`, `progenyof`, symbols (`sym func usym
//! ufunc`) and stacks (`stack ustack`).
//!
//! The string functions lower to a few language-neutral IR functions (ranges, joins, byte and
//! substring searches, case mapping); D's edge cases (negative `substr` indices, `index`
//! positions, `basename("/")`) are computed here with ordinary IR arithmetic around them.

use super::types::{self, coerce, INT};
use super::Lowerer;
use crate::ast;
use ir::{
    AddrSpace, BinaryOp, Builtin, Expr, ExprKind, Function, Span, StackMode, StackType, Stmt,
    StmtKind, Type,
};

/// Linux's address families, as `inet_ntop` takes them.
const AF_INET: i64 = 2;
const AF_INET6: i64 = 10;

/// A subroutine's parameter as DTrace's prototype names it.
#[derive(Clone, Copy)]
enum Param {
    /// `const char *` (a D string).
    Str,
    /// An integer type (the name is the prototype's).
    Int(&'static str),
}

/// `name`: (result is computed by the caller) parameters, and how many are required.
fn signature(name: &str) -> Option<(&'static [Param], usize)> {
    use Param::{Int, Str};
    Some(match name {
        "strlen" | "basename" | "dirname" | "cleanpath" | "toupper" | "tolower" => (&[Str], 1),
        "strjoin" | "strstr" => (&[Str, Str], 2),
        "substr" => (&[Str, Int("int"), Int("int")], 2),
        "index" | "rindex" => (&[Str, Str, Int("int")], 2),
        "strchr" | "strrchr" => (&[Str, Int("char")], 2),
        "lltostr" => (&[Int("int64_t"), Int("int")], 1),
        "htons" | "ntohs" => (&[Int("uint16_t")], 1),
        "htonl" | "ntohl" => (&[Int("uint32_t")], 1),
        "htonll" | "ntohll" => (&[Int("uint64_t")], 1),
        "rand" => (&[], 0),
        "copyinstr" => (&[Int("uintptr_t"), Int("size_t")], 1),
        "getmajor" | "getminor" => (&[Int("dev_t")], 1),
        "progenyof" => (&[Int("pid_t")], 1),
        "strtok" => (&[Str, Str], 2),
        "inet_ntoa" => (&[Int("ipaddr_t *")], 1),
        "inet_ntoa6" => (&[Int("in6_addr_t *")], 1),
        "inet_ntop" => (&[Int("int"), Int("void *")], 2),
        "sym" | "func" | "usym" | "ufunc" | "mod" | "umod" => (&[Int("uintptr_t")], 1),
        "stack" | "ustack" => (&[Int("int")], 0),
        _ => return None,
    })
}

/// True for the subroutines this module lowers.
pub(crate) fn is_subroutine(name: &str) -> bool {
    signature(name).is_some()
}

impl Lowerer<'_> {
    /// A subroutine call used as a value; `None` after an error.
    pub(crate) fn subroutine(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<Expr> {
        let name = func.name.as_str();
        let (params, required) = signature(name)?;
        if name == "strtok" && args.len() == 2 && is_null(&args[0]) {
            // strtok(NULL, delimiters): go on with the string of the previous call.
            let delim = self.expr(&args[1])?;
            if !matches!(delim.ty, Type::Str { .. }) {
                self.error(
                    args[1].span,
                    format!(
                        "strtok( ) argument #2 is incompatible with prototype:\n\tprototype: const char *\n\t argument: {}",
                        types::d_name(&delim.ty)
                    ),
                );
                return None;
            }
            return Some(self.strtok(None, delim, span));
        }
        if args.len() < required || args.len() > params.len() {
            let at_least = if required < params.len() {
                "at least "
            } else {
                ""
            };
            self.error(
                span,
                format!(
                    "{name}( ) prototype mismatch: {} arg{} passed, {at_least}{required} expected",
                    args.len(),
                    if args.len() == 1 { "" } else { "s" },
                ),
            );
            return None;
        }
        let mut values = Vec::new();
        for (i, (a, p)) in args.iter().zip(params).enumerate() {
            let v = self.expr(a)?;
            let ok = match p {
                Param::Str => matches!(v.ty, Type::Str { .. }),
                Param::Int(_) => v.ty.is_integer(),
            };
            if !ok {
                let proto = match p {
                    Param::Str => "const char *",
                    Param::Int(n) => n,
                };
                self.error(
                    a.span,
                    format!(
                        "{name}( ) argument #{} is incompatible with prototype:\n\tprototype: {proto}\n\t argument: {}",
                        i + 1,
                        types::d_name(&v.ty)
                    ),
                );
                return None;
            }
            let v = if v.ty == Type::Bool {
                coerce(v, &INT)
            } else {
                v
            };
            values.push(v);
        }
        self.lower_subroutine(name, values, args, span)
    }

    fn lower_subroutine(
        &mut self,
        name: &str,
        mut v: Vec<Expr>,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<Expr> {
        let string = Type::Str {
            size: self.strsize(),
        };
        let mut stmts = Vec::new();
        let value = match name {
            "strlen" => call(Function::Strlen, v, Type::U64, span),
            "strjoin" => call(Function::Strjoin, v, string, span),
            "cleanpath" => call(Function::Cleanpath, v, string, span),
            "toupper" | "tolower" => call(
                Function::StrCase {
                    upper: name == "toupper",
                },
                v,
                string,
                span,
            ),
            "lltostr" => {
                let base = v.get(1).cloned().unwrap_or_else(|| i64c(10, span));
                let n = coerce(v.swap_remove(0), &Type::I64);
                if let ExprKind::Int(b) = base.kind {
                    let b = b as i64;
                    if !(2..=36).contains(&b) {
                        self.error(
                            base.span,
                            format!("lltostr( ) base {b} is invalid: it must be 2 to 36"),
                        );
                        return None;
                    }
                }
                call(
                    Function::Lltostr,
                    vec![n, coerce(base, &Type::I64)],
                    string,
                    span,
                )
            }
            "substr" => {
                let s = self.bind(&mut stmts, v.remove(0));
                let len = self.bind(&mut stmts, strlen(&s, span));
                let index = self.bind(&mut stmts, coerce(v.remove(0), &Type::I64));
                let size = i64::from(self.strsize());
                let rem = match v.pop() {
                    Some(r) => self.bind(&mut stmts, coerce(r, &Type::I64)),
                    None => i64c(size, span),
                };
                // DTrace's rules: a negative index counts from the end; a range that starts
                // before the string is cut to its start; a negative length stops that many bytes
                // before the end.
                let idx1 = tern(
                    lt(index.clone(), i64c(0, span)),
                    add(index.clone(), len.clone()),
                    index,
                );
                let idx1 = self.bind(&mut stmts, idx1);
                let adj = and(
                    lt(idx1.clone(), i64c(0, span)),
                    lt(i64c(0, span), add(idx1.clone(), rem.clone())),
                );
                let adj = self.bind(&mut stmts, adj);
                let rem1 = tern(adj.clone(), add(rem.clone(), idx1.clone()), rem);
                let rem1 = self.bind(&mut stmts, rem1);
                let idx2 = tern(adj, i64c(0, span), idx1);
                let idx2 = self.bind(&mut stmts, idx2);
                let outside = or(
                    ge(idx2.clone(), len.clone()),
                    lt(idx2.clone(), i64c(0, span)),
                );
                let rem2 = tern(
                    outside,
                    i64c(0, span),
                    tern(
                        lt(rem1.clone(), i64c(0, span)),
                        sub(add(rem1.clone(), len), idx2.clone()),
                        rem1,
                    ),
                );
                call(Function::StrRange, vec![s, idx2, rem2], string, span)
            }
            "index" | "rindex" => {
                let s = self.bind(&mut stmts, v.remove(0));
                let needle = self.bind(&mut stmts, v.remove(0));
                let pos = v.pop();
                self.index(&mut stmts, name == "rindex", s, needle, pos, span)
            }
            "strstr" => {
                let s = self.bind(&mut stmts, v.remove(0));
                let i = call(
                    Function::Strstr,
                    vec![s.clone(), v.remove(0)],
                    Type::I64,
                    span,
                );
                let i = self.bind(&mut stmts, i);
                self.tail(s, i, span)
            }
            "strchr" | "strrchr" => {
                let s = self.bind(&mut stmts, v.remove(0));
                let c = coerce(v.remove(0), &Type::I64);
                let i = find_byte(name == "strrchr", false, &s, c, span);
                let i = self.bind(&mut stmts, i);
                self.tail(s, i, span)
            }
            "basename" | "dirname" => {
                let s = self.bind(&mut stmts, v.remove(0));
                self.path_part(&mut stmts, name == "dirname", s, span)
            }
            "htons" | "ntohs" | "htonl" | "ntohl" | "htonll" | "ntohll" => {
                let bits = match &name[name.len() - 1..] {
                    "s" => 16,
                    "l" if name.ends_with("ll") => 64,
                    _ => 32,
                };
                let t = Type::int(bits, false);
                call(Function::Bswap, vec![coerce(v.remove(0), &t)], t, span)
            }
            "rand" => coerce(
                Expr::new(ExprKind::Builtin(Builtin::Rand), Type::U32, span),
                &INT,
            ),
            "copyinstr" => {
                let ptr = self.bind(&mut stmts, coerce(v.remove(0), &Type::U64));
                let check = self.bad_address_check(ptr.clone(), 1, AddrSpace::User, span);
                stmts.push(check);
                let max_len = v.pop().map(|m| Box::new(coerce(m, &Type::U64)));
                Expr::new(
                    ExprKind::ReadStr {
                        ptr: Box::new(ptr),
                        space: AddrSpace::User,
                        max_len,
                    },
                    string,
                    span,
                )
            }
            "progenyof" => self.progenyof(v.remove(0), span)?,
            "strtok" => {
                let first = v.remove(0);
                return Some(self.strtok(Some(first), v.remove(0), span));
            }
            "inet_ntoa" | "inet_ntoa6" | "inet_ntop" => {
                let af = match name {
                    "inet_ntoa" => AF_INET,
                    "inet_ntoa6" => AF_INET6,
                    _ => match self.constant(&args[0]) {
                        Some(a) if a == AF_INET || a == AF_INET6 => {
                            v.remove(0);
                            a
                        }
                        _ => {
                            self.error(
                                args[0].span,
                                "inet_ntop( ) argument #1 must be the constant AF_INET (2) or AF_INET6 (10)",
                            );
                            return None;
                        }
                    },
                };
                let addr = self.bind(&mut stmts, coerce(v.remove(0), &Type::U64));
                let len = if af == AF_INET { 4 } else { 16 };
                let check = self.bad_address_check(addr.clone(), len, AddrSpace::Kernel, span);
                stmts.push(check);
                let u64t = Type::U64;
                let bytes = if af == AF_INET {
                    let a = Expr::new(
                        ExprKind::Deref {
                            ptr: Box::new(addr),
                            space: AddrSpace::Kernel,
                        },
                        Type::U32,
                        span,
                    );
                    vec![coerce(a, &u64t), Expr::int(0, u64t.clone(), span)]
                } else {
                    let t = Type::Array {
                        elem: Box::new(Type::int(8, false)),
                        len: 16,
                    };
                    vec![Expr::new(
                        ExprKind::Deref {
                            ptr: Box::new(addr),
                            space: AddrSpace::Kernel,
                        },
                        t,
                        span,
                    )]
                };
                let mut items = vec![Expr::int(af, u64t, span)];
                items.extend(bytes);
                let types: Vec<Type> = items.iter().map(|x| x.ty.clone()).collect();
                let tuple = Expr::new(ExprKind::Tuple(items), Type::Tuple(types), span);
                Expr::new(
                    ExprKind::Cast(Box::new(tuple)),
                    Type::Text(ir::TextKind::Inet),
                    span,
                )
            }
            "getmajor" | "getminor" => {
                // Linux's kernel-internal dev_t: 12 bits of major above 20 bits of minor.
                let d = coerce(v.remove(0), &Type::U64);
                let x = if name == "getmajor" {
                    Expr::new(
                        ExprKind::Binary {
                            op: BinaryOp::Shr,
                            lhs: Box::new(d),
                            rhs: Box::new(Expr::int(20, Type::U64, span)),
                        },
                        Type::U64,
                        span,
                    )
                } else {
                    Expr::new(
                        ExprKind::Binary {
                            op: BinaryOp::BitAnd,
                            lhs: Box::new(d),
                            rhs: Box::new(Expr::int(0xfffff, Type::U64, span)),
                        },
                        Type::U64,
                        span,
                    )
                };
                coerce(x, &Type::U32)
            }
            "sym" | "func" | "usym" | "ufunc" | "mod" | "umod" => {
                let kernel = matches!(name, "sym" | "func" | "mod");
                let module = matches!(name, "mod" | "umod");
                call(
                    if kernel {
                        Function::Ksym
                    } else {
                        Function::Usym
                    },
                    vec![coerce(v.remove(0), &Type::U64)],
                    Type::Symbol { kernel, module },
                    span,
                )
            }
            "stack" | "ustack" => {
                let kernel = name == "stack";
                let default = if kernel {
                    self.dopts.stackframes
                } else {
                    self.dopts.ustackframes
                };
                let limit = match args.first() {
                    None => default,
                    Some(a) => match self.constant(a) {
                        Some(n) if (1..=i64::from(u16::MAX)).contains(&n) => n as u32,
                        _ => {
                            self.error(
                                a.span,
                                format!(
                                    "{name}( ) argument #1 must be a positive integer constant"
                                ),
                            );
                            return None;
                        }
                    },
                };
                // The kernel keeps at most perf_event_max_stack (127) frames.
                let limit = limit.clamp(1, u32::from(StackType::DEFAULT_LIMIT)) as u16;
                Expr::new(
                    ExprKind::Builtin(if kernel {
                        Builtin::Kstack
                    } else {
                        Builtin::Ustack
                    }),
                    Type::Stack(StackType {
                        kernel,
                        limit,
                        mode: StackMode::Bpftrace,
                    }),
                    span,
                )
            }
            _ => return None,
        };
        Some(super::expr::block(stmts, value))
    }

    /// `strtok(s, delimiters)` (`s` is `None` for `strtok(NULL, ...)`): the next token, or the
    /// empty string when there is none. The string and the position reached are kept in two
    /// variables of the clause, as DTrace keeps them for the probe firing.
    fn strtok(&mut self, s: Option<Expr>, delim: Expr, span: Span) -> Expr {
        let string = Type::Str {
            size: self.strsize(),
        };
        let saved = match self.scope.get("strtok string") {
            Some((v, _)) => v,
            None => self.scope.create("strtok string", string.clone(), span),
        };
        let pos = match self.scope.get("strtok position") {
            Some((v, _)) => v,
            None => self.scope.create("strtok position", Type::I64, span),
        };
        let var = |v, ty: &Type| Expr::new(ExprKind::Var(v), ty.clone(), span);
        let assign = |v, value| Stmt::new(StmtKind::Assign { var: v, value }, span);
        let mut stmts = Vec::new();
        if let Some(s) = s {
            stmts.push(assign(saved, coerce(s, &string)));
            stmts.push(assign(pos, i64c(0, span)));
        }
        let delim = self.bind(&mut stmts, delim);
        let str_ = var(saved, &string);
        let from = var(pos, &Type::I64);
        // The token starts at the first byte that is not a delimiter...
        let start = call(
            Function::StrFindSet { member: false },
            vec![str_.clone(), delim.clone(), from],
            Type::I64,
            span,
        );
        let start = self.bind(&mut stmts, start);
        // ... and ends before the next delimiter (or at the end of the string).
        let end = call(
            Function::StrFindSet { member: true },
            vec![str_.clone(), delim, start.clone()],
            Type::I64,
            span,
        );
        let end = self.bind(&mut stmts, end);
        let len = self.bind(&mut stmts, strlen(&str_, span));
        let none = lt(start.clone(), i64c(0, span));
        let last = lt(end.clone(), i64c(0, span));
        let stop = tern(last.clone(), len.clone(), end.clone());
        let stop = self.bind(&mut stmts, stop);
        let token = call(
            Function::StrRange,
            vec![str_, start.clone(), sub(stop.clone(), start)],
            string.clone(),
            span,
        );
        let token = self.bind(&mut stmts, token);
        // Past the delimiter that ended the token; at the end when there was none.
        let next = tern(
            none.clone(),
            len.clone(),
            tern(last, len, add(stop, i64c(1, span))),
        );
        stmts.push(assign(pos, next));
        let empty = Expr::new(ExprKind::Str(String::new()), string, span);
        super::expr::block(stmts, tern(none, empty, token))
    }

    /// `stringof(x)`: a string as it is; an integer is a kernel address to read a string from.
    pub(crate) fn stringof(&mut self, x: &ast::Expr, span: Span) -> Option<Expr> {
        let v = self.expr_ptr(x)?;
        let space = super::ctypes::space_of(&v.ty);
        let v = super::ctypes::decay(v);
        match &v.ty {
            Type::Str { .. } => Some(v),
            t if t.is_integer() => {
                let mut stmts = Vec::new();
                let ptr = self.bind(&mut stmts, coerce(v, &Type::U64));
                let check = self.bad_address_check(ptr.clone(), 1, space, span);
                stmts.push(check);
                let read = Expr::new(
                    ExprKind::ReadStr {
                        ptr: Box::new(ptr),
                        space,
                        max_len: None,
                    },
                    Type::Str {
                        size: self.strsize(),
                    },
                    span,
                );
                Some(super::expr::block(stmts, read))
            }
            other => {
                self.error(
                    span,
                    format!(
                        "stringof( ) operand must be of scalar or string type, not \"{}\"",
                        types::d_name(other)
                    ),
                );
                None
            }
        }
    }

    /// `e` in a clause-local temporary (so it is computed once), unless it is a constant or a
    /// variable already.
    pub(crate) fn bind(&mut self, stmts: &mut Vec<Stmt>, e: Expr) -> Expr {
        if matches!(
            e.kind,
            ExprKind::Int(_) | ExprKind::Var(_) | ExprKind::Str(_) | ExprKind::Bool(_)
        ) {
            return e;
        }
        let var = self.scope.temp(&e.ty, e.span);
        let span = e.span;
        let ty = e.ty.clone();
        stmts.push(Stmt::new(StmtKind::Assign { var, value: e }, span));
        Expr::new(ExprKind::Var(var), ty, span)
    }

    /// The tail of string `s` from index `i` (an int64 temporary), or the empty string when
    /// `i` is negative (not found).
    fn tail(&mut self, s: Expr, i: Expr, span: Span) -> Expr {
        let string = Type::Str {
            size: self.strsize(),
        };
        let all = i64c(i64::from(self.strsize()), span);
        tern(
            lt(i.clone(), i64c(0, span)),
            Expr::new(ExprKind::Str(String::new()), string.clone(), span),
            call(Function::StrRange, vec![s, i, all], string, span),
        )
    }

    /// `index(s, needle[, pos])` and `rindex`, with Perl's position rules as DTrace keeps them.
    fn index(
        &mut self,
        stmts: &mut Vec<Stmt>,
        reverse: bool,
        s: Expr,
        needle: Expr,
        pos: Option<Expr>,
        span: Span,
    ) -> Expr {
        let string = Type::Str {
            size: self.strsize(),
        };
        let int = |e: Expr| coerce(e, &INT);
        let Some(pos) = pos else {
            let f = if reverse {
                Function::StrRstr
            } else {
                Function::Strstr
            };
            return int(call(f, vec![s, needle], Type::I64, span));
        };
        let pos = self.bind(stmts, coerce(pos, &Type::I64));
        let len = self.bind(stmts, strlen(&s, span));
        let sublen = self.bind(stmts, strlen(&needle, span));
        let empty = eq(sublen.clone(), i64c(0, span));
        if reverse {
            // The last occurrence starting at or before `pos` (clamped to the length).
            let p = tern(gt(pos.clone(), len.clone()), len, pos.clone());
            let head = call(
                Function::StrRange,
                vec![s, i64c(0, span), add(p, sublen)],
                string,
                span,
            );
            let found = call(Function::StrRstr, vec![head, needle], Type::I64, span);
            let negative = tern(empty, i64c(0, span), i64c(-1, span));
            return int(tern(lt(pos, i64c(0, span)), negative, found));
        }
        let p = tern(lt(pos.clone(), i64c(0, span)), i64c(0, span), pos);
        let p = self.bind(stmts, p);
        // Searched only when `p` is inside the string.
        let from = tern(ge(p.clone(), len.clone()), i64c(0, span), p.clone());
        let found = call(Function::Strstr, vec![s, needle, from], Type::I64, span);
        let past = tern(empty, len.clone(), i64c(-1, span));
        int(tern(ge(p, len), past, found))
    }

    /// `basename(s)` or `dirname(s)`, with POSIX's rules: trailing slashes do not count, `""`
    /// gives `.`, and a path of slashes gives `/`.
    fn path_part(&mut self, stmts: &mut Vec<Stmt>, dir: bool, s: Expr, span: Span) -> Expr {
        let string = Type::Str {
            size: self.strsize(),
        };
        let lit = |t: &str| Expr::new(ExprKind::Str(t.into()), string.clone(), span);
        let slash = || i64c(i64::from(b'/'), span);
        let len = self.bind(stmts, strlen(&s, span));
        // The last byte that is not a slash.
        let end = find_last_in(&s, true, slash(), i64c(0, span), len.clone(), span);
        let end = self.bind(stmts, end);
        // The last slash before it.
        let cut = find_last_in(&s, false, slash(), i64c(0, span), end.clone(), span);
        let cut = self.bind(stmts, cut);
        let result = if dir {
            // The last byte that is not a slash before that slash.
            let keep = find_last_in(&s, true, slash(), i64c(0, span), cut.clone(), span);
            let keep = self.bind(stmts, keep);
            let head = call(
                Function::StrRange,
                vec![s, i64c(0, span), add(keep.clone(), i64c(1, span))],
                string.clone(),
                span,
            );
            tern(
                lt(cut, i64c(0, span)),
                lit("."),
                tern(lt(keep, i64c(0, span)), lit("/"), head),
            )
        } else {
            let start = add(cut, i64c(1, span));
            let start = self.bind(stmts, start);
            let count = sub(add(end.clone(), i64c(1, span)), start.clone());
            call(
                Function::StrRange,
                vec![s, start, count],
                string.clone(),
                span,
            )
        };
        tern(
            eq(len, i64c(0, span)),
            lit("."),
            tern(lt(end, i64c(0, span)), lit("/"), result),
        )
    }
}

/// An int64 constant.
fn i64c(v: i64, span: Span) -> Expr {
    Expr::int(v, Type::I64, span)
}

/// A function call expression.
fn call(func: Function, args: Vec<Expr>, ty: Type, span: Span) -> Expr {
    Expr::new(ExprKind::Call { func, args }, ty, span)
}

/// `strlen(s)` as int64.
fn strlen(s: &Expr, span: Span) -> Expr {
    coerce(
        call(Function::Strlen, vec![s.clone()], Type::U64, span),
        &Type::I64,
    )
}

/// The first or last index of byte `c` in string `s` (anywhere), or -1.
fn find_byte(last: bool, not: bool, s: &Expr, c: Expr, span: Span) -> Expr {
    call(
        Function::StrFindByte { last, not },
        vec![s.clone(), c, i64c(0, span), i64c(i64::MAX, span)],
        Type::I64,
        span,
    )
}

/// The last index in `[from, to)` of string `s` whose byte is (or with `not`, is not) `c`.
fn find_last_in(s: &Expr, not: bool, c: Expr, from: Expr, to: Expr, span: Span) -> Expr {
    call(
        Function::StrFindByte { last: true, not },
        vec![s.clone(), c, from, to],
        Type::I64,
        span,
    )
}

fn binary(op: BinaryOp, l: Expr, r: Expr, ty: Type) -> Expr {
    let span = l.span;
    Expr::new(
        ExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        },
        ty,
        span,
    )
}

fn add(l: Expr, r: Expr) -> Expr {
    binary(BinaryOp::Add, l, r, Type::I64)
}

fn sub(l: Expr, r: Expr) -> Expr {
    binary(BinaryOp::Sub, l, r, Type::I64)
}

fn lt(l: Expr, r: Expr) -> Expr {
    binary(BinaryOp::Lt, l, r, Type::Bool)
}

fn gt(l: Expr, r: Expr) -> Expr {
    binary(BinaryOp::Gt, l, r, Type::Bool)
}

fn ge(l: Expr, r: Expr) -> Expr {
    binary(BinaryOp::Ge, l, r, Type::Bool)
}

fn eq(l: Expr, r: Expr) -> Expr {
    binary(BinaryOp::Eq, l, r, Type::Bool)
}

fn and(l: Expr, r: Expr) -> Expr {
    let span = l.span;
    Expr::new(
        ExprKind::Logical {
            and: true,
            lhs: Box::new(l),
            rhs: Box::new(r),
        },
        Type::Bool,
        span,
    )
}

fn or(l: Expr, r: Expr) -> Expr {
    let span = l.span;
    Expr::new(
        ExprKind::Logical {
            and: false,
            lhs: Box::new(l),
            rhs: Box::new(r),
        },
        Type::Bool,
        span,
    )
}

/// `c ? a : b` (both of the same type).
fn tern(c: Expr, a: Expr, b: Expr) -> Expr {
    let span = a.span;
    let ty = a.ty.clone();
    Expr::new(
        ExprKind::Ternary {
            cond: Box::new(c),
            then: Box::new(a),
            otherwise: Box::new(b),
        },
        ty,
        span,
    )
}

/// `NULL` (or a literal 0) as the first argument of `strtok`.
fn is_null(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Ident(n) => n == "NULL",
        ast::ExprKind::Int(lit) => lit.value == 0,
        _ => false,
    }
}
