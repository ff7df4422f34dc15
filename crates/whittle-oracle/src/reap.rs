//! Reaping a child: its wait status and its resource usage (peak memory,
//! CPU time), in one `wait4`. Shared by the check runner (`process.rs`) and
//! the spawner (`spawner.rs`), which starts checks for the runner: in its
//! own file so that those two do not import each other.

/// Reap `pid` (blocking), returning its wait status and resource usage.
pub(crate) fn reap(pid: libc::pid_t) -> std::io::Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if r == -1 && err.kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return Err(err);
    }
}
