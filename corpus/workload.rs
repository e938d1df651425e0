//! `oxtrace-workload`: a deterministic syscall generator for the end-to-end tests.
//!
//! ```text
//! oxtrace-workload [--comm NAME] STEP...
//!   getppid N             N x getppid()
//!   read PATH SIZE N      open PATH read-only, N x read(fd, buf, SIZE), close
//!   write PATH SIZE N     open PATH write-only, N x write(fd, buf, SIZE) of 'x' bytes, close
//!   open PATH N           N x (openat(AT_FDCWD, PATH, O_RDONLY), close if it succeeded)
//!   sleep-ms N            nanosleep N milliseconds
//!   exit N                exit_group(N) right now (later steps are not run)
//! ```
//!
//! All steps are parsed and validated first; then the process renames itself to NAME (default
//! `oxtwl`, via `prctl(PR_SET_NAME)`) so that programs can filter with `/comm == "oxtwl"/`, and
//! only then issues exactly the listed syscalls, in order, through raw `libc::syscall` (no libc
//! wrappers, no caching). Nothing is printed on success; without an `exit` step the process
//! returns from `main` (which ends in `exit_group(0)`). Its own failures exit with 120 (usage) or
//! 121 (a step could not run), so that the `exit N` step can use small codes freely.

use std::ffi::CString;
use std::process::ExitCode;

#[derive(Debug)]
enum Step {
    Getppid(u64),
    Read(CString, usize, u64),
    Write(CString, usize, u64),
    Open(CString, u64),
    SleepMs(u64),
    Exit(i32),
}

const USAGE: &str = "usage: oxtrace-workload [--comm NAME] STEP...\n\
  steps: getppid N | read PATH SIZE N | write PATH SIZE N | open PATH N | sleep-ms N | exit N";

fn parse(args: &[String]) -> Result<(String, Vec<Step>), String> {
    let mut comm = "oxtwl".to_string();
    let mut steps = Vec::new();
    let mut it = args.iter();
    fn next<'a>(
        it: &mut std::slice::Iter<'a, String>,
        what: &str,
        step: &str,
    ) -> Result<&'a String, String> {
        it.next()
            .ok_or_else(|| format!("step '{step}': missing {what}"))
    }
    fn num<T: std::str::FromStr>(s: &str, step: &str) -> Result<T, String> {
        s.parse()
            .map_err(|_| format!("step '{step}': '{s}' is not a valid number"))
    }
    fn path(s: &str) -> Result<CString, String> {
        CString::new(s).map_err(|_| format!("path '{s}' contains a NUL byte"))
    }
    while let Some(word) = it.next() {
        let w = word.as_str();
        let step = match w {
            "--comm" => {
                comm = next(&mut it, "NAME", w)?.clone();
                if comm.is_empty() || comm.len() > 15 {
                    return Err(format!("--comm '{comm}': must be 1 to 15 bytes"));
                }
                continue;
            }
            "-h" | "--help" => return Err(String::new()),
            "getppid" => Step::Getppid(num(next(&mut it, "N", w)?, w)?),
            "read" | "write" => {
                let p = path(next(&mut it, "PATH", w)?)?;
                let size = num(next(&mut it, "SIZE", w)?, w)?;
                let n = num(next(&mut it, "N", w)?, w)?;
                if w == "read" {
                    Step::Read(p, size, n)
                } else {
                    Step::Write(p, size, n)
                }
            }
            "open" => {
                let p = path(next(&mut it, "PATH", w)?)?;
                Step::Open(p, num(next(&mut it, "N", w)?, w)?)
            }
            "sleep-ms" => Step::SleepMs(num(next(&mut it, "N", w)?, w)?),
            "exit" => Step::Exit(num(next(&mut it, "N", w)?, w)?),
            other => return Err(format!("unknown step '{other}'")),
        };
        steps.push(step);
    }
    Ok((comm, steps))
}

fn open(path: &CString, flags: libc::c_int) -> Result<libc::c_long, String> {
    // SAFETY: path is a valid NUL-terminated string that outlives the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::AT_FDCWD,
            path.as_ptr(),
            flags | libc::O_CLOEXEC,
            0o644,
        )
    };
    if fd < 0 {
        return Err(format!(
            "open {:?}: {}",
            path,
            std::io::Error::last_os_error()
        ));
    }
    Ok(fd)
}

fn close(fd: libc::c_long) {
    // SAFETY: fd was returned by openat and is closed once.
    unsafe { libc::syscall(libc::SYS_close, fd) };
}

fn run(steps: &[Step]) -> Result<(), String> {
    for step in steps {
        match step {
            Step::Getppid(n) => {
                for _ in 0..*n {
                    // SAFETY: getppid has no arguments and cannot fail.
                    unsafe { libc::syscall(libc::SYS_getppid) };
                }
            }
            Step::Read(path, size, n) => {
                let mut buf = vec![0u8; *size];
                let fd = open(path, libc::O_RDONLY)?;
                for _ in 0..*n {
                    // SAFETY: buf is valid for `size` bytes of writes.
                    unsafe { libc::syscall(libc::SYS_read, fd, buf.as_mut_ptr(), *size) };
                }
                close(fd);
            }
            Step::Write(path, size, n) => {
                let buf = vec![b'x'; *size];
                let fd = open(path, libc::O_WRONLY)?;
                for _ in 0..*n {
                    // SAFETY: buf is valid for `size` bytes of reads.
                    unsafe { libc::syscall(libc::SYS_write, fd, buf.as_ptr(), *size) };
                }
                close(fd);
            }
            Step::Open(path, n) => {
                for _ in 0..*n {
                    // SAFETY: path is a valid NUL-terminated string.
                    let fd = unsafe {
                        libc::syscall(
                            libc::SYS_openat,
                            libc::AT_FDCWD,
                            path.as_ptr(),
                            libc::O_RDONLY | libc::O_CLOEXEC,
                            0,
                        )
                    };
                    if fd >= 0 {
                        close(fd);
                    }
                }
            }
            Step::SleepMs(ms) => {
                let ts = libc::timespec {
                    tv_sec: (*ms / 1000) as libc::time_t,
                    tv_nsec: ((*ms % 1000) * 1_000_000) as libc::c_long,
                };
                // SAFETY: ts is a valid timespec; the remainder pointer may be NULL.
                unsafe {
                    libc::syscall(
                        libc::SYS_nanosleep,
                        &ts as *const libc::timespec,
                        std::ptr::null_mut::<libc::timespec>(),
                    )
                };
            }
            Step::Exit(code) => {
                // SAFETY: exit_group does not return.
                unsafe { libc::syscall(libc::SYS_exit_group, *code) };
                unreachable!("exit_group returned");
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (comm, steps) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("oxtrace-workload: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(120);
        }
    };
    let name = CString::new(comm).expect("checked in parse");
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes from the pointer.
    if unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr() as libc::c_ulong, 0, 0, 0) } != 0 {
        eprintln!(
            "oxtrace-workload: prctl(PR_SET_NAME): {}",
            std::io::Error::last_os_error()
        );
        return ExitCode::from(120);
    }
    match run(&steps) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("oxtrace-workload: {msg}");
            ExitCode::from(121)
        }
    }
}
