//! Candidates built lately, by the module they were built on and their
//! edit, so that the same candidate is not built twice.
//!
//! With two jobs or more a search's batch is speculation: it builds the
//! candidates along the answers it predicts, returns as soon as one answer
//! is in, and the next batch builds the same candidates again to read their
//! answers (cached by then) or wait for their checks. On a 680 KB module
//! whose failure needs one function of 7300, `-j 2` built 292 candidates
//! where 212 had been built before, and building them (writing the module,
//! parsing it back, validating it) was most of whittle's own time.
//!
//! A candidate is a function of its base's bytes and its edit
//! (`whittle_module::candidate`), so one built before is the same one:
//! taking it from here changes nothing but the time. The base is known by
//! its cache key (`Gate::key`), as answers are.
//!
//! What is held is the candidate's bytes (with its validity and key), not
//! its module: a module shares its base's analyses (code facts, statements
//! listed ahead), and holding modules of many bases kept all of theirs
//! alive, 88 MB where the reduction otherwise peaked at 15 MB (a 310 KB
//! Wasm GC module). A candidate taken from here is parsed again, on the
//! base it is asked on (`whittle_module::candidate_from_bytes`): that is a
//! tenth of building it, writing the module a third and validating it a
//! sixth.
//!
//! Memory: the bytes held, the candidates' and their edits' new bodies and
//! data, are at most [`MAX_BYTES`] in all, and no candidate over a quarter
//! of that; past that the memo starts afresh, since the repeats come soon
//! after the first build (the next batch of the same search). A 20 MB
//! module's candidates are not held until they are under 1 MB.

use crate::judge::Built;
use crate::pool::Key;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::Arc;
use whittle_module::{candidate, candidate_from_bytes, Edit, Module, Validity};

/// The bytes held at most.
const MAX_BYTES: usize = 4 << 20;

/// A candidate as built: its bytes, and what was found of it then.
struct Made {
    bytes: Vec<u8>,
    validity: Option<Validity>,
    key: Option<Key>,
}

#[derive(Default)]
pub(crate) struct BuiltMemo {
    by_base: HashMap<Key, HashMap<Edit, Made>>,
    bytes: usize,
}

impl BuiltMemo {
    /// The candidate `edit` gives on `base` (whose key is `base_key`), if
    /// it was built lately.
    pub(crate) fn get(&self, base: &Module, base_key: Key, edit: &Edit) -> Option<Result<Built>> {
        let made = self.by_base.get(&base_key)?.get(edit)?;
        let built = candidate_from_bytes(base, edit, made.bytes.clone()).map(|m| Built {
            module: Arc::new(m),
            validity: made.validity.clone(),
            key: made.key,
        });
        Some(built)
    }

    /// The candidate `edit` gives on `base`: the one built lately, else
    /// built now; `true` with one built now, for the caller to
    /// [`BuiltMemo::insert`] once it has looked it over.
    pub(crate) fn held_or_built(
        &self,
        base: &Module,
        base_key: Key,
        edit: &Edit,
    ) -> Result<(Built, bool)> {
        match self.get(base, base_key, edit) {
            Some(held) => Ok((held?, false)),
            None => Ok((Built::unchecked(candidate(base, edit)?), true)),
        }
    }

    /// Hold `built`, the candidate `edit` gave on the base of key `base`.
    pub(crate) fn insert(&mut self, base: Key, edit: Edit, built: &Built) {
        // The edit is held too: its new bodies are as big as the function
        // they replace (a giant one's, megabytes).
        let size = built.module.bytes.len() + edit_bytes(&edit);
        if size > MAX_BYTES / 4 {
            return;
        }
        if self.bytes + size > MAX_BYTES {
            self.by_base.clear();
            self.bytes = 0;
        }
        let made = Made {
            bytes: built.module.bytes.clone(),
            validity: built.validity.clone(),
            key: built.key,
        };
        let held = self.by_base.entry(base).or_default();
        if let Some((old_edit, old)) = held.remove_entry(&edit) {
            self.bytes -= old.bytes.len() + edit_bytes(&old_edit);
        }
        held.insert(edit, made);
        self.bytes += size;
    }
}

/// The bytes an edit holds beyond its own size: new bodies and data.
fn edit_bytes(edit: &Edit) -> usize {
    let bodies: usize = edit.bodies.values().map(Vec::len).sum();
    let data: usize = edit.data_contents.values().map(Vec::len).sum();
    bodies + data
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn module(bytes: usize) -> Module {
        let wat = format!(
            "(module (data \"{}\") (func (export \"f\")))",
            "a".repeat(bytes)
        );
        Module::parse(wat::parse_str(wat).unwrap()).unwrap()
    }

    fn removing(export: u32) -> Edit {
        Edit {
            remove_exports: BTreeSet::from([export]),
            ..Edit::default()
        }
    }

    fn held(memo: &BuiltMemo, base: &Module, key: Key, edit: &Edit) -> Option<Vec<u8>> {
        memo.get(base, key, edit)
            .map(|b| b.unwrap().module.bytes.clone())
    }

    /// A candidate is found by its base and its edit, and by nothing else,
    /// with the bytes it was built with.
    #[test]
    fn a_candidate_is_found_by_its_base_and_edit() {
        let base = module(10);
        let mut memo = BuiltMemo::default();
        let built = Built::unchecked(whittle_module::candidate(&base, &removing(0)).unwrap());
        memo.insert((1, 100), removing(0), &built);
        assert_eq!(
            held(&memo, &base, (1, 100), &removing(0)),
            Some(built.module.bytes.clone())
        );
        assert_eq!(held(&memo, &base, (1, 100), &removing(1)), None);
        assert_eq!(held(&memo, &base, (2, 100), &removing(0)), None);
    }

    /// Past its bytes the memo starts afresh, and a candidate over a
    /// quarter of them is not held at all, counting its edit's new bodies.
    #[test]
    fn the_memo_holds_a_bounded_number_of_bytes() {
        let base = module(10);
        let mut memo = BuiltMemo::default();
        let big = Built::unchecked(module(MAX_BYTES / 4 + 1));
        memo.insert((1, 1), removing(0), &big);
        assert_eq!(held(&memo, &base, (1, 1), &removing(0)), None);
        assert_eq!(memo.bytes, 0);
        // A small candidate whose edit holds a big new body is big too.
        let giant_body = Edit {
            bodies: [(0, vec![0; MAX_BYTES / 4])].into(),
            ..Edit::default()
        };
        memo.insert((1, 1), giant_body.clone(), &Built::unchecked(module(10)));
        assert!(memo.by_base.values().all(HashMap::is_empty));
        let quarter = Built::unchecked(module(MAX_BYTES / 4 - 100));
        for export in 0..4 {
            memo.insert((1, 1), removing(export), &quarter);
        }
        assert!(held(&memo, &base, (1, 1), &removing(3)).is_some());
        assert!(memo.bytes <= MAX_BYTES);
        memo.insert((1, 1), removing(4), &quarter);
        assert_eq!(held(&memo, &base, (1, 1), &removing(0)), None);
        assert!(held(&memo, &base, (1, 1), &removing(4)).is_some());
        assert_eq!(memo.bytes, quarter.module.bytes.len());
    }
}
