//! The counts table and the reproducers of failures.

use super::harness::{Counts, Problem};
use super::{generate, Settings, Summary};
use std::fmt::Write;
use std::path::Path;

/// A markdown table of the counts per pass, with a total row.
pub fn table(settings: &Settings, summary: &Summary) -> String {
    let mut out = format!(
        "{} modules from seeds {}..{} (up to {} random bytes each; {} more the generator \
         gave up on), {} threads, {:.1} s\n\n",
        summary.checked,
        settings.first_seed,
        settings.first_seed + settings.modules,
        settings.size,
        summary.skipped,
        settings.threads,
        summary.elapsed.as_secs_f64(),
    );
    out.push_str(
        "| pass | edits tried | valid | refused (Err) | invalid | invalid (known) | panics | CPU s |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut total = Counts::default();
    let rows = settings.passes.iter().map(|p| p.name).zip(&summary.counts);
    for (name, c) in rows {
        total.add(c);
        row(&mut out, name, c);
    }
    row(&mut out, "total", &total);
    out
}

fn row(out: &mut String, name: &str, c: &Counts) {
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {} | {} | {} | {} | {:.1} |",
        c.tried,
        c.valid,
        c.refused,
        c.invalid,
        c.known,
        c.panics,
        c.time.as_secs_f64()
    );
}

/// Every kept failure with its reproducer.
pub fn failures(settings: &Settings, summary: &Summary) -> String {
    let mut out = format!(
        "{} failures; the first of each kind (pass, problem, message):\n",
        summary.failure_total
    );
    for (n, f) in summary.failures.iter().enumerate() {
        let what = match f.problem {
            Problem::Panic => "PANIC",
            Problem::Invalid => "INVALID OUTPUT",
            Problem::Rebased => "REBASED PLAN DIFFERS",
            Problem::ListedAhead => "LISTING KEPT AHEAD DIFFERS",
        };
        let _ = writeln!(out, "\n{what} from {}: {}", f.pass, f.message);
        let output = f.output.as_deref().map(|bytes| (n, bytes));
        out.push_str(&reproducer(
            settings, f.seed, f.pass, f.level, &f.choice, output,
        ));
    }
    out
}

/// Where the failure is, the files that hold its input (and output), and
/// the command that runs it again. The seed regenerates the input.
pub fn reproducer(
    settings: &Settings,
    seed: u64,
    pass: &str,
    level: usize,
    choice: &str,
    output: Option<(usize, &[u8])>,
) -> String {
    let mut out = format!("  seed {seed}, pass {pass}, level {level}, choice {choice}\n");
    let dir = &settings.out_dir;
    if let Some(input) = generate::module(seed, settings.size) {
        let path = dir.join(format!("seed-{seed}.wasm"));
        let _ = writeln!(out, "  input:  {}", written(&path, &input.bytes));
    }
    if let Some((n, bytes)) = output {
        let path = dir.join(format!("seed-{seed}.{pass}.{n}.out.wasm"));
        let _ = writeln!(out, "  output: {}", written(&path, bytes));
    }
    // The pseudo-passes `(parse)` and `(generate)` need no pass selected.
    let only = if pass.starts_with('(') {
        String::new()
    } else {
        format!("WHITTLE_FUZZ_PASSES={pass} ")
    };
    let _ = writeln!(
        out,
        "  again:  WHITTLE_FUZZ_SEED={seed} WHITTLE_FUZZ_MODULES=1 WHITTLE_FUZZ_SIZE={} {only}\
         cargo test -p whittle-passes --test random_modules",
        settings.size
    );
    out
}

/// `path` after writing `bytes` to it, or why it could not be written.
fn written(path: &Path, bytes: &[u8]) -> String {
    let write =
        std::fs::create_dir_all(path.parent().unwrap()).and_then(|_| std::fs::write(path, bytes));
    match write {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(could not write {}: {e})", path.display()),
    }
}
