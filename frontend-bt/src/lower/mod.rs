//! Lowering: a parsed bpftrace [`ast::Program`] becomes a typed [`ir::Program`].
//!
//! One pass does name resolution, type checking and translation together, because bpftrace's
//! types flow from first assignments. It runs **twice**: the first run only learns each map's
//! key and value types (a map may be read in one probe before the probe that writes it); the
//! second run, with every map's type known, produces the program and the diagnostics.
//!
//! Modules: [`probes`] resolves attach points, [`stmt`] and [`expr`] translate code, [`calls`]
//! handles function calls and aggregations, [`types`] holds the typing rules, [`scope`] the
//! scratch-variable scopes, [`maps`] the map table.

mod calls;
mod config;
mod ctypes;
mod expr;
mod funcs;
mod iter;
mod kfuncs;
mod maps;
mod probes;
mod scope;
mod stacks;
mod stmt;
mod types;
mod uprobes;
mod usdt;

use crate::ast;
use ir::catalog::{ProbeCatalog, TypeCatalog};
use ir::diag::Diagnostic;
use ir::{Action, ActionId, Config, Span, Type};
use maps::MapTable;
use std::collections::HashMap;

/// What lowering needs from outside the program text.
pub struct LowerOptions<'a> {
    /// Where tracepoints and their fields are looked up.
    pub catalog: &'a dyn ProbeCatalog,
    /// Where C types (`struct task_struct`, typedefs) are looked up: kernel BTF, read only when
    /// the program names a kernel type.
    pub types: &'a dyn TypeCatalog,
    /// Positional parameters (`$1`, `$2`, ...), as given on the command line.
    pub params: Vec<String>,
    /// The pid of the `-c` child: the value of the `cpid` builtin (an error without `-c`).
    pub cpid: Option<u32>,
    /// `-p PID`: every probe except BEGIN, END and interval runs only in this process (as if its
    /// predicate were `pid == PID && (predicate)`).
    pub filter_pid: Option<u32>,
    /// The program `-c CMD` runs (a path): `usdt::NAME` without `-p` looks in it.
    pub command: Option<String>,
    /// `--unsafe`: allow `system()`, `signal()` and `signal_thread()`.
    pub unsafe_mode: bool,
    /// The `BPFTRACE_*` environment variables (name, value): config variables set this way
    /// override the script's config block.
    pub env_config: Vec<(String, String)>,
}

/// Lowers a parsed program. Returns the IR when there were no errors, and every diagnostic.
pub fn lower(
    program: &ast::Program,
    options: &LowerOptions,
) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let (expanded, macro_diags) = crate::macros::expand(program);
    if macro_diags.iter().any(Diagnostic::is_error) {
        return (None, macro_diags);
    }
    let program = &expanded;
    let mut maps = MapTable::default();
    let mut var_types = HashMap::new();
    // First run: learn map types. Its diagnostics are discarded; the second run reports them.
    let _ = Lowerer::new(options, &mut maps, &mut var_types).lower_program(program);
    maps.freeze();
    let mut lowerer = Lowerer::new(options, &mut maps, &mut var_types);
    let result = lowerer.lower_program(program);
    let mut diags = std::mem::take(&mut lowerer.diags);
    let config = lowerer.config.clone();
    let actions = std::mem::take(&mut lowerer.actions);
    let probe_names = std::mem::take(&mut lowerer.probe_names);
    drop(lowerer);
    diags.extend(maps.unused_diagnostics());
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let program = ir::Program {
        probes: result,
        maps: maps.into_decls(config.max_map_keys),
        actions,
        probe_names,
        config,
    };
    (Some(program), diags)
}

/// The state of one lowering run over a whole program.
pub(crate) struct Lowerer<'a> {
    pub options: &'a LowerOptions<'a>,
    pub maps: &'a mut MapTable,
    /// The widest type each string variable is assigned anywhere, learned in the first run and
    /// keyed by the span of the variable's declaration, so `$s = "ab"; $s = "abcdef"` keeps
    /// all six characters.
    pub var_types: &'a mut HashMap<Span, Type>,
    pub diags: Vec<Diagnostic>,
    pub actions: Vec<Action>,
    pub probe_names: Vec<String>,
    pub config: Config,
    /// Object-like `#define NAME value` constants, substituted where `NAME` is used.
    pub defines: HashMap<String, ast::ExprKind>,
    /// Struct, union and enum types defined in the script.
    pub ctypes: ctypes::ScriptTypes,
    /// The binary the probe being lowered traces, when it is a uprobe on one binary (`uaddr`).
    pub user_binary: Option<String>,
    /// The iterator target of the probe being lowered, when all its sites are `iter:TARGET`.
    pub iter_target: Option<String>,
    /// The type of each `typeof(expression)`, keyed by the expression's span.
    pub typeof_types: HashMap<Span, Type>,
    /// How stacks print unless a call names a mode (`stack_mode` config).
    pub stack_mode: ir::StackMode,
}

impl<'a> Lowerer<'a> {
    fn new(
        options: &'a LowerOptions<'a>,
        maps: &'a mut MapTable,
        var_types: &'a mut HashMap<Span, Type>,
    ) -> Lowerer<'a> {
        Lowerer {
            options,
            maps,
            var_types,
            diags: Vec::new(),
            actions: Vec::new(),
            probe_names: Vec::new(),
            config: Config::default(),
            defines: HashMap::new(),
            ctypes: ctypes::ScriptTypes::default(),
            user_binary: None,
            iter_target: None,
            typeof_types: HashMap::new(),
            stack_mode: ir::StackMode::Bpftrace,
        }
    }

    /// Reports an error.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    /// Reports a prepared diagnostic.
    pub fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// The type to declare a variable with: `ty`, widened to what later assignments need.
    pub fn declared_type(&self, decl: Span, ty: Type) -> Type {
        match self.var_types.get(&decl) {
            Some(wider) => types::unify_stored(&ty, wider).unwrap_or(ty),
            None => ty,
        }
    }

    /// Records that the variable declared at `decl` is assigned a value of type `ty`.
    pub fn learn_var_type(&mut self, decl: Span, ty: &Type) {
        let known = self.var_types.get(&decl).cloned();
        let wider = match known {
            Some(k) => types::unify_stored(&k, ty).unwrap_or(k),
            None => ty.clone(),
        };
        self.var_types.insert(decl, wider);
    }

    /// Adds an asynchronous action and returns its id.
    pub fn add_action(&mut self, action: Action) -> ActionId {
        self.actions.push(action);
        ActionId((self.actions.len() - 1) as u32)
    }

    /// The index of a probe name in the program's table, adding it if new.
    pub fn probe_name(&mut self, name: String) -> u32 {
        if let Some(i) = self.probe_names.iter().position(|n| *n == name) {
            return i as u32;
        }
        self.probe_names.push(name);
        (self.probe_names.len() - 1) as u32
    }

    fn lower_program(&mut self, program: &ast::Program) -> Vec<ir::Probe> {
        let mut probes = Vec::new();
        for item in &program.items {
            match item {
                ast::Item::Config(c) => self.lower_config(c),
                ast::Item::MapDecl(d) => self.lower_map_decl(d),
                ast::Item::CStruct(s) => self.define_struct(s),
                _ => {}
            }
        }
        self.apply_env_config();
        for item in &program.items {
            match item {
                ast::Item::Probe(p) => probes.extend(self.lower_probe(p)),
                ast::Item::Include(i) => self.diags.push(Diagnostic::warning(
                    i.span,
                    "#include is ignored: oxtrace takes kernel types from BTF and tracefs",
                )),
                ast::Item::Define(d) => self.lower_define(d),
                ast::Item::CStruct(_) => {}
                ast::Item::CEnum(e) => self.lower_enum(e),
                ast::Item::Import(i) => {
                    let what = if i.path.ends_with(".bt") {
                        "import of a .bt file (oxtrace compiles one program file)"
                    } else {
                        "import of C code (.h, .bpf.c: oxtrace has no C compiler)"
                    };
                    self.diags.push(
                        Diagnostic::unsupported(i.span, what).with_help(
                            "paste the imported macros, maps and probes into the program",
                        ),
                    )
                }
                // Expanded (and removed) by `crate::macros::expand` before lowering.
                ast::Item::Macro(_) => {}
                ast::Item::Config(_) | ast::Item::MapDecl(_) => {}
            }
        }
        probes
    }

    /// `enum state { IDLE, BUSY = 5 }`: each enumerator becomes a constant, numbered as C does.
    fn lower_enum(&mut self, e: &ast::CEnum) {
        self.ctypes.add_enum(&e.name.name);
        let mut next: i64 = 0;
        for variant in &e.variants {
            if let Some(v) = &variant.value {
                match self.constant_int(v) {
                    Some(n) => next = n,
                    None => {
                        self.error(v.span, "an enumerator's value must be an integer constant");
                        continue;
                    }
                }
            }
            let kind = if next < 0 {
                ast::ExprKind::Unary {
                    op: ast::UnaryOp::Neg,
                    operand: Box::new(ast::Expr {
                        kind: ast::ExprKind::Int {
                            value: next.unsigned_abs(),
                            unit: None,
                        },
                        span: variant.span,
                    }),
                }
            } else {
                ast::ExprKind::Int {
                    value: next as u64,
                    unit: None,
                }
            };
            self.defines.insert(variant.name.name.clone(), kind);
            next = next.wrapping_add(1);
        }
    }

    /// `#define NAME 16` or `#define NAME "text"`: a constant usable as an identifier. Function-like
    /// macros and other replacement text need a C preprocessor, which oxtrace does not run yet.
    fn lower_define(&mut self, define: &ast::Define) {
        let value = define.value.trim();
        let parsed = if define.name.contains('(') {
            None
        } else if let Some(text) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(ast::ExprKind::Str(ast::Bytes(text.as_bytes().to_vec())))
        } else {
            let digits = value.trim_end_matches(['u', 'U', 'l', 'L']);
            let number = match digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => digits.parse::<u64>().ok(),
            };
            number.map(|value| ast::ExprKind::Int { value, unit: None })
        };
        match parsed {
            Some(kind) => {
                self.defines.insert(define.name.clone(), kind);
            }
            None => self.report(
                Diagnostic::unsupported(
                    define.span,
                    "a #define other than a number or string constant",
                )
                .with_help("oxtrace does not run the C preprocessor yet"),
            ),
        }
    }

    fn lower_map_decl(&mut self, decl: &ast::MapDecl) {
        let kinds = ["hash", "lruhash", "percpuhash", "percpulruhash"];
        if !kinds.contains(&decl.kind.name.as_str()) {
            self.error(
                decl.kind.span,
                format!(
                    "unknown map type '{}': expected one of {}",
                    decl.kind.name,
                    kinds.join(", ")
                ),
            );
            return;
        }
        let size = match decl.args.as_slice() {
            [ast::Expr {
                kind: ast::ExprKind::Int { value, unit: None },
                ..
            }] if *value >= 1 && *value <= u64::from(u32::MAX) => *value as u32,
            _ => {
                self.error(
                    decl.span,
                    format!(
                        "{}() takes one argument: the maximum number of entries",
                        decl.kind.name
                    ),
                );
                return;
            }
        };
        let name = maps::map_name(&decl.map.name);
        self.maps.set_max_entries(&name, size);
    }
}
