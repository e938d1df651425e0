//! Handing the kernel's slow teardown of attached probes to a background process.
//!
//! Releasing a perf-event attachment costs the kernel an RCU grace period, ~70 ms each on the
//! project's machines (platform notes), and the process that drops the last reference waits for
//! it, even at exit. So before oxtrace drops its links it forks a *releaser*: a grandchild that
//! inherits a reference to every open attachment. oxtrace's own drops are then cheap (libbpf
//! still disables each perf event at once, so nothing keeps firing), oxtrace exits, and the
//! releaser, woken when oxtrace closes the pipe between them, exits in turn and pays for the
//! teardown where no user waits for it. The releaser first closes every descriptor that is not a
//! kernel object (`anon_inode:` BPF links, programs, maps, perf events): its standard streams, so
//! pipes reading oxtrace's output see their end as soon as oxtrace is done, and any other pipe,
//! so that two releasers forked at the same time never hold each other's wake-up pipe.

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
    close_all_but_kernel_objects(read_end);
    let mut byte = 0u8;
    loop {
        let n = libc::read(read_end, (&mut byte as *mut u8).cast(), 1);
        if n == 0 || (n < 0 && *libc::__errno_location() != libc::EINTR) {
            break;
        }
    }
    libc::_exit(0)
}

/// Closes every open descriptor except `keep` and those whose `/proc/self/fd` link names an
/// anonymous inode (BPF links, programs and maps, perf events). Uses raw `getdents64` and
/// `readlinkat` so that it is async-signal-safe; closes in batches and rescans, because closing
/// while a `/proc/self/fd` listing is read can skip entries.
///
/// # Safety
/// Only for a freshly forked child about to exit; it closes descriptors other code may own.
unsafe fn close_all_but_kernel_objects(keep: libc::c_int) {
    const BATCH: usize = 128;
    let dir = libc::open(
        c"/proc/self/fd".as_ptr(),
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
    );
    if dir < 0 {
        for fd in 0..3 {
            libc::close(fd);
        }
        return;
    }
    loop {
        let mut doomed = [0 as libc::c_int; BATCH];
        let mut count = 0;
        libc::lseek(dir, 0, libc::SEEK_SET);
        let mut buf = [0u8; 4096];
        'listing: loop {
            let n = libc::syscall(libc::SYS_getdents64, dir, buf.as_mut_ptr(), buf.len());
            if n <= 0 {
                break;
            }
            let mut off = 0usize;
            while off + 19 < n as usize {
                // struct linux_dirent64 { u64 ino; i64 off; u16 reclen; u8 type; char name[]; }
                let reclen = usize::from(u16::from_ne_bytes([buf[off + 16], buf[off + 17]]));
                if reclen == 0 {
                    break 'listing;
                }
                let name = buf.as_ptr().add(off + 19);
                if let Some(fd) = parse_fd(&buf[off + 19..(off + reclen).min(n as usize)]) {
                    if fd != dir && fd != keep && !is_anon_inode(dir, name.cast()) {
                        doomed[count] = fd;
                        count += 1;
                        if count == BATCH {
                            break 'listing;
                        }
                    }
                }
                off += reclen;
            }
        }
        for fd in &doomed[..count] {
            libc::close(*fd);
        }
        if count < BATCH {
            break;
        }
    }
    libc::close(dir);
}

/// The descriptor number in a `/proc/self/fd` entry name (NUL-terminated digits).
fn parse_fd(name: &[u8]) -> Option<libc::c_int> {
    let mut fd: libc::c_int = 0;
    let mut digits = 0;
    for &c in name {
        match c {
            0 => break,
            b'0'..=b'9' => {
                fd = fd
                    .checked_mul(10)?
                    .checked_add(libc::c_int::from(c - b'0'))?;
                digits += 1;
            }
            _ => return None,
        }
    }
    (digits > 0).then_some(fd)
}

/// Whether `/proc/self/fd/<name>` (relative to the open directory `dir`) is an anonymous inode.
///
/// # Safety
/// `name` must point to a NUL-terminated string.
unsafe fn is_anon_inode(dir: libc::c_int, name: *const libc::c_char) -> bool {
    let mut target = [0u8; 64];
    let n = libc::readlinkat(dir, name, target.as_mut_ptr().cast(), target.len());
    n > 0 && target[..n as usize].starts_with(b"anon_inode:")
}

#[cfg(test)]
mod tests {
    use super::parse_fd;

    #[test]
    fn fd_names_are_parsed() {
        assert_eq!(parse_fd(b"17\0junk"), Some(17));
        assert_eq!(parse_fd(b"0\0"), Some(0));
        assert_eq!(parse_fd(b".\0"), None);
        assert_eq!(parse_fd(b"..\0"), None);
        assert_eq!(parse_fd(b"\0"), None);
    }
}
