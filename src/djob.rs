//! What one run of D programs needs, built from either command line: oxtrace's own (`-s`, `-n`,
//! `FILE.d`, `-C`, `-x`) or DTrace's (when invoked as `dtrace`).

use crate::cli::{BufferMode, Cli, Emit};
use crate::cpp::CppOptions;
use crate::dtrace_cli::{DtraceCli, Mode, ProgramArg, Spec};

/// How `-l` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListStyle {
    /// oxtrace's (bpftrace-style) list of the program's attach points.
    Oxtrace,
    /// DTrace's `   ID   PROVIDER ...` table.
    Dtrace,
}

/// What `-h` and `-G` make from provider definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generate {
    /// `-h`: the C header with the probe macros (`frontend_d::usdt_header`).
    Header,
    /// `-G`: an object file defining the probes' semaphores.
    Semaphores,
}

/// A D run.
pub struct DJob {
    /// The prefix of DTrace's messages (`dtrace`).
    pub pname: String,
    /// The programs, in command-line order.
    pub programs: Vec<ProgramArg>,
    /// `$1`, `$2`, ...
    pub macro_args: Vec<String>,
    /// DTrace options in order (`-x`, and `-q`/`-w`/`-Z`/... in DTrace's command line).
    pub options: Vec<(String, Option<String>)>,
    /// oxtrace's `-q`.
    pub quiet: bool,
    /// DTrace's `-v` count (stability reports; `-lv` attributes).
    pub stability: u32,
    /// oxtrace's `-v`: full verifier logs.
    pub verbose: bool,
    /// `-l`.
    pub list: Option<ListStyle>,
    /// `-h` / `-G`: write a USDT header (or semaphore object) for the scripts' provider
    /// definitions instead of tracing.
    pub generate: Option<Generate>,
    /// `-e`: compile, report, and exit.
    pub compile_only: bool,
    /// `-C`: the preprocessor to run on script files.
    pub cpp: Option<CppOptions>,
    /// `-o FILE`.
    pub output: Option<String>,
    /// Append to the output file (DTrace) instead of truncating it (oxtrace).
    pub append: bool,
    /// `-c CMD`.
    pub cmd: Option<String>,
    /// `-p PID`.
    pub pid: Option<u32>,
    /// oxtrace's `--emit`.
    pub emit: Option<Emit>,
    /// oxtrace's `--dry-run`.
    pub dry_run: bool,
    /// oxtrace's `-B`.
    pub buffering: BufferMode,
    /// oxtrace's `--no-warnings`.
    pub no_warnings: bool,
}

impl DJob {
    /// From oxtrace's command line (`-s`, `-n`, or a FILE ending in `.d`).
    pub fn from_oxtrace(cli: &Cli) -> DJob {
        let program = if let Some(text) = &cli.d_expr {
            ProgramArg {
                spec: Spec::Name,
                arg: text.clone(),
            }
        } else {
            ProgramArg {
                spec: Spec::Script,
                arg: cli
                    .d_script
                    .clone()
                    .or(cli.file.clone())
                    .unwrap_or_default(),
            }
        };
        DJob {
            pname: "dtrace".into(),
            programs: vec![program],
            macro_args: cli.params.clone(),
            options: cli
                .d_options
                .iter()
                .map(|o| match o.split_once('=') {
                    Some((name, value)) => (name.to_string(), Some(value.to_string())),
                    None => (o.clone(), None),
                })
                .collect(),
            quiet: cli.quiet,
            stability: 0,
            verbose: cli.verbose,
            list: cli.list.then_some(ListStyle::Oxtrace),
            generate: None,
            compile_only: false,
            cpp: cli.cpp.then(|| CppOptions {
                program: "cpp".into(),
                args: Vec::new(),
                stdc: None,
            }),
            output: cli.output.clone(),
            append: false,
            cmd: cli.cmd.clone(),
            pid: cli.pid,
            emit: cli.emit,
            dry_run: cli.dry_run,
            buffering: cli.buffering,
            no_warnings: cli.no_warnings,
        }
    }

    /// From DTrace's command line. `Err` is the message to print after `PNAME: ` (exit 1).
    pub fn from_dtrace(cli: &DtraceCli) -> Result<DJob, String> {
        if let Some(flag) = cli.unsupported.first() {
            return Err(format!("{flag} is not supported by oxtrace"));
        }
        let generate = match cli.mode {
            Mode::Header => Some(Generate::Header),
            Mode::Link => Some(Generate::Semaphores),
            _ => None,
        };
        if generate.is_some() && cli.programs.iter().any(|p| p.spec != Spec::Script) {
            return Err("-h and -G take provider definitions from scripts (-s) only".into());
        }
        if cli.ilp32 {
            return Err("-32 is not supported by oxtrace: D programs are 64-bit".into());
        }
        if cli.cmds.len() + cli.pids.len() > 1 {
            return Err("oxtrace supports only one -c or -p process per run".into());
        }
        let pid = match cli.pids.first() {
            None => None,
            Some(p) => Some(p.parse::<u32>().map_err(|_| format!("invalid pid: {p}"))?),
        };
        let option = |name: &str| {
            cli.options
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.clone())
        };
        let mut cpp_args = cli.cpp_args.clone();
        for (n, v) in &cli.options {
            let flag = match n.as_str() {
                "define" => "-D",
                "undef" => "-U",
                "incdir" => "-I",
                _ => continue,
            };
            cpp_args.push(format!("{flag}{}", v.clone().unwrap_or_default()));
        }
        Ok(DJob {
            pname: cli.pname.clone(),
            programs: cli.programs.clone(),
            macro_args: cli.macro_args.clone(),
            options: cli.options.clone(),
            quiet: false,
            stability: cli.verbose,
            verbose: false,
            list: (cli.mode == Mode::List).then_some(ListStyle::Dtrace),
            generate,
            compile_only: cli.compile_only,
            cpp: cli.cpp.then(|| CppOptions {
                program: option("cpppath").unwrap_or_else(|| "cpp".into()),
                args: cpp_args,
                stdc: cli.stdc.clone(),
            }),
            output: cli.output.clone(),
            append: true,
            cmd: cli.cmds.first().cloned(),
            pid,
            emit: None,
            dry_run: false,
            buffering: BufferMode::Line,
            no_warnings: false,
        })
    }

    /// True when `-Z` (or `zdefs`) allows descriptions that match no probe; `-l` implies it.
    pub fn zdefs(&self) -> bool {
        self.list == Some(ListStyle::Dtrace) || self.options.iter().any(|(n, _)| n == "zdefs")
    }
}
