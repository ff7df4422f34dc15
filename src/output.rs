//! Writing results without ever leaving a half-written or worse file.
//!
//! Every write goes to a temporary file in the destination's directory and
//! is renamed over the destination, so a reducer killed at any moment leaves
//! either the previous best or the new one, never a torn file. The file is
//! flushed to disk before the rename and the directory after it, so a write
//! reported done survives a power loss too. A write that fails (a full
//! disk) removes its temporary file and leaves the destination as it was.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Replace `path` by `bytes` atomically and durably: the data is on disk
/// before the new file takes the old one's place (results, new bests).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, true)
}

/// Replace `path` by `bytes` atomically, leaving it to the OS when the data
/// reaches the disk: for bookkeeping rewritten at every pass (the
/// checkpoint's state), where a kill loses nothing (the page cache
/// survives the process) and an fsync each time would cost more than the
/// pass.
pub fn replace_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, false)
}

fn replace(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".whittle-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    // A new file gets the usual 0644 (a temporary file starts as 0600); a
    // replaced one keeps its mode.
    let mode = std::fs::metadata(path).map_or(0o644, |m| {
        std::os::unix::fs::PermissionsExt::mode(&m.permissions())
    });
    // Through the plain file: its errors keep the OS's code and message.
    tmp.as_file_mut()
        .write_all(bytes)
        .and_then(|_| {
            tmp.as_file()
                .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
        })
        .and_then(|_| {
            if sync {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("{}: cannot replace", path.display()))?;
    if !sync {
        return Ok(());
    }
    // The rename is durable once the directory entry is on disk.
    match std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot sync a directory; nothing more to do.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other.with_context(|| format!("{}: cannot sync", dir.display())),
    }
}

/// Whether `error` comes from a full disk or an exhausted quota.
pub fn is_disk_full(error: &anyhow::Error) -> bool {
    use std::io::ErrorKind::{QuotaExceeded, StorageFull};
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| matches!(e.kind(), StorageFull | QuotaExceeded))
    })
}

/// `min.wasm` -> `min.wat`, `min.report.json`, ...
pub fn sibling(path: &Path, extension: &str) -> std::path::PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{stem}.{extension}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_names_siblings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.wasm");
        write_atomically(&p, b"first").unwrap();
        write_atomically(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&p).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(
            sibling(&p, "report.json"),
            dir.path().join("out.report.json")
        );
    }
}
