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
//! A failed write (a full disk) leaves the file as it was; the error
//! reaches the reducer at its next new best or at [`BestWriter::flush`],
//! and the run stops keeping the previous best.

use crate::output::write_atomically;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

#[derive(Default)]
struct Queue {
    /// The newest best not yet taken by the writer.
    pending: Option<Vec<u8>>,
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
            let bytes = {
                let mut queue = lock(&writer);
                loop {
                    if let Some(bytes) = queue.pending.take() {
                        queue.busy = true;
                        break bytes;
                    }
                    if queue.closed {
                        return;
                    }
                    queue = writer.1.wait(queue).unwrap_or_else(|e| e.into_inner());
                }
            };
            let result = write_atomically(&path, &bytes);
            let mut queue = lock(&writer);
            queue.busy = false;
            match result {
                Ok(()) => queue.written += 1,
                Err(e) => {
                    // Nothing after a failed write: the file keeps the
                    // last best that made it.
                    queue.error.get_or_insert(e);
                    queue.pending = None;
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

    /// Wait until every queued best is on disk; the error of a failed
    /// write, if any.
    pub fn flush(&self) -> Result<()> {
        let mut queue = lock(&self.shared);
        while queue.pending.is_some() || queue.busy {
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
}
