//! The random-module harness behind `tests/random_modules.rs` and
//! `bench/fuzz.sh`: seeds are spread over worker threads, each seed's
//! module goes through every pass (`harness.rs`), the counts are summed per
//! pass and the failures kept with what reproduces them (`report.rs`).
//!
//! Settings come from the environment so that CI and the benchmark run the
//! same code:
//!
//! | variable | meaning |
//! |---|---|
//! | `WHITTLE_FUZZ_MODULES` | how many seeds |
//! | `WHITTLE_FUZZ_SEED` | the first seed (0) |
//! | `WHITTLE_FUZZ_SIZE` | random bytes behind each wasm-smith module, at most |
//! | `WHITTLE_FUZZ_PASSES` | a comma-separated subset of the passes |
//! | `WHITTLE_FUZZ_THREADS` | worker threads (the number of cores) |
//! | `WHITTLE_FUZZ_OUT` | where reproducers are written (`$TMPDIR/whittle-fuzz`) |
//! | `WHITTLE_FUZZ_KEEP` | failures shown per kind (1) |
//! | `WHITTLE_FUZZ_STALL` | seconds one step may take before it is a hang (60) |

pub mod choices;
pub mod generate;
pub mod guard;
pub mod harness;
pub mod known;
pub mod legacy_eh;
pub mod report;
pub mod rng;

use harness::{Counts, Failure, Step};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use whittle_passes::{PassInfo, REGISTRY};

/// At most this many kinds of failure are kept in full (all are counted).
const KEPT_FAILURES: usize = 40;

pub struct Settings {
    pub modules: u64,
    pub first_seed: u64,
    pub passes: Vec<&'static PassInfo>,
    pub threads: usize,
    pub out_dir: PathBuf,
    pub stall: Duration,
    /// Failures kept in full per kind.
    pub keep: usize,
    /// Random bytes behind each wasm-smith module, at most.
    pub size: u64,
}

impl Settings {
    /// The settings the environment asks for, `default_modules` seeds
    /// unless `WHITTLE_FUZZ_MODULES` says otherwise.
    pub fn from_env(default_modules: u64, default_size: u64) -> Settings {
        let number = |name: &str, default: u64| match std::env::var(name) {
            Ok(v) => v
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
            Err(_) => default,
        };
        let passes = match std::env::var("WHITTLE_FUZZ_PASSES") {
            Ok(list) => list
                .split(',')
                .map(|name| {
                    whittle_passes::find(name.trim())
                        .unwrap_or_else(|| panic!("WHITTLE_FUZZ_PASSES: no pass named {name:?}"))
                })
                .collect(),
            Err(_) => REGISTRY.iter().collect(),
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Settings {
            modules: number("WHITTLE_FUZZ_MODULES", default_modules),
            first_seed: number("WHITTLE_FUZZ_SEED", 0),
            passes,
            threads: number("WHITTLE_FUZZ_THREADS", cores as u64).max(1) as usize,
            out_dir: std::env::var_os("WHITTLE_FUZZ_OUT")
                .map(PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("whittle-fuzz")),
            stall: Duration::from_secs(number("WHITTLE_FUZZ_STALL", 60)),
            keep: number("WHITTLE_FUZZ_KEEP", 1).max(1) as usize,
            size: number("WHITTLE_FUZZ_SIZE", default_size).max(1),
        }
    }
}

/// What a run found.
pub struct Summary {
    /// Per pass, in the order of `Settings::passes`.
    pub counts: Vec<Counts>,
    /// Seeds whose module went through the passes.
    pub checked: u64,
    /// Seeds for which the generator gave up.
    pub skipped: u64,
    /// How many failures there were, and the first of each kind.
    pub failure_total: u64,
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
}

pub fn run(settings: &Settings) -> Summary {
    let next = Arc::new(AtomicU64::new(0));
    let steps: Arc<Vec<Mutex<Step>>> = Arc::new(
        (0..settings.threads)
            .map(|_| {
                Mutex::new(Step {
                    seed: settings.first_seed,
                    pass: "(generate)",
                    level: 0,
                    choice: String::new(),
                    since: Instant::now(),
                })
            })
            .collect(),
    );
    let (results, received) = mpsc::channel();
    let started = Instant::now();
    for worker in 0..settings.threads {
        let (next, steps, results) = (next.clone(), steps.clone(), results.clone());
        let (modules, first, size) = (settings.modules, settings.first_seed, settings.size);
        let passes = settings.passes.clone();
        std::thread::spawn(move || loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= modules {
                return;
            }
            let seed = first + k;
            *steps[worker].lock().unwrap() = Step {
                seed,
                pass: "(generate)",
                level: 0,
                choice: String::new(),
                since: Instant::now(),
            };
            let checked = generate::module(seed, size)
                .map(|input| harness::check_module(seed, &input, &passes, &steps[worker]));
            if results.send(checked).is_err() {
                return;
            }
        });
    }
    drop(results);
    let mut summary = Summary {
        counts: vec![Counts::default(); settings.passes.len()],
        checked: 0,
        skipped: 0,
        failure_total: 0,
        failures: Vec::new(),
        elapsed: Duration::ZERO,
    };
    loop {
        match received.recv_timeout(Duration::from_secs(1)) {
            Ok(None) => summary.skipped += 1,
            Ok(Some(result)) => {
                summary.checked += 1;
                for (total, counts) in summary.counts.iter_mut().zip(&result.counts) {
                    total.add(counts);
                }
                for f in result.failures {
                    summary.failure_total += 1;
                    let seen = summary
                        .failures
                        .iter()
                        .filter(|k| {
                            (k.pass, k.problem, kind(&k.message))
                                == (f.pass, f.problem, kind(&f.message))
                        })
                        .count();
                    if seen < settings.keep
                        && summary.failures.len() < KEPT_FAILURES * settings.keep
                    {
                        summary.failures.push(f);
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => stop_if_stalled(settings, &steps),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    summary.elapsed = started.elapsed();
    summary
}

/// What a failure message says without its details ("type mismatch" of
/// "type mismatch: expected i32, found i64"), to keep one of each kind.
fn kind(message: &str) -> &str {
    message.split(':').next().unwrap_or(message)
}

/// A pass that hangs cannot be interrupted: print where and exit, past the
/// test harness's output capture (which would otherwise swallow it).
fn stop_if_stalled(settings: &Settings, steps: &[Mutex<Step>]) {
    for step in steps {
        let step = step.lock().unwrap();
        if step.since.elapsed() < settings.stall {
            continue;
        }
        let text = format!(
            "HANG: one step took over {:?}\n{}",
            settings.stall,
            report::reproducer(
                settings,
                step.seed,
                step.pass,
                step.level,
                &step.choice,
                None
            )
        );
        let _ = std::io::stderr().write_all(text.as_bytes());
        std::process::exit(101);
    }
}
