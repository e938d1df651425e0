//! C types in bpftrace programs, lowered with the recorded BTF subset
//! (`ir/fixtures/btf/vmlinux-subset.btf`): IR snapshots of field access through pointers,
//! casts, script-defined structs, `sizeof`/`offsetof`, `curtask`/`ppid`, and the diagnostics for
//! misuse. Also checks that a program without C types never loads BTF.

use frontend_bt::{compile, LowerOptions};
use ir::catalog::{BtfCatalog, FixtureCatalog, TypeCatalog};
use ir::diag::render_all;
use ir::SourceFile;

/// Lowers `text` with the fixture catalogues: the IR dump, or the rendered diagnostics.
fn lower_with(text: &str, types: &BtfCatalog) -> String {
    let file = SourceFile::new("t.bt", text.to_string());
    let catalog = FixtureCatalog::new();
    let options = LowerOptions {
        catalog: &catalog,
        types,
        params: Vec::new(),
        cpid: None,
        filter_pid: None,
        command: None,
        unsafe_mode: false,
        env_config: vec![],
    };
    let (program, diags) = compile(&file, &options);
    let rendered = render_all(&file, &diags);
    match program {
        Some(p) if rendered.is_empty() => ir::dump::dump_program(&p),
        Some(p) => format!("{rendered}{}", ir::dump::dump_program(&p)),
        None => rendered,
    }
}

fn lower(text: &str) -> String {
    lower_with(text, &BtfCatalog::fixture())
}

#[test]
fn curtask_fields_through_pointers() {
    insta::assert_snapshot!(lower(
        "BEGIN { printf(\"%d %d %d\\n\", curtask->pid, curtask.real_parent->tgid, ppid); }"
    ));
}

#[test]
fn struct_cast_nested_and_anonymous_members() {
    insta::assert_snapshot!(lower(
        "kprobe:tcp_connect { $sk = (struct sock *)arg0; @[$sk->__sk_common.skc_dport] = count(); }"
    ));
}

#[test]
fn sizeof_offsetof_and_typedefs() {
    insta::assert_snapshot!(lower(
        "BEGIN { printf(\"%d %d %d %d\\n\", sizeof(struct task_struct), offsetof(struct task_struct, pid), offsetof(struct sock, __sk_common.skc_dport), sizeof(pid_t)); }"
    ));
}

#[test]
fn script_struct_with_bitfields_arrays_and_self_pointer() {
    insta::assert_snapshot!(lower(
        "struct Node { int a; char name[8]; unsigned int lo : 3; int hi : 5; struct Node *next; long arr[2]; }
uprobe:/bin/sh:main { $n = (struct Node *)arg0; printf(\"%d %s %d %d %d %d\\n\", $n->a, $n->name, $n->lo, $n->hi, $n->next->a, $n->arr[1]); printf(\"%d %d\\n\", sizeof(struct Node), offsetof(struct Node, next)); }"
    ));
}

#[test]
fn dereference_and_pointer_index() {
    insta::assert_snapshot!(lower(
        "uprobe:/bin/sh:main { printf(\"%d %d\\n\", *(int32 *)arg0, ((uint16 *)arg1)[3]); }"
    ));
}

#[test]
fn misuse_is_reported() {
    insta::assert_snapshot!(lower(
        "BEGIN { printf(\"%d\\n\", curtask->no_such_field); $x = (struct no_such_struct *)0; $y = sizeof(struct nope); }"
    ));
}

#[test]
fn programs_without_c_types_do_not_load_btf() {
    let types = BtfCatalog::at("/nonexistent/never-read.btf");
    let out = lower_with(
        "BEGIN { @x[1] = 2; printf(\"%d %s\\n\", pid, comm); exit(); }",
        &types,
    );
    assert!(!out.contains("error"), "{out}");
    assert!(!types.is_loaded());
    // The same catalogue is read once a program needs a kernel type.
    let out = lower_with("BEGIN { print(curtask->pid); }", &types);
    assert!(types.is_loaded());
    assert!(out.contains("never-read.btf"), "{out}");
}
