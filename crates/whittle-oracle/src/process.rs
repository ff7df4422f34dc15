//! Running one command in a subprocess, robustly.
//!
//! Compilers under reduction panic, abort, segfault, hang and eat memory; none
//! of that may take the reducer down or leave debris behind. [`run`] therefore
//!
//! * starts the program directly (no shell) in a **new process group**, with
//!   stdin from `/dev/null` (or a pipe that [`Started::finish`] writes the
//!   program's input to: a check can be started ahead of its candidate,
//!   see `crate::ahead`);
//! * drains stdout and stderr on reader threads into **bounded** buffers that
//!   keep the first and the last `capture_limit / 2` bytes of each stream, so a
//!   child printing gigabytes costs a fixed amount of memory;
//! * reaps the child itself with `wait4`, polling (1 ms backing off to 10 ms,
//!   each nap cut short by the child's exit: [`crate::exit_watch`]);
//! * reads the peak resident memory of the *checked program alone*, not
//!   inflated by the reducer's own (see [`crate::memory`]): through the
//!   [`spawner`](crate::spawner) when [`RunLimits::spawner`] is set, else
//!   from `wait4` where that is provably the child's own, else from samples;
//! * enforces a wall-clock timeout and an optional RSS limit (sampled from
//!   `/proc/<pid>/status` on each poll) by killing the whole process group;
//! * always kills the process group once the child is done, so grandchildren
//!   cannot linger (or keep the pipes open); descendants that left the group,
//!   and a whittle killed mid-check, are handled by [`crate::reaper`].
//!
//! Exit is detected with `waitid(…, WNOWAIT)` so that the group is killed
//! *before* the leader is reaped: while the zombie leader exists its pid (the
//! group id) cannot be reused, so `killpg` can never hit an unrelated group.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::exit_watch::ExitWatch;
use crate::memory;
use crate::reap::reap;
use crate::spawner::{self, SPAWN_COMMAND};

/// How long a check of the original may take unless `--timeout` says
/// otherwise (candidates get [`candidate_timeout`]).
pub const ORIGINAL_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a candidate's check may take unless `--timeout` says
/// otherwise: ten times the original's, plus 2 s for a slow start.
pub fn candidate_timeout(original_wall: Duration) -> Duration {
    original_wall * 10 + Duration::from_secs(2)
}

/// Limits for one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// Wall-clock time after which the process group is killed.
    pub timeout: Duration,
    /// Resident set size (bytes) above which the process group is killed.
    pub memory_limit: Option<u64>,
    /// Bytes of each output stream kept (first half and last half).
    pub capture_limit: usize,
    /// Start the program through this spawner (whittle's own executable,
    /// see [`crate::spawner`]), so that its peak memory is its own.
    pub spawner: Option<PathBuf>,
    /// The program is `whittle` itself (the built-in checker), which arms
    /// its parent-death signal on its own (as the spawner does): it is
    /// started without a fork (see [`crate::reaper`]); and it starts no
    /// process, so none is left to sweep after it.
    pub program_is_whittle: bool,
}

impl Default for RunLimits {
    fn default() -> RunLimits {
        RunLimits {
            timeout: ORIGINAL_TIMEOUT,
            memory_limit: None,
            capture_limit: 64 * 1024,
            spawner: None,
            program_is_whittle: false,
        }
    }
}

/// Set by [`cancel_all`]: every run in progress, and every later one, kills
/// its process group and fails with a "cancelled" error.
static CANCELLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Stop every oracle run now (Ctrl-C): async-signal-safe, it only stores a
/// flag that the waiting loops poll.
pub fn cancel_all() {
    CANCELLED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether [`cancel_all`] was called.
pub fn cancelled() -> bool {
    CANCELLED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Bumped by [`cancel_running`]: a run that started under an older
/// generation is stopped.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Stop the runs in progress, but not later ones (a time budget ran out:
/// the final re-check must still run). They fail with a "cancelled" error.
pub fn cancel_running() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

thread_local! {
    /// The flag of [`stop_when`] for the runs this thread makes.
    static STOP_FLAG: std::cell::RefCell<Option<Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// Run `f`, stopping any run it makes on this thread once `flag` is
/// raised (from another thread), as [`cancel_running`] would: within one
/// poll of the wait, with a "cancelled" error. For a driver that learns,
/// while a speculative check still runs, that its answer will not be
/// needed (a compile of megabytes that would only be thrown away).
pub fn stop_when<T>(flag: &Arc<std::sync::atomic::AtomicBool>, f: impl FnOnce() -> T) -> T {
    let previous = STOP_FLAG.with(|s| s.replace(Some(Arc::clone(flag))));
    let result = f();
    STOP_FLAG.with(|s| *s.borrow_mut() = previous);
    result
}

/// [`stop_when`]'s flag for this thread is raised: a run that failed as
/// "cancelled" was stopped by it.
pub fn stop_requested() -> bool {
    STOP_FLAG.with(|s| {
        s.borrow()
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    })
}

/// How the child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    /// Exited normally with this code.
    Exited(i32),
    /// Killed by this signal (not sent by us).
    Signaled(i32),
    /// We killed it because it ran past the timeout.
    TimedOut,
    /// We killed it (or it ended) with its RSS above the memory limit.
    MemoryExceeded,
}

/// Everything observed about one run.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub termination: Termination,
    /// Captured stdout (bounded, see [`RunLimits::capture_limit`]).
    pub stdout: Vec<u8>,
    /// Captured stderr (bounded, see [`RunLimits::capture_limit`]).
    pub stderr: Vec<u8>,
    /// Wall-clock time from spawn to reap.
    pub wall: Duration,
    /// Peak resident set size of the checked program alone, in bytes: exact
    /// through a spawner, else when it exceeds the reducer's own peak by a
    /// few MiB, else the highest sample (a lower bound; 0 if it ended before
    /// the first).
    pub peak_rss_bytes: u64,
    /// CPU time (user and system) of the process and of the children it
    /// waited for: above `wall`, the program used more than one core.
    pub cpu: Duration,
}

impl RunResult {
    /// stdout as (lossily decoded) text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as (lossily decoded) text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A byte sink keeping the first `head_cap` and the last `tail_cap` bytes.
#[derive(Debug)]
struct Capture {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_cap: usize,
    tail_cap: usize,
    omitted: u64,
}

impl Capture {
    fn new(limit: usize) -> Capture {
        let head_cap = limit / 2;
        Capture {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_cap,
            tail_cap: limit - head_cap,
            omitted: 0,
        }
    }

    fn push(&mut self, mut data: &[u8]) {
        if self.head.len() < self.head_cap {
            let n = (self.head_cap - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        if data.is_empty() {
            return;
        }
        if data.len() >= self.tail_cap {
            self.omitted += (self.tail.len() + data.len() - self.tail_cap) as u64;
            self.tail.clear();
            self.tail.extend(&data[data.len() - self.tail_cap..]);
        } else {
            let overflow = (self.tail.len() + data.len()).saturating_sub(self.tail_cap);
            self.tail.drain(..overflow);
            self.omitted += overflow as u64;
            self.tail.extend(data);
        }
    }

    fn contents(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + self.tail.len() + 40);
        out.extend_from_slice(&self.head);
        if self.omitted > 0 {
            out.extend_from_slice(format!("\n[… {} bytes omitted …]\n", self.omitted).as_bytes());
        }
        out.extend(self.tail.iter());
        out
    }
}

type SharedCapture = Arc<Mutex<Capture>>;

fn lock(c: &SharedCapture) -> std::sync::MutexGuard<'_, Capture> {
    c.lock().unwrap_or_else(|e| e.into_inner())
}

/// A thread that reads `pipe` into `capture` to its end, then says so on
/// `done` (the captured output is then whole).
fn spawn_reader<R: Read + Send + 'static>(
    mut pipe: R,
    capture: SharedCapture,
    name: &str,
    done: mpsc::Sender<()>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("whittle-{name}"))
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => lock(&capture).push(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            let _ = done.send(());
        })
}

/// Whether `pid` has exited, without reaping it.
fn has_exited(pid: libc::pid_t) -> std::io::Result<bool> {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value; waitid only writes to it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointer to a siginfo_t we own.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        if r == -1 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        // SAFETY: reading si_pid of a siginfo_t filled in (or zeroed) above.
        return Ok(unsafe { info.si_pid() } != 0);
    }
}

fn kill_group(pid: libc::pid_t) {
    // SAFETY: plain syscall; failure (ESRCH: group already gone) is ignored.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
}

/// How many bytes `pipe` holds (0 if it cannot say).
fn pipe_capacity(pipe: &impl std::os::fd::AsRawFd) -> usize {
    // SAFETY: F_GETPIPE_SZ only reads the capacity of the pipe.
    let capacity = unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_GETPIPE_SZ) };
    usize::try_from(capacity).unwrap_or(0)
}

/// Write `bytes` to a program's stdin. One that ends without reading them
/// all closes the pipe: the write fails, and that is all. whittle dies of
/// SIGPIPE (so that `whittle ... | head` ends quietly), and a signal a
/// write raises goes to the thread that wrote, which may be one that
/// prints (the main thread checks the result at the end): SIGPIPE is
/// blocked for the write only, and one the write raised is taken before
/// it is unblocked.
fn write_quietly(mut stdin: std::process::ChildStdin, bytes: &[u8]) {
    use std::io::Write;
    // SAFETY: sigset_t values made by sigemptyset/sigaddset; the mask is
    // this thread's, restored below; sigtimedwait with a zero timeout only
    // takes a pending SIGPIPE, if there is one.
    unsafe {
        let mut pipe: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe);
        libc::sigaddset(&mut pipe, libc::SIGPIPE);
        let mut before: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut before);
        let wrote = stdin.write_all(bytes);
        drop(stdin);
        if wrote.is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
            let now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&pipe, std::ptr::null_mut(), &now);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
    }
}

/// User and system time of an `rusage`.
pub fn cpu_time(usage: &libc::rusage) -> Duration {
    let seconds = |t: libc::timeval| {
        Duration::new(
            t.tv_sec.max(0) as u64,
            (t.tv_usec.clamp(0, 999_999) as u32) * 1000,
        )
    };
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// More than the error of the kernel's approximate RSS counters, so that
/// a child's `ru_maxrss` above our own peak by this much is its own.
const COUNTER_SLACK: u64 = 4 << 20;

/// How long to wait for the pipe readers after the group was killed. Only a
/// process that escaped the group (e.g. via `setsid`) can keep a pipe open
/// that long; then the reader is left to finish on its own.
const READER_GRACE: Duration = Duration::from_secs(2);

/// Run `program args…` (no shell) in a new process group under `limits`.
///
/// `cwd` sets the working directory (`None` = inherit). Fails only if the
/// program cannot be started (the message names it) or waiting fails; every
/// way the child itself can end is reported in [`RunResult::termination`].
pub fn run(
    program: &Path,
    args: &[OsString],
    cwd: Option<&Path>,
    limits: &RunLimits,
) -> anyhow::Result<RunResult> {
    run_with_env(program, args, cwd, &[], limits)
}

/// [`run`] with these variables added to the child's environment.
pub fn run_with_env(
    program: &Path,
    args: &[OsString],
    cwd: Option<&Path>,
    env: &[(&str, &Path)],
    limits: &RunLimits,
) -> anyhow::Result<RunResult> {
    start(program, args, cwd, env, limits, false)?.finish(None, limits)
}

/// A program started as [`run`] starts it, not yet waited for: the check
/// begins (its timeout counts) with [`Started::finish`], which may hand it
/// its input on stdin. One never finished is killed and reaped when
/// dropped.
///
/// A program started on another thread than the one that finishes it
/// must be started by a thread that lives at least as long as it waits: a
/// child's parent-death signal fires when the *thread* that started it
/// ends, not the process (see `crate::reaper`).
pub struct Started {
    program: PathBuf,
    child: Option<std::process::Child>,
    pid: libc::pid_t,
    tracked: Option<crate::reaper::Tracked>,
    readers: Vec<JoinHandle<()>>,
    /// A message from each reader once its pipe has ended.
    readers_done: Option<mpsc::Receiver<()>>,
    out_cap: SharedCapture,
    err_cap: SharedCapture,
    report_cap: Option<SharedCapture>,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Started({} pid {})", self.program.display(), self.pid)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if self.child.take().is_some() {
            kill_group(self.pid);
            let _ = reap(self.pid);
        }
    }
}

/// Start `program args…` as [`run`] does, with stdin a pipe for
/// [`Started::finish`]'s input when `piped_stdin` (not through a spawner,
/// whose stdin is its report pipe), else `/dev/null`.
pub fn start(
    program: &Path,
    args: &[OsString],
    cwd: Option<&Path>,
    env: &[(&str, &Path)],
    limits: &RunLimits,
    piped_stdin: bool,
) -> anyhow::Result<Started> {
    // Through a spawner, stdin is its report pipe (the program gets /dev/null).
    let (mut cmd, report_pipe) = match &limits.spawner {
        Some(exe) => {
            anyhow::ensure!(
                !piped_stdin,
                "a program started through the spawner reads no input"
            );
            let (reader, writer) = std::io::pipe().context("failed to create a pipe")?;
            let mut cmd = Command::new(exe);
            cmd.arg(SPAWN_COMMAND).arg(program).args(args).stdin(writer);
            (cmd, Some(reader))
        }
        None => {
            let mut cmd = Command::new(program);
            let stdin = if piped_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            };
            cmd.args(args).stdin(stdin);
            (cmd, None)
        }
    };
    cmd.envs(env.iter().copied());
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let arms_itself = limits.spawner.is_some() || limits.program_is_whittle;
    let mut tracked = crate::reaper::prepare(&mut cmd, arms_itself);
    let mut child = tracked
        .spawn(&mut cmd)
        .with_context(|| format!("failed to run `{}`", program.display()))?;
    // Our copy of the report pipe's write end: the reader sees its end
    // once the spawner is gone.
    drop(cmd);
    let pid = child.id() as libc::pid_t;

    let out_cap: SharedCapture = Arc::new(Mutex::new(Capture::new(limits.capture_limit)));
    let err_cap: SharedCapture = Arc::new(Mutex::new(Capture::new(limits.capture_limit)));
    let mut readers = Vec::new();
    let (reader_done, readers_done) = mpsc::channel();
    let mut reader_error = None;
    if let Some(pipe) = child.stdout.take() {
        match spawn_reader(pipe, out_cap.clone(), "stdout", reader_done.clone()) {
            Ok(h) => readers.push(h),
            Err(e) => reader_error = Some(e),
        }
    }
    if let Some(pipe) = child.stderr.take() {
        match spawn_reader(pipe, err_cap.clone(), "stderr", reader_done.clone()) {
            Ok(h) => readers.push(h),
            Err(e) => reader_error = Some(e),
        }
    }
    let report_cap: Option<SharedCapture> = report_pipe.map(|pipe| {
        let cap = Arc::new(Mutex::new(Capture::new(4096)));
        match spawn_reader(pipe, cap.clone(), "spawner", reader_done) {
            Ok(h) => readers.push(h),
            Err(e) => reader_error = Some(e),
        }
        cap
    });
    let started = Started {
        program: program.to_path_buf(),
        child: Some(child),
        pid,
        tracked: Some(tracked),
        readers,
        readers_done: Some(readers_done),
        out_cap,
        err_cap,
        report_cap,
    };
    if let Some(e) = reader_error {
        // (Dropping `started` kills and reaps it.)
        return Err(anyhow::Error::new(e).context("failed to start an output reader thread"));
    }
    Ok(started)
}

impl Started {
    /// Whether the program has ended already (it should be waiting for
    /// its input).
    pub fn has_ended(&self) -> bool {
        has_exited(self.pid).unwrap_or(true)
    }

    /// Hand the program its `input` on stdin (from a thread of its own, so
    /// that a program that does not read it still times out) and wait for
    /// it under `limits`, as [`run`] does.
    pub fn finish(self, input: Option<&[u8]>, limits: &RunLimits) -> anyhow::Result<RunResult> {
        self.finish_then(input, limits, || ())
    }

    /// [`Started::finish`], doing `meanwhile` once the input is handed
    /// over, before the wait: work that can wait for the program to have
    /// its input, not the other way round.
    pub fn finish_then(
        mut self,
        input: Option<&[u8]>,
        limits: &RunLimits,
        meanwhile: impl FnOnce(),
    ) -> anyhow::Result<RunResult> {
        let stdin = self.child.as_mut().and_then(|c| c.stdin.take());
        std::thread::scope(|scope| {
            if let (Some(stdin), Some(bytes)) = (stdin, input) {
                if bytes.len() <= pipe_capacity(&stdin) {
                    // All of it fits in the pipe, which holds nothing yet:
                    // the write cannot block, and starting a thread for it
                    // would take longer than it.
                    write_quietly(stdin, bytes);
                    meanwhile();
                    return self.wait(limits);
                }
                // Ends once the program has read it all, or has ended (and
                // with it the pipe's other end): `wait` kills a program
                // that does not, and reaps it.
                let writer = std::thread::Builder::new()
                    .name("whittle-stdin".into())
                    .spawn_scoped(scope, move || write_quietly(stdin, bytes));
                if let Err(e) = writer {
                    // (Dropping `self` kills and reaps the program.)
                    return Err(anyhow::Error::new(e)
                        .context("failed to start the thread that writes a check's input"));
                }
            }
            meanwhile();
            self.wait(limits)
        })
    }

    // The child is reaped by its pid (`reap`, with wait4, after its group
    // is killed), on every path: not through `Child::wait`.
    #[allow(clippy::zombie_processes)]
    fn wait(mut self, limits: &RunLimits) -> anyhow::Result<RunResult> {
        let program = self.program.clone();
        let pid = self.pid;
        let child = self
            .child
            .take()
            .expect("a started program is finished once");
        let tracked = self.tracked.take().expect("tracked until finished");
        let readers = std::mem::take(&mut self.readers);
        let readers_done = self
            .readers_done
            .take()
            .expect("a started program is finished once");
        let out_cap = self.out_cap.clone();
        let err_cap = self.err_cap.clone();
        let report_cap = self.report_cap.clone();
        let start = Instant::now();
        let deadline = start.checked_add(limits.timeout);
        let generation = GENERATION.load(std::sync::atomic::Ordering::SeqCst);
        let mut nap = Duration::from_millis(1);
        let exit_watch = ExitWatch::new(pid);
        let mut sampled_peak = 0u64;
        // The checked program: the child, or the one the spawner started.
        let mut watched = report_cap.is_none().then_some(pid);
        let mut killed_for = None;
        let mut cancelled = false;
        loop {
            if CANCELLED.load(std::sync::atomic::Ordering::SeqCst)
                || GENERATION.load(std::sync::atomic::Ordering::SeqCst) != generation
                || stop_requested()
            {
                cancelled = true;
                break;
            }
            match has_exited(pid) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    kill_group(pid);
                    let _ = reap(pid);
                    return Err(anyhow::Error::new(e)
                        .context(format!("failed to wait for `{}`", program.display())));
                }
            }
            if let (None, Some(cap)) = (watched, &report_cap) {
                watched = spawner::Report::parse(&lock(cap).contents()).pid;
            }
            // (Checking the group guards against a pid reused after the
            // spawner reaped the program.)
            let sample = watched
                .and_then(memory::status_of)
                .filter(|s| s.pgid.is_none_or(|g| g == pid));
            if let Some(sample) = sample {
                sampled_peak = sampled_peak.max(sample.hwm);
                if limits.memory_limit.is_some_and(|limit| sample.hwm > limit) {
                    killed_for = Some(Termination::MemoryExceeded);
                    break;
                }
            }
            let now = Instant::now();
            let remaining = match deadline {
                Some(d) if now >= d => {
                    killed_for = Some(Termination::TimedOut);
                    break;
                }
                Some(d) => d - now,
                None => nap,
            };
            exit_watch.nap(nap.min(remaining));
            nap = (nap * 2).min(Duration::from_millis(10));
        }

        // The leader is not reaped yet, so `pid` still names our group.
        kill_group(pid);
        let (status, usage) =
            reap(pid).with_context(|| format!("failed to reap `{}`", program.display()))?;
        // Descendants that left the group die now, before the pipes they may
        // hold are waited for. Whittle's own child starts none (through a
        // spawner, the spawner starts one, in the group).
        if limits.program_is_whittle && limits.spawner.is_none() {
            tracked.end_leaving_nothing();
        } else {
            tracked.end();
        }
        if cancelled {
            anyhow::bail!(
                "cancelled: `{}` was stopped by a stop request",
                program.display()
            );
        }
        let wall = start.elapsed();
        drop(child);

        // The readers see their pipes end once the group is gone: woken by
        // each as it does (polling them in naps of a millisecond cost a
        // reduction of small candidates 6-8% of its time).
        let grace_end = Instant::now() + READER_GRACE;
        for _ in 0..readers.len() {
            let left = grace_end.saturating_duration_since(Instant::now());
            if readers_done.recv_timeout(left).is_err() {
                break;
            }
        }
        // (One still running, or about to end, is left to end on its own.)
        for handle in readers {
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
        let stdout = lock(&out_cap).contents();
        let stderr = lock(&err_cap).contents();

        // How the program ended, and its own peak.
        let (status, peak_rss_bytes) = match &report_cap {
            Some(cap) => {
                let report = spawner::Report::parse(&lock(cap).contents());
                match (report.error, report.exit) {
                    (Some(error), _) if killed_for.is_none() => {
                        return Err(anyhow::anyhow!("{error}")
                            .context(format!("failed to run `{}`", program.display())))
                    }
                    (_, Some((status, maxrss))) => (status, maxrss.max(sampled_peak)),
                    // Killed before it could report.
                    _ => (status, sampled_peak),
                }
            }
            None => {
                // `ru_maxrss` is the larger of the child's own peak and ours
                // (see `crate::memory`): above ours, it can only be its own.
                // (With a slack: the kernel's RSS counters are per-CPU and
                // read approximately, to a few hundred KiB.)
                let maxrss = (usage.ru_maxrss.max(0) as u64).saturating_mul(1024);
                let own = if maxrss > memory::own_peak() + COUNTER_SLACK {
                    maxrss
                } else {
                    0
                };
                (status, own.max(sampled_peak))
            }
        };
        let termination = match killed_for {
            Some(t) => t,
            None => {
                let natural = if libc::WIFEXITED(status) {
                    Termination::Exited(libc::WEXITSTATUS(status))
                } else if libc::WIFSIGNALED(status) {
                    Termination::Signaled(libc::WTERMSIG(status))
                } else {
                    Termination::Exited(-1)
                };
                match limits.memory_limit {
                    Some(limit) if peak_rss_bytes > limit => Termination::MemoryExceeded,
                    _ => natural,
                }
            }
        };

        Ok(RunResult {
            termination,
            stdout,
            stderr,
            wall,
            peak_rss_bytes,
            cpu: cpu_time(&usage),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn sh(script: &str, limits: &RunLimits) -> RunResult {
        run(Path::new("/bin/sh"), &os(&["-c", script]), None, limits).unwrap()
    }

    fn short_timeout() -> RunLimits {
        RunLimits {
            timeout: Duration::from_millis(300),
            ..RunLimits::default()
        }
    }

    /// A small input is written on the check's own thread: to a program
    /// that ended without reading it, the write raises SIGPIPE, which is
    /// whittle's death (`main.rs`) unless taken before the thread unblocks
    /// it. Run in a process of its own with SIGPIPE fatal, as in whittle
    /// (the test harness ignores it).
    #[test]
    fn an_input_written_to_a_program_gone_leaves_no_sigpipe() {
        const ALONE: &str = "WHITTLE_TEST_SIGPIPE_ALONE";
        let name = "process::tests::an_input_written_to_a_program_gone_leaves_no_sigpipe";
        if std::env::var_os(ALONE).is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", name, "--nocapture", "--test-threads", "1"])
                .env(ALONE, "1")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{:?}\n{stdout}", out.status);
            assert!(stdout.contains("1 passed"), "{stdout}");
            return;
        }
        // SAFETY: restoring the default action of one signal.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let gone = start(
            Path::new("/bin/sh"),
            &os(&["-c", "exit 0"]),
            None,
            &[],
            &RunLimits::default(),
            true,
        )
        .unwrap();
        while !gone.has_ended() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let result = gone
            .finish(Some(b"(module)"), &RunLimits::default())
            .unwrap();
        assert_eq!(result.termination, Termination::Exited(0));
        // SAFETY: reading this thread's mask and pending set into values
        // we own.
        let (blocked, pending) = unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut pending);
            (
                libc::sigismember(&mask, libc::SIGPIPE),
                libc::sigismember(&pending, libc::SIGPIPE),
            )
        };
        assert_eq!((blocked, pending), (0, 0));
    }

    #[test]
    fn capture_keeps_everything_under_limit() {
        let mut c = Capture::new(10);
        c.push(b"abc");
        c.push(b"defgh");
        c.push(b"ij");
        assert_eq!(c.contents(), b"abcdefghij");
    }

    #[test]
    fn capture_keeps_head_and_tail() {
        let mut c = Capture::new(8);
        for chunk in [&b"0123"[..], b"456", b"789abc", b"d", b"ef"] {
            c.push(chunk);
        }
        // 16 bytes in, first 4 and last 4 kept.
        assert_eq!(
            String::from_utf8(c.contents()).unwrap(),
            "0123\n[… 8 bytes omitted …]\ncdef"
        );
        let mut big = Capture::new(4);
        big.push(&[b'x'; 1000]);
        big.push(b"yz");
        let s = String::from_utf8(big.contents()).unwrap();
        assert_eq!(s, "xx\n[… 998 bytes omitted …]\nyz");
        let mut zero = Capture::new(0);
        zero.push(b"abc");
        assert_eq!(
            String::from_utf8(zero.contents()).unwrap(),
            "\n[… 3 bytes omitted …]\n"
        );
    }

    #[test]
    fn exit_code() {
        let r = sh("exit 3", &RunLimits::default());
        assert_eq!(r.termination, Termination::Exited(3));
    }

    #[test]
    fn captures_both_streams() {
        let r = sh("echo out; echo err >&2; exit 0", &RunLimits::default());
        assert_eq!(r.termination, Termination::Exited(0));
        assert_eq!(r.stdout, b"out\n");
        assert_eq!(r.stderr, b"err\n");
    }

    #[test]
    fn stdin_is_null() {
        let r = run(Path::new("cat"), &[], None, &short_timeout()).unwrap();
        assert_eq!(r.termination, Termination::Exited(0));
        assert!(r.stdout.is_empty());
    }

    #[test]
    fn cwd_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        let r = run(
            Path::new("pwd"),
            &[],
            Some(dir.path()),
            &RunLimits::default(),
        )
        .unwrap();
        let printed = String::from_utf8(r.stdout).unwrap();
        assert_eq!(
            Path::new(printed.trim()).canonicalize().unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }

    #[test]
    fn killed_by_signal() {
        let r = sh("kill -SEGV $$", &RunLimits::default());
        assert_eq!(r.termination, Termination::Signaled(libc::SIGSEGV));
    }

    #[test]
    fn timeout_kills() {
        let start = Instant::now();
        let r = run(Path::new("sleep"), &os(&["30"]), None, &short_timeout()).unwrap();
        assert_eq!(r.termination, Termination::TimedOut);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(r.wall >= Duration::from_millis(300));
    }

    #[test]
    fn timeout_kills_whole_group() {
        let start = Instant::now();
        let r = sh("sleep 30 & sleep 30", &short_timeout());
        assert_eq!(r.termination, Termination::TimedOut);
        // The background sleep holds the pipes open; had it survived, the
        // readers would not have finished and we would have waited for them.
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn grandchildren_killed_after_normal_exit() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        // The background subshell holds stdout open: had it survived, the
        // readers would have waited for it (2 s) and it would leave a file.
        let script = format!(
            "(sleep 2; touch '{}') & echo started; exit 0",
            marker.display()
        );
        let start = Instant::now();
        let r = sh(&script, &RunLimits::default());
        assert_eq!(r.termination, Termination::Exited(0));
        assert_eq!(r.stdout, b"started\n");
        assert!(
            start.elapsed() < Duration::from_millis(1800),
            "{:?}",
            start.elapsed()
        );
        std::thread::sleep(Duration::from_millis(2500).saturating_sub(start.elapsed()));
        assert!(!marker.exists(), "the grandchild survived the group kill");
    }

    #[test]
    fn output_capture_is_bounded() {
        let r = run(
            Path::new("head"),
            &os(&["-c", "10000000", "/dev/zero"]),
            None,
            &RunLimits::default(),
        )
        .unwrap();
        assert_eq!(r.termination, Termination::Exited(0));
        let marker = b"\n[\xe2\x80\xa6 9934464 bytes omitted \xe2\x80\xa6]\n";
        assert_eq!(r.stdout.len(), 64 * 1024 + marker.len());
        assert_eq!(&r.stdout[32 * 1024..32 * 1024 + marker.len()], marker);
        assert!(r.stdout[..32 * 1024].iter().all(|&b| b == 0));
        assert!(r.stdout[32 * 1024 + marker.len()..].iter().all(|&b| b == 0));
    }

    fn python3() -> Option<&'static str> {
        ["/usr/bin/python3", "/usr/local/bin/python3", "python3"]
            .into_iter()
            .find(|p| {
                Command::new(p)
                    .arg("-c")
                    .arg("pass")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
    }

    #[test]
    fn memory_limit_kills() {
        let Some(py) = python3() else {
            eprintln!("python3 not available; skipping memory_limit_kills");
            return;
        };
        let limits = RunLimits {
            timeout: Duration::from_secs(30),
            memory_limit: Some(100 * 1024 * 1024),
            ..RunLimits::default()
        };
        let start = Instant::now();
        let r = run(
            Path::new(py),
            &os(&[
                "-c",
                "x = b'x' * (300*1024*1024); import time; time.sleep(5)",
            ]),
            None,
            &limits,
        )
        .unwrap();
        assert_eq!(r.termination, Termination::MemoryExceeded);
        assert!(r.peak_rss_bytes > 100 * 1024 * 1024, "{}", r.peak_rss_bytes);
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn memory_limit_not_hit() {
        let limits = RunLimits {
            memory_limit: Some(1024 * 1024 * 1024),
            ..RunLimits::default()
        };
        let r = sh("exit 0", &limits);
        assert_eq!(r.termination, Termination::Exited(0));
    }

    #[test]
    fn peak_rss_is_the_childs_own() {
        // A parent with 256 MB resident: `wait4` alone would say the child
        // peaked at 256 MB too (see `crate::memory`).
        let block = vec![1u8; 256 << 20];
        let r = sh("sleep 0.1", &RunLimits::default());
        assert!(r.peak_rss_bytes > 0);
        assert!(r.peak_rss_bytes < 64 << 20, "{}", r.peak_rss_bytes);
        drop(block);
    }

    #[test]
    fn spawn_failure_names_program() {
        let err = run(
            Path::new("/nonexistent/whittle-no-such-program"),
            &[],
            None,
            &RunLimits::default(),
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("/nonexistent/whittle-no-such-program"),
            "{text}"
        );
    }

    #[test]
    fn a_raised_stop_flag_stops_only_its_threads_run() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let flag = Arc::new(AtomicBool::new(false));
        let raiser = {
            let flag = Arc::clone(&flag);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                flag.store(true, Ordering::SeqCst);
            })
        };
        // Another thread's run under no flag is not stopped.
        let other = std::thread::spawn(|| {
            run(
                Path::new("sleep"),
                &[OsString::from("0.5")],
                None,
                &RunLimits::default(),
            )
        });
        let start = Instant::now();
        let stopped = stop_when(&flag, || {
            run(
                Path::new("sleep"),
                &[OsString::from("30")],
                None,
                &RunLimits::default(),
            )
        });
        raiser.join().unwrap();
        let err = stopped.unwrap_err();
        assert!(format!("{err:#}").contains("cancelled"), "{err:#}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(
            other.join().unwrap().unwrap().termination,
            Termination::Exited(0)
        );
        // Outside `stop_when` the flag no longer applies.
        let after = run(
            Path::new("/bin/sh"),
            &[OsString::from("-c"), OsString::from("exit 3")],
            None,
            &RunLimits::default(),
        )
        .unwrap();
        assert_eq!(after.termination, Termination::Exited(3));
    }
}
