//! oxtrace's backend: compiles an [`ir::Program`] to a BPF ELF object through LLVM 19.
//!
//! This is the only crate that links LLVM. The object it produces follows the contract in
//! [`ir::abi`]: one BTF-defined map per [`ir::MapDecl`] plus the runtime's internal maps
//! (`oxt_events`, `oxt_lost`, `oxt_globals`, `oxt_scratch`), and one BPF program per attach site
//! (the uprobes of a probe share one, [`ir::abi::program_site`]), named
//! [`ir::abi::program_symbol`], in a section libbpf recognises.
//!
//! Code map:
//! - [`module`]: LLVM context, target machine, optimisation, object emission, LLVM diagnostics;
//! - `maps`: the BTF map definitions in `.maps`;
//! - `helpers`: BPF helper ids and calls;
//! - `func`: per-program code generation state, memory places, scratch and stack allocation;
//! - `probe`: one function per attach site (section, prologue, predicate, body);
//! - `expr`, `builtins`, `strings`, `values`: expressions; `strfuncs`, `strbuild`: string
//!   functions (searches, ranges, joins, case, `lltostr`); `stmt`: statements and control flow;
//! - `mapops`: map reads, stores, deletes; `aggregate`: aggregations and histogram buckets;
//! - `emit`: ring buffer records for actions;
//! - `formap`: `len(@m)` and `for ($kv : @m)` through `bpf_for_each_map_elem` callbacks.
//!
//! Architecture invariant: nothing derived from the user's program panics here; whatever the
//! backend cannot generate becomes a [`ir::diag::Diagnostic`] at the construct's span.

mod aggregate;
mod builtins;
mod debuginfo;
mod emit;
mod expr;
mod faults;
mod formap;
mod func;
mod helper_errors;
mod helpers;
mod ksyms;
mod mapops;
mod maps;
mod module;
mod probe;
mod scratchmem;
mod stacks;
mod stmt;
mod strbuild;
mod strfuncs;
mod strings;
mod values;

use ir::diag::Diagnostic;

/// What code generation needs to know about the machine (filled in by the CLI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendOptions {
    /// Number of possible CPUs: the bound of loops that combine per-CPU aggregation slots and
    /// the value of the `ncpus` builtin.
    pub ncpus: u32,
    /// `-k`: after each fallible helper call (probe reads), send a helper-error record
    /// ([`ir::abi::HELPER_ERROR_ACTION`]) when it returned an error.
    pub helper_errors: bool,
}

/// A compiled program: the BPF ELF object (BTF-defined maps in `.maps`, one program per attach
/// site or shared uprobe group, named `ir::abi::program_symbol(probe, program_site)`), ready
/// for libbpf.
#[derive(Clone, Debug)]
pub struct CompiledObject {
    /// The ELF bytes.
    pub elf: Vec<u8>,
}

/// Compiles a program. Errors (e.g. a construct the backend cannot generate yet, a stack
/// overflow) are `ir::diag::Diagnostic`s at the span of the construct.
pub fn compile(
    program: &ir::Program,
    opts: &BackendOptions,
) -> Result<CompiledObject, Vec<Diagnostic>> {
    module::build(program, opts, module::Output::Object).map(|out| CompiledObject { elf: out })
}

/// The optimised LLVM IR text of the module (for `oxtrace --emit llvm`).
pub fn emit_llvm_ir(
    program: &ir::Program,
    opts: &BackendOptions,
) -> Result<String, Vec<Diagnostic>> {
    module::build(program, opts, module::Output::LlvmIr)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}
