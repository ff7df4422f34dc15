//! Which types must change together.
//!
//! Two types the validator canonicalizes to one (identical recursion
//! groups, such as `(type (func (param i32)))` written twice) are the same
//! type: a `call_indirect` of one may call a function of the other. And a
//! type with a declared supertype must keep matching it. Removing a
//! parameter, result or field from one type alone breaks both; removing it
//! from the type's whole family keeps the module valid. The canonical
//! identities come from `wasmparser`'s validator, fed only the type
//! section; a type section it refuses (a type over its limits, in a module
//! reduced for that very error) leaves only declared subtyping.

use crate::module::Module;
use std::collections::{BTreeSet, HashMap, HashSet};
use wasmparser::{types::CoreTypeId, Parser, Payload, Validator, WasmFeatures};

pub struct TypeFamilies {
    canonical: Vec<CoreTypeId>,
    by_canonical: HashMap<CoreTypeId, Vec<u32>>,
    supertype: Vec<Option<u32>>,
    subtypes: Vec<Vec<u32>>,
}

impl TypeFamilies {
    pub fn of(m: &Module) -> TypeFamilies {
        let canonical = canonical_types(m).unwrap_or_default();
        let mut by_canonical: HashMap<CoreTypeId, Vec<u32>> = HashMap::new();
        for (i, id) in canonical.iter().enumerate() {
            by_canonical.entry(*id).or_default().push(i as u32);
        }
        let supertype: Vec<Option<u32>> = m.types.iter().map(|(_, ty)| ty.supertype).collect();
        let mut subtypes = vec![Vec::new(); supertype.len()];
        for (i, s) in supertype.iter().enumerate() {
            if let Some(sub) = s.and_then(|s| subtypes.get_mut(s as usize)) {
                sub.push(i as u32);
            }
        }
        TypeFamilies {
            canonical,
            by_canonical,
            supertype,
            subtypes,
        }
    }

    /// `t` and every type that must lose what `t` loses: the types
    /// identical to one in the set, its subtypes, and its supertypes for
    /// which `shares` says they have the part too (a struct's supertype may
    /// lack a field its subtype adds; a function's always has the same
    /// parameters and results).
    pub fn family(&self, t: u32, mut shares: impl FnMut(u32) -> bool) -> BTreeSet<u32> {
        let mut family = BTreeSet::new();
        // Each group of identical types joins once (not once per member:
        // 2,000 identical types would cost 2,000 x 2,000).
        let mut groups = HashSet::new();
        let mut todo = vec![t];
        while let Some(u) = todo.pop() {
            if !family.insert(u) {
                continue;
            }
            if let Some(id) = self.canonical.get(u as usize) {
                if groups.insert(*id) {
                    todo.extend(&self.by_canonical[id]);
                }
            }
            todo.extend(self.subtypes.get(u as usize).into_iter().flatten());
            if let Some(Some(s)) = self.supertype.get(u as usize) {
                if shares(*s) {
                    todo.push(*s);
                }
            }
        }
        family
    }
}

/// Each type's canonical identity, or `None` if the validator refuses the
/// type section.
fn canonical_types(m: &Module) -> Option<Vec<CoreTypeId>> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    for payload in Parser::new(0).parse_all(&m.bytes) {
        let payload = payload.ok()?;
        let types_done = matches!(payload, Payload::TypeSection(_));
        if matches!(payload, Payload::Version { .. } | Payload::TypeSection(_)) {
            validator.payload(&payload).ok()?;
        }
        if types_done {
            break;
        }
    }
    let types = validator.types(0)?;
    Some(
        (0..types.core_type_count_in_module())
            .map(|i| types.core_type_at_in_module(i))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_types_subtypes_and_sharing_supertypes_go_together() {
        let m = Module::parse(
            wat::parse_str(
                r#"(module
                  (type $a (func (param i32)))
                  (type $b (func (param i64)))
                  (type $a2 (func (param i32)))
                  (type $base (sub (struct (field i32))))
                  (type $mid (sub $base (struct (field i32) (field i64))))
                  (type $leaf (sub $mid (struct (field i32) (field i64) (field f32)))))"#,
            )
            .unwrap(),
        )
        .unwrap();
        let families = TypeFamilies::of(&m);
        assert_eq!(families.family(0, |_| true), [0, 2].into());
        assert_eq!(families.family(1, |_| true), [1].into());
        // Field 0 is shared by all three; field 1 starts at $mid.
        assert_eq!(families.family(5, |_| true), [3, 4, 5].into());
        assert_eq!(families.family(5, |s| s != 3), [4, 5].into());
        assert_eq!(families.family(4, |s| s != 3), [4, 5].into());
    }
}
