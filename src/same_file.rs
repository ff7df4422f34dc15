//! The input is sacred: no file `whittle` writes may be the input.
//!
//! Names do not tell whether two paths are one file (`x.wasm` and
//! `./x.wasm`, a symlink, a hard link, `bug.wat` being the `.wat` written
//! beside `-o bug.wasm`), so paths are compared by what they resolve to: the
//! device and inode of the file they name.

use anyhow::{bail, Result};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The device and inode `path` resolves to (following symlinks), if it
/// exists.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Refuse to go on when writing any of `outputs` would replace `input`,
/// or when `input` lies inside the `scratch` directory that a run clears.
/// The first of `outputs` is the one the user named; the others are written
/// beside it.
pub fn refuse_overwriting_input(
    input: &Path,
    outputs: &[&Path],
    scratch: Option<&Path>,
) -> Result<()> {
    let input_id = if crate::input::is_stdin(input) {
        // `whittle reduce - -o x.wasm < x.wasm`: stdin is the file itself.
        // SAFETY: fstat writes only into the struct we own.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        (unsafe { libc::fstat(0, &mut st) } == 0).then_some((st.st_dev, st.st_ino))
    } else {
        identity(input)
    };
    let Some(input_id) = input_id else {
        // Unreadable: reading it reports the error.
        return Ok(());
    };
    for (i, path) in outputs.iter().enumerate() {
        if identity(path) != Some(input_id) {
            continue;
        }
        if i == 0 {
            bail!(
                "{}: the output {} is the input itself; choose another -o",
                crate::input::shown(input),
                path.display()
            );
        }
        bail!(
            "{}: {}, written beside the output {}, is the input itself; choose another -o",
            crate::input::shown(input),
            path.display(),
            outputs[0].display()
        );
    }
    if let Some(dir) = scratch {
        let inside = |dir: &Path| {
            let (Ok(dir), Ok(file)) = (dir.canonicalize(), input.canonicalize()) else {
                return false;
            };
            file.starts_with(dir)
        };
        if inside(dir) {
            bail!(
                "{}: the input is inside the checkpoint folder {}, which a run clears; move it out first",
                crate::input::shown(input),
                dir.display()
            );
        }
    }
    Ok(())
}
