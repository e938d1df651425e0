//! The run loop: load, attach, run BEGIN, carry out ring-buffer actions, stop, END, print, detach.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime};

use libbpf_rs::{Link, Object, ProgramInput, ProgramType, RingBufferBuilder};

use ir::printf::Segment;
use ir::{abi, ActionKind, AttachPoint, Program};

use crate::output::{bt_json, bt_text, printf};
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
                    Ok(out) => self.write(&String::from_utf8_lossy(&out.stdout)),
                    Err(e) => {
                        let _ = writeln!(self.err.borrow_mut(), "ERROR: system(\"{text}\"): {e}");
                    }
                }
            }
            ActionKind::Cat { .. } => match read_capped(text, MAX_CAT_BYTES) {
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
            } => {
                self.flush();
                let level = if *error { "ERROR" } else { "WARNING" };
                let _ = writeln!(self.err.borrow_mut(), "{location}: {level}: {text}");
            }
            _ => {}
        }
    }

    /// Carries out one ring-buffer record. Always returns 0 (keep consuming).
    fn handle(&self, record: &[u8]) -> i32 {
        if self.discard.get() {
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
        match &action.kind {
            ActionKind::Printf { .. } => {
                if let Some(Some(segs)) = self.formats.get(id.0 as usize) {
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
                let Some(Some(segs)) = self.formats.get(id.0 as usize) else {
                    return 0;
                };
                let text = printf::format(segs, &values);
                self.user_action(&action.kind, &text);
            }
            ActionKind::Trace
            | ActionKind::Printa { .. }
            | ActionKind::Trunc { .. }
            | ActionKind::Normalize { .. }
            | ActionKind::Denormalize { .. }
            | ActionKind::RecordStart { .. }
            | ActionKind::RecordEnd => {
                self.warn("this D action is not supported yet");
            }
            ActionKind::Exit => {
                let code = values.first().and_then(|v| v.as_i128()).unwrap_or(0);
                if self.exit_code.get().is_none() {
                    self.exit_code.set(Some(code as i32));
                }
                self.discard.set(true);
            }
        }
        0
    }
}

/// The most bytes `cat()` prints of a file (bpftrace's `max_cat_bytes`).
const MAX_CAT_BYTES: u64 = 10240;

/// The first `max` bytes of the file at `path`.
fn read_capped(path: &str, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?.take(max).read_to_end(&mut out)?;
    Ok(out)
}

/// Parses every printf format once, up front.
fn parse_formats(program: &Program) -> Result<Vec<Option<Vec<Segment>>>, RuntimeError> {
    program
        .actions
        .iter()
        .map(|a| match &a.kind {
            ActionKind::Printf { format }
            | ActionKind::System { format }
            | ActionKind::Cat { format }
            | ActionKind::Diagnostic { format, .. } => ir::printf::parse_format(format)
                .map(Some)
                .map_err(|(_, msg)| {
                    RuntimeError::new(format!("bad printf format: {msg}")).at(a.span)
                }),
            _ => Ok(None),
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

/// Runs a BEGIN or END program once with `BPF_PROG_TEST_RUN`.
fn run_once(prog: &libbpf_rs::ProgramMut<'_>, point: &AttachPoint) -> Result<(), RuntimeError> {
    // A raw tracepoint (or tracing) program's context is its arguments: at most 12 u64s, and at
    // least as many bytes as the program reads. Other runnable types (syscall) take no context.
    let mut ctx = [0u8; 12 * 8];
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
    if matches!(program.config.output, ir::OutputStyle::Dtrace(_)) {
        return Err(RuntimeError::new(
            "running D scripts (DTrace output) is not supported yet",
        ));
    }
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
    for (p, probe) in program.probes.iter().enumerate() {
        for (s, site) in probe.attach.iter().enumerate() {
            count += site.point.probe_count();
            let symbol = abi::program_symbol(p, s);
            match site.point {
                AttachPoint::Begin => begins.push((symbol, &site.point)),
                AttachPoint::End => ends.push((symbol, &site.point)),
                _ => {
                    let prog =
                        find_prog(&obj, &symbol, &site.point).map_err(|e| e.at(site.span))?;
                    load::take_libbpf_log();
                    match attach::attach(&prog, &site.point) {
                        Ok(l) => links.extend(l),
                        Err(msg) => {
                            let err = RuntimeError::new(msg)
                                .at(site.span)
                                .with_details(load::take_libbpf_log());
                            teardown(links);
                            return Err(err);
                        }
                    }
                }
            }
        }
    }
    timings.attach = t.elapsed();

    if !opts.quiet && opts.format == OutputFormat::Text {
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
        if let Err(e) = run_once(&prog, point) {
            result = Err(e);
            break;
        }
        consume()?;
        if handler.exit_code.get().is_some() {
            break;
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
    }

    // Stop: whatever is pending (dropped after exit()), then END probes and their output.
    consume()?;
    handler.discard.set(false);
    for (symbol, point) in &ends {
        let prog = find_prog(&obj, symbol, point)?;
        if let Err(e) = run_once(&prog, point) {
            result = result.and(Err(e));
        }
        consume()?;
        // exit() in an END probe only sets the exit code; later END output still prints.
        handler.discard.set(false);
    }
    match maps::lost_events(&obj) {
        Ok(0) => {}
        Ok(n) if handler.json() => handler.write(&bt_json::format_lost_events(n)),
        Ok(n) => {
            let _ = writeln!(handler.err.borrow_mut(), "Lost {n} events");
        }
        Err(e) => handler.warn(&format!("cannot read the lost-events counter: {e}")),
    }
    if result.is_ok() && program.config.print_maps_on_exit {
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
