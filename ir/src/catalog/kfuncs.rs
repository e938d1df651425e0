//! Kernel functions from BTF: the names `-l` lists as `kprobe:`/`fentry:`/`fexit:` probes when
//! tracefs' `available_filter_functions` cannot be read, and their parameters as C declarations
//! for `-lv`.
//!
//! Uses only the public reader of [`super::btf::Btf`]; nothing is cached (a listing walks the
//! type headers once).

use super::btf::{
    Btf, KIND_ARRAY, KIND_CONST, KIND_ENUM, KIND_ENUM64, KIND_FLOAT, KIND_FUNC, KIND_FUNC_PROTO,
    KIND_FWD, KIND_INT, KIND_PTR, KIND_RESTRICT, KIND_STRUCT, KIND_TYPEDEF, KIND_TYPE_TAG,
    KIND_UNION, KIND_VOLATILE,
};

/// Where tracefs lists the functions kprobes can attach to.
pub const AVAILABLE_FILTER_FUNCTIONS: &str = "/sys/kernel/tracing/available_filter_functions";

/// The kernel's traceable functions: `available_filter_functions` when it can be read (module
/// annotations dropped), else the `FUNC` names of `/sys/kernel/btf/vmlinux`. Sorted, once each.
pub fn traceable_functions() -> Result<Vec<String>, super::CatalogError> {
    let mut names: Vec<String> = match std::fs::read_to_string(AVAILABLE_FILTER_FUNCTIONS) {
        Ok(text) => text
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect(),
        Err(_) => {
            let catalog = super::btf::BtfCatalog::live();
            functions(catalog.btf()?)
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        }
    };
    names.sort();
    names.dedup();
    Ok(names)
}

/// Every named `BTF_KIND_FUNC` of `btf` with its type id, in id order.
pub fn functions(btf: &Btf) -> Vec<(String, u32)> {
    (1..=btf.len() as u32)
        .filter_map(|id| {
            let t = btf.raw(id)?;
            (t.kind == KIND_FUNC && t.name_off != 0)
                .then(|| (btf.string(t.name_off).to_string(), id))
        })
        .collect()
}

/// The BPF iterator targets of the kernel (`task`, `task_file`, `bpf_map`, ...): the names of
/// the `struct bpf_iter__TARGET` context types in BTF, sorted.
pub fn iterator_targets(btf: &Btf) -> Vec<String> {
    let mut out: Vec<String> = (1..=btf.len() as u32)
        .filter_map(|id| {
            let t = btf.raw(id)?;
            if t.kind != KIND_STRUCT {
                return None;
            }
            // `bpf_iter__task__safe_trusted` and the like are verifier annotations.
            btf.string(t.name_off)
                .strip_prefix("bpf_iter__")
                .filter(|target| !target.contains("__"))
                .map(str::to_string)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The parameters (`"struct file * file"`, ...) and the return type (`"ssize_t"`) of the
/// function with type id `func`, as C declarations; `None` when `func` is not a function.
pub fn signature(btf: &Btf, func: u32) -> Option<(Vec<String>, String)> {
    let f = btf.raw(func).filter(|t| t.kind == KIND_FUNC)?;
    let proto = btf
        .raw(f.size_or_type)
        .filter(|t| t.kind == KIND_FUNC_PROTO)?;
    let params = (0..proto.vlen as usize)
        .filter_map(|i| {
            let name = btf.string(btf.data_u32(&proto, 2 * i));
            let ty = btf.data_u32(&proto, 2 * i + 1);
            // A trailing `...` is a parameter of type 0 without a name.
            if ty == 0 && name.is_empty() {
                return None;
            }
            Some(declaration(&c_type(btf, ty, 0), name))
        })
        .collect();
    Some((params, c_type(btf, proto.size_or_type, 0)))
}

/// `int` + `x` -> `int x`; `char *` + `p` -> `char * p` (bpftrace's `-lv` spelling).
fn declaration(ty: &str, name: &str) -> String {
    if name.is_empty() {
        ty.to_string()
    } else {
        format!("{ty} {name}")
    }
}

/// The C spelling of type `id` (`struct file *`, `const char *`, `u8[16]`, `void`).
pub fn c_type(btf: &Btf, id: u32, depth: u32) -> String {
    if depth > 16 {
        return "?".into();
    }
    let Some(t) = btf.raw(id) else {
        return "void".into();
    };
    let name = btf.string(t.name_off);
    let named = |prefix: &str| {
        if name.is_empty() {
            format!("{prefix}<anon>")
        } else {
            format!("{prefix}{name}")
        }
    };
    match t.kind {
        KIND_INT | KIND_FLOAT | KIND_TYPEDEF => named(""),
        KIND_STRUCT => named("struct "),
        KIND_UNION => named("union "),
        KIND_ENUM | KIND_ENUM64 => named("enum "),
        KIND_FWD if t.kind_flag => named("union "),
        KIND_FWD => named("struct "),
        KIND_PTR => {
            let pointee = btf.raw(t.size_or_type);
            if pointee.is_some_and(|p| p.kind == KIND_FUNC_PROTO) {
                return "void *".into();
            }
            let inner = c_type(btf, t.size_or_type, depth + 1);
            if inner.ends_with('*') {
                format!("{inner}*")
            } else {
                format!("{inner} *")
            }
        }
        KIND_CONST => format!("const {}", c_type(btf, t.size_or_type, depth + 1)),
        KIND_VOLATILE => format!("volatile {}", c_type(btf, t.size_or_type, depth + 1)),
        KIND_RESTRICT | KIND_TYPE_TAG => c_type(btf, t.size_or_type, depth + 1),
        KIND_ARRAY => {
            let elem = btf.data_u32(&t, 0);
            let n = btf.data_u32(&t, 2);
            format!("{}[{n}]", c_type(btf, elem, depth + 1))
        }
        _ => "void".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::btf::BtfCatalog;

    #[test]
    fn fixture_functions_have_signatures() {
        let catalog = BtfCatalog::fixture();
        let Ok(btf) = catalog.btf() else {
            return;
        };
        // The fixture is a subset of types; it has no FUNC entries unless recorded with them,
        // so only check what it has.
        for (name, id) in functions(btf) {
            assert!(!name.is_empty());
            assert!(signature(btf, id).is_some(), "{name}");
        }
    }

    #[test]
    fn live_vfs_read_signature() {
        let path = std::path::Path::new("/sys/kernel/btf/vmlinux");
        if !path.exists() {
            return;
        }
        let catalog = BtfCatalog::live();
        let Ok(btf) = catalog.btf() else {
            return;
        };
        let funcs = functions(btf);
        let Some((_, id)) = funcs.iter().find(|(n, _)| n == "vfs_read") else {
            panic!("no vfs_read among {} functions", funcs.len());
        };
        let (params, ret) = signature(btf, *id).unwrap_or_default();
        assert_eq!(
            params,
            vec![
                "struct file * file",
                "char * buf",
                "size_t count",
                "loff_t * pos"
            ]
        );
        assert_eq!(ret, "ssize_t");
    }
}
