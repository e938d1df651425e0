//! Values the BPF side keeps as numbers or raw bytes and user space prints as text
//! ([`ir::Type::Text`]): error messages, signal and syscall names, user names, cgroup paths,
//! timestamps, network and MAC addresses.
//!
//! Everything except [`TextKind::Username`], [`TextKind::CgroupPath`] and
//! [`TextKind::Strftime`] (which read `/etc/passwd`, `/sys/fs/cgroup` and the clocks) is pure.

use ir::TextKind;

/// `AF_INET`.
const AF_INET: u64 = 2;
/// `AF_INET6`.
const AF_INET6: u64 = 10;

/// Renders the `kind` value whose bytes (at least `kind.size()` of them, little-endian) are
/// `bytes`.
pub fn render(kind: &TextKind, bytes: &[u8]) -> String {
    let number = || {
        let mut a = [0u8; 8];
        let n = bytes.len().min(8);
        a[..n].copy_from_slice(&bytes[..n]);
        u64::from_le_bytes(a)
    };
    match kind {
        TextKind::Errno => strerror(number() as i64),
        TextKind::SignalName => signal_name(number() as i64),
        TextKind::SyscallName => syscall_name(number() as i64),
        TextKind::Username => username(number()),
        TextKind::CgroupPath => cgroup_path(number()),
        TextKind::Strftime(format) => strftime(format, number(), clock_offset_ns()),
        TextKind::Inet => ntop(bytes),
        TextKind::MacAddr => macaddr(bytes),
    }
}

/// `strerror(n)`: the C library's message (a negative errno counts as its absolute value).
pub fn strerror(n: i64) -> String {
    let n = n.unsigned_abs();
    let Ok(n) = i32::try_from(n) else {
        return format!("Unknown error {n}");
    };
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length; the XSI strerror_r NUL-terminates within it.
    let rc = unsafe { libc::strerror_r(n, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {n}");
    }
    crate::decode::c_string(&buf)
}

/// Descriptions of signals 1 to 31 (`strsignal(3)`), as bpftrace prints them.
const SIGNALS: [&str; 31] = [
    "Hangup",
    "Interrupt",
    "Quit",
    "Illegal instruction",
    "Trace/breakpoint trap",
    "Aborted",
    "Bus error",
    "Floating point exception",
    "Killed",
    "User defined signal 1",
    "Segmentation fault",
    "User defined signal 2",
    "Broken pipe",
    "Alarm clock",
    "Terminated",
    "Stack fault",
    "Child exited",
    "Continued",
    "Stopped (signal)",
    "Stopped",
    "Stopped (tty input)",
    "Stopped (tty output)",
    "Urgent I/O condition",
    "CPU time limit exceeded",
    "File size limit exceeded",
    "Virtual timer expired",
    "Profiling timer expired",
    "Window changed",
    "I/O possible",
    "Power failure",
    "Bad system call",
];

/// `signal_name(n)`: the signal's description (`Interrupt` for 2), `N/A` out of range.
pub fn signal_name(n: i64) -> String {
    match n {
        0 | 32 | 33 => format!("Unknown signal {n}"),
        1..=31 => SIGNALS[(n - 1) as usize].to_string(),
        34..=64 => format!("Real-time signal {}", n - 34),
        _ => "N/A".to_string(),
    }
}

/// `syscall_name(n)`: the x86_64 syscall's name, `N/A` when there is none.
pub fn syscall_name(n: i64) -> String {
    u32::try_from(n)
        .ok()
        .and_then(ir::catalog::syscalls::syscall_name)
        .unwrap_or("N/A")
        .to_string()
}

/// The user name of `uid` from `/etc/passwd`, or the number when it has none.
pub fn username(uid: u64) -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    username_in(&passwd, uid)
}

/// The user name of `uid` in the text of a `passwd` file, or the number.
pub fn username_in(passwd: &str, uid: u64) -> String {
    passwd
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id: u64 = f.nth(1)?.parse().ok()?;
            (id == uid).then(|| name.to_string())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// `cgroup_path(id)`: `unified:/PATH` of the cgroup v2 directory whose inode is `id`, found
/// under `/sys/fs/cgroup` (bpftrace's form, naming the unified hierarchy); the number when none.
pub fn cgroup_path(id: u64) -> String {
    use std::os::unix::fs::MetadataExt;
    let root = std::path::Path::new("/sys/fs/cgroup");
    if std::fs::metadata(root).is_ok_and(|m| m.ino() == id) {
        return "unified:/".to_string();
    }
    let mut stack = vec![root.to_path_buf()];
    // Bounded: a cgroup tree has at most a few thousand directories.
    let mut visited = 0usize;
    while let Some(dir) = stack.pop() {
        visited += 1;
        if visited > 100_000 {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if !ft.is_dir() {
                continue;
            }
            let path = e.path();
            if e.metadata().is_ok_and(|m| m.ino() == id) {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                return format!("unified:/{}", rel.display());
            }
            stack.push(path);
        }
    }
    id.to_string()
}

/// Nanoseconds to add to a `CLOCK_MONOTONIC` time (what `nsecs` reads) to get wall-clock time.
pub fn clock_offset_ns() -> i128 {
    let now = |clock| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid, writable timespec.
        unsafe { libc::clock_gettime(clock, &mut ts) };
        i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
    };
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_MONOTONIC)
}

/// `strftime(format, ns)`: the monotonic time `ns` plus `offset_ns` as local wall-clock time,
/// formatted with strftime(3); `%f` is the microseconds (6 digits).
pub fn strftime(format: &str, ns: u64, offset_ns: i128) -> String {
    let wall = i128::from(ns) + offset_ns;
    let secs = wall.div_euclid(1_000_000_000);
    let micros = wall.rem_euclid(1_000_000_000) / 1000;
    // Replace %f (but not %%f) before strftime sees it.
    let mut fmt = String::with_capacity(format.len());
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('f') => fmt.push_str(&format!("{micros:06}")),
                Some(n) => {
                    fmt.push('%');
                    fmt.push(n);
                }
                None => fmt.push('%'),
            }
        } else {
            fmt.push(c);
        }
    }
    let secs = i64::try_from(secs).unwrap_or(0);
    let t = std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(secs.max(0) as u64))
        .unwrap_or(std::time::UNIX_EPOCH);
    crate::output::bt_text::format_time(&fmt, t)
}

/// `ntop`: an IPv4 (family 2) or IPv6 (family 10) address; other families print as `N/A`.
pub fn ntop(bytes: &[u8]) -> String {
    let mut fam = [0u8; 8];
    let mut addr = [0u8; 16];
    if let Some(b) = bytes.get(..8) {
        fam.copy_from_slice(b);
    }
    if let Some(b) = bytes.get(8..24) {
        addr.copy_from_slice(b);
    }
    match u64::from_le_bytes(fam) {
        AF_INET => std::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).to_string(),
        AF_INET6 => std::net::Ipv6Addr::from(addr).to_string(),
        _ => "N/A".to_string(),
    }
}

/// `macaddr`: six bytes as upper-case hex pairs separated by colons.
pub fn macaddr(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(6)
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_signal_and_syscall_names() {
        assert_eq!(strerror(2), "No such file or directory");
        assert_eq!(strerror(-1), "Operation not permitted");
        assert_eq!(signal_name(2), "Interrupt");
        assert_eq!(signal_name(9), "Killed");
        assert_eq!(signal_name(35), "Real-time signal 1");
        assert_eq!(signal_name(99), "N/A");
        assert_eq!(syscall_name(0), "read");
        assert_eq!(syscall_name(257), "openat");
        assert_eq!(syscall_name(-1), "N/A");
    }

    #[test]
    fn usernames_come_from_passwd() {
        let pw = "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n";
        assert_eq!(username_in(pw, 0), "root");
        assert_eq!(username_in(pw, 1000), "bob");
        assert_eq!(username_in(pw, 7), "7");
    }

    #[test]
    fn addresses() {
        let mut v4 = vec![2, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1];
        v4.resize(24, 0);
        assert_eq!(ntop(&v4), "127.0.0.1");
        let mut v6 = vec![10, 0, 0, 0, 0, 0, 0, 0];
        v6.extend([0u8; 15]);
        v6.push(1);
        assert_eq!(ntop(&v6), "::1");
        assert_eq!(macaddr(&[5, 4, 3, 2, 1, 0xab]), "05:04:03:02:01:AB");
    }

    #[test]
    fn strftime_microseconds_and_percent() {
        // 1.000123 s after the epoch, with no clock offset.
        assert_eq!(strftime("%f", 1_000_123_000, 0), "000123");
        assert_eq!(strftime("%%f|%S", 61_000_000_000, 0), "%f|01");
        assert_eq!(strftime("1%f", 1_000_000_123_000, 0), "1000123");
    }
}
