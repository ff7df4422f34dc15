//! How much memory a checked process uses — that process alone.
//!
//! The obvious reading, `wait4`'s `ru_maxrss`, is wrong for a reducer: on
//! Linux, `exec` folds the high-water mark of the address space it replaces
//! into the new program's `maxrss`, and a child started by `posix_spawn` or
//! `vfork` replaces the *parent's* address space (a `fork`ed one, a copy of
//! it). So a `wasmtime` spawned by a whittle that has 400 MB resident reports
//! at least 400 MB, whatever it compiles, and `getrusage(RUSAGE_SELF)` inside
//! the child says the same. (Measured: a 400 MB process spawning `/bin/true`
//! reads 413 MB.)
//!
//! What measures the child alone, and how whittle uses it:
//!
//! * `VmHWM` in `/proc/<pid>/status`: the high-water mark of the process's
//!   *own* address space, which starts afresh at `exec`. The built-in oracle
//!   child reads its own after compiling and reports it (exact, free).
//! * A **spawner** ([`crate::spawner`]): a small process that starts the
//!   program itself, so the address space the program replaces at `exec` is
//!   the spawner's few MB, and `wait4` in the spawner then gives the program's
//!   own peak, including any subprocess it waited for — the figure
//!   `/usr/bin/time -f %M` shows, and measured the same way. Used for the
//!   `wasmtime` CLI and predicates, which cannot report their own peak.
//! * Sampling `VmHWM` while the child runs: a lower bound (growth in the last
//!   poll interval before exit is missed), the fallback when neither of the
//!   above answered (a built-in child that crashed).
//!
//! Not used: a cgroup v2 `memory.peak` is exact, but needs a writable cgroup
//! v2 hierarchy with the memory controller (this project's machines run
//! cgroup v1 for memory) and counts page cache, which `/usr/bin/time` does
//! not.

/// What `/proc/<pid>/status` says about a process's memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Resident set size now (`VmRSS`), bytes.
    pub rss: u64,
    /// Peak resident set size of its current address space (`VmHWM`), bytes.
    pub hwm: u64,
    /// Its process group (`NSpgid`), if the kernel says.
    pub pgid: Option<i32>,
}

/// Parse the text of a `/proc/<pid>/status` file.
pub fn parse_status(text: &str) -> Status {
    let mut status = Status::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let kib = || {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .map_or(0, |k| k * 1024)
        };
        match key {
            "VmRSS" => status.rss = kib(),
            "VmHWM" => status.hwm = kib(),
            // One id per nested pid namespace, ours (that of this /proc) first.
            "NSpgid" => status.pgid = value.split_whitespace().next().and_then(|v| v.parse().ok()),
            _ => {}
        }
    }
    status
}

/// The memory status of `pid` (`None`: gone, or its address space already
/// released because it is exiting).
pub fn status_of(pid: libc::pid_t) -> Option<Status> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let status = parse_status(&text);
    (status.hwm > 0).then_some(status)
}

/// This process's own peak resident set size (`VmHWM`), bytes; 0 if
/// unknown. Unlike `getrusage(RUSAGE_SELF)`, not inflated by whatever
/// started this process.
pub fn own_peak() -> u64 {
    std::fs::read_to_string("/proc/self/status").map_or(0, |t| parse_status(&t).hwm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status() {
        let text = "Name:\tcat\nNSpgid:\t26249\nVmPeak:\t    3060 kB\nVmHWM:\t    1672 kB\nVmRSS:\t    1600 kB\n";
        assert_eq!(
            parse_status(text),
            Status {
                rss: 1600 * 1024,
                hwm: 1672 * 1024,
                pgid: Some(26249)
            }
        );
        assert_eq!(parse_status("NSpgid:\t7\t1\n").pgid, Some(7));
        assert_eq!(parse_status("Name:\tzombie\n"), Status::default());
    }

    #[test]
    fn own_peak_grows_with_what_this_process_touches() {
        let before = own_peak();
        assert!(before > 0);
        let block = vec![1u8; 64 << 20];
        let after = own_peak();
        assert!(after >= before.max(64 << 20), "{before} -> {after}");
        drop(block);
    }

    #[test]
    fn status_of_self_and_of_nothing() {
        let me = status_of(std::process::id() as libc::pid_t).unwrap();
        assert!(me.hwm >= me.rss && me.rss > 0, "{me:?}");
        assert_eq!(status_of(-1), None);
    }
}
