//! Where a reduction's result goes and what is written beside it: the
//! default output, the files a run may write (none of which may be the
//! input), the `.wat` and `.wast` companions, and what a full disk leaves.

use crate::output::{sibling, write_atomically};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// The largest result printed as WAT when a run is stopped early (Ctrl-C,
/// time budget): printing takes about 0.1 s per MB, and a stop must be
/// honoured within a second.
const WAT_WHEN_STOPPED_LIMIT: usize = 1 << 20;

/// The result as WAT, for OUTPUT's `.wat`; printing a big module takes
/// seconds, so not when the run was stopped early (a note says how to get
/// it).
pub fn wat(bytes: &[u8], stopped_early: bool, output: &Path) -> String {
    if stopped_early && bytes.len() > WAT_WHEN_STOPPED_LIMIT {
        format!(
            ";; not printed: a stopped run leaves a {} byte module (whittle convert {} -o {})\n",
            bytes.len(),
            output.display(),
            sibling(output, "wat").display()
        )
    } else {
        whittle_module::to_wat(bytes)
    }
}

/// Where the result goes without `-o`: beside INPUT, as
/// `NAME.reduced.wasm`.
pub fn default_output(input: &Path) -> Result<PathBuf> {
    if std::fs::metadata(input).is_ok_and(|m| !m.is_file()) {
        // `<(cat x.wasm)` is /dev/fd/63: nothing can be written beside it.
        bail!(
            "{}: not a regular file, so there is no place beside it for the result: name the output with -o",
            input.display()
        );
    }
    let stem = input.file_stem().unwrap_or_default().to_string_lossy();
    Ok(input.with_file_name(format!("{stem}.reduced.wasm")))
}

/// A write that failed for want of space says what was kept and how to go
/// on; any other error is left as it is.
pub fn explain_full_disk(error: anyhow::Error, output: &Path, written: bool) -> anyhow::Error {
    if !crate::output::is_disk_full(&error) {
        return error;
    }
    anyhow::anyhow!(
        "{error:#}; {} {}: free space, then continue with --resume",
        output.display(),
        if written {
            "keeps the previous best"
        } else {
            "is unchanged"
        }
    )
}

/// `--emit-wast`: OUTPUT's `.wast`, or a note saying why there is none.
pub fn write_wast(
    output: &Path,
    reduced: &crate::reproduce::Reduced,
    source_bytes: usize,
    source: &str,
) -> Result<()> {
    let path = sibling(output, "wast");
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let failure = crate::wast::Failure {
        reduced,
        source,
        source_bytes,
        file_name: &file_name,
    };
    match failure.wast() {
        Ok(text) => write_atomically(&path, text.as_bytes()),
        Err(why) => {
            eprintln!("whittle: note: no .wast written: {why:#}");
            Ok(())
        }
    }
}

/// Every file a run writes beside the checkpoint: the output first.
pub fn written_files(output: &Path) -> Vec<PathBuf> {
    let mut files = vec![output.to_path_buf()];
    files.extend(["wat", "report.json", "report.md", "wast"].map(|ext| sibling(output, ext)));
    files
}
