//! The value types of the IR, and their sizes and alignment in BPF memory.
//!
//! Layout is defined here, once: the backend writes values with it and the runtime reads them
//! back with it, so the two always agree on where each byte is.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The type of an IR value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// No value (the type of statements and of calls that return nothing).
    Void,
    /// `true`/`false`, one byte.
    Bool,
    /// An integer of 8, 16, 32 or 64 bits.
    Int(IntType),
    /// A NUL-terminated string in a fixed-size buffer of `size` bytes (the NUL included).
    Str { size: u32 },
    /// Raw bytes read with `buf()`: a `u32` length followed by `size` bytes.
    Buffer { size: u32 },
    /// A fixed-size array.
    Array { elem: Box<Type>, len: u32 },
    /// A tuple: fields laid out like a C struct with natural alignment.
    Tuple(Vec<Type>),
    /// A record: a tuple whose fields have names.
    Record(Vec<(String, Type)>),
    /// A pointer to kernel or user memory. Its value is a 64-bit address.
    Ptr {
        pointee: Box<Type>,
        space: AddrSpace,
    },
    /// The name of the probe that fired: a 64-bit index into [`crate::Program::probe_names`],
    /// printed as the name.
    ProbeName,
    /// A C struct or union (from BTF or defined in the script), laid out as C lays it out.
    /// Shared, so cloning the type is cheap.
    Struct(Arc<StructType>),
    /// A stack trace (`kstack`, `ustack`), laid out as [`crate::abi::STACK_PID`] and its neighbours say: the pid
    /// (user stacks only, to symbolize against), the number of frames and `limit` frame
    /// addresses. Symbolized in user space when printed.
    Stack(StackType),
    /// A code address printed as a symbol name (`ksym`, `usym`, `func`): the address and, for
    /// user addresses, the pid whose mappings it belongs to ([`crate::abi::SYMBOL_ADDR`],
    /// [`crate::abi::SYMBOL_PID`]).
    Symbol {
        /// A kernel address (symbolized with kallsyms) or a user one (with the pid's mappings).
        kernel: bool,
        /// Print only the module the address is in (D's `mod`/`umod`): `vmlinux` for the
        /// kernel, the mapped file's base name for user addresses.
        module: bool,
    },
    /// A value kept as a number (or raw bytes) in BPF and turned into text by user space when it
    /// is printed (`strerror`, `strftime`, `ntop`, `username`, ...); see [`TextKind`].
    Text(TextKind),
}

/// What a [`Type::Text`] value holds and how user space renders it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// `strerror(n)`: an errno value (int64), printed as its message.
    Errno,
    /// `signal_name(n)`: a signal number (int64), printed as `SIGINT`, ...
    SignalName,
    /// `syscall_name(n)`: a syscall number (int64), printed as its name.
    SyscallName,
    /// `username`: a uid (uint64), printed as the user's name.
    Username,
    /// `cgroup_path(id)`: a cgroup v2 id (uint64), printed as the cgroup's path.
    CgroupPath,
    /// `strftime(format, ns)`: nanoseconds of the monotonic clock (uint64), printed as wall-clock
    /// time with the strftime format (plus `%f`, microseconds).
    Strftime(String),
    /// `ntop([af,] addr)`: the address family (uint64) followed by 16 address bytes.
    Inet,
    /// `macaddr(mac)`: 6 bytes, printed as `AA:BB:CC:DD:EE:FF`.
    MacAddr,
}

impl TextKind {
    /// Size in bytes of the value in BPF memory.
    pub fn size(&self) -> u32 {
        match self {
            TextKind::Inet => 24,
            TextKind::MacAddr => 6,
            _ => 8,
        }
    }

    /// True when the value is a 64-bit number (held in a register in BPF).
    pub fn is_number(&self) -> bool {
        !matches!(self, TextKind::Inet | TextKind::MacAddr)
    }

    /// The bpftrace name of the type.
    pub fn name(&self) -> &'static str {
        match self {
            TextKind::Errno => "strerror_t",
            TextKind::SignalName => "signal_name_t",
            TextKind::SyscallName => "syscall_name_t",
            TextKind::Username => "username",
            TextKind::CgroupPath => "cgroup_path_t",
            TextKind::Strftime(_) => "timestamp",
            TextKind::Inet => "inet",
            TextKind::MacAddr => "macaddr_t",
        }
    }
}

/// What a stack trace holds and how it prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StackType {
    /// `kstack` (kernel frames) or `ustack` (user frames).
    pub kernel: bool,
    /// Most frames kept (bpftrace's default is 127, `perf_event_max_stack`).
    pub limit: u16,
    /// How the frames print.
    pub mode: StackMode,
}

/// How a stack trace prints (bpftrace's `kstack(mode)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StackMode {
    /// One `symbol+offset` per line, indented.
    Bpftrace,
    /// `\t<hex address> symbol+offset`, with the module for user frames.
    Perf,
    /// Hex addresses only, not symbolized.
    Raw,
}

impl StackMode {
    /// The mode's name in bpftrace programs.
    pub fn name(self) -> &'static str {
        match self {
            StackMode::Bpftrace => "bpftrace",
            StackMode::Perf => "perf",
            StackMode::Raw => "raw",
        }
    }
}

impl StackType {
    /// bpftrace's default frame limit.
    pub const DEFAULT_LIMIT: u16 = 127;
}

/// Whether a [`StructType`] is a `struct` or a `union`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateKind {
    /// `struct`: fields one after another.
    Struct,
    /// `union`: fields overlap.
    Union,
}

/// A C struct or union with explicit field offsets.
///
/// A struct reached only through a pointer is *opaque* (`complete == false`, no fields): its
/// fields are resolved from the type catalogue when the program accesses them, so recursive
/// kernel types (`task_struct` points to `task_struct`) never become infinite trees.
/// Equality and hashing use the identity (kind, name, size, BTF id), not the fields, so an
/// opaque reference and the complete type are the same type.
#[derive(Clone, Debug)]
pub struct StructType {
    /// `struct` or `union`.
    pub kind: AggregateKind,
    /// The tag name, empty for an anonymous struct/union.
    pub name: String,
    /// Size in bytes.
    pub size: u32,
    /// Alignment in bytes.
    pub align: u32,
    /// Fields in declaration order (empty when opaque).
    pub fields: Vec<StructField>,
    /// Whether `fields` holds the fields (false for a pointee not resolved yet).
    pub complete: bool,
    /// The type's id in kernel BTF, `None` for script-defined types.
    pub btf_id: Option<u32>,
}

/// One field of a [`StructType`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructField {
    /// The field name (empty for an anonymous member whose fields are reachable directly).
    pub name: String,
    /// The field type (for a bitfield, the integer type the bits are extracted to).
    pub ty: Type,
    /// Byte offset from the start of the struct (for a bitfield: of the bytes holding it).
    pub offset: u32,
    /// For a bitfield: where its bits are.
    pub bitfield: Option<Bitfield>,
}

/// The bits of a bitfield within the `ty.size()` bytes at its field's `offset`
/// (little-endian: bit 0 is the lowest bit of the first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bitfield {
    /// First bit, counted from the lowest bit of the bytes at the field's offset.
    pub shift: u8,
    /// Number of bits.
    pub bits: u8,
}

impl StructType {
    /// `struct name` or `union name` (or `struct <anonymous>`).
    pub fn c_name(&self) -> String {
        let kw = match self.kind {
            AggregateKind::Struct => "struct",
            AggregateKind::Union => "union",
        };
        if self.name.is_empty() {
            format!("{kw} <anonymous>")
        } else {
            format!("{kw} {}", self.name)
        }
    }

    /// The field named `name`, looking through anonymous struct/union members as C does;
    /// returns the field with its offset made relative to this struct.
    pub fn field(&self, name: &str) -> Option<StructField> {
        for f in &self.fields {
            if f.name == name {
                return Some(f.clone());
            }
            if f.name.is_empty() {
                if let Type::Struct(inner) = &f.ty {
                    if let Some(mut found) = inner.field(name) {
                        found.offset += f.offset;
                        return Some(found);
                    }
                }
            }
        }
        None
    }
}

impl PartialEq for StructType {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && self.size == other.size
            && self.btf_id == other.btf_id
    }
}

impl Eq for StructType {}

impl Hash for StructType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.name.hash(state);
        self.size.hash(state);
        self.btf_id.hash(state);
    }
}

/// An integer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IntType {
    /// 8, 16, 32 or 64.
    pub bits: u8,
    /// Whether the value is two's-complement signed.
    pub signed: bool,
}

/// Which address space a pointer points into; decides the BPF helper used to read through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrSpace {
    /// Kernel memory (`bpf_probe_read_kernel`).
    Kernel,
    /// User memory of the current task (`bpf_probe_read_user`).
    User,
}

impl IntType {
    /// `int64`.
    pub const I64: IntType = IntType {
        bits: 64,
        signed: true,
    };
    /// `uint64`.
    pub const U64: IntType = IntType {
        bits: 64,
        signed: false,
    };
    /// `int32`.
    pub const I32: IntType = IntType {
        bits: 32,
        signed: true,
    };
    /// `uint32`.
    pub const U32: IntType = IntType {
        bits: 32,
        signed: false,
    };

    /// Size in bytes.
    pub fn bytes(self) -> u32 {
        u32::from(self.bits) / 8
    }
}

impl Type {
    /// `int64`.
    pub const I64: Type = Type::Int(IntType::I64);
    /// `uint64`.
    pub const U64: Type = Type::Int(IntType::U64);
    /// `int32`.
    pub const I32: Type = Type::Int(IntType::I32);
    /// `uint32`.
    pub const U32: Type = Type::Int(IntType::U32);

    /// An integer type of `bits` bits.
    pub fn int(bits: u8, signed: bool) -> Type {
        Type::Int(IntType { bits, signed })
    }

    /// True for integers and booleans.
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Int(_) | Type::Bool)
    }

    /// True for values the BPF program holds in a register (integers, booleans, pointers,
    /// probe names); false for values that live in memory (strings, tuples, ...).
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Type::Int(_) | Type::Bool | Type::Ptr { .. } | Type::ProbeName
        ) || matches!(self, Type::Text(k) if k.is_number())
    }

    /// Size in bytes of a value of this type in BPF memory (map keys and values, events).
    pub fn size(&self) -> u32 {
        match self {
            Type::Void => 0,
            Type::Bool => 1,
            Type::Int(i) => i.bytes(),
            Type::Str { size } => *size,
            Type::Buffer { size } => 4 + *size,
            Type::Array { elem, len } => elem.size() * len,
            Type::Tuple(fields) => StructLayout::of(fields.iter()).size,
            Type::Record(fields) => StructLayout::of(fields.iter().map(|(_, t)| t)).size,
            Type::Ptr { .. } | Type::ProbeName => 8,
            Type::Struct(s) => s.size,
            Type::Stack(st) => crate::abi::stack_size(st.limit),
            Type::Symbol { .. } => crate::abi::SYMBOL_SIZE,
            Type::Text(k) => k.size(),
        }
    }

    /// Alignment in bytes.
    pub fn align(&self) -> u32 {
        match self {
            Type::Void | Type::Bool | Type::Str { .. } => 1,
            Type::Int(i) => i.bytes(),
            Type::Buffer { .. } => 4,
            Type::Array { elem, .. } => elem.align(),
            Type::Tuple(fields) => fields.iter().map(Type::align).max().unwrap_or(1),
            Type::Record(fields) => fields.iter().map(|(_, t)| t.align()).max().unwrap_or(1),
            Type::Ptr { .. } | Type::ProbeName => 8,
            Type::Struct(s) => s.align.max(1),
            Type::Stack(_) | Type::Symbol { .. } => 8,
            Type::Text(TextKind::MacAddr) => 1,
            Type::Text(_) => 8,
        }
    }
}

impl fmt::Display for Type {
    /// bpftrace's spelling of the type, as used in diagnostics and the IR dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Void => write!(f, "void"),
            Type::Bool => write!(f, "bool"),
            Type::Int(i) => write!(f, "{}int{}", if i.signed { "" } else { "u" }, i.bits),
            Type::Str { size } => write!(f, "string[{size}]"),
            Type::Buffer { size } => write!(f, "buffer[{size}]"),
            Type::Array { elem, len } => write!(f, "{elem}[{len}]"),
            Type::Tuple(fields) => {
                write!(f, "(")?;
                for (i, t) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, ")")
            }
            Type::Record(fields) => {
                write!(f, "(")?;
                for (i, (n, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{n}: {t}")?;
                }
                write!(f, ")")
            }
            Type::Ptr { pointee, space } => {
                write!(f, "{pointee} *")?;
                if *space == AddrSpace::User {
                    write!(f, " user")?;
                }
                Ok(())
            }
            Type::ProbeName => write!(f, "probe"),
            Type::Text(k) => write!(f, "{}", k.name()),
            Type::Struct(s) => write!(f, "{}", s.c_name()),
            Type::Stack(st) => write!(
                f,
                "{}({}, {})",
                if st.kernel { "kstack" } else { "ustack" },
                st.mode.name(),
                st.limit
            ),
            Type::Symbol {
                kernel: true,
                module: false,
            } => write!(f, "ksym"),
            Type::Symbol {
                kernel: false,
                module: false,
            } => write!(f, "usym"),
            Type::Symbol {
                kernel: true,
                module: true,
            } => write!(f, "kmod"),
            Type::Symbol {
                kernel: false,
                module: true,
            } => write!(f, "umod"),
        }
    }
}

/// Where each field of a C-like struct (a tuple, a record, a map key, an event payload) sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructLayout {
    /// Byte offset of each field, in field order.
    pub offsets: Vec<u32>,
    /// Total size, padded to the struct's alignment.
    pub size: u32,
    /// Alignment of the whole struct.
    pub align: u32,
}

impl StructLayout {
    /// Lays out `fields` in order with natural alignment, like a C compiler does.
    pub fn of<'a>(fields: impl IntoIterator<Item = &'a Type>) -> StructLayout {
        let mut offsets = Vec::new();
        let mut offset = 0u32;
        let mut align = 1u32;
        for t in fields {
            let a = t.align();
            align = align.max(a);
            offset = round_up(offset, a);
            offsets.push(offset);
            offset += t.size();
        }
        StructLayout {
            offsets,
            size: round_up(offset, align),
            align,
        }
    }
}

/// Rounds `n` up to a multiple of `align` (a power of two, or 0/1 for no alignment).
pub fn round_up(n: u32, align: u32) -> u32 {
    if align <= 1 {
        n
    } else {
        n.div_ceil(align) * align
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_layout_is_c_like() {
        let t = [Type::Bool, Type::I64, Type::Str { size: 3 }, Type::I32];
        let l = StructLayout::of(t.iter());
        assert_eq!(l.offsets, vec![0, 8, 16, 20]);
        assert_eq!(l.size, 24);
        assert_eq!(Type::Tuple(t.to_vec()).size(), 24);
    }

    #[test]
    fn display_uses_bpftrace_names() {
        assert_eq!(
            Type::Tuple(vec![Type::U32, Type::Str { size: 16 }]).to_string(),
            "(uint32, string[16])"
        );
    }
}
