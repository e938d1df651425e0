//! Records `ir/fixtures/btf/vmlinux-subset.btf`: the kernel types the compiler tests use, cut
//! out of the running kernel's BTF (run as root: `cargo run -p ir --example record_btf`).

use ir::catalog::btf::{Btf, KIND_ENUM, KIND_STRUCT, KIND_TYPEDEF, KIND_UNION, VMLINUX_BTF};
use std::path::Path;

/// Roots are walked last-first and a type keeps the depth it is first reached at, so types that
/// only point at others' roots (the iter:task and iter:task_file contexts) come first.
const STRUCTS: &[&str] = &[
    "bpf_iter__task",
    "bpf_iter__task_file",
    "task_struct",
    "sock",
    "sock_common",
    "file",
    "path",
    "dentry",
    "qstr",
    "mm_struct",
    "sk_buff",
    "inode",
];
const TYPEDEFS: &[&str] = &[
    "pid_t", "u8", "u16", "u32", "u64", "s32", "s64", "size_t", "bool",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(VMLINUX_BTF)?;
    let btf = Btf::parse(bytes, Path::new(VMLINUX_BTF))?;
    let mut roots = Vec::new();
    for name in STRUCTS {
        roots.extend(btf.find(KIND_STRUCT, name));
    }
    roots.extend(btf.find(KIND_UNION, "sigval"));
    roots.extend(btf.find(KIND_ENUM, "pid_type"));
    for name in TYPEDEFS {
        roots.extend(btf.find(KIND_TYPEDEF, name));
    }
    let out = btf.subset(&roots, 1);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/btf/vmlinux-subset.btf");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &out)?;
    println!(
        "{} bytes from {} roots -> {}",
        out.len(),
        roots.len(),
        path.display()
    );
    Ok(())
}
