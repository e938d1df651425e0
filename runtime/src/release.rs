//! Handing the kernel's slow teardown of attached probes to a background process.
//!
//! Releasing a perf-event attachment costs the kernel an RCU grace period, ~70 ms each on the
//! project's machines (platform notes), and the process that drops the last reference waits for
//! it, even at exit. So before oxtrace drops its links it forks a *releaser*: a grandchild that
//! inherits a reference to every open attachment. oxtrace's own drops are then cheap (libbpf
//! still disables each perf event at once, so nothing keeps firing), oxtrace exits, and the
//! releaser, woken when oxtrace closes the pipe between them, exits in turn and pays for the
//! teardown where no user waits for it. The releaser closes stdin, stdout and stderr first, so
//! pipes reading oxtrace's output see their end as soon as oxtrace is done.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The write end of the pipe the releaser waits on; dropping it lets the releaser finish.
pub struct Releaser {
    _wake: OwnedFd,
}

/// Forks the releaser. `None` when the system cannot (then the caller tears down itself).
pub fn spawn() -> Option<Releaser> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return None;
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child and grandchild only call async-signal-safe functions (fork, close, read,
    // _exit) before they end, as a forked multi-threaded process must.
    match unsafe { libc::fork() } {
        -1 => None,
        0 => unsafe {
            if libc::fork() == 0 {
                wait_then_exit(read_end.as_raw_fd(), write_end.as_raw_fd());
            }
            libc::_exit(0)
        },
        child => {
            drop(read_end);
            // The intermediate child exits at once; the grandchild is adopted by init.
            // SAFETY: waiting for our own child; a null status pointer is allowed.
            unsafe { libc::waitpid(child, std::ptr::null_mut(), 0) };
            Some(Releaser { _wake: write_end })
        }
    }
}

/// The releaser's whole life: close the standard streams and its copy of the write end, wait
/// until oxtrace closes the pipe (or exits), then exit, releasing every inherited descriptor.
///
/// # Safety
/// Only for a freshly forked child: it never returns and uses async-signal-safe calls only.
unsafe fn wait_then_exit(read_end: libc::c_int, write_end: libc::c_int) -> ! {
    libc::close(write_end);
    for fd in 0..3 {
        libc::close(fd);
    }
    let mut byte = 0u8;
    loop {
        let n = libc::read(read_end, (&mut byte as *mut u8).cast(), 1);
        if n == 0 || (n < 0 && *libc::__errno_location() != libc::EINTR) {
            break;
        }
    }
    libc::_exit(0)
}
