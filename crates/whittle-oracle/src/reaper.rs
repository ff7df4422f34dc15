//! Nothing a check starts outlives the check, nor `whittle`.
//!
//! [`crate::process::run`] kills a check's process group when it ends, but
//! a check's descendants can leave the group (`setsid sleep &`), and a
//! `whittle` killed with `kill -9` kills nothing at all. Three layers close
//! those holes:
//!
//! * **Parent-death signal.** Every check's first process gets
//!   `PR_SET_PDEATHSIG(SIGKILL)`: it dies with the thread that started it.
//!   `run` starts the check on the thread that then waits for it, so that
//!   thread outlives the check. A program that is `whittle` itself (the
//!   built-in checker, the spawner) arms the signal as the first thing it
//!   does ([`arm_death_signal`], told the parent by [`DIE_WITH`]), so it
//!   can be started with `posix_spawn`; any other program gets it between
//!   fork and exec. A fork copies whittle's page tables and queues on its
//!   memory map when two threads start checks at once: without it the
//!   small corpus cases ran 10% faster at `-j 2`.
//! * **Subreaper and sweep** (after [`start`]). `whittle` is the child
//!   subreaper (`PR_SET_CHILD_SUBREAPER`) of everything its checks start:
//!   a descendant orphaned by the group kill is re-parented to `whittle`
//!   rather than to init. After each check every such child is killed and
//!   reaped, again until none is left (killing one orphans its own
//!   children), except the orphans of checks still running on other threads
//!   (told apart by the [`MARKER`] variable each check's environment holds).
//!   A check of whittle's built-in child, which starts no process, leaves
//!   none: it is not followed by a sweep.
//! * **Watchdog** (after [`start`]). A small process forked at startup
//!   waits on a pipe that only `whittle` holds open. When the pipe closes
//!   without the "clean exit" byte (`whittle` was killed), the watchdog
//!   kills every process whose environment carries this run's marker and
//!   removes this run's candidate folders ([`crate::scratch`]).
//!
//! [`start`] is for a program whose every child is started through
//! [`crate::process::run`] (the `whittle` binary): the sweep kills any other
//! child. Without it, only the parent-death signal and the group kill apply.

use std::collections::HashMap;
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// The environment variable naming the check a process belongs to:
/// `<run id>/<check number>`, the run id being `<pid>.<start nanoseconds>`.
pub const MARKER: &str = "WHITTLE_CHECK";

/// The environment variable that tells a `whittle` started as a check
/// the pid whose death must kill it (see [`arm_death_signal`]).
pub const DIE_WITH: &str = "WHITTLE_DIE_WITH";

/// The byte `whittle` writes to the watchdog before a clean exit.
const CLEAN_EXIT: u8 = b'q';

struct Reaper {
    run_id: String,
    watchdog: Option<(libc::pid_t, RawFd)>,
    /// Held shared while a check is spawned and registered, exclusively by
    /// a sweep: a sweep never sees a check's first process unregistered.
    spawning: RwLock<()>,
    /// First process of each running check -> its check number.
    running: Mutex<HashMap<libc::pid_t, u64>>,
    next_check: AtomicU64,
}

static REAPER: OnceLock<Reaper> = OnceLock::new();

/// Become the subreaper of all checks and start the watchdog. Call once,
/// early in `main`, while the process has a single thread (the watchdog is
/// forked without exec). A failure leaves the parent-death signal and the
/// group kill as the only guards, and says why.
pub fn start() -> std::io::Result<()> {
    // SAFETY: plain prctl and getpid calls.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let pid = unsafe { libc::getpid() };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let run_id = format!("{pid}.{nanos}");
    let watchdog = fork_watchdog(&run_id);
    let reaper = Reaper {
        run_id,
        watchdog: watchdog.as_ref().ok().copied(),
        spawning: RwLock::new(()),
        running: Mutex::new(HashMap::new()),
        next_check: AtomicU64::new(0),
    };
    let _ = REAPER.set(reaper);
    watchdog.map(|_| ())
}

/// Before a clean exit: end whatever is left, and let the watchdog go
/// without doing anything.
pub fn finish() {
    let Some(reaper) = REAPER.get() else {
        return;
    };
    reaper.sweep();
    if let Some((pid, fd)) = reaper.watchdog {
        // SAFETY: writing one byte to and closing our pipe end, then
        // reaping our own child.
        unsafe {
            libc::write(fd, [CLEAN_EXIT].as_ptr().cast(), 1);
            libc::close(fd);
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
        }
    }
}

/// One check's first process, from spawn to sweep.
pub(crate) struct Tracked {
    check: u64,
    pid: Option<libc::pid_t>,
}

/// For a `whittle` started as a check with [`DIE_WITH`] (call first in
/// `main`, while the process has one thread): die with that parent, as a
/// check started through fork does (see the module docs). The variable is
/// removed, so that nothing this process starts inherits it.
pub fn arm_death_signal() {
    let Some(parent) = std::env::var_os(DIE_WITH) else {
        return;
    };
    std::env::remove_var(DIE_WITH);
    let Some(parent) = parent.to_str().and_then(|p| p.parse::<libc::pid_t>().ok()) else {
        return;
    };
    // SAFETY: plain prctl and getppid calls; `_exit` ends this process.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0
            || libc::getppid() != parent
        {
            // The signal cannot be armed, or the parent died before it
            // was.
            libc::_exit(137);
        }
    }
}

/// Prepare `cmd` to be a tracked check: parent-death signal and, after
/// [`start`], the marker. A program that `arms_itself` (a `whittle`, see
/// [`arm_death_signal`]) is told its parent, and so can be started without
/// a fork.
pub(crate) fn prepare(cmd: &mut Command, arms_itself: bool) -> Tracked {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    if arms_itself {
        cmd.env(DIE_WITH, parent.to_string());
    } else {
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe calls (prctl, getppid, _exit).
        unsafe { die_with_parent(cmd, parent) };
    }
    let check = match REAPER.get() {
        Some(reaper) => {
            let n = reaper.next_check.fetch_add(1, Ordering::Relaxed);
            cmd.env(MARKER, format!("{}/{n}", reaper.run_id));
            n
        }
        None => 0,
    };
    Tracked { check, pid: None }
}

/// Arm the parent-death signal between fork and exec.
///
/// # Safety
/// As [`CommandExt::pre_exec`]: the hook only makes async-signal-safe calls.
unsafe fn die_with_parent(cmd: &mut Command, parent: libc::pid_t) {
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the signal was armed.
            if libc::getppid() != parent {
                libc::_exit(137);
            }
            Ok(())
        });
    }
}

impl Tracked {
    /// Spawn `cmd` and register its process as a running check.
    pub(crate) fn spawn(&mut self, cmd: &mut Command) -> std::io::Result<Child> {
        let Some(reaper) = REAPER.get() else {
            return cmd.spawn();
        };
        let _spawning = reaper.spawning.read().unwrap_or_else(|e| e.into_inner());
        let child = cmd.spawn()?;
        let pid = child.id() as libc::pid_t;
        reaper.lock_running().insert(pid, self.check);
        self.pid = Some(pid);
        Ok(child)
    }

    /// The check's first process has been reaped: end what it left behind.
    pub(crate) fn end(mut self) {
        self.end_now();
    }

    /// The check's first process has been reaped, and it started no
    /// process of its own (whittle's built-in child, which compiles and
    /// runs in its own process): nothing of it is left to sweep. The sweep
    /// after a check reads a list of children for each of whittle's
    /// threads, 0.08 ms of a 2 ms check, and holds off starting the next
    /// ones; what other checks leave behind is swept when they end.
    pub(crate) fn end_leaving_nothing(mut self) {
        self.unregister();
    }

    fn end_now(&mut self) {
        if let Some(reaper) = self.unregister() {
            reaper.sweep();
        }
    }

    /// The check no longer runs: the reaper to sweep with, if it ran as one.
    fn unregister(&mut self) -> Option<&'static Reaper> {
        let (reaper, pid) = (REAPER.get()?, self.pid.take()?);
        reaper.lock_running().remove(&pid);
        Some(reaper)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.end_now();
    }
}

impl Reaper {
    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<libc::pid_t, u64>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Kill and reap every child that is not a running check's first
    /// process, the watchdog, or an orphan of a running check.
    fn sweep(&self) {
        let _exclusive = self.spawning.write().unwrap_or_else(|e| e.into_inner());
        let watchdog = self.watchdog.map(|(pid, _)| pid);
        for _ in 0..100 {
            let running = self.lock_running().clone();
            let own_prefix = format!("{}/", self.run_id);
            let victims: Vec<libc::pid_t> = own_children()
                .into_iter()
                .filter(|pid| Some(*pid) != watchdog && !running.contains_key(pid))
                .filter(|&pid| {
                    let check = marker_of(pid)
                        .and_then(|m| m.strip_prefix(&own_prefix)?.parse::<u64>().ok());
                    !check.is_some_and(|c| running.values().any(|&r| r == c))
                })
                .collect();
            if victims.is_empty() {
                return;
            }
            for &pid in &victims {
                // SAFETY: our own child, not yet reaped: the pid is ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            reap_all(&victims, Duration::from_secs(2));
        }
    }
}

/// Reap `pids` (our children, killed), waiting at most `limit` in all; one
/// stuck in the kernel is left for a later sweep.
fn reap_all(pids: &[libc::pid_t], limit: Duration) {
    let end = Instant::now() + limit;
    for &pid in pids {
        loop {
            let mut status = 0;
            // SAFETY: waiting for our own child.
            let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if r != 0 || Instant::now() >= end {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// The pids whose parent is this process (any of its threads).
fn own_children() -> Vec<libc::pid_t> {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    let children_of = |task: &str| {
        std::fs::read_to_string(format!("/proc/self/task/{task}/children")).map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse::<libc::pid_t>().ok())
                .collect::<Vec<_>>()
        })
    };
    // The main thread lives as long as the process: its list is missing
    // only on a kernel without `/proc/<pid>/task/<tid>/children`, which
    // takes a scan of every process.
    let main = me.to_string();
    let Ok(mut pids) = children_of(&main) else {
        return all_pids()
            .filter(|&pid| parent_of(pid) == Some(me))
            .collect();
    };
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return pids;
    };
    for task in tasks.flatten() {
        let task = task.file_name();
        let Some(task) = task.to_str().filter(|&t| t != main) else {
            continue;
        };
        // A thread that ended since the listing has no list, and its
        // children went to a thread that lives. (Taking that for a kernel
        // without the lists scanned all of /proc after a check, when a
        // worker thread had just ended.)
        pids.extend(children_of(task).unwrap_or_default());
    }
    pids
}

/// Every pid in /proc.
fn all_pids() -> impl Iterator<Item = libc::pid_t> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
}

/// The fields of `/proc/<pid>/stat` after the parenthesized command name:
/// state, parent pid, process group, ...
fn stat_fields(pid: libc::pid_t) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn parent_of(pid: libc::pid_t) -> Option<libc::pid_t> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The value of [`MARKER`] in the environment `pid` started with.
fn marker_of(pid: libc::pid_t) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{MARKER}=");
    environ
        .split(|&b| b == 0)
        .find_map(|kv| kv.strip_prefix(prefix.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Fork the watchdog; returns its pid and the write end of its pipe.
fn fork_watchdog(run_id: &str) -> std::io::Result<(libc::pid_t, RawFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: a valid array of two fds.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let [read_end, write_end] = fds;
    let prefix = format!("{MARKER}={run_id}/");
    let scratch_owner = run_id.split('.').next().and_then(|p| p.parse().ok());
    // SAFETY: the caller is single-threaded, so the child may run any code.
    match unsafe { libc::fork() } {
        -1 => {
            let err = std::io::Error::last_os_error();
            // SAFETY: closing our own fds.
            unsafe {
                libc::close(read_end);
                libc::close(write_end);
            }
            Err(err)
        }
        0 => {
            // SAFETY: closing the write end in the watchdog.
            unsafe { libc::close(write_end) };
            watchdog(read_end, &prefix, scratch_owner)
        }
        pid => {
            // SAFETY: closing the read end in whittle.
            unsafe { libc::close(read_end) };
            Ok((pid, write_end))
        }
    }
}

/// The watchdog's life: detach, wait for the pipe to close, clean up if
/// `whittle` did not say goodbye.
fn watchdog(pipe: RawFd, marker_prefix: &str, scratch_owner: Option<libc::pid_t>) -> ! {
    detach(pipe);
    let mut byte = [0u8; 1];
    let clean = loop {
        // SAFETY: reading into a local buffer from our pipe end.
        let n = unsafe { libc::read(pipe, byte.as_mut_ptr().cast(), 1) };
        if n == 1 {
            break byte[0] == CLEAN_EXIT;
        }
        if n == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break false;
        }
    };
    if !clean {
        if let Some(owner) = scratch_owner {
            // The pipe closes before the rest of a dying whittle's files
            // (its folder locks among them): wait until it is a zombie.
            wait_until_dead(owner, Duration::from_secs(5));
        }
        kill_marked(marker_prefix);
        if let Some(owner) = scratch_owner {
            let which = crate::scratch::Stale::Of(owner, Duration::from_secs(5));
            crate::scratch::remove_stale(&std::env::temp_dir(), which);
        }
    }
    // SAFETY: ending the watchdog process.
    unsafe { libc::_exit(0) }
}

/// Leave whittle's session (a group kill or a hangup of whittle must not
/// reach the watchdog), ignore interrupts, and keep no descriptor but the
/// pipe: the watchdog must not hold a pipe someone waits on.
fn detach(pipe: RawFd) {
    // SAFETY: plain syscalls on our own process and descriptors.
    unsafe {
        libc::setsid();
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGPIPE] {
            libc::signal(sig, libc::SIG_IGN);
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..3 {
                libc::dup2(null, fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
        libc::prctl(libc::PR_SET_NAME, c"whittle-watch".as_ptr(), 0, 0, 0);
    }
    let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in open {
        if fd > 2 && fd != pipe {
            // SAFETY: closing a descriptor of our own (the one read_dir used
            // is already closed, and closing it again is harmless).
            unsafe { libc::close(fd) };
        }
    }
}

/// Wait (at most `limit`) until `pid` has exited: gone, or a zombie.
fn wait_until_dead(pid: libc::pid_t, limit: Duration) {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        let state = stat_fields(pid).and_then(|f| f.into_iter().next());
        if !matches!(state.as_deref(), Some(s) if s != "Z" && s != "X") {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Kill every process whose environment carries `marker_prefix`, until
/// none is left (a process may fork while the scan runs).
fn kill_marked(marker_prefix: &str) {
    let needle = marker_prefix.as_bytes();
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    for _ in 0..50 {
        let mut found = false;
        for pid in all_pids().filter(|&p| p != me) {
            let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
                continue;
            };
            if environ.split(|&b| b == 0).any(|kv| kv.starts_with(needle)) {
                found = true;
                // SAFETY: a plain kill of a process of this run.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        if !found {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Child, Command};

    /// A child of this thread, and one of a thread that has ended (handed
    /// to a thread that lives), are both this process's children.
    #[test]
    fn children_of_every_thread_are_found_the_ended_ones_too() {
        let sleeper = || Command::new("sleep").arg("30").spawn().unwrap();
        let mut here = sleeper();
        let mut of_ended = std::thread::spawn(sleeper).join().unwrap();
        let children = own_children();
        for child in [&mut here, &mut of_ended] {
            let pid = child.id() as libc::pid_t;
            assert!(children.contains(&pid), "{pid} not in {children:?}");
            let _ = child.kill();
            let _ = Child::wait(child);
        }
    }
}
