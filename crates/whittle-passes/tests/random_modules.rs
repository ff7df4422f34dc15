//! Every pass of the registry on random modules: each edit a pass offers
//! must give a module that validates with the input's features, or be
//! refused with an `Err`; never a panic, never a hang. The modules come
//! from wasm-smith (with a random selection of proposals) and from a small
//! generator of legacy exception handling (`fuzz/legacy_eh.rs`).
//!
//! CI runs `CI_MODULES` seeds; `bench/fuzz.sh` runs this same test in
//! release with more (`WHITTLE_FUZZ_MODULES`, see `fuzz/mod.rs` for the
//! other settings) and prints the table of counts per pass. A failure
//! prints, for the first of each kind, the seed, pass, level and choice,
//! the files holding the input and output, and the command that runs it
//! again.

mod fuzz;

use anyhow::{bail, Result};
use fuzz::generate::Input;
use fuzz::harness::{check_module, Problem, Step};
use fuzz::{report, Settings};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wasmparser::WasmFeatures;
use whittle_module::{Edit, Module};
use whittle_passes::{Pass, PassInfo, Plan, SubsetPlan};

/// Seeds checked by `cargo test`, and the random bytes behind each module
/// (small modules: the benchmark's are up to 6000).
const CI_MODULES: u64 = 3000;
const CI_SIZE: u64 = 1000;

#[test]
fn every_pass_survives_random_modules() {
    let settings = Settings::from_env(CI_MODULES, CI_SIZE);
    let summary = fuzz::run(&settings);
    eprintln!("{}", report::table(&settings, &summary));
    assert!(
        summary.failure_total == 0,
        "{}",
        report::failures(&settings, &summary)
    );
    // Most seeds give a module, and every pass is offered edits on them:
    // a generator or a pass that silently stopped working would show here.
    assert!(
        summary.checked * 10 >= settings.modules * 9,
        "{} of {} seeds checked",
        summary.checked,
        settings.modules
    );
    if settings.modules >= CI_MODULES {
        for (info, counts) in settings.passes.iter().zip(&summary.counts) {
            assert!(
                counts.valid > 0,
                "no valid edit of {} in {} modules",
                info.name,
                summary.checked
            );
        }
    }
}

/// A pass with one target whose edit panics or breaks the module, to show
/// that the harness reports both with what reproduces them.
struct Broken;

struct BrokenPlan<'m>(&'m Module);

impl Pass for Broken {
    fn plan<'m>(&'m self, m: &'m Module, level: usize) -> Option<Plan<'m>> {
        (level == 0).then(|| Plan::Subsets(Box::new(BrokenPlan(m))))
    }
}

impl SubsetPlan for BrokenPlan<'_> {
    fn len(&self) -> usize {
        3
    }

    /// Target 0 panics, target 1 is refused, target 2 gives every defined
    /// function the body `i64.const 0` (invalid unless it returns an i64).
    fn edit(&self, chosen: &[usize]) -> Result<Edit> {
        match chosen {
            [0, ..] => panic!("broken pass"),
            [1, ..] => bail!("refused"),
            _ => {
                let m = self.0;
                let body = vec![0, 0x42, 0, 0x0b];
                let bodies = (m.num_imported_funcs..m.num_funcs())
                    .map(|f| (f, body.clone()))
                    .collect();
                Ok(Edit {
                    bodies,
                    ..Edit::default()
                })
            }
        }
    }
}

static BROKEN: PassInfo = PassInfo {
    name: "broken",
    description: "a pass that panics and breaks modules",
    pass: &Broken,
};

#[test]
fn the_harness_reports_panics_and_invalid_outputs() {
    let seed = 3;
    let input = Input {
        bytes: wat::parse_str("(module (func (result i32) i32.const 7))").unwrap(),
        features: WasmFeatures::WASM1,
    };
    let step = Mutex::new(Step {
        seed,
        pass: "broken",
        level: 0,
        choice: String::new(),
        since: Instant::now(),
    });
    let result = check_module(seed, &input, &[&BROKEN], &step);
    let c = &result.counts[0];
    assert_eq!(
        (c.tried, c.panics, c.refused, c.invalid, c.valid, c.known),
        (6, 3, 2, 1, 0, 0)
    );
    let failures: Vec<(Problem, &str, &str)> = result
        .failures
        .iter()
        .map(|f| {
            (
                f.problem,
                f.choice.as_str(),
                f.message.split(" at ").next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [
            (Problem::Panic, "targets [0]", "broken pass"),
            (Problem::Panic, "targets [0..=2]", "broken pass"),
            (Problem::Panic, "targets [0, 2]", "broken pass"),
            (
                Problem::Invalid,
                "targets [2]",
                "type mismatch: expected i32, found i64"
            ),
        ]
    );
    // The panic's location is this file.
    assert!(
        result.failures[0].message.contains("random_modules.rs:"),
        "{}",
        result.failures[0].message
    );
}

/// A pass with one target (an edit that changes nothing) whose derived
/// plan for the candidate claims a second target that listing does not
/// find, to show that the harness checks derived plans against listings.
struct MisRebased;

struct MisRebasedPlan(usize);

impl Pass for MisRebased {
    fn plan<'m>(&'m self, _: &'m Module, level: usize) -> Option<Plan<'m>> {
        (level == 0).then(|| Plan::Subsets(Box::new(MisRebasedPlan(1))))
    }
}

impl SubsetPlan for MisRebasedPlan {
    fn len(&self) -> usize {
        self.0
    }

    fn edit(&self, _: &[usize]) -> Result<Edit> {
        Ok(Edit::default())
    }

    fn rebased(self: Box<Self>, _: &[usize], _: &Arc<Module>) -> Option<Box<dyn SubsetPlan>> {
        Some(Box::new(MisRebasedPlan(self.0 + 1)))
    }
}

static MIS_REBASED: PassInfo = PassInfo {
    name: "mis-rebased",
    description: "a pass whose derived plans differ from its listings",
    pass: &MisRebased,
};

#[test]
fn the_harness_reports_derived_plans_that_differ_from_listings() {
    let input = Input {
        bytes: wat::parse_str("(module (func))").unwrap(),
        features: WasmFeatures::WASM1,
    };
    let step = Mutex::new(Step {
        seed: 5,
        pass: "mis-rebased",
        level: 0,
        choice: String::new(),
        since: Instant::now(),
    });
    let result = check_module(5, &input, &[&MIS_REBASED], &step);
    let failures: Vec<(Problem, &str, &str)> = result
        .failures
        .iter()
        .map(|f| (f.problem, f.choice.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        failures,
        [(
            Problem::Rebased,
            "targets [0]",
            "2 targets derived, 1 listed"
        )]
    );
}
