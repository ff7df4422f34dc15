//! From a recording to the candidate: everything the run never entered
//! becomes `unreachable`.
//!
//! A function never entered keeps its index and type and gets the body
//! `unreachable` (its locals go too). In a function that was entered, each
//! arm never entered keeps its construct (so its block type, labels and
//! handlers, and every branch outside it, stay as they were) and holds just
//! `unreachable`, which fits any arm type. Arms inside a cut arm go with it.
//! The bodies are written against the original's index space, as
//! [`Edit::bodies`] wants, by copying the original's bytes around the cuts.

use crate::probes::Probes;
use anyhow::{bail, Result};
use std::collections::BTreeSet;
use whittle_module::{Edit, Module};

/// A body of just `unreachable`, with no locals.
const UNREACHABLE_BODY: &[u8] = &[0x00, 0x00, 0x0b];
const UNREACHABLE: u8 = 0x00;

/// The candidate a recording proposes, and what the recording saw.
#[derive(Debug, Default)]
pub struct Cut {
    /// New bodies for the functions with something to cut (empty when the
    /// run entered everything that is not already `unreachable`).
    pub edit: Edit,
    /// The defined functions the run never entered.
    pub never_entered: BTreeSet<u32>,
    /// Defined functions, and those the run entered.
    pub funcs: usize,
    pub funcs_entered: usize,
    /// Arms, and those the run entered.
    pub arms: usize,
    pub arms_entered: usize,
}

/// The cut of `m` for a run that marked `entered[k] != 0` for each probe `k`
/// it reached.
pub fn cut(m: &Module, probes: &Probes, entered: &[u8]) -> Result<Cut> {
    if entered.len() < probes.count as usize {
        bail!(
            "the recording has {} marks for {} probes",
            entered.len(),
            probes.count
        );
    }
    let hit = |probe: u32| entered[probe as usize] != 0;
    let mut cut = Cut {
        funcs: probes.funcs.len(),
        ..Cut::default()
    };
    for f in &probes.funcs {
        cut.arms += f.arms.len();
        let Some(body) = m.body(f.func) else {
            bail!("function {} has no body", f.func);
        };
        if !hit(f.entry) {
            cut.never_entered.insert(f.func);
            if body != UNREACHABLE_BODY {
                cut.edit.bodies.insert(f.func, UNREACHABLE_BODY.to_vec());
            }
            continue;
        }
        cut.funcs_entered += 1;
        cut.arms_entered += f.arms.iter().filter(|a| hit(a.probe)).count();
        let mut new_body = Vec::new();
        // Bytes of `body` up to here are settled (copied or cut).
        let mut settled = 0;
        for arm in &f.arms {
            let content = &body[arm.content.clone()];
            let inside_a_cut = arm.content.start < settled;
            if inside_a_cut || hit(arm.probe) || content.is_empty() || content == [UNREACHABLE] {
                continue;
            }
            new_body.extend_from_slice(&body[settled..arm.content.start]);
            new_body.push(UNREACHABLE);
            settled = arm.content.end;
        }
        if settled > 0 {
            new_body.extend_from_slice(&body[settled..]);
            cut.edit.bodies.insert(f.func, new_body);
        }
    }
    Ok(cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use whittle_module::{apply, validate, Validity};

    const WAT: &str = r#"(module
      (func $never (param i32) (result i32) (local i64)
        local.get 0)
      (func $already
        unreachable)
      (func $run (export "run") (param i32) (result i32)
        block (result i32)
          local.get 0
          if (result i32)
            loop
              br 0
            end
            i32.const 1
          else
            i32.const 2
          end
        end
        block
          try_table (catch_all 0)
            i32.const 7
            call $never
            drop
          end
        end)
    )"#;

    /// `WAT` cut after a run that marked `entered`, as WAT.
    fn cut_wat(entered: &[u8]) -> (String, Cut) {
        let m = Module::parse(wat::parse_str(WAT).unwrap()).unwrap();
        let probes = Probes::of(&m).unwrap();
        let cut = cut(&m, &probes, entered).unwrap();
        let bytes = apply(&m, &cut.edit).unwrap();
        assert_eq!(validate(&bytes), Validity::Valid);
        (wasmprinter::print_bytes(&bytes).unwrap(), cut)
    }

    #[test]
    fn cuts_functions_and_arms_never_entered_keeping_constructs() {
        // Probes: $never 0; $already 1; $run 2, then block 3, if 4, loop 5,
        // else 6, block 7, try_table 8. The run took the `else` arm and
        // never reached the try_table's body (say it trapped before).
        let (wat, cut) = cut_wat(&[0, 0, 1, 1, 0, 0, 1, 1, 0]);
        assert_eq!(
            wat,
            r#"(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func))
  (export "run" (func $run))
  (func $never (;0;) (type 0) (param i32) (result i32)
    unreachable
  )
  (func $already (;1;) (type 1)
    unreachable
  )
  (func $run (;2;) (type 0) (param i32) (result i32)
    block (result i32) ;; label = @1
      local.get 0
      if (result i32) ;; label = @2
        unreachable
      else
        i32.const 2
      end
    end
    block ;; label = @1
      try_table (catch_all 0 (;@1;)) ;; label = @2
        unreachable
      end
    end
  )
)
"#
        );
        assert_eq!(
            (cut.funcs, cut.funcs_entered, cut.arms, cut.arms_entered),
            (3, 1, 6, 3)
        );
        // $never and $run change; $already was `unreachable` already.
        assert_eq!(cut.edit.bodies.keys().collect::<Vec<_>>(), [&0, &2]);
        assert_eq!(cut.never_entered.iter().collect::<Vec<_>>(), [&0, &1]);
    }

    #[test]
    fn a_run_that_entered_everything_cuts_nothing() {
        let (_, cut) = cut_wat(&[1, 0, 1, 1, 1, 1, 1, 1, 1]);
        assert!(cut.edit.is_empty(), "{:?}", cut.edit);
        let m = Module::parse(wat::parse_str(WAT).unwrap()).unwrap();
        let probes = Probes::of(&m).unwrap();
        assert_eq!(
            super::cut(&m, &probes, &[1; 3]).unwrap_err().to_string(),
            "the recording has 3 marks for 9 probes"
        );
    }
}
