//! The `oxtrace` command: parse the command line, then run the pipeline
//! text -> frontend -> IR -> backend -> BPF object -> runtime -> output.
//!
//! This file is the pipeline as one readable function ([`run`]); everything it calls lives in the
//! workspace crates. Every failure becomes one rendered diagnostic on stderr and exit code 1.

mod cli;
mod list;

use cli::{BufferMode, Cli, Emit, Format};
use ir::diag::{render, render_all, Diagnostic};
use ir::SourceFile;
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(()) => ExitCode::from(1),
    }
}

/// Runs the whole pipeline. Diagnostics are printed here and nowhere else; `Err` means "exit 1".
fn run(cli: &Cli) -> Result<i32, ()> {
    if cli.list && cli.expr.is_none() && !cli.is_d() {
        return list_probes(cli);
    }
    if cli.is_d() {
        return run_d(cli);
    }
    let file = read_program(cli)?;
    let compile_only = cli.emit.is_some();
    if !compile_only && !runtime::is_root() {
        return fail(
            &file,
            Diagnostic::global("oxtrace must run as root (it loads BPF programs)"),
        );
    }
    if runtime::is_root() {
        // The catalogue reads tracefs; mounting it is the runtime's job, and cheap when mounted.
        if let Err(e) = runtime::tracefs::ensure_mounted() {
            return fail(&file, Diagnostic::global(e));
        }
    }

    let catalog = match ir::catalog::TracefsCatalog::new() {
        Ok(c) => c,
        Err(e) => return fail(&file, Diagnostic::global(e.to_string())),
    };
    // Kernel BTF is read only if the program names a kernel type (curtask, struct casts, ...).
    let types = ir::catalog::BtfCatalog::live();
    if let Some(pid) = cli.pid {
        if !runtime::child::process_exists(pid) {
            return fail(
                &file,
                Diagnostic::global(format!("-p {pid}: no such process")),
            );
        }
    }
    // -c: the child is forked now, held before exec, so that `cpid` is a constant; it runs once
    // probes are attached (and exits unrun if anything fails before).
    let child = match &cli.cmd {
        Some(cmd) if !compile_only && !cli.list => match runtime::child::HeldChild::spawn(cmd) {
            Ok(c) => Some(c),
            Err(e) => return fail(&file, Diagnostic::global(e)),
        },
        _ => None,
    };
    let options = frontend_bt::LowerOptions {
        catalog: &catalog,
        types: &types,
        params: cli.params.clone(),
        // With -c and compile-only modes, cpid is a placeholder 0.
        cpid: child
            .as_ref()
            .map(runtime::child::HeldChild::pid)
            .or(cli.cmd.as_ref().map(|_| 0)),
        filter_pid: cli.pid,
        unsafe_mode: cli.unsafe_mode,
        env_config: std::env::vars()
            .filter(|(k, _)| k.starts_with("BPFTRACE_"))
            .collect(),
    };
    let (program, diags) = frontend_bt::compile(&file, &options);
    let shown: Vec<Diagnostic> = diags
        .iter()
        .filter(|d| !cli.no_warnings || d.is_error())
        .cloned()
        .collect();
    eprint!("{}", render_all(&file, &shown));
    let Some(program) = program.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        return Err(());
    };

    let problems = ir::valid::validate(&program);
    if !problems.is_empty() {
        report(&file, &problems);
        return Err(());
    }

    if cli.list {
        print!("{}", list::program_probes(&program));
        return Ok(0);
    }
    if cli.emit == Some(Emit::Ir) {
        print!("{}", ir::dump::dump_program(&program));
        return Ok(0);
    }
    let backend_options = backend::BackendOptions {
        ncpus: runtime::possible_cpus(),
        helper_errors: cli.warnings > 0,
    };
    if cli.emit == Some(Emit::Llvm) {
        let text =
            backend::emit_llvm_ir(&program, &backend_options).map_err(|d| report(&file, &d))?;
        print!("{text}");
        return Ok(0);
    }
    let object = backend::compile(&program, &backend_options).map_err(|d| report(&file, &d))?;
    if cli.emit == Some(Emit::Elf) {
        let mut out = open_output(cli, &file)?;
        out.write_all(&object.elf)
            .map_err(|e| report(&file, &[Diagnostic::global(e.to_string())]))?;
        return Ok(0);
    }

    let mut output = open_output(cli, &file)?;
    if cli.buffering == BufferMode::Full {
        output = Box::new(std::io::BufWriter::with_capacity(64 * 1024, output));
    }
    let options = runtime::RunOptions {
        quiet: cli.quiet,
        verbose: cli.verbose,
        dry_run: cli.dry_run,
        output,
        format: match cli.format {
            Format::Text => runtime::OutputFormat::Text,
            Format::Json => runtime::OutputFormat::Json,
        },
        buffering: match cli.buffering {
            BufferMode::Line => runtime::Buffering::Line,
            BufferMode::Full => runtime::Buffering::Full,
            BufferMode::None => runtime::Buffering::None,
        },
        child,
        watch_pid: cli.pid,
        dtrace_notice: None,
        source: Some(file.clone()),
    };
    runtime::run(&program, &object.elf, options).map_err(|e| {
        let mut d = match e.span {
            Some(span) => Diagnostic::error(span, e.message),
            None => Diagnostic::global(e.message),
        };
        match (e.details, cli.verbose) {
            (Some(details), true) => d = d.with_note(details),
            (Some(_), false) => d = d.with_note("run with -v to see the full verifier log"),
            (None, _) => {}
        }
        if let Some(hint) = e.hint {
            d = d.with_help(hint);
        }
        eprint!("{}", render(&file, &d));
    })
}

/// DTrace's D (`-s FILE`, `-n TEXT`, or a FILE ending in `.d`): the same pipeline with the D
/// front end, DTrace's diagnostics (`dtrace: failed to compile script PATH: line N: message`)
/// and DTrace's notice (`dtrace: script 'PATH' matched N probes`).
fn run_d(cli: &Cli) -> Result<i32, ()> {
    let (file, path, notice) = if let Some(text) = &cli.d_expr {
        let file = SourceFile::new(text.clone(), text.clone());
        (file, text.clone(), format!("description '{text}'"))
    } else {
        let path = cli
            .d_script
            .clone()
            .or(cli.file.clone())
            .unwrap_or_default();
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => SourceFile::new(path.clone(), text),
            Err(e) => {
                eprintln!("dtrace: failed to open {path}: {e}");
                return Err(());
            }
        };
        (file, path.clone(), format!("script '{path}'"))
    };
    let compile_only = cli.emit.is_some();
    let global = |msg: String| {
        eprintln!("dtrace: {msg}");
    };
    if !compile_only && !runtime::is_root() {
        global("oxtrace must run as root (it loads BPF programs)".into());
        return Err(());
    }
    if runtime::is_root() {
        if let Err(e) = runtime::tracefs::ensure_mounted() {
            global(e);
            return Err(());
        }
    }
    let catalog = match ir::catalog::TracefsCatalog::new() {
        Ok(c) => c,
        Err(e) => {
            global(e.to_string());
            return Err(());
        }
    };
    if let Some(pid) = cli.pid {
        if !runtime::child::process_exists(pid) {
            global(format!("failed to grab pid {pid}: No such process"));
            return Err(());
        }
    }
    let child = match &cli.cmd {
        Some(cmd) if !compile_only => match runtime::child::HeldChild::spawn(cmd) {
            Ok(c) => Some(c),
            Err(e) => {
                global(e);
                return Err(());
            }
        },
        _ => None,
    };
    // SAFETY: these calls only read the calling process's ids.
    let process = unsafe {
        frontend_d::ProcessMacros {
            pid: i64::from(libc::getpid()),
            ppid: i64::from(libc::getppid()),
            uid: i64::from(libc::getuid()),
            gid: i64::from(libc::getgid()),
            sid: i64::from(libc::getsid(0)),
            pgid: i64::from(libc::getpgrp()),
        }
    };
    let types = ir::catalog::BtfCatalog::live();
    let options = frontend_d::LowerOptions {
        catalog: &catalog,
        types: &types,
        macro_args: cli.params.clone(),
        options: cli
            .d_options
            .iter()
            .map(|o| match o.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (o.clone(), None),
            })
            .collect(),
        target: child
            .as_ref()
            .map(runtime::child::HeldChild::pid)
            .or(cli.pid),
        process,
        quiet: cli.quiet,
    };
    let render = |diags: &[Diagnostic]| {
        let text = frontend_d::render_errors(&file, diags);
        if cli.d_expr.is_some() {
            // -n: DTrace names the description, not a script.
            let from = format!("dtrace: failed to compile script {path}: ");
            let to = format!("dtrace: invalid probe specifier {path}: ");
            eprint!("{}", text.replace(&from, &to));
        } else {
            eprint!("{text}");
        }
    };
    let (program, diags) = frontend_d::compile(&file, &options);
    let shown: Vec<Diagnostic> = diags
        .iter()
        .filter(|d| !cli.no_warnings || d.is_error())
        .cloned()
        .collect();
    render(&shown);
    let Some(program) = program.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        return Err(());
    };
    let problems = ir::valid::validate(&program);
    if !problems.is_empty() {
        render(&problems);
        return Err(());
    }
    if cli.list {
        print!("{}", list::program_probes(&program));
        return Ok(0);
    }
    if cli.emit == Some(Emit::Ir) {
        print!("{}", ir::dump::dump_program(&program));
        return Ok(0);
    }
    let backend_options = backend::BackendOptions {
        ncpus: runtime::possible_cpus(),
        helper_errors: false,
    };
    if cli.emit == Some(Emit::Llvm) {
        let text = backend::emit_llvm_ir(&program, &backend_options).map_err(|d| render(&d))?;
        print!("{text}");
        return Ok(0);
    }
    let object = backend::compile(&program, &backend_options).map_err(|d| render(&d))?;
    if cli.emit == Some(Emit::Elf) {
        let mut out = open_output(cli, &file)?;
        out.write_all(&object.elf)
            .map_err(|e| global(e.to_string()))?;
        return Ok(0);
    }
    let mut output = open_output(cli, &file)?;
    if cli.buffering == BufferMode::Full {
        output = Box::new(std::io::BufWriter::with_capacity(64 * 1024, output));
    }
    let options = runtime::RunOptions {
        quiet: cli.quiet,
        verbose: cli.verbose,
        dry_run: cli.dry_run,
        output,
        format: runtime::OutputFormat::Text,
        buffering: match cli.buffering {
            BufferMode::Line => runtime::Buffering::Line,
            BufferMode::Full => runtime::Buffering::Full,
            BufferMode::None => runtime::Buffering::None,
        },
        child,
        watch_pid: cli.pid,
        dtrace_notice: Some(notice),
        source: None,
    };
    runtime::run(&program, &object.elf, options).map_err(|e| {
        let line = e
            .span
            .map(|s| format!("line {}: ", file.line_col(s.start).0))
            .unwrap_or_default();
        eprintln!("dtrace: {line}{}", e.message);
        match (e.details, cli.verbose) {
            (Some(details), true) => eprintln!("{details}"),
            (Some(_), false) => eprintln!("dtrace: run with -v to see the full verifier log"),
            (None, _) => {}
        }
    })
}

/// `-l [PATTERN]` without a program: lists matching probes on stdout.
fn list_probes(cli: &Cli) -> Result<i32, ()> {
    let nofile = SourceFile::new("stdin", String::new());
    if runtime::is_root() {
        if let Err(e) = runtime::tracefs::ensure_mounted() {
            return fail(&nofile, Diagnostic::global(e));
        }
    }
    let catalog = match ir::catalog::TracefsCatalog::new() {
        Ok(c) => c,
        Err(e) => return fail(&nofile, Diagnostic::global(e.to_string())),
    };
    let mut warn = |w: String| {
        if !cli.no_warnings {
            eprintln!("WARNING: {w}");
        }
    };
    let text = list::list(
        cli.file.as_deref(),
        cli.verbose,
        cli.pid,
        &catalog,
        &mut warn,
    );
    let mut out = open_output(cli, &nofile)?;
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(0)
}

/// Reads the program text from `-e`, a file, or stdin (`-`).
fn read_program(cli: &Cli) -> Result<SourceFile, ()> {
    if let Some(text) = &cli.expr {
        return Ok(SourceFile::new("stdin", text.clone()));
    }
    let Some(path) = &cli.file else {
        eprintln!("oxtrace: no program given: use -e PROGRAM or a FILE (see --help)");
        return Err(());
    };
    if path == "-" {
        let mut text = String::new();
        return match std::io::stdin().read_to_string(&mut text) {
            Ok(_) => Ok(SourceFile::new("stdin", text)),
            Err(e) => {
                eprintln!("oxtrace: cannot read the program from stdin: {e}");
                Err(())
            }
        };
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile::new(path.clone(), text)),
        Err(e) => {
            eprintln!("oxtrace: cannot read program file '{path}': {e}");
            Err(())
        }
    }
}

/// Standard output, or the `-o` file.
fn open_output(cli: &Cli, file: &SourceFile) -> Result<Box<dyn Write + Send>, ()> {
    match &cli.output {
        None => Ok(Box::new(std::io::stdout())),
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) => fail(
                file,
                Diagnostic::global(format!("cannot open output file '{path}': {e}")),
            ),
        },
    }
}

fn report(file: &SourceFile, diags: &[Diagnostic]) {
    eprint!("{}", render_all(file, diags));
}

fn fail<T>(file: &SourceFile, diag: Diagnostic) -> Result<T, ()> {
    report(file, &[diag]);
    Err(())
}
