//! Tests of the catalogues against the recorded fixtures and, when readable, the live tracefs.

use super::*;

fn fixtures() -> FixtureCatalog {
    FixtureCatalog::new()
}

fn matches(catalog: &dyn ProbeCatalog, category: &str, name: &str) -> Vec<String> {
    match catalog.match_tracepoints(category, name) {
        Ok(list) => list.into_iter().map(|(c, n)| format!("{c}:{n}")).collect(),
        Err(e) => panic!("match_tracepoints({category:?}, {name:?}) failed: {e}"),
    }
}

fn format_of(catalog: &dyn ProbeCatalog, category: &str, name: &str) -> Arc<TracepointFormat> {
    match catalog.tracepoint_format(category, name) {
        Ok(f) => f,
        Err(e) => panic!("tracepoint_format({category:?}, {name:?}) failed: {e}"),
    }
}

#[test]
fn fixture_literal_and_wildcards() {
    let c = fixtures();
    assert_eq!(matches(&c, "sched", "sched_switch"), ["sched:sched_switch"]);
    assert!(matches(&c, "sched", "no_such_event").is_empty());
    assert!(matches(&c, "no_such_category", "*").is_empty());
    assert_eq!(
        matches(&c, "syscalls", "sys_{enter,exit}_openat"),
        ["syscalls:sys_enter_openat", "syscalls:sys_exit_openat"]
    );
    assert_eq!(
        matches(&c, "sys*", "sys_enter_open*"),
        [
            "syscalls:sys_enter_open",
            "syscalls:sys_enter_open_by_handle_at",
            "syscalls:sys_enter_open_tree",
            "syscalls:sys_enter_open_tree_attr",
            "syscalls:sys_enter_openat",
            "syscalls:sys_enter_openat2",
        ]
    );
    assert_eq!(
        matches(&c, "raw_syscalls", "*"),
        ["raw_syscalls:sys_enter", "raw_syscalls:sys_exit"]
    );
    assert_eq!(
        matches(&c, "{sched,signal}", "s?g*"),
        ["signal:signal_deliver", "signal:signal_generate"]
    );
    // Directories only: category directories hold `enable` and `filter` files in tracefs.
    assert!(matches(&c, "*", "enable").is_empty());
    let all_syscalls = matches(&c, "syscalls", "*");
    assert_eq!(all_syscalls.len(), 720);
    let mut sorted = all_syscalls.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, all_syscalls);
    // Overlapping alternatives are deduplicated.
    assert_eq!(
        matches(&c, "{sched,sch*}", "sched_switch"),
        ["sched:sched_switch"]
    );
}

#[test]
fn fixture_format_is_parsed_and_cached() {
    let c = fixtures();
    let f = format_of(&c, "syscalls", "sys_enter_openat");
    assert_eq!(
        (f.category.as_str(), f.name.as_str()),
        ("syscalls", "sys_enter_openat")
    );
    let filename = f
        .field("filename")
        .map(|f| (f.c_type.as_str(), f.offset, f.kind));
    assert_eq!(filename, Some(("const char *", 24, FieldKind::Pointer)));
    let again = format_of(&c, "syscalls", "sys_enter_openat");
    assert!(
        Arc::ptr_eq(&f, &again),
        "second lookup must come from the cache"
    );

    let exec = format_of(&c, "sched", "sched_process_exec");
    assert_eq!(
        exec.field("filename").map(|f| f.kind),
        Some(FieldKind::DataLoc)
    );
}

#[test]
fn fixture_errors() {
    let c = fixtures();
    let e = c.tracepoint_format("sched", "nope").err();
    assert_eq!(
        e.as_ref().map(ToString::to_string).as_deref(),
        Some("tracepoint sched:nope not found")
    );
    assert!(matches!(e, Some(CatalogError::NotFound { .. })));
    // Path tricks are not names.
    for (cat, name) in [
        ("..", "sched"),
        ("sched/../sched", "sched_switch"),
        ("", "x"),
    ] {
        assert!(matches!(
            c.tracepoint_format(cat, name),
            Err(CatalogError::NotFound { .. })
        ));
    }
    assert!(matches(&c, "..", "*").is_empty());

    let missing = FixtureCatalog::at("/nonexistent/oxtrace-fixtures");
    assert!(matches(&missing, "*", "*").is_empty());
}

#[test]
fn parse_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("oxtrace-catalog-test-{}", std::process::id()));
    let event = dir.join("cat").join("broken");
    if let Err(e) = std::fs::create_dir_all(&event) {
        panic!("cannot create {}: {e}", event.display());
    }
    let written = std::fs::write(event.join("format"), "name: broken\nID: x\n");
    assert!(written.is_ok());
    let c = FixtureCatalog::at(&dir);
    let e = c.tracepoint_format("cat", "broken").err();
    let _ = std::fs::remove_dir_all(&dir);
    match e {
        Some(CatalogError::Parse { path, message }) => {
            assert!(path.ends_with("cat/broken/format"));
            assert_eq!(message, "line 2: bad event id \"x\"");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn every_fixture_parses() {
    let c = fixtures();
    let all = matches(&c, "*", "*");
    assert!(all.len() > 800, "only {} fixtures", all.len());
    for probe in all {
        let Some((category, name)) = probe.split_once(':') else {
            panic!("bad probe {probe}");
        };
        let f = format_of(&c, category, name);
        assert_eq!(f.common_fields.len(), 4, "{probe}");
        for field in &f.fields {
            assert!(field.offset >= 8, "{probe}: {field:?}");
            assert_ne!(field.kind, FieldKind::Other, "{probe}: {field:?}");
        }
    }
}

#[test]
fn every_syscall_tracepoint_has_a_number() {
    // Syscall tracepoints that have no x86_64 syscall number, with the reason. Empty on 6.18.
    const NO_NUMBER: &[(&str, &str)] = &[];
    let c = fixtures();
    let mut unmapped = Vec::new();
    for probe in matches(&c, "syscalls", "sys_{enter,exit}_*") {
        let name = probe.trim_start_matches("syscalls:");
        let base = name
            .trim_start_matches("sys_enter_")
            .trim_start_matches("sys_exit_");
        if syscalls::syscall_nr_for_tracepoint(name).is_none()
            && !NO_NUMBER.iter().any(|(n, _)| *n == base)
        {
            unmapped.push(name.to_string());
        }
    }
    assert!(unmapped.is_empty(), "no syscall number for {unmapped:?}");
    // And every sys_enter_ tracepoint carries `__syscall_nr` as its first field.
    let f = format_of(&c, "syscalls", "sys_enter_newstat");
    assert_eq!(
        f.fields.first().map(|f| f.name.as_str()),
        Some("__syscall_nr")
    );
}

#[test]
fn live_tracefs_agrees_with_fixtures() {
    let live = match TracefsCatalog::new() {
        Ok(live) => live,
        Err(e) => {
            println!("note: live tracefs comparison skipped: {e}");
            return;
        }
    };
    // tracefs may be there but unreadable (not root).
    if let Err(e) = live.match_tracepoints("sched", "*") {
        println!("note: live tracefs comparison skipped: {e}");
        return;
    }
    let fixed = fixtures();
    for (category, name) in [
        ("syscalls", "sys_enter_*"),
        ("sched", "sched_*"),
        ("{raw_syscalls,signal}", "*"),
        ("tcp", "tcp_probe"),
        ("sys*", "sys_exit_{read,write}"),
    ] {
        assert_eq!(
            matches(&live, category, name),
            matches(&fixed, category, name),
            "{category}:{name}"
        );
    }
    for (category, name) in [
        ("syscalls", "sys_enter_openat"),
        ("syscalls", "sys_exit_openat"),
        ("raw_syscalls", "sys_enter"),
        ("sched", "sched_switch"),
        ("sched", "sched_process_exec"),
        ("signal", "signal_generate"),
        ("tcp", "tcp_probe"),
        ("block", "block_rq_issue"),
    ] {
        let a = format_of(&live, category, name);
        let b = format_of(&fixed, category, name);
        // Event ids are assigned at boot; compare everything else.
        assert_eq!(
            (&a.category, &a.name, &a.fields, &a.common_fields),
            (&b.category, &b.name, &b.fields, &b.common_fields),
            "{category}:{name}"
        );
    }
    assert!(matches!(
        live.tracepoint_format("sched", "no_such_event"),
        Err(CatalogError::NotFound { .. })
    ));
}

/// Parses every format file of the running kernel (about 2300); slow-ish and machine-dependent,
/// so run on demand: `cargo test -p ir -- --ignored every_live_format_parses --nocapture`.
#[test]
#[ignore]
fn every_live_format_parses() {
    let live = match TracefsCatalog::new() {
        Ok(live) => live,
        Err(e) => {
            println!("note: skipped: {e}");
            return;
        }
    };
    let all = matches(&live, "*", "*");
    let mut other = Vec::new();
    for probe in &all {
        let Some((category, name)) = probe.split_once(':') else {
            panic!("bad probe {probe}");
        };
        let f = format_of(&live, category, name);
        for field in &f.fields {
            if field.kind == FieldKind::Other {
                other.push(format!("{probe}.{} ({})", field.name, field.c_type));
            }
        }
    }
    println!(
        "{} live tracepoints parsed; fields of kind Other: {other:?}",
        all.len()
    );
}
