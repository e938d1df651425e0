//! oxtrace's kernel side: loads a compiled BPF object, attaches its programs, carries out the
//! actions its programs send through the ring buffer, and prints maps at exit.
//!
//! The byte-level contract with the generated BPF code is [`ir::abi`]. Formatting of values and
//! maps lives in [`output`]; decoding of bytes into [`value::Value`]s in [`decode`].

pub mod attach;
pub mod child;
pub mod decode;
pub mod load;
pub mod maps;
pub mod output;
pub mod release;
pub mod session;
pub mod symbols;
pub mod text;
pub mod tracefs;
pub mod value;

use std::fmt;

/// How [`run`] behaves.
pub struct RunOptions {
    /// Do not print `Attached N probes` (`-q`).
    pub quiet: bool,
    /// Verbose (`-v`): the CLI shows [`RuntimeError::details`].
    pub verbose: bool,
    /// Stop right after attaching, before BEGIN probes run (`--dry-run`).
    pub dry_run: bool,
    /// stdout replacement (-o FILE)
    pub output: Box<dyn std::io::Write + Send>,
    /// Text or JSON output (`-f`).
    pub format: OutputFormat,
    /// When program output is flushed (`-B`).
    pub buffering: Buffering,
    /// The `-c` child, held before exec: released once probes are attached and BEGIN ran; the
    /// session ends when it exits.
    pub child: Option<child::HeldChild>,
    /// `-p PID`: the session ends when this process exits.
    pub watch_pid: Option<u32>,
    /// D programs: DTrace's notices (`dtrace: script 'PATH' matched N probes`, one per program),
    /// printed on stderr once probes are enabled unless quiet; the runtime follows them with
    /// `dtrace: allowing destructive actions` when that option is set.
    pub dtrace_notices: Vec<String>,
    /// The program's text: where `-k` helper-error warnings find the `file:line:col` of the
    /// expression whose helper failed (`None`: the location is left out).
    pub source: Option<ir::SourceFile>,
}

/// Output format of program output (`-f text|json`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// bpftrace's text output ([`output::bt_text`]).
    #[default]
    Text,
    /// bpftrace's NDJSON output ([`output::bt_json`]); `attached_probes` and `lost_events` go
    /// to the output too.
    Json,
}

/// When program output is flushed (`-B`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Buffering {
    /// After every batch of events (and so after every line; the default).
    #[default]
    Line,
    /// Only when the output's own buffer is full, and at exit (the CLI wraps the output in a
    /// large buffer).
    Full,
    /// After every single write.
    None,
}

/// A failure the CLI prints as one diagnostic (exit code 1). `span` points at the probe/attach
/// point/call it came from when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    /// The diagnostic's message (may span several lines, e.g. quoted verifier lines).
    pub message: String,
    /// Where in the source it comes from, when known.
    pub span: Option<ir::Span>,
    /// Extra text for `-v`: the full verifier or libbpf log.
    pub details: Option<String>,
    /// What the user can do about it, shown as `help:`.
    pub hint: Option<String>,
}

impl RuntimeError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> RuntimeError {
        RuntimeError {
            message: message.into(),
            span: None,
            details: None,
            hint: None,
        }
    }

    /// The same error pointing at `span`.
    pub fn at(mut self, span: ir::Span) -> RuntimeError {
        self.span = Some(span);
        self
    }

    /// The same error with `details` for `-v` (ignored when blank).
    pub fn with_details(mut self, details: impl Into<String>) -> RuntimeError {
        let d = details.into();
        if !d.trim().is_empty() {
            self.details = Some(d);
        }
        self
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// Loads, attaches and runs a compiled program until exit()/SIGINT/SIGTERM; returns the process exit code.
pub fn run(program: &ir::Program, elf: &[u8], opts: RunOptions) -> Result<i32, RuntimeError> {
    session::run(program, elf, opts)
}

/// True when the process runs as root (euid 0) — the CLI checks it before compiling and prints a clear error.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The number of possible CPUs (per-CPU map slots), for code generation: per-CPU aggregations
/// are summed over this many slots. Falls back to 1 if the kernel cannot tell.
pub fn possible_cpus() -> u32 {
    libbpf_rs::num_possible_cpus().map_or(1, |n| n.max(1) as u32)
}
