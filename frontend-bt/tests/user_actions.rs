//! Lowering of the user-space actions and text-typed values: where `errorf`/`warnf`/`assert`
//! say they are, what `--unsafe` allows, and the types of the string functions.

use frontend_bt::{compile, LowerOptions};
use ir::catalog::FixtureCatalog;
use ir::diag::render_all;
use ir::{ActionKind, SourceFile};

fn lower(text: &str, unsafe_mode: bool) -> (Option<ir::Program>, String) {
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
        unsafe_mode,
        env_config: vec![],
    };
    let (p, d) = compile(&file, &options);
    (p, render_all(&file, &d))
}

#[test]
fn errorf_warnf_and_assert_know_their_location() {
    let src = "BEGIN { errorf(\"Something bad with args: %d, %s\", 10, \"arg2\"); }\nBEGIN {\n  warnf(\"w\");\n  assert(1 == 2, \"msg\");\n}";
    let (p, diags) = lower(src, false);
    let p = p.unwrap_or_else(|| panic!("{diags}"));
    let found: Vec<(String, bool, String)> = p
        .actions
        .iter()
        .filter_map(|a| match &a.kind {
            ActionKind::Diagnostic {
                format,
                error,
                location,
            } => Some((format.clone(), *error, location.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "Something bad with args: %d, %s".to_string(),
                true,
                "stdin:1:9-62".to_string()
            ),
            ("w".to_string(), false, "stdin:3:3-13".to_string()),
            (
                "assert failed: %s".to_string(),
                true,
                "stdin:4:3-24".to_string()
            ),
        ]
    );
}

#[test]
fn unsafe_functions_need_the_flag() {
    for prog in [
        "BEGIN { system(\"true\"); }",
        "tracepoint:syscalls:sys_enter_getppid { signal(9); }",
        "tracepoint:syscalls:sys_enter_getppid { signal_thread(\"SIGKILL\"); }",
    ] {
        let (p, diags) = lower(prog, false);
        assert!(p.is_none(), "{prog} lowered without --unsafe");
        assert!(diags.contains("run oxtrace with --unsafe"), "{diags}");
        let (p, diags) = lower(prog, true);
        assert!(p.is_some(), "{prog} with --unsafe: {diags}");
    }
    let (p, diags) = lower("BEGIN { signal(9); }", true);
    assert!(
        p.is_none() && diags.contains("cannot be used in BEGIN"),
        "{diags}"
    );
    let (p, diags) = lower("kprobe:f { signal(\"SIGNOPE\"); }", true);
    assert!(
        p.is_none() && diags.contains("not a signal name"),
        "{diags}"
    );
}

#[test]
fn string_function_types_and_errors() {
    let (p, diags) = lower(
        "BEGIN { $s = \"abc\"; @a = strlen($s); @b = strstr($s, \"b\"); @c = $s[1]; @d = bswap((uint16)1); @e = strerror(1); @f = ntop(1); @g = pton(\"::1\"); @h = buf(\"ab\", 2); @i = strftime(\"%H\", nsecs); }",
        false,
    );
    let p = p.unwrap_or_else(|| panic!("{diags}"));
    let types: Vec<String> = p
        .maps
        .iter()
        .map(|m| format!("{} {:?}", m.name, m.kind))
        .collect();
    let text = types.join("\n");
    for want in [
        "@a Value(Int(IntType { bits: 64, signed: false }))",
        "@b Value(Int(IntType { bits: 64, signed: true }))",
        "@d Value(Int(IntType { bits: 64, signed: false }))",
        "@e Value(Text(Errno))",
        "@f Value(Text(Inet))",
        "@h Value(Buffer { size: 2 })",
        "@i Value(Text(Strftime(\"%H\")))",
    ] {
        assert!(text.contains(want), "missing {want} in\n{text}");
    }
    for (prog, msg) in [
        ("BEGIN { $s = \"abc\"; @x = $s[4]; }", "out of bounds"),
        ("BEGIN { @x = strlen(1); }", "takes a string"),
        ("BEGIN { @x = pton(\"1.2.3\"); }", "not an IP address"),
        ("BEGIN { @x = ntop(\"a\"); }", "ntop() takes"),
        ("BEGIN { @x = buf(1); }", "needs a length"),
        (
            "BEGIN { @x = strftime(\"%H\"); }",
            "wrong number of arguments",
        ),
        ("BEGIN { @x = cat(\"/x\"); }", "does not return a value"),
    ] {
        let (p, diags) = lower(prog, false);
        assert!(p.is_none() && diags.contains(msg), "{prog}: {diags}");
    }
}
