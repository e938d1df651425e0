//! The `oxtrace` command: parse the command line, then run the pipeline
//! text -> frontend -> IR -> backend -> BPF object -> runtime -> output.
//!
//! This file is the pipeline as one readable function ([`run`]); everything it calls lives in the
//! workspace crates. Every failure becomes one rendered diagnostic on stderr and exit code 1.

mod cli;
mod cpp;
mod djob;
mod dtrace_cli;
mod dtrace_list;
mod list;

use cli::{BufferMode, Cli, Emit, Format};
use djob::{DJob, ListStyle};
use dtrace_cli::Spec;
use ir::diag::{render, render_all, Diagnostic};
use ir::{SourceFile, Span};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args
        .first()
        .is_some_and(|a| dtrace_cli::invoked_as_dtrace(a))
    {
        return dtrace_main(&args);
    }
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(()) => ExitCode::from(1),
    }
}

/// The binary invoked as `dtrace`: DTrace's command line, then the D pipeline.
fn dtrace_main(args: &[String]) -> ExitCode {
    // DTRACE_OPT_* variables that name no valid option are ignored, as DTrace does.
    let env: Vec<(String, String)> = dtrace_cli::env_options()
        .into_iter()
        .filter(|(n, v)| {
            let mut scratch = ir::DtraceOptions::default();
            let v = (!v.is_empty()).then_some(v.as_str());
            frontend_d::lower::apply_option(&mut scratch, n, v).is_ok()
        })
        .collect();
    let cli = match dtrace_cli::parse(args, &env).finish() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let job = match DJob::from_dtrace(&cli) {
        Ok(job) => job,
        Err(message) => {
            eprintln!("{}: {message}", cli.pname);
            return ExitCode::from(1);
        }
    };
    match run_d(&job) {
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
        return run_d(&DJob::from_oxtrace(cli));
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
        command: cli
            .cmd
            .as_deref()
            .and_then(runtime::child::command_program)
            .map(|p| p.to_string_lossy().into_owned()),
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
        dtrace_notices: Vec::new(),
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

/// One D program of a run, loaded: its text (after `-C`), how DTrace names it in notices and
/// errors, and where it sits in the text compiled as one.
struct Piece {
    text: String,
    /// The path or the argument as given (for errors).
    path: String,
    /// `script` or `description`.
    kind: &'static str,
    /// The name DTrace's notice shows (a description is cut at its first `{`, `/` or `;`).
    name: String,
    /// Byte offset in the combined text.
    start: usize,
}

/// DTrace's D (`-s FILE`, `-n TEXT`, a FILE ending in `.d`, or DTrace's own command line): the
/// same pipeline with the D front end. Several programs (`-s a.d -n 'BEGIN {...}'`) are compiled
/// as one text, so that they share declarations as in DTrace, and each program's errors and
/// `matched N probes` notice name it as DTrace does.
fn run_d(job: &DJob) -> Result<i32, ()> {
    let pname = job.pname.as_str();
    let global = |msg: String| {
        eprintln!("{pname}: {msg}");
    };
    // Options are set before anything is compiled: a bad one is DTrace's `failed to set` error.
    for (name, value) in &job.options {
        let mut scratch = ir::DtraceOptions::default();
        if let Err(message) = frontend_d::lower::apply_option(&mut scratch, name, value.as_deref())
        {
            let why = if message.ends_with("Invalid option name") {
                "Invalid option name"
            } else {
                "Invalid value for specified option"
            };
            global(format!("failed to set -x {name}: {why}"));
            return Err(());
        }
    }
    if job.programs.is_empty() {
        if job.list == Some(ListStyle::Dtrace) {
            let mut out = open_d_output(job, &global)?;
            let mut text = dtrace_list::header();
            for p in frontend_d::catalog::static_probes() {
                text.push_str(&dtrace_list::probe_line(&p));
                if job.stability > 0 {
                    let (d, a) = p.attributes();
                    text.push_str(&dtrace_list::probe_info(d, a, &p.arg_types()));
                }
            }
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            return Ok(0);
        }
        global("no probes specified".into());
        return Err(());
    }
    // Load every program; a probe id (`-i N`) names the probe `dtrace -l` lists with that id.
    let by_id = |id: u32| {
        frontend_d::catalog::static_probes()
            .into_iter()
            .find(|p| p.id == id)
            .map(|p| p.full_name())
    };
    let mut pieces: Vec<Piece> = Vec::new();
    let mut combined = String::new();
    for p in &job.programs {
        let (text, kind, name) = if p.spec == Spec::Script {
            let text = match std::fs::read_to_string(&p.arg) {
                Ok(t) => t,
                Err(e) => {
                    global(format!("failed to open {}: {}", p.arg, strerror(&e)));
                    return Err(());
                }
            };
            let text = match &job.cpp {
                Some(opts) => cpp::preprocess(&p.arg, &text, opts).map_err(|m| {
                    global(format!("failed to compile script {}: {m}", p.arg));
                })?,
                None => text,
            };
            (text, "script", p.arg.clone())
        } else {
            let text = dtrace_cli::to_name_spec(p.spec, &p.arg, &by_id).map_err(|m| {
                global(format!("invalid probe specifier {}: {m}", p.arg));
            })?;
            let name = match p.arg.find(['{', '/', ';']) {
                Some(i) => p.arg[..i].to_string(),
                None => p.arg.clone(),
            };
            (text, "description", name)
        };
        pieces.push(Piece {
            start: combined.len(),
            text: text.clone(),
            path: p.arg.clone(),
            kind,
            name,
        });
        combined.push_str(&text);
        if !combined.ends_with('\n') {
            combined.push('\n');
        }
    }
    let piece_of = |offset: u32| {
        pieces
            .iter()
            .rposition(|p| p.start <= offset as usize)
            .unwrap_or(0)
    };
    let file = SourceFile::new(pieces[0].path.clone(), combined.clone());
    let errtags = job.options.iter().any(|(n, _)| n == "errtags");
    // Each diagnostic is rendered against its own program, as DTrace compiles them one by one.
    let render = |diags: &[Diagnostic]| {
        for d in diags {
            let piece = &pieces[d.span.map_or(0, |s| piece_of(s.start))];
            let mut d = d.clone();
            d.span = d.span.map(|s| {
                Span::new(
                    (s.start as usize).saturating_sub(piece.start),
                    (s.end as usize).saturating_sub(piece.start),
                )
            });
            let own = SourceFile::new(piece.path.clone(), piece.text.clone());
            let mut text = frontend_d::lower::render_errors_with(&own, &piece.path, &[d], errtags);
            if piece.kind == "description" {
                // DTrace names a description, not a script.
                let from = format!("dtrace: failed to compile script {}: ", piece.path);
                let to = format!("dtrace: invalid probe specifier {}: ", piece.path);
                text = text.replace(&from, &to);
            }
            if pname != "dtrace" {
                text = text.replace("dtrace: ", &format!("{pname}: "));
            }
            eprint!("{text}");
        }
    };
    if let Some(what) = job.generate {
        return generate_usdt(job, what, &file, &render, &global);
    }
    let compile_only = job.emit.is_some() || job.compile_only || job.list.is_some();
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
    if let Some(pid) = job.pid {
        if !runtime::child::process_exists(pid) {
            global(format!("failed to grab pid {pid}: No such process"));
            return Err(());
        }
    }
    let child = match &job.cmd {
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
    let mut options = job.options.clone();
    if job.zdefs() && !options.iter().any(|(n, _)| n == "zdefs") {
        options.push(("zdefs".into(), None));
    }
    let types = ir::catalog::BtfCatalog::live();
    let options = frontend_d::LowerOptions {
        catalog: &catalog,
        types: &types,
        macro_args: job.macro_args.clone(),
        options,
        // -c with a compile-only mode: $target is a placeholder 0.
        target: child
            .as_ref()
            .map(runtime::child::HeldChild::pid)
            .or(job.pid)
            .or(job.cmd.as_ref().map(|_| 0)),
        process,
        quiet: job.quiet,
    };
    let (program, diags) = frontend_d::compile(&file, &options);
    let shown: Vec<Diagnostic> = diags
        .iter()
        .filter(|d| !job.no_warnings || d.is_error())
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
    match job.list {
        Some(ListStyle::Oxtrace) => {
            print!("{}", list::program_probes(&program));
            return Ok(0);
        }
        Some(ListStyle::Dtrace) => {
            let mut out = open_d_output(job, &global)?;
            let _ = out.write_all(dtrace_listing(&program, job.stability > 0).as_bytes());
            let _ = out.flush();
            return Ok(0);
        }
        None => {}
    }
    if job.emit == Some(Emit::Ir) {
        print!("{}", ir::dump::dump_program(&program));
        return Ok(0);
    }
    // DTrace's `matched N probes` notices, one per program.
    let mut counts = vec![0usize; pieces.len()];
    for site in program.probes.iter().flat_map(|p| &p.attach) {
        counts[piece_of(site.span.start)] += site.point.probe_count();
    }
    if counts.iter().sum::<usize>() == 0 && !job.zdefs() {
        global("no probes matched".into());
        return Err(());
    }
    if job.compile_only {
        if job.stability > 0 {
            let mut out = open_d_output(job, &global)?;
            for piece in &pieces {
                let _ = out.write_all(stability_text(piece, true).as_bytes());
            }
            let _ = out.flush();
        }
        return Ok(0);
    }
    let backend_options = backend::BackendOptions {
        ncpus: runtime::possible_cpus(),
        helper_errors: false,
    };
    if job.emit == Some(Emit::Llvm) {
        let text = backend::emit_llvm_ir(&program, &backend_options).map_err(|d| render(&d))?;
        print!("{text}");
        return Ok(0);
    }
    let object = backend::compile(&program, &backend_options).map_err(|d| render(&d))?;
    if job.emit == Some(Emit::Elf) {
        let mut out = open_d_output(job, &global)?;
        out.write_all(&object.elf)
            .map_err(|e| global(e.to_string()))?;
        return Ok(0);
    }
    let mut output = open_d_output(job, &global)?;
    if job.stability > 0 {
        for piece in &pieces {
            let _ = output.write_all(stability_text(piece, false).as_bytes());
        }
    }
    if job.buffering == BufferMode::Full {
        output = Box::new(std::io::BufWriter::with_capacity(64 * 1024, output));
    }
    let notices: Vec<String> = pieces
        .iter()
        .zip(&counts)
        .map(|(p, &n)| {
            format!(
                "{pname}: {} '{}' matched {n} probe{}",
                p.kind,
                p.name,
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let options = runtime::RunOptions {
        quiet: job.quiet,
        verbose: job.verbose,
        dry_run: job.dry_run,
        output,
        format: runtime::OutputFormat::Text,
        buffering: match job.buffering {
            BufferMode::Line => runtime::Buffering::Line,
            BufferMode::Full => runtime::Buffering::Full,
            BufferMode::None => runtime::Buffering::None,
        },
        child,
        watch_pid: job.pid,
        dtrace_notices: notices,
        source: None,
    };
    runtime::run(&program, &object.elf, options).map_err(|e| {
        let line = e
            .span
            .map(|s| {
                let piece = &pieces[piece_of(s.start)];
                let own = SourceFile::new(piece.path.clone(), piece.text.clone());
                let offset = (s.start as usize).saturating_sub(piece.start);
                format!("line {}: ", own.line_col(offset as u32).0)
            })
            .unwrap_or_default();
        eprintln!("{pname}: {line}{}", e.message);
        match (e.details, job.verbose) {
            (Some(details), true) => eprintln!("{details}"),
            (Some(_), false) => eprintln!("{pname}: run with -v to see the full verifier log"),
            (None, _) => {}
        }
    })
}

/// `dtrace -l` with programs: each probe their clauses enable, in order, with DTrace's ids (and
/// `-v`'s attributes and argument types).
fn dtrace_listing(program: &ir::Program, verbose: bool) -> String {
    let statics = frontend_d::catalog::static_probes();
    let mut next_id = statics.len() as u32 + 1;
    let mut made: Vec<frontend_d::catalog::ListedProbe> = Vec::new();
    let mut text = dtrace_list::header();
    for site in program.probes.iter().flat_map(|p| &p.attach) {
        let Some(full) = program.probe_names.get(site.probe_name as usize) else {
            continue;
        };
        let fields: Vec<&str> = full.splitn(4, ':').collect();
        let [prov, module, func, name] = fields[..] else {
            continue;
        };
        let known = statics
            .iter()
            .chain(made.iter())
            .find(|p| p.full_name() == *full)
            .cloned();
        let probe = known.unwrap_or_else(|| {
            let p = frontend_d::catalog::ListedProbe {
                id: next_id,
                provider: prov.into(),
                module: module.into(),
                function: func.into(),
                name: name.into(),
            };
            next_id += 1;
            made.push(p.clone());
            p
        });
        text.push_str(&dtrace_list::probe_line(&probe));
        if verbose {
            let (d, a) = probe.attributes();
            text.push_str(&dtrace_list::probe_info(d, a, &probe.arg_types()));
        }
    }
    text
}

/// `-v`'s stability report for one program; with `-e`, followed by each probe description and
/// its attributes (DTrace's statement listing), else by a newline. Statement attributes are
/// reported as Stable (oxtrace does not track the attributes of each identifier).
fn stability_text(piece: &Piece, statements: bool) -> String {
    use frontend_d::catalog::{description_attributes, Attr, DepClass, Stability};
    let file = SourceFile::new(piece.path.clone(), piece.text.clone());
    let (ast, _) = frontend_d::parse_program(&file);
    let descs: Vec<[String; 4]> = ast
        .iter()
        .flat_map(|a| &a.items)
        .filter_map(|i| match i {
            frontend_d::ast::Item::Clause(c) => Some(&c.descs),
            _ => None,
        })
        .flatten()
        .map(|d| [0, 1, 2, 3].map(|i| d.field(i).to_string()))
        .collect();
    let attrs = |d: &[String; 4]| description_attributes([&d[0], &d[1], &d[2], &d[3]]);
    let desc = descs.iter().fold(Attr::MAX, |m, d| m.min(attrs(d).0));
    let stmt = Attr {
        names: Stability::Stable,
        data: Stability::Stable,
        class: DepClass::Common,
    };
    let mut s = dtrace_list::stability_report(piece.kind, &piece.name, desc, stmt);
    if !statements {
        s.push('\n');
        return s;
    }
    for d in &descs {
        s.push_str(&format!("\n{}:{}:{}:{}\n", d[0], d[1], d[2], d[3]));
        let matched = frontend_d::catalog::matching([&d[0], &d[1], &d[2], &d[3]], 0);
        if let Some(p) = matched.first() {
            let (da, aa) = attrs(d);
            s.push_str(&dtrace_list::probe_info(da, aa, &p.arg_types()));
        }
    }
    s
}

/// The output of a D run: standard output, or the `-o` file (appended to, as DTrace does, when
/// invoked as `dtrace`).
/// `dtrace -h` / `-G`: the USDT header or semaphore object for the scripts' provider
/// definitions, written to `-o FILE` or next to the first script (`x.d` → `x.h` / `x.o`).
fn generate_usdt(
    job: &DJob,
    what: djob::Generate,
    file: &SourceFile,
    render: &dyn Fn(&[Diagnostic]),
    global: &dyn Fn(String),
) -> Result<i32, ()> {
    let (program, diags) = frontend_d::parse_program(file);
    render(&diags);
    let Some(program) = program.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        return Err(());
    };
    let ext = match what {
        djob::Generate::Header => "h",
        djob::Generate::Semaphores => "o",
    };
    let out = job.output.clone().unwrap_or_else(|| {
        let first = job.programs.first().map_or("d.d", |p| p.arg.as_str());
        std::path::Path::new(first)
            .with_extension(ext)
            .display()
            .to_string()
    });
    match what {
        djob::Generate::Header => {
            let text = frontend_d::usdt_header::generate(&program, &file.text, &out)
                .map_err(|d| render(&d))?;
            std::fs::write(&out, text).map_err(|e| {
                global(format!(
                    "failed to create header file {out}: {}",
                    strerror(&e)
                ))
            })?;
        }
        djob::Generate::Semaphores => {
            let source =
                frontend_d::usdt_header::semaphores_source(&program).map_err(|d| render(&d))?;
            compile_c(&source, &out).map_err(|m| global(format!("failed to link {out}: {m}")))?;
        }
    }
    Ok(0)
}

/// Compiles C `source` into the object file `out` with the system's `cc`.
fn compile_c(source: &str, out: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("cc")
        .args(["-fPIC", "-c", "-x", "c", "-", "-o", out])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cc: {}", strerror(&e)))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(source.as_bytes())
            .map_err(|e| format!("cannot write to cc: {}", strerror(&e)))?;
    }
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for cc: {}", strerror(&e)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cc failed ({status})"))
    }
}

fn open_d_output(job: &DJob, global: &dyn Fn(String)) -> Result<Box<dyn Write + Send>, ()> {
    let Some(path) = &job.output else {
        return Ok(Box::new(std::io::stdout()));
    };
    let file = if job.append {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
    } else {
        std::fs::File::create(path)
    };
    file.map(|f| Box::new(f) as Box<dyn Write + Send>)
        .map_err(|e| {
            global(format!(
                "failed to open output file '{path}': {}",
                strerror(&e)
            ))
        })
}

/// An I/O error as C's `strerror` words it (without Rust's ` (os error N)`).
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
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
