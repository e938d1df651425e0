//! DTrace's own command line, accepted when the binary runs under the name `dtrace` (a symlink),
//! so `#!/usr/sbin/dtrace -qs` scripts and shell scripts calling `dtrace` run unchanged.
//!
//! This is a small getopt-compatible parser rather than clap: DTrace parses with POSIX
//! `getopt("+3:6:aAb:Bc:CD:ef:FGhHi:I:lL:m:n:o:p:P:qs:SU:vVwx:X:Z")` in an outer loop that keeps
//! every operand as a macro argument (`$1`, ...) and goes on parsing options after it; the
//! programs (`-s`, `-n`, `-P`, `-m`, `-f`, `-i`) keep their relative order across the six
//! flags; `-32`/`-64` are the options `3` and `6` with the arguments `2` and `4`; and bad usage
//! prints getopt's message and DTrace's usage text with exit status 2. clap can express
//! clustering (`-qs FILE`, `-xfoo=bar`), but not the interleaved operands, those messages and
//! that status.

use std::process::ExitCode;

/// DTrace's option letters; a `:` after a letter means it takes an argument.
const OPTSTR: &str = "3:6:aAb:Bc:CD:ef:FGhHi:I:lL:m:n:o:p:P:qs:SU:vVwx:X:Z";

/// DTrace's exit status for bad command-line usage.
pub const E_USAGE: u8 = 2;

/// How a program argument names its probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    /// `-s FILE`: a D script.
    Script,
    /// `-n`: descriptions are `[[[provider:]module:]function:]name`.
    Name,
    /// `-P`: `provider`.
    Provider,
    /// `-m`: `[provider:]module`.
    Module,
    /// `-f`: `[[provider:]module:]function`.
    Function,
    /// `-i`: a probe id.
    Id,
}

/// One program given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramArg {
    /// Which flag gave it.
    pub spec: Spec,
    /// The argument as given.
    pub arg: String,
}

/// What dtrace is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Compile and enable the programs (the default; with `-e`, compile only).
    Exec,
    /// `-l`: list the probes the programs match (all probes without programs).
    List,
    /// `-V`: print the D version.
    Version,
    /// `-h`: write a C header with USDT probe macros for the scripts' provider definitions.
    Header,
    /// `-G`: write an object file defining the USDT probes' semaphores.
    Link,
}

/// A parsed DTrace command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DtraceCli {
    /// The program's name as invoked (basename of argv[0]); DTrace prefixes its messages with it.
    pub pname: String,
    /// What to do.
    pub mode: Mode,
    /// `-e`: exit after compiling.
    pub compile_only: bool,
    /// The programs, in command-line order.
    pub programs: Vec<ProgramArg>,
    /// Operands: the macro arguments `$1`, `$2`, ...
    pub macro_args: Vec<String>,
    /// Options in order: `-x name[=value]`, `-q` (quiet), `-w` (destructive), `-b` (bufsize),
    /// `-F` (flowindent), `-Z` (zdefs), `DTRACE_OPT_*` environment variables first.
    pub options: Vec<(String, Option<String>)>,
    /// `-C`: run the C preprocessor on script files.
    pub cpp: bool,
    /// Arguments for the preprocessor, in order: `-DNAME[=DEF]`, `-UNAME`, `-IPATH`, `-H`.
    pub cpp_args: Vec<String>,
    /// `-X a|c|s|t`: the preprocessor's ISO C mode.
    pub stdc: Option<String>,
    /// `-v` (repeatable): stability reports, argument types.
    pub verbose: u32,
    /// `-o FILE`: append output to FILE.
    pub output: Option<String>,
    /// `-c CMD` (repeatable).
    pub cmds: Vec<String>,
    /// `-p PID` (repeatable).
    pub pids: Vec<String>,
    /// `-32`: a 32-bit data model was asked for.
    pub ilp32: bool,
    /// Options DTrace has but oxtrace does not implement (`-a`, `-A`, `-B`, `-S`, `-L`), as
    /// given, to refuse with a clear message.
    pub unsupported: Vec<String>,
}

/// The result of parsing: a command line to run, or text to print and an exit status.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Run this.
    Run(Box<DtraceCli>),
    /// Print `stdout` and `stderr`, then exit with `code`.
    Exit {
        /// Text for standard output.
        stdout: String,
        /// Text for standard error.
        stderr: String,
        /// The exit status.
        code: u8,
    },
}

impl Parsed {
    /// Prints an `Exit`'s text and returns its status; `None` for `Run`.
    pub fn finish(self) -> Result<Box<DtraceCli>, ExitCode> {
        match self {
            Parsed::Run(cli) => Ok(cli),
            Parsed::Exit {
                stdout,
                stderr,
                code,
            } => {
                print!("{stdout}");
                eprint!("{stderr}");
                Err(ExitCode::from(code))
            }
        }
    }
}

/// True when the program was invoked under the name `dtrace`.
pub fn invoked_as_dtrace(argv0: &str) -> bool {
    basename(argv0) == "dtrace"
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// DTrace's usage text (to standard error on bad usage).
pub fn usage(pname: &str) -> String {
    let predact = "[[ predicate ] action ]";
    let mut s = format!(
        "Usage: {pname} [-32|-64] [-CeFGhHlqSvVwZ] [-b bufsz] [-c cmd] [-D name[=def]]\n\
         \t[-I path] [-L path] [-o output] [-p pid] [-s script] [-U name]\n\
         \t[-x opt[=val]] [-X a|c|s|t]\n\n\
         \t[-P provider {predact}]\n\
         \t[-m [ provider: ] module {predact}]\n\
         \t[-f [[ provider: ] module: ] func {predact}]\n\
         \t[-n [[[ provider: ] module: ] func: ] name {predact}]\n\
         \t[-i probe-id {predact}] [ args ... ]\n\n"
    );
    s.push_str("\tpredicate -> '/' D-expression '/'\n");
    s.push_str("\t   action -> '{' D-statements '}'\n");
    s.push_str(
        "\n\
         \t-32 generate 32-bit D programs and ELF files\n\
         \t-64 generate 64-bit D programs and ELF files\n\n\
         \t-b  set trace buffer size\n\
         \t-c  run specified command and exit upon its completion\n\
         \t-C  run cpp(1) preprocessor on script files\n\
         \t-D  define symbol when invoking preprocessor\n\
         \t-e  exit after compiling request but prior to enabling probes\n\
         \t-f  enable or list probes matching the specified function name\n\
         \t-F  coalesce trace output by function\n\
         \t-G  generate an ELF file containing embedded dtrace program\n\
         \t-h  generate a header file with definitions for static probes\n\
         \t-H  print included files when invoking preprocessor\n\
         \t-i  enable or list probes matching the specified probe id\n\
         \t-I  add include directory to preprocessor search path\n\
         \t-l  list probes matching specified criteria\n\
         \t-L  add library directory to library search path\n\
         \t-m  enable or list probes matching the specified module name\n\
         \t-n  enable or list probes matching the specified probe name\n\
         \t-o  set output file\n\
         \t-p  grab specified process-ID and cache its symbol tables\n\
         \t-P  enable or list probes matching the specified provider name\n\
         \t-q  set quiet mode (only output explicitly traced data)\n\
         \t-s  enable or list probes according to the specified D script\n\
         \t-S  print D compiler intermediate code\n\
         \t-U  undefine symbol when invoking preprocessor\n\
         \t-v  set verbose mode (report stability attributes, arguments)\n\
         \t-V  report DTrace API version\n\
         \t-w  permit destructive actions\n\
         \t-x  enable or modify compiler and tracing options\n\
         \t-X  specify ISO C conformance settings for preprocessor\n\
         \t-Z  permit probe descriptions that match zero probes\n",
    );
    s
}

fn takes_arg(c: char) -> Option<bool> {
    let i = OPTSTR.find(c).filter(|_| c != ':')?;
    Some(OPTSTR[i + c.len_utf8()..].starts_with(':'))
}

/// Parses DTrace's command line (`args[0]` is the program name), with the `DTRACE_OPT_*`
/// environment variables given in `env` (name without the prefix, lower-cased, and value).
pub fn parse(args: &[String], env: &[(String, String)]) -> Parsed {
    let pname = basename(args.first().map_or("dtrace", String::as_str)).to_string();
    let usage_exit = |stderr: String| Parsed::Exit {
        stdout: String::new(),
        stderr: format!("{stderr}{}", usage(&pname)),
        code: E_USAGE,
    };
    if args.len() <= 1 {
        return usage_exit(String::new());
    }
    let mut cli = DtraceCli {
        pname: pname.clone(),
        mode: Mode::Exec,
        compile_only: false,
        programs: Vec::new(),
        macro_args: Vec::new(),
        options: env
            .iter()
            .map(|(n, v)| (n.clone(), (!v.is_empty()).then(|| v.clone())))
            .collect(),
        cpp: false,
        cpp_args: Vec::new(),
        stdc: None,
        verbose: 0,
        output: None,
        cmds: Vec::new(),
        pids: Vec::new(),
        ilp32: false,
        unsupported: Vec::new(),
    };
    let mut modes = 0;
    let mut i = 1;
    while i < args.len() {
        // getopt: options until the first operand (or `--`).
        while i < args.len() {
            let a = &args[i];
            if a == "--" {
                i += 1;
                break;
            }
            if !a.starts_with('-') || a == "-" {
                break;
            }
            let chars: Vec<char> = a.chars().skip(1).collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let Some(has_arg) = takes_arg(c) else {
                    return usage_exit(format!("{pname}: invalid option -- '{c}'\n"));
                };
                let mut optarg = None;
                if has_arg {
                    if j + 1 < chars.len() {
                        optarg = Some(chars[j + 1..].iter().collect::<String>());
                    } else {
                        i += 1;
                        match args.get(i) {
                            Some(v) => optarg = Some(v.clone()),
                            None => {
                                return usage_exit(format!(
                                    "{pname}: option requires an argument -- '{c}'\n"
                                ))
                            }
                        }
                    }
                    j = chars.len();
                } else {
                    j += 1;
                }
                let arg = optarg.unwrap_or_default();
                let mut program = |spec| {
                    cli.programs.push(ProgramArg {
                        spec,
                        arg: arg.clone(),
                    })
                };
                match c {
                    '3' | '6' => {
                        let want = if c == '3' { "2" } else { "4" };
                        if arg != want {
                            return usage_exit(format!("{pname}: illegal option -- {c}{arg}\n"));
                        }
                        cli.ilp32 = c == '3';
                    }
                    'e' => cli.compile_only = true,
                    'h' => {
                        cli.mode = Mode::Header;
                        modes += 1;
                    }
                    'G' => {
                        cli.mode = Mode::Link;
                        modes += 1;
                    }
                    'l' => {
                        cli.mode = Mode::List;
                        modes += 1;
                    }
                    'V' => {
                        cli.mode = Mode::Version;
                        modes += 1;
                    }
                    'v' => cli.verbose += 1,
                    's' => program(Spec::Script),
                    'n' => program(Spec::Name),
                    'P' => program(Spec::Provider),
                    'm' => program(Spec::Module),
                    'f' => program(Spec::Function),
                    'i' => program(Spec::Id),
                    'q' => cli.options.push(("quiet".into(), None)),
                    'w' => cli.options.push(("destructive".into(), None)),
                    'F' => cli.options.push(("flowindent".into(), None)),
                    'Z' => cli.options.push(("zdefs".into(), None)),
                    'b' => cli.options.push(("bufsize".into(), Some(arg))),
                    'x' => cli.options.push(match arg.split_once('=') {
                        Some((n, v)) => (n.to_string(), Some(v.to_string())),
                        None => (arg, None),
                    }),
                    'C' => cli.cpp = true,
                    'D' => cli.cpp_args.push(format!("-D{arg}")),
                    'U' => cli.cpp_args.push(format!("-U{arg}")),
                    'I' => cli.cpp_args.push(format!("-I{arg}")),
                    'H' => cli.cpp_args.push("-H".into()),
                    'X' => cli.stdc = Some(arg),
                    'o' => cli.output = Some(arg),
                    'c' => cli.cmds.push(arg),
                    'p' => cli.pids.push(arg),
                    other => cli.unsupported.push(if has_arg {
                        format!("-{other} {arg}")
                    } else {
                        format!("-{other}")
                    }),
                }
            }
            i += 1;
        }
        if let Some(operand) = args.get(i) {
            cli.macro_args.push(operand.clone());
        }
        i += 1;
    }
    if modes > 1 {
        return Parsed::Exit {
            stdout: String::new(),
            stderr: format!(
                "{pname}: only one of the [-GhlV] options can be specified at a time\n"
            ),
            code: E_USAGE,
        };
    }
    match cli.mode {
        Mode::Version => {
            let mut out = format!("{pname}: {}\n", version());
            if cli.verbose > 0 {
                out.push_str(&format!(
                    "This is DTrace's D as implemented by oxtrace {}\n",
                    env!("CARGO_PKG_VERSION")
                ));
            }
            Parsed::Exit {
                stdout: out,
                stderr: String::new(),
                code: 0,
            }
        }
        Mode::Header | Mode::Link if cli.programs.is_empty() => {
            let flag = if cli.mode == Mode::Header { 'h' } else { 'G' };
            Parsed::Exit {
                stdout: String::new(),
                stderr: format!(
                    "{pname}: -{flag} requires one or more scripts or enabling options\n"
                ),
                code: E_USAGE,
            }
        }
        _ => Parsed::Run(Box::new(cli)),
    }
}

/// The D version string `-V` prints after the program name (DTrace prints e.g. `Sun D 1.13`).
pub fn version() -> String {
    format!("oxtrace D {D_VERSION}")
}

/// The version of the D language oxtrace accepts.
pub const D_VERSION: &str = "1.13";

/// `__SUNW_D_VERSION` for the preprocessor: DTrace's encoding of [`D_VERSION`]
/// (major << 24 | minor << 12 | micro).
pub const D_VERSION_CODE: u32 = (1 << 24) | (13 << 12);

/// The `DTRACE_OPT_*` environment variables as options (DTrace's `dtrace_setoptenv`).
pub fn env_options() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(k, v)| {
            k.strip_prefix("DTRACE_OPT_")
                .map(|n| (n.to_ascii_lowercase(), v))
        })
        .collect()
}

/// Rewrites a `-P`/`-m`/`-f`/`-i` argument into a `-n`-style program: DTrace reads the probe
/// description fields right to left from the field the flag names (`-f foo` is `::foo:`), and
/// `-i N` names the probe with id N (`ids` maps an id to its description). Errors are DTrace's
/// messages.
pub fn to_name_spec(
    spec: Spec,
    arg: &str,
    ids: &dyn Fn(u32) -> Option<String>,
) -> Result<String, String> {
    let end = arg
        .find(|c: char| c.is_whitespace() || matches!(c, '/' | '{' | ';'))
        .unwrap_or(arg.len());
    let (descs, rest) = arg.split_at(end);
    let fields_after = match spec {
        Spec::Script | Spec::Name => return Ok(arg.to_string()),
        Spec::Id => {
            let id: u32 = descs
                .parse()
                .map_err(|_| format!("invalid probe identifier {descs}"))?;
            let desc = ids(id).ok_or_else(|| format!("invalid probe identifier {descs}"))?;
            return Ok(format!("{desc}{rest}"));
        }
        Spec::Provider => 3,
        Spec::Module => 2,
        Spec::Function => 1,
    };
    let mut out = Vec::new();
    for d in descs.split(',') {
        let given = d.split(':').count();
        if given + fields_after > 4 {
            return Err(format!("invalid probe description \"{d}\""));
        }
        out.push(format!("{d}{}", ":".repeat(fields_after)));
    }
    Ok(format!("{}{rest}", out.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> DtraceCli {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args, &[]) {
            Parsed::Run(c) => *c,
            other => panic!("{other:?}"),
        }
    }

    fn exit(args: &[&str]) -> (String, String, u8) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args, &[]) {
            Parsed::Exit {
                stdout,
                stderr,
                code,
            } => (stdout, stderr, code),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn clustering_like_getopt() {
        let c = run(&["/usr/sbin/dtrace", "-qs", "x.d", "5", "hello"]);
        assert_eq!(c.pname, "dtrace");
        assert_eq!(
            c.programs,
            vec![ProgramArg {
                spec: Spec::Script,
                arg: "x.d".into()
            }]
        );
        assert_eq!(c.options, vec![("quiet".into(), None)]);
        assert_eq!(c.macro_args, vec!["5".to_string(), "hello".to_string()]);
        let c = run(&["dtrace", "-xfoo=bar", "-x", "strsize=64", "-CZs", "y.d"]);
        assert_eq!(
            c.options,
            vec![
                ("foo".into(), Some("bar".into())),
                ("strsize".into(), Some("64".into())),
                ("zdefs".into(), None)
            ]
        );
        assert!(c.cpp);
        assert_eq!(c.programs[0].arg, "y.d");
    }

    #[test]
    fn operands_interleave_and_programs_keep_their_order() {
        let c = run(&[
            "dtrace", "-n", "BEGIN", "a1", "-q", "-s", "f.d", "--", "-x", "-P", "dtrace",
        ]);
        let specs: Vec<_> = c.programs.iter().map(|p| p.spec).collect();
        assert_eq!(specs, vec![Spec::Name, Spec::Script, Spec::Provider]);
        assert_eq!(c.macro_args, vec!["a1".to_string(), "-x".to_string()]);
        assert_eq!(c.options, vec![("quiet".into(), None)]);
    }

    #[test]
    fn bad_usage_exits_2() {
        let (out, err, code) = exit(&["dtrace", "-k"]);
        assert_eq!(code, 2);
        assert_eq!(out, "");
        assert!(err.starts_with("dtrace: invalid option -- 'k'\nUsage: dtrace [-32|-64]"));
        let (_, err, code) = exit(&["dtrace", "-s"]);
        assert_eq!(code, 2);
        assert!(err.starts_with("dtrace: option requires an argument -- 's'\n"));
        let (_, err, code) = exit(&["dtrace"]);
        assert_eq!(code, 2);
        assert!(err.starts_with("Usage: dtrace "));
        let (_, err, code) = exit(&["dtrace", "-l", "-V"]);
        assert_eq!(code, 2);
        assert_eq!(
            err,
            "dtrace: only one of the [-GhlV] options can be specified at a time\n"
        );
        let (_, err, code) = exit(&["dtrace", "-33"]);
        assert_eq!(code, 2);
        assert!(err.starts_with("dtrace: illegal option -- 33\n"));
    }

    #[test]
    fn version() {
        let (out, err, code) = exit(&["/x/dtrace", "-V"]);
        assert_eq!(
            (out.as_str(), err.as_str(), code),
            ("dtrace: oxtrace D 1.13\n", "", 0)
        );
    }

    #[test]
    fn name_specs() {
        let ids = |id: u32| (id == 1).then(|| "dtrace:::BEGIN".to_string());
        let r = |s, a| to_name_spec(s, a, &ids);
        assert_eq!(r(Spec::Provider, "dtrace"), Ok("dtrace:::".into()));
        assert_eq!(r(Spec::Function, "m:f{x}"), Ok("m:f:{x}".into()));
        assert_eq!(r(Spec::Module, "p:m /1/ {}"), Ok("p:m:: /1/ {}".into()));
        assert_eq!(r(Spec::Provider, "a,b"), Ok("a:::,b:::".into()));
        assert!(r(Spec::Provider, "a:b").is_err());
        assert_eq!(r(Spec::Id, "1"), Ok("dtrace:::BEGIN".into()));
        assert!(r(Spec::Id, "99").is_err());
        assert_eq!(r(Spec::Name, "BEGIN{}"), Ok("BEGIN{}".into()));
    }
}
