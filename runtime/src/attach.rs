//! Attaching loaded BPF programs to their [`ir::AttachPoint`]s.

use std::path::Path;

use libbpf_rs::libbpf_sys;
use libbpf_rs::{Link, ProgramMut, TracepointCategory, UprobeOpts};

use ir::{AttachPoint, Period};

use crate::tracefs;

/// The message for kprobes on a kernel built without them.
pub const NO_KPROBES: &str = "kprobes are not available on this kernel (no kprobe_events)";

/// Attaches `prog` at `point` (uprobes with attach cookie `cookie`, the `probe` value of a
/// shared program); returns the links (several for per-CPU perf events). The error is
/// a complete sentence naming the attach point and the missing facility when known.
pub fn attach(
    prog: &ProgramMut<'_>,
    point: &AttachPoint,
    cookie: u64,
) -> Result<Vec<Link>, String> {
    let fail = |e: libbpf_rs::Error| format!("cannot attach {point}: {}", describe(&e));
    match point {
        // The runtime runs these itself (BPF_PROG_TEST_RUN).
        AttachPoint::Begin | AttachPoint::End | AttachPoint::Error => Ok(Vec::new()),
        AttachPoint::Tracepoint { category, name } => {
            if !tracefs::tracepoint_exists(category, name) {
                return Err(format!(
                    "cannot attach {point}: tracepoint {category}:{name} does not exist"
                ));
            }
            let link = prog
                .attach_tracepoint(TracepointCategory::Custom(category.clone()), name)
                .map_err(fail)?;
            Ok(vec![link])
        }
        AttachPoint::SyscallSet { exit, .. } => {
            let name = if *exit { "sys_exit" } else { "sys_enter" };
            let link = prog
                .attach_tracepoint(TracepointCategory::Custom("raw_syscalls".into()), name)
                .map_err(fail)?;
            Ok(vec![link])
        }
        AttachPoint::RawTracepoint { name } => {
            Ok(vec![prog.attach_raw_tracepoint(name).map_err(fail)?])
        }
        AttachPoint::Kprobe {
            function, offset, ..
        } => {
            if !tracefs::has_kprobes() {
                return Err(format!("cannot attach {point}: {NO_KPROBES}"));
            }
            if *offset != 0 {
                return Err(format!(
                    "cannot attach {point}: kprobe offsets are not supported"
                ));
            }
            Ok(vec![prog.attach_kprobe(false, function).map_err(fail)?])
        }
        AttachPoint::Kretprobe { function, .. } => {
            if !tracefs::has_kprobes() {
                return Err(format!("cannot attach {point}: {NO_KPROBES}"));
            }
            Ok(vec![prog.attach_kprobe(true, function).map_err(fail)?])
        }
        AttachPoint::Uprobe {
            binary,
            symbol,
            offset,
        }
        | AttachPoint::Uretprobe {
            binary,
            symbol,
            offset,
        } => {
            if !Path::new(binary).exists() {
                return Err(format!("cannot attach {point}: {binary} does not exist"));
            }
            let retprobe = matches!(point, AttachPoint::Uretprobe { .. });
            let opts = UprobeOpts {
                retprobe,
                cookie,
                func_name: symbol.clone(),
                ..Default::default()
            };
            match prog.attach_uprobe_with_opts(-1, binary, *offset as usize, opts) {
                Ok(link) => Ok(vec![link]),
                // libbpf's symbol lookup misses some functions (versioned GNU_IFUNC symbols
                // such as glibc's strcasecmp): find the file offset ourselves and retry.
                Err(e) => {
                    let Some(at) = symbol.as_deref().and_then(|s| {
                        ir::catalog::symbols::elf_function_file_offset(Path::new(binary), s).ok()
                    }) else {
                        return Err(fail(e));
                    };
                    let opts = UprobeOpts {
                        retprobe,
                        cookie,
                        func_name: None,
                        ..Default::default()
                    };
                    Ok(vec![prog
                        .attach_uprobe_with_opts(-1, binary, (at + offset) as usize, opts)
                        .map_err(fail)?])
                }
            }
        }
        AttachPoint::Usdt {
            binary,
            offset,
            semaphore,
            ..
        } => {
            if !Path::new(binary).exists() {
                return Err(format!("cannot attach {point}: {binary} does not exist"));
            }
            // The kernel increments the semaphore in every process that maps the binary, for as
            // long as the uprobe exists (perf's uprobe reference counter, kernel 4.20+).
            let opts = UprobeOpts {
                ref_ctr_offset: semaphore.unwrap_or(0) as usize,
                func_name: None,
                ..Default::default()
            };
            Ok(vec![prog
                .attach_uprobe_with_opts(-1, binary, *offset as usize, opts)
                .map_err(fail)?])
        }
        AttachPoint::Watchpoint {
            addr,
            len,
            mode,
            pid,
            ..
        } => {
            if !Path::new("/sys/bus/event_source/devices/breakpoint").exists() {
                return Err(format!(
                    "cannot attach {point}: this machine has no hardware breakpoint PMU"
                ));
            }
            let fd = watchpoint_open(*addr, *len, mode, *pid).map_err(|e| {
                format!(
                    "cannot attach {point}: perf_event_open (breakpoint) for pid {pid} failed: {e}"
                )
            })?;
            match prog.attach_perf_event(fd) {
                Ok(l) => Ok(vec![l]),
                Err(e) => {
                    // SAFETY: `fd` is ours; libbpf did not take it since the attach failed.
                    unsafe { libc::close(fd) };
                    Err(format!("cannot attach {point}: {e}"))
                }
            }
        }
        // The link only creates the iterator; the session reads it (which runs the program once
        // per element) after BEGIN, see `run_iterator`.
        AttachPoint::Iter { .. } => Ok(vec![prog
            .attach_iter_with_opts(libbpf_rs::IterOpts::None)
            .map_err(fail)?]),
        AttachPoint::Profile { period } => {
            let cpus = online_cpus().map_err(|e| format!("cannot attach {point}: {e}"))?;
            perf_links(
                prog,
                point,
                libbpf_sys::PERF_TYPE_SOFTWARE,
                libbpf_sys::PERF_COUNT_SW_CPU_CLOCK as u64,
                Sample::from(*period),
                &cpus,
            )
        }
        AttachPoint::Interval { period } => {
            let cpus = online_cpus().map_err(|e| format!("cannot attach {point}: {e}"))?;
            let first = cpus.first().copied().unwrap_or(0);
            let sample = Sample::Period(period.nanos());
            perf_links(
                prog,
                point,
                libbpf_sys::PERF_TYPE_SOFTWARE,
                libbpf_sys::PERF_COUNT_SW_CPU_CLOCK as u64,
                sample,
                &[first],
            )
        }
        AttachPoint::Software { event, count } => {
            let cpus = online_cpus().map_err(|e| format!("cannot attach {point}: {e}"))?;
            perf_links(
                prog,
                point,
                libbpf_sys::PERF_TYPE_SOFTWARE,
                *event as u64,
                Sample::Period((*count).max(1)),
                &cpus,
            )
        }
        AttachPoint::Hardware { event, count } => {
            let Some(config) = hardware_config(event) else {
                return Err(format!(
                    "cannot attach {point}: unknown hardware event '{event}'"
                ));
            };
            if !Path::new("/sys/bus/event_source/devices/cpu").exists() {
                return Err(format!(
                    "cannot attach {point}: hardware events are not available on this machine (no CPU PMU)"
                ));
            }
            let cpus = online_cpus().map_err(|e| format!("cannot attach {point}: {e}"))?;
            perf_links(
                prog,
                point,
                libbpf_sys::PERF_TYPE_HARDWARE,
                config,
                Sample::Period((*count).max(1)),
                &cpus,
            )
        }
        AttachPoint::Fentry { .. } | AttachPoint::Fexit { .. } => Err(format!(
            "cannot attach {point}: fentry/fexit (BPF trampolines) are not available on this kernel"
        )),
    }
}

/// Runs a BPF iterator to its end: reading its file runs the program once per element (task,
/// file, ...). What the program prints goes through the ring buffer as usual.
pub fn run_iterator(link: &Link, point: &AttachPoint) -> Result<(), String> {
    use std::io::Read;
    let mut it =
        libbpf_rs::Iter::new(link).map_err(|e| format!("cannot run {point}: {}", describe(&e)))?;
    let mut buf = [0u8; 4096];
    loop {
        match it.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(format!(
                    "cannot run {point}: reading the iterator failed: {e}"
                ))
            }
        }
    }
}

fn describe(e: &libbpf_rs::Error) -> String {
    e.to_string()
}

/// How often a perf event fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    /// Every `n` events (nanoseconds for clocks).
    Period(u64),
    /// `n` times a second.
    Freq(u64),
}

impl From<Period> for Sample {
    fn from(p: Period) -> Sample {
        match p {
            Period::Hz(n) => Sample::Freq(n.max(1)),
            Period::Nanos(n) => Sample::Period(n.max(1)),
        }
    }
}

/// The `PERF_COUNT_HW_*` number of a bpftrace hardware event name.
pub fn hardware_config(name: &str) -> Option<u64> {
    Some(match name {
        "cpu-cycles" | "cycles" => 0,
        "instructions" => 1,
        "cache-references" => 2,
        "cache-misses" => 3,
        "branch-instructions" | "branches" => 4,
        "branch-misses" => 5,
        "bus-cycles" => 6,
        "frontend-stalls" => 7,
        "backend-stalls" => 8,
        "ref-cycles" => 9,
        _ => return None,
    })
}

/// The online CPUs, from `/sys/devices/system/cpu/online` (`0-3,5`).
pub fn online_cpus() -> Result<Vec<u32>, String> {
    let text = std::fs::read_to_string("/sys/devices/system/cpu/online")
        .map_err(|e| format!("cannot read the list of online CPUs: {e}"))?;
    parse_cpu_list(&text)
        .ok_or_else(|| format!("cannot parse the list of online CPUs '{}'", text.trim()))
}

/// Parses a kernel CPU list such as `0-3,5`.
pub fn parse_cpu_list(text: &str) -> Option<Vec<u32>> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
                cpus.extend(a..=b);
            }
            None => cpus.push(part.parse().ok()?),
        }
    }
    Some(cpus)
}

/// Opens one perf event per CPU in `cpus` and attaches `prog` to each. libbpf's perf link owns
/// the event fd and closes it on detach.
fn perf_links(
    prog: &ProgramMut<'_>,
    point: &AttachPoint,
    type_: u32,
    config: u64,
    sample: Sample,
    cpus: &[u32],
) -> Result<Vec<Link>, String> {
    let mut links = Vec::with_capacity(cpus.len());
    for &cpu in cpus {
        let fd = perf_event_open(type_, config, sample, cpu).map_err(|e| {
            if type_ == libbpf_sys::PERF_TYPE_HARDWARE
                && matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::EOPNOTSUPP) | Some(libc::ENODEV))
            {
                format!("cannot attach {point}: hardware events are not available on this machine (no CPU PMU)")
            } else {
                format!("cannot attach {point}: perf_event_open on CPU {cpu} failed: {e}")
            }
        })?;
        match prog.attach_perf_event(fd) {
            Ok(l) => links.push(l),
            Err(e) => {
                // SAFETY: `fd` is ours; libbpf did not take it since the attach failed.
                unsafe { libc::close(fd) };
                return Err(format!("cannot attach {point} on CPU {cpu}: {e}"));
            }
        }
    }
    Ok(links)
}

/// The `HW_BREAKPOINT_*` type of a watchpoint mode (`r`, `w`, `rw`, `x`); `None` for others.
pub fn breakpoint_type(mode: &str) -> Option<u32> {
    let mut chars: Vec<char> = mode.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    if chars.len() != mode.len() {
        return None;
    }
    Some(match chars.iter().collect::<String>().as_str() {
        "r" => 1,
        "w" => 2,
        "rw" => 3,
        "x" => 4,
        _ => return None,
    })
}

/// Opens a breakpoint perf event on `len` bytes at `addr` in process `pid` (every access fires).
fn watchpoint_open(addr: u64, len: u8, mode: &str, pid: u32) -> std::io::Result<i32> {
    let Some(bp_type) = breakpoint_type(mode) else {
        return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    };
    // SAFETY: perf_event_attr is plain old data; all-zero is its documented default.
    let mut attr: libbpf_sys::perf_event_attr = unsafe { std::mem::zeroed() };
    attr.type_ = libbpf_sys::PERF_TYPE_BREAKPOINT;
    attr.size = std::mem::size_of::<libbpf_sys::perf_event_attr>() as u32;
    attr.bp_type = bp_type;
    attr.__bindgen_anon_3.bp_addr = addr;
    attr.__bindgen_anon_4.bp_len = u64::from(len);
    attr.__bindgen_anon_1.sample_period = 1;
    // SAFETY: `attr` is a valid, fully initialised perf_event_attr of the size it declares.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            &attr as *const libbpf_sys::perf_event_attr,
            pid as libc::pid_t,
            -1 as libc::c_int,
            -1 as libc::c_int,
            libbpf_sys::PERF_FLAG_FD_CLOEXEC as libc::c_ulong,
        )
    };
    if fd < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(fd as i32)
    }
}

fn perf_event_open(type_: u32, config: u64, sample: Sample, cpu: u32) -> std::io::Result<i32> {
    // SAFETY: perf_event_attr is plain old data; all-zero is its documented default.
    let mut attr: libbpf_sys::perf_event_attr = unsafe { std::mem::zeroed() };
    attr.type_ = type_;
    attr.size = std::mem::size_of::<libbpf_sys::perf_event_attr>() as u32;
    attr.config = config;
    match sample {
        Sample::Period(p) => attr.__bindgen_anon_1.sample_period = p,
        Sample::Freq(f) => {
            attr.__bindgen_anon_1.sample_freq = f;
            attr.set_freq(1);
        }
    }
    // SAFETY: `attr` is a valid, fully initialised perf_event_attr of the size it declares.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            &attr as *const libbpf_sys::perf_event_attr,
            -1 as libc::pid_t,
            cpu as libc::c_int,
            -1 as libc::c_int,
            libbpf_sys::PERF_FLAG_FD_CLOEXEC as libc::c_ulong,
        )
    };
    if fd < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(fd as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-1\n"), Some(vec![0, 1]));
        assert_eq!(parse_cpu_list("0,2-4,7"), Some(vec![0, 2, 3, 4, 7]));
        assert_eq!(parse_cpu_list("x"), None);
        assert_eq!(hardware_config("cycles"), Some(0));
        assert_eq!(hardware_config("nope"), None);
        assert_eq!(breakpoint_type("w"), Some(2));
        assert_eq!(breakpoint_type("wr"), Some(3));
        assert_eq!(breakpoint_type("x"), Some(4));
        assert_eq!(breakpoint_type("rwx"), None);
        assert_eq!(breakpoint_type("ww"), None);
    }
}
