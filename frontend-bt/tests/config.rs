//! `config = { ... }` and the `BPFTRACE_*` environment variables: key spellings, which wins,
//! the values that reach the IR, and the errors for bad keys and values.

use frontend_bt::{compile, LowerOptions};
use ir::catalog::FixtureCatalog;
use ir::diag::render_all;
use ir::SourceFile;

fn lower(text: &str, env: &[(&str, &str)]) -> (Option<ir::Program>, String) {
    let file = SourceFile::new("stdin", text);
    let catalog = FixtureCatalog::new();
    let types = ir::catalog::BtfCatalog::fixture();
    let options = LowerOptions {
        catalog: &catalog,
        types: &types,
        params: Vec::new(),
        cpid: None,
        filter_pid: None,
        command: None,
        unsafe_mode: false,
        env_config: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let (p, d) = compile(&file, &options);
    (p, render_all(&file, &d))
}

#[test]
fn config_block_sets_values_in_any_spelling() {
    let (p, diags) = lower(
        "config = { max_strlen = 64; MAX_MAP_KEYS = 100; BPFTRACE_PRINT_MAPS_ON_EXIT = false; \
         str_trunc_trailer = \"~\"; max_cat_bytes = 5; perf_rb_pages = 3 }\nBEGIN { exit(); }",
        &[],
    );
    let p = p.unwrap_or_else(|| panic!("{diags}"));
    assert_eq!(p.config.max_strlen, 64);
    assert_eq!(p.config.max_map_keys, 100);
    assert!(!p.config.print_maps_on_exit);
    assert_eq!(p.config.str_trunc_trailer, "~");
    assert_eq!(p.config.max_cat_bytes, 5);
    // 3 pages round up to a power-of-two ring buffer.
    assert_eq!(p.config.ringbuf_bytes, 16384);
}

#[test]
fn environment_overrides_the_config_block() {
    let (p, diags) = lower(
        "config = { max_strlen = 64; print_maps_on_exit = true }\nBEGIN { exit(); }",
        &[
            ("BPFTRACE_MAX_STRLEN", "32"),
            ("BPFTRACE_PRINT_MAPS_ON_EXIT", "false"),
            ("BPFTRACE_BTF", "/nonexistent"),
            ("HOME", "/root"),
        ],
    );
    let p = p.unwrap_or_else(|| panic!("{diags}"));
    assert_eq!(p.config.max_strlen, 32);
    assert!(!p.config.print_maps_on_exit);
}

#[test]
fn stack_mode_is_the_default_of_stacks_and_config_reads_back() {
    let (p, diags) = lower(
        "config = { stack_mode = raw }\nprofile:hz:99 { @[kstack] = count(); @m = config.max_strlen; }",
        &[],
    );
    let p = p.unwrap_or_else(|| panic!("{diags}"));
    let dump = ir::dump::dump_program(&p);
    assert!(dump.contains("kstack(raw"), "{dump}");
    assert!(dump.contains("(int 1024:uint64)"), "{dump}");
}

#[test]
fn bad_keys_and_values_are_errors() {
    let (p, diags) = lower(
        "config = { max_strlen = 0; stack_mode = fancy; licence = \"GPL\"; license = \"MIT\" }\nBEGIN { exit(); }",
        &[("BPFTRACE_MAX_MAP_KEYS", "lots")],
    );
    assert!(p.is_none());
    insta::assert_snapshot!(diags);
}
