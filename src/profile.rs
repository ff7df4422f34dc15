//! `whittle profile`: which function makes this module expensive?
//!
//! For each defined function: body bytes, instruction count, locals, and
//! its own compile time and peak memory, measured by compiling the module
//! with every *other* body replaced by `unreachable` in a subprocess (so a
//! function that blows up the compiler is measured, not suffered). A
//! baseline with every body `unreachable` is measured too: a function's own
//! cost is what it adds to that.

use crate::input::read_module;
use crate::oracle_opts::OracleOpts;
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;
use whittle_module::{apply, Edit, Module};

/// Per-function size and compile cost (each compiled alone, in a
/// subprocess), sorted, as a table or JSON.
#[derive(clap::Args, Debug)]
pub struct ProfileOpts {
    /// The module (.wasm or .wat; `-` reads it from stdin).
    pub input: PathBuf,
    #[command(flatten)]
    pub oracle: OracleOpts,
    /// Rows to show in the table (the JSON has them all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Only compile the N largest bodies (the others get sizes only).
    #[arg(long, value_name = "N")]
    pub largest: Option<usize>,
    /// Sort by: time, memory or bytes.
    #[arg(long, default_value = "time")]
    pub sort: SortKey,
    /// Compilations run at once (default: the number of cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SortKey {
    Time,
    Memory,
    Bytes,
}

#[derive(Serialize, Clone, Debug)]
pub struct Row {
    /// Function index (imports included).
    pub function: u32,
    pub body_bytes: usize,
    pub instructions: usize,
    pub locals: u32,
    /// Wall time of compiling it alone (`None`: not compiled, see --largest).
    pub compile_seconds: Option<f64>,
    pub peak_rss_bytes: Option<u64>,
    /// Outcome of compiling it alone, if not `ok`.
    pub outcome: Option<String>,
}

#[derive(Serialize)]
struct Profile {
    file: String,
    functions: usize,
    baseline_seconds: f64,
    baseline_peak_rss_bytes: u64,
    total_body_bytes: usize,
    total_instructions: usize,
    total_compile_seconds: f64,
    rows: Vec<Row>,
}

/// The module with every defined body but `keep`'s replaced by `unreachable`.
fn alone(m: &Module, keep: Option<u32>) -> Result<Vec<u8>> {
    let unreachable: Vec<u8> = vec![0x00, 0x00, 0x0b];
    let edit = Edit {
        bodies: (m.num_imported_funcs..m.num_funcs())
            .filter(|&f| Some(f) != keep)
            .map(|f| (f, unreachable.clone()))
            .collect(),
        ..Edit::default()
    };
    apply(m, &edit)
}

fn sizes(m: &Module, f: u32) -> Result<(usize, usize, u32)> {
    let body = m
        .function_body(f)
        .ok_or_else(|| anyhow::anyhow!("no body"))?;
    let mut locals = 0;
    for pair in body.get_locals_reader()? {
        locals += pair?.0;
    }
    let mut ops = body.get_operators_reader()?;
    let mut n = 0;
    while !ops.eof() {
        ops.read()?;
        n += 1;
    }
    Ok((body.range().len(), n, locals))
}

impl ProfileOpts {
    pub fn run(self) -> Result<i32> {
        let m = read_module(&self.input)?;
        let jobs = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let timeout = self.oracle.timeout.unwrap_or(Duration::from_secs(600));
        let mut oracle = self.oracle.oracle_for_jobs(timeout, jobs)?;
        crate::oracle_opts::measure_memory_alone(&mut oracle)?;
        let mut rows = Vec::new();
        for f in m.num_imported_funcs..m.num_funcs() {
            let (body_bytes, instructions, locals) = sizes(&m, f)?;
            rows.push(Row {
                function: f,
                body_bytes,
                instructions,
                locals,
                compile_seconds: None,
                peak_rss_bytes: None,
                outcome: None,
            });
        }
        let baseline = oracle.evaluate(&alone(&m, None)?)?;
        // Which to compile: all, or the largest N.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(rows[i].body_bytes));
        order.truncate(self.largest.unwrap_or(rows.len()));
        let measured = whittle_reduce::parallel_map(jobs, &order, |&i| {
            (!crate::interrupt::requested()).then(|| {
                alone(&m, Some(rows[i].function)).and_then(|bytes| oracle.evaluate(&bytes))
            })
        });
        for (&i, measured) in order.iter().zip(measured) {
            let Some(measured) = measured else { continue };
            let e = measured?;
            rows[i].compile_seconds = Some(e.wall.as_secs_f64());
            rows[i].peak_rss_bytes = Some(e.peak_rss_bytes);
            if !matches!(e.outcome, whittle_oracle::Outcome::Ok) {
                rows[i].outcome = Some(e.outcome.summary());
            }
        }
        match self.sort {
            SortKey::Time => rows.sort_by(|a, b| {
                b.compile_seconds
                    .partial_cmp(&a.compile_seconds)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.function.cmp(&b.function))
            }),
            SortKey::Memory => {
                rows.sort_by_key(|r| (std::cmp::Reverse(r.peak_rss_bytes), r.function))
            }
            SortKey::Bytes => rows.sort_by_key(|r| (std::cmp::Reverse(r.body_bytes), r.function)),
        }
        let profile = Profile {
            file: self.input.display().to_string(),
            functions: rows.len(),
            baseline_seconds: baseline.wall.as_secs_f64(),
            baseline_peak_rss_bytes: baseline.peak_rss_bytes,
            total_body_bytes: rows.iter().map(|r| r.body_bytes).sum(),
            total_instructions: rows.iter().map(|r| r.instructions).sum(),
            total_compile_seconds: rows.iter().filter_map(|r| r.compile_seconds).sum(),
            rows,
        };
        if self.json {
            println!("{}", serde_json::to_string_pretty(&profile)?);
            return Ok(0);
        }
        println!(
            "{}: {} functions, {} body bytes, {} instructions; baseline (all bodies unreachable): {:.3} s, {} MiB",
            profile.file,
            profile.functions,
            profile.total_body_bytes,
            profile.total_instructions,
            profile.baseline_seconds,
            profile.baseline_peak_rss_bytes >> 20
        );
        println!(
            "{:>9} {:>10} {:>8} {:>7} {:>10} {:>9}  outcome",
            "function", "bytes", "instrs", "locals", "compile s", "peak MiB"
        );
        for r in profile.rows.iter().take(self.top) {
            println!(
                "{:>9} {:>10} {:>8} {:>7} {:>10} {:>9}  {}",
                r.function,
                r.body_bytes,
                r.instructions,
                r.locals,
                r.compile_seconds.map_or("-".into(), |s| format!("{s:.3}")),
                r.peak_rss_bytes
                    .map_or("-".into(), |b| (b >> 20).to_string()),
                r.outcome.as_deref().unwrap_or("ok")
            );
        }
        println!(
            "{:>9} {:>10} {:>8} {:>7} {:>10.3}",
            "total",
            profile.total_body_bytes,
            profile.total_instructions,
            "",
            profile.total_compile_seconds
        );
        Ok(0)
    }
}
