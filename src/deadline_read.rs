//! Reading an input that may never arrive.
//!
//! A regular file is simply read. Anything else — a FIFO, `<(cat x.wasm)`
//! (a pipe at `/dev/fd/N`), a device — can block without bound: opening a
//! FIFO waits for a writer, reading a pipe waits for data. So such a file is
//! opened and read on a helper thread, and the caller gives up when nothing
//! (no data, no end of file) comes for [`timeout`] — `WHITTLE_INPUT_TIMEOUT`
//! seconds, 10 by default. A thread left blocked in `open` or `read` ends
//! with the process.
//!
//! Reading also stops as soon as the bytes cannot begin a module (neither
//! the `\0asm` magic nor WAT text), so `/dev/zero` is refused at once rather
//! than read forever.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// How long to wait for the next bytes (or the end) of a special file.
pub fn timeout() -> Duration {
    std::env::var("WHITTLE_INPUT_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(10), Duration::from_secs_f64)
}

/// The bytes of `path`: directly for a regular file, else within the
/// deadline described in the module docs.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        return Ok(std::fs::read(path)?);
    }
    if meta.is_dir() {
        bail!("is a directory");
    }
    let owned = path.to_path_buf();
    read_with_deadline(move || std::fs::File::open(owned), timeout())
}

/// Open a source with `open` and read it on a helper thread; fail when no
/// progress is made for `timeout`.
pub fn read_with_deadline<R: Read>(
    open: impl FnOnce() -> std::io::Result<R> + Send + 'static,
    timeout: Duration,
) -> Result<Vec<u8>> {
    let (tx, rx) = mpsc::channel::<std::io::Result<Vec<u8>>>();
    std::thread::Builder::new()
        .name("whittle-input".into())
        .spawn(move || {
            let mut source = match open() {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let chunk = match source.read(&mut buf) {
                    Ok(n) => Ok(buf[..n].to_vec()),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let end = !matches!(&chunk, Ok(c) if !c.is_empty());
                if tx.send(chunk).is_err() || end {
                    return;
                }
            }
        })
        .context("cannot start a reader thread")?;
    let mut bytes = Vec::new();
    loop {
        match rx.recv_timeout(timeout) {
            Ok(Ok(chunk)) if chunk.is_empty() => return Ok(bytes),
            Ok(Ok(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if !could_begin_a_module(&bytes) {
                    // The caller says what is wrong with these bytes.
                    return Ok(bytes);
                }
            }
            Ok(Err(e)) => return Err(e.into()),
            Err(mpsc::RecvTimeoutError::Timeout) => bail!(
                "nothing arrived for {:.0} s (a FIFO or device with no writer?); set WHITTLE_INPUT_TIMEOUT=SECONDS to wait longer",
                timeout.as_secs_f64()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(bytes),
        }
    }
}

/// Whether `bytes` can still be the start of a binary module (`\0asm`) or of
/// WAT text (whitespace, then `(` or `;`).
fn could_begin_a_module(bytes: &[u8]) -> bool {
    const MAGIC: &[u8] = b"\0asm";
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] == MAGIC[..n] {
        return true;
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(b) => matches!(b, b'(' | b';'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_starts() {
        assert!(could_begin_a_module(b"\0a"));
        assert!(could_begin_a_module(b"\0asm\x01\0\0\0"));
        assert!(could_begin_a_module(b"  \n"));
        assert!(could_begin_a_module(b" (module)"));
        assert!(could_begin_a_module(b";; comment"));
        assert!(!could_begin_a_module(b"\0\0"));
        assert!(!could_begin_a_module(b"hello"));
    }

    #[test]
    fn endless_zeros_stop_at_once() {
        let bytes = read(Path::new("/dev/zero")).unwrap();
        assert_eq!(bytes.len(), 64 * 1024);
    }
}
