//! The current task, read through kernel BTF: `curthread` (the `struct task_struct *`),
//! `ppid` (`real_parent->tgid`), `curpsinfo->pr_*` (`pr_psargs` from `mm->arg_start`), `vtimestamp` (`se.sum_exec_runtime`: the thread's on-CPU
//! nanoseconds as the scheduler last accounted them) and `progenyof(pid)` (a walk up
//! `real_parent`).

use super::types::{coerce, INT};
use super::Lowerer;
use ir::{AddrSpace, AggregateKind, BinaryOp, Builtin, Expr, ExprKind, Span, Stmt, StmtKind, Type};

/// How many ancestors `progenyof` looks at (the walk is unrolled in BPF).
const PROGENY_DEPTH: usize = 32;

impl Lowerer<'_> {
    /// The byte offset of `path` (a field, or fields of nested structs) in `struct name`.
    fn kernel_offset(&mut self, name: &str, path: &[&str], span: Span) -> Option<u64> {
        let what = format!("struct {name}.{}", path.join("."));
        let mut st = match self.options.types.aggregate(AggregateKind::Struct, name) {
            Ok(Some(st)) => st,
            Ok(None) => {
                self.error(span, format!("{what} is not in the kernel's BTF"));
                return None;
            }
            Err(e) => {
                self.error(span, format!("cannot read kernel types for {what}: {e}"));
                return None;
            }
        };
        let mut offset = 0u64;
        for (i, field) in path.iter().enumerate() {
            let Some(f) = st.field(field) else {
                self.error(span, format!("{what} is not in the kernel's BTF"));
                return None;
            };
            offset += u64::from(f.offset);
            if i + 1 < path.len() {
                let Type::Struct(inner) = &f.ty else {
                    self.error(span, format!("{what}: {field} is not a struct"));
                    return None;
                };
                st = match self.options.types.complete(inner) {
                    Ok(s) => s,
                    Err(e) => {
                        self.error(span, format!("cannot read kernel types for {what}: {e}"));
                        return None;
                    }
                };
            }
        }
        Some(offset)
    }

    /// `curthread`: the current `struct task_struct *`, as an address.
    pub(crate) fn curthread(&mut self, span: Span) -> Expr {
        Expr::new(ExprKind::Builtin(Builtin::CurTask), Type::U64, span)
    }

    /// `ppid`: the current task's `real_parent->tgid`.
    pub(crate) fn ppid(&mut self, span: Span) -> Option<Expr> {
        let parent = self.kernel_offset("task_struct", &["real_parent"], span)?;
        let tgid = self.kernel_offset("task_struct", &["tgid"], span)?;
        let task = self.curthread(span);
        let p = read_at(task, parent, Type::U64, span);
        Some(coerce(read_at(p, tgid, Type::I32, span), &INT))
    }

    /// `vtimestamp`: the current thread's `se.sum_exec_runtime` (nanoseconds on CPU, updated
    /// by the scheduler at ticks and switches).
    pub(crate) fn vtimestamp(&mut self, span: Span) -> Option<Expr> {
        let off = self.kernel_offset("task_struct", &["se", "sum_exec_runtime"], span)?;
        Some(read_at(self.curthread(span), off, Type::U64, span))
    }

    /// `progenyof(pid)`: 1 when the current process or one of its first ancestors has process
    /// id `pid`, else 0 (int).
    pub(crate) fn progenyof(&mut self, pid: Expr, span: Span) -> Option<Expr> {
        let parent = self.kernel_offset("task_struct", &["real_parent"], span)?;
        let tgid = self.kernel_offset("task_struct", &["tgid"], span)?;
        let pid = coerce(pid, &Type::I32);
        let task = self.scope.temp(&Type::U64, span);
        let found = self.scope.temp(&INT, span);
        let want = self.scope.temp(&Type::I32, span);
        let var = |v, ty: &Type| Expr::new(ExprKind::Var(v), ty.clone(), span);
        let assign = |v, value| Stmt::new(StmtKind::Assign { var: v, value }, span);
        let mut stmts = vec![
            assign(want, pid),
            assign(found, Expr::int(0, INT, span)),
            assign(task, self.curthread(span)),
        ];
        for _ in 0..PROGENY_DEPTH {
            let id = read_at(var(task, &Type::U64), tgid, Type::I32, span);
            let hit = Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Eq,
                    lhs: Box::new(id),
                    rhs: Box::new(var(want, &Type::I32)),
                },
                Type::Bool,
                span,
            );
            stmts.push(Stmt::new(
                StmtKind::If {
                    cond: hit,
                    then: vec![assign(found, Expr::int(1, INT, span))],
                    otherwise: vec![],
                },
                span,
            ));
            let up = read_at(var(task, &Type::U64), parent, Type::U64, span);
            stmts.push(assign(task, up));
        }
        Some(super::expr::block(stmts, var(found, &INT)))
    }
}

impl Lowerer<'_> {
    /// `curpsinfo->member`: the `psinfo_t` members DTrace scripts use, from the current task.
    /// `None` after an error.
    pub(crate) fn curpsinfo_member(&mut self, member: &str, span: Span) -> Option<Expr> {
        let b = |b: Builtin, ty: Type| Expr::new(ExprKind::Builtin(b), ty, span);
        Some(match member {
            "pr_pid" => coerce(b(Builtin::Pid, Type::U32), &INT),
            "pr_ppid" => self.ppid(span)?,
            "pr_uid" => b(Builtin::Uid, Type::U32),
            "pr_gid" => b(Builtin::Gid, Type::U32),
            "pr_fname" => b(Builtin::Comm, Type::Str { size: 16 }),
            // Linux has no projects, zones, tasks or pools: DTrace for Linux reports 0.
            "pr_projid" | "pr_zoneid" | "pr_taskid" | "pr_poolid" => Expr::int(0, INT, span),
            "pr_psargs" => {
                let mm = self.kernel_offset("task_struct", &["mm"], span)?;
                let start = self.kernel_offset("mm_struct", &["arg_start"], span)?;
                let end = self.kernel_offset("mm_struct", &["arg_end"], span)?;
                let mut stmts = Vec::new();
                let m = self.scope.temp(&Type::U64, span);
                let var = |v| Expr::new(ExprKind::Var(v), Type::U64, span);
                stmts.push(Stmt::new(
                    StmtKind::Assign {
                        var: m,
                        value: read_at(self.curthread(span), mm, Type::U64, span),
                    },
                    span,
                ));
                let from = read_at(var(m), start, Type::U64, span);
                let to = read_at(var(m), end, Type::U64, span);
                let a = self.scope.temp(&Type::U64, span);
                stmts.push(Stmt::new(
                    StmtKind::Assign {
                        var: a,
                        value: from,
                    },
                    span,
                ));
                let len = Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::Sub,
                        lhs: Box::new(to),
                        rhs: Box::new(var(a)),
                    },
                    Type::U64,
                    span,
                );
                let args = Expr::new(
                    ExprKind::Call {
                        func: ir::Function::UserArgs,
                        args: vec![var(a), len],
                    },
                    Type::Str {
                        size: self.strsize(),
                    },
                    span,
                );
                super::expr::block(stmts, args)
            }
            other => {
                self.unsupported(span, format!("curpsinfo->{other}"));
                return None;
            }
        })
    }
}

/// The `ty` at kernel address `base + off`.
fn read_at(base: Expr, off: u64, ty: Type, span: Span) -> Expr {
    let addr = Expr::new(
        ExprKind::Binary {
            op: BinaryOp::Add,
            lhs: Box::new(coerce(base, &Type::U64)),
            rhs: Box::new(Expr::int(off as i64, Type::U64, span)),
        },
        Type::U64,
        span,
    );
    Expr::new(
        ExprKind::Deref {
            ptr: Box::new(addr),
            space: AddrSpace::Kernel,
        },
        ty,
        span,
    )
}
