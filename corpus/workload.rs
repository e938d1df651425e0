//! `oxtrace-workload`: a deterministic syscall generator for the end-to-end tests.
//!
//! ```text
//! oxtrace-workload [--comm NAME] STEP...
//!   getppid N             N x getppid()
//!   read PATH SIZE N      open PATH read-only, N x read(fd, buf, SIZE), close
//!   write PATH SIZE N     open PATH write-only (created if missing), N x write(fd, buf, SIZE)
//!                         of 'x' bytes, close
//!   open PATH N           N x (openat(AT_FDCWD, PATH, O_RDONLY), close if it succeeded)
//!   sleep-ms N            nanosleep N milliseconds
//!   spin-ms N             run on the CPU for N milliseconds (a busy loop; no syscalls but
//!                         clock_gettime through the vDSO)
//!   sync                  sync()
//!   exec PATH ARGS        fork; the child execve()s PATH with argv[0] = PATH and the
//!                         comma-separated ARGS (`-` for none), the parent waits for it
//!   kill SIG TARGET       kill(TARGET, SIG); TARGET is a number or `child` (a forked child
//!                         that waits in pause(); killed with SIGKILL afterwards if still alive)
//!   threads N             start N threads through libc's pthread_create and join them
//!   fork N                N x (fork; the child exits 0 at once; wait for it)
//!   tcp PORT N            listen on 127.0.0.1:PORT, then N x (connect, accept, close both)
//!   tcp-refused PORT      connect to 127.0.0.1:PORT where nothing listens (the peer resets)
//!   fsync PATH SIZE N     N x (creat/truncate PATH, write SIZE bytes of 'x', fsync, close)
//!   stat PATH N           N x stat(PATH) (the newstat syscall)
//!   setuid UID            setuid(UID)
//!   bash LINE             pipe LINE (spaces as `_`) into an interactive `bash --norc -i`,
//!                         which reads it with readline; wait for it
//!   wait-stdin            read stdin up to a newline or EOF (lets a test attach with -p first)
//!   watched-addr          print the address of the u64 `watched` (hex, one line) on stdout
//!   watched-write N       for i in 1..=N: store i into `watched` (a watchpoint target)
//!   usdt N                for i in 1..=N: USDT probe oxtwl:step (see below)
//!   usdt-guarded N        N x USDT probe oxtwl:guarded, only while its semaphore is set
//!   usdt-multi N          N x each of the two sites of USDT probe oxtwl:multi
//!   exit N                exit_group(N) right now (later steps are not run)
//! ```
//!
//! The USDT probes are SystemTap `sys/sdt.h` probes written by hand in inline assembly (a `nop`
//! and a `.note.stapsdt` note, plus `.stapsdt.base` and, for `guarded`, a semaphore in
//! `.probes`), so their argument specifications are fixed and cover every operand form:
//!
//! | probe | arguments (spec) | values for step i |
//! | --- | --- | --- |
//! | `oxtwl:step` | `-4@%edi 8@%rsi -2@$-7 8@(%rdx) -8@8(%rdx,%rcx,8) 1@%r8b -1@%r9b` | `-i`, `1000*i`, `-7`, `7*i`, `-(1000+i)`, `255`, `-2` |
//! | `oxtwl:guarded` | `2@%ax` | the semaphore's value (1 while one tracer is attached) |
//! | `oxtwl:multi` (site 1) | `-4@%edi` | `-1` |
//! | `oxtwl:multi` (site 2) | `8@$99` | `99` |
//!
//! Each probe fires from a `#[no_mangle]` function (`oxtwl_usdt_step`, `oxtwl_usdt_guarded`,
//! `oxtwl_usdt_multi1`, `oxtwl_usdt_multi2`) that is never inlined, which uprobe tests use too.
//!
//! Every step that starts other processes or threads (exec, kill child, threads, fork, bash)
//! does so after the rename, so they inherit the comm; `exec` replaces it with the program's
//! name and `bash` runs as `bash`.
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
    SpinMs(u64),
    Sync,
    Exec(CString, Vec<CString>),
    Kill(i32, Option<i32>),
    Threads(u64),
    Fork(u64),
    Tcp(u16, u64),
    TcpRefused(u16),
    Fsync(CString, usize, u64),
    Stat(CString, u64),
    Setuid(u32),
    Bash(String),
    WaitStdin,
    WatchedAddr,
    WatchedWrite(u64),
    Usdt(u64),
    UsdtGuarded(u64),
    UsdtMulti(u64),
    Exit(i32),
}

const USAGE: &str = "usage: oxtrace-workload [--comm NAME] STEP...\n\
  steps: getppid N | read PATH SIZE N | write PATH SIZE N | open PATH N | sleep-ms N |\n\
         spin-ms N | sync |\n\
         exec PATH ARGS | kill SIG TARGET | threads N | fork N | tcp PORT N | tcp-refused PORT |\n\
         fsync PATH SIZE N | stat PATH N | setuid UID | bash LINE |\n\
         wait-stdin | watched-addr | watched-write N | usdt N | usdt-guarded N | usdt-multi N |\n\
         exit N";

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
            "spin-ms" => Step::SpinMs(num(next(&mut it, "N", w)?, w)?),
            "sync" => Step::Sync,
            "exec" => {
                let p = path(next(&mut it, "PATH", w)?)?;
                let args = next(&mut it, "ARGS", w)?;
                let args = if args == "-" {
                    vec![]
                } else {
                    args.split(',').map(path).collect::<Result<_, _>>()?
                };
                Step::Exec(p, args)
            }
            "kill" => {
                let sig = num(next(&mut it, "SIG", w)?, w)?;
                let target = next(&mut it, "TARGET", w)?;
                let target = if target == "child" {
                    None
                } else {
                    Some(num(target, w)?)
                };
                Step::Kill(sig, target)
            }
            "threads" => Step::Threads(num(next(&mut it, "N", w)?, w)?),
            "fork" => Step::Fork(num(next(&mut it, "N", w)?, w)?),
            "tcp" => {
                let port = num(next(&mut it, "PORT", w)?, w)?;
                Step::Tcp(port, num(next(&mut it, "N", w)?, w)?)
            }
            "tcp-refused" => Step::TcpRefused(num(next(&mut it, "PORT", w)?, w)?),
            "fsync" => {
                let p = path(next(&mut it, "PATH", w)?)?;
                let size = num(next(&mut it, "SIZE", w)?, w)?;
                Step::Fsync(p, size, num(next(&mut it, "N", w)?, w)?)
            }
            "stat" => {
                let p = path(next(&mut it, "PATH", w)?)?;
                Step::Stat(p, num(next(&mut it, "N", w)?, w)?)
            }
            "setuid" => Step::Setuid(num(next(&mut it, "UID", w)?, w)?),
            "bash" => Step::Bash(next(&mut it, "LINE", w)?.replace('_', " ")),
            "wait-stdin" => Step::WaitStdin,
            "watched-addr" => Step::WatchedAddr,
            "watched-write" => Step::WatchedWrite(num(next(&mut it, "N", w)?, w)?),
            "usdt" => Step::Usdt(num(next(&mut it, "N", w)?, w)?),
            "usdt-guarded" => Step::UsdtGuarded(num(next(&mut it, "N", w)?, w)?),
            "usdt-multi" => Step::UsdtMulti(num(next(&mut it, "N", w)?, w)?),
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

/// The calling thread's last errno as a message.
fn os_error(what: &str) -> String {
    format!("{what}: {}", std::io::Error::last_os_error())
}

/// fork(); in the child runs `child` and exits with its result (never returns there).
fn fork_with(child: impl FnOnce() -> i32) -> Result<libc::pid_t, String> {
    // SAFETY: the workload is single-threaded when it forks (threads are joined in their step);
    // the child only makes raw syscalls before it exits or execs.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(os_error("fork"));
    }
    if pid == 0 {
        let code = child();
        // SAFETY: ends the child without running the parent's atexit handlers twice.
        unsafe { libc::_exit(code) };
    }
    Ok(pid)
}

fn wait_for(pid: libc::pid_t) {
    let mut status = 0;
    // SAFETY: pid is our child; status is a valid out pointer.
    unsafe { libc::waitpid(pid, &mut status, 0) };
}

/// A TCP socket address 127.0.0.1:port.
fn loopback(port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
        },
        sin_zero: [0; 8],
    }
}

fn tcp_socket() -> Result<libc::c_int, String> {
    // SAFETY: plain socket(2).
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(os_error("socket"));
    }
    Ok(fd)
}

/// connect(2) to 127.0.0.1:port; the raw return value.
fn connect(fd: libc::c_int, port: u16) -> libc::c_int {
    let addr = loopback(port);
    // SAFETY: addr is a valid sockaddr_in of the given length.
    unsafe {
        libc::connect(
            fd,
            &addr as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    }
}

fn tcp_round_trips(port: u16, n: u64) -> Result<(), String> {
    let listener = tcp_socket()?;
    let one: libc::c_int = 1;
    let addr = loopback(port);
    // SAFETY: valid option value and address pointers with their lengths.
    let ok = unsafe {
        libc::setsockopt(
            listener,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) == 0
            && libc::bind(
                listener,
                &addr as *const libc::sockaddr_in as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            ) == 0
            && libc::listen(listener, 16) == 0
    };
    if !ok {
        let e = os_error(&format!("listen on 127.0.0.1:{port}"));
        close(listener as libc::c_long);
        return Err(e);
    }
    for _ in 0..n {
        let client = tcp_socket()?;
        if connect(client, port) != 0 {
            return Err(os_error("connect"));
        }
        // SAFETY: accept with NULL address pointers.
        let server = unsafe { libc::accept(listener, std::ptr::null_mut(), std::ptr::null_mut()) };
        if server < 0 {
            return Err(os_error("accept"));
        }
        close(client as libc::c_long);
        close(server as libc::c_long);
    }
    close(listener as libc::c_long);
    Ok(())
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
                let fd = open(path, libc::O_WRONLY | libc::O_CREAT)?;
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
            Step::SpinMs(ms) => {
                let end = std::time::Instant::now() + std::time::Duration::from_millis(*ms);
                while std::time::Instant::now() < end {
                    std::hint::spin_loop();
                }
            }
            Step::Sync => {
                // SAFETY: sync has no arguments and cannot fail.
                unsafe { libc::syscall(libc::SYS_sync) };
            }
            Step::Exec(path, args) => {
                let mut argv: Vec<*const libc::c_char> = vec![path.as_ptr()];
                argv.extend(args.iter().map(|a| a.as_ptr()));
                argv.push(std::ptr::null());
                let envp: [*const libc::c_char; 1] = [std::ptr::null()];
                let child = fork_with(|| {
                    // SAFETY: argv and envp are NULL-terminated arrays of valid C strings.
                    unsafe {
                        libc::syscall(
                            libc::SYS_execve,
                            path.as_ptr(),
                            argv.as_ptr(),
                            envp.as_ptr(),
                        )
                    };
                    127
                })?;
                wait_for(child);
            }
            Step::Kill(sig, target) => {
                let (pid, child) = match target {
                    Some(pid) => (*pid, None),
                    None => {
                        let c = fork_with(|| loop {
                            // SAFETY: pause has no arguments.
                            unsafe { libc::pause() };
                        })?;
                        (c, Some(c))
                    }
                };
                // SAFETY: plain kill(2); failures are the traced result.
                unsafe { libc::syscall(libc::SYS_kill, pid, *sig) };
                if let Some(c) = child {
                    // SAFETY: our own child; ESRCH when the signal already ended it is fine.
                    unsafe { libc::kill(c, libc::SIGKILL) };
                    wait_for(c);
                }
            }
            Step::Threads(n) => {
                let handles: Vec<_> = (0..*n).map(|_| std::thread::spawn(|| {})).collect();
                for h in handles {
                    h.join().map_err(|_| "a thread panicked".to_string())?;
                }
            }
            Step::Fork(n) => {
                for _ in 0..*n {
                    let c = fork_with(|| 0)?;
                    wait_for(c);
                }
            }
            Step::Tcp(port, n) => tcp_round_trips(*port, *n)?,
            Step::TcpRefused(port) => {
                let fd = tcp_socket()?;
                if connect(fd, *port) == 0 {
                    return Err(format!("something listens on 127.0.0.1:{port}"));
                }
                close(fd as libc::c_long);
            }
            Step::Fsync(path, size, n) => {
                let buf = vec![b'x'; *size];
                for _ in 0..*n {
                    let fd = open(path, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)?;
                    // SAFETY: buf is valid for `size` bytes of reads.
                    unsafe { libc::syscall(libc::SYS_write, fd, buf.as_ptr(), *size) };
                    // SAFETY: fd is open.
                    if unsafe { libc::syscall(libc::SYS_fsync, fd) } != 0 {
                        return Err(os_error("fsync"));
                    }
                    close(fd);
                }
            }
            Step::Stat(path, n) => {
                // SAFETY: an all-zero `stat` is a valid buffer for the kernel to fill.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                for _ in 0..*n {
                    // SAFETY: path is a valid C string, st a valid out buffer.
                    unsafe { libc::syscall(libc::SYS_stat, path.as_ptr(), &mut st) };
                }
            }
            Step::Setuid(uid) => {
                // SAFETY: setuid(2); the result is what the tracer observes.
                unsafe { libc::syscall(libc::SYS_setuid, *uid) };
            }
            Step::Bash(line) => {
                use std::io::Write;
                let mut child = std::process::Command::new("/bin/bash")
                    .args(["--norc", "--noprofile", "-i"])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| format!("bash: {e}"))?;
                if let Some(mut stdin) = child.stdin.take() {
                    writeln!(stdin, "{line}").map_err(|e| format!("bash stdin: {e}"))?;
                }
                child.wait().map_err(|e| format!("bash: {e}"))?;
            }
            Step::WaitStdin => {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| format!("wait-stdin: {e}"))?;
            }
            Step::WatchedAddr => {
                use std::io::Write;
                let mut out = std::io::stdout();
                let _ = writeln!(out, "{:#x}", std::ptr::addr_of!(WATCHED) as usize);
                let _ = out.flush();
            }
            Step::WatchedWrite(n) => {
                for i in 1..=*n {
                    // SAFETY: a plain volatile store to our own static; nothing else touches it.
                    unsafe { std::ptr::write_volatile(std::ptr::addr_of_mut!(WATCHED), i) };
                }
            }
            Step::Usdt(n) => {
                for i in 1..=*n {
                    oxtwl_usdt_step(i);
                }
            }
            Step::UsdtGuarded(n) => {
                for _ in 0..*n {
                    oxtwl_usdt_guarded();
                }
            }
            Step::UsdtMulti(n) => {
                for _ in 0..*n {
                    oxtwl_usdt_multi1();
                    oxtwl_usdt_multi2();
                }
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

/// The assembly of one SystemTap USDT probe site: the `nop` the tracer replaces, its
/// `.note.stapsdt` note (address, `.stapsdt.base` address, semaphore address, provider, name,
/// argument specification) and, once per object, the `.stapsdt.base` section. `$sema` is an
/// operand name (`{sema}`) or `0`.
macro_rules! usdt_asm {
    ($provider:literal, $name:literal, $args:literal, $sema:literal) => {
        concat!(
            "990: nop\n",
            ".pushsection .note.stapsdt, \"\", \"note\"\n",
            ".balign 4\n",
            ".4byte 992f-991f, 994f-993f, 3\n",
            "991: .asciz \"stapsdt\"\n",
            "992: .balign 4\n",
            "993: .8byte 990b\n",
            ".8byte _.stapsdt.base\n",
            ".8byte ",
            $sema,
            "\n",
            ".asciz \"",
            $provider,
            "\"\n",
            ".asciz \"",
            $name,
            "\"\n",
            ".asciz \"",
            $args,
            "\"\n",
            "994: .balign 4\n",
            ".popsection\n",
            ".ifndef _.stapsdt.base\n",
            ".pushsection .stapsdt.base, \"aG\", \"progbits\", .stapsdt.base, comdat\n",
            ".weak _.stapsdt.base\n",
            ".hidden _.stapsdt.base\n",
            "_.stapsdt.base: .space 1\n",
            ".size _.stapsdt.base, 1\n",
            ".popsection\n",
            ".endif\n",
        )
    };
}

/// The variable the `watched-*` steps expose and write (a watchpoint target).
static mut WATCHED: u64 = 0;

/// The semaphore of `oxtwl:guarded` (its first two bytes): the kernel increments it while a
/// uprobe with this reference counter is attached.
///
/// Page-aligned on purpose: the kernel raises the semaphore of a process started after the probe
/// was attached in the first writable mapping of the file that covers its file offset, and when
/// `.probes` lands in the file page where the previous data segment ends (which happens with
/// some layouts of this binary), that is the previous segment's mapping, at the wrong address.
#[repr(C, align(4096))]
struct Semaphore(u16);

#[no_mangle]
#[used]
#[link_section = ".probes"]
static mut OXTWL_GUARDED_SEMAPHORE: Semaphore = Semaphore(0);

/// Fires `oxtwl:step` for step `i` (arguments in the module documentation).
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxtwl_usdt_step(i: u64) {
    let memory: [i64; 3] = [7 * i as i64, 0, -(1000 + i as i64)];
    let memory = std::hint::black_box(memory);
    // SAFETY: a `nop` plus data in non-loaded sections; the registers are only read by a tracer.
    unsafe {
        std::arch::asm!(
            usdt_asm!("oxtwl", "step", "-4@%edi 8@%rsi -2@$-7 8@(%rdx) -8@8(%rdx,%rcx,8) 1@%r8b -1@%r9b", "0"),
            in("edi") (i as i32).wrapping_neg(),
            in("rsi") 1000 * i,
            in("rdx") memory.as_ptr(),
            in("rcx") 1u64,
            in("r8") 0x1ffu64,
            in("r9") 0x1feu64,
            options(att_syntax, readonly, nostack, preserves_flags),
        );
    }
}

/// Fires `oxtwl:guarded` with its semaphore's value, only when the semaphore is set (what
/// `sys/sdt.h`'s `_ENABLED()` check does before computing expensive arguments).
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxtwl_usdt_guarded() {
    // SAFETY: a plain volatile read of a u16 the kernel may change under us.
    let sema = unsafe { std::ptr::read_volatile(std::ptr::addr_of!(OXTWL_GUARDED_SEMAPHORE.0)) };
    if sema == 0 {
        return;
    }
    // SAFETY: as in oxtwl_usdt_step.
    unsafe {
        std::arch::asm!(
            usdt_asm!("oxtwl", "guarded", "2@%ax", "{sema}"),
            sema = sym OXTWL_GUARDED_SEMAPHORE,
            in("ax") sema,
            options(att_syntax, readonly, nostack, preserves_flags),
        );
    }
}

/// The first site of `oxtwl:multi`: one argument, -1 in a register.
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxtwl_usdt_multi1() {
    // SAFETY: as in oxtwl_usdt_step.
    unsafe {
        std::arch::asm!(
            usdt_asm!("oxtwl", "multi", "-4@%edi", "0"),
            in("edi") -1i32,
            options(att_syntax, readonly, nostack, preserves_flags),
        );
    }
}

/// The second site of `oxtwl:multi`: one argument, the constant 99.
#[no_mangle]
#[inline(never)]
pub extern "C" fn oxtwl_usdt_multi2() {
    // SAFETY: as in oxtwl_usdt_step.
    unsafe {
        std::arch::asm!(
            usdt_asm!("oxtwl", "multi", "8@$99", "0"),
            options(att_syntax, readonly, nostack, preserves_flags),
        );
    }
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
