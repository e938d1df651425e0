//! Command-line parsing (clap). bpftrace's flags, spelled as bpftrace spells them.

use clap::{Parser, ValueEnum};
use std::process::ExitCode;

/// What `--emit` writes instead of running the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The IR's text dump.
    Ir,
    /// The optimised LLVM IR.
    Llvm,
    /// The BPF ELF object (to stdout or `-o FILE`).
    Elf,
}

/// Output formats of `-f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// bpftrace's text output.
    Text,
    /// bpftrace's NDJSON output.
    Json,
}

/// Output buffering modes of `-B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BufferMode {
    /// Flush after every line (the default).
    Line,
    /// Flush only when the buffer is full, and at exit.
    Full,
    /// Flush after every write.
    None,
}

/// oxtrace: run bpftrace programs on eBPF.
#[derive(Parser, Debug)]
#[command(name = "oxtrace", version, about, disable_help_subcommand = true)]
pub struct Cli {
    /// The program text.
    #[arg(short = 'e', value_name = "PROGRAM")]
    pub expr: Option<String>,
    /// A DTrace option for D scripts, `-x name[=value]` (as `#pragma D option`); repeatable.
    #[arg(short = 'x', value_name = "OPTION[=VALUE]")]
    pub d_options: Vec<String>,

    /// A DTrace D script file (a FILE ending in `.d` is one too); macro arguments follow.
    #[arg(short = 's', value_name = "SCRIPT", conflicts_with = "expr")]
    pub d_script: Option<String>,
    /// Run the C preprocessor (`cpp`) on the D script first, as DTrace's `-C` does.
    #[arg(short = 'C')]
    pub cpp: bool,
    /// A DTrace D program given as text; macro arguments follow.
    #[arg(short = 'n', value_name = "D PROGRAM", conflicts_with_all = ["expr", "d_script"])]
    pub d_expr: Option<String>,
    /// Suppress "Attached N probes" and other status messages.
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Verbose: full verifier logs on load errors.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Write program output to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Output format.
    #[arg(short = 'f', value_enum, default_value = "text")]
    pub format: Format,
    /// Output buffering.
    #[arg(short = 'B', value_enum, value_name = "MODE", default_value = "line")]
    pub buffering: BufferMode,
    /// Runtime warnings for BPF helper errors (accepted; see the README for what is reported).
    #[arg(short = 'k', long = "warnings", action = clap::ArgAction::Count)]
    pub warnings: u8,
    /// Do not print compile-time warnings.
    #[arg(long = "no-warnings")]
    pub no_warnings: bool,
    /// Run CMD (split at whitespace) once probes are attached; exit when it exits. `cpid` is its pid.
    #[arg(short = 'c', long = "cmd", value_name = "CMD")]
    pub cmd: Option<String>,
    /// Trace only process PID (every probe but BEGIN, END and interval); exit when it exits.
    #[arg(short = 'p', long = "pid", value_name = "PID")]
    pub pid: Option<u32>,
    /// List probes matching the pattern (the first argument), or the probes of the program given
    /// with -e; with -v, tracepoint arguments too.
    #[arg(short = 'l', long = "list")]
    pub list: bool,
    /// Allow unsafe functions (`system`, `signal`, `signal_thread`).
    #[arg(long = "unsafe")]
    pub unsafe_mode: bool,
    /// Compile, load and attach, then exit without running BEGIN probes.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Compile only, and print the IR, LLVM IR or BPF object.
    #[arg(long = "emit", value_enum, value_name = "WHAT")]
    pub emit: Option<Emit>,
    /// The program file (`-` for stdin) when -e is not given, then positional parameters ($1, $2, ...).
    #[arg(
        value_name = "FILE | PARAMS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub rest: Vec<String>,
    /// The program file (filled from `rest`).
    #[arg(skip)]
    pub file: Option<String>,
    /// Positional parameters (filled from `rest`).
    #[arg(skip)]
    pub params: Vec<String>,
}

/// Parses `std::env::args`; on `--help`/`--version` or a usage error prints and returns the exit code.
pub fn parse() -> Result<Cli, ExitCode> {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return Err(ExitCode::from(code));
        }
    };
    let mut rest = std::mem::take(&mut cli.rest).into_iter();
    if cli.expr.is_none() && cli.d_script.is_none() && cli.d_expr.is_none() {
        cli.file = rest.next();
    }
    cli.params = rest.collect();
    // `-l 'usdt:*' -p PID` (as bpftrace's documentation writes it): a listing has no positional
    // parameters, so a `-p PID` after the pattern is the option.
    if cli.list && cli.pid.is_none() {
        if let Some(at) = cli.params.iter().position(|p| p == "-p" || p == "--pid") {
            match cli.params.get(at + 1).and_then(|v| v.parse::<u32>().ok()) {
                Some(pid) => {
                    cli.pid = Some(pid);
                    cli.params.drain(at..at + 2);
                }
                None => {
                    eprintln!("oxtrace: -p needs a process id");
                    return Err(ExitCode::from(1));
                }
            }
        }
    }
    if cli.cmd.is_some() && cli.pid.is_some() {
        eprintln!("oxtrace: -c and -p cannot be used together");
        return Err(ExitCode::from(1));
    }
    Ok(cli)
}

impl Cli {
    /// True when the program is DTrace's D: `-s`, `-n`, or a FILE ending in `.d`.
    pub fn is_d(&self) -> bool {
        self.d_script.is_some()
            || self.d_expr.is_some()
            || self.file.as_deref().is_some_and(|f| f.ends_with(".d"))
    }
}
