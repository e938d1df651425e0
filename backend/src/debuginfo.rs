//! Source locations in the BPF object, so the verifier can say which statement it refused.
//!
//! Every program function gets a `DISubprogram` (BTF `func_info`), and each statement's code
//! gets a debug location whose *line* is the statement's byte offset in the source plus one and
//! whose *column* is its length (capped at BTF's 10 bits). LLVM turns these into BTF `line_info`;
//! the verifier then prints `@ oxtrace.bt:LINE` before the instructions of each statement, and the
//! runtime maps the last such line before a refusal back to the statement's span
//! ([`SOURCE_FILE_NAME`] is the name it looks for).

use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFlags, DIFlagsConstants, DIScope, DISubprogram, DebugInfoBuilder,
};
use inkwell::values::FunctionValue;
use ir::Span;

/// Where a function's statements get their debug locations from.
#[derive(Clone, Copy)]
pub(crate) struct DebugScope<'a, 'ctx> {
    /// The module's debug info builder.
    pub dib: &'a DebugInfoBuilder<'ctx>,
    /// The function's subprogram.
    pub scope: DIScope<'ctx>,
    /// The compile unit (the scope of global variables).
    pub cu: DICompileUnit<'ctx>,
}

/// Gives `f` a subprogram (a function `int name(void *ctx)` or, for map callbacks with four
/// parameters, `long name(void *map, void *key, void *value, void *ctx)`), unless it has one.
pub(crate) fn describe_function<'ctx>(
    dib: &DebugInfoBuilder<'ctx>,
    cu: DICompileUnit<'ctx>,
    f: FunctionValue<'ctx>,
) -> Option<DISubprogram<'ctx>> {
    if let Some(sp) = f.get_subprogram() {
        return Some(sp);
    }
    let file = cu.get_file();
    let int = dib.create_basic_type("int", 32, 0x05, DIFlags::ZERO).ok()?;
    let long = dib
        .create_basic_type("long", 64, 0x05, DIFlags::ZERO)
        .ok()?;
    let chr = dib.create_basic_type("char", 8, 0x06, DIFlags::ZERO).ok()?;
    let ptr = dib
        .create_pointer_type("", chr.as_type(), 64, 64, inkwell::AddressSpace::default())
        .as_type();
    let ret = match f.get_type().get_return_type() {
        Some(t) if t.is_int_type() && t.into_int_type().get_bit_width() == 32 => int,
        _ => long,
    };
    let params = vec![ptr; f.count_params() as usize];
    let ty = dib.create_subroutine_type(file, Some(ret.as_type()), &params, DIFlags::ZERO);
    let local = f.get_linkage() == inkwell::module::Linkage::Internal;
    let name = f.get_name().to_string_lossy().into_owned();
    let sp = dib.create_function(
        cu.as_debug_info_scope(),
        &name,
        None,
        file,
        0,
        ty,
        local,
        true,
        0,
        DIFlags::PROTOTYPED,
        true,
    );
    // BTF takes parameter names from these; the kernel refuses functions with unnamed ones.
    let names: &[&str] = if params.len() == 4 {
        &["map", "key", "value", "ctx"]
    } else {
        &["ctx"]
    };
    for (i, p) in params.iter().enumerate() {
        let name = names.get(i).copied().unwrap_or("arg");
        dib.create_parameter_variable(
            sp.as_debug_info_scope(),
            name,
            i as u32 + 1,
            file,
            0,
            *p,
            true,
            DIFlags::ZERO,
        );
    }
    f.set_subprogram(sp);
    Some(sp)
}

/// The (line, column) pair that encodes `span` in a debug location.
pub(crate) fn encode(span: Span) -> (u32, u32) {
    (span.start + 1, (span.end - span.start).clamp(1, 1023))
}
