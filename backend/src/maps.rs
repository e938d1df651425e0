//! BTF-defined maps: one global per map in section `.maps`, described with debug info that
//! LLVM's BPF backend turns into BTF. Each map is an anonymous struct whose members follow
//! libbpf's `__uint(name, N)` convention: a pointer to an array of `N` ints.

use inkwell::context::Context;
use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFlags, DIFlagsConstants, DIType, DebugInfoBuilder,
};
use inkwell::module::Module;
use inkwell::values::{GlobalValue, PointerValue};
use inkwell::AddressSpace;
use ir::abi;

/// `BPF_MAP_TYPE_HASH`.
const MAP_HASH: u32 = 1;
/// `BPF_MAP_TYPE_ARRAY`.
const MAP_ARRAY: u32 = 2;
/// `BPF_MAP_TYPE_PERCPU_HASH`.
const MAP_PERCPU_HASH: u32 = 5;
/// `BPF_MAP_TYPE_PERCPU_ARRAY`.
const MAP_PERCPU_ARRAY: u32 = 6;
/// `BPF_MAP_TYPE_RINGBUF`.
const MAP_RINGBUF: u32 = 27;

/// What one map definition says.
struct MapDef<'ctx> {
    global: GlobalValue<'ctx>,
    name: String,
    map_type: u32,
    max_entries: u32,
    /// `None` for the ring buffer, which has neither key nor value.
    key_value: Option<(u32, u32)>,
}

/// Every map of the module: the program's maps (indexed by [`ir::MapId`]) and the runtime's.
pub(crate) struct Maps<'ctx> {
    user: Vec<MapDef<'ctx>>,
    events: MapDef<'ctx>,
    lost: MapDef<'ctx>,
    drops: MapDef<'ctx>,
    globals: MapDef<'ctx>,
    scratch: MapDef<'ctx>,
}

impl<'ctx> Maps<'ctx> {
    /// Declares every map's global; sizes are described later by [`Maps::describe`].
    pub(crate) fn declare(
        context: &'ctx Context,
        module: &Module<'ctx>,
        program: &ir::Program,
    ) -> Maps<'ctx> {
        let user = program
            .maps
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let map_type = if m.kind.is_per_cpu() {
                    MAP_PERCPU_HASH
                } else {
                    MAP_HASH
                };
                let kv = Some((abi::key_size(m), abi::value_size(&m.kind)));
                def(
                    context,
                    module,
                    abi::map_symbol(i as u32),
                    map_type,
                    m.max_entries.max(1),
                    kv,
                )
            })
            .collect();
        Maps {
            user,
            events: def(
                context,
                module,
                abi::EVENTS_MAP.into(),
                MAP_RINGBUF,
                program.config.ringbuf_bytes,
                None,
            ),
            lost: def(
                context,
                module,
                abi::LOST_MAP.into(),
                MAP_PERCPU_ARRAY,
                1,
                Some((4, 8)),
            ),
            drops: def(
                context,
                module,
                abi::DROPS_MAP.into(),
                MAP_PERCPU_ARRAY,
                abi::DROP_SLOTS,
                Some((4, 8)),
            ),
            globals: def(
                context,
                module,
                abi::GLOBALS_MAP.into(),
                MAP_ARRAY,
                1,
                Some((4, abi::Globals::SIZE)),
            ),
            scratch: def(
                context,
                module,
                abi::SCRATCH_MAP.into(),
                MAP_PERCPU_ARRAY,
                1,
                Some((4, 8)),
            ),
        }
    }

    /// Sets the size of the one scratch entry (bytes), once every program is generated.
    pub(crate) fn set_scratch_size(&mut self, bytes: u32) {
        self.scratch.key_value = Some((4, ir::types::round_up(bytes.max(8), 8)));
    }

    /// The global of user map `id`, if it exists.
    pub(crate) fn user(&self, id: ir::MapId) -> Option<PointerValue<'ctx>> {
        self.user
            .get(id.0 as usize)
            .map(|d| d.global.as_pointer_value())
    }

    /// The ring buffer.
    pub(crate) fn events(&self) -> PointerValue<'ctx> {
        self.events.global.as_pointer_value()
    }

    /// The lost-records counter.
    pub(crate) fn lost(&self) -> PointerValue<'ctx> {
        self.lost.global.as_pointer_value()
    }

    /// The drop counters ([`abi::DROPS_MAP`]).
    pub(crate) fn drops(&self) -> PointerValue<'ctx> {
        self.drops.global.as_pointer_value()
    }

    /// The runtime's globals.
    pub(crate) fn globals(&self) -> PointerValue<'ctx> {
        self.globals.global.as_pointer_value()
    }

    /// The per-CPU scratch memory.
    pub(crate) fn scratch(&self) -> PointerValue<'ctx> {
        self.scratch.global.as_pointer_value()
    }

    /// Attaches the BTF-producing debug info to every map global.
    pub(crate) fn describe(
        &self,
        context: &'ctx Context,
        dib: &DebugInfoBuilder<'ctx>,
        cu: DICompileUnit<'ctx>,
        _program: &ir::Program,
    ) {
        let int = dib
            .create_basic_type("int", 32, 0x05, DIFlags::ZERO)
            .map(|t| t.as_type());
        let Ok(int) = int else { return };
        let dbg = context.get_kind_id("dbg");
        for d in self.user.iter().chain([
            &self.events,
            &self.lost,
            &self.drops,
            &self.globals,
            &self.scratch,
        ]) {
            let mut fields = vec![("type", d.map_type), ("max_entries", d.max_entries)];
            if let Some((k, v)) = d.key_value {
                fields.push(("key_size", k));
                fields.push(("value_size", v));
            }
            let ty = struct_type(dib, cu, int, &fields);
            let gve = dib.create_global_variable_expression(
                cu.as_debug_info_scope(),
                &d.name,
                &d.name,
                cu.get_file(),
                0,
                ty,
                false,
                None,
                None,
                64,
            );
            d.global.set_metadata(gve.as_metadata_value(context), dbg);
        }
    }
}

fn def<'ctx>(
    context: &'ctx Context,
    module: &Module<'ctx>,
    name: String,
    map_type: u32,
    max_entries: u32,
    key_value: Option<(u32, u32)>,
) -> MapDef<'ctx> {
    let ptr = context.ptr_type(AddressSpace::default());
    let n = if key_value.is_some() { 4 } else { 2 };
    let st = context.struct_type(&vec![ptr.into(); n], false);
    let global = module.add_global(st, None, &name);
    global.set_initializer(&st.const_zero());
    global.set_section(Some(".maps"));
    global.set_alignment(8);
    MapDef {
        global,
        name,
        map_type,
        max_entries,
        key_value,
    }
}

/// `struct { int (*name)[value]; ... }`.
fn struct_type<'ctx>(
    dib: &DebugInfoBuilder<'ctx>,
    cu: DICompileUnit<'ctx>,
    int: DIType<'ctx>,
    fields: &[(&str, u32)],
) -> DIType<'ctx> {
    let file = cu.get_file();
    let members: Vec<DIType<'ctx>> = fields
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let n = i64::from(*value);
            // One dimension of `value` elements (`int (*name)[value]`).
            #[allow(clippy::single_range_in_vec_init)]
            let arr = dib.create_array_type(int, 32 * u64::from(*value), 32, &[0..n]);
            let ptr = dib.create_pointer_type("", arr.as_type(), 64, 64, AddressSpace::default());
            dib.create_member_type(
                cu.as_debug_info_scope(),
                name,
                file,
                0,
                64,
                64,
                64 * i as u64,
                DIFlags::ZERO,
                ptr.as_type(),
            )
            .as_type()
        })
        .collect();
    dib.create_struct_type(
        cu.as_debug_info_scope(),
        "",
        file,
        0,
        64 * fields.len() as u64,
        64,
        DIFlags::ZERO,
        None,
        &members,
        0,
        None,
        "",
    )
    .as_type()
}
