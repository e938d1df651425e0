//! tracefs: the kernel's tracing file system, which tracepoint and uprobe attachment need.

use std::ffi::CString;
use std::path::Path;

/// Where tracefs is mounted on current kernels.
pub const TRACEFS: &str = "/sys/kernel/tracing";
/// The older location, under debugfs.
pub const DEBUGFS_TRACING: &str = "/sys/kernel/debug/tracing";

/// The tracefs directory in use: [`TRACEFS`] when it is mounted, else the debugfs location when
/// that one is, else [`TRACEFS`].
pub fn root() -> &'static str {
    if is_mounted(Path::new(TRACEFS)) || !is_mounted(Path::new(DEBUGFS_TRACING)) {
        TRACEFS
    } else {
        DEBUGFS_TRACING
    }
}

fn is_mounted(dir: &Path) -> bool {
    dir.join("events").is_dir() || dir.join("available_events").exists()
}

/// Mounts tracefs at [`TRACEFS`] unless it (or the debugfs copy) is already there.
pub fn ensure_mounted() -> Result<(), String> {
    if is_mounted(Path::new(TRACEFS)) || is_mounted(Path::new(DEBUGFS_TRACING)) {
        return Ok(());
    }
    let target = CString::new(TRACEFS).map_err(|e| e.to_string())?;
    let fstype = CString::new("tracefs").map_err(|e| e.to_string())?;
    // SAFETY: every pointer is a valid NUL-terminated string that outlives the call.
    let rc = unsafe {
        libc::mount(
            fstype.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        return Err(format!(
            "tracefs is not mounted and mounting it at {TRACEFS} failed: {err}"
        ));
    }
    Ok(())
}

/// True when the kernel can create kprobes (has `kprobe_events`).
pub fn has_kprobes() -> bool {
    Path::new(root()).join("kprobe_events").exists()
}

/// True when the tracepoint `category:name` exists.
pub fn tracepoint_exists(category: &str, name: &str) -> bool {
    Path::new(root())
        .join("events")
        .join(category)
        .join(name)
        .is_dir()
}
