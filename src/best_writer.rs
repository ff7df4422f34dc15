//! New bests go to disk on a thread of their own.
//!
//! A new best is written atomically and durably (`output::write_atomically`:
//! the file and its directory synced), and an fsync costs a few
//! milliseconds: more than judging a whole candidate of a small module.
//! Done inline, these writes were the largest share of whittle's own time
//! on the corpus cases. So the reducer hands each new best to a writer
//! thread and goes on. A best that arrives while the one before is being
//! written takes its place in the queue: only the newest matters. The file
//! on disk is always a whole best, at most the write in progress behind
//! (and a killed run loses nothing: `--resume` replays the checkpoint).
//!
//! The checkpoint's record of a pass start ([`BestWriter::then`]) goes the
//! same way, after the bests queued before it: it names a base that may be
//! the newest best, and the output must never be older than the base the
//! checkpoint names. Written inline, its fsyncs and the wait for the best
//! before it were a quarter of whittle's own time on the small corpus
//! cases. These writes run in the order they were queued (a pass start
//! whose base is the one before's does not carry it again); a kill loses
//! at most the writes in the queue, and what is on disk is always a whole
//! state with its base.
//!
//! A failed write (a full disk) leaves the file as it was; the error
//! reaches the reducer at its next new best or pass start or at
//! [`BestWriter::flush`], and the run stops keeping the previous best.

use crate::output::write_atomically;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

#[derive(Default)]
struct Queue {
    /// The newest best not yet taken by the writer.
    pending: Option<Vec<u8>>,
    /// Bookkeeping to write once `pending` (if any) is on disk, in order.
    then: Vec<Then>,
    /// The writer is writing one now.
    busy: bool,
    /// The first failed write (reported once).
    error: Option<anyhow::Error>,
    /// No more bests will come: the writer ends when the queue is empty.
    closed: bool,
    /// Bests on disk so far.
    written: u64,
}

type Shared = Arc<(Mutex<Queue>, Condvar)>;

/// A write that must follow the bests queued before it.
pub type Then = Box<dyn FnOnce() -> Result<()> + Send>;

pub struct BestWriter {
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, Queue> {
    shared.0.lock().unwrap_or_else(|e| e.into_inner())
}

impl BestWriter {
    /// A writer of bests to `path`.
    pub fn start(path: PathBuf) -> BestWriter {
        let shared: Shared = Arc::default();
        let writer = Arc::clone(&shared);
        let thread = std::thread::spawn(move || loop {
            let (best, then) = {
                let mut queue = lock(&writer);
                loop {
                    if queue.pending.is_some() || !queue.then.is_empty() {
                        queue.busy = true;
                        break (queue.pending.take(), std::mem::take(&mut queue.then));
                    }
                    if queue.closed {
                        return;
                    }
                    queue = writer.1.wait(queue).unwrap_or_else(|e| e.into_inner());
                }
            };
            let wrote_best = best.is_some();
            let mut result = best.map_or(Ok(()), |bytes| write_atomically(&path, &bytes));
            // Never after a failed best: it would name a base newer than
            // the output.
            for write in then {
                if result.is_err() {
                    break;
                }
                result = write();
            }
            let mut queue = lock(&writer);
            queue.busy = false;
            match result {
                Ok(()) => queue.written += u64::from(wrote_best),
                Err(e) => {
                    // Nothing after a failed write: the files keep the
                    // last state that made it.
                    queue.error.get_or_insert(e);
                    queue.pending = None;
                    queue.then.clear();
                }
            }
            writer.1.notify_all();
        });
        BestWriter {
            shared,
            thread: Some(thread),
        }
    }

    /// Queue a new best; fails with the error of an earlier write.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        let mut queue = lock(&self.shared);
        if let Some(e) = queue.error.take() {
            return Err(e);
        }
        queue.pending = Some(bytes.to_vec());
        self.shared.1.notify_all();
        Ok(())
    }

    /// Queue `write` to run once the bests queued so far, and the writes
    /// queued before it, are on disk; fails with the error of an earlier
    /// write.
    pub fn then(&self, write: Then) -> Result<()> {
        let mut queue = lock(&self.shared);
        if let Some(e) = queue.error.take() {
            return Err(e);
        }
        queue.then.push(write);
        self.shared.1.notify_all();
        Ok(())
    }

    /// Wait until every queued write is on disk; the error of a failed
    /// write, if any.
    pub fn flush(&self) -> Result<()> {
        let mut queue = lock(&self.shared);
        while queue.pending.is_some() || !queue.then.is_empty() || queue.busy {
            queue = self.shared.1.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
        queue.error.take().map_or(Ok(()), Err)
    }

    /// How many bests are on disk so far.
    pub fn written(&self) -> u64 {
        lock(&self.shared).written
    }
}

impl Drop for BestWriter {
    /// Finish the write in progress and whatever is queued.
    fn drop(&mut self) {
        lock(&self.shared).closed = true;
        self.shared.1.notify_all();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                eprintln!("whittle: the thread writing new bests panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_newest_best_and_reports_failures() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("min.wasm");
        let writer = BestWriter::start(path.clone());
        for n in 1..=50u8 {
            writer.write(&vec![n; n as usize]).unwrap();
        }
        writer.flush().unwrap();
        assert!((1..=50).contains(&writer.written()), "{}", writer.written());
        assert_eq!(std::fs::read(&path).unwrap(), vec![50u8; 50]);
        drop(writer);

        // A directory that does not exist: the write fails, and says so at
        // the next call.
        let writer = BestWriter::start(dir.path().join("missing/min.wasm"));
        writer.write(b"x").unwrap();
        let err = writer.flush().unwrap_err();
        assert!(format!("{err:#}").contains("missing"), "{err:#}");
    }

    #[test]
    fn bookkeeping_follows_the_bests_queued_before_it() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("min.wasm");
        let writer = BestWriter::start(path.clone());
        let seen = Arc::new(Mutex::new(Vec::new()));
        for n in 1..=20u8 {
            writer.write(&[n]).unwrap();
            let (path, seen) = (path.clone(), Arc::clone(&seen));
            writer
                .then(Box::new(move || {
                    seen.lock().unwrap().push((n, std::fs::read(&path)?[0]));
                    Ok(())
                }))
                .unwrap();
        }
        writer.flush().unwrap();
        let seen = seen.lock().unwrap();
        // Every one ran, in order, and saw its best (or a newer one) on
        // disk.
        let order: Vec<u8> = seen.iter().map(|&(n, _)| n).collect();
        assert_eq!(order, (1..=20).collect::<Vec<u8>>());
        assert!(seen.iter().all(|&(n, on_disk)| on_disk >= n), "{seen:?}");
        drop(writer);

        // After a failed best the bookkeeping is dropped, and the error
        // shows once: at the next call or at the flush.
        let writer = BestWriter::start(dir.path().join("missing/min.wasm"));
        let ran = Arc::new(AtomicBool::new(false));
        writer.write(b"x").unwrap();
        let flag = Arc::clone(&ran);
        let queued = writer.then(Box::new(move || {
            flag.store(true, Ordering::SeqCst);
            Ok(())
        }));
        let flushed = writer.flush();
        assert!(
            queued.is_err() != flushed.is_err(),
            "{queued:?} {flushed:?}"
        );
        assert!(!ran.load(Ordering::SeqCst));
    }
}
