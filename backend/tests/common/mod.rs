//! A tiny builder for hand-written IR programs, and helpers to load and run them.
#![allow(dead_code)]

use ir::*;
use libbpf_rs::{MapCore, MapFlags, Object, ObjectBuilder};

pub const S: Span = Span::DUMMY;

pub fn ncpus() -> u32 {
    libbpf_rs::num_possible_cpus()
        .map(|n| n as u32)
        .unwrap_or(2)
}

pub fn opts() -> backend::BackendOptions {
    backend::BackendOptions {
        ncpus: ncpus(),
        helper_errors: false,
    }
}

/// Program under construction.
pub struct Prog {
    pub p: Program,
}

impl Prog {
    pub fn new() -> Prog {
        Prog {
            p: Program {
                probes: vec![],
                maps: vec![],
                actions: vec![],
                probe_names: vec![],
                config: Config {
                    ringbuf_bytes: 1 << 16,
                    ..Config::default()
                },
            },
        }
    }

    pub fn map(&mut self, name: &str, key: Option<Type>, kind: MapKind) -> MapId {
        self.p.maps.push(MapDecl {
            name: name.into(),
            key,
            kind,
            max_entries: 1024,
            span: S,
        });
        MapId(self.p.maps.len() as u32 - 1)
    }

    pub fn action(&mut self, kind: ActionKind, args: Vec<Type>) -> ActionId {
        self.p.actions.push(Action {
            kind,
            args,
            span: S,
        });
        ActionId(self.p.actions.len() as u32 - 1)
    }

    pub fn probe(
        &mut self,
        point: AttachPoint,
        vars: Vec<Type>,
        predicate: Option<Expr>,
        body: Vec<Stmt>,
    ) {
        self.p.probe_names.push(point.bpftrace_name());
        let probe_name = self.p.probe_names.len() as u32 - 1;
        let vars = vars
            .into_iter()
            .enumerate()
            .map(|(i, ty)| VarDecl {
                name: format!("$v{i}"),
                ty,
                span: S,
            })
            .collect();
        self.p.probes.push(Probe {
            attach: vec![AttachSite {
                point,
                probe_name,
                span: S,
            }],
            predicate,
            body,
            vars,
            span: S,
        });
    }

    pub fn begin(&mut self, vars: Vec<Type>, body: Vec<Stmt>) {
        self.probe(AttachPoint::Begin, vars, None, body)
    }

    pub fn compile(&self) -> Vec<u8> {
        match backend::compile(&self.p, &opts()) {
            Ok(o) => o.elf,
            Err(d) => {
                if std::env::var_os("OXT_DUMP_IR").is_some() {
                    eprintln!(
                        "{}",
                        backend::emit_llvm_ir(&self.p, &opts()).unwrap_or_default()
                    );
                }
                panic!("compile failed: {d:#?}")
            }
        }
    }

    pub fn load(&self) -> Object {
        let elf = self.compile();
        let open = ObjectBuilder::default().open_memory(&elf).expect("open");
        match open.load() {
            Ok(o) => o,
            Err(e) => {
                let ir = backend::emit_llvm_ir(&self.p, &opts()).unwrap_or_default();
                panic!("load failed: {e:#}\n{ir}");
            }
        }
    }
}

pub fn e(kind: ExprKind, ty: Type) -> Expr {
    Expr::new(kind, ty, S)
}
pub fn int(v: i64, ty: Type) -> Expr {
    Expr::int(v, ty, S)
}
pub fn i64c(v: i64) -> Expr {
    int(v, Type::I64)
}
pub fn u64c(v: u64) -> Expr {
    int(v as i64, Type::U64)
}
pub fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    let ty = if op.is_comparison() {
        Type::Bool
    } else {
        l.ty.clone()
    };
    e(
        ExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        },
        ty,
    )
}
pub fn un(op: UnaryOp, x: Expr) -> Expr {
    let ty = if op == UnaryOp::Not {
        Type::Bool
    } else {
        x.ty.clone()
    };
    e(
        ExprKind::Unary {
            op,
            operand: Box::new(x),
        },
        ty,
    )
}
pub fn cast(x: Expr, ty: Type) -> Expr {
    e(ExprKind::Cast(Box::new(x)), ty)
}
pub fn builtin(b: Builtin, ty: Type) -> Expr {
    e(ExprKind::Builtin(b), ty)
}
pub fn var(v: u32, ty: Type) -> Expr {
    e(ExprKind::Var(VarId(v)), ty)
}
pub fn strlit(s: &str) -> Expr {
    e(
        ExprKind::Str(s.into()),
        Type::Str {
            size: s.len() as u32 + 1,
        },
    )
}
pub fn tuple(items: Vec<Expr>) -> Expr {
    let ty = Type::Tuple(items.iter().map(|i| i.ty.clone()).collect());
    e(ExprKind::Tuple(items), ty)
}
pub fn st(kind: StmtKind) -> Stmt {
    Stmt::new(kind, S)
}
pub fn store(map: MapId, key: Option<Expr>, value: Expr) -> Stmt {
    st(StmtKind::MapStore { map, key, value })
}
pub fn agg(map: MapId, key: Option<Expr>, value: Option<Expr>) -> Stmt {
    st(StmtKind::MapAggregate {
        map,
        key,
        value,
        incr: None,
    })
}
pub fn assign(v: u32, value: Expr) -> Stmt {
    st(StmtKind::Assign {
        var: VarId(v),
        value,
    })
}
pub fn emit(action: ActionId, args: Vec<Expr>) -> Stmt {
    st(StmtKind::Emit { action, args })
}
pub fn map_read(map: MapId, key: Option<Expr>, ty: Type) -> Expr {
    e(
        ExprKind::MapRead {
            map,
            key: key.map(Box::new),
        },
        ty,
    )
}

/// Runs the (only) program named `name` once with BPF_PROG_TEST_RUN.
pub fn test_run(obj: &Object, name: &str) {
    let prog = obj.progs_mut().find(|p| p.name() == name).expect("program");
    let input = libbpf_rs::ProgramInput::default();
    prog.test_run(input).expect("test_run");
}

/// Finds map `name`.
pub fn find_map<'a>(obj: &'a Object, name: &str) -> libbpf_rs::Map<'a> {
    obj.maps()
        .find(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no map {name}"))
}

/// `u64` keyed plain map lookup returning the 8 value bytes as i64.
pub fn read_i64(obj: &Object, map: &str, key: u64) -> Option<i64> {
    let m = find_map(obj, map);
    m.lookup(&key.to_le_bytes(), MapFlags::ANY)
        .expect("lookup")
        .map(|v| i64::from_le_bytes(v[..8].try_into().expect("8 bytes")))
}

/// Every CPU's slot of a per-CPU map entry.
pub fn read_percpu(obj: &Object, map: &str, key: &[u8]) -> Option<Vec<Vec<u8>>> {
    let m = find_map(obj, map);
    m.lookup_percpu(key, MapFlags::ANY).expect("lookup_percpu")
}

/// Makes sure tracefs is mounted.
pub fn tracefs() {
    if !std::path::Path::new("/sys/kernel/tracing/events").exists() {
        let _ = std::process::Command::new("mount")
            .args(["-t", "tracefs", "tracefs", "/sys/kernel/tracing"])
            .status();
    }
}
