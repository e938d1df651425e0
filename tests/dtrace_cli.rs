//! End-to-end tests of the binary invoked as `dtrace` (a symlink in a temporary directory):
//! DTrace's command line, a `#!…/dtrace -qs` script executed directly, a shell command line
//! calling `dtrace`, `-C` with `-D`/`-U` and `#include`, `-e`, `-V`, `-l`, usage errors, `-Z`,
//! `-o` and `-c` with `$target`. Outputs are compared exactly (`_DTRACE_TESTING` drops the CPU
//! and ID columns, as in DTrace's test suite).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary directory holding a `dtrace` symlink to the binary; removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("oxtrace-dcli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_oxtrace"), dir.join("dtrace")).unwrap();
        Dir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs `dtrace ARGS` in this directory.
    fn dtrace(&self, args: &[&str]) -> (Option<i32>, String, String) {
        run(Command::new(self.path("dtrace"))
            .args(args)
            .current_dir(&self.0))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let _machine = support::machine_lock();
    let out = cmd
        .env("_DTRACE_TESTING", "1")
        .output()
        .expect("run the dtrace link");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn root(test: &str) -> bool {
    if !support::is_root() {
        eprintln!("SKIPPED {test}: not root (oxtrace needs root to load BPF programs)");
    }
    support::is_root()
}

fn strs(v: &[&str]) -> String {
    v.concat()
}

#[test]
fn shebang_script_runs_through_the_link() {
    if !root("shebang_script_runs_through_the_link") {
        return;
    }
    let dir = Dir::new("shebang");
    let script = dir.write(
        "hello.d",
        &format!(
            "#!{} -qs\n\nBEGIN\n{{\n\tprintf(\"hello %s, %d args\\n\", $$1, $2);\n\texit(0);\n}}\n",
            dir.path("dtrace").display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The kernel runs `…/dtrace -qs …/hello.d world 2`: the interpreter line's options arrive
    // as one argument, as with any `#!/usr/sbin/dtrace -qs` script.
    let (code, out, err) = run(Command::new(&script).args(["world", "2"]));
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "hello world, 2 args\n\n", "")
    );
}

#[test]
fn shell_script_calling_dtrace_with_n() {
    if !root("shell_script_calling_dtrace_with_n") {
        return;
    }
    let dir = Dir::new("shell");
    let path = format!(
        "{}:{}",
        dir.0.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // As DTraceToolkit's wrappers do: options spliced into the D text, -x, several -n.
    let (code, out, err) = run(Command::new("/bin/sh")
        .arg("-c")
        .arg("opt=5; dtrace -x strsize=64 -n 'BEGIN { trace('$opt'); }' -n 'BEGIN { exit(0); }'")
        .env("PATH", path));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        "dtrace: description 'BEGIN ' matched 1 probe\ndtrace: description 'BEGIN ' matched 1 probe\n"
    );
    assert_eq!(
        out,
        format!(
            "{:>32}\n{:>32}  {:>10}\n{:>32} \n\n",
            "FUNCTION:NAME", ":BEGIN", 5, ":BEGIN"
        )
    );
}

#[test]
fn cpp_with_defines_and_an_include() {
    if !root("cpp_with_defines_and_an_include") {
        return;
    }
    let dir = Dir::new("cpp");
    dir.write("defs.h", "#define GREETING \"from the header\"\n");
    dir.write(
        "cpp.d",
        "#!/usr/sbin/dtrace -Cqs\n#include \"defs.h\"\n\nBEGIN\n{\n\tprintf(\"%s %d\\n\", GREETING, VALUE);\n#ifdef EXTRA\n\tprintf(\"extra\\n\");\n#endif\n\texit(0);\n}\n",
    );
    let inc = format!("-I{}", dir.0.display());
    let (code, out, err) = dir.dtrace(&["-C", &inc, "-DVALUE=7", "-DEXTRA", "-qs", "cpp.d"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "from the header 7\nextra\n\n", "")
    );
    let (code, out, err) = dir.dtrace(&["-CqDVALUE=8", "-DEXTRA", "-UEXTRA", "-s", "cpp.d"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "from the header 8\n\n", "")
    );
    // Errors name the script's own lines (cpp's line markers), and the header's.
    dir.write("bad.d", "#define X 1\n\nBEGIN\n{\n\tx = ;\n}\n");
    let (code, _, err) = dir.dtrace(&["-Cs", "bad.d"]);
    assert_eq!(
        (code, err.as_str()),
        (
            Some(1),
            "dtrace: failed to compile script bad.d: line 5: syntax error near \";\"\n"
        )
    );
    dir.write("bad.h", "\ninline int y = ;\n");
    dir.write("inc.d", "#include \"bad.h\"\nBEGIN { exit(0); }\n");
    let (code, _, err) = dir.dtrace(&["-Cs", "inc.d"]);
    assert_eq!(
        (code, err.as_str()),
        (
            Some(1),
            "dtrace: failed to compile script inc.d: \"bad.h\", line 2: syntax error near \";\"\n"
        )
    );
    // oxtrace's own command line has -C too.
    let (code, out, err) = run(Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(["-q", "-C", "-s", "bad.d"])
        .current_dir(&dir.0));
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        err,
        "dtrace: failed to compile script bad.d: line 5: syntax error near \";\"\n"
    );
}

#[test]
fn compile_only_version_and_usage() {
    let dir = Dir::new("usage");
    let (code, out, err) = dir.dtrace(&["-V"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "dtrace: oxtrace D 1.13\n", "")
    );
    let (code, out, err) = dir.dtrace(&["-k", "-n", "BEGIN"]);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    let usage_start = strs(&[
        "dtrace: invalid option -- 'k'\n",
        "Usage: dtrace [-32|-64] [-CeFGhHlqSvVwZ] [-b bufsz] [-c cmd] [-D name[=def]]\n",
        "\t[-I path] [-L path] [-o output] [-p pid] [-s script] [-U name]\n",
        "\t[-x opt[=val]] [-X a|c|s|t]\n\n",
        "\t[-P provider [[ predicate ] action ]]\n",
    ]);
    assert!(err.starts_with(&usage_start), "{err}");
    assert!(
        err.ends_with("\t-Z  permit probe descriptions that match zero probes\n"),
        "{err}"
    );
    let (code, _, err) = dir.dtrace(&["-s"]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("dtrace: option requires an argument -- 's'\nUsage: "));
    let (code, _, err) = dir.dtrace(&["-h", "-s", "x.d"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "dtrace: failed to open x.d: No such file or directory\n"
    );
    let (code, _, err) = dir.dtrace(&["-h", "-n", "BEGIN"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "dtrace: -h and -G take provider definitions from scripts (-s) only\n"
    );
    dir.write("noprov.d", "BEGIN { exit(0); }\n");
    let (code, _, err) = dir.dtrace(&["-h", "-s", "noprov.d"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no provider definitions"), "{err}");
    if !root("compile_only_version_and_usage (-e)") {
        return;
    }
    // -e: compiled (errors reported), nothing enabled, no notice.
    let (code, out, err) = dir.dtrace(&["-e", "-n", "BEGIN { trace(1); }"]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));
    let (code, out, err) = dir.dtrace(&["-e", "-n", "BEGIN { x = ; }"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert_eq!(
        err,
        "dtrace: invalid probe specifier BEGIN { x = ; }: line 1: syntax error near \";\"\n"
    );
}

#[test]
fn list_probes_in_dtrace_s_format() {
    if !root("list_probes_in_dtrace_s_format") {
        return;
    }
    let dir = Dir::new("list");
    let line = |id: u32, prov: &str, name: &str| {
        format!("{id:>5} {prov:>10} {:>17} {:>33} {name}\n", "", "")
    };
    let header = "   ID   PROVIDER            MODULE                          FUNCTION NAME\n";
    let (code, out, err) = dir.dtrace(&["-l"]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let mut want = header.to_string();
    for (i, n) in ["BEGIN", "END", "ERROR"].iter().enumerate() {
        want.push_str(&line(i as u32 + 1, "dtrace", n));
    }
    let profile = [
        "profile-97",
        "profile-199",
        "profile-499",
        "profile-997",
        "profile-1999",
        "profile-4001",
        "profile-4999",
        "tick-1",
        "tick-10",
        "tick-100",
        "tick-500",
        "tick-1000",
        "tick-5000",
    ];
    for (i, n) in profile.iter().enumerate() {
        want.push_str(&line(i as u32 + 4, "profile", n));
    }
    assert_eq!(out, want);
    // Descriptions: patterns, a provider (-P), a probe made on demand (tick-1sec gets id 17).
    let (code, out, err) =
        dir.dtrace(&["-l", "-n", "tick-1sec", "-P", "dtrace", "-n", "profile-9*"]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert_eq!(
        out,
        strs(&[
            header,
            &line(17, "profile", "tick-1sec"),
            &line(1, "dtrace", "BEGIN"),
            &line(2, "dtrace", "END"),
            &line(3, "dtrace", "ERROR"),
            &line(4, "profile", "profile-97"),
            &line(7, "profile", "profile-997"),
        ])
    );
    let (code, out, _) = dir.dtrace(&["-lv", "-i", "1"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        strs(&[
            header,
            &line(1, "dtrace", "BEGIN"),
            "\n\tProbe Description Attributes\n\t\tIdentifier Names: Stable\n\t\tData Semantics:   Stable\n\t\tDependency Class: Common\n",
            "\n\tArgument Attributes\n\t\tIdentifier Names: Stable\n\t\tData Semantics:   Stable\n\t\tDependency Class: Common\n",
            "\n\tArgument Types\n\t\tNone\n\n",
        ])
    );
}

#[test]
fn zero_matching_descriptions_need_z() {
    if !root("zero_matching_descriptions_need_z") {
        return;
    }
    let dir = Dir::new("zdefs");
    let prog = "BEGIN { exit(0); } profile:::nosuch { }";
    let (code, out, err) = dir.dtrace(&["-q", "-n", prog]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert_eq!(
        err,
        format!("dtrace: invalid probe specifier {prog}: line 1: probe description profile:::nosuch does not match any probes\n")
    );
    let (code, out, err) = dir.dtrace(&["-Z", "-n", prog]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            Some(0),
            format!("{:>32}\n{:>32} \n\n", "FUNCTION:NAME", ":BEGIN").as_str(),
            "dtrace: description 'BEGIN ' matched 1 probe\n"
        )
    );
}

#[test]
fn output_file_is_appended_to() {
    if !root("output_file_is_appended_to") {
        return;
    }
    let dir = Dir::new("output");
    let out_file = dir.write("out.txt", "before\n");
    let (code, out, err) = dir.dtrace(&[
        "-q",
        "-o",
        "out.txt",
        "-n",
        "BEGIN { printf(\"traced\\n\"); exit(0); }",
    ]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));
    assert_eq!(
        std::fs::read_to_string(Path::new(&out_file)).unwrap(),
        "before\ntraced\n\n"
    );
}

#[test]
fn command_and_target() {
    if !root("command_and_target") {
        return;
    }
    let dir = Dir::new("target");
    let child = dir.write("child.sh", "echo \"child $$\"\n");
    let cmd = format!("/bin/sh {}", child.display());
    let (code, out, err) = dir.dtrace(&[
        "-q",
        "-c",
        &cmd,
        "-n",
        "BEGIN { printf(\"target %d\\n\", $target); } END { printf(\"end\\n\"); }",
    ]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let pid = out
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .unwrap_or_else(|| panic!("no child line in {out:?}"));
    assert_eq!(out, format!("target {pid}\nchild {pid}\nend\n\n"));
}

#[test]
fn header_and_semaphore_object_make_traceable_usdt_probes() {
    // `dtrace -h` and `-G` from a provider definition, a C program built with them (cc and
    // <sys/sdt.h>, which .ci/install-deps.sh installs), then oxtrace tracing its probes: the
    // arguments arrive, and the `_ENABLED()` branch runs only while the probe is traced (the
    // semaphore is raised by the tracer).
    if !root("header_and_semaphore_object_make_traceable_usdt_probes") {
        return;
    }
    let dir = Dir::new("usdt-header");
    dir.write(
        "prov.d",
        "provider oxtapp {\n\tprobe request__start(char *, int);\n\tprobe counted(void);\n};\n",
    );
    let (code, out, err) = dir.dtrace(&["-h", "-s", "prov.d"]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));
    let header = std::fs::read_to_string(dir.path("prov.h")).expect("prov.h written");
    assert!(
        header.contains("#define OXTAPP_REQUEST_START(arg0, arg1)"),
        "{header}"
    );
    let (code, _, err) = dir.dtrace(&["-G", "-s", "prov.d", "-o", "sema.o"]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    dir.write(
        "app.c",
        "#include <stdio.h>\n#include <string.h>\n#include \"prov.h\"\n\
         int main(void) {\n\tchar name[16];\n\
         \tfor (int i = 0; i < 3; i++) {\n\
         \t\tsnprintf(name, sizeof name, \"req%d\", i);\n\
         \t\tOXTAPP_REQUEST_START(name, i * 10);\n\
         \t\tif (OXTAPP_COUNTED_ENABLED())\n\t\t\tOXTAPP_COUNTED();\n\t}\n\
         \tFILE *f = fopen(\"enabled.txt\", \"w\");\n\
         \tif (!f) return 1;\n\
         \tfprintf(f, \"enabled %d\\n\", OXTAPP_COUNTED_ENABLED() ? 1 : 0);\n\
         \treturn fclose(f);\n}\n",
    );
    let cc = Command::new("cc")
        .args(["-O2", "-o", "app", "app.c", "sema.o"])
        .current_dir(&dir.0)
        .output()
        .expect("run cc");
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    // Untraced, the semaphore is down.
    let enabled = || std::fs::read_to_string(dir.path("enabled.txt")).unwrap_or_default();
    let plain = Command::new(dir.path("app"))
        .current_dir(&dir.0)
        .status()
        .expect("run app");
    assert!(plain.success());
    assert_eq!(enabled(), "enabled 0\n");
    let app = dir.path("app").display().to_string();
    let program = format!(
        "usdt:{app}:oxtapp:request__start {{ printf(\"%s %d\\n\", str(arg0), arg1); }} \
         usdt:{app}:oxtapp:counted {{ @counted = count(); }}"
    );
    let (code, out, err) = run(Command::new(env!("CARGO_BIN_EXE_oxtrace"))
        .args(["-q", "-e", &program, "-c", &app])
        .current_dir(&dir.0));
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert_eq!(out, "req0 0\nreq1 10\nreq2 20\n\n\n@counted: 3\n");
    assert_eq!(enabled(), "enabled 1\n");
}
