//! Process control for `-c CMD` and `-p PID`.
//!
//! `-c`: [`HeldChild::spawn`] forks a child that blocks reading a pipe **before** it calls
//! `execvp`, so its pid is known (for `cpid`) before the program is compiled and it runs none of
//! its own code until every probe is attached; [`HeldChild::release`] writes one byte to let it
//! exec. If the tracer gives up before releasing it, dropping the handle closes the pipe and the
//! child exits with status 0 without ever running the command.
//!
//! `-p`: [`process_exists`] tells whether a pid is still alive (a zombie counts as gone).

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A child process forked for `-c CMD`, held before `exec` until [`HeldChild::release`].
#[derive(Debug)]
pub struct HeldChild {
    pid: libc::pid_t,
    /// Write end of the hold pipe; `None` once released.
    release: Option<OwnedFd>,
    /// Set once the child has been reaped (its wait status).
    status: Option<i32>,
}

/// Splits a `-c` command line into words at whitespace (bpftrace does not run a shell either).
pub fn split_command(cmd: &str) -> Vec<String> {
    cmd.split_whitespace().map(str::to_string).collect()
}

/// Finds `prog` the way `execvp` will: as given when it contains `/`, else in `$PATH`.
/// The program `-c CMD` runs: its first word, looked up in `$PATH` as `spawn` does (`usdt::NAME`
/// probes are looked for in it).
pub fn command_program(cmd: &str) -> Option<std::path::PathBuf> {
    resolve(split_command(cmd).first()?)
}

fn resolve(prog: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if prog.contains('/') {
        let p = std::path::PathBuf::from(prog);
        return executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(prog))
        .find(|p| executable(p))
}

impl HeldChild {
    /// Forks a child for `cmd` (split at whitespace, looked up in `$PATH`) that waits for
    /// [`HeldChild::release`] before it execs. Errors when the command is empty or not found, or
    /// when `pipe`/`fork` fail.
    pub fn spawn(cmd: &str) -> Result<HeldChild, String> {
        let words = split_command(cmd);
        let Some(first) = words.first() else {
            return Err("-c needs a command".to_string());
        };
        let Some(path) = resolve(first) else {
            return Err(format!("cannot run '{cmd}': command '{first}' not found"));
        };
        // Everything the child needs is prepared before fork: after fork only async-signal-safe
        // calls (read, close, execv, _exit) are made.
        let path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("cannot run '{cmd}': NUL byte in the command"))?;
        let args: Vec<CString> = words
            .iter()
            .map(|w| CString::new(w.as_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|_| format!("cannot run '{cmd}': NUL byte in the command"))?;
        let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());

        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: fds has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(format!(
                "cannot create a pipe for -c: {}",
                std::io::Error::last_os_error()
            ));
        }
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: the child branch only calls async-signal-safe functions before exec/_exit.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(format!(
                "cannot fork for -c: {}",
                std::io::Error::last_os_error()
            ));
        }
        if pid == 0 {
            // SAFETY: async-signal-safe calls on descriptors and buffers owned by this process.
            unsafe {
                libc::close(write_end.as_raw_fd());
                let mut byte = 0u8;
                loop {
                    let n = libc::read(read_end.as_raw_fd(), (&mut byte as *mut u8).cast(), 1);
                    if n == 1 {
                        libc::execv(path.as_ptr(), argv.as_ptr());
                        libc::_exit(127);
                    }
                    if n == 0 || *libc::__errno_location() != libc::EINTR {
                        // The tracer gave up (closed the pipe): never run the command.
                        libc::_exit(0);
                    }
                }
            }
        }
        drop(read_end);
        Ok(HeldChild {
            pid,
            release: Some(write_end),
            status: None,
        })
    }

    /// The child's pid (the `cpid` builtin).
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    /// Lets the child exec its command (once; later calls do nothing).
    pub fn release(&mut self) -> Result<(), String> {
        let Some(fd) = self.release.take() else {
            return Ok(());
        };
        let byte = 1u8;
        // SAFETY: writes one byte from a valid buffer to an open pipe.
        let n = unsafe { libc::write(fd.as_raw_fd(), (&byte as *const u8).cast(), 1) };
        if n != 1 {
            return Err(format!(
                "cannot start the -c command: {}",
                std::io::Error::last_os_error()
            ));
        }
        Ok(())
    }

    /// True once the child has exited (reaps it without blocking).
    pub fn has_exited(&mut self) -> bool {
        if self.status.is_some() {
            return true;
        }
        let mut status = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        if r == self.pid
            || (r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD))
        {
            self.status = Some(status);
            return true;
        }
        false
    }
}

impl Drop for HeldChild {
    /// An unreleased child exits on its own when the pipe closes; a running one gets SIGTERM.
    /// Either way it is reaped.
    fn drop(&mut self) {
        let held = self.release.take().is_some();
        if self.has_exited() {
            return;
        }
        if !held {
            // SAFETY: signals our own unreaped child.
            unsafe { libc::kill(self.pid, libc::SIGTERM) };
        }
        let mut status = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        unsafe { libc::waitpid(self.pid, &mut status, 0) };
    }
}

/// True while process `pid` exists and is not a zombie.
pub fn process_exists(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain anything.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].trim_start().chars().next());
    !matches!(state, Some('Z') | Some('X') | None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_at_whitespace() {
        assert_eq!(split_command("  ls  -l /tmp "), vec!["ls", "-l", "/tmp"]);
        assert!(split_command("   ").is_empty());
    }

    #[test]
    fn unknown_commands_are_errors() {
        let e = HeldChild::spawn("/nonexistent/oxtrace-nothing").unwrap_err();
        assert!(e.contains("not found"), "{e}");
        assert!(HeldChild::spawn("").is_err());
    }

    #[test]
    fn held_child_runs_only_when_released() {
        let dir = std::env::temp_dir().join(format!("oxt-child-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let cmd = format!("/usr/bin/touch {}", dir.display());
        // Dropped without release: never runs.
        let child = HeldChild::spawn(&cmd).unwrap();
        assert!(process_exists(child.pid()));
        drop(child);
        assert!(!dir.exists());
        // Released: runs and exits.
        let mut child = HeldChild::spawn(&cmd).unwrap();
        child.release().unwrap();
        let start = std::time::Instant::now();
        while !child.has_exited() && start.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(child.has_exited());
        assert!(dir.exists());
        let _ = std::fs::remove_file(&dir);
    }

    #[test]
    fn this_process_exists() {
        assert!(process_exists(std::process::id()));
        assert!(!process_exists(u32::MAX - 1));
    }
}
