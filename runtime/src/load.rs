//! Opening and loading the BPF object, with the verifier's log turned into a diagnostic.

use std::cell::RefCell;

use libbpf_rs::{Object, ObjectBuilder, PrintLevel};

use crate::RuntimeError;

thread_local! {
    /// Everything libbpf printed on this thread since the last [`take_libbpf_log`].
    static LIBBPF_LOG: RefCell<String> = const { RefCell::new(String::new()) };
}

fn capture(_level: PrintLevel, msg: String) {
    LIBBPF_LOG.with(|l| {
        let mut l = l.borrow_mut();
        // Keep memory bounded when a long-running session attaches and detaches a lot.
        if l.len() > (64 << 20) {
            l.clear();
        }
        l.push_str(&msg);
    });
}

/// Routes libbpf's messages into a per-thread buffer (instead of stderr) from now on.
pub fn capture_libbpf_output() {
    libbpf_rs::set_print(Some((PrintLevel::Info, capture)));
}

/// Returns and clears what libbpf printed on this thread.
pub fn take_libbpf_log() -> String {
    LIBBPF_LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

/// Finds which probe site a BPF program symbol (`p3_1`) belongs to.
pub fn site_of_symbol<'p>(
    program: &'p ir::Program,
    symbol: &str,
) -> Option<(usize, &'p ir::AttachSite)> {
    program.probes.iter().enumerate().find_map(|(p, probe)| {
        probe
            .attach
            .iter()
            .enumerate()
            .find(|(s, _)| ir::abi::program_symbol(p, *s) == symbol)
            .map(|(_, site)| (p, site))
    })
}

/// Opens `elf` and loads every program and map into the kernel. On failure nothing stays loaded.
pub fn load(program: &ir::Program, elf: &[u8]) -> Result<Object, RuntimeError> {
    capture_libbpf_output();
    take_libbpf_log();
    let mut builder = ObjectBuilder::default();
    let open = builder.open_memory(elf).map_err(|e| {
        let log = take_libbpf_log();
        RuntimeError::new(format!("cannot open the generated BPF object: {e}")).with_details(log)
    })?;
    match open.load() {
        Ok(obj) => {
            take_libbpf_log();
            Ok(obj)
        }
        Err(e) => Err(load_error(program, &e.to_string(), &take_libbpf_log())),
    }
}

/// Turns a failed load (libbpf's error and everything it logged) into a diagnostic naming the
/// probe and quoting the verifier's last meaningful lines.
pub fn load_error(program: &ir::Program, error: &str, log: &str) -> RuntimeError {
    let failed = failed_program(log);
    let site = failed
        .as_deref()
        .and_then(|sym| site_of_symbol(program, sym));
    let what = match (&site, &failed) {
        (Some((_, s)), _) => format!("probe {}", s.point),
        (None, Some(sym)) => format!("BPF program {sym}"),
        (None, None) => "the BPF object".to_string(),
    };
    let verifier = verifier_log(log);
    let mut message = if matches!(site, Some((_, s)) if matches!(s.point, ir::AttachPoint::Fentry { .. } | ir::AttachPoint::Fexit { .. }))
        && verifier.is_none()
    {
        format!("cannot load {what}: fentry/fexit programs are refused by this kernel ({error})")
    } else if verifier.is_some() {
        format!("the BPF verifier rejected {what}")
    } else {
        format!("cannot load {what}: {error}")
    };
    if let Some(v) = &verifier {
        let lines = meaningful_tail(v, 3);
        if !lines.is_empty() {
            message.push(':');
            for l in lines {
                message.push_str("\n  ");
                message.push_str(l);
            }
        }
    }
    let hint = verifier
        .as_deref()
        .and_then(verifier_hint)
        .map(str::to_string);
    // The statement the verifier was checking, from its last source annotation; else the probe.
    let statement = match (&site, verifier.as_deref().and_then(last_source_offset)) {
        (Some((probe, _)), Some(offset)) => program
            .probes
            .get(*probe)
            .and_then(|p| ir::abi::statement_at(p, offset)),
        _ => None,
    };
    RuntimeError {
        message,
        span: statement.or(site.map(|(_, s)| s.span)),
        details: Some(verifier.unwrap_or_else(|| log.to_string())),
        hint,
    }
}

/// The byte offset of the last statement the verifier annotated (`; ... @ oxtrace.bt:LINE`).
fn last_source_offset(log: &str) -> Option<u32> {
    let marker = format!("@ {}:", ir::abi::SOURCE_FILE_NAME);
    log.lines().rev().find_map(|l| {
        let at = l.rfind(&marker)?;
        let line: u32 = l[at + marker.len()..].trim().parse().ok()?;
        line.checked_sub(1)
    })
}

/// What the user can change when the verifier reports one of its common refusals.
const VERIFIER_HINTS: &[(&str, &str)] = &[
    (
        "infinite loop detected",
        "the verifier cannot prove that a loop ends: make its condition test a counter with a constant bound, e.g. while ($i < 100) { ...; $i++; }",
    ),
    (
        "back-edge",
        "the verifier cannot prove that a loop ends: bound it with a constant, e.g. for ($i : 0..100)",
    ),
    (
        "BPF program is too large",
        "the probe is too complex for the verifier: lower unroll counts, loop bounds or string sizes (config = { max_strlen = 64 })",
    ),
    (
        "The sequence of",
        "the probe is too complex for the verifier: lower unroll counts, loop bounds or string sizes (config = { max_strlen = 64 })",
    ),
    (
        "combined stack size",
        "the probe uses too much stack: use fewer variables or split the work across probes",
    ),
    (
        "unknown func",
        "the probe calls a BPF helper this kernel does not allow in this kind of probe",
    ),
    (
        "failed to find the address for kernel symbol",
        "the verifier looks typed ksyms (percpu_kaddr) up in kallsyms, which lists per-CPU variables only in kernels built with CONFIG_KALLSYMS_ALL; this kernel's /proc/kallsyms lacks the symbol, so percpu_kaddr() cannot work here",
    ),
    (
        "cannot call GPL-restricted function",
        "internal error: the object's license is not GPL-compatible",
    ),
];

/// A hint for the verifier's refusal, found by the phrases it uses.
fn verifier_hint(log: &str) -> Option<&'static str> {
    VERIFIER_HINTS
        .iter()
        .find(|(phrase, _)| log.contains(phrase))
        .map(|(_, hint)| *hint)
}

/// The name of the program libbpf says failed to load (`prog 'NAME': BPF program load failed`).
fn failed_program(log: &str) -> Option<String> {
    log.lines()
        .filter(|l| l.contains("failed") || l.contains("BEGIN PROG LOAD LOG"))
        .find_map(|l| {
            let start = l.find("prog '")? + 6;
            let end = l[start..].find('\'')? + start;
            Some(l[start..end].to_string())
        })
}

/// The verifier's own log, between libbpf's BEGIN/END markers.
fn verifier_log(log: &str) -> Option<String> {
    let begin = log.find("-- BEGIN PROG LOAD LOG --")?;
    let body = &log[begin + "-- BEGIN PROG LOAD LOG --".len()..];
    let end = body.find("-- END PROG LOAD LOG --").unwrap_or(body.len());
    let text = body[..end].trim_matches('\n');
    if text.trim().is_empty() {
        None
    } else {
        Some(text.to_string())
    }
}

/// The last `n` lines of a verifier log that say something (statistics lines dropped).
fn meaningful_tail(log: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim_end)
        .filter(|l| {
            let t = l.trim();
            !t.is_empty()
                && !t.starts_with("processed ")
                && !t.starts_with("verification time")
                && !t.starts_with("stack depth")
                && !t.starts_with("max_states_per_insn")
                && !t.starts_with("mark_precise")
                && !t.starts_with("libbpf:")
                && !t.starts_with(';')
        })
        .collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_log_is_reduced_to_its_last_lines() {
        let log = "libbpf: prog 'p0_0': BPF program load failed: Permission denied\n\
                   libbpf: prog 'p0_0': -- BEGIN PROG LOAD LOG --\n\
                   0: R1=ctx() R10=fp0\n\
                   5: (79) r1 = *(u64 *)(r0 +0)\n\
                   R0 invalid mem access 'map_value_or_null'\n\
                   processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0\n\
                   -- END PROG LOAD LOG --\n";
        assert_eq!(failed_program(log).as_deref(), Some("p0_0"));
        assert_eq!(verifier_hint(log), None);
        assert_eq!(last_source_offset(log), None);
        let annotated = "; x @ oxtrace.bt:7\n0: (b7) r0 = 0\n;  @ oxtrace.bt:43\n1: ...";
        assert_eq!(last_source_offset(annotated), Some(42));
        assert!(verifier_hint("infinite loop detected at insn 3")
            .is_some_and(|h| h.contains("constant bound")));
        let v = verifier_log(log).unwrap_or_default();
        assert_eq!(
            meaningful_tail(&v, 2),
            vec![
                "5: (79) r1 = *(u64 *)(r0 +0)",
                "R0 invalid mem access 'map_value_or_null'"
            ]
        );
    }
}
