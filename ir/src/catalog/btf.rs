//! Kernel types from BTF (the BPF Type Format), read lazily.
//!
//! [`TypeCatalog`] is what the compiler asks for C types by name. [`BtfCatalog`] implements it
//! over a BTF blob: [`BtfCatalog::live`] over `/sys/kernel/btf/vmlinux`, opened on the first
//! lookup (a program without kernel types never opens the file), [`BtfCatalog::fixture`] over
//! `ir/fixtures/btf/vmlinux-subset.btf`, a subset recorded from the project's machines so tests
//! run without root.
//!
//! Laziness: the first lookup reads the file and makes one pass over the type headers, recording
//! where each type starts and the ids of named structs, unions, enums and typedefs (about 130k
//! types in 5.5 MB on kernel 6.18). Types are converted to IR types only when asked for, and a
//! struct's pointer members stay opaque (see [`StructType`]) until the program uses them.
//!
//! The format: <https://docs.kernel.org/bpf/btf.html>.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::CatalogError;
use crate::types::{AddrSpace, AggregateKind, Bitfield, StructField, StructType, Type};

/// Where the compiler looks up C types by name.
pub trait TypeCatalog {
    /// `struct name` (`kind == Struct`) or `union name`, with its fields; `Ok(None)` when the
    /// catalogue has no such type.
    fn aggregate(
        &self,
        kind: AggregateKind,
        name: &str,
    ) -> Result<Option<Arc<StructType>>, CatalogError>;

    /// The complete version of `st` (resolving an opaque pointee); `st` itself when complete.
    fn complete(&self, st: &Arc<StructType>) -> Result<Arc<StructType>, CatalogError>;

    /// A typedef (`pid_t`, `u64`, ...) resolved to an IR type; `Ok(None)` when unknown.
    fn typedef(&self, name: &str) -> Result<Option<Type>, CatalogError>;

    /// `enum name`'s size in bytes and whether it is signed; `Ok(None)` when unknown.
    fn enum_type(&self, name: &str) -> Result<Option<Type>, CatalogError>;

    /// Whether the catalogue has read its data yet (for tests that check laziness).
    fn is_loaded(&self) -> bool;

    /// The type shape of the per-CPU kernel variable `name` (`percpu_kaddr`): `Ok(None)` when
    /// there is no such variable, an error naming the problem when it is not per-CPU or its
    /// type cannot be declared as a typed ksym.
    fn percpu_var(&self, name: &str) -> Result<Option<crate::KsymType>, CatalogError> {
        let _ = name;
        Ok(None)
    }
}

/// The path of the running kernel's BTF.
pub const VMLINUX_BTF: &str = "/sys/kernel/btf/vmlinux";

/// A type catalogue over one BTF blob, loaded on first use.
#[derive(Debug)]
pub struct BtfCatalog {
    path: PathBuf,
    data: OnceLock<Result<Btf, CatalogError>>,
    cache: Mutex<HashMap<u32, Arc<StructType>>>,
}

impl BtfCatalog {
    /// The running kernel's BTF (`/sys/kernel/btf/vmlinux`), read on the first lookup.
    pub fn live() -> Self {
        Self::at(VMLINUX_BTF)
    }

    /// The recorded subset of the project machines' kernel BTF, for tests.
    pub fn fixture() -> Self {
        Self::at(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/btf/vmlinux-subset.btf"))
    }

    /// The BTF in the file at `path`, read on the first lookup.
    pub fn at(path: impl AsRef<Path>) -> Self {
        BtfCatalog {
            path: path.as_ref().to_path_buf(),
            data: OnceLock::new(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A catalogue over BTF bytes already in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CatalogError> {
        let path = PathBuf::from("<memory>");
        let btf = Btf::parse(bytes, &path)?;
        let data = OnceLock::new();
        let _ = data.set(Ok(btf));
        Ok(BtfCatalog {
            path,
            data,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The parsed BTF (reading and indexing the file the first time).
    pub fn btf(&self) -> Result<&Btf, CatalogError> {
        self.data
            .get_or_init(|| {
                let bytes = std::fs::read(&self.path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        CatalogError::NotFound {
                            what: format!("BTF file {}", self.path.display()),
                        }
                    } else {
                        CatalogError::io(&self.path, &e)
                    }
                })?;
                Btf::parse(bytes, &self.path)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn struct_by_id(&self, btf: &Btf, id: u32) -> Result<Arc<StructType>, CatalogError> {
        if let Some(found) = self.cache().get(&id) {
            return Ok(Arc::clone(found));
        }
        let st = Arc::new(btf.struct_type(id, true, 0)?);
        self.cache().insert(id, Arc::clone(&st));
        Ok(st)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Arc<StructType>>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TypeCatalog for BtfCatalog {
    fn aggregate(
        &self,
        kind: AggregateKind,
        name: &str,
    ) -> Result<Option<Arc<StructType>>, CatalogError> {
        let btf = self.btf()?;
        let want = match kind {
            AggregateKind::Struct => KIND_STRUCT,
            AggregateKind::Union => KIND_UNION,
        };
        match btf.find(want, name) {
            Some(id) => self.struct_by_id(btf, id).map(Some),
            None => Ok(None),
        }
    }

    fn complete(&self, st: &Arc<StructType>) -> Result<Arc<StructType>, CatalogError> {
        if st.complete {
            return Ok(Arc::clone(st));
        }
        let btf = self.btf()?;
        match st.btf_id {
            Some(id) => self.struct_by_id(btf, id),
            None => Err(CatalogError::NotFound {
                what: format!("the definition of {}", st.c_name()),
            }),
        }
    }

    fn typedef(&self, name: &str) -> Result<Option<Type>, CatalogError> {
        let btf = self.btf()?;
        match btf.find(KIND_TYPEDEF, name) {
            Some(id) => btf.ir_type(id, 0).map(Some),
            None => Ok(None),
        }
    }

    fn enum_type(&self, name: &str) -> Result<Option<Type>, CatalogError> {
        let btf = self.btf()?;
        let id = btf
            .find(KIND_ENUM, name)
            .or_else(|| btf.find(KIND_ENUM64, name));
        match id {
            Some(id) => btf.ir_type(id, 0).map(Some),
            None => Ok(None),
        }
    }

    fn is_loaded(&self) -> bool {
        self.data.get().is_some()
    }

    fn percpu_var(&self, name: &str) -> Result<Option<crate::KsymType>, CatalogError> {
        self.btf()?.percpu_var(name)
    }
}

/// A catalogue without any types, for front ends run where no BTF is wanted.
#[derive(Debug, Default)]
pub struct NoTypes;

impl TypeCatalog for NoTypes {
    fn aggregate(
        &self,
        _kind: AggregateKind,
        _name: &str,
    ) -> Result<Option<Arc<StructType>>, CatalogError> {
        Ok(None)
    }
    fn complete(&self, st: &Arc<StructType>) -> Result<Arc<StructType>, CatalogError> {
        Ok(Arc::clone(st))
    }
    fn typedef(&self, _name: &str) -> Result<Option<Type>, CatalogError> {
        Ok(None)
    }
    fn enum_type(&self, _name: &str) -> Result<Option<Type>, CatalogError> {
        Ok(None)
    }
    fn is_loaded(&self) -> bool {
        false
    }
}

/// BTF type kinds (`BTF_KIND_*`).
pub const KIND_INT: u32 = 1;
/// `BTF_KIND_PTR`.
pub const KIND_PTR: u32 = 2;
/// `BTF_KIND_ARRAY`.
pub const KIND_ARRAY: u32 = 3;
/// `BTF_KIND_STRUCT`.
pub const KIND_STRUCT: u32 = 4;
/// `BTF_KIND_UNION`.
pub const KIND_UNION: u32 = 5;
/// `BTF_KIND_ENUM`.
pub const KIND_ENUM: u32 = 6;
/// `BTF_KIND_FWD`.
pub const KIND_FWD: u32 = 7;
/// `BTF_KIND_TYPEDEF`.
pub const KIND_TYPEDEF: u32 = 8;
/// `BTF_KIND_VOLATILE`.
pub const KIND_VOLATILE: u32 = 9;
/// `BTF_KIND_CONST`.
pub const KIND_CONST: u32 = 10;
/// `BTF_KIND_RESTRICT`.
pub const KIND_RESTRICT: u32 = 11;
/// `BTF_KIND_FUNC`.
pub const KIND_FUNC: u32 = 12;
/// `BTF_KIND_FUNC_PROTO`.
pub const KIND_FUNC_PROTO: u32 = 13;
/// `BTF_KIND_VAR`.
pub const KIND_VAR: u32 = 14;
/// `BTF_KIND_DATASEC`.
pub const KIND_DATASEC: u32 = 15;
/// `BTF_KIND_FLOAT`.
pub const KIND_FLOAT: u32 = 16;
/// `BTF_KIND_DECL_TAG`.
pub const KIND_DECL_TAG: u32 = 17;
/// `BTF_KIND_TYPE_TAG`.
pub const KIND_TYPE_TAG: u32 = 18;
/// `BTF_KIND_ENUM64`.
pub const KIND_ENUM64: u32 = 19;

const MAGIC: u16 = 0xeb9f;
/// How deep by-value members may nest before we give up (kernel types nest far less).
const MAX_DEPTH: u32 = 32;

/// A parsed BTF blob: the bytes, where each type starts, and a name index of the named
/// structs, unions, enums and typedefs.
#[derive(Debug)]
pub struct Btf {
    bytes: Vec<u8>,
    path: PathBuf,
    /// Byte offset (into `bytes`) of type id `i + 1`.
    offsets: Vec<u32>,
    strings: (usize, usize),
    names: HashMap<(u32, String), u32>,
}

/// One type's header, decoded.
#[derive(Clone, Copy, Debug)]
pub struct RawType {
    /// Offset of the name in the string section.
    pub name_off: u32,
    /// `BTF_KIND_*`.
    pub kind: u32,
    /// Number of members/params/enumerators.
    pub vlen: u32,
    /// The kind flag (bitfield offsets for structs, signedness for enums).
    pub kind_flag: bool,
    /// Size (ints, structs, enums) or referenced type id (pointers, typedefs, ...).
    pub size_or_type: u32,
    /// Offset of the kind-specific data after the header.
    pub data: usize,
}

impl Btf {
    /// Parses the header and indexes the type section (one pass over the type headers).
    pub fn parse(bytes: Vec<u8>, path: &Path) -> Result<Btf, CatalogError> {
        let bad = |message: &str| CatalogError::Parse {
            path: path.to_path_buf(),
            message: message.to_string(),
        };
        let u16_at = |o: usize| {
            bytes
                .get(o..o + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
        };
        let u32_at = |o: usize| read_u32(&bytes, o);
        if u16_at(0) != Some(MAGIC) {
            return Err(bad("not little-endian BTF (bad magic)"));
        }
        let (Some(hdr_len), Some(type_off), Some(type_len), Some(str_off), Some(str_len)) =
            (u32_at(4), u32_at(8), u32_at(12), u32_at(16), u32_at(20))
        else {
            return Err(bad("truncated header"));
        };
        let types_start = hdr_len as usize + type_off as usize;
        let types_end = types_start + type_len as usize;
        let str_start = hdr_len as usize + str_off as usize;
        let str_end = str_start + str_len as usize;
        if types_end > bytes.len() || str_end > bytes.len() {
            return Err(bad("section past the end of the file"));
        }
        let mut btf = Btf {
            bytes,
            path: path.to_path_buf(),
            offsets: Vec::new(),
            strings: (str_start, str_end),
            names: HashMap::new(),
        };
        let mut pos = types_start;
        while pos < types_end {
            let id = btf.offsets.len() as u32 + 1;
            btf.offsets.push(pos as u32);
            let t = btf
                .raw_at(pos)
                .ok_or_else(|| bad(&format!("truncated type {id}")))?;
            let extra = match t.kind {
                KIND_INT | KIND_VAR | KIND_DECL_TAG => 4,
                KIND_ARRAY => 12,
                KIND_STRUCT | KIND_UNION | KIND_DATASEC | KIND_ENUM64 => 12 * t.vlen as usize,
                KIND_ENUM | KIND_FUNC_PROTO => 8 * t.vlen as usize,
                KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
                | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => 0,
                k => return Err(bad(&format!("type {id} has unknown kind {k}"))),
            };
            if matches!(
                t.kind,
                KIND_STRUCT
                    | KIND_UNION
                    | KIND_ENUM
                    | KIND_ENUM64
                    | KIND_TYPEDEF
                    | KIND_VAR
                    | KIND_DATASEC
            ) && t.name_off != 0
            {
                let name = btf.string(t.name_off).to_string();
                // The first definition wins (kernel BTF has few duplicates).
                btf.names.entry((t.kind, name)).or_insert(id);
            }
            pos = t.data + extra;
        }
        Ok(btf)
    }

    /// The type shape of per-CPU variable `name` (a `VAR` listed in the `.data..percpu`
    /// `DATASEC`), as a typed ksym declares it.
    pub fn percpu_var(&self, name: &str) -> Result<Option<crate::KsymType>, CatalogError> {
        let Some(var) = self.find(KIND_VAR, name) else {
            return Ok(None);
        };
        let per_cpu = self.find(KIND_DATASEC, ".data..percpu").is_some_and(|sec| {
            self.raw(sec)
                .is_some_and(|t| (0..t.vlen as usize).any(|i| self.data_u32(&t, 3 * i) == var))
        });
        if !per_cpu {
            return Err(self.error(format!("'{name}' is not a per-CPU variable")));
        }
        let Some(v) = self.raw(var) else {
            return Ok(None);
        };
        let mut id = self.skip_modifiers(v.size_or_type);
        let mut shape = crate::KsymType {
            base: crate::KsymBase::Void,
            pointers: 0,
            array: false,
        };
        if let Some(t) = self.raw(id).filter(|t| t.kind == KIND_ARRAY) {
            shape.array = true;
            id = self.skip_modifiers(self.data_u32(&t, 0));
        }
        while let Some(t) = self.raw(id).filter(|t| t.kind == KIND_PTR) {
            if shape.pointers >= 8 {
                break;
            }
            shape.pointers += 1;
            id = self.skip_modifiers(t.size_or_type);
        }
        shape.base = match self.raw(id) {
            None => crate::KsymBase::Void,
            Some(t) => match t.kind {
                KIND_INT => crate::KsymBase::Int {
                    bytes: t.size_or_type.min(16) as u8,
                    signed: (self.data_u32(&t, 0) >> 24) & 1 != 0,
                },
                KIND_STRUCT => crate::KsymBase::Struct,
                KIND_UNION => crate::KsymBase::Union,
                KIND_ENUM | KIND_ENUM64 => crate::KsymBase::Enum {
                    bytes: t.size_or_type.min(8) as u8,
                },
                k => {
                    return Err(self.error(format!(
                        "the type of per-CPU variable '{name}' (BTF kind {k}) cannot be declared"
                    )))
                }
            },
        };
        Ok(Some(shape))
    }

    /// Number of types (ids `1..=len`).
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// True when there are no types.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The id of the named type of `kind` (`KIND_STRUCT`, ...).
    pub fn find(&self, kind: u32, name: &str) -> Option<u32> {
        self.names.get(&(kind, name.to_string())).copied()
    }

    /// The string at `off` in the string section ("" when out of range or not UTF-8).
    pub fn string(&self, off: u32) -> &str {
        let start = self.strings.0 + off as usize;
        let Some(rest) = self.bytes.get(start..self.strings.1) else {
            return "";
        };
        let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        std::str::from_utf8(&rest[..end]).unwrap_or("")
    }

    fn raw_at(&self, pos: usize) -> Option<RawType> {
        let name_off = read_u32(&self.bytes, pos)?;
        let info = read_u32(&self.bytes, pos + 4)?;
        let size_or_type = read_u32(&self.bytes, pos + 8)?;
        Some(RawType {
            name_off,
            kind: (info >> 24) & 0x1f,
            vlen: info & 0xffff,
            kind_flag: info >> 31 != 0,
            size_or_type,
            data: pos + 12,
        })
    }

    /// The header of type `id` (`None` for void, id 0, and ids out of range).
    pub fn raw(&self, id: u32) -> Option<RawType> {
        let pos = *self.offsets.get((id as usize).checked_sub(1)?)?;
        self.raw_at(pos as usize)
    }

    /// The `n`th u32 of the kind-specific data of `t`.
    pub fn data_u32(&self, t: &RawType, n: usize) -> u32 {
        read_u32(&self.bytes, t.data + 4 * n).unwrap_or(0)
    }

    fn error(&self, message: String) -> CatalogError {
        CatalogError::Parse {
            path: self.path.clone(),
            message,
        }
    }

    /// Follows typedefs and qualifiers to the underlying type id.
    pub fn skip_modifiers(&self, mut id: u32) -> u32 {
        for _ in 0..MAX_DEPTH {
            match self.raw(id) {
                Some(t)
                    if matches!(
                        t.kind,
                        KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG
                    ) =>
                {
                    id = t.size_or_type
                }
                _ => return id,
            }
        }
        id
    }

    /// Whether `id` is C `char` (an 8-bit int named `char` or encoded as a character).
    fn is_char(&self, id: u32) -> bool {
        match self.raw(self.skip_modifiers(id)) {
            Some(t) if t.kind == KIND_INT => {
                let enc = self.data_u32(&t, 0);
                enc & 0xff == 8 && ((enc >> 24) & 2 != 0 || self.string(t.name_off) == "char")
            }
            _ => false,
        }
    }

    /// The IR type of BTF type `id`. Structs and unions reached by value are complete; behind
    /// a pointer they are opaque.
    pub fn ir_type(&self, id: u32, depth: u32) -> Result<Type, CatalogError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("type {id} nests too deeply")));
        }
        let id = self.skip_modifiers(id);
        let Some(t) = self.raw(id) else {
            return Ok(Type::Void);
        };
        Ok(match t.kind {
            KIND_INT => {
                let enc = self.data_u32(&t, 0);
                let bits = enc & 0xff;
                let signed = (enc >> 24) & 1 != 0;
                if (enc >> 24) & 4 != 0 {
                    Type::Bool
                } else {
                    match bits {
                        8 | 16 | 32 | 64 => Type::int(bits as u8, signed),
                        _ => Type::Array {
                            elem: Box::new(Type::int(8, false)),
                            len: t.size_or_type,
                        },
                    }
                }
            }
            KIND_ENUM | KIND_ENUM64 => match t.size_or_type {
                1 | 2 | 4 | 8 => Type::int((t.size_or_type * 8) as u8, t.kind_flag),
                n => Type::Array {
                    elem: Box::new(Type::int(8, false)),
                    len: n,
                },
            },
            KIND_PTR => {
                let target = self.skip_modifiers(t.size_or_type);
                let pointee = match self.raw(target) {
                    Some(p) if matches!(p.kind, KIND_STRUCT | KIND_UNION) => {
                        Type::Struct(Arc::new(self.struct_type(target, false, depth)?))
                    }
                    Some(p) if p.kind == KIND_FWD => Type::Struct(Arc::new(StructType {
                        kind: if p.kind_flag {
                            AggregateKind::Union
                        } else {
                            AggregateKind::Struct
                        },
                        name: self.string(p.name_off).to_string(),
                        size: 0,
                        align: 1,
                        fields: Vec::new(),
                        complete: false,
                        btf_id: None,
                    })),
                    Some(p) if matches!(p.kind, KIND_FUNC_PROTO) => Type::int(8, false),
                    // Pointers to pointers, ints, arrays and enums: resolved now (finite).
                    Some(_) => self.ir_type(target, depth + 1)?,
                    None => Type::Void,
                };
                Type::Ptr {
                    pointee: Box::new(pointee),
                    space: AddrSpace::Kernel,
                }
            }
            KIND_ARRAY => {
                let elem = self.data_u32(&t, 0);
                let len = self.data_u32(&t, 2);
                // `char name[N]` is a string, as in bpftrace.
                if self.is_char(elem) {
                    return Ok(Type::Str { size: len });
                }
                Type::Array {
                    elem: Box::new(self.ir_type(elem, depth + 1)?),
                    len,
                }
            }
            KIND_STRUCT | KIND_UNION => Type::Struct(Arc::new(self.struct_type(id, true, depth)?)),
            KIND_FWD => Type::Struct(Arc::new(StructType {
                kind: AggregateKind::Struct,
                name: self.string(t.name_off).to_string(),
                size: 0,
                align: 1,
                fields: Vec::new(),
                complete: false,
                btf_id: None,
            })),
            KIND_FLOAT => Type::Array {
                elem: Box::new(Type::int(8, false)),
                len: t.size_or_type,
            },
            k => return Err(self.error(format!("type {id} of kind {k} is not a data type"))),
        })
    }

    /// The struct or union `id`, with its fields when `complete`.
    pub fn struct_type(
        &self,
        id: u32,
        complete: bool,
        depth: u32,
    ) -> Result<StructType, CatalogError> {
        let Some(t) = self
            .raw(id)
            .filter(|t| matches!(t.kind, KIND_STRUCT | KIND_UNION))
        else {
            return Err(self.error(format!("type {id} is not a struct or union")));
        };
        let kind = if t.kind == KIND_UNION {
            AggregateKind::Union
        } else {
            AggregateKind::Struct
        };
        let mut st = StructType {
            kind,
            name: self.string(t.name_off).to_string(),
            size: t.size_or_type,
            align: 1,
            fields: Vec::new(),
            complete,
            btf_id: Some(id),
        };
        if !complete {
            st.align = t.size_or_type.clamp(1, 8).next_power_of_two().min(8);
            return Ok(st);
        }
        for i in 0..t.vlen as usize {
            let name_off = self.data_u32(&t, 3 * i);
            let member_type = self.data_u32(&t, 3 * i + 1);
            let raw_offset = self.data_u32(&t, 3 * i + 2);
            let (bit_offset, bitfield_size) = if t.kind_flag {
                (raw_offset & 0xff_ffff, raw_offset >> 24)
            } else {
                (raw_offset, 0)
            };
            let ty = self.ir_type(member_type, depth + 1)?;
            st.align = st.align.max(ty.align());
            let name = self.string(name_off).to_string();
            let is_int = matches!(ty, Type::Int(_) | Type::Bool);
            // Old-style bitfields (no kind flag) carry the width in the int's encoding.
            let int_bits = match self.raw(self.skip_modifiers(member_type)) {
                Some(r) if r.kind == KIND_INT => {
                    let enc = self.data_u32(&r, 0);
                    let bits = enc & 0xff;
                    (bits != r.size_or_type * 8 || (enc >> 16) & 0xff != 0).then_some(bits)
                }
                _ => None,
            };
            let bits = if bitfield_size > 0 {
                Some(bitfield_size)
            } else if bit_offset % 8 != 0 && is_int {
                int_bits
            } else {
                None
            };
            match bits {
                Some(bits) if is_int && bits > 0 && bits <= 64 => {
                    let signed = matches!(ty, Type::Int(i) if i.signed);
                    let shift = bit_offset % 8;
                    let need = (shift + bits).div_ceil(8);
                    let bytes = match need {
                        0..=1 => 1,
                        2 => 2,
                        3..=4 => 4,
                        _ => 8,
                    };
                    if shift + bits > 64 {
                        return Err(self.error(format!(
                            "bitfield {name} of {} spans more than 8 bytes",
                            st.c_name()
                        )));
                    }
                    st.fields.push(StructField {
                        name,
                        ty: Type::int((bytes * 8) as u8, signed),
                        offset: bit_offset / 8,
                        bitfield: Some(Bitfield {
                            shift: shift as u8,
                            bits: bits as u8,
                        }),
                    });
                }
                _ => st.fields.push(StructField {
                    name,
                    ty,
                    offset: bit_offset / 8,
                    bitfield: None,
                }),
            }
        }
        Ok(st)
    }

    /// A new BTF blob holding the types reachable from `roots` (by value and through
    /// pointers) up to `pointer_depth` pointer hops; pointers further out point to forward
    /// declarations. Used to record test fixtures from the running kernel.
    pub fn subset(&self, roots: &[u32], pointer_depth: u32) -> Vec<u8> {
        let mut map: HashMap<u32, u32> = HashMap::new();
        let mut order: Vec<(u32, u32)> = Vec::new(); // (old id, depth)
        let mut queue: Vec<(u32, u32)> = roots.iter().map(|r| (*r, 0)).collect();
        while let Some((id, depth)) = queue.pop() {
            if id == 0 || map.contains_key(&id) {
                continue;
            }
            let Some(t) = self.raw(id) else { continue };
            map.insert(id, order.len() as u32 + 1);
            order.push((id, depth));
            let mut refs = Vec::new();
            match t.kind {
                KIND_PTR => {
                    let target = self.skip_modifiers(t.size_or_type);
                    let is_agg = self
                        .raw(target)
                        .is_some_and(|p| matches!(p.kind, KIND_STRUCT | KIND_UNION));
                    if !is_agg || depth < pointer_depth {
                        refs.push((t.size_or_type, depth + u32::from(is_agg)));
                    }
                }
                KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG => {
                    refs.push((t.size_or_type, depth))
                }
                KIND_ARRAY => {
                    refs.push((self.data_u32(&t, 0), depth));
                    refs.push((self.data_u32(&t, 1), depth));
                }
                KIND_STRUCT | KIND_UNION => {
                    for i in 0..t.vlen as usize {
                        refs.push((self.data_u32(&t, 3 * i + 1), depth));
                    }
                }
                _ => {}
            }
            queue.extend(refs.into_iter().rev());
        }
        // Pointers whose struct target was cut off point to a FWD added at the end.
        let mut strings: Vec<u8> = vec![0];
        let mut string_ids: HashMap<String, u32> = HashMap::new();
        let mut intern = |s: &str| -> u32 {
            if s.is_empty() {
                return 0;
            }
            if let Some(off) = string_ids.get(s) {
                return *off;
            }
            let off = strings.len() as u32;
            strings.extend_from_slice(s.as_bytes());
            strings.push(0);
            string_ids.insert(s.to_string(), off);
            off
        };
        let mut types: Vec<u8> = Vec::new();
        let mut fwds: Vec<(u32, bool)> = Vec::new(); // (name off, union)
        let mut fwd_ids: HashMap<u32, u32> = HashMap::new();
        let base_count = order.len() as u32;
        let push = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
        for (old, _) in &order {
            let Some(t) = self.raw(*old) else { continue };
            let name = intern(self.string(t.name_off));
            let info = (u32::from(t.kind_flag) << 31) | (t.kind << 24) | t.vlen;
            let mut size_or_type = t.size_or_type;
            let refers = matches!(
                t.kind,
                KIND_PTR
                    | KIND_TYPEDEF
                    | KIND_VOLATILE
                    | KIND_CONST
                    | KIND_RESTRICT
                    | KIND_TYPE_TAG
                    | KIND_FUNC
                    | KIND_VAR
            );
            if refers && size_or_type != 0 {
                size_or_type = match map.get(&size_or_type) {
                    Some(new) => *new,
                    None => {
                        let target = self.skip_modifiers(size_or_type);
                        let fwd = self.raw(target);
                        let key = target;
                        *fwd_ids.entry(key).or_insert_with(|| {
                            let (n, union) = fwd
                                .map(|f| (self.string(f.name_off), f.kind == KIND_UNION))
                                .unwrap_or(("", false));
                            fwds.push((intern(n), union));
                            base_count + fwds.len() as u32
                        })
                    }
                };
            }
            push(&mut types, name);
            push(&mut types, info);
            push(&mut types, size_or_type);
            let remap = |x: u32| {
                if x == 0 {
                    0
                } else {
                    map.get(&x).copied().unwrap_or(0)
                }
            };
            match t.kind {
                KIND_INT | KIND_VAR | KIND_DECL_TAG => push(&mut types, self.data_u32(&t, 0)),
                KIND_ARRAY => {
                    push(&mut types, remap(self.data_u32(&t, 0)));
                    push(&mut types, remap(self.data_u32(&t, 1)));
                    push(&mut types, self.data_u32(&t, 2));
                }
                KIND_STRUCT | KIND_UNION => {
                    for i in 0..t.vlen as usize {
                        push(&mut types, intern(self.string(self.data_u32(&t, 3 * i))));
                        push(&mut types, remap(self.data_u32(&t, 3 * i + 1)));
                        push(&mut types, self.data_u32(&t, 3 * i + 2));
                    }
                }
                KIND_ENUM => {
                    for i in 0..t.vlen as usize {
                        push(&mut types, intern(self.string(self.data_u32(&t, 2 * i))));
                        push(&mut types, self.data_u32(&t, 2 * i + 1));
                    }
                }
                KIND_ENUM64 => {
                    for i in 0..t.vlen as usize {
                        push(&mut types, intern(self.string(self.data_u32(&t, 3 * i))));
                        push(&mut types, self.data_u32(&t, 3 * i + 1));
                        push(&mut types, self.data_u32(&t, 3 * i + 2));
                    }
                }
                KIND_FUNC_PROTO => {
                    for i in 0..t.vlen as usize {
                        push(&mut types, intern(self.string(self.data_u32(&t, 2 * i))));
                        push(&mut types, remap(self.data_u32(&t, 2 * i + 1)));
                    }
                }
                _ => {}
            }
        }
        for (name, union) in fwds {
            push(&mut types, name);
            push(&mut types, (u32::from(union) << 31) | (KIND_FWD << 24));
            push(&mut types, 0);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&MAGIC.to_le_bytes());
        out.push(1); // version
        out.push(0); // flags
        push(&mut out, 24); // hdr_len
        push(&mut out, 0); // type_off
        push(&mut out, types.len() as u32);
        push(&mut out, types.len() as u32); // str_off
        push(&mut out, strings.len() as u32);
        out.extend_from_slice(&types);
        out.extend_from_slice(&strings);
        out
    }
}

fn read_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let b = bytes.get(off..off + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> BtfCatalog {
        BtfCatalog::fixture()
    }

    #[test]
    fn fixture_is_lazy_and_resolves_task_struct() {
        let c = fixture();
        assert!(!c.is_loaded());
        let task = c
            .aggregate(AggregateKind::Struct, "task_struct")
            .unwrap()
            .unwrap();
        assert!(c.is_loaded());
        assert!(task.complete);
        assert!(task.size > 1000);
        let pid = task.field("pid").unwrap();
        assert_eq!(pid.ty, Type::I32);
        let parent = task.field("real_parent").unwrap();
        let Type::Ptr { pointee, .. } = &parent.ty else {
            panic!("real_parent is {}", parent.ty)
        };
        let Type::Struct(p) = &**pointee else {
            panic!("pointee {pointee}")
        };
        assert_eq!(p.name, "task_struct");
        assert!(!p.complete, "pointees stay opaque");
        assert_eq!(**p, *task, "opaque and complete types are the same type");
        let comm = task.field("comm").unwrap();
        assert_eq!(comm.ty, Type::Str { size: 16 });
    }

    #[test]
    fn anonymous_members_and_typedefs() {
        let c = fixture();
        let sock = c.aggregate(AggregateKind::Struct, "sock").unwrap().unwrap();
        // skc_dport lives in an anonymous union inside struct sock_common.
        let common = sock.field("__sk_common").unwrap();
        let Type::Struct(common_t) = &common.ty else {
            panic!()
        };
        let dport = common_t.field("skc_dport").unwrap();
        assert_eq!(dport.ty.size(), 2);
        assert_eq!(c.typedef("pid_t").unwrap(), Some(Type::I32));
        assert_eq!(c.typedef("u64").unwrap(), Some(Type::U64));
        assert_eq!(c.typedef("no_such_type").unwrap(), None);
    }

    #[test]
    fn missing_file_is_not_found() {
        let c = BtfCatalog::at("/nonexistent/btf");
        assert!(matches!(
            c.aggregate(AggregateKind::Struct, "x"),
            Err(CatalogError::NotFound { .. })
        ));
    }

    #[test]
    fn garbage_is_a_parse_error() {
        assert!(BtfCatalog::from_bytes(vec![1, 2, 3]).is_err());
        let mut bytes = std::fs::read(BtfCatalog::fixture().path).unwrap();
        bytes.truncate(100);
        assert!(BtfCatalog::from_bytes(bytes).is_err());
    }

    /// The live kernel's BTF, when readable: index time (printed) and that sizes agree with the
    /// fixture.
    #[test]
    fn live_vmlinux_if_present() {
        let Ok(bytes) = std::fs::read(VMLINUX_BTF) else {
            return;
        };
        let start = std::time::Instant::now();
        let btf = Btf::parse(bytes, Path::new(VMLINUX_BTF)).unwrap();
        let index = start.elapsed();
        let live = BtfCatalog::live();
        let t0 = std::time::Instant::now();
        let task = live
            .aggregate(AggregateKind::Struct, "task_struct")
            .unwrap()
            .unwrap();
        eprintln!(
            "vmlinux BTF: {} types, index {:?}; first lookup (read + index + task_struct) {:?}",
            btf.len(),
            index,
            t0.elapsed()
        );
        let fixture = fixture()
            .aggregate(AggregateKind::Struct, "task_struct")
            .unwrap()
            .unwrap();
        assert_eq!(task.size, fixture.size);
    }
}
