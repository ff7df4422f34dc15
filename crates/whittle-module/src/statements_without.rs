//! The statements of one level after some of them are taken out, without
//! listing the new module again.
//!
//! Listing a body's statements walks it with the validator: 110 ms for a
//! function of 640,000 statements. Hierarchical delta debugging re-lists
//! after each success on a level, so a giant function was walked at every
//! halving (twice its size in all), and that was the largest share of
//! whittle's own time on it. Taking out *plain* statements
//! ([`Statement::plain`]) inserts nothing and changes nothing else in their
//! sequence, so the statements left are exactly those listed before, moved
//! back by the operators and bytes that went before them in their body:
//! the listing of the new module, at the cost of moving them down in
//! place. Anything else
//! (a repair put in, dead code, a statement whose repair depends on what
//! follows) is left to a fresh listing.

use crate::statements::Statement;

/// `targets` (one level's statements, as listed: by function, in code
/// order) once those at the positions `removed` (ascending) are taken out;
/// `None` unless every removed statement is plain.
pub fn statements_without(
    mut targets: Vec<Statement>,
    removed: &[usize],
) -> Option<Vec<Statement>> {
    if removed.windows(2).any(|w| w[0] >= w[1]) || removed.last() >= Some(&targets.len()) {
        return None;
    }
    if removed.iter().any(|&i| !targets[i].plain) {
        return None;
    }
    let mut removed = removed.iter().copied().peekable();
    // Operators and bytes taken out so far in the current function.
    let (mut func, mut ops, mut bytes) = (None, 0, 0);
    let mut i = 0;
    targets.retain_mut(|s| {
        if func != Some(s.func) {
            (func, ops, bytes) = (Some(s.func), 0, 0);
        }
        let gone = removed.next_if_eq(&i).is_some();
        i += 1;
        if gone {
            ops += s.last - s.first + 1;
            bytes += s.bytes.len();
        } else {
            s.first -= ops;
            s.last -= ops;
            s.bytes = s.bytes.start - bytes..s.bytes.end - bytes;
        }
        !gone
    });
    Some(targets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{apply, statements, Edit, Module};
    use std::collections::BTreeMap;

    fn level(m: &Module, depth: usize) -> Vec<Statement> {
        let mut all = statements(m).unwrap();
        all.retain(|s| s.depth == depth);
        all
    }

    /// `m` with the statements at `removed` cut out, each replaced by its
    /// repair (as remove-statements builds its candidates).
    fn cut(m: &Module, targets: &[Statement], removed: &[usize]) -> Module {
        let mut bodies: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
        let mut by_func: BTreeMap<u32, Vec<&Statement>> = BTreeMap::new();
        for &i in removed {
            by_func
                .entry(targets[i].func)
                .or_default()
                .push(&targets[i]);
        }
        for (func, gone) in by_func {
            let body = m.body(func).unwrap();
            let mut out = Vec::new();
            let mut copied = 0;
            for s in gone {
                out.extend_from_slice(&body[copied..s.bytes.start]);
                out.extend_from_slice(&s.repair);
                copied = s.bytes.end;
            }
            out.extend_from_slice(&body[copied..]);
            bodies.insert(func, out);
        }
        let edit = Edit {
            bodies,
            ..Edit::default()
        };
        Module::parse(apply(m, &edit).unwrap()).unwrap()
    }

    /// For every level and subset of its statements (all subsets up to 10
    /// statements, else a deterministic sample): where a derivation is
    /// given, it is exactly the listing of the module with them cut out.
    /// Returns how many subsets were derived and how many refused.
    fn derivations_match_listings(wat: &str) -> (usize, usize) {
        let m = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let (mut derived, mut refused) = (0, 0);
        for depth in 0.. {
            let targets = level(&m, depth);
            if targets.is_empty() {
                break;
            }
            let n = targets.len();
            let subsets: Vec<u64> = if n <= 10 {
                (1..1u64 << n).collect()
            } else {
                // Every single, every prefix and a spread of others.
                let mut sample: Vec<u64> = (0..n).map(|i| 1 << i).collect();
                sample.extend((1..=n).map(|k| (1u64 << k) - 1));
                sample
                    .extend((1..200u64).map(|x| x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - n)));
                sample
            };
            for subset in subsets {
                let removed: Vec<usize> = (0..n).filter(|&i| subset >> i & 1 == 1).collect();
                match statements_without(targets.clone(), &removed) {
                    Some(without) => {
                        derived += 1;
                        let listed = level(&cut(&m, &targets, &removed), depth);
                        assert_eq!(without, listed, "depth {depth}, removed {removed:?}");
                    }
                    None => refused += 1,
                }
            }
        }
        (derived, refused)
    }

    #[test]
    fn plain_statements_derive_at_every_level() {
        let (derived, refused) = derivations_match_listings(
            r#"(module (memory 1)
              (func (param i32)
                local.get 0 i32.const 1 i32.add local.set 0
                block
                  i32.const 0 i32.const 0 i32.store
                  loop
                    local.get 0 br_if 1
                    i32.const 4 i32.const 4 i32.store
                  end
                end
                local.get 0 if
                  i32.const 8 i32.const 8 i32.store
                else
                  nop nop
                end)
              (func (result i32)
                i32.const 1 drop
                i32.const 2 drop
                i32.const 3))"#,
        );
        // Only the 32 subsets of the 6 top-level statements with the
        // result statement (`i32.const 3`, which needs a default in its
        // place) are refused; the 31 of level 0 without it, 31 of level 1
        // and 3 of level 2 derive.
        assert_eq!((derived, refused), (65, 32));
    }

    #[test]
    fn repairs_that_depend_on_what_follows_are_never_derived() {
        // Dead code after a `return`, a lone `unreachable` that code
        // follows, a block parameter replaced by another type, a value
        // left at the end: each sequence here has such a statement, so
        // nothing in it derives, and every derivation elsewhere matches.
        for wat in [
            "(module (func (result i32) nop i32.const 7 return i32.const 1 i32.add))",
            "(module (func nop unreachable nop nop))",
            "(module (func nop unreachable))",
            r#"(module (func (result i32)
                block (result i64) i64.const 7 br 0 end drop unreachable))"#,
            r#"(module (func i32.const 1
                block (param i32) nop i64.extend_i32_u i32.wrap_i64 nop drop end))"#,
            r#"(module (func (result i32) i32.const 1
                block (param i32) (result i32) nop br 0 i32.const 9 end))"#,
            r#"(module (tag $e (param i32)) (func (result i32)
                block $h (result i32)
                  try_table (catch $e $h) nop i32.const 5 throw $e nop end
                  i32.const 0
                end))"#,
        ] {
            derivations_match_listings(wat);
        }
        let (derived, _) = derivations_match_listings(
            "(module (func (result i32) nop i32.const 7 return i32.const 1 i32.add))",
        );
        assert_eq!(derived, 0);
    }

    #[test]
    fn a_long_flat_body_derives_after_any_cut() {
        let body: String = (0..40)
            .map(|k| format!("local.get 0 i32.const {k} i32.add local.set 0\n"))
            .collect();
        let (derived, refused) = derivations_match_listings(&format!(
            "(module (func (param i32) (result i32) {body} local.get 0))"
        ));
        assert!(derived > 100, "{derived}");
        // Only the sampled subsets with the result statement.
        assert!(refused < derived, "{refused}");
    }
}
