//! The run loop: load, attach, run BEGIN, carry out ring-buffer actions, stop, END, print, detach.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime};

use libbpf_rs::{Link, Object, ProgramInput, ProgramType, RingBufferBuilder};

use ir::printf::Segment;
use ir::{abi, ActionKind, AttachPoint, DtraceOptions, MapId, Program};

use crate::output::dtrace_bytes;
use crate::output::dtrace_text::{self, AggValue, Aggregation, SortOptions};
use crate::output::{bt_json, bt_text, printf};
use crate::value::{MapEntries, MapSnapshot, Value};
use crate::{
    attach, child, decode, load, maps, tracefs, Buffering, OutputFormat, RunOptions, RuntimeError,
};

/// Set by SIGINT/SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);
/// Set by SIGUSR1: print every map now.
static PRINT_MAPS: AtomicBool = AtomicBool::new(false);
static HANDLERS: Once = Once::new();

extern "C" fn on_signal(sig: libc::c_int) {
    if sig == libc::SIGUSR1 {
        PRINT_MAPS.store(true, Ordering::SeqCst);
    } else {
        STOP.store(true, Ordering::SeqCst);
    }
}

/// Installs the SIGINT/SIGTERM/SIGUSR1 handlers (once per process; they only set a flag).
fn install_signal_handlers() {
    HANDLERS.call_once(|| {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGUSR1] {
            // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the
            // sigaction struct is fully initialised before the call.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut sa.sa_mask);
                // No SA_RESTART: a signal interrupts the ring-buffer poll at once.
                sa.sa_flags = 0;
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

/// Timings of one session's phases, for `-v` and benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Opening and loading the object (verifier included).
    pub load: Duration,
    /// Attaching every probe.
    pub attach: Duration,
    /// Tearing the links down.
    pub detach: Duration,
}

/// What the ring-buffer callback needs: the program, the object (for maps), the output and the
/// exit state.
struct Handler<'a> {
    program: &'a Program,
    obj: &'a Object,
    formats: Vec<Option<Vec<Segment>>>,
    out: RefCell<Box<dyn Write + Send>>,
    exit_code: Cell<Option<i32>>,
    /// After exit(): records still in the ring buffer are dropped.
    discard: Cell<bool>,
    /// A decode error was reported already (report only the first).
    warned: Cell<bool>,
    /// Where diagnostics go (stderr).
    err: RefCell<&'a mut dyn Write>,
    /// Text or JSON.
    format: OutputFormat,
    /// When to flush `out`.
    buffering: Buffering,
    /// DTrace output (D scripts): its options and per-run state; `None` for bpftrace output.
    dtrace: Option<DtraceState>,
    /// The program symbols of D's `ERROR` probes, run when a clause faults.
    error_probes: Vec<String>,
    /// The drop counters last reported.
    drops_reported: Cell<Drops>,
    /// Aggregation drops by CPU reported so far (DTrace reports them per CPU).
    agg_drops_reported: RefCell<Vec<u64>>,
    /// The program's text, for the location of helper errors.
    source: Option<ir::SourceFile>,
}

/// What DTrace output needs to remember during a run.
struct DtraceState {
    /// The options now (`setopt()` changes them while tracing).
    opts: RefCell<DtraceOptions>,
    /// `_DTRACE_TESTING` is set: no CPU and ID columns.
    testing: bool,
    /// The column header was printed.
    header_done: Cell<bool>,
    /// A default record was started and not ended yet (its records are kept after exit()).
    record_open: Cell<bool>,
    /// Aggregations printed by `printa` (the exit dump leaves them out).
    printed: RefCell<HashSet<u32>>,
    /// `normalize()` factors by map.
    normal: RefCell<HashMap<u32, u64>>,
    /// Records held back by key ([`ActionKind::Buffered`]): speculations and clauses that may
    /// fault. Each entry has its bytes so far and the (action id, arguments) in order.
    buffers: RefCell<HashMap<u64, HeldRecords>>,
    /// `specsize`: the most bytes one speculation holds.
    specsize: usize,
    /// Drop counters DTrace reports, and how much of each was reported already.
    drops: RefCell<Drops>,
}

/// Records held under one buffer key: their bytes so far, and each (action id, arguments).
type HeldRecords = (usize, Vec<(usize, Vec<Value>)>);

/// DTrace's drop counters (its `dtrace_status_t` entries that apply here).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Drops {
    /// Dynamic variable stores refused because the map was full (`dynvarsize`).
    dynamic: u64,
    /// Speculative records lost because the speculation was full (`specsize`).
    spec: u64,
    /// `speculation()` calls that found no free speculation.
    spec_unavail: u64,
    /// Faults in `ERROR` clauses.
    dbl_errors: u64,
}

impl Drops {
    /// DTrace's drop messages for what grew since `old`, in DTrace's order; `tags` (the
    /// `droptags` option) puts the drop kind's tag first.
    fn messages(&self, old: &Drops, tags: bool) -> Vec<String> {
        let rows = [
            (
                self.dynamic,
                old.dynamic,
                "DYNAMIC",
                "dynamic variable drop",
                "",
            ),
            (self.spec, old.spec, "SPEC", "speculative drop", ""),
            (
                self.spec_unavail,
                old.spec_unavail,
                "SPECUNAVAIL",
                "failed speculation",
                " (no speculative buffer available)",
            ),
            (
                self.dbl_errors,
                old.dbl_errors,
                "DBLERROR",
                "error",
                " in ERROR probe enabling",
            ),
        ];
        rows.iter()
            .filter(|(n, o, ..)| n > o)
            .map(|(n, o, tag, what, tail)| {
                let d = n - o;
                let tag = if tags {
                    format!("[DTRACEDROP_{tag}] ")
                } else {
                    String::new()
                };
                format!("{tag}{d} {what}{}{tail}", if d > 1 { "s" } else { "" })
            })
            .collect()
    }
}

/// The default `specsize` (DTrace's default principal buffer size, 4 MiB).
const DEFAULT_SPECSIZE: usize = 4 << 20;

/// The printf format an action carries (through a [`ActionKind::Buffered`] wrapper too).
fn action_format(kind: &ActionKind) -> Option<&String> {
    match kind {
        ActionKind::Printf { format }
        | ActionKind::System { format }
        | ActionKind::Cat { format }
        | ActionKind::Printa {
            format: Some(format),
            ..
        }
        | ActionKind::Diagnostic { format, .. } => Some(format),
        ActionKind::Buffered { inner } => action_format(inner),
        _ => None,
    }
}

/// A map key split into its D key columns (a tuple key is one column per element).
fn key_columns(columns: usize, k: Option<&Value>) -> Vec<Value> {
    match k {
        None => vec![],
        Some(Value::Tuple(vs)) if columns != 1 => vs.clone(),
        Some(v) => vec![v.clone()],
    }
}

/// A D aggregation's snapshot as DTrace's formatter takes it: key columns split by the key's
/// types, values as [`AggValue`]s.
fn to_aggregation(program: &Program, id: MapId, snap: &MapSnapshot) -> Aggregation {
    let key_types = match program.maps.get(id.0 as usize).and_then(|m| m.key.clone()) {
        Some(ir::Type::Tuple(ts)) => ts,
        Some(t) => vec![t],
        None => vec![],
    };
    let keys = |k: &Option<Value>| key_columns(key_types.len(), k.as_ref());
    let as_i64 = |v: &Value| v.as_i128().unwrap_or(0) as i64;
    let entries = match &snap.entries {
        MapEntries::Values { entries, .. } => entries
            .iter()
            .map(|(k, v)| (keys(k), AggValue::Scalar(as_i64(v))))
            .collect(),
        MapEntries::Avg(es) | MapEntries::Stats(es) => es
            .iter()
            .map(|(k, a)| {
                (
                    keys(k),
                    AggValue::Avg {
                        count: a.count,
                        total: a.total,
                    },
                )
            })
            .collect(),
        MapEntries::Stddev(es) => es
            .iter()
            .map(|(k, s)| {
                (
                    keys(k),
                    AggValue::Stddev {
                        count: s.count,
                        total: s.total,
                        squares: s.squares,
                    },
                )
            })
            .collect(),
        MapEntries::Dist(es) => {
            let kind = program.maps.get(id.0 as usize).map(|m| m.kind.clone());
            es.iter()
                .map(|(k, b)| {
                    let buckets = b.clone();
                    let v = match kind {
                        Some(ir::MapKind::Lquantize { base, step, levels }) => {
                            AggValue::Lquantize {
                                base,
                                step,
                                levels,
                                buckets,
                            }
                        }
                        Some(ir::MapKind::Llquantize {
                            factor,
                            low,
                            high,
                            steps,
                        }) => AggValue::Llquantize {
                            factor,
                            low,
                            high,
                            steps,
                            buckets,
                        },
                        _ => AggValue::Quantize(buckets),
                    };
                    (keys(k), v)
                })
                .collect()
        }
        // Histograms are bpftrace's.
        MapEntries::Hist { .. } | MapEntries::Lhist { .. } | MapEntries::Tseries { .. } => vec![],
    };
    Aggregation {
        name: snap.name.clone(),
        key_types,
        entries,
        normal: 1,
    }
}

impl Handler<'_> {
    fn write(&self, text: &str) {
        // A closed stdout (EPIPE) must not stop tracing; nothing better to do with the error.
        let _ = self.out.borrow_mut().write_all(text.as_bytes());
        if self.buffering == Buffering::None {
            self.flush_now();
        }
    }

    /// Flushes after a batch of events, unless output is fully buffered (`-B full`).
    fn flush(&self) {
        if self.buffering != Buffering::Full {
            self.flush_now();
        }
    }

    fn flush_now(&self) {
        let _ = self.out.borrow_mut().flush();
    }

    fn json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Prints every non-empty map (SIGUSR1), in the exit dump's format without its leading
    /// blank lines.
    fn print_all_maps(&self) {
        match maps::non_empty_snapshots(self.obj, self.program) {
            Ok(snaps) if self.json() => self.write(&bt_json::format_exit_dump(&snaps)),
            Ok(snaps) => self.write(&bt_text::format_all_maps(&snaps)),
            Err(e) => self.warn(&e),
        }
        self.flush_now();
    }

    fn warn(&self, msg: &str) {
        if !self.warned.replace(true) {
            let _ = writeln!(self.err.borrow_mut(), "WARNING: {msg}");
        }
    }

    /// `-k`: a BPF helper failed. Text output warns on stderr as bpftrace does
    /// (`stdin:1:12-25: WARNING: Failed to probe_read_user: Bad address (-14)`); JSON output
    /// writes a `helper_error` line.
    fn helper_error(&self, e: &decode::HelperErrorRecord) {
        let helper = ir::abi::helper_name(e.helper)
            .map_or_else(|| format!("helper {}", e.helper), str::to_string);
        let msg = crate::text::strerror(i64::from(e.retcode));
        let loc = self.source.as_ref().map(|f| {
            let (line, col) = f.line_col(e.span.start);
            let (end_line, end_col) = f.line_col(e.span.end);
            (
                f.name.clone(),
                line,
                col,
                (end_line == line).then_some(end_col),
            )
        });
        if self.json() {
            let (file, line, col) = loc
                .as_ref()
                .map_or((String::new(), 0, 0), |l| (l.0.clone(), l.1, l.2));
            self.write(&bt_json::format_helper_error(
                &msg, &helper, e.retcode, &file, line, col,
            ));
            return;
        }
        self.flush();
        let prefix = match loc {
            Some((file, line, col, Some(end))) => format!("{file}:{line}:{col}-{end}: "),
            Some((file, line, col, None)) => format!("{file}:{line}:{col}: "),
            None => String::new(),
        };
        let _ = writeln!(
            self.err.borrow_mut(),
            "{prefix}WARNING: Failed to {helper}: {msg} ({})",
            e.retcode
        );
    }

    /// `system`, `cat`, `errorf` and `warnf`, once their text is formatted.
    fn user_action(&self, kind: &ActionKind, text: &str) {
        match kind {
            ActionKind::System { .. } => {
                self.flush();
                match std::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(text)
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::inherit())
                    .output()
                {
                    Ok(out) if self.json() => self.write(&bt_json::format_text_output(
                        "syscall",
                        &String::from_utf8_lossy(&out.stdout),
                    )),
                    Ok(out) => self.write(&String::from_utf8_lossy(&out.stdout)),
                    Err(e) => {
                        let _ = writeln!(self.err.borrow_mut(), "ERROR: system(\"{text}\"): {e}");
                    }
                }
            }
            ActionKind::Cat { .. } => match read_capped(text, self.program.config.max_cat_bytes) {
                Ok(bytes) if self.json() => self.write(&bt_json::format_text_output(
                    "cat",
                    &String::from_utf8_lossy(&bytes),
                )),
                Ok(bytes) => self.write(&String::from_utf8_lossy(&bytes)),
                Err(e) => {
                    self.flush();
                    let _ = writeln!(
                        self.err.borrow_mut(),
                        "ERROR: failed to open file '{text}': {}",
                        e.raw_os_error()
                            .map_or_else(|| e.to_string(), |n| crate::text::strerror(i64::from(n)))
                    );
                }
            },
            ActionKind::Diagnostic {
                error, location, ..
            } if self.json() => {
                self.write(&bt_json::format_diagnostic(*error, location, text));
            }
            ActionKind::Diagnostic {
                error, location, ..
            } => {
                self.flush();
                let level = if *error { "ERROR" } else { "WARNING" };
                let _ = writeln!(self.err.borrow_mut(), "{location}: {level}: {text}");
            }
            _ => {}
        }
    }

    /// Aggregation `id` as DTrace prints it now: read, normalized and truncated as asked.
    fn d_aggregation(&self, d: &DtraceState, id: MapId) -> Result<Aggregation, String> {
        let snap = maps::snapshot(self.obj, self.program, id)?;
        let mut agg = to_aggregation(self.program, id, &snap);
        agg.normal = d.normal.borrow().get(&id.0).copied().unwrap_or(1).max(1);
        Ok(agg)
    }

    /// `trunc(@a, n)`: deletes every entry but the `n` largest (the `|n|` smallest when `n` is
    /// negative).
    fn d_trunc(&self, d: &DtraceState, id: MapId, n: i64) -> Result<(), String> {
        let agg = self.d_aggregation(d, id)?;
        let keep = dtrace_text::truncated(&agg, n);
        let columns = agg.key_types.len();
        maps::retain(self.obj, self.program, id, &|k| {
            keep.contains(&key_columns(columns, k))
        })
    }

    /// DTrace's end of tracing: a newline, then every non-empty aggregation not printed by
    /// `printa`, in order of first appearance.
    fn d_exit_dump(&self, d: &DtraceState) -> Result<(), String> {
        let mut aggs = Vec::new();
        for (i, m) in self.program.maps.iter().enumerate() {
            if !m.kind.is_per_cpu() || d.printed.borrow().contains(&(i as u32)) {
                continue;
            }
            let agg = self.d_aggregation(d, MapId(i as u32))?;
            if !agg.entries.is_empty() {
                aggs.push(agg);
            }
        }
        self.write(&dtrace_text::exit_dump(
            &aggs,
            SortOptions::from_options(&d.opts.borrow()),
        ));
        Ok(())
    }

    /// D's actions (DTrace output only). Returns false for actions handled as in bpftrace.
    fn handle_d(
        &self,
        d: &DtraceState,
        id: usize,
        kind: &ActionKind,
        types: &[ir::Type],
        values: &[Value],
    ) -> bool {
        let sort = SortOptions::from_options(&d.opts.borrow());
        let quiet = d.opts.borrow().quiet;
        let key = || values.first().and_then(Value::as_i128).unwrap_or(0) as u64;
        match kind {
            ActionKind::Buffered { .. } => {
                let key = key();
                // The held record's own bytes (its arguments after the key).
                let size: usize = types.iter().skip(1).map(|t| t.size() as usize).sum();
                if key == 0 {
                    // speculate(0): the records go nowhere.
                    return true;
                }
                let mut buffers = d.buffers.borrow_mut();
                let entry = buffers.entry(key).or_default();
                if key < abi::CLAUSE_BUFFER_BASE && entry.0 + size > d.specsize {
                    d.drops.borrow_mut().spec += 1;
                    return true;
                }
                entry.0 += size;
                entry.1.push((id, values.get(1..).unwrap_or(&[]).to_vec()));
            }
            ActionKind::Commit => {
                let held = d.buffers.borrow_mut().remove(&key());
                for (aid, vals) in held.map(|h| h.1).unwrap_or_default() {
                    let Some(action) = self.program.actions.get(aid) else {
                        continue;
                    };
                    if let ActionKind::Buffered { inner } = &action.kind {
                        self.dispatch(aid, inner, action.args.get(1..).unwrap_or(&[]), vals);
                    }
                }
            }
            ActionKind::Discard => {
                d.buffers.borrow_mut().remove(&key());
            }
            ActionKind::SpeculationFailed => d.drops.borrow_mut().spec_unavail += 1,
            ActionKind::Tracemem => {
                if let Some(Value::Buffer(bytes)) = values.first() {
                    let shown = match values.get(1).and_then(Value::as_i128) {
                        Some(n) if n >= 0 => bytes.len().min(n as usize),
                        _ => bytes.len(),
                    };
                    self.write(&dtrace_bytes::hex_dump(&bytes[..shown]));
                }
            }
            ActionKind::SetOpt {
                epid,
                probe_id,
                probe,
            } => {
                let text = |i: usize| match values.get(i) {
                    Some(Value::Str(s)) => s.clone(),
                    _ => String::new(),
                };
                let (name, value) = (text(0), text(1));
                let r = ir::dopts::apply(&mut d.opts.borrow_mut(), &name, Some(&value), true);
                if let Err(e) = r {
                    self.flush_now();
                    let _ = writeln!(
                        self.err.borrow_mut(),
                        "dtrace: error on enabled probe ID {epid} (ID {probe_id}: {probe}): couldn't set option \"{name}\" to \"{value}\": {}",
                        e.message()
                    );
                }
            }
            ActionKind::Fault {
                epid,
                probe_id,
                probe,
                action,
            } => {
                d.buffers.borrow_mut().remove(&key());
                let arg = |i: usize| values.get(i).and_then(Value::as_i128).unwrap_or(0) as u64;
                let (code, value) = (arg(1), arg(2));
                self.fault(d, *epid, *probe_id, probe, *action, code, value);
            }
            ActionKind::System { .. } => {
                if let Some(Some(segs)) = self.formats.get(id) {
                    let text = dtrace_text::printf(segs, values);
                    self.user_action(kind, &text);
                }
            }
            // Records of a program that may change `quiet` (setopt) are sent anyway.
            // (flowindent prints its columns even when quiet.)
            ActionKind::RecordStart { .. } if quiet && !d.opts.borrow().flowindent => {}
            ActionKind::RecordEnd if quiet => {}
            ActionKind::RecordStart {
                probe_id,
                func_name,
            } => {
                let cpu = values.first().and_then(Value::as_i128).unwrap_or(0) as u32;
                if d.opts.borrow().flowindent {
                    // DTrace's flowindent columns, printed even when quiet.
                    if !d.header_done.replace(true) {
                        self.write(&dtrace_bytes::flow_header(d.testing));
                    }
                    self.write(&dtrace_bytes::flow_prefix(cpu, func_name, d.testing));
                    d.record_open.set(!quiet);
                    return true;
                }
                if !d.header_done.replace(true) {
                    self.write(&dtrace_text::header(d.testing));
                }
                self.write(&dtrace_text::record_prefix(
                    cpu, *probe_id, func_name, d.testing,
                ));
                d.record_open.set(true);
            }
            ActionKind::RecordEnd => {
                self.write(dtrace_text::record_end());
                d.record_open.set(false);
            }
            ActionKind::Trace => match (values.first(), types.first()) {
                (Some(Value::Stack(st)), _) => {
                    let indent = d.opts.borrow().stackindent;
                    self.write(&dtrace_text::stack_block(st, indent));
                }
                // rawbytes: strings as DTrace records them, a hex dump of all their bytes.
                (Some(Value::Str(s)), Some(ir::Type::Str { .. })) if d.opts.borrow().rawbytes => {
                    let bytes = dtrace_bytes::string_record(s, d.opts.borrow().strsize as usize);
                    self.write(&dtrace_bytes::hex_dump(&bytes));
                }
                (Some(v), Some(ty)) => self.write(&dtrace_text::trace(v, ty, quiet)),
                _ => {}
            },
            ActionKind::Printf { .. } => {
                if let Some(Some(segs)) = self.formats.get(id) {
                    self.write(&dtrace_text::printf(segs, values));
                }
            }
            ActionKind::Printa { maps: ids, .. } => {
                let mut aggs = Vec::new();
                for m in ids {
                    match self.d_aggregation(d, *m) {
                        Ok(a) => aggs.push(a),
                        Err(e) => {
                            self.warn(&e);
                            return true;
                        }
                    }
                    d.printed.borrow_mut().insert(m.0);
                }
                let text = match self.formats.get(id) {
                    Some(Some(segs)) => dtrace_text::printa_format(segs, &aggs, sort),
                    _ => dtrace_text::printa_default(&aggs, sort),
                };
                self.write(&text);
            }
            ActionKind::Trunc { map } => {
                let r = match values.first().and_then(Value::as_i128) {
                    Some(n) => self.d_trunc(d, *map, n as i64),
                    None => maps::clear(self.obj, self.program, *map),
                };
                if let Err(e) = r {
                    self.warn(&e);
                }
            }
            ActionKind::Normalize { map } => {
                let n = values.first().and_then(Value::as_i128).unwrap_or(1);
                d.normal
                    .borrow_mut()
                    .insert(map.0, u64::try_from(n).unwrap_or(1).max(1));
            }
            ActionKind::Denormalize { map } => {
                d.normal.borrow_mut().remove(&map.0);
            }
            _ => return false,
        }
        true
    }

    /// Carries out one ring-buffer record. Always returns 0 (keep consuming).
    fn handle(&self, record: &[u8]) -> i32 {
        // After exit(), DTrace still prints the rest of the record that called it.
        let record_open = self.dtrace.as_ref().is_some_and(|d| d.record_open.get());
        if self.discard.get() && !record_open {
            return 0;
        }
        if let Some(e) = decode::decode_helper_error(record) {
            self.helper_error(&e);
            return 0;
        }
        let (id, mut values) = match decode::decode_record(self.program, record) {
            Ok(x) => x,
            Err(e) => {
                self.warn(&format!("cannot decode an event: {e}"));
                return 0;
            }
        };
        // Records are decoded to be printed: symbolize stacks and symbols now.
        crate::symbols::resolve_values_system(&mut values);
        let Some(action) = self.program.actions.get(id.0 as usize) else {
            return 0;
        };
        self.dispatch(id.0 as usize, &action.kind, &action.args, values);
        0
    }

    /// DTrace's report of a fault: the error message on stderr, then the `ERROR` probes run
    /// with the fault's details (a fault in an `ERROR` clause is only counted).
    #[allow(clippy::too_many_arguments)]
    fn fault(
        &self,
        d: &DtraceState,
        epid: u32,
        probe_id: u32,
        probe: &str,
        action: u32,
        code: u64,
        value: u64,
    ) {
        let in_error = probe == "dtrace:::ERROR";
        if in_error {
            d.drops.borrow_mut().dbl_errors += 1;
            return;
        }
        let place = if action == 0 {
            "predicate".to_string()
        } else {
            format!("action #{action}")
        };
        let details = match code {
            abi::DTRACEFLT_BADADDR | abi::DTRACEFLT_BADALIGN | 9 => format!(" ({value:#x})"),
            _ => String::new(),
        };
        self.flush_now();
        let _ = writeln!(
            self.err.borrow_mut(),
            "dtrace: error on enabled probe ID {epid} (ID {probe_id}: {probe}): {}{details} in {place}",
            abi::fault_text(code)
        );
        let args = [0, u64::from(epid), u64::from(action), u64::MAX, code, value];
        for symbol in &self.error_probes {
            let point = AttachPoint::Error;
            let run = find_prog(self.obj, symbol, &point).and_then(|p| run_once(&p, &point, &args));
            if let Err(e) = run {
                self.warn(&e.message);
            }
        }
    }

    /// Prints DTrace's drop messages for what was dropped since the last report.
    fn report_drops(&self) {
        let Some(d) = &self.dtrace else { return };
        let tags = d.opts.borrow().other.iter().any(|(n, _)| n == "droptags");
        // The kernel's counters: dynamic variable drops in total, aggregation drops per CPU.
        if let Ok(counts) = maps::drop_counts(self.obj) {
            if let Some(dynvar) = counts.get(abi::DROP_DYNVAR as usize) {
                d.drops.borrow_mut().dynamic = dynvar.iter().sum();
            }
            if let Some(agg) = counts.get(abi::DROP_AGGREGATION as usize) {
                let mut seen = self.agg_drops_reported.borrow_mut();
                seen.resize(agg.len(), 0);
                for (cpu, (now, old)) in agg.iter().zip(seen.iter_mut()).enumerate() {
                    if now > old {
                        let n = now - *old;
                        let tag = if tags {
                            "[DTRACEDROP_AGGREGATION] "
                        } else {
                            ""
                        };
                        let _ = writeln!(
                            self.err.borrow_mut(),
                            "dtrace: {tag}{n} aggregation drop{} on CPU {cpu}",
                            if n > 1 { "s" } else { "" }
                        );
                        *old = *now;
                    }
                }
            }
        }
        let now = *d.drops.borrow();
        let mut reported = self.drops_reported.get();
        if now == reported {
            return;
        }
        for m in now.messages(&reported, tags) {
            let _ = writeln!(self.err.borrow_mut(), "dtrace: {m}");
        }
        reported = now;
        self.drops_reported.set(reported);
    }

    /// Carries out one action with its decoded arguments (`types` are their types).
    fn dispatch(&self, id: usize, kind: &ActionKind, types: &[ir::Type], values: Vec<Value>) {
        if let Some(d) = &self.dtrace {
            if self.handle_d(d, id, kind, types, &values) {
                return;
            }
        }
        match kind {
            ActionKind::Printf { .. } => {
                if let Some(Some(segs)) = self.formats.get(id) {
                    let text = printf::format(segs, &values);
                    if self.json() {
                        self.write(&bt_json::format_printf(&text));
                    } else {
                        self.write(&text);
                    }
                }
            }
            ActionKind::PrintValue => {
                if let Some(v) = values.first().filter(|_| self.json()) {
                    self.write(&bt_json::format_value_line(v));
                } else if let Some(v) = values.first() {
                    let mut s = bt_text::format_value(v);
                    s.push('\n');
                    self.write(&s);
                }
            }
            ActionKind::PrintMap { map, top, div } => {
                match maps::snapshot(self.obj, self.program, *map) {
                    Ok(snap) if self.json() => self.write(&bt_json::format_map(&snap, *top, *div)),
                    Ok(snap) => self.write(&bt_text::format_map(&snap, *top, *div)),
                    Err(e) => self.warn(&e),
                }
            }
            ActionKind::Time { format } => {
                let text = bt_text::format_time(format, SystemTime::now());
                if self.json() {
                    self.write(&bt_json::format_time(&text));
                } else {
                    self.write(&text);
                }
            }
            ActionKind::Clear { map } => {
                if let Err(e) = maps::clear(self.obj, self.program, *map) {
                    self.warn(&e);
                }
            }
            ActionKind::Zero { map } => {
                if let Err(e) = maps::zero(self.obj, self.program, *map) {
                    self.warn(&e);
                }
            }
            ActionKind::System { .. } | ActionKind::Cat { .. } | ActionKind::Diagnostic { .. } => {
                let Some(Some(segs)) = self.formats.get(id) else {
                    return;
                };
                let text = printf::format(segs, &values);
                self.user_action(kind, &text);
            }
            ActionKind::Join { separator } => {
                let text = join_text(&values, separator);
                if self.json() {
                    self.write(&bt_json::format_join(&text));
                } else {
                    self.write(&(text + "\n"));
                }
            }
            ActionKind::Trace
            | ActionKind::Printa { .. }
            | ActionKind::Trunc { .. }
            | ActionKind::Normalize { .. }
            | ActionKind::Denormalize { .. }
            | ActionKind::RecordStart { .. }
            | ActionKind::RecordEnd
            | ActionKind::Buffered { .. }
            | ActionKind::Commit
            | ActionKind::Discard
            | ActionKind::Fault { .. }
            | ActionKind::SpeculationFailed
            | ActionKind::SetOpt { .. }
            | ActionKind::Tracemem => {
                self.warn("this D action needs DTrace output");
            }
            ActionKind::Exit => {
                let code = values.first().and_then(|v| v.as_i128()).unwrap_or(0);
                if self.exit_code.get().is_none() {
                    self.exit_code.set(Some(code as i32));
                }
                self.discard.set(true);
            }
        }
    }
}

/// The text `join()` prints (without its newline): the strings of the `(pointer, string)` pairs
/// up to the first null pointer, separated by `separator`.
fn join_text(values: &[Value], separator: &str) -> String {
    let mut parts = Vec::new();
    for pair in values.chunks(2) {
        let [ptr, s] = pair else { break };
        if ptr.as_i128().unwrap_or(0) == 0 {
            break;
        }
        parts.push(match s {
            Value::Str(s) => s.as_str(),
            _ => "",
        });
    }
    parts.join(separator)
}

/// The first `max` bytes of the file at `path`.
fn read_capped(path: &str, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?.take(max).read_to_end(&mut out)?;
    Ok(out)
}

/// Parses every printf format once, up front.
fn parse_formats(program: &Program) -> Result<Vec<Option<Vec<Segment>>>, RuntimeError> {
    let dialect = match program.config.output {
        ir::OutputStyle::Dtrace(_) => ir::printf::Dialect::Dtrace,
        _ => ir::printf::Dialect::Bpftrace,
    };
    program
        .actions
        .iter()
        .map(|a| match action_format(&a.kind) {
            Some(format) => ir::printf::parse_format_in(format, dialect)
                .map(Some)
                .map_err(|(_, msg)| {
                    RuntimeError::new(format!("bad printf format: {msg}")).at(a.span)
                }),
            None => Ok(None),
        })
        .collect()
}

/// The loaded program named `symbol`, or an error naming the probe.
fn find_prog<'o>(
    obj: &'o Object,
    symbol: &str,
    point: &AttachPoint,
) -> Result<libbpf_rs::ProgramMut<'o>, RuntimeError> {
    obj.progs_mut()
        .find(|p| p.name().to_str() == Some(symbol))
        .ok_or_else(|| {
            RuntimeError::new(format!(
                "the BPF object has no program {symbol} for probe {point}"
            ))
        })
}

/// Attaches the program of `site` (named `symbol`), adding its links to `links` (and, for an
/// iterator, its place in `links` to `iterators`).
fn attach_site<'p>(
    obj: &Object,
    symbol: &str,
    site: &'p ir::AttachSite,
    links: &mut Vec<Link>,
    iterators: &mut Vec<(usize, &'p AttachPoint)>,
) -> Result<(), RuntimeError> {
    let prog = find_prog(obj, symbol, &site.point).map_err(|e| e.at(site.span))?;
    load::take_libbpf_log();
    match attach::attach(&prog, &site.point, u64::from(site.probe_name)) {
        Ok(l) => {
            if matches!(site.point, AttachPoint::Iter { .. }) {
                iterators.extend((0..l.len()).map(|i| (links.len() + i, &site.point)));
            }
            links.extend(l);
            Ok(())
        }
        Err(msg) => Err(RuntimeError::new(msg)
            .at(site.span)
            .with_details(load::take_libbpf_log())),
    }
}

/// Runs a BEGIN, END or ERROR program once with `BPF_PROG_TEST_RUN`; `args` are its first
/// arguments (the rest are 0).
fn run_once(
    prog: &libbpf_rs::ProgramMut<'_>,
    point: &AttachPoint,
    args: &[u64],
) -> Result<(), RuntimeError> {
    // A raw tracepoint (or tracing) program's context is its arguments: at most 12 u64s, and at
    // least as many bytes as the program reads. Other runnable types (syscall) take no context.
    let mut ctx = [0u8; 12 * 8];
    for (slot, a) in ctx.chunks_exact_mut(8).zip(args) {
        slot.copy_from_slice(&a.to_ne_bytes());
    }
    let context_in = match prog.prog_type() {
        ProgramType::RawTracepoint | ProgramType::RawTracepointWritable | ProgramType::Tracing => {
            Some(&mut ctx[..])
        }
        _ => None,
    };
    let input = ProgramInput {
        context_in,
        ..Default::default()
    };
    prog.test_run(input)
        .map(|_| ())
        .map_err(|e| RuntimeError::new(format!("cannot run the {point} probe: {e}")))
}

/// Detaches links: hands the kernel's slow part to a background releaser (see [`crate::release`]),
/// or, if it cannot be started, detaches on several threads (each waits for an RCU grace period).
pub fn teardown(links: Vec<Link>) {
    const THREADS: usize = 16;
    if links.is_empty() {
        return;
    }
    // Normally a background process pays for the kernel's teardown (see `release`).
    if let Some(releaser) = crate::release::spawn() {
        drop(links);
        drop(releaser);
        return;
    }
    if links.len() <= 1 {
        drop(links);
        return;
    }
    let per = links.len().div_ceil(THREADS);
    let mut chunks: Vec<Vec<Link>> = Vec::new();
    let mut it = links.into_iter().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(per).collect());
    }
    std::thread::scope(|s| {
        for c in chunks {
            s.spawn(move || drop(c));
        }
    });
}

/// See [`crate::run`].
pub fn run(program: &Program, elf: &[u8], opts: RunOptions) -> Result<i32, RuntimeError> {
    run_timed(program, elf, opts, &mut std::io::stderr()).map(|(code, _)| code)
}

/// [`crate::run`] with its stderr messages (`Attached N probes`, `Lost N events`, warnings)
/// written to `err`, also returning how long loading, attaching and detaching took.
pub fn run_timed(
    program: &Program,
    elf: &[u8],
    opts: RunOptions,
    err: &mut dyn Write,
) -> Result<(i32, Timings), RuntimeError> {
    let mut timings = Timings::default();
    // Before anything is announced, so that a SIGINT sent once probes are attached is seen.
    install_signal_handlers();
    STOP.store(false, Ordering::SeqCst);
    tracefs::ensure_mounted().map_err(RuntimeError::new)?;
    let dtrace = match &program.config.output {
        ir::OutputStyle::Dtrace(o) => Some(DtraceState {
            opts: RefCell::new(o.clone()),
            testing: std::env::var_os("_DTRACE_TESTING").is_some(),
            header_done: Cell::new(false),
            record_open: Cell::new(false),
            printed: RefCell::new(HashSet::new()),
            normal: RefCell::new(HashMap::new()),
            buffers: RefCell::new(HashMap::new()),
            specsize: o
                .other_value("specsize")
                .and_then(ir::dopts::size)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(DEFAULT_SPECSIZE),
            drops: RefCell::new(Drops::default()),
        }),
        _ => None,
    };
    let formats = parse_formats(program)?;
    decode::set_str_truncation(program.config.max_strlen, &program.config.str_trunc_trailer);

    let t = Instant::now();
    let obj = load::load(program, elf)?;
    timings.load = t.elapsed();
    maps::write_globals(&obj, maps::monotonic_ns()).map_err(RuntimeError::new)?;

    let t = Instant::now();
    let mut links: Vec<Link> = Vec::new();
    let mut count = 0usize;
    let mut begins = Vec::new();
    let mut ends = Vec::new();
    let mut error_probes = Vec::new();
    // Iterators (`iter:task`), as indexes into `links` with their attach point: run after BEGIN.
    let mut iterators = Vec::new();
    // D's BEGIN fires before any other probe (DTrace ignores other probes until BEGIN is done):
    // D programs attach the rest once BEGIN has run.
    let mut after_begin = Vec::new();
    for (p, probe) in program.probes.iter().enumerate() {
        for (s, site) in probe.attach.iter().enumerate() {
            count += site.point.probe_count();
            let symbol = abi::program_symbol(p, abi::program_site(probe, s));
            match site.point {
                AttachPoint::Begin => begins.push((symbol, &site.point)),
                AttachPoint::End => ends.push((symbol, &site.point)),
                AttachPoint::Error => error_probes.push(symbol),
                _ if dtrace.is_some() => after_begin.push((symbol, site)),
                _ => {
                    if let Err(err) = attach_site(&obj, &symbol, site, &mut links, &mut iterators) {
                        teardown(links);
                        return Err(err);
                    }
                }
            }
        }
    }
    timings.attach = t.elapsed();

    if let Some(d) = &dtrace {
        // DTrace's notices: `dtrace: script 'PATH' matched N probes` ... (not when quiet).
        if !d.opts.borrow().quiet {
            for notice in &opts.dtrace_notices {
                let _ = writeln!(err, "{notice}");
            }
        }
        let o = d.opts.borrow().clone();
        if o.uses_destructive && !o.destructive {
            teardown(links);
            return Err(RuntimeError::new(
                "could not enable tracing: Destructive actions not allowed",
            ));
        }
        if o.destructive && !o.quiet && !opts.dtrace_notices.is_empty() {
            let _ = writeln!(err, "dtrace: allowing destructive actions");
        }
    } else if !opts.quiet && opts.format == OutputFormat::Text {
        let _ = writeln!(
            err,
            "Attached {count} probe{}",
            if count == 1 { "" } else { "s" }
        );
    }
    let mut child = opts.child;
    let watch_pid = opts.watch_pid;
    let handler = Handler {
        program,
        obj: &obj,
        formats,
        out: RefCell::new(opts.output),
        exit_code: Cell::new(None),
        discard: Cell::new(false),
        warned: Cell::new(false),
        err: RefCell::new(err),
        format: opts.format,
        buffering: opts.buffering,
        dtrace,
        error_probes,
        drops_reported: Cell::new(Drops::default()),
        agg_drops_reported: RefCell::new(Vec::new()),
        source: opts.source.clone(),
    };
    if !opts.quiet && opts.format == OutputFormat::Json {
        handler.write(&bt_json::format_attached(count));
        handler.flush_now();
    }
    // The notify line tells a harness it may start its workload. It comes after BEGIN has run
    // and its output has been read: otherwise a probe that fires during the workload could put
    // an exit() in the ring buffer ahead of BEGIN's output, which would then be dropped.
    let notify_attached = || {
        if std::env::var_os("__BPFTRACE_NOTIFY_PROBES_ATTACHED").is_some() {
            handler.write("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
            handler.flush_now();
        }
    };
    if opts.dry_run {
        for (symbol, site) in &after_begin {
            if let Err(e) = attach_site(&obj, symbol, site, &mut links, &mut iterators) {
                teardown(links);
                return Err(e);
            }
        }
        notify_attached();
        let t = Instant::now();
        teardown(links);
        timings.detach = t.elapsed();
        return Ok((0, timings));
    }

    let events = maps::find(&obj, abi::EVENTS_MAP);
    let mut builder = RingBufferBuilder::new();
    if let Some(m) = &events {
        builder
            .add(m, |data: &[u8]| handler.handle(data))
            .map_err(|e| RuntimeError::new(format!("cannot read the event ring buffer: {e}")))?;
    }
    let rb =
        if events.is_some() {
            Some(builder.build().map_err(|e| {
                RuntimeError::new(format!("cannot read the event ring buffer: {e}"))
            })?)
        } else {
            None
        };
    let consume = || -> Result<(), RuntimeError> {
        if let Some(rb) = &rb {
            rb.consume().map_err(|e| {
                RuntimeError::new(format!("reading the event ring buffer failed: {e}"))
            })?;
        }
        handler.flush();
        Ok(())
    };

    let mut result = Ok(());
    for (symbol, point) in &begins {
        let prog = find_prog(&obj, symbol, point)?;
        if let Err(e) = run_once(&prog, point, &[]) {
            result = Err(e);
            break;
        }
        consume()?;
        if handler.exit_code.get().is_some() {
            break;
        }
    }
    if result.is_ok() && handler.exit_code.get().is_none() {
        let t = Instant::now();
        for (symbol, site) in &after_begin {
            if let Err(e) = attach_site(&obj, symbol, site, &mut links, &mut iterators) {
                result = Err(e);
                break;
            }
        }
        timings.attach += t.elapsed();
    }
    // Iterators run once, after BEGIN; then tracing stops, as in bpftrace.
    if !iterators.is_empty() && result.is_ok() && handler.exit_code.get().is_none() {
        for (i, point) in &iterators {
            if let Err(e) = attach::run_iterator(&links[*i], point) {
                result = Err(RuntimeError::new(e));
                break;
            }
            consume()?;
        }
        if handler.exit_code.get().is_none() {
            handler.exit_code.set(Some(0));
        }
    }
    notify_attached();

    // The -c command runs once everything is attached and BEGIN has run.
    if let Some(c) = child.as_mut().filter(|_| result.is_ok()) {
        if let Err(e) = c.release() {
            result = Err(RuntimeError::new(e));
        }
    }

    // The main loop.
    while result.is_ok() && handler.exit_code.get().is_none() && !STOP.load(Ordering::SeqCst) {
        if PRINT_MAPS.swap(false, Ordering::SeqCst) {
            handler.print_all_maps();
        }
        // -c: stop when the command exits; -p: when the process is gone.
        if child.as_mut().is_some_and(child::HeldChild::has_exited)
            || watch_pid.is_some_and(|p| !child::process_exists(p))
        {
            break;
        }
        match &rb {
            Some(rb) => match rb.poll(Duration::from_millis(100)) {
                Ok(()) => {}
                Err(e) if e.kind() == libbpf_rs::ErrorKind::Interrupted => {}
                Err(e) => {
                    result = Err(RuntimeError::new(format!(
                        "reading the event ring buffer failed: {e}"
                    )))
                }
            },
            None => std::thread::sleep(Duration::from_millis(50)),
        }
        handler.flush();
        handler.report_drops();
    }

    // Stop: quiet every event-driven probe, take whatever is pending (dropped after exit()),
    // then END probes and their output.
    if let Err(e) = maps::stop_probes(&obj) {
        handler.warn(&e);
    }
    consume()?;
    handler.discard.set(false);
    for (symbol, point) in &ends {
        let prog = find_prog(&obj, symbol, point)?;
        if let Err(e) = run_once(&prog, point, &[]) {
            result = result.and(Err(e));
        }
        consume()?;
        // exit() in an END probe only sets the exit code; later END output still prints.
        handler.discard.set(false);
    }
    handler.report_drops();
    match maps::lost_events(&obj) {
        Ok(0) => {}
        Ok(n) if handler.json() => handler.write(&bt_json::format_lost_events(n)),
        Ok(n) => {
            let _ = writeln!(handler.err.borrow_mut(), "Lost {n} events");
        }
        Err(e) => handler.warn(&format!("cannot read the lost-events counter: {e}")),
    }
    if let Some(d) = handler.dtrace.as_ref().filter(|_| result.is_ok()) {
        if let Err(e) = handler.d_exit_dump(d) {
            result = Err(RuntimeError::new(e));
        }
    } else if result.is_ok() && program.config.print_maps_on_exit {
        match maps::non_empty_snapshots(&obj, program) {
            Ok(snaps) if handler.json() => handler.write(&bt_json::format_exit_dump(&snaps)),
            Ok(snaps) => handler.write(&bt_text::format_exit_dump(&snaps)),
            Err(e) => result = Err(RuntimeError::new(e)),
        }
    }
    handler.flush_now();
    drop(rb);
    let t = Instant::now();
    teardown(links);
    timings.detach = t.elapsed();
    result.map(|()| (handler.exit_code.get().unwrap_or(0), timings))
}
