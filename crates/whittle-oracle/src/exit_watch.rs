//! Waking the moment a child exits.
//!
//! [`crate::process::run`] polls its child: between polls it samples memory
//! and checks for timeouts and stop requests, so it must wake at least every
//! few milliseconds anyway. A plain sleep between polls, though, detects the
//! exit only at the next poll: with naps backing off to 10 ms a 15 ms check
//! was seen finished at 25 ms, and a reduction of small candidates spent a
//! third of its oracle time waiting for nothing. A pidfd (Linux 5.3+)
//! becomes readable when its process exits, so `poll` on it sleeps the same
//! nap but returns at once on exit. Where pidfds are unavailable (older
//! kernels, seccomp sandboxes) the watch falls back to the plain sleep.
//! No crate wraps this for a pid we do not own through `std::process::Child`'s
//! own pidfd support (unstable), hence the two syscalls here.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Sleeps that end early when the process exits.
pub(crate) struct ExitWatch {
    pidfd: Option<OwnedFd>,
}

impl ExitWatch {
    /// A watch on `pid`, which must be our unreaped child (so the pid cannot
    /// be reused while the watch lives).
    pub(crate) fn new(pid: libc::pid_t) -> Self {
        // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        let pidfd = (fd >= 0).then(|| {
            // SAFETY: a fresh descriptor that nothing else owns.
            unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) }
        });
        ExitWatch { pidfd }
    }

    /// Sleep for `nap`, or less if the process exits first.
    pub(crate) fn nap(&self, nap: Duration) {
        let Some(fd) = &self.pidfd else {
            std::thread::sleep(nap);
            return;
        };
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // Rounded up, so a sub-millisecond nap still waits instead of spinning.
        let millis = nap.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd. An error (EINTR) just ends the nap early:
        // the caller polls again.
        unsafe { libc::poll(&mut poll, 1, millis) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::time::Instant;

    #[test]
    fn a_nap_ends_when_the_child_exits() {
        let mut child = Command::new("sleep").arg("0.05").spawn().unwrap();
        let watch = ExitWatch::new(child.id() as libc::pid_t);
        assert!(watch.pidfd.is_some(), "this kernel has pidfd_open");
        let start = Instant::now();
        watch.nap(Duration::from_secs(20));
        let waited = start.elapsed();
        child.wait().unwrap();
        assert!(
            waited >= Duration::from_millis(40),
            "woke before the exit: {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(10),
            "slept through the exit: {waited:?}"
        );
    }

    #[test]
    fn a_nap_on_a_running_child_lasts_the_nap() {
        let mut child = Command::new("sleep").arg("5").spawn().unwrap();
        let watch = ExitWatch::new(child.id() as libc::pid_t);
        let start = Instant::now();
        watch.nap(Duration::from_millis(30));
        assert!(start.elapsed() >= Duration::from_millis(30));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
