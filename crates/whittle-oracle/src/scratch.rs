//! Candidate folders that a killed `whittle` cannot leave behind for long.
//!
//! Each check writes its candidate into a fresh folder
//! `$TMPDIR/whittle-<pid>-XXXXXX/` that is removed when the check ends. A
//! `whittle` killed mid-check cannot remove it, so:
//!
//! * the owner holds an exclusive `flock` on the folder while it lives (the
//!   kernel drops it when the owner dies, however it dies);
//! * the first check of every run removes the folders whose owner pid is
//!   gone and whose lock is free: never another live run's (its pid is
//!   alive; in another pid namespace its lock is held);
//! * the watchdog of a killed run removes that run's folders at once
//!   ([`crate::reaper`]).

use anyhow::Context as _;
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

/// A candidate folder, locked while it exists.
pub struct Scratch {
    // Dropped in this order: the folder is removed while still locked.
    dir: tempfile::TempDir,
    _lock: std::fs::File,
}

impl Scratch {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A fresh locked candidate folder in the temporary directory (the first
/// call of a process removes stale ones first).
pub fn candidate_dir() -> anyhow::Result<Scratch> {
    static SWEPT: Once = Once::new();
    let parent = std::env::temp_dir();
    SWEPT.call_once(|| remove_stale(&parent, Stale::DeadOwners));
    let dir = tempfile::Builder::new()
        .prefix(&format!("whittle-{}-", std::process::id()))
        .tempdir_in(&parent)
        .context("failed to create a temporary directory for the candidate")?;
    let lock = std::fs::File::open(dir.path())
        .and_then(|f| f.lock().map(|()| f))
        .with_context(|| format!("failed to lock {}", dir.path().display()))?;
    Ok(Scratch { dir, _lock: lock })
}

/// The owner pid in a candidate folder's name (`whittle-<pid>-XXXXXX`).
fn owner_of(name: &str) -> Option<libc::pid_t> {
    let (pid, rest) = name.strip_prefix("whittle-")?.split_once('-')?;
    if rest.is_empty() {
        return None;
    }
    pid.parse().ok()
}

fn alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    exists || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Whose candidate folders [`remove_stale`] removes.
#[derive(Clone, Copy, Debug)]
pub enum Stale {
    /// Those of processes no longer alive (at the start of a run).
    DeadOwners,
    /// Those of this dead `whittle` (its watchdog cleaning up), waiting up
    /// to the given time for their locks: a check forked but not yet
    /// started when `whittle` died holds a copy until it dies too.
    Of(libc::pid_t, std::time::Duration),
}

/// Remove the candidate folders in `parent` that `which` names and whose
/// lock is free.
pub fn remove_stale(parent: &Path, which: Stale) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let me = std::process::id() as libc::pid_t;
    let (patience, is_stale): (_, Box<dyn Fn(libc::pid_t) -> bool>) = match which {
        Stale::DeadOwners => (Duration::ZERO, Box::new(|o| o != me && !alive(o))),
        Stale::Of(pid, patience) => (patience, Box::new(move |o| o == pid)),
    };
    let end = Instant::now() + patience;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(owner_of) else {
            continue;
        };
        if !is_stale(owner) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        let Ok(dir) = std::fs::File::open(&path) else {
            continue;
        };
        loop {
            if dir.try_lock().is_ok() {
                let _ = std::fs::remove_dir_all(&path);
                break;
            }
            if Instant::now() >= end {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_names() {
        assert_eq!(owner_of("whittle-123-aB9xYz"), Some(123));
        assert_eq!(owner_of("whittle-123-"), None);
        assert_eq!(owner_of("whittle-aB9xYz"), None);
        assert_eq!(owner_of("other-123-abc"), None);
    }

    #[test]
    fn only_unlocked_folders_of_dead_owners_go() {
        let parent = tempfile::tempdir().unwrap();
        let dead = {
            let mut child = std::process::Command::new("true").spawn().unwrap();
            let pid = child.id();
            child.wait().unwrap();
            pid
        };
        let me = std::process::id();
        for name in [
            format!("whittle-{dead}-stale1"),
            format!("whittle-{me}-mine01"),
            "whittle-oldstyle".to_string(),
        ] {
            std::fs::create_dir(parent.path().join(&name)).unwrap();
            std::fs::write(parent.path().join(name).join("candidate.wasm"), b"x").unwrap();
        }
        // A dead owner's folder still locked (another pid namespace's live
        // run) stays.
        let locked = parent.path().join(format!("whittle-{dead}-locked"));
        std::fs::create_dir(&locked).unwrap();
        let lock = std::fs::File::open(&locked).unwrap();
        lock.lock().unwrap();
        remove_stale(parent.path(), Stale::DeadOwners);
        let mut left: Vec<String> = std::fs::read_dir(parent.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = vec![
            format!("whittle-{dead}-locked"),
            format!("whittle-{me}-mine01"),
            "whittle-oldstyle".to_string(),
        ];
        expected.sort();
        assert_eq!(left, expected);
        drop(lock);
        remove_stale(parent.path(), Stale::Of(me as libc::pid_t, Duration::ZERO));
        left.retain(|n| !n.starts_with(&format!("whittle-{me}-")));
        let mut now: Vec<String> = std::fs::read_dir(parent.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        now.sort();
        assert_eq!(now, left);
    }
}
