//! `-C`: runs the system C preprocessor (`cpp`, Debian's `cpp` package) over a D script before
//! compiling it, as DTrace for Linux does: the same predefined macros (`__linux`, `__unix`,
//! `__SVR4`, `__SUNW_D=1`, `__SUNW_D_64`, `__SUNW_D_VERSION`, `__GNUC__` undefined), the user's
//! `-D`/`-U`/`-I`/`-H` in order, `-std=c99` (or `-traditional-cpp` for `-Xs`), and GNU cpp's
//! `# N "file"` line markers left in the output, which the D lexer reads so that errors name the
//! script's own line numbers (and `"header.h", line N:` inside an included file).

use std::io::Write;
use std::process::{Command, Stdio};

/// How to run the preprocessor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CppOptions {
    /// The program (`cpp`, or `-x cpppath=PATH`).
    pub program: String,
    /// `-DNAME[=DEF]`, `-UNAME`, `-IDIR`, `-H` in command-line order.
    pub args: Vec<String>,
    /// `-X a|c|s|t`.
    pub stdc: Option<String>,
}

/// The full argument list for a script (without the program name).
pub fn arguments(opts: &CppOptions) -> Vec<String> {
    let mut args: Vec<String> = [
        "-D__linux",
        "-D__unix",
        "-D__SVR4",
        "-D__SUNW_D=1",
        "-U__GNUC__",
        "-D__SUNW_D_64",
        "-D__Linux",
    ]
    .map(String::from)
    .to_vec();
    args.extend(opts.args.iter().cloned());
    args.push(format!(
        "-D__SUNW_D_VERSION=0x{:08x}",
        crate::dtrace_cli::D_VERSION_CODE
    ));
    match opts.stdc.as_deref() {
        None | Some("a") => args.push("-std=c99".into()),
        Some("s") => args.push("-traditional-cpp".into()),
        _ => {}
    }
    args.push("-".into());
    args
}

/// Preprocesses `text` (the script `path`). The `#!` line is blanked (cpp would refuse it) but
/// its newline kept, and a `#line 1 "path"` marker goes first, so that line numbers and cpp's
/// own messages name the script. On failure returns DTrace's message (cpp's own diagnostics
/// have already gone to standard error).
pub fn preprocess(path: &str, text: &str, opts: &CppOptions) -> Result<String, String> {
    let body = match text.strip_prefix("#!") {
        Some(rest) => rest.find('\n').map_or("", |i| &rest[i..]),
        None => text,
    };
    let input = format!("#line 1 \"{}\"\n{body}", path.replace('"', "\\\""));
    let mut child = Command::new(&opts.program)
        .args(arguments(opts))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "Preprocessor not found ({}: install Debian's cpp package)",
                opts.program
            ),
            _ => "Failed to exec preprocessor".to_string(),
        })?;
    // Writing from another thread: cpp may fill its output pipe before reading all its input.
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(input.as_bytes());
        }
    });
    let out = child
        .wait_with_output()
        .map_err(|_| "Failed to exec preprocessor".to_string())?;
    let _ = writer.join();
    if !out.status.success() {
        return Err("Preprocessor failed to process input program".into());
    }
    String::from_utf8(out.stdout)
        .map_err(|_| "Preprocessor failed to process input program".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_like_dtrace_for_linux() {
        let opts = CppOptions {
            program: "cpp".into(),
            args: vec!["-DX=1".into(), "-I/tmp".into()],
            stdc: None,
        };
        let a = arguments(&opts);
        assert_eq!(
            a[..7].join(" "),
            "-D__linux -D__unix -D__SVR4 -D__SUNW_D=1 -U__GNUC__ -D__SUNW_D_64 -D__Linux"
        );
        assert_eq!(
            a[7..].join(" "),
            "-DX=1 -I/tmp -D__SUNW_D_VERSION=0x0100d000 -std=c99 -"
        );
    }

    #[test]
    fn preprocesses_with_line_markers() {
        if Command::new("cpp").arg("--version").output().is_err() {
            eprintln!("SKIPPED: no cpp");
            return;
        }
        let opts = CppOptions {
            program: "cpp".into(),
            args: vec!["-DN=42".into()],
            stdc: None,
        };
        let out = preprocess(
            "x.d",
            "#!/usr/sbin/dtrace -s\n\nBEGIN { trace(N); }\n",
            &opts,
        )
        .expect("cpp runs");
        assert!(out.contains("BEGIN { trace(42); }"), "{out}");
        assert!(out.contains("# 1 \"x.d\""), "{out}");
        let err = preprocess("x.d", "#include \"/nonexistent.h\"\n", &opts);
        assert_eq!(
            err,
            Err("Preprocessor failed to process input program".to_string())
        );
    }
}
