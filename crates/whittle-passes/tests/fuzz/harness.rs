//! One input through every pass: each plan at each level, a sample of its
//! choices, each edit applied and the result validated with the input's
//! features, exactly as the driver would build a candidate (edit, apply,
//! parse) but with every step guarded against panics.

use super::choices::{self, Choice};
use super::generate::Input;
use super::guard::guarded;
use super::known;
use super::rng::Rng;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use whittle_module::{apply, candidate, statements, Edit, Module};
use whittle_passes::{PassInfo, Plan, SubsetPlan};

/// The deepest level of a tree pass that is explored.
const MAX_LEVELS: usize = 64;

/// What happened to the edits one pass offered.
#[derive(Clone, Copy, Default)]
pub struct Counts {
    pub modules: u64,
    pub tried: u64,
    pub valid: u64,
    /// `Err` from `edit`, `apply` or parsing the result: the driver's
    /// "unrepairable".
    pub refused: u64,
    /// Invalid in a way no known limitation explains: a failure.
    pub invalid: u64,
    /// Invalid in a documented way (see `known.rs`).
    pub known: u64,
    pub panics: u64,
    /// Time spent in the pass's plans, edits, `apply` and validation.
    pub time: Duration,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.modules += other.modules;
        self.tried += other.tried;
        self.valid += other.valid;
        self.refused += other.refused;
        self.invalid += other.invalid;
        self.known += other.known;
        self.panics += other.panics;
        self.time += other.time;
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Problem {
    Panic,
    Invalid,
    /// A plan derived for a candidate ([`SubsetPlan::rebased`]) offers
    /// other edits than listing the candidate afresh.
    Rebased,
    /// A candidate kept its base's statements listed ahead, and they are
    /// not what listing it gives.
    ListedAhead,
}

/// One panic or unexplained invalid output, with what reproduces it.
pub struct Failure {
    pub problem: Problem,
    pub seed: u64,
    pub pass: &'static str,
    pub level: usize,
    pub choice: String,
    pub message: String,
    pub output: Option<Vec<u8>>,
}

/// Where a worker is, for the watchdog that reports a hang.
pub struct Step {
    pub seed: u64,
    pub pass: &'static str,
    pub level: usize,
    pub choice: String,
    pub since: Instant,
}

/// Per pass (in the order given), then the failures.
pub struct ModuleResult {
    pub counts: Vec<Counts>,
    pub failures: Vec<Failure>,
}

pub fn check_module(
    seed: u64,
    input: &Input,
    passes: &[&'static PassInfo],
    step: &Mutex<Step>,
) -> ModuleResult {
    let mut result = ModuleResult {
        counts: vec![Counts::default(); passes.len()],
        failures: Vec::new(),
    };
    let mut check = Check {
        seed,
        step,
        pass: "(parse)",
        failures: &mut result.failures,
    };
    check.at(0, String::new());
    let module = match guarded(|| Module::parse(input.bytes.clone())) {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            let message = format!("whittle-module refuses the valid input: {e:#}");
            check.fail(Problem::Invalid, 0, String::new(), message, None);
            return result;
        }
        Err(panic) => {
            check.fail(Problem::Panic, 0, String::new(), panic, None);
            return result;
        }
    };
    for (info, counts) in passes.iter().zip(&mut result.counts) {
        check.pass = info.name;
        let started = Instant::now();
        check.pass_on(info, &module, input, counts);
        counts.modules = 1;
        counts.time = started.elapsed();
    }
    result
}

/// The checks of one module, pass by pass.
struct Check<'a> {
    seed: u64,
    step: &'a Mutex<Step>,
    pass: &'static str,
    failures: &'a mut Vec<Failure>,
}

impl Check<'_> {
    /// Tell the watchdog where we are.
    fn at(&self, level: usize, choice: String) {
        *self.step.lock().unwrap() = Step {
            seed: self.seed,
            pass: self.pass,
            level,
            choice,
            since: Instant::now(),
        };
    }

    fn fail(
        &mut self,
        problem: Problem,
        level: usize,
        choice: String,
        message: String,
        output: Option<Vec<u8>>,
    ) {
        self.failures.push(Failure {
            problem,
            seed: self.seed,
            pass: self.pass,
            level,
            choice,
            message,
            output,
        });
    }

    /// Every level of `info`'s pass on `module`, a sample of each plan's
    /// choices.
    fn pass_on(&mut self, info: &PassInfo, module: &Module, input: &Input, counts: &mut Counts) {
        let mut rng = Rng::derived(self.seed, info.name);
        for level in 0..MAX_LEVELS {
            self.at(level, "plan".into());
            let plan = match guarded(|| info.pass.plan(module, level)) {
                Ok(Some(plan)) => plan,
                Ok(None) => return,
                Err(panic) => {
                    counts.panics += 1;
                    self.fail(Problem::Panic, level, "plan".into(), panic, None);
                    return;
                }
            };
            let choices = match &plan {
                Plan::Subsets(p) => choices::subsets(p.len(), &mut rng),
                Plan::Lengths(p) => choices::lengths(&p.lengths(), &mut rng),
            };
            // Derived plans are checked on the first few valid choices
            // of each plan: each check lists the plan again.
            let mut rebase_checks = 0;
            // So are listings kept from the base (each lists the base).
            let mut listing_checks = 0;
            for choice in choices {
                self.at(level, choice.to_string());
                counts.tried += 1;
                // As the driver builds a candidate: edit, apply, parse.
                let built = guarded(|| {
                    let edit = match (&plan, &choice) {
                        (Plan::Subsets(p), Choice::Subset(c)) => p.edit(c),
                        (Plan::Lengths(p), Choice::Lengths(c)) => p.edit(c),
                        _ => unreachable!("choices are made for their plan's kind"),
                    }?;
                    let bytes = apply(module, &edit)?;
                    Module::parse(bytes.clone())?;
                    anyhow::Ok((bytes, edit))
                });
                let (bytes, edit) = match built {
                    Ok(Ok(built)) => built,
                    Ok(Err(_)) => {
                        counts.refused += 1;
                        continue;
                    }
                    Err(panic) => {
                        counts.panics += 1;
                        self.fail(Problem::Panic, level, choice.to_string(), panic, None);
                        continue;
                    }
                };
                let mut validator = wasmparser::Validator::new_with_features(input.features);
                match validator.validate_all(&bytes) {
                    Ok(_) => {
                        counts.valid += 1;
                        if listing_checks < 4 {
                            listing_checks += 1;
                            let differs = guarded(|| listed_ahead_differs(module, &edit))
                                .unwrap_or_else(Some);
                            if let Some(message) = differs {
                                self.fail(
                                    Problem::ListedAhead,
                                    level,
                                    choice.to_string(),
                                    message,
                                    Some(bytes.clone()),
                                );
                            }
                        }
                        if let (Choice::Subset(c), true) = (&choice, rebase_checks < 8) {
                            rebase_checks += 1;
                            let differs =
                                guarded(|| rebased_differs(info, module, c, &bytes, level))
                                    .unwrap_or_else(Some);
                            if let Some(message) = differs {
                                self.fail(
                                    Problem::Rebased,
                                    level,
                                    choice.to_string(),
                                    message,
                                    Some(bytes),
                                );
                            }
                        }
                    }
                    Err(e) if known::limitation(info.name, e.message()).is_some() => {
                        counts.known += 1
                    }
                    Err(e) => {
                        counts.invalid += 1;
                        let message = e.message().to_string();
                        self.fail(
                            Problem::Invalid,
                            level,
                            choice.to_string(),
                            message,
                            Some(bytes),
                        );
                    }
                }
            }
        }
    }
}

/// A candidate that keeps its base's statements listed ahead
/// ([`whittle_module::candidate`]) must find them exactly as listing it
/// gives them; `Some(what differs)` otherwise.
fn listed_ahead_differs(module: &Module, edit: &Edit) -> Option<String> {
    let base = Module::parse(module.bytes.clone()).ok()?;
    base.list_statements_ahead();
    let new = candidate(&base, edit).ok()?;
    let kept = new.take_statements_listed_ahead(0)?;
    let mut listed = statements(&new).ok()?;
    listed.retain(|s| s.depth == 0);
    (kept != listed).then(|| {
        format!(
            "{} statements kept from the base, {} listed; first difference at {}",
            kept.len(),
            listed.len(),
            kept.iter().zip(&listed).take_while(|(a, b)| a == b).count()
        )
    })
}

/// Where the plan of `module` derives the plan of the candidate it built
/// from `chosen` (`bytes`) instead of listing it, the derived plan must
/// offer exactly the edits a fresh listing offers (compared by the modules
/// its first targets' edits give); `Some(what differs)` otherwise.
fn rebased_differs(
    info: &PassInfo,
    module: &Module,
    chosen: &[usize],
    bytes: &[u8],
    level: usize,
) -> Option<String> {
    let Some(Plan::Subsets(plan)) = info.pass.plan(module, level) else {
        return None;
    };
    let new = Arc::new(Module::parse(bytes.to_vec()).ok()?);
    let derived = plan.rebased(chosen, &new)?;
    let Some(Plan::Subsets(listed)) = info.pass.plan(&new, level) else {
        return Some(format!("{} targets derived, none listed", derived.len()));
    };
    if derived.len() != listed.len() {
        return Some(format!(
            "{} targets derived, {} listed",
            derived.len(),
            listed.len()
        ));
    }
    let built = |p: &dyn SubsetPlan, i: usize| p.edit(&[i]).and_then(|e| apply(&new, &e)).ok();
    (0..derived.len().min(16))
        .find(|&i| built(derived.as_ref(), i) != built(listed.as_ref(), i))
        .map(|i| format!("target {i} of the derived plan edits otherwise than the listed one"))
}
