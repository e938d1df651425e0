//! The LLVM side of a compilation: context, BPF target machine, module set-up, optimisation and
//! object emission, and the capture of LLVM's own diagnostics (which would otherwise end the
//! process on a BPF stack overflow).

use crate::maps::Maps;
use crate::probe;
use crate::BackendOptions;
use inkwell::context::Context;
use inkwell::debug_info::{DWARFEmissionKind, DWARFSourceLanguage};
use inkwell::module::{FlagBehavior, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;
use ir::diag::Diagnostic;
use std::sync::{Mutex, Once};

/// What [`build`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// The ELF object.
    Object,
    /// The optimised module as LLVM IR text.
    LlvmIr,
}

/// The largest value of a per-CPU array entry the kernel accepts (PCPU_MIN_UNIT_SIZE).
pub(crate) const MAX_SCRATCH_BYTES: u32 = 32 * 1024;

static INIT: Once = Once::new();

/// Builds the module for `program` and returns the object or the IR text.
pub(crate) fn build(
    program: &ir::Program,
    opts: &BackendOptions,
    output: Output,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    INIT.call_once(|| Target::initialize_bpf(&InitializationConfig::default()));
    let context = Context::create();
    let llvm_errors = DiagnosticSink::install(&context);
    let result = build_in(&context, program, opts, output, &llvm_errors);
    let mut errors = llvm_errors.take();
    match result {
        Ok(bytes) if errors.is_empty() => Ok(bytes),
        Ok(_) => Err(errors),
        Err(mut diags) => {
            diags.append(&mut errors);
            Err(diags)
        }
    }
}

fn build_in(
    context: &Context,
    program: &ir::Program,
    opts: &BackendOptions,
    output: Output,
    llvm_errors: &DiagnosticSink,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let machine = target_machine()?;
    let module = context.create_module("oxtrace");
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    add_debug_flags(context, &module);

    let (dib, cu) = module.create_debug_info_builder(
        true,
        DWARFSourceLanguage::C,
        ir::abi::SOURCE_FILE_NAME,
        ".",
        "oxtrace",
        true,
        "",
        0,
        "",
        DWARFEmissionKind::Full,
        0,
        false,
        false,
        "",
        "",
    );
    let mut maps = Maps::declare(context, &module, program);
    let mut diags = Vec::new();
    let mut scratch = 8u32;
    for (pi, p) in program.probes.iter().enumerate() {
        for si in 0..p.attach.len() {
            if ir::abi::program_site(p, si) != si {
                continue;
            }
            match probe::generate(context, &module, &maps, program, opts, (pi, si), (&dib, cu)) {
                Ok(used) => {
                    if used > MAX_SCRATCH_BYTES {
                        diags.push(Diagnostic::error(
                            p.span,
                            format!(
                                "this probe needs {used} bytes of scratch memory for strings and keys, more than the {MAX_SCRATCH_BYTES} the kernel allows"
                            ),
                        ));
                    }
                    scratch = scratch.max(used);
                }
                Err(d) => diags.push(d),
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    maps.set_scratch_size(scratch);
    maps.describe(context, &dib, cu, program);
    crate::formap::describe_functions(&dib, cu, &module);
    add_license(context, &module);
    dib.finalize();
    if let Err(e) = module.verify() {
        return Err(vec![Diagnostic::global(format!(
            "internal error: invalid LLVM module: {e}"
        ))]);
    }
    module
        .run_passes("default<O2>", &machine, PassBuilderOptions::create())
        .map_err(|e| {
            vec![Diagnostic::global(format!(
                "internal error: LLVM optimisation failed: {e}"
            ))]
        })?;
    let bytes = match output {
        Output::LlvmIr => module.print_to_string().to_bytes().to_vec(),
        Output::Object => machine
            .write_to_memory_buffer(&module, FileType::Object)
            .map_err(|e| {
                vec![Diagnostic::global(format!(
                    "internal error: BPF code generation failed: {e}"
                ))]
            })?
            .as_slice()
            .to_vec(),
    };
    if llvm_errors.has_errors() {
        return Err(Vec::new());
    }
    Ok(bytes)
}

fn target_machine() -> Result<TargetMachine, Vec<Diagnostic>> {
    let triple = TargetTriple::create("bpfel");
    let target = Target::from_triple(&triple).map_err(|e| {
        vec![Diagnostic::global(format!(
            "internal error: LLVM has no BPF target: {e}"
        ))]
    })?;
    // v4: signed division and sign-extending loads; the kernels oxtrace supports have it (6.6+).
    target
        .create_target_machine(
            &triple,
            "v4",
            "",
            OptimizationLevel::Default,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| {
            vec![Diagnostic::global(
                "internal error: cannot create the BPF target machine",
            )]
        })
}

fn add_debug_flags<'ctx>(context: &'ctx Context, module: &Module<'ctx>) {
    let i32t = context.i32_type();
    module.add_basic_value_flag(
        "Dwarf Version",
        FlagBehavior::Warning,
        i32t.const_int(5, false),
    );
    module.add_basic_value_flag(
        "Debug Info Version",
        FlagBehavior::Warning,
        i32t.const_int(
            u64::from(inkwell::debug_info::debug_metadata_version()),
            false,
        ),
    );
}

fn add_license<'ctx>(context: &'ctx Context, module: &Module<'ctx>) {
    let text = context.const_string(b"GPL", true);
    let g = module.add_global(text.get_type(), None, "_license");
    g.set_initializer(&text);
    g.set_section(Some("license"));
}

/// Collects LLVM's error diagnostics (e.g. "BPF stack limit exceeded") instead of letting LLVM
/// print them and exit.
struct DiagnosticSink {
    messages: Box<Mutex<Vec<String>>>,
}

impl DiagnosticSink {
    fn install(context: &Context) -> DiagnosticSink {
        let sink = DiagnosticSink {
            messages: Box::new(Mutex::new(Vec::new())),
        };
        let ptr = &*sink.messages as *const Mutex<Vec<String>> as *mut std::ffi::c_void;
        // SAFETY: the handler only runs while `context` is alive, and `build` keeps the sink (and
        // its boxed, address-stable mutex) alive for the context's whole life.
        unsafe {
            inkwell::llvm_sys::core::LLVMContextSetDiagnosticHandler(
                context.raw(),
                Some(on_llvm_diagnostic),
                ptr,
            );
        }
        sink
    }

    fn has_errors(&self) -> bool {
        self.messages.lock().map(|m| !m.is_empty()).unwrap_or(true)
    }

    fn take(&self) -> Vec<Diagnostic> {
        let messages = match self.messages.lock() {
            Ok(mut m) => std::mem::take(&mut *m),
            Err(_) => vec!["internal error".to_string()],
        };
        messages.into_iter().map(Diagnostic::global).collect()
    }
}

extern "C" fn on_llvm_diagnostic(
    info: inkwell::llvm_sys::prelude::LLVMDiagnosticInfoRef,
    ctx: *mut std::ffi::c_void,
) {
    use inkwell::llvm_sys::core::{
        LLVMDisposeMessage, LLVMGetDiagInfoDescription, LLVMGetDiagInfoSeverity,
    };
    use inkwell::llvm_sys::LLVMDiagnosticSeverity;
    // SAFETY: `ctx` is the mutex installed by `DiagnosticSink::install`, alive while LLVM runs;
    // the description is an LLVM-allocated C string we dispose of.
    unsafe {
        if LLVMGetDiagInfoSeverity(info) != LLVMDiagnosticSeverity::LLVMDSError {
            return;
        }
        let raw = LLVMGetDiagInfoDescription(info);
        let text = if raw.is_null() {
            String::from("unknown LLVM error")
        } else {
            let s = std::ffi::CStr::from_ptr(raw).to_string_lossy().into_owned();
            LLVMDisposeMessage(raw);
            s
        };
        let sink = &*(ctx as *const Mutex<Vec<String>>);
        if let Ok(mut m) = sink.lock() {
            m.push(explain_llvm_error(&text));
        }
    }
}

fn explain_llvm_error(text: &str) -> String {
    if text.contains("stack limit") {
        format!(
            "the program needs more than the 512 bytes of BPF stack ({})",
            text.trim()
        )
    } else {
        format!("BPF code generation failed: {}", text.trim())
    }
}
