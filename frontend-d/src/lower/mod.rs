//! Lowering: a parsed D [`ast::Program`] becomes a typed [`ir::Program`].
//!
//! D resolves names in program order (an identifier must be declared or assigned before it is
//! read, as DTrace requires), so one pass suffices. Each probe description of a clause becomes
//! its own IR probe, which makes `probeprov`, `probemod`, `probefunc` and `probename` constants.
//!
//! Modules: [`probes`] resolves probe descriptions (dtrace and profile providers), [`types`]
//! holds D's types and C's integer conversions, [`vars`] the variable tables (globals,
//! thread-locals, clause-locals, aggregations), [`expr`] and [`stmt`] translate code, [`calls`]
//! handles actions and aggregating functions, [`subr`] the subroutines that compute values
//! (strings, symbols, stacks, ...), [`task`] the current task through kernel BTF (`curthread`,
//! `ppid`, `vtimestamp`, `progenyof`), [`options`] the `#pragma D option`/`-x` settings.

mod calls;
mod ctypes;
mod expr;
mod faults;
mod options;
mod probes;
mod scratch;
mod spec;
mod stmt;
mod subr;
mod task;
mod types;
mod vars;

use crate::ast;
use ir::catalog::ProbeCatalog;
use ir::diag::Diagnostic;
use ir::{Action, ActionId, Config, DtraceOptions, OutputStyle, SourceFile, Span, Type};
use std::collections::HashMap;

pub use options::apply_option;
pub(crate) use probes::parse_rate;

/// Values of the process macro variables (`$pid`, `$ppid`, `$uid`, ...), filled in by the CLI
/// from the tracer's own process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessMacros {
    /// `$pid`: the tracer's process id.
    pub pid: i64,
    /// `$ppid`: its parent.
    pub ppid: i64,
    /// `$uid`: its real user id.
    pub uid: i64,
    /// `$gid`: its real group id.
    pub gid: i64,
    /// `$sid`: its session id.
    pub sid: i64,
    /// `$pgid`: its process group id.
    pub pgid: i64,
}

/// What lowering needs from outside the script text.
pub struct LowerOptions<'a> {
    /// Where tracepoints are looked up (used by providers the next issue maps).
    pub catalog: &'a dyn ProbeCatalog,
    /// Kernel types (BTF), read on first use: `curthread`, `ppid`, `progenyof`, ...
    pub types: &'a dyn ir::catalog::TypeCatalog,
    /// Macro arguments `$1`, `$2`, ... as given on the command line (`$0` is the script name).
    pub macro_args: Vec<String>,
    /// `-x name[=value]` options, applied after the script's `#pragma D option` lines.
    pub options: Vec<(String, Option<String>)>,
    /// The pid of `-p PID` or of the `-c` command: `$target` (0 without either).
    pub target: Option<u32>,
    /// `$pid`, `$ppid`, ...
    pub process: ProcessMacros,
    /// `-q`: quiet from the command line.
    pub quiet: bool,
}

/// Parses and lowers a D script. Returns the IR when there were no errors, and every
/// diagnostic (parse errors first).
pub fn compile(
    file: &SourceFile,
    options: &LowerOptions,
) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let (ast, mut diags) = crate::parse_program(file);
    let Some(ast) = ast else {
        return (None, diags);
    };
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let (program, more) = lower(&ast, options);
    diags.extend(more);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (program, diags)
}

/// Lowers a parsed D program. Returns the IR when there were no errors, and every diagnostic.
pub fn lower(
    program: &ast::Program,
    options: &LowerOptions,
) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let mut l = Lowerer::new(options);
    l.lower_options(program);
    if l.diags
        .iter()
        .any(|d| d.span.is_none() && d.message.starts_with(SET_X))
    {
        // DTrace stops at a bad -x before compiling anything.
        return (None, std::mem::take(&mut l.diags));
    }
    let probes = l.lower_program(program);
    l.finish_destructive();
    let validation = if l.diags.iter().any(Diagnostic::is_error) {
        Vec::new()
    } else {
        let p = ir::Program {
            probes,
            maps: sized_maps(l.vars.map_decls(l.config.max_map_keys), &l.dopts),
            actions: std::mem::take(&mut l.actions),
            probe_names: std::mem::take(&mut l.probe_names),
            config: l.config.clone(),
        };
        let v = ir::valid::validate(&p);
        if v.is_empty() {
            return (Some(p), std::mem::take(&mut l.diags));
        }
        v
    };
    let mut diags = std::mem::take(&mut l.diags);
    diags.extend(validation);
    (None, diags)
}

/// An `inline` constant: its type and the expression substituted where it is used.
#[derive(Clone, Debug)]
pub(crate) struct InlineDef {
    pub ty: Type,
    pub value: ast::Expr,
}

/// What a clause being lowered needs to know about the probe it runs in.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProbeContext {
    /// `probeprov`, `probemod`, `probefunc`, `probename`.
    pub prov: String,
    pub module: String,
    pub func: String,
    pub name: String,
    /// A perf-event probe (profile/tick): `arg0`/`arg1` are the kernel/user PC.
    pub perf: bool,
    /// The `dtrace:::ERROR` probe: `arg1..arg5` describe the fault.
    pub error: bool,
}

/// The state of lowering a whole program.
pub(crate) struct Lowerer<'a> {
    pub options: &'a LowerOptions<'a>,
    pub diags: Vec<Diagnostic>,
    pub actions: Vec<Action>,
    pub probe_names: Vec<String>,
    pub config: Config,
    pub dopts: DtraceOptions,
    pub vars: vars::Vars,
    pub inlines: HashMap<String, InlineDef>,
    /// Enumerators: name to (value, type).
    pub enums: HashMap<String, i64>,
    /// Typedef names of the script, resolved to IR types.
    pub typedefs: HashMap<String, Type>,
    /// Structs and unions the script defines (they hide kernel types of the same name).
    pub aggregates: HashMap<(ir::AggregateKind, String), std::sync::Arc<ir::StructType>>,
    /// Variables of a struct type (`this->f`, `self->s`, `g`): each member is a variable of
    /// its own, named by its path (`this->f.a`).
    pub struct_vars: HashMap<String, std::sync::Arc<ir::StructType>>,
    /// Lowering a declaration of a tag alone (`struct tag;`), which declares the type.
    pub forward_decl: bool,
    /// Translators by the name of their output type (`struct psinfo`).
    pub translators: HashMap<String, std::rc::Rc<ctypes::Translator>>,
    /// Variables assigned `xlate<T *>(x)`: they hold `x`, and `->member` translates it.
    pub translated_vars: HashMap<String, std::rc::Rc<ctypes::Translator>>,
    /// DTrace probe ids given out so far (by `prov:mod:func:name`).
    pub probe_ids: Vec<String>,
    /// The probe of the clause being lowered.
    pub ctx: ProbeContext,
    /// Inline names being expanded (to stop recursive definitions).
    pub expanding: Vec<String>,
    /// The clause-locals of the clause being lowered.
    pub scope: vars::ClauseScope,
    /// Run-time fault checks, speculations and destructive actions of the clause.
    pub fx: faults::ClauseFaults,
    /// The program calls `setopt()`, which may change `quiet` while tracing: default records
    /// are sent even when quiet, and the runtime prints them only while not quiet.
    pub records_always: bool,
}

impl<'a> Lowerer<'a> {
    fn new(options: &'a LowerOptions<'a>) -> Lowerer<'a> {
        Lowerer {
            options,
            diags: Vec::new(),
            actions: Vec::new(),
            probe_names: Vec::new(),
            config: Config::default(),
            dopts: DtraceOptions::default(),
            vars: vars::Vars::default(),
            inlines: HashMap::new(),
            enums: HashMap::new(),
            typedefs: HashMap::new(),
            aggregates: HashMap::new(),
            struct_vars: HashMap::new(),
            forward_decl: false,
            translators: HashMap::new(),
            translated_vars: HashMap::new(),
            probe_ids: crate::catalog::static_probes()
                .iter()
                .map(crate::catalog::ListedProbe::full_name)
                .collect(),
            ctx: ProbeContext::default(),
            expanding: Vec::new(),
            scope: vars::ClauseScope::default(),
            fx: faults::ClauseFaults::default(),
            records_always: false,
        }
    }

    /// Reports an error.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    /// Reports a "not supported yet" error.
    pub fn unsupported(&mut self, span: Span, what: impl std::fmt::Display) {
        self.diags.push(Diagnostic::unsupported(span, what));
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

    /// DTrace's probe id for `prov:mod:func:name`: the ids `dtrace -l` lists (BEGIN 1, END 2,
    /// ERROR 3, the profile provider's default probes), then in order of first use.
    pub fn probe_id(&mut self, full: &str) -> u32 {
        if let Some(i) = self.probe_ids.iter().position(|n| n == full) {
            return i as u32 + 1;
        }
        self.probe_ids.push(full.to_string());
        self.probe_ids.len() as u32
    }

    /// The id the next probe created on demand gets.
    pub fn next_probe_id(&self) -> u32 {
        self.probe_ids.len() as u32 + 1
    }

    /// The size of D's `string` type.
    pub fn strsize(&self) -> u32 {
        self.dopts.strsize
    }

    fn lower_options(&mut self, program: &ast::Program) {
        let mut settings: Vec<(String, Option<String>, Span)> = program
            .directives
            .iter()
            .filter_map(|d| match d {
                ast::Directive::Pragma(ast::Pragma {
                    kind: ast::PragmaKind::Option { name, value },
                    span,
                }) => Some((name.name.clone(), value.clone(), *span)),
                _ => None,
            })
            .collect();
        for (n, v) in &self.options.options {
            settings.push((n.clone(), v.clone(), Span::DUMMY));
        }
        if self.options.quiet {
            self.dopts.quiet = true;
        }
        for (name, value, span) in settings {
            if span == Span::DUMMY {
                // -x: DTrace sets it before compiling and stops with "failed to set -x NAME".
                if let Err(e) = ir::dopts::apply(&mut self.dopts, &name, value.as_deref(), false) {
                    self.diags.push(Diagnostic::global(format!(
                        "{SET_X}{name}: {}",
                        e.message()
                    )));
                }
            } else if let Err(message) = apply_option(&mut self.dopts, &name, value.as_deref()) {
                self.error(span, message);
            }
        }
        self.config.max_strlen = self.dopts.strsize;
        // DTrace cuts strings at strsize silently (the ".." trailer is bpftrace's).
        self.config.str_trunc_trailer = String::new();
        // bufsize: the principal buffer, here the ring buffer (a power of two of whole pages).
        if let Some(size) = self.dopts.other_value("bufsize").and_then(ir::dopts::size) {
            let bytes = size.clamp(4096, 1 << 30).next_power_of_two();
            self.config.ringbuf_bytes = u32::try_from(bytes).unwrap_or(1 << 30);
        }
        self.config.print_maps_on_exit = true;
        self.config.output = OutputStyle::Dtrace(self.dopts.clone());
    }

    fn lower_program(&mut self, program: &ast::Program) -> Vec<ir::Probe> {
        self.records_always = program.items.iter().any(|item| match item {
            ast::Item::Clause(c) => c
                .body
                .as_ref()
                .is_some_and(|b| b.stmts.iter().any(calls_setopt)),
            _ => false,
        });
        let mut probes = Vec::new();
        for item in &program.items {
            match item {
                ast::Item::Clause(c) => probes.extend(self.lower_clause(c)),
                ast::Item::Decl(d) => self.lower_decl(d),
                ast::Item::Inline(i) => self.lower_inline(i),
                ast::Item::Translator(t) => self.define_translator(t),
                ast::Item::Provider(p) => self.unsupported(p.span, "a provider definition"),
            }
        }
        probes
    }
}

/// Map sizes from DTrace's space options: `dynvarsize` bytes shared by the dynamic variables
/// (associative arrays, `self->`), `aggsize` bytes by the aggregations; each map may hold as many
/// entries as fit (key and value bytes), between 1 and 2^20. Without them, `max_entries` stays.
fn sized_maps(mut maps: Vec<ir::MapDecl>, opts: &DtraceOptions) -> Vec<ir::MapDecl> {
    let space = |name: &str| opts.other_value(name).and_then(ir::dopts::size);
    let (dynvar, agg) = (space("dynvarsize"), space("aggsize"));
    for m in &mut maps {
        let budget = if m.kind.is_per_cpu() { agg } else { dynvar };
        if let Some(bytes) = budget {
            let entry = u64::from(ir::abi::key_size(m) + ir::abi::value_size(&m.kind)).max(1);
            m.max_entries = (bytes / entry).clamp(1, 1 << 20) as u32;
        }
    }
    maps
}

/// True when statement `s` (or one nested in it) is a `setopt()` call.
fn calls_setopt(s: &ast::Stmt) -> bool {
    match &s.kind {
        ast::StmtKind::Expr(e) => {
            matches!(&e.kind, ast::ExprKind::Call { func, .. } if func.name == "setopt")
        }
        ast::StmtKind::Block(b) => b.stmts.iter().any(calls_setopt),
        ast::StmtKind::If {
            then, otherwise, ..
        } => calls_setopt(then) || otherwise.as_deref().is_some_and(calls_setopt),
        ast::StmtKind::Empty => false,
    }
}

/// How a `-x` option error begins; such errors are not about the script and render as
/// `dtrace: failed to set -x NAME: message`.
const SET_X: &str = "failed to set -x ";

/// Renders diagnostics as DTrace does: `dtrace: failed to compile script PATH: line N: message`
/// for each error (with `[D_TAG]` before `line` when `errtags` is set and the message has a
/// known tag), `dtrace: script 'PATH': line N: warning: message` for warnings.
pub fn render_errors_with(
    file: &SourceFile,
    path: &str,
    diags: &[Diagnostic],
    errtags: bool,
) -> String {
    let mut out = String::new();
    let markers = line_markers(file);
    for d in diags {
        let loc = match d.span.map(|s| source_position(file, &markers, s.start)) {
            None => String::new(),
            Some((None, line)) => format!("line {line}: "),
            Some((Some(tag), line)) => format!("\"{tag}\", line {line}: "),
        };
        let message = d.message.clone();
        if d.is_error() && d.span.is_none() && message.starts_with(SET_X) {
            out.push_str(&format!("dtrace: {message}\n"));
        } else if d.is_error() {
            let tag = if errtags {
                crate::errtags::tag_for(&message)
                    .map(|t| format!("[{t}] "))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            out.push_str(&format!(
                "dtrace: failed to compile script {path}: {tag}{loc}{message}\n"
            ));
        } else {
            out.push_str(&format!(
                "dtrace: script '{path}': {loc}warning: {message}\n"
            ));
        }
    }
    out
}

/// The line markers of a file (`#line N "file"`, the preprocessor's `# N "file" flags`) with
/// the physical line each is on.
fn line_markers(file: &SourceFile) -> Vec<(usize, ast::LineMarker)> {
    if !file.text.contains('#') {
        return Vec::new();
    }
    let (_, _, directives) = crate::lexer::tokenize(&file.text);
    directives
        .into_iter()
        .filter_map(|d| match d {
            ast::Directive::Line(m) => Some((file.line_col(m.span.start).0, m)),
            _ => None,
        })
        .collect()
}

/// Where byte `offset` of `file` comes from, as DTrace reports it after `#line` markers (which
/// `-C`'s preprocessor writes): the file a marker named, when it is not the script itself
/// (`None` for the script, or for names like `<stdin>`), and the line number.
pub fn source_position(
    file: &SourceFile,
    markers: &[(usize, ast::LineMarker)],
    offset: u32,
) -> (Option<String>, usize) {
    let line = file.line_col(offset).0;
    let mut tag = None;
    let mut mapped = line;
    for (at, m) in markers {
        if *at >= line {
            break;
        }
        if let Some(f) = &m.file {
            let main = *f == file.name || f.starts_with('<') || f.is_empty();
            tag = (!main).then(|| f.clone());
        }
        mapped = m.line as usize + (line - at - 1);
    }
    (tag, mapped)
}
